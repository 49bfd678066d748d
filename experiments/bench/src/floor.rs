//! What `dylab bench --check` holds a row's time against: the engine's speed in this run against the
//! baseline's, the median over its floor rows (`intra-direct` of every kernel) of how much faster or
//! slower each ran. A row's own ratio is taken to one floor, its kernel's; when that floor alone ran
//! at another speed in one process (code placement: the committed baseline's kmega floor did, and
//! every kmega row "moved" by +130%), every row of the kernel moved with it. A median of several
//! floors moves by one rank when one of them flips: the flipped floor is then a row that moved, and
//! the rows of its kernel are not.

use dylab_engines::EngineKind;

use crate::calls::Variant;
use crate::measure::CallRow;
use crate::subject::Subject;
use crate::BenchData;

/// How much slower (> 1) this run's floors of `engine` ran than the baseline's, and how many floors
/// both runs have; None when they share none.
pub fn speed(baseline: &BenchData, current: &BenchData, engine: EngineKind) -> Option<(f64, usize)> {
    let floors = |d: &BenchData| -> Vec<CallRow> {
        d.calls
            .iter()
            .filter(|r| r.engine == engine && matches!(r.subject, Subject::Call(Variant::IntraDirect, _)))
            .cloned()
            .collect()
    };
    let base = floors(baseline);
    let changes: Vec<f64> = floors(current)
        .iter()
        .filter_map(|r| base.iter().find(|b| b.subject == r.subject).map(|b| r.median_ns / b.median_ns))
        .filter(|c| c.is_finite() && *c > 0.0)
        .collect();
    (!changes.is_empty()).then(|| (crate::stats::median(&changes), changes.len()))
}

/// A row's time as an interval: its median time with the relative width of its ratio's bootstrap
/// interval (what this run's sampling says about it), times `scale`. A row with no interval (a
/// floor's own ratio is 1 exactly; a baseline written before intervals) is the point of its time.
pub fn time_interval(r: &CallRow, scale: f64) -> [f64; 2] {
    let t = r.median_ns * scale;
    if r.ratio > 0.0 && r.ratio_ci[0] > 0.0 {
        [t * r.ratio_ci[0] / r.ratio, t * r.ratio_ci[1] / r.ratio]
    } else {
        [t, t]
    }
}

/// A row's ratio interval (the point of its ratio for a baseline written before intervals): what is
/// compared when the runs share no floor.
pub fn ratio_interval(r: &CallRow) -> [f64; 2] {
    if r.ratio_ci == [0.0, 0.0] {
        [r.ratio, r.ratio]
    } else {
        r.ratio_ci
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calls::Kernel;

    fn row(engine: EngineKind, v: Variant, k: Kernel, ns: f64) -> CallRow {
        CallRow {
            cell: format!("{engine}/{}/{}", v.name(), k.name()),
            engine,
            subject: Subject::Call(v, k),
            iterations: 1,
            median_ns: ns,
            q1_ns: ns,
            q3_ns: ns,
            net_ns: ns,
            ratio: 2.0,
            ratio_ci: [1.8, 2.4],
            ratio_rounds: [2.0, 2.0],
            checksum: 0,
        }
    }

    fn floors(ns: [f64; 5]) -> BenchData {
        let kernels = [Kernel::K0, Kernel::K1, Kernel::K4, Kernel::Kptr, Kernel::Kmega];
        let calls = kernels.iter().zip(ns).map(|(&k, ns)| row(EngineKind::Wasmi, Variant::IntraDirect, k, ns)).collect();
        BenchData { calls, ..Default::default() }
    }

    #[test]
    fn the_speed_is_the_median_floor_change_and_one_flipped_floor_does_not_move_it() {
        let base = floors([2.0, 2.0, 3.0, 4.0, 5.0]);
        // Everything 1.5x slower, but kmega's floor 3x: the median says 1.5.
        let now = floors([3.0, 3.0, 4.5, 6.0, 15.0]);
        assert_eq!(speed(&base, &now, EngineKind::Wasmi), Some((1.5, 5)));
        assert_eq!(speed(&base, &now, EngineKind::Wasmtime), None, "no floors of that engine");
    }

    #[test]
    fn a_rows_time_interval_has_its_ratios_relative_width() {
        let r = row(EngineKind::Wasmi, Variant::SharedTable, Kernel::K1, 10.0);
        assert_eq!(time_interval(&r, 1.0), [9.0, 12.0]);
        assert_eq!(time_interval(&r, 2.0), [18.0, 24.0]);
        let point = CallRow { ratio_ci: [0.0, 0.0], ..r };
        assert_eq!(time_interval(&point, 1.0), [10.0, 10.0]);
    }
}
