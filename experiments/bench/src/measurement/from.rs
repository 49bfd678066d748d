//! The measurements of a timing run ([`BenchData`]), a count ([`CountData`]), the isolation rows
//! ([`CopyData`]) and the threads rows ([`ThreadData`]), flattened from the rows their published
//! files keep.

use strum::IntoEnumIterator;

use super::{Measurement, Measurements, Metric, Of, Runner, Unit};
use crate::counts::native::{NativeCounts, NativeLoad};
use crate::counts::CountData;
use crate::growth_native::NativeGrowth;
use crate::isolation::{CopyData, Load};
use crate::macro_sqlite::{MacroCount, MacroRow};
use crate::measure::CallRow;
use crate::samples::Phase;
use crate::subject::Subject;
use crate::threads::{ThreadCost, ThreadData};
use crate::BenchData;

impl Measurements {
    /// Every number of a timing run: the call and libc-call rows' statistics, the empty loop, the
    /// loader steps, the growth curves, the SQLite queries and the raw samples.
    pub fn of_times(d: &BenchData) -> Measurements {
        let mut rows = Vec::new();
        for r in d.calls.iter().chain(&d.libc_calls) {
            call_row(&mut rows, r);
        }
        for (&engine, &ns) in &d.empty_loop_ns {
            rows.push(Measurement::new(engine, Of::Loop(Subject::EmptyLoop), Metric::Median, ns, Unit::Nanoseconds));
        }
        for r in &d.loader {
            let of = Of::Loader(r.what);
            rows.push(Measurement::new(r.engine, of, Metric::Median, r.median_us, Unit::Microseconds));
            rows.push(Measurement::new(r.engine, of, Metric::Min, r.min_us, Unit::Microseconds));
        }
        for r in &d.growth {
            let of = Of::Growth { strategy: r.strategy, libraries: r.libraries };
            rows.push(Measurement::new(r.engine, of, Metric::Median, r.dlopen_us, Unit::Microseconds));
            rows.push(Measurement::new(r.engine, of, Metric::TableElements, r.table_elements as f64, Unit::Elements));
            rows.push(Measurement::new(r.engine, of, Metric::MemoryBytes, r.memory_bytes as f64, Unit::Bytes));
        }
        for r in &d.macro_sqlite {
            sqlite_row(&mut rows, r);
        }
        rows.extend(d.native_growth.iter().flat_map(native_growth));
        for s in &d.samples {
            let m = Measurement::new(s.engine, Of::Loop(s.subject), Metric::Sample, s.value, Unit::Nanoseconds);
            rows.push(Measurement { phase: Some((s.phase, s.iteration)), ..m });
        }
        Measurements::new(rows)
    }

    /// Every number of a count: instructions per call of each (engine, variant, kernel) with its
    /// exactness and tolerance, the SQLite queries' instructions per row (or why a cell failed), and
    /// the isolation rows' instructions per call.
    pub fn of_counts(c: &CountData) -> Measurements {
        let mut rows = Vec::new();
        for r in &c.rows {
            let of = Of::Loop(Subject::Call(r.variant, r.kernel));
            let m = Measurement::new(r.engine, of, Metric::Instructions, r.instructions_per_call, Unit::Instructions);
            rows.push(Measurement { exact: r.exact, tolerance: r.tolerance, ..m });
        }
        rows.extend(c.macro_sqlite.iter().filter_map(sqlite_count));
        for r in &c.isolation {
            let load = r.kernel.map_or(Load::Bytes(r.bytes), Load::Kernel);
            let of = Of::Copy { layout: r.layout, load };
            let m = Measurement::new(r.engine, of, Metric::Instructions, r.instructions_per_call, Unit::Instructions);
            let tolerance = crate::counts::copy_tolerance(r.engine, r.layout, load);
            rows.push(Measurement { exact: r.exact && tolerance == 0.0, tolerance, ..m });
        }
        rows.extend(c.native.iter().flat_map(native_counts));
        Measurements::new(rows)
    }

    /// The isolation rows: each one's median time per call, and its instructions per call where
    /// counted.
    pub fn of_isolation(d: &CopyData) -> Measurements {
        let mut rows = Vec::new();
        for r in &d.rows {
            let of = Of::Copy { layout: r.layout, load: r.load() };
            rows.push(Measurement::new(r.engine, of, Metric::Median, r.ns_per_call, Unit::Nanoseconds));
            if let Some(n) = r.instructions_per_call {
                let m = Measurement::new(r.engine, of, Metric::Instructions, n, Unit::Instructions);
                rows.push(Measurement { exact: r.exact == Some(true), ..m });
            }
        }
        Measurements::new(rows)
    }

