//! Identical work, different linkage: within a fuel group (same caller loop, same callee code) every
//! variant consumes exactly the same fuel per call, on wasmtime and wasmi (whose stores the bench drives
//! in this process; V8 meters the same fuel, compared on whole programs in lab/tests/hosted_limits.rs
//! and the matrix, but the bench's prepared kernels run on it only inside Node); and every variant
//! of a kernel computes the same checksum. This is what makes the timing rows comparable.

use std::collections::BTreeMap;

use dylab_bench::{Kernel, Modules, Prepared, Variant};
use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylab_lab::run::{cache_dir, default_corpus};
use dylab_toolchain::Toolchain;

fn modules() -> Modules {
    let corpus = default_corpus();
    let toolchain =
        Toolchain::discover(&corpus.join("include"), &cache_dir()).expect("toolchain (run scripts/setup.sh)");
    Modules::build(&toolchain, &corpus.join("bench")).expect("bench modules build")
}

/// Fuel per 1,000 calls, from the difference of two loop lengths (so entry and exit costs cancel).
/// A ring kernel's callees (and switch cases) differ: its loop repeats per ring, not per call.
fn fuel_per_1000_calls<E: Adapter>(engine: &E, modules: &Modules, variant: Variant, kernel: Kernel) -> (u64, i32) {
    let mut p = Prepared::new(engine, modules, variant, kernel).expect("prepare");
    let short = p.fuel(1000).unwrap();
    let checksum = p.checksum();
    let long = p.fuel(2000).unwrap();
    let periods = 1000 / kernel.callees().len() as u64;
    assert_eq!((long - short) % periods, 0, "{variant:?}/{kernel:?}: fuel not linear in calls ({short}, {long})");
    (long - short, checksum)
}

struct Check;

impl WithEngine for Check {
    type Out = ();
    fn run<E: Adapter>(self, engine: &E) {
        // Guest code runs on the test thread here: give it the stack dylink::run would.
        std::thread::scope(|s| {
            std::thread::Builder::new()
                .stack_size(dylink::program::RUN_STACK)
                .spawn_scoped(s, || check_here(engine))
                .unwrap()
                .join()
                .unwrap()
        })
    }
}

fn check_here<E: Adapter>(engine: &E) {
    let modules = modules();
    for kernel in Kernel::ALL {
        let mut groups: BTreeMap<&str, Vec<(Variant, u64)>> = BTreeMap::new();
        let mut checksums = Vec::new();
        for variant in Variant::ALL.into_iter().filter(|v| v.applies(kernel) && v.runs_on::<E>()) {
            let (fuel, checksum) = fuel_per_1000_calls(engine, &modules, variant, kernel);
            checksums.push((variant, checksum));
            if let Some(g) = variant.fuel_group() {
                groups.entry(g).or_default().push((variant, fuel));
            }
        }
        for (group, rows) in &groups {
            assert!(rows.len() >= 2, "group {group} compares something");
            assert!(
                rows.iter().all(|(_, f)| *f == rows[0].1 && *f > 0),
                "{} {kernel:?} {group}: fuel per call differs: {rows:?}",
                engine.name()
            );
        }
        assert!(
            checksums.iter().all(|(_, c)| *c == checksums[0].1),
            "{} {kernel:?}: variants computed different results: {checksums:?}",
            engine.name()
        );
    }
}

#[test]
fn same_fuel_per_call_on_every_engine() {
    for kind in EngineKind::in_process() {
        kind.with_matrix_engine(Check).unwrap();
    }
}
