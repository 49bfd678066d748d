//! Mutexes and condition variables of the host's pthreads, keyed by the guest address of the
//! `pthread_mutex_t` / `pthread_cond_t`: one registry per process, shared by its threads. Every wait
//! gives up at the cell's wall clock, so a deadlocked guest ends as a `limit`, never a hang.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Instant;

use super::Serve;
use crate::engine::{LimitKind, Trap};

#[derive(Default)]
struct State {
    /// Held mutexes: address -> owning thread.
    held: HashMap<u32, u32>,
    /// Signals sent to each condition variable so far.
    signals: HashMap<u32, u64>,
}

/// What a lock call reports to C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockResult {
    Done,
    /// The mutex is held (trylock), or not held by the caller (unlock), or held by the caller (lock).
    Busy,
    NotOwner,
    Deadlock,
}

pub struct Locks {
    state: Mutex<State>,
    changed: Condvar,
    deadline: Instant,
}

impl Locks {
    pub fn new(deadline: Instant) -> Self {
        Locks { state: Mutex::default(), changed: Condvar::new(), deadline }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for a change; first serves the threads' designs (b) and (c) while anything is pending,
    /// with the lock released (checked under it, so that [`Locks::wake`] is never missed).
    fn wait<'a>(&'a self, g: MutexGuard<'a, State>, serve: &mut dyn Serve) -> Result<MutexGuard<'a, State>, Trap> {
        if serve.pending() {
            drop(g);
            serve.serve()?;
            return Ok(self.state());
        }
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Trap::Limit(
                LimitKind::WallClock,
                "a thread waited on a mutex or condition past the cell's wall clock".into(),
            ));
        }
        Ok(self.changed.wait_timeout(g, left).unwrap_or_else(|e| e.into_inner()).0)
    }

    /// Wakes every waiter (a loader reaching blocked threads).
    pub fn wake(&self) {
        let _s = self.state();
        self.changed.notify_all();
    }

    pub fn lock(&self, mutex: u32, tid: u32, serve: &mut dyn Serve) -> Result<LockResult, Trap> {
        let mut s = self.state();
        loop {
            match s.held.get(&mutex) {
                None => {
                    s.held.insert(mutex, tid);
                    return Ok(LockResult::Done);
                }
                Some(&owner) if owner == tid => return Ok(LockResult::Deadlock),
                Some(_) => s = self.wait(s, serve)?,
            }
        }
    }

    pub fn try_lock(&self, mutex: u32, tid: u32) -> LockResult {
        let mut s = self.state();
        if s.held.contains_key(&mutex) {
            return LockResult::Busy;
        }
        s.held.insert(mutex, tid);
        LockResult::Done
    }

    pub fn unlock(&self, mutex: u32, tid: u32) -> LockResult {
        let mut s = self.state();
        if s.held.get(&mutex) != Some(&tid) {
            return LockResult::NotOwner;
        }
        s.held.remove(&mutex);
        self.changed.notify_all();
        LockResult::Done
    }

    /// `pthread_cond_wait`: releases `mutex`, waits for a signal to `cond` (or a spurious wake-up,
    /// which C allows), takes `mutex` again.
    pub fn cond_wait(&self, cond: u32, mutex: u32, tid: u32, serve: &mut dyn Serve) -> Result<LockResult, Trap> {
        let mut s = self.state();
        if s.held.get(&mutex) != Some(&tid) {
            return Ok(LockResult::NotOwner);
        }
        let seen = s.signals.get(&cond).copied().unwrap_or(0);
        s.held.remove(&mutex);
        self.changed.notify_all();
        while s.signals.get(&cond).copied().unwrap_or(0) == seen {
            s = self.wait(s, serve)?;
        }
        while s.held.contains_key(&mutex) {
            s = self.wait(s, serve)?;
        }
        s.held.insert(mutex, tid);
        Ok(LockResult::Done)
    }

    /// `pthread_cond_signal` and `_broadcast` alike: every waiter wakes (a signal may wake more
    /// than one thread) and rechecks its condition.
    pub fn cond_signal(&self, cond: u32) {
        let mut s = self.state();
        *s.signals.entry(cond).or_default() += 1;
        self.changed.notify_all();
    }
}
