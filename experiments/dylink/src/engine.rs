//! The small interface every engine adapter implements. The dynamic linker, the WASI layer and the
//! strategies are written once against it; an adapter only translates types and errors.

use std::fmt;
use std::sync::Arc;

pub use crate::budget::Budget;
use crate::outcome::TrapKind;
use crate::Host;

/// A value type, engine-neutral.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    FuncRef,
    ExternRef,
    V128,
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::V128 => "v128",
        })
    }
}

/// A function signature, engine-neutral; compared for equality across modules.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl FuncType {
    pub fn new(params: impl Into<Vec<ValType>>, results: impl Into<Vec<ValType>>) -> Self {
        FuncType { params: params.into(), results: results.into() }
    }
}

impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |v: &[ValType]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", ");
        write!(f, "({}) -> ({})", list(&self.params), list(&self.results))
    }
}

/// A value crossing the engine boundary. Floats are kept as bits so that NaN payloads survive.
pub enum Val<E: Engine> {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    FuncRef(Option<E::Func>),
}

impl<E: Engine> Clone for Val<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E: Engine> Copy for Val<E> {}

impl<E: Engine> fmt::Debug for Val<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(v) => write!(f, "i32:{v}"),
            Val::I64(v) => write!(f, "i64:{v}"),
            Val::F32(v) => write!(f, "f32:{}", f32::from_bits(*v)),
            Val::F64(v) => write!(f, "f64:{}", f64::from_bits(*v)),
            Val::FuncRef(v) => write!(f, "funcref:{}", if v.is_some() { "func" } else { "null" }),
        }
    }
}

impl<E: Engine> Val<E> {
    /// The zero value of a type, used to fill result slots.
    pub fn default_for(ty: ValType) -> Self {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            _ => Val::FuncRef(None),
        }
    }
    pub fn i32(&self) -> Option<i32> {
        match self {
            Val::I32(v) => Some(*v),
            _ => None,
        }
    }
    pub fn i64(&self) -> Option<i64> {
        match self {
            Val::I64(v) => Some(*v),
            _ => None,
        }
    }
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::FuncRef(_) => ValType::FuncRef,
        }
    }
}

/// An item exported by or imported into an instance.
pub enum Extern<E: Engine> {
    Func(E::Func),
    Table(E::Table),
    Memory(E::Memory),
    Global(E::Global),
}

impl<E: Engine> Clone for Extern<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E: Engine> Copy for Extern<E> {}

/// Why guest execution stopped early. Engine traps are normalised into [`TrapKind`];
/// host functions stop the guest with `Exit` (proc_exit) or `Host` (a named host-side failure).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trap {
    Wasm(TrapKind),
    Exit(i32),
    Host(String),
    /// The program needs something outside what the host provides (a libc function the
    /// `libc-host` placement lacks): the cell is `unsupported`, not failed.
    Unsupported(String),
    /// The guest reached one of the cell's resource limits (see [`Limits`]); the message says what it asked for.
    Limit(LimitKind, String),
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::Wasm(k) => write!(f, "{k}"),
            Trap::Exit(c) => write!(f, "exit({c})"),
            Trap::Host(m) => write!(f, "host: {m}"),
            Trap::Unsupported(m) => write!(f, "unsupported: {m}"),
            Trap::Limit(k, m) => write!(f, "{k} limit: {m}"),
        }
    }
}

impl std::error::Error for Trap {}

/// A resource a cell may exhaust; each has a default and a hard cap in [`Limits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitKind {
    /// Bytes of linear memory, summed over the memories of the store.
    Memory,
    /// Elements of one funcref table.
    Table,
    /// Instances in the store (modules loaded, libc included).
    Instances,
    /// Bytes the host allocates at once on the guest's behalf (a write, a random fill, a file read).
    HostBuffer,
    /// Open `dlopen` handles and loaded modules.
    Handles,
    /// Wall-clock time of the whole cell.
    WallClock,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::Memory => "memory",
            LimitKind::Table => "table",
            LimitKind::Instances => "instances",
            LimitKind::HostBuffer => "host-buffer",
            LimitKind::Handles => "handles",
            LimitKind::WallClock => "wall-clock",
        })
    }
}

