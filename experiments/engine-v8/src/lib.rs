//! [`dylink::Engine`] for V8, the engine of Node (and of the seed's `d8`), through Node-API: modules,
//! instances, memories, tables, globals and host functions are V8's WebAssembly API objects, held by
//! runtime.js in one arena per store (Rust holds indices). It runs in process only inside Node, on its
//! main thread (the addon `dylab_v8`, crate `dylab-v8-addon`); a process outside Node (the plain
//! `dylab` binary, the tests) runs whole programs in a Node worker process instead ([`remote`]):
//! delegated per program, so host calls still stay in the process where the guest runs.

mod ctx;
pub mod hosted;
pub mod js;
pub mod remote;
mod runtime;
mod traps;
pub mod wire;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use dylink::engine::{Budget, Ctx, Engine, Limits};
use dylink::{Host, LibcPlacement, Program, RunResult};

pub use ctx::StoreState;
pub use runtime::{Liftoff, Node22, Node26, Runtime, Tier};

/// Node flags of every V8 engine (each [`Runtime`] adds its own): type reflection for `WebAssembly.Function` (host functions that can sit in tables,
/// signatures of functions read back from tables). No flag changes code generation.
pub const NODE_FLAGS: &[&str] = &["--experimental-wasm-type-reflection"];
/// Added for instruction counts (`dylab bench --count`), so that every repetition runs the same
/// code and the same host work. Measured (k1, two repetitions per cell, two processes): without
/// `--predictable` (which also fixes V8's seeds and GC heuristics) a region now and then held a
/// compile or a collection (+1.9M instructions). `--single-threaded` (implied by `--predictable`,
/// spelled out): no background compile or GC threads, whose instructions callgrind would add to
/// the counted region; these are the flags every pinned V8 knows, each [`Runtime::count_pins`] adds
/// its version's spelling of the others. Each [`Runtime::count_tier`] adds which tier runs (TurboFan or Liftoff only)
/// and eager compilation: that tier's code from the first call, no tier-up swapping code mid-loop.
/// `--no-wasm-inlining`: a call is a
/// call (wasmtime's Cranelift does not inline either); with it, intra-direct k1 was 4.5 per call.
/// The `--no-enable-*` flags pin the code generator to x86-64-v2 (SSE3 to SSE4.2, POPCNT, SAHF; no
/// AVX, FMA, F16C, BMI or LZCNT), as wasmtime's counting engine is: V8 otherwise picks instructions
/// by the CPU it runs on, and counts would differ between machines.
pub const COUNT_FLAGS: &[&str] = &[
    "--single-threaded",
    "--predictable",
    "--random-seed=1",
    "--hash-seed=1",
    "--predictable-gc-schedule",
    "--no-enable-avx",
    "--no-enable-avx2",
    "--no-enable-fma3",
    "--no-enable-bmi1",
    "--no-enable-bmi2",
    "--no-enable-lzcnt",
];

/// V8 as pinned by `T` (Node 26 with default tiering unless said).
#[derive(Clone)]
pub struct V8<T: Tier = Node26> {
    /// Metered (the matrix: fuel counter, wall clock, rewritten maxima) or not (timing).
    metered: bool,
    /// What [`Engine::compile`] rewrites: the fuel counter and, since V8 has no resource limiter,
    /// the maxima of the memories and tables a module defines (the running program's limits).
    rewrite: dylink::meter::Rewrite,
    /// Compiled modules (runtime.js ids) by content hash and rewrite: libc.wasm is compiled once
    /// per process (per limits).
    cache: Arc<Mutex<ModuleCache>>,
    tier: std::marker::PhantomData<T>,
}

/// Compiled modules by (length, content hash) and rewrite.
type ModuleCache = HashMap<((usize, u64), dylink::meter::Rewrite), Module>;

/// A compiled module: its index in runtime.js, and the bytes its own memories start with (V8 has
/// no resource limiter: instantiation accounts for them against the cell's memory limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Module {
    id: u32,
    memory_bytes: u64,
}

