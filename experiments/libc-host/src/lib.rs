//! The `libc-host` placement: a rudimentary C library implemented by the host, as the seed's
//! JavaScript loader (wasm.js) did, instead of wasi-libc in its own module.
//!
//! The host creates the process: its linear memory (a 64 KiB stack at the bottom, the host libc's
//! data above it, then the heap), the `__stack_pointer` global and table 0. The library itself
//! appears to the dynamic linker as module 0 of the process, like libc.wasm: its exports are host
//! functions and data symbols (`errno`, `stdin`, `stdout`, `stderr`) with absolute addresses, so
//! that symbol resolution, `dlsym`, `GOT.func` and `GOT.mem` work unchanged. A module importing a
//! libc function gets a host function bound for that module, so a function pointer it hands to
//! the library (`qsort`'s comparator, an `atexit` handler) is looked up in that module's table, as
//! the module's own `call_indirect` would.
//!
//! A module importing a wasi-libc name the subset lacks ends the run as `unsupported`, naming the
//! symbol, when it is loaded ([`check_subset`]).

pub mod alloc;
pub mod format;
pub mod math;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use alloc::{Allocator, HeapMemory};
use dylink::engine::{Ctx, Engine, Extern, FuncType, HostFn, Trap, Val, ValType};
use dylink::module_info::{self, Export, ExportKind, ImportKind, ModuleInfo};
use dylink::outcome::{Ending, TrapKind};
use dylink::process::{LoadError, ModId};
use dylink::program::{ending, Program};
use dylink::LibcPlacement;
use format::VaArgs;

const PAGE: u32 = 65536;
/// The stack: `[0, STACK_SIZE)`, growing down from its top. The size of wasm-ld's default stack,
/// which libc.wasm and the static programs have; an overflow runs below 0 and traps.
pub const STACK_SIZE: u32 = 64 << 10;
/// The host libc's data, right above the stack.
const DATA: u32 = STACK_SIZE;
const ERRNO: u32 = DATA;
const STDIN: u32 = DATA + 4;
const STDOUT: u32 = DATA + 8;
const STDERR: u32 = DATA + 12;
/// FILE objects: 16 bytes each (the descriptor, then a tag), what `stdin`/`stdout`/`stderr` point to.
const FILE_IN: u32 = DATA + 16;
const FILE_OUT: u32 = DATA + 32;
const FILE_ERR: u32 = DATA + 48;
const FILE_TAG: u32 = 0x454c_4946; // "FILE"
const HEAP_ROOT: u32 = DATA + 64;
const HEAP_START: u32 = HEAP_ROOT + alloc::ROOT_SIZE;
/// Memory at start: stack, data and the first heap page.
const INITIAL_PAGES: u32 = (HEAP_START + PAGE).div_ceil(PAGE);

// wasi-libc's errno values (WASI's).
const EINVAL: i32 = 28;
const ENOMEM: i32 = 48;
const ERANGE: i32 = 68;

/// The name the host libc has among the process's modules.
pub const MODULE_NAME: &str = "libc (host)";

/// The data symbols the host libc defines, with their addresses.
const DATA_SYMBOLS: [(&str, u32); 4] = [("errno", ERRNO), ("stdin", STDIN), ("stdout", STDOUT), ("stderr", STDERR)];

/// The functions the host libc provides, with their C signatures in wasm32 (a variadic function
/// takes a pointer to its arguments last; `long` and `size_t` are 32-bit).
pub fn function_type(name: &str) -> Option<FuncType> {
    use ValType::{I32, I64};
    let t = |p: &[ValType], r: &[ValType]| FuncType::new(p, r);
    Some(match name {
        "puts" | "putchar" | "malloc" | "strlen" | "strdup" | "atoi" | "atexit" | "fflush" | "strerror" => {
            t(&[I32], &[I32])
        }
        "printf" | "vprintf" | "fputs" | "fputc" | "putc" | "calloc" | "realloc" | "aligned_alloc" | "strcmp"
        | "strcpy" | "strcat" | "strchr" | "strrchr" | "strstr" | "strspn" | "strcspn" => t(&[I32, I32], &[I32]),
        "fprintf" | "vfprintf" | "sprintf" | "vsprintf" | "memcpy" | "memmove" | "memset" | "memcmp" | "strncmp"
        | "strncpy" | "posix_memalign" | "strtol" | "strtoul" | "memchr" => t(&[I32, I32, I32], &[I32]),
        "snprintf" | "vsnprintf" | "fwrite" => t(&[I32, I32, I32, I32], &[I32]),
        "strtoll" | "strtoull" => t(&[I32, I32, I32], &[I64]),
        "free" | "exit" | "_Exit" => t(&[I32], &[]),
        "abort" => t(&[], &[]),
        "qsort" => t(&[I32, I32, I32, I32], &[]),
        "__errno_location" => t(&[], &[I32]),
        _ => return math::function_type(name),
    })
}

/// Every function of the subset but the math ones ([`math::FUNCTIONS`]), in the order the README lists them.
pub const FUNCTIONS: &[&str] = &[
    "puts",
    "putchar",
    "printf",
    "vprintf",
    "fprintf",
    "vfprintf",
    "fputs",
    "fputc",
    "putc",
    "fwrite",
    "fflush",
    "snprintf",
    "vsnprintf",
    "sprintf",
    "vsprintf",
    "malloc",
    "calloc",
    "realloc",
    "free",
    "aligned_alloc",
    "posix_memalign",
    "memcpy",
    "memmove",
    "memset",
    "memcmp",
    "memchr",
    "strlen",
    "strcmp",
    "strncmp",
    "strcpy",
    "strncpy",
    "strcat",
    "strchr",
    "strrchr",
    "strstr",
    "strspn",
    "strcspn",
    "strdup",
    "strtol",
    "strtoul",
    "strtoll",
    "strtoull",
    "atoi",
    "strerror",
    "qsort",
    "atexit",
    "exit",
    "_Exit",
    "abort",
    "__errno_location",
];

/// The host libc's state that is not in linear memory.
pub struct State<E: Engine> {
    pub heap: Allocator,
    /// Registered `atexit` handlers: the pointer and the table it indexes.
    atexit: Vec<(E::Table, u32)>,
    /// `strerror` strings already placed in memory.
    strerror: HashMap<i32, u32>,
    /// libc.wasm, whose export names say which unresolved imports are libc functions.
    libc_wasm: Option<PathBuf>,
    case_exports: Option<Arc<HashSet<String>>>,
}

