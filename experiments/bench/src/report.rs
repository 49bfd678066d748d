//! `reports/calls.md`, its chart, the raw rows (`reports/data/calls.json`), and `--check` against
//! the committed baseline.

use std::collections::BTreeMap;
use std::fmt::Write;

use dylab_engines::EngineKind;
use serde::{Deserialize, Serialize};

use crate::calls::{Kernel, Variant};
use crate::libcalls::{ops, placements};
use crate::counts::CountData;
use crate::floor::Timed;
use crate::growth::GrowthRow;
use crate::loader::{LoaderRow, LoaderStep};
use crate::measure::CallRow;
use crate::measurement::{Measurements, Metric, Of};
use crate::samples::Sample;
use crate::subject::Subject;

/// Everything one `dylab bench` run measured.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct BenchData {
    /// The dylab commit measured (`git describe --always --dirty`), when git could tell.
    #[serde(default)]
    pub commit: Option<String>,
    pub machine: String,
    pub quick: bool,
    /// Engine -> pinned settings of the timing engines (fuel metering off); in registry order.
    pub engines: BTreeMap<EngineKind, Vec<(String, String)>>,
    pub toolchain: Vec<(String, String)>,
    /// Engine -> ns per iteration of the empty loop.
    pub empty_loop_ns: BTreeMap<EngineKind, f64>,
    pub calls: Vec<CallRow>,
    /// `{engine}/libc-call/{placement}/{op}`: variant = placement, kernel = op, ratio to static.
    #[serde(default)]
    pub libc_calls: Vec<CallRow>,
    pub loader: Vec<LoaderRow>,
    /// The SQLite macro benchmark (`macro_sqlite`), with the loader tables.
    #[serde(default)]
    pub macro_sqlite: Vec<crate::macro_sqlite::MacroRow>,
    /// Loader growth: the n-th dlopen with n-1 libraries loaded, per strategy.
    #[serde(default)]
    pub growth: Vec<GrowthRow>,
    /// The native reference of the growth (gcc -m32 under glibc's ld.so), when it could be built.
    #[serde(default)]
    pub native_growth: Option<crate::growth_native::NativeGrowth>,
    /// The raw samples every timing row was computed from; written apart, to data/samples.csv.
    #[serde(skip)]
    pub samples: Vec<Sample>,
}

