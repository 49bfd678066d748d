//! The measurements of a timing run ([`BenchData`]) and of a count ([`CountData`]), flattened from
//! the rows their published files keep.

use super::{Measurement, Measurements, Metric, Of, Unit};
use crate::counts::CountData;
use crate::measure::CallRow;
use crate::samples::Phase;
use crate::subject::Subject;
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
            let of = Of::Sqlite { strategy: r.strategy, build: r.build };
            for (metric, ms) in [(Metric::Median, r.median_ms), (Metric::Min, r.min_ms), (Metric::Max, r.max_ms)] {
                rows.extend(ms.map(|ms| Measurement::new(r.engine, of, metric, ms, Unit::Milliseconds)));
            }
        }
        for s in &d.samples {
            let m = Measurement::new(s.engine, Of::Loop(s.subject), Metric::Sample, s.value, Unit::Nanoseconds);
            rows.push(Measurement { phase: Some((s.phase, s.iteration)), ..m });
        }
        Measurements::new(rows)
    }

    /// Every number of a count: instructions per call of each (engine, variant, kernel) with its
    /// exactness and tolerance, and the SQLite queries' instructions per row.
    pub fn of_counts(c: &CountData) -> Measurements {
        let mut rows = Vec::new();
        for r in &c.rows {
            let of = Of::Loop(Subject::Call(r.variant, r.kernel));
            let m = Measurement::new(r.engine, of, Metric::Instructions, r.instructions_per_call, Unit::Instructions);
            rows.push(Measurement { exact: r.exact, tolerance: r.tolerance, ..m });
        }
        for r in &c.macro_sqlite {
            let Some(per_row) = r.instructions_per_row else { continue };
            let of = Of::Sqlite { strategy: r.strategy, build: r.build };
            let m = Measurement::new(r.engine, of, Metric::Instructions, per_row, Unit::Instructions);
            rows.push(Measurement { exact: r.exact, ..m });
        }
        Measurements::new(rows)
    }
}

/// A call row's statistics; its ratio carries the bootstrap interval (none in a baseline written
/// before intervals were).
fn call_row(rows: &mut Vec<Measurement>, r: &CallRow) {
    let (engine, of) = (r.engine, Of::Loop(r.subject));
    let ns = |metric, value| Measurement::new(engine, of, metric, value, Unit::Nanoseconds);
    rows.extend([ns(Metric::Median, r.median_ns), ns(Metric::Q1, r.q1_ns), ns(Metric::Q3, r.q3_ns), ns(Metric::Net, r.net_ns)]);
    let interval = (r.ratio_ci != [0.0, 0.0]).then_some(r.ratio_ci);
    rows.push(Measurement { interval, ..Measurement::new(engine, of, Metric::Ratio, r.ratio, Unit::Ratio) });
    for (phase, ratio) in Phase::ALL.into_iter().zip(r.ratio_rounds) {
        rows.push(Measurement::new(engine, of, Metric::RoundRatio(phase), ratio, Unit::Ratio));
    }
}