/// The placement: the host libc, module 0 of the process.
pub struct LibcHost;

impl<E: Engine> LibcPlacement<E> for LibcHost {
    fn boot(&self, ctx: &mut dyn Ctx<E>, program: &Program) -> Result<(), Ending> {
        boot(ctx, program.libc_module.clone()).map_err(|t| ending(Err(t), 0, "setting up the host libc"))
    }

    /// Passes argc/argv, calls main, then the atexit handlers (`exit()` inside main runs them itself).
    fn run_main(&self, ctx: &mut dyn Ctx<E>, program: &Program, main: E::Func) -> Ending {
        let ty = ctx.func_type(main);
        let args = match ty.params.as_slice() {
            [] => Vec::new(),
            [ValType::I32, ValType::I32] => match write_args(ctx, &program.args) {
                Ok((argc, argv)) => vec![Val::I32(argc), Val::I32(argv as i32)],
                Err(t) => return ending(Err(t), 0, "writing argv"),
            },
            _ => return Ending::LinkError(format!("{}: main has type {ty}", program.main_name)),
        };
        let mut r: Vec<Val<E>> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
        if let Err(t) = ctx.call(main, &args, &mut r) {
            return ending(Err(t), 0, "main()");
        }
        let code = r.first().and_then(|v| v.i32()).unwrap_or(0);
        ending(run_atexit(ctx), code, "atexit handlers after main returned")
    }

    fn alloc(&self, ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, Trap> {
        alloc(ctx, size, align)
    }

    fn bind_import(&self, ctx: &mut dyn Ctx<E>, sym: &str, ty: &FuncType, importer: ModId) -> Option<E::Func> {
        bind_for(ctx, sym, ty, importer)
    }

    fn check_subset(&self, ctx: &mut dyn Ctx<E>, id: ModId, info: &ModuleInfo) -> Result<(), LoadError> {
        check_subset(ctx, id, info)
    }
}

fn state<E: Engine>(ctx: &mut dyn Ctx<E>) -> &mut State<E> {
    ctx.host()
        .process
        .placement_state
        .as_mut()
        .and_then(|s| s.downcast_mut::<State<E>>())
        .expect("a libc-host function runs only in a libc-host process")
}

/// Sets the process up: memory, stack pointer, table 0 and the host libc as module 0.
pub fn boot<E: Engine>(ctx: &mut dyn Ctx<E>, libc_wasm: Option<PathBuf>) -> Result<(), Trap> {
    let memory = ctx.memory_new(INITIAL_PAGES)?;
    ctx.host().memory = Some(memory);
    let sp = ctx.global_new(Val::I32(STACK_SIZE as i32), true);
    let table = ctx.table_new(1)?;
    for (cell, file, fd) in [(STDIN, FILE_IN, 0u32), (STDOUT, FILE_OUT, 1), (STDERR, FILE_ERR, 2)] {
        dylink::mem::write_u32(ctx, cell, file)?;
        dylink::mem::write_u32(ctx, file, fd)?;
        dylink::mem::write_u32(ctx, file + 4, FILE_TAG)?;
    }
    let heap = Allocator::init(&mut CtxMem { ctx: &mut *ctx, memory }, HEAP_ROOT, HEAP_START)?;

    let mut exports = HashMap::new();
    let mut listed = Vec::new();
    for &name in FUNCTIONS.iter().chain(math::FUNCTIONS) {
        let ty = function_type(name).expect("every listed function has a type");
        let f = ctx.new_func(&ty, func(name, None));
        exports.insert(name.to_string(), Extern::Func(f));
        listed.push(Export { name: name.to_string(), kind: ExportKind::Func, func_type: Some(ty) });
    }
    for (name, addr) in DATA_SYMBOLS {
        let g = ctx.global_new(Val::I32(addr as i32), false);
        exports.insert(name.to_string(), Extern::Global(g));
        listed.push(Export { name: name.to_string(), kind: ExportKind::Global, func_type: None });
    }
    let proc = &mut ctx.host().process;
    proc.stack_pointer = Some(sp);
    proc.add_libc(MODULE_NAME, ModuleInfo { imports: Vec::new(), exports: listed, dylink: None }, exports, table);
    proc.placement_state = Some(Box::new(State::<E> {
        heap,
        atexit: Vec::new(),
        strerror: HashMap::new(),
        libc_wasm,
        case_exports: None,
    }));
    Ok(())
}

/// The host function for `sym` bound for module `caller` (function pointers it passes index its table).
pub fn bind_for<E: Engine>(ctx: &mut dyn Ctx<E>, sym: &str, ty: &FuncType, caller: ModId) -> Option<E::Func> {
    (function_type(sym).as_ref() == Some(ty)).then(|| ctx.new_func(ty, func(sym, Some(caller))))
}

/// Allocates for the dynamic linker (data segments, the dlerror buffer); a trap when out of memory.
pub fn alloc<E: Engine>(ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, Trap> {
    let heap = state(ctx).heap;
    let memory = memory(ctx)?;
    match heap.alloc(&mut CtxMem { ctx: &mut *ctx, memory }, size.max(1), align)? {
        0 => Err(Trap::Host(format!("out of memory placing {size} bytes"))),
        p => Ok(p),
    }
}

/// Writes `args` as C's argv (strings, then the NULL-terminated pointer array) on the heap.
pub fn write_args<E: Engine>(ctx: &mut dyn Ctx<E>, args: &[String]) -> Result<(i32, u32), Trap> {
    let mut ptrs = Vec::with_capacity(args.len() + 1);
    for a in args {
        let p = alloc(ctx, a.len() as u32 + 1, 1)?;
        let mut bytes = a.as_bytes().to_vec();
        bytes.push(0);
        dylink::mem::write(ctx, p, &bytes)?;
        ptrs.push(p);
    }
    ptrs.push(0);
    let argv = alloc(ctx, 4 * ptrs.len() as u32, 4)?;
    let bytes: Vec<u8> = ptrs.iter().flat_map(|p| p.to_le_bytes()).collect();
    dylink::mem::write(ctx, argv, &bytes)?;
    Ok((args.len() as i32, argv))
}

/// Runs the `atexit` handlers, last registered first. Each is removed before it runs, so an `exit`
/// from a handler runs the remaining ones and none twice (as musl does).
pub fn run_atexit<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<(), Trap> {
    while let Some((table, index)) = state(ctx).atexit.pop() {
        call_pointer(ctx, table, index, &FuncType::new([], []), &[], &mut [])?;
    }
    Ok(())
}

/// A load-time check under libc-host: every import of module `id` that nothing in its scope
/// provides and that names a wasi-libc symbol is outside the subset, and ends the run as
/// unsupported. Other unresolved names (a symbol a library loaded later will define, a symbol
/// nobody defines) are left to the linker's usual rules; so is a libc name one of the case's own
/// libraries defines.
pub fn check_subset<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId, info: &ModuleInfo) -> Result<(), LoadError> {
    let name = ctx.host_ref().process.modules[id].name.clone();
    for imp in &info.imports {
        let (sym, want_func) = match (imp.module.as_str(), &imp.kind) {
            ("GOT.mem", ImportKind::Global { .. }) => (&imp.name, false),
            ("GOT.func", ImportKind::Global { .. }) => (&imp.name, true),
            (_, ImportKind::Func(_)) => (&imp.name, true),
            _ => continue,
        };
        let p = &ctx.host_ref().process;
        if imp.weak
            || info.export(sym).is_some()
            || (want_func && (dylink::dlfcn::is_host_symbol(sym) || p.preload.contains_key(sym.as_str())))
            || p.lookup(Some(id), sym, want_func).is_some()
            || !is_libc_name(ctx, sym)
            || defined_by_case(ctx, sym)
        {
            continue;
        }
        let kind = if want_func { "function" } else { "data symbol" };
        return Err(LoadError::Trap(
            format!("{name}: imports libc {kind} `{sym}`"),
            Trap::Unsupported(format!("outside the libc-host subset: {kind} `{sym}` (imported by {name})")),
        ));
    }
    Ok(())
}

/// Export names of a libc.wasm, parsed once per file.
fn libc_names(path: &PathBuf) -> Option<Arc<HashSet<String>>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<HashSet<String>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(names) = cache.lock().unwrap().get(path) {
        return Some(names.clone());
    }
    let bytes = std::fs::read(path).ok()?;
    let info = module_info::parse(&bytes).ok()?;
    let names: Arc<HashSet<String>> = Arc::new(info.exports.into_iter().map(|e| e.name).collect());
    cache.lock().unwrap().insert(path.clone(), names.clone());
    Some(names)
}

