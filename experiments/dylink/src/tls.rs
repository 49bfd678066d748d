//! Thread-local storage of a module built for threads: each thread gives each module a block of its
//! own (`__tls_size` bytes aligned to `__tls_align`, from the placement's allocator) and runs the
//! module's `__wasm_init_tls` on it, which copies the TLS template and sets the module's `__tls_base`.
//! Modules built without atomics have no TLS (clang lowers `thread_local` to plain globals).

use crate::engine::{Ctx, Engine, Extern, Val};
use crate::process::{LoadError, ModId};

fn global_u32<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId, name: &str) -> Option<u32> {
    match ctx.host_ref().process.module(id).exports.get(name) {
        Some(Extern::Global(g)) => {
            let g = *g;
            ctx.global_get(g).i32().map(|v| v as u32)
        }
        _ => None,
    }
}

/// Gives module `id` this thread's TLS block, if it has thread-local storage.
pub(crate) fn init<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) -> Result<(), LoadError> {
    let name = ctx.host_ref().process.module(id).name.clone();
    let Some(Extern::Func(init)) = ctx.host_ref().process.module(id).exports.get("__wasm_init_tls").copied() else {
        return Ok(());
    };
    let size = global_u32(ctx, id, "__tls_size").unwrap_or(0);
    let align = global_u32(ctx, id, "__tls_align").unwrap_or(1).clamp(1, 1 << 16);
    let trap = |t| LoadError::Trap(format!("{name}: its thread-local storage"), t);
    let block = if size == 0 { 0 } else { alloc(ctx, size, align).map_err(trap)? };
    ctx.call(init, &[Val::I32(block as i32)], &mut []).map_err(trap)
}

/// Allocates with the placement's allocator (which serialises threads itself).
pub(crate) fn alloc<E: Engine>(ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, crate::Trap> {
    let placement = ctx.host_ref().process.placement()?;
    placement.alloc(ctx, size, align)
}
