//! Threads and dlopen (issue 22): what a dlopen costs with 1 to 16 running threads under each design
//! of keeping the threads' tables in step ([`dylink::strategy::ThreadSync`]: the `shared-table`,
//! `stop-the-world` and `one-table` strategies), and what each adds to a synchronisation point.
//! Program: corpus case `thr-bench` (N threads pass through a mutex in a loop while main dlopens
//! eight libraries), on wasmtime/libc-host with the matrix engine (epoch interruption on: design b
//! needs it; fuel metered as in every cell). Wall-clock times from the threads' own statistics
//! ([`dylink::threads::Stats`]); medians over runs. Written by `dylab bench --threads` to
//! `data/threads.json` and `threads.svg`; calls.md shows the table.

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use plotters::prelude::*;
use serde::{Deserialize, Serialize};
use strum::IntoEnumIterator;

use dylab_lab::build::Builds;
use dylab_lab::{load_corpus, Cell, EngineKind, Lab, Paths};
use dylink::{Libc, ProcessBuilder, Strategy};

use crate::measurement::{Measurements, Metric, Of, Unit};

/// Running threads besides main.
pub const THREADS: [u32; 5] = [1, 2, 4, 8, 16];
/// The designs, as the strategies that carry them.
pub const DESIGNS: [Strategy; 3] = [Strategy::SharedTable, Strategy::StopTheWorld, Strategy::OneTable];

/// One design with N running threads: medians over the runs.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ThreadRow {
    pub design: Strategy,
    pub threads: u32,
    /// A dlopen as the loading thread sees it, until it returns (its delivery included).
    pub dlopen_us: f64,
    /// Of that, waiting for the other threads (designs b and c; 0 under a).
    pub wait_us: f64,
    /// Another thread repeating one load in its own store.
    pub repeat_us: f64,
    /// From the load to the last thread having it (the largest lag of a run).
    pub last_thread_us: f64,
    /// A synchronisation point (a pthread call): the design's own work there.
    pub sync_point_ns: f64,
    /// Running threads interrupted to apply a load, per run.
    pub interrupts: f64,
}

/// One cost of a [`ThreadRow`], as a measurement names it ([`crate::measurement::Of::Threads`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, strum::EnumIter, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum ThreadCost {
    Dlopen,
    Wait,
    Repeat,
    LastThread,
    SyncPoint,
    Interrupts,
}

impl ThreadCost {
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The unit of its value.
    pub fn unit(self) -> Unit {
        match self {
            ThreadCost::SyncPoint => Unit::Nanoseconds,
            ThreadCost::Interrupts => Unit::Events,
            _ => Unit::Microseconds,
        }
    }
}

impl ThreadRow {
    /// Its value of `cost`.
    pub fn cost(&self, cost: ThreadCost) -> f64 {
        match cost {
            ThreadCost::Dlopen => self.dlopen_us,
            ThreadCost::Wait => self.wait_us,
            ThreadCost::Repeat => self.repeat_us,
            ThreadCost::LastThread => self.last_thread_us,
            ThreadCost::SyncPoint => self.sync_point_ns,
            ThreadCost::Interrupts => self.interrupts,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ThreadData {
    pub machine: String,
    pub runs: usize,
    pub rows: Vec<ThreadRow>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// [`measure`] on a thread with dylink's run stack, progress on stderr.
pub fn on_run_stack(paths: &Paths, runs: usize) -> Result<ThreadData> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, || measure(paths, runs, &|p| eprintln!("{p}")))
            .expect("spawning the bench thread")
            .join()
            .unwrap_or_else(|_| Err(anyhow!("the bench thread panicked")))
    })
}

/// Runs `thr-bench` `runs` times per design and thread count.
pub fn measure(paths: &Paths, runs: usize, progress: &dyn Fn(&str)) -> Result<ThreadData> {
    let lab = Lab::at(paths)?;
    let (cases, _) = load_corpus(&paths.corpus)?;
    let case = cases.iter().find(|c| c.name == "thr-bench").context("corpus case thr-bench")?;
    let built = Builds::default();
    let d = built.dynamic(&lab, case).as_ref().map_err(|e| anyhow!("{e}"))?;
    let run = Runs { lab: &lab, case, side_main: &d.side_main, libs: &d.libs, runs, progress };
    let rows = engine().with_matrix_engine(run)??;
    Ok(ThreadData { machine: crate::report::machine(), runs, rows })
}

/// The engine with threads: the reference (the threads cases run on it alone; see the README's
/// Threads section).
pub(crate) fn engine() -> EngineKind {
    EngineKind::reference()
}

/// Runs per point: under `--quick`, and in a full run.
pub const RUNS: (usize, usize) = (1, 5);

