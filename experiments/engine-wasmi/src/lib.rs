//! [`dylink::Engine`] for wasmi: eager compilation, fuel metering, settings pinned here.

mod limiter;
mod slices;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dylink::engine::{Budget, Ctx, Engine, Extern, FuncType, HostFn, Limits, Trap, Val, ValType};
use dylink::{Host, TrapKind};
use wasmi::{AsContextMut, Caller, CompilationMode, Config, Nullable, ResumableCall, Store};

pub use limiter::Data;

/// The pinned configuration; recorded in every report.
const SETTINGS: &[(&str, &str)] = &[
    ("version", "2.0.0"),
    ("compilation_mode", "eager"),
    // wasmi's own fuel, on in the matrix engine only to pace the wall clock (see `slices`).
    ("consume_fuel", "true"),
    ("wall_clock_check", "every 1000000 fuel and host call"),
];

#[derive(Clone)]
pub struct Wasmi {
    engine: wasmi::Engine,
    /// Fuel metering on (the matrix: runaway guests end) or off (timing: no metering overhead).
    fuel: bool,
    cache: Arc<Mutex<HashMap<(usize, u64), wasmi::Module>>>,
}

impl Wasmi {
    /// The matrix engine; nothing is kept in `_modules`: wasmi 2.0 has no serialized form of a
    /// compiled module (its `Module` has no serialize or deserialize, and no crate feature adds one;
    /// `Module::new_unchecked` skips only validation, not the translation to its register bytecode),
    /// and its eager compilation is fast.
    pub fn new_caching(_modules: &std::path::Path) -> anyhow::Result<Self> {
        Self::new()
    }

    /// The matrix engine: fuel metered, with a wall-clock limit per store (see [`slices`]).
    pub fn new() -> anyhow::Result<Self> {
        Ok(Self::with_fuel(true))
    }

    /// The timing engine: the same settings without fuel metering, hence without a wall-clock limit.
    pub fn for_timing() -> anyhow::Result<Self> {
        Ok(Self::with_fuel(false))
    }

    /// The counting engine: the timing engine (an interpreter compiled ahead of time: its code does
    /// not depend on the host CPU). Its translation keeps nothing between processes: `precompiled`
    /// is not used.
    pub fn for_counting(_precompiled: Option<&std::path::Path>) -> anyhow::Result<Self> {
        Self::for_timing()
    }

    fn with_fuel(fuel: bool) -> Self {
        let mut config = Config::default();
        config.compilation_mode(CompilationMode::Eager).consume_fuel(fuel);
        Wasmi { engine: wasmi::Engine::new(&config), fuel, cache: Default::default() }
    }

    pub fn inner(&self) -> &wasmi::Engine {
        &self.engine
    }
}

/// Carries a [`Trap`] raised by a host function through wasmi's error type.
#[derive(Debug)]
struct HostTrap(Trap);
impl std::fmt::Display for HostTrap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
impl wasmi::errors::HostError for HostTrap {}

fn trap_of(err: &wasmi::Error) -> Trap {
    if let Some(HostTrap(t)) = err.downcast_ref::<HostTrap>() {
        return t.clone();
    }
    if let Some(code) = err.i32_exit_status() {
        return Trap::Exit(code);
    }
    if let Some(code) = err.as_trap_code() {
        use wasmi::TrapCode as W;
        return Trap::Wasm(match code {
            W::UnreachableCodeReached => TrapKind::Unreachable,
            W::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
            W::TableOutOfBounds => TrapKind::TableOutOfBounds,
            W::IndirectCallToNull => TrapKind::IndirectCallToNull,
            W::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
            W::IntegerOverflow => TrapKind::IntegerOverflow,
            W::BadConversionToInteger => TrapKind::BadConversionToInteger,
            W::StackOverflow => TrapKind::StackOverflow,
            W::BadSignature => TrapKind::BadSignature,
            W::OutOfFuel => TrapKind::OutOfFuel,
            _ => TrapKind::Other,
        });
    }
    Trap::Host(err.to_string())
}

