//! Running one program in one placement: static (one module), libc-module (libc.wasm plus side
//! modules) or libc-host (side modules on the host's own rudimentary libc).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::{Ctx, Engine, Extern, FuncType, Limits, Trap, Val, ValType};
use crate::libc_host;
use crate::linker::{self, LoadError, Mode, Process};
use crate::module_info::{self, ImportKind};
use crate::outcome::{Ending, RunResult, TrapKind};
use crate::strategy::{Libc, Strategy};
use crate::wasi::{self, WasiState};
use crate::Host;

/// Everything needed to run one cell's program.
#[derive(Clone, Debug)]
pub struct Program {
    pub libc: Libc,
    pub strategy: Strategy,
    /// The static command module, or the main side module.
    pub main: PathBuf,
    /// The name the main module is known by (`dlopen`'s namespace).
    pub main_name: String,
    /// libc.wasm, for the libc-module placement (under libc-host, its export names tell which
    /// unresolved imports are libc functions outside the host's subset).
    pub libc_module: Option<PathBuf>,
    /// Built libraries by the name a program passes to `dlopen`.
    pub libs: HashMap<String, PathBuf>,
    pub case_dir: PathBuf,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// Directories granted to the guest, read-only: (guest path such as `/data`, host folder).
    pub dirs: Vec<(String, PathBuf)>,
    /// Fuel, memory, table and time bounds: what turns a runaway or greedy guest into a
    /// `timeout` or `limit` outcome.
    pub limits: Limits,
}

/// How a run ended; `phase` says what the host had called when the guest trapped.
fn ending(r: Result<(), Trap>, exit_on_return: i32, phase: &str) -> Ending {
    match r {
        Ok(()) => Ending::Exited(exit_on_return),
        Err(Trap::Exit(c)) => Ending::Exited(c),
        Err(Trap::Wasm(kind)) => Ending::Trapped { kind, message: format!("{kind} during {phase}") },
        Err(Trap::Host(m)) => Ending::Trapped { kind: TrapKind::Host, message: format!("{m} (during {phase})") },
        Err(Trap::Unsupported(m)) => Ending::Unsupported(m),
        Err(Trap::Limit(kind, m)) => Ending::Limited(kind, format!("{m} (during {phase})")),
    }
}

/// Host stack for a run. Engines use the host stack for every host-to-wasm entry (wasmi needs more
/// than a 2 MiB thread gives when dlopen runs constructors inside a host call), and a guest must
/// not be able to abort the host by nesting them: re-entries are also capped (see [`MAX_NESTING`]).
pub const RUN_STACK: usize = 256 << 20;

/// Host-to-wasm re-entries allowed at once (main -> dlopen -> constructor -> dlcall -> ...).
pub const MAX_NESTING: u32 = 64;

/// Runs `program` on `engine` on a thread of its own with a [`RUN_STACK`] stack.
/// Never panics on guest behaviour: every failure is an [`Ending`].
pub fn run<E: Engine>(engine: &E, program: &Program) -> RunResult {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("dylab-run".into())
            .stack_size(RUN_STACK)
            .spawn_scoped(s, || run_here(engine, program))
            .expect("spawning a run thread")
            .join()
            .unwrap_or_else(|_| RunResult {
                ending: Ending::Trapped {
                    kind: TrapKind::Other,
                    message: "the host panicked while running this cell".into(),
                },
                stdout: Vec::new(),
                stderr: Vec::new(),
                fuel_consumed: 0,
            })
    })
}

/// Runs `program` on the current thread.
pub fn run_here<E: Engine>(engine: &E, program: &Program) -> RunResult {
    let process = Process::new(program.strategy, program.libs.clone(), program.case_dir.clone());
    let wasi = WasiState::new(program.args.clone(), program.env.clone()).with_limits(&program.limits);
    let wasi = match program.dirs.iter().try_fold(wasi, |w, (guest, host)| w.grant(guest, host, &program.case_dir)) {
        Ok(w) => w,
        Err(e) => {
            let ending = Ending::LinkError(format!("cannot grant a folder: {e}"));
            return RunResult { ending, stdout: Vec::new(), stderr: Vec::new(), fuel_consumed: 0 };
        }
    };
    let host = Host::new(engine.clone(), wasi, process);
    let mut store = engine.new_store(host, &program.limits);
    let ending = engine.enter(&mut store, |ctx| match program.libc {
        Libc::Static => run_static(ctx, program),
        Libc::LibcModule => run_libc_module(ctx, program),
        Libc::LibcHost => run_libc_host(ctx, program),
    });
    let fuel_left = engine.enter(&mut store, |ctx| ctx.fuel());
    let host = engine.into_host(store);
    let mut ending = ending;
    if let Ending::Trapped { kind, message } = &mut ending {
        // A wasm trap (not a host-raised one): say in which functions, where the engine can tell.
        if *kind != TrapKind::Host && !host.trap_frames.is_empty() {
            let frames: Vec<String> = host.trap_frames.iter().take(3).map(|f| format!("`{f}`")).collect();
            message.push_str(&format!(", in {}", frames.join(" < ")));
        }
    }
    RunResult {
        ending,
        stdout: host.wasi.stdout,
        stderr: host.wasi.stderr,
        fuel_consumed: program.limits.fuel.saturating_sub(fuel_left),
    }
}

