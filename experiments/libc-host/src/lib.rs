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
mod calls;
pub mod format;
mod functions;
pub mod math;
mod memory;
pub mod pthread;
mod sort;
mod strings;
mod subset;

use calls::*;
pub use functions::func;
use functions::*;
use memory::*;
use sort::*;
use strings::*;
pub use subset::check_subset;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use alloc::{Allocator, HeapMemory};
use dylink::engine::{Ctx, Engine, Extern, FuncType, HostFn, SharedMemory, Trap, Val, ValType};
use dylink::module_info::{self, Export, ExportKind, ImportKind, ModuleInfo};
use dylink::outcome::{Ending, TrapKind};
use dylink::process::{LoadError, ModId};
use dylink::program::{ending, Program};
use dylink::LibcPlacement;
use format::VaArgs;

pub(crate) const PAGE: u32 = 65536;
/// The stack: `[0, STACK_SIZE)`, growing down from its top. The size of wasm-ld's default stack,
/// which libc.wasm and the static programs have; an overflow runs below 0 and traps.
pub const STACK_SIZE: u32 = 64 << 10;
/// The host libc's data, right above the stack.
pub(crate) const DATA: u32 = STACK_SIZE;
pub(crate) const ERRNO: u32 = DATA;
pub(crate) const STDIN: u32 = DATA + 4;
pub(crate) const STDOUT: u32 = DATA + 8;
pub(crate) const STDERR: u32 = DATA + 12;
/// FILE objects: 16 bytes each (the descriptor, then a tag), what `stdin`/`stdout`/`stderr` point to.
pub(crate) const FILE_IN: u32 = DATA + 16;
pub(crate) const FILE_OUT: u32 = DATA + 32;
pub(crate) const FILE_ERR: u32 = DATA + 48;
pub(crate) const FILE_TAG: u32 = 0x454c_4946; // "FILE"
pub(crate) const HEAP_ROOT: u32 = DATA + 64;
pub(crate) const HEAP_START: u32 = HEAP_ROOT + alloc::ROOT_SIZE;
/// Memory at start: stack, data and the first heap page.
pub(crate) const INITIAL_PAGES: u32 = (HEAP_START + PAGE).div_ceil(PAGE);

// wasi-libc's errno values (WASI's).
pub(crate) const EINVAL: i32 = 28;
pub(crate) const ENOMEM: i32 = 48;
pub(crate) const ERANGE: i32 = 68;

/// The name the host libc has among the process's modules.
pub const MODULE_NAME: &str = "libc (host)";

/// The data symbols the host libc defines, with their addresses.
pub(crate) const DATA_SYMBOLS: [(&str, u32); 4] =
    [("errno", ERRNO), ("stdin", STDIN), ("stdout", STDOUT), ("stderr", STDERR)];

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
        _ => return math::function_type(name).or_else(|| pthread::function_type(name)),
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
    /// Registered `atexit` handlers: the pointer, the table it indexes and the memory domain it runs in.
    atexit: Vec<(E::Table, u32, usize)>,
    /// `strerror` strings already placed in memory, by (domain, errno).
    strerror: HashMap<(usize, i32), u32>,
    /// libc.wasm, whose export names say which unresolved imports are libc functions.
    libc_wasm: Option<PathBuf>,
    case_exports: Option<Arc<HashSet<String>>>,
    /// Mutexes and condition variables: the threads' shared registry, or this process's own.
    locks: Arc<dylink::threads::Locks>,
    /// This thread's `pthread_setspecific` values, by key.
    keys: HashMap<u32, u32>,
}

/// The placement: the host libc, module 0 of the process.
pub struct LibcHost;

impl<E: Engine> LibcPlacement<E> for LibcHost {
    fn kind(&self) -> dylink::Libc {
        dylink::Libc::LibcHost
    }

    fn boot(&self, ctx: &mut dyn Ctx<E>, program: &Program) -> Result<(), Ending> {
        let setup = match threaded(program) {
            true => boot_threaded(ctx, program),
            false => boot(ctx, program.libc_module.clone()),
        };
        setup.map_err(|t| ending(Err(t), 0, "setting up the host libc"))
    }

