//! The whole matrix as tests, one trial per piece of work, each doing only its own work:
//! - `cell::<cell>`: the cell's outcome must be the declared one (so an expected failure that starts
//!   passing fails);
//! - `engines-agree::<libc>/<strategy>/<case>`: every engine gives the same outcome, exit code and
//!   stdout as every other engine the case declares the same way for that cell;
//! - `snapshot::<case>`: the insta snapshot of the case's table;
//! - `native::<case>`: the case built by gcc -m32 and run under glibc's ld.so prints the reference
//!   stdout and exit code, unless the case's `[native]` declares why not (`skip`, `differs`);
//! - `reports::<path>`: each reproducible report of `reports::ALL` is what `dylab report` would write now.
//!
//! Builds are memoised per case and results per cell, so trials that share cells share the work, and
//! `cargo test -p dylab-lab --test matrix -- dlhello` builds and runs only the dlhello cells. Under
//! `cargo nextest run` (one process per trial, e.g. `--partition count:1/2`) each process does only what
//! its trial needs; the toolchain's disk cache keeps built modules between processes.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use dylab_lab::build::Builds;
use dylab_lab::native::{NativeDecl, NativeResult};
use dylab_lab::reports::{self, ReportInput};
use dylab_lab::run::{default_corpus, workspace_root};
use dylab_lab::{cells, load_corpus, Case, Cell, CellResult, EngineKind, Filter, Lab, Style};
use libtest_mimic::{Arguments, Failed, Trial};

/// Everything the trials share, each piece made on first use.
struct Matrix {
    cases: Vec<Case>,
    cells: Vec<Cell>,
    lab: OnceLock<Result<Lab, String>>,
    builds: HashMap<String, Builds>,
    results: HashMap<Cell, OnceLock<CellResult>>,
    /// The native reference run of each case.
    native: HashMap<String, OnceLock<NativeResult>>,
}

impl Matrix {
    fn lab(&self) -> Result<&Lab, Failed> {
        let lab = self.lab.get_or_init(|| {
            Lab::new(&default_corpus().join("include"))
                .map_err(|e| format!("toolchain and libc.wasm are not available (run scripts/setup.sh): {e:#}"))
        });
        lab.as_ref().map_err(|e| Failed::from(e.clone()))
    }

    fn case(&self, name: &str) -> &Case {
        self.cases.iter().find(|c| c.name == name).expect("a cell's case is in the corpus")
    }

    fn result(&self, cell: &Cell) -> Result<&CellResult, Failed> {
        let lab = self.lab()?;
        Ok(self.results[cell].get_or_init(|| lab.run_cell(self.case(&cell.case), &self.builds[&cell.case], cell)))
    }

    fn results(&self, cells: &[Cell]) -> Result<Vec<&CellResult>, Failed> {
        cells.iter().map(|c| self.result(c)).collect()
    }

    fn native(&self, case: &Case) -> Result<&NativeResult, Failed> {
        let lab = self.lab()?;
        Ok(self.native[&case.name].get_or_init(|| lab.native.run(case)))
    }
}

/// The case's native run (gcc -m32 under glibc's ld.so) must be as its `[native]` declares: print the
/// reference and exit with its code, or differ when it declares `differs`.
fn native_trial(m: &Matrix, case: &Case) -> Result<(), Failed> {
    let n = m.native(case)?;
    if n.as_expected {
        return Ok(());
    }
    let hint = match &n.declared {
        NativeDecl::Differs(why) => {
            format!("the case declares `[native] differs = {why:?}`, but the native run matches: remove it")
        }
        _ => "the case's expected.stdout / exit_code is not what ld.so gives: fix the reference, or declare \
              `[native] differs = \"why\"` (or `skip`) in case.toml"
            .to_string(),
    };
    Err(Failed::from(format!(
        "native/{}: {}\n  {hint}\n  detail: {}\n  exit: {:?}\n  stdout: {:?}\n  stderr: {:?}",
        case.name,
        n.outcome().render(Style::Full),
        n.detail,
        n.exit_code,
        n.stdout,
        n.stderr
    )))
}

fn describe(m: &Matrix, cell: &Cell, r: &CellResult) -> String {
    let declared = m.case(&cell.case).expected(cell);
    let text = |t: &Option<String>| t.as_ref().map(|t| format!("{t:?}")).unwrap_or_else(|| "-".into());
    format!(
        "{}: outcome {}, expected {} (stdout containing {}, detail containing {})\n  detail: {}\n  exit: {:?}\n  stdout: {:?}\n  stderr: {:?}",
        r.cell,
        r.outcome().render(Style::Full),
        r.expected_outcome().render(Style::Full),
        text(&declared.stdout),
        text(&declared.detail),
        r.detail,
        r.exit_code,
        r.stdout,
        r.stderr
    )
}

