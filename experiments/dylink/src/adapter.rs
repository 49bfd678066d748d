//! Host adapters between memory domains (the `isolated` strategy): a call from one domain to a
//! function of another copies what the declared parameters point to into the callee's memory (one
//! block from the callee's own allocator), calls in the callee's domain, copies output buffers and
//! structs back, and frees the block: `copy_from_user` / `copy_to_user` at every crossing.
//! Written once against [`Ctx`]: it works on every engine.

use std::sync::Arc;

use crate::domain;
use crate::engine::{Ctx, Engine, FuncType, LimitKind, Trap, Val, ValType};
use crate::interface::{FnInterface, Param};
use crate::outcome::TrapKind;
use crate::process::ModId;
use crate::strategy::{Adapters, Memories};

/// What code of domain `from` gets for function `f` of module `definer`: `f` itself within a domain
/// (or a libc that serves every domain), an adapter between domains; `Err` when the case declares no
/// interface for it.
pub fn crossing<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    from: usize,
    definer: ModId,
    sym: &str,
    f: E::Func,
) -> Result<E::Func, String> {
    let p = &ctx.host_ref().process;
    if p.policy().memories == Memories::Shared || p.domains().is_empty() {
        return Ok(f);
    }
    let to = p.module(definer).domain;
    if to == from || p.domains().get(from).is_some_and(|d| d.libc == definer) {
        return Ok(f);
    }
    let Some(iface) = p.config().interfaces.get(sym).cloned() else {
        return Err(format!("`{sym}` is in another module's memory and the case declares no [interface.{sym}]"));
    };
    adapter(ctx, sym, f, from, to, iface)
}

/// The adapter for code of domain `from` calling `target` (of domain `to`) as the interface
/// declares it; the declaration must have one entry per wasm parameter, and every pointer kind must
/// be an i32. The caller's domain is fixed when the adapter is bound (an import, a pointer in that
/// domain's table), not read from the running domain.
pub fn adapter<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    sym: &str,
    target: E::Func,
    from: usize,
    to: usize,
    iface: FnInterface,
) -> Result<E::Func, String> {
    let ty = ctx.func_type(target);
    if ty.params.len() != iface.params.len() {
        return Err(format!(
            "[interface.{sym}] declares {} parameters, the function has type {ty}",
            iface.params.len()
        ));
    }
    if let Some((i, p)) =
        iface.params.iter().enumerate().find(|(i, p)| **p != Param::Scalar && ty.params[*i] != ValType::I32)
    {
        return Err(format!("[interface.{sym}] parameter {i} is {p}, but the function takes a {}", ty.params[i]));
    }
    if ctx.host_ref().process.policy().adapters == Adapters::Fused {
        return crate::fused::adapter(ctx, target, from, to, &iface);
    }
    let sym = sym.to_string();
    let iface = Arc::new(iface);
    Ok(ctx.new_func(&ty, Arc::new(move |ctx, args, results| call(ctx, &sym, target, from, to, &iface, args, results))))
}

/// One copied parameter: where it is in the caller, how many bytes, which way it goes.
struct Copy {
    param: usize,
    at: u32,
    len: u32,
    copy_in: bool,
    copy_out: bool,
    /// Offset in the block allocated in the callee.
    offset: u32,
}

fn arg_u32<E: Engine>(args: &[Val<E>], i: usize) -> u32 {
    args.get(i).and_then(|v| v.i32()).unwrap_or(0) as u32
}

