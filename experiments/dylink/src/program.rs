//! Running one program in one placement: the program's description, the run on a thread of its own,
//! and what every placement shares (opening the modules the lab starts from, WASI imports, loading
//! the program as a side module).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::builder::ProcessBuilder;
use crate::engine::{Ctx, Engine, Extern, Limits, Trap};
use crate::libc::LibcPlacement;
use crate::linkage::Linkage;
use crate::load;
use crate::module_info::{self, ImportKind};
use crate::outcome::{Ending, RunResult, TrapKind};
use crate::process::LoadError;
use crate::strategy::Libc;
use crate::wasi;

/// Everything needed to run one cell's program. Built with [`Program::new`] and its setters (one
/// per field), so that a new field has its default in one place; it crosses to a hosting process as
/// JSON (serde).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub libc: Libc,
    pub linkage: Linkage,
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
    /// Functions that may cross between memories under `isolated`, as the case declares them.
    pub interfaces: crate::interface::Interfaces,
}

impl Program {
    /// The static program `main`, known as `main_name`: argv is that name alone, no libc.wasm, no
    /// libraries, environment or directories, the default limits, run from the folder `main` is in.
    pub fn new(main: impl Into<PathBuf>, main_name: impl Into<String>) -> Program {
        let main: PathBuf = main.into();
        let main_name = main_name.into();
        Program {
            libc: Libc::Static,
            linkage: Linkage::Static,
            case_dir: main.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf(),
            main,
            args: vec![main_name.clone()],
            main_name,
            libc_module: None,
            libs: HashMap::new(),
            env: Vec::new(),
            dirs: Vec::new(),
            limits: Limits::DEFAULT,
            interfaces: Default::default(),
        }
    }

    pub fn libc(mut self, libc: Libc) -> Self {
        self.libc = libc;
        self
    }

    pub fn linkage(mut self, linkage: impl Into<Linkage>) -> Self {
        self.linkage = linkage.into();
        self
    }

    pub fn libc_module(mut self, libc_wasm: Option<PathBuf>) -> Self {
        self.libc_module = libc_wasm;
        self
    }

    /// Adds the library `dlopen` finds as `name`.
    pub fn lib(mut self, name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        self.libs.insert(name.into(), path.into());
        self
    }

    /// Adds libraries by the names `dlopen` finds them as.
    pub fn libs(mut self, libs: impl IntoIterator<Item = (String, PathBuf)>) -> Self {
        self.libs.extend(libs);
        self
    }

    pub fn case_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.case_dir = dir.into();
        self
    }

    /// The whole argv, `argv[0]` included.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    pub fn env(mut self, env: impl IntoIterator<Item = (String, String)>) -> Self {
        self.env = env.into_iter().collect();
        self
    }

    /// Folders granted read-only: (guest path, host folder).
    pub fn dirs(mut self, dirs: impl IntoIterator<Item = (String, PathBuf)>) -> Self {
        self.dirs = dirs.into_iter().collect();
        self
    }

    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    pub fn interfaces(mut self, interfaces: crate::interface::Interfaces) -> Self {
        self.interfaces = interfaces;
        self
    }
}

/// How a failed instantiation of a placement's own module (`what`: "" for a static program,
/// "libc.wasm: ") ends the run: a resource limit or running out of fuel (in a start function) is
/// the `limit` or `timeout` outcome it is anywhere else; anything else means the module could not
/// be linked.
pub fn instantiation_ending(what: &str, t: Trap) -> Ending {
    match t {
        Trap::Limit(kind, m) => Ending::Limited(kind, format!("{m} (during {what}instantiation)")),
        Trap::Wasm(kind @ TrapKind::OutOfFuel) => {
            Ending::Trapped { kind, message: format!("{kind} during {what}instantiation") }
        }
        t => Ending::LinkError(format!("{what}instantiation failed: {t}")),
    }
}

/// How a run ended; `phase` says what the host had called when the guest trapped.
pub fn ending(r: Result<(), Trap>, exit_on_return: i32, phase: &str) -> Ending {
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

/// Runs `program` on `engine` under `placement` on a thread of its own with a [`RUN_STACK`] stack.
/// Never panics on guest behaviour: every failure is an [`Ending`].
pub fn run<E: Engine>(engine: &E, program: &Program, placement: Arc<dyn LibcPlacement<E>>) -> RunResult {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("dylab-run".into())
            .stack_size(RUN_STACK)
            .spawn_scoped(s, || run_here(engine, program, placement))
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
pub fn run_here<E: Engine>(engine: &E, program: &Program, placement: Arc<dyn LibcPlacement<E>>) -> RunResult {
    let mut session = match ProcessBuilder::for_program(engine, program, placement).build() {
        Ok(session) => session,
        Err(ending) => return RunResult { ending, stdout: Vec::new(), stderr: Vec::new(), fuel_consumed: 0 },
    };
    let ending = session.run();
    let fuel_left = session.enter(|ctx| ctx.fuel());
    let mut host = session.take_host();
    crate::threads::finish(&mut host);
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
pub(crate) fn open<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    path: &Path,
) -> Result<(E::Module, module_info::ModuleInfo), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let info = module_info::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let module = ctx.host_ref().engine.compile(&bytes).map_err(|e| format!("{}: {e:#}", path.display()))?;
    Ok((module, info))
}

pub(crate) fn wasi_imports<E: Engine>(
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

pub fn export_func<E: Engine>(exports: &HashMap<String, Extern<E>>, name: &str) -> Option<E::Func> {
    match exports.get(name) {
        Some(Extern::Func(f)) => Some(*f),
        _ => None,
    }
}

/// Loads the main program as a side module (lazily bound, in the global scope, like ld.so does for
/// an executable) and records its `main` in the process.
///
/// `main` may be defined by a library the program is linked against (as with ld.so).
pub fn load_program<E: Engine>(ctx: &mut dyn Ctx<E>, p: &Program) -> Result<E::Func, Ending> {
    ctx.host().process.add_lib(p.main_name.clone(), p.main.clone());
    let main = match load::load_program(ctx, &p.main_name) {
        Ok(id) => id,
        Err(LoadError::Link(m)) => return Err(Ending::LinkError(m)),
        Err(LoadError::Trap(m, t)) => return Err(ending(Err(t), 0, &format!("loading the program ({m})"))),
    };
    let proc = &ctx.host_ref().process;
    let found = ["__main_argc_argv", "main"].into_iter().find_map(|name| proc.lookup_in_tree(main, name, true));
    let Some((_, Extern::Func(main_func))) = found else {
        return Err(Ending::LinkError(format!("{}: exports no main", p.main_name)));
    };
    ctx.host().process.set_main_func(main_func);
    Ok(main_func)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_program_is_static_run_from_its_folder_with_its_name_as_argv() {
        let p = Program::new("/c/x/main.wasm", "main");
        assert_eq!((p.libc, p.linkage), (Libc::Static, Linkage::Static));
        assert_eq!((p.case_dir.as_path(), p.args.as_slice()), (Path::new("/c/x"), ["main".to_string()].as_slice()));
        assert_eq!(Program::new("main.wasm", "m").case_dir, Path::new("."));
        let p = p.lib("a.so", "/a.wasm").lib("b.so", "/b.wasm").args(["m", "1"]);
        assert_eq!((p.libs.len(), p.args.len()), (2, 2));
    }
}
