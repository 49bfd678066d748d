//! Every file `dylab bench` writes, as a list the CLI iterates: each output names its path under the
//! reports folder, the runs that rewrite it, and renders itself from the inputs (times, counts, the
//! isolation rows, the threads rows: each measured now or the committed one).

use std::path::Path;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use strum::{EnumIter, IntoEnumIterator};

use dylab_engines::EngineKind;

use crate::isolation::CopyData;
use crate::measurement::Measurements;
use crate::threads::ThreadData;
use crate::{BenchData, CountData};

/// What one `dylab bench` run measures, and so which files it rewrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter)]
pub enum Run {
    /// Call, libc-call and loader times (`dylab bench`).
    Times,
    /// Instruction counts under callgrind (`--count`), the isolation rows' among them.
    Counts,
    /// The isolation rows' times (`--isolation`).
    Isolation,
    /// dlopen with running threads (`--threads`).
    Threads,
}

/// What the outputs are rendered from.
#[derive(Default)]
pub struct Inputs {
    pub timed: Option<BenchData>,
    pub counts: Option<CountData>,
    pub isolation: Option<CopyData>,
    pub threads: Option<ThreadData>,
}

impl Inputs {
    /// Everything committed under `reports` (data/calls.json with data/samples.csv, counts.json,
    /// isolation.json, threads.json), each when there.
    pub fn committed(reports: &Path) -> Result<Inputs> {
        let data = reports.join("data");
        let mut timed: Option<BenchData> = read_json(&data.join("calls.json"))?;
        if let (Some(t), Some(csv)) = (&mut timed, read(&data.join("samples.csv"))?) {
            t.samples = crate::samples::from_csv(&csv)?;
        }
        Ok(Inputs {
            timed,
            counts: read_json(&data.join("counts.json"))?,
            isolation: read_json(&data.join("isolation.json"))?,
            threads: read_json(&data.join("threads.json"))?,
        })
    }
}

/// The text of `path`, or None when there is no such file.
fn read(path: &Path) -> Result<Option<String>> {
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(path).map(Some).with_context(|| format!("reading {}", path.display()))
}

/// `path` parsed, or None when there is no such file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    let Some(text) = read(path)? else { return Ok(None) };
    serde_json::from_str(&text).map(Some).with_context(|| format!("parsing {}", path.display()))
}

/// One output file of `dylab bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter)]
pub enum Output {
    /// The times, led by the counts when there are some, with the isolation and threads sections.
    CallsMd,
    /// Every variant and kernel per engine, counts beside times, and the isolation row.
    CallsSvg,
    /// The loader growth curves.
    GrowthSvg,
    /// The timing rows.
    CallsJson,
    /// The raw timing samples.
    SamplesCsv,
    /// The instruction counts.
    CountsJson,
    /// What isolation costs per call: the method and the tables.
    IsolationMd,
    /// The isolation rows.
    IsolationJson,
    /// dlopen with running threads, per design.
    ThreadsSvg,
    /// The threads rows.
    ThreadsJson,
}