/// The error a host function returns to stop the guest with `t`.
fn host_error(t: Trap) -> wasmi::Error {
    match t {
        Trap::Exit(c) => wasmi::Error::i32_exit(c),
        t => wasmi::Error::host(HostTrap(t)),
    }
}

/// A failed instantiation: the limit behind it, if one was reached.
fn instantiation_trap(err: &wasmi::Error, budget: &mut Budget) -> Trap {
    use wasmi::errors::{ErrorKind, InstantiationError as I};
    if let Some(t) = budget.take_denied() {
        return t;
    }
    let limit = budget.object_count_limit();
    let what = match err.kind() {
        ErrorKind::Instantiation(I::TooManyTables) => "tables",
        ErrorKind::Instantiation(I::TooManyMemories) => "memories",
        _ => return trap_of(err),
    };
    Trap::Limit(dylink::engine::LimitKind::Instances, format!("more than {limit} {what} in the store"))
}

fn val_type(t: ValType) -> wasmi::ValType {
    match t {
        ValType::I32 => wasmi::ValType::I32,
        ValType::I64 => wasmi::ValType::I64,
        ValType::F32 => wasmi::ValType::F32,
        ValType::F64 => wasmi::ValType::F64,
        ValType::V128 => wasmi::ValType::V128,
        ValType::FuncRef => wasmi::ValType::FuncRef,
        ValType::ExternRef => wasmi::ValType::ExternRef,
    }
}

fn from_val_type(t: &wasmi::ValType) -> ValType {
    match t {
        wasmi::ValType::I32 => ValType::I32,
        wasmi::ValType::I64 => ValType::I64,
        wasmi::ValType::F32 => ValType::F32,
        wasmi::ValType::F64 => ValType::F64,
        wasmi::ValType::V128 => ValType::V128,
        wasmi::ValType::FuncRef => ValType::FuncRef,
        wasmi::ValType::ExternRef => ValType::ExternRef,
    }
}

fn to_wi(v: &Val<Wasmi>) -> wasmi::Val {
    match *v {
        Val::I32(x) => wasmi::Val::I32(x),
        Val::I64(x) => wasmi::Val::I64(x),
        Val::F32(x) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
        Val::F64(x) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
        Val::FuncRef(f) => wasmi::Val::FuncRef(f.map(Nullable::Val).unwrap_or(Nullable::Null)),
    }
}

fn from_wi(v: &wasmi::Val) -> Val<Wasmi> {
    match v {
        wasmi::Val::I32(x) => Val::I32(*x),
        wasmi::Val::I64(x) => Val::I64(*x),
        wasmi::Val::F32(x) => Val::F32(x.to_bits()),
        wasmi::Val::F64(x) => Val::F64(x.to_bits()),
        wasmi::Val::FuncRef(f) => Val::FuncRef(f.val().copied()),
        _ => Val::FuncRef(None),
    }
}

impl Engine for Wasmi {
    type Module = wasmi::Module;
    type Func = wasmi::Func;
    type Table = wasmi::Table;
    type Memory = wasmi::Memory;
    type Global = wasmi::Global;
    type Store = Store<Data>;

    fn typed_host_funcs<V: dylink::extras::WithTypedWrap<Self>>(
        &self,
        store: &mut Store<Data>,
        visitor: V,
    ) -> Option<V::Out> {
        Some(visitor.run(&mut TypedApi(store)))
    }

