//! `reports/findings.md`: the findings of `corpus/findings.toml` with the cells of this run.

use anyhow::Context;

use super::{Report, ReportInput};

pub struct FindingsMd;

impl Report for FindingsMd {
    fn path(&self) -> &'static str {
        "findings.md"
    }

    fn render(&self, input: &ReportInput) -> anyhow::Result<Option<String>> {
        // Findings are data beside the corpus; a corpus without findings.toml gets no findings.md.
        let Some(toml_text) = input.findings_toml else { return Ok(None) };
        crate::findings::findings(input.cases, input.results, input.native, toml_text)
            .context("corpus/findings.toml")
            .map(Some)
    }
}
