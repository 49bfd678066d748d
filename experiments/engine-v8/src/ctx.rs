//! A store and its context: the [`Ctx`] operations as calls into runtime.js, host functions as
//! JavaScript functions calling Rust, and the time limit of top-level calls.

use std::cell::Cell;
use std::ffi::c_void;
use std::time::Instant;

use dylink::engine::{Budget, Ctx, Extern, FuncType, HostFn, Trap, Val, ValType};
use dylink::{Host, TrapKind};
use napi_sys as sys;

use crate::js::{self, Value, F};
use crate::{traps, Func, Global, Memory, Module, Node26, Table, Tier, V8};

/// What a store holds on the Rust side; its objects are in runtime.js's arena `sid`.
pub struct StoreState<T: Tier = Node26> {
    pub(crate) sid: u32,
    /// Taken by `take_host`; the rest of the store goes with [`Drop`].
    pub(crate) host: Option<Host<V8<T>>>,
    budget: Budget,
    /// Host functions' bodies, pointed to by their JavaScript functions' data (boxed: the address
    /// must not move when the vector grows).
    #[allow(clippy::vec_box)]
    hosts: Vec<Box<HostEntry<T>>>,
    /// The trap a host function raised, kept while its exception unwinds through wasm frames.
    pending: Option<Trap>,
    /// The wall-clock deadline, when metered.
    deadline: Option<Instant>,
    /// The fuel counter every metered module imports ([`dylink::meter`]): its arena id.
    counter: Option<u32>,
    /// Signatures already asked of V8 (a function's never changes): one JS call less per host call.
    types: std::cell::RefCell<std::collections::HashMap<u32, FuncType>>,
    /// Function objects called from Rust, held by reference: nested calls skip runtime.js.
    funcs: std::collections::HashMap<u32, sys::napi_ref>,
}

impl<T: Tier> StoreState<T> {
    pub(crate) fn new(
        sid: u32,
        host: Host<V8<T>>,
        budget: Budget,
        deadline: Option<Instant>,
        counter: Option<u32>,
    ) -> Self {
        StoreState {
            sid,
            host: Some(host),
            budget,
            hosts: Vec::new(),
            pending: None,
            deadline,
            counter,
            types: Default::default(),
            funcs: Default::default(),
        }
    }
}

impl<T: Tier> StoreState<T> {
    /// Lets V8 collect the function objects Rust held (the arena goes with `dropStore`).
    fn release(&mut self) {
        for (_, r) in self.funcs.drain() {
            js::unref(r);
        }
    }
}

/// A store dropped without `take_host` (the bench's prepared cells) must free its arena too: its
/// instances and memories stay reachable from runtime.js until `dropStore`.
impl<T: Tier> Drop for StoreState<T> {
    fn drop(&mut self) {
        if js::in_node() {
            self.release();
            let _ = js::call(F::DropStore, &[js::u32(self.sid)]);
        }
    }
}

struct HostEntry<T: Tier> {
    f: HostFn<V8<T>>,
    ty: FuncType,
}

thread_local! {
    /// The store whose code is running: host functions reach it from their callbacks. Untyped (a
    /// `StoreState<T>`): a host function of a `V8<T>` store runs only while that store is current.
    static CURRENT: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
}

pub(crate) fn enter<T: Tier, R>(store: &mut Box<StoreState<T>>, f: impl FnOnce(&mut dyn Ctx<V8<T>>) -> R) -> R {
    let s: *mut StoreState<T> = &mut **store;
    let saved = CURRENT.with(|c| c.replace(s.cast()));
    // Rust keeps indices, never napi values, across `enter`s: what this one made may be collected.
    let scope = js::HandleScope::open();
    let r = f(&mut Cx { s });
    drop(scope);
    CURRENT.with(|c| c.set(saved));
    r
}

/// A context over the current store. A raw pointer because host functions, called from inside an
/// outer `call`, need the store too (as wasmtime's `Caller`); no two are used at once.
struct Cx<T: Tier> {
    s: *mut StoreState<T>,
}

