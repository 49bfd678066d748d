//! A run as JSON lines: what `dylab run --json` prints (one line per engine's settings, per cell as it
//! ends, per native run) and what `dylab report --from` reads back, from one file or from the files
//! of several shards, into the order a single run gives, so that the reports come out byte-identical.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::cell::{cells, EngineKind, Filter};
use crate::corpus::Case;
use crate::native::NativeResult;
use crate::run::CellResult;

/// One engine's pinned settings, as the reports print them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineSettings {
    pub engine: EngineKind,
    pub settings: Vec<(String, String)>,
}

/// A cell result with how long it ran, as a line carries it (the result's own serialized form,
/// in data/matrix.json, has no time).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TimedCell {
    #[serde(flatten)]
    pub result: CellResult,
    #[serde(rename = "duration_ms", with = "millis")]
    pub duration: Duration,
}

impl From<&CellResult> for TimedCell {
    fn from(r: &CellResult) -> TimedCell {
        TimedCell { result: r.clone(), duration: r.duration }
    }
}

/// A duration as a number of milliseconds (microsecond precision), as JSON shows it.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_micros() as f64 / 1000.0)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let ms = f64::deserialize(d)?;
        Duration::try_from_secs_f64(ms / 1000.0).map_err(serde::de::Error::custom)
    }
}

/// The commit of the sources a run came from ([`crate::provenance`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub source: String,
}

/// One line of a run. Told apart by their fields: a cell result has `cell`, a native result
/// `declared`, an engine's settings `settings`, the sources' commit `source`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
#[allow(clippy::large_enum_variant)]
pub enum Line {
    Cell(TimedCell),
    Native(NativeResult),
    Engine(EngineSettings),
    Source(Source),
}

/// A whole run, in a single run's order: cells in corpus order, native runs in case order, engines
/// in registry order.
#[derive(Debug, Default)]
pub struct Record {
    pub results: Vec<CellResult>,
    pub native: Vec<NativeResult>,
    pub engines: Vec<(EngineKind, Vec<(String, String)>)>,
    /// The sources' commits the files name, each once (several when shards ran different commits).
    pub sources: Vec<String>,
}

impl Record {
    /// Reads and merges the files (each a run or a shard of one); refuses a cell or case that two
    /// files both ran, a cell not in `cases`, and engines whose settings differ between files.
    pub fn read(files: &[&Path], cases: &[Case]) -> Result<Record> {
        let mut lines = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
            for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                let parsed: Line = serde_json::from_str(line)
                    .with_context(|| format!("{}:{}: not a line of `dylab run --json`", file.display(), n + 1))?;
                lines.push(parsed);
            }
        }
        Record::merge(lines, cases)
    }

    fn merge(lines: Vec<Line>, cases: &[Case]) -> Result<Record> {
        let order: HashMap<String, usize> =
            cells(cases, &Filter::default()).iter().enumerate().map(|(i, c)| (c.to_string(), i)).collect();
        let case_order: HashMap<&str, usize> = cases.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
        let mut results: BTreeMap<usize, CellResult> = BTreeMap::new();
        let mut native: BTreeMap<usize, NativeResult> = BTreeMap::new();
        let mut engines: BTreeMap<EngineKind, Vec<(String, String)>> = BTreeMap::new();
        let mut sources: Vec<String> = Vec::new();
        for line in lines {
            match line {
                Line::Cell(TimedCell { result, duration }) => {
                    let r = CellResult { duration, ..result };
                    let Some(&i) = order.get(&r.cell) else { bail!("cell {} is not in this corpus", r.cell) };
                    if results.insert(i, r).is_some() {
                        bail!("cell {} is in more than one line: overlapping shards?", results[&i].cell);
                    }
                }
                Line::Native(r) => {
                    let Some(&i) = case_order.get(r.case.as_str()) else {
                        bail!("case {} is not in this corpus", r.case)
                    };
                    if native.insert(i, r).is_some() {
                        bail!("native/{} is in more than one line: overlapping shards?", native[&i].case);
                    }
                }
                Line::Engine(e) => match engines.get(&e.engine) {
                    Some(s) if *s != e.settings => bail!("the files ran {} with different settings", e.engine),
                    _ => drop(engines.insert(e.engine, e.settings)),
                },
                Line::Source(s) if !sources.contains(&s.source) => sources.push(s.source),
                Line::Source(_) => {}
            }
        }
        if let Some(missing) = EngineKind::ALL.iter().find(|e| !engines.contains_key(e)) {
            bail!("no settings line for engine {missing}: not the output of `dylab run --json`?");
        }
        Ok(Record {
            results: results.into_values().collect(),
            native: native.into_values().collect(),
            engines: engines.into_iter().collect(),
            sources,
        })
    }
}
