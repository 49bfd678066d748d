//! The call-overhead lab: the same kernels called under every linkage, timed inside wasm so that the
//! host's entry cost is amortised; and the loader's costs (compile, instantiate, dlopen, start-up).

pub mod baseline;
pub mod callgrind;
pub mod calls;
pub mod charts;
pub mod component;
pub mod counts;
pub mod floor;
pub mod growth;
pub mod growth_native;
pub mod hosted;
pub mod isolation;
pub mod libcalls;
pub mod loader;
pub mod macro_sqlite;
pub mod measure;
pub mod measurement;
pub mod merge;
pub mod outputs;
pub mod process;
pub mod provenance;
pub mod report;
pub mod samples;
pub mod stats;
pub mod subject;
pub mod threads;
pub mod typed_host;

pub use calls::{Kernel, Modules, Prepared, Variant};

use anyhow::{Context, Result};
use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylab_lab::Paths;

pub use counts::CountData;
pub use measure::Settings;
pub use report::BenchData;

/// Which measurements to run.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Selection {
    pub engines: Vec<EngineKind>,
    pub variants: Vec<Variant>,
    pub kernels: Vec<Kernel>,
    pub loader: bool,
    pub libc_calls: bool,
}

impl Selection {
    /// Whether `kind` is selected (no engine named: all are).
    pub fn wants(&self, kind: EngineKind) -> bool {
        self.engines.is_empty() || self.engines.contains(&kind)
    }

    /// Whether the row of variant `v` and kernel `k` is selected (none named: all are).
    pub fn picks(&self, v: Variant, k: Kernel) -> bool {
        (self.variants.is_empty() || self.variants.contains(&v))
            && (self.kernels.is_empty() || self.kernels.contains(&k))
    }

    /// Whether engine `e`'s row of variant `v` and kernel `k` is selected.
    pub fn covers(&self, e: EngineKind, v: Variant, k: Kernel) -> bool {
        self.wants(e) && self.picks(v, k)
    }

    /// Whether every row is selected (no engine, variant or kernel named).
    pub fn is_everything(&self) -> bool {
        self.engines.is_empty() && self.variants.is_empty() && self.kernels.is_empty()
    }

    /// The selected engines by where they run: this process's first, then each host's
    /// ([`hosted::by_place`]).
    pub fn engines_by_place(&self) -> Vec<(hosted::Place, Vec<EngineKind>)> {
        hosted::by_place(EngineKind::ALL.into_iter().filter(|&k| self.wants(k)))
    }
}

/// Runs the call-cost and loader-cost measurements; what `dylab bench` writes to reports/.
/// Guest code runs on a thread with dylink's run stack (wasmi needs more than a main thread's 8 MiB).
/// Engines whose stores this process cannot make (V8 outside Node) are measured in the process the
/// registry says hosts them ([`hosted`]) and their rows merged.
pub fn run(paths: &Paths, quick: bool, select: &Selection, progress: &(dyn Fn(&str) + Sync)) -> Result<BenchData> {
    let mut places = select.engines_by_place().into_iter();
    let (_, here) = places.next().expect("this process's group comes first");
    let local = Selection { engines: here, ..select.clone() };
    let mut data = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("dylab-bench".into())
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, || run_here(paths, quick, &local, progress))
            .expect("spawning the bench thread")
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the bench thread panicked")))
    })?;
    for (place, engines) in places {
        let names: Vec<&str> = engines.iter().map(|k| k.name()).collect();
        let host = place.with_context(|| format!("{} cannot run in this process and has no host", names.join(", ")))?;
        progress(&format!("{}: in {}", names.join(", "), host.describe()));
        data.merge(hosted::measure(paths, quick, select, host, engines)?);
    }
    if select.loader {
        progress("native: loader growth (gcc -m32, glibc's ld.so)");
        data.native_growth = native_growth(paths, quick);
    }
    Ok(data)
}

/// The native line of the loader growth; a machine without gcc -m32 gets the rest and a warning.
fn native_growth(paths: &Paths, quick: bool) -> Option<growth_native::NativeGrowth> {
    let measured = paths.include_dir().and_then(|include| {
        let tc = dylab_toolchain::native::NativeToolchain::discover(&include, &paths.cache)?;
        growth_native::measure(&tc, &paths.corpus.join("bench"), growth::max_libraries(quick))
    });
    match measured {
        Ok(n) => Some(n),
        Err(e) => {
            eprintln!("dylab: the native loader growth was not measured: {e:#}");
            None
        }
    }
}

