//! dylink: one dynamic linker for WebAssembly side modules, written once against a small engine
//! interface. Strategies (trampoline, direct, shared table, dlsym-time import) are policies it consults.

pub mod engine;
pub mod linker;
pub mod mem;
pub mod module_info;
pub mod outcome;
pub mod program;
pub mod strategy;
pub mod wasi;

pub use engine::{Ctx, Engine, Extern, FuncType, HostFn, Trap, Val, ValType};
pub use linker::Process;
pub use outcome::{Ending, RunResult, Status, TrapKind};
pub use program::{run, Program};
pub use strategy::{Libc, Strategy};

/// The data every store carries: the engine (to compile modules loaded at run time), the WASI
/// state, the shared memory and the dynamic linker's process state.
pub struct Host<E: Engine> {
    pub engine: E,
    pub wasi: wasi::WasiState,
    pub memory: Option<E::Memory>,
    pub process: Process<E>,
}