    fn has_typed_host_funcs() -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "wasmi"
    }

    fn settings(&self) -> Vec<(String, String)> {
        SETTINGS
            .iter()
            .map(|(k, v)| {
                let v = match *k {
                    "consume_fuel" => self.fuel.to_string(),
                    "wall_clock_check" if !self.fuel => "off".to_string(),
                    _ => v.to_string(),
                };
                (k.to_string(), v)
            })
            .chain(self.fuel.then(|| ("fuel".to_string(), dylink::meter::SETTING.to_string())))
            .collect()
    }

    fn compile(&self, bytes: &[u8]) -> anyhow::Result<wasmi::Module> {
        let key = dylink::engine::module_key(bytes);
        if let Some(m) = self.cache.lock().unwrap().get(&key) {
            return Ok(m.clone());
        }
        // The matrix engine meters with an injected counter; the timing engine compiles the module as it is.
        let m = if self.fuel {
            let metered = dylink::meter::rewrite(bytes, &dylink::meter::Rewrite { fuel: true, ..Default::default() })?;
            wasmi::Module::new(&self.engine, &metered[..])
        } else {
            wasmi::Module::new(&self.engine, bytes)
        };
        let m = m.map_err(|e| anyhow::anyhow!("{e}"))?;
        self.cache.lock().unwrap().insert(key, m.clone());
        Ok(m)
    }

    fn new_store(&self, host: Host<Self>, limits: &Limits) -> Self::Store {
        let mut store = Store::new(&self.engine, Data::new(host, limits, self.fuel));
        store.limiter(|data| data);
        if self.fuel {
            // wasmi's own fuel only paces the wall clock (see `slices`); the lab's fuel is the counter.
            slices::set_total(&mut store, slices::CLOCK_FUEL);
            let v = wasmi::Val::I64(limits.fuel.min(i64::MAX as u64) as i64);
            let counter = wasmi::Global::new(&mut store, v, wasmi::Mutability::Var);
            store.data_mut().meter = Some(counter);
        }
        store
    }

    fn enter<R>(&self, store: &mut Self::Store, f: impl FnOnce(&mut dyn Ctx<Self>) -> R) -> R {
        f(&mut Cx(store))
    }

    fn take_host(&self, store: Self::Store) -> Host<Self> {
        store.into_data().host
    }
}

/// A store context: the top-level store or a host function's caller.
struct Cx<C>(C);

/// Data access common to `&mut Store` and `Caller`.
trait StoreLike: AsContextMut<Data = Data> {
    fn data(&self) -> &Data;
    fn data_mut(&mut self) -> &mut Data;
}
impl StoreLike for &mut Store<Data> {
    fn data(&self) -> &Data {
        Store::data(self)
    }
    fn data_mut(&mut self) -> &mut Data {
        Store::data_mut(self)
    }
}
impl StoreLike for Caller<'_, Data> {
    fn data(&self) -> &Data {
        Caller::data(self)
    }
    fn data_mut(&mut self) -> &mut Data {
        Caller::data_mut(self)
    }
}

impl<C: StoreLike> Cx<C> {
    fn budget(&mut self) -> &mut Budget {
        &mut self.0.data_mut().budget
    }

    /// Why a host request the engine refused failed: the limit the limiter recorded, if any.
    fn refused(&mut self, what: &str, err: impl std::fmt::Display) -> Trap {
        self.budget().take_denied().unwrap_or_else(|| Trap::Host(format!("{what}: {err}")))
    }

    /// The fuel counter's value, when metered.
    fn counter(&self) -> Option<i64> {
        let g = self.0.data().meter?;
        g.get(&self.0).i64()
    }

    /// A failed fuel charge is out-of-fuel ([`dylink::meter::classify`]).
    fn metered_trap(&self, t: Trap) -> Trap {
        match self.counter() {
            Some(c) => dylink::meter::classify(t, c),
            None => t,
        }
    }

    fn metered(&self) -> bool {
        self.0.as_context().get_fuel().is_ok()
    }

    /// Calls `f` resumably: each time the store's fuel slice runs out, the clock is read and the
    /// next slice handed over (see [`slices`]).
    fn call_sliced(&mut self, f: wasmi::Func, args: &[wasmi::Val], outs: &mut [wasmi::Val]) -> Result<(), Trap> {
        let mut state = f.call_resumable(&mut self.0, args, outs);
        loop {
            match state {
                Err(e) => return Err(trap_of(&e)),
                Ok(ResumableCall::Finished) => return Ok(()),
                Ok(ResumableCall::HostTrap(t)) => return Err(trap_of(t.host_error())),
                Ok(ResumableCall::OutOfFuel(t)) => {
                    slices::refill(&mut self.0, t.required_fuel())?;
                    state = t.resume(&mut self.0, outs);
                }
            }
        }
    }
}

