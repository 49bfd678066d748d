//! The counted process (`dylab bench --count-child`, started by [`super::parent`] under callgrind
//! with instrumentation off): per cell it sets up a store uninstrumented, then with instrumentation
//! on runs warm-up loops and the counted regions, each dumped under a label the parent parses.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylab_lab::Paths;
use serde::{Deserialize, Serialize};

use super::{regions, REPETITIONS};
use crate::calls::{Kernel, Modules, Prepared, Variant};
use crate::{callgrind, Selection};

/// Warm-up regions before counting: lazy initialisation (table elements, trampolines, caches) and
/// valgrind's translation of the code run here, not in a counted region. They are whole regions
/// (counters zeroed and dumped, under a label the parent ignores), not bare loops: on V8 the first
/// region a cell ran counted 64 instructions more than every later one (measured on every kernel:
/// 19.936 vs 20.0 per call for intra-direct), so a bare loop left that one-time cost in repetition 0.
const WARM_UPS: usize = 2;

/// One cell the child counted; the counts are in the dumps, under [`label`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChildCell {
    pub engine: EngineKind,
    pub variant: Variant,
    pub kernel: Kernel,
    pub checksum: i32,
    /// What `--check` accepts for this cell ([`super::tolerance`]).
    pub tolerance: f64,
}

impl ChildCell {
    pub fn cell(&self) -> String {
        format!("{}/{}/{}", self.engine, self.variant.name(), self.kernel.name())
    }
}

/// What the child prints on stdout (one JSON object) when done.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChildReport {
    pub engines: BTreeMap<EngineKind, Vec<(String, String)>>,
    pub cells: Vec<ChildCell>,
    #[serde(default)]
    pub macro_cells: Vec<crate::macro_sqlite::MacroCountCell>,
    /// The isolation table's rows counted (counts from the dumps, [`crate::isolation::counts_from_totals`]).
    #[serde(default)]
    pub isolation: Vec<crate::isolation::CopyRow>,
}

/// The dump label of a counted region: `repetition` (0-based) of the region of `n` iterations.
pub fn label(cell: &str, repetition: usize, n: u32) -> String {
    format!("dylab-count {cell} rep{repetition} n{n}")
}

/// The dump label of a warm-up region: written, never read.
fn warm_label(cell: &str, n: u32) -> String {
    format!("dylab-count {cell} warm n{n}")
}

/// Counts every selected cell on every selected engine this process can make stores of, on a
/// thread of its own. Must run under callgrind.
pub fn run(paths: &Paths, select: &Selection) -> Result<ChildReport> {
    // Guest code needs dylink's run stack (wasmi needs more than a main thread's 8 MiB).
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("dylab-count".into())
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, || run_here(paths, select))
            .expect("spawning the counting thread")
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the counting thread panicked")))
    })
}

/// [`run`] on this thread: inside Node (V8's stores live on its main thread), [`super::node`].
pub fn run_here(paths: &Paths, select: &Selection) -> Result<ChildReport> {
    if !callgrind::running_on_valgrind() {
        bail!("--count-child must run under valgrind's callgrind: use `dylab bench --count`");
    }
    // The toolchain alone, not a `Lab`: a lab holds the matrix engines, and wasmtime's has a ticker
    // thread whose wake-ups (about 130 instructions every 10 ms) would land in counted regions.
    let toolchain = dylab_toolchain::Toolchain::discover(&paths.include_dir()?, &paths.cache)?;
    let (modules, macro_modules) = inputs(&toolchain, paths, select)?;
    let copy = copy_inputs(&toolchain, paths, select)?;
    let precompiled = precompiled_dir(paths);
    let mut report =
        ChildReport { engines: BTreeMap::new(), cells: Vec::new(), macro_cells: Vec::new(), isolation: Vec::new() };
    for kind in EngineKind::in_process().filter(|&k| select.wants(k)) {
        kind.with_counting_engine(Some(&precompiled), CountEngine { modules: &modules, select, report: &mut report })??;
        if let Some(m) = &macro_modules {
            report.macro_cells.extend(kind.with_counting_engine(Some(&precompiled), CountMacro(m))?);
        }
        if let Some(c) = &copy {
            report.isolation.extend(kind.with_counting_engine(Some(&precompiled), CountCopy(c))??);
        }
    }
    Ok(report)
}

/// The isolation table's modules when every variant and kernel is selected (its rows are not cells
/// of a variant and kernel), else None.
fn copy_inputs(
    toolchain: &dylab_toolchain::Toolchain,
    paths: &Paths,
    select: &Selection,
) -> Result<Option<crate::isolation::CopyModules>> {
    if !select.variants.is_empty() || !select.kernels.is_empty() {
        return Ok(None);
    }
    let built = crate::isolation::CopyModules::build(toolchain, &paths.corpus.join("bench"), &paths.cache);
    built.map(Some).context("building the isolation bench")
}

struct CountCopy<'a>(&'a crate::isolation::CopyModules);

impl WithEngine for CountCopy<'_> {
    type Out = Result<Vec<crate::isolation::CopyRow>>;
    fn run<E: Adapter>(self, e: &E) -> Self::Out {
        let rows = crate::isolation::count_child(e, self.0)?;
        rows.iter().for_each(|r| super::progress(&r.cell()));
        Ok(rows)
    }
}

