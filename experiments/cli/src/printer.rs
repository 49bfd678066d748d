//! What `dylab run` prints as each cell finishes (so that an interrupted run still reports), and the
//! progress it shows: an indicatif bar on a terminal, plain lines on stderr otherwise (CI logs).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use dylab_lab::native::NativeResult;
use dylab_lab::record::Source;
use dylab_lab::{Cell, CellResult, EngineSettings, Line, Style};
use indicatif::{ProgressBar, ProgressStyle};

pub trait Printer: Sync {
    /// Before the first cell: the cells to run, the engines' settings and the sources' commit.
    fn start(&self, selected: &[Cell], engines: &[EngineSettings], source: Option<&str>);
    fn cell(&self, r: &CellResult);
    /// A case's native reference run.
    fn native(&self, r: &NativeResult);
    fn end(&self, results: &[CellResult]);
}

/// No output (for `dylab report`).
pub struct Quiet;

impl Printer for Quiet {
    fn start(&self, _: &[Cell], _: &[EngineSettings], _: Option<&str>) {}
    fn cell(&self, _: &CellResult) {}
    fn native(&self, _: &NativeResult) {}
    fn end(&self, _: &[CellResult]) {}
}

/// JSON lines ([`Line`]): the engines' settings, then one object per cell and per native run, as
/// `dylab report --from` reads them back.
pub struct JsonLines;

fn print_line(line: &Line) {
    match serde_json::to_string(line) {
        Ok(text) => outln!("{text}"),
        Err(e) => eprintln!("dylab: a result line: {e}"),
    }
}

impl Printer for JsonLines {
    fn start(&self, _: &[Cell], engines: &[EngineSettings], source: Option<&str>) {
        if let Some(source) = source {
            print_line(&Line::Source(Source { source: source.to_string() }));
        }
        engines.iter().for_each(|e| print_line(&Line::Engine(e.clone())));
    }
    fn cell(&self, r: &CellResult) {
        print_line(&Line::Cell(r.into()));
    }
    fn native(&self, r: &NativeResult) {
        print_line(&Line::Native(r.clone()));
    }
    fn end(&self, _: &[CellResult]) {}
}

/// A table: a header, a line per cell with its duration, then the count.
#[derive(Default)]
pub struct Table {
    width: AtomicUsize,
}

impl Printer for Table {
    fn start(&self, selected: &[Cell], _: &[EngineSettings], _: Option<&str>) {
        let width = selected.iter().map(|c| c.to_string().len()).max().unwrap_or(4);
        self.width.store(width, Ordering::SeqCst);
        outln!("{:width$}  {:28}  {:28}  {:>9}  detail", "cell", "outcome", "expected", "time");
    }
    fn cell(&self, r: &CellResult) {
        let width = self.width.load(Ordering::SeqCst);
        let outcome = r.outcome().render(Style::Full);
        let expected = r.expected_outcome().render(Style::Full);
        let mark = if r.as_expected { " " } else { "!" };
        let time = seconds(r.duration);
        let detail = r.detail.lines().next().unwrap_or("");
        outln!("{:width$}  {outcome:28}  {expected:27}{mark}  {time:>9}  {detail}", r.cell);
    }
    fn native(&self, r: &NativeResult) {
        let width = self.width.load(Ordering::SeqCst);
        let mark = if r.as_expected { " " } else { "!" };
        let declared = match r.declared.why() {
            Some(why) => why.to_string(),
            None => r.detail.lines().next().unwrap_or("").to_string(),
        };
        let name = format!("native/{}", r.case);
        outln!("{name:width$}  {:28}  {:27}{mark}  {:>9}  {declared}", r.short(), "", "");
    }
    fn end(&self, results: &[CellResult]) {
        let bad = results.iter().filter(|r| !r.as_expected).count();
        let total: Duration = results.iter().map(|r| r.duration).sum();
        outln!(
            "\n{} cells: {} as expected, {bad} not; {} of cell time",
            results.len(),
            results.len() - bad,
            seconds(total)
        );
    }
}

pub fn seconds(d: Duration) -> String {
    format!("{:.3} s", d.as_secs_f64())
}

/// A bar on a terminal; otherwise a line on stderr at every tenth of the cells (and the last).
pub enum Progress {
    Bar(ProgressBar),
    Lines { len: usize, done: Mutex<usize>, started: Instant },
}

impl Progress {
    pub fn new(len: usize) -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(len as u64);
            let style = ProgressStyle::with_template("{bar:30} {pos}/{len} cells {elapsed} (eta {eta}) {wide_msg}");
            bar.set_style(style.expect("a valid template"));
            Progress::Bar(bar)
        } else {
            Progress::Lines { len, done: Mutex::new(0), started: Instant::now() }
        }
    }

    /// Runs `print` without tearing the bar.
    pub fn suspend(&self, print: impl FnOnce()) {
        match self {
            Progress::Bar(bar) => bar.suspend(print),
            Progress::Lines { .. } => print(),
        }
    }

    pub fn cell_done(&self, r: &CellResult) {
        match self {
            Progress::Bar(bar) => {
                bar.set_message(r.cell.clone());
                bar.inc(1);
            }
            Progress::Lines { len, done, started } => {
                let mut done = done.lock().unwrap();
                *done += 1;
                let step = (*len / 10).max(1);
                if *done % step == 0 || *done == *len {
                    eprintln!("dylab: {}/{len} cells, {:.0} s", *done, started.elapsed().as_secs_f64());
                }
            }
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
