//! Which of wasmtime's compilers an engine uses: a marker type, so that each is an engine of its own
//! in the registry (`Wasmtime<Cranelift>`, `Wasmtime<Winch>`) with everything else shared.

/// A wasmtime compiler and the settings that go with it (recorded in every report).
pub trait Compiler: Clone + Copy + Default + Send + Sync + 'static {
    const STRATEGY: wasmtime::Strategy;
    /// Its name in settings and in the names of serialized modules.
    const NAME: &'static str;
    /// The engine's name ([`dylink::Engine::name`]: the registry's name for it).
    const ENGINE: &'static str;
    /// The code generator's own settings, as reported.
    const SETTINGS: &'static [(&'static str, &'static str)];
    /// Whether it compiles with `table_lazy_init` off (the bench's eager-tables engine).
    const EAGER_TABLES: bool;
}

/// Cranelift, the optimising compiler (wasmtime's default), without inlining.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cranelift;

impl Compiler for Cranelift {
    const STRATEGY: wasmtime::Strategy = wasmtime::Strategy::Cranelift;
    const NAME: &'static str = "cranelift";
    const ENGINE: &'static str = "wasmtime";
    const SETTINGS: &'static [(&'static str, &'static str)] = &[("opt_level", "speed"), ("inlining", "no")];
    const EAGER_TABLES: bool = true;
}

/// Winch, the baseline compiler: one pass over the bytecode, no optimisation, no inlining (wasmtime
/// ignores Cranelift's opt level and inlining for it).
#[derive(Clone, Copy, Debug, Default)]
pub struct Winch;

impl Compiler for Winch {
    const STRATEGY: wasmtime::Strategy = wasmtime::Strategy::Winch;
    const NAME: &'static str = "winch";
    const ENGINE: &'static str = "wasmtime-winch";
    const SETTINGS: &'static [(&'static str, &'static str)] = &[];
    /// wasmtime 48: "Winch requires the table-lazy-init option to be enabled".
    const EAGER_TABLES: bool = false;
}
