//! The dynamic linker: loads side modules (dylink.0) into a process that shares one memory,
//! resolves their imports under a [`Strategy`], and implements `<dlfcn.h>` as host functions.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::engine::{Ctx, Engine, Extern, FuncType, HostFn, Trap, Val, ValType};
use crate::mem;
use crate::module_info::{self, ImportKind, ModuleInfo};
use crate::strategy::{PointerTable, Strategy};

pub type ModId = usize;

/// `dlopen` mode bits, as in corpus/include/dlfcn.h.
pub const RTLD_LAZY: i32 = 0x1;
pub const RTLD_NOW: i32 = 0x2;
pub const RTLD_GLOBAL: i32 = 0x100;

/// Longest string the host reads from guest memory (names, paths).
const MAX_NAME: u32 = 4096;
/// Size of the guest buffer that holds the current `dlerror` message.
const DLERROR_BUF: u32 = 512;

/// A module loaded into the process.
pub struct Loaded<E: Engine> {
    pub name: String,
    pub info: Arc<ModuleInfo>,
    pub exports: HashMap<String, Extern<E>>,
    /// Index into [`Process::tables`] of the table this module's code indexes.
    pub table: usize,
    pub memory_base: u32,
    pub table_base: u32,
    /// Position-independent: exported data addresses are relative to `memory_base`.
    pub pic: bool,
    /// Part of the global scope (main program, libc, `RTLD_GLOBAL` libraries).
    pub global: bool,
    pub refcount: u32,
    pub deps: Vec<ModId>,
    pub open: bool,
}

/// A funcref table and the function-pointer slots the linker allocated in it, keyed by
/// (defining module, symbol) so that taking the same address twice gives the same pointer.
pub struct TableRec<E: Engine> {
    pub table: E::Table,
    pub slots: HashMap<(ModId, String), u32>,
}

/// How a load was asked for.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    /// Resolve every function import now (`RTLD_NOW`) or bind stubs resolved at first call.
    pub now: bool,
    pub global: bool,
}

/// Why a load failed. A guest that exits during its constructors is not a load failure.
#[derive(Debug)]
pub enum LoadError {
    Link(String),
    Trap(String, Trap),
}

impl LoadError {
    pub fn message(&self) -> String {
        match self {
            LoadError::Link(m) => m.clone(),
            LoadError::Trap(m, t) => format!("{m}: {t}"),
        }
    }
}

/// The dynamic linker's state for one run.
pub struct Process<E: Engine> {
    pub strategy: Strategy,
    /// Libraries built for the case: the name passed to `dlopen` -> the module file.
    pub libs: HashMap<String, PathBuf>,
    /// Other files `dlopen` may open (a case may ship a broken module as-is).
    pub case_dir: PathBuf,
    pub modules: Vec<Loaded<E>>,
    pub tables: Vec<TableRec<E>>,
    pub shared_table: Option<usize>,
    pub stack_pointer: Option<E::Global>,
    pub libc: Option<ModId>,
    pub main: Option<ModId>,
    pub main_func: Option<E::Func>,
    pub dlerror: Option<String>,
    dlerror_buf: Option<u32>,
    /// Trampolines use the engine's typed host functions where it has one for the signature.
    pub typed_trampolines: bool,
    /// Functions bound to these import names before any module's definition (like LD_PRELOAD).
    pub preload: HashMap<String, E::Func>,
    /// The host libc's state, in the `libc-host` placement (its module is `libc`).
    pub libc_host: Option<crate::libc_host::State<E>>,
}

impl<E: Engine> Process<E> {
    pub fn new(strategy: Strategy, libs: HashMap<String, PathBuf>, case_dir: PathBuf) -> Self {
        Process {
            strategy,
            libs,
            case_dir,
            modules: Vec::new(),
            tables: Vec::new(),
            shared_table: None,
            stack_pointer: None,
            libc: None,
            main: None,
            main_func: None,
            dlerror: None,
            dlerror_buf: None,
            typed_trampolines: false,
            preload: HashMap::new(),
            libc_host: None,
        }
    }

