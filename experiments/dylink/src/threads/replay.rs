//! Applying a logged event in another thread's store: the load repeated by the loader itself, with
//! every module placed where the log says and its GOT given the logged values, so that addresses
//! and pointers mean the same in every thread.

use std::sync::Arc;

use super::log::{Event, LoadRecord};
use crate::engine::{Ctx, Engine, Extern, Trap};
use crate::load;
use crate::process::ModId;

pub(crate) fn apply<E: Engine>(ctx: &mut dyn Ctx<E>, event: &Event) -> Result<(), Trap> {
    match event {
        Event::Load(rec) => apply_load(ctx, rec),
        Event::Slot { definer, name, slot } => apply_slot(ctx, *definer, name, *slot),
        Event::Close(gone) => {
            for &id in gone {
                crate::lifecycle::forget(ctx, id);
            }
            Ok(())
        }
    }
}

fn set_replaying<E: Engine>(ctx: &mut dyn Ctx<E>, rec: Option<Arc<LoadRecord>>) {
    if let Some(m) = ctx.host().thread.as_mut() {
        m.replaying = rec;
    }
}

fn apply_load<E: Engine>(ctx: &mut dyn Ctx<E>, rec: &Arc<LoadRecord>) -> Result<(), Trap> {
    let first = ctx.host_ref().process.objects().len();
    if rec.modules.first().is_some_and(|m| m.id != first) {
        return Err(out_of_step(
            &rec.root,
            format!("its first module is id {}, this thread is at {first}", rec.modules[0].id),
        ));
    }
    set_replaying(ctx, Some(rec.clone()));
    let r = load::replay(ctx, &rec.root, rec.mode, rec.program);
    set_replaying(ctx, None);
    match (r, rec.ok) {
        (Ok(_), true) | (Err(_), false) => {}
        (Ok(_), false) => return Err(out_of_step(&rec.root, "it failed in the thread that made it".into())),
        (Err(e), true) => {
            return Err(Trap::Host(format!("a thread repeating the load of {}: {}", rec.root, e.message())))
        }
    }
    let now = ctx.host_ref().process.objects().len();
    if now != first + rec.modules.len() {
        return Err(out_of_step(&rec.root, format!("{} modules here, {} logged", now - first, rec.modules.len())));
    }
    Ok(())
}

fn out_of_step(root: &str, why: String) -> Trap {
    Trap::Host(format!("threads out of step repeating the load of {root}: {why}"))
}

fn apply_slot<E: Engine>(ctx: &mut dyn Ctx<E>, definer: ModId, name: &str, slot: u32) -> Result<(), Trap> {
    let f = match ctx.host_ref().process.objects().get(definer).and_then(|m| m.exports.get(name)) {
        Some(Extern::Func(f)) => *f,
        _ => return Err(Trap::Host(format!("threads out of step: no function `{name}` in module {definer}"))),
    };
    set_slot(ctx, definer, name, slot, f)
}

/// Puts `f` at `slot` of this thread's shared table (grown to hold it) and remembers the pointer.
pub(crate) fn set_slot<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    definer: ModId,
    name: &str,
    slot: u32,
    f: E::Func,
) -> Result<(), Trap> {
    let p = &ctx.host_ref().process;
    let rec = p.tables().shared().ok_or_else(|| Trap::Host("threads need the shared table".into()))?;
    let table = p.tables().table(rec);
    grow_to(ctx, table, slot.saturating_add(1))?;
    ctx.table_set(table, slot, Some(f))?;
    ctx.host().process.tables_mut().insert_slot(rec, (definer, name.to_string()), slot);
    Ok(())
}

pub(crate) fn grow_to<E: Engine>(ctx: &mut dyn Ctx<E>, table: E::Table, size: u32) -> Result<(), Trap> {
    let now = ctx.table_size(table);
    if size > now {
        ctx.table_grow(table, size - now)?;
    }
    Ok(())
}

/// The record of the load being repeated, if any.
pub(crate) fn replaying<E: Engine>(ctx: &dyn Ctx<E>) -> Option<Arc<LoadRecord>> {
    ctx.host_ref().thread.as_ref().and_then(|m| m.replaying.clone())
}

/// Where the repeated load placed module `name`: memory base, table record and table base (the
/// region reserved in this thread's table).
pub(crate) fn placed<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    name: &str,
    table_size: u32,
) -> Option<Result<(u32, usize, u32), Trap>> {
    let rec = replaying(ctx)?;
    let m = rec.modules.iter().find(|m| m.name == name)?.clone();
    Some((|| {
        let p = &ctx.host_ref().process;
        let t = p.tables().shared().ok_or_else(|| Trap::Host("threads need the shared table".into()))?;
        let table = p.tables().table(t);
        grow_to(ctx, table, m.table_base.saturating_add(table_size))?;
        Ok((m.memory_base, t, m.table_base))
    })())
}

/// The logged value of GOT entry `k` of module `id` in the repeated load.
pub(crate) fn got_value<E: Engine>(ctx: &dyn Ctx<E>, id: ModId, k: usize) -> Option<u32> {
    replaying(ctx)?.modules.iter().find(|m| m.id == id)?.got.get(k).copied()
}
