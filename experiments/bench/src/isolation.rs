//! What isolation costs per call and per byte (#14): `consume(buf, len)` called n times from another
//! module, with one shared memory (`shared-table`: the pointer is passed as it is) and with a memory
//! per module (`isolated`: the host adapter copies `len` bytes into the callee's memory per call,
//! `in(len=1)`; `isolated-fused`: a generated wasm adapter does, with `memory.copy` between memories),
//! for 0, 16, 256, 4 KiB and 64 KiB; and the component model as the reference (#21: two C
//! components composed, `consume: func(buf: list<u8>)`, wasmtime only, [`crate::component`], with
//! its k0, k1 and kptr rows); timed, and counted in instructions under callgrind (the same regions as
//! [`crate::counts`]: per call = (I(1200) - I(200)) / 1000).

use std::collections::{BTreeMap, HashMap};
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylab_lab::placements::placement;
use dylab_toolchain::Toolchain;
use dylink::interface::{FnInterface, Interfaces};
use dylink::strategy::Memories;
use dylink::{Extern, Libc, Mode, ProcessBuilder, Strategy, Val};
use serde::{Deserialize, Serialize};

use crate::callgrind;
use crate::calls::Kernel;
use crate::component::{self, ComponentModules};
use crate::counts::{per_call, REGIONS, REPETITIONS};
use crate::measure::median;

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

/// A store with libc, the callee and the caller loaded under `strategy`, and the caller's loop.
pub struct CopyCall<E: Adapter> {
    engine: E,
    store: E::Store,
    run: E::Func,
    /// The caller's memory domain.
    domain: usize,
    pub checksum: i32,
}

impl<E: Adapter> CopyCall<E> {
    pub fn new(engine: &E, modules: &CopyModules, strategy: Strategy) -> Result<Self> {
        let libs = HashMap::from([
            ("copy_callee.wasm".to_string(), modules.callee.clone()),
            ("copy_caller.wasm".to_string(), modules.caller.clone()),
        ]);
        let mut session = ProcessBuilder::new(
            engine,
            Libc::LibcModule,
            strategy,
            placement(Libc::LibcModule),
            Some(modules.libc.clone()),
        )
        .libs(libs, modules.dir.clone())
        .interfaces(interfaces())
        .build()
        .map_err(|e| anyhow!("{e:?}"))?;
        session.boot().map_err(|e| anyhow!("booting libc.wasm: {e:?}"))?;
        let mut store = session.store;
        let (run, domain) = engine.enter(&mut store, |ctx| -> Result<(E::Func, usize)> {
            let mode = Mode { now: true, global: true };
            for name in ["copy_callee.wasm", "copy_caller.wasm"] {
                dylink::load::load(ctx, name, mode).map_err(|e| anyhow!("{}", e.message()))?;
            }
            let p = &ctx.host_ref().process;
            let caller = p.by_name("copy_caller.wasm").context("copy_caller.wasm is loaded")?;
            match p.module(caller).exports.get("run_copy") {
                Some(Extern::Func(f)) => Ok((*f, p.module(caller).domain)),
                _ => bail!("copy_caller.wasm exports no run_copy"),
            }
        })?;
        Ok(CopyCall { engine: engine.clone(), store, run, domain, checksum: 0 })
    }

    /// One loop of `n` calls with `len` bytes each.
    #[inline(always)]
    pub fn call(&mut self, n: u32, len: u32) -> Result<()> {
        let mut out = [Val::I32(0)];
        let args = [Val::I32(n as i32), Val::I32(len as i32)];
        let (run, domain) = (self.run, self.domain);
        // Entered in the caller's domain, as a call from its own code would be.
        let done = self
            .engine
            .enter(&mut self.store, |ctx| dylink::domain::within(ctx, domain, |ctx| ctx.call(run, &args, &mut out)));
        self.checksum = out[0].i32().unwrap_or(0);
        done.map_err(|t| anyhow!("copy loop trapped: {t}"))
    }
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
    /// The tools that built and ran the component-model rows, with their versions.
    #[serde(default)]
    pub component_tools: Vec<(String, String)>,
}

/// A component kernel's WIT function.
fn wit(k: Kernel) -> &'static str {
    match k {
        Kernel::K0 => "f0: func() -> s32",
        Kernel::K1 => "f1: func(a: s32) -> s32",
        _ => "fsum: func(s: string) -> s32",
    }
}