    /// Registers the process's libc (libc.wasm, or the host's): a non-PIC module in the global scope
    /// whose table is the process's first one (and the shared one under `shared-table`).
    pub fn add_libc(&mut self, name: &str, info: ModuleInfo, exports: HashMap<String, Extern<E>>, table: E::Table) {
        self.tables.push(TableRec { table, slots: HashMap::new() });
        let rec = self.tables.len() - 1;
        if self.strategy.shared_table() {
            self.shared_table = Some(rec);
        }
        self.modules.push(Loaded {
            name: name.to_string(),
            info: Arc::new(info),
            exports,
            table: rec,
            memory_base: 0,
            table_base: 0,
            pic: false,
            global: true,
            refcount: 1,
            deps: Vec::new(),
            open: true,
        });
        self.libc = Some(self.modules.len() - 1);
    }

    /// Search order for a symbol requested by `requester`: main program, libc, global libraries in
    /// load order, then the requester's own dependency tree (itself included).
    fn scope(&self, requester: Option<ModId>) -> Vec<ModId> {
        let mut order: Vec<ModId> = Vec::new();
        let push = |id: ModId, order: &mut Vec<ModId>| {
            if self.modules[id].open && !order.contains(&id) {
                order.push(id);
            }
        };
        for id in self.main.into_iter().chain(self.libc) {
            push(id, &mut order);
        }
        for (id, m) in self.modules.iter().enumerate() {
            if m.global {
                push(id, &mut order);
            }
        }
        if let Some(r) = requester {
            for id in self.tree(r) {
                push(id, &mut order);
            }
        }
        order
    }

    /// A module and its dependencies, breadth first.
    fn tree(&self, root: ModId) -> Vec<ModId> {
        let mut out = vec![root];
        let mut i = 0;
        while i < out.len() {
            for &d in &self.modules[out[i]].deps {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
            i += 1;
        }
        out
    }

    fn find_in(&self, ids: &[ModId], name: &str, want_func: bool) -> Option<(ModId, Extern<E>)> {
        ids.iter().find_map(|&id| match self.modules[id].exports.get(name) {
            Some(e @ Extern::Func(_)) if want_func => Some((id, *e)),
            Some(e @ Extern::Global(_)) if !want_func => Some((id, *e)),
            _ => None,
        })
    }

    pub fn resolve(&self, requester: Option<ModId>, name: &str, want_func: bool) -> Option<(ModId, Extern<E>)> {
        self.find_in(&self.scope(requester), name, want_func)
    }

    fn module_by_handle(&self, handle: u32) -> Option<ModId> {
        let id = (handle as usize).checked_sub(1)?;
        self.modules.get(id).filter(|m| m.open).map(|_| id)
    }

    pub fn handle_of(id: ModId) -> u32 {
        id as u32 + 1
    }

    /// Finds the file for a `dlopen` name inside the case; names never escape the case folder.
    fn locate(&self, name: &str) -> Result<PathBuf, String> {
        let p = Path::new(name);
        if p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(format!("{name}: path escapes the case folder"));
        }
        if let Some(built) = self.libs.get(name) {
            return Ok(built.clone());
        }
        let shipped = self.case_dir.join(p);
        if shipped.is_file() {
            return Ok(shipped);
        }
        Err(format!("{name}: cannot open shared object file: no such file"))
    }
}

fn link(msg: impl Into<String>) -> LoadError {
    LoadError::Link(msg.into())
}

