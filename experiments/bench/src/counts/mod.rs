//! Instruction counts per call (`dylab bench --count`): the regression snapshot, exact where the
//! engine is deterministic. A child process of the dylab binary runs under callgrind and counts
//! regions of n1 and n2 loop iterations ([`child`]); the parent starts it and reads callgrind's
//! dumps ([`parent`]); cost per call = (I(n2) - I(n1)) / (n2 - n1).

pub mod child;
pub mod hosted;
pub mod markdown;
pub mod native;
pub mod parent;

use std::collections::BTreeMap;

use dylab_engines::EngineKind;
use serde::{Deserialize, Serialize};

use crate::calls::{Kernel, Variant};
use crate::isolation::{Layout, Load};
use crate::measurement::{Measurement, Measurements, Metric, Of};

/// Loop iterations of the two counted regions of a cell.
pub const REGIONS: [u32; 2] = [200, 1200];
/// dlcall's regions: each of its calls goes through the host's symbol lookup (6,700 to 25,700
/// instructions per call) and its count is not exact anyway, so a fifth of the iterations does;
/// its cells took a quarter of V8's counting time with [`REGIONS`].
pub const SHORT_REGIONS: [u32; 2] = [40, 240];
// Both regions hold whole rings of the ring kernel.
const RING: u32 = Kernel::Kmega.callees().len() as u32;
const _: () = assert!(REGIONS[0].is_multiple_of(RING) && REGIONS[1].is_multiple_of(RING));
const _: () = assert!(SHORT_REGIONS[0].is_multiple_of(RING) && SHORT_REGIONS[1].is_multiple_of(RING));

/// The counted regions of `variant`'s cells.
pub fn regions(variant: Variant) -> [u32; 2] {
    if variant.counts_exactly() {
        REGIONS
    } else {
        SHORT_REGIONS
    }
}

fn default_regions() -> [u32; 2] {
    REGIONS
}
/// What a counting child writes on stderr after each cell: the parent shows these lines as progress
/// (a full count takes minutes) and keeps the others for an error message.
pub const PROGRESS: &str = "dylab-count: counted ";

/// In a counting child: reports `cell` done.
pub fn progress(cell: &str) {
    eprintln!("{PROGRESS}{cell}");
}

/// Counted repetitions of the (n1, n2) pair: a row is exact when they agree.
pub const REPETITIONS: usize = 2;
/// Relative change `--check` accepts for a row that is not exact. Non-exact rows are those whose
/// host code hashes names with a per-process seed (`dlcall`'s symbol lookup): between processes of
/// one build they moved by up to 1.03% (wasmtime dlcall k1: 6,551.0, 6,552.1 and 6,618.7 in three
/// full counts), most rows by under 0.1%; 3% leaves a margin of about three.
pub const NON_EXACT_TOLERANCE: f64 = 0.03;
/// Relative change `--check` accepts for a call that leaves wasm on an engine whose host path
/// counts differently from process to process ([`host_calls_repeat`]). Measured on V8 over five
/// full counts: both repetitions within a process agree, but between processes such rows moved by
/// up to 43% (trampoline kmega: 479 and 685 instructions per call; dlcall k0: 8,479 and 8,895),
/// while every row that stays in wasm repeated exactly. 50%: what that variation allows.
pub const PROCESS_TOLERANCE: f64 = 0.5;

/// Whether an engine's calls that leave wasm count the same in every process. V8's do not: they
/// run V8's JavaScript and runtime paths, whose inline caches and heap state were seen to differ
/// between processes started with the same flags and input (see [`PROCESS_TOLERANCE`]).
/// Stated on each engine's registry line ([`EngineKind::variation`]).
pub fn host_calls_repeat(engine: EngineKind) -> bool {
    engine.variation().host_calls_repeat
}

/// The relative change `--check` accepts for `variant` on `engine`: 0 where the count is exact.
pub fn tolerance(engine: EngineKind, variant: Variant) -> f64 {
    allowed(engine, variant.leaves_wasm(), variant.counts_exactly())
}

/// The relative change `--check` accepts for an isolation row: the rule of [`tolerance`], so a copy
/// through the host adapter gets its engine's [`PROCESS_TOLERANCE`] where host calls vary between
/// processes (V8's isolated/0, /256 and /4096: 3.1 to 3.5% apart in two counts of builds whose
/// wasmtime and wasmi rows all counted the same).
pub fn copy_tolerance(engine: EngineKind, layout: Layout, load: Load) -> f64 {
    allowed(engine, layout.leaves_wasm(), layout.counts_exactly(load))
}