/// The component-model table: each of its kernels (k0, k1, kptr with a 16-byte string) against the
/// same core kernel in one shared memory (a direct import, and call_indirect through a dlsym pointer),
/// from `counts` (counts.json) where it has them.
pub fn kernels_markdown(data: &CopyData, counts: Option<&crate::CountData>) -> String {
    use crate::calls::Variant;
    let mut out = String::from(
        "| engine | kernel | direct import: instructions | shared-table: instructions | component model: instructions | \
         component model: ns |\n|---|---|---:|---:|---:|---:|\n",
    );
    let core = |e, v, k| counts.and_then(|c| c.find(e, v, k)).map_or("-".into(), |r| format!("{:.0}", r.instructions_per_call));
    for r in data.rows.iter().filter(|r| r.layout == Layout::ComponentModel) {
        let Some(k) = r.kernel else { continue };
        let i = r.instructions_per_call.map_or("-".into(), |i| format!("{i:.0}"));
        out.push_str(&format!(
            "| {} | {k} (`{}`) | {} | {} | {i} | {:.1} |\n",
            r.engine,
            wit(k),
            core(r.engine, Variant::CrossDirect, k),
            core(r.engine, Variant::SharedTable, k),
            r.ns_per_call
        ));
    }
    out
}

/// Times every (strategy, size) on `engine`: calibrated loops, `samples` samples, median per call;
/// on wasmtime the component model's rows too.
pub fn time<E: Adapter>(engine: &E, modules: &CopyModules, samples: usize) -> Result<Vec<CopyRow>> {
    let mut rows = Vec::new();
    for strategy in strategies() {
        let mut c = CopyCall::new(engine, modules, strategy)?;
        for bytes in SIZES {
            c.call(1000, bytes).with_context(|| format!("{}/{}/{bytes}", engine.name(), strategy.name()))?;
            let checksum = c.checksum;
            let t = Instant::now();
            c.call(100, bytes)?;
            // About 5 ms per sample.
            let n = ((5e6 / (t.elapsed().as_nanos() as f64 / 100.0).max(1.0)) as u32).clamp(100, 1_000_000);
            let mut per = Vec::with_capacity(samples);
            for _ in 0..samples {
                let t = Instant::now();
                c.call(n, bytes)?;
                per.push(t.elapsed().as_nanos() as f64 / n as f64);
            }
            rows.push(row(E::KIND, Layout::Linked(strategy), None, bytes, median(&per), checksum));
        }
    }
    if let Some(c) = modules.component.instance(engine) {
        let mut c = c?;
        for (kernel, bytes) in component_rows() {
            let (ns, checksum) = component::time(&mut c, component::workload(kernel, bytes), samples)?;
            rows.push(row(E::KIND, Layout::ComponentModel, kernel, bytes, ns, checksum));
        }
    }
    Ok(rows)
}

/// The component's rows: its kernels (kptr copies 16 bytes), then `consume` with every size.
fn component_rows() -> Vec<(Option<Kernel>, u32)> {
    let kernels = component::KERNELS.map(|k| (Some(k), if k == Kernel::Kptr { 16 } else { 0 }));
    kernels.into_iter().chain(SIZES.map(|b| (None, b))).collect()
}

fn row(engine: EngineKind, layout: Layout, kernel: Option<Kernel>, bytes: u32, ns: f64, checksum: i32) -> CopyRow {
    CopyRow { engine, layout, kernel, bytes, ns_per_call: ns, instructions_per_call: None, exact: None, checksum }
}

impl CopyRow {
    /// `{engine}/{layout}/{bytes or kernel}`: the row's name in labels and counts.json.
    pub fn cell(&self) -> String {
        let what = self.kernel.map_or(self.bytes.to_string(), |k| k.name().to_string());
        format!("{}/{}/{what}", self.engine, self.layout)
    }
}

/// The dump label of one counted region of `cell` ([`CopyRow::cell`]).
pub fn label(cell: &str, repetition: usize, n: u32) -> String {
    format!("dylab-isolation {cell} rep{repetition} n{n}")
}

