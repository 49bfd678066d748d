//! `static`: the program and wasi-libc linked into one module, the reference output. Nothing is
//! loaded at run time, so the loader's hooks are never asked.

use std::collections::HashMap;

use crate::engine::{Ctx, Engine, Extern, Trap};
use crate::libc::LibcPlacement;
use crate::outcome::Ending;
use crate::program::{ending, export_func, open, wasi_imports, Program};

pub struct StaticProgram;

/// Instantiates a static (single-module) program with the WASI imports; its memory becomes the
/// process's. Returns its exports.
pub fn instantiate<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    path: &std::path::Path,
) -> Result<HashMap<String, Extern<E>>, Ending> {
    let (module, info) = open(ctx, path).map_err(Ending::LinkError)?;
    let imports = wasi_imports(ctx, &info, |_, _, _, _| None).map_err(Ending::LinkError)?;
    let exports: HashMap<String, Extern<E>> = ctx
        .instantiate(&module, &imports)
        .map_err(|t| crate::program::instantiation_ending("", t))?
        .into_iter()
        .collect();
    match exports.get("memory") {
        Some(Extern::Memory(m)) => ctx.host().memory = Some(*m),
        _ => return Err(Ending::LinkError("static module exports no memory".into())),
    }
    Ok(exports)
}

impl<E: Engine> LibcPlacement<E> for StaticProgram {
    fn kind(&self) -> crate::Libc {
        crate::Libc::Static
    }

    fn boot(&self, ctx: &mut dyn Ctx<E>, program: &Program) -> Result<(), Ending> {
        instantiate(ctx, &program.main).map(|_| ())
    }

    fn run_main(&self, ctx: &mut dyn Ctx<E>, _program: &Program, start: E::Func) -> Ending {
        ending(ctx.call(start, &[], &mut []), 0, "_start")
    }

    fn alloc(&self, _ctx: &mut dyn Ctx<E>, _size: u32, _align: u32) -> Result<u32, Trap> {
        Err(Trap::Host("a static program has no loader to allocate for".into()))
    }

    /// As crt1: `_start` runs main and exits.
    fn run(&self, ctx: &mut dyn Ctx<E>, program: &Program) -> Ending {
        let exports = match instantiate(ctx, &program.main) {
            Ok(e) => e,
            Err(ending) => return ending,
        };
        match export_func(&exports, "_start") {
            Some(start) => self.run_main(ctx, program, start),
            None => Ending::LinkError("static module exports no _start".into()),
        }
    }
}
