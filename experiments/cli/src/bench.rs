//! `dylab bench`: what each linkage costs per call and what loading costs (timed, or counted with
//! `--count`), written to reports/calls.md, calls.svg, growth.svg, data/calls.json and data/samples.csv;
//! with `--isolation`, what isolation costs per call (isolation.md, data/isolation.json); with
//! `--threads`, dlopen with running threads (threads.svg, data/threads.json). Every file is an
//! [`Output`] of the run ([`Run`]) that rewrites it.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use dylab_bench::outputs::{Inputs, Run};
use dylab_bench::{BenchData, Kernel, Variant};
use dylab_engines::EngineKind;
use indicatif::{ProgressBar, ProgressDrawTarget};

use crate::counts;
use crate::select::CorpusArg;

/// Measure what each linkage costs per call, and what loading costs; write reports/calls.md,
/// calls.svg, growth.svg, data/calls.json and data/samples.csv (the raw timing samples). With
/// --count, --isolation or --threads: those measurements instead, and the files showing them.
#[derive(Args)]
pub struct Bench {
    /// Fewer, shorter samples (under 10 s).
    #[arg(long)]
    quick: bool,
    /// Compare times with the committed reports/data/calls.json instead of writing reports;
    /// exit 1 if a row's interval of its time shares no value with the baseline's once the engine's
    /// speed (the median change of its floor rows) is taken out, both widened by the difference
    /// measured between two runs, and it moves again when its engine and variant are measured in two
    /// fresh processes. Refused with --quick and against another machine's baseline.
    #[arg(long)]
    check: bool,
    /// Count instructions per call under valgrind's callgrind instead of timing; write
    /// reports/data/counts.json (with --check: compare with it, exact rows with no tolerance).
    /// The counted process is `dylab count-child`.
    #[arg(long)]
    count: bool,
    /// Time the isolation rows (a call passing 0 to 64 KiB between one memory and a memory per module,
    /// and the component model) instead; write reports/isolation.md and data/isolation.json, the
    /// instructions taken from data/counts.json (what `--count` counted).
    #[arg(long, conflicts_with_all = ["check", "count", "threads"])]
    isolation: bool,
    /// Time dlopen with 1 to 16 running threads under each design of keeping their tables in step
    /// instead; write reports/threads.svg and data/threads.json (calls.md shows the table).
    #[arg(long, conflicts_with_all = ["check", "count"])]
    threads: bool,
    #[command(flatten)]
    select: BenchSelect,
    /// Skip the loader-cost and libc-call tables.
    #[arg(long)]
    no_loader: bool,
    #[command(flatten)]
    corpus: CorpusArg,
    /// Where to write the reports (with --check: where the baseline is) [default: reports/ beside the corpus].
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Which measurements to take (shared with `dylab count-child`, which gets the parent's).
#[derive(Args, Clone)]
pub struct BenchSelect {
    /// Only these engines; repeatable. Their rows replace theirs in the reports already written, the
    /// other engines' rows stay.
    #[arg(long = "engine")]
    pub engines: Vec<EngineKind>,
    /// Only these variants; repeatable.
    #[arg(long = "variant", value_parser = names(Variant::ALL.map(Variant::name), Variant::parse))]
    pub variants: Vec<Variant>,
    /// Only these kernels; repeatable.
    #[arg(long = "kernel", value_parser = names(Kernel::ALL.map(Kernel::name), Kernel::parse))]
    pub kernels: Vec<Kernel>,
}

impl BenchSelect {
    pub fn selection(&self, loader: bool) -> dylab_bench::Selection {
        dylab_bench::Selection {
            engines: self.engines.clone(),
            variants: self.variants.clone(),
            kernels: self.kernels.clone(),
            loader,
            libc_calls: loader,
        }
    }
}

/// A parser accepting exactly an enum's names, which `--help` lists.
fn names<T: Clone + Send + Sync + 'static, const N: usize>(
    names: [&'static str; N],
    parse: fn(&str) -> Option<T>,
) -> impl clap::builder::TypedValueParser<Value = T> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(names).map(move |s| parse(&s).expect("a listed name parses"))
}

impl Bench {
    pub fn execute(&self) -> Result<bool> {
        let paths = self.corpus.locate()?;
        let out = self.out.clone().unwrap_or_else(|| paths.reports.clone());
        let select = self.select.selection(!self.no_loader && !self.check);
        if self.count {
            return counts::bench_count(&paths, &select, &out, self.check);
        }
        if self.isolation || self.threads {
            return self.side_table(&paths, &select, &out);
        }
        // Before measuring: a baseline this run cannot be compared with is refused at once.
        let baseline = if self.check { Some(dylab_bench::baseline::load(&out, self.quick)?) } else { None };
        let bar = ProgressBar::new_spinner();
        if !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let started = std::time::Instant::now();
        let data = dylab_bench::run(&paths, self.quick, &select, &|m| bar.set_message(m.to_string()))?;
        bar.finish_and_clear();
        eprintln!(
            "measured {} call rows and {} loader rows in {:.1} s",
            data.calls.len(),
            data.loader.len(),
            started.elapsed().as_secs_f64()
        );
        if let Some(baseline) = baseline {
            return check(&baseline, &data, &paths.corpus);
        }
        // Some engines measured: their rows replace theirs in the committed times, the others' stay.
        let mut committed = Inputs::committed(&out)?;
        let data = match committed.timed.take() {
            Some(old) if !select.engines.is_empty() => dylab_bench::merge::times(old, data.clone()).unwrap_or(data),
            _ => data,
        };
        for t in dylab_bench::report::targets(&dylab_bench::measurement::Measurements::of_times(&data)) {
            eprintln!("{}: {} ({})", if t.met { "met" } else { "MISSED" }, t.name, t.detail);
        }
        committed.timed = Some(data);
        counts::write_outputs(&out, &committed, Run::Times)?;
        eprintln!("wrote {} (index.html shows it after the next `dylab report`)", out.join("calls.md").display());
        Ok(true)
    }

