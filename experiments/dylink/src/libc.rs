//! Where the C library lives, as behaviour. Each placement (static, libc.wasm, the host's own libc)
//! implements [`LibcPlacement`]; the linker calls it to allocate, to bind libc imports and to check
//! what a module needs, and never asks which placement it is (its [`LibcPlacement::kind`] only names
//! the process's program, so that a placement and its name travel as one value).

use crate::engine::{Ctx, Engine, FuncType, Trap};
use crate::module_info::ModuleInfo;
use crate::outcome::Ending;
use crate::process::{LoadError, ModId};
use crate::program::{self, Program};
use crate::strategy::Libc;

pub trait LibcPlacement<E: Engine>: Send + Sync {
    /// Which placement this is: the [`Libc`] of the cells it runs.
    fn kind(&self) -> Libc;

    /// Creates the process's module 0 (libc.wasm, the host's libc, or the static program itself):
    /// its memory, table and stack pointer become the process's.
    fn boot(&self, ctx: &mut dyn Ctx<E>, program: &Program) -> Result<(), Ending>;

    /// Calls the loaded program's `main` (argc/argv, then exit or the atexit handlers) and says how
    /// the run ended.
    fn run_main(&self, ctx: &mut dyn Ctx<E>, program: &Program, main: E::Func) -> Ending;

    /// Allocates guest memory for the loader (data segments, the dlerror buffer).
    fn alloc(&self, ctx: &mut dyn Ctx<E>, size: u32, align: u32) -> Result<u32, Trap>;

    /// Gives back what [`LibcPlacement::alloc`] placed (the adapters' copies of arguments).
    fn free(&self, _ctx: &mut dyn Ctx<E>, _addr: u32) -> Result<(), Trap> {
        Ok(())
    }

    /// Makes the resources of a new memory domain (a memory, its stack pointer, a table, and a libc
    /// instance of its own where libc is a module), for a policy that isolates side modules.
    fn new_domain(&self, _ctx: &mut dyn Ctx<E>) -> Result<crate::domain::Parts<E>, Trap> {
        Err(Trap::Unsupported("this libc placement cannot give a module a memory of its own".into()))
    }

    /// Sets up a new thread's store over the process's shared memory ([`crate::threads`]): module 0
    /// (libc) bound to `memory`, the thread's stack pointer at `stack_top`, its table.
    fn boot_thread(
        &self,
        _ctx: &mut dyn Ctx<E>,
        _memory: &crate::engine::SharedMemory,
        _stack_top: u32,
    ) -> Result<(), Trap> {
        Err(Trap::Unsupported("this libc placement has no threads".into()))
    }

    /// Binds an import of module `importer` that resolved to one of libc's functions; `None` binds it
    /// as any other cross-module import.
    fn bind_import(&self, _ctx: &mut dyn Ctx<E>, _sym: &str, _ty: &FuncType, _importer: ModId) -> Option<E::Func> {
        None
    }

    /// The table libc indexes with a function pointer module `registrant` handed it (an `atexit`
    /// handler): libc's own table, where libc is a module.
    fn handler_table(&self, ctx: &dyn Ctx<E>, _registrant: ModId) -> E::Table {
        let p = &ctx.host_ref().process;
        p.tables().table(p.libc().map_or(0, |l| p.module(l).table))
    }

    /// Checks a module about to be instantiated against what the placement provides (a module
    /// needing a libc function the placement lacks makes the cell `unsupported`).
    fn check_subset(&self, _ctx: &mut dyn Ctx<E>, _id: ModId, _info: &ModuleInfo) -> Result<(), LoadError> {
        Ok(())
    }

    /// Runs `program` from start to end: boot, load the program and its NEEDED libraries, call main.
    fn run(&self, ctx: &mut dyn Ctx<E>, program: &Program) -> Ending {
        if let Err(ending) = self.boot(ctx, program) {
            return ending;
        }
        match program::load_program(ctx, program) {
            Ok(main) => self.run_main(ctx, program, main),
            Err(ending) => ending,
        }
    }
}
