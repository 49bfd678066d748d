//! Exit handlers and destructors, owned by the loader so that `dlclose` can run a library's own.
//!
//! clang lowers a module's destructors to a `__cxa_atexit` registration made by its constructors,
//! and a C `atexit` call is an import of libc's `atexit`: both are bound here, per importing module,
//! instead of to libc (whose single list cannot run one library's handlers at `dlclose`). As glibc
//! does, `exit` then runs every `atexit` handler, last registered first, then the destructors of
//! each open object in `_dl_fini`'s order; unloading an object runs its destructors, then the
//! `atexit` handlers it registered. A handler is called through the table libc would index with
//! the pointer ([`crate::LibcPlacement::handler_table`]), so a strategy whose pointers libc cannot
//! call fails here as it would in libc. Only under one shared memory: with a memory per module,
//! every module's own libc keeps its handlers.

use std::sync::Arc;

use crate::engine::{Ctx, Engine, FuncType, HostFn, Trap, Val, ValType};
use crate::process::ModId;
use crate::strategy::Memories;

/// A function pointer handed over for later: the registering module, the table it is called
/// through, the pointer, and the argument of a `__cxa_atexit` handler.
#[derive(Clone, Copy)]
struct Handler<E: Engine> {
    module: ModId,
    table: E::Table,
    pointer: u32,
    arg: Option<u32>,
}

/// The process's registrations, in registration order.
pub struct Handlers<E: Engine> {
    atexit: Vec<Handler<E>>,
    destructors: Vec<Handler<E>>,
}

impl<E: Engine> Default for Handlers<E> {
    fn default() -> Self {
        Handlers { atexit: Vec::new(), destructors: Vec::new() }
    }
}

fn arg<E: Engine>(args: &[Val<E>], i: usize) -> u32 {
    args.get(i).and_then(|v| v.i32()).unwrap_or(0) as u32
}

/// Whether the loader keeps the handlers of this process (one shared memory).
fn owned<E: Engine>(ctx: &dyn Ctx<E>) -> bool {
    ctx.host_ref().process.policy().memories == Memories::Shared
}

/// Whether the loader itself provides `sym` to the modules of process `p`.
pub fn provides<E: Engine>(p: &crate::Process<E>, sym: &str) -> bool {
    p.policy().memories == Memories::Shared && matches!(sym, "atexit" | "__cxa_atexit")
}

/// The loader's own binding of `atexit` or `__cxa_atexit` for module `importer`, when it keeps them.
pub(crate) fn bind<E: Engine>(ctx: &mut dyn Ctx<E>, importer: ModId, sym: &str, ty: &FuncType) -> Option<E::Func> {
    use ValType::I32;
    if !owned(ctx) {
        return None;
    }
    let destructor = match sym {
        "atexit" if *ty == FuncType::new([I32], [I32]) => false,
        "__cxa_atexit" if *ty == FuncType::new([I32, I32, I32], [I32]) => true,
        _ => return None,
    };
    let f: HostFn<E> = Arc::new(move |ctx, args, results| {
        let placement = ctx.host_ref().process.placement()?;
        let table = placement.handler_table(ctx, importer);
        let h = Handler { module: importer, table, pointer: arg(args, 0), arg: destructor.then(|| arg(args, 1)) };
        let list = &mut ctx.host().process.exits_mut();
        if destructor {
            list.destructors.push(h)
        } else {
            list.atexit.push(h)
        }
        results[0] = Val::I32(0);
        Ok(())
    });
    Some(ctx.new_func(ty, f))
}

/// Wraps a module's binding of `exit` so that the loader's handlers run before libc's exit.
pub(crate) fn wrap_exit<E: Engine>(ctx: &mut dyn Ctx<E>, sym: &str, ty: &FuncType, bound: E::Func) -> E::Func {
    if sym != "exit" || !owned(ctx) {
        return bound;
    }
    ctx.new_func(
        ty,
        Arc::new(move |ctx, args, results| {
            run(ctx)?;
            ctx.call(bound, args, results)
        }),
    )
}

fn call<E: Engine>(ctx: &mut dyn Ctx<E>, h: Handler<E>) -> Result<(), Trap> {
    match h.arg {
        None => crate::tables::call_pointer(ctx, h.table, h.pointer, &FuncType::new([], []), &[], &mut []),
        Some(a) => crate::tables::call_pointer(
            ctx,
            h.table,
            h.pointer,
            &FuncType::new([ValType::I32], []),
            &[Val::I32(a as i32)],
            &mut [],
        ),
    }
}

/// What `exit` does before libc's own exit: every `atexit` handler, last registered first, then
/// each open object's destructors. Each handler is taken off its list before it runs, so an `exit`
/// from a handler goes on with the rest and runs none twice.
pub fn run<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<(), Trap> {
    while let Some(h) = ctx.host().process.exits_mut().atexit.pop() {
        call(ctx, h)?;
    }
    let order = crate::lifecycle::fini_order(&ctx.host_ref().process);
    for m in order {
        run_destructors(ctx, m)?;
    }
    Ok(())
}

fn run_destructors<E: Engine>(ctx: &mut dyn Ctx<E>, module: ModId) -> Result<(), Trap> {
    while let Some(h) = take_last(&mut ctx.host().process.exits_mut().destructors, module) {
        call(ctx, h)?;
    }
    Ok(())
}

fn take_last<E: Engine>(list: &mut Vec<Handler<E>>, module: ModId) -> Option<Handler<E>> {
    let i = list.iter().rposition(|h| h.module == module)?;
    Some(list.remove(i))
}

/// Finalises one object being unloaded: its destructors, then the `atexit` handlers it
/// registered (glibc's `__cxa_finalize` for the object runs after its `.fini_array`).
pub fn finalise<E: Engine>(ctx: &mut dyn Ctx<E>, module: ModId) -> Result<(), Trap> {
    run_destructors(ctx, module)?;
    while let Some(h) = take_last(&mut ctx.host().process.exits_mut().atexit, module) {
        call(ctx, h)?;
    }
    Ok(())
}
