//! `libc-module`: Debian's wasi-libc linked into its own `libc.wasm` (the seed's `musl.wasm`), module
//! 0 of the process; it talks to the host only through WASI.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::{Ctx, Engine, Extern, FuncType, HostFn, Trap, Val, ValType};
use crate::libc::LibcPlacement;
use crate::module_info::ImportKind;
use crate::outcome::Ending;
use crate::program::{ending, export_func, open, wasi_imports, Program};

pub struct LibcModule;

/// libc.wasm compiled once per process, for the instances that isolated domains get.
struct Compiled<E: Engine> {
    module: E::Module,
    info: crate::module_info::ModuleInfo,
}

/// The name libc.wasm has among the process's modules: `dlopen` of this name finds it (as ld.so finds
/// an already loaded `libc.so.6`), so no other module can be loaded under it.
pub const LIBC_WASM: &str = "libc.wasm";

/// libc's export `name`, a function.
fn libc_func<E: Engine>(ctx: &dyn Ctx<E>, name: &str) -> Option<E::Func> {
    let p = &ctx.host_ref().process;
    export_func(&p.module(p.libc()?).exports, name)
}

/// libc's `main` import: the program's main, called without arguments when it takes none.
fn main_forwarder<E: Engine>() -> HostFn<E> {
    Arc::new(|ctx, args, results| {
        let f = ctx
            .host_ref()
            .process
            .main_func()
            .ok_or_else(|| Trap::Host("main called before the program was loaded".into()))?;
        let ty = ctx.func_type(f);
        if ty.params.is_empty() {
            ctx.call(f, &[], results)
        } else {
            ctx.call(f, args, results)
        }
    })
}

/// libc.wasm's memory, table and stack pointer.
type Parts<E> = (<E as Engine>::Memory, <E as Engine>::Table, <E as Engine>::Global);

/// The memory, table and stack pointer libc.wasm must export (it must export `__main_void` and
/// `exit` too).
fn required_exports<E: Engine>(exports: &HashMap<String, Extern<E>>) -> Result<Parts<E>, Ending> {
    let (Some(Extern::Memory(memory)), Some(Extern::Table(table)), Some(Extern::Global(sp))) =
        (exports.get("memory"), exports.get("__indirect_function_table"), exports.get("__stack_pointer"))
    else {
        return Err(Ending::LinkError(
            "libc.wasm must export memory, __indirect_function_table and __stack_pointer".into(),
        ));
    };
    if export_func(exports, "__main_void").is_none() || export_func(exports, "exit").is_none() {
        return Err(Ending::LinkError("libc.wasm must export __main_void and exit".into()));
    }
    Ok((*memory, *table, *sp))
}

impl<E: Engine> LibcPlacement<E> for LibcModule {
    fn kind(&self) -> crate::Libc {
        crate::Libc::LibcModule
    }

    /// Instantiates libc.wasm as module 0 (its memory, table and stack pointer become the process's)
    /// and runs its constructors.
    fn boot(&self, ctx: &mut dyn Ctx<E>, program: &Program) -> Result<(), Ending> {
        let Some(libc_path) = &program.libc_module else {
            return Err(Ending::LinkError("libc-module placement without libc.wasm".into()));
        };
        let (module, info) = open(ctx, libc_path).map_err(Ending::LinkError)?;
        ctx.host().process.set_placement_state(Box::new(Compiled::<E> { module: module.clone(), info: info.clone() }));
        // libc's `main` import is bound before the program exists, so it is always a host forwarder.
        let imports = wasi_imports(ctx, &info, |ctx, m, n, kind| match (m, n, kind) {
            ("env", "main", ImportKind::Func(ty))
                if *ty == FuncType::new([ValType::I32, ValType::I32], [ValType::I32]) =>
            {
                Some(Extern::Func(ctx.new_func(ty, main_forwarder())))
            }
            _ => None,
        })
        .map_err(|e| Ending::LinkError(format!("libc.wasm: {e}")))?;
        let imports = crate::fused::pin_imports(ctx, 0, imports);
        let exports: HashMap<String, Extern<E>> = ctx
            .instantiate(&module, &imports)
            .map_err(|t| crate::program::instantiation_ending("libc.wasm: ", t))?
            .into_iter()
            .collect();
        let (memory, table, sp) = required_exports(&exports)?;
        let ctors = export_func(&exports, "__wasm_call_ctors");
        {
            let host = ctx.host();
            host.memory = Some(memory);
            let proc = &mut host.process;
            proc.add_libc(LIBC_WASM, info, exports, table, sp);
        }
        if let Some(f) = ctors {
            ctx.call(f, &[], &mut []).map_err(|t| ending(Err(t), 0, "libc.wasm constructors"))?;
        }
        Ok(())
    }