/// Reads, parses and compiles a module the lab itself starts from (not through dlopen).
fn open<E: Engine>(ctx: &mut dyn Ctx<E>, path: &PathBuf) -> Result<(E::Module, module_info::ModuleInfo), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let info = module_info::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let module = ctx.host_ref().engine.compile(&bytes).map_err(|e| format!("{}: {e:#}", path.display()))?;
    Ok((module, info))
}

fn wasi_imports<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    info: &module_info::ModuleInfo,
    mut other: impl FnMut(&mut dyn Ctx<E>, &str, &str, &ImportKind) -> Option<Extern<E>>,
) -> Result<Vec<Extern<E>>, String> {
    let mut out = Vec::new();
    for imp in &info.imports {
        let ext = match &imp.kind {
            ImportKind::Func(ty) if imp.module == "wasi_snapshot_preview1" => {
                Extern::Func(ctx.new_func(ty, wasi::func(&imp.name, ty)))
            }
            kind => other(ctx, &imp.module, &imp.name, kind)
                .ok_or_else(|| format!("unresolved import {}.{} ({kind:?})", imp.module, imp.name))?,
        };
        out.push(ext);
    }
    Ok(out)
}

fn export_func<E: Engine>(exports: &HashMap<String, Extern<E>>, name: &str) -> Option<E::Func> {
    match exports.get(name) {
        Some(Extern::Func(f)) => Some(*f),
        _ => None,
    }
}

/// Instantiates a static (single-module) program with the WASI imports; its memory becomes the
/// process's. Returns its exports.
pub fn instantiate_static<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    path: &PathBuf,
) -> Result<HashMap<String, Extern<E>>, Ending> {
    let (module, info) = open(ctx, path).map_err(Ending::LinkError)?;
    let imports = wasi_imports(ctx, &info, |_, _, _, _| None).map_err(Ending::LinkError)?;
    let exports: HashMap<String, Extern<E>> = ctx
        .instantiate(&module, &imports)
        .map_err(|t| Ending::LinkError(format!("instantiation failed: {t}")))?
        .into_iter()
        .collect();
    match exports.get("memory") {
        Some(Extern::Memory(m)) => ctx.host().memory = Some(*m),
        _ => return Err(Ending::LinkError("static module exports no memory".into())),
    }
    Ok(exports)
}

fn run_static<E: Engine>(ctx: &mut dyn Ctx<E>, p: &Program) -> Ending {
    let exports = match instantiate_static(ctx, &p.main) {
        Ok(e) => e,
        Err(ending) => return ending,
    };
    let Some(start) = export_func(&exports, "_start") else {
        return Ending::LinkError("static module exports no _start".into());
    };
    ending(ctx.call(start, &[], &mut []), 0, "_start")
}

/// What the host calls in libc.wasm to run a program.
pub struct LibcEntry<E: Engine> {
    pub main_void: E::Func,
    pub exit: E::Func,
}

/// Instantiates libc.wasm as module 0 of the process (its memory, table and stack pointer become the
/// process's) and runs its constructors.
pub fn boot_libc<E: Engine>(ctx: &mut dyn Ctx<E>, libc_path: &PathBuf) -> Result<LibcEntry<E>, Ending> {
    let (module, info) = open(ctx, libc_path).map_err(Ending::LinkError)?;
    // libc's `main` import is bound before the program exists, so it is always a host forwarder.
    let imports = wasi_imports(ctx, &info, |ctx, m, n, kind| match (m, n, kind) {
        ("env", "main", ImportKind::Func(ty)) if *ty == FuncType::new([ValType::I32, ValType::I32], [ValType::I32]) => {
            Some(Extern::Func(ctx.new_func(
                ty,
                Arc::new(|ctx, args, results| {
                    let f = ctx
                        .host_ref()
                        .process
                        .main_func
                        .ok_or_else(|| Trap::Host("main called before the program was loaded".into()))?;
                    let ty = ctx.func_type(f);
                    if ty.params.is_empty() {
                        ctx.call(f, &[], results)
                    } else {
                        ctx.call(f, args, results)
                    }
                }),
            )))
        }
        _ => None,
    })
    .map_err(|e| Ending::LinkError(format!("libc.wasm: {e}")))?;
    let exports: HashMap<String, Extern<E>> = ctx
        .instantiate(&module, &imports)
        .map_err(|t| Ending::LinkError(format!("libc.wasm: instantiation failed: {t}")))?
        .into_iter()
        .collect();
    let (Some(Extern::Memory(memory)), Some(Extern::Table(table)), Some(Extern::Global(sp))) =
        (exports.get("memory"), exports.get("__indirect_function_table"), exports.get("__stack_pointer"))
    else {
        return Err(Ending::LinkError(
            "libc.wasm must export memory, __indirect_function_table and __stack_pointer".into(),
        ));
    };
    let (memory, table, sp) = (*memory, *table, *sp);
    let ctors = export_func(&exports, "__wasm_call_ctors");
    let (Some(main_void), Some(exit)) = (export_func(&exports, "__main_void"), export_func(&exports, "exit")) else {
        return Err(Ending::LinkError("libc.wasm must export __main_void and exit".into()));
    };
    {
        let host = ctx.host();
        host.memory = Some(memory);
        let proc = &mut host.process;
        proc.stack_pointer = Some(sp);
        proc.add_libc("libc.wasm", info, exports, table);
    }
    if let Some(f) = ctors {
        ctx.call(f, &[], &mut []).map_err(|t| ending(Err(t), 0, "libc.wasm constructors"))?;
    }
    Ok(LibcEntry { main_void, exit })
}

