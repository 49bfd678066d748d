//! The store data: the linker's [`Host`], the store's [`Budget`] (consulted through wasmi's
//! [`wasmi::ResourceLimiter`] hook before every memory or table allocation) and the fuel and
//! deadline state of [`crate::slices`].

use std::time::Instant;

use dylink::engine::{Budget, Limits};
use dylink::Host;
use wasmi_core::LimiterError;

use crate::Wasmi;

/// What a wasmi store of this adapter carries.
pub struct Data {
    pub(crate) host: Host<Wasmi>,
    pub(crate) budget: Budget,
    /// Fuel not yet handed to the store (see [`crate::slices`]).
    pub(crate) reserve: u64,
    /// When the cell's wall-clock limit passes; `None` on an engine without fuel (timing).
    pub(crate) deadline: Option<Instant>,
    /// The fuel counter every metered module imports ([`dylink::meter`]); `None` for timing.
    pub(crate) meter: Option<wasmi::Global>,
}

impl Data {
    pub(crate) fn new(host: Host<Wasmi>, limits: &Limits, metered: bool) -> Self {
        let deadline = if metered { Instant::now().checked_add(limits.wall_clock) } else { None };
        Data { host, budget: Budget::new(limits), reserve: 0, deadline, meter: None }
    }
}

impl wasmi::ResourceLimiter for Data {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, LimiterError> {
        Ok(self.budget.memory_growing(current as u64, desired as u64, maximum.map(|m| m as u64)))
    }
    fn memory_grow_failed(&mut self, _error: &wasmi::errors::MemoryError) -> Result<(), LimiterError> {
        self.budget.memory_grow_failed();
        Ok(())
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool, LimiterError> {
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