impl Output {
    /// The file, relative to the reports folder.
    pub fn path(self) -> &'static str {
        match self {
            Output::CallsMd => "calls.md",
            Output::CallsSvg => "calls.svg",
            Output::GrowthSvg => "growth.svg",
            Output::CallsJson => "data/calls.json",
            Output::SamplesCsv => "data/samples.csv",
            Output::CountsJson => "data/counts.json",
            Output::IsolationMd => "isolation.md",
            Output::IsolationJson => "data/isolation.json",
            Output::ThreadsSvg => "threads.svg",
            Output::ThreadsJson => "data/threads.json",
        }
    }

    /// Whether `run` rewrites this file: the one holding its data, and those showing it.
    pub fn written_by(self, run: Run) -> bool {
        match self {
            Output::CallsMd => true,
            Output::CallsSvg => run != Run::Threads,
            Output::GrowthSvg | Output::CallsJson | Output::SamplesCsv => run == Run::Times,
            Output::CountsJson => run == Run::Counts,
            Output::IsolationMd => matches!(run, Run::Counts | Run::Isolation),
            Output::IsolationJson => run == Run::Isolation,
            Output::ThreadsSvg | Output::ThreadsJson => run == Run::Threads,
        }
    }

    /// The outputs `run` writes, in this order.
    pub fn written(run: Run) -> impl Iterator<Item = Output> {
        Output::iter().filter(move |o| o.written_by(run))
    }

    /// The file's text; `None` when its inputs are missing (a count with no committed times).
    pub fn render(self, input: &Inputs) -> Result<Option<String>> {
        let (timed, counts) = (input.timed.as_ref(), input.counts.as_ref());
        let (isolation, threads) = (input.isolation.as_ref(), input.threads.as_ref());
        Ok(match self {
            Output::CallsMd => timed.map(|t| {
                crate::report::calls_md(t, counts)
                    + &crate::isolation::calls_md_section(isolation, counts)
                    + &crate::threads::calls_md_section(threads)
            }),
            Output::CallsSvg => timed.map(|t| calls_svg(t, input)).transpose()?,
            Output::GrowthSvg => timed.map(growth_svg).transpose()?,
            Output::CallsJson => json(timed)?,
            Output::SamplesCsv => timed.map(|t| crate::samples::to_csv(&t.samples)).transpose()?,
            Output::CountsJson => json(counts)?,
            Output::IsolationMd => isolation.map(|i| crate::isolation::isolation_md(i, counts)),
            Output::IsolationJson => json(isolation)?.map(|s| s + "\n"),
            Output::ThreadsSvg => threads.map(|t| crate::threads::svg(&Measurements::of_threads(t))).transpose()?,
            Output::ThreadsJson => json(threads)?.map(|s| s + "\n"),
        })
    }
}

/// calls.svg from the times, the counts and the isolation rows.
fn calls_svg(t: &BenchData, input: &Inputs) -> Result<String> {
    let engines: Vec<EngineKind> = t.engines.keys().copied().collect();
    let counts = input.counts.as_ref().map(Measurements::of_counts);
    let isolation = input.isolation.as_ref().map(Measurements::of_isolation);
    crate::charts::calls_svg(&engines, &Measurements::of_times(t), counts.as_ref(), isolation.as_ref())
}

/// growth.svg from a run's growth measurements.
fn growth_svg(t: &BenchData) -> Result<String> {
    let m = Measurements::of_times(t);
    crate::charts::growth_svg(&crate::growth::Point::all(&m), &crate::growth::native_points(&m))
}

/// A data file's pretty JSON, when there is data.
fn json<T: serde::Serialize>(v: Option<&T>) -> Result<Option<String>> {
    Ok(v.map(serde_json::to_string_pretty).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_run_writes_its_files_and_a_count_without_times_writes_only_counts() {
        let paths = |run| Output::written(run).map(Output::path).collect::<Vec<_>>();
        assert_eq!(paths(Run::Times), ["calls.md", "calls.svg", "growth.svg", "data/calls.json", "data/samples.csv"]);
        assert_eq!(paths(Run::Counts), ["calls.md", "calls.svg", "data/counts.json", "isolation.md"]);
        assert_eq!(paths(Run::Isolation), ["calls.md", "calls.svg", "isolation.md", "data/isolation.json"]);
        assert_eq!(paths(Run::Threads), ["calls.md", "threads.svg", "data/threads.json"]);
        let input = Inputs { counts: Some(CountData::default()), ..Default::default() };
        let rendered: Vec<Output> =
            Output::written(Run::Counts).filter(|o| o.render(&input).unwrap().is_some()).collect();
        assert_eq!(rendered, [Output::CountsJson]);
    }

    #[test]
    fn every_output_is_written_by_some_run_and_reads_back_from_the_committed_folder() {
        for o in Output::iter() {
            assert!(Run::iter().any(|r| o.written_by(r)), "{o:?} is written by no run");
        }
        let dir = tempfile::tempdir().unwrap();
        assert!(Inputs::committed(dir.path()).unwrap().timed.is_none());
        let threads = ThreadData { machine: "m".into(), runs: 1, rows: vec![] };
        let input = Inputs { threads: Some(threads), ..Default::default() };
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let text = Output::ThreadsJson.render(&input).unwrap().unwrap();
        std::fs::write(dir.path().join(Output::ThreadsJson.path()), &text).unwrap();
        assert_eq!(Inputs::committed(dir.path()).unwrap().threads.unwrap().machine, "m");
        std::fs::write(dir.path().join("data/isolation.json"), "{").unwrap();
        assert!(format!("{:#}", Inputs::committed(dir.path()).err().unwrap()).contains("parsing"));
    }
}