/// Under callgrind (instrumentation off at start): counts every (strategy, size) on `engine`, and
/// the component's rows on wasmtime; returns the rows counted (counts from the dumps: [`read_counts`]).
pub fn count_child<E: Adapter>(engine: &E, modules: &CopyModules) -> Result<Vec<CopyRow>> {
    let mut rows = Vec::new();
    for strategy in strategies() {
        let mut c = CopyCall::new(engine, modules, strategy)?;
        for bytes in SIZES {
            let r = row(E::KIND, Layout::Linked(strategy), None, bytes, 0.0, 0);
            let labels: Vec<[CString; 2]> = (0..REPETITIONS)
                .map(|rep| REGIONS.map(|n| CString::new(label(&r.cell(), rep, n)).expect("no NUL")))
                .collect();
            callgrind::start_instrumentation();
            let counted = (|| -> Result<()> {
                for n in REGIONS {
                    c.call(n, bytes)?; // warm-up
                }
                for pair in &labels {
                    for (n, l) in REGIONS.iter().zip(pair) {
                        region(&mut c, *n, bytes, l)?;
                    }
                }
                Ok(())
            })();
            callgrind::stop_instrumentation();
            counted?;
            rows.push(CopyRow { checksum: c.checksum, ..r });
        }
    }
    if let Some(c) = modules.component.instance(engine) {
        let mut c = c?;
        for (kernel, bytes) in component_rows() {
            let r = row(E::KIND, Layout::ComponentModel, kernel, bytes, 0.0, 0);
            let cell = r.cell();
            let checksum = component::count(&mut c, component::workload(kernel, bytes), |rep, n| label(&cell, rep, n))?;
            rows.push(CopyRow { checksum, ..r });
        }
    }
    Ok(rows)
}

/// Compiles every module the counted rows run with the counting engine `engine`, outside valgrind
/// (its compiled modules kept for the counted child: [`crate::counts::child::prime`]).
pub fn prime<E: Adapter>(engine: &E, modules: &CopyModules) -> Result<()> {
    for strategy in strategies() {
        CopyCall::new(engine, modules, strategy)?;
    }
    modules.component.instance(engine).transpose()?;
    Ok(())
}

#[inline(never)]
fn region<E: Adapter>(c: &mut CopyCall<E>, n: u32, bytes: u32, label: &CString) -> Result<()> {
    callgrind::zero_stats();
    let done = c.call(n, bytes);
    callgrind::dump_stats_at(label);
    done
}

/// Fills in the counts of `rows` from callgrind's dumps in `dir`.
pub fn read_counts(dir: &Path, rows: &mut [CopyRow]) -> Result<()> {
    let mut totals = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if let Some((label, total)) = crate::counts::parent::parse_dump(&text) {
            totals.insert(label, total);
        }
    }
    counts_from_totals(&totals, rows)
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