impl<T: Tier> Cx<T> {
    fn st(&self) -> &StoreState<T> {
        unsafe { &*self.s }
    }
    fn st_mut(&mut self) -> &mut StoreState<T> {
        unsafe { &mut *self.s }
    }
    fn sid(&self) -> Value {
        js::u32(self.st().sid)
    }
}

pub(crate) fn letter(t: ValType) -> char {
    match t {
        ValType::I32 => 'i',
        ValType::I64 => 'I',
        ValType::F32 => 'f',
        ValType::F64 => 'F',
        ValType::FuncRef => 'r',
        ValType::ExternRef => 'x',
        ValType::V128 => 'v',
    }
}

fn from_letter(c: char) -> ValType {
    match c {
        'i' => ValType::I32,
        'I' => ValType::I64,
        'f' => ValType::F32,
        'F' => ValType::F64,
        'r' => ValType::FuncRef,
        'v' => ValType::V128,
        _ => ValType::ExternRef,
    }
}

fn letters(ts: &[ValType]) -> String {
    ts.iter().map(|t| letter(*t)).collect()
}

fn to_js<T: Tier>(v: &Val<V8<T>>) -> Value {
    match *v {
        Val::I32(x) => js::i32(x),
        Val::I64(x) => js::bigint(x),
        Val::F32(x) => js::f64(f32::from_bits(x) as f64),
        Val::F64(x) => js::f64(f64::from_bits(x)),
        Val::FuncRef(f) => js::u32(f.map_or(0, |f| f.0)),
    }
}

fn from_js<T: Tier>(ty: ValType, v: Value) -> Result<Val<V8<T>>, js::JsError> {
    Ok(match ty {
        ValType::I32 => Val::I32(js::get_i32(v)?),
        ValType::I64 => Val::I64(js::get_bigint(v)?),
        ValType::F32 => Val::F32((js::get_f64(v)? as f32).to_bits()),
        ValType::F64 => Val::F64(js::get_f64(v)?.to_bits()),
        _ => {
            let id = js::get_i32(v)? as u32;
            Val::FuncRef((id != 0).then_some(Func(id)))
        }
    })
}

/// The callback of every host function: arguments from wasm (through V8's wasm-to-JS wrapper), the
/// Rust body, results back; a trap is thrown as a JS exception and kept in the store.
unsafe extern "C" fn host_entry<T: Tier>(env: sys::napi_env, info: sys::napi_callback_info) -> Value {
    let (argv, argc, data) = js::callback_args::<16>(env, info);
    let entry = unsafe { &*(data as *const HostEntry<T>) };
    let s = CURRENT.with(|c| c.get());
    if s.is_null() {
        js::throw("dylab: a host function was called outside its store");
        return std::ptr::null_mut();
    }
    let mut cx = Cx::<T> { s: s.cast() };
    let run = || -> Result<Vec<Val<V8<T>>>, Trap> {
        let mut args = Vec::with_capacity(entry.ty.params.len());
        for (i, t) in entry.ty.params.iter().enumerate() {
            let v = if i < argc { argv[i] } else { js::undefined() };
            let v = match t {
                ValType::FuncRef => Val::FuncRef(None), // C passes no references to the host
                t => from_js(*t, v).map_err(|e| Trap::Host(format!("host argument {i}: {e}")))?,
            };
            args.push(v);
        }
        let mut results: Vec<Val<V8<T>>> = entry.ty.results.iter().map(|t| Val::default_for(*t)).collect();
        (entry.f)(&mut cx, &args, &mut results)?;
        Ok(results)
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(results)) => match results.len() {
            0 => std::ptr::null_mut(),
            1 => to_js(&results[0]),
            _ => js::array(&results.iter().map(to_js).collect::<Vec<_>>()),
        },
        Ok(Err(trap)) => {
            js::throw(&trap.to_string());
            cx.st_mut().pending = Some(trap);
            std::ptr::null_mut()
        }
        Err(_) => {
            cx.st_mut().pending = Some(Trap::Host("the host panicked in a host function".into()));
            js::throw("dylab: host panic");
            std::ptr::null_mut()
        }
    }
}

