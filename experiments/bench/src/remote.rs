//! Measurements on an engine whose stores this process cannot make (V8 lives inside Node): the same
//! code runs in a Node process that loaded the addon `dylab_v8`, on the engines it can reach. One
//! [`Request`] goes in as a JSON line and the answer (or the error it ended with) comes back as JSON:
//! timings ([`measure`], the addon's `bench`) and instruction counts ([`crate::counts::node`], the
//! addon's `count`) alike.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use dylab_engines::EngineKind;
use dylab_lab::Paths;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{BenchData, Selection};

/// What a Node process is asked to measure: the lab's folders (absolute: Node's working folder is
/// not ours to rely on), the selection and whether to sample briefly.
#[derive(Serialize, Deserialize)]
pub struct Request {
    corpus: PathBuf,
    reports: PathBuf,
    cache: PathBuf,
    pub quick: bool,
    pub select: Selection,
}

impl Request {
    /// The request for `select`, narrowed to `engines`.
    pub fn new(paths: &Paths, quick: bool, select: &Selection, engines: Vec<EngineKind>) -> Result<Request> {
        Ok(Request {
            corpus: std::path::absolute(&paths.corpus)?,
            reports: std::path::absolute(&paths.reports)?,
            cache: std::path::absolute(&paths.cache)?,
            quick,
            select: Selection { engines, ..select.clone() },
        })
    }

    pub fn paths(&self) -> Paths {
        Paths { corpus: self.corpus.clone(), reports: self.reports.clone(), cache: self.cache.clone() }
    }
}

/// Inside Node: one request in (`line`), `run`'s answer or its error out as JSON.
pub fn serve<T: Serialize>(line: &str, run: impl FnOnce(Request) -> Result<T>) -> String {
    let answer: Result<T, String> = serde_json::from_str(line)
        .context("bad request")
        .and_then(run)
        .map_err(|e| format!("{e:#}"));
    serde_json::to_string(&answer).expect("serialisable")
}

/// Reads what [`serve`] wrote: the answer, or the error the Node side ended with.
pub fn answer<T: DeserializeOwned>(json: &[u8], what: &str) -> Result<T> {
    let answer: Result<T, String> = serde_json::from_slice(json).with_context(|| format!("the Node {what}'s answer"))?;
    answer.map_err(|e| anyhow!("in Node: {e}"))
}

/// The Node side's measurements and the raw samples they were computed from.
#[derive(Serialize, Deserialize)]
struct Answer {
    data: BenchData,
    samples: Vec<crate::samples::Sample>,
}

/// The process `kind` runs in, started for its export `job` (see [`EngineKind::host_process`]).
pub fn host_command(kind: EngineKind, job: &str, counting: bool) -> Result<std::process::Command> {
    kind.host_process(job, counting).ok_or_else(|| anyhow!("{kind} runs in this process"))?.map_err(|e| anyhow!(e))
}

/// Runs the selection's measurements for `kind` in a process of its own, Node for V8 (see [`serve_bench`]).
pub fn measure(paths: &Paths, quick: bool, select: &Selection, kind: EngineKind) -> Result<BenchData> {
    let req = Request::new(paths, quick, select, vec![kind])?;
    let cmd = host_command(kind, "bench", false)?;
    let json = dylab_engine_v8::remote::once(cmd, &serde_json::to_string(&req)?).map_err(|e| anyhow!(e))?;
    let answer: Answer = answer(json.as_bytes(), "bench")?;
    // `samples` is not part of BenchData's JSON (it goes to data/samples.csv): carried beside it.
    Ok(BenchData { samples: answer.samples, ..answer.data })
}

/// Inside Node (the addon's `bench`): the timings of one request.
pub fn serve_bench(line: &str) -> String {
    serve(line, |req| {
        let mut data = crate::run_here(&req.paths(), req.quick, &req.select, &|m| eprintln!("dylab bench (node): {m}"))?;
        Ok(Answer { samples: std::mem::take(&mut data.samples), data })
    })
}
