//! What isolation costs per call and per byte (#14): `consume(buf, len)` called n times from another
//! module, with one shared memory (`shared-table`: the pointer is passed as it is) and with a memory
//! per module (`isolated`: the host adapter copies `len` bytes into the callee's memory per call,
//! `in(len=1)`; `isolated-fused`: a generated wasm adapter does, with `memory.copy` between memories),
//! for 0, 16, 256, 4 KiB and 64 KiB; and the component model as the reference (#21: two C
//! components composed, `consume: func(buf: list<u8>)`, wasmtime only, [`crate::component`], with
//! its k0, k1 and kptr rows); timed, and counted in instructions under callgrind (the same regions as
//! [`crate::counts`]: per call = (I(1200) - I(200)) / 1000).

pub mod chart;
mod markdown;
mod run;

pub use markdown::{calls_md_section, isolation_md, kernels_markdown, markdown, tools};
pub use run::{count_child, measure, prime, CopyCall};

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use dylab_engines::EngineKind;
use dylab_toolchain::Toolchain;
use dylink::interface::{FnInterface, Interfaces};
use dylink::strategy::Memories;
use dylink::Strategy;
use serde::{Deserialize, Serialize};

use crate::calls::Kernel;
use crate::component::ComponentModules;
use crate::counts::{per_call, CountData, REGIONS, REPETITIONS};

/// Bytes copied per call.
pub const SIZES: [u32; 5] = [0, 16, 256, 4096, 65536];
/// The layouts compared: one shared memory (`shared-table`), then every strategy with a memory per
/// module (`isolated`, `isolated-fused`: derived from the policy, so a new one gets its rows).
pub fn strategies() -> Vec<Strategy> {
    let isolated = Strategy::LINKING.into_iter().filter(|s| s.policy().memories == Memories::PerModule);
    std::iter::once(Strategy::SharedTable).chain(isolated).collect()
}

/// How a row's two modules are linked: a strategy of the lab, or as two components composed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Layout {
    Linked(Strategy),
    ComponentModel,
}

impl Layout {
    /// Every layout of the table: [`strategies`], then the component model.
    pub fn all() -> Vec<Layout> {
        strategies().into_iter().map(Layout::Linked).chain([Layout::ComponentModel]).collect()
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Layout::Linked(s) => f.write_str(s.name()),
            Layout::ComponentModel => f.write_str("component-model"),
        }
    }
}

impl From<Layout> for String {
    fn from(l: Layout) -> String {
        l.to_string()
    }
}

impl TryFrom<String> for Layout {
    type Error = String;
    fn try_from(s: String) -> Result<Layout, String> {
        match s.as_str() {
            "component-model" => Ok(Layout::ComponentModel),
            _ => Strategy::parse(&s).map(Layout::Linked).ok_or_else(|| format!("no layout {s:?}")),
        }
    }
}

/// What a row's calls carry: `consume` with a buffer of so many bytes, or a kernel of calls.md (the
/// component model's k0, k1 and kptr rows).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Load {
    Bytes(u32),
    Kernel(Kernel),
}

impl Layout {
    /// Whether a count of this layout carrying `load` repeats from process to process. The host
    /// adapter (`isolated`) runs host code whose path differs between processes (wasmtime isolated/0
    /// and /16: 13 instructions apart in two counts of one build, though each count repeated itself);
    /// a copy of 4 KiB or more goes through the host's memmove, whose path depends on where the
    /// buffers landed (wasmi isolated-fused/65536: 16 apart). Those rows are checked within
    /// `counts::NON_EXACT_TOLERANCE`, the others exactly.
    pub fn counts_exactly(self, load: Load) -> bool {
        let memmove = matches!(load, Load::Bytes(b) if b >= 4096);
        !self.leaves_wasm() && !memmove
    }

    /// Whether a call of this layout runs host code: the host adapter of `isolated` copies through
    /// the host; the others stay in wasm.
    pub fn leaves_wasm(self) -> bool {
        self == Layout::Linked(Strategy::Isolated)
    }
}

impl std::fmt::Display for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Load::Bytes(b) => write!(f, "{b}"),
            Load::Kernel(k) => f.write_str(k.name()),
        }
    }
}

/// corpus/bench/copy_{caller,callee}.c, built as side modules, libc.wasm, and the components.
#[derive(Clone, Debug)]
pub struct CopyModules {
    pub libc: PathBuf,
    pub caller: PathBuf,
    pub callee: PathBuf,
    pub dir: PathBuf,
    pub component: ComponentModules,
}

