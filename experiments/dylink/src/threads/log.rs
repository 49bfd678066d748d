//! The log of table-changing events and the lock that orders them: a thread loads or hands out a
//! pointer slot only while it owns the log, after applying everything logged before.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::{group, replay, world, Group, Repeat};
use crate::engine::{Ctx, Engine, Trap};
use crate::process::{ModId, Mode};

/// A module of a logged load, where it was placed.
#[derive(Clone, Debug)]
pub struct ModRecord {
    pub id: ModId,
    pub name: String,
    pub memory_base: u32,
    pub table_base: u32,
    /// Its GOT entries' values in import order: data addresses and pointer slots, the same in
    /// every thread.
    pub got: Vec<u32>,
}

/// One load (the program's, or a dlopen) as every thread must repeat it.
#[derive(Clone, Debug)]
pub struct LoadRecord {
    pub root: String,
    pub mode: Mode,
    pub program: bool,
    pub modules: Vec<ModRecord>,
    /// Whether it succeeded (a failed load is repeated too: it used module ids).
    pub ok: bool,
}

/// What changes every thread's table.
#[derive(Debug)]
pub enum Event {
    Load(Arc<LoadRecord>),
    /// A pointer slot handed out outside a load (`dlsym`): function `name` of module `definer`.
    Slot {
        definer: ModId,
        name: String,
        slot: u32,
    },
    /// A `dlclose` unloaded these modules (destructors ran and data was freed in the thread that
    /// closed them): another thread takes them out of its scopes and clears their pointer slots.
    Close(Vec<ModId>),
}

/// Runs `f` owning the log (re-entrant: a constructor may dlopen), after applying every event this
/// thread has not seen; under designs (b) and (c) it returns once every other thread has what `f`
/// logged ([`world::deliver`]). Without threads it just runs `f`.
pub fn exclusive<E: Engine, R>(ctx: &mut dyn Ctx<E>, f: impl FnOnce(&mut dyn Ctx<E>) -> R) -> Result<R, Trap> {
    let Some(g) = group(ctx) else { return Ok(f(ctx)) };
    if ctx.host_ref().thread.as_ref().is_some_and(|m| m.replaying.is_some()) {
        return Ok(f(ctx));
    }
    let tid = super::tid(ctx);
    let started = Instant::now();
    acquire(ctx, &g, tid)?;
    let before = g.logged.load(Ordering::SeqCst);
    let r = sync(ctx).map(|()| f(ctx));
    // The outermost owner delivers what it logged (a nested load's events go with it).
    let outermost = matches!(*g.owner.lock().unwrap_or_else(|e| e.into_inner()), Some((_, 1)));
    let delivered = match outermost && g.logged.load(Ordering::SeqCst) > before {
        true => world::deliver(ctx, &g),
        false => Ok(()),
    };
    release(&g);
    let r = delivered.and(r);
    g.stats.lock().unwrap_or_else(|e| e.into_inner()).exclusive.push(started.elapsed());
    r
}

/// Takes the log's lock; waiting for it, the thread serves designs (b) and (c) (the owner may be
/// waiting for this very thread).
fn acquire<E: Engine>(ctx: &mut dyn Ctx<E>, g: &Group<E>, tid: u32) -> Result<(), Trap> {
    world::blocking(ctx, |serve| acquire_serving(g, tid, serve))
}

fn acquire_serving<E: Engine>(g: &Group<E>, tid: u32, serve: &mut dyn world::Serve) -> Result<(), Trap> {
    let mut owner = g.owner.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        match &mut *owner {
            None => {
                *owner = Some((tid, 1));
                return Ok(());
            }
            Some((t, depth)) if *t == tid => {
                *depth += 1;
                return Ok(());
            }
            Some(_) if serve.pending() => {
                drop(owner);
                serve.serve()?;
                owner = g.owner.lock().unwrap_or_else(|e| e.into_inner());
            }
            Some(_) => {
                let left = g.deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    return Err(g.timed_out());
                }
                owner = g.owner_free.wait_timeout(owner, left).unwrap_or_else(|e| e.into_inner()).0;
            }
        }
    }
}

fn release<E: Engine>(g: &Group<E>) {
    let mut owner = g.owner.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, depth)) = &mut *owner {
        *depth -= 1;
        if *depth == 0 {
            *owner = None;
            g.owner_free.notify_all();
        }
    }
}

