//! [`dylink::Engine`] for wasmtime: Cranelift (no inlining) or Winch, fuel metering, settings pinned here.

mod compiler;
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

    fn typed_host_funcs<V: dylink::extras::WithTypedWrap<Self>>(&self, store: &mut Store<Data<C>>, visitor: V) -> Option<V::Out> {
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
            let counter = wasmtime::Global::new(&mut store, ty, wasmtime::Val::I64(limits.fuel.min(i64::MAX as u64) as i64))
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

    fn into_host(&self, store: Self::Store) -> Host<Self> {
        store.into_data().host
    }
}

/// The epoch deadline passed: the wall clock's end (a trap, as `epoch_deadline_trap`), or, in a
/// store whose thread [armed](Ctx::arm_interrupts) interrupts, a stop-the-world request to serve
/// (the linker checks the process's wall clock itself); then the next tick comes back here.
fn on_epoch_deadline<C: Compiler>(store: wasmtime::StoreContextMut<'_, Data<C>>) -> wasmtime::Result<wasmtime::UpdateDeadline> {
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

/// A store context: either the top-level store or a host function's caller.
struct Cx<'a, C: Compiler>(wasmtime::StoreContextMut<'a, Data<C>>);

impl<C: Compiler> Cx<'_, C> {
    /// The trap behind `err`; a failed fuel charge is out-of-fuel ([`dylink::meter::classify`]).
    fn trap(&mut self, err: wasmtime::Error) -> Trap {
        let t = trap_of(err, &self.0.data().budget);
        match self.counter() {
            Some(c) => dylink::meter::classify(t, c),
            None => t,
        }
    }

    /// The fuel counter's value, when metered.
    fn counter(&mut self) -> Option<i64> {
        let g = self.0.data().meter?;
        g.get(&mut self.0).i64()
    }

    /// Keeps a shared memory in the store data (once) and returns its handle.
    fn keep_shared(&mut self, m: wasmtime::SharedMemory) -> Mem {
        let list = &mut self.0.data_mut().shared;
        let i = list.iter().position(|x| x.data().as_ptr() == m.data().as_ptr()).unwrap_or_else(|| {
            list.push(m);
            list.len() - 1
        });
        Mem::Shared(i)
    }

    fn budget(&mut self) -> &mut Budget {
        &mut self.0.data_mut().budget
    }

    /// Why a host request the engine refused failed: the limit the limiter recorded, if any.
    fn refused(&mut self, what: &str, err: wasmtime::Error) -> Trap {
        self.budget().take_denied().unwrap_or_else(|| Trap::Host(format!("{what}: {err:#}")))
    }
}

