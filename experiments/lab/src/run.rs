//! Building a case's modules and running its cells on every engine.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use anyhow::{Context, Result};
use dylab_engines::AnyEngine;
use dylab_toolchain::Toolchain;
use dylink::{Libc, Program, RunResult, Status};
use serde::Serialize;

use crate::cell::{Cell, EngineKind};
use crate::corpus::{Case, Expected};

/// Default fuel: ample for every case (libc-tour needs well under 1% of it), small enough that a
/// runaway loop ends within seconds on the interpreter.
pub const DEFAULT_FUEL: u64 = 400_000_000;

/// The built modules of one case.
#[derive(Clone, Debug)]
pub struct Built {
    pub side_main: PathBuf,
    pub static_main: Option<PathBuf>,
    pub libs: HashMap<String, PathBuf>,
}

/// One cell's outcome: the rows of `dylab run --json` and of the reports.
#[derive(Clone, Debug, Serialize)]
pub struct CellResult {
    pub cell: String,
    pub engine: String,
    pub libc: String,
    pub strategy: String,
    pub case: String,
    pub status: Status,
    pub trap: Option<String>,
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub detail: String,
    pub fuel: u64,
    pub expected_status: Status,
    pub expected_trap: Option<String>,
    pub as_expected: bool,
}

/// The lab: toolchain, engines, and built artefacts.
pub struct Lab {
    pub toolchain: Toolchain,
    pub libc_wasm: PathBuf,
    /// One fuel-metered engine per registry entry, in registry order.
    engines: Vec<Box<dyn AnyEngine>>,
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
        let engines = EngineKind::ALL.iter().map(|k| k.matrix_engine()).collect::<Result<_>>()?;
        Ok(Lab { toolchain, libc_wasm, engines })
    }

    /// The lab's engine of this kind (kept for the lab's life: it caches compiled modules).
    pub fn engine(&self, kind: EngineKind) -> &dyn AnyEngine {
        self.engines.iter().find(|e| e.kind() == kind).expect("the lab holds every registered engine").as_ref()
    }

    pub fn engine_settings(&self, engine: EngineKind) -> Vec<(String, String)> {
        self.engine(engine).settings()
    }

    pub fn build(&self, case: &Case) -> Result<Built> {
        let m = &case.manifest;
        let src = |s: &String| case.dir.join(s);
        // Libraries first, in an order where each one's link-time dependencies are already built.
        let mut libs: HashMap<String, PathBuf> = HashMap::new();
        let mut pending: Vec<&String> = m.libs.iter().collect();
        while !pending.is_empty() {
            let before = pending.len();
            let mut i = 0;
            while i < pending.len() {
                let lib = pending[i];
                let deps = m.needed.get(lib).map(Vec::as_slice).unwrap_or(&[]);
                if deps.iter().all(|d| libs.contains_key(&wasm_name(d))) {
                    let needed: Vec<(String, PathBuf)> =
                        deps.iter().map(|d| (wasm_name(d), libs[&wasm_name(d)].clone())).collect();
                    let built = self
                        .toolchain
                        .side_module_needing(&[src(lib)], &m.cflags, &needed)
                        .with_context(|| format!("case {}: building {lib}", case.name))?;
                    libs.insert(wasm_name(lib), built);
                    pending.remove(i);
                } else {
                    i += 1;
                }
            }
            if pending.len() == before {
                anyhow::bail!("case {}: [needed] has a cycle among {:?}", case.name, pending);
            }
        }
        let main_needed: Vec<(String, PathBuf)> =
            m.needed.get(&m.main).into_iter().flatten().map(|d| (wasm_name(d), libs[&wasm_name(d)].clone())).collect();
        let side_main = self
            .toolchain
            .side_module_needing(&[src(&m.main)], &m.cflags, &main_needed)
            .with_context(|| format!("case {}: building {}", case.name, m.main))?;
        let static_main = if case.uses_dlopen() {
            None
        } else {
            Some(
                self.toolchain
                    .static_program(&[src(&m.main)], &m.cflags)
                    .with_context(|| format!("case {}: building {} statically", case.name, m.main))?,
            )
        };
        Ok(Built { side_main, static_main, libs })
    }

    pub fn program(&self, case: &Case, built: &Built, cell: &Cell) -> Program {
        let m = &case.manifest;
        let main = match cell.libc {
            Libc::Static => built.static_main.clone().unwrap_or_else(|| built.side_main.clone()),
            Libc::LibcModule | Libc::LibcHost => built.side_main.clone(),
        };
        let main_name = wasm_name(&m.main);
        Program {
            libc: cell.libc,
            strategy: cell.strategy,
            main,
            main_name: main_name.clone(),
            libc_module: Some(self.libc_wasm.clone()),
            libs: built.libs.clone(),
            case_dir: case.dir.clone(),
            args: std::iter::once(main_name).chain(m.args.iter().cloned()).collect(),
            env: m.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            dirs: m.dirs.iter().map(|d| (format!("/{d}"), case.dir.join(d))).collect(),
            limits: dylink::engine::Limits { fuel: m.fuel.unwrap_or(DEFAULT_FUEL), ..dylink::engine::Limits::DEFAULT },
        }
    }

    pub fn run_program(&self, engine: EngineKind, program: &Program) -> RunResult {
        self.engine(engine).run(program)
    }

    /// Runs one cell and judges it against the case's expectation.
    pub fn run_cell(&self, case: &Case, built: &Built, cell: &Cell) -> CellResult {
        let program = self.program(case, built, cell);
        let result = self.run_program(cell.engine, &program);
        let expected = case.expected(cell.engine.name(), cell.libc.name(), cell.strategy.name()).unwrap_or(Expected {
            status: Status::Ok,
            trap: None,
            why: String::new(),
        });
        judge(cell, case, &result, &expected)
    }

    /// Builds the cases and runs the cells on `jobs` threads; `progress` is told after each cell.
    /// A case that fails to build turns its cells into `link-error` outcomes; the others still run.
    pub fn run_matrix(
        &self,
        cases: &[Case],
        cells: &[Cell],
        jobs: usize,
        progress: &(dyn Fn(&CellResult) + Sync),
    ) -> Vec<CellResult> {
        let by_name: HashMap<&str, &Case> = cases.iter().map(|c| (c.name.as_str(), c)).collect();
        let mut builds: HashMap<String, Result<Built, String>> = HashMap::new();
        for cell in cells {
            builds
                .entry(cell.case.clone())
                .or_insert_with(|| self.build(by_name[cell.case.as_str()]).map_err(|e| format!("{e:#}")));
        }
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
                        let r = match &builds[&cell.case] {
                            Ok(built) => self.run_cell(case, built, cell),
                            Err(e) => build_failure(cell, case, e),
                        };
                        progress(&r);
                        results.lock().unwrap()[i] = Some(r);
                    })
                    .expect("spawning a worker thread");
            }
        });
        results.into_inner().unwrap().into_iter().map(|r| r.expect("every cell ran")).collect()
    }
}

