//! Kernels and variants: which caller loop runs, under which strategy, with which pointer.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use dylab_engines::Adapter;
use dylab_toolchain::Toolchain;
use dylink::{Engine, Extern, ModId, Mode, Process, Strategy, Trampolines, Val};

use crate::typed_host;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// A callee signature. `acc = f(acc, ...)` in a loop of n iterations. Names: `k0` ... `kmix`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    EnumString,
    IntoStaticStr,
    EnumIter,
    Display,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Kernel {
    /// `int f0(void)`
    K0,
    /// `int f1(int)`
    K1,
    /// `int f4(int, int, int, int)`
    K4,
    /// `int f8(int x 8)`
    K8,
    /// `double fmix(long long, double, int)`
    Kmix,
    /// `int fsum(const unsigned char *)`: reads 16 bytes of the caller's data (the common C case of
    /// a pointer into the one shared memory).
    Kptr,
    /// `int fm{0..7}(int)`: eight callees in a ring, a different one every iteration (megamorphic).
    Kmega,
}

impl Kernel {
    pub const ALL: [Kernel; 7] =
        [Kernel::K0, Kernel::K1, Kernel::K4, Kernel::K8, Kernel::Kmix, Kernel::Kptr, Kernel::Kmega];
    pub fn name(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Kernel> {
        s.parse().ok()
    }
    pub fn describe(self) -> &'static str {
        match self {
            Kernel::K0 => "int f(void)",
            Kernel::K1 => "int f(int)",
            Kernel::K4 => "int f(int x4)",
            Kernel::K8 => "int f(int x8)",
            Kernel::Kmix => "double f(i64, double, int)",
            Kernel::Kptr => "int f(const char *) reads 16 B",
            Kernel::Kmega => "int f(int), 8 callees in a ring",
        }
    }
    /// The callee's exported names: one, or the ring of a megamorphic kernel in call order.
    pub const fn callees(self) -> &'static [&'static str] {
        match self {
            Kernel::K0 => &["f0"],
            Kernel::K1 => &["f1"],
            Kernel::K4 => &["f4"],
            Kernel::K8 => &["f8"],
            Kernel::Kmix => &["fmix"],
            Kernel::Kptr => &["fsum"],
            Kernel::Kmega => &["fm0", "fm1", "fm2", "fm3", "fm4", "fm5", "fm6", "fm7"],
        }
    }
}

/// How the caller reaches the callee: one row of calls.md. Names are kebab-case unless given (the
/// same for strum and serde).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    EnumString,
    IntoStaticStr,
    EnumIter,
    Display,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    /// A direct call within the caller module: the floor.
    IntraDirect,
    /// call_indirect to a function of the caller module.
    IntraIndirect,
    /// An import bound to the callee instance's export (`direct` strategy).
    #[strum(serialize = "direct")]
    #[serde(rename = "direct")]
    CrossDirect,
    /// An import bound to a typed host function that calls the callee (`trampoline`, typed API).
    TrampolineTyped,
    /// An import bound to the engine's cheapest generic forwarder: the matrix's `trampoline` strategy.
    #[strum(serialize = "trampoline")]
    Trampoline,
    /// An import bound to the lab's dynamic forwarder (values converted per call): the first design.
    TrampolineDynamic,
    /// call_indirect through a dlsym pointer into the one shared table (`shared-table`).
    SharedTable,
    /// `shared-table` on an engine whose table elements are all initialised at instantiation
    /// (wasmtime with `table_lazy_init` off): what lazy initialisation costs a call_indirect.
    SharedTableEager,
    /// call_indirect through a dlsym pointer copied into the caller's table (`dlsym-import`).
    DlsymImport,
    /// call_indirect through a dlsym pointer, every table holding every pointer (`replicated-tables`).
    ReplicatedTables,
    /// `dlcall_int(handle, "f", ...)` through the host.
    Dlcall,
    /// An import bound to a typed host function that computes the kernel itself: a host call alone.
    #[strum(serialize = "host-typed-bare")]
    #[serde(rename = "host-typed-bare")]
    HostBare,
}