/// The markdown table: per engine and size, shared memory against each isolating layout (the
/// component model's columns on wasmtime), and what each adds per byte.
pub fn markdown(data: &CopyData) -> String {
    let isolating: Vec<Layout> = Layout::all().into_iter().skip(1).collect();
    let shared = Layout::Linked(Strategy::SharedTable);
    let mut head = String::from("| engine | bytes per call | shared memory: instructions |");
    let mut rule = String::from("|---|---:|---:|");
    for s in &isolating {
        head.push_str(&format!(" {s}: instructions | {s}: added per byte |"));
        rule.push_str("---:|---:|");
    }
    head.push_str(" shared memory: ns |");
    rule.push_str("---:|");
    for s in &isolating {
        head.push_str(&format!(" {s}: ns |"));
        rule.push_str("---:|");
    }
    let mut out = format!("{head}\n{rule}\n");
    let engines: Vec<EngineKind> = {
        let mut e: Vec<EngineKind> = data.rows.iter().map(|r| r.engine).collect();
        e.dedup();
        e
    };
    let find = |e: EngineKind, l: Layout, b: u32| {
        data.rows.iter().find(|r| r.engine == e && r.layout == l && r.kernel.is_none() && r.bytes == b)
    };
    let num = |v: Option<f64>| v.map(|v| format!("{v:.0}")).unwrap_or_else(|| "-".into());
    for e in engines {
        for b in SIZES {
            let Some(sh) = find(e, shared, b) else { continue };
            let rows: Vec<Option<&CopyRow>> = isolating.iter().map(|&s| find(e, s, b)).collect();
            if rows.iter().all(|r| r.is_none()) {
                continue;
            }
            let mut line = format!("| {e} | {b} | {} |", num(sh.instructions_per_call));
            for (s, r) in isolating.iter().zip(&rows) {
                let i = r.and_then(|r| r.instructions_per_call);
                let zero = find(e, *s, 0).and_then(|z| z.instructions_per_call);
                let per_byte = match (i, zero) {
                    (Some(i), Some(z)) if b > 0 => format!("{:.2}", (i - z) / b as f64),
                    _ => "-".into(),
                };
                line.push_str(&format!(" {} | {per_byte} |", num(i)));
            }
            line.push_str(&format!(" {:.1} |", sh.ns_per_call));
            for r in &rows {
                line.push_str(&r.map(|r| format!(" {:.1} |", r.ns_per_call)).unwrap_or_else(|| " - |".into()));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Times (and in the child, counts) on every engine.
pub struct OnEngine<'a> {
    pub modules: &'a CopyModules,
    pub samples: usize,
    pub count_child: bool,
}

impl WithEngine for OnEngine<'_> {
    type Out = Result<Vec<CopyRow>>;
    fn run<E: Adapter>(self, e: &E) -> Result<Vec<CopyRow>> {
        if self.count_child {
            count_child(e, self.modules)?;
            Ok(Vec::new())
        } else {
            time(e, self.modules, self.samples)
        }
    }
}

/// Every engine that runs in this process (V8 runs only inside Node: not measured here), timing
/// engines (no fuel) or counting engines.
pub fn run_all(modules: &CopyModules, samples: usize, count_child: bool) -> Result<Vec<CopyRow>> {
    let mut rows = Vec::new();
    for kind in EngineKind::in_process() {
        let visitor = OnEngine { modules, samples, count_child };
        let r = if count_child { kind.with_counting_engine(None, visitor)?? } else { kind.with_timing_engine(visitor)?? };
        rows.extend(r);
    }
    Ok(rows)
}

/// [`prime`] on every counting engine of this process.
pub fn prime_all(modules: &CopyModules) -> Result<()> {
    struct Prime<'a>(&'a CopyModules);
    impl WithEngine for Prime<'_> {
        type Out = Result<()>;
        fn run<E: Adapter>(self, e: &E) -> Result<()> {
            prime(e, self.0)
        }
    }
    for kind in EngineKind::in_process() {
        kind.with_counting_engine(None, Prime(modules))??;
    }
    Ok(())
}

