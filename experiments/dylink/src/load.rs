//! Loading side modules (dylink.0), as ld.so does: every module of one load (the one asked for and
//! the NEEDED libraries not loaded yet) is mapped first (data placed, table region reserved, in
//! scope), then instantiated, then GOTs are filled, data relocated and constructors run,
//! dependencies first. So a NEEDED library may use the program's data, a cycle of NEEDED libraries
//! simply resolves, and each library is loaded once per process.

use std::collections::VecDeque;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::bind::{bind_func, fill_got, FuncImport, GotEntry};
use crate::domain;
use crate::engine::{Ctx, Engine, Extern, LimitKind, Trap, Val};
use crate::mem;
use crate::module_info::{self, ImportKind, ModuleInfo};
use crate::process::{link, LoadError, Loaded, ModId, ModState, Mode};
use crate::strategy::Memories;
use crate::tables;
use crate::threads::{self, replay};

pub(crate) use crate::forward::coerce;
pub use crate::forward::forwarder;

/// Longest chain of NEEDED libraries below the module asked for.
pub const MAX_NEEDED_DEPTH: usize = 64;

/// Loads the main program (lazily bound, in the global scope and first in the search order, as
/// ld.so does for an executable) with its NEEDED libraries.
pub fn load_program<E: Engine>(ctx: &mut dyn Ctx<E>, name: &str) -> Result<ModId, LoadError> {
    load_with(ctx, name, Mode { now: false, global: true }, true)
}

/// Loads a side module and its NEEDED libraries (`dlopen`); returns its id.
pub fn load<E: Engine>(ctx: &mut dyn Ctx<E>, name: &str, mode: Mode) -> Result<ModId, LoadError> {
    load_with(ctx, name, mode, false)
}

/// Repeats a load another thread logged, in this thread's store ([`crate::threads`]).
pub(crate) fn replay<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    name: &str,
    mode: Mode,
    program: bool,
) -> Result<ModId, LoadError> {
    load_with(ctx, name, mode, program)
}

/// `./lib.wasm` and `lib.wasm` are one library.
pub(crate) fn normalise(name: &str) -> String {
    let normal: PathBuf = Path::new(name).components().filter(|c| !matches!(c, Component::CurDir)).collect();
    normal.to_str().filter(|n| !n.is_empty()).unwrap_or(name).to_string()
}

fn load_with<E: Engine>(ctx: &mut dyn Ctx<E>, name: &str, mode: Mode, program: bool) -> Result<ModId, LoadError> {
    let name = normalise(name);
    if let Some(id) = ctx.host_ref().process.by_name(&name) {
        ctx.host().process.objects_mut().add_handle(id);
        if mode.global {
            ctx.host().process.make_global(id);
        }
        return Ok(id);
    }
    let first = ctx.host_ref().process.objects().len();
    let result = map_and_link(ctx, &name, mode, program);
    threads::record_load(ctx, &name, mode, program, first, result.is_ok());
    result
}

fn map_and_link<E: Engine>(ctx: &mut dyn Ctx<E>, name: &str, mode: Mode, program: bool) -> Result<ModId, LoadError> {
    let name = name.to_string();
    // Map: the module asked for, then its NEEDED libraries breadth first (the load order).
    let mut new: Vec<(ModId, E::Module)> = Vec::new();
    let mut queue: VecDeque<(String, usize, Option<ModId>)> = VecDeque::from([(name.clone(), 0, None)]);
    while let Some((lib, depth, parent)) = queue.pop_front() {
        let lib = normalise(&lib);
        let existing = ctx.host_ref().process.by_name(&lib);
        let id = match existing {
            Some(id) => id,
            None => {
                let (id, module) = match map_needed(ctx, &lib, depth, mode, program && parent.is_none()) {
                    Ok(m) => m,
                    Err(e) => {
                        forget(ctx, &new);
                        return Err(match parent {
                            None => e,
                            Some(p) => needed_error(&ctx.host_ref().process.module(p).name, e),
                        });
                    }
                };
                if program && parent.is_none() {
                    ctx.host().process.scope_mut().set_main(Some(id));
                }
                let needed = ctx.host_ref().process.module(id).info.dylink.as_ref().map(|d| d.needed.clone());
                for n in needed.unwrap_or_default() {
                    queue.push_back((n, depth + 1, Some(id)));
                }
                new.push((id, module));
                id
            }
        };
        if let Some(p) = parent {
            ctx.host().process.objects_mut().add_needed(p, id);
        }
    }
    let root = new[0].0;
    enter_scopes(ctx, root, program);

    let result = link_all(ctx, root, &new, mode);
    if result.is_err() {
        forget(ctx, &new);
    }
    result.map(|()| root)
}