/// Allocates guest memory with libc's allocator (the host's own under libc-host).
fn guest_alloc<E: Engine>(ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, Trap> {
    if ctx.host_ref().process.libc_host.is_some() {
        return crate::libc_host::alloc(ctx, size, align);
    }
    let p = ctx.host_ref().process.libc.ok_or_else(|| Trap::Host("no libc to allocate from".into()))?;
    let f = match ctx.host_ref().process.modules[p].exports.get("aligned_alloc") {
        Some(Extern::Func(f)) => *f,
        _ => return Err(Trap::Host("libc exports no aligned_alloc".into())),
    };
    let mut out = [Val::I32(0)];
    // C11 aligned_alloc wants size to be a multiple of the alignment.
    let size = size.max(1).div_ceil(align) * align;
    ctx.call(f, &[Val::I32(align as i32), Val::I32(size as i32)], &mut out)?;
    match out[0] {
        Val::I32(0) => Err(Trap::Host(format!("out of memory placing {size} bytes"))),
        Val::I32(a) => Ok(a as u32),
        _ => Err(Trap::Host("aligned_alloc returned a non-i32".into())),
    }
}

/// Converts a value the way a JavaScript trampoline would (ToNumber / ToInt32): the seed's loader
/// never checked signatures, so a trampoline forwards whatever arrives.
fn coerce<E: Engine>(v: Val<E>, to: ValType) -> Val<E> {
    let as_f64 = match v {
        Val::I32(x) => x as f64,
        Val::I64(x) => x as f64,
        Val::F32(x) => f32::from_bits(x) as f64,
        Val::F64(x) => f64::from_bits(x),
        Val::FuncRef(_) => return if to == ValType::FuncRef { v } else { Val::default_for(to) },
    };
    match (v, to) {
        (Val::I32(_), ValType::I32)
        | (Val::I64(_), ValType::I64)
        | (Val::F32(_), ValType::F32)
        | (Val::F64(_), ValType::F64) => v,
        (Val::I64(x), ValType::I32) => Val::I32(x as i32),
        (Val::I32(x), ValType::I64) => Val::I64(x as i64),
        (_, ValType::I32) => Val::I32(if as_f64.is_finite() { (as_f64.trunc() as i64) as i32 } else { 0 }),
        (_, ValType::I64) => Val::I64(if as_f64.is_finite() { as_f64.trunc() as i64 } else { 0 }),
        (_, ValType::F32) => Val::F32((as_f64 as f32).to_bits()),
        (_, ValType::F64) => Val::F64(as_f64.to_bits()),
        _ => Val::default_for(to),
    }
}

/// A host function that forwards to `target` (the trampoline strategy, and lazily bound imports).
pub fn forwarder<E: Engine>(target: E::Func, target_ty: FuncType, import_ty: FuncType) -> HostFn<E> {
    if target_ty == import_ty {
        return Arc::new(move |ctx, args, results| ctx.call(target, args, results));
    }
    Arc::new(move |ctx, args, results| {
        let targs: Vec<Val<E>> = target_ty
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| args.get(i).map(|v| coerce(*v, *t)).unwrap_or(Val::default_for(*t)))
            .collect();
        let mut tres: Vec<Val<E>> = target_ty.results.iter().map(|t| Val::default_for(*t)).collect();
        ctx.call(target, &targs, &mut tres)?;
        for (i, r) in results.iter_mut().enumerate() {
            let want = import_ty.results[i];
            *r = tres.get(i).map(|v| coerce(*v, want)).unwrap_or(Val::default_for(want));
        }
        Ok(())
    })
}

/// The pointer (table index) that `requester` sees for function `name` of `definer`.
pub fn address_of<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    requester: ModId,
    definer: ModId,
    name: &str,
    f: E::Func,
) -> Result<u32, Trap> {
    let p = &ctx.host_ref().process;
    let rec = match p.strategy.pointer_table() {
        PointerTable::Shared => p.shared_table.expect("shared table strategy without a shared table"),
        PointerTable::Definer => p.modules[definer].table,
        PointerTable::Caller => p.modules[requester].table,
        PointerTable::Replicated => return replicated_address(ctx, definer, name, f),
    };
    let key = (definer, name.to_string());
    if let Some(&slot) = p.tables[rec].slots.get(&key) {
        return Ok(slot);
    }
    let table = p.tables[rec].table;
    let slot = ctx.table_grow(table, 1)?;
    ctx.table_set(table, slot, Some(f))?;
    ctx.host().process.tables[rec].slots.insert(key, slot);
    Ok(slot)
}

