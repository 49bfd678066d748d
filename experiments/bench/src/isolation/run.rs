//! Timing the isolation rows on the engines of this process, and counting them in the counted
//! child (`dylab bench --count`: [`crate::counts::child`]).

use std::collections::HashMap;
use std::ffi::CString;
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylab_lab::Paths;
use dylink::{Extern, Mode, Strategy, Val};

use super::{interfaces, label, row, strategies, CopyData, CopyModules, CopyRow, Layout, SIZES};
use crate::callgrind;
use crate::calls::Kernel;
use crate::component;
use crate::counts::{CountData, REGIONS, REPETITIONS};
use crate::measure::median;
use crate::Selection;

/// Samples per row: under `--quick`, and in a full run.
pub const SAMPLES: (usize, usize) = (5, 15);

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
        let mut session = crate::process::libc_module(engine, strategy, &modules.libc, &modules.dir, libs)
            .program(|p| p.interfaces(interfaces()))
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

/// Times the rows on the selected engines that run in this process (on dylink's run stack; the
/// others are left out, and said so), with their instructions from `counts` ([`CopyData::with_counts`]).
pub fn measure(paths: &Paths, quick: bool, select: &Selection, counts: Option<&CountData>) -> Result<CopyData> {
    let toolchain = dylab_toolchain::Toolchain::discover(&paths.include_dir()?, &paths.cache)?;
    let modules =
        CopyModules::build(&toolchain, &paths.corpus.join("bench"), &paths.cache).context("building corpus/bench")?;
    let samples = if quick { SAMPLES.0 } else { SAMPLES.1 };
    let mut places = select.engines_by_place().into_iter();
    let (_, here) = places.next().expect("this process's group comes first");
    for (_, kinds) in places {
        let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
        eprintln!("dylab: the isolation rows are timed in this process only; not measured: {}", names.join(", "));
    }
    let rows = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, || time_all(&modules, samples, &here))
            .expect("spawning the bench thread")
            .join()
            .unwrap_or_else(|_| bail!("the bench thread panicked"))
    })?;
    let v = toolchain.versions()?;
    let mut component_tools = vec![("clang".to_string(), v.clang), ("wasm-ld".to_string(), v.wasm_ld)];
    component_tools.extend(dylab_component::TOOLS.map(|(n, v)| (n.to_string(), v.to_string())));
    Ok(CopyData { machine: crate::report::machine(), rows, samples, component_tools }.with_counts(counts))
}

/// Times on one timing engine.
struct Time<'a> {
    modules: &'a CopyModules,
    samples: usize,
}

impl WithEngine for Time<'_> {
    type Out = Result<Vec<CopyRow>>;
    fn run<E: Adapter>(self, e: &E) -> Result<Vec<CopyRow>> {
        time(e, self.modules, self.samples)
    }
}

/// [`time`] on each of `engines` (timing engines: no fuel).
fn time_all(modules: &CopyModules, samples: usize, engines: &[EngineKind]) -> Result<Vec<CopyRow>> {
    let mut rows = Vec::new();
    for kind in engines {
        rows.extend(kind.with_timing_engine(Time { modules, samples })??);
    }
    Ok(rows)
}
