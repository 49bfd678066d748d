//! `reports/data/matrix.json`: every cell result, as `dylab run --json` prints them but without their
//! durations (they vary with load; data/timings.js has them), and the native reference column (one
//! result per case).

use serde::Serialize;

use super::{Report, ReportInput};
use crate::native::NativeResult;

pub struct MatrixJson;

#[derive(Serialize)]
struct Matrix<'a> {
    cells: Vec<serde_json::Value>,
    native: &'a [NativeResult],
}

impl Report for MatrixJson {
    fn path(&self) -> &'static str {
        "data/matrix.json"
    }

    fn render(&self, input: &ReportInput) -> anyhow::Result<Option<String>> {
        let mut cells = Vec::with_capacity(input.results.len());
        for r in input.results {
            let mut value = serde_json::to_value(r)?;
            value.as_object_mut().expect("a cell result is an object").remove("duration_ms");
            cells.push(value);
        }
        Ok(Some(serde_json::to_string_pretty(&Matrix { cells, native: input.native })?))
    }
}
