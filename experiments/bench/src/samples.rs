//! The raw timing samples as flat rows (reports/data/samples.csv): one row per timed loop, from
//! which every median, quartile and interval of calls.md is computed.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

/// Which of the two interleaved rounds of one run a sample belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Round1,
    Round2,
}

impl Phase {
    pub const ALL: [Phase; 2] = [Phase::Round1, Phase::Round2];
}

/// One timed loop. `variant`/`kernel` are the names of calls.md (a libc-call row: placement and
/// operation; the empty loop: `empty-loop`/`none`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub engine: String,
    pub variant: String,
    pub kernel: String,
    pub phase: Phase,
    /// The sweep within the phase (0-based): samples of one sweep were taken back to back, so a
    /// row's sample pairs with its floor's sample of the same sweep.
    pub iteration: u32,
    /// Nanoseconds per loop iteration (the call plus the loop's own work).
    pub value: f64,
}

/// The variant name of the empty loop's samples.
pub const EMPTY_LOOP: (&str, &str) = ("empty-loop", "none");

pub fn to_csv(samples: &[Sample]) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for s in samples {
        w.serialize(s).context("writing a sample")?;
    }
    let bytes = w.into_inner().context("finishing samples.csv")?;
    Ok(String::from_utf8(bytes).expect("csv of UTF-8 fields is UTF-8"))
}

pub fn from_csv(text: &str) -> Result<Vec<Sample>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.with_context(|| format!("samples.csv row {}", i + 2)))
        .collect()
}

/// The values of one series in sampling order (round 1, then round 2).
pub fn series(samples: &[Sample], engine: &str, variant: &str, kernel: &str) -> Vec<f64> {
    let mut rows: Vec<&Sample> =
        samples.iter().filter(|s| s.engine == engine && s.variant == variant && s.kernel == kernel).collect();
    rows.sort_by_key(|s| (s.phase as u8, s.iteration));
    rows.iter().map(|s| s.value).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_round_trip_through_csv_with_the_published_header() {
        let rows = vec![
            Sample {
                engine: "wasmtime".into(),
                variant: "shared-table".into(),
                kernel: "k1".into(),
                phase: Phase::Round2,
                iteration: 3,
                value: 1.25,
            },
            Sample {
                engine: "wasmi".into(),
                variant: "empty-loop".into(),
                kernel: "none".into(),
                phase: Phase::Round1,
                iteration: 0,
                value: 0.5,
            },
        ];
        let text = to_csv(&rows).unwrap();
        assert!(text.starts_with("engine,variant,kernel,phase,iteration,value\n"), "{text}");
        assert!(text.contains("wasmtime,shared-table,k1,round2,3,1.25\n"), "{text}");
        assert_eq!(from_csv(&text).unwrap(), rows);
        let bad = from_csv("engine,variant,kernel,phase,iteration,value\nw,v,k,round3,0,1\n").unwrap_err();
        assert!(format!("{bad:#}").contains("row 2"), "{bad:#}");
    }

    #[test]
    fn a_series_is_in_sampling_order() {
        let s = |phase, iteration, value| Sample {
            engine: "e".into(),
            variant: "v".into(),
            kernel: "k".into(),
            phase,
            iteration,
            value,
        };
        let rows = vec![s(Phase::Round2, 0, 3.0), s(Phase::Round1, 1, 2.0), s(Phase::Round1, 0, 1.0)];
        assert_eq!(series(&rows, "e", "v", "k"), [1.0, 2.0, 3.0]);
    }
}
