//! Running a program on the real linker: its modules loaded under a strategy on every in-process
//! engine, the host calls made, what the host saw recorded.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dylab_engines::{Adapter, WithEngine};
use dylab_lab::placements::placement;
use dylab_lab::run::default_corpus;
use dylab_lab::{EngineKind, Lab};
use dylink::Strategy as Linking;
use dylink::{Ctx, Engine, Extern, Libc, ModId, Mode, ProcessBuilder, TrapKind, Val};

use super::*;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Outcome {
    Values(Vec<Bits>),
    Trap(TrapKind),
}

/// A trap as compared: its kind (anything else a host call ends with is a kind of its own).
pub(crate) fn trap_kind(t: &dylink::Trap) -> TrapKind {
    match t {
        dylink::Trap::Wasm(k) => *k,
        _ => TrapKind::Other,
    }
}

pub(crate) fn to_val<E: Engine>(v: V) -> Val<E> {
    match v {
        V::I32(x) => Val::I32(x),
        V::I64(x) => Val::I64(x),
        V::F32(x) => Val::F32(x.to_bits()),
        V::F64(x) => Val::F64(x.to_bits()),
    }
}

pub(crate) fn from_val<E: Engine>(v: &Val<E>) -> Bits {
    match *v {
        Val::I32(x) => (T::I32, x as u32 as u64),
        Val::I64(x) => (T::I64, x as u64),
        Val::F32(x) => (T::F32, x as u64),
        Val::F64(x) => (T::F64, x),
        Val::FuncRef(_) => panic!("a generated function returned a funcref"),
    }
}

/// Loads the program's modules (written in `dir`) under `strategy` and makes the host calls.
/// `Err` is a load failure.
fn run_on<E: Engine>(
    engine: &E,
    libc: &Path,
    dir: &Path,
    prog: &Program,
    strategy: Linking,
) -> Result<Vec<Outcome>, String> {
    let n = prog.modules.len();
    let libs: HashMap<String, PathBuf> =
        (0..n).map(|i| (format!("m{i}.wasm"), dir.join(format!("m{i}.wasm")))).collect();
    let mut session = ProcessBuilder::new(engine, placement(Libc::LibcModule), strategy, Some(libc.to_path_buf()))
        .program(|p| p.libs(libs).case_dir(dir))
        .build()
        .map_err(|e| format!("{e:?}"))?;
    session.boot().map_err(|e| format!("booting libc: {e:?}"))?;
    session.enter(|ctx| {
        let mut ids = Vec::new();
        for i in 0..n {
            ids.push(
                dylink::load::load(ctx, &format!("m{i}.wasm"), Mode { now: true, global: true })
                    .map_err(|e| format!("loading m{i}: {}", e.message()))?,
            );
        }
        let mut out = Vec::new();
        for (k, args) in &prog.calls {
            out.push(host_call(ctx, &ids, &format!("m{}_f{k}", n - 1), args)?);
        }
        Ok(out)
    })
}

/// Calls export `name` of the last of the loaded modules `ids`: its results and then every
/// module's checksum, or the trap.
fn host_call<E: Engine>(ctx: &mut dyn Ctx<E>, ids: &[ModId], name: &str, args: &[V]) -> Result<Outcome, String> {
    let last = ids[ids.len() - 1];
    let memory = ctx.host_ref().memory.expect("libc's memory");
    let f = match ctx.host_ref().process.module(last).exports.get(name) {
        Some(Extern::Func(f)) => *f,
        _ => return Err(format!("{name} is not exported")),
    };
    let args: Vec<Val<E>> = args.iter().map(|v| to_val(*v)).collect();
    let mut results: Vec<Val<E>> = ctx.func_type(f).results.iter().map(|t| Val::default_for(*t)).collect();
    Ok(match ctx.call(f, &args, &mut results) {
        Ok(()) => {
            let mut seen: Vec<Bits> = results.iter().map(from_val).collect();
            for &id in ids {
                let mut buf = [0u8; 8];
                ctx.memory_read(memory, ctx.host_ref().process.module(id).memory_base as u64, &mut buf)
                    .map_err(|t| format!("reading the checksum of module {id}: {t}"))?;
                seen.push((T::I64, u64::from_le_bytes(buf)));
            }
            Outcome::Values(seen)
        }
        Err(t) => Outcome::Trap(trap_kind(&t)),
    })
}

