//! Loader growth: what the n-th `dlopen` costs when n-1 libraries are loaded already (RTLD_GLOBAL,
//! as the 10,000-handle attack did, and as Pyodide-like applications load 100+ libraries), per
//! pointer policy, with the table elements and linear memory the process holds by then.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{anyhow, Result};
use dylab_engines::{Adapter, EngineKind};
use dylink::{Mode, Strategy};

use crate::calls::Modules;
use crate::measurement::{Measurement, Measurements, Metric, Of, Runner};

/// The n-th library whose dlopen time is reported: about three per decade, for the curve.
pub const CHECKPOINTS: [usize; 9] = [1, 3, 10, 30, 100, 300, 1_000, 3_000, 10_000];

/// Libraries loaded for the growth rows: 10,000 takes seconds per strategy; --quick stops at 100.
pub fn max_libraries(quick: bool) -> usize {
    if quick {
        100
    } else {
        10_000
    }
}

/// Replicated tables write every new module's region into every table: the n-th load costs O(n)
/// and the whole run O(n²); it stops at this many.
const REPLICATED_MAX: usize = 1_000;

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GrowthRow {
    pub engine: EngineKind,
    pub strategy: Strategy,
    /// Libraries loaded, this one included.
    pub libraries: usize,
    /// Median of the dlopen times of the libraries just before and at this one (up to 9).
    pub dlopen_us: f64,
    /// Funcref table elements summed over every table of the process.
    pub table_elements: u64,
    pub memory_bytes: u64,
}

/// Loads the bench callee again and again under distinct names, timing every dlopen.
pub fn measure<E: Adapter>(
    engine: &E,
    modules: &Modules,
    strategies: &[Strategy],
    max: usize,
) -> Result<Vec<GrowthRow>> {
    let mut rows = Vec::new();
    for &strategy in strategies {
        let last = if strategy.policy().pointers == dylink::strategy::PointerTable::Replicated {
            max.min(REPLICATED_MAX)
        } else {
            max
        };
        let libs: HashMap<String, _> = (1..=last).map(|i| (format!("lib{i}.wasm"), modules.callee.clone())).collect();
        let mut session = crate::process::libc_module(engine, strategy, &modules.libc, &modules.dir, libs)
            .build()
            .map_err(|e| anyhow!("{e:?}"))?;
        session.boot().map_err(|e| anyhow!("booting libc.wasm: {e:?}"))?;
        let mut times = Vec::with_capacity(last);
        for i in 1..=last {
            let t = Instant::now();
            session
                .load(&format!("lib{i}.wasm"), Mode { now: true, global: true })
                .map_err(|e| anyhow!("dlopen lib{i}.wasm under {strategy}: {}", e.message()))?;
            times.push(t.elapsed().as_secs_f64() * 1e6);
            if CHECKPOINTS.contains(&i) {
                let (table_elements, memory_bytes) = session.enter(|ctx| {
                    let p = &ctx.host_ref().process;
                    let tables: Vec<_> = p.tables().all().collect();
                    let memory = ctx.host_ref().memory.map(|m| ctx.memory_size(m)).unwrap_or(0);
                    (tables.into_iter().map(|t| ctx.table_size(t) as u64).sum(), memory)
                });
                rows.push(GrowthRow {
                    engine: E::KIND,
                    strategy,
                    libraries: i,
                    dlopen_us: window_median(&times),
                    table_elements,
                    memory_bytes,
                });
            }
        }
    }
    Ok(rows)
}

/// The n-th dlopen's statistic, `times` holding the first n: the median of it and the 8 before it
/// (fewer at the start), so that one preempted load does not make the point.
pub fn window_median(times: &[f64]) -> f64 {
    let mut window: Vec<f64> = times[times.len().saturating_sub(9)..].to_vec();
    window.sort_by(f64::total_cmp);
    window[window.len() / 2]
}

/// A point of the growth table and chart: a [`GrowthRow`] read back from the measurements
/// ([`Of::Growth`]), so the table and chart need not know where the row came from.
pub type Point = GrowthRow;

