//! Measurements on an engine whose stores this process cannot make: the same code runs in the
//! process the registry says hosts it ([`dylab_engines::EngineKind::hosted_in`]; V8: Node with
//! the addon `dylab_v8`), on the engines it can reach. One [`Request`] goes in as a JSON line and
//! the answer (or the error it ended with) comes back as JSON: timings ([`measure`], entry
//! [`BENCH`]) and instruction counts ([`crate::counts::hosted`], entry [`COUNT`]) alike.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use dylab_engines::EngineKind;
use dylab_lab::Paths;
use dylink::engine::ProcessHost;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{BenchData, Selection};

/// The host's entry point serving timings ([`serve_bench`]).
pub const BENCH: &str = "bench";
/// The host's entry point serving instruction counts ([`crate::counts::hosted::serve`]).
pub const COUNT: &str = "count";
/// Every entry point a hosting process serves (each hosted engine's host exports them all).
pub const ENTRIES: [&str; 2] = [BENCH, COUNT];

/// What a hosting process is asked to measure: the lab's folders (absolute: its working folder is
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

/// The selected engines grouped by the process hosting them, in registry order: `None` for this
/// process, else the host.
pub type Place = Option<&'static dyn ProcessHost>;

/// `engines` by where they run: this process first, then each host with its engines.
pub fn by_place(engines: impl Iterator<Item = EngineKind>) -> Vec<(Place, Vec<EngineKind>)> {
    let mut groups: Vec<(Place, Vec<EngineKind>)> = vec![(None, Vec::new())];
    for kind in engines {
        let place = kind.hosted_in();
        let same = |p: &Place| p.map(|h| h.describe()) == place.map(|h| h.describe());
        match groups.iter_mut().find(|(p, _)| same(p)) {
            Some((_, kinds)) => kinds.push(kind),
            None => groups.push((place, vec![kind])),
        }
    }
    groups
}

/// Inside the host: one request in (`line`), `run`'s answer or its error out as JSON.
pub fn serve<T: Serialize>(line: &str, run: impl FnOnce(Request) -> Result<T>) -> String {
    let answer: Result<T, String> =
        serde_json::from_str(line).context("bad request").and_then(run).map_err(|e| format!("{e:#}"));
    serde_json::to_string(&answer).expect("serialisable")
}

/// Reads what [`serve`] wrote: the answer, or the error the host ended with.
pub fn answer<T: DeserializeOwned>(json: &[u8], what: &str) -> Result<T> {
    let answer: Result<T, String> =
        serde_json::from_slice(json).with_context(|| format!("the hosted {what}'s answer"))?;
    answer.map_err(|e| anyhow!("in the host: {e}"))
}

/// The host's measurements and the raw samples they were computed from.
#[derive(Serialize, Deserialize)]
struct Answer {
    data: BenchData,
    samples: Vec<crate::samples::Sample>,
}

/// Runs the selection's measurements for `engines` in a process of `host` (see [`serve_bench`]).
pub fn measure(
    paths: &Paths,
    quick: bool,
    select: &Selection,
    host: &dyn ProcessHost,
    engines: Vec<EngineKind>,
) -> Result<BenchData> {
    let req = Request::new(paths, quick, select, engines)?;
    let json = host.once(BENCH, &serde_json::to_string(&req)?).map_err(|e| anyhow!(e))?;
    let answer: Answer = answer(json.as_bytes(), "bench")?;
    // `samples` is not part of BenchData's JSON (it goes to data/samples.csv): carried beside it.
    Ok(BenchData { samples: answer.samples, ..answer.data })
}

/// Inside the host (its entry [`BENCH`]): the timings of one request.
pub fn serve_bench(line: &str) -> String {
    serve(line, |req| {
        let mut data =
            crate::run_here(&req.paths(), req.quick, &req.select, &|m| eprintln!("dylab bench (hosted): {m}"))?;
        Ok(Answer { samples: std::mem::take(&mut data.samples), data })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_group_by_where_they_run_this_process_first() {
        let groups = by_place(EngineKind::ALL.into_iter());
        assert!(groups[0].0.is_none(), "this process's group comes first");
        let mut seen: Vec<EngineKind> = groups.iter().flat_map(|(_, kinds)| kinds.clone()).collect();
        seen.sort();
        assert_eq!(seen, EngineKind::ALL, "every engine in exactly one group");
        for (place, kinds) in &groups {
            for kind in kinds {
                assert_eq!(kind.runs_in_process(), place.is_none(), "{kind}");
                assert_eq!(kind.hosted_in().map(|h| h.describe()), place.map(|h| h.describe()), "{kind}");
            }
        }
        // A test binary is no engine's host process: some engine (V8 outside Node) is hosted.
        assert!(groups.len() > 1, "no hosted engine");
    }
}