/// Maps `lib`, found at `depth` in the NEEDED tree (0 for the module asked for); `is_program`: it is
/// the program itself.
fn map_needed<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    lib: &str,
    depth: usize,
    mode: Mode,
    is_program: bool,
) -> Result<(ModId, E::Module), LoadError> {
    if depth > MAX_NEEDED_DEPTH {
        Err(link(format!("{lib}: NEEDED libraries nested deeper than {MAX_NEEDED_DEPTH}")))
    } else {
        // Under per-module memories every side module but the program gets its own.
        let own = ctx.host_ref().process.policy().memories == Memories::PerModule && !is_program;
        map(ctx, lib, mode, own)
    }
}

/// Makes the load's objects searchable as ld.so does: the program's objects are the global scope
/// (libc after the program's own NEEDED libraries) and are never unloaded; a `dlopen`ed object and
/// every object of its tree search its local scope after the global one, and it holds one handle.
fn enter_scopes<E: Engine>(ctx: &mut dyn Ctx<E>, root: ModId, program: bool) {
    let p = &mut ctx.host().process;
    let tree = p.tree(root);
    for &m in &tree {
        p.objects_mut().add_scope(m, root);
    }
    if program {
        for &m in &tree {
            p.objects_mut().set_nodelete(m);
        }
        if let (Some(libc), Some(&last)) = (p.libc(), p.module(root).deps.last().or(Some(&root))) {
            p.move_global_after(libc, last);
        }
    } else {
        p.objects_mut().add_handle(root);
    }
}

/// An error of a NEEDED library, said from its dependant's point of view; a limit or an
/// unsupported libc function keeps its kind (they end the cell, not just the load).
fn needed_error(dependant: &str, e: LoadError) -> LoadError {
    match e {
        LoadError::Link(m) => LoadError::Link(format!("{dependant}: needed library {m}")),
        LoadError::Trap(m, t) => LoadError::Trap(format!("{dependant}: needed library {m}"), t),
    }
}

/// Takes the modules of a failed load out of every scope; their instances stay in the store,
/// unreachable, and their names are free for another try.
fn forget<E: Engine>(ctx: &mut dyn Ctx<E>, new: &[(ModId, E::Module)]) {
    for &(id, _) in new {
        ctx.host().process.remove(id);
        if ctx.host_ref().process.main() == Some(id) {
            ctx.host().process.scope_mut().set_main(None);
        }
    }
}

/// Instantiates the mapped modules (dependencies first), fills their GOTs once every instance
/// exists, applies data relocations, then runs constructors (dependencies first).
fn link_all<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    root: ModId,
    new: &[(ModId, E::Module)],
    mode: Mode,
) -> Result<(), LoadError> {
    let placement = ctx.host_ref().process.placement().map_err(|t| LoadError::Trap("loading".into(), t))?;
    let mut gots = Vec::new();
    let dom = |ctx: &dyn Ctx<E>, id: ModId| ctx.host_ref().process.module(id).domain;
    for (id, module) in new.iter().rev() {
        let info = ctx.host_ref().process.module(*id).info.clone();
        placement.check_subset(ctx, *id, &info)?;
        let d = dom(ctx, *id);
        gots.push((*id, domain::within(ctx, d, |ctx| instantiate(ctx, *id, module, &info, mode))?));
    }
    for (id, got) in gots {
        let d = dom(ctx, id);
        domain::within(ctx, d, |ctx| fill_got(ctx, id, got))?;
    }
    for &(id, _) in new {
        ctx.host().process.objects_mut().set_state(id, ModState::Open);
    }
    // A repeated load (another thread's copy) shares the memory: relocations and constructors ran.
    let repeat = replay::replaying(ctx).is_some();
    for (id, _) in new.iter().rev() {
        if !repeat {
            run_export(ctx, *id, "__wasm_apply_data_relocs")?;
        }
        crate::tls::init(ctx, *id)?;
    }
    if repeat {
        return Ok(());
    }
    let order = crate::lifecycle::init_order(&mut ctx.host().process, root);
    for id in order {
        ctx.host().process.objects_mut().set_initialised(id);
        run_export(ctx, id, "__wasm_call_ctors")?;
    }
    Ok(())
}