impl CopyModules {
    /// `cache`: the lab's cache folder (the components' generated sources and compiled form).
    pub fn build(toolchain: &Toolchain, bench_dir: &Path, cache: &Path) -> Result<CopyModules> {
        Ok(CopyModules {
            libc: toolchain.libc_module()?,
            caller: toolchain.side_module(&[bench_dir.join("copy_caller.c")], &[])?,
            callee: toolchain.side_module(&[bench_dir.join("copy_callee.c")], &[])?,
            dir: bench_dir.to_path_buf(),
            component: ComponentModules::build(toolchain, bench_dir, cache)?,
        })
    }
}

/// The interface `consume` is declared with: a buffer the callee reads, its length.
pub fn interfaces() -> Interfaces {
    let params = ["in(len=1)", "scalar"].map(String::from);
    BTreeMap::from([("consume".to_string(), FnInterface::parse(&params).expect("a valid declaration"))])
}

/// One row: an engine, a layout, bytes per call (or a kernel of the component).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CopyRow {
    pub engine: EngineKind,
    #[serde(alias = "strategy")]
    pub layout: Layout,
    /// A kernel of calls.md (k0, k1, kptr) instead of `consume` (component rows only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<Kernel>,
    pub bytes: u32,
    /// Median wall time per call (loop included), nanoseconds.
    pub ns_per_call: f64,
    /// Instructions per call under callgrind (loop included), when counted.
    pub instructions_per_call: Option<f64>,
    pub exact: Option<bool>,
    /// What the loop of 1,000 calls returned: the same with and without isolation.
    pub checksum: i32,
}

/// An isolation row as counts.json keeps it (`dylab bench --count` counts these too; `--check`
/// compares them like the call rows).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IsolationCount {
    pub cell: String,
    pub engine: EngineKind,
    pub layout: Layout,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<Kernel>,
    pub bytes: u32,
    pub instructions_per_call: f64,
    pub exact: bool,
    pub checksum: i32,
}

impl IsolationCount {
    /// The counted row, or None when `r` was not counted.
    pub fn of(r: &CopyRow) -> Option<IsolationCount> {
        Some(IsolationCount {
            cell: r.cell(),
            engine: r.engine,
            layout: r.layout,
            kernel: r.kernel,
            bytes: r.bytes,
            instructions_per_call: r.instructions_per_call?,
            exact: r.exact?,
            checksum: r.checksum,
        })
    }
}

/// `reports/data/isolation.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CopyData {
    pub machine: String,
    pub rows: Vec<CopyRow>,
    /// Timed samples per row (5 under `--quick`; isolation.json written before this field: 15).
    #[serde(default = "full_samples")]
    pub samples: usize,
    /// The tools that built and ran the component-model rows, with their versions.
    #[serde(default)]
    pub component_tools: Vec<(String, String)>,
}

pub(crate) fn row(
    engine: EngineKind,
    layout: Layout,
    kernel: Option<Kernel>,
    bytes: u32,
    ns: f64,
    checksum: i32,
) -> CopyRow {
    CopyRow { engine, layout, kernel, bytes, ns_per_call: ns, instructions_per_call: None, exact: None, checksum }
}

impl CopyRow {
    /// `{engine}/{layout}/{bytes or kernel}`: the row's name in labels and counts.json.
    pub fn cell(&self) -> String {
        crate::measurement::Of::Copy { layout: self.layout, load: self.load() }.cell(self.engine)
    }

    /// What its calls carry.
    pub fn load(&self) -> Load {
        self.kernel.map_or(Load::Bytes(self.bytes), Load::Kernel)
    }
}

/// The dump label of one counted region of `cell` ([`CopyRow::cell`]).
pub fn label(cell: &str, repetition: usize, n: u32) -> String {
    format!("dylab-isolation {cell} rep{repetition} n{n}")
}

/// Fills in the counts of `rows` from dump totals by label.
pub fn counts_from_totals(totals: &HashMap<String, u64>, rows: &mut [CopyRow]) -> Result<()> {
    for r in rows {
        let mut reps = Vec::new();
        for rep in 0..REPETITIONS {
            let pair = REGIONS.map(|n| totals.get(&label(&r.cell(), rep, n)).copied());
            let [Some(a), Some(b)] = pair else {
                bail!("callgrind wrote no dump for {}", r.cell());
            };
            reps.push(per_call(REGIONS, [a, b], 1));
        }
        r.instructions_per_call = Some(reps[0].0);
        r.exact = Some(reps.iter().all(|&(n, exact)| exact && n == reps[0].0));
    }
    Ok(())
}

/// What a full run takes per row.
fn full_samples() -> usize {
    run::SAMPLES.1
}

impl CopyData {
    /// Fills each row's instructions from the isolation rows `dylab bench --count` counted into
    /// counts.json (the one counting path; a row it has not counted has none).
    pub fn with_counts(mut self, counts: Option<&CountData>) -> CopyData {
        for r in &mut self.rows {
            let counted = counts.and_then(|c| c.isolation.iter().find(|i| i.cell == r.cell()));
            (r.instructions_per_call, r.exact) = (counted.map(|c| c.instructions_per_call), counted.map(|c| c.exact));
        }
        self
    }