/// Built once: the lab's engines keep compiled libc.wasm across cases.
pub(crate) fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| Lab::new(&default_corpus().join("include")).expect("toolchain available"))
}

struct RunOn<'a> {
    libc: &'a PathBuf,
    dir: &'a Path,
    prog: &'a Program,
    strategy: Linking,
}

impl WithEngine for RunOn<'_> {
    type Out = Result<Vec<Outcome>, String>;
    fn run<E: Adapter>(self, engine: &E) -> Self::Out {
        run_on(engine, self.libc, self.dir, self.prog, self.strategy)
    }
}

pub(crate) struct Standalone<'a> {
    pub(crate) wat: &'a str,
    pub(crate) calls: &'a [(&'a str, Vec<V>)],
}

impl WithEngine for Standalone<'_> {
    type Out = Result<Vec<Vec<Bits>>, String>;
    fn run<E: Adapter>(self, engine: &E) -> Self::Out {
        standalone(engine, self.wat, self.calls)
    }
}

/// (engine/strategy, the strategy, what the host saw).
pub(crate) type Observed = Vec<(String, Linking, Result<Vec<Outcome>, String>)>;

/// Runs `prog` under each strategy on every in-process engine, on a thread with the lab's run stack.
pub(crate) fn observe(prog: &Program, strategies: &[Linking]) -> Observed {
    let wasm: Vec<Vec<u8>> = (0..prog.modules.len())
        .map(|m| {
            let wat = module_wat(prog, m);
            wat::parse_str(&wat).unwrap_or_else(|e| panic!("generated WAT does not parse: {e}\n{wat}"))
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    for (i, bytes) in wasm.iter().enumerate() {
        std::fs::write(dir.path().join(format!("m{i}.wasm")), bytes).unwrap();
    }
    let lab = lab();
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("callgraph".into())
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, || {
                let mut out = Vec::new();
                for &strategy in strategies {
                    for kind in EngineKind::in_process() {
                        let run = RunOn { libc: &lab.libc_wasm, dir: dir.path(), prog, strategy };
                        out.push((format!("{kind}/{strategy}"), strategy, lab.engine(kind).visit(run)));
                    }
                }
                out
            })
            .unwrap()
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    })
}

/// Instantiates one module without imports and makes `calls` in order on one store.
pub(crate) fn standalone<E: Engine>(engine: &E, wat: &str, calls: &[(&str, Vec<V>)]) -> Result<Vec<Vec<Bits>>, String> {
    let bytes = wat::parse_str(wat).map_err(|e| e.to_string())?;
    let mut session = ProcessBuilder::new(engine, placement(Libc::LibcModule), Linking::SharedTable, None)
        .build()
        .map_err(|e| format!("{e:?}"))?;
    let module = engine.compile(&bytes).map_err(|e| format!("{e:#}"))?;
    session.enter(|ctx| {
        let exports = ctx.instantiate(&module, &[]).map_err(|t| t.to_string())?;
        let mut out = Vec::new();
        for (name, args) in calls {
            let Some(f) = exports.iter().find_map(|(n, e)| match e {
                Extern::Func(f) if n == name => Some(*f),
                _ => None,
            }) else {
                return Err(format!("no export {name}"));
            };
            let args: Vec<Val<E>> = args.iter().map(|v| to_val(*v)).collect();
            let mut results: Vec<Val<E>> = ctx.func_type(f).results.iter().map(|t| Val::default_for(*t)).collect();
            ctx.call(f, &args, &mut results).map_err(|t| t.to_string())?;
            out.push(results.iter().map(from_val).collect());
        }
        Ok(out)
    })
}