/// Runs a module's relocation or constructor export, if it has one, in the module's memory.
fn run_export<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId, init: &str) -> Result<(), LoadError> {
    let m = ctx.host_ref().process.module(id);
    let (f, name, d) = match m.exports.get(init) {
        Some(Extern::Func(f)) => (*f, m.name.clone(), m.domain),
        _ => return Ok(()),
    };
    domain::within(ctx, d, |ctx| ctx.call(f, &[], &mut []))
        .map_err(|t| LoadError::Trap(format!("{name}: {init} trapped"), t))
}

/// Maps one module: reads, parses and compiles it, places its data (with libc's allocator,
/// zeroed: BSS is not in the segments) and reserves its table region; it is then in scope.
/// With `own_memory`, the module gets a new memory domain and is placed in it.
fn map<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    name: &str,
    mode: Mode,
    own_memory: bool,
) -> Result<(ModId, E::Module), LoadError> {
    let p = &ctx.host_ref().process;
    if p.objects().len() as u64 >= p.config().limits.handles as u64 {
        return Err(LoadError::Trap(
            format!("{name}: loading"),
            Trap::Limit(
                LimitKind::Handles,
                format!("{} modules loaded, limit {}", p.objects().len(), p.config().limits.handles),
            ),
        ));
    }
    // A module's bytes are held by the host as guest memory would be: bounded by the memory limit.
    let bytes = p.config().read_library(name, p.config().limits.memory_bytes).map_err(link)?;
    let memory_limit = p.config().limits.memory_bytes;
    let info = module_info::parse(&bytes).map_err(|e| link(format!("{name}: not a valid WebAssembly module: {e}")))?;
    let Some(dylink) = info.dylink.clone() else {
        return Err(link(format!("{name}: not a side module (no dylink.0 section)")));
    };
    check_shared_memory(ctx, name, &info)?;
    let engine = ctx.host_ref().engine.clone();
    let module = engine.compile(&bytes).map_err(|e| link(format!("{name}: invalid module: {e:#}")))?;
    let placement = ctx.host_ref().process.placement().map_err(|t| LoadError::Trap(name.into(), t))?;

    // Sizes a module declares are checked before anything is allocated for them.
    if dylink.mem_size as u64 > memory_limit {
        return Err(link(format!(
            "{name}: dylink.0 memory size of {} bytes is larger than the memory limit of {memory_limit} bytes",
            dylink.mem_size
        )));
    }
    let d = if own_memory {
        domain::create(ctx).map_err(|t| match t {
            Trap::Host(m) => link(format!("{name}: making its memory: {m}")),
            t => LoadError::Trap(format!("{name}: making its memory"), t),
        })?
    } else {
        ctx.host_ref().process.current()
    };
    let prev = domain::switch(ctx, d);
    let placed = place(ctx, name, &dylink, &placement);
    domain::switch(ctx, prev);
    let (memory_base, table, table_base) = placed?;
    let p = &mut ctx.host().process;
    let id = p.add_module(Loaded::mapped(name, info, table, memory_base, table_base, d));
    if mode.global {
        p.make_global(id);
    }
    Ok((id, module))
}

/// A module built for threads imports a shared memory: it runs only in a process with threads
/// ([`crate::threads`]) and one memory; anything else is `unsupported`, with the reason.
fn check_shared_memory<E: Engine>(ctx: &dyn Ctx<E>, name: &str, info: &ModuleInfo) -> Result<(), LoadError> {
    let shared = info.imports.iter().any(|i| matches!(i.kind, ImportKind::Memory { shared: true, .. }));
    let p = &ctx.host_ref().process;
    let why = if !shared {
        return Ok(());
    } else if ctx.host_ref().thread.is_none() {
        "this process's memory is not shared: its libc placement has no threads".to_string()
    } else if p.policy().memories == Memories::PerModule {
        format!("{} gives each module a memory of its own, which is not shared", p.config().linkage)
    } else {
        return Ok(());
    };
    Err(LoadError::Trap(
        format!("{name}: importing a shared memory"),
        Trap::Unsupported(format!("{name} is built for threads (shared memory) and {why}")),
    ))
}

