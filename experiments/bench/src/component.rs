//! The component-model rows of the isolation table (#21): the bench kernels and the copy bench as
//! two C components composed into one (dylab-component), on wasmtime's component API. Timed and
//! counted like the other rows ([`crate::isolation`]), on the wasmtime engine the bench was given
//! (its settings: the counting engine's pinned target under callgrind).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use dylab_engines::Adapter;
use dylink::extras::{ComponentLoops, ComponentWorkload as Workload};
use serde::{Deserialize, Serialize};

use crate::callgrind;
use crate::calls::Kernel;
use crate::counts::{REGIONS, REPETITIONS};
use crate::measure::median;

/// The component's kernels beside the core kernels of the same name (calls.md's k0, k1, kptr).
pub const KERNELS: [Kernel; 3] = [Kernel::K0, Kernel::K1, Kernel::Kptr];

/// The composed component's bytes and where its compiled form is kept between processes.
#[derive(Clone, Debug)]
pub struct ComponentModules {
    pub composed: Vec<u8>,
    pub compiled: PathBuf,
}

impl ComponentModules {
    /// Builds corpus/bench/component (generated sources under `cache`/component-src).
    pub fn build(toolchain: &dylab_toolchain::Toolchain, bench_dir: &Path, cache: &Path) -> Result<Self> {
        let built = dylab_component::build(toolchain, &bench_dir.join("component"), &cache.join("component-src"))
            .context("building corpus/bench/component")?;
        Ok(ComponentModules { composed: built.composed, compiled: cache.join("precompiled") })
    }

    /// An instance on `engine` where it has a component model (wasmtime), else None.
    pub fn instance<E: Adapter>(&self, engine: &E) -> Option<Result<ComponentCall>> {
        engine.component_loops(&self.composed, &self.compiled).map(|r| r.map(ComponentCall))
    }
}

/// What one component loop calls: a kernel, or `consume` with `bytes`.
pub fn workload(kernel: Option<Kernel>, bytes: u32) -> Workload {
    match kernel {
        Some(Kernel::K0) => Workload::K0,
        Some(Kernel::K1) => Workload::K1,
        Some(Kernel::Kptr) => Workload::Kptr,
        Some(other) => unreachable!("the component has no {other}"),
        None => Workload::Copy(bytes),
    }
}

/// Median nanoseconds per call of `w` over `samples` loops of about 5 ms, and the loop's checksum.
pub fn time(c: &mut ComponentCall, w: Workload, samples: usize) -> Result<(f64, i32)> {
    let checksum = c.call(w, 1000)?;
    let t = Instant::now();
    c.call(w, 100)?;
    let n = ((5e6 / (t.elapsed().as_nanos() as f64 / 100.0).max(1.0)) as u32).clamp(100, 1_000_000);
    let mut per = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        c.call(w, n)?;
        per.push(t.elapsed().as_nanos() as f64 / n as f64);
    }
    Ok((median(&per), checksum))
}

/// Under callgrind: warm-up regions, then [`REPETITIONS`] pairs of [`REGIONS`], dumped under
/// `label(repetition, n)`; returns the checksum.
pub fn count(c: &mut ComponentCall, w: Workload, label: impl Fn(usize, u32) -> String) -> Result<i32> {
    let labels: Vec<[CString; 2]> =
        (0..REPETITIONS).map(|r| REGIONS.map(|n| CString::new(label(r, n)).expect("no NUL"))).collect();
    callgrind::start_instrumentation();
    let counted = (|| -> Result<i32> {
        for n in REGIONS {
            c.call(w, n)?; // warm-up
        }
        for pair in &labels {
            for (n, l) in REGIONS.iter().zip(pair) {
                region(c, w, *n, l)?;
            }
        }
        c.call(w, 1000)
    })();
    callgrind::stop_instrumentation();
    counted
}

#[inline(never)]
fn region(c: &mut ComponentCall, w: Workload, n: u32, label: &CString) -> Result<()> {
    callgrind::zero_stats();
    let done = c.call(w, n);
    callgrind::dump_stats_at(label);
    done.map(|_| ())
}

/// The caller component's loops on an engine.
pub struct ComponentCall(ComponentLoops);

impl ComponentCall {
    /// One loop of `n` calls of `w`; its checksum.
    #[inline(always)]
    pub fn call(&mut self, w: Workload, n: u32) -> Result<i32> {
        (self.0)(w, n)
    }
}

/// One row of the component's kernels (k0, k1, kptr) on wasmtime.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KernelRow {
    pub kernel: Kernel,
    pub ns_per_call: f64,
    pub instructions_per_call: Option<f64>,
    pub exact: Option<bool>,
    pub checksum: i32,
}