impl BenchData {
    /// Adds another process's rows (its engines' measurements) to these.
    pub fn merge(&mut self, other: BenchData) {
        self.engines.extend(other.engines);
        self.empty_loop_ns.extend(other.empty_loop_ns);
        self.calls.extend(other.calls);
        self.libc_calls.extend(other.libc_calls);
        self.loader.extend(other.loader);
        self.macro_sqlite.extend(other.macro_sqlite);
        self.growth.extend(other.growth);
        self.samples.extend(other.samples);
    }
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    format!("{cpu}, {cores} cores, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

fn find(d: &BenchData, engine: EngineKind, v: Variant, k: Kernel) -> Option<&CallRow> {
    d.calls.iter().find(|r| r.engine == engine && r.subject == Subject::Call(v, k))
}

/// One target of issue 4 and whether this run met it.
pub struct Target {
    pub name: String,
    pub met: bool,
    pub detail: String,
}

pub fn targets(d: &BenchData) -> Vec<Target> {
    let mut out = Vec::new();
    // 1. Ratio stability between the two rounds of this run.
    let dev = |r: &CallRow| (r.ratio_rounds[0] - r.ratio_rounds[1]).abs() / r.ratio_rounds[0];
    let moved: Vec<String> = d
        .calls
        .iter()
        .filter(|r| dev(r) > 0.05)
        .map(|r| {
            format!(
                "`{}` {:.2}/{:.2} (IQR {:.2}–{:.2} ns)",
                r.cell, r.ratio_rounds[0], r.ratio_rounds[1], r.q1_ns, r.q3_ns
            )
        })
        .collect();
    let all: Vec<f64> = d.calls.iter().map(|r| dev(r) * 100.0).collect();
    if !d.calls.is_empty() {
        out.push(Target {
            name: "ratios stable within 5% between two consecutive rounds".into(),
            met: moved.is_empty(),
            detail: format!(
                "median change {:.1}%, {} of {} rows beyond 5%{}",
                crate::measure::median(&all),
                moved.len(),
                d.calls.len(),
                if moved.is_empty() {
                    String::new()
                } else {
                    format!(
                        ": {}. A row whose interquartile range spans two speeds runs at one or the other for whole \
                         stretches (the same wasm, the same instance): a machine effect such as code or table \
                         placement, not noise that more samples would remove",
                        moved.join(", ")
                    )
                }
            ),
        });
    }
    // 2. The matrix's trampoline (the engine's cheapest generic forwarder) against the typed one.
    // (A trampoline against a bare host call was ill-posed: a trampoline must re-enter wasm.)
    for &engine in d.engines.keys() {
        let mut worst: Option<(f64, String)> = None;
        for k in Kernel::ALL {
            if let (Some(g), Some(t)) =
                (find(d, engine, Variant::Trampoline, k), find(d, engine, Variant::TrampolineTyped, k))
            {
                let ratio = g.median_ns / t.median_ns;
                if worst.as_ref().is_none_or(|(w, _)| ratio > *w) {
                    worst = Some((ratio, k.name().to_string()));
                }
            }
        }
        if let Some((ratio, k)) = worst {
            out.push(Target {
                name: format!("{engine}: trampoline within 1.5x of the typed trampoline"),
                met: ratio <= 1.5,
                detail: format!(
                    "worst kernel {k}: {ratio:.2}x in time (instruction counts, above, are the exact comparison)"
                ),
            });
        }
    }
    out.extend(cross_module_target(d));
    out
}

/// 3. Non-trampoline cross-module calls on the reference engine against the intra-module floor.
fn cross_module_target(d: &BenchData) -> Option<Target> {
    let reference = EngineKind::reference();
    let cross = [Variant::CrossDirect, Variant::SharedTable, Variant::DlsymImport, Variant::ReplicatedTables];
    let in_cross = |r: &&CallRow| r.subject.call().is_some_and(|(v, _)| cross.contains(&v));
    let rows: Vec<&CallRow> = d.calls.iter().filter(|r| r.engine == reference).filter(in_cross).collect();
    let w = rows.iter().max_by(|a, b| a.ratio.total_cmp(&b.ratio))?;
    let (variant, kernel) = w.subject.call()?;
    let same_module = if variant == Variant::CrossDirect { Variant::IntraDirect } else { Variant::IntraIndirect };
    let local = find(d, reference, same_module, kernel).map(|r| r.ratio).unwrap_or(f64::NAN);
    Some(Target {
            name: format!(
                "{reference}: every non-trampoline cross-module variant within 1.3x of the intra-module direct call"
            ),
            met: w.ratio <= 1.3,
            detail: format!(
                "worst `{}` at {:.2}x ({:.2} ns vs {:.2} ns per iteration); the same call within one module ({}) is {:.2}x, \
                 so what remains is the cost of the call's kind (call_indirect's bounds and signature checks), not of \
                 crossing modules",
                w.cell,
                w.ratio,
                w.median_ns,
                w.median_ns / w.ratio,
                same_module.name(),
                local
            ),
    })
}

/// A timed loop's cell: median ns, ratio and its interval.
fn cell_text(m: &Measurements, engine: EngineKind, of: Of) -> Option<String> {
    let median = m.value(engine, of, Metric::Median)?;
    let ratio = m.get(engine, of, Metric::Ratio)?;
    let [low, high] = ratio.interval.unwrap_or([0.0, 0.0]);
    Some(format!("{median:.2} ×{:.2} ({low:.2}–{high:.2})", ratio.value))
}

/// `reports/calls.md`; led by the instruction counts when there are some.
pub fn calls_md(d: &BenchData, counts: Option<&CountData>) -> String {
    let m = Measurements::of_times(d);
    let mut s = String::new();
    writeln!(s, "# dylab call costs\n").unwrap();
    writeln!(
        s,
        "Generated by `dylab bench`{}{}; do not edit. Rows: `data/calls.json`; raw timing samples: `data/samples.csv`; \
         charts: `calls.svg` (every variant and kernel, counts beside times, log scale) and `growth.svg` (loader growth).\n",
        if d.quick { " --quick" } else { "" },
        d.commit.as_deref().map(|c| format!(" at dylab `{c}`")).unwrap_or_default()
    )
    .unwrap();
    if let Some(c) = counts {
        s.push_str(&crate::counts::markdown::counts_md(c));
        writeln!(s, "## Time per call\n").unwrap();
    }
    writeln!(s, "Machine: {}.\n", d.machine).unwrap();
    for (e, settings) in &d.engines {
        let list: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(s, "- {e}: {}", list.join(", ")).unwrap();
    }
    let tc: Vec<String> = d.toolchain.iter().map(|(k, v)| format!("{k} {v}")).collect();
    writeln!(s, "- toolchain: {}\n", tc.join(", ")).unwrap();
    writeln!(
        s,
        "Method: a caller module runs a loop of n calls `acc = f(acc, ...)` inside wasm (corpus/bench/caller.c); one call from \
         the host times the whole loop, so host entry is amortised over n (calibrated to ~{} per sample). Samples of all rows \
         are interleaved, in two rounds; every sample is a row of `data/samples.csv` (engine, variant, kernel, phase, \
         iteration, value = ns per loop iteration) and every statistic here is computed from those rows. Each cell: \
         **median ns per iteration**, **×ratio** to the intra-module direct call of the same engine and kernel (median of \
         per-sweep ratios) and that ratio's {:.0}% bootstrap interval (moving blocks of {} sweeps, {} resamples); the \
         interquartile range of the times is in calls.json and on the chart. `dylab bench --check` calls a row changed when \
         its interval and the baseline's, each widened for the difference between two runs ({}; measured over five \
         full runs on a 2-core VM: a change must exceed about 1.6x to 2x before times see it; the counts see any), \
         share no value. An iteration is the call plus the loop's own work; the empty \
         loop costs {} ns per iteration (subtract it for the call alone: `net_ns` in calls.json). Fuel metering is off for timing: \
         the modules timed and counted are compiled as built, without the fuel counter the matrix injects (`dylink::meter`); \
         `experiments/bench/tests/fuel.rs` proves with fuel on that every variant in a group runs exactly the same wasm per call.\n",
        if d.quick { "1 ms" } else { "4 ms" },
        crate::stats::LEVEL * 100.0,
        crate::stats::BLOCK,
        crate::stats::RESAMPLES,
        crate::stats::between_runs_list(),
        d.empty_loop_ns.iter().map(|(e, ns)| format!("{e} {ns:.2}")).collect::<Vec<_>>().join(", ")
    )
    .unwrap();
    for &engine in d.engines.keys() {
        variant_table(&mut s, &format!("## {engine}"), false, |v, k| cell_text(&m, engine, Of::Loop(Subject::Call(v, k))));
    }
    writeln!(s, "Variants: `intra-direct` and `intra-indirect` call a function of the caller's own module (the floor); `direct` binds the import \
        to the callee instance's export; `trampoline-typed` binds it to a typed host function (`Func::wrap`) that calls the callee; \
        `trampoline` is the matrix's `trampoline` strategy, the engine's cheapest generic forwarder (wasmtime: `Func::new_unchecked` \
        calling `Func::call_unchecked`, the type checked once at bind time; wasmi, which has no unchecked API: the typed forwarder \
        of the signature); `trampoline-dynamic` is the first design's dynamic forwarder (`Func::new`, values converted per call); `shared-table`, \
        `dlsym-import` and `replicated-tables` call_indirect through what `dlsym` returns under those strategies; \
        `shared-table-eager` is `shared-table` on a wasmtime engine with `table_lazy_init=false` (wasmtime only); `dlcall` calls by handle and name through \
        the host; `host-typed-bare` is a typed host function computing the kernel itself (a host call alone). `n/a`: dlcall returns an int.\n").unwrap();
    writeln!(s, "Kernels `kptr` and `kmega`: `kptr` passes a pointer into the caller's data (the one linear memory every \
        module shares) and the callee sums the 16 bytes there; `kmega` calls eight callees in a ring, a different one every \
        iteration: the pointer variants load it from a ring of eight pointers (a megamorphic call_indirect site), the direct \
        and trampoline variants switch over eight imports (eight forwarders), `intra-direct` over eight local functions, \
        `dlcall` looks up eight names. Counts average the ring per call; instruction counts do not see branch \
        misprediction, which is what a megamorphic site costs on hardware: compare the times. wasmtime runs with \
        `table_lazy_init=true` (its default; recorded above): a table element is initialised on its first call_indirect, and \
        warm-up has done that before anything is counted or timed.\n").unwrap();
    writeln!(s, "## Targets\n").unwrap();
    for t in targets(d) {
        writeln!(s, "- **{}** — {}: {}", t.name, if t.met { "met" } else { "missed" }, t.detail).unwrap();
    }
    writeln!(s).unwrap();
    if !d.libc_calls.is_empty() {
        writeln!(s, "## libc call costs\n").unwrap();
        writeln!(
            s,
            "One libc call made from a side module (corpus/bench/libcalls.c), by where libc lives: linked into the program \
             (`static`), in libc.wasm beside it (`libc-module`, a direct cross-instance call), or implemented by the host \
             (`libc-host`, the seed's wasm.js: a host call that works on the guest's memory). Median ns per call \
             (interquartile range) and ×ratio to static.\n"
        )
        .unwrap();
        for &engine in d.engines.keys() {
            writeln!(s, "| {engine} | {} |", ops().map(|op| op.name()).collect::<Vec<_>>().join(" | ")).unwrap();
            writeln!(s, "|---|{}", "---|".repeat(ops().count())).unwrap();
            for placement in placements() {
                let cells: Vec<String> = ops()
                    .map(|op| cell_text(&m, engine, Of::Loop(Subject::LibcCall(placement, op))))
                    .map(|c| c.unwrap_or_else(|| "n/a".into()))
                    .collect();
                writeln!(s, "| {} | {} |", placement.name(), cells.join(" | ")).unwrap();
            }
            writeln!(s).unwrap();
        }
    }
    s.push_str(&crate::macro_sqlite::section(&d.macro_sqlite, counts.map_or(&[], |c| &c.macro_sqlite)));
    loader_table(&mut s, d, &m);
    s.push_str(&crate::growth::markdown(&crate::growth::Point::all(&m), d.native_growth.as_ref()));
    s
}

/// The loader steps' medians (minimum), a column per engine, a row per step in the order measured.
fn loader_table(s: &mut String, d: &BenchData, m: &Measurements) {
    writeln!(s, "## Loader costs\n").unwrap();
    writeln!(s, "Median (minimum) over the samples, µs. Compiles use a fresh engine and new wire bytes (a custom section with a number used once), so that no cache answers; the rest reuse compiled modules. An engine that compiles lazily (its `compilation` setting above) only decodes and validates here and pays for each function at its first call.\n").unwrap();
    let engines: Vec<EngineKind> = d.engines.keys().copied().collect();
    let mut steps: Vec<LoaderStep> = Vec::new();
    for r in m.with(Metric::Median) {
        if let Of::Loader(step) = r.of {
            if !steps.contains(&step) {
                steps.push(step);
            }
        }
    }
    writeln!(s, "| step | {} |", engines.iter().map(|e| e.name()).collect::<Vec<_>>().join(" | ")).unwrap();
    writeln!(s, "|---|{}", "---|".repeat(engines.len())).unwrap();
    for step in steps {
        let of = Of::Loader(step);
        let cells: Vec<String> = engines
            .iter()
            .map(|&e| match (m.value(e, of, Metric::Median), m.value(e, of, Metric::Min)) {
                (Some(median), Some(min)) => format!("{median:.0} ({min:.0})"),
                _ => "n/a".into(),
            })
            .collect();
        writeln!(s, "| {step} | {} |", cells.join(" | ")).unwrap();
    }
    writeln!(s).unwrap();
}

/// Rows whose time changed against the baseline beyond the engine's speed ([`crate::floor`]): the
/// baseline's interval of the row's time ([`Timed::time_interval`]) scaled by the median change of
/// the engine's floor rows, and this run's, each widened by the difference measured between runs of
/// its engine and kind of call ([`crate::stats::allowance`]), share no value.
pub fn check(baseline: &Measurements, current: &Measurements) -> Vec<String> {
    let mut moved = Vec::new();
    for m in current.with(Metric::Median) {
        let Some(r) = Timed::of(current, m.engine, m.of) else { continue };
        let Some(b) = Timed::of(baseline, m.engine, m.of) else { continue };
        // A selection without the floors (`--variant direct`) compares the row's ratio to its kernel's.
        let speed = crate::floor::speed(baseline, current, m.engine).map(|(s, _)| s);
        let (bi, ri) = match speed {
            Some(speed) => (b.time_interval(speed), r.time_interval(1.0)),
            None => (b.ratio_interval(), r.ratio_interval()),
        };
        let Of::Loop(subject) = m.of else { continue };
        let widened = |i| crate::stats::widened(i, crate::stats::allowance(m.engine, subject));
        if crate::stats::disjoint(widened(bi), widened(ri)) {
            moved.push(moved_text(&m.cell(), &b, &r, speed));
        }
    }
    moved
}

/// What `--check` says of a row that moved.
fn moved_text(cell: &str, b: &Timed, r: &Timed, speed: Option<f64>) -> String {
    format!(
        "{cell}: {:.2} -> {:.2} ns per iteration ({:+.1}%; {}), ratio {:.3} -> {:.3}",
        b.median_ns,
        r.median_ns,
        (r.median_ns / b.median_ns - 1.0) * 100.0,
        match speed {
            Some(s) => format!("the engine's floors {:+.1}%", (s - 1.0) * 100.0),
            None => "no floor in both runs: ratios compared".into(),
        },
        b.ratio,
        r.ratio,
    )
}

/// One engine's table under `heading`: a row per variant, a column per kernel; `cell` gives a cell's
/// text (`None`: n/a). With `skip_empty`, a variant with no cell at all gets no row.
pub(crate) fn variant_table(
    s: &mut String,
    heading: &str,
    skip_empty: bool,
    cell: impl Fn(Variant, Kernel) -> Option<String>,
) {
    writeln!(s, "{heading}\n").unwrap();
    let header: Vec<String> = Kernel::ALL.iter().map(|k| format!("{} `{}`", k.name(), k.describe())).collect();
    writeln!(s, "| variant | {} |", header.join(" | ")).unwrap();
    writeln!(s, "|---|{}", "---|".repeat(Kernel::ALL.len())).unwrap();
    for v in Variant::ALL {
        let cells: Vec<Option<String>> = Kernel::ALL.iter().map(|&k| cell(v, k)).collect();
        if skip_empty && cells.iter().all(Option::is_none) {
            continue;
        }
        let cells: Vec<String> = cells.into_iter().map(|c| c.unwrap_or_else(|| "n/a".into())).collect();
        writeln!(s, "| {} | {} |", v.name(), cells.join(" | ")).unwrap();
    }
    writeln!(s).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::summarise;
    use crate::measurement::fixture::{two_engines, Timings};
    use crate::samples::{Phase, Sample};
    use crate::stats::between_runs;

    /// Samples of a floor at 2 ns and a row at `ratio` times it, with a small deterministic wobble.
    fn run(ratio: f64, wobble: f64) -> Measurements {
        run_on(EngineKind::reference(), ratio, wobble)
    }

    fn run_on(engine: EngineKind, ratio: f64, wobble: f64) -> Measurements {
        let (floor, row) = (Subject::Call(Variant::IntraDirect, Kernel::K1), Subject::Call(Variant::SharedTable, Kernel::K1));
        let mut raw = Vec::new();
        for phase in Phase::ALL {
            for i in 0..15u32 {
                let w = 1.0 + wobble * (((i * 7 + phase as u32 * 3) % 11) as f64 - 5.0) / 5.0;
                for (subject, ns) in [(floor, 2.0), (row, 2.0 * ratio * w)] {
                    raw.push(Sample { engine, subject, phase, iteration: i, value: ns });
                }
            }
        }
        let calls = vec![summarise(&raw, engine, floor, floor), summarise(&raw, engine, row, floor)];
        Measurements::of_times(&BenchData { calls, samples: raw, ..Default::default() })
    }

    #[test]
    fn check_flags_a_change_beyond_both_intervals_and_not_the_noise_within_them() {
        let e = EngineKind::reference();
        let base = run(1.3, 0.05);
        let r = Timed::of(&base, e, Of::Loop(Subject::Call(Variant::SharedTable, Kernel::K1))).unwrap();
        let [lo, hi] = r.ratio_ci.unwrap();
        assert!((r.ratio - 1.3).abs() < 0.05 && lo <= r.ratio && r.ratio <= hi, "{r:?}");
        assert!(check(&base, &run(1.31, 0.05)).is_empty(), "a 1% move inside 5% noise is no change");
        assert!(check(&base, &run(1.5, 0.05)).is_empty(), "15%: within what two runs differ by");
        let moved = check(&base, &run(2.2, 0.05));
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(moved[0].starts_with(&format!("{e}/shared-table/k1: 2.6")), "{moved:?}");
        assert!(moved[0].contains("floors +0.0%), ratio 1.30"), "{moved:?}");
        // The same change seen against a quiet row and missed against a noisy one: no fixed tolerance.
        assert_eq!(check(&run(1.3, 0.005), &run(2.2, 0.005)).len(), 1);
        assert!(check(&run(1.3, 0.4), &run(2.2, 0.4)).is_empty());
        // An engine that moves more between runs: the same change is within its allowance.
        let loosest = EngineKind::ALL.into_iter().max_by(|a, b| between_runs(*a).total_cmp(&between_runs(*b))).unwrap();
        assert!(between_runs(loosest) > between_runs(e), "the registry has a looser engine than the reference");
        assert!(check(&run_on(loosest, 1.3, 0.05), &run_on(loosest, 2.2, 0.05)).is_empty());
        // Rows are matched by engine and subject: another engine's row is not this one's baseline.
        assert!(check(&run_on(two_engines().1, 1.3, 0.05), &run(2.2, 0.05)).is_empty());
    }

    /// A k1 floor at 2 ns, a dlcall row (a call that leaves wasm) and a shared-table row (one that
    /// does not), both at 6 ns times `change`.
    fn host_and_wasm_rows(e: EngineKind, change: f64) -> Measurements {
        let ns = 6.0 * change;
        let t = Timings::default().floor(e, Kernel::K1, 2.0);
        t.call(e, Variant::Dlcall, Kernel::K1, ns, ns / 2.0).call(e, Variant::SharedTable, Kernel::K1, ns, ns / 2.0).build()
    }

    /// V8's host paths differ between processes (their counts get a tolerance for it): a 2.4x move
    /// of a host-call row there is within what two runs differ by, a 4x one is not; the same 2.4x of
    /// a call that stays in wasm, or of a host call on an engine whose host paths repeat, is a change.
    #[test]
    fn check_allows_calls_that_leave_wasm_more_where_the_engines_host_paths_do_not_repeat() {
        let varying = EngineKind::ALL.into_iter().find(|e| !e.variation().host_calls_repeat).expect("V8 in the registry");
        let steady = EngineKind::reference();
        assert!(steady.variation().host_calls_repeat);
        let moved = |e, change| check(&host_and_wasm_rows(e, 1.0), &host_and_wasm_rows(e, change));
        let varying_moved = moved(varying, 2.4);
        assert_eq!(varying_moved.len(), 1, "{varying_moved:?}");
        assert!(varying_moved[0].starts_with(&format!("{varying}/shared-table/k1:")), "{varying_moved:?}");
        assert_eq!(moved(varying, 4.0).len(), 2);
        assert_eq!(moved(steady, 2.4).len(), 2);
        assert!(moved(varying, 1.0).is_empty() && moved(steady, 1.0).is_empty());
    }

    /// Floors at 2 ns and shared-table rows at 3 ns of every kernel; `slow` multiplies everything,
    /// `kmega_floor` and `kmega_row` kmega's floor and row.
    fn kernels(slow: f64, kmega_floor: f64, kmega_row: f64) -> Timings {
        let e = EngineKind::reference();
        let mut t = Timings::default();
        for k in [Kernel::K0, Kernel::K1, Kernel::K4, Kernel::Kptr, Kernel::Kmega] {
            let floor = 2.0 * slow * if k == Kernel::Kmega { kmega_floor } else { 1.0 };
            let ns = 3.0 * slow * if k == Kernel::Kmega { kmega_row } else { 1.0 };
            t = t.floor(e, k, floor).call(e, Variant::SharedTable, k, ns, ns / floor);
        }
        t
    }

    /// The committed baseline's failure: one kernel's floor ran at another speed in one process and
    /// every row of that kernel "moved". Against the median of the floors, the floor moved, its rows
    /// did not; a machine twice as slow moves nothing; a row that really changed still does.
    #[test]
    fn check_holds_rows_to_the_median_floor_so_one_floor_cannot_flip_its_kernel() {
        let e = EngineKind::reference();
        let base = kernels(1.0, 1.0, 1.0).build();
        let flipped = check(&base, &kernels(1.0, 2.3, 1.0).build());
        assert_eq!(flipped.len(), 1, "{flipped:?}");
        assert!(flipped[0].starts_with(&format!("{e}/intra-direct/kmega: 2.00 -> 4.60")), "{flipped:?}");
        assert!(check(&base, &kernels(2.0, 1.0, 1.0).build()).is_empty(), "a slower machine: every floor moved alike");
        let real = check(&base, &kernels(2.0, 1.0, 2.3).build());
        assert_eq!(real.len(), 1, "{real:?}");
        assert!(real[0].starts_with(&format!("{e}/shared-table/kmega:")) && real[0].contains("floors +100.0%"), "{real:?}");
        // Without the floors (a selection of variants) the ratios are compared: kmega's doubled.
        let no_floors = |t: Timings| t.without(Variant::IntraDirect).build();
        let by_ratio = check(&no_floors(kernels(1.0, 1.0, 1.0)), &no_floors(kernels(1.0, 1.0, 2.3)));
        assert_eq!(by_ratio.len(), 1, "{by_ratio:?}");
        assert!(by_ratio[0].contains("ratio 1.500 -> 3.450"), "{by_ratio:?}");
    }
}