    /// As crt1's _start: main through libc (which fetches argv over WASI), then exit() with its result.
    fn run_main(&self, ctx: &mut dyn Ctx<E>, _program: &Program, _main: E::Func) -> Ending {
        let (Some(main_void), Some(exit)) = (libc_func(ctx, "__main_void"), libc_func(ctx, "exit")) else {
            return Ending::LinkError("libc.wasm must export __main_void and exit".into());
        };
        let mut r = [Val::I32(0)];
        // Isolated modules' libc instances exit before the program's (after it, when main itself
        // called exit()): see `domain::exit_others`.
        let others = |ctx: &mut dyn Ctx<E>, code| {
            crate::domain::exit_others(ctx).map_err(|t| ending(Err(t), code, "exit() of an isolated module's libc"))
        };
        let code = match ctx.call(main_void, &[], &mut r) {
            Ok(()) => r[0].i32().unwrap_or(0),
            Err(Trap::Exit(code)) => return others(ctx, code).err().unwrap_or(Ending::Exited(code)),
            Err(t) => return ending(Err(t), 0, "main()"),
        };
        if let Err(t) = crate::exit::run(ctx) {
            return ending(Err(t), code, "exit handlers after main returned");
        }
        if let Err(e) = others(ctx, code) {
            return e;
        }
        ending(ctx.call(exit, &[Val::I32(code)], &mut []), code, "exit() after main returned")
    }

    fn free(&self, ctx: &mut dyn Ctx<E>, addr: u32) -> Result<(), Trap> {
        let f = libc_func(ctx, "free").ok_or_else(|| Trap::Host("libc exports no free".into()))?;
        ctx.call(f, &[Val::I32(addr as i32)], &mut [])
    }

    /// Another instance of libc.wasm: its own memory, stack, table, heap, stdio buffers and errno.
    /// Its `main` import is never called (only domain 0 runs main).
    fn new_domain(&self, ctx: &mut dyn Ctx<E>) -> Result<crate::domain::Parts<E>, Trap> {
        let (module, info) = {
            let c = ctx.host_ref().process.placement_state::<Compiled<E>>();
            let c = c.ok_or_else(|| Trap::Host("libc.wasm was not compiled at boot".into()))?;
            (c.module.clone(), c.info.clone())
        };
        let imports = wasi_imports(ctx, &info, |ctx, m, n, kind| match (m, n, kind) {
            ("env", "main", ImportKind::Func(ty)) => Some(Extern::Func(ctx.new_func(
                ty,
                Arc::new(|_, _, _| Err(Trap::Host("main called from an isolated module's libc".into()))),
            ))),
            _ => None,
        })
        .map_err(|e| Trap::Host(format!("libc.wasm: {e}")))?;
        let d = ctx.host_ref().process.domains().len();
        let imports = crate::fused::pin_imports(ctx, d, imports);
        let exports: HashMap<String, Extern<E>> = ctx.instantiate(&module, &imports)?.into_iter().collect();
        let (Some(Extern::Memory(memory)), Some(Extern::Table(table)), Some(Extern::Global(sp))) =
            (exports.get("memory"), exports.get("__indirect_function_table"), exports.get("__stack_pointer"))
        else {
            return Err(Trap::Host(
                "libc.wasm must export memory, __indirect_function_table and __stack_pointer".into(),
            ));
        };
        let (memory, table, stack_pointer) = (*memory, *table, *sp);
        let ctors = export_func(&exports, "__wasm_call_ctors");
        Ok(crate::domain::Parts {
            memory,
            table,
            stack_pointer,
            libc: Some(crate::domain::LibcInstance { info, exports, ctors }),
        })
    }

    /// With libc's own `aligned_alloc`, so that the loader's data sits in libc's heap.
    fn alloc(&self, ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, Trap> {
        let f = libc_func(ctx, "aligned_alloc").ok_or_else(|| Trap::Host("libc exports no aligned_alloc".into()))?;
        let mut out = [Val::I32(0)];
        // C11 aligned_alloc wants size to be a multiple of the alignment.
        let size = size.max(1).div_ceil(align).checked_mul(align).filter(|&s| s <= i32::MAX as u32);
        let Some(size) = size else {
            return Err(Trap::Host("out of memory: placement larger than 2 GiB".into()));
        };
        ctx.call(f, &[Val::I32(align as i32), Val::I32(size as i32)], &mut out)?;
        match out[0] {
            Val::I32(0) => Err(Trap::Host(format!("out of memory placing {size} bytes"))),
            Val::I32(a) => Ok(a as u32),
            _ => Err(Trap::Host("aligned_alloc returned a non-i32".into())),
        }
    }
}
