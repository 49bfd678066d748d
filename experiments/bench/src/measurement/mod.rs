//! One flat, typed row for every number the bench produces (as sightglass has one): the engine, what
//! was measured, the sample's phase, the metric, its value and unit, and how exactly it repeats.
//! The published files keep their shapes (calls.json, counts.json, samples.csv, isolation.json and
//! threads.json are unchanged: they are the on-disk format); every table, chart and check reads these
//! rows ([`Measurements::of_times`], [`Measurements::of_counts`], [`Measurements::of_isolation`],
//! [`Measurements::of_threads`]).

#[cfg(test)]
pub(crate) mod fixture;
mod from;

use std::collections::HashMap;

use dylab_engines::EngineKind;
use dylink::{Libc, Strategy};

use crate::calls::{Kernel, Variant};
use crate::counts::native::{Linkage, NativeLoad};
use crate::isolation::{Layout, Load};
use crate::loader::LoaderStep;
use crate::macro_sqlite::{Build, Failure};
use crate::samples::Phase;
use crate::subject::Subject;
use crate::threads::ThreadCost;

/// Who ran a measurement: an engine of the registry, or the native baseline the engines are compared
/// with (gcc -m32 programs under glibc's ld.so).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Runner {
    Engine(EngineKind),
    Native,
}

impl From<EngineKind> for Runner {
    fn from(engine: EngineKind) -> Runner {
        Runner::Engine(engine)
    }
}

impl std::fmt::Display for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Runner::Engine(engine) => engine.fmt(f),
            Runner::Native => f.write_str("native"),
        }
    }
}

/// What a measurement is of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Of {
    /// A timed or counted loop: a kernel called under a variant, the empty loop, or a libc call.
    Loop(Subject),
    /// A step of loading.
    Loader(LoaderStep),
    /// The `libraries`-th dlopen under `strategy` (loader growth).
    Growth { strategy: Strategy, libraries: usize },
    /// SQLite's query calling its extension's function, linked in or loaded.
    Sqlite { strategy: Strategy, build: Build },
    /// An isolation row: a call copying bytes (or a kernel of the component model) under a layout.
    Copy { layout: Layout, load: Load },
    /// One cost of a dlopen with `threads` running threads under a design (its strategy).
    Threads { design: Strategy, threads: u32, cost: ThreadCost },
    /// A native call of a kernel reaching its callee by `linkage` (run by [`Runner::Native`]).
    NativeCall { linkage: Linkage, kernel: Kernel },
    /// A native dlopen of a small library (run by [`Runner::Native`]).
    NativeDlopen(NativeLoad),
    /// The native `libraries`-th dlopen of the growth's callee (run by [`Runner::Native`]).
    NativeGrowth { libraries: usize },
}

impl Of {
    /// Whether the measured call runs host code (a forwarder, dlcall's lookup, a host function, the
    /// host libc, the host adapter) rather than staying in wasm.
    pub fn leaves_wasm(self) -> bool {
        match self {
            Of::Loop(subject) => subject.leaves_wasm(),
            Of::Copy { layout, .. } => layout.leaves_wasm(),
            _ => false,
        }
    }

    /// The cell name under `engine`, as the published rows spell it.
    pub fn cell(self, engine: impl Into<Runner>) -> String {
        let engine = engine.into();
        match self {
            Of::Loop(Subject::LibcCall(libc, op)) => format!("{engine}/libc-call/{libc}/{}", op.name()),
            Of::Loop(subject) => format!("{engine}/{subject}"),
            Of::Loader(step) => format!("{engine}/loader/{step}"),
            Of::Growth { strategy, libraries } => format!("{engine}/{strategy}/dlopen-{libraries}"),
            Of::Sqlite { strategy, build } => format!("{engine}/{strategy}/sqlite-{}", build.name()),
            Of::Copy { layout, load } => format!("{engine}/{layout}/{load}"),
            Of::Threads { design, threads, cost } => format!("{engine}/threads/{design}/{threads}/{}", cost.name()),
            Of::NativeCall { linkage, kernel } => format!("{engine}/{}/{}", linkage.name(), kernel.name()),
            Of::NativeDlopen(load) => format!("{engine}/{load}"),
            Of::NativeGrowth { libraries } => format!("{engine}/growth/dlopen-{libraries}"),
        }
    }
}

