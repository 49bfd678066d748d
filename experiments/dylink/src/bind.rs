//! Binding a loaded module's imports, after the policy of its process: a function import to its
//! definition, a forwarder or a lazy stub, and each `GOT.mem`/`GOT.func` entry to an address or a
//! table slot, once every module of the load is instantiated ([`crate::load`]).

use std::sync::Arc;

use crate::engine::{Ctx, Engine, Extern, FuncType, HostFn, Trap, Val};
use crate::forward::forwarder;
use crate::process::{link, Found, LoadError, ModId, Mode};
use crate::strategy::{CallBinding, Trampolines};
use crate::threads::replay;
use crate::{adapter, dlfcn, tables};

/// A `GOT.mem`/`GOT.func` entry to fill once every module of the load is instantiated.
pub(crate) struct GotEntry<E: Engine> {
    pub global: E::Global,
    pub sym: String,
    pub func: bool,
    pub weak: bool,
}

/// Fills a module's GOT entries: data addresses, and function pointers as the policy says.
pub(crate) fn fill_got<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId, got: Vec<GotEntry<E>>) -> Result<(), LoadError> {
    let name = ctx.host_ref().process.module(id).name.clone();
    for (k, GotEntry { global, sym, func, weak }) in got.into_iter().enumerate() {
        let trap = |t| LoadError::Trap(format!("{name}: GOT.{sym}"), t);
        let found = ctx.host_ref().process.resolve(Some(id), &sym, func);
        if let Some((d, _)) = found {
            crate::lifecycle::add_dependency(&mut ctx.host().process, id, d);
        }
        let value = match found {
            Some((d, Extern::Func(f))) => {
                let from = ctx.host_ref().process.module(id).domain;
                let f = adapter::crossing(ctx, from, d, &sym, f).map_err(|m| link(format!("{name}: GOT.func {m}")))?;
                pointer(ctx, id, k, d, &sym, f).map_err(trap)?
            }
            Some((d, Extern::Global(dg))) => {
                let v = ctx.global_get(dg).i32().unwrap_or(0) as u32;
                let m = ctx.host_ref().process.module(d);
                if m.pic {
                    m.memory_base.wrapping_add(v)
                } else {
                    v
                }
            }
            // The address of a function the host provides (`&dlopen`) is a pointer like any other.
            _ if func && dlfcn::is_host_symbol(&sym) => {
                let ty = dlfcn::host_symbol_type(&sym).expect("a host symbol has a type");
                let f = ctx.new_func(&ty, dlfcn::host_symbol(&sym, id));
                pointer(ctx, id, k, id, &sym, f).map_err(trap)?
            }
            _ if weak => 0,
            _ => {
                let kind = if func { "function" } else { "data symbol" };
                return Err(link(format!("{name}: unresolved {kind} `{sym}`")));
            }
        };
        ctx.global_set(global, Val::I32(value as i32)).map_err(trap)?;
        ctx.host().process.objects_mut().push_got(id, value);
    }
    Ok(())
}

/// The pointer GOT entry `k` of module `id` holds: the slot the log says when repeating another
/// thread's load, else the policy's.
fn pointer<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    id: ModId,
    k: usize,
    definer: ModId,
    sym: &str,
    f: E::Func,
) -> Result<u32, Trap> {
    match replay::got_value(ctx, id, k) {
        Some(slot) => replay::set_slot(ctx, definer, sym, slot, f).map(|()| slot),
        None => tables::address_of(ctx, id, definer, sym, f),
    }
}

/// A function import of module `id` (named `name`) being bound: `sym` of type `ty`, under the
/// load's mode, weak when the module may run without it.
pub(crate) struct FuncImport<'a> {
    pub id: ModId,
    pub name: &'a str,
    pub sym: &'a str,
    pub ty: &'a FuncType,
    pub mode: Mode,
    pub weak: bool,
}

/// Binds one function import under the process's policy; `atexit` and `__cxa_atexit` are the
/// loader's own, and `exit` runs the loader's handlers first ([`crate::exit`]).
pub(crate) fn bind_func<E: Engine>(ctx: &mut dyn Ctx<E>, imp: &FuncImport) -> Result<E::Func, LoadError> {
    if let Some(f) = ctx.host_ref().process.preloaded(imp.sym) {
        return Ok(f);
    }
    if let Some(f) = crate::exit::bind(ctx, imp.id, imp.sym, imp.ty) {
        return Ok(f);
    }
    let f = bind_resolved(ctx, imp)?;
    Ok(crate::exit::wrap_exit(ctx, imp.sym, imp.ty, f))
}

