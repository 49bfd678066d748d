//! Every report `dylab report` writes is one module implementing [`Report`], listed once in [`ALL`];
//! the CLI and the staleness trials of `tests/matrix.rs` iterate that list.

mod beside;
mod case_table;
mod findings_md;
mod html;
mod matrix_json;
mod matrix_md;
mod timings_js;

pub use beside::Beside;
pub use case_table::{by_case, case_table};
pub use findings_md::FindingsMd;
pub use html::IndexHtml;
pub use matrix_json::MatrixJson;
pub use matrix_md::MatrixMd;
pub use timings_js::TimingsJs;

use crate::cell::EngineKind;
use crate::corpus::Case;
use crate::native::NativeResult;
use crate::run::CellResult;

/// What a report is made from: one run of the matrix over a corpus (or the merged shards of one).
pub struct ReportInput<'a> {
    pub cases: &'a [Case],
    pub results: &'a [CellResult],
    /// The native reference column: one result per case (empty when not run).
    pub native: &'a [NativeResult],
    /// Each engine of the run with its pinned settings.
    pub engines: &'a [(EngineKind, Vec<(String, String)>)],
    /// The text of the corpus's `findings.toml`, if it has one.
    pub findings_toml: Option<&'a str>,
    /// What other commands wrote in the reports folder (`dylab bench`'s pages and charts).
    pub beside: &'a Beside,
    /// The commits of the sources the cells ran from (one; several when shards differed).
    pub sources: &'a [String],
}

pub trait Report: Sync {
    /// Where it goes, relative to the reports folder (`matrix.md`, `data/matrix.json`).
    fn path(&self) -> &'static str;
    /// Its content; `None` when the input has nothing for it (a corpus without findings.toml).
    fn render(&self, input: &ReportInput) -> anyhow::Result<Option<String>>;
    /// Whether the same cells give the same bytes: false for a report of times or of the commit run,
    /// which the staleness trials and the sharding test therefore leave out.
    fn reproducible(&self) -> bool {
        true
    }
}

/// Every report, in the order they are written.
pub const ALL: &[&dyn Report] = &[&MatrixMd, &FindingsMd, &MatrixJson, &IndexHtml, &TimingsJs];
