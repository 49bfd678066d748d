//! Threads over one shared memory (issue 22). Each thread is an OS thread with a store of its own:
//! its own instance of every module, its own table, stack and TLS blocks, over the process's one
//! shared memory. What changes tables (a load, a pointer slot `dlsym` hands out) is an [`Event`] in
//! the process's log, applied by every other thread in log order. When a thread applies what it has
//! not seen is the table-synchronisation design, the policy's [`ThreadSync`]: (a) *sync points*
//! (Emscripten's): at its next dlopen, dlsym, mutex, condition-variable or join call ([`sync`]), and
//! at its start; (b) *stop the world* (Lind-wasm's) and (c) *one table* (a model): before the
//! loader returns, every thread is reached wherever it is ([`world`]).
//!
//! Threads need the shared-table policy (one index space, so that a pointer means one function in
//! every thread's table); the other strategies are declared unsupported.

mod locks;
mod log;
pub(crate) mod replay;
mod spawn;
mod stats;
mod world;

pub use locks::{LockResult, Locks};
pub use log::{exclusive, record_close, record_load, record_slot, sync, sync_point, Event, LoadRecord, ModRecord};
pub use spawn::{finish, join, spawn, Joined};
pub use stats::{Repeat, Stats};
pub use world::{blocking, interrupted, Serve};

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use crate::engine::{Ctx, Engine, LimitKind, SharedMemory, Trap};
use crate::program::Program;
use crate::strategy::ThreadSync;
use crate::LibcPlacement;

/// Threads a process may have at once besides the main one: a guest creating threads without
/// bound gets `EAGAIN` from `pthread_create`, as from a real libc at its limit.
pub const MAX_THREADS: u32 = 16;
/// Each thread's stack, allocated on the heap.
pub const THREAD_STACK: u32 = 64 << 10;

/// What every thread of one process shares.
pub struct Group<E: Engine> {
    pub memory: SharedMemory,
    /// The program and placement, to build a new thread's process.
    pub program: Program,
    pub placement: Arc<dyn LibcPlacement<E>>,
    /// How threads keep their tables in step (the strategy's policy row).
    pub design: ThreadSync,
    /// The table-changing events, in the order every thread applies them.
    pub(crate) log: Mutex<Vec<(Arc<Event>, Instant)>>,
    /// The log's length, read without its lock (an interrupted thread's first check).
    pub(crate) logged: AtomicUsize,
    /// The live threads and how far each has applied the log (designs b and c wait on it).
    pub(crate) roll: Mutex<world::Roll>,
    pub(crate) roll_changed: Condvar,
    /// What synchronisation cost in this process.
    pub stats: Mutex<Stats>,
    /// The thread (id) that is loading or handing out pointer slots, with its nesting depth.
    pub(crate) owner: Mutex<Option<(u32, u32)>>,
    pub(crate) owner_free: Condvar,
    /// The host allocator's lock: its state is in the shared memory.
    pub heap: Mutex<()>,
    /// Output flushed by the threads, in the order they flushed it (stdout, stderr).
    pub(crate) output: Mutex<(Vec<u8>, Vec<u8>)>,
    pub(crate) threads: Mutex<HashMap<u32, std::thread::JoinHandle<spawn::ThreadEnd>>>,
    pub(crate) next_tid: AtomicU32,
    /// When the cell's wall clock ends: every wait in the host gives up then.
    pub deadline: Instant,
    /// The host pthreads' mutexes and condition variables.
    pub locks: Arc<Locks>,
}

/// This store's thread in its group.
pub struct Member<E: Engine> {
    pub group: Arc<Group<E>>,
    pub tid: u32,
    /// How many events of the log this thread has applied.
    pub(crate) applied: usize,
    /// Replaying an event: the loader places modules where the record says, and runs no
    /// relocations or constructors (the memory is shared: they ran once).
    pub(crate) replaying: Option<Arc<LoadRecord>>,
}

impl<E: Engine> Group<E> {
    /// The group of a new process whose memory is `memory`; the calling store becomes thread 1.
    pub fn start(ctx: &mut dyn Ctx<E>, memory: SharedMemory, program: &Program) -> Result<(), Trap> {
        let placement = ctx.host_ref().process.placement()?;
        let group = Group {
            design: ctx.host_ref().process.policy().threads,
            logged: AtomicUsize::new(0),
            roll: Mutex::default(),
            roll_changed: Condvar::new(),
            memory,
            program: program.clone(),
            placement,
            log: Mutex::default(),
            stats: Mutex::default(),
            owner: Mutex::default(),
            owner_free: Condvar::new(),
            heap: Mutex::default(),
            output: Mutex::default(),
            threads: Mutex::default(),
            next_tid: AtomicU32::new(2),
            deadline: Instant::now() + program.limits.wall_clock,
            locks: Arc::new(Locks::new(Instant::now() + program.limits.wall_clock)),
        };
        let group = Arc::new(group);
        world::enrol(&group, 1);
        world::arm(ctx, &group)?;
        ctx.host().thread = Some(Member { group, tid: 1, applied: 0, replaying: None });
        Ok(())
    }

    /// The wall-clock trap a host wait ends with.
    pub fn timed_out(&self) -> Trap {
        Trap::Limit(
            LimitKind::WallClock,
            format!("a thread waited past the cell's wall clock ({:?})", self.program.limits.wall_clock),
        )
    }
}

/// The group of the running store, if the process has threads.
pub fn group<E: Engine>(ctx: &dyn Ctx<E>) -> Option<Arc<Group<E>>> {
    ctx.host_ref().thread.as_ref().map(|m| m.group.clone())
}

/// The running thread's id (1 for the main thread, and in a process without threads).
pub fn tid<E: Engine>(ctx: &dyn Ctx<E>) -> u32 {
    ctx.host_ref().thread.as_ref().map_or(1, |m| m.tid)
}

/// Moves the store's output to the group's, so that threads' lines keep the order they were written in.
pub fn flush_output<E: Engine>(ctx: &mut dyn Ctx<E>) {
    let Some(g) = group(ctx) else { return };
    let (out, err) = (std::mem::take(&mut ctx.host().wasi.stdout), std::mem::take(&mut ctx.host().wasi.stderr));
    let mut o = g.output.lock().unwrap_or_else(|e| e.into_inner());
    o.0.extend(out);
    o.1.extend(err);
}

/// At the end of the run (main thread): every thread's output, in order, becomes the run's.
pub fn collect_output<E: Engine>(host: &mut crate::Host<E>) {
    let Some(m) = &host.thread else { return };
    let mut o = m.group.output.lock().unwrap_or_else(|e| e.into_inner());
    let (mut out, mut err) = std::mem::take(&mut *o);
    out.extend(std::mem::take(&mut host.wasi.stdout));
    err.extend(std::mem::take(&mut host.wasi.stderr));
    host.wasi.stdout = out;
    host.wasi.stderr = err;
}
