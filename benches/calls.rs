//! Criterion benches of the call-overhead lab: ids `{engine}/{variant}/{kernel}`, the same cells as
//! reports/calls.md. Each measurement is one call into wasm that runs `iters` calls (iter_custom), so
//! the host's entry cost is amortised. `dylab bench` measures the same without cargo bench.

use std::time::Duration;

use criterion::{criterion_group, Criterion};
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

struct BenchEngine<'a> {
    c: &'a mut Criterion,
    modules: &'a Modules,
}

impl WithEngine for BenchEngine<'_> {
    type Out = ();
    fn run<E: Adapter>(self, engine: &E) {
        bench_engine(self.c, engine, self.modules)
    }
}

fn bench_engine<E: Adapter>(c: &mut Criterion, engine: &E, modules: &Modules) {
    let mut group = c.benchmark_group(engine.name());
    group.warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1)).sample_size(20);
    for kernel in Kernel::ALL {
        for variant in Variant::ALL.into_iter().filter(|v| v.applies(kernel) && v.runs_on::<E>()) {
            let mut p = Prepared::new(engine, modules, variant, kernel).expect("prepare");
            group.bench_function(format!("{}/{}", variant.name(), kernel.name()), |b| {
                b.iter_custom(|iters| p.run(iters.clamp(1, u32::MAX as u64) as u32).expect("bench loop"))
            });
        }
    }
    group.finish();
}

fn calls(c: &mut Criterion) {
    let modules = modules();
    for kind in EngineKind::in_process() {
        kind.with_timing_engine(BenchEngine { c: &mut *c, modules: &modules }).unwrap();
    }
}

criterion_group!(benches, calls);

fn main() {
    // wasmi needs more host stack per entry than a main thread has (see dylink::program::RUN_STACK).
    std::thread::Builder::new()
        .stack_size(dylink::program::RUN_STACK)
        .spawn(|| {
            benches();
            Criterion::default().configure_from_args().final_summary();
        })
        .unwrap()
        .join()
        .unwrap();
}