/// The bytes of a NUL-terminated string in memory `m` (the NUL included), at most `max`.
fn cstr_len<E: Engine>(ctx: &dyn Ctx<E>, m: E::Memory, addr: u32, max: u64) -> Result<u32, Trap> {
    let size = ctx.memory_size(m);
    let mut chunk = [0u8; 256];
    let mut at = addr as u64;
    loop {
        let n = chunk.len().min(size.saturating_sub(at) as usize);
        if n == 0 {
            return Err(Trap::Wasm(TrapKind::MemoryOutOfBounds));
        }
        ctx.memory_read(m, at, &mut chunk[..n])?;
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            return Ok((at + end as u64 + 1 - addr as u64) as u32);
        }
        at += n as u64;
        if at - addr as u64 > max {
            return Err(Trap::Limit(LimitKind::HostBuffer, format!("a string longer than {max} bytes crossing")));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn call<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    sym: &str,
    target: E::Func,
    from: usize,
    to: usize,
    iface: &FnInterface,
    args: &[Val<E>],
    results: &mut [Val<E>],
) -> Result<(), Trap> {
    let p = &ctx.host_ref().process;
    let (src, dst) = (p.domains()[from].memory, p.domains()[to].memory);
    let max = p.config().limits.host_buffer_bytes;
    let (copies, total) = plan_copies(ctx, sym, src, max, iface, args)?;
    let mut new_args = args.to_vec();
    for (i, param) in iface.params.iter().enumerate() {
        if *param == Param::Callback && arg_u32(args, i) != 0 {
            new_args[i] = Val::I32(proxy(ctx, from, to, arg_u32(args, i))? as i32);
        }
    }
    let placement = ctx.host_ref().process.placement()?;
    domain::within(ctx, to, |ctx| {
        let block = if copies.is_empty() { 0 } else { placement.alloc(ctx, total as u32, 16)? };
        for c in &copies {
            let mut buf = vec![0u8; c.len as usize];
            if c.copy_in {
                ctx.memory_read(src, c.at as u64, &mut buf)?;
            }
            ctx.memory_write(dst, (block + c.offset) as u64, &buf)?;
            new_args[c.param] = Val::I32((block + c.offset) as i32);
        }
        ctx.call(target, &new_args, results)?;
        for c in copies.iter().filter(|c| c.copy_out) {
            let mut buf = vec![0u8; c.len as usize];
            ctx.memory_read(dst, (block + c.offset) as u64, &mut buf)?;
            ctx.memory_write(src, c.at as u64, &buf)?;
        }
        if block != 0 {
            placement.free(ctx, block)?;
        }
        Ok(())
    })
}

/// What crosses, and the block size it needs: sizes are read in the caller's memory (`src`) before
/// anything is allocated, and the block is refused past the host-buffer limit `max`.
fn plan_copies<E: Engine>(
    ctx: &dyn Ctx<E>,
    sym: &str,
    src: E::Memory,
    max: u64,
    iface: &FnInterface,
    args: &[Val<E>],
) -> Result<(Vec<Copy>, u64), Trap> {
    let mut copies = Vec::new();
    let mut total = 0u64;
    for (i, param) in iface.params.iter().enumerate() {
        let at = arg_u32(args, i);
        let (len, copy_in, copy_out) = match *param {
            Param::Scalar | Param::Callback => continue,
            _ if at == 0 => continue, // NULL stays NULL
            Param::Str => (cstr_len(ctx, src, at, max)?, true, false),
            Param::In { len } => (arg_u32(args, len), true, false),
            Param::Out { len } => (arg_u32(args, len), false, true),
            Param::InOut { len } => (arg_u32(args, len), true, true),
            Param::Struct { size } => (size, true, true),
        };
        copies.push(Copy { param: i, at, len, copy_in, copy_out, offset: total as u32 });
        total += (len as u64).div_ceil(16) * 16;
    }
    if total > max {
        return Err(Trap::Limit(
            LimitKind::HostBuffer,
            format!("{total} bytes of arguments of `{sym}` to copy, limit {max}"),
        ));
    }
    Ok((copies, total))
}

/// The pointer, in domain `to`'s table, to a proxy that calls function pointer `index` of domain
/// `from` in its own domain (made once per pointer). Its arguments cross as scalars. The proxy reads
/// `from`'s table when it is called, as a `call_indirect` there would: a slot that `dlclose` released
/// and the loader gave to another function calls that function (or traps on a null slot or another
/// signature), never the one the slot held when the proxy was made.
fn proxy<E: Engine>(ctx: &mut dyn Ctx<E>, from: usize, to: usize, index: u32) -> Result<u32, Trap> {
    let p = &ctx.host_ref().process;
    let (from_rec, to_rec) = (p.domains()[from].table, p.domains()[to].table);
    // Slots are keyed by (module, symbol); a proxy by a key no module has: the caller's domain, the index.
    let key = (usize::MAX - from, format!("callback #{index}"));
    if let Some(slot) = p.tables().slot(to_rec, &key) {
        return Ok(slot);
    }
    let (from_table, to_table) = (p.tables().table(from_rec), p.tables().table(to_rec));
    let f = crate::tables::entry(ctx, from_table, index)?;
    let ty: FuncType = ctx.func_type(f);
    let want = ty.clone();
    let body = Arc::new(move |ctx: &mut dyn Ctx<E>, args: &[Val<E>], results: &mut [Val<E>]| {
        let f = crate::tables::entry(ctx, from_table, index)?;
        if ctx.func_type(f) != want {
            return Err(Trap::Wasm(TrapKind::BadSignature));
        }
        domain::within(ctx, from, |ctx| ctx.call(f, args, results))
    });
    let proxy = ctx.new_func(&ty, body);
    let slot = ctx.table_grow(to_table, 1)?;
    ctx.table_set(to_table, slot, Some(proxy))?;
    ctx.host().process.tables_mut().insert_slot(to_rec, key, slot);
    Ok(slot)
}