impl Point {
    /// Every growth point of `m`, in the order measured.
    pub fn all(m: &Measurements) -> Vec<Point> {
        let point = |r: &Measurement| {
            let Of::Growth { strategy, libraries } = r.of else { return None };
            let held = |metric| m.value(r.runner, r.of, metric).map(|v| v as u64);
            Some(Point {
                engine: r.engine()?,
                strategy,
                libraries,
                dlopen_us: r.value,
                table_elements: held(Metric::TableElements)?,
                memory_bytes: held(Metric::MemoryBytes)?,
            })
        };
        m.with(Metric::Median).filter_map(point).collect()
    }
}

/// The native reference's points (libraries loaded, the n-th dlopen's µs), in the order measured.
pub fn native_points(m: &Measurements) -> Vec<(usize, f64)> {
    let point = |r: &Measurement| match (r.runner, r.of) {
        (Runner::Native, Of::NativeGrowth { libraries }) => Some((libraries, r.value)),
        _ => None,
    };
    m.with(Metric::Median).filter_map(point).collect()
}

/// The checkpoints the calls.md table shows (one per decade); the chart shows them all.
const TABLE_CHECKPOINTS: [usize; 5] = [1, 10, 100, 1_000, 10_000];

/// calls.md's loader-growth section: per engine, per strategy and decade, the n-th dlopen's time
/// and what the process holds by then (in all, and per library loaded).
/// `compiler` stamps the native reference, when it was measured.
pub fn markdown(m: &Measurements, compiler: Option<&str>) -> String {
    use std::fmt::Write;
    let rows = Point::all(m);
    let mut s = String::new();
    if rows.is_empty() {
        return s;
    }
    writeln!(s, "## Loader growth\n").unwrap();
    writeln!(
        s,
        "The bench callee loaded again and again under new names (RTLD_GLOBAL), n-1 libraries already loaded: the \
         n-th `dlopen` (median of it and the 8 before it, µs), then the funcref table elements summed over every table \
         of the process and its linear memory, in all and per library (the callee has no data, so linear memory stays \
         flat; what the engine holds per instance, compiled code and instance state, is not counted here). \
         replicated-tables stops at {REPLICATED_MAX} \
         (its n-th load writes into n tables); `--quick` stops at 100. Chart: `growth.svg`.\n"
    )
    .unwrap();
    let mut engines: Vec<EngineKind> = rows.iter().map(|r| r.engine).collect();
    engines.dedup();
    for engine in engines {
        writeln!(s, "### {engine}\n").unwrap();
        writeln!(
            s,
            "| strategy | libraries | dlopen µs | table elements | per library | memory MiB | KiB per library |"
        )
        .unwrap();
        writeln!(s, "|---|---:|---:|---:|---:|---:|---:|").unwrap();
        for r in rows.iter().filter(|r| r.engine == engine && TABLE_CHECKPOINTS.contains(&r.libraries)) {
            let n = r.libraries as f64;
            writeln!(
                s,
                "| {} | {} | {:.0} | {} | {:.1} | {:.1} | {:.1} |",
                r.strategy,
                r.libraries,
                r.dlopen_us,
                r.table_elements,
                r.table_elements as f64 / n,
                r.memory_bytes as f64 / (1 << 20) as f64,
                r.memory_bytes as f64 / 1024.0 / n
            )
            .unwrap();
        }
        writeln!(s).unwrap();
    }
    let native = native_points(m);
    if let (Some(compiler), false) = (compiler, native.is_empty()) {
        native_markdown(&mut s, compiler, &native);
    }
    s
}