/// Objects of a store: indices into its arena in runtime.js (0 is the null reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Func(pub(crate) u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table(pub(crate) u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory(pub(crate) u32);
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global(pub(crate) u32);

impl<T: Tier> V8<T> {
    /// The matrix engine; V8 compiles in the worker's process, which keeps its modules for its life;
    /// nothing is kept in `_modules` between processes: Node 26's `v8.serialize` of a
    /// `WebAssembly.Module` writes a 2-byte transfer id, valid only within the process (its
    /// `v8.deserialize` in another fails: "Unable to deserialize cloned data"), and V8's own compiled
    /// bytes (`CompiledWasmModule::Serialize`, read back only through
    /// `WasmStreaming::SetCompiledModuleBytes`) are C++ API that Node-API does not reach.
    pub fn new_caching(_modules: &std::path::Path) -> anyhow::Result<Self> {
        Self::new()
    }

    /// The matrix engine: time-limited.
    pub fn new() -> anyhow::Result<Self> {
        Ok(V8 {
            metered: true,
            rewrite: Self::rewrite_for(&Limits::DEFAULT),
            cache: Default::default(),
            tier: Default::default(),
        })
    }
    /// The timing engine: no limits.
    pub fn for_timing() -> anyhow::Result<Self> {
        Ok(V8 { metered: false, rewrite: Default::default(), cache: Default::default(), tier: Default::default() })
    }
    /// Counting: the timing engine; what pins its code is how Node was started ([`COUNT_FLAGS`]).
    /// V8 compiles in the counted process (`precompiled` is not used).
    pub fn for_counting(_precompiled: Option<&std::path::Path>) -> anyhow::Result<Self> {
        Self::for_timing()
    }

    /// Whether V8 is usable in this process (the addon was loaded into Node on this thread).
    pub fn in_process() -> bool {
        js::in_node()
    }

    /// The metered rewrite for a program with `limits`: fuel, and the limits as maxima.
    fn rewrite_for(limits: &Limits) -> dylink::meter::Rewrite {
        dylink::meter::Rewrite {
            fuel: true,
            memory_max_bytes: Some(limits.memory_bytes),
            table_max: Some(u64::from(limits.table_elements)),
        }
    }

    /// This engine for one program: a metered engine rewrites maxima to that program's limits.
    fn for_program(&self, limits: &Limits) -> V8<T> {
        let rewrite = if self.metered { Self::rewrite_for(limits) } else { self.rewrite };
        V8 { rewrite, ..self.clone() }
    }

    /// When a store's wall clock runs out, when metered.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        self.metered.then(|| Instant::now() + limits.wall_clock)
    }
}

/// (Node version, V8 version, Node flags) of the Node this thread runs in, if any.
fn running_node() -> Option<(String, String, String)> {
    if !js::in_node() {
        return None;
    }
    js::init_runtime().ok()?;
    let v = js::array_items(js::call(js::F::Versions, &[]).ok()?).ok()?;
    Some((js::string(v[0]).ok()?, js::string(v[1]).ok()?, js::string(v[2]).ok()?))
}

/// When V8 compiles a function: lazily (its default) makes a module's compile a decode and a
/// validation, and each function's first call pays for its code.
fn compilation(flags: &str) -> &'static str {
    if flags.split_whitespace().any(|f| f == "--no-wasm-lazy-compilation") {
        "eager (--no-wasm-lazy-compilation)"
    } else {
        "lazy (V8's default): a module's compile decodes and validates it, each function compiles at its first call"
    }
}

/// What the flags make of V8's wasm tiers.
fn tiering(flags: &str) -> &'static str {
    let has = |flag: &str| flags.split_whitespace().any(|f| f == flag);
    if has("--no-liftoff") {
        "TurboFan only (--no-liftoff)"
    } else if has("--liftoff") && has("--no-wasm-tier-up") {
        "Liftoff only (--liftoff --no-wasm-tier-up)"
    } else {
        "V8 default (Liftoff, then TurboFan)"
    }
}