/// The quantity a measurement gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// One raw sample (its phase and iteration are the measurement's).
    Sample,
    Median,
    Q1,
    Q3,
    Min,
    Max,
    /// The median minus the empty loop's: the call alone.
    Net,
    /// The median of per-sweep ratios to the intra-module direct call (its interval: bootstrap 95%).
    Ratio,
    /// The same ratio within one round.
    RoundRatio(Phase),
    /// Instructions per call (SQLite: per row) under callgrind.
    Instructions,
    /// Funcref table elements held by the process.
    TableElements,
    /// Linear memory held by the process.
    MemoryBytes,
    /// Iterations of one sample (SQLite: rows of the query).
    Iterations,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Unit {
    Nanoseconds,
    Microseconds,
    Milliseconds,
    Ratio,
    Instructions,
    Elements,
    Bytes,
    Iterations,
    /// Events counted (the threads' interrupts per run).
    Events,
}

/// One number the bench measured, or why a cell gave none.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub runner: Runner,
    pub of: Of,
    /// The round and sweep of a raw sample; `None` for a statistic.
    pub phase: Option<(Phase, u32)>,
    pub metric: Metric,
    pub value: f64,
    pub unit: Unit,
    /// Repeated exactly (both counted repetitions agreed).
    pub exact: bool,
    /// The relative change a check accepts (counts; 0: none beyond what `exact` says).
    pub tolerance: f64,
    /// The value's confidence interval, where one was computed.
    pub interval: Option<[f64; 2]>,
    /// Why the cell did not give this number (a SQLite cell that failed to open or query); `value`
    /// is then NaN, and [`Measurements`] keeps the row out of its index (see [`Measurements::failure`]).
    pub failure: Option<Failure>,
}

impl Measurement {
    /// A statistic without exactness, tolerance or interval.
    pub fn new(runner: impl Into<Runner>, of: Of, metric: Metric, value: f64, unit: Unit) -> Measurement {
        let runner = runner.into();
        Measurement {
            runner,
            of,
            phase: None,
            metric,
            value,
            unit,
            exact: false,
            tolerance: 0.0,
            interval: None,
            failure: None,
        }
    }

    /// The cell `of` on `engine` did not give its `metric`: it failed as `failure` says.
    pub fn failed(engine: impl Into<Runner>, of: Of, metric: Metric, unit: Unit, failure: Failure) -> Measurement {
        Measurement { failure: Some(failure), ..Measurement::new(engine, of, metric, f64::NAN, unit) }
    }

    /// A number was measured: not a raw sample, not a failure.
    fn is_statistic(&self) -> bool {
        self.phase.is_none() && self.failure.is_none()
    }

    pub fn cell(&self) -> String {
        self.of.cell(self.runner)
    }

    /// The engine that ran it; `None` for the native baseline.
    pub fn engine(&self) -> Option<EngineKind> {
        match self.runner {
            Runner::Engine(engine) => Some(engine),
            Runner::Native => None,
        }
    }

    /// The flat columns, derived from [`Of`].
    pub fn placement(&self) -> Option<Libc> {
        match self.of {
            Of::Loop(Subject::LibcCall(libc, _)) | Of::Loader(LoaderStep::StartUp(libc)) => Some(libc),
            _ => None,
        }
    }

    pub fn variant(&self) -> Option<Variant> {
        self.call().map(|(v, _)| v)
    }

    pub fn kernel(&self) -> Option<Kernel> {
        self.call().map(|(_, k)| k)
    }

    pub fn strategy(&self) -> Option<Strategy> {
        match self.of {
            Of::Growth { strategy, .. } | Of::Sqlite { strategy, .. } => Some(strategy),
            Of::Copy { layout: Layout::Linked(s), .. } | Of::Threads { design: s, .. } => Some(s),
            Of::Loader(LoaderStep::DlopenPointers(s)) => Some(s),
            _ => None,
        }
    }

    fn call(&self) -> Option<(Variant, Kernel)> {
        match self.of {
            Of::Loop(s) => s.call(),
            _ => None,
        }
    }
}

/// Measurements with an index of their statistics by (runner, subject, metric): a raw sample or a
/// failure is a row but no statistic.
#[derive(Default, Debug)]
pub struct Measurements {
    pub rows: Vec<Measurement>,
    index: HashMap<(Runner, Of, Metric), usize>,
}

impl Measurements {
    pub fn new(rows: Vec<Measurement>) -> Measurements {
        let index = rows
            .iter()
            .enumerate()
            .filter(|(_, m)| m.is_statistic())
            .map(|(i, m)| ((m.runner, m.of, m.metric), i))
            .collect();
        Measurements { rows, index }
    }

    /// The statistic `metric` of `of` on `runner`, if measured.
    pub fn get(&self, runner: impl Into<Runner>, of: Of, metric: Metric) -> Option<&Measurement> {
        self.index.get(&(runner.into(), of, metric)).map(|&i| &self.rows[i])
    }