/// The runs of every design and thread count on one engine.
struct Runs<'a> {
    lab: &'a Lab,
    case: &'a dylab_lab::Case,
    side_main: &'a std::path::PathBuf,
    libs: &'a std::collections::HashMap<String, std::path::PathBuf>,
    runs: usize,
    progress: &'a dyn Fn(&str),
}

impl dylab_engines::WithEngine for Runs<'_> {
    type Out = Result<Vec<ThreadRow>>;
    fn run<E: dylab_engines::Adapter>(self, engine: &E) -> Result<Vec<ThreadRow>> {
        let mut rows = Vec::new();
        for design in DESIGNS {
            for n in THREADS {
                (self.progress)(&format!("threads: {design} with {n} threads"));
                rows.push(self.row(engine, design, n)?);
            }
        }
        Ok(rows)
    }
}

impl Runs<'_> {
    /// One design with `n` threads: medians over the runs.
    fn row<E: dylink::Engine>(&self, engine: &E, design: Strategy, n: u32) -> Result<ThreadRow> {
        let cell =
            Cell { engine: self::engine(), libc: Libc::LibcHost, linkage: design.into(), case: self.case.name.clone() };
        let mut samples: [Vec<f64>; 6] = Default::default();
        for _ in 0..self.runs {
            let mut program = self.lab.program(self.case, self.side_main.clone(), self.libs.clone(), &cell);
            program.args = vec![program.main_name.clone(), n.to_string()];
            let mut session =
                ProcessBuilder::for_program(engine, &program, dylab_lab::placements::placement(Libc::LibcHost))
                    .build()
                    .map_err(|e| anyhow!("{e:?}"))?;
            let ending = session.run();
            anyhow::ensure!(
                matches!(ending, dylink::Ending::Exited(0)),
                "thr-bench, {design}, {n} threads: {ending:?}"
            );
            let host = session.take_host();
            let s = host.thread.as_ref().context("a threaded process")?.group.stats.lock().unwrap().clone();
            // The eight dlopens: each is followed by a dlsym, also owning the log.
            samples[0].extend(s.exclusive.iter().step_by(2).map(|&d| us(d)));
            samples[1].extend(s.delivered.iter().step_by(2).map(|&(_, d)| us(d)));
            samples[2].extend(s.repeats.iter().map(|r| us(r.took)));
            samples[3].push(s.repeats.iter().map(|r| us(r.lag)).fold(0.0, f64::max));
            samples[4].push(s.point_time.as_secs_f64() * 1e9 / s.points.max(1) as f64);
            samples[5].push(s.interrupts as f64);
        }
        let [dlopen, wait, repeat, last, point, interrupts] = samples.map(median);
        Ok(ThreadRow {
            design,
            threads: n,
            dlopen_us: dlopen,
            wait_us: wait,
            repeat_us: repeat,
            last_thread_us: last,
            sync_point_ns: point,
            interrupts,
        })
    }
}

/// The (design, threads) points of `m`, in the order measured, with their `cost`.
fn points(m: &Measurements, cost: ThreadCost) -> impl Iterator<Item = (Strategy, u32, f64)> + '_ {
    m.with(Metric::Median).filter_map(move |r| match r.of {
        Of::Threads { design, threads, cost: c } if c == cost => Some((design, threads, r.value)),
        _ => None,
    })
}

/// The table: a row per design and thread count, a column per cost.
pub fn markdown(m: &Measurements) -> String {
    let mut s = String::from(
        "| design | threads | dlopen (µs) | of which waiting for threads (µs) | repeat per thread (µs) | last thread has it after (µs) | sync point (ns) | interrupts per run |\n|---|---|---|---|---|---|---|---|\n",
    );
    for (design, threads, _) in points(m, ThreadCost::Dlopen) {
        let cost = |cost| m.value(engine(), Of::Threads { design, threads, cost }, Metric::Median);
        let cells: Vec<String> =
            ThreadCost::iter().map(|c| cost(c).map_or("-".into(), |v| format!("{v:.0}"))).collect();
        s.push_str(&format!("| {design} | {threads} | {} |\n", cells.join(" | ")));
    }
    s
}