/// The one rule of both: a call leaving wasm on an engine whose host calls vary between processes
/// gets [`PROCESS_TOLERANCE`], another row that does not repeat exactly [`NON_EXACT_TOLERANCE`], the
/// rest 0.
fn allowed(engine: EngineKind, leaves_wasm: bool, counts_exactly: bool) -> f64 {
    if leaves_wasm && !host_calls_repeat(engine) {
        PROCESS_TOLERANCE
    } else if !counts_exactly {
        NON_EXACT_TOLERANCE
    } else {
        0.0
    }
}

/// One row of counts.json: `{engine}/{variant}/{kernel}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CountRow {
    pub cell: String,
    pub engine: EngineKind,
    pub variant: Variant,
    pub kernel: Kernel,
    /// Instructions per loop iteration (the call and the loop's own few instructions), first repetition.
    pub instructions_per_call: f64,
    /// Both repetitions gave the same integral count per call.
    pub exact: bool,
    /// Instructions per call of each repetition.
    pub repetitions: Vec<f64>,
    /// What the loop returned (identical for every variant of a kernel).
    pub checksum: i32,
    /// Loop iterations of the two counted regions ([`regions`]).
    #[serde(default = "default_regions")]
    pub regions: [u32; 2],
    /// The relative change `--check` accepts ([`tolerance`]): 0 for a row counted exactly.
    #[serde(default)]
    pub tolerance: f64,
}

/// `reports/data/counts.json`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CountData {
    /// The dylab commit counted (`git describe --always --dirty`), when git could tell.
    #[serde(default)]
    pub commit: Option<String>,
    pub machine: String,
    pub valgrind: String,
    /// Loop iterations of the two counted regions.
    pub regions: [u32; 2],
    /// Engine -> pinned settings of the counting engine (a compiler: its pinned target); registry order.
    pub engines: BTreeMap<EngineKind, Vec<(String, String)>>,
    pub toolchain: Vec<(String, String)>,
    pub rows: Vec<CountRow>,
    /// The SQLite macro benchmark's instructions per row (`macro_sqlite`).
    #[serde(default)]
    pub macro_sqlite: Vec<crate::macro_sqlite::MacroCount>,
    /// The native baselines (gcc -m32 under glibc's ld.so), when the host compiler could build them.
    #[serde(default)]
    pub native: Option<native::NativeCounts>,
    /// The isolation table's rows (shared memory, isolated, isolated-fused, component model by bytes
    /// copied, and the component's kernels), counted with every variant and kernel selected.
    #[serde(default)]
    pub isolation: Vec<crate::isolation::IsolationCount>,
}

impl CountData {
    pub fn find(&self, engine: EngineKind, v: Variant, k: Kernel) -> Option<&CountRow> {
        self.rows.iter().find(|r| r.engine == engine && r.variant == v && r.kernel == k)
    }

    /// These counts with the rows of a narrower count `fresh` (of `select`) put in place of the
    /// rows it counted again, and new rows added at the end: so counting one engine or variant
    /// does not need recounting all. Stamps are `fresh`'s; rows outside `select` keep their counts.
    pub fn updated(mut self, fresh: CountData, select: &crate::Selection) -> CountData {
        self.rows.retain(|r| {
            !select.covers(r.engine, r.variant, r.kernel) || fresh.find(r.engine, r.variant, r.kernel).is_some()
        });
        for r in fresh.rows {
            match self.rows.iter_mut().find(|o| (o.engine, o.variant, o.kernel) == (r.engine, r.variant, r.kernel)) {
                Some(old) => *old = r,
                None => self.rows.push(r),
            }
        }
        if !fresh.macro_sqlite.is_empty() {
            self.macro_sqlite.retain(|m| !fresh.macro_sqlite.iter().any(|f| f.engine == m.engine));
            self.macro_sqlite.extend(fresh.macro_sqlite);
        }
        if !fresh.isolation.is_empty() {
            self.isolation.retain(|m| !fresh.isolation.iter().any(|f| f.engine == m.engine));
            self.isolation.extend(fresh.isolation);
        }
        self.engines.extend(fresh.engines);
        CountData {
            commit: fresh.commit,
            machine: fresh.machine,
            valgrind: fresh.valgrind,
            regions: fresh.regions,
            toolchain: fresh.toolchain,
            native: fresh.native.or(self.native),
            ..self
        }
    }
}

/// Per call from the two regions' totals; exact when the difference divides evenly into the loop's
/// periods (`period` calls: a ring kernel's loop repeats once per ring, its calls differ).
pub fn per_call(regions: [u32; 2], totals: [u64; 2], period: usize) -> (f64, bool) {
    let span = (regions[1] - regions[0]) as u64;
    let periods = span / period as u64;
    let diff = totals[1] as i128 - totals[0] as i128;
    (diff as f64 / span as f64, diff >= 0 && (diff as u64).is_multiple_of(periods))
}

