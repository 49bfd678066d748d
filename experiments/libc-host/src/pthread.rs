//! The host's pthreads subset (issue 22): threads (each an OS thread with its own store over the
//! shared memory, see [`dylink::threads`]), mutexes, condition variables, `pthread_once` and keys.
//! Every call that waits or hands over data is a synchronisation point: the thread first applies
//! the loads other threads made ([`dylink::threads::sync`]).

use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use dylink::threads::{self, Joined, LockResult, Locks};

const EAGAIN: i32 = 6;
const EBUSY: i32 = 10;
const EDEADLK: i32 = 16;
const EPERM: i32 = 63;
const ESRCH: i32 = 71;

pub const FUNCTIONS: &[&str] = &[
    "pthread_create",
    "pthread_join",
    "pthread_self",
    "pthread_equal",
    "pthread_mutex_init",
    "pthread_mutex_destroy",
    "pthread_mutex_lock",
    "pthread_mutex_trylock",
    "pthread_mutex_unlock",
    "pthread_cond_init",
    "pthread_cond_destroy",
    "pthread_cond_wait",
    "pthread_cond_signal",
    "pthread_cond_broadcast",
    "pthread_once",
    "pthread_key_create",
    "pthread_key_delete",
    "pthread_getspecific",
    "pthread_setspecific",
];

pub fn function_type(name: &str) -> Option<FuncType> {
    use ValType::I32;
    let t = |p: &[ValType], r: &[ValType]| FuncType::new(p, r);
    Some(match name {
        "pthread_create" => t(&[I32, I32, I32, I32], &[I32]),
        "pthread_self" => t(&[], &[I32]),
        "pthread_join"
        | "pthread_equal"
        | "pthread_mutex_init"
        | "pthread_cond_init"
        | "pthread_cond_wait"
        | "pthread_once"
        | "pthread_key_create"
        | "pthread_setspecific" => t(&[I32, I32], &[I32]),
        "pthread_mutex_destroy"
        | "pthread_mutex_lock"
        | "pthread_mutex_trylock"
        | "pthread_mutex_unlock"
        | "pthread_cond_destroy"
        | "pthread_cond_signal"
        | "pthread_cond_broadcast"
        | "pthread_key_delete"
        | "pthread_getspecific" => t(&[I32], &[I32]),
        _ => return None,
    })
}

/// The process's lock registry: the threads' group's, or this single-threaded process's own.
fn locks<E: Engine>(ctx: &mut dyn Ctx<E>) -> Arc<Locks> {
    match threads::group(ctx) {
        Some(g) => g.locks.clone(),
        None => state(ctx).locks.clone(),
    }
}

fn code(r: LockResult) -> i32 {
    match r {
        LockResult::Done => 0,
        LockResult::Busy => EBUSY,
        LockResult::NotOwner => EPERM,
        LockResult::Deadlock => EDEADLK,
    }
}

/// Key ids, unique in the host process (values are per thread, in each thread's [`State`]).
static NEXT_KEY: AtomicU32 = AtomicU32::new(1);

/// The host function of the pthread call `name`; `caller` is the module that imports it.
pub fn func<E: Engine>(name: &str, caller: Option<ModId>) -> Option<HostFn<E>> {
    thread_fn(name).or_else(|| mutex_fn(name)).or_else(|| cond_fn(name, caller)).or_else(|| key_fn(name))
}

/// Threads: create, join, self, equal.
fn thread_fn<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "pthread_create" => Arc::new(|ctx, a, r| {
            let (out, start, data) = (arg(a, 0), arg(a, 2), arg(a, 3));
            match threads::spawn(ctx, start, data)? {
                Some(tid) => {
                    write(ctx, out, &tid.to_le_bytes())?;
                    ret(r, 0)
                }
                None => ret(r, EAGAIN),
            }
        }),
        "pthread_join" => Arc::new(|ctx, a, r| match threads::join(ctx, arg(a, 0))? {
            Joined::Returned(v) => {
                if arg(a, 1) != 0 {
                    write(ctx, arg(a, 1), &v.to_le_bytes())?;
                }
                ret(r, 0)
            }
            Joined::NoSuchThread => ret(r, ESRCH),
        }),
        "pthread_self" => Arc::new(|ctx, _a, r| ret(r, threads::tid(ctx) as i32)),
        "pthread_equal" => Arc::new(|_ctx, a, r| ret(r, i32::from(arg(a, 0) == arg(a, 1)))),
        _ => return None,
    })
}

