//! What code gets from the registry: a concrete `E: Engine` through a visitor, or a `dyn AnyEngine`.

use std::any::Any;

use dylink::{Engine, Program, RunResult};

use crate::EngineKind;

/// An engine of the registry. The `engines!` macro implements it for each adapter, from the adapter's
/// `new()` and `for_timing()`.
pub trait Adapter: Engine<Store: 'static> {
    const KIND: EngineKind;
    /// Fuel metered: runaway guests end (the matrix and the tests).
    fn matrix() -> anyhow::Result<Self>;
    /// The matrix engine, keeping compiled modules in the folder `modules` between processes where
    /// the engine can (wasmtime's serialized modules); others are [`Adapter::matrix`].
    fn matrix_caching(modules: &std::path::Path) -> anyhow::Result<Self>;
    /// The same settings without fuel metering (the measurements).
    fn timing() -> anyhow::Result<Self>;
    /// The timing settings with code generation independent of the host CPU where the engine allows
    /// (instruction counts). `precompiled`: a folder where an engine that compiles ahead of time may
    /// keep compiled modules between processes (so that the counted process, under valgrind, need
    /// not run the compiler); others ignore it.
    fn counting(precompiled: Option<&std::path::Path>) -> anyhow::Result<Self>;
}

/// Code that needs the concrete engine type (stores, functions, the linker's generic API).
pub trait WithEngine {
    type Out;
    fn run<E: Adapter>(self, engine: &E) -> Self::Out;
}

/// An engine for code that needs no more than its name, its settings and running a program.
pub trait AnyEngine: Send + Sync {
    fn kind(&self) -> EngineKind;
    /// The pinned settings, recorded in reports.
    fn settings(&self) -> Vec<(String, String)>;
    /// Runs a program on a thread of its own (see [`dylink::run`]).
    fn run(&self, program: &Program) -> RunResult;
    /// For [`AnyEngine::visit`], which recovers the concrete type.
    fn as_any(&self) -> &dyn Any;
}

impl<E: Adapter> AnyEngine for E {
    fn kind(&self) -> EngineKind {
        E::KIND
    }
    fn settings(&self) -> Vec<(String, String)> {
        Engine::settings(self)
    }
    fn run(&self, program: &Program) -> RunResult {
        self.run_program(program, crate::placements::placement(program.libc))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl dyn AnyEngine + '_ {
    /// Runs `visitor` with this engine as its concrete type.
    pub fn visit<V: WithEngine>(&self, visitor: V) -> V::Out {
        self.kind().visit(self, visitor)
    }
}