/// The replicated-tables policy: one process-wide slot per (definer, symbol), recorded in the
/// first table's map and written into every table at the same index.
fn replicated_address<E: Engine>(ctx: &mut dyn Ctx<E>, definer: ModId, name: &str, f: E::Func) -> Result<u32, Trap> {
    let key = (definer, name.to_string());
    if let Some(&slot) = ctx.host_ref().process.tables[0].slots.get(&key) {
        return Ok(slot);
    }
    let slot = grow_all(ctx, 1)?;
    for t in all_tables(ctx) {
        ctx.table_set(t, slot, Some(f))?;
    }
    ctx.host().process.tables[0].slots.insert(key, slot);
    Ok(slot)
}

fn all_tables<E: Engine>(ctx: &dyn Ctx<E>) -> Vec<E::Table> {
    ctx.host_ref().process.tables.iter().map(|r| r.table).collect()
}

/// Grows every table by `delta` null entries (they are kept the same size); returns the old size.
fn grow_all<E: Engine>(ctx: &mut dyn Ctx<E>, delta: u32) -> Result<u32, Trap> {
    let mut old = None;
    for t in all_tables(ctx) {
        let o = ctx.table_grow(t, delta)?;
        debug_assert!(old.is_none_or(|x| x == o), "replicated tables out of step");
        old = Some(o);
    }
    Ok(old.unwrap_or(0))
}

