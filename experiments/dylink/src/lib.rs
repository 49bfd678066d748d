//! dylink: one dynamic linker for WebAssembly side modules, written once against a small engine
//! interface. Strategies are rows of policy it consults ([`strategy::Policy`]); where libc lives is
//! a [`LibcPlacement`] it calls.

pub mod adapter;
mod bind;
mod budget;
pub mod builder;
pub mod config;
pub mod dlfcn;
pub mod domain;
pub mod engine;
pub mod exit;
pub mod extras;
mod forward;
pub mod fused;
pub mod interface;
pub mod libc;
pub mod lifecycle;
pub mod linkage;
pub mod load;
pub mod mem;
pub mod meter;
pub mod module_info;
pub mod objects;
pub mod outcome;
pub mod placements;
pub mod process;
pub mod program;
pub mod scope;
pub mod stdio;
pub mod strategy;
pub mod tables;
pub mod threads;
mod tls;
pub mod wasi;

pub use builder::ProcessBuilder;
pub use engine::{Ctx, Engine, Extern, FuncType, HostFn, LimitKind, Limits, Trap, Val, ValType};
pub use libc::LibcPlacement;
pub use linkage::Linkage;
pub use outcome::{Ending, RunResult, Status, TrapKind};
pub use process::{LoadError, ModId, Mode, Process};
pub use program::{run, run_here, Program};
pub use strategy::{Libc, Strategy, Trampolines};

/// The data every store carries: the engine (to compile modules loaded at run time), the WASI
/// state, the shared memory and the dynamic linker's process state.
pub struct Host<E: Engine> {
    pub engine: E,
    pub wasi: wasi::WasiState,
    pub memory: Option<E::Memory>,
    pub process: Process<E>,
    /// Host-to-wasm calls in progress (capped at [`program::MAX_NESTING`]).
    pub nesting: u32,
    /// Where the last wasm trap happened: function names from the name section, innermost first.
    /// Filled by adapters whose engine gives a backtrace (wasmtime); empty otherwise (wasmi).
    pub trap_frames: Vec<String>,
    /// This store's thread, when the process has threads ([`threads`]).
    pub thread: Option<threads::Member<E>>,
}

impl<E: Engine> Host<E> {
    pub fn new(engine: E, wasi: wasi::WasiState, process: Process<E>) -> Self {
        Host { engine, wasi, memory: None, process, nesting: 0, trap_frames: Vec::new(), thread: None }
    }
}

/// Brackets a host-to-wasm call: adapters call `enter` before and `leave` after it, so that a guest
/// nesting calls through the host gets a stack-overflow trap instead of exhausting the host stack.
pub fn enter_guest<E: Engine>(host: &mut Host<E>) -> Result<(), Trap> {
    if host.nesting >= program::MAX_NESTING {
        return Err(Trap::Wasm(TrapKind::StackOverflow));
    }
    host.nesting += 1;
    Ok(())
}

pub fn leave_guest<E: Engine>(host: &mut Host<E>) {
    host.nesting -= 1;
}