/// Whether `sym` is a wasi-libc name; without libc.wasm to ask, every name counts as one.
fn is_libc_name<E: Engine>(ctx: &mut dyn Ctx<E>, sym: &str) -> bool {
    match state(ctx).libc_wasm.clone().and_then(|p| libc_names(&p)) {
        Some(names) => names.contains(sym),
        None => true,
    }
}

/// Whether one of the case's libraries exports `sym` (so that it is the case's symbol, not libc's).
fn defined_by_case<E: Engine>(ctx: &mut dyn Ctx<E>, sym: &str) -> bool {
    if state(ctx).case_exports.is_none() {
        let files: Vec<PathBuf> = ctx.host_ref().process.libs.values().cloned().collect();
        let mut names = HashSet::new();
        for f in files {
            if let Some(info) = std::fs::read(&f).ok().and_then(|b| module_info::parse(&b).ok()) {
                names.extend(info.exports.into_iter().map(|e| e.name));
            }
        }
        state(ctx).case_exports = Some(Arc::new(names));
    }
    state(ctx).case_exports.as_ref().is_some_and(|n| n.contains(sym))
}

// ---------------------------------------------------------------------------------------------
// Memory access.

fn memory<E: Engine>(ctx: &dyn Ctx<E>) -> Result<E::Memory, Trap> {
    ctx.host_ref().memory.ok_or_else(|| Trap::Host("no linear memory".into()))
}

/// The process memory as the allocator sees it.
struct CtxMem<'a, E: Engine> {
    ctx: &'a mut dyn Ctx<E>,
    memory: E::Memory,
}

impl<E: Engine> HeapMemory for CtxMem<'_, E> {
    fn load(&mut self, addr: u32) -> Result<u32, Trap> {
        let mut b = [0u8; 4];
        self.ctx.memory_read(self.memory, addr as u64, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn store(&mut self, addr: u32, v: u32) -> Result<(), Trap> {
        self.ctx.memory_write(self.memory, addr as u64, &v.to_le_bytes())
    }
    fn size(&mut self) -> u64 {
        self.ctx.memory_size(self.memory)
    }
    fn grow(&mut self, pages: u32) -> Result<bool, Trap> {
        Ok(self.ctx.memory_grow(self.memory, pages).is_some())
    }
    fn copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), Trap> {
        let mut buf = vec![0; len as usize];
        self.ctx.memory_read(self.memory, src as u64, &mut buf)?;
        self.ctx.memory_write(self.memory, dst as u64, &buf)
    }
    fn fill(&mut self, dst: u32, byte: u8, len: u32) -> Result<(), Trap> {
        self.ctx.memory_write(self.memory, dst as u64, &vec![byte; len as usize])
    }
}

/// Traps (before allocating anything) when `[addr, addr+len)` is not inside memory.
fn in_bounds<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, len: u32) -> Result<E::Memory, Trap> {
    let m = memory(ctx)?;
    if addr as u64 + len as u64 > ctx.memory_size(m) {
        return Err(Trap::Wasm(TrapKind::MemoryOutOfBounds));
    }
    Ok(m)
}

fn read<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, len: u32) -> Result<Vec<u8>, Trap> {
    let m = in_bounds(ctx, addr, len)?;
    let mut buf = vec![0; len as usize];
    ctx.memory_read(m, addr as u64, &mut buf)?;
    Ok(buf)
}

fn write<E: Engine>(ctx: &mut dyn Ctx<E>, addr: u32, data: &[u8]) -> Result<(), Trap> {
    let m = memory(ctx)?;
    ctx.memory_write(m, addr as u64, data)
}

fn read_u32<E: Engine>(ctx: &dyn Ctx<E>, addr: u32) -> Result<u32, Trap> {
    Ok(u32::from_le_bytes(read(ctx, addr, 4)?.try_into().unwrap()))
}

