//! Measures design (a) of the threads' table synchronisation (sync at synchronisation points) on
//! wasmtime/libc-host/shared-table with corpus case `thr-bench`: N threads pass through a mutex in a
//! loop while main dlopens eight libraries. Per N it prints what one dlopen costs the loading thread,
//! what repeating it costs each other thread and how late they have it, and what a sync point with
//! nothing to apply costs. Wall-clock times on a shared machine: medians over `RUNS` runs.
//!
//! `cargo run --release? -p dylab-lab --example thread_sync` (the dev profile is optimised).

use std::sync::Arc;
use std::time::Duration;

use dylab_lab::build::Builds;
use dylab_lab::run::{default_corpus, Lab};
use dylab_lab::{load_corpus, Cell, EngineKind};
use dylink::{Libc, ProcessBuilder, Strategy};

const THREADS: [u32; 5] = [1, 2, 4, 8, 16];
const RUNS: usize = 5;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn micros(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e6)
}

fn main() -> anyhow::Result<()> {
    let corpus = default_corpus();
    let lab = Lab::new(&corpus.join("include"))?;
    let (cases, _) = load_corpus(&corpus)?;
    let case = cases.iter().find(|c| c.name == "thr-bench").expect("corpus case thr-bench");
    let built = Builds::default();
    let d = built.dynamic(&lab, case).as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
    let cell = Cell { engine: EngineKind::Wasmtime, libc: Libc::LibcHost, strategy: Strategy::SharedTable, case: case.name.clone() };
    let engine = <dylab_engine_wasmtime::Wasmtime>::for_timing()?;
    println!("threads | dlopen in the loading thread (µs) | repeat per thread (µs) | lag until repeated (µs, median / max) | idle sync point (ns)");
    println!("---|---|---|---|---");
    for n in THREADS {
        let (mut own, mut took, mut lag, mut max_lag, mut idle) = (vec![], vec![], vec![], vec![], vec![]);
        for _ in 0..RUNS {
            let mut program = lab.program(case, d.side_main.clone(), d.libs.clone(), &cell);
            program.args = vec![program.main_name.clone(), n.to_string()];
            let mut session = ProcessBuilder::for_program(&engine, &program, Arc::new(dylab_libc_host::LibcHost))
                .build()
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let ending = session.run();
            anyhow::ensure!(matches!(ending, dylink::Ending::Exited(0)), "thr-bench with {n} threads: {ending:?}");
            let host = session.into_host();
            let stats = host.thread.as_ref().expect("a threaded process").group.stats.lock().unwrap().clone();
            // The eight dlopens (a dlsym after each is in `exclusive` too: every other entry).
            own.extend(stats.exclusive.iter().step_by(2).copied());
            took.extend(stats.repeats.iter().map(|r| r.took));
            lag.extend(stats.repeats.iter().map(|r| r.lag));
            max_lag.push(stats.repeats.iter().map(|r| r.lag).max().unwrap_or_default());
            idle.push(stats.idle_sync_time.checked_div(stats.idle_syncs.max(1) as u32).unwrap_or_default());
        }
        println!(
            "{n} | {} | {} | {} / {} | {}",
            micros(median(own)),
            micros(median(took)),
            micros(median(lag)),
            micros(median(max_lag)),
            median(idle).as_nanos()
        );
    }
    Ok(())
}
