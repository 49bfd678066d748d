//! Running a selection of the matrix: shared by `dylab run` and `dylab report`.

use anyhow::Result;
use dylab_engines::EngineKind;
use dylab_lab::native::NativeResult;
use dylab_lab::{cells, Case, CellResult, EngineSettings, Lab, Paths, Shard};

use crate::printer::{Printer, Progress};
use crate::select::{load_cases, Select};

/// What a selection ran: its cases, its cells and the native runs of the cases with a selected cell.
pub struct Ran {
    pub cases: Vec<Case>,
    pub results: Vec<CellResult>,
    pub native: Vec<NativeResult>,
    pub engines: Vec<EngineSettings>,
    /// The commit of the sources (`-dirty` for changes outside the reports), when git can tell.
    pub source: Option<String>,
}

impl Ran {
    pub fn all_as_expected(&self) -> bool {
        self.results.iter().all(|r| r.as_expected) && self.native.iter().all(|r| r.as_expected)
    }
}

/// Runs the selected cells (of one shard, if given) with progress shown, then (unless `--no-native`)
/// the native runs of their cases; `printer` hears of each result as it ends. A shard may be empty.
pub fn run_selection(select: &Select, shard: Option<Shard>, paths: &Paths, printer: &dyn Printer) -> Result<Ran> {
    let cases = load_cases(&select.cases, paths)?;
    let mut selected = cells(&cases, &select.filter());
    if selected.is_empty() {
        anyhow::bail!("no cell matches the selection ({} cases in {})", cases.len(), paths.corpus.display());
    }
    if let Some(shard) = shard {
        selected = shard.select(&selected);
    }
    let lab = Lab::at(paths)?;
    let engines: Vec<EngineSettings> =
        EngineKind::ALL.iter().map(|&e| EngineSettings { engine: e, settings: lab.engine_settings(e) }).collect();
    let source = dylab_lab::provenance::source_commit(&paths.corpus, &paths.reports);
    let progress = Progress::new(selected.len());
    progress.suspend(|| printer.start(&selected, &engines, source.as_deref()));
    let results = lab.run_matrix(&cases, &selected, select.jobs, &|r| {
        progress.suspend(|| printer.cell(r));
        progress.cell_done(r);
    });
    progress.finish();
    let native = if select.no_native {
        Vec::new()
    } else {
        let with_cells: Vec<&Case> = cases.iter().filter(|c| selected.iter().any(|cell| cell.case == c.name)).collect();
        let native = lab.native.run_all(&with_cells, select.jobs);
        native.iter().for_each(|r| printer.native(r));
        native
    };
    printer.end(&results);
    Ok(Ran { cases, results, native, engines, source })
}
