//! The store context the linker works through ([`Ctx`]): the top-level store or a host
//! function's caller, with the fuel counter, shared memories and the limits' budget.

use super::*;

/// A store context: either the top-level store or a host function's caller.
pub(crate) struct Cx<'a, C: Compiler>(pub(crate) wasmtime::StoreContextMut<'a, Data<C>>);

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

    fn call(
        &mut self,
        f: wasmtime::Func,
        args: &[Val<Wasmtime<C>>],
        results: &mut [Val<Wasmtime<C>>],
    ) -> Result<(), Trap> {
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
            Mem::Own(m) => {
                m.write(&mut self.0, addr as usize, data).map_err(|_| Trap::Wasm(TrapKind::MemoryOutOfBounds))
            }
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