impl Variant {
    pub const ALL: [Variant; 12] = [
        Variant::IntraDirect,
        Variant::IntraIndirect,
        Variant::CrossDirect,
        Variant::TrampolineTyped,
        Variant::Trampoline,
        Variant::TrampolineDynamic,
        Variant::SharedTable,
        Variant::SharedTableEager,
        Variant::DlsymImport,
        Variant::ReplicatedTables,
        Variant::Dlcall,
        Variant::HostBare,
    ];
    pub fn name(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Variant> {
        s.parse().ok()
    }
    /// Whether the variant can run on engine `E` (the bare host call needs the engine's typed API,
    /// eager tables an engine with that setting).
    pub fn runs_on<E: Adapter>(self) -> bool {
        match self {
            Variant::HostBare => E::has_typed_host_funcs(),
            Variant::SharedTableEager => E::has_eager_tables(),
            _ => true,
        }
    }
    /// The strategy the variant's process links with. Every variant is listed (no default arm): a
    /// new variant must say which strategy it measures.
    pub fn strategy(self) -> Strategy {
        match self {
            Variant::TrampolineTyped | Variant::Trampoline | Variant::TrampolineDynamic | Variant::HostBare => {
                Strategy::Trampoline
            }
            Variant::SharedTable | Variant::SharedTableEager => Strategy::SharedTable,
            Variant::DlsymImport => Strategy::DlsymImport,
            Variant::ReplicatedTables => Strategy::ReplicatedTables,
            // The floors and dlcall run in one process whose cross-module imports are bound directly.
            Variant::IntraDirect | Variant::IntraIndirect | Variant::CrossDirect | Variant::Dlcall => Strategy::Direct,
        }
    }
    /// Whether the measured call leaves wasm for host code (a forwarder, dlcall's lookup, a host
    /// function) rather than staying in compiled wasm.
    pub fn leaves_wasm(self) -> bool {
        matches!(
            self,
            Variant::TrampolineTyped
                | Variant::Trampoline
                | Variant::TrampolineDynamic
                | Variant::Dlcall
                | Variant::HostBare
        )
    }
    /// Which forwarder the trampoline variants bind (the others bind none).
    fn trampolines(self) -> Trampolines {
        match self {
            Variant::TrampolineTyped => Trampolines::Typed,
            Variant::TrampolineDynamic => Trampolines::Dynamic,
            // The matrix's forwarder; variants without forwarders never consult it.
            _ => Trampolines::Generic,
        }
    }
    /// dlcall_int returns an int: the mixed kernel has no dlcall row. A bare host function that reads
    /// guest memory is the libc-host placement's case (the libc-call table), not a row here.
    pub fn applies(self, kernel: Kernel) -> bool {
        !matches!((self, kernel), (Variant::Dlcall, Kernel::Kmix) | (Variant::HostBare, Kernel::Kptr))
    }
    /// Whether the variant's instruction count can be exact: dlcall's host path looks the name up in
    /// a hash map seeded per process, so its count varies run to run (by under 0.1%) and two equal
    /// repetitions within one run are chance (seen: 8,584 in one run, 8,575 in the next).
    pub fn counts_exactly(self) -> bool {
        self != Variant::Dlcall
    }
    /// Variants whose loops are instruction-identical (same caller code, same callee code): they
    /// must consume identical fuel per call.
    pub fn fuel_group(self) -> Option<&'static str> {
        match self {
            Variant::IntraDirect
            | Variant::CrossDirect
            | Variant::TrampolineTyped
            | Variant::Trampoline
            | Variant::TrampolineDynamic => Some("call"),
            Variant::IntraIndirect
            | Variant::SharedTable
            | Variant::SharedTableEager
            | Variant::DlsymImport
            | Variant::ReplicatedTables => Some("call_indirect"),
            Variant::Dlcall | Variant::HostBare => None,
        }
    }
}

/// The built bench modules.
#[derive(Clone, Debug)]
pub struct Modules {
    pub libc: PathBuf,
    pub caller: PathBuf,
    pub callee: PathBuf,
    pub dir: PathBuf,
    /// A library with many function pointers (corpus case b11), for the loader costs of pointer policies.
    pub pointers: Option<PathBuf>,
}

impl Modules {
    /// Builds corpus/bench/{caller,callee}.c like the corpus.
    pub fn build(toolchain: &Toolchain, bench_dir: &Path) -> Result<Modules> {
        let libc = toolchain.libc_module()?;
        let caller = toolchain.side_module(&[bench_dir.join("caller.c")], &[])?;
        let callee = toolchain.side_module(&[bench_dir.join("callee.c")], &[])?;
        let b11 = bench_dir.join("../cases/b11-fnptr-array-500/fnptrs.c");
        let pointers = if b11.is_file() { Some(toolchain.side_module(&[b11], &[])?) } else { None };
        Ok(Modules { libc, caller, callee, dir: bench_dir.to_path_buf(), pointers })
    }
}

/// A store with libc, the callee and the caller loaded, and the loop to call.
pub struct Prepared<E: Adapter> {
    engine: E,
    store: E::Store,
    run: E::Func,
    extra: Vec<Val<E>>,
    result: Val<E>,
}