/// A row `--check` found changed.
#[derive(Clone, Debug, PartialEq)]
pub struct MovedCount {
    /// `cell: old -> new instructions per call (change): why`.
    pub text: String,
    /// The counted call runs host code of this binary (a forwarder, dlcall's lookup, a host
    /// function): its count follows the lab's own build as well as the engine's.
    pub through_host: bool,
}

impl std::fmt::Display for MovedCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Rows of `current` that differ from `baseline`: any change of a row exact in both, else a change
/// beyond the larger of the two rows' tolerances ([`tolerance`]; a baseline row written before rows
/// carried one gets [`NON_EXACT_TOLERANCE`]). A row that is exact on one side only is compared with
/// the tolerance: a variable row (dlcall's) can repeat itself by chance. Rows only one side has (a
/// narrower selection, a new variant) are not compared.
pub fn check(baseline: &CountData, current: &CountData) -> Vec<MovedCount> {
    let (base, now) = (Measurements::of_counts(baseline), Measurements::of_counts(current));
    // The calls (the native baselines' too) and the isolation rows (the SQLite cells' counts and
    // native dlopen's are shown, not checked).
    let checked = now
        .with(Metric::Instructions)
        .filter(|m| matches!(m.of, Of::Loop(_) | Of::Copy { .. } | Of::NativeCall { .. }));
    checked
        .filter_map(|r| {
            let text = moved_count(base.get(r.runner, r.of, Metric::Instructions)?, r)?;
            Some(MovedCount { text, through_host: r.of.leaves_wasm() })
        })
        .collect()
}

/// `r`'s change against its baseline `b`: any change of a count exact on both sides, else one beyond
/// the larger tolerance.
fn moved_count(b: &Measurement, r: &Measurement) -> Option<String> {
    let (old, new) = (b.value, r.value);
    let change = (new - old) / old;
    let allowed = b.tolerance.max(r.tolerance).max(NON_EXACT_TOLERANCE);
    let what = if b.exact && r.exact {
        (old != new).then(|| "exact count changed".to_string())
    } else {
        (change.abs() > allowed).then(|| format!("beyond the row's tolerance of {:.0}%", allowed * 100.0))
    }?;
    Some(format!("{}: {old} -> {new} instructions per call ({:+.2}%): {what}", r.cell(), change * 100.0))
}

