//! What loading costs: compiling and instantiating libc.wasm and a side module, dlopen, wasmtime's
//! serialized-module cache, and whole-program start-up under `static` and `libc-module`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use dylab_engines::{Adapter, EngineKind};
use dylab_lab::placements::placement;
use dylink::builder::Session;
use dylink::load::load_program;
use dylink::strategy::PointerTable;
use dylink::{Engine, Libc, Mode, Program, Strategy};
use serde::{Deserialize, Serialize};

use crate::calls::Modules;
use crate::macro_sqlite::MacroModules;
use crate::measure::median;

/// A libc-module process with these libraries, not booted yet.
fn process<E: Engine>(
    engine: &E,
    modules: &Modules,
    strategy: Strategy,
    libs: &[(&str, &PathBuf)],
) -> Result<Session<E>> {
    let libs = libs.iter().map(|(n, p)| (n.to_string(), (*p).clone())).collect();
    crate::process::libc_module(engine, strategy, &modules.libc, &modules.dir, libs)
        .build()
        .map_err(|e| anyhow!("{e:?}"))
}

/// A step of loading whose time is a row of calls.md's loader table; in calls.json its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum LoaderStep {
    CompileLibc,
    CompileSide,
    InstantiateLibc,
    DlopenSide,
    /// dlopen of corpus b11 (500 function pointers) under a strategy whose pointers fill a table.
    DlopenPointers(Strategy),
    /// A whole program (hello) from start to exit under a placement.
    StartUp(Libc),
    /// Loading a compiled module from an engine's serialized form.
    DeserializeLibc,
    DeserializeSide,
    /// The SQLite macro benchmark's program (the amalgamation, about 1.5 MB of wasm), cold.
    CompileSqlite,
    /// The same program instantiated as a process's main program (libc.wasm booted, modules compiled).
    InstantiateSqlite,
}

impl LoaderStep {
    /// Every step, for reading the text back.
    fn all() -> impl Iterator<Item = LoaderStep> {
        use strum::IntoEnumIterator;
        use LoaderStep::*;
        [
            CompileLibc,
            CompileSide,
            InstantiateLibc,
            DlopenSide,
            DeserializeLibc,
            DeserializeSide,
            CompileSqlite,
            InstantiateSqlite,
        ]
        .into_iter()
        .chain(Strategy::iter().map(DlopenPointers))
        .chain(Libc::iter().map(StartUp))
    }
}

impl std::fmt::Display for LoaderStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoaderStep::CompileLibc => write!(f, "compile libc.wasm"),
            LoaderStep::CompileSide => write!(f, "compile side module"),
            LoaderStep::InstantiateLibc => write!(f, "instantiate libc.wasm + ctors"),
            LoaderStep::DlopenSide => write!(f, "dlopen side module (compiled)"),
            LoaderStep::DlopenPointers(s) => write!(f, "dlopen a library with 500 function pointers: {s}"),
            LoaderStep::StartUp(libc) => write!(f, "start-up hello: {libc}"),
            LoaderStep::DeserializeLibc => write!(f, "deserialize libc.wasm (cached)"),
            LoaderStep::DeserializeSide => write!(f, "deserialize side module (cached)"),
            LoaderStep::CompileSqlite => write!(f, "compile SQLite"),
            LoaderStep::InstantiateSqlite => write!(f, "instantiate SQLite + ctors (compiled)"),
        }
    }
}

