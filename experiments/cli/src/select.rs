//! What the matrix subcommands share: the corpus argument, the cell selection, loading the cases.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use clap::Args;
use dylab_engines::EngineKind;
use dylab_lab::{load_corpus, Case, Filter, Paths};
use dylink::{Libc, Linkage};

#[derive(Args, Clone)]
pub struct Select {
    /// Only these engines; repeatable.
    #[arg(long = "engine")]
    pub engines: Vec<EngineKind>,
    /// Only these libc placements; repeatable.
    #[arg(long = "libc")]
    pub libcs: Vec<Libc>,
    /// Only these strategies (`none`: the static placement's); repeatable.
    #[arg(long = "strategy")]
    pub strategies: Vec<Linkage>,
    /// Only these cases; repeatable.
    #[arg(long = "case")]
    pub cases: Vec<String>,
    #[command(flatten)]
    pub corpus: CorpusArg,
    /// Skip the native reference runs (each selected case built by gcc -m32, run under glibc's ld.so).
    #[arg(long)]
    pub no_native: bool,
    /// Worker threads.
    #[arg(long, short = 'j', default_value_t = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1))]
    pub jobs: usize,
}

impl Select {
    pub fn filter(&self) -> Filter {
        Filter {
            engines: self.engines.clone(),
            libcs: self.libcs.clone(),
            linkages: self.strategies.clone(),
            cases: self.cases.clone(),
        }
    }
}

#[derive(Args, Clone)]
pub struct CorpusArg {
    /// The corpus folder (it holds cases/<case>/case.toml; headers come from its include/ if present,
    /// else the lab's) [default: $DYLAB_CORPUS, else ./corpus in this folder or a parent].
    #[arg(long = "corpus")]
    pub corpus: Option<PathBuf>,
}

impl CorpusArg {
    pub fn locate(&self) -> Result<Paths> {
        Paths::locate(self.corpus.as_deref())
    }
}

static BROKEN_CASES: AtomicBool = AtomicBool::new(false);

/// Whether a selected case was broken (reported and left out): the command then exits 1.
pub fn broken_cases() -> bool {
    BROKEN_CASES.load(Ordering::SeqCst)
}

/// The corpus's cases; broken ones the selection names (or all, for no `--case`) are reported and
/// left out, and make the command fail at the end.
pub fn load_cases(cases: &[String], paths: &Paths) -> Result<Vec<Case>> {
    let (loaded, broken) = load_corpus(&paths.corpus)?;
    for (name, error) in &broken {
        if cases.is_empty() || cases.contains(name) {
            eprintln!("dylab: skipping case {name}: {error:#}");
            BROKEN_CASES.store(true, Ordering::SeqCst);
        }
    }
    Ok(loaded)
}

pub fn write(path: &Path, content: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, content).with_context(|| format!("writing {}", path.display()))
}
