//! The data index.html embeds: every cell with what its detail view shows, every case's reference.

use std::collections::BTreeMap;

use serde::Serialize;
use similar::TextDiff;

use super::super::ReportInput;
use crate::outcome::Style;
use crate::run::CellResult;

#[derive(Serialize)]
pub struct Data<'a> {
    pub cases: BTreeMap<&'a str, CaseData<'a>>,
    pub cells: Vec<CellData<'a>>,
}

#[derive(Serialize)]
pub struct CaseData<'a> {
    pub description: &'a str,
    /// The support table's row group (findings.toml), empty without findings.
    pub group: String,
    pub expected_stdout: String,
    pub exit_code: i32,
}

/// A cell as page.js sees it once unpacked ([`super::packed`], which also gives it its name and
/// rerun command).
#[derive(Serialize)]
pub struct CellData<'a> {
    pub engine: String,
    pub libc: String,
    pub strategy: String,
    pub case: &'a str,
    /// `ok`, `trap: host`, ... (the grids' spelling).
    pub outcome: String,
    /// With every detail (`timeout (out-of-fuel)`).
    pub full: String,
    pub expected: String,
    pub as_expected: bool,
    pub trap: Option<String>,
    pub exit_code: Option<i32>,
    pub detail: &'a str,
    /// Absent when it is the case's reference.
    pub stdout: Option<&'a str>,
    pub stderr: &'a str,
    /// A unified diff from the reference to stdout, when they differ.
    pub diff: Option<String>,
}

impl<'a> Data<'a> {
    pub fn new(input: &ReportInput<'a>, groups: &[(String, String)]) -> Data<'a> {
        let group_of: BTreeMap<&str, &str> = groups.iter().map(|(c, g)| (c.as_str(), g.as_str())).collect();
        let cases = input
            .cases
            .iter()
            .map(|c| {
                let data = CaseData {
                    description: &c.manifest.description,
                    group: group_of.get(c.name.as_str()).map_or(String::new(), |g| g.to_string()),
                    expected_stdout: String::from_utf8_lossy(&c.expected_stdout).into_owned(),
                    exit_code: c.manifest.exit_code,
                };
                (c.name.as_str(), data)
            })
            .collect::<BTreeMap<_, _>>();
        let cells = input.results.iter().map(|r| cell(r, cases.get(r.case.as_str()))).collect();
        Data { cases, cells }
    }
}

fn cell<'a>(r: &'a CellResult, case: Option<&CaseData>) -> CellData<'a> {
    let reference = case.map_or("", |c| c.expected_stdout.as_str());
    let same = r.stdout == reference;
    let diff = (!same).then(|| {
        TextDiff::from_lines(reference, r.stdout.as_str())
            .unified_diff()
            .context_radius(3)
            .header("expected.stdout", "stdout")
            .to_string()
    });
    CellData {
        engine: r.engine.to_string(),
        libc: r.libc.to_string(),
        strategy: r.linkage.to_string(),
        case: &r.case,
        outcome: r.outcome().render(Style::Short),
        full: r.outcome().render(Style::Full),
        expected: r.expected_outcome().render(Style::Full),
        as_expected: r.as_expected,
        trap: r.trap.map(|t| t.to_string()),
        exit_code: r.exit_code,
        detail: &r.detail,
        stdout: (!same).then_some(r.stdout.as_str()),
        stderr: &r.stderr,
        diff,
    }
}