/// The section calls.md gets from the committed `data/isolation.json` (written by `isolation-bench
/// --count --write`), so that `dylab bench` keeps the isolation costs with the other call costs.
/// `counts`: the call counts the kernel table compares with.
pub fn calls_md_section(reports: &Path, counts: Option<&crate::CountData>) -> Result<String> {
    let path = reports.join("data/isolation.json");
    if !path.is_file() {
        return Ok(String::new());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let data: CopyData = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    Ok(format!(
        "## Isolated memories: cost per call by bytes copied\n\n`consume(buf, len)` from another module: one shared \
         memory (`shared-table`) against `isolated` (a host adapter copies `len` bytes into the callee's memory per call), \
         `isolated-fused` (a generated core-wasm adapter does, with `memory.copy` between the two memories) and \
         `component-model` (the reference, wasmtime only: two C components, `consume: func(buf: list<u8>) -> s32`, \
         composed; wasmtime fuses the adapter). From `data/isolation.json` ({}), written by `cargo run -p dylab-bench \
         --bin isolation-bench -- --count --write`; method in [isolation.md](isolation.md).\n\n{}\n\
         The component model's kernels against the same kernels in one shared memory (counts from \
         `data/counts.json`; components built by {}):\n\n{}\n",
        data.machine,
        markdown(&data),
        tools(&data),
        kernels_markdown(&data, counts)
    ))
}

/// The component toolchain as `name version` words.
pub fn tools(data: &CopyData) -> String {
    let t: Vec<String> = data.component_tools.iter().map(|(n, v)| format!("{n} {v}")).collect();
    if t.is_empty() { "-".into() } else { t.join(", ") }
}

/// The committed `data/isolation.json` beside the reports, if any.
pub fn committed(reports: &Path) -> Result<Option<CopyData>> {
    read_json(&reports.join("data/isolation.json"))
}

/// `path` parsed, or None when there is no such file.
fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).map(Some).with_context(|| format!("parsing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(strategy: Strategy, bytes: u32, instructions: f64, ns: f64) -> CopyRow {
        CopyRow {
            engine: EngineKind::Wasmi,
            layout: Layout::Linked(strategy),
            kernel: None,
            bytes,
            ns_per_call: ns,
            instructions_per_call: Some(instructions),
            exact: Some(true),
            checksum: 0,
        }
    }

    #[test]
    fn the_table_shows_what_isolation_adds_per_call_and_per_byte() {
        let rows = vec![
            row(Strategy::SharedTable, 0, 19.0, 3.0),
            row(Strategy::Isolated, 0, 3347.0, 700.0),
            row(Strategy::SharedTable, 4096, 26.0, 3.0),
            row(Strategy::Isolated, 4096, 3347.0 + 4096.0 * 2.5, 3000.0),
            row(Strategy::IsolatedFused, 4096, 200.0 + 4096.0 * 0.25, 400.0),
            row(Strategy::IsolatedFused, 0, 200.0, 50.0),
        ];
        let md = markdown(&CopyData { machine: "m".into(), rows, component_tools: vec![] });
        assert!(md.contains("| isolated-fused: instructions |"), "every isolating strategy has columns: {md}");
        assert!(md.contains("| component-model: instructions |"), "and the component model: {md}");
        assert!(md.contains("| wasmi | 0 | 19 | 3347 | - | 200 | - | - | - | 3.0 | 700.0 | 50.0 | - |"), "{md}");
        assert!(md.contains("| wasmi | 4096 | 26 | 13587 | 2.50 | 1224 | 0.25 | - | - | 3.0 | 3000.0 | 400.0 | - |"), "{md}");
        assert!(!md.contains("| wasmi | 16 |"), "sizes without rows are left out");
    }

    #[test]
    fn calls_md_gets_a_section_only_when_the_data_was_written() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(calls_md_section(dir.path(), None).unwrap(), "");
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let data = CopyData {
            machine: "m".into(),
            rows: vec![row(Strategy::SharedTable, 0, 19.0, 3.0), row(Strategy::Isolated, 0, 3347.0, 700.0)],
            component_tools: vec![("wit-bindgen-c".into(), "0.63.0".into())],
        };
        std::fs::write(dir.path().join("data/isolation.json"), serde_json::to_string(&data).unwrap()).unwrap();
        let s = calls_md_section(dir.path(), None).unwrap();
        assert!(s.starts_with("## Isolated memories") && s.contains("| wasmi | 0 | 19 | 3347 | - |"), "{s}");
        assert!(s.contains("components built by wit-bindgen-c 0.63.0"), "{s}");
        std::fs::write(dir.path().join("data/isolation.json"), "{").unwrap();
        assert!(format!("{:#}", calls_md_section(dir.path(), None).unwrap_err()).contains("parsing"));
    }

    #[test]
    fn component_rows_are_named_and_serialized_by_layout_and_kernel() {
        let mut r = row(Strategy::SharedTable, 16, 20.0, 3.0);
        r.engine = EngineKind::Wasmtime;
        r.layout = Layout::ComponentModel;
        assert_eq!(r.cell(), "wasmtime/component-model/16");
        r.kernel = Some(Kernel::Kptr);
        assert_eq!(r.cell(), "wasmtime/component-model/kptr");
        let json = serde_json::to_string(&r).unwrap();
        assert!(json.contains(r#""layout":"component-model","kernel":"kptr""#), "{json}");
        assert_eq!(serde_json::from_str::<CopyRow>(&json).unwrap(), r);
        // isolation.json written before layouts: `strategy`, no kernel.
        let old = r#"{"engine":"wasmi","strategy":"isolated-fused","bytes":0,"ns_per_call":1.0,
            "instructions_per_call":null,"exact":null,"checksum":0}"#;
        let o: CopyRow = serde_json::from_str(old).unwrap();
        assert_eq!((o.layout, o.kernel), (Layout::Linked(Strategy::IsolatedFused), None));
        assert!(serde_json::from_str::<Layout>(r#""no-such""#).is_err());
    }

    #[test]
    fn the_kernel_table_sets_the_component_beside_the_shared_memory_counts() {
        let mut k1 = row(Strategy::SharedTable, 0, 150.0, 40.0);
        (k1.engine, k1.layout, k1.kernel) = (EngineKind::Wasmtime, Layout::ComponentModel, Some(Kernel::K1));
        let data = CopyData { machine: "m".into(), rows: vec![k1], component_tools: vec![] };
        let md = kernels_markdown(&data, None);
        assert!(md.contains("| wasmtime | k1 (`f1: func(a: s32) -> s32`) | - | - | 150 | 40.0 |"), "{md}");
    }
}
