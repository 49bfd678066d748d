//! `reports/data/matrix.json`: every cell result, as `dylab run --json` prints them but without their
//! durations (they vary with load; data/timings.js has them), and the native reference column (one
//! result per case).

use serde::Serialize;

use super::{Report, ReportInput};
use crate::native::NativeResult;
use crate::run::CellResult;

pub struct MatrixJson;

#[derive(Serialize)]
struct Matrix<'a> {
    cells: &'a [CellResult],
    native: &'a [NativeResult],
}

impl Report for MatrixJson {
    fn path(&self) -> &'static str {
        "data/matrix.json"
    }

    fn render(&self, input: &ReportInput) -> anyhow::Result<Option<String>> {
        Ok(Some(serde_json::to_string_pretty(&Matrix { cells: input.results, native: input.native })?))
    }
}
