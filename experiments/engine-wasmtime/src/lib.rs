//! [`dylink::Engine`] for wasmtime: Cranelift (no inlining) or Winch, fuel metering, settings pinned here.

mod compiler;
mod ctx;
mod epoch;
mod limiter;
mod shared;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use dylink::engine::{Budget, Ctx, Engine, Extern, FuncType, HostFn, Limits, SharedMemory, Trap, Val, ValType};
use dylink::{Host, TrapKind};
use wasmtime::{AsContextMut, Caller, Config, Store};

pub use compiler::{Compiler, Cranelift, Winch};
use ctx::Cx;
pub use limiter::Data;
pub use shared::Mem;

/// The pinned configuration; recorded in every report.
const SETTINGS: &[(&str, &str)] = &[
    ("version", "48.0.8"),
    // wasmtime's own fuel is off: the matrix engine's fuel is dylink::meter's counter (`fuel` below).
    ("consume_fuel", "false"),
    ("max_wasm_stack", "1048576"),
    ("epoch_interruption", "10ms"),
    // Wasmtime's default, pinned: a table element is initialised on its first call_indirect (a
    // check on every such call), which is what the megamorphic kernel (kmega) measures.
    ("table_lazy_init", "true"),
];

/// The target when features are pinned (counting): the host's triple, without feature inference.
const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Cranelift's x86-64 feature flags when pinned: x86-64-v2 (SSE3 to SSE4.2, POPCNT; no AVX, BMI or
/// LZCNT), which any x86-64 machine of the last decade has.
pub const PINNED_FEATURES: &[&str] =
    &["has_sse3", "has_ssse3", "has_cmpxchg16b", "has_sse41", "has_sse42", "has_popcnt"];

/// wasmtime with compiler `C` (Cranelift unless said).
#[derive(Clone)]
pub struct Wasmtime<C: Compiler = Cranelift> {
    engine: wasmtime::Engine,
    /// Fuel metering on (the matrix: runaway guests end) or off (timing: no metering overhead).
    fuel: bool,
    /// Cranelift's target features when pinned (counting), instead of all the host has.
    pinned: Option<&'static [&'static str]>,
    /// Compiled modules by content hash: libc.wasm is compiled once per process, not once per cell.
    cache: Arc<Mutex<HashMap<(usize, u64), wasmtime::Module>>>,
    /// Table elements initialised on first use (wasmtime's default) or all at instantiation.
    lazy_tables: bool,
    /// This engine with eager tables, made on first request ([`Wasmtime::eager_tables`]).
    eager: Arc<std::sync::OnceLock<Wasmtime<C>>>,
    /// A folder of modules compiled by an earlier process with this configuration, if any.
    precompiled: Option<PathBuf>,
    compiler: std::marker::PhantomData<C>,
}

impl<C: Compiler> Wasmtime<C> {
    /// The matrix engine: fuel metered, with a wall-clock limit per store (epoch interruption).
    pub fn new() -> anyhow::Result<Self> {
        Self::with_fuel(true, None, true)
    }

    /// The matrix engine keeping compiled modules in `modules` between processes (serialized, keyed by
    /// the SHA-256 of the bytes compiled, as the C build cache is): a warm matrix does not run
    /// Cranelift again (an interpreter of about 2 MB of C took 1.7-3 s per cell to compile).
    pub fn new_caching(modules: &Path) -> anyhow::Result<Self> {
        let mut e = Self::with_fuel(true, None, true)?;
        e.precompiled = Some(modules.to_path_buf());
        Ok(e)
    }

    /// The timing engine: the same settings without fuel metering or epoch checks.
    pub fn for_timing() -> anyhow::Result<Self> {
        Self::with_fuel(false, None, true)
    }

    /// The counting engine: the timing settings with Cranelift's target features pinned to
    /// [`PINNED_FEATURES`] rather than detected, so that the generated code, hence instruction counts,
    /// is the same on every x86-64-v2 host. Fails on a host without them. With `precompiled`, compiled
    /// modules are kept in that folder and read back by the next process ([`Wasmtime::compile`]).
    pub fn for_counting(precompiled: Option<&Path>) -> anyhow::Result<Self> {
        let mut e = Self::with_fuel(false, Some(PINNED_FEATURES), true)?;
        e.precompiled = precompiled.map(Path::to_path_buf);
        Ok(e)
    }