/// Loads the callee and the caller, and finds the caller's loop for `variant` and the extra
/// arguments it takes (the callees' pointers, or dlcall's handle).
fn entry<E: Engine>(ctx: &mut dyn dylink::Ctx<E>, variant: Variant, kernel: Kernel) -> Result<(E::Func, Vec<Val<E>>)> {
    let load = |ctx: &mut dyn dylink::Ctx<E>, name: &str| -> Result<ModId> {
        dylink::load::load(ctx, name, Mode { now: true, global: true }).map_err(|e| anyhow!("{}", e.message()))
    };
    let callee = load(ctx, "callee.wasm")?;
    let caller = load(ctx, "caller.wasm")?;
    let exports = ctx.host_ref().process.module(caller).exports.clone();
    let k = kernel.name();
    Ok(match variant {
        Variant::IntraDirect => (func(&exports, &format!("run_local_{k}"))?, vec![]),
        Variant::CrossDirect
        | Variant::TrampolineTyped
        | Variant::Trampoline
        | Variant::TrampolineDynamic
        | Variant::HostBare => (func(&exports, &format!("run_import_{k}"))?, vec![]),
        Variant::IntraIndirect => (func(&exports, &format!("run_ptr_{k}"))?, local_pointers(ctx, &exports, kernel)?),
        Variant::SharedTable | Variant::SharedTableEager | Variant::DlsymImport | Variant::ReplicatedTables => {
            (func(&exports, &format!("run_ptr_{k}"))?, dlsym_pointers(ctx, caller, callee, kernel)?)
        }
        Variant::Dlcall => {
            let handle = Process::<E>::handle_of(callee);
            (func(&exports, &format!("run_dlcall_{k}"))?, vec![Val::I32(handle as i32)])
        }
    })
}

/// The caller's pointers to its own callees; a ring's getter takes the index.
fn local_pointers<E: Engine>(
    ctx: &mut dyn dylink::Ctx<E>,
    exports: &HashMap<String, Extern<E>>,
    kernel: Kernel,
) -> Result<Vec<Val<E>>> {
    let getter = func(exports, &format!("local_ptr_{}", kernel.name()))?;
    let ring = kernel.callees().len();
    let mut ptrs = Vec::with_capacity(ring);
    for i in 0..ring {
        let args = if ring > 1 { vec![Val::I32(i as i32)] } else { vec![] };
        let mut out = [Val::I32(0)];
        ctx.call(getter, &args, &mut out).map_err(|t| anyhow!("{t}"))?;
        ptrs.push(out[0]);
    }
    Ok(ptrs)
}

/// What dlsym(handle, "f") returns to the caller under the process's strategy, per callee.
fn dlsym_pointers<E: Engine>(
    ctx: &mut dyn dylink::Ctx<E>,
    caller: ModId,
    callee: ModId,
    kernel: Kernel,
) -> Result<Vec<Val<E>>> {
    let callee_exports = ctx.host_ref().process.module(callee).exports.clone();
    let mut ptrs = Vec::new();
    for name in kernel.callees() {
        let target = func(&callee_exports, name)?;
        let ptr = dylink::tables::address_of(ctx, caller, callee, name, target).map_err(|t| anyhow!("{t}"))?;
        ptrs.push(Val::I32(ptr as i32));
    }
    Ok(ptrs)
}

fn func<E: Engine>(exports: &HashMap<String, Extern<E>>, name: &str) -> Result<E::Func> {
    match exports.get(name) {
        Some(Extern::Func(f)) => Ok(*f),
        _ => bail!("bench module exports no {name}"),
    }
}

impl<E: Adapter> Prepared<E> {
    pub fn new(engine: &E, modules: &Modules, variant: Variant, kernel: Kernel) -> Result<Self> {
        let eager;
        let engine = match variant {
            Variant::SharedTableEager => {
                eager = engine
                    .with_eager_tables()
                    .with_context(|| format!("{}: no eager-table setting", engine.name()))??;
                &eager
            }
            _ => engine,
        };
        let libs = HashMap::from([
            ("callee.wasm".to_string(), modules.callee.clone()),
            ("caller.wasm".to_string(), modules.caller.clone()),
        ]);
        let mut session = crate::process::libc_module(engine, variant.strategy(), &modules.libc, &modules.dir, libs)
            .trampolines(variant.trampolines())
            .build()
            .map_err(|e| anyhow!("{e:?}"))?;
        session.boot().map_err(|e| anyhow!("booting libc.wasm: {e:?}"))?;
        let mut store = session.store;
        if variant == Variant::HostBare {
            for (i, name) in kernel.callees().iter().enumerate() {
                let f = typed_host::bare(engine, &mut store, kernel, i).with_context(|| {
                    format!("{}: the bench has no typed host function for {}", engine.name(), kernel.name())
                })?;
                engine.enter(&mut store, |ctx| ctx.host().process.preload(name, f));
            }
        }
        let (run, extra) = engine.enter(&mut store, |ctx| entry(ctx, variant, kernel))?;
        Ok(Prepared { engine: engine.clone(), store, run, extra, result: Val::I32(0) })
    }

