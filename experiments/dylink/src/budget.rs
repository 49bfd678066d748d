//! A store's account of its resource limits ([`Budget`]), the same rules on every engine.

use crate::engine::{LimitKind, Limits, Trap};

/// A store's account of its memory, table and instance limits, kept by the adapters: their engines'
/// resource-limiter hooks consult it for every allocation (guest or host), and host requests check
/// it first so that an oversized request is refused before anything is allocated. Engine-neutral so
/// that both adapters apply the same rules.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    /// Bytes of linear memory granted in the store, all memories together.
    memory_in_use: u64,
    /// Bytes granted by the last `memory_growing`, given back if that growth then fails.
    pending: u64,
    instances: u32,
    /// The last refusal, kept so that a failed host request or instantiation can say which limit.
    denied: Option<(LimitKind, String)>,
}

impl Budget {
    pub fn new(limits: &Limits) -> Self {
        Budget { limits: limits.clone(), memory_in_use: 0, pending: 0, instances: 0, denied: None }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Bytes of linear memory in use in the store.
    pub fn memory_in_use(&self) -> u64 {
        self.memory_in_use
    }

    /// Tables (and, separately, memories) an engine may hold in the store: each instance may define
    /// or be given its own (private tables), plus a few made by the host.
    pub fn object_count_limit(&self) -> usize {
        (self.limits.instances as usize).saturating_mul(2).saturating_add(16)
    }

    /// Limiter hook: may a memory grow from `current` to `desired` bytes (creation: `current` = 0)?
    pub fn memory_growing(&mut self, current: u64, desired: u64, maximum: Option<u64>) -> bool {
        self.pending = 0;
        if maximum.is_some_and(|m| desired > m) {
            return false; // beyond the memory's own maximum: the engine refuses it anyway
        }
        let extra = desired.saturating_sub(current);
        let total = self.memory_in_use.saturating_add(extra);
        if total > self.limits.memory_bytes {
            self.denied = Some((
                LimitKind::Memory,
                format!(
                    "{total} bytes of linear memory (one memory from {current} to {desired} bytes), limit {}",
                    self.limits.memory_bytes
                ),
            ));
            return false;
        }
        self.memory_in_use = total;
        self.pending = extra;
        true
    }

    /// Limiter hook: a growth `memory_growing` allowed failed in the engine.
    pub fn memory_grow_failed(&mut self) {
        self.memory_in_use = self.memory_in_use.saturating_sub(self.pending);
        self.pending = 0;
    }

    /// Limiter hook: may a table grow from `current` to `desired` elements (creation: `current` = 0)?
    pub fn table_growing(&mut self, _current: u64, desired: u64, maximum: Option<u64>) -> bool {
        if maximum.is_some_and(|m| desired > m) {
            return false;
        }
        match self.check_table(desired) {
            Ok(()) => true,
            Err(_) => {
                self.denied = Some((LimitKind::Table, self.table_message(desired)));
                false
            }
        }
    }

    /// Host request for a memory of `bytes`: checked before allocating.
    pub fn check_memory(&self, bytes: u64) -> Result<(), Trap> {
        let total = self.memory_in_use.saturating_add(bytes);
        if total > self.limits.memory_bytes {
            return Err(Trap::Limit(
                LimitKind::Memory,
                format!(
                    "a memory of {bytes} bytes with {} bytes in use, limit {}",
                    self.memory_in_use, self.limits.memory_bytes
                ),
            ));
        }
        Ok(())
    }

    /// Host request for a table of `elements` (a new one, or one grown to that size).
    pub fn check_table(&self, elements: u64) -> Result<(), Trap> {
        if elements > u64::from(self.limits.table_elements) {
            return Err(Trap::Limit(LimitKind::Table, self.table_message(elements)));
        }
        Ok(())
    }

    fn table_message(&self, elements: u64) -> String {
        format!("a table of {elements} elements, limit {}", self.limits.table_elements)
    }

    /// Counts one instantiation (made or attempted); refused beyond the limit.
    pub fn count_instance(&mut self) -> Result<(), Trap> {
        if self.instances >= self.limits.instances {
            return Err(Trap::Limit(
                LimitKind::Instances,
                format!("instance {}, limit {}", u64::from(self.instances) + 1, self.limits.instances),
            ));
        }
        self.instances += 1;
        Ok(())
    }

    /// Forgets an earlier refusal (one a guest's `memory.grow` got as -1) before a host request.
    pub fn clear_denied(&mut self) {
        self.denied = None;
    }

    /// The refusal behind a failed host request or instantiation, if a limit caused it.
    pub fn take_denied(&mut self) -> Option<Trap> {
        self.denied.take().map(|(kind, message)| Trap::Limit(kind, message))
    }

    /// How a cell that reached its wall-clock limit ends.
    pub fn wall_clock_trap(&self) -> Trap {
        Trap::Limit(LimitKind::WallClock, format!("ran longer than {:?}", self.limits.wall_clock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Budget {
        Budget::new(&Limits { memory_bytes: 10 << 16, table_elements: 100, instances: 2, ..Limits::DEFAULT })
    }

    #[test]
    fn memory_is_summed_over_memories_and_given_back_on_failure() {
        let mut b = small();
        assert!(b.memory_growing(0, 6 << 16, None));
        assert!(!b.memory_growing(0, 5 << 16, None), "6 + 5 pages exceed 10");
        assert!(matches!(b.take_denied(), Some(Trap::Limit(LimitKind::Memory, _))));
        assert!(b.memory_growing(0, 4 << 16, None));
        b.memory_grow_failed();
        assert_eq!(b.memory_in_use(), 6 << 16);
        assert!(b.check_memory(4 << 16).is_ok());
        assert!(matches!(b.check_memory(5 << 16), Err(Trap::Limit(LimitKind::Memory, _))));
    }

    #[test]
    fn tables_and_instances_are_refused_with_what_was_asked() {
        let mut b = small();
        assert!(b.table_growing(0, 100, None));
        assert!(!b.table_growing(100, 101, None));
        assert_eq!(b.take_denied(), Some(Trap::Limit(LimitKind::Table, "a table of 101 elements, limit 100".into())));
        assert_eq!(
            b.check_table(1 << 31),
            Err(Trap::Limit(LimitKind::Table, "a table of 2147483648 elements, limit 100".into()))
        );
        assert!(b.count_instance().is_ok() && b.count_instance().is_ok());
        assert_eq!(b.count_instance(), Err(Trap::Limit(LimitKind::Instances, "instance 3, limit 2".into())));
    }
}
