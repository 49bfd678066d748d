//! Table policies: which tables exist, where a module's own functions go, which table a function
//! pointer indexes, and what `dlclose` clears. Everything here follows [`PointerTable`], the
//! strategy's policy row; no strategy is named.

use std::collections::HashMap;

use crate::engine::{Ctx, Engine, FuncType, LimitKind, Trap, Val};
use crate::module_info::Dylink;
use crate::outcome::TrapKind;
use crate::process::ModId;
use crate::strategy::PointerTable;

/// A funcref table and the function-pointer slots the linker allocated in it, keyed by
/// (defining module, symbol) so that taking the same address twice gives the same pointer.
struct TableRec<E: Engine> {
    table: E::Table,
    slots: HashMap<(ModId, String), u32>,
}

/// The process's tables, by record number, and which one is shared (the running domain's, under
/// a shared-table policy or per-module memories).
pub struct Tables<E: Engine> {
    list: Vec<TableRec<E>>,
    shared: Option<usize>,
}

impl<E: Engine> Default for Tables<E> {
    fn default() -> Self {
        Tables { list: Vec::new(), shared: None }
    }
}

impl<E: Engine> Tables<E> {
    /// The table of record `rec`.
    #[inline]
    pub fn table(&self, rec: usize) -> E::Table {
        self.list[rec].table
    }
    /// The shared table's record, if there is one.
    #[inline]
    pub fn shared(&self) -> Option<usize> {
        self.shared
    }
    pub(crate) fn set_shared(&mut self, rec: usize) {
        self.shared = Some(rec);
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.list.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    /// Every table, in record order.
    pub fn all(&self) -> impl Iterator<Item = E::Table> + '_ {
        self.list.iter().map(|r| r.table)
    }
    /// Adds a table with no slots yet; returns its record.
    pub(crate) fn push(&mut self, table: E::Table) -> usize {
        self.list.push(TableRec { table, slots: HashMap::new() });
        self.list.len() - 1
    }
    /// The slot of record `rec` that holds `key`'s function, if one was allocated.
    #[inline]
    pub fn slot(&self, rec: usize, key: &(ModId, String)) -> Option<u32> {
        self.list[rec].slots.get(key).copied()
    }
    /// How many slots the linker allocated in record `rec`.
    pub fn slot_count(&self, rec: usize) -> usize {
        self.list[rec].slots.len()
    }
    pub(crate) fn insert_slot(&mut self, rec: usize, key: (ModId, String), slot: u32) {
        self.list[rec].slots.insert(key, slot);
    }
    /// Forgets every slot that named a function of `id`; returns them with their tables.
    fn release(&mut self, id: ModId) -> Vec<(E::Table, u32)> {
        let mut released = Vec::new();
        for rec in &mut self.list {
            rec.slots.retain(|(d, _), slot| {
                if *d == id {
                    released.push((rec.table, *slot));
                }
                *d != id
            });
        }
        released
    }
}

fn pointers<E: Engine>(ctx: &dyn Ctx<E>) -> PointerTable {
    ctx.host_ref().process.policy().pointers
}

fn all_tables<E: Engine>(ctx: &dyn Ctx<E>) -> Vec<E::Table> {
    ctx.host_ref().process.tables().all().collect()
}

/// The table size a module's region needs, checked against the cell's limit before anything is
/// allocated (a dylink.0 table size near 2^32 must not wrap or exhaust the host).
fn checked_end(start: u32, size: u32, limit: u32, what: &str) -> Result<u32, Trap> {
    match start.checked_add(size) {
        Some(end) if end <= limit => Ok(end),
        _ => Err(Trap::Limit(
            LimitKind::Table,
            format!("{what}: {size} table slots from index {start}, limit {limit} elements"),
        )),
    }
}

/// Grows every table by `delta` null entries (they are kept the same size); returns the old size.
fn grow_all<E: Engine>(ctx: &mut dyn Ctx<E>, delta: u32) -> Result<u32, Trap> {
    let mut old = None;
    for t in all_tables(ctx) {
        let o = ctx.table_grow(t, delta)?;
        // An invariant of the policy, checked in every build: a slot must mean one index everywhere.
        if old.is_some_and(|x| x != o) {
            return Err(Trap::Host(format!("replicated tables out of step: sizes {} and {o}", old.unwrap_or(0))));
        }
        old = Some(o);
    }
    Ok(old.unwrap_or(0))
}

