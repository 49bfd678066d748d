//! Medians, quantiles and bootstrap percentile intervals: every statistic of the timing rows is
//! computed from the flat samples (reports/data/samples.csv) by these functions.

use dylab_engines::EngineKind;

use crate::subject::Subject;

/// Confidence level of every interval in the reports.
pub const LEVEL: f64 = 0.95;
/// Bootstrap resamples per interval.
pub const RESAMPLES: usize = 2_000;
/// Consecutive sweeps resampled together (a moving-block bootstrap): a row that runs at one speed
/// for a stretch of sweeps keeps whole stretches, so its interval is not narrowed by pretending
/// that neighbouring samples are independent.
pub const BLOCK: usize = 5;
/// The generator's seed: the same samples give the same intervals.
const SEED: u64 = 0x64796c6162;

pub fn median(v: &[f64]) -> f64 {
    quantile(v, 0.5)
}

/// Linear-interpolated quantile `q` (0..=1); NaN for no values.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    let pos = q * (s.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

/// The [`LEVEL`] percentile-bootstrap interval of the median of `values` (in sampling order), by
/// moving blocks of [`BLOCK`] consecutive values. One value gives a point; none gives NaNs.
pub fn median_interval(values: &[f64]) -> [f64; 2] {
    let n = values.len();
    if n <= 1 {
        let m = median(values);
        return [m, m];
    }
    let block = BLOCK.min(n);
    let starts = (n - block + 1) as u64;
    let mut rng = oorandom::Rand64::new(SEED as u128);
    let mut medians = Vec::with_capacity(RESAMPLES);
    let mut resample = Vec::with_capacity(n + block);
    for _ in 0..RESAMPLES {
        resample.clear();
        while resample.len() < n {
            let start = rng.rand_range(0..starts) as usize;
            resample.extend_from_slice(&values[start..start + block]);
        }
        resample.truncate(n);
        medians.push(median(&resample));
    }
    let tail = (1.0 - LEVEL) / 2.0;
    [quantile(&medians, tail), quantile(&medians, 1.0 - tail)]
}

/// What `dylab bench --check` adds to each side of a row's interval for the difference between two
/// runs (processes), which no interval from within one run covers: code layout and the machine's
/// state differ per process, and a whole kernel's ratios move together when its floor (the
/// intra-module call) runs at another speed in the next process. Measured on the 2-core VM over
/// five full runs (ten pairs of runs, every row but the floors): with the bare 95% intervals 218 of
/// 750 wasmtime row pairs, 238 of 680 wasmi and 184 of 620 V8 had disjoint intervals; widened by
/// 15% per side 12, 8 and 58; by 25% 0, 0 and 17; by 40% none at all. V8 (tiering, GC, inline
/// caches in the JavaScript paths) moves most between processes. So a change must exceed about
/// 1.6x (wasmtime, wasmi) or 2x (V8) plus the intervals before the times can see it on such a
/// machine; the instruction counts are the fine-grained snapshot.
/// The allowance is stated on each engine's registry line ([`EngineKind::variation`]).
pub fn between_runs(engine: EngineKind) -> f64 {
    engine.variation().between_runs
}

/// What a row whose call leaves wasm (a forwarder, dlcall's lookup, a host libc) is allowed between
/// runs on an engine whose host paths differ from process to process (V8's JavaScript and runtime
/// paths; their counts get `counts::PROCESS_TOLERANCE` for the same reason). Measured: in five
/// `--check` runs of all engines against one baseline on the idle VM, one run flagged four v8-liftoff
/// host-call rows (dlcall k1/k4/k8, trampoline-dynamic k1) at 2.2-2.4x while the engine's floors moved
/// +10%; 75% per side accepts up to about 3x.
pub const HOST_PATH_BETWEEN_RUNS: f64 = 0.75;

/// The allowance for `subject` on `engine`: [`between_runs`], or [`HOST_PATH_BETWEEN_RUNS`] for a call
/// that leaves wasm where the engine's host paths do not repeat.
pub fn allowance(engine: EngineKind, subject: Subject) -> f64 {
    if subject.leaves_wasm() && !engine.variation().host_calls_repeat {
        HOST_PATH_BETWEEN_RUNS.max(between_runs(engine))
    } else {
        between_runs(engine)
    }
}

/// Every engine's [`allowance`], for the reports: "wasmtime 25%, wasmi 25%, v8 40% (75% for calls
/// that leave wasm)".
pub fn between_runs_list() -> String {
    let host = Subject::Call(crate::calls::Variant::Dlcall, crate::calls::Kernel::K1);
    EngineKind::ALL
        .map(|k| match allowance(k, host) {
            a if a == between_runs(k) => format!("{} {:.0}%", k.name(), a * 100.0),
            a => format!("{} {:.0}% ({:.0}% for calls that leave wasm)", k.name(), between_runs(k) * 100.0, a * 100.0),
        })
        .join(", ")
}

/// `interval` widened by `allowance` ([`between_runs`]) on each side (relatively: ratios span 1x
/// to 300x).
pub fn widened(interval: [f64; 2], allowance: f64) -> [f64; 2] {
    [interval[0] / (1.0 + allowance), interval[1] * (1.0 + allowance)]
}

/// Whether two intervals share no value: what `dylab bench --check` calls a change.
pub fn disjoint(a: [f64; 2], b: [f64; 2]) -> bool {
    a[1] < b[0] || b[1] < a[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 3.0, 4.0]), 2.5);
        assert_eq!(quantile(&[0.0, 10.0], 0.25), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn the_interval_holds_the_median_is_reproducible_and_narrows_with_less_noise() {
        // A deterministic wobble around 2.0 of width `w`.
        let series = |w: f64| (0..30).map(|i| 2.0 + w * (((i * 7) % 11) as f64 - 5.0) / 5.0).collect::<Vec<_>>();
        let wide = median_interval(&series(0.5));
        let narrow = median_interval(&series(0.05));
        assert!(wide[0] <= 2.0 && 2.0 <= wide[1], "{wide:?}");
        assert!(narrow[1] - narrow[0] < (wide[1] - wide[0]) / 5.0, "{narrow:?} vs {wide:?}");
        assert_eq!(median_interval(&series(0.5)), wide, "seeded: the same samples, the same interval");
        assert_eq!(median_interval(&[4.0]), [4.0, 4.0]);
    }

    #[test]
    fn a_shift_beyond_the_noise_gives_disjoint_intervals_and_noise_alone_does_not() {
        let base: Vec<f64> = (0..30).map(|i| 1.0 + 0.02 * ((i % 5) as f64)).collect();
        let same: Vec<f64> = (0..30).map(|i| 1.0 + 0.02 * (((i + 2) % 5) as f64)).collect();
        let slower: Vec<f64> = base.iter().map(|x| x * 1.2).collect();
        assert!(!disjoint(median_interval(&base), median_interval(&same)));
        assert!(disjoint(median_interval(&base), median_interval(&slower)));
    }

    /// A row that flips to another speed for a stretch (a block) gets a wider interval than the same
    /// values shuffled apart would suggest is needed; in any case it covers both speeds' middle.
    #[test]
    fn a_stretch_at_another_speed_widens_the_interval() {
        let mut flips = vec![1.0; 15];
        flips.extend(vec![1.4; 15]);
        let ci = median_interval(&flips);
        assert!(ci[0] <= 1.0 && ci[1] >= 1.4, "{ci:?}");
    }
}
