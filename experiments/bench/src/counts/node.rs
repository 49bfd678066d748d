//! Counts on V8: the counting child is Node with the addon `dylab_v8` (which carries the same
//! [`super::child`] code, so its client requests reach callgrind), started by [`super::parent`]
//! under callgrind with its runtime's count flags (`dylab_engine_v8::Runtime::count_flags`); the selection goes in on stdin, the
//! [`ChildReport`] comes out on stdout.

use std::process::Command;

use anyhow::Result;
use dylab_engines::EngineKind;
use dylab_lab::Paths;

use super::child::{self, ChildReport};
use crate::{remote, Selection};

/// Valgrind options for the Node child. V8 writes code and then runs it: `--smc-check=all-non-file`
/// makes valgrind notice code rewritten in place (V8 patches jump tables and call sites) in every
/// mapping not backed by a file, which is where generated code lives, instead of running a stale
/// translation. `--smc-check=all` (which also checks Node's own code) took about 190 s for all V8
/// cells, this 170-175 s.
pub const VALGRIND_OPTIONS: &[&str] = &["--smc-check=all-non-file"];

/// The Node command (not started) and what to write to its stdin, counting `kind`.
pub fn command(paths: &Paths, select: &Selection, kind: EngineKind) -> Result<(Command, String)> {
    let cmd = remote::host_command(kind, "count", true)?;
    let select = Selection { loader: false, libc_calls: false, ..select.clone() };
    let req = remote::Request::new(paths, false, &select, vec![kind])?;
    Ok((cmd, serde_json::to_string(&req)?))
}

/// Reads Node's answer: the report, or the error it ended with.
pub fn answer(stdout: &[u8]) -> Result<ChildReport> {
    remote::answer(stdout, "counting process")
}

/// Inside Node (the addon's `count`): one request in, the report (or the error) out as JSON.
pub fn serve(line: &str) -> String {
    // On Node's main thread: V8 allows no other.
    remote::serve(line, |req| child::run_here(&req.paths(), &req.select))
}
