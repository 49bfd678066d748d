//! `reports/data/matrix.json`: every cell result, as `dylab run --json` prints them.

use super::{Report, ReportInput};

pub struct MatrixJson;

impl Report for MatrixJson {
    fn path(&self) -> &'static str {
        "data/matrix.json"
    }

    fn render(&self, input: &ReportInput) -> anyhow::Result<Option<String>> {
        Ok(Some(serde_json::to_string_pretty(input.results)?))
    }
}
