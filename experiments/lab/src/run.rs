//! Building a case's modules and running its cells on every engine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use dylab_engines::AnyEngine;
use dylab_toolchain::Toolchain;
use dylink::{Libc, Linkage, Program, RunResult, Status, TrapKind};
use serde::{Deserialize, Serialize};

use crate::build::Builds;
use crate::cell::{Cell, EngineKind};
pub use crate::corpus::wasm_name;
use crate::corpus::Case;
use crate::expect::Expected;
use crate::outcome::Outcome;

/// One cell's outcome: the rows of `dylab run --json` and of the reports (read back by
/// `dylab report --from`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellResult {
    pub cell: String,
    pub engine: EngineKind,
    pub libc: Libc,
    /// How the cell links; `strategy` in the reports' JSON, as in the cell's name.
    #[serde(rename = "strategy")]
    pub linkage: Linkage,
    pub case: String,
    pub status: Status,
    pub trap: Option<TrapKind>,
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub detail: String,
    // Not in the reports: a cell ended by a limit under load (a V8 runaway killed at its wall clock)
    // consumes a run-dependent amount, and reports must be reproducible.
    #[serde(skip)]
    pub fuel: u64,
    pub expected_status: Status,
    pub expected_trap: Option<TrapKind>,
    pub as_expected: bool,
    /// How long the program ran (engine compilation, instantiation, execution; not the C build,
    /// which the case's first cell pays). Varies with load, so not in the reproducible reports: the
    /// JSON lines carry it ([`crate::record::TimedCell`]).
    #[serde(skip)]
    pub duration: Duration,
}

impl CellResult {
    pub fn outcome(&self) -> Outcome {
        Outcome::new(self.status, self.trap)
    }
    pub fn expected_outcome(&self) -> Outcome {
        Outcome::new(self.expected_status, self.expected_trap)
    }
    /// Two cells of the same libc/strategy/case on different engines agree when they end the same way
    /// and print the same thing.
    pub fn agrees_with(&self, other: &CellResult) -> bool {
        self.status == other.status
            && self.trap == other.trap
            && self.exit_code == other.exit_code
            && self.stdout == other.stdout
    }
}

/// The lab: toolchain, engines, and built artefacts.
pub struct Lab {
    pub toolchain: Toolchain,
    pub libc_wasm: PathBuf,
    /// The folder holding the cache, where set-up fetches third-party sources ([`crate::vendor`]).
    pub vendor_root: PathBuf,
    /// One fuel-metered engine per registry entry, in registry order.
    engines: Vec<Box<dyn AnyEngine>>,
    /// The native reference column (gcc -m32 under glibc's ld.so).
    pub native: crate::native::NativeLab,
}

/// Where the tests cache artefacts: `$DYLAB_CACHE`, else `target/dylab-cache` of the workspace.
/// This and the two below use the source tree's path: for tests only; the binary uses [`crate::Paths`].
pub fn cache_dir() -> PathBuf {
    std::env::var_os("DYLAB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target").join("dylab-cache"))
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("workspace root exists")
}

pub fn default_corpus() -> PathBuf {
    workspace_root().join("corpus")
}

impl Lab {
    /// `include_dir` holds the lab's headers (dlfcn.h, dlcall.h, dylab.h); artefacts go to [`cache_dir`].
    pub fn new(include_dir: &Path) -> Result<Lab> {
        Lab::with_cache(include_dir, &cache_dir())
    }

    /// The lab of a located corpus (see [`crate::Paths`]): no path from the source tree.
    pub fn at(paths: &crate::Paths) -> Result<Lab> {
        Lab::with_cache(&paths.include_dir()?, &paths.cache)
    }

    pub fn with_cache(include_dir: &Path, cache_dir: &Path) -> Result<Lab> {
        let toolchain = Toolchain::discover(include_dir, cache_dir)?;
        let libc_wasm = toolchain.libc_module().context("building libc.wasm")?;
        // Compiled modules are kept beside the C builds, so that a warm matrix compiles no module again.
        let modules = cache_dir.join("modules");
        let engines = EngineKind::ALL.iter().map(|k| k.matrix_engine_caching(&modules)).collect::<Result<_>>()?;
        let vendor_root =
            std::path::absolute(cache_dir)?.parent().map_or_else(|| cache_dir.to_path_buf(), Path::to_path_buf);
        let native = crate::native::NativeLab::new(include_dir, cache_dir, &vendor_root);
        Ok(Lab { toolchain, libc_wasm, vendor_root, engines, native })
    }

    /// The lab's engine of this kind (kept for the lab's life: it caches compiled modules).
    pub fn engine(&self, kind: EngineKind) -> &dyn AnyEngine {
        self.engines.iter().find(|e| e.kind() == kind).expect("the lab holds every registered engine").as_ref()
    }

    pub fn engine_settings(&self, engine: EngineKind) -> Vec<(String, String)> {
        self.engine(engine).settings()
    }

