//! Designs (b) stop the world and (c) one table (modelled): before a load (or a dlsym slot, or a
//! dlclose) returns, the loader reaches every other thread wherever it is, and waits. A thread
//! running wasm is interrupted by the engine ([`crate::Engine::interrupt_threads`]: wasmtime's
//! epoch) and applies the log in its epoch callback ([`interrupted`]); a thread blocked in a host
//! wait (mutex, condition variable, join, the log's own lock) is woken and applies it there
//! ([`Serve`]). Under (c) a blocked thread is not waited for: it applies the log before it runs wasm
//! again, which is as soon as it could call through a table.
//!
//! The roll ([`Roll`]) says, per live thread, how much of the log it has applied and whether it is
//! blocked in a host wait; the loader waits on it.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::{group, Group};
use crate::engine::{Ctx, Engine, Trap};
use crate::strategy::ThreadSync;

/// One live thread, as the loader sees it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Seen {
    /// Events of the log applied.
    applied: usize,
    /// Blocked in a host wait: it will apply the log before it runs wasm again.
    waiting: bool,
}

/// The live threads of a process (main included until its `main` returns).
pub(crate) type Roll = HashMap<u32, Seen>;

/// A new thread (or main at start) joins the roll, before it runs: a loader waits for it to start
/// (it applies the whole log then).
pub(crate) fn enrol<E: Engine>(g: &Group<E>, tid: u32) {
    g.roll.lock().unwrap_or_else(|e| e.into_inner()).insert(tid, Seen::default());
}

/// In the thread's own store: under (b) and (c), the engine interrupts it from now on.
pub(crate) fn arm<E: Engine>(ctx: &mut dyn Ctx<E>, g: &Group<E>) -> Result<(), Trap> {
    match g.design {
        ThreadSync::SyncPoints => Ok(()),
        _ => ctx.arm_interrupts(),
    }
}

/// A thread that ended (or main, once its program is over) leaves the roll: nobody waits for it.
pub(crate) fn leave<E: Engine>(g: &Group<E>, tid: u32) {
    g.roll.lock().unwrap_or_else(|e| e.into_inner()).remove(&tid);
    g.roll_changed.notify_all();
}

/// This thread has applied `applied` events.
pub(crate) fn note_applied<E: Engine>(g: &Group<E>, tid: u32, applied: usize) {
    if let Some(s) = g.roll.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&tid) {
        s.applied = applied;
    }
    g.roll_changed.notify_all();
}

fn set_waiting<E: Engine>(g: &Group<E>, tid: u32, waiting: bool) {
    if let Some(s) = g.roll.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&tid) {
        s.waiting = waiting;
    }
    g.roll_changed.notify_all();
}

/// The loader (owning the log) after logging: interrupts and wakes every thread, then waits until
/// each has applied the whole log, or under (c) is blocked in a host wait. Under (a), nothing.
pub(crate) fn deliver<E: Engine>(ctx: &mut dyn Ctx<E>, g: &Group<E>) -> Result<(), Trap> {
    if g.design == ThreadSync::SyncPoints {
        return Ok(());
    }
    let started = Instant::now();
    let me = super::tid(ctx);
    let upto = g.logged.load(Ordering::SeqCst);
    ctx.host_ref().engine.interrupt_threads();
    wake_waiters(g);
    let mut roll = g.roll.lock().unwrap_or_else(|e| e.into_inner());
    let mut reached = 0;
    loop {
        let behind = roll
            .iter()
            .filter(|(&t, s)| t != me && s.applied < upto && !(s.waiting && g.design == ThreadSync::OneTable));
        let behind = behind.count();
        reached = reached.max(roll.len().saturating_sub(1));
        if behind == 0 {
            break;
        }
        let left = g.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(g.timed_out());
        }
        roll = g.roll_changed.wait_timeout(roll, left).unwrap_or_else(|e| e.into_inner()).0;
    }
    drop(roll);
    let mut s = g.stats.lock().unwrap_or_else(|e| e.into_inner());
    s.delivered.push((reached as u32, started.elapsed()));
    Ok(())
}

/// Wakes every thread blocked in a host wait, each under the lock its wait holds, so that none
/// misses the wake-up between its check of the log and its wait.
fn wake_waiters<E: Engine>(g: &Group<E>) {
    g.locks.wake();
    let _owner = g.owner.lock().unwrap_or_else(|e| e.into_inner());
    g.owner_free.notify_all();
    drop(_owner);
    let _roll = g.roll.lock().unwrap_or_else(|e| e.into_inner());
    g.roll_changed.notify_all();
}

/// The engine interrupted this thread (wasmtime: its epoch deadline passed, armed by [`enrol`]):
/// past the cell's wall clock it traps; under (b) and (c) it applies what it has not seen.
pub fn interrupted<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<(), Trap> {
    let Some(g) = group(ctx) else { return Ok(()) };
    if Instant::now() >= g.deadline {
        return Err(g.timed_out());
    }
    if ctx.host_ref().thread.as_ref().is_some_and(|m| m.replaying.is_some()) || !pending(ctx, &g) {
        return Ok(());
    }
    let started = Instant::now();
    super::sync(ctx)?;
    let mut s = g.stats.lock().unwrap_or_else(|e| e.into_inner());
    s.interrupts += 1;
    s.interrupt_time += started.elapsed();
    Ok(())
}

/// Whether the log holds events this thread has not applied (under (b) and (c) only).
fn pending<E: Engine>(ctx: &dyn Ctx<E>, g: &Group<E>) -> bool {
    let applied = ctx.host_ref().thread.as_ref().map_or(usize::MAX, |m| m.applied);
    g.design != ThreadSync::SyncPoints && g.logged.load(Ordering::SeqCst) > applied
}

/// What a host wait does while it waits: under (b) and (c) it applies the log whenever the loader
/// wakes it. Made by [`blocking`].
pub trait Serve {
    /// Whether there is something to apply (checked under the wait's own lock).
    fn pending(&self) -> bool;
    /// Applies it (called with the wait's lock released).
    fn serve(&mut self) -> Result<(), Trap>;
}

struct Server<'a, E: Engine> {
    ctx: &'a mut dyn Ctx<E>,
    group: Option<Arc<Group<E>>>,
}

impl<E: Engine> Serve for Server<'_, E> {
    fn pending(&self) -> bool {
        self.group.as_ref().is_some_and(|g| pending(self.ctx, g))
    }
    fn serve(&mut self) -> Result<(), Trap> {
        super::sync(self.ctx)
    }
}

/// Runs a host wait `wait`, which calls the [`Serve`] it is given while it waits. The thread is
/// marked blocked meanwhile (design c does not wait for it) and applies the log before it returns
/// to wasm.
pub fn blocking<E: Engine, R>(
    ctx: &mut dyn Ctx<E>,
    wait: impl FnOnce(&mut dyn Serve) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let g = group(ctx);
    let tid = super::tid(ctx);
    if let Some(g) = &g {
        set_waiting(g, tid, true);
    }
    let r = wait(&mut Server { ctx: &mut *ctx, group: g.clone() });
    if let Some(g) = &g {
        set_waiting(g, tid, false);
        if g.design != ThreadSync::SyncPoints {
            super::sync(ctx)?;
        }
    }
    r
}