impl<T: Tier> Engine for V8<T> {
    type Module = Module;
    type Func = Func;
    type Table = Table;
    type Memory = Memory;
    type Global = Global;
    type Store = Box<StoreState<T>>;

    fn name(&self) -> &'static str {
        T::RUNTIME.engine
    }

    fn settings(&self) -> Vec<(String, String)> {
        // Inside Node: what this Node says it is (run by hand under another Node, reports say so);
        // outside: the pinned release the worker checks it runs.
        let (node, v8, flags) = running_node()
            .unwrap_or_else(|| (T::RUNTIME.node.into(), T::RUNTIME.v8.into(), T::RUNTIME.flags().join(" ")));
        vec![
            ("node".into(), node),
            ("v8".into(), v8),
            ("flags".into(), flags.clone()),
            ("tiering".into(), tiering(&flags).into()),
            ("compilation".into(), compilation(&flags).into()),
            (
                "limit".into(),
                if self.metered {
                    "fuel: dylink::meter (a counter injected into each module); memory and table maxima rewritten to the cell's limits; wall clock: terminate execution, and the worker ended at the deadline".into()
                } else {
                    "off".into()
                },
            ),
        ]
    }

    fn compile(&self, bytes: &[u8]) -> anyhow::Result<Module> {
        anyhow::ensure!(js::in_node(), "the V8 engine compiles only inside Node (the dylab_v8 addon)");
        let key = (dylink::engine::module_key(bytes), self.rewrite);
        if let Some(&m) = self.cache.lock().unwrap().get(&key) {
            return Ok(m);
        }
        js::init_runtime().map_err(|e| anyhow::anyhow!("{e}"))?;
        let bytes = dylink::meter::rewrite(bytes, &self.rewrite)?;
        let buf = js::buffer(&bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
        let id =
            js::call(js::F::Compile, &[buf]).and_then(js::get_i32).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let module = Module { id: id as u32, memory_bytes: dylink::meter::defined_memory_bytes(&bytes) };
        self.cache.lock().unwrap().insert(key, module);
        Ok(module)
    }

    fn new_store(&self, host: Host<Self>, limits: &Limits) -> Box<StoreState<T>> {
        js::init_runtime().expect("runtime.js loads");
        let sid = js::get_i32(js::call_ok(js::F::NewStore, &[])).expect("a store id") as u32;
        let counter = self.metered.then(|| {
            let v = js::bigint(limits.fuel.min(i64::MAX as u64) as i64);
            let id =
                js::call_ok(js::F::GlobalNew, &[js::u32(sid), js::str("I").expect("a string"), js::boolean(true), v]);
            js::get_i32(id).expect("a global id") as u32
        });
        Box::new(StoreState::new(sid, host, Budget::new(limits), self.deadline(limits), counter))
    }

    fn enter<R>(&self, store: &mut Box<StoreState<T>>, f: impl FnOnce(&mut dyn Ctx<Self>) -> R) -> R {
        ctx::enter(store, f)
    }

    fn take_host(&self, mut store: Box<StoreState<T>>) -> Host<Self> {
        // The arena goes when `store` drops (StoreState's Drop).
        store.host.take().expect("a store's host is taken once")
    }

    /// Inside Node: on this (the main) thread, the only one V8 allows. Elsewhere: in the Node worker.
    fn run_program(&self, program: &Program, placement: Arc<dyn LibcPlacement<Self>>) -> RunResult {
        if js::in_node() {
            let engine = self.for_program(&program.limits);
            dylink::run_here(&engine, program, placement)
        } else {
            remote::run(&T::RUNTIME, program, self.metered)
        }
    }

    /// Inside a Node started for this engine (its runtime's worker, or a Node started by hand,
    /// which counts as the default engine's).
    fn runs_in_process() -> bool {
        js::in_node() && remote::hosted_engine() == T::RUNTIME.engine
    }

    fn process_host() -> Option<&'static dyn dylink::engine::ProcessHost> {
        Some(&T::HOST)
    }
}