    pub fn program(&self, case: &Case, main: PathBuf, libs: HashMap<String, PathBuf>, cell: &Cell) -> Program {
        let m = &case.manifest;
        let main_name = wasm_name(m.main.name());
        Program::new(main, main_name.clone())
            .libc(cell.libc)
            .linkage(cell.linkage)
            .libc_module(Some(self.libc_wasm.clone()))
            .libs(libs)
            .case_dir(&case.dir)
            .args(std::iter::once(main_name).chain(m.args.iter().cloned()))
            .env(m.env.iter().map(|(k, v)| (k.clone(), v.clone())))
            .dirs(m.dirs.iter().map(|d| (format!("/{d}"), case.dir.join(d))))
            .limits(case.limits.clone())
            .interfaces(case.interfaces.clone())
    }

    pub fn run_program(&self, engine: EngineKind, program: &Program) -> RunResult {
        self.engine(engine).run(program)
    }

    /// Runs one cell (building what it needs, once per case) and judges it against the case's expectation.
    /// A failed build makes the cell a `link-error`; it affects only the cells that need that build.
    /// A build error as reports show it: the same on every machine and run (no absolute paths of
    /// the case, the cache or a scratch folder).
    fn portable(&self, case: &Case, error: &str) -> String {
        let mut out = self.toolchain.portable(error);
        for dir in [case.dir.canonicalize().ok(), Some(case.dir.clone())].into_iter().flatten() {
            out = out.replace(&*dir.to_string_lossy(), "<case>");
        }
        out
    }

    pub fn run_cell(&self, case: &Case, builds: &Builds, cell: &Cell) -> CellResult {
        let built = match cell.libc {
            Libc::Static => builds.static_main(self, case).clone().map(|main| (main, HashMap::new())),
            Libc::LibcModule | Libc::LibcHost => builds.dynamic(self, case).clone().map(|d| (d.side_main, d.libs)),
        };
        match built {
            Ok((main, libs)) => {
                let program = self.program(case, main, libs, cell);
                let started = Instant::now();
                let result = self.run_program(cell.engine, &program);
                let duration = started.elapsed();
                CellResult { duration, ..judge(cell, case, &result, &case.expected(cell)) }
            }
            Err(e) => build_failure(cell, case, &self.portable(case, &e)),
        }
    }

    /// Runs the cells on `jobs` threads, building each case when its first cell needs it; `progress`
    /// is told of each result as soon as its cell ends. The results come back in cell order.
    pub fn run_matrix(
        &self,
        cases: &[Case],
        cells: &[Cell],
        jobs: usize,
        progress: &(dyn Fn(&CellResult) + Sync),
    ) -> Vec<CellResult> {
        let by_name: HashMap<&str, &Case> = cases.iter().map(|c| (c.name.as_str(), c)).collect();
        let builds: HashMap<&str, Builds> = cells.iter().map(|c| (c.case.as_str(), Builds::default())).collect();
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<CellResult>>> = Mutex::new(vec![None; cells.len()]);
        std::thread::scope(|s| {
            for _ in 0..jobs.max(1) {
                // Each cell runs on a thread of its own with a large stack (dylink::run).
                std::thread::Builder::new()
                    .spawn_scoped(s, || loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        let Some(cell) = cells.get(i) else { break };
                        let case = by_name[cell.case.as_str()];
                        let r = self.run_cell(case, &builds[cell.case.as_str()], cell);
                        progress(&r);
                        results.lock().unwrap()[i] = Some(r);
                    })
                    .expect("spawning a worker thread");
            }
        });
        results.into_inner().unwrap().into_iter().map(|r| r.expect("every cell ran")).collect()
    }
}

fn build_failure(cell: &Cell, case: &Case, error: &str) -> CellResult {
    let result = RunResult {
        ending: dylink::Ending::LinkError(format!("build failed: {error}")),
        stdout: Vec::new(),
        stderr: Vec::new(),
        fuel_consumed: 0,
    };
    // A case may declare that a build fails for some cells (a static link has no dlopen): data too.
    judge(cell, case, &result, &case.expected(cell))
}

fn judge(cell: &Cell, case: &Case, result: &RunResult, expected: &Expected) -> CellResult {
    let (status, trap, detail) = result.classify(&case.expected_stdout, case.manifest.exit_code);
    let stdout = result.stdout_text();
    let as_expected = expected.accepts(status, trap, &stdout, &detail);
    CellResult {
        cell: cell.to_string(),
        engine: cell.engine,
        libc: cell.libc,
        linkage: cell.linkage,
        case: cell.case.clone(),
        status,
        trap,
        exit_code: result.exit_code(),
        stdout,
        stderr: result.stderr_text(),
        detail,
        fuel: result.fuel_consumed,
        expected_status: expected.status,
        expected_trap: expected.trap,
        as_expected,
        duration: Duration::ZERO,
    }
}