/// Mutexes, and the calls that need do nothing.
fn mutex_fn<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "pthread_mutex_init"
        | "pthread_mutex_destroy"
        | "pthread_cond_init"
        | "pthread_cond_destroy"
        | "pthread_key_delete" => Arc::new(|_ctx, _a, r| ret(r, 0)),
        "pthread_mutex_lock" => Arc::new(|ctx, a, r| {
            threads::sync_point(ctx)?;
            let tid = threads::tid(ctx);
            let registry = locks(ctx);
            let res = threads::blocking(ctx, |serve| registry.lock(arg(a, 0), tid, serve))?;
            // Again once it holds the mutex: what the previous holder loaded is then in order.
            threads::sync_point(ctx)?;
            ret(r, code(res))
        }),
        "pthread_mutex_trylock" => Arc::new(|ctx, a, r| {
            threads::sync_point(ctx)?;
            let tid = threads::tid(ctx);
            ret(r, code(locks(ctx).try_lock(arg(a, 0), tid)))
        }),
        "pthread_mutex_unlock" => Arc::new(|ctx, a, r| {
            threads::sync_point(ctx)?;
            let tid = threads::tid(ctx);
            ret(r, code(locks(ctx).unlock(arg(a, 0), tid)))
        }),
        _ => return None,
    })
}

/// Condition variables and `pthread_once`.
fn cond_fn<E: Engine>(name: &str, caller: Option<ModId>) -> Option<HostFn<E>> {
    Some(match name {
        "pthread_cond_wait" => Arc::new(|ctx, a, r| {
            threads::sync_point(ctx)?;
            let tid = threads::tid(ctx);
            let registry = locks(ctx);
            let res = threads::blocking(ctx, |serve| registry.cond_wait(arg(a, 0), arg(a, 1), tid, serve))?;
            threads::sync_point(ctx)?;
            ret(r, code(res))
        }),
        "pthread_cond_signal" | "pthread_cond_broadcast" => Arc::new(|ctx, a, r| {
            threads::sync_point(ctx)?;
            locks(ctx).cond_signal(arg(a, 0));
            ret(r, 0)
        }),
        "pthread_once" => Arc::new(move |ctx, a, r| once(ctx, caller, arg(a, 0), arg(a, 1)).and_then(|()| ret(r, 0))),
        _ => return None,
    })
}

/// Thread-specific keys.
fn key_fn<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match name {
        "pthread_key_create" => Arc::new(|ctx, a, r| {
            let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
            write(ctx, arg(a, 0), &key.to_le_bytes())?;
            ret(r, 0)
        }),
        "pthread_getspecific" => Arc::new(|ctx, a, r| {
            let v = state(ctx).keys.get(&arg(a, 0)).copied().unwrap_or(0);
            ret_ptr(r, v)
        }),
        "pthread_setspecific" => Arc::new(|ctx, a, r| {
            state(ctx).keys.insert(arg(a, 0), arg(a, 1));
            ret(r, 0)
        }),
        _ => return None,
    })
}

/// `pthread_once`: the routine runs once per process; callers meanwhile wait on the control word's
/// address as on a mutex (0 not run, 1 done).
fn once<E: Engine>(ctx: &mut dyn Ctx<E>, caller: Option<ModId>, control: u32, routine: u32) -> Result<(), Trap> {
    threads::sync_point(ctx)?;
    let tid = threads::tid(ctx);
    let registry = locks(ctx);
    if threads::blocking(ctx, |serve| registry.lock(control, tid, serve))? == LockResult::Deadlock {
        return Err(Trap::Host("pthread_once: the routine called pthread_once on its own control".into()));
    }
    let result = (|| {
        if read_u32(ctx, control)? == 0 {
            let table = table_of(ctx, caller);
            call_pointer(ctx, table, routine, &FuncType::new([], []), &[], &mut [])?;
            write(ctx, control, &1u32.to_le_bytes())?;
        }
        Ok(())
    })();
    registry.unlock(control, tid);
    result
}