impl<T: Tier> Cx<T> {
    /// Turns the exception that ended a call into a trap: at top level past the deadline the wall
    /// clock (whatever the termination left behind), then a host function's own trap, then V8's trap
    /// messages; a failed fuel charge is out-of-fuel.
    fn trap(&mut self, e: js::JsError, top: bool) -> Trap {
        let late = self.st().deadline.is_some_and(|d| Instant::now() >= d);
        if top && (late || e.code == "ERR_SCRIPT_EXECUTION_TIMEOUT") {
            self.st_mut().pending = None;
            return self.st().budget.wall_clock_trap();
        }
        let t = match self.st_mut().pending.take() {
            Some(t) => t,
            None => traps::classify(&e),
        };
        self.metered(t)
    }

    /// A failed fuel charge is out-of-fuel ([`dylink::meter::classify`]).
    fn metered(&mut self, t: Trap) -> Trap {
        match self.counter() {
            Some(c) => dylink::meter::classify(t, c),
            None => t,
        }
    }

    /// The fuel counter's value, when metered.
    fn counter(&mut self) -> Option<i64> {
        let g = self.st().counter?;
        let v = js::call(F::GlobalGet, &[self.sid(), js::u32(g), js::str("I").ok()?]).ok()?;
        js::get_bigint(v).ok()
    }

    /// The timeout of a call or instantiation in milliseconds (-1: none, nested or not metered),
    /// or the wall-clock trap when the deadline has passed.
    fn timeout(&mut self) -> Result<f64, Trap> {
        match (self.host().nesting == 0, self.st().deadline) {
            (true, Some(d)) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(self.st().budget.wall_clock_trap());
                }
                Ok(left.as_secs_f64() * 1000.0)
            }
            _ => Ok(-1.0),
        }
    }

    fn record(&mut self, what: &str, e: js::JsError) -> Trap {
        self.st_mut().budget.take_denied().unwrap_or_else(|| Trap::Host(format!("{what}: {e}")))
    }
}

impl<T: Tier> Ctx<V8<T>> for Cx<T> {
    fn host(&mut self) -> &mut Host<V8<T>> {
        self.st_mut().host.as_mut().expect("a store in use has its host")
    }
    fn host_ref(&self) -> &Host<V8<T>> {
        self.st().host.as_ref().expect("a store in use has its host")
    }

    fn instantiate(
        &mut self,
        module: &Module,
        imports: &[Extern<V8<T>>],
    ) -> Result<Vec<(String, Extern<V8<T>>)>, Trap> {
        self.st_mut().budget.count_instance()?;
        // The module's own memories count against the limit as a limiter would count them (its
        // maxima were rewritten, but never below its minimum).
        if module.memory_bytes > 0 && !self.st_mut().budget.memory_growing(0, module.memory_bytes, None) {
            return Err(self.st_mut().budget.take_denied().expect("a refused growth says why"));
        }
        let ids: Vec<Value> = imports
            .iter()
            .map(|e| match *e {
                Extern::Func(f) => f.0,
                Extern::Table(t) => t.0,
                Extern::Memory(m) => m.0,
                Extern::Global(g) => g.0,
            })
            .chain(self.st().counter)
            .map(js::u32)
            .collect();
        let sid = self.sid();
        // Start functions run here: at top level, timed like a call.
        let top = self.host().nesting == 0;
        let timeout = self.timeout()?;
        let r = js::call(F::Instantiate, &[sid, js::u32(module.id), js::array(&ids), js::f64(timeout)]);
        let flat = match r {
            Ok(v) => js::array_items(v).map_err(|e| Trap::Host(e.to_string()))?,
            Err(e) if matches!(e.name.as_str(), "LinkError" | "TypeError") && self.st().pending.is_none() => {
                if module.memory_bytes > 0 {
                    self.st_mut().budget.memory_grow_failed(); // imports are checked before memories are made
                }
                return Err(Trap::Host(format!("instantiation: {}", e.message)));
            }
            Err(e) => return Err(self.trap(e, top)),
        };
        let mut out = Vec::with_capacity(flat.len() / 3);
        for c in flat.chunks(3) {
            let name = js::string(c[0]).map_err(|e| Trap::Host(e.to_string()))?;
            let kind = js::get_i32(c[1]).unwrap_or(-1);
            let id = js::get_i32(c[2]).unwrap_or(0) as u32;
            out.push((
                name,
                match kind {
                    0 => Extern::Func(Func(id)),
                    1 => Extern::Table(Table(id)),
                    2 => Extern::Memory(Memory(id)),
                    _ => Extern::Global(Global(id)),
                },
            ));
        }
        Ok(out)
    }