    fn boot_thread(&self, ctx: &mut dyn Ctx<E>, memory: &SharedMemory, stack_top: u32) -> Result<(), Trap> {
        let memory = ctx.memory_import_shared(memory)?;
        let sp = ctx.global_new(Val::I32(stack_top as i32), true);
        let table = ctx.table_new(1)?;
        let program = dylink::threads::group(ctx).map(|g| g.program.libc_module.clone()).unwrap_or_default();
        install(ctx, memory, sp, table, Allocator { root: HEAP_ROOT }, program);
        Ok(())
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
        let handlers = dylink::exit::run(ctx).and_then(|()| run_atexit(ctx));
        ending(handlers, code, "atexit handlers after main returned")
    }

    fn alloc(&self, ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, Trap> {
        alloc(ctx, size, align)
    }

    fn bind_import(&self, ctx: &mut dyn Ctx<E>, sym: &str, ty: &FuncType, importer: ModId) -> Option<E::Func> {
        bind_for(ctx, sym, ty, importer)
    }

    fn free(&self, ctx: &mut dyn Ctx<E>, addr: u32) -> Result<(), Trap> {
        let heap = state(ctx).heap;
        let memory = memory(ctx)?;
        let group = dylink::threads::group(ctx);
        let _held = group.as_ref().map(|g| g.heap.lock().unwrap_or_else(|e| e.into_inner()));
        heap.free(&mut CtxMem { ctx: &mut *ctx, memory }, addr)
    }

    /// A memory laid out as the first one (stack, the libc's data, heap), so that the host libc's
    /// functions, its data symbols (`errno`, `stdout`) and its allocator (whose state is all in
    /// memory, at the same addresses) serve any domain: whichever memory runs.
    fn new_domain(&self, ctx: &mut dyn Ctx<E>) -> Result<dylink::domain::Parts<E>, Trap> {
        let (memory, stack_pointer, table, _same_allocator) = new_memory(ctx, None)?;
        Ok(dylink::domain::Parts { memory, table, stack_pointer, libc: None })
    }

    /// A pointer a module hands the host libc indexes that module's table.
    fn handler_table(&self, ctx: &dyn Ctx<E>, registrant: ModId) -> E::Table {
        calls::table_of(ctx, Some(registrant))
    }

    fn check_subset(&self, ctx: &mut dyn Ctx<E>, id: ModId, info: &ModuleInfo) -> Result<(), LoadError> {
        check_subset(ctx, id, info)
    }
}

pub(crate) fn state<E: Engine>(ctx: &mut dyn Ctx<E>) -> &mut State<E> {
    ctx.host().process.placement_state_mut::<State<E>>().expect("a libc-host function runs only in a libc-host process")
}

/// Sets the process up: memory, stack pointer, table 0 and the host libc as module 0.
pub fn boot<E: Engine>(ctx: &mut dyn Ctx<E>, libc_wasm: Option<PathBuf>) -> Result<(), Trap> {
    let (memory, sp, table, heap) = new_memory(ctx, None)?;
    install(ctx, memory, sp, table, heap, libc_wasm);
    Ok(())
}

/// Whether the program was built for threads: its main module imports a shared memory.
fn threaded(program: &Program) -> bool {
    module_info::parse_head(&program.main)
        .is_ok_and(|info| info.imports.iter().any(|i| matches!(i.kind, ImportKind::Memory { shared: true, .. })))
}

/// [`boot`] over a new shared memory (bounded by the cell's memory limit, since the store's limiter
/// does not see a shared memory grow), whose store becomes the main thread of a thread group.
fn boot_threaded<E: Engine>(ctx: &mut dyn Ctx<E>, program: &Program) -> Result<(), Trap> {
    let max_pages = (program.limits.memory_bytes / u64::from(PAGE)).clamp(u64::from(INITIAL_PAGES), 65536) as u32;
    let (memory, shared) = ctx.memory_new_shared(INITIAL_PAGES, max_pages)?;
    let (memory, sp, table, heap) = new_memory(ctx, Some(memory))?;
    install(ctx, memory, sp, table, heap, program.libc_module.clone());
    dylink::threads::Group::start(ctx, shared, program)?;
    let locks = dylink::threads::group(ctx).map(|g| g.locks.clone());
    if let Some(locks) = locks {
        state(ctx).locks = locks;
    }
    Ok(())
}

/// Makes the host libc module 0 of the process, over `memory`.
fn install<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    memory: E::Memory,
    sp: E::Global,
    table: E::Table,
    heap: Allocator,
    libc_wasm: Option<PathBuf>,
) {
    ctx.host().memory = Some(memory);

    let mut exports = HashMap::new();
    let mut listed = Vec::new();
    for &name in FUNCTIONS.iter().chain(math::FUNCTIONS).chain(pthread::FUNCTIONS) {
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
    proc.add_libc(MODULE_NAME, ModuleInfo { imports: Vec::new(), exports: listed, dylink: None }, exports, table, sp);
    proc.set_placement_state(Box::new(State::<E> {
        heap,
        atexit: Vec::new(),
        strerror: HashMap::new(),
        libc_wasm,
        case_exports: None,
        locks: Arc::new(dylink::threads::Locks::new(std::time::Instant::now() + dylink::Limits::DEFAULT.wall_clock)),
        keys: HashMap::new(),
    }));
}

/// A memory with the host libc's layout (the FILE objects, an empty heap), its stack pointer and a
/// table. The allocator is the same value for every such memory: its root is at [`HEAP_ROOT`].
type Fresh<E> = (<E as Engine>::Memory, <E as Engine>::Global, <E as Engine>::Table, Allocator);

fn new_memory<E: Engine>(ctx: &mut dyn Ctx<E>, memory: Option<E::Memory>) -> Result<Fresh<E>, Trap> {
    let memory = match memory {
        Some(m) => m,
        None => ctx.memory_new(INITIAL_PAGES)?,
    };
    let sp = ctx.global_new(Val::I32(STACK_SIZE as i32), true);
    let table = ctx.table_new(1)?;
    for (cell, file, fd) in [(STDIN, FILE_IN, 0u32), (STDOUT, FILE_OUT, 1), (STDERR, FILE_ERR, 2)] {
        for (addr, v) in [(cell, file), (file, fd), (file + 4, FILE_TAG)] {
            ctx.memory_write(memory, addr as u64, &v.to_le_bytes())?;
        }
    }
    let heap = Allocator::init(&mut CtxMem { ctx: &mut *ctx, memory }, HEAP_ROOT, HEAP_START)?;
    Ok((memory, sp, table, heap))
}

/// The host function for `sym` bound for module `caller` (function pointers it passes index its table).
pub fn bind_for<E: Engine>(ctx: &mut dyn Ctx<E>, sym: &str, ty: &FuncType, caller: ModId) -> Option<E::Func> {
    (function_type(sym).as_ref() == Some(ty)).then(|| ctx.new_func(ty, func(sym, Some(caller))))
}

/// Allocates for the dynamic linker (data segments, the dlerror buffer); a trap when out of memory.
pub fn alloc<E: Engine>(ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, Trap> {
    let heap = state(ctx).heap;
    let memory = memory(ctx)?;
    let group = dylink::threads::group(ctx);
    let _held = group.as_ref().map(|g| g.heap.lock().unwrap_or_else(|e| e.into_inner()));
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
    while let Some((table, index, domain)) = state(ctx).atexit.pop() {
        dylink::domain::within(ctx, domain, |ctx| {
            call_pointer(ctx, table, index, &FuncType::new([], []), &[], &mut [])
        })?;
    }
    Ok(())
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
        for &f in FUNCTIONS.iter().chain(math::FUNCTIONS).chain(pthread::FUNCTIONS) {
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
        fn take_host(&self, _store: ()) -> dylink::Host<Self> {
            unimplemented!()
        }
    }
}