/// The host functions `<dlfcn.h>` and `<dlcall.h>` import, with their C signatures in wasm32.
fn host_symbol_type(name: &str) -> Option<FuncType> {
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
pub(crate) fn is_host_symbol(name: &str) -> bool {
    host_symbol_type(name).is_some()
}

fn set_dlerror<E: Engine>(ctx: &mut dyn Ctx<E>, msg: String) {
    ctx.host().process.dlerror = Some(msg);
}

fn arg<E: Engine>(args: &[Val<E>], i: usize) -> u32 {
    args.get(i).and_then(|v| v.i32()).unwrap_or(0) as u32
}

/// A host-provided symbol, bound per importing module so that `dlsym` knows its caller.
fn host_symbol<E: Engine>(name: &str, caller: ModId) -> HostFn<E> {
    match name {
        "dlopen" => Arc::new(move |ctx, args, results| {
            let (path, flags) = (arg(args, 0), arg(args, 1) as i32);
            results[0] = Val::I32(dlopen(ctx, path, flags)? as i32);
            Ok(())
        }),
        "dlsym" => Arc::new(move |ctx, args, results| {
            results[0] = Val::I32(dlsym(ctx, caller, arg(args, 0), arg(args, 1))? as i32);
            Ok(())
        }),
        "dlclose" => Arc::new(move |ctx, args, results| {
            results[0] = Val::I32(dlclose(ctx, arg(args, 0)));
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

/// Loads a side module and its `NEEDED` libraries; returns its id. Used for the main program and by `dlopen`.
pub fn load<E: Engine>(ctx: &mut dyn Ctx<E>, name: &str, mode: Mode) -> Result<ModId, LoadError> {
    // `./lib.wasm` and `lib.wasm` are one library.
    let normal: PathBuf = Path::new(name).components().filter(|c| !matches!(c, Component::CurDir)).collect();
    let name = normal.to_str().filter(|n| !n.is_empty()).unwrap_or(name);
    if let Some(id) = ctx.host_ref().process.modules.iter().position(|m| m.open && m.name == name) {
        let m = &mut ctx.host().process.modules[id];
        m.refcount += 1;
        m.global |= mode.global;
        return Ok(id);
    }
    let path = ctx.host_ref().process.locate(name).map_err(link)?;
    let bytes = std::fs::read(&path).map_err(|e| link(format!("{name}: cannot read {}: {e}", path.display())))?;
    let info = module_info::parse(&bytes).map_err(|e| link(format!("{name}: not a valid WebAssembly module: {e}")))?;
    let Some(dylink) = info.dylink.clone() else {
        return Err(link(format!("{name}: not a side module (no dylink.0 section)")));
    };
    let engine = ctx.host_ref().engine.clone();
    let module = engine.compile(&bytes).map_err(|e| link(format!("{name}: invalid module: {e:#}")))?;

    let mut deps = Vec::new();
    for needed in &dylink.needed {
        deps.push(load(ctx, needed, mode).map_err(|e| link(format!("{name}: needed library {}", e.message())))?);
    }

    let trap = |what: &str| {
        let what = format!("{name}: {what}");
        move |t: Trap| LoadError::Trap(what.clone(), t)
    };

    // Data: placed by libc's allocator, zeroed (BSS is not in the segments).
    let align = 1u32 << dylink.mem_align.min(16);
    let memory_base = if dylink.mem_size > 0 {
        let base = guest_alloc(ctx, dylink.mem_size, align).map_err(trap("placing data"))?;
        mem::write(ctx, base, &vec![0; dylink.mem_size as usize]).map_err(trap("zeroing data"))?;
        base
    } else {
        0
    };

    // Table: a region of the shared table, or a private table whose slot 0 stays null.
    let replicated = ctx.host_ref().process.strategy.pointer_table() == PointerTable::Replicated;
    let (table_rec, table_base) = match ctx.host_ref().process.shared_table {
        // Replicated: a process-wide region for the module's own functions, reserved in every table,
        // and a new table that starts as a copy of the others.
        _ if replicated => {
            let first = ctx.host_ref().process.tables[0].table;
            let talign = 1u32 << dylink.table_align.min(16);
            let size = ctx.table_size(first);
            let start = size.div_ceil(talign) * talign;
            grow_all(ctx, start - size + dylink.table_size).map_err(trap("growing the tables"))?;
            let t = ctx.table_new(start + dylink.table_size).map_err(trap("creating its table"))?;
            for i in 0..start {
                if let Some(Some(f)) = ctx.table_get(first, i) {
                    ctx.table_set(t, i, Some(f)).map_err(trap("copying the tables"))?;
                }
            }
            let p = &mut ctx.host().process;
            p.tables.push(TableRec { table: t, slots: HashMap::new() });
            (p.tables.len() - 1, start)
        }
        Some(rec) if ctx.host_ref().process.strategy.shared_table() => {
            let t = ctx.host_ref().process.tables[rec].table;
            let talign = 1u32 << dylink.table_align.min(16);
            let size = ctx.table_size(t);
            let start = size.div_ceil(talign) * talign;
            ctx.table_grow(t, start - size + dylink.table_size).map_err(trap("growing the shared table"))?;
            (rec, start)
        }
        _ => {
            let t = ctx.table_new(1 + dylink.table_size).map_err(trap("creating its table"))?;
            let p = &mut ctx.host().process;
            p.tables.push(TableRec { table: t, slots: HashMap::new() });
            (p.tables.len() - 1, 1)
        }
    };

    let id = ctx.host_ref().process.modules.len();
    ctx.host().process.modules.push(Loaded {
        name: name.to_string(),
        info: Arc::new(info.clone()),
        exports: HashMap::new(),
        table: table_rec,
        memory_base,
        table_base,
        pic: true,
        global: false,
        refcount: 1,
        deps,
        open: false,
    });
    let result =
        crate::libc_host::check_subset(ctx, id, &info).and_then(|()| instantiate_side(ctx, id, &module, &info, mode));
    if result.is_err() {
        // The instance (if any) stays in the store, unreachable; the name is free for another try.
        ctx.host().process.modules[id].name = format!("{name} (failed)");
    }
    result.map(|_| id)
}

fn instantiate_side<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    id: ModId,
    module: &E::Module,
    info: &ModuleInfo,
    mode: Mode,
) -> Result<(), LoadError> {
    let name = ctx.host_ref().process.modules[id].name.clone();
    let (memory_base, table_base, table_rec) = {
        let m = &ctx.host_ref().process.modules[id];
        (m.memory_base, m.table_base, m.table)
    };
    let mut imports = Vec::with_capacity(info.imports.len());
    let mut got: Vec<(E::Global, String, bool, bool)> = Vec::new();
    for imp in &info.imports {
        let ext = match (imp.module.as_str(), imp.name.as_str(), &imp.kind) {
            ("env", "memory", ImportKind::Memory { .. }) => {
                Extern::Memory(ctx.host_ref().memory.ok_or_else(|| link("no shared memory"))?)
            }
            ("env", "__indirect_function_table", ImportKind::Table { .. }) => {
                Extern::Table(ctx.host_ref().process.tables[table_rec].table)
            }
            ("env", "__stack_pointer", ImportKind::Global { .. }) => {
                Extern::Global(ctx.host_ref().process.stack_pointer.ok_or_else(|| link("no __stack_pointer"))?)
            }
            ("env", "__memory_base", ImportKind::Global { .. }) => {
                Extern::Global(ctx.global_new(Val::I32(memory_base as i32), false))
            }
            ("env", "__table_base", ImportKind::Global { .. }) => {
                Extern::Global(ctx.global_new(Val::I32(table_base as i32), false))
            }
            ("GOT.mem" | "GOT.func", sym, ImportKind::Global { .. }) => {
                let g = ctx.global_new(Val::I32(0), true);
                got.push((g, sym.to_string(), imp.module == "GOT.func", imp.weak));
                Extern::Global(g)
            }
            (_, sym, ImportKind::Func(ty)) => Extern::Func(bind_func(ctx, id, &name, sym, ty, mode, imp.weak)?),
            (m, n, k) => return Err(link(format!("{name}: unsupported import {m}.{n} ({k:?})"))),
        };
        imports.push(ext);
    }

    let exports = ctx.instantiate(module, &imports).map_err(|t| link(format!("{name}: instantiation failed: {t}")))?;
    {
        let m = &mut ctx.host().process.modules[id];
        m.exports = exports.into_iter().collect();
        m.open = true;
        m.global = mode.global;
    }
    // Replicated tables: the elem segment filled the module's own region of its own table; mirror it.
    if ctx.host_ref().process.strategy.pointer_table() == PointerTable::Replicated {
        let own = ctx.host_ref().process.tables[table_rec].table;
        let size = info.dylink.as_ref().map(|d| d.table_size).unwrap_or(0);
        for i in table_base..table_base + size {
            let f = ctx.table_get(own, i).flatten();
            for t in all_tables(ctx) {
                ctx.table_set(t, i, f).map_err(|t| LoadError::Trap(format!("{name}: mirroring its table"), t))?;
            }
        }
    }

    // GOT entries are filled once the module's own exports exist (its own symbols may be among them).
    for (g, sym, is_func, weak) in got {
        let value = match ctx.host_ref().process.resolve(Some(id), &sym, is_func) {
            Some((d, Extern::Func(f))) => {
                address_of(ctx, id, d, &sym, f).map_err(|t| LoadError::Trap(format!("{name}: GOT.func.{sym}"), t))?
            }
            Some((d, Extern::Global(dg))) => {
                let v = ctx.global_get(dg).i32().unwrap_or(0) as u32;
                let m = &ctx.host_ref().process.modules[d];
                if m.pic {
                    m.memory_base.wrapping_add(v)
                } else {
                    v
                }
            }
            _ if weak => 0,
            _ => {
                let kind = if is_func { "function" } else { "data symbol" };
                ctx.host().process.modules[id].open = false;
                return Err(link(format!("{name}: unresolved {kind} `{sym}`")));
            }
        };
        ctx.global_set(g, Val::I32(value as i32)).map_err(|t| LoadError::Trap(format!("{name}: GOT.{sym}"), t))?;
    }

    for init in ["__wasm_apply_data_relocs", "__wasm_call_ctors"] {
        let f = match ctx.host_ref().process.modules[id].exports.get(init) {
            Some(Extern::Func(f)) => *f,
            _ => continue,
        };
        if let Err(t) = ctx.call(f, &[], &mut []) {
            ctx.host().process.modules[id].open = false;
            return Err(LoadError::Trap(format!("{name}: {init} trapped"), t));
        }
    }
    Ok(())
}

/// Binds one function import of module `id` under the process's strategy.
#[allow(clippy::too_many_arguments)]
fn bind_func<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    id: ModId,
    name: &str,
    sym: &str,
    ty: &FuncType,
    mode: Mode,
    weak: bool,
) -> Result<E::Func, LoadError> {
    let strategy = ctx.host_ref().process.strategy;
    if let Some(&f) = ctx.host_ref().process.preload.get(sym) {
        return Ok(f);
    }
    match ctx.host_ref().process.resolve(Some(id), sym, true) {
        Some((d, Extern::Func(f))) => {
            // The host libc: a host function of its own per importer, whatever the strategy.
            if crate::libc_host::is_host_libc(ctx, d) {
                if let Some(bound) = crate::libc_host::bind_for(ctx, sym, ty, id) {
                    return Ok(bound);
                }
            }
            let fty = ctx.func_type(f);
            if strategy.trampolines() {
                if ctx.host_ref().process.typed_trampolines && fty == *ty {
                    if let Some(typed) = ctx.typed_forwarder(ty, f) {
                        return Ok(typed);
                    }
                }
                return Ok(ctx.new_func(ty, forwarder(f, fty, ty.clone())));
            }
            if fty != *ty {
                return Err(link(format!(
                    "{name}: signature mismatch for `{sym}`: imported as {ty}, defined as {fty}"
                )));
            }
            Ok(f)
        }
        _ => {
            if let Some(host_ty) = host_symbol_type(sym) {
                if host_ty != *ty {
                    return Err(link(format!("{name}: `{sym}` imported as {ty}, the host provides {host_ty}")));
                }
                return Ok(ctx.new_func(ty, host_symbol(sym, id)));
            }
            // wasm-ld imports a weak definition even into the module that defines it; when no
            // earlier module provides the symbol, the module's own export is bound once it exists.
            let own =
                ctx.host_ref().process.modules[id].info.export(sym).is_some_and(|e| e.func_type.as_ref() == Some(ty));
            if mode.now && !weak && !own {
                return Err(link(format!("{name}: unresolved symbol `{sym}`")));
            }
            Ok(ctx.new_func(ty, lazy_stub(name, sym, ty.clone(), id)))
        }
    }
}

/// An import left unresolved at load time: looked up again on every call (nothing can re-bind an
/// import once instantiated), forwarding when found and trapping with the symbol's name otherwise.
fn lazy_stub<E: Engine>(module: &str, sym: &str, ty: FuncType, id: ModId) -> HostFn<E> {
    let (module, sym) = (module.to_string(), sym.to_string());
    Arc::new(move |ctx, args, results| match ctx.host_ref().process.resolve(Some(id), &sym, true) {
        Some((_, Extern::Func(f))) if ctx.func_type(f) == ty => ctx.call(f, args, results),
        Some((_, Extern::Func(f))) => {
            Err(Trap::Host(format!("lazy symbol `{sym}` of {module} has type {}, imported as {ty}", ctx.func_type(f))))
        }
        _ => Err(Trap::Host(format!("unresolved symbol `{sym}` called from {module}"))),
    })
}

fn dlopen<E: Engine>(ctx: &mut dyn Ctx<E>, path: u32, flags: i32) -> Result<u32, Trap> {
    if path == 0 {
        return Ok(ctx.host_ref().process.main.map(Process::<E>::handle_of).unwrap_or(0));
    }
    let name = mem::read_cstr(ctx, path, MAX_NAME)?;
    if flags & (RTLD_LAZY | RTLD_NOW) == 0 {
        set_dlerror(ctx, format!("dlopen {name}: invalid mode {flags:#x}: neither RTLD_LAZY nor RTLD_NOW"));
        return Ok(0);
    }
    let mode = Mode { now: flags & RTLD_NOW != 0, global: flags & RTLD_GLOBAL != 0 };
    match load(ctx, &name, mode) {
        Ok(id) => Ok(Process::<E>::handle_of(id)),
        // A library calling exit() in its constructor ends the program, as it would natively.
        Err(LoadError::Trap(_, Trap::Exit(c))) => Err(Trap::Exit(c)),
        // Under libc-host, a library outside the subset ends the run as unsupported.
        Err(LoadError::Trap(_, t @ (Trap::Unsupported(_) | Trap::Limit(..)))) => Err(t),
        Err(e) => {
            set_dlerror(ctx, format!("dlopen {}", e.message()));
            Ok(0)
        }
    }
}

fn dlsym<E: Engine>(ctx: &mut dyn Ctx<E>, caller: ModId, handle: u32, sym_ptr: u32) -> Result<u32, Trap> {
    let sym = mem::read_cstr(ctx, sym_ptr, MAX_NAME)?;
    let p = &ctx.host_ref().process;
    // RTLD_DEFAULT and the program's own handle (dlopen(NULL)) both search the global scope.
    let (scope, lib) = if handle == 0 || p.main.map(Process::<E>::handle_of) == Some(handle) {
        (p.scope(None), if handle == 0 { "the global scope".to_string() } else { "the main program".to_string() })
    } else {
        match p.module_by_handle(handle) {
            Some(id) => (p.tree(id), p.modules[id].name.clone()),
            None => {
                set_dlerror(ctx, format!("dlsym {sym}: invalid handle {handle:#x}"));
                return Ok(0);
            }
        }
    };
    let found = p.find_in(&scope, &sym, true).or_else(|| p.find_in(&scope, &sym, false));
    match found {
        Some((d, Extern::Func(f))) => address_of(ctx, caller, d, &sym, f),
        Some((d, Extern::Global(g))) => {
            let v = ctx.global_get(g).i32().unwrap_or(0) as u32;
            let m = &ctx.host_ref().process.modules[d];
            Ok(if m.pic { m.memory_base.wrapping_add(v) } else { v })
        }
        _ => {
            set_dlerror(ctx, format!("dlsym: symbol `{sym}` not found in {lib}"));
            Ok(0)
        }
    }
}

fn dlclose<E: Engine>(ctx: &mut dyn Ctx<E>, handle: u32) -> i32 {
    let Some(id) = ctx.host_ref().process.module_by_handle(handle) else {
        set_dlerror(ctx, format!("dlclose: invalid handle {handle:#x}"));
        return -1;
    };
    let p = &mut ctx.host().process;
    if Some(id) == p.main || Some(id) == p.libc {
        return 0;
    }
    p.modules[id].refcount -= 1;
    if p.modules[id].refcount > 0 {
        return 0;
    }
    p.modules[id].open = false;
    // Release every pointer slot that named one of its functions: a stale pointer now traps.
    let mut released = Vec::new();
    for rec in &mut p.tables {
        rec.slots.retain(|(d, _), slot| {
            if *d == id {
                released.push((rec.table, *slot));
            }
            *d != id
        });
    }
    let replicated = ctx.host_ref().process.strategy.pointer_table() == PointerTable::Replicated;
    for (t, slot) in released {
        let tables = if replicated { all_tables(ctx) } else { vec![t] };
        for t in tables {
            let _ = ctx.table_set(t, slot, None);
        }
    }
    0
}

fn dlerror<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<u32, Trap> {
    let Some(msg) = ctx.host().process.dlerror.take() else {
        return Ok(0);
    };
    let buf = match ctx.host_ref().process.dlerror_buf {
        Some(b) => b,
        None => {
            let b = guest_alloc(ctx, DLERROR_BUF, 8)?;
            ctx.host().process.dlerror_buf = Some(b);
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
    let scope = match handle {
        0 => p.scope(None),
        h => p
            .module_by_handle(h)
            .map(|id| p.tree(id))
            .ok_or_else(|| Trap::Host(format!("dlcall {sym}: invalid handle {h:#x}")))?,
    };
    let Some((_, Extern::Func(f))) = p.find_in(&scope, &sym, true) else {
        return Err(Trap::Host(format!("dlcall: symbol `{sym}` not found")));
    };
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