/// Loads the main program as a side module (lazily bound, in the global scope, like ld.so does for
/// an executable) and records its `main` in the process.
fn load_program<E: Engine>(ctx: &mut dyn Ctx<E>, p: &Program) -> Result<E::Func, Ending> {
    ctx.host().process.libs.insert(p.main_name.clone(), p.main.clone());
    let main = match linker::load(ctx, &p.main_name, Mode { now: false, global: true }) {
        Ok(id) => id,
        Err(LoadError::Link(m)) => return Err(Ending::LinkError(m)),
        Err(LoadError::Trap(m, t)) => return Err(ending(Err(t), 0, &format!("loading the program ({m})"))),
    };
    let exports = &ctx.host_ref().process.modules[main].exports;
    let Some(main_func) = export_func(exports, "__main_argc_argv").or_else(|| export_func(exports, "main")) else {
        return Err(Ending::LinkError(format!("{}: exports no main", p.main_name)));
    };
    let proc = &mut ctx.host().process;
    proc.main = Some(main);
    proc.main_func = Some(main_func);
    Ok(main_func)
}

fn run_libc_module<E: Engine>(ctx: &mut dyn Ctx<E>, p: &Program) -> Ending {
    let Some(libc_path) = &p.libc_module else {
        return Ending::LinkError("libc-module placement without libc.wasm".into());
    };
    let LibcEntry { main_void, exit } = match boot_libc(ctx, libc_path) {
        Ok(e) => e,
        Err(ending) => return ending,
    };
    if let Err(ending) = load_program(ctx, p) {
        return ending;
    }
    // As crt1's _start: run main through libc (which fetches argv over WASI), then exit() with its result.
    let mut r = [Val::I32(0)];
    if let Err(t) = ctx.call(main_void, &[], &mut r) {
        return ending(Err(t), 0, "main()");
    }
    let code = r[0].i32().unwrap_or(0);
    ending(ctx.call(exit, &[Val::I32(code)], &mut []), code, "exit() after main returned")
}

/// The libc-host placement: no libc.wasm. The host creates memory, stack and table, loads the
/// program as a side module on its own libc, passes argc/argv, calls main and then the atexit handlers.
fn run_libc_host<E: Engine>(ctx: &mut dyn Ctx<E>, p: &Program) -> Ending {
    if let Err(t) = libc_host::boot(ctx, p.libc_module.clone()) {
        return ending(Err(t), 0, "setting up the host libc");
    }
    let main_func = match load_program(ctx, p) {
        Ok(f) => f,
        Err(ending) => return ending,
    };
    let ty = ctx.func_type(main_func);
    let args = match ty.params.as_slice() {
        [] => Vec::new(),
        [ValType::I32, ValType::I32] => match libc_host::write_args(ctx, &p.args) {
            Ok((argc, argv)) => vec![Val::I32(argc), Val::I32(argv as i32)],
            Err(t) => return ending(Err(t), 0, "writing argv"),
        },
        _ => return Ending::LinkError(format!("{}: main has type {ty}", p.main_name)),
    };
    let mut r: Vec<Val<E>> = ty.results.iter().map(|t| Val::default_for(*t)).collect();
    // exit() inside main runs the handlers itself and ends the run with Trap::Exit.
    if let Err(t) = ctx.call(main_func, &args, &mut r) {
        return ending(Err(t), 0, "main()");
    }
    let code = r.first().and_then(|v| v.i32()).unwrap_or(0);
    ending(libc_host::run_atexit(ctx), code, "atexit handlers after main returned")
}
