//! The raw timing samples as flat rows (reports/data/samples.csv): one row per timed loop, from
//! which every median, quartile and interval of calls.md is computed.

use anyhow::{Context, Result};
use dylab_engines::EngineKind;
use serde::{Deserialize, Serialize};

use crate::subject::Subject;

/// Which of the two interleaved rounds of one run a sample belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    Round1,
    Round2,
}

impl Phase {
    pub const ALL: [Phase; 2] = [Phase::Round1, Phase::Round2];
}

/// One timed loop: a flat row (sightglass-style), typed; its CSV (and wire) form is [`SampleText`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(into = "SampleText", try_from = "SampleText")]
pub struct Sample {
    pub engine: EngineKind,
    pub subject: Subject,
    pub phase: Phase,
    /// The sweep within the phase (0-based): samples of one sweep were taken back to back, so a
    /// row's sample pairs with its floor's sample of the same sweep.
    pub iteration: u32,
    /// Nanoseconds per loop iteration (the call plus the loop's own work).
    pub value: f64,
}

/// A sample as a row of samples.csv (the header `engine,variant,kernel,phase,iteration,value`).
#[derive(Serialize, Deserialize)]
struct SampleText {
    engine: EngineKind,
    variant: String,
    kernel: String,
    phase: Phase,
    iteration: u32,
    value: f64,
}

impl From<Sample> for SampleText {
    fn from(s: Sample) -> SampleText {
        let (variant, kernel) = s.subject.columns();
        SampleText {
            engine: s.engine,
            variant: variant.into(),
            kernel: kernel.into(),
            phase: s.phase,
            iteration: s.iteration,
            value: s.value,
        }
    }
}

impl TryFrom<SampleText> for Sample {
    type Error = anyhow::Error;
    fn try_from(t: SampleText) -> Result<Sample> {
        let subject = Subject::from_columns(&t.variant, &t.kernel)
            .with_context(|| format!("no bench row measures {}/{}", t.variant, t.kernel))?;
        Ok(Sample { engine: t.engine, subject, phase: t.phase, iteration: t.iteration, value: t.value })
    }
}

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
        .deserialize::<SampleText>()
        .enumerate()
        .map(|(i, r)| {
            r.map_err(anyhow::Error::from)
                .and_then(Sample::try_from)
                .with_context(|| format!("samples.csv row {}", i + 2))
        })
        .collect()
}

/// The values of one series in sampling order (round 1, then round 2).
pub fn series(samples: &[Sample], engine: EngineKind, subject: Subject) -> Vec<f64> {
    let mut rows: Vec<&Sample> = samples.iter().filter(|s| s.engine == engine && s.subject == subject).collect();
    rows.sort_by_key(|s| (s.phase as u8, s.iteration));
    rows.iter().map(|s| s.value).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::{Kernel, Variant};
    use crate::measurement::fixture::two_engines;

    #[test]
    fn samples_round_trip_through_csv_with_the_published_header() {
        let (e, other) = two_engines();
        let rows = vec![
            Sample {
                engine: e,
                subject: Subject::Call(Variant::SharedTable, Kernel::K1),
                phase: Phase::Round2,
                iteration: 3,
                value: 1.25,
            },
            Sample { engine: other, subject: Subject::EmptyLoop, phase: Phase::Round1, iteration: 0, value: 0.5 },
        ];
        let text = to_csv(&rows).unwrap();
        assert!(text.starts_with("engine,variant,kernel,phase,iteration,value\n"), "{text}");
        assert!(text.contains(&format!("{e},shared-table,k1,round2,3,1.25\n")), "{text}");
        assert!(text.contains(&format!("{other},empty-loop,none,round1,0,0.5\n")), "{text}");
        assert_eq!(from_csv(&text).unwrap(), rows);
        let bad =
            from_csv(&format!("engine,variant,kernel,phase,iteration,value\n{e},direct,k1,round3,0,1\n")).unwrap_err();
        assert!(format!("{bad:#}").contains("row 2"), "{bad:#}");
        let unknown =
            from_csv(&format!("engine,variant,kernel,phase,iteration,value\n{e},direct,k9,round1,0,1\n")).unwrap_err();
        assert!(format!("{unknown:#}").contains("direct/k9"), "{unknown:#}");
    }

    #[test]
    fn a_series_is_in_sampling_order() {
        let subject = Subject::Call(Variant::Dlcall, Kernel::K0);
        let (e, other) = two_engines();
        let s = |phase, iteration, value| Sample { engine: e, subject, phase, iteration, value };
        let rows = vec![s(Phase::Round2, 0, 3.0), s(Phase::Round1, 1, 2.0), s(Phase::Round1, 0, 1.0)];
        assert_eq!(series(&rows, e, subject), [1.0, 2.0, 3.0]);
        assert!(series(&rows, other, subject).is_empty());
    }
}