    /// The threads rows: each cost of each design and thread count, a median over the runs.
    pub fn of_threads(d: &ThreadData) -> Measurements {
        let engine = crate::threads::engine();
        let rows = d.rows.iter().flat_map(|r| {
            ThreadCost::iter().map(move |cost| {
                let of = Of::Threads { design: r.design, threads: r.threads, cost };
                Measurement::new(engine, of, Metric::Median, r.cost(cost), cost.unit())
            })
        });
        Measurements::new(rows.collect())
    }
}

/// A timed SQLite cell: the rows of its query, its times, or why it did not run.
fn sqlite_row(rows: &mut Vec<Measurement>, r: &MacroRow) {
    let of = Of::Sqlite { strategy: r.strategy, build: r.build };
    rows.push(Measurement::new(r.engine, of, Metric::Iterations, r.rows as f64, Unit::Iterations));
    for (metric, ms) in [(Metric::Median, r.median_ms), (Metric::Min, r.min_ms), (Metric::Max, r.max_ms)] {
        rows.extend(ms.map(|ms| Measurement::new(r.engine, of, metric, ms, Unit::Milliseconds)));
    }
    let failed = r.failure.clone().map(|f| Measurement::failed(r.engine, of, Metric::Median, Unit::Milliseconds, f));
    rows.extend(failed);
}

/// A counted SQLite cell: its instructions per row, or why it was not counted.
fn sqlite_count(r: &MacroCount) -> Option<Measurement> {
    let of = Of::Sqlite { strategy: r.strategy, build: r.build };
    match (r.instructions_per_row, &r.failure) {
        (Some(n), _) => {
            let m = Measurement::new(r.engine, of, Metric::Instructions, n, Unit::Instructions);
            Some(Measurement { exact: r.exact, ..m })
        }
        (None, Some(f)) => Some(Measurement::failed(r.engine, of, Metric::Instructions, Unit::Instructions, f.clone())),
        (None, None) => None,
    }
}

/// A call row's statistics; its ratio carries the bootstrap interval (none in a baseline written
/// before intervals were).
fn call_row(rows: &mut Vec<Measurement>, r: &CallRow) {
    let (engine, of) = (r.engine, Of::Loop(r.subject));
    let ns = |metric, value| Measurement::new(engine, of, metric, value, Unit::Nanoseconds);
    rows.extend([
        ns(Metric::Median, r.median_ns),
        ns(Metric::Q1, r.q1_ns),
        ns(Metric::Q3, r.q3_ns),
        ns(Metric::Net, r.net_ns),
    ]);
    let interval = (r.ratio_ci != [0.0, 0.0]).then_some(r.ratio_ci);
    rows.push(Measurement { interval, ..Measurement::new(engine, of, Metric::Ratio, r.ratio, Unit::Ratio) });
    for (phase, ratio) in Phase::ALL.into_iter().zip(r.ratio_rounds) {
        rows.push(Measurement::new(engine, of, Metric::RoundRatio(phase), ratio, Unit::Ratio));
    }
}

/// The native baselines' counts: each call's instructions (with its exactness), each dlopen's.
fn native_counts(n: &NativeCounts) -> Vec<Measurement> {
    let count = |of, value| Measurement::new(Runner::Native, of, Metric::Instructions, value, Unit::Instructions);
    let calls = n.calls.iter().map(|r| {
        let of = Of::NativeCall { linkage: r.linkage, kernel: r.kernel };
        Measurement { exact: r.exact, ..count(of, r.instructions_per_call) }
    });
    let fresh = n.dlopen_fresh.iter().enumerate().map(|(repetition, &i)| (NativeLoad::Fresh { repetition }, i));
    let nth = n.dlopen_nth.iter().map(|&(k, i)| (NativeLoad::Nth(k), i));
    let loads = fresh.chain(nth).map(|(load, i)| count(Of::NativeDlopen(load), i as f64));
    calls.chain(loads).collect()
}

/// The native loader growth: the n-th dlopen's statistic at each checkpoint.
fn native_growth(n: &NativeGrowth) -> impl Iterator<Item = Measurement> + '_ {
    n.rows.iter().map(|r| {
        let of = Of::NativeGrowth { libraries: r.libraries };
        Measurement::new(Runner::Native, of, Metric::Median, r.dlopen_us, Unit::Microseconds)
    })
}
