//! `dylab report`: run the matrix (or read runs back with `--from`) and regenerate reports/.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use dylab_lab::reports::{self, Beside, ReportInput};
use dylab_lab::Record;

use crate::matrix::run_selection;
use crate::printer::Quiet;
use crate::select::{load_cases, write, Select};

/// Run the whole matrix and regenerate reports/ (matrix.md, findings.md, index.html, data/matrix.json,
/// data/timings.js).
#[derive(Args)]
pub struct Report {
    #[command(flatten)]
    select: Select,
    /// Where to write the reports [default: reports/ beside the corpus].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run nothing: build the reports from these files of `dylab run --json` (a whole run, or the
    /// shards of one: `--shard 1/3` ... `3/3`), merged in the order a single run gives; the reports
    /// are then byte-identical to a single run's (data/timings.js holds the shards' own times).
    #[arg(long, num_args = 1.., value_name = "FILE")]
    from: Vec<PathBuf>,
}

impl Report {
    pub fn execute(&self) -> Result<bool> {
        let paths = self.select.corpus.locate()?;
        let out = self.out.clone().unwrap_or_else(|| paths.reports.clone());
        let findings_toml = findings_toml(&paths.corpus)?;
        let beside = Beside::read(&out)?;
        let (cases, record) = if self.from.is_empty() {
            let ran = run_selection(&self.select, None, &paths, &Quiet)?;
            let engines = ran.engines.into_iter().map(|e| (e.engine, e.settings)).collect();
            let record =
                Record { results: ran.results, native: ran.native, engines, sources: ran.source.into_iter().collect() };
            (ran.cases, record)
        } else {
            self.refuse_selection()?;
            let cases = load_cases(&[], &paths)?;
            let files: Vec<&Path> = self.from.iter().map(PathBuf::as_path).collect();
            let record = Record::read(&files, &cases)?;
            eprintln!(
                "read {} cells and {} native runs from {} files",
                record.results.len(),
                record.native.len(),
                files.len()
            );
            (cases, record)
        };
        let input = ReportInput {
            cases: &cases,
            results: &record.results,
            native: &record.native,
            engines: &record.engines,
            findings_toml: findings_toml.as_deref(),
            beside: &beside,
            sources: &record.sources,
        };
        for report in reports::ALL {
            let path = out.join(report.path());
            if let Some(text) = report.render(&input).with_context(|| format!("rendering {}", path.display()))? {
                write(&path, &text)?;
                eprintln!("wrote {}", path.display());
            }
        }
        let all = record.results.iter().all(|r| r.as_expected) && record.native.iter().all(|r| r.as_expected);
        Ok(all)
    }

    /// With `--from` nothing runs, so a selection would silently mean nothing.
    fn refuse_selection(&self) -> Result<()> {
        let s = &self.select;
        if !(s.engines.is_empty() && s.libcs.is_empty() && s.strategies.is_empty() && s.cases.is_empty()) {
            bail!("--from reads whole runs: select cells when running them (`dylab run --json ...`), not here");
        }
        Ok(())
    }
}

/// Findings are data beside the corpus; a corpus without findings.toml gets no findings.md.
fn findings_toml(corpus: &Path) -> Result<Option<String>> {
    let path = corpus.join("findings.toml");
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(&path).map(Some).with_context(|| path.display().to_string())
}