    /// These rows with `old`'s rows of the engines not measured now, in registry order.
    pub fn merged_into(mut self, old: Option<CopyData>) -> CopyData {
        let old = old.map_or_else(Vec::new, |o| o.rows);
        let kept = old.into_iter().filter(|o| !self.rows.iter().any(|r| r.engine == o.engine));
        self.rows.extend(kept.collect::<Vec<_>>());
        self.rows.sort_by_key(|r| r.engine);
        self
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use dylab_engines::EngineKind;

    pub(super) fn row(strategy: Strategy, bytes: u32, instructions: f64, ns: f64) -> CopyRow {
        CopyRow {
            engine: EngineKind::reference(),
            layout: Layout::Linked(strategy),
            kernel: None,
            bytes,
            ns_per_call: ns,
            instructions_per_call: Some(instructions),
            exact: Some(true),
            checksum: 0,
        }
    }

    /// The counts check holds the host adapter's rows and large copies to the non-exact tolerance
    /// (their paths differ between processes), every other isolation row exactly.
    #[test]
    fn host_adapter_and_memmove_rows_are_checked_within_a_tolerance_the_others_exactly() {
        let counts = |rows: Vec<CopyRow>| crate::CountData {
            isolation: rows.iter().filter_map(IsolationCount::of).collect(),
            ..Default::default()
        };
        let rows = |d: f64| {
            vec![
                row(Strategy::Isolated, 0, 5265.0 + d, 1.0),
                row(Strategy::IsolatedFused, 65536, 65846.0 + d, 1.0),
                row(Strategy::IsolatedFused, 16, 317.0 + d, 1.0),
            ]
        };
        let moved = crate::counts::check(&counts(rows(0.0)), &counts(rows(-13.0)));
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert!(
            moved[0].text.contains("isolated-fused/16: 317 -> 304") && moved[0].text.ends_with("exact count changed"),
            "{moved:?}"
        );
        let far = crate::counts::check(&counts(rows(0.0)), &counts(rows(7000.0)));
        assert_eq!(far.len(), 3, "beyond 3% every row moved: {far:?}");
    }

    #[test]
    fn component_rows_are_named_and_serialized_by_layout_and_kernel() {
        let mut r = row(Strategy::SharedTable, 16, 20.0, 3.0);
        let e = r.engine;
        r.layout = Layout::ComponentModel;
        assert_eq!(r.cell(), format!("{e}/component-model/16"));
        r.kernel = Some(Kernel::Kptr);
        assert_eq!(r.cell(), format!("{e}/component-model/kptr"));
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""layout":"component-model","kernel":"kptr""#), "{json}");
        assert_eq!(serde_json::from_str::<CopyRow>(&json).unwrap(), r);
        // isolation.json written before layouts: `strategy`, no kernel.
        let old = format!(
            r#"{{"engine":"{e}","strategy":"isolated-fused","bytes":0,"ns_per_call":1.0,
            "instructions_per_call":null,"exact":null,"checksum":0}}"#
        );
        let o: CopyRow = serde_json::from_str(&old).unwrap();
        assert_eq!((o.layout, o.kernel), (Layout::Linked(Strategy::IsolatedFused), None));
        assert!(serde_json::from_str::<Layout>(r#""no-such""#).is_err());
    }

    #[test]
    fn instructions_come_from_the_counts_and_a_narrower_run_keeps_the_other_engines_rows() {
        let (e, other) = crate::measurement::fixture::two_engines();
        let timed = |engine, ns| CopyRow {
            engine,
            instructions_per_call: None,
            exact: None,
            ..row(Strategy::Isolated, 16, 0.0, ns)
        };
        let d = |rows| CopyData { machine: "m".into(), rows, samples: 5, component_tools: vec![] };
        let counted =
            IsolationCount::of(&CopyRow { instructions_per_call: Some(9634.0), exact: Some(true), ..timed(e, 1.0) });
        let counts = CountData { isolation: counted.into_iter().collect(), ..Default::default() };
        let now = d(vec![timed(e, 2.0)]).with_counts(Some(&counts));
        assert_eq!((now.rows[0].instructions_per_call, now.rows[0].exact), (Some(9634.0), Some(true)));
        let merged = d(vec![timed(other, 3.0)]).merged_into(Some(now.clone()));
        let mut engines = [e, other];
        engines.sort();
        assert_eq!(merged.rows.iter().map(|r| r.engine).collect::<Vec<_>>(), engines);
        let replaced = d(vec![timed(e, 4.0)]).merged_into(Some(now));
        assert_eq!(replaced.rows.iter().map(|r| r.ns_per_call).collect::<Vec<_>>(), [4.0]);
    }
}