/// The bytes of the C string at `addr` (without its NUL), at most `max`; running off the end of
/// memory before a NUL traps as the guest's own loop would.
fn cstr_max<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, max: Option<usize>) -> Result<Vec<u8>, Trap> {
    let m = memory(ctx)?;
    let size = ctx.memory_size(m);
    let mut out = Vec::new();
    let mut at = addr as u64;
    let mut chunk = [0u8; 256];
    loop {
        let room = max.map_or(usize::MAX, |mx| mx - out.len());
        if room == 0 {
            return Ok(out);
        }
        let n = chunk.len().min(size.saturating_sub(at) as usize).min(room);
        if n == 0 {
            return Err(Trap::Wasm(TrapKind::MemoryOutOfBounds));
        }
        ctx.memory_read(m, at, &mut chunk[..n])?;
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
        at += n as u64;
    }
}

fn cstr<E: Engine>(ctx: &dyn Ctx<E>, addr: u32) -> Result<Vec<u8>, Trap> {
    cstr_max(ctx, addr, None)
}

fn set_errno<E: Engine>(ctx: &mut dyn Ctx<E>, e: i32) -> Result<(), Trap> {
    write(ctx, ERRNO, &e.to_le_bytes())
}

/// Appends to the captured stdout (fd 1) or stderr (fd 2).
fn emit<E: Engine>(ctx: &mut dyn Ctx<E>, fd: u32, bytes: &[u8]) -> Result<(), Trap> {
    charge(ctx, bytes.len() as u64)?;
    ctx.host().wasi.capture(fd, bytes)
}

/// The descriptor behind a `FILE *` the guest passes; only the host's own three streams exist.
fn stream<E: Engine>(_ctx: &dyn Ctx<E>, file: u32, what: &str) -> Result<u32, Trap> {
    match file {
        FILE_IN => Ok(0),
        FILE_OUT => Ok(1),
        FILE_ERR => Ok(2),
        _ => Err(Trap::Host(format!("{what}: {file:#x} is not a FILE of the host libc (stdin, stdout, stderr)"))),
    }
}

/// Writes to a stream; writing to stdin fails as in C (EOF, errno EBADF).
fn put<E: Engine>(ctx: &mut dyn Ctx<E>, file: u32, bytes: &[u8], what: &str) -> Result<bool, Trap> {
    match stream(ctx, file, what)? {
        0 => {
            set_errno(ctx, dylink::wasi::EBADF)?;
            Ok(false)
        }
        fd => emit(ctx, fd, bytes).map(|_| true),
    }
}

// ---------------------------------------------------------------------------------------------
// Varargs and calls through function pointers.

/// The wasm32 va_list: a pointer into memory; each argument aligned to its size, at least 4.
struct MemArgs<'a, E: Engine> {
    ctx: &'a mut dyn Ctx<E>,
    at: u32,
}

impl<E: Engine> VaArgs for MemArgs<'_, E> {
    fn next_u32(&mut self) -> Result<u32, Trap> {
        let v = read_u32(self.ctx, self.at)?;
        self.at = self.at.wrapping_add(4);
        Ok(v)
    }
    fn next_u64(&mut self) -> Result<u64, Trap> {
        self.at = self.at.div_ceil(8).wrapping_mul(8);
        let v = u64::from_le_bytes(read(self.ctx, self.at, 8)?.try_into().unwrap());
        self.at = self.at.wrapping_add(8);
        Ok(v)
    }
    fn next_f64(&mut self) -> Result<f64, Trap> {
        self.next_u64().map(f64::from_bits)
    }
    fn string(&mut self, addr: u32, max: Option<usize>) -> Result<Vec<u8>, Trap> {
        cstr_max(self.ctx, addr, max)
    }
}

/// `vsnprintf`'s core: the formatted bytes, or `None` for a format C rejects (errno EINVAL).
fn vformat<E: Engine>(ctx: &mut dyn Ctx<E>, fmt: u32, va: u32) -> Result<Option<Vec<u8>>, Trap> {
    let fmt = cstr(ctx, fmt)?;
    let r = format::format(&fmt, &mut MemArgs { ctx: &mut *ctx, at: va })?;
    if r.is_none() {
        set_errno(ctx, EINVAL)?;
    }
    Ok(r)
}

/// Calls the function at `index` of `table` with signature `ty`, trapping as `call_indirect` would.
fn call_pointer<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    table: E::Table,
    index: u32,
    ty: &FuncType,
    args: &[Val<E>],
    results: &mut [Val<E>],
) -> Result<(), Trap> {
    let f = match ctx.table_get(table, index) {
        None => return Err(Trap::Wasm(TrapKind::TableOutOfBounds)),
        Some(None) => return Err(Trap::Wasm(TrapKind::IndirectCallToNull)),
        Some(Some(f)) => f,
    };
    if ctx.func_type(f) != *ty {
        return Err(Trap::Wasm(TrapKind::BadSignature));
    }
    ctx.call(f, args, results)
}

/// The table a function pointer from `caller` indexes (the host libc's own when called through a pointer).
fn table_of<E: Engine>(ctx: &dyn Ctx<E>, caller: Option<ModId>) -> E::Table {
    let p = &ctx.host_ref().process;
    let id = caller.or(p.libc).expect("a libc-host process has its libc");
    p.tables[p.modules[id].table].table
}

// ---------------------------------------------------------------------------------------------
// The functions.

fn arg<E: Engine>(args: &[Val<E>], i: usize) -> u32 {
    args.get(i).and_then(|v| v.i32()).unwrap_or(0) as u32
}

fn ret<E: Engine>(results: &mut [Val<E>], v: i32) -> Result<(), Trap> {
    if let Some(r) = results.first_mut() {
        *r = Val::I32(v);
    }
    Ok(())
}

/// Result of a string or memory function returning a pointer.
fn ret_ptr<E: Engine>(results: &mut [Val<E>], p: u32) -> Result<(), Trap> {
    ret(results, p as i32)
}

fn heap_call<E: Engine, R>(
    ctx: &mut dyn Ctx<E>,
    f: impl FnOnce(&Allocator, &mut dyn HeapMemory) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let heap = state(ctx).heap;
    let memory = memory(ctx)?;
    f(&heap, &mut CtxMem { ctx: &mut *ctx, memory })
}