    fn new_func(&mut self, ty: &FuncType, f: HostFn<V8<T>>) -> Func {
        let entry = Box::new(HostEntry { f, ty: ty.clone() });
        let data = &*entry as *const HostEntry<T> as *mut c_void;
        self.st_mut().hosts.push(entry);
        let jsfn = js::function("dylab_host", Some(host_entry::<T>), data);
        let (p, r) = (js::str(&letters(&ty.params)).unwrap(), js::str(&letters(&ty.results)).unwrap());
        // Fails only if V8 cannot make a function at all; the null function then traps when called.
        let id = js::call(F::HostFunc, &[self.sid(), p, r, jsfn]).and_then(js::get_i32);
        Func(id.unwrap_or(0) as u32)
    }

    fn call(&mut self, f: Func, args: &[Val<V8<T>>], results: &mut [Val<V8<T>>]) -> Result<(), Trap> {
        let ty = self.func_type(f);
        if args.len() != ty.params.len() || results.len() != ty.results.len() {
            return Err(Trap::Host(format!(
                "call of a {ty} function with {} arguments, {} results",
                args.len(),
                results.len()
            )));
        }
        let top = self.host().nesting == 0;
        let timeout = self.timeout()?;
        let argv: Vec<Value> = args.iter().map(to_js).collect();
        // Untimed calls of number signatures (host calls back into wasm: qsort comparators,
        // forwarders, dlcall) call the function object directly: about half the Node-API calls.
        let numbers =
            |ts: &[ValType]| ts.iter().all(|t| matches!(t, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64));
        if timeout < 0.0 && ty.results.len() <= 1 && numbers(&ty.params) && numbers(&ty.results) {
            let fobj = self.func_object(f);
            dylink::enter_guest(self.host())?;
            let r = js::call_function(fobj, &argv);
            dylink::leave_guest(self.host());
            let out = r.map_err(|e| self.trap(e, top))?;
            if let (Some(slot), Some(t)) = (results.first_mut(), ty.results.first()) {
                *slot = from_js(*t, out).map_err(|e| Trap::Host(format!("result: {e}")))?;
            }
            return Ok(());
        }
        let types = format!("{}:{}", letters(&ty.params), letters(&ty.results));
        dylink::enter_guest(self.host())?;
        let r = js::call(
            F::Call,
            &[self.sid(), js::u32(f.0), js::str(&types).unwrap(), js::array(&argv), js::f64(timeout)],
        );
        dylink::leave_guest(self.host());
        let out = r.map_err(|e| self.trap(e, top))?;
        let items = js::array_items(out).map_err(|e| Trap::Host(e.to_string()))?;
        for ((slot, t), v) in results.iter_mut().zip(&ty.results).zip(items) {
            *slot = from_js(*t, v).map_err(|e| Trap::Host(format!("result: {e}")))?;
        }
        Ok(())
    }

    fn func_type(&self, f: Func) -> FuncType {
        if let Some(t) = self.st().types.borrow().get(&f.0) {
            return t.clone();
        }
        // A function V8 cannot describe (a null reference) has no type any import matches.
        let s = js::call(F::FuncType, &[self.sid(), js::u32(f.0)]).and_then(js::string).unwrap_or_default();
        let (p, r) = s.split_once(':').unwrap_or(("x", ""));
        let t = FuncType::new(
            p.chars().map(from_letter).collect::<Vec<_>>(),
            r.chars().map(from_letter).collect::<Vec<_>>(),
        );
        self.st().types.borrow_mut().insert(f.0, t.clone());
        t
    }