/// Every engine must agree with every other engine whose cell the case declares the same way (an
/// engine-specific declaration sets that engine apart, and only on the cells it covers).
fn engines_agree(m: &Matrix, case: &Case, group: &[Cell]) -> Result<(), Failed> {
    let missing: Vec<String> =
        EngineKind::ALL.iter().filter(|e| !group.iter().any(|c| c.engine == **e)).map(|e| e.to_string()).collect();
    if !missing.is_empty() {
        return Err(Failed::from(format!("no cell on {}", missing.join(", "))));
    }
    let rows = m.results(group)?;
    let declared: Vec<_> = group.iter().map(|c| case.expected(c)).collect();
    let pairs = (0..rows.len()).flat_map(|i| (i + 1..rows.len()).map(move |j| (i, j)));
    let compared: Vec<(usize, usize)> = pairs.filter(|&(i, j)| declared[i] == declared[j]).collect();
    let differing: Vec<String> = compared
        .iter()
        .filter(|&&(i, j)| !rows[i].agrees_with(rows[j]))
        .map(|&(i, j)| format!("{} vs {}", rows[i].engine, rows[j].engine))
        .collect();
    if differing.is_empty() {
        return Ok(());
    }
    let all: Vec<String> = group.iter().zip(&rows).map(|(c, r)| describe(m, c, r)).collect();
    Err(Failed::from(format!("engines disagree ({}):\n{}", differing.join(", "), all.join("\n"))))
}

fn snapshot(m: &Matrix, case: &Case) -> Result<(), Failed> {
    let own: Vec<Cell> = m.cells.iter().filter(|c| c.case == case.name).cloned().collect();
    let rows = m.results(&own)?;
    let table = reports::case_table(case, &rows);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(workspace_root().join("experiments/lab/tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(case.name.clone(), table));
    Ok(())
}

fn report_is_current(m: &Matrix, report: &dyn reports::Report) -> Result<(), Failed> {
    let lab = m.lab()?;
    let results: Vec<CellResult> = m.results(&m.cells)?.into_iter().cloned().collect();
    let native: Vec<NativeResult> = m.cases.iter().map(|c| m.native(c).cloned()).collect::<Result<_, _>>()?;
    let engines: Vec<_> = EngineKind::ALL.iter().map(|&e| (e, lab.engine_settings(e))).collect();
    // The lab's own corpus has findings.toml: every report renders something.
    let findings_toml = std::fs::read_to_string(default_corpus().join("findings.toml"))
        .map_err(|e| Failed::from(format!("corpus/findings.toml: {e}")))?;
    // index.html also shows what `dylab bench` left in reports/.
    let beside =
        reports::Beside::read(&workspace_root().join("reports")).map_err(|e| Failed::from(format!("{e:#}")))?;
    let input = ReportInput {
        cases: &m.cases,
        results: &results,
        native: &native,
        engines: &engines,
        findings_toml: Some(&findings_toml),
        beside: &beside,
        sources: &[],
    };
    let Some(expected) = report.render(&input).map_err(|e| Failed::from(format!("{e:#}")))? else {
        return Err(Failed::from(format!("reports/{} rendered nothing from the lab's corpus", report.path())));
    };
    let path = workspace_root().join("reports").join(report.path());
    if std::fs::read_to_string(&path).unwrap_or_default() == expected {
        Ok(())
    } else {
        Err(Failed::from(format!(
            "reports/{} is stale: run `cargo run -p dylab -- report` and review the diff",
            report.path()
        )))
    }
}

fn main() {
    let args = Arguments::from_args();
    let (cases, broken) = load_corpus(&default_corpus()).expect("the corpus folder is readable");
    let all = cells(&cases, &Filter::default());
    let m: &'static Matrix = Box::leak(Box::new(Matrix {
        builds: cases.iter().map(|c| (c.name.clone(), Builds::default())).collect(),
        results: all.iter().map(|c| (c.clone(), OnceLock::new())).collect(),
        native: cases.iter().map(|c| (c.name.clone(), OnceLock::new())).collect(),
        cells: all,
        cases,
        lab: OnceLock::new(),
    }));

    let mut trials = Vec::new();
    for (name, error) in broken {
        let msg = format!("{error:#}");
        trials.push(Trial::test(format!("case::{name}"), move || Err(Failed::from(msg))));
    }
    for cell in &m.cells {
        trials.push(Trial::test(format!("cell::{cell}"), move || {
            let r = m.result(cell)?;
            if r.as_expected {
                Ok(())
            } else {
                Err(Failed::from(describe(m, cell, r)))
            }
        }));
    }
    let mut groups: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    for c in &m.cells {
        groups.entry(format!("{}/{}/{}", c.libc, c.linkage, c.case)).or_default().push(c.clone());
    }
    for (key, group) in groups {
        let case = m.case(&group[0].case);
        trials.push(Trial::test(format!("engines-agree::{key}"), move || engines_agree(m, case, &group)));
    }
    for case in &m.cases {
        trials.push(Trial::test(format!("snapshot::{}", case.name), move || snapshot(m, case)));
        trials.push(Trial::test(format!("native::{}", case.name), move || native_trial(m, case)));
    }
    // Reports of times are not reproducible: no staleness trial.
    for &report in reports::ALL.iter().filter(|r| r.reproducible()) {
        trials
            .push(Trial::test(format!("reports::{}-is-current", report.path()), move || report_is_current(m, report)));
    }
    libtest_mimic::run(&args, trials).exit();
}