/// `dlworld.c` -> `dlworld.wasm`: the name a program passes to dlopen.
pub fn wasm_name(source: &str) -> String {
    Path::new(source).with_extension("wasm").file_name().unwrap().to_string_lossy().into_owned()
}

fn build_failure(cell: &Cell, case: &Case, error: &str) -> CellResult {
    let result = RunResult {
        ending: dylink::Ending::LinkError(format!("build failed: {error}")),
        stdout: Vec::new(),
        stderr: Vec::new(),
        fuel_consumed: 0,
    };
    let expected = Expected { status: Status::Ok, trap: None, why: String::new() };
    judge(cell, case, &result, &expected)
}

fn judge(cell: &Cell, case: &Case, result: &RunResult, expected: &Expected) -> CellResult {
    let (status, trap, detail) = result.classify(&case.expected_stdout, case.manifest.exit_code);
    let as_expected = status == expected.status && (expected.trap.is_none() || expected.trap == trap);
    CellResult {
        cell: cell.to_string(),
        engine: cell.engine.name().into(),
        libc: cell.libc.name().into(),
        strategy: cell.strategy.name().into(),
        case: cell.case.clone(),
        status,
        trap: trap.map(|t| t.name().to_string()),
        exit_code: result.exit_code(),
        stdout: result.stdout_text(),
        stderr: result.stderr_text(),
        detail,
        fuel: result.fuel_consumed,
        expected_status: expected.status,
        expected_trap: expected.trap.map(|t| t.name().to_string()),
        as_expected,
    }
}