/// The resources one cell may use. Engines enforce memory, table, instance and wall-clock limits in
/// the store; the linker and WASI enforce the rest.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// Fuel for guest code (ignored by an engine built without fuel metering, as for timing).
    pub fuel: u64,
    pub memory_bytes: u64,
    pub table_elements: u32,
    pub instances: u32,
    pub host_buffer_bytes: u64,
    pub handles: u32,
    pub wall_clock: std::time::Duration,
}

impl Limits {
    /// What a cell gets unless its case.toml asks for more (up to [`Limits::HARD`]).
    pub const DEFAULT: Limits = Limits {
        fuel: 400_000_000,
        memory_bytes: 256 << 20,
        table_elements: 100_000,
        instances: 1_000,
        host_buffer_bytes: 16 << 20,
        handles: 10_000,
        wall_clock: std::time::Duration::from_secs(60),
    };
    /// The most a case.toml may ask for.
    pub const HARD: Limits = Limits {
        fuel: 20_000_000_000,
        memory_bytes: 2 << 30,
        table_elements: 10_000_000,
        instances: 20_000,
        host_buffer_bytes: 256 << 20,
        handles: 100_000,
        wall_clock: std::time::Duration::from_secs(600),
    };
    /// For measurements: effectively unbounded, the bench harness controls the work.
    pub const UNBOUNDED: Limits = Limits {
        fuel: u64::MAX / 2,
        memory_bytes: 4 << 30,
        table_elements: u32::MAX,
        instances: u32::MAX,
        host_buffer_bytes: 1 << 30,
        handles: u32::MAX,
        wall_clock: std::time::Duration::from_secs(24 * 3600),
    };
}

/// A shared memory as an engine-neutral handle that may cross threads; only the adapter that made it
/// knows what is inside.
#[derive(Clone)]
pub struct SharedMemory(pub Arc<dyn std::any::Any + Send + Sync>);

/// A host function body. It receives the store context, so it may call back into wasm,
/// compile and instantiate modules (dlopen) or touch tables and memory.
pub type HostFn<E> = Arc<dyn Fn(&mut dyn Ctx<E>, &[Val<E>], &mut [Val<E>]) -> Result<(), Trap> + Send + Sync>;

/// The key an engine's in-process cache of compiled modules files `bytes` under: their length and
/// a fast 64-bit hash (FxHash; a module of the matrix is looked up once per cell, and SipHash over
/// h-huge-write's 64 MiB took a tenth of each of its cells).
pub fn module_key(bytes: &[u8]) -> (usize, u64) {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(bytes);
    (bytes.len(), h.finish())
}