/// What `--check` adds when every row that moved is a call through the host and the two counts
/// come from different builds of the lab: the lab's own host code is in those counts, so a change to
/// it (or another compiler) moves them (seen: -14 to +10 instructions per trampoline, -21 per
/// host-typed-bare call) while every call that stays in wasm counts the same.
pub fn rebuild_hint(baseline: &CountData, current: &CountData, moved: &[MovedCount]) -> Option<String> {
    let differ = baseline.commit.is_some() && baseline.commit != current.commit;
    (differ && !moved.is_empty() && moved.iter().all(|m| m.through_host)).then(|| {
        format!(
            "every row that moved is a call through the host, and the baseline was counted on another build \
             (dylab {} then, {} now): those counts include this binary's own host code, which a change to it \
             (or another compiler) moves; no call that stays in wasm changed. If the change is intended, recount: dylab bench --count \
             with the same selection",
            baseline.commit.as_deref().unwrap_or("?"),
            current.commit.as_deref().unwrap_or("?"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cell: &str, n: f64, exact: bool) -> CountRow {
        // Rows are matched by (engine, variant, kernel): the test's cells are distinct kernels.
        let kernel = match cell.chars().next() {
            Some('a') => Kernel::K0,
            Some('b') => Kernel::K1,
            Some('c') => Kernel::K4,
            _ => Kernel::Kmega,
        };
        CountRow {
            cell: cell.into(),
            engine: EngineKind::reference(),
            variant: Variant::CrossDirect,
            kernel,
            instructions_per_call: n,
            exact,
            repetitions: vec![n, n],
            checksum: 0,
            regions: REGIONS,
            tolerance: if exact { 0.0 } else { NON_EXACT_TOLERANCE },
        }
    }

    fn data(rows: Vec<CountRow>) -> CountData {
        CountData {
            commit: None,
            machine: String::new(),
            valgrind: String::new(),
            regions: REGIONS,
            engines: BTreeMap::new(),
            toolchain: vec![],
            rows,
            macro_sqlite: vec![],
            native: None,
            isolation: vec![],
        }
    }

    #[test]
    fn a_narrower_count_replaces_its_rows_and_keeps_the_others() {
        let select = crate::Selection {
            engines: vec![],
            variants: vec![],
            kernels: vec![Kernel::K0, Kernel::K4],
            loader: false,
            libc_calls: false,
        };
        let old = data(vec![row("a", 17.0, true), row("b", 20.0, true), row("c", 30.0, true)]);
        let fresh = data(vec![row("c", 31.0, true), row("z", 40.0, true)]);
        let new = old.updated(fresh, &select);
        let kept: Vec<(&str, f64)> = new.rows.iter().map(|r| (r.cell.as_str(), r.instructions_per_call)).collect();
        // a (K0) was selected but not counted again: gone; b (K1) outside: kept; c replaced; z added.
        assert_eq!(kept, [("b", 20.0), ("c", 31.0), ("z", 40.0)]);
    }

    #[test]
    fn per_call_is_exact_only_when_the_difference_divides() {
        assert_eq!(per_call(REGIONS, [1_000, 1_000 + 17 * 1000], 1), (17.0, true));
        let (n, exact) = per_call(REGIONS, [1_000, 1_000 + 17 * 1000 + 3], 1);
        assert!(!exact && (n - 17.003).abs() < 1e-9);
        // A ring of 8: 125 rings of 165 instructions.
        assert_eq!(per_call(REGIONS, [1_000, 1_000 + 165 * 125], 8), (20.625, true));
        assert!(!per_call(REGIONS, [1_000, 1_000 + 165 * 125 + 1], 8).1);
    }

    #[test]
    fn check_allows_no_change_of_an_exact_row_and_a_few_percent_of_another() {
        let base = data(vec![row("a", 17.0, true), row("b", 6100.0, false), row("c", 5037.0, true)]);
        let same = data(vec![
            row("a", 17.0, true),
            row("b", 6105.0, false),
            row("c", 5041.5, false),
            row("gone-from-base", 1.0, true),
        ]);
        assert!(check(&base, &same).is_empty());
        let worse = data(vec![row("a", 18.0, true), row("b", 6400.0, false), row("c", 5300.0, false)]);
        let moved = check(&base, &worse);
        assert_eq!(moved.len(), 3, "{moved:?}");
        // Named by the row's engine, variant and kernel, as counts.json names its cells.
        let e = EngineKind::reference();
        assert!(
            moved[0].text.starts_with(&format!("{e}/direct/k0: 17 -> 18"))
                && moved[0].text.ends_with("exact count changed")
        );
        assert!(
            moved[1].text.starts_with(&format!("{e}/direct/k1:"))
                && moved[2].text.starts_with(&format!("{e}/direct/k4:"))
        );
        assert!(moved[2].text.ends_with("beyond the row's tolerance of 3%"));
    }

    #[test]
    fn check_flags_a_changed_native_call() {
        use native::{Linkage, NativeCall, NativeCounts};
        let with = |n: f64| CountData {
            native: Some(NativeCounts {
                compiler: String::new(),
                calls: vec![NativeCall {
                    linkage: Linkage::Plt,
                    kernel: Kernel::K1,
                    instructions_per_call: n,
                    exact: true,
                }],
                dlopen_fresh: vec![],
                dlopen_nth: vec![],
            }),
            ..data(vec![])
        };
        assert!(check(&with(11.0), &with(11.0)).is_empty());
        let moved = check(&with(11.0), &with(12.0));
        assert_eq!(
            moved.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(),
            ["native/plt/k1: 11 -> 12 instructions per call (+9.09%): exact count changed"]
        );
        assert!(!moved[0].through_host, "a native call runs no host code of the lab");
    }

    /// Engines of the registry whose host calls repeat exactly from one process to the next, and
    /// one whose do not.
    fn by_host_calls() -> (EngineKind, EngineKind) {
        let (repeat, vary): (Vec<EngineKind>, Vec<EngineKind>) =
            EngineKind::ALL.into_iter().partition(|&k| host_calls_repeat(k));
        (repeat[0], *vary.first().expect("the registry has an engine whose host calls vary between processes"))
    }

    #[test]
    fn a_row_that_varies_between_processes_is_checked_with_its_own_tolerance() {
        let (_, varies) = by_host_calls();
        let mut far = row("d", 479.0, false);
        far.engine = varies;
        far.tolerance = tolerance(varies, Variant::Trampoline);
        let mut moved_some = far.clone();
        moved_some.instructions_per_call = 685.0;
        assert!(check(&data(vec![far.clone()]), &data(vec![moved_some])).is_empty(), "43%: seen between processes");
        let mut doubled = far.clone();
        doubled.instructions_per_call = 958.0;
        assert_eq!(check(&data(vec![far]), &data(vec![doubled])).len(), 1);
    }

    #[test]
    fn only_calls_leaving_wasm_where_host_calls_vary_and_dlcall_have_a_tolerance() {
        let (repeats, varies) = by_host_calls();
        assert_eq!(tolerance(varies, Variant::SharedTable), 0.0);
        assert_eq!(tolerance(varies, Variant::TrampolineTyped), PROCESS_TOLERANCE);
        assert_eq!(tolerance(repeats, Variant::TrampolineTyped), 0.0);
        assert_eq!(tolerance(repeats, Variant::Dlcall), NON_EXACT_TOLERANCE);
        assert_eq!(tolerance(varies, Variant::Dlcall), PROCESS_TOLERANCE);
    }

    #[test]
    fn check_compares_the_isolation_rows_exactly() {
        use crate::isolation::{IsolationCount, Layout};
        let at = |n: f64, exact: bool| IsolationCount {
            cell: format!("{}/component-model/16", EngineKind::reference()),
            engine: EngineKind::reference(),
            layout: Layout::ComponentModel,
            kernel: None,
            bytes: 16,
            instructions_per_call: n,
            exact,
            checksum: 0,
        };
        let with = |r: IsolationCount| CountData { isolation: vec![r], ..data(vec![]) };
        assert!(check(&with(at(120.0, true)), &with(at(120.0, true))).is_empty());
        assert_eq!(check(&with(at(120.0, true)), &with(at(121.0, true))).len(), 1);
        assert!(check(&with(at(120.0, false)), &with(at(121.0, true))).is_empty(), "within 3% when not exact");
    }

    #[test]
    fn the_rebuild_hint_names_a_move_of_host_calls_between_builds_only() {
        let counted = |commit: &str, trampoline: f64, direct: f64| {
            let mut through = row("a", trampoline, true);
            through.variant = Variant::Trampoline;
            CountData { commit: Some(commit.into()), ..data(vec![through, row("b", direct, true)]) }
        };
        let (base, rebuilt) = (counted("old", 318.0, 17.0), counted("new", 304.0, 17.0));
        let moved = check(&base, &rebuilt);
        assert_eq!(moved.len(), 1);
        assert!(moved[0].through_host);
        let hint = rebuild_hint(&base, &rebuilt, &moved).expect("a host call moved between builds");
        assert!(hint.contains("dylab old then, new now"), "{hint}");
        // The same build, or a call that stays in wasm moving too: no excuse is offered.
        assert_eq!(rebuild_hint(&base, &counted("old", 304.0, 17.0), &moved), None);
        let wasm_too = counted("new", 304.0, 18.0);
        assert_eq!(rebuild_hint(&base, &wasm_too, &check(&base, &wasm_too)), None);
    }

    #[test]
    fn an_isolation_row_through_the_host_gets_the_tolerance_of_its_engine() {
        use crate::isolation::IsolationCount;
        let (repeats, varies) = by_host_calls();
        let isolated = Layout::Linked(dylink::Strategy::Isolated);
        let fused = Layout::Linked(dylink::Strategy::IsolatedFused);
        assert_eq!(copy_tolerance(varies, isolated, Load::Bytes(256)), PROCESS_TOLERANCE);
        assert_eq!(copy_tolerance(repeats, isolated, Load::Bytes(256)), NON_EXACT_TOLERANCE);
        assert_eq!(copy_tolerance(varies, fused, Load::Bytes(256)), 0.0);
        assert_eq!(copy_tolerance(varies, fused, Load::Bytes(4096)), NON_EXACT_TOLERANCE);
        let at = |engine: EngineKind, layout: Layout, n: f64| {
            let exact = n.fract() == 0.0;
            let row = IsolationCount {
                cell: format!("{engine}/{layout}/256"),
                engine,
                layout,
                kernel: None,
                bytes: 256,
                instructions_per_call: n,
                exact,
                checksum: 0,
            };
            CountData { isolation: vec![row], ..data(vec![]) }
        };
        // V8's isolated/256 in two counts: within its engine's tolerance, and a call through the host.
        assert!(check(&at(varies, isolated, 37655.345), &at(varies, isolated, 36336.155)).is_empty());
        let moved = check(&at(repeats, isolated, 37655.345), &at(repeats, isolated, 36336.155));
        assert_eq!(moved.len(), 1, "3.5% is beyond an engine whose host calls repeat");
        assert!(moved[0].through_host);
        assert!(!check(&at(varies, fused, 300.0), &at(varies, fused, 301.0))[0].through_host);
    }
}
