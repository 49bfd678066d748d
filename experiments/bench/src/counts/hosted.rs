//! Counts on an engine hosted in another process (V8: Node with the addon `dylab_v8`, which
//! carries the same [`super::child`] code, so its client requests reach callgrind), started by
//! [`super::parent`] under callgrind as the host's [`ProcessHost::counting`] says; the selection
//! goes in on stdin, the [`ChildReport`] comes out on stdout.

use std::process::Command;

use anyhow::{anyhow, Result};
use dylab_engines::EngineKind;
use dylab_lab::Paths;
use dylink::engine::ProcessHost;

use super::child::{self, ChildReport};
use crate::{hosted, Selection};

/// The host's command (not started), the valgrind options it needs and what to write to its
/// stdin, counting `engines`.
pub fn command(
    host: &dyn ProcessHost,
    paths: &Paths,
    select: &Selection,
    engines: Vec<EngineKind>,
) -> Result<(Command, &'static [&'static str], String)> {
    let (cmd, options) = host.counting(hosted::COUNT).map_err(|e| anyhow!(e))?;
    let select = Selection { loader: false, libc_calls: false, ..select.clone() };
    let req = hosted::Request::new(paths, false, &select, engines)?;
    Ok((cmd, options, serde_json::to_string(&req)?))
}

/// Reads the host's answer: the report, or the error it ended with.
pub fn answer(stdout: &[u8]) -> Result<ChildReport> {
    hosted::answer(stdout, "counting process")
}

/// Inside the host (its entry [`hosted::COUNT`]): one request in, the report (or the error) out as JSON.
pub fn serve(line: &str) -> String {
    // On the host's main thread (V8 allows no other).
    hosted::serve(line, |req| child::run_here(&req.paths(), &req.select))
}