    /// The same engine with `table_lazy_init` off (every table element initialised when the instance
    /// is made, no check on call_indirect): the bench's `shared-table-eager` variant. Made once.
    pub fn eager_tables(&self) -> anyhow::Result<Wasmtime<C>> {
        if !self.lazy_tables {
            return Ok(self.clone());
        }
        if let Some(e) = self.eager.get() {
            return Ok(e.clone());
        }
        let mut e = Self::with_fuel(self.fuel, self.pinned, false)?;
        e.precompiled = self.precompiled.clone();
        Ok(self.eager.get_or_init(|| e).clone())
    }

    fn with_fuel(fuel: bool, pinned: Option<&'static [&'static str]>, lazy_tables: bool) -> anyhow::Result<Self> {
        let mut config = Config::new();
        if let Some(features) = pinned {
            // An explicit target turns host feature inference off; the flags below are then all
            // Cranelift may use. Safety: wasmtime checks at engine creation that the host has them.
            config.target(TARGET).map_err(|e| anyhow::anyhow!("{e:#}"))?;
            for f in features {
                unsafe {
                    config.cranelift_flag_enable(f);
                }
            }
        }
        config
            .strategy(C::STRATEGY)
            .cranelift_opt_level(wasmtime::OptLevel::Speed)
            .compiler_inlining(wasmtime::Inlining::No)
            .epoch_interruption(fuel)
            .max_wasm_stack(1 << 20)
            .table_lazy_init(lazy_tables)
            // Threads proposal (on with the `threads` feature); creating shared memories is a
            // separate, off-by-default switch (tier 2 in wasmtime 48).
            .wasm_threads(true)
            .shared_memory(true);
        let engine = wasmtime::Engine::new(&config).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        if fuel {
            epoch::start_ticker(&engine).map_err(|e| anyhow::anyhow!("starting the epoch ticker: {e}"))?;
        }
        Ok(Wasmtime {
            engine,
            fuel,
            pinned,
            cache: Default::default(),
            lazy_tables,
            eager: Default::default(),
            precompiled: None,
            compiler: std::marker::PhantomData,
        })
    }

    /// Compiles `bytes` through the folder `dir`: read back when an earlier process compiled the same
    /// bytes with this configuration, else compiled and written there. Cranelift under valgrind took
    /// about 50 s for the SQLite benchmark's modules; reading them back, none.
    fn compile_in(&self, dir: &Path, bytes: &[u8]) -> anyhow::Result<wasmtime::Module> {
        use sha2::Digest;
        let key = sha2::Sha256::digest(bytes);
        let tables = if self.lazy_tables { "lazy" } else { "eager" };
        let file = dir.join(format!("{}-{}-{tables}-fuel{}.cwasm", hex16(&key), C::NAME, self.fuel));
        if file.is_file() {
            // Safety: the folder is the lab's own cache and its files are written only below, by
            // `Module::serialize`; wasmtime refuses a file from another version or configuration
            // (then it is compiled afresh and rewritten).
            if let Ok(m) = unsafe { wasmtime::Module::deserialize_file(&self.engine, &file) } {
                return Ok(m);
            }
        }
        let m = wasmtime::Module::new(&self.engine, bytes).map_err(|e| anyhow::anyhow!("{e:#}"))?;
        // Best effort: a folder that cannot be written costs the next process a compile, nothing else.
        if let Ok(serialized) = m.serialize() {
            // Unique per process and call: two threads may compile the same module at once.
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp = file.with_extension(format!("tmp{}-{n}", std::process::id()));
            if std::fs::create_dir_all(dir).is_ok() && std::fs::write(&tmp, serialized).is_ok() {
                let _ = std::fs::rename(&tmp, &file);
            }
        }
        Ok(m)
    }

    pub fn inner(&self) -> &wasmtime::Engine {
        &self.engine
    }
}

