//! `<dlfcn.h>` and `<dlcall.h>` as host functions: dlopen, dlsym, dlclose, dlerror and the seed's
//! first fix, a `dlcall` through the host.

use std::collections::HashMap;
use std::sync::Arc;

use crate::adapter;
use crate::engine::{Ctx, Engine, Extern, FuncType, HostFn, Trap, Val, ValType};
use crate::load::{self, coerce};
use crate::mem;
use crate::process::{LoadError, ModId, Mode, Process};
use crate::strategy::Memories;
use crate::tables;

/// `dlopen` mode bits, as in corpus/include/dlfcn.h.
pub const RTLD_LAZY: i32 = 0x1;
pub const RTLD_NOW: i32 = 0x2;
pub const RTLD_GLOBAL: i32 = 0x100;
pub const RTLD_NOLOAD: i32 = 0x4;
pub const RTLD_NODELETE: i32 = 0x1000;
/// `dlsym`'s special handles: the caller's scope, and the next definition after the caller.
pub const RTLD_DEFAULT: u32 = 0;
pub const RTLD_NEXT: u32 = u32::MAX;

/// Longest string the host reads from guest memory (names, paths).
const MAX_NAME: u32 = 4096;
/// Size of the guest buffer that holds the current `dlerror` message.
const DLERROR_BUF: u32 = 512;

/// The host functions `<dlfcn.h>` and `<dlcall.h>` import, with their C signatures in wasm32.
pub(crate) fn host_symbol_type(name: &str) -> Option<FuncType> {
    use ValType::I32;
    Some(match name {
        "dlopen" | "dlsym" => FuncType::new([I32, I32], [I32]),
        "dlclose" => FuncType::new([I32], [I32]),
        "dlerror" => FuncType::new([], [I32]),
        "dlcall_int" => FuncType::new([I32, I32, I32], [I32]),
        "dlcall_void" => FuncType::new([I32, I32, I32], []),
        _ => return None,
    })
}

/// Whether the host itself provides `name` (`<dlfcn.h>`, `<dlcall.h>`).
pub fn is_host_symbol(name: &str) -> bool {
    host_symbol_type(name).is_some()
}

/// `dlerror`'s state: the message not yet read, and the guest buffer it is returned in, one per
/// memory domain.
#[derive(Default)]
pub struct DlError {
    message: Option<String>,
    bufs: HashMap<usize, u32>,
}

fn set_dlerror<E: Engine>(ctx: &mut dyn Ctx<E>, msg: String) {
    ctx.host().process.dlerror_mut().message = Some(msg);
}

fn arg<E: Engine>(args: &[Val<E>], i: usize) -> u32 {
    args.get(i).and_then(|v| v.i32()).unwrap_or(0) as u32
}

/// A host-provided symbol, bound per importing module so that `dlsym` knows its caller.
pub(crate) fn host_symbol<E: Engine>(name: &str, caller: ModId) -> HostFn<E> {
    match name {
        "dlopen" => Arc::new(move |ctx, args, results| {
            let (path, flags) = (arg(args, 0), arg(args, 1) as i32);
            // Loads are ordered across threads (a synchronisation point, see crate::threads).
            results[0] = Val::I32(crate::threads::exclusive(ctx, |ctx| dlopen(ctx, path, flags))?? as i32);
            Ok(())
        }),
        "dlsym" => Arc::new(move |ctx, args, results| {
            let (handle, sym) = (arg(args, 0), arg(args, 1));
            results[0] = Val::I32(crate::threads::exclusive(ctx, |ctx| dlsym(ctx, caller, handle, sym))?? as i32);
            Ok(())
        }),
        "dlclose" => Arc::new(move |ctx, args, results| {
            results[0] = Val::I32(crate::threads::exclusive(ctx, |ctx| dlclose(ctx, arg(args, 0)))??);
            Ok(())
        }),
        "dlerror" => Arc::new(move |ctx, _args, results| {
            results[0] = Val::I32(dlerror(ctx)? as i32);
            Ok(())
        }),
        "dlcall_int" | "dlcall_void" => Arc::new(move |ctx, args, results| dlcall(ctx, args, results)),
        _ => unreachable!("not a host symbol: {name}"),
    }
}