/// Reserves the table slots a new module's own functions (its elem segment) occupy; returns the
/// table record its code will index and its `__table_base`.
pub(crate) fn reserve<E: Engine>(ctx: &mut dyn Ctx<E>, name: &str, dylink: &Dylink) -> Result<(usize, u32), Trap> {
    let limit = ctx.host_ref().process.config().limits.table_elements;
    let talign = 1u32 << dylink.table_align.min(16);
    match pointers(ctx) {
        // A region of the one table.
        PointerTable::Shared => {
            let rec = ctx.host_ref().process.tables().shared().ok_or_else(|| Trap::Host("no shared table".into()))?;
            let t = ctx.host_ref().process.tables().table(rec);
            let size = ctx.table_size(t);
            let start = size.div_ceil(talign).saturating_mul(talign);
            let end = checked_end(start, dylink.table_size, limit, name)?;
            ctx.table_grow(t, end - size)?;
            Ok((rec, start))
        }
        // A process-wide region reserved in every table, and a new table that starts as a copy.
        PointerTable::Replicated => {
            let first = ctx.host_ref().process.tables().table(0);
            let size = ctx.table_size(first);
            let start = size.div_ceil(talign).saturating_mul(talign);
            let end = checked_end(start, dylink.table_size, limit, name)?;
            grow_all(ctx, end - size)?;
            let t = ctx.table_new(end)?;
            for i in 0..start {
                if let Some(Some(f)) = ctx.table_get(first, i) {
                    ctx.table_set(t, i, Some(f))?;
                }
            }
            Ok((ctx.host().process.tables_mut().push(t), start))
        }
        // A private table whose slot 0 stays null.
        PointerTable::Definer | PointerTable::Caller => {
            let end = checked_end(1, dylink.table_size, limit, name)?;
            let t = ctx.table_new(end)?;
            Ok((ctx.host().process.tables_mut().push(t), 1))
        }
    }
}

/// After instantiation: under replicated tables, the elem segment filled the module's own region of
/// its own table only; mirror it into every table.
pub(crate) fn after_instantiate<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) -> Result<(), Trap> {
    if pointers(ctx) != PointerTable::Replicated {
        return Ok(());
    }
    let m = ctx.host_ref().process.module(id);
    let (own, base, size) = (
        ctx.host_ref().process.tables().table(m.table),
        m.table_base,
        m.info.dylink.as_ref().map(|d| d.table_size).unwrap_or(0),
    );
    let tables = all_tables(ctx);
    for i in base..base + size {
        let f = ctx.table_get(own, i).flatten();
        for &t in &tables {
            ctx.table_set(t, i, f)?;
        }
    }
    Ok(())
}

/// The pointer (table index) that `requester` sees for function `name` of `definer`.
pub fn address_of<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    requester: ModId,
    definer: ModId,
    name: &str,
    f: E::Func,
) -> Result<u32, Trap> {
    let p = &ctx.host_ref().process;
    let pointers = p.policy().pointers;
    let rec = match pointers {
        PointerTable::Shared => p.tables().shared().ok_or_else(|| Trap::Host("no shared table".into()))?,
        PointerTable::Definer => p.module(definer).table,
        PointerTable::Caller => p.module(requester).table,
        // One process-wide slot per (definer, symbol), recorded in the first table's map.
        PointerTable::Replicated => 0,
    };
    let key = (definer, name.to_string());
    if let Some(slot) = p.tables().slot(rec, &key) {
        return Ok(slot);
    }
    let limit = p.config().limits.table_elements;
    let slot = if pointers == PointerTable::Replicated {
        let size = ctx.table_size(p.tables().table(0));
        checked_end(size, 1, limit, name)?;
        let slot = grow_all(ctx, 1)?;
        for t in all_tables(ctx) {
            ctx.table_set(t, slot, Some(f))?;
        }
        slot
    } else {
        let table = p.tables().table(rec);
        checked_end(ctx.table_size(table), 1, limit, name)?;
        let slot = ctx.table_grow(table, 1)?;
        ctx.table_set(table, slot, Some(f))?;
        slot
    };
    ctx.host().process.tables_mut().insert_slot(rec, key, slot);
    Ok(slot)
}

/// On `dlclose`: releases every pointer slot that named one of the module's functions, so that a
/// stale pointer traps instead of calling into a closed library.
pub(crate) fn release<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) {
    let released = ctx.host().process.tables_mut().release(id);
    let replicated = pointers(ctx) == PointerTable::Replicated;
    for (t, slot) in released {
        let tables = if replicated { all_tables(ctx) } else { vec![t] };
        for t in tables {
            let _ = ctx.table_set(t, slot, None);
        }
    }
}

/// The function at `index` of `table`, trapping as a `call_indirect` reading that slot would.
pub fn entry<E: Engine>(ctx: &mut dyn Ctx<E>, table: E::Table, index: u32) -> Result<E::Func, Trap> {
    match ctx.table_get(table, index) {
        None => Err(Trap::Wasm(TrapKind::TableOutOfBounds)),
        Some(None) => Err(Trap::Wasm(TrapKind::IndirectCallToNull)),
        Some(Some(f)) => Ok(f),
    }
}

/// Calls the function at `index` of `table` with signature `ty`, trapping as `call_indirect` would
/// (the host calling a pointer the guest handed over: an `atexit` handler, a comparator).
pub fn call_pointer<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    table: E::Table,
    index: u32,
    ty: &FuncType,
    args: &[Val<E>],
    results: &mut [Val<E>],
) -> Result<(), Trap> {
    let f = entry(ctx, table, index)?;
    if ctx.func_type(f) != *ty {
        return Err(Trap::Wasm(TrapKind::BadSignature));
    }
    ctx.call(f, args, results)
}