impl<C: Compiler> Ctx<Wasmtime<C>> for Cx<'_, C> {
    fn host(&mut self) -> &mut Host<Wasmtime<C>> {
        &mut self.0.data_mut().host
    }
    fn host_ref(&self) -> &Host<Wasmtime<C>> {
        &self.0.data().host
    }

    fn instantiate(
        &mut self,
        module: &wasmtime::Module,
        imports: &[Extern<Wasmtime<C>>],
    ) -> Result<Vec<(String, Extern<Wasmtime<C>>)>, Trap> {
        let imports: Vec<wasmtime::Extern> = imports
            .iter()
            .map(|e| match *e {
                Extern::Func(f) => f.into(),
                Extern::Table(t) => t.into(),
                Extern::Memory(Mem::Own(m)) => m.into(),
                Extern::Memory(Mem::Shared(i)) => self.0.data().shared[i].clone().into(),
                Extern::Global(g) => g.into(),
            })
            .chain(self.0.data().meter.map(wasmtime::Extern::from))
            .collect();
        self.budget().count_instance()?;
        self.budget().clear_denied();
        let instance = match wasmtime::Instance::new(&mut self.0, module, &imports) {
            Ok(i) => i,
            Err(e) => {
                let t = self.trap(e);
                return Err(self.budget().take_denied().unwrap_or(t));
            }
        };
        let exports: Vec<(String, wasmtime::Extern)> =
            instance.exports(&mut self.0).map(|e| (e.name().to_string(), e.into_extern())).collect();
        let mut out = Vec::new();
        for (name, export) in exports {
            let ext = match export {
                wasmtime::Extern::Func(f) => Extern::Func(f),
                wasmtime::Extern::Table(t) => Extern::Table(t),
                wasmtime::Extern::Memory(m) => Extern::Memory(Mem::Own(m)),
                wasmtime::Extern::SharedMemory(m) => Extern::Memory(self.keep_shared(m)),
                wasmtime::Extern::Global(g) => Extern::Global(g),
                _ => continue,
            };
            out.push((name, ext));
        }
        Ok(out)
    }

    fn new_func(&mut self, ty: &FuncType, f: HostFn<Wasmtime<C>>) -> wasmtime::Func {
        let wty = wasmtime::FuncType::new(
            self.0.engine(),
            ty.params.iter().map(|t| val_type(*t)),
            ty.results.iter().map(|t| val_type(*t)),
        );
        wasmtime::Func::new(&mut self.0, wty, move |caller: Caller<'_, Data<C>>, params, results| {
            let args: Vec<Val<Wasmtime<C>>> = params.iter().map(from_wt).collect();
            let mut outs: Vec<Val<Wasmtime<C>>> = results.iter().map(from_wt).collect();
            let mut cx = Cx(caller.into());
            f(&mut cx, &args, &mut outs).map_err(|t| wasmtime::Error::new(HostTrap(t)))?;
            for (slot, v) in results.iter_mut().zip(&outs) {
                *slot = to_wt(v);
            }
            Ok(())
        })
    }

    fn call(&mut self, f: wasmtime::Func, args: &[Val<Wasmtime<C>>], results: &mut [Val<Wasmtime<C>>]) -> Result<(), Trap> {
        let args: Vec<wasmtime::Val> = args.iter().map(to_wt).collect();
        let mut outs: Vec<wasmtime::Val> = results.iter().map(to_wt).collect();
        dylink::enter_guest(self.host())?;
        let r = f.call(&mut self.0, &args, &mut outs);
        dylink::leave_guest(self.host());
        if let Err(e) = r {
            // Record the frames of a wasm trap where it happened; a host error passing through
            // outer frames keeps the innermost record.
            if e.downcast_ref::<wasmtime::Trap>().is_some() {
                if let Some(bt) = e.downcast_ref::<wasmtime::WasmBacktrace>() {
                    self.host().trap_frames =
                        bt.frames().iter().map(|f| f.func_name().unwrap_or("?").to_string()).collect();
                }
            }
            return Err(self.trap(e));
        }
        for (slot, v) in results.iter_mut().zip(&outs) {
            *slot = from_wt(v);
        }
        Ok(())
    }

    fn func_type(&self, f: wasmtime::Func) -> FuncType {
        let ty = f.ty(&self.0);
        FuncType::new(
            ty.params().map(|t| from_val_type(&t)).collect::<Vec<_>>(),
            ty.results().map(|t| from_val_type(&t)).collect::<Vec<_>>(),
        )
    }

    fn memory_read(&self, m: Mem, addr: u64, buf: &mut [u8]) -> Result<(), Trap> {
        match m {
            Mem::Own(m) => m.read(&self.0, addr as usize, buf).map_err(|_| Trap::Wasm(TrapKind::MemoryOutOfBounds)),
            Mem::Shared(i) => shared::read(&self.0.data().shared[i], addr, buf),
        }
    }
    fn memory_write(&mut self, m: Mem, addr: u64, data: &[u8]) -> Result<(), Trap> {
        match m {
            Mem::Own(m) => m.write(&mut self.0, addr as usize, data).map_err(|_| Trap::Wasm(TrapKind::MemoryOutOfBounds)),
            Mem::Shared(i) => shared::write(&self.0.data().shared[i], addr, data),
        }
    }
    fn memory_size(&self, m: Mem) -> u64 {
        match m {
            Mem::Own(m) => m.data_size(&self.0) as u64,
            Mem::Shared(i) => self.0.data().shared[i].data_size() as u64,
        }
    }

    fn memory_new(&mut self, min_pages: u32) -> Result<Mem, Trap> {
        self.budget().check_memory(u64::from(min_pages) << 16)?;
        self.budget().clear_denied();
        wasmtime::Memory::new(&mut self.0, wasmtime::MemoryType::new(min_pages, None))
            .map(Mem::Own)
            .map_err(|e| self.refused("creating a memory", e))
    }
    fn memory_grow(&mut self, m: Mem, delta_pages: u32) -> Option<u32> {
        match m {
            Mem::Own(m) => m.grow(&mut self.0, delta_pages as u64).ok().map(|old| old as u32),
            Mem::Shared(i) => self.0.data().shared[i].grow(delta_pages as u64).ok().map(|old| old as u32),
        }
    }

    /// The maximum bounds the memory (a shared memory must have one); the store's limiter does not
    /// see a shared memory's growth, so the caller passes the cell's memory limit as the maximum.
    fn memory_new_shared(&mut self, min_pages: u32, max_pages: u32) -> Result<(Mem, SharedMemory), Trap> {
        self.budget().check_memory(u64::from(min_pages) << 16)?;
        let ty = wasmtime::MemoryType::shared(min_pages, max_pages);
        let m = wasmtime::SharedMemory::new(self.0.engine(), ty)
            .map_err(|e| Trap::Host(format!("creating a shared memory: {e:#}")))?;
        let handle = shared::handle(&m);
        Ok((self.keep_shared(m), handle))
    }
    fn memory_import_shared(&mut self, h: &SharedMemory) -> Result<Mem, Trap> {
        let m = shared::from_handle(h)?;
        Ok(self.keep_shared(m))
    }

    fn arm_interrupts(&mut self) -> Result<(), Trap> {
        if !self.0.data().host.engine.fuel {
            return Err(Trap::Unsupported("wasmtime: the timing engine has no epoch interruption".into()));
        }
        self.0.data_mut().interrupts = true;
        self.0.set_epoch_deadline(1);
        Ok(())
    }

    fn table_new(&mut self, min: u32) -> Result<wasmtime::Table, Trap> {
        self.budget().check_table(u64::from(min))?;
        self.budget().clear_denied();
        let ty = wasmtime::TableType::new(wasmtime::RefType::FUNCREF, min, None);
        wasmtime::Table::new(&mut self.0, ty, wasmtime::Ref::Func(None))
            .map_err(|e| self.refused("creating a table", e))
    }
    fn table_size(&self, t: wasmtime::Table) -> u32 {
        t.size(&self.0) as u32
    }
    fn table_grow(&mut self, t: wasmtime::Table, delta: u32) -> Result<u32, Trap> {
        let size = t.size(&self.0);
        self.budget().check_table(size.saturating_add(u64::from(delta)))?;
        self.budget().clear_denied();
        t.grow(&mut self.0, delta as u64, wasmtime::Ref::Func(None))
            .map(|old| old as u32)
            .map_err(|e| self.refused("growing a table", e))
    }
    fn table_get(&mut self, t: wasmtime::Table, index: u32) -> Option<Option<wasmtime::Func>> {
        t.get(&mut self.0, index as u64).map(|r| r.as_func().flatten().copied())
    }
    fn table_set(&mut self, t: wasmtime::Table, index: u32, f: Option<wasmtime::Func>) -> Result<(), Trap> {
        t.set(&mut self.0, index as u64, wasmtime::Ref::Func(f)).map_err(|e| self.trap(e))
    }

    fn global_new(&mut self, v: Val<Wasmtime<C>>, mutable: bool) -> wasmtime::Global {
        let mutability = if mutable { wasmtime::Mutability::Var } else { wasmtime::Mutability::Const };
        let ty = wasmtime::GlobalType::new(val_type(v.ty()), mutability);
        wasmtime::Global::new(&mut self.0, ty, to_wt(&v)).expect("global value matches its type")
    }
    fn global_get(&mut self, g: wasmtime::Global) -> Val<Wasmtime<C>> {
        from_wt(&g.get(&mut self.0))
    }
    fn global_set(&mut self, g: wasmtime::Global, v: Val<Wasmtime<C>>) -> Result<(), Trap> {
        g.set(&mut self.0, to_wt(&v)).map_err(|e| self.trap(e))
    }

    fn fuel(&mut self) -> u64 {
        self.counter().map_or(0, dylink::meter::fuel_left)
    }
    fn consume_fuel(&mut self, units: u64) -> Result<(), Trap> {
        let (Some(g), Some(left)) = (self.0.data().meter, self.counter()) else { return Ok(()) };
        let left = dylink::meter::fuel_left(left);
        let (now, out) = if left < units { (0, true) } else { (left - units, false) };
        g.set(&mut self.0, wasmtime::Val::I64(now as i64)).map_err(|e| Trap::Host(format!("fuel: {e:#}")))?;
        if out {
            return Err(Trap::Wasm(TrapKind::OutOfFuel));
        }
        Ok(())
    }
    fn typed_forwarder(&mut self, ty: &FuncType, target: wasmtime::Func) -> Option<wasmtime::Func> {
        use ValType::{F64, I32, I64};
        // One arm per signature the benchmarks use; anything else takes the dynamic path.
        macro_rules! forward {
            ($($arg:ident : $t:ty),* => $r:ty) => {{
                let typed = target.typed::<($($t,)*), $r>(&self.0).ok()?;
                wasmtime::Func::wrap(&mut self.0, move |mut caller: Caller<'_, Data<C>>, $($arg: $t),*| -> wasmtime::Result<$r> {
                    dylink::enter_guest(&mut caller.data_mut().host).map_err(|t| wasmtime::Error::new(HostTrap(t)))?;
                    let r = typed.call(&mut caller, ($($arg,)*));
                    dylink::leave_guest(&mut caller.data_mut().host);
                    r
                })
            }};
        }
        let f = match (ty.params.as_slice(), ty.results.as_slice()) {
            ([], []) => forward!(=> ()),
            ([], [I32]) => forward!(=> i32),
            ([I32], [I32]) => forward!(a: i32 => i32),
            ([I32, I32, I32, I32], [I32]) => forward!(a: i32, b: i32, c: i32, d: i32 => i32),
            ([I32, I32, I32, I32, I32, I32, I32, I32], [I32]) => {
                forward!(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32 => i32)
            }
            ([I64, F64, I32], [F64]) => forward!(a: i64, b: f64, c: i32 => f64),
            _ => return None,
        };
        Some(f)
    }

    /// Raw values in and out (`Func::new_unchecked` calling `Func::call_unchecked`): no per-call
    /// conversion or type check, any signature of numbers.
    fn generic_forwarder(&mut self, ty: &FuncType, target: wasmtime::Func) -> Option<wasmtime::Func> {
        use ValType::{F32, F64, I32, I64, V128};
        // References in raw form would need GC rooting; C never passes them.
        if !ty.params.iter().chain(&ty.results).all(|t| matches!(t, I32 | I64 | F32 | F64 | V128)) {
            return None;
        }
        let wty = target.ty(&self.0);
        // Safety: the host function has exactly the target's type (the loader checked `ty` against
        // it), so the slice wasmtime hands over holds the target's parameters and has room for its
        // results, which `call_unchecked` reads and writes; `target` belongs to this store.
        let f = unsafe {
            wasmtime::Func::new_unchecked(&mut self.0, wty, move |mut caller: Caller<'_, Data<C>>, raw| {
                dylink::enter_guest(&mut caller.data_mut().host).map_err(|t| wasmtime::Error::new(HostTrap(t)))?;
                let raw = raw as *mut [std::mem::MaybeUninit<wasmtime::ValRaw>] as *mut [wasmtime::ValRaw];
                let r = target.call_unchecked(&mut caller, raw);
                dylink::leave_guest(&mut caller.data_mut().host);
                r
            })
        };
        Some(f)
    }
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