/// The first 16 bytes of a digest in hex: the name of a cached module.
fn hex16(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Carries a [`Trap`] raised by a host function through wasmtime's error type.
#[derive(Debug)]
struct HostTrap(Trap);
impl std::fmt::Display for HostTrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
impl std::error::Error for HostTrap {}

/// Normalises a wasmtime error; `budget` names the wall-clock limit when the epoch deadline passed.
fn trap_of(err: wasmtime::Error, budget: &Budget) -> Trap {
    if let Some(HostTrap(t)) = err.downcast_ref::<HostTrap>() {
        return t.clone();
    }
    if let Some(code) = err.downcast_ref::<wasmtime::Trap>() {
        use wasmtime::Trap as W;
        return Trap::Wasm(match code {
            W::StackOverflow => TrapKind::StackOverflow,
            W::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            W::TableOutOfBounds => TrapKind::TableOutOfBounds,
            W::IndirectCallToNull => TrapKind::IndirectCallToNull,
            W::BadSignature => TrapKind::BadSignature,
            W::IntegerOverflow => TrapKind::IntegerOverflow,
            W::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
            W::BadConversionToInteger => TrapKind::BadConversionToInteger,
            W::UnreachableCodeReached => TrapKind::Unreachable,
            W::OutOfFuel => TrapKind::OutOfFuel,
            W::Interrupt => return budget.wall_clock_trap(),
            _ => TrapKind::Other,
        });
    }
    Trap::Host(format!("{err:#}"))
}

fn val_type(t: ValType) -> wasmtime::ValType {
    match t {
        ValType::I32 => wasmtime::ValType::I32,
        ValType::I64 => wasmtime::ValType::I64,
        ValType::F32 => wasmtime::ValType::F32,
        ValType::F64 => wasmtime::ValType::F64,
        ValType::V128 => wasmtime::ValType::V128,
        ValType::FuncRef => wasmtime::ValType::FUNCREF,
        ValType::ExternRef => wasmtime::ValType::EXTERNREF,
    }
}

fn from_val_type(t: &wasmtime::ValType) -> ValType {
    match t {
        wasmtime::ValType::I32 => ValType::I32,
        wasmtime::ValType::I64 => ValType::I64,
        wasmtime::ValType::F32 => ValType::F32,
        wasmtime::ValType::F64 => ValType::F64,
        wasmtime::ValType::V128 => ValType::V128,
        wasmtime::ValType::Ref(r) if r.heap_type().is_func() => ValType::FuncRef,
        wasmtime::ValType::Ref(_) => ValType::ExternRef,
    }
}

fn to_wt<C: Compiler>(v: &Val<Wasmtime<C>>) -> wasmtime::Val {
    match *v {
        Val::I32(x) => wasmtime::Val::I32(x),
        Val::I64(x) => wasmtime::Val::I64(x),
        Val::F32(x) => wasmtime::Val::F32(x),
        Val::F64(x) => wasmtime::Val::F64(x),
        Val::FuncRef(f) => wasmtime::Val::FuncRef(f),
    }
}

fn from_wt<C: Compiler>(v: &wasmtime::Val) -> Val<Wasmtime<C>> {
    match v {
        wasmtime::Val::I32(x) => Val::I32(*x),
        wasmtime::Val::I64(x) => Val::I64(*x),
        wasmtime::Val::F32(x) => Val::F32(*x),
        wasmtime::Val::F64(x) => Val::F64(*x),
        wasmtime::Val::FuncRef(f) => Val::FuncRef(*f),
        _ => Val::FuncRef(None),
    }
}

impl<C: Compiler> Engine for Wasmtime<C> {
    type Module = wasmtime::Module;
    type Func = wasmtime::Func;
    type Table = wasmtime::Table;
    type Memory = Mem;
    type Global = wasmtime::Global;
    type Store = Store<Data<C>>;

    fn typed_host_funcs<V: dylink::extras::WithTypedWrap<Self>>(
        &self,
        store: &mut Store<Data<C>>,
        visitor: V,
    ) -> Option<V::Out> {
        Some(visitor.run(&mut TypedApi(store)))
    }

    fn has_typed_host_funcs() -> bool {
        true
    }

    fn with_eager_tables(&self) -> Option<anyhow::Result<Self>> {
        C::EAGER_TABLES.then(|| self.eager_tables())
    }

    fn has_eager_tables() -> bool {
        C::EAGER_TABLES
    }

    fn serialized_load(&self, path: &Path) -> Option<anyhow::Result<dylink::extras::SerializedLoad>> {
        Some(serialized_load(&self.engine, path))
    }

    fn component_loops(&self, bytes: &[u8], cache: &Path) -> Option<anyhow::Result<dylink::extras::ComponentLoops>> {
        let made = dylab_component::compile(&self.engine, bytes, cache)
            .and_then(|c| dylab_component::ComponentCall::new(&self.engine, &c));
        Some(made.map(|mut c| Box::new(move |w, n| c.call(w, n)) as dylink::extras::ComponentLoops))
    }

    fn name(&self) -> &'static str {
        C::ENGINE
    }

    fn settings(&self) -> Vec<(String, String)> {
        let compiler = [("strategy", C::NAME)].into_iter().chain(C::SETTINGS.iter().copied());
        let mut out: Vec<(String, String)> = SETTINGS[..1]
            .iter()
            .copied()
            .chain(compiler)
            .chain(SETTINGS[1..].iter().copied())
            .map(|(k, v)| {
                let v = match k {
                    "epoch_interruption" if !self.fuel => "off".to_string(),
                    "table_lazy_init" => self.lazy_tables.to_string(),
                    _ => v.to_string(),
                };
                (k.to_string(), v)
            })
            .collect();
        if self.fuel {
            out.push(("fuel".into(), dylink::meter::SETTING.into()));
        }
        out.push(match self.pinned {
            Some(features) => ("target".into(), format!("{TARGET} pinned: {}", features.join(" "))),
            None => ("target".into(), "host (features detected)".into()),
        });
        out
    }

    fn compile(&self, bytes: &[u8]) -> anyhow::Result<wasmtime::Module> {
        let key = dylink::engine::module_key(bytes);
        if let Some(m) = self.cache.lock().unwrap().get(&key) {
            return Ok(m.clone());
        }
        // The matrix engine meters with an injected counter; timing engines compile the module as it is.
        let metered;
        let bytes = if self.fuel {
            metered = dylink::meter::rewrite(bytes, &dylink::meter::Rewrite { fuel: true, ..Default::default() })?;
            &metered[..]
        } else {
            bytes
        };
        let m = match &self.precompiled {
            Some(dir) => self.compile_in(dir, bytes)?,
            None => wasmtime::Module::new(&self.engine, bytes).map_err(|e| anyhow::anyhow!("{e:#}"))?,
        };
        self.cache.lock().unwrap().insert(key, m.clone());
        Ok(m)
    }

    fn new_store(&self, host: Host<Self>, limits: &Limits) -> Self::Store {
        let mut store = Store::new(&self.engine, Data::new(host, limits));
        store.limiter(|data| data);
        if self.fuel {
            let ty = wasmtime::GlobalType::new(wasmtime::ValType::I64, wasmtime::Mutability::Var);
            let counter =
                wasmtime::Global::new(&mut store, ty, wasmtime::Val::I64(limits.fuel.min(i64::MAX as u64) as i64))
                    .expect("an i64 global");
            store.data_mut().meter = Some(counter);
            store.set_epoch_deadline(epoch::deadline_ticks(limits.wall_clock));
            store.epoch_deadline_callback(on_epoch_deadline);
        }
        store
    }

    fn interrupt_threads(&self) {
        self.engine.increment_epoch();
    }

    fn enter<R>(&self, store: &mut Self::Store, f: impl FnOnce(&mut dyn Ctx<Self>) -> R) -> R {
        f(&mut Cx(store.as_context_mut()))
    }

    fn take_host(&self, store: Self::Store) -> Host<Self> {
        store.into_data().host
    }
}