impl From<LoaderStep> for String {
    fn from(s: LoaderStep) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for LoaderStep {
    type Error = String;
    fn try_from(text: String) -> Result<LoaderStep, String> {
        LoaderStep::all().find(|s| s.to_string() == text).ok_or_else(|| format!("no loader step {text:?}"))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoaderRow {
    pub cell: String,
    pub engine: EngineKind,
    pub what: LoaderStep,
    pub median_us: f64,
    pub min_us: f64,
    pub samples: usize,
}

fn row(engine: EngineKind, what: LoaderStep, times: &[Duration]) -> LoaderRow {
    let us: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    LoaderRow {
        cell: format!("{engine}/loader/{what}"),
        engine,
        what,
        median_us: median(&us),
        min_us: us.iter().copied().fold(f64::INFINITY, f64::min),
        samples: us.len(),
    }
}

fn time<T>(f: impl FnOnce() -> Result<T>) -> Result<Duration> {
    let t = Instant::now();
    f()?;
    Ok(t.elapsed())
}

/// `bytes` with a custom section holding a number used once appended: the same code, but new wire
/// bytes, so that no engine can answer a compile from a cache keyed by the bytes (V8 keeps one per
/// process: without this its "compile" of libc.wasm took 2.7 ms, a lookup).
fn unique(bytes: &[u8]) -> Vec<u8> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use wasm_encoder::Section;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nonce = NEXT.fetch_add(1, Ordering::Relaxed).to_le_bytes();
    let mut out = bytes.to_vec();
    wasm_encoder::CustomSection { name: "dylab-cold-compile".into(), data: nonce[..].into() }.append_to(&mut out);
    out
}

/// `n` cold compiles of `bytes`: a new engine (empty caches) and new wire bytes ([`unique`]) each.
fn cold<E: Adapter>(bytes: &[u8], n: usize) -> Result<Vec<Duration>> {
    (0..n)
        .map(|_| {
            let (e, bytes) = (E::timing()?, unique(bytes));
            time(|| e.compile(&bytes))
        })
        .collect()
}

/// A cold compile of the SQLite program `module` (what a tier saves on a large module), `samples` times.
pub fn compile_sqlite<E: Adapter>(module: &Path, samples: usize) -> Result<LoaderRow> {
    let times = cold::<E>(&std::fs::read(module)?, samples)?;
    Ok(row(E::KIND, LoaderStep::CompileSqlite, &times))
}

/// The SQLite program instantiated as a process's main program, with its constructors (libc.wasm
/// booted first, untimed; both compiled before, as a module cache would have them), `samples` times.
pub fn instantiate_sqlite<E: Adapter>(engine: &E, m: &MacroModules, samples: usize) -> Result<LoaderRow> {
    engine.compile(&std::fs::read(&m.libc)?)?;
    engine.compile(&std::fs::read(&m.loaded)?)?;
    let times = (0..samples)
        .map(|_| {
            let libs = HashMap::from([("bench.wasm".to_string(), m.loaded.clone())]);
            let mut session = crate::process::libc_module(engine, Strategy::SharedTable, &m.libc, &m.dir, libs)
                .build()
                .map_err(|e| anyhow!("{e:?}"))?;
            session.boot().map_err(|e| anyhow!("booting libc.wasm: {e:?}"))?;
            time(|| {
                session.enter(|ctx| load_program(ctx, "bench.wasm").map(|_| ()).map_err(|e| anyhow!("{}", e.message())))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(row(E::KIND, LoaderStep::InstantiateSqlite, &times))
}

/// Loader costs on one engine; a cold compile gets a new engine (empty caches) per sample.
/// `hello` is a program run whole for start-up: (static module, side module).
pub fn measure<E: Adapter>(
    modules: &Modules,
    hello: (&Path, &Path),
    samples: usize,
    compile_samples: usize,
) -> Result<Vec<LoaderRow>> {
    let engine = E::timing()?;
    let libc_bytes = std::fs::read(&modules.libc)?;
    let side_bytes = std::fs::read(&modules.callee)?;
    let mut rows = vec![
        row(E::KIND, LoaderStep::CompileLibc, &cold::<E>(&libc_bytes, compile_samples)?),
        row(E::KIND, LoaderStep::CompileSide, &cold::<E>(&side_bytes, samples)?),
    ];
    // Instantiation with compiled modules cached in `engine`.
    engine.compile(&libc_bytes)?;
    engine.compile(&side_bytes)?;
    rows.extend(boot_and_dlopen(&engine, modules, samples)?);
    if let Some(lib) = &modules.pointers {
        rows.extend(dlopen_pointers(&engine, modules, lib, samples)?);
    }
    for (libc, main) in [(Libc::Static, hello.0), (Libc::LibcModule, hello.1)] {
        rows.push(start_up(&engine, modules, libc, main, samples)?);
    }
    Ok(rows)
}

/// Booting libc.wasm, then a dlopen of the bench callee, in fresh processes.
fn boot_and_dlopen<E: Adapter>(engine: &E, modules: &Modules, samples: usize) -> Result<[LoaderRow; 2]> {
    let mut boot = Vec::new();
    let mut dlopen = Vec::new();
    for _ in 0..samples {
        let mut session = process(engine, modules, Strategy::SharedTable, &[("callee.wasm", &modules.callee)])?;
        boot.push(time(|| session.boot().map_err(|e| anyhow!("{e:?}")))?);
        dlopen.push(time(|| {
            session.load("callee.wasm", Mode { now: true, global: false }).map_err(|e| anyhow!("{}", e.message()))
        })?);
    }
    Ok([row(E::KIND, LoaderStep::InstantiateLibc, &boot), row(E::KIND, LoaderStep::DlopenSide, &dlopen)])
}

/// What each pointer policy costs at load time: a library with 500 function pointers in its data
/// (corpus b11: 250 through GOT.func), dlopen'ed into a process of libc plus the bench callee.
fn dlopen_pointers<E: Adapter>(engine: &E, modules: &Modules, lib: &Path, samples: usize) -> Result<Vec<LoaderRow>> {
    engine.compile(&std::fs::read(lib)?)?;
    // The strategies whose pointers live in a table the loader must fill (all but the definer's own).
    // (`isolated` is measured per call by bytes copied instead: `dylab bench --isolation`.)
    let policies = one_memory().filter(|s| s.policy().pointers != PointerTable::Definer);
    let mut rows = Vec::new();
    for strategy in policies {
        let mut times = Vec::new();
        for _ in 0..samples {
            let libs = [("callee.wasm", &modules.callee), ("fnptrs.wasm", &lib.to_path_buf())];
            let mut session = process(engine, modules, strategy, &libs)?;
            session.boot().map_err(|e| anyhow!("{e:?}"))?;
            session.load("callee.wasm", Mode { now: true, global: true }).map_err(|e| anyhow!("{}", e.message()))?;
            times.push(time(|| {
                session.load("fnptrs.wasm", Mode { now: false, global: false }).map_err(|e| anyhow!("{}", e.message()))
            })?);
        }
        rows.push(row(E::KIND, LoaderStep::DlopenPointers(strategy), &times));
    }
    Ok(rows)
}

/// Whole-program start-up to exit under `libc`, modules already compiled.
fn start_up<E: Adapter>(engine: &E, modules: &Modules, libc: Libc, main: &Path, samples: usize) -> Result<LoaderRow> {
    let what = LoaderStep::StartUp(libc);
    let program = Program::new(main, "hello.wasm")
        .libc(libc)
        .linkage(libc.linkage(Strategy::SharedTable))
        .libc_module(Some(modules.libc.clone()))
        .case_dir(&modules.dir)
        .args(["hello"])
        .limits(dylink::engine::Limits::UNBOUNDED);
    engine.run_program(&program, placement(libc));
    let times: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            let r = engine.run_program(&program, placement(libc));
            let d = t.elapsed();
            match r.ending {
                dylink::Ending::Exited(0) => Ok(d),
                other => Err(anyhow!("{what}: {other:?}")),
            }
        })
        .collect::<Result<_>>()?;
    Ok(row(E::KIND, what, &times))
}

/// Loading a module from its serialized (pre-compiled) form instead of compiling, on an engine that
/// can ([`dylink::Engine::serialized_load`]); no rows on the others.
pub fn serialized<E: Adapter>(engine: &E, modules: &Modules, samples: usize) -> Result<Vec<LoaderRow>> {
    let mut rows = Vec::new();
    for (what, path) in [(LoaderStep::DeserializeLibc, &modules.libc), (LoaderStep::DeserializeSide, &modules.callee)] {
        let Some(load) = engine.serialized_load(path) else { return Ok(rows) };
        let mut load = load?;
        let times: Vec<Duration> = (0..samples).map(|_| time(&mut load)).collect::<Result<_>>()?;
        rows.push(row(E::KIND, what, &times));
    }
    Ok(rows)
}

/// The linking strategies whose modules share one memory.
pub fn one_memory() -> impl Iterator<Item = Strategy> {
    Strategy::LINKING.into_iter().filter(|s| s.policy().memories == dylink::strategy::Memories::Shared)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_reads_back_from_its_text() {
        for step in LoaderStep::all() {
            let json = serde_json::to_string(&step).unwrap();
            assert_eq!(serde_json::from_str::<LoaderStep>(&json).unwrap(), step, "{json}");
        }
        assert_eq!(LoaderStep::StartUp(Libc::LibcModule).to_string(), "start-up hello: libc-module");
        assert!(serde_json::from_str::<LoaderStep>("\"compile everything\"").is_err());
    }

    #[test]
    fn cold_compiles_get_new_wire_bytes_that_still_compile() {
        let module = wasm_encoder::Module::new().finish();
        let (a, b) = (unique(&module), unique(&module));
        assert_ne!(a, b);
        assert!(a.starts_with(&module) && a.len() > module.len());
        wasmparser::validate(&a).expect("the custom section keeps the module valid");
    }
}