fn dlopen<E: Engine>(ctx: &mut dyn Ctx<E>, path: u32, flags: i32) -> Result<u32, Trap> {
    if path == 0 {
        return Ok(ctx.host_ref().process.main().map(Process::<E>::handle_of).unwrap_or(0));
    }
    let name = match guest_name(ctx, path)? {
        Ok(name) => name,
        Err(e) => {
            set_dlerror(ctx, format!("dlopen: {e}"));
            return Ok(0);
        }
    };
    if flags & (RTLD_LAZY | RTLD_NOW) == 0 {
        set_dlerror(ctx, format!("dlopen {name}: invalid mode {flags:#x}: neither RTLD_LAZY nor RTLD_NOW"));
        return Ok(0);
    }
    let mode = Mode { now: flags & RTLD_NOW != 0, global: flags & RTLD_GLOBAL != 0 };
    // RTLD_NOLOAD: only an object already loaded (a NULL without an error otherwise, as glibc).
    if flags & RTLD_NOLOAD != 0 && ctx.host_ref().process.by_name(load::normalise(&name).as_str()).is_none() {
        return Ok(0);
    }
    match load::load(ctx, &name, mode) {
        Ok(id) => {
            if flags & RTLD_NODELETE != 0 {
                ctx.host().process.objects_mut().set_nodelete(id);
            }
            Ok(Process::<E>::handle_of(id))
        }
        // A library calling exit() in its constructor ends the program, as it would natively.
        Err(LoadError::Trap(_, Trap::Exit(c))) => Err(Trap::Exit(c)),
        // A library outside the placement's subset ends the run as unsupported; running out of
        // handles or instances ends it at the limit.
        Err(LoadError::Trap(_, t @ (Trap::Unsupported(_) | Trap::Limit(..)))) => Err(t),
        Err(e) => {
            set_dlerror(ctx, format!("dlopen {}", e.message()));
            Ok(0)
        }
    }
}

fn dlsym<E: Engine>(ctx: &mut dyn Ctx<E>, caller: ModId, handle: u32, sym_ptr: u32) -> Result<u32, Trap> {
    let sym = match guest_name(ctx, sym_ptr)? {
        Ok(sym) => sym,
        Err(e) => {
            set_dlerror(ctx, format!("dlsym: {e}"));
            return Ok(0);
        }
    };
    let Some((found, lib)) = search(ctx, caller, handle, &sym) else { return Ok(0) };
    // `main` found under clang's name is the same pointer as `&main` taken by the program.
    let sym = match found {
        Some((d, _)) if sym == "main" => {
            let exports = &ctx.host_ref().process.module(d).exports;
            ["main", "__main_argc_argv", "__main_void"]
                .into_iter()
                .find(|n| exports.contains_key(*n))
                .unwrap_or("main")
                .to_string()
        }
        _ => sym,
    };
    match found {
        Some((d, Extern::Func(f))) => func_address(ctx, caller, d, &sym, f),
        Some((d, Extern::Global(g))) => {
            let v = ctx.global_get(g).i32().unwrap_or(0) as u32;
            let m = ctx.host_ref().process.module(d);
            Ok(if m.pic { m.memory_base.wrapping_add(v) } else { v })
        }
        _ => {
            let why = match ctx.host_ref().process.policy().memories {
                Memories::Shared => "",
                // What isolation hides: data, and functions without a declared interface.
                Memories::PerModule => " (visible across memories: declared [interface] functions only)",
            };
            set_dlerror(ctx, format!("dlsym: symbol `{sym}` not found in {lib}{why}"));
            Ok(0)
        }
    }
}

/// A symbol's definer and definition, when found.
type Found<E> = Option<(ModId, Extern<E>)>;

/// What `dlsym(handle, sym)` finds (a function is tried before data), and where it looked, for
/// the message when nothing is found; `None` (dlerror set) for an invalid handle.
fn search<E: Engine>(ctx: &mut dyn Ctx<E>, caller: ModId, handle: u32, sym: &str) -> Option<(Found<E>, String)> {
    let p = &ctx.host_ref().process;
    let main_handle = p.main().map(Process::<E>::handle_of);
    let either = |f: &dyn Fn(bool) -> Found<E>| f(true).or_else(|| f(false));
    // RTLD_DEFAULT searches the caller's scope (and the binding counts as its dependency);
    // RTLD_NEXT the definitions after the caller; the program's own handle the global scope.
    Some(if handle == RTLD_DEFAULT {
        let found = either(&|func| p.resolve(Some(caller), sym, func));
        if let Some((d, _)) = found {
            crate::lifecycle::add_dependency(&mut ctx.host().process, caller, d);
        }
        (found, "the global scope".to_string())
    } else if handle == RTLD_NEXT {
        (either(&|func| p.next_after(caller, sym, func)), format!("the objects after {}", p.module(caller).name))
    } else if main_handle == Some(handle) {
        (either(&|func| p.resolve(None, sym, func)), "the main program".to_string())
    } else {
        match p.module_by_handle(handle) {
            Some(id) => (either(&|func| p.lookup_in_tree(id, sym, func)), p.module(id).name.clone()),
            None => {
                set_dlerror(ctx, format!("dlsym {sym}: invalid handle {handle:#x}"));
                return None;
            }
        }
    })
}

/// The pointer `caller` gets for function `f` of `d` (through an adapter across memories); 0 with
/// dlerror set when no interface is declared for it.
fn func_address<E: Engine>(ctx: &mut dyn Ctx<E>, caller: ModId, d: ModId, sym: &str, f: E::Func) -> Result<u32, Trap> {
    let from = ctx.host_ref().process.module(caller).domain;
    match adapter::crossing(ctx, from, d, sym, f) {
        Ok(f) => {
            let before = shared_slots(ctx);
            let slot = tables::address_of(ctx, caller, d, sym, f)?;
            let after = shared_slots(ctx);
            if before != after {
                crate::threads::record_slot(ctx, d, sym, slot);
            }
            Ok(slot)
        }
        Err(m) => {
            set_dlerror(ctx, format!("dlsym: {m}"));
            Ok(0)
        }
    }
}