/// `imports`, listed in the binary's order (the trait's), in the order of `Module::imports` (wasmi's),
/// which groups them by kind: matched by kind and position within it. The fuel meter's global, when
/// there is one, follows the given globals.
fn in_module_order(
    module: &wasmi::Module,
    imports: &[Extern<Wasmi>],
    meter: Option<wasmi::Global>,
) -> Result<Vec<wasmi::Extern>, Trap> {
    let mut by_kind: [Vec<wasmi::Extern>; 4] = Default::default();
    for e in imports {
        match *e {
            Extern::Func(f) => by_kind[0].push(f.into()),
            Extern::Table(t) => by_kind[1].push(t.into()),
            Extern::Memory(m) => by_kind[2].push(m.into()),
            Extern::Global(g) => by_kind[3].push(g.into()),
        }
    }
    by_kind[3].extend(meter.map(wasmi::Extern::from));
    let mut next = [0usize; 4];
    let mut ordered = Vec::with_capacity(imports.len());
    for imp in module.imports() {
        let k = match imp.ty() {
            wasmi::ExternType::Func(_) => 0,
            wasmi::ExternType::Table(_) => 1,
            wasmi::ExternType::Memory(_) => 2,
            wasmi::ExternType::Global(_) => 3,
        };
        let Some(e) = by_kind[k].get(next[k]) else {
            return Err(Trap::Host(format!("missing import {}.{}", imp.module(), imp.name())));
        };
        next[k] += 1;
        ordered.push(*e);
    }
    Ok(ordered)
}

impl<C: StoreLike> Ctx<Wasmi> for Cx<C> {
    fn host(&mut self) -> &mut Host<Wasmi> {
        &mut self.0.data_mut().host
    }
    fn host_ref(&self) -> &Host<Wasmi> {
        &self.0.data().host
    }

    fn instantiate(
        &mut self,
        module: &wasmi::Module,
        imports: &[Extern<Wasmi>],
    ) -> Result<Vec<(String, Extern<Wasmi>)>, Trap> {
        let imports = in_module_order(module, imports, self.0.data().meter)?;
        self.budget().count_instance()?;
        self.budget().clear_denied();
        // A start function runs through a call that cannot be resumed: it gets all the fuel at once.
        slices::set_all_in_store(&mut self.0);
        let instance = wasmi::Instance::new(&mut self.0, module, &imports);
        slices::rebalance(&mut self.0);
        let instance = match instance {
            Ok(i) => i,
            Err(e) => {
                let t = instantiation_trap(&e, self.budget());
                return Err(self.metered_trap(t));
            }
        };
        let mut out = Vec::new();
        let names: Vec<String> = module.exports().map(|e| e.name().to_string()).collect();
        for name in names {
            let ext = match instance.get_export(&self.0, &name) {
                Some(wasmi::Extern::Func(f)) => Extern::Func(f),
                Some(wasmi::Extern::Table(t)) => Extern::Table(t),
                Some(wasmi::Extern::Memory(m)) => Extern::Memory(m),
                Some(wasmi::Extern::Global(g)) => Extern::Global(g),
                None => continue,
            };
            out.push((name, ext));
        }
        Ok(out)
    }