    /// Its value.
    pub fn value(&self, engine: impl Into<Runner>, of: Of, metric: Metric) -> Option<f64> {
        self.get(engine, of, metric).map(|m| m.value)
    }

    /// The statistics with this metric, in the order measured.
    pub fn with(&self, metric: Metric) -> impl Iterator<Item = &Measurement> {
        self.rows.iter().filter(move |m| m.metric == metric && m.is_statistic())
    }

    /// Why `of` on `engine` gave no `metric`, when it failed.
    pub fn failure(&self, engine: impl Into<Runner>, of: Of, metric: Metric) -> Option<&Failure> {
        let engine = engine.into();
        let failed = |m: &&Measurement| (m.runner, m.of, m.metric) == (engine, of, metric);
        self.rows.iter().filter(failed).find_map(|m| m.failure.as_ref())
    }

    /// The engines measured, in registry order (the native baseline is no engine).
    pub fn engines(&self) -> Vec<EngineKind> {
        let mut engines: Vec<EngineKind> = self.rows.iter().filter_map(Measurement::engine).collect();
        engines.sort();
        engines.dedup();
        engines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::{CountData, CountRow};
    use crate::loader::LoaderRow;
    use crate::measure::summarise;
    use crate::samples::Sample;
    use crate::subject::LibcOp;
    use crate::BenchData;

    #[test]
    fn a_run_flattens_into_indexed_rows_with_their_columns() {
        let (engine, floor) = (EngineKind::reference(), Subject::Call(Variant::IntraDirect, Kernel::K1));
        let libc = Subject::LibcCall(Libc::LibcHost, LibcOp::Strlen);
        let mut raw = Vec::new();
        for (phase, iteration) in Phase::ALL.into_iter().flat_map(|p| (0..4).map(move |i| (p, i))) {
            raw.push(Sample { engine, subject: floor, phase, iteration, value: 2.0 });
            raw.push(Sample { engine, subject: libc, phase, iteration, value: 3.0 + iteration as f64 });
        }
        let step = LoaderStep::StartUp(Libc::Static);
        let d = BenchData {
            libc_calls: vec![summarise(&raw, engine, libc, floor)],
            loader: vec![LoaderRow {
                cell: String::new(),
                engine,
                what: step,
                median_us: 9.0,
                min_us: 7.0,
                samples: 3,
            }],
            samples: raw,
            ..Default::default()
        };
        let m = Measurements::of_times(&d);
        let ratio = m.get(engine, Of::Loop(libc), Metric::Ratio).unwrap();
        assert_eq!((ratio.unit, ratio.placement(), ratio.variant()), (Unit::Ratio, Some(Libc::LibcHost), None));
        assert!(ratio.interval.is_some_and(|[lo, hi]| lo <= ratio.value && ratio.value <= hi), "{ratio:?}");
        assert_eq!(ratio.cell(), format!("{engine}/libc-call/libc-host/strlen"));
        assert_eq!(m.value(engine, Of::Loader(step), Metric::Min), Some(7.0));
        assert_eq!(m.get(engine, Of::Loader(step), Metric::Median).unwrap().placement(), Some(Libc::Static));
        // Raw samples are rows too, but not statistics: the index holds none of them.
        assert_eq!(m.rows.iter().filter(|r| r.metric == Metric::Sample).count(), 16);
        assert_eq!(m.get(engine, Of::Loop(floor), Metric::Sample), None);
    }

    #[test]
    fn a_count_keeps_each_rows_exactness_and_tolerance() {
        let row = |variant, exact, tolerance| CountRow {
            cell: String::new(),
            engine: EngineKind::reference(),
            variant,
            kernel: Kernel::K4,
            instructions_per_call: 12.5,
            exact,
            repetitions: vec![],
            checksum: 0,
            regions: crate::counts::REGIONS,
            tolerance,
        };
        let c = CountData {
            rows: vec![row(Variant::Dlcall, false, 0.03), row(Variant::SharedTable, true, 0.0)],
            ..Default::default()
        };
        let m = Measurements::of_counts(&c);
        let of = |v| Of::Loop(Subject::Call(v, Kernel::K4));
        let dlcall = m.get(EngineKind::reference(), of(Variant::Dlcall), Metric::Instructions).unwrap();
        assert_eq!((dlcall.exact, dlcall.tolerance, dlcall.unit), (false, 0.03, Unit::Instructions));
        let shared = m.get(EngineKind::reference(), of(Variant::SharedTable), Metric::Instructions).unwrap();
        assert_eq!(
            (shared.exact, shared.kernel(), shared.variant()),
            (true, Some(Kernel::K4), Some(Variant::SharedTable))
        );
    }
}