/// An engine: compiles modules and creates stores whose data is the linker's [`Host`].
pub trait Engine: Clone + Send + Sync + Sized + 'static {
    type Module: Clone + Send + Sync + 'static;
    type Func: Copy + Send + Sync + 'static;
    type Table: Copy + Send + Sync + 'static;
    type Memory: Copy + Send + Sync + 'static;
    type Global: Copy + Send + Sync + 'static;
    type Store;

    /// Short name used in cell names (`wasmtime`, `wasmi`).
    fn name(&self) -> &'static str;
    /// The pinned settings, recorded in reports so that numbers stay comparable.
    fn settings(&self) -> Vec<(String, String)>;
    /// Compiles (and validates) a module. Adapters may memoise by content.
    fn compile(&self, bytes: &[u8]) -> anyhow::Result<Self::Module>;
    /// A new store holding `host`, bounded by `limits` (fuel is ignored by an engine built without
    /// fuel metering, as for timing).
    fn new_store(&self, host: Host<Self>, limits: &Limits) -> Self::Store;
    /// Runs `f` with a context over the store.
    fn enter<R>(&self, store: &mut Self::Store, f: impl FnOnce(&mut dyn Ctx<Self>) -> R) -> R;
    /// Gives back the host data when the run is over.
    fn take_host(&self, store: Self::Store) -> Host<Self>;

    /// Interrupts every store of this engine that [armed](Ctx::arm_interrupts) interrupts, at its
    /// next check (wasmtime: the epoch advances by one).
    fn interrupt_threads(&self) {}

    /// Runs a whole program: by default on a thread of its own ([`crate::run`]). An engine bound to
    /// one thread or to another process (V8 lives on Node's main thread) runs it its own way.
    fn run_program(
        &self,
        program: &crate::Program,
        placement: Arc<dyn crate::LibcPlacement<Self>>,
    ) -> crate::RunResult {
        crate::run(self, program, placement)
    }

    /// Whether stores of this engine can be made in this process (V8: only inside Node). Code that
    /// needs the concrete engine (the bench, the property tests) runs on the engines where this holds;
    /// whole programs run everywhere through [`Engine::run_program`].
    fn runs_in_process() -> bool {
        true
    }

    /// Where the engine runs when not in this process ([`Engine::runs_in_process`] false): the
    /// process hosting it, which serves the lab's entry points. `None`: always in process.
    fn process_host() -> Option<&'static dyn ProcessHost> {
        None
    }

    // Optional features the bench measures where an engine has them ([`crate::extras`]).

    /// Runs `visitor` with the engine's typed API for host functions on `store` (functions called
    /// without converting values per call); `None` where the engine has no typed API.
    fn typed_host_funcs<V: crate::extras::WithTypedWrap<Self>>(
        &self,
        _store: &mut Self::Store,
        _visitor: V,
    ) -> Option<V::Out> {
        None
    }

    /// Whether [`Engine::typed_host_funcs`] runs its visitor.
    fn has_typed_host_funcs() -> bool {
        false
    }

    /// This engine with every table element initialised when an instance is made, where that is a
    /// setting (wasmtime's `table_lazy_init`); `None` elsewhere.
    fn with_eager_tables(&self) -> Option<anyhow::Result<Self>> {
        None
    }

    /// Whether [`Engine::with_eager_tables`] gives an engine.
    fn has_eager_tables() -> bool {
        false
    }

    /// Loading the module at `path` from its serialized (compiled) form, where the engine can: a
    /// function deserialising it once per call.
    fn serialized_load(&self, _path: &std::path::Path) -> Option<anyhow::Result<crate::extras::SerializedLoad>> {
        None
    }

    /// The composed component `bytes` (the component-model reference) instantiated by the engine's
    /// component model, its compiled form kept in the folder `cache`; `None` where the engine has none.
    fn component_loops(
        &self,
        _bytes: &[u8],
        _cache: &std::path::Path,
    ) -> Option<anyhow::Result<crate::extras::ComponentLoops>> {
        None
    }
}

/// A process that hosts an engine this process cannot make stores of (V8 lives in Node), with its
/// own entry points: it reads one request on stdin, serves it with the lab's code for the entry
/// named, and writes the answer on stdout.
pub trait ProcessHost: Sync {
    /// What it is, for messages ("a Node process").
    fn describe(&self) -> &'static str;
    /// Serves `entry` once in a new hosting process with `input`; its answer.
    fn once(&self, entry: &str, input: &str) -> Result<String, String>;
    /// The command (not started) serving `entry` once with the engine's code pinned for instruction
    /// counts, and the valgrind options counting it needs.
    fn counting(&self, entry: &str) -> Result<(std::process::Command, &'static [&'static str]), String>;
}

/// Store access, object-safe so that host functions and the linker can share one code path.
pub trait Ctx<E: Engine> {
    fn host(&mut self) -> &mut Host<E>;
    fn host_ref(&self) -> &Host<E>;

    /// Instantiates `module` with `imports` in the module's import order; returns its exports.
    fn instantiate(&mut self, module: &E::Module, imports: &[Extern<E>]) -> Result<Vec<(String, Extern<E>)>, Trap>;
    fn new_func(&mut self, ty: &FuncType, f: HostFn<E>) -> E::Func;
    fn call(&mut self, f: E::Func, args: &[Val<E>], results: &mut [Val<E>]) -> Result<(), Trap>;
    fn func_type(&self, f: E::Func) -> FuncType;