/// The section calls.md gets from `data/threads.json`, if there is one.
pub fn calls_md_section(data: Option<&ThreadData>) -> String {
    let Some(data) = data else { return String::new() };
    format!(
        "## Threads: dlopen with running threads, per design\n\n\
         Corpus case `thr-bench` on {engine}/libc-host (the matrix engine: fuel metered, epoch interruption on): N \
         threads pass through a mutex in a loop while main dlopens eight libraries. `shared-table` is design (a), sync \
         at synchronisation points (Emscripten's): dlopen returns at once, each thread repeats the load at its next \
         pthread call. `stop-the-world` is (b) (Lind-wasm's): dlopen interrupts every thread ({engine}'s epoch) and \
         returns when each has repeated the load. `one-table` is (c), a model of one table for all threads: as (b) for \
         running threads (a {engine} table belongs to the store its thread runs), but a thread blocked in a host wait \
         is not waited for. A sync point's cost is the design's own work at a pthread call (a: applying the log or \
         finding it applied; b, c: only flushing output). The per-call code is the same in every design (one table \
         per thread, the same `call_indirect`). Wall clock on {} ({} runs, medians), from `data/threads.json`, \
         written by `dylab bench --threads`. Chart: `threads.svg`.\n\n{}\n",
        data.machine,
        data.runs,
        markdown(&Measurements::of_threads(data)),
        engine = engine(),
    )
}

fn err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing the threads chart: {e}")
}

/// `threads.svg`: dlopen latency (left) and the sync point's cost (right) against running threads,
/// a line per design, log scales.
pub fn svg(m: &Measurements) -> Result<String> {
    let mut svg = String::new();
    if points(m, ThreadCost::Dlopen).next().is_none() {
        return Ok(svg);
    }
    {
        let root = SVGBackend::with_string(&mut svg, (1520, 470)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let panels = root.split_evenly((1, 2));
        let metrics = [
            ("dlopen with N running threads", "µs (log)", ThreadCost::Dlopen),
            ("a synchronisation point", "ns (log)", ThreadCost::SyncPoint),
        ];
        for (panel, (what, unit, cost)) in panels.iter().zip(metrics) {
            let values = points(m, cost).map(|p| p.2).filter(|v| *v > 0.0);
            let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
            if hi <= 0.0 {
                continue;
            }
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("{}: {what}", engine()), ("sans-serif", 17))
                .margin(8)
                .x_label_area_size(38)
                .y_label_area_size(70)
                .build_cartesian_2d((0.8f64..20.0).log_scale(), (lo / 1.6..hi * 1.6).log_scale())
                .map_err(err)?;
            chart
                .configure_mesh()
                .x_desc("running threads besides main (log)")
                .y_desc(unit)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| if *v >= 1.0 { format!("{v:.0}") } else { format!("{v:.2}") })
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(err)?;
            for (i, design) in DESIGNS.iter().enumerate() {
                let colour = Palette99::pick(i).to_rgba();
                let line: Vec<(f64, f64)> = points(m, cost)
                    .filter(|&(d, _, v)| d == *design && v > 0.0)
                    .map(|(_, threads, v)| (f64::from(threads), v))
                    .collect();
                chart.draw_series(line.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(err)?;
                chart
                    .draw_series(LineSeries::new(line, colour.stroke_width(2)))
                    .map_err(err)?
                    .label(design.name())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2)));
            }
            crate::charts::legend(&mut chart)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(design: Strategy, threads: u32, dlopen_us: f64) -> ThreadRow {
        ThreadRow {
            design,
            threads,
            dlopen_us,
            wait_us: 0.0,
            repeat_us: 1.0,
            last_thread_us: 2.0,
            sync_point_ns: 150.0,
            interrupts: 0.0,
        }
    }

    #[test]
    fn the_section_shows_each_design_and_the_chart_a_line_per_design() {
        let data = ThreadData {
            machine: "m".into(),
            runs: 1,
            rows: vec![
                row(Strategy::SharedTable, 1, 40.0),
                row(Strategy::StopTheWorld, 1, 900.0),
                row(Strategy::OneTable, 16, 7000.0),
            ],
        };
        let m = Measurements::of_threads(&data);
        let md = markdown(&m);
        assert!(md.contains("| stop-the-world | 1 | 900 | 0 | 1 | 2 | 150 | 0 |"), "{md}");
        assert!(md.contains("| one-table | 16 | 7000 |"), "{md}");
        assert_eq!(md.lines().count(), 2 + data.rows.len(), "a line per row: {md}");
        let svg = svg(&m).unwrap();
        for d in DESIGNS {
            assert!(svg.contains(d.name()), "no line for {d}");
        }
        assert!(svg.contains(&format!("{}: dlopen with N running threads", engine())), "the chart names its engine");
        let section = calls_md_section(Some(&data));
        assert!(
            section.contains(&format!("on {}/libc-host", engine())) && section.contains("| one-table | 16 |"),
            "{section}"
        );
        assert_eq!(calls_md_section(None), "");
        assert_eq!(self::svg(&Measurements::default()).unwrap(), "");
    }
}