/// `malloc`-style result: the pointer, or 0 with errno ENOMEM.
fn ret_alloc<E: Engine>(ctx: &mut dyn Ctx<E>, results: &mut [Val<E>], p: u32) -> Result<(), Trap> {
    if p == 0 {
        set_errno(ctx, ENOMEM)?;
    }
    ret_ptr(results, p)
}

/// The body of host libc function `name`; `caller` is the importing module (None through a pointer).
pub fn func<E: Engine>(name: &str, caller: Option<ModId>) -> HostFn<E> {
    let f: HostFn<E> = match name {
        "puts" => Arc::new(|ctx, a, r| {
            let mut s = cstr(ctx, arg(a, 0))?;
            s.push(b'\n');
            let ok = put(ctx, FILE_OUT, &s, "puts")?;
            ret(r, if ok { 0 } else { -1 })
        }),
        "putchar" => Arc::new(|ctx, a, r| {
            let c = arg(a, 0) as u8;
            emit(ctx, 1, &[c])?;
            ret(r, c as i32)
        }),
        "fputc" | "putc" => Arc::new(|ctx, a, r| {
            let c = arg(a, 0) as u8;
            let ok = put(ctx, arg(a, 1), &[c], "fputc")?;
            ret(r, if ok { c as i32 } else { -1 })
        }),
        "fputs" => Arc::new(|ctx, a, r| {
            let s = cstr(ctx, arg(a, 0))?;
            let ok = put(ctx, arg(a, 1), &s, "fputs")?;
            ret(r, if ok { 0 } else { -1 })
        }),
        "fwrite" => Arc::new(|ctx, a, r| {
            let (ptr, size, n, file) = (arg(a, 0), arg(a, 1), arg(a, 2), arg(a, 3));
            let total = size.checked_mul(n).ok_or_else(|| Trap::Host("fwrite: size overflows".into()))?;
            if total == 0 {
                return ret(r, 0);
            }
            let bytes = read(ctx, ptr, total)?;
            let ok = put(ctx, file, &bytes, "fwrite")?;
            ret(r, if ok { n as i32 } else { 0 })
        }),
        // Output is never buffered by the host.
        "fflush" => Arc::new(|ctx, a, r| {
            if arg(a, 0) != 0 {
                stream(ctx, arg(a, 0), "fflush")?;
            }
            ret(r, 0)
        }),
        "printf" | "vprintf" => Arc::new(|ctx, a, r| {
            let n = match vformat(ctx, arg(a, 0), arg(a, 1))? {
                Some(out) => {
                    emit(ctx, 1, &out)?;
                    out.len() as i32
                }
                None => -1,
            };
            ret(r, n)
        }),
        "fprintf" | "vfprintf" => Arc::new(|ctx, a, r| {
            let file = arg(a, 0);
            stream(ctx, file, "fprintf")?;
            let n = match vformat(ctx, arg(a, 1), arg(a, 2))? {
                Some(out) if put(ctx, file, &out, "fprintf")? => out.len() as i32,
                _ => -1,
            };
            ret(r, n)
        }),
        "snprintf" | "vsnprintf" => Arc::new(|ctx, a, r| {
            let (buf, size) = (arg(a, 0), arg(a, 1));
            let Some(out) = vformat(ctx, arg(a, 2), arg(a, 3))? else {
                return ret(r, -1);
            };
            if size > 0 {
                let n = out.len().min(size as usize - 1);
                let mut bytes = out[..n].to_vec();
                bytes.push(0);
                write(ctx, buf, &bytes)?;
            }
            ret(r, out.len() as i32)
        }),
        "sprintf" | "vsprintf" => Arc::new(|ctx, a, r| {
            let Some(mut out) = vformat(ctx, arg(a, 1), arg(a, 2))? else {
                return ret(r, -1);
            };
            let n = out.len() as i32;
            out.push(0);
            write(ctx, arg(a, 0), &out)?;
            ret(r, n)
        }),
        "malloc" => Arc::new(|ctx, a, r| {
            let p = heap_call(ctx, |h, m| h.malloc(m, arg(a, 0)))?;
            ret_alloc(ctx, r, p)
        }),
        "calloc" => Arc::new(|ctx, a, r| {
            let p = match arg(a, 0).checked_mul(arg(a, 1)) {
                Some(n) => heap_call(ctx, |h, m| {
                    let p = h.malloc(m, n)?;
                    if p != 0 {
                        m.fill(p, 0, n)?;
                    }
                    Ok(p)
                })?,
                None => 0,
            };
            ret_alloc(ctx, r, p)
        }),
        "realloc" => Arc::new(|ctx, a, r| {
            let (p, n) = (arg(a, 0), arg(a, 1));
            let q = heap_call(ctx, |h, m| h.realloc(m, p, n))?;
            if q == 0 && n != 0 {
                set_errno(ctx, ENOMEM)?;
            }
            ret_ptr(r, q)
        }),
        "free" => Arc::new(|ctx, a, _r| heap_call(ctx, |h, m| h.free(m, arg(a, 0)))),
        "aligned_alloc" => Arc::new(|ctx, a, r| {
            let (align, n) = (arg(a, 0), arg(a, 1));
            if !align.is_power_of_two() {
                set_errno(ctx, EINVAL)?;
                return ret_ptr(r, 0);
            }
            let p = heap_call(ctx, |h, m| h.alloc(m, n, align))?;
            ret_alloc(ctx, r, p)
        }),
        "posix_memalign" => Arc::new(|ctx, a, r| {
            let (out, align, n) = (arg(a, 0), arg(a, 1), arg(a, 2));
            if !align.is_power_of_two() || align < 4 {
                return ret(r, EINVAL);
            }
            let p = heap_call(ctx, |h, m| h.alloc(m, n, align))?;
            if p == 0 {
                return ret(r, ENOMEM);
            }
            write(ctx, out, &p.to_le_bytes())?;
            ret(r, 0)
        }),
        "memcpy" | "memmove" => Arc::new(|ctx, a, r| {
            let (dst, src, n) = (arg(a, 0), arg(a, 1), arg(a, 2));
            let bytes = read(ctx, src, n)?;
            write(ctx, dst, &bytes)?;
            ret_ptr(r, dst)
        }),
        "memset" => Arc::new(|ctx, a, r| {
            let (dst, c, n) = (arg(a, 0), arg(a, 1) as u8, arg(a, 2));
            in_bounds(ctx, dst, n)?;
            write(ctx, dst, &vec![c; n as usize])?;
            ret_ptr(r, dst)
        }),
        "memcmp" => Arc::new(|ctx, a, r| {
            let n = arg(a, 2);
            let (x, y) = (read(ctx, arg(a, 0), n)?, read(ctx, arg(a, 1), n)?);
            let d = x.iter().zip(&y).find(|(p, q)| p != q).map_or(0, |(p, q)| *p as i32 - *q as i32);
            ret(r, d)
        }),
        "strlen" => Arc::new(|ctx, a, r| {
            let n = cstr(ctx, arg(a, 0))?.len();
            ret(r, n as i32)
        }),
        "strcmp" => Arc::new(|ctx, a, r| {
            let (x, y) = (cstr(ctx, arg(a, 0))?, cstr(ctx, arg(a, 1))?);
            ret(r, compare(&x, &y, usize::MAX))
        }),
        "strncmp" => Arc::new(|ctx, a, r| {
            let n = arg(a, 2) as usize;
            let (x, y) = (cstr_max(ctx, arg(a, 0), Some(n))?, cstr_max(ctx, arg(a, 1), Some(n))?);
            ret(r, compare(&x, &y, n))
        }),
        "strcpy" => Arc::new(|ctx, a, r| {
            let mut s = cstr(ctx, arg(a, 1))?;
            s.push(0);
            write(ctx, arg(a, 0), &s)?;
            ret_ptr(r, arg(a, 0))
        }),
        "strncpy" => Arc::new(|ctx, a, r| {
            let n = arg(a, 2) as usize;
            let mut s = cstr_max(ctx, arg(a, 1), Some(n))?;
            s.resize(n, 0);
            write(ctx, arg(a, 0), &s)?;
            ret_ptr(r, arg(a, 0))
        }),
        "strcat" => Arc::new(|ctx, a, r| {
            let dst = arg(a, 0);
            let end = dst + cstr(ctx, dst)?.len() as u32;
            let mut s = cstr(ctx, arg(a, 1))?;
            s.push(0);
            write(ctx, end, &s)?;
            ret_ptr(r, dst)
        }),
        "strchr" | "strrchr" => {
            let last = name == "strrchr";
            Arc::new(move |ctx, a, r| {
                let (s, c) = (arg(a, 0), arg(a, 1) as u8);
                let mut bytes = cstr(ctx, s)?;
                bytes.push(0);
                let at = if last { bytes.iter().rposition(|&b| b == c) } else { bytes.iter().position(|&b| b == c) };
                ret_ptr(r, at.map_or(0, |i| s + i as u32))
            })
        }
        // The length of the prefix made of bytes in (strspn) or not in (strcspn) the set.
        "strspn" | "strcspn" => {
            let inside = name == "strspn";
            Arc::new(move |ctx, a, r| {
                let (s, set) = (cstr(ctx, arg(a, 0))?, cstr(ctx, arg(a, 1))?);
                let n = s.iter().take_while(|c| set.contains(c) == inside).count();
                ret(r, n as i32)
            })
        }
        // Reads no further than the first match, as C allows a size past the object's end.
        "memchr" => Arc::new(|ctx, a, r| {
            let (s, c, n) = (arg(a, 0), arg(a, 1) as u8, arg(a, 2));
            let mut done = 0u32;
            while done < n {
                let chunk = (n - done).min(256);
                let bytes = read(ctx, s.wrapping_add(done), chunk)?;
                if let Some(i) = bytes.iter().position(|&b| b == c) {
                    return ret_ptr(r, s + done + i as u32);
                }
                done += chunk;
            }
            ret_ptr(r, 0)
        }),
        "strstr" => Arc::new(|ctx, a, r| {
            let (h, n) = (arg(a, 0), arg(a, 1));
            let (hay, needle) = (cstr(ctx, h)?, cstr(ctx, n)?);
            let at = if needle.is_empty() {
                Some(0)
            } else {
                hay.windows(needle.len()).position(|w| w == needle.as_slice())
            };
            ret_ptr(r, at.map_or(0, |i| h + i as u32))
        }),
        "strdup" => Arc::new(|ctx, a, r| {
            let mut s = cstr(ctx, arg(a, 0))?;
            s.push(0);
            let p = heap_call(ctx, |h, m| h.malloc(m, s.len() as u32))?;
            if p != 0 {
                write(ctx, p, &s)?;
            }
            ret_alloc(ctx, r, p)
        }),
        "strtol" | "strtoul" | "strtoll" | "strtoull" | "atoi" => {
            let (signed, bits) = match name {
                "strtol" | "atoi" => (true, 32),
                "strtoul" => (false, 32),
                "strtoll" => (true, 64),
                _ => (false, 64),
            };
            let atoi = name == "atoi";
            Arc::new(move |ctx, a, r| {
                let (s, endp, base) = if atoi { (arg(a, 0), 0, 10) } else { (arg(a, 0), arg(a, 1), arg(a, 2) as i32) };
                let text = cstr(ctx, s)?;
                let parsed = strto(&text, base, signed, bits);
                if endp != 0 {
                    write(ctx, endp, &(s + parsed.end as u32).to_le_bytes())?;
                }
                if let Some(e) = parsed.errno {
                    if !atoi {
                        set_errno(ctx, e)?;
                    }
                }
                match r.first_mut() {
                    Some(slot @ Val::I64(_)) => *slot = Val::I64(parsed.value as i64),
                    Some(slot) => *slot = Val::I32(parsed.value as u32 as i32),
                    None => {}
                }
                Ok(())
            })
        }
        "strerror" => Arc::new(|ctx, a, r| {
            let e = arg(a, 0) as i32;
            let p = match state(ctx).strerror.get(&e) {
                Some(&p) => p,
                None => {
                    let mut msg = strerror_message(e).as_bytes().to_vec();
                    msg.push(0);
                    let p = alloc(ctx, msg.len() as u32, 1)?;
                    write(ctx, p, &msg)?;
                    state(ctx).strerror.insert(e, p);
                    p
                }
            };
            ret_ptr(r, p)
        }),
        "__errno_location" => Arc::new(|_ctx, _a, r| ret_ptr(r, ERRNO)),
        "qsort" => Arc::new(move |ctx, a, _r| {
            let (base, n, size, cmp) = (arg(a, 0), arg(a, 1), arg(a, 2), arg(a, 3));
            let table = table_of(ctx, caller);
            qsort(ctx, base, n, size, table, cmp)
        }),
        "atexit" => Arc::new(move |ctx, a, r| {
            let table = table_of(ctx, caller);
            state(ctx).atexit.push((table, arg(a, 0)));
            ret(r, 0)
        }),
        "exit" => Arc::new(|ctx, a, _r| {
            run_atexit(ctx)?;
            Err(Trap::Exit(arg(a, 0) as i32))
        }),
        "_Exit" => Arc::new(|_ctx, a, _r| Err(Trap::Exit(arg(a, 0) as i32))),
        "abort" => Arc::new(|_ctx, _a, _r| Err(Trap::Host("abort() called".into()))),
        _ => math::func(name).unwrap_or_else(|| unreachable!("not a host libc function: {name}")),
    };
    // Host work is charged to the guest's fuel like its own code: a call, plus the bytes a memory
    // function is asked to touch (output is charged where it is written).
    let sized = matches!(name, "memcpy" | "memmove" | "memset" | "memcmp" | "strncmp" | "strncpy");
    Arc::new(move |ctx, a, r| {
        charge(ctx, if sized { arg(a, 2) as u64 } else { 0 })?;
        f(ctx, a, r)
    })
}