/// A synchronisation point: applies the events this thread has not seen yet, in log order, and
/// flushes its output. Without threads, nothing.
pub fn sync<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<(), Trap> {
    let Some(g) = group(ctx) else { return Ok(()) };
    let started = Instant::now();
    super::flush_output(ctx);
    let mut idle = true;
    loop {
        let applied = ctx.host_ref().thread.as_ref().map_or(0, |m| m.applied);
        let next = g.log.lock().unwrap_or_else(|e| e.into_inner()).get(applied).cloned();
        let Some((event, logged)) = next else { break };
        let t = Instant::now();
        replay::apply(ctx, &event)?;
        let applied = ctx.host_ref().thread.as_ref().map_or(0, |m| m.applied) + 1;
        if let Some(m) = ctx.host().thread.as_mut() {
            m.applied = applied;
        }
        world::note_applied(&g, super::tid(ctx), applied);
        // A dlopen's copy (the program's own load, repeated at each thread's start, is not one).
        if matches!(&*event, Event::Load(r) if !r.program) {
            let repeat = Repeat { tid: super::tid(ctx), took: t.elapsed(), lag: logged.elapsed() };
            g.stats.lock().unwrap_or_else(|e| e.into_inner()).repeats.push(repeat);
        }
        idle = false;
    }
    if idle {
        let mut s = g.stats.lock().unwrap_or_else(|e| e.into_inner());
        s.idle_syncs += 1;
        s.idle_sync_time += started.elapsed();
    }
    Ok(())
}

/// A synchronisation point (a pthread call): under design (a) it applies what this thread has not
/// seen ([`sync`]); under (b) and (c) there is nothing to apply (every load reached every thread
/// before it returned) and it only flushes the thread's output.
pub fn sync_point<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<(), Trap> {
    let Some(g) = group(ctx) else { return Ok(()) };
    let started = Instant::now();
    let r = match g.design {
        crate::strategy::ThreadSync::SyncPoints => sync(ctx),
        _ => {
            super::flush_output(ctx);
            Ok(())
        }
    };
    let mut s = g.stats.lock().unwrap_or_else(|e| e.into_inner());
    s.points += 1;
    s.point_time += started.elapsed();
    r
}

/// Appends an event this thread has already applied (it made it).
fn push<E: Engine>(ctx: &mut dyn Ctx<E>, event: Event) {
    let Some(g) = group(ctx) else { return };
    if ctx.host_ref().thread.as_ref().is_some_and(|m| m.replaying.is_some()) {
        return;
    }
    let applied = {
        let mut log = g.log.lock().unwrap_or_else(|e| e.into_inner());
        log.push((Arc::new(event), Instant::now()));
        g.logged.store(log.len(), Ordering::SeqCst);
        log.len()
    };
    if let Some(m) = ctx.host().thread.as_mut() {
        m.applied = applied;
    }
    world::note_applied(&g, super::tid(ctx), applied);
}

/// Logs a load this thread just made: the modules from id `first` on.
pub fn record_load<E: Engine>(ctx: &mut dyn Ctx<E>, root: &str, mode: Mode, program: bool, first: ModId, ok: bool) {
    if group(ctx).is_none() {
        return;
    }
    let p = &ctx.host_ref().process;
    let modules = p
        .objects()
        .since(first)
        .iter()
        .enumerate()
        .map(|(i, m)| ModRecord {
            id: first + i,
            name: m.name.clone(),
            memory_base: m.memory_base,
            table_base: m.table_base,
            got: m.got.clone(),
        })
        .collect::<Vec<_>>();
    if modules.is_empty() {
        return; // a load of an object already loaded changes no table
    }
    let record = LoadRecord { root: root.to_string(), mode, program, modules, ok };
    push(ctx, Event::Load(Arc::new(record)));
}

/// Logs the modules a `dlclose` unloaded.
pub fn record_close<E: Engine>(ctx: &mut dyn Ctx<E>, gone: &[ModId]) {
    if !gone.is_empty() {
        push(ctx, Event::Close(gone.to_vec()));
    }
}

/// Logs a pointer slot handed out outside a load.
pub fn record_slot<E: Engine>(ctx: &mut dyn Ctx<E>, definer: ModId, name: &str, slot: u32) {
    push(ctx, Event::Slot { definer, name: name.to_string(), slot });
}
