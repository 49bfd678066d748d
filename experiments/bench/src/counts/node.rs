//! Counts on V8: the counting child is Node with the addon `dylab_v8` (which carries the same
//! [`super::child`] code, so its client requests reach callgrind), started by [`super::parent`]
//! under callgrind with [`dylab_engine_v8::COUNT_FLAGS`]; the selection goes in on stdin, the
//! [`ChildReport`] comes out on stdout.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{anyhow, Context, Result};
use dylab_engines::EngineKind;
use dylab_lab::Paths;
use serde::{Deserialize, Serialize};

use super::child::{self, ChildReport};
use crate::{Kernel, Selection, Variant};

/// Valgrind options for the Node child. V8 writes code and then runs it: `--smc-check=all` makes
/// valgrind notice code rewritten in place (V8 patches jump tables and call sites) instead of
/// running a stale translation. Measured on k1: the same counts as valgrind's default
/// (`--smc-check=stack`), in 24 s instead of 20 s; kept so that a patch can never go unseen.
pub const VALGRIND_OPTIONS: &[&str] = &["--smc-check=all"];

#[derive(Serialize, Deserialize)]
struct Request {
    corpus: PathBuf,
    reports: PathBuf,
    cache: PathBuf,
    engines: Vec<EngineKind>,
    variants: Vec<Variant>,
    kernels: Vec<Kernel>,
}

/// The Node command (not started) and what to write to its stdin, counting `engines`.
pub fn command(paths: &Paths, select: &Selection, engines: Vec<EngineKind>) -> Result<(Command, String)> {
    let cmd = dylab_engine_v8::remote::command(dylab_engine_v8::COUNT_FLAGS, Some("count")).map_err(|e| anyhow!(e))?;
    let req = Request {
        corpus: std::path::absolute(&paths.corpus)?,
        reports: std::path::absolute(&paths.reports)?,
        cache: std::path::absolute(&paths.cache)?,
        engines,
        variants: select.variants.clone(),
        kernels: select.kernels.clone(),
    };
    Ok((cmd, serde_json::to_string(&req)?))
}

/// Reads Node's answer: the report, or the error it ended with.
pub fn answer(stdout: &[u8]) -> Result<ChildReport> {
    let answer: Result<ChildReport, String> = serde_json::from_slice(stdout).context("the Node counting process's answer")?;
    answer.map_err(|e| anyhow!("in Node: {e}"))
}

/// Inside Node (the addon's `count`): one request in, the report (or the error) out as JSON.
pub fn serve(line: &str) -> String {
    let run = || -> Result<ChildReport> {
        let req: Request = serde_json::from_str(line).context("bad count request")?;
        let paths = Paths { corpus: req.corpus, reports: req.reports, cache: req.cache };
        let select = Selection {
            engines: req.engines,
            variants: req.variants,
            kernels: req.kernels,
            loader: false,
            libc_calls: false,
        };
        // On Node's main thread: V8 allows no other.
        child::run_here(&paths, &select)
    };
    let answer: Result<ChildReport, String> = run().map_err(|e| format!("{e:#}"));
    serde_json::to_string(&answer).expect("serialisable")
}
