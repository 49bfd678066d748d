//! Timing measurements for tests, built as a run would give them (one builder for every test of
//! the checks), and engines taken from the registry rather than named.

use dylab_engines::EngineKind;

use super::{Measurement, Measurements, Metric, Of, Unit};
use crate::calls::{Kernel, Variant};
use crate::subject::Subject;

/// Two different engines of the registry: the reference and another.
pub fn two_engines() -> (EngineKind, EngineKind) {
    let reference = EngineKind::reference();
    (reference, EngineKind::ALL.into_iter().find(|&k| k != reference).expect("the registry has two engines"))
}

/// Timed call rows, as [`Measurements::of_times`] flattens them.
#[derive(Default)]
pub struct Timings {
    rows: Vec<Measurement>,
}

impl Timings {
    /// A row of `ns` per iteration at `ratio` to its floor, the ratio's interval ±5%.
    pub fn call(self, engine: EngineKind, v: Variant, k: Kernel, ns: f64, ratio: f64) -> Timings {
        self.row(engine, Subject::Call(v, k), ns, ratio, Some([ratio * 0.95, ratio * 1.05]))
    }

    /// A floor (`intra-direct`): its ratio is 1 exactly, with no interval.
    pub fn floor(self, engine: EngineKind, k: Kernel, ns: f64) -> Timings {
        self.row(engine, Subject::Call(Variant::IntraDirect, k), ns, 1.0, None)
    }

    fn row(mut self, engine: EngineKind, subject: Subject, ns: f64, ratio: f64, interval: Option<[f64; 2]>) -> Timings {
        let of = Of::Loop(subject);
        for metric in [Metric::Median, Metric::Q1, Metric::Q3, Metric::Net] {
            self.rows.push(Measurement::new(engine, of, metric, ns, Unit::Nanoseconds));
        }
        self.rows.push(Measurement { interval, ..Measurement::new(engine, of, Metric::Ratio, ratio, Unit::Ratio) });
        self
    }

    /// A counted row of `n` instructions per call, as [`Measurements::of_counts`] flattens it.
    pub fn count(mut self, engine: EngineKind, v: Variant, k: Kernel, n: f64, exact: bool) -> Timings {
        let m = Measurement::new(engine, Of::Loop(Subject::Call(v, k)), Metric::Instructions, n, Unit::Instructions);
        self.rows.push(Measurement { exact, ..m });
        self
    }

    /// The rows without those of `v` (a selection of variants).
    pub fn without(mut self, v: Variant) -> Timings {
        self.rows.retain(|m| m.variant() != Some(v));
        self
    }

    pub fn build(self) -> Measurements {
        Measurements::new(self.rows)
    }
}