/// Fuel for host work on `bytes` bytes: one unit per call and per 8 bytes, about what the guest's
/// own word-at-a-time loop would burn.
fn charge<E: Engine>(ctx: &mut dyn Ctx<E>, bytes: u64) -> Result<(), Trap> {
    ctx.consume_fuel(1 + bytes / 8)
}

/// strcmp/strncmp over strings already cut at their NUL (or at `n`): musl's byte difference.
fn compare(x: &[u8], y: &[u8], n: usize) -> i32 {
    for i in 0..n {
        let (p, q) = (x.get(i).copied().unwrap_or(0), y.get(i).copied().unwrap_or(0));
        if p != q || p == 0 {
            return p as i32 - q as i32;
        }
    }
    0
}

struct Parsed {
    value: u64,
    /// Bytes consumed (0 when no digits: endptr is the string itself).
    end: usize,
    errno: Option<i32>,
}

/// C's strtol family over `s`: whitespace, a sign, a base prefix, digits; saturating with ERANGE.
fn strto(s: &[u8], base: i32, signed: bool, bits: u32) -> Parsed {
    if base < 0 || base == 1 || base > 36 {
        return Parsed { value: 0, end: 0, errno: Some(EINVAL) };
    }
    let mut i = s.iter().take_while(|&&c| c == b' ' || (b'\t'..=b'\r').contains(&c)).count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digit = |c: Option<&u8>| -> Option<u32> { c.and_then(|c| (*c as char).to_digit(36)) };
    let mut base = base as u32;
    let hex_prefix = s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && digit(s.get(i + 2)).is_some_and(|d| d < 16);
    if (base == 0 || base == 16) && hex_prefix {
        base = 16;
        i += 2;
    } else if base == 0 {
        base = if s.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    let mut acc: u128 = 0;
    while let Some(d) = digit(s.get(i)).filter(|&d| d < base) {
        acc = (acc * base as u128 + d as u128).min(u64::MAX as u128 + 1);
        i += 1;
    }
    if i == start {
        return Parsed { value: 0, end: 0, errno: None };
    }
    let umax: u128 = if bits == 32 { u32::MAX as u128 } else { u64::MAX as u128 };
    let (value, errno) = if signed {
        let max = umax >> 1;
        if neg && acc > max + 1 {
            ((max + 1).wrapping_neg() as u64, Some(ERANGE))
        } else if !neg && acc > max {
            (max as u64, Some(ERANGE))
        } else if neg {
            ((acc as u64).wrapping_neg(), None)
        } else {
            (acc as u64, None)
        }
    } else if acc > umax {
        (umax as u64, Some(ERANGE))
    } else if neg {
        ((acc as u64).wrapping_neg() & umax as u64, None)
    } else {
        (acc as u64, None)
    };
    Parsed { value, end: i, errno }
}

/// `qsort`'s array and comparator.
struct Sort<E: Engine> {
    base: u32,
    size: u32,
    table: E::Table,
    cmp: u32,
}

impl<E: Engine> Sort<E> {
    fn at(&self, i: u32) -> u32 {
        self.base + i * self.size
    }

    fn less(&self, ctx: &mut dyn Ctx<E>, i: u32, j: u32) -> Result<bool, Trap> {
        let ty = FuncType::new([ValType::I32, ValType::I32], [ValType::I32]);
        let mut out = [Val::I32(0)];
        call_pointer(
            ctx,
            self.table,
            self.cmp,
            &ty,
            &[Val::I32(self.at(i) as i32), Val::I32(self.at(j) as i32)],
            &mut out,
        )?;
        Ok(out[0].i32().unwrap_or(0) < 0)
    }

    fn swap(&self, ctx: &mut dyn Ctx<E>, i: u32, j: u32) -> Result<(), Trap> {
        let (x, y) = (read(ctx, self.at(i), self.size)?, read(ctx, self.at(j), self.size)?);
        write(ctx, self.at(i), &y)?;
        write(ctx, self.at(j), &x)
    }

    fn sift(&self, ctx: &mut dyn Ctx<E>, mut root: u32, end: u32) -> Result<(), Trap> {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return Ok(());
            }
            if child + 1 < end && self.less(ctx, child, child + 1)? {
                child += 1;
            }
            if !self.less(ctx, root, child)? {
                return Ok(());
            }
            self.swap(ctx, root, child)?;
            root = child;
        }
    }
}