/// Measures `select.engines` (every one of them must run in this process) on this thread.
pub fn run_here(paths: &Paths, quick: bool, select: &Selection, progress: &(dyn Fn(&str) + Sync)) -> Result<BenchData> {
    let corpus = &paths.corpus;
    let lab = dylab_lab::Lab::at(paths)?;
    let modules = Modules::build(&lab.toolchain, &corpus.join("bench")).context("building corpus/bench")?;
    let libc_modules = libcalls::LibcModules::build(&lab.toolchain, &corpus.join("bench"))
        .context("building corpus/bench/libcalls.c")?;
    let hello = dylab_lab::corpus::load_case(&corpus.join("cases/hello"))?;
    let hello_static = lab.build_static(&hello)?;
    let hello_side = lab.build_dynamic(&hello)?.side_main;
    let settings = if quick { Settings::quick() } else { Settings::full() };
    let pick = |v: Variant, k: Kernel| select.picks(v, k);

    let mut data = BenchData {
        commit: provenance::dylab_commit(corpus),
        machine: report::machine(),
        quick,
        toolchain: provenance::toolchain(&lab)?,
        ..Default::default()
    };
    let (samples, compile_samples) = if quick { (3, 1) } else { (15, 3) };
    let growth_max = growth::max_libraries(quick);
    let hello_mods = (hello_static.as_path(), hello_side.as_path());
    // With the loader tables (not under --check, --no-loader, or a choice of variants or kernels), and
    // not under --quick: opening SQLite ten times per engine and a million rows per query take minutes.
    let macro_modules = match select.loader && !quick {
        true => macro_sqlite::MacroModules::for_selection(&lab.toolchain, paths, select)?,
        false => None,
    };
    let env = Env {
        modules: &modules,
        libc_modules: &libc_modules,
        hello: hello_mods,
        settings,
        samples,
        compile_samples,
        growth_max,
        macro_modules: macro_modules.as_ref(),
        pick: &pick,
        select,
        progress,
    };
    if let Some(kind) = select.engines.iter().find(|k| !k.runs_in_process()) {
        anyhow::bail!("{kind} cannot be measured in this process (see `run`)");
    }
    for kind in EngineKind::in_process() {
        if select.engines.contains(&kind) {
            kind.with_timing_engine(MeasureEngine { data: &mut data, env: &env })??;
        }
    }
    Ok(data)
}

/// What every engine's measurements share.
struct Env<'a> {
    modules: &'a Modules,
    libc_modules: &'a libcalls::LibcModules,
    hello: (&'a std::path::Path, &'a std::path::Path),
    settings: Settings,
    samples: usize,
    compile_samples: usize,
    growth_max: usize,
    macro_modules: Option<&'a macro_sqlite::MacroModules>,
    pick: &'a dyn Fn(Variant, Kernel) -> bool,
    select: &'a Selection,
    progress: &'a (dyn Fn(&str) + Sync),
}

/// Call costs, libc-call costs and loader costs on one (timing) engine.
struct MeasureEngine<'a> {
    data: &'a mut BenchData,
    env: &'a Env<'a>,
}

impl WithEngine for MeasureEngine<'_> {
    type Out = Result<()>;
    fn run<E: Adapter>(self, e: &E) -> Result<()> {
        measure_engine(e, self.data, self.env)
    }
}

fn measure_engine<E: Adapter>(e: &E, data: &mut BenchData, env: &Env) -> Result<()> {
    data.engines.insert(E::KIND, e.settings());
    let (empty, rows, raw) = measure::measure(e, env.modules, env.settings, env.pick, env.progress)?;
    data.empty_loop_ns.insert(E::KIND, empty);
    data.calls.extend(rows);
    data.samples.extend(raw);
    if env.select.libc_calls {
        (env.progress)(&format!("{}: libc calls", e.name()));
        let (rows, raw) = libcalls::measure(e, env.libc_modules, env.settings)?;
        data.libc_calls.extend(rows);
        data.samples.extend(raw);
    }
    if env.select.loader {
        (env.progress)(&format!("{}: loader costs", e.name()));
        data.loader.extend(loader::measure::<E>(env.modules, env.hello, env.samples, env.compile_samples)?);
        data.loader.extend(loader::serialized(e, env.modules, env.samples)?);
        // Not `isolated`: its every dlopen is a libc instance and a memory of its own, 10,000 of them.
        (env.progress)(&format!("{}: loader growth", e.name()));
        data.growth.extend(growth::measure(e, env.modules, &loader::one_memory().collect::<Vec<_>>(), env.growth_max)?);
    }
    if let Some(m) = env.macro_modules {
        (env.progress)(&format!("{}: SQLite macro benchmark", e.name()));
        data.loader.push(loader::compile_sqlite::<E>(&m.loaded, env.compile_samples)?);
        data.loader.push(loader::instantiate_sqlite(e, m, env.compile_samples)?);
        data.macro_sqlite.extend(macro_sqlite::measure(e, m, macro_sqlite::ROWS)?);
    }
    Ok(())
}
