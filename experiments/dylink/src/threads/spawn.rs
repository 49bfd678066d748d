//! Creating and joining threads: a new OS thread builds a process of its own for the same program
//! (a store, the placement's libc over the shared memory, a stack), repeats every logged load, then
//! calls the start routine through its table.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::{sync, world, Group, Member, MAX_THREADS, THREAD_STACK};
use crate::builder::ProcessBuilder;
use crate::engine::{Ctx, Engine, FuncType, Trap, Val, ValType};
use crate::program::RUN_STACK;
use crate::strategy::PointerTable;

/// How a thread ended: its start routine's result, or the trap (or exit) that ended it.
pub(crate) struct ThreadEnd {
    ret: u32,
    result: Result<(), Trap>,
}

/// What `pthread_join` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Joined {
    Returned(u32),
    NoSuchThread,
}

/// Starts a thread running `start(arg)` (`start` a pointer into the shared table); its id, or
/// `None` when the process has [`MAX_THREADS`] threads already.
pub fn spawn<E: Engine>(ctx: &mut dyn Ctx<E>, start: u32, arg: u32) -> Result<Option<u32>, Trap> {
    let Some(group) = super::group(ctx) else {
        return Err(Trap::Unsupported(
            "pthread_create: the program's memory is not shared (threads need modules built with -matomics)".into(),
        ));
    };
    if ctx.host_ref().process.policy().pointers != PointerTable::Shared {
        return Err(Trap::Unsupported(format!(
            "pthread_create: threads are built on one pointer index space (shared-table semantics); {} gives modules tables of their own",
            ctx.host_ref().process.config().linkage
        )));
    }
    if group.threads.lock().unwrap_or_else(|e| e.into_inner()).len() as u32 >= MAX_THREADS {
        return Ok(None);
    }
    sync(ctx)?;
    let stack = crate::tls::alloc(ctx, THREAD_STACK, 16)?;
    let tid = group.next_tid.fetch_add(1, Ordering::Relaxed);
    let engine = ctx.host_ref().engine.clone();
    let g = group.clone();
    world::enrol(&group, tid);
    let handle = std::thread::Builder::new()
        .name(format!("dylab-thread-{tid}"))
        .stack_size(RUN_STACK)
        .spawn(move || run_thread(engine, g, tid, stack + THREAD_STACK, start, arg))
        .map_err(|e| {
            world::leave(&group, tid);
            Trap::Host(format!("pthread_create: spawning an OS thread: {e}"))
        })?;
    group.threads.lock().unwrap_or_else(|e| e.into_inner()).insert(tid, handle);
    Ok(Some(tid))
}

fn run_thread<E: Engine>(engine: E, group: Arc<Group<E>>, tid: u32, stack_top: u32, start: u32, arg: u32) -> ThreadEnd {
    let mut session = match ProcessBuilder::for_program(&engine, &group.program, group.placement.clone()).build() {
        Ok(s) => s,
        Err(e) => return ThreadEnd { ret: 0, result: Err(Trap::Host(format!("thread {tid}: {e:?}"))) },
    };
    let mut ret = [Val::I32(0)];
    let result = session.enter(|ctx| {
        ctx.host().thread = Some(Member { group: group.clone(), tid, applied: 0, replaying: None });
        let r = world::arm(ctx, &group).and_then(|()| start_routine(ctx, &group, stack_top, start, arg, &mut ret));
        super::flush_output(ctx);
        r
    });
    world::leave(&group, tid);
    ThreadEnd { ret: ret[0].i32().unwrap_or(0) as u32, result }
}

fn start_routine<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    group: &Group<E>,
    stack_top: u32,
    start: u32,
    arg: u32,
    ret: &mut [Val<E>],
) -> Result<(), Trap> {
    let program = &group.program;
    ctx.host().process.add_lib(program.main_name.clone(), program.main.clone());
    group.placement.boot_thread(ctx, &group.memory, stack_top)?;
    sync(ctx)?;
    let p = &ctx.host_ref().process;
    let table =
        p.tables().table(p.tables().shared().ok_or_else(|| Trap::Host("threads need the shared table".into()))?);
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    crate::tables::call_pointer(ctx, table, start, &ty, &[Val::I32(arg as i32)], ret)
}

/// Waits for thread `tid` (a synchronisation point before and after); a thread that trapped or
/// exited ends the process the same way.
pub fn join<E: Engine>(ctx: &mut dyn Ctx<E>, tid: u32) -> Result<Joined, Trap> {
    let Some(group) = super::group(ctx) else { return Ok(Joined::NoSuchThread) };
    super::sync_point(ctx)?;
    let Some(handle) = group.threads.lock().unwrap_or_else(|e| e.into_inner()).remove(&tid) else {
        return Ok(Joined::NoSuchThread);
    };
    let ended = world::blocking(ctx, |serve| wait_end(&group, tid, serve));
    if let Err(t) = ended {
        // Past the wall clock: the thread stays behind, bounded by the same clock.
        group.threads.lock().unwrap_or_else(|e| e.into_inner()).insert(tid, handle);
        return Err(t);
    }
    let end = handle.join().map_err(|_| Trap::Host(format!("thread {tid}: the host panicked")))?;
    end.result?;
    super::sync_point(ctx)?;
    Ok(Joined::Returned(end.ret))
}

/// Waits until thread `tid` has left the roll (its start routine is over), serving designs (b)
/// and (c) meanwhile: a thread joining must not hold up a dlopen of the thread it waits for.
fn wait_end<E: Engine>(g: &Group<E>, tid: u32, serve: &mut dyn world::Serve) -> Result<(), Trap> {
    let mut roll = g.roll.lock().unwrap_or_else(|e| e.into_inner());
    while roll.contains_key(&tid) {
        if serve.pending() {
            drop(roll);
            serve.serve()?;
            roll = g.roll.lock().unwrap_or_else(|e| e.into_inner());
            continue;
        }
        let left = g.deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(g.timed_out());
        }
        roll = g.roll_changed.wait_timeout(roll, left).unwrap_or_else(|e| e.into_inner()).0;
    }
    Ok(())
}

/// At the end of the run: waits for the threads nobody joined (each is bounded by the cell's wall
/// clock), then gathers every thread's output into the run's.
pub fn finish<E: Engine>(host: &mut crate::Host<E>) {
    if let Some(m) = &host.thread {
        world::leave(&m.group, m.tid);
        let handles: Vec<_> = m.group.threads.lock().unwrap_or_else(|e| e.into_inner()).drain().collect();
        for (_, h) in handles {
            let _ = h.join();
        }
    }
    super::collect_output(host);
}
