//! Table policies: which tables exist, where a module's own functions go, which table a function
//! pointer indexes, and what `dlclose` clears. Everything here follows [`PointerTable`], the
//! strategy's policy row; no strategy is named.

use std::collections::HashMap;

use crate::engine::{Ctx, Engine, FuncType, LimitKind, Trap, Val};
use crate::outcome::TrapKind;
use crate::module_info::Dylink;
use crate::process::{ModId, Process, TableRec};
use crate::strategy::PointerTable;

/// Registers the process's first table (libc's); under a shared policy it is the shared one.
pub(crate) fn add_first<E: Engine>(p: &mut Process<E>, table: E::Table) -> usize {
    p.tables.push(TableRec { table, slots: HashMap::new() });
    let rec = p.tables.len() - 1;
    if p.policy.pointers == PointerTable::Shared {
        p.shared_table = Some(rec);
    }
    rec
}

fn pointers<E: Engine>(ctx: &dyn Ctx<E>) -> PointerTable {
    ctx.host_ref().process.policy.pointers
}

fn all_tables<E: Engine>(ctx: &dyn Ctx<E>) -> Vec<E::Table> {
    ctx.host_ref().process.tables.iter().map(|r| r.table).collect()
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
    let limit = ctx.host_ref().process.limits.table_elements;
    let talign = 1u32 << dylink.table_align.min(16);
    match pointers(ctx) {
        // A region of the one table.
        PointerTable::Shared => {
            let rec = ctx.host_ref().process.shared_table.ok_or_else(|| Trap::Host("no shared table".into()))?;
            let t = ctx.host_ref().process.tables[rec].table;
            let size = ctx.table_size(t);
            let start = size.div_ceil(talign).saturating_mul(talign);
            let end = checked_end(start, dylink.table_size, limit, name)?;
            ctx.table_grow(t, end - size)?;
            Ok((rec, start))
        }
        // A process-wide region reserved in every table, and a new table that starts as a copy.
        PointerTable::Replicated => {
            let first = ctx.host_ref().process.tables[0].table;
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
            Ok((push(ctx, t), start))
        }
        // A private table whose slot 0 stays null.
        PointerTable::Definer | PointerTable::Caller => {
            let end = checked_end(1, dylink.table_size, limit, name)?;
            let t = ctx.table_new(end)?;
            Ok((push(ctx, t), 1))
        }
    }
}

fn push<E: Engine>(ctx: &mut dyn Ctx<E>, t: E::Table) -> usize {
    let p = &mut ctx.host().process;
    p.tables.push(TableRec { table: t, slots: HashMap::new() });
    p.tables.len() - 1
}

/// After instantiation: under replicated tables, the elem segment filled the module's own region of
/// its own table only; mirror it into every table.
pub(crate) fn after_instantiate<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) -> Result<(), Trap> {
    if pointers(ctx) != PointerTable::Replicated {
        return Ok(());
    }
    let m = &ctx.host_ref().process.modules[id];
    let (own, base, size) = (
        ctx.host_ref().process.tables[m.table].table,
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
    let rec = match p.policy.pointers {
        PointerTable::Shared => p.shared_table.ok_or_else(|| Trap::Host("no shared table".into()))?,
        PointerTable::Definer => p.modules[definer].table,
        PointerTable::Caller => p.modules[requester].table,
        // One process-wide slot per (definer, symbol), recorded in the first table's map.
        PointerTable::Replicated => 0,
    };
    let key = (definer, name.to_string());
    if let Some(&slot) = p.tables[rec].slots.get(&key) {
        return Ok(slot);
    }
    let limit = p.limits.table_elements;
    let slot = if p.policy.pointers == PointerTable::Replicated {
        let size = ctx.table_size(p.tables[0].table);
        checked_end(size, 1, limit, name)?;
        let slot = grow_all(ctx, 1)?;
        for t in all_tables(ctx) {
            ctx.table_set(t, slot, Some(f))?;
        }
        slot
    } else {
        let table = p.tables[rec].table;
        checked_end(ctx.table_size(table), 1, limit, name)?;
        let slot = ctx.table_grow(table, 1)?;
        ctx.table_set(table, slot, Some(f))?;
        slot
    };
    ctx.host().process.tables[rec].slots.insert(key, slot);
    Ok(slot)
}

/// On `dlclose`: releases every pointer slot that named one of the module's functions, so that a
/// stale pointer traps instead of calling into a closed library.
pub(crate) fn release<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) {
    let p = &mut ctx.host().process;
    let mut released = Vec::new();
    for rec in &mut p.tables {
        rec.slots.retain(|(d, _), slot| {
            if *d == id {
                released.push((rec.table, *slot));
            }
            *d != id
        });
    }
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
