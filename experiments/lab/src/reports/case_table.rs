//! The table of one case's cells: the insta snapshot of the case and a section of `matrix.md`.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::corpus::Case;
use crate::markdown::{escape_traced, Span};
use crate::outcome::Style;
use crate::run::CellResult;

/// The table of one case's cells, in cell order. Stdout is shown only where it differs from the reference.
pub fn case_table(case: &Case, results: &[&CellResult]) -> String {
    let mut s = String::new();
    writeln!(s, "### {}\n", case.name).unwrap();
    if !case.manifest.description.is_empty() {
        writeln!(s, "{}\n", case.manifest.description).unwrap();
    }
    writeln!(s, "| cell | outcome | expected | exit | detail | stdout (if not the reference) |").unwrap();
    writeln!(s, "|---|---|---|---|---|---|").unwrap();
    for r in results {
        let mark = if r.as_expected { "" } else { " **UNEXPECTED**" };
        let stdout = if r.stdout.as_bytes() == case.expected_stdout.as_slice() {
            String::new()
        } else if r.stdout.is_empty() {
            "(empty)".to_string()
        } else {
            format!("`{}`", escape_traced(&r.stdout, 160, Span::Code))
        };
        writeln!(
            s,
            "| `{}` | {}{} | {} | {} | {} | {} |",
            r.cell,
            r.outcome().render(Style::Full),
            mark,
            r.expected_outcome().render(Style::Full),
            r.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
            escape_traced(&r.detail, 200, Span::Text),
            stdout
        )
        .unwrap();
    }
    s
}

/// Results grouped by case name, in the given order.
pub fn by_case(results: &[CellResult]) -> BTreeMap<&str, Vec<&CellResult>> {
    let mut map: BTreeMap<&str, Vec<&CellResult>> = BTreeMap::new();
    for r in results {
        map.entry(r.case.as_str()).or_default().push(r);
    }
    map
}
