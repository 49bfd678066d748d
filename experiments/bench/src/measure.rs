//! Timing: calibrated loops, samples interleaved across variants (so drift hits all rows alike),
//! two rounds to show how stable the ratios are within one run.

use std::time::Duration;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use dylab_engines::Adapter;

use crate::calls::{Kernel, Modules, Prepared, Variant};

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

/// One row of calls.md / calls.json: `{engine}/{variant}/{kernel}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CallRow {
    pub cell: String,
    pub engine: String,
    pub variant: String,
    pub kernel: String,
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
    /// What the loop returned for n = 1000: identical for every variant of a kernel.
    pub checksum: i32,
}

pub fn median(v: &[f64]) -> f64 {
    quantile(v, 0.5)
}

pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    let pos = q * (s.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

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

/// Measures every (variant, kernel) accepted by `select` on one engine.
pub fn measure<E: Adapter>(
    engine: &E,
    modules: &Modules,
    settings: Settings,
    select: &dyn Fn(Variant, Kernel) -> bool,
    progress: &dyn Fn(&str),
) -> Result<(f64, Vec<CallRow>)> {
    let name = engine.name();
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
    let mut samples: Vec<[Vec<f64>; 2]> = vec![Default::default(); rows.len()];
    let mut empty_samples = Vec::new();
    for round in 0..2 {
        progress(&format!("{name}: round {} of 2", round + 1));
        for _ in 0..settings.samples {
            empty_samples.push(sample(&mut empty, n_empty)?);
            for (i, (_, _, p)) in rows.iter_mut().enumerate() {
                samples[i][round].push(sample(p, ns[i])?);
            }
        }
    }
    let empty_ns = median(&empty_samples);
    // Ratios pair each sample with the floor's sample of the same sweep, so that a drift of the
    // machine between sweeps cancels out.
    let keys: Vec<(Variant, Kernel)> = rows.iter().map(|(v, k, _)| (*v, *k)).collect();
    let paired = |i: usize, round: usize| -> Vec<f64> {
        let f = keys.iter().position(|(v, k)| *v == Variant::IntraDirect && *k == keys[i].1).unwrap();
        samples[i][round].iter().zip(&samples[f][round]).map(|(a, b)| a / b).collect()
    };
    let mut out = Vec::new();
    for (i, (variant, kernel, p)) in rows.iter_mut().enumerate() {
        if !select(*variant, *kernel) {
            continue;
        }
        let pooled = [samples[i][0].clone(), samples[i][1].clone()].concat();
        let med = median(&pooled);
        p.run(1000)?;
        out.push(CallRow {
            cell: format!("{name}/{}/{}", variant.name(), kernel.name()),
            engine: name.to_string(),
            variant: variant.name().to_string(),
            kernel: kernel.name().to_string(),
            iterations: ns[i],
            median_ns: med,
            q1_ns: quantile(&pooled, 0.25),
            q3_ns: quantile(&pooled, 0.75),
            net_ns: med - empty_ns,
            ratio: median(&[paired(i, 0), paired(i, 1)].concat()),
            ratio_rounds: [median(&paired(i, 0)), median(&paired(i, 1))],
            checksum: p.checksum(),
        });
    }
    Ok((empty_ns, out))
}
