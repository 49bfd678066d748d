//! The SQLite macro benchmark: a query over a million rows that calls the extension's scalar function
//! `rev` once per row (corpus/cases/sqlite-extension/bench.c), per engine and strategy, in time
//! (`dylab bench`) and instructions (`dylab bench --count`, under callgrind). Each strategy runs two
//! programs: `loaded`, SQLite loading ext.wasm through sqlite3_load_extension (SQLite's VDBE calls
//! `rev` through a pointer into another module), and `linked`, ext.c compiled into the program (the
//! same call within one module). Their difference is what crossing into the extension costs; `linked`
//! across strategies shows what the strategy's libc binding (malloc, memcpy... in libc.wasm) costs.

use std::collections::HashMap;
use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use dylab_engines::{Adapter, EngineKind};
use dylab_lab::vendor::Vendor;
use dylab_toolchain::{Sources, Toolchain};
use dylink::{Engine, Extern, Strategy, Val};
use serde::{Deserialize, Serialize};

mod section;
pub use section::section;

use crate::measure::median;
use crate::{callgrind, Selection};
use dylab_lab::Paths;

/// Rows of the timed query (calls of `rev`).
pub const ROWS: u32 = 1_000_000;
/// Rows of the two counted regions: instructions per row = (I(n2) - I(n1)) / (n2 - n1).
pub const COUNT_REGIONS: [u32; 2] = [200, 1200];
/// The case whose files the benchmark builds (and whose cflags it uses).
const CASE: &str = "cases/sqlite-extension";

/// Where `rev` lives relative to SQLite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumIter)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Build {
    /// ext.c compiled into the program: SQLite calls `rev` within its own module.
    Linked,
    /// ext.wasm loaded by sqlite3_load_extension: SQLite calls `rev` in another module.
    Loaded,
}

impl Build {
    pub const ALL: [Build; 2] = [Build::Linked, Build::Loaded];
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// The benchmark's modules, built from the case's files with the case's cflags.
#[derive(Clone, Debug)]
pub struct MacroModules {
    pub libc: PathBuf,
    pub linked: PathBuf,
    pub loaded: PathBuf,
    pub ext: PathBuf,
    pub dir: PathBuf,
}

impl MacroModules {
    /// `vendor_root` is the folder holding the fetched SQLite amalgamation (beside the cache).
    pub fn build(toolchain: &Toolchain, corpus: &Path, vendor_root: &Path) -> Result<MacroModules> {
        let case = dylab_lab::corpus::load_case(&corpus.join(CASE))?;
        let vendor = Vendor::Sqlite.dir(vendor_root)?;
        let sources = |file: &str| Sources::in_case(&case.dir, &[file])?.with_vendor(&vendor);
        let cflags = &case.manifest.cflags;
        let mut linked_flags = cflags.clone();
        linked_flags.push("-DDYLAB_BENCH_LINKED".into());
        Ok(MacroModules {
            libc: toolchain.libc_module()?,
            linked: toolchain
                .side_module_from(&sources("bench.c")?, &linked_flags, &[])
                .context("building bench.c (linked)")?,
            loaded: toolchain.side_module_from(&sources("bench.c")?, cflags, &[]).context("building bench.c")?,
            ext: toolchain.side_module_from(&sources("ext.c")?, cflags, &[]).context("building ext.c")?,
            dir: case.dir,
        })
    }

    /// The modules when `select` asks for every row (no variant or kernel chosen), else None.
    pub fn for_selection(toolchain: &Toolchain, paths: &Paths, select: &Selection) -> Result<Option<MacroModules>> {
        if !select.variants.is_empty() || !select.kernels.is_empty() {
            return Ok(None);
        }
        let built = MacroModules::build(toolchain, &paths.corpus, &Self::vendor_root(&paths.cache));
        built.map(Some).context("building the SQLite macro benchmark")
    }

