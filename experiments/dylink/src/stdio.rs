//! Output order across libc instances. Stdout is a pipe, as in a native run with captured output
//! ([`crate::wasi`]), so each libc.wasm instance buffers it fully; a process whose domains have libcs
//! of their own (the `isolated` strategy under libc-module) has one buffer per domain where a native
//! process has one. Flushing the leaving domain's buffer whenever control changes domain keeps the
//! output in program order, as one buffer would.

use crate::engine::{Ctx, Engine, Extern, Val};
use crate::process::ModId;

/// musl's `FILE`: `wpos` and `wbase` (wasm32 offsets); bytes between them wait in the buffer.
const WPOS: usize = 20;
const WBASE: usize = 28;

/// Writes out what libc instance `libc` holds in its stdout buffer, if anything (a look at two
/// pointers first, so a crossing with nothing to flush calls nothing). Runs in the domain whose
/// memory is the host's. A failing flush is left to that libc's own exit, which reports it.
pub fn flush_pending<E: Engine>(ctx: &mut dyn Ctx<E>, libc: ModId) {
    let Some(memory) = ctx.host_ref().memory else { return };
    let exports = &ctx.host_ref().process.module(libc).exports;
    let (Some(Extern::Global(stdout)), Some(Extern::Func(fflush))) = (exports.get("stdout"), exports.get("fflush"))
    else {
        return;
    };
    let (stdout, fflush) = (*stdout, *fflush);
    let read_u32 = |ctx: &dyn Ctx<E>, at: u64| {
        let mut b = [0u8; 4];
        ctx.memory_read(memory, at, &mut b).ok().map(|()| u32::from_le_bytes(b))
    };
    let Some(file) = ctx.global_get(stdout).i32().and_then(|at| read_u32(ctx, at as u32 as u64)) else { return };
    let pending = match (read_u32(ctx, file as u64 + WPOS as u64), read_u32(ctx, file as u64 + WBASE as u64)) {
        (Some(wpos), Some(wbase)) => wpos != wbase,
        _ => false,
    };
    if pending {
        let _ = ctx.call(fflush, &[Val::I32(file as i32)], &mut [Val::I32(0)]);
    }
}