fn bind_resolved<E: Engine>(ctx: &mut dyn Ctx<E>, imp: &FuncImport) -> Result<E::Func, LoadError> {
    let FuncImport { id, name, sym, ty, mode, weak } = *imp;
    let found = ctx.host_ref().process.lookup(Some(id), sym, true);
    match found {
        Some(found) => bind_found(ctx, imp, found),
        None => {
            if let Some(host_ty) = dlfcn::host_symbol_type(sym) {
                if host_ty != *ty {
                    return Err(link(format!("{name}: `{sym}` imported as {ty}, the host provides {host_ty}")));
                }
                let f = crate::fused::pin_fn(ctx, id, dlfcn::host_symbol(sym, id));
                return Ok(ctx.new_func(ty, f));
            }
            // wasm-ld imports a weak definition even into the module that defines it; when no
            // earlier module provides the symbol, the module's own export is bound once it exists.
            let own =
                ctx.host_ref().process.module(id).info.export(sym).is_some_and(|e| e.func_type.as_ref() == Some(ty));
            if mode.now && !weak && !own {
                return Err(link(format!("{name}: unresolved symbol `{sym}`")));
            }
            let f = crate::fused::pin_fn(ctx, id, lazy_stub(name, sym, ty.clone(), id));
            Ok(ctx.new_func(ty, f))
        }
    }
}

/// Binds an import of `id` that `found` defines: lazily while the definer is not instantiated,
/// through an adapter across memories, as the placement binds its libc, else direct or forwarded.
fn bind_found<E: Engine>(ctx: &mut dyn Ctx<E>, imp: &FuncImport, found: Found<E>) -> Result<E::Func, LoadError> {
    let FuncImport { id, name, sym, ty, .. } = *imp;
    crate::lifecycle::add_dependency(&mut ctx.host().process, id, found.definer);
    let Some(Extern::Func(f)) = found.export else {
        // Defined by a module of this load that is not instantiated yet.
        let f = crate::fused::pin_fn(ctx, id, lazy_stub(name, sym, ty.clone(), id));
        return Ok(ctx.new_func(ty, f));
    };
    let p = &ctx.host_ref().process;
    let from = p.module(id).domain;
    let own_libc = p.domains().get(from).is_some_and(|d| d.libc == found.definer);
    if p.module(found.definer).domain != from && !own_libc {
        return adapter::crossing(ctx, from, found.definer, sym, f).map_err(|m| link(format!("{name}: {m}")));
    }
    if ctx.host_ref().process.libc() == Some(found.definer) {
        let placement = ctx.host_ref().process.placement().map_err(|t| LoadError::Trap(name.into(), t))?;
        if let Some(bound) = placement.bind_import(ctx, sym, ty, id) {
            return Ok(crate::fused::pin(ctx, id, bound));
        }
    }
    bind_call(ctx, name, sym, ty, f)
}

/// Function `f` as an import of type `ty`: itself (the types must match), or under the host
/// forwarder policy a forwarder (a typed or generic one when the engine has it and the types match).
fn bind_call<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    name: &str,
    sym: &str,
    ty: &FuncType,
    f: E::Func,
) -> Result<E::Func, LoadError> {
    let fty = ctx.func_type(f);
    let p = &ctx.host_ref().process;
    if p.policy().calls == CallBinding::HostForwarder {
        if fty == *ty {
            let cheaper = match p.config().trampolines {
                Trampolines::Generic => ctx.generic_forwarder(ty, f),
                Trampolines::Typed => ctx.typed_forwarder(ty, f),
                Trampolines::Dynamic => None,
            };
            if let Some(cheaper) = cheaper {
                return Ok(cheaper);
            }
        }
        return Ok(ctx.new_func(ty, forwarder(f, fty, ty.clone())));
    }
    if fty != *ty {
        return Err(link(format!("{name}: signature mismatch for `{sym}`: imported as {ty}, defined as {fty}")));
    }
    Ok(f)
}

/// An import not bound at instantiation: resolved at its first call against the scope as it is
/// then (as ld.so's lazy binding), which records the binding's dependency; later calls go straight
/// to what it found. A call before any definition exists traps with the symbol's name.
fn lazy_stub<E: Engine>(module: &str, sym: &str, ty: FuncType, id: ModId) -> HostFn<E> {
    let (module, sym) = (module.to_string(), sym.to_string());
    let bound: std::sync::OnceLock<E::Func> = std::sync::OnceLock::new();
    Arc::new(move |ctx, args, results| {
        if let Some(&f) = bound.get() {
            return ctx.call(f, args, results);
        }
        match ctx.host_ref().process.resolve(Some(id), &sym, true) {
            Some((d, Extern::Func(f))) if ctx.func_type(f) == ty => {
                let from = ctx.host_ref().process.module(id).domain;
                let f = adapter::crossing(ctx, from, d, &sym, f).map_err(Trap::Host)?;
                crate::lifecycle::add_dependency(&mut ctx.host().process, id, d);
                let _ = bound.set(f);
                ctx.call(f, args, results)
            }
            Some((_, Extern::Func(f))) => Err(Trap::Host(format!(
                "lazy symbol `{sym}` of {module} has type {}, imported as {ty}",
                ctx.func_type(f)
            ))),
            _ => Err(Trap::Host(format!("unresolved symbol `{sym}` called from {module}"))),
        }
    })
}