    /// The folder the lab fetches third-party sources into: beside its cache.
    pub fn vendor_root(cache: &Path) -> PathBuf {
        let cache = std::path::absolute(cache).unwrap_or_else(|_| cache.to_path_buf());
        cache.parent().map_or(cache.clone(), Path::to_path_buf)
    }
}

/// A store with SQLite open, the extension loaded and the query prepared.
pub struct Query<E: Engine> {
    engine: E,
    store: E::Store,
    run: E::Func,
}

/// Where a cell stopped, when it did not run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// Opening SQLite and loading the extension (bench_open) failed or trapped.
    Open(String),
    /// The query trapped or returned another result than the linked build.
    Query(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Open(m) => write!(f, "open: {m}"),
            Failure::Query(m) => write!(f, "query: {m}"),
        }
    }
}

fn func<E: Engine>(exports: &HashMap<String, Extern<E>>, name: &str) -> Result<E::Func, Failure> {
    match exports.get(name) {
        Some(Extern::Func(f)) => Ok(*f),
        _ => Err(Failure::Open(format!("bench.wasm exports no {name}"))),
    }
}

impl<E: Engine> Query<E> {
    /// libc.wasm, then the program (as the main program, without running main), then bench_open.
    pub fn open(engine: &E, m: &MacroModules, strategy: Strategy, build: Build) -> Result<Query<E>, Failure> {
        let program = match build {
            Build::Linked => &m.linked,
            Build::Loaded => &m.loaded,
        };
        let libs =
            HashMap::from([("bench.wasm".to_string(), program.clone()), ("ext.wasm".to_string(), m.ext.clone())]);
        let mut session = crate::process::libc_module(engine, strategy, &m.libc, &m.dir, libs)
            .build()
            .map_err(|e| Failure::Open(format!("{e:?}")))?;
        session.boot().map_err(|e| Failure::Open(format!("booting libc.wasm: {e:?}")))?;
        let run = session.enter(|ctx| -> Result<E::Func, Failure> {
            let id = dylink::load::load_program(ctx, "bench.wasm").map_err(|e| Failure::Open(e.message()))?;
            let exports = ctx.host_ref().process.module(id).exports.clone();
            let open = func(&exports, "bench_open")?;
            let mut rc = [Val::I32(0)];
            ctx.call(open, &[], &mut rc).map_err(|t| Failure::Open(t.to_string()))?;
            match rc[0] {
                Val::I32(0) => func(&exports, "bench_query"),
                ref v => Err(Failure::Open(format!("bench_open returned SQLite error {v:?}"))),
            }
        })?;
        Ok(Query { engine: engine.clone(), store: session.store, run })
    }

    /// The query over `rows` rows; its result (the sum of the lengths of rev(1..rows)).
    pub fn run(&mut self, rows: u32) -> Result<i32, Failure> {
        let run = self.run;
        let mut out = [Val::I32(0)];
        self.engine
            .enter(&mut self.store, |ctx| ctx.call(run, &[Val::I32(rows as i32)], &mut out))
            .map_err(|t| Failure::Query(t.to_string()))?;
        match out[0] {
            Val::I32(r) if r >= 0 => Ok(r),
            ref v => Err(Failure::Query(format!("bench_query returned {v:?}"))),
        }
    }
}

/// The expected result of the query over `rows` rows: the digits of 1..=rows.
pub fn expected(rows: u32) -> i32 {
    (1..=rows).map(|x| x.to_string().len() as i32).sum()
}

/// One timed cell: `{engine}/{strategy}/{build}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MacroRow {
    pub engine: EngineKind,
    pub strategy: Strategy,
    pub build: Build,
    pub rows: u32,
    /// Milliseconds per query: median, fastest and slowest of the [`SAMPLES`]; None when the cell did not run.
    pub median_ms: Option<f64>,
    pub min_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub failure: Option<Failure>,
}

/// Queries per cell after the warm-up: a million rows take 2-3 s (wasmtime) and 25-38 s (wasmi) on
/// the lab's 2-core machine, so one query per cell already adds about 3.5 minutes to `dylab bench`
/// (two: 7). The exact comparison is the instruction count; with several samples, the cells' queries
/// are interleaved so that drift hits all alike.
pub const SAMPLES: usize = 1;