    fn new_func(&mut self, ty: &FuncType, f: HostFn<Wasmi>) -> wasmi::Func {
        let wty = wasmi::FuncType::new(ty.params.iter().map(|t| val_type(*t)), ty.results.iter().map(|t| val_type(*t)));
        wasmi::Func::new(&mut self.0, wty, move |caller: Caller<'_, Data>, params, results| {
            slices::check_clock(caller.data()).map_err(host_error)?;
            let args: Vec<Val<Wasmi>> = params.iter().map(from_wi).collect();
            let mut outs: Vec<Val<Wasmi>> = results.iter().map(from_wi).collect();
            let mut cx = Cx(caller);
            f(&mut cx, &args, &mut outs).map_err(host_error)?;
            for (slot, v) in results.iter_mut().zip(&outs) {
                *slot = to_wi(v);
            }
            Ok(())
        })
    }

    fn call(&mut self, f: wasmi::Func, args: &[Val<Wasmi>], results: &mut [Val<Wasmi>]) -> Result<(), Trap> {
        let args: Vec<wasmi::Val> = args.iter().map(to_wi).collect();
        let mut outs: Vec<wasmi::Val> = results.iter().map(to_wi).collect();
        slices::check_clock(self.0.data())?;
        dylink::enter_guest(self.host())?;
        let r = if self.metered() {
            self.call_sliced(f, &args, &mut outs)
        } else {
            f.call(&mut self.0, &args, &mut outs).map_err(|e| trap_of(&e))
        };
        dylink::leave_guest(self.host());
        r.map_err(|t| self.metered_trap(t))?;
        for (slot, v) in results.iter_mut().zip(&outs) {
            *slot = from_wi(v);
        }
        Ok(())
    }

    fn func_type(&self, f: wasmi::Func) -> FuncType {
        let ty = f.ty(&self.0);
        FuncType::new(
            ty.params().iter().map(from_val_type).collect::<Vec<_>>(),
            ty.results().iter().map(from_val_type).collect::<Vec<_>>(),
        )
    }

    fn memory_read(&self, m: wasmi::Memory, addr: u64, buf: &mut [u8]) -> Result<(), Trap> {
        m.read(&self.0, addr as usize, buf).map_err(|_| Trap::Wasm(TrapKind::MemoryOutOfBounds))
    }
    fn memory_write(&mut self, m: wasmi::Memory, addr: u64, data: &[u8]) -> Result<(), Trap> {
        m.write(&mut self.0, addr as usize, data).map_err(|_| Trap::Wasm(TrapKind::MemoryOutOfBounds))
    }
    fn memory_size(&self, m: wasmi::Memory) -> u64 {
        m.data_size(&self.0) as u64
    }

    fn memory_new(&mut self, min_pages: u32) -> Result<wasmi::Memory, Trap> {
        self.budget().check_memory(u64::from(min_pages) << 16)?;
        self.budget().clear_denied();
        wasmi::Memory::new(&mut self.0, wasmi::MemoryType::new(min_pages, None))
            .map_err(|e| self.refused("creating a memory", e))
    }
    fn memory_grow(&mut self, m: wasmi::Memory, delta_pages: u32) -> Option<u32> {
        m.grow(&mut self.0, delta_pages as u64).ok().map(|old| old as u32)
    }

    fn table_new(&mut self, min: u32) -> Result<wasmi::Table, Trap> {
        self.budget().check_table(u64::from(min))?;
        self.budget().clear_denied();
        let ty = wasmi::TableType::new(wasmi::RefType::Func, min, None);
        wasmi::Table::new(&mut self.0, ty, wasmi::Ref::Func(Nullable::Null))
            .map_err(|e| self.refused("creating a table", e))
    }
    fn table_size(&self, t: wasmi::Table) -> u32 {
        t.size(&self.0) as u32
    }
    fn table_grow(&mut self, t: wasmi::Table, delta: u32) -> Result<u32, Trap> {
        let size = t.size(&self.0);
        self.budget().check_table(size.saturating_add(u64::from(delta)))?;
        self.budget().clear_denied();
        t.grow(&mut self.0, delta as u64, wasmi::Ref::Func(Nullable::Null))
            .map(|old| old as u32)
            .map_err(|e| self.refused("growing a table", e))
    }
    fn table_get(&mut self, t: wasmi::Table, index: u32) -> Option<Option<wasmi::Func>> {
        t.get(&self.0, index as u64).map(|r| match r {
            wasmi::Ref::Func(f) => f.val().copied(),
            _ => None,
        })
    }
    fn table_set(&mut self, t: wasmi::Table, index: u32, f: Option<wasmi::Func>) -> Result<(), Trap> {
        let r = wasmi::Ref::Func(f.map(Nullable::Val).unwrap_or(Nullable::Null));
        t.set(&mut self.0, index as u64, r).map_err(|e| Trap::Host(format!("table set: {e}")))
    }

    fn global_new(&mut self, v: Val<Wasmi>, mutable: bool) -> wasmi::Global {
        let m = if mutable { wasmi::Mutability::Var } else { wasmi::Mutability::Const };
        wasmi::Global::new(&mut self.0, to_wi(&v), m)
    }
    fn global_get(&mut self, g: wasmi::Global) -> Val<Wasmi> {
        from_wi(&g.get(&self.0))
    }
    fn global_set(&mut self, g: wasmi::Global, v: Val<Wasmi>) -> Result<(), Trap> {
        g.set(&mut self.0, to_wi(&v)).map_err(|e| Trap::Host(format!("global set: {e}")))
    }

    fn fuel(&mut self) -> u64 {
        self.counter().map_or(0, dylink::meter::fuel_left)
    }
    fn consume_fuel(&mut self, units: u64) -> Result<(), Trap> {
        let (Some(g), Some(left)) = (self.0.data().meter, self.counter()) else { return Ok(()) };
        slices::check_clock(self.0.data())?;
        let left = dylink::meter::fuel_left(left);
        let (now, out) = if left < units { (0, true) } else { (left - units, false) };
        g.set(&mut self.0, wasmi::Val::I64(now as i64)).map_err(|e| Trap::Host(format!("fuel: {e}")))?;
        if out {
            return Err(Trap::Wasm(TrapKind::OutOfFuel));
        }
        Ok(())
    }
    fn typed_forwarder(&mut self, ty: &FuncType, target: wasmi::Func) -> Option<wasmi::Func> {
        use ValType::{F64, I32, I64};
        // One arm per signature the benchmarks use; anything else takes the dynamic path.
        let metered = self.metered();
        // With fuel, the call is resumable like `Ctx::call`, so the guest it enters keeps its
        // wall-clock limit and gets its fuel in slices.
        macro_rules! forward {
            ($($arg:ident : $t:ty),* => $r:ty) => {{
                let typed = target.typed::<($($t,)*), $r>(&self.0).ok()?;
                wasmi::Func::wrap(&mut self.0, move |mut caller: Caller<'_, Data>, $($arg: $t),*| -> Result<$r, wasmi::Error> {
                    dylink::enter_guest(&mut caller.data_mut().host).map_err(host_error)?;
                    let r = (|| {
                        if !metered {
                            return typed.call(&mut caller, ($($arg,)*));
                        }
                        let mut state = typed.call_resumable(&mut caller, ($($arg,)*))?;
                        loop {
                            state = match state {
                                wasmi::TypedResumableCall::Finished(r) => return Ok(r),
                                wasmi::TypedResumableCall::HostTrap(t) => return Err(host_error(trap_of(t.host_error()))),
                                wasmi::TypedResumableCall::OutOfFuel(t) => {
                                    slices::refill(&mut caller, t.required_fuel()).map_err(host_error)?;
                                    t.resume(&mut caller)?
                                }
                            };
                        }
                    })();
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

    /// wasmi 2.0 has no unchecked host-function API: the typed forwarders, for the signatures the
    /// adapter has one for (each costs build time: the set stays small).
    fn generic_forwarder(&mut self, ty: &FuncType, target: wasmi::Func) -> Option<wasmi::Func> {
        self.typed_forwarder(ty, target)
    }
}

/// The typed API on one store (the bench's bare host calls, [`dylink::extras`]).
struct TypedApi<'a>(&'a mut Store<Data>);

dylink::typed_wrap_with!(TypedApi<'_>, Wasmi, wasmi);
