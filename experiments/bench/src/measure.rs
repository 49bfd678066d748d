//! Timing: calibrated loops, samples interleaved across variants (so drift hits all rows alike),
//! two rounds to show how stable the ratios are within one run; every statistic is computed from the
//! flat raw samples ([`crate::samples`]).

use std::time::Duration;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use dylab_engines::{Adapter, EngineKind};

use crate::calls::{Kernel, Modules, Prepared, Variant};
use crate::samples::{self, Phase, Sample};
use crate::stats;
use crate::subject::Subject;

#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Samples per row and round.
    pub samples: usize,
    /// Wall time of one sample.
    pub target: Duration,
}

impl Settings {
    pub fn full() -> Self {
        Settings { samples: 15, target: Duration::from_millis(4) }
    }
    pub fn quick() -> Self {
        Settings { samples: 5, target: Duration::from_millis(1) }
    }
}

/// One row of calls.md / calls.json: `{engine}/{variant}/{kernel}` (a libc call:
/// `{engine}/libc-call/{placement}/{op}`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallRow {
    pub cell: String,
    pub engine: EngineKind,
    /// In calls.json the columns `variant` and `kernel`.
    #[serde(flatten)]
    pub subject: Subject,
    /// Calls per sample.
    pub iterations: u32,
    /// Median wall time per loop iteration (call plus loop overhead), both rounds pooled.
    pub median_ns: f64,
    pub q1_ns: f64,
    pub q3_ns: f64,
    /// Median minus the empty loop's median: the call alone.
    pub net_ns: f64,
    /// Median over samples of (this sample / the intra-direct sample of the same sweep), same engine
    /// and kernel.
    pub ratio: f64,
    /// The same ratio from each of the two rounds.
    pub ratio_rounds: [f64; 2],
    /// The bootstrap interval of `ratio` ([`crate::stats::median_interval`]); what `--check` compares.
    #[serde(default)]
    pub ratio_ci: [f64; 2],
    /// What the loop returned for n = 1000: identical for every variant of a kernel.
    pub checksum: i32,
}

pub use crate::stats::{median, quantile};

/// The ns per iteration of one sample.
fn sample<E: Adapter>(p: &mut Prepared<E>, n: u32) -> Result<f64> {
    Ok(p.run(n)?.as_nanos() as f64 / n as f64)
}

/// Picks the iteration count that makes one sample last about `target`.
fn calibrate<E: Adapter>(p: &mut Prepared<E>, target: Duration) -> Result<u32> {
    let probe = 2_000;
    p.run(probe)?;
    let per = sample(p, probe)?.max(0.05);
    Ok(((target.as_nanos() as f64 / per) as u64).clamp(probe as u64, 200_000_000) as u32)
}

/// Measures every (variant, kernel) accepted by `select` on one engine: the empty loop's median, the
/// rows, and the raw samples they were computed from.
pub fn measure<E: Adapter>(
    engine: &E,
    modules: &Modules,
    settings: Settings,
    select: &dyn Fn(Variant, Kernel) -> bool,
    progress: &dyn Fn(&str),
) -> Result<(f64, Vec<CallRow>, Vec<Sample>)> {
    let (name, kind) = (engine.name(), E::KIND);
    let mut empty = Prepared::empty_loop(engine, modules)?;
    let mut rows: Vec<(Variant, Kernel, Prepared<E>)> = Vec::new();
    for kernel in Kernel::ALL {
        for variant in Variant::ALL {
            let wanted = select(variant, kernel) || variant == Variant::IntraDirect;
            if variant.applies(kernel) && variant.runs_on::<E>() && wanted {
                progress(&format!("{name}: preparing {}/{}", variant.name(), kernel.name()));
                rows.push((variant, kernel, Prepared::new(engine, modules, variant, kernel)?));
            }
        }
    }
    let n_empty = calibrate(&mut empty, settings.target)?;
    let mut ns: Vec<u32> = Vec::new();
    for (_, _, p) in rows.iter_mut() {
        ns.push(calibrate(p, settings.target)?);
    }
    let mut raw = Vec::new();
    let mut push =
        |subject, phase, iteration, value| raw.push(Sample { engine: kind, subject, phase, iteration, value });
    for phase in Phase::ALL {
        progress(&format!("{name}: {phase:?} of 2"));
        for sweep in 0..settings.samples as u32 {
            push(Subject::EmptyLoop, phase, sweep, sample(&mut empty, n_empty)?);
            for (i, (v, k, p)) in rows.iter_mut().enumerate() {
                push(Subject::Call(*v, *k), phase, sweep, sample(p, ns[i])?);
            }
        }
    }
    let empty_ns = median(&samples::series(&raw, kind, Subject::EmptyLoop));
    let mut out = Vec::new();
    for (i, (variant, kernel, p)) in rows.iter_mut().enumerate() {
        if !select(*variant, *kernel) {
            continue;
        }
        p.run(1000)?;
        let floor = Subject::Call(Variant::IntraDirect, *kernel);
        let mut row = summarise(&raw, kind, Subject::Call(*variant, *kernel), floor);
        row.iterations = ns[i];
        row.net_ns = row.median_ns - empty_ns;
        row.checksum = p.checksum();
        out.push(row);
    }
    Ok((empty_ns, out, raw))
}

/// A row's statistics from the raw samples: `floor` names the variant its ratios are paired with
/// (sample by sample, within a sweep, so that a drift of the machine between sweeps cancels out).
/// `iterations`, `net_ns` and `checksum` are left for the caller.
pub fn summarise(raw: &[Sample], engine: EngineKind, subject: Subject, floor: Subject) -> CallRow {
    let of = |s: Subject, phase: Phase| -> Vec<f64> {
        let only: Vec<Sample> = raw.iter().filter(|s| s.phase == phase).copied().collect();
        samples::series(&only, engine, s)
    };
    let paired = |phase| -> Vec<f64> { of(subject, phase).iter().zip(of(floor, phase)).map(|(a, b)| a / b).collect() };
    let pooled = samples::series(raw, engine, subject);
    let ratios = [paired(Phase::Round1), paired(Phase::Round2)];
    let all = ratios.concat();
    let med = median(&pooled);
    CallRow {
        cell: format!("{engine}/{subject}"),
        engine,
        subject,
        iterations: 0,
        median_ns: med,
        q1_ns: quantile(&pooled, 0.25),
        q3_ns: quantile(&pooled, 0.75),
        net_ns: med,
        ratio: median(&all),
        ratio_rounds: [median(&ratios[0]), median(&ratios[1])],
        ratio_ci: stats::median_interval(&all),
        checksum: 0,
    }
}