/// The epoch deadline passed: the wall clock's end (a trap, as `epoch_deadline_trap`), or, in a
/// store whose thread [armed](Ctx::arm_interrupts) interrupts, a stop-the-world request to serve
/// (the linker checks the process's wall clock itself); then the next tick comes back here.
fn on_epoch_deadline<C: Compiler>(
    store: wasmtime::StoreContextMut<'_, Data<C>>,
) -> wasmtime::Result<wasmtime::UpdateDeadline> {
    if !store.data().interrupts {
        return Err(wasmtime::Trap::Interrupt.into());
    }
    let mut cx = Cx(store);
    // wasmtime takes the callback out while it runs: a deadline reached by wasm the linker runs
    // meanwhile (a repeated load's start function) would trap. The linker checks the wall clock.
    cx.0.set_epoch_deadline(u64::MAX / 4);
    dylink::threads::interrupted(&mut cx).map_err(|t| wasmtime::Error::new(HostTrap(t)))?;
    Ok(wasmtime::UpdateDeadline::Continue(1))
}

/// Compiles and serializes `path` once; the function deserializes it per call (the bench's
/// loader rows for wasmtime's serialized-module cache).
fn serialized_load(engine: &wasmtime::Engine, path: &Path) -> anyhow::Result<dylink::extras::SerializedLoad> {
    let module = wasmtime::Module::from_file(engine, path).map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let bytes = module.serialize().map_err(|e| anyhow::anyhow!("{e:#}"))?;
    let engine = engine.clone();
    Ok(Box::new(move || {
        // SAFETY: the bytes were produced by `serialize` of this very engine, just above.
        unsafe { wasmtime::Module::deserialize(&engine, &bytes) }.map(drop).map_err(|e| anyhow::anyhow!("{e:#}"))
    }))
}

/// The typed API on one store (the bench's bare host calls, [`dylink::extras`]).
struct TypedApi<'a, C: Compiler>(&'a mut Store<Data<C>>);

dylink::typed_wrap_with!([C: Compiler] TypedApi<'_, C>, Wasmtime<C>, wasmtime);