/// Heapsort in place, comparing through the caller's function pointer (qsort is not stable in C either).
fn qsort<E: Engine>(ctx: &mut dyn Ctx<E>, base: u32, n: u32, size: u32, table: E::Table, cmp: u32) -> Result<(), Trap> {
    if n < 2 || size == 0 {
        return Ok(());
    }
    let s = Sort::<E> { base, size, table, cmp };
    for start in (0..n / 2).rev() {
        s.sift(ctx, start, n)?;
    }
    for end in (1..n).rev() {
        s.swap(ctx, 0, end)?;
        s.sift(ctx, 0, end)?;
    }
    Ok(())
}

/// wasi-libc's `strerror` messages, indexed by its (WASI) errno values; others read "Success" as there.
fn strerror_message(e: i32) -> &'static str {
    const MESSAGES: [&str; 77] = [
        "Success",
        "Argument list too long",
        "Permission denied",
        "Address in use",
        "Address not available",
        "Address family not supported by protocol",
        "Resource temporarily unavailable",
        "Operation already in progress",
        "Bad file descriptor",
        "Bad message",
        "Resource busy",
        "Operation canceled",
        "No child process",
        "Connection aborted",
        "Connection refused",
        "Connection reset by peer",
        "Resource deadlock would occur",
        "Destination address required",
        "Domain error",
        "Quota exceeded",
        "File exists",
        "Bad address",
        "File too large",
        "Host is unreachable",
        "Identifier removed",
        "Illegal byte sequence",
        "Operation in progress",
        "Interrupted system call",
        "Invalid argument",
        "I/O error",
        "Socket is connected",
        "Is a directory",
        "Symbolic link loop",
        "No file descriptors available",
        "Too many links",
        "Message too large",
        "Multihop attempted",
        "Filename too long",
        "Network is down",
        "Connection reset by network",
        "Network unreachable",
        "Too many open files in system",
        "No buffer space available",
        "No such device",
        "No such file or directory",
        "Exec format error",
        "No locks available",
        "Link has been severed",
        "Out of memory",
        "No message of desired type",
        "Protocol not available",
        "No space left on device",
        "Function not implemented",
        "Socket not connected",
        "Not a directory",
        "Directory not empty",
        "State not recoverable",
        "Not a socket",
        "Not supported",
        "Not a tty",
        "No such device or address",
        "Value too large for data type",
        "Previous owner died",
        "Operation not permitted",
        "Broken pipe",
        "Protocol error",
        "Protocol not supported",
        "Protocol wrong type for socket",
        "Result not representable",
        "Read-only file system",
        "Invalid seek",
        "No such process",
        "Stale file handle",
        "Operation timed out",
        "Text file busy",
        "Cross-device link",
        "Capabilities insufficient",
    ];
    usize::try_from(e).ok().and_then(|i| MESSAGES.get(i)).copied().unwrap_or(MESSAGES[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, base: i32, signed: bool, bits: u32) -> (i128, usize, Option<i32>) {
        let p = strto(s.as_bytes(), base, signed, bits);
        let v = match (signed, bits) {
            (true, 32) => p.value as u32 as i32 as i128,
            (true, _) => p.value as i64 as i128,
            (false, 32) => p.value as u32 as i128,
            _ => p.value as i128,
        };
        (v, p.end, p.errno)
    }

    #[test]
    fn strtol_follows_c() {
        assert_eq!(parse("  -42xyz", 10, true, 32), (-42, 5, None));
        assert_eq!(parse("99999999999999999999", 10, true, 32), (i32::MAX as i128, 20, Some(ERANGE)));
        assert_eq!(parse("-99999999999999999999", 10, true, 32), (i32::MIN as i128, 21, Some(ERANGE)));
        assert_eq!(parse("-2147483648", 10, true, 32), (i32::MIN as i128, 11, None));
        assert_eq!(parse("2147483648", 10, true, 32), (i32::MAX as i128, 10, Some(ERANGE)));
        assert_eq!(parse("0x1f", 0, true, 32), (31, 4, None));
        assert_eq!(parse("0x", 0, true, 32), (0, 1, None));
        assert_eq!(parse("0x1f", 16, true, 32), (31, 4, None));
        assert_eq!(parse("017", 0, true, 32), (15, 3, None));
        assert_eq!(parse("z", 36, true, 32), (35, 1, None));
        assert_eq!(parse("  +", 10, true, 32), (0, 0, None));
        assert_eq!(parse("12", 1, true, 32), (0, 0, Some(EINVAL)));
        assert_eq!(parse("99999999999999999999999", 10, false, 32), (u32::MAX as i128, 23, Some(ERANGE)));
        assert_eq!(parse("-1", 10, false, 32), (u32::MAX as i128, 2, None));
        assert_eq!(parse("4294967295", 10, false, 32), (u32::MAX as i128, 10, None));
        assert_eq!(parse("-9223372036854775808", 10, true, 64), (i64::MIN as i128, 20, None));
        assert_eq!(parse("18446744073709551616", 10, false, 64), (u64::MAX as i128, 20, Some(ERANGE)));
    }

    #[test]
    fn compare_is_musls_difference() {
        assert_eq!(compare(b"abc", b"abd", usize::MAX), -1);
        assert_eq!(compare(b"dynamic linking", b"dynamic", usize::MAX), b' ' as i32);
        assert_eq!(compare(b"ab", b"ab", usize::MAX), 0);
        assert_eq!(compare(b"abc", b"abd", 2), 0);
        assert_eq!(compare(b"\xff", b"a", usize::MAX), 0xff - b'a' as i32);
    }

    #[test]
    fn strerror_matches_wasi_libc() {
        assert_eq!(strerror_message(ERANGE), "Result not representable");
        assert_eq!(strerror_message(18), "Domain error");
        assert_eq!(strerror_message(0), "Success");
        assert_eq!(strerror_message(77), "Success");
        assert_eq!(strerror_message(-1), "Success");
    }

    #[test]
    fn every_function_has_a_type_and_a_body() {
        for &f in FUNCTIONS.iter().chain(math::FUNCTIONS) {
            assert!(function_type(f).is_some(), "{f}");
            let _: HostFn<NoEngine> = func(f, None);
        }
    }

    /// An engine type for instantiating generic code in tests that never run it.
    #[derive(Clone)]
    struct NoEngine;
    impl Engine for NoEngine {
        type Module = ();
        type Func = ();
        type Table = ();
        type Memory = ();
        type Global = ();
        type Store = ();
        fn name(&self) -> &'static str {
            "none"
        }
        fn settings(&self) -> Vec<(String, String)> {
            Vec::new()
        }
        fn compile(&self, _bytes: &[u8]) -> anyhow::Result<()> {
            Ok(())
        }
        fn new_store(&self, _host: dylink::Host<Self>, _limits: &dylink::engine::Limits) {}
        fn enter<R>(&self, _store: &mut (), _f: impl FnOnce(&mut dyn Ctx<Self>) -> R) -> R {
            unimplemented!()
        }
        fn into_host(&self, _store: ()) -> dylink::Host<Self> {
            unimplemented!()
        }
    }
}
