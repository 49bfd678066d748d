//! The store data: the linker's [`Host`] and the store's [`Budget`], which wasmtime consults
//! through its [`wasmtime::ResourceLimiter`] hook before every memory or table allocation.

use dylink::engine::{Budget, Limits};
use dylink::Host;

use crate::{Compiler, Cranelift, Wasmtime};

/// What a wasmtime store of this adapter carries.
pub struct Data<C: Compiler = Cranelift> {
    pub(crate) host: Host<Wasmtime<C>>,
    pub(crate) budget: Budget,
    /// The fuel counter every metered module imports ([`dylink::meter`]); `None` for timing.
    pub(crate) meter: Option<wasmtime::Global>,
    /// Shared memories in use by this store ([`crate::shared::Mem::Shared`] indexes it).
    pub(crate) shared: Vec<wasmtime::SharedMemory>,
    /// A thread of a stop-the-world process: the epoch deadline calls the linker instead of trapping.
    pub(crate) interrupts: bool,
}

impl<C: Compiler> Data<C> {
    pub(crate) fn new(host: Host<Wasmtime<C>>, limits: &Limits) -> Self {
        Data { host, budget: Budget::new(limits), meter: None, shared: Vec::new(), interrupts: false }
    }
}

impl<C: Compiler> wasmtime::ResourceLimiter for Data<C> {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(self.budget.memory_growing(current as u64, desired as u64, maximum.map(|m| m as u64)))
    }
    fn memory_grow_failed(&mut self, _error: wasmtime::Error) -> wasmtime::Result<()> {
        self.budget.memory_grow_failed();
        Ok(())
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(self.budget.table_growing(current as u64, desired as u64, maximum.map(|m| m as u64)))
    }
    fn instances(&self) -> usize {
        self.budget.limits().instances as usize
    }
    fn tables(&self) -> usize {
        self.budget.object_count_limit()
    }
    fn memories(&self) -> usize {
        self.budget.object_count_limit()
    }
}
