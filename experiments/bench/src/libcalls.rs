//! What one libc call costs by placement: `strlen` of 16 bytes and `memcpy` of 4 KiB, called from a
//! side module beside libc.wasm, from a side module on the host's libc, and from a static program.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use dylab_lab::placements::placement;
use dylab_toolchain::Toolchain;
use dylink::{Engine, Extern, Libc, Mode, ProcessBuilder, Strategy, Val};

use dylab_engines::Adapter;

use crate::measure::{summarise, CallRow, Settings};
use crate::samples::{Phase, Sample};
use crate::subject::Subject;

pub use crate::subject::LibcOp;

/// Every placement, in the order of [`Libc`]; ratios are to the first, `static`.
pub fn placements() -> impl Iterator<Item = Libc> {
    <Libc as strum::IntoEnumIterator>::iter()
}

/// Every operation, in the order of [`LibcOp`].
pub fn ops() -> impl Iterator<Item = LibcOp> {
    <LibcOp as strum::IntoEnumIterator>::iter()
}

#[derive(Clone, Debug)]
pub struct LibcModules {
    pub libc: PathBuf,
    pub side: PathBuf,
    pub static_program: PathBuf,
    pub dir: PathBuf,
}

impl LibcModules {
    pub fn build(toolchain: &Toolchain, bench_dir: &Path) -> Result<LibcModules> {
        let src = [bench_dir.join("libcalls.c")];
        let exports: Vec<String> = ops().map(|op| format!("-Wl,--export=run_{}", op.name())).collect();
        Ok(LibcModules {
            libc: toolchain.libc_module()?,
            side: toolchain.side_module(&src, &[])?,
            static_program: toolchain.static_program(&src, &exports)?,
            dir: bench_dir.to_path_buf(),
        })
    }
}

struct Loop<E: Engine> {
    store: E::Store,
    run: E::Func,
}

fn prepare<E: Engine>(engine: &E, m: &LibcModules, libc: Libc, op: LibcOp) -> Result<Loop<E>> {
    let libs = HashMap::from([("libcalls.wasm".to_string(), m.side.clone())]);
    let mut session =
        ProcessBuilder::new(engine, placement(libc), libc.linkage(Strategy::Direct), Some(m.libc.clone()))
            .program(|p| p.libs(libs).case_dir(&m.dir))
            .build()
            .map_err(|e| anyhow!("{e:?}"))?;
    if libc != Libc::Static {
        session.boot().map_err(|e| anyhow!("{e:?}"))?;
    }
    let name = format!("run_{}", op.name());
    let run = session.enter(|ctx| -> Result<E::Func> {
        let exports: HashMap<String, Extern<E>> = match libc {
            // The static module is libc and program at once; its exports are the loop.
            Libc::Static => {
                dylink::placements::static_program::instantiate(ctx, &m.static_program).map_err(|e| anyhow!("{e:?}"))?
            }
            Libc::LibcModule | Libc::LibcHost => {
                let id = dylink::load::load(ctx, "libcalls.wasm", Mode { now: true, global: true })
                    .map_err(|e| anyhow!("{}", e.message()))?;
                ctx.host_ref().process.module(id).exports.clone()
            }
        };
        match exports.get(&name) {
            Some(Extern::Func(f)) => Ok(*f),
            _ => Err(anyhow!("libcalls exports no {name}")),
        }
    })?;
    Ok(Loop { store: session.store, run })
}

fn sample<E: Engine>(engine: &E, l: &mut Loop<E>, n: u32) -> Result<f64> {
    let run = l.run;
    let t = std::time::Instant::now();
    engine
        .enter(&mut l.store, |ctx| ctx.call(run, &[Val::I32(n as i32)], &mut [Val::I32(0)]))
        .map_err(|t| anyhow!("{t}"))?;
    Ok(t.elapsed().as_nanos() as f64 / n as f64)
}

/// Rows `{engine}/libc-call/{placement}/{op}` and their raw samples; ratio is to the static placement,
/// paired per sweep.
pub fn measure<E: Adapter>(engine: &E, m: &LibcModules, settings: Settings) -> Result<(Vec<CallRow>, Vec<Sample>)> {
    let mut out = Vec::new();
    let mut raw = Vec::new();
    for op in ops() {
        let mut loops = Vec::new();
        for libc in placements() {
            let mut l = prepare(engine, m, libc, op)
                .with_context(|| format!("{} libc-call {libc}/{}", engine.name(), op.name()))?;
            let per = sample(engine, &mut l, 200)?.max(0.5);
            let n = ((settings.target.as_nanos() as f64 / per) as u32).clamp(200, 50_000_000);
            loops.push((libc, l, n));
        }
        for phase in Phase::ALL {
            for sweep in 0..settings.samples as u32 {
                for (libc, l, n) in loops.iter_mut() {
                    raw.push(Sample {
                        engine: E::KIND,
                        subject: Subject::LibcCall(*libc, op),
                        phase,
                        iteration: sweep,
                        value: sample(engine, l, *n)?,
                    });
                }
            }
        }
        for (libc, _, n) in &loops {
            let floor = Subject::LibcCall(Libc::Static, op);
            let mut row = summarise(&raw, E::KIND, Subject::LibcCall(*libc, op), floor);
            row.cell = format!("{}/libc-call/{libc}/{}", engine.name(), op.name());
            row.iterations = *n;
            out.push(row);
        }
    }
    Ok((out, raw))
}