    /// `--isolation` or `--threads`: measures that table (the isolation rows of the selected engines
    /// replace theirs) and rewrites the files showing it beside the committed data.
    fn side_table(
        &self,
        paths: &dylab_lab::Paths,
        select: &dylab_bench::Selection,
        out: &std::path::Path,
    ) -> Result<bool> {
        let mut committed = Inputs::committed(out)?;
        let run = if self.isolation {
            let data = dylab_bench::isolation::measure(paths, self.quick, select, committed.counts.as_ref())?;
            committed.isolation = Some(data.merged_into(committed.isolation.take()));
            Run::Isolation
        } else {
            let runs = if self.quick { dylab_bench::threads::RUNS.0 } else { dylab_bench::threads::RUNS.1 };
            committed.threads = Some(dylab_bench::threads::on_run_stack(paths, runs)?);
            Run::Threads
        };
        counts::write_outputs(out, &committed, run)?;
        Ok(true)
    }
}

/// Compares with the baseline (refused earlier when from another machine): false when a row moved,
/// and moved again when measured in fresh processes ([`crate::confirm`]).
fn check(baseline: &BenchData, data: &BenchData, corpus: &std::path::Path) -> Result<bool> {
    use dylab_bench::measurement::Measurements;
    let baseline = Measurements::of_times(baseline);
    let first = dylab_bench::report::moved(&baseline, &Measurements::of_times(data));
    let again = if first.is_empty() { Vec::new() } else { crate::confirm::remeasure(&first, corpus)? };
    let (moved, one_process) = dylab_bench::report::confirmed(first, &baseline, &again);
    for m in &one_process {
        outln!("moved in this process only (not in {} fresh ones): {}", crate::confirm::FRESH_PROCESSES, m.text);
    }
    for m in &moved {
        outln!("moved: {}", m.text);
    }
    outln!(
        "{} rows compared with the baseline, {} changed (intervals of the time disjoint once the engine's speed, \
         the median change of its floor rows, is taken out, each widened for what two runs of its engine differ \
         by: {}; a row that moved is measured again in {} fresh processes and counts only if it moves in each)",
        data.calls.len() + data.libc_calls.len(),
        moved.len(),
        dylab_bench::stats::between_runs_list(),
        crate::confirm::FRESH_PROCESSES,
    );
    Ok(moved.is_empty())
}