    /// The empty loop (no call) of the same caller module, for subtraction.
    pub fn empty_loop(engine: &E, modules: &Modules) -> Result<Self> {
        let mut p = Prepared::new(engine, modules, Variant::IntraDirect, Kernel::K1)?;
        p.run = engine.enter(&mut p.store, |ctx| {
            let caller = ctx.host_ref().process.objects().find("caller.wasm").unwrap();
            func(&ctx.host_ref().process.module(caller).exports, "run_none")
        })?;
        Ok(p)
    }

    /// Runs the loop of `n` iterations once; returns the wall time of the whole call.
    pub fn run(&mut self, n: u32) -> Result<Duration> {
        let mut args = vec![Val::I32(n as i32)];
        args.extend(self.extra.iter().copied());
        let (run, mut out) = (self.run, [self.result]);
        let elapsed = self.engine.enter(&mut self.store, |ctx| {
            let t = Instant::now();
            ctx.call(run, &args, &mut out).map(|_| t.elapsed())
        });
        self.result = out[0];
        elapsed.map_err(|t| anyhow!("bench loop trapped: {t}")).context("running a bench loop")
    }

    /// The arguments of a loop of `n` iterations, for [`Prepared::call`].
    pub fn args(&self, n: u32) -> Vec<Val<E>> {
        let mut args = vec![Val::I32(n as i32)];
        args.extend(self.extra.iter().copied());
        args
    }

    /// Runs the loop once with `args` (from [`Prepared::args`]), reading no clock and allocating
    /// nothing: what instruction counts measure.
    #[inline(always)]
    pub fn call(&mut self, args: &[Val<E>]) -> Result<()> {
        let (run, mut out) = (self.run, [self.result]);
        let done = self.engine.enter(&mut self.store, |ctx| ctx.call(run, args, &mut out));
        self.result = out[0];
        done.map_err(|t| anyhow!("bench loop trapped: {t}"))
    }

    /// The checksum the last loop returned (all variants of a kernel must agree).
    pub fn checksum(&self) -> i32 {
        self.result.i32().unwrap_or(0)
    }

    /// Fuel consumed by one loop of `n` iterations (fuel-metered engines only).
    pub fn fuel(&mut self, n: u32) -> Result<u64> {
        let before = self.engine.enter(&mut self.store, |ctx| ctx.fuel());
        self.run(n)?;
        let after = self.engine.enter(&mut self.store, |ctx| ctx.fuel());
        Ok(before - after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// calls.json, calls.md and the criterion ids are keyed by these names.
    #[test]
    fn names_are_the_published_ones_and_parse_back() {
        let variants: Vec<&str> = Variant::ALL.map(Variant::name).to_vec();
        assert_eq!(
            variants,
            [
                "intra-direct",
                "intra-indirect",
                "direct",
                "trampoline-typed",
                "trampoline",
                "trampoline-dynamic",
                "shared-table",
                "shared-table-eager",
                "dlsym-import",
                "replicated-tables",
                "dlcall",
                "host-typed-bare"
            ]
        );
        assert_eq!(Kernel::ALL.map(Kernel::name), ["k0", "k1", "k4", "k8", "kmix", "kptr", "kmega"]);
        assert!(Variant::ALL.iter().all(|&v| Variant::parse(v.name()) == Some(v)));
        assert!(Kernel::ALL.iter().all(|&k| Kernel::parse(k.name()) == Some(k)));
        assert_eq!(Variant::parse("cross-direct"), None);
    }

    /// The lists are the enums: a variant or kernel missing from `ALL` fails here.
    #[test]
    fn the_lists_hold_every_variant_and_kernel_and_serde_uses_the_published_names() {
        use strum::IntoEnumIterator;
        assert_eq!(Variant::ALL.to_vec(), Variant::iter().collect::<Vec<_>>());
        assert_eq!(Kernel::ALL.to_vec(), Kernel::iter().collect::<Vec<_>>());
        for v in Variant::ALL {
            assert_eq!(serde_json::to_string(&v).unwrap(), format!("\"{}\"", v.name()));
        }
        for k in Kernel::ALL {
            assert_eq!(serde_json::to_string(&k).unwrap(), format!("\"{}\"", k.name()));
        }
    }

    /// Every strategy whose pointers or calls the bench can measure has a variant (the matrix's
    /// trampoline, direct, and each table policy); isolated is measured by bytes copied (isolation).
    #[test]
    fn every_linking_strategy_sharing_one_memory_has_a_variant() {
        for s in crate::loader::one_memory() {
            assert!(Variant::ALL.iter().any(|v| v.strategy() == s), "no bench variant measures {s}");
        }
    }
}