/// How many pointer slots the shared table holds (a new one is logged for other threads).
fn shared_slots<E: Engine>(ctx: &dyn Ctx<E>) -> Option<usize> {
    let t = ctx.host_ref().process.tables();
    t.shared().map(|rec| t.slot_count(rec))
}

/// A name the guest passes (`dlopen`'s path, `dlsym`'s symbol): a name that is too long or runs off
/// the end of memory is the caller's error (dlopen returns NULL), not the host's.
fn guest_name<E: Engine>(ctx: &dyn Ctx<E>, addr: u32) -> Result<Result<String, String>, Trap> {
    match mem::read_cstr(ctx, addr, MAX_NAME) {
        Ok(name) => Ok(Ok(name)),
        Err(Trap::Host(m)) => Ok(Err(m)),
        Err(t) => Err(t),
    }
}

fn dlclose<E: Engine>(ctx: &mut dyn Ctx<E>, handle: u32) -> Result<i32, Trap> {
    let Some(id) = ctx.host_ref().process.module_by_handle(handle) else {
        set_dlerror(ctx, format!("dlclose: invalid handle {handle:#x}"));
        return Ok(-1);
    };
    match crate::lifecycle::close(ctx, id)? {
        Ok(()) => Ok(0),
        Err(m) => {
            set_dlerror(ctx, m);
            Ok(-1)
        }
    }
}

fn dlerror<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<u32, Trap> {
    let Some(msg) = ctx.host().process.dlerror_mut().message.take() else {
        return Ok(0);
    };
    let domain = ctx.host_ref().process.current();
    let buf = match ctx.host().process.dlerror_mut().bufs.get(&domain) {
        Some(&b) => b,
        None => {
            let placement = ctx.host_ref().process.placement()?;
            let b = placement.alloc(ctx, DLERROR_BUF, 8)?;
            ctx.host().process.dlerror_mut().bufs.insert(domain, b);
            b
        }
    };
    let mut bytes: Vec<u8> = msg.into_bytes();
    bytes.truncate(DLERROR_BUF as usize - 1);
    bytes.push(0);
    mem::write(ctx, buf, &bytes)?;
    Ok(buf)
}

/// `dlcall_int(handle, "symbol", ...)`: calls a symbol through the host, reading the variadic
/// arguments from the wasm32 va_list by the callee's own signature (the seed's first fix).
fn dlcall<E: Engine>(ctx: &mut dyn Ctx<E>, args: &[Val<E>], results: &mut [Val<E>]) -> Result<(), Trap> {
    let (handle, sym_ptr, mut va) = (arg(args, 0), arg(args, 1), arg(args, 2));
    let sym = mem::read_cstr(ctx, sym_ptr, MAX_NAME)?;
    let p = &ctx.host_ref().process;
    let found = match handle {
        0 => p.resolve(None, &sym, true),
        h => p
            .module_by_handle(h)
            .map(|id| p.lookup_in_tree(id, &sym, true))
            .ok_or_else(|| Trap::Host(format!("dlcall {sym}: invalid handle {h:#x}")))?,
    };
    let Some((d, Extern::Func(f))) = found else {
        return Err(Trap::Host(format!("dlcall: symbol `{sym}` not found")));
    };
    let from = ctx.host_ref().process.current();
    let f = adapter::crossing(ctx, from, d, &sym, f).map_err(|m| Trap::Host(format!("dlcall: {m}")))?;
    let ty = ctx.func_type(f);
    let mut call_args = Vec::with_capacity(ty.params.len());
    for t in &ty.params {
        let v = match t {
            ValType::I32 => {
                let v = mem::read_u32(ctx, va)?;
                va += 4;
                Val::I32(v as i32)
            }
            // Doubles and 64-bit integers are 8-aligned in the va_list; floats arrive promoted to double.
            ValType::I64 | ValType::F64 | ValType::F32 => {
                va = va.div_ceil(8) * 8;
                let v = mem::read_u64(ctx, va)?;
                va += 8;
                match t {
                    ValType::I64 => Val::I64(v as i64),
                    ValType::F64 => Val::F64(v),
                    _ => Val::F32((f64::from_bits(v) as f32).to_bits()),
                }
            }
            other => return Err(Trap::Host(format!("dlcall {sym}: cannot pass a {other} through varargs"))),
        };
        call_args.push(v);
    }
    let mut out: Vec<Val<E>> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
    ctx.call(f, &call_args, &mut out)?;
    if let Some(r) = results.first_mut() {
        *r = out.first().map(|v| coerce(*v, ValType::I32)).unwrap_or(Val::I32(0));
    }
    Ok(())
}
