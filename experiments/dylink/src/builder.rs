//! One way to set a process up (linker state, WASI, store, placement), used alike by the matrix,
//! the benchmarks and the tests, so that what is measured is what is tested.

use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::{Ctx, Engine, Limits};
use crate::libc::LibcPlacement;
use crate::linkage::Linkage;
use crate::outcome::Ending;
use crate::process::{LoadError, ModId, Mode, Process};
use crate::program::Program;
use crate::strategy::Trampolines;
use crate::wasi::WasiState;
use crate::Host;

pub struct ProcessBuilder<E: Engine> {
    engine: E,
    program: Program,
    placement: Arc<dyn LibcPlacement<E>>,
    trampolines: Trampolines,
}

impl<E: Engine> ProcessBuilder<E> {
    /// A process of `placement` with no program file, no libraries and unbounded limits (for
    /// measurements and tests); `libc_module` is libc.wasm where the placement needs it.
    pub fn new(
        engine: &E,
        placement: Arc<dyn LibcPlacement<E>>,
        linkage: impl Into<Linkage>,
        libc_module: Option<PathBuf>,
    ) -> Self {
        let program = Program::new(PathBuf::new(), "program")
            .libc(placement.kind())
            .linkage(linkage)
            .libc_module(libc_module)
            .limits(Limits::UNBOUNDED);
        ProcessBuilder { engine: engine.clone(), program, placement, trampolines: Trampolines::default() }
    }

    /// The process of one matrix cell; `placement` is the program's.
    pub fn for_program(engine: &E, program: &Program, placement: Arc<dyn LibcPlacement<E>>) -> Self {
        ProcessBuilder {
            engine: engine.clone(),
            program: program.clone(),
            placement,
            trampolines: Trampolines::default(),
        }
    }

    /// Edits the program the process is built for (its libraries and folder, limits, interfaces)
    /// with [`Program`]'s own setters.
    pub fn program(mut self, edit: impl FnOnce(Program) -> Program) -> Self {
        self.program = edit(self.program);
        self
    }

    /// Which forwarder trampoline imports get (bench variants; the matrix uses the default).
    pub fn trampolines(mut self, kind: Trampolines) -> Self {
        self.trampolines = kind;
        self
    }

    /// The process, not booted yet; a folder the case grants that cannot be granted (a link, a
    /// folder outside the case) is a link error.
    pub fn build(self) -> Result<Session<E>, Ending> {
        let p = &self.program;
        let placement = self.placement.kind();
        assert_eq!(placement, p.libc, "a {} program run by the {placement} placement", p.libc);
        let mut process = Process::new(p.linkage, p.libs.clone(), p.case_dir.clone());
        let config = process.config_mut();
        config.limits = p.limits.clone();
        config.trampolines = self.trampolines;
        config.interfaces = Arc::new(p.interfaces.clone());
        process.set_placement(self.placement.clone());
        let mut wasi = WasiState::new(p.args.clone(), p.env.clone()).with_limits(&p.limits);
        for (guest, host) in &p.dirs {
            wasi = wasi
                .grant(guest, host, &p.case_dir)
                .map_err(|e| Ending::LinkError(format!("cannot grant a folder: {e}")))?;
        }
        let host = Host::new(self.engine.clone(), wasi, process);
        let store = self.engine.new_store(host, &p.limits);
        Ok(Session { engine: self.engine, store, program: self.program, placement: self.placement })
    }
}

/// A process: its store, the program it was built for and its placement.
pub struct Session<E: Engine> {
    pub engine: E,
    pub store: E::Store,
    pub program: Program,
    pub placement: Arc<dyn LibcPlacement<E>>,
}

impl<E: Engine> Session<E> {
    pub fn enter<R>(&mut self, f: impl FnOnce(&mut dyn Ctx<E>) -> R) -> R {
        self.engine.enter(&mut self.store, f)
    }

    /// Creates module 0 (libc) as the placement does.
    pub fn boot(&mut self) -> Result<(), Ending> {
        let (placement, program) = (self.placement.clone(), self.program.clone());
        self.enter(|ctx| placement.boot(ctx, &program))
    }

    /// Runs the whole program: boot, load, main.
    pub fn run(&mut self) -> Ending {
        let (placement, program) = (self.placement.clone(), self.program.clone());
        self.enter(|ctx| placement.run(ctx, &program))
    }

    /// Loads a library as `dlopen` would (with its NEEDED ones).
    pub fn load(&mut self, name: &str, mode: Mode) -> Result<ModId, LoadError> {
        self.enter(|ctx| crate::load::load(ctx, name, mode))
    }

    /// Export `name` of a loaded module, a function.
    pub fn func(&mut self, id: ModId, name: &str) -> Option<E::Func> {
        self.enter(|ctx| crate::program::export_func(&ctx.host_ref().process.module(id).exports, name))
    }

    pub fn take_host(self) -> Host<E> {
        self.engine.take_host(self.store)
    }
}
