//! Measurements on an engine whose stores this process cannot make (V8 lives inside Node): the same
//! `run_here` runs in a Node process that loaded the addon `dylab_v8`, on the engines it can reach,
//! and its rows come back as JSON to be merged.

use std::path::PathBuf;

use anyhow::{Context, Result};
use dylab_engines::EngineKind;
use dylab_lab::Paths;
use serde::{Deserialize, Serialize};

use crate::{BenchData, Kernel, Selection, Variant};

#[derive(Serialize, Deserialize)]
struct Request {
    corpus: PathBuf,
    reports: PathBuf,
    cache: PathBuf,
    quick: bool,
    engines: Vec<EngineKind>,
    variants: Vec<Variant>,
    kernels: Vec<Kernel>,
    loader: bool,
    libc_calls: bool,
}

/// Runs the selection's measurements for `engines` in a Node process (see [`serve`]).
/// The Node side's measurements and the raw samples they were computed from.
#[derive(Serialize, Deserialize)]
struct Answer {
    data: BenchData,
    samples: Vec<crate::samples::Sample>,
}

pub fn measure(paths: &Paths, quick: bool, select: &Selection, engines: Vec<EngineKind>) -> Result<BenchData> {
    let req = Request {
        corpus: paths.corpus.clone(),
        reports: paths.reports.clone(),
        cache: paths.cache.clone(),
        quick,
        engines,
        variants: select.variants.clone(),
        kernels: select.kernels.clone(),
        loader: select.loader,
        libc_calls: select.libc_calls,
    };
    let answer = dylab_engine_v8::remote::once("bench", &serde_json::to_string(&req)?).map_err(|e| anyhow::anyhow!(e))?;
    let answer: Result<Answer, String> = serde_json::from_str(&answer).context("the Node bench's answer")?;
    let answer = answer.map_err(|e| anyhow::anyhow!("in Node: {e}"))?;
    // `samples` is not part of BenchData's JSON (it goes to data/samples.csv): carried beside it.
    Ok(BenchData { samples: answer.samples, ..answer.data })
}

/// Inside Node (the addon's `bench`): one request in, the rows (or the error) out as JSON.
pub fn serve(line: &str) -> String {
    let run = || -> Result<Answer> {
        let req: Request = serde_json::from_str(line).context("bad bench request")?;
        let paths = Paths { corpus: req.corpus, reports: req.reports, cache: req.cache };
        let select = Selection {
            engines: req.engines,
            variants: req.variants,
            kernels: req.kernels,
            loader: req.loader,
            libc_calls: req.libc_calls,
        };
        let mut data = crate::run_here(&paths, req.quick, &select, &|m| eprintln!("dylab bench (node): {m}"))?;
        Ok(Answer { samples: std::mem::take(&mut data.samples), data })
    };
    let answer: Result<Answer, String> = run().map_err(|e| format!("{e:#}"));
    serde_json::to_string(&answer).expect("serialisable")
}
