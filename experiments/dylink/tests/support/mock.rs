//! A stand-in engine with one linear memory and nothing else, so WASI calls can be driven directly
//! (no compiler, no wasm): what a guest would pass is written into memory, the call is made as an
//! import would make it, and what it returned or wrote is read back.

use std::collections::HashMap;
use std::path::Path;

use dylink::engine::{Ctx, Engine, Extern, FuncType, HostFn, Limits, Trap, Val, ValType};
use dylink::wasi::{self, WasiState};
use dylink::{Host, Process, Strategy, TrapKind};

/// Guest memory size: 1 MiB is enough for every argument the tests pass.
pub const MEMORY: usize = 1 << 20;

#[derive(Clone)]
pub struct Mock;

pub struct Store {
    host: Host<Mock>,
    mem: Vec<u8>,
}

impl Engine for Mock {
    type Module = ();
    type Func = u32;
    type Table = ();
    type Memory = ();
    type Global = ();
    type Store = Store;

    fn name(&self) -> &'static str {
        "mock"
    }
    fn settings(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    fn compile(&self, _: &[u8]) -> anyhow::Result<()> {
        anyhow::bail!("the mock engine runs no wasm")
    }
    fn new_store(&self, mut host: Host<Self>, _: &Limits) -> Store {
        host.memory = Some(());
        Store { host, mem: vec![0; MEMORY] }
    }
    fn enter<R>(&self, store: &mut Store, f: impl FnOnce(&mut dyn Ctx<Self>) -> R) -> R {
        f(store)
    }
    fn take_host(&self, store: Store) -> Host<Self> {
        store.host
    }
}

fn oob() -> Trap {
    Trap::Wasm(TrapKind::MemoryOutOfBounds)
}

impl Ctx<Mock> for Store {
    fn host(&mut self) -> &mut Host<Mock> {
        &mut self.host
    }
    fn host_ref(&self) -> &Host<Mock> {
        &self.host
    }
    fn memory_read(&self, _: (), addr: u64, buf: &mut [u8]) -> Result<(), Trap> {
        let end = addr.checked_add(buf.len() as u64).filter(|&e| e <= MEMORY as u64).ok_or_else(oob)?;
        buf.copy_from_slice(&self.mem[addr as usize..end as usize]);
        Ok(())
    }
    fn memory_write(&mut self, _: (), addr: u64, data: &[u8]) -> Result<(), Trap> {
        let end = addr.checked_add(data.len() as u64).filter(|&e| e <= MEMORY as u64).ok_or_else(oob)?;
        self.mem[addr as usize..end as usize].copy_from_slice(data);
        Ok(())
    }
    fn memory_size(&self, _: ()) -> u64 {
        MEMORY as u64
    }

    fn instantiate(&mut self, _: &(), _: &[Extern<Mock>]) -> Result<Vec<(String, Extern<Mock>)>, Trap> {
        unimplemented!("not used by WASI")
    }
    fn new_func(&mut self, _: &FuncType, _: HostFn<Mock>) -> u32 {
        unimplemented!("not used by WASI")
    }
    fn call(&mut self, _: u32, _: &[Val<Mock>], _: &mut [Val<Mock>]) -> Result<(), Trap> {
        unimplemented!("not used by WASI")
    }
    fn func_type(&self, _: u32) -> FuncType {
        unimplemented!("not used by WASI")
    }
    fn memory_new(&mut self, _: u32) -> Result<(), Trap> {
        unimplemented!("not used by WASI")
    }
    fn memory_grow(&mut self, _: (), _: u32) -> Option<u32> {
        None
    }
    fn table_new(&mut self, _: u32) -> Result<(), Trap> {
        unimplemented!("not used by WASI")
    }
    fn table_size(&self, _: ()) -> u32 {
        0
    }
    fn table_grow(&mut self, _: (), _: u32) -> Result<u32, Trap> {
        unimplemented!("not used by WASI")
    }
    fn table_get(&mut self, _: (), _: u32) -> Option<Option<u32>> {
        None
    }
    fn table_set(&mut self, _: (), _: u32, _: Option<u32>) -> Result<(), Trap> {
        unimplemented!("not used by WASI")
    }
    fn global_new(&mut self, _: Val<Mock>, _: bool) {}
    fn global_get(&mut self, _: ()) -> Val<Mock> {
        Val::I32(0)
    }
    fn global_set(&mut self, _: (), _: Val<Mock>) -> Result<(), Trap> {
        Ok(())
    }
    fn fuel(&mut self) -> u64 {
        0
    }
    fn consume_fuel(&mut self, _: u64) -> Result<(), Trap> {
        Ok(())
    }
}

/// A guest process as WASI sees it: memory and the WASI state.
pub struct Guest {
    store: Store,
}

impl Guest {
    pub fn new(wasi: WasiState, case_dir: &Path) -> Guest {
        let process = Process::new(Strategy::Direct.into(), HashMap::new(), case_dir.to_path_buf());
        let host = Host::new(Mock, wasi, process);
        Guest { store: Mock.new_store(host, &Limits::DEFAULT) }
    }

    /// Calls the WASI function `name` as an import would; the errno it returned.
    pub fn call_with(&mut self, name: &str, args: &[Val<Mock>]) -> Result<i32, Trap> {
        let f = wasi::func::<Mock>(name, &FuncType::new(vec![], vec![ValType::I32]));
        let mut results = [Val::I32(-1)];
        f(&mut self.store, args, &mut results)?;
        Ok(results[0].i32().unwrap())
    }

    /// Calls `name` with i32 arguments only.
    pub fn call(&mut self, name: &str, args: &[u32]) -> Result<i32, Trap> {
        let args: Vec<Val<Mock>> = args.iter().map(|&a| Val::I32(a as i32)).collect();
        self.call_with(name, &args)
    }

    pub fn write(&mut self, addr: u32, data: &[u8]) {
        self.store.mem[addr as usize..addr as usize + data.len()].copy_from_slice(data);
    }

    pub fn read(&self, addr: u32, len: usize) -> &[u8] {
        &self.store.mem[addr as usize..addr as usize + len]
    }

    pub fn u32_at(&self, addr: u32) -> u32 {
        u32::from_le_bytes(self.read(addr, 4).try_into().unwrap())
    }

    pub fn wasi(&self) -> &WasiState {
        &self.store.host.wasi
    }
}