/// What the counted cells run: the bench modules and, for a selection of every cell, the SQLite
/// benchmark's.
fn inputs(
    toolchain: &dylab_toolchain::Toolchain,
    paths: &Paths,
    select: &Selection,
) -> Result<(Modules, Option<crate::macro_sqlite::MacroModules>)> {
    let modules = Modules::build(toolchain, &paths.corpus.join("bench")).context("building corpus/bench")?;
    let macro_modules = crate::macro_sqlite::MacroModules::for_selection(toolchain, paths, select)?;
    Ok((modules, macro_modules))
}

/// Where the counting engines keep compiled modules between processes ([`prime`] writes them, the
/// counted child reads them).
pub fn precompiled_dir(paths: &Paths) -> PathBuf {
    paths.cache.join("precompiled")
}

/// Run natively by the parent before the counted child starts: every module the child will compile
/// is compiled here by the same counting engines and kept in [`precompiled_dir`], so that the child
/// under valgrind reads compiled code instead of running a compiler (engines that keep nothing
/// between processes just compile and drop). Also surfaces a broken module before valgrind starts.
pub fn prime(paths: &Paths, toolchain: &dylab_toolchain::Toolchain, select: &Selection) -> Result<()> {
    let (modules, macro_modules) = inputs(toolchain, paths, select)?;
    let copy = copy_inputs(toolchain, paths, select)?;
    let dir = precompiled_dir(paths);
    for kind in EngineKind::in_process().filter(|&k| select.wants(k)) {
        let prime = Prime { modules: &modules, macro_modules: macro_modules.as_ref(), copy: copy.as_ref() };
        kind.with_counting_engine(Some(&dir), prime)??;
    }
    Ok(())
}

struct Prime<'a> {
    modules: &'a Modules,
    macro_modules: Option<&'a crate::macro_sqlite::MacroModules>,
    copy: Option<&'a crate::isolation::CopyModules>,
}

impl WithEngine for Prime<'_> {
    type Out = Result<()>;
    fn run<E: Adapter>(self, e: &E) -> Result<()> {
        // Every kernel and variant uses the same three modules; the eager-table variant compiles
        // them with an engine of its own.
        for variant in [Variant::IntraDirect, Variant::SharedTableEager] {
            if variant.runs_on::<E>() {
                Prepared::new(e, self.modules, variant, Kernel::K1)?;
            }
        }
        if let Some(m) = self.macro_modules {
            for build in crate::macro_sqlite::Build::ALL {
                crate::macro_sqlite::Query::open(e, m, dylink::Strategy::SharedTable, build)
                    .map_err(|f| anyhow::anyhow!("opening the SQLite benchmark ({build:?}): {f:?}"))?;
            }
        }
        if let Some(c) = self.copy {
            crate::isolation::prime(e, c)?;
        }
        Ok(())
    }
}

struct CountMacro<'a>(&'a crate::macro_sqlite::MacroModules);

impl WithEngine for CountMacro<'_> {
    type Out = Vec<crate::macro_sqlite::MacroCountCell>;
    fn run<E: Adapter>(self, e: &E) -> Self::Out {
        crate::macro_sqlite::count_child(e, self.0)
    }
}

struct CountEngine<'a> {
    modules: &'a Modules,
    select: &'a Selection,
    report: &'a mut ChildReport,
}

impl WithEngine for CountEngine<'_> {
    type Out = Result<()>;
    fn run<E: Adapter>(self, e: &E) -> Result<()> {
        self.report.engines.insert(E::KIND, e.settings());
        for kernel in Kernel::ALL {
            for variant in Variant::ALL {
                if self.select.picks(variant, kernel) && variant.applies(kernel) && variant.runs_on::<E>() {
                    let cell = count_cell(e, self.modules, variant, kernel)
                        .with_context(|| format!("counting {}/{}/{}", e.name(), variant.name(), kernel.name()))?;
                    super::progress(&cell.cell());
                    self.report.cells.push(cell);
                }
            }
        }
        Ok(())
    }
}

/// One cell; its store is dropped before the next is made (each reserves gigabytes of address
/// space, and valgrind's runs out after a few dozen).
fn count_cell<E: Adapter>(e: &E, modules: &Modules, variant: Variant, kernel: Kernel) -> Result<ChildCell> {
    let mut p = Prepared::new(e, modules, variant, kernel)?;
    let tolerance = super::tolerance(E::KIND, variant);
    let mut cell = ChildCell { engine: E::KIND, variant, kernel, checksum: 0, tolerance };
    let labels: Vec<[CString; 2]> = (0..REPETITIONS)
        .map(|r| regions(variant).map(|n| CString::new(label(&cell.cell(), r, n)).expect("labels have no NUL")))
        .collect();
    let warm = regions(variant).map(|n| CString::new(warm_label(&cell.cell(), n)).expect("labels have no NUL"));
    let args = regions(variant).map(|n| p.args(n));
    callgrind::start_instrumentation();
    let counted = (|| -> Result<()> {
        for _ in 0..WARM_UPS {
            for (a, l) in args.iter().zip(&warm) {
                region(&mut p, a, l)?;
            }
        }
        for pair in &labels {
            for (a, l) in args.iter().zip(pair) {
                region(&mut p, a, l)?;
            }
        }
        Ok(())
    })();
    callgrind::stop_instrumentation();
    counted?;
    cell.checksum = p.checksum();
    Ok(cell)
}

/// One counted region: counters zeroed, the loop, counters dumped. Not inlined, so that every
/// region executes the same host instructions around the loop and they cancel out in I(n2) - I(n1).
#[inline(never)]
fn region<E: Adapter>(p: &mut Prepared<E>, args: &[dylink::Val<E>], label: &CString) -> Result<()> {
    callgrind::zero_stats();
    let done = p.call(args);
    callgrind::dump_stats_at(label);
    done
}