/// Times every strategy x build on one engine: one warm-up query of 1000 rows per cell, then
/// [`SAMPLES`] queries of `rows` rows per cell.
pub fn measure<E: Adapter>(engine: &E, m: &MacroModules, rows: u32) -> Result<Vec<MacroRow>> {
    let want = expected(rows);
    let mut cells: Vec<(MacroRow, Option<Query<E>>, Vec<f64>)> = Vec::new();
    for strategy in Strategy::LINKING {
        for build in Build::ALL {
            let mut row = MacroRow {
                engine: E::KIND,
                strategy,
                build,
                rows,
                median_ms: None,
                min_ms: None,
                max_ms: None,
                failure: None,
            };
            let q = Query::open(engine, m, strategy, build).and_then(|mut q| match q.run(1000)? {
                r if r == expected(1000) => Ok(q),
                r => Err(Failure::Query(format!("1000 rows gave {r}, not {}", expected(1000)))),
            });
            match q {
                Ok(q) => cells.push((row, Some(q), Vec::new())),
                Err(f) => {
                    row.failure = Some(f);
                    cells.push((row, None, Vec::new()));
                }
            }
        }
    }
    for _ in 0..SAMPLES {
        for (row, query, times) in cells.iter_mut() {
            let Some(q) = query else { continue };
            let t = Instant::now();
            match q.run(rows) {
                Ok(r) if r == want => times.push(t.elapsed().as_secs_f64() * 1e3),
                Ok(r) => row.failure = Some(Failure::Query(format!("{rows} rows gave {r}, not {want}"))),
                Err(f) => row.failure = Some(f),
            }
            if row.failure.is_some() {
                *query = None;
            }
        }
    }
    Ok(cells
        .into_iter()
        .map(|(mut row, _, times)| {
            if row.failure.is_none() && !times.is_empty() {
                row.median_ms = Some(median(&times));
                row.min_ms = times.iter().copied().reduce(f64::min);
                row.max_ms = times.iter().copied().reduce(f64::max);
            }
            row
        })
        .collect())
}

/// One counted cell; the counts are in callgrind's dumps under [`label`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MacroCountCell {
    pub engine: EngineKind,
    pub strategy: Strategy,
    pub build: Build,
    pub failure: Option<Failure>,
}

impl MacroCountCell {
    pub fn cell(&self) -> String {
        format!("{}/{}/sqlite-{}", self.engine, self.strategy, self.build.name())
    }
}

/// Whether the `loaded` build runs under `strategy`: SQLite calls the extension through a pointer
/// from dlsym and the extension calls SQLite through the pointers of the sqlite3_api table, so a
/// pointer must mean the same function in every module (one table, or tables in lockstep).
pub fn loaded_runs(strategy: Strategy) -> bool {
    use dylink::strategy::{Memories, PointerTable};
    let policy = strategy.policy();
    policy.memories == Memories::Shared && matches!(policy.pointers, PointerTable::Shared | PointerTable::Replicated)
}

/// The dump label of a counted region of `n` rows.
pub fn label(cell: &str, n: u32) -> String {
    format!("dylab-macro {cell} n{n}")
}

/// In the counting child (under callgrind, instrumentation off): per strategy x build, opens the
/// query uninstrumented, then with instrumentation on runs a warm-up and the two counted regions.
pub fn count_child<E: Adapter>(engine: &E, m: &MacroModules) -> Vec<MacroCountCell> {
    let mut out = Vec::new();
    // Only the cells that run (tests/macro_sqlite.rs checks which): a wasm trap under callgrind (a
    // signal) aborted valgrind with callgrind's signal-state assertion, losing every count. The timed
    // table shows the failing cells' failures.
    for strategy in Strategy::LINKING {
        for build in Build::ALL {
            if !(build == Build::Linked || loaded_runs(strategy)) {
                continue;
            }
            let mut cell = MacroCountCell { engine: E::KIND, strategy, build, failure: None };
            let labels = COUNT_REGIONS.map(|n| CString::new(label(&cell.cell(), n)).expect("labels have no NUL"));
            cell.failure = Query::open(engine, m, strategy, build)
                .and_then(|mut q| {
                    callgrind::start_instrumentation();
                    let counted = (|| -> Result<(), Failure> {
                        q.run(COUNT_REGIONS[1])?;
                        for (n, l) in COUNT_REGIONS.iter().zip(&labels) {
                            region(&mut q, *n, l)?;
                        }
                        Ok(())
                    })();
                    callgrind::stop_instrumentation();
                    counted
                })
                .err();
            crate::counts::progress(&cell.cell());
            out.push(cell);
        }
    }
    out
}

