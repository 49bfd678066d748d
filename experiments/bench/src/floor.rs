//! What `dylab bench --check` holds a row's time against: the engine's speed in this run against the
//! baseline's, the median over its floor rows (`intra-direct` of every kernel) of how much faster or
//! slower each ran. A row's own ratio is taken to one floor, its kernel's; when that floor alone ran
//! at another speed in one process (code placement: the committed baseline's kmega floor did, and
//! every kmega row "moved" by +130%), every row of the kernel moved with it. A median of several
//! floors moves by one rank when one of them flips: the flipped floor is then a row that moved, and
//! the rows of its kernel are not.

use dylab_engines::EngineKind;

use crate::calls::Variant;
use crate::measurement::{Measurements, Metric, Of};
use crate::subject::Subject;

/// A timed loop as `--check` reads it from the measurements: its median time and its ratio to the
/// floor with the ratio's interval (none in a baseline written before intervals, or a floor's own).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timed {
    pub median_ns: f64,
    pub ratio: f64,
    pub ratio_ci: Option<[f64; 2]>,
}

impl Timed {
    /// The loop `of` on `engine`, when both its median and its ratio were measured.
    pub fn of(m: &Measurements, engine: EngineKind, of: Of) -> Option<Timed> {
        let ratio = m.get(engine, of, Metric::Ratio)?;
        Some(Timed { median_ns: m.value(engine, of, Metric::Median)?, ratio: ratio.value, ratio_ci: ratio.interval })
    }

    /// Its time as an interval: the median with the relative width of the ratio's bootstrap interval
    /// (what this run's sampling says about it), times `scale`; a point without an interval.
    pub fn time_interval(&self, scale: f64) -> [f64; 2] {
        let t = self.median_ns * scale;
        match self.ratio_ci {
            Some([lo, hi]) if self.ratio > 0.0 && lo > 0.0 => [t * lo / self.ratio, t * hi / self.ratio],
            _ => [t, t],
        }
    }

    /// Its ratio interval (the point of its ratio without one): what is compared when the runs share
    /// no floor.
    pub fn ratio_interval(&self) -> [f64; 2] {
        self.ratio_ci.unwrap_or([self.ratio, self.ratio])
    }
}

/// The floor rows' medians of `engine` by kernel.
fn floors(m: &Measurements, engine: EngineKind) -> impl Iterator<Item = (Of, f64)> + '_ {
    m.with(Metric::Median)
        .filter(move |r| r.engine() == Some(engine) && matches!(r.of, Of::Loop(Subject::Call(Variant::IntraDirect, _))))
        .map(|r| (r.of, r.value))
}

/// How much slower (> 1) this run's floors of `engine` ran than the baseline's, and how many floors
/// both runs have; None when they share none.
pub fn speed(baseline: &Measurements, current: &Measurements, engine: EngineKind) -> Option<(f64, usize)> {
    let changes: Vec<f64> = floors(current, engine)
        .filter_map(|(of, ns)| baseline.value(engine, of, Metric::Median).map(|b| ns / b))
        .filter(|c| c.is_finite() && *c > 0.0)
        .collect();
    (!changes.is_empty()).then(|| (crate::stats::median(&changes), changes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::Kernel;
    use crate::measurement::fixture::{two_engines, Timings};

    fn floors(engine: EngineKind, ns: [f64; 5]) -> Measurements {
        let kernels = [Kernel::K0, Kernel::K1, Kernel::K4, Kernel::Kptr, Kernel::Kmega];
        kernels.into_iter().zip(ns).fold(Timings::default(), |t, (k, ns)| t.floor(engine, k, ns)).build()
    }

    #[test]
    fn the_speed_is_the_median_floor_change_and_one_flipped_floor_does_not_move_it() {
        let (e, other) = two_engines();
        let base = floors(e, [2.0, 2.0, 3.0, 4.0, 5.0]);
        // Everything 1.5x slower, but kmega's floor 3x: the median says 1.5.
        let now = floors(e, [3.0, 3.0, 4.5, 6.0, 15.0]);
        assert_eq!(speed(&base, &now, e), Some((1.5, 5)));
        assert_eq!(speed(&base, &now, other), None, "no floors of that engine");
    }

    #[test]
    fn a_rows_time_interval_has_its_ratios_relative_width() {
        let r = Timed { median_ns: 10.0, ratio: 2.0, ratio_ci: Some([1.8, 2.4]) };
        assert_eq!(r.time_interval(1.0), [9.0, 12.0]);
        assert_eq!(r.time_interval(2.0), [18.0, 24.0]);
        let point = Timed { ratio_ci: None, ..r };
        assert_eq!(point.time_interval(1.0), [10.0, 10.0]);
        assert_eq!((r.ratio_interval(), point.ratio_interval()), ([1.8, 2.4], [2.0, 2.0]));
        // Read back from the measurements as the fixture wrote it.
        let (e, _) = two_engines();
        let of = Of::Loop(Subject::Call(Variant::SharedTable, Kernel::K1));
        let m = Timings::default().call(e, Variant::SharedTable, Kernel::K1, 10.0, 2.0).build();
        assert_eq!(Timed::of(&m, e, of), Some(Timed { median_ns: 10.0, ratio: 2.0, ratio_ci: Some([1.9, 2.1]) }));
    }
}