/// Places a module's data in the running domain (allocated, zeroed) and reserves its table region;
/// returns its memory base, table record and table base.
fn place<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    name: &str,
    dylink: &crate::module_info::Dylink,
    placement: &Arc<dyn crate::LibcPlacement<E>>,
) -> Result<(u32, usize, u32), LoadError> {
    if let Some(placed) = replay::placed(ctx, name, dylink.table_size) {
        return placed.map_err(|t| LoadError::Trap(format!("{name}: repeating its placement"), t));
    }
    let align = 1u32 << dylink.mem_align.min(16);
    let memory_base = if dylink.mem_size > 0 {
        let base = placement.alloc(ctx, dylink.mem_size, align).map_err(|t| match t {
            Trap::Host(m) => link(format!("{name}: placing {} bytes of data: {m}", dylink.mem_size)),
            t => LoadError::Trap(format!("{name}: placing data"), t),
        })?;
        zero(ctx, base, dylink.mem_size).map_err(|t| LoadError::Trap(format!("{name}: zeroing data"), t))?;
        base
    } else {
        0
    };
    let (table, table_base) = tables::reserve(ctx, name, dylink).map_err(|t| match t {
        Trap::Limit(LimitKind::Table, m) => link(format!("{name}: table limit: {m}")),
        t => LoadError::Trap(format!("{name}: reserving table slots"), t),
    })?;
    Ok((memory_base, table, table_base))
}

/// Zeroes guest memory in bounded chunks (no host buffer the size of the module's data).
fn zero<E: Engine>(ctx: &mut dyn Ctx<E>, base: u32, len: u32) -> Result<(), Trap> {
    const CHUNK: u32 = 64 << 10;
    let zeros = vec![0u8; CHUNK.min(len) as usize];
    let mut at = 0;
    while at < len {
        let n = CHUNK.min(len - at);
        mem::write(
            ctx,
            base.checked_add(at).ok_or(Trap::Wasm(crate::TrapKind::MemoryOutOfBounds))?,
            &zeros[..n as usize],
        )?;
        at += n;
    }
    Ok(())
}

fn instantiate<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    id: ModId,
    module: &E::Module,
    info: &ModuleInfo,
    mode: Mode,
) -> Result<Vec<GotEntry<E>>, LoadError> {
    let (name, memory_base, table_base, table_rec) = {
        let m = ctx.host_ref().process.module(id);
        (m.name.clone(), m.memory_base, m.table_base, m.table)
    };
    let mut imports = Vec::with_capacity(info.imports.len());
    let mut got = Vec::new();
    for imp in &info.imports {
        let ext = match (imp.module.as_str(), imp.name.as_str(), &imp.kind) {
            ("env", "memory", ImportKind::Memory { .. }) => {
                Extern::Memory(ctx.host_ref().memory.ok_or_else(|| link("no shared memory"))?)
            }
            ("env", "__indirect_function_table", ImportKind::Table { .. }) => {
                Extern::Table(ctx.host_ref().process.tables().table(table_rec))
            }
            ("env", "__stack_pointer", ImportKind::Global { .. }) => {
                Extern::Global(ctx.host_ref().process.stack_pointer().ok_or_else(|| link("no __stack_pointer"))?)
            }
            ("env", "__memory_base", ImportKind::Global { .. }) => {
                Extern::Global(ctx.global_new(Val::I32(memory_base as i32), false))
            }
            ("env", "__table_base", ImportKind::Global { .. }) => {
                Extern::Global(ctx.global_new(Val::I32(table_base as i32), false))
            }
            ("GOT.mem" | "GOT.func", sym, ImportKind::Global { .. }) => {
                let g = ctx.global_new(Val::I32(0), true);
                got.push(GotEntry { global: g, sym: sym.to_string(), func: imp.module == "GOT.func", weak: imp.weak });
                Extern::Global(g)
            }
            (_, sym, ImportKind::Func(ty)) => {
                let import = FuncImport { id, name: &name, sym, ty, mode, weak: imp.weak };
                Extern::Func(bind_func(ctx, &import)?)
            }
            (m, n, k) => return Err(link(format!("{name}: unsupported import {m}.{n} ({k:?})"))),
        };
        imports.push(ext);
    }

    let exports = ctx.instantiate(module, &imports).map_err(|t| match t {
        t @ Trap::Limit(..) => LoadError::Trap(format!("{name}: instantiation"), t),
        t => link(format!("{name}: instantiation failed: {t}")),
    })?;
    ctx.host().process.objects_mut().set_exports(id, exports.into_iter().collect());
    tables::after_instantiate(ctx, id).map_err(|t| LoadError::Trap(format!("{name}: mirroring its table"), t))?;
    Ok(got)
}