/// The native reference: the same callee and statistic under glibc's ld.so, beside the fastest
/// engine row at each checkpoint.
fn native_markdown(s: &mut String, compiler: &str, native: &[(usize, f64)]) {
    use std::fmt::Write;
    writeln!(s, "### native (gcc -m32, glibc's ld.so)\n").unwrap();
    writeln!(
        s,
        "The same callee.c built by {compiler} as a shared object, loaded under new names with RTLD_NOW | RTLD_GLOBAL by \
         `corpus/bench/native/growth.c`, which times each dlopen; the same statistic. Both read the library's file at \
         each dlopen (ld.so maps it; the engines reuse the code they compiled for the first copy, as the bytes are \
         the same). ld.so searches the global scope object by object for every symbol a new library binds (even \
         the weak ones nothing defines), so its n-th dlopen grows with n.\n"
    )
    .unwrap();
    writeln!(s, "| libraries | dlopen µs |\n|---:|---:|").unwrap();
    for (libraries, dlopen_us) in native.iter().filter(|(n, _)| TABLE_CHECKPOINTS.contains(n)) {
        writeln!(s, "| {libraries} | {dlopen_us:.0} |").unwrap();
    }
    writeln!(s).unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::growth_native::NativeGrowth;

    /// The growth section of a run with these rows and native reference.
    fn md(rows: Vec<GrowthRow>, native: Option<NativeGrowth>) -> String {
        let compiler = native.as_ref().map(|n| n.compiler.clone());
        let d = crate::BenchData { growth: rows, native_growth: native, ..Default::default() };
        markdown(&Measurements::of_times(&d), compiler.as_deref())
    }

    #[test]
    fn the_table_shows_decades_with_amounts_per_library() {
        let row = |libraries, table_elements, memory_bytes| Point {
            engine: EngineKind::reference(),
            strategy: Strategy::ReplicatedTables,
            libraries,
            dlopen_us: 12.4,
            table_elements,
            memory_bytes,
        };
        let md = md(vec![row(1, 20, 2 << 20), row(3, 60, 3 << 20), row(10, 500, 4 << 20)], None);
        assert!(md.contains("| replicated-tables | 1 | 12 | 20 | 20.0 | 2.0 | 2048.0 |"), "{md}");
        assert!(md.contains("| replicated-tables | 10 | 12 | 500 | 50.0 | 4.0 | 409.6 |"), "{md}");
        assert!(!md.contains("| 3 |"), "the table has one checkpoint per decade: {md}");
        assert_eq!(super::tests::md(vec![], None), "");
        assert!(!md.contains("native"), "{md}");
    }

    #[test]
    fn the_points_are_read_from_a_runs_measurements() {
        let row = GrowthRow {
            engine: EngineKind::reference(),
            strategy: Strategy::SharedTable,
            libraries: 10,
            dlopen_us: 41.5,
            table_elements: 200,
            memory_bytes: 3 << 20,
        };
        let d = crate::BenchData { growth: vec![row.clone()], ..Default::default() };
        let points = Point::all(&Measurements::of_times(&d));
        let GrowthRow { engine, strategy, libraries, dlopen_us, table_elements, memory_bytes } = row;
        assert_eq!(points, [Point { engine, strategy, libraries, dlopen_us, table_elements, memory_bytes }]);
    }

    #[test]
    fn the_native_reference_follows_the_engines_at_the_decades() {
        use crate::growth_native::NativeGrowthRow;
        let engine = Point {
            engine: EngineKind::reference(),
            strategy: Strategy::SharedTable,
            libraries: 1,
            dlopen_us: 40.0,
            table_elements: 1,
            memory_bytes: 1,
        };
        let native = NativeGrowth {
            compiler: "gcc 12".into(),
            rows: [(1, 80.4), (3, 70.0), (10, 90.6)]
                .map(|(libraries, dlopen_us)| NativeGrowthRow { libraries, dlopen_us })
                .into(),
        };
        let md = md(vec![engine], Some(native));
        let at = md.find("### native (gcc -m32, glibc's ld.so)").expect("a native section");
        assert!(at > md.find(&format!("### {}", EngineKind::reference())).unwrap(), "{md}");
        assert!(md[at..].contains("built by gcc 12") && md[at..].contains("| 1 | 80 |\n| 10 | 91 |\n"), "{md}");
    }
}