#[inline(never)]
fn region<E: Engine>(q: &mut Query<E>, n: u32, label: &CString) -> Result<(), Failure> {
    callgrind::zero_stats();
    let r = q.run(n);
    callgrind::dump_stats_at(label);
    match r? {
        got if got == expected(n) => Ok(()),
        got => Err(Failure::Query(format!("{n} rows gave {got}, not {}", expected(n)))),
    }
}

/// One row of the instruction counts: `{engine}/{strategy}/sqlite-{build}`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MacroCount {
    pub cell: String,
    pub engine: EngineKind,
    pub strategy: Strategy,
    pub build: Build,
    /// Instructions per row of the query (one call of rev and SQLite's work around it).
    pub instructions_per_row: Option<f64>,
    /// The difference of the two regions divided evenly.
    pub exact: bool,
    pub failure: Option<Failure>,
}

/// Counts from the child's cells and callgrind's dump totals (label -> instructions).
pub fn counts_from_dumps(cells: &[MacroCountCell], totals: &HashMap<String, u64>) -> Result<Vec<MacroCount>> {
    let mut out = Vec::new();
    for c in cells {
        let cell = c.cell();
        let (per_row, exact) = match &c.failure {
            Some(_) => (None, false),
            None => {
                let pair = COUNT_REGIONS.map(|n| totals.get(&label(&cell, n)).copied());
                let [Some(a), Some(b)] = pair else {
                    bail!("callgrind wrote no dump for {cell}: is the child under callgrind?");
                };
                let span = (COUNT_REGIONS[1] - COUNT_REGIONS[0]) as i128;
                let diff = b as i128 - a as i128;
                (Some(diff as f64 / span as f64), diff >= 0 && diff % span == 0)
            }
        };
        out.push(MacroCount {
            cell,
            engine: c.engine,
            strategy: c.strategy,
            build: c.build,
            instructions_per_row: per_row,
            exact,
            failure: c.failure.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_counts_digits() {
        assert_eq!(expected(9), 9);
        assert_eq!(expected(10), 11);
        assert_eq!(expected(1000), 9 + 180 + 2700 + 4);
    }

    #[test]
    fn counts_need_both_regions_and_divide_by_the_span() {
        let cell = MacroCountCell {
            engine: EngineKind::reference(),
            strategy: Strategy::SharedTable,
            build: Build::Loaded,
            failure: None,
        };
        let name = cell.cell();
        assert_eq!(name, format!("{}/shared-table/sqlite-loaded", EngineKind::reference()));
        let totals = HashMap::from([(label(&name, 200), 1_000_000u64), (label(&name, 1200), 1_000_000 + 5_000 * 1000)]);
        let rows = counts_from_dumps(std::slice::from_ref(&cell), &totals).unwrap();
        assert_eq!((rows[0].instructions_per_row, rows[0].exact), (Some(5000.0), true));
        let missing = HashMap::from([(label(&name, 200), 1u64)]);
        assert!(counts_from_dumps(std::slice::from_ref(&cell), &missing).unwrap_err().to_string().contains("no dump"));
        let failed = MacroCountCell { failure: Some(Failure::Open("trap".into())), ..cell };
        let rows = counts_from_dumps(&[failed], &HashMap::new()).unwrap();
        assert_eq!((rows[0].instructions_per_row, rows[0].exact), (None, false));
    }
}