    fn memory_read(&self, m: Memory, addr: u64, buf: &mut [u8]) -> Result<(), Trap> {
        let (data, len) = self.mem(m)?;
        let end = addr.checked_add(buf.len() as u64).filter(|&e| e <= len as u64);
        if end.is_none() {
            return Err(Trap::Wasm(TrapKind::MemoryOutOfBounds));
        }
        unsafe { std::ptr::copy_nonoverlapping(data.add(addr as usize), buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }
    fn memory_write(&mut self, m: Memory, addr: u64, src: &[u8]) -> Result<(), Trap> {
        let (data, len) = self.mem(m)?;
        let end = addr.checked_add(src.len() as u64).filter(|&e| e <= len as u64);
        if end.is_none() {
            return Err(Trap::Wasm(TrapKind::MemoryOutOfBounds));
        }
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), data.add(addr as usize), src.len()) };
        Ok(())
    }
    fn memory_size(&self, m: Memory) -> u64 {
        self.mem(m).map(|(_, len)| len as u64).unwrap_or(0)
    }
    fn memory_new(&mut self, min_pages: u32) -> Result<Memory, Trap> {
        let bytes = u64::from(min_pages) << 16;
        self.st().budget.check_memory(bytes)?;
        // V8 has no resource limiter: a maximum of what the budget has left makes a guest's own
        // `memory.grow` past the cell's limit return -1 here (module-defined memories keep theirs).
        let b = &self.st().budget;
        let max_pages = (b.limits().memory_bytes.saturating_sub(b.memory_in_use()) >> 16).min(65536) as u32;
        let id = js::call(F::MemNew, &[self.sid(), js::u32(min_pages), js::u32(max_pages.max(min_pages))])
            .and_then(js::get_i32);
        let id = id.map_err(|e| self.record("creating a memory", e))?;
        self.st_mut().budget.memory_growing(0, bytes, None);
        Ok(Memory(id as u32))
    }
    fn memory_grow(&mut self, m: Memory, delta_pages: u32) -> Option<u32> {
        let current = self.memory_size(m);
        if !self.st_mut().budget.memory_growing(current, current + (u64::from(delta_pages) << 16), None) {
            return None;
        }
        let old = js::call(F::MemGrow, &[self.sid(), js::u32(m.0), js::u32(delta_pages)]).and_then(js::get_i32);
        match old {
            Ok(old) if old >= 0 => Some(old as u32),
            _ => {
                self.st_mut().budget.memory_grow_failed();
                None
            }
        }
    }

    fn table_new(&mut self, min: u32) -> Result<Table, Trap> {
        self.st().budget.check_table(u64::from(min))?;
        let id = js::call(F::TableNew, &[self.sid(), js::u32(min)]).and_then(js::get_i32);
        Ok(Table(id.map_err(|e| self.record("creating a table", e))? as u32))
    }
    fn table_size(&self, t: Table) -> u32 {
        js::call(F::TableSize, &[self.sid(), js::u32(t.0)]).and_then(js::get_f64).unwrap_or(0.0) as u32
    }
    fn table_grow(&mut self, t: Table, delta: u32) -> Result<u32, Trap> {
        let size = self.table_size(t);
        self.st().budget.check_table(u64::from(size) + u64::from(delta))?;
        let old = js::call(F::TableGrow, &[self.sid(), js::u32(t.0), js::u32(delta)]).and_then(js::get_f64);
        match old.map_err(|e| self.record("growing a table", e))? {
            o if o >= 0.0 => Ok(o as u32),
            _ => Err(Trap::Host(format!("growing a table of {size} by {delta} failed in V8"))),
        }
    }
    fn table_get(&mut self, t: Table, index: u32) -> Option<Option<Func>> {
        let id = js::call(F::TableGet, &[self.sid(), js::u32(t.0), js::u32(index)]).and_then(js::get_i32).ok()?;
        match id {
            -1 => None,
            0 => Some(None),
            id => Some(Some(Func(id as u32))),
        }
    }
    fn table_set(&mut self, t: Table, index: u32, f: Option<Func>) -> Result<(), Trap> {
        let fid = f.map_or(0, |f| f.0);
        let ok =
            js::call(F::TableSet, &[self.sid(), js::u32(t.0), js::u32(index), js::u32(fid)]).and_then(js::get_bool);
        match ok {
            Ok(true) => Ok(()),
            Ok(false) => Err(Trap::Wasm(TrapKind::TableOutOfBounds)),
            Err(e) => Err(Trap::Host(format!("table set: {e}"))),
        }
    }

    fn global_new(&mut self, v: Val<V8<T>>, mutable: bool) -> Global {
        let ty = js::str(&letter(v.ty()).to_string()).unwrap();
        // Values come typed from Rust; a failure leaves the null global, which no import accepts.
        let id = js::call(F::GlobalNew, &[self.sid(), ty, js::boolean(mutable), to_js(&v)]).and_then(js::get_i32);
        Global(id.unwrap_or(0) as u32)
    }
    fn global_get(&mut self, g: Global) -> Val<V8<T>> {
        let ty = self.global_type(g);
        // A global of a type JavaScript cannot read (v128) reads as zero.
        let v = js::call(F::GlobalGet, &[self.sid(), js::u32(g.0), js::str(&letter(ty).to_string()).unwrap()]);
        v.and_then(|v| from_js(ty, v)).unwrap_or(Val::default_for(ty))
    }
    fn global_set(&mut self, g: Global, v: Val<V8<T>>) -> Result<(), Trap> {
        let ty = js::str(&letter(v.ty()).to_string()).unwrap();
        js::call(F::GlobalSet, &[self.sid(), js::u32(g.0), ty, to_js(&v)])
            .map(|_| ())
            .map_err(|e| Trap::Host(format!("global set: {e}")))
    }

    fn fuel(&mut self) -> u64 {
        self.counter().map_or(0, dylink::meter::fuel_left)
    }
    fn consume_fuel(&mut self, units: u64) -> Result<(), Trap> {
        let (Some(g), Some(left)) = (self.st().counter, self.counter()) else { return Ok(()) };
        let left = dylink::meter::fuel_left(left);
        let (now, out) = if left < units { (0, true) } else { (left - units, false) };
        let ty = js::str("I").map_err(|e| Trap::Host(format!("fuel: {e}")))?;
        js::call(F::GlobalSet, &[self.sid(), js::u32(g), ty, js::bigint(now as i64)])
            .map_err(|e| Trap::Host(format!("fuel: {e}")))?;
        if out {
            return Err(Trap::Wasm(TrapKind::OutOfFuel));
        }
        Ok(())
    }

    /// A JavaScript closure calling the target's export: no Rust on the way (the seed's trampoline).
    fn typed_forwarder(&mut self, ty: &FuncType, target: Func) -> Option<Func> {
        self.generic_forwarder(ty, target)
    }

    /// The same closure for any signature of numbers (V8 converts values at both wrappers).
    fn generic_forwarder(&mut self, ty: &FuncType, target: Func) -> Option<Func> {
        if ty.params.iter().chain(&ty.results).any(|t| matches!(t, ValType::V128 | ValType::ExternRef)) {
            return None;
        }
        let (p, r) = (js::str(&letters(&ty.params)).ok()?, js::str(&letters(&ty.results)).ok()?);
        let id = js::call(F::Forwarder, &[self.sid(), p, r, js::u32(target.0)]).and_then(js::get_i32).ok()?;
        Some(Func(id as u32))
    }
}

impl<T: Tier> Cx<T> {
    fn func_object(&mut self, f: Func) -> Value {
        if let Some(&r) = self.st().funcs.get(&f.0) {
            return js::deref(r);
        }
        let v = js::call(F::Get, &[self.sid(), js::u32(f.0)]).unwrap_or_else(|_| js::undefined());
        let r = js::reference(v);
        self.st_mut().funcs.insert(f.0, r);
        v
    }

    fn global_type(&self, g: Global) -> ValType {
        let c = js::call(F::GlobalType, &[self.sid(), js::u32(g.0)]).and_then(js::string).unwrap_or_default();
        from_letter(c.chars().next().unwrap_or('x'))
    }

    fn mem(&self, m: Memory) -> Result<(*mut u8, usize), Trap> {
        let buf =
            js::call(F::MemBuffer, &[self.sid(), js::u32(m.0)]).map_err(|e| Trap::Host(format!("memory: {e}")))?;
        js::arraybuffer(buf).map_err(|e| Trap::Host(format!("memory: {e}")))
    }
}
