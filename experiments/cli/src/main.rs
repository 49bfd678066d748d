//! `dylab`: run the dynamic-linking matrix and write the reports.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
mod counts;
mod expect;

use dylab_bench::{Kernel, Variant};
use dylab_engines::EngineKind;
use dylab_lab::native::NativeResult;
use dylab_lab::reports::{self, ReportInput};
use dylab_lab::{cells, load_corpus, Cell, CellResult, Filter, Lab, Paths, Style};
use dylink::{Libc, Strategy};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Parser)]
#[command(name = "dylab", version, about = "How should WebAssembly modules link to each other at run time? Measured.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run matrix cells and print their outcomes.
    Run {
        #[command(flatten)]
        select: Select,
        /// Print JSON lines instead of a table: one object per cell, as each cell finishes.
        #[arg(long)]
        json: bool,
    },
    /// Run the whole matrix and regenerate reports/ (matrix.md, findings.md, data/matrix.json).
    Report {
        #[command(flatten)]
        select: Select,
        /// Where to write the reports [default: reports/ beside the corpus].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Measure what each linkage costs per call, and what loading costs; write reports/calls.md,
    /// calls.svg, growth.svg, data/calls.json and data/samples.csv (the raw timing samples).
    Bench {
        /// Fewer, shorter samples (under 10 s).
        #[arg(long)]
        quick: bool,
        /// Compare ratios with the committed reports/data/calls.json instead of writing reports;
        /// exit 1 if a row's 95% bootstrap interval of its ratio shares no value with the baseline's
        /// (both widened by the difference measured between two runs).
        #[arg(long)]
        check: bool,
        /// Count instructions per call under valgrind's callgrind instead of timing; write
        /// reports/data/counts.json (with --check: compare with it, exact rows with no tolerance).
        #[arg(long)]
        count: bool,
        /// The counted process that --count starts under callgrind (prints its report as JSON).
        #[arg(long, hide = true)]
        count_child: bool,
        /// Only these engines; repeatable.
        #[arg(long = "engine")]
        engines: Vec<EngineKind>,
        /// Only these variants; repeatable.
        #[arg(long = "variant", value_parser = names(Variant::ALL.map(Variant::name), Variant::parse))]
        variants: Vec<Variant>,
        /// Only these kernels; repeatable.
        #[arg(long = "kernel", value_parser = names(Kernel::ALL.map(Kernel::name), Kernel::parse))]
        kernels: Vec<Kernel>,
        /// Skip the loader-cost and libc-call tables.
        #[arg(long)]
        no_loader: bool,
        #[command(flatten)]
        corpus: CorpusArg,
        /// Where to write the reports (with --check: where the baseline is) [default: reports/ beside the corpus].
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List the cells a selection would run.
    List {
        #[command(flatten)]
        select: Select,
    },
    /// Write a case's expected.stdout and exit_code from its native run (gcc -m32 under glibc's
    /// ld.so), so that a new case gets its reference from ld.so instead of by hand.
    Expect(expect::Expect),
}

#[derive(Args, Clone)]
struct Select {
    /// Only these engines; repeatable.
    #[arg(long = "engine")]
    engines: Vec<EngineKind>,
    /// Only these libc placements; repeatable.
    #[arg(long = "libc")]
    libcs: Vec<Libc>,
    /// Only these strategies; repeatable.
    #[arg(long = "strategy")]
    strategies: Vec<Strategy>,
    /// Only these cases; repeatable.
    #[arg(long = "case")]
    cases: Vec<String>,
    #[command(flatten)]
    corpus: CorpusArg,
    /// Skip the native reference runs (each selected case built by gcc -m32, run under glibc's ld.so).
    #[arg(long)]
    no_native: bool,
    /// Worker threads.
    #[arg(long, short = 'j', default_value_t = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))]
    jobs: usize,
}

#[derive(Args, Clone)]
struct CorpusArg {
    /// The corpus folder (it holds cases/<case>/case.toml; headers come from its include/ if present,
    /// else the lab's) [default: $DYLAB_CORPUS, else ./corpus in this folder or a parent].
    #[arg(long = "corpus")]
    corpus: Option<PathBuf>,
}

impl CorpusArg {
    fn locate(&self) -> Result<Paths> {
        Paths::locate(self.corpus.as_deref())
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

impl Select {
    fn filter(&self) -> Filter {
        Filter {
            engines: self.engines.clone(),
            libcs: self.libcs.clone(),
            strategies: self.strategies.clone(),
            cases: self.cases.clone(),
        }
    }
}

fn progress_bar(len: usize) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    if std::io::stderr().is_terminal() {
        bar.set_style(ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {wide_msg}").unwrap());
    } else {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar
}

/// What `dylab run` prints as each cell finishes, so that an interrupted run still reports.
trait Printer: Sync {
    fn start(&self, selected: &[Cell]);
    fn cell(&self, r: &CellResult);
    fn end(&self, results: &[CellResult]);
    /// A case's native reference run.
    fn native(&self, r: &NativeResult);
}

/// No output (for `dylab report`).
struct Quiet;

impl Printer for Quiet {
    fn start(&self, _: &[Cell]) {}
    fn cell(&self, _: &CellResult) {}
    fn end(&self, _: &[CellResult]) {}
    fn native(&self, _: &NativeResult) {}
}

/// JSON lines: one compact object per cell.
struct JsonLines;

impl Printer for JsonLines {
    fn start(&self, _: &[Cell]) {}
    fn cell(&self, r: &CellResult) {
        match serde_json::to_string(r) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("dylab: {}: {e}", r.cell),
        }
    }
    fn end(&self, _: &[CellResult]) {}
    /// An object with `case` and `declared` and no `cell`.
    fn native(&self, r: &NativeResult) {
        match serde_json::to_string(r) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("dylab: native/{}: {e}", r.case),
        }
    }
}

/// A table: a header, a line per cell, then the count.
struct Table {
    width: std::sync::atomic::AtomicUsize,
}

impl Printer for Table {
    fn start(&self, selected: &[Cell]) {
        let width = selected.iter().map(|c| c.to_string().len()).max().unwrap_or(4);
        self.width.store(width, std::sync::atomic::Ordering::SeqCst);
        println!("{:width$}  {:28}  {:28}  detail", "cell", "outcome", "expected");
    }
    fn cell(&self, r: &CellResult) {
        let width = self.width.load(std::sync::atomic::Ordering::SeqCst);
        let outcome = r.outcome().render(Style::Full);
        let expected = r.expected_outcome().render(Style::Full);
        let mark = if r.as_expected { " " } else { "!" };
        println!("{:width$}  {outcome:28}  {expected:27}{mark}  {}", r.cell, r.detail.lines().next().unwrap_or(""));
    }
    fn end(&self, results: &[CellResult]) {
        let bad = results.iter().filter(|r| !r.as_expected).count();
        println!("\n{} cells: {} as expected, {bad} not", results.len(), results.len() - bad);
    }
    fn native(&self, r: &NativeResult) {
        let width = self.width.load(std::sync::atomic::Ordering::SeqCst);
        let mark = if r.as_expected { " " } else { "!" };
        let declared = match r.declared.why() {
            Some(why) => why.to_string(),
            None => r.detail.lines().next().unwrap_or("").to_string(),
        };
        let name = format!("native/{}", r.case);
        println!("{name:width$}  {:28}  {:27}{mark}  {declared}", r.short(), "");
    }
}

/// What a selection ran: its cases, its cells and the native runs of the cases with a selected cell.
struct Ran {
    cases: Vec<dylab_lab::Case>,
    results: Vec<CellResult>,
    native: Vec<NativeResult>,
    lab: Lab,
}

impl Ran {
    fn all_as_expected(&self) -> bool {
        self.results.iter().all(|r| r.as_expected) && self.native.iter().all(|r| r.as_expected)
    }
}

/// Runs the selected cells with a progress bar on a terminal, then (unless `--no-native`) the native
/// runs of their cases; `printer` hears of each result as it ends.
fn run_selection(select: &Select, paths: &Paths, printer: &dyn Printer) -> Result<Ran> {
    let cases = load_cases(select, paths)?;
    let selected = cells(&cases, &select.filter());
    if selected.is_empty() {
        anyhow::bail!("no cell matches the selection ({} cases in {})", cases.len(), paths.corpus.display());
    }
    let lab = Lab::at(paths)?;
    let bar = progress_bar(selected.len());
    bar.suspend(|| printer.start(&selected));
    let results = lab.run_matrix(&cases, &selected, select.jobs, &|r| {
        bar.suspend(|| printer.cell(r));
        bar.set_message(r.cell.clone());
        bar.inc(1);
    });
    bar.finish_and_clear();
    let native = if select.no_native {
        Vec::new()
    } else {
        let with_cells: Vec<&dylab_lab::Case> =
            cases.iter().filter(|c| selected.iter().any(|cell| cell.case == c.name)).collect();
        let native = lab.native.run_all(&with_cells, select.jobs);
        native.iter().for_each(|r| printer.native(r));
        native
    };
    printer.end(&results);
    Ok(Ran { cases, results, native, lab })
}

/// The selection's cases; broken ones are reported and left out, and make the command fail at the end.
fn load_cases(select: &Select, paths: &Paths) -> Result<Vec<dylab_lab::Case>> {
    let (cases, broken) = load_corpus(&paths.corpus)?;
    for (name, error) in &broken {
        if select.cases.is_empty() || select.cases.contains(name) {
            eprintln!("dylab: skipping case {name}: {error:#}");
            BROKEN_CASES.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    Ok(cases)
}

static BROKEN_CASES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn write(path: &Path, content: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, content).with_context(|| format!("writing {}", path.display()))
}

fn main() -> ExitCode {
    match real_main() {
        Ok(true) if !BROKEN_CASES.load(std::sync::atomic::Ordering::SeqCst) => ExitCode::SUCCESS,
        Ok(true) => ExitCode::from(1),
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("dylab: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Ok(false): ran, but some cell was not as expected.
fn real_main() -> Result<bool> {
    match Cli::parse().command {
        Command::List { select } => {
            let cases = load_cases(&select, &select.corpus.locate()?)?;
            for c in cells(&cases, &select.filter()) {
                println!("{c}");
            }
            Ok(true)
        }
        Command::Run { select, json } => {
            let table = Table { width: Default::default() };
            let printer: &dyn Printer = if json { &JsonLines } else { &table };
            let ran = run_selection(&select, &select.corpus.locate()?, printer)?;
            Ok(ran.all_as_expected())
        }
        Command::Bench { quick, check, count, count_child, engines, variants, kernels, no_loader, corpus, out } => {
            let paths = corpus.locate()?;
            let out = out.unwrap_or_else(|| paths.reports.clone());
            let select = dylab_bench::Selection {
                engines,
                variants,
                kernels,
                loader: !no_loader && !check,
                libc_calls: !no_loader && !check,
            };
            if count_child {
                let report = dylab_bench::counts::child::run(&paths, &select)?;
                println!("{}", serde_json::to_string(&report)?);
                return Ok(true);
            }
            if count {
                return counts::bench_count(&paths, &select, &out, check);
            }
            // Before measuring: a baseline this run cannot be compared with is refused at once.
            let baseline = if check { Some(dylab_bench::baseline::load(&out, quick)?) } else { None };
            let bar = ProgressBar::new_spinner();
            if !std::io::stderr().is_terminal() {
                bar.set_draw_target(ProgressDrawTarget::hidden());
            }
            let started = std::time::Instant::now();
            let data = dylab_bench::run(&paths, quick, &select, &|m| bar.set_message(m.to_string()))?;
            bar.finish_and_clear();
            eprintln!(
                "measured {} call rows and {} loader rows in {:.1} s",
                data.calls.len(),
                data.loader.len(),
                started.elapsed().as_secs_f64()
            );
            if let Some(baseline) = baseline {
                let moved = dylab_bench::report::check(&baseline, &data);
                for m in &moved {
                    println!("moved: {m}");
                }
                println!(
                    "{} rows compared with the baseline, {} changed (95% intervals of the ratio disjoint, each widened \
                     for what two runs of its engine differ by: {})",
                    data.calls.len() + data.libc_calls.len(),
                    moved.len(),
                    dylab_bench::stats::between_runs_list(),
                );
                return Ok(moved.is_empty());
            }
            let committed = counts::committed(&out)?;
            counts::write_outputs(&out, Some(&data), committed.as_ref(), false)?;
            for t in dylab_bench::report::targets(&data) {
                eprintln!("{}: {} ({})", if t.met { "met" } else { "MISSED" }, t.name, t.detail);
            }
            Ok(true)
        }
        Command::Report { select, out } => {
            let paths = select.corpus.locate()?;
            let out = out.unwrap_or_else(|| paths.reports.clone());
            let ran = run_selection(&select, &paths, &Quiet)?;
            let engines: Vec<_> = EngineKind::ALL.iter().map(|&e| (e, ran.lab.engine_settings(e))).collect();
            // Findings are data beside the corpus; a corpus without findings.toml gets no findings.md.
            let findings_path = paths.corpus.join("findings.toml");
            let findings_toml = match findings_path.is_file() {
                true => {
                    Some(std::fs::read_to_string(&findings_path).with_context(|| findings_path.display().to_string())?)
                }
                false => None,
            };
            let input = ReportInput {
                cases: &ran.cases,
                results: &ran.results,
                native: &ran.native,
                engines: &engines,
                findings_toml: findings_toml.as_deref(),
            };
            for report in reports::ALL {
                let path = out.join(report.path());
                if let Some(text) = report.render(&input).with_context(|| format!("rendering {}", path.display()))? {
                    write(&path, &text)?;
                    eprintln!("wrote {}", path.display());
                }
            }
            Ok(ran.all_as_expected())
        }
        Command::Expect(args) => args.execute(),
    }
}