    fn memory_read(&self, m: E::Memory, addr: u64, buf: &mut [u8]) -> Result<(), Trap>;
    fn memory_write(&mut self, m: E::Memory, addr: u64, data: &[u8]) -> Result<(), Trap>;
    fn memory_size(&self, m: E::Memory) -> u64;
    /// A new 32-bit linear memory of `min_pages` 64 KiB pages, without maximum (the process memory
    /// of the `libc-host` placement, where no module defines one).
    fn memory_new(&mut self, min_pages: u32) -> Result<E::Memory, Trap>;
    /// Grows by `delta_pages`; returns the previous size in pages, or `None` when the memory cannot grow.
    fn memory_grow(&mut self, m: E::Memory, delta_pages: u32) -> Option<u32>;

    /// A new shared 32-bit memory (threads proposal) of `min_pages`, maximum `max_pages`, usable in
    /// this store and, through the handle, in other stores on other threads ([`crate::threads`]).
    /// An engine without shared memories says so: the cell is `unsupported`, with the reason.
    fn memory_new_shared(&mut self, _min_pages: u32, _max_pages: u32) -> Result<(E::Memory, SharedMemory), Trap> {
        Err(Trap::Unsupported(format!(
            "{}: no shared memories (threads proposal) in this build",
            self.host_ref().engine.name()
        )))
    }
    /// The shared memory `shared` (made by another store of the same engine) in this store.
    fn memory_import_shared(&mut self, _shared: &SharedMemory) -> Result<E::Memory, Trap> {
        Err(Trap::Unsupported(format!(
            "{}: no shared memories (threads proposal) in this build",
            self.host_ref().engine.name()
        )))
    }

    /// Makes this store call [`crate::threads::interrupted`] whenever [`Engine::interrupt_threads`]
    /// is called (and now and then besides), wherever its wasm is running: how the stop-the-world
    /// design reaches a running thread. An engine that cannot interrupt running wasm says so.
    fn arm_interrupts(&mut self) -> Result<(), Trap> {
        Err(Trap::Unsupported(format!("{}: no way to interrupt a running thread", self.host_ref().engine.name())))
    }

    /// A new funcref table of `min` null entries, without maximum.
    fn table_new(&mut self, min: u32) -> Result<E::Table, Trap>;
    fn table_size(&self, t: E::Table) -> u32;
    /// Grows by `delta` null entries; returns the previous size.
    fn table_grow(&mut self, t: E::Table, delta: u32) -> Result<u32, Trap>;
    fn table_get(&mut self, t: E::Table, index: u32) -> Option<Option<E::Func>>;
    fn table_set(&mut self, t: E::Table, index: u32, f: Option<E::Func>) -> Result<(), Trap>;

    fn global_new(&mut self, v: Val<E>, mutable: bool) -> E::Global;
    fn global_get(&mut self, g: E::Global) -> Val<E>;
    fn global_set(&mut self, g: E::Global, v: Val<E>) -> Result<(), Trap>;

    /// Fuel left to guest code (0 when the engine does not meter fuel): the counter
    /// [`crate::meter`] injects, read from the store.
    fn fuel(&mut self) -> u64;
    /// Charges host work done for the guest (a host libc's memcpy, printf) to its fuel, so that a
    /// guest cannot escape its budget through the host. Out of fuel is a trap, as in guest code.
    fn consume_fuel(&mut self, units: u64) -> Result<(), Trap>;

    /// A host function of type `ty` that forwards to `target` through the engine's typed (static
    /// signature) host-function API, when the adapter has one for this signature; the benchmarks
    /// compare it with the dynamic forwarder of [`crate::linker::forwarder`].
    fn typed_forwarder(&mut self, _ty: &FuncType, _target: E::Func) -> Option<E::Func> {
        None
    }

    /// The cheapest host function of type `ty` that forwards to `target`, whose type the caller has
    /// checked to be `ty`, for any signature the adapter can; `None` leaves the dynamic forwarder.
    /// It must keep the nesting check of [`Ctx::call`] (`enter_guest`/`leave_guest`). The matrix's
    /// `trampoline` strategy.
    fn generic_forwarder(&mut self, _ty: &FuncType, _target: E::Func) -> Option<E::Func> {
        None
    }
}
