//! Every file `dylab bench` writes, as a list the CLI iterates: each output names its path under the
//! reports folder and renders itself from the measurements (times, counts, or both).

use std::path::Path;

use anyhow::Result;
use strum::{EnumIter, IntoEnumIterator};

use crate::{BenchData, CountData};

/// What the outputs are rendered from: a timing run's data (measured now, or the committed
/// calls.json when counting), the counts when there are some, and the reports folder (calls.md
/// carries the committed isolation section).
pub struct Inputs<'a> {
    pub timed: Option<&'a BenchData>,
    pub counts: Option<&'a CountData>,
    pub reports: &'a Path,
}

/// One output file of `dylab bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, EnumIter)]
pub enum Output {
    /// The times, led by the counts when there are some.
    CallsMd,
    /// Every variant and kernel per engine, counts beside times.
    CallsSvg,
    /// The loader growth curves.
    GrowthSvg,
    /// The timing rows.
    CallsJson,
    /// The raw timing samples.
    SamplesCsv,
    /// The instruction counts.
    CountsJson,
}

impl Output {
    /// The file, relative to the reports folder.
    pub fn path(self) -> &'static str {
        match self {
            Output::CallsMd => "calls.md",
            Output::CallsSvg => "calls.svg",
            Output::GrowthSvg => "growth.svg",
            Output::CallsJson => "data/calls.json",
            Output::SamplesCsv => "data/samples.csv",
            Output::CountsJson => "data/counts.json",
        }
    }

    /// Whether a timing run (`counted` false) or a count (`counted` true) writes this file: a count
    /// rewrites counts.json and the two files that show counts beside the committed times.
    pub fn written_by(self, counted: bool) -> bool {
        match self {
            Output::CallsMd | Output::CallsSvg => true,
            Output::CountsJson => counted,
            Output::GrowthSvg | Output::CallsJson | Output::SamplesCsv => !counted,
        }
    }

    /// The outputs a timing run or a count writes, in this order.
    pub fn written(counted: bool) -> impl Iterator<Item = Output> {
        Output::iter().filter(move |o| o.written_by(counted))
    }

    /// The file's text; `None` when its inputs are missing (a count with no committed times).
    pub fn render(self, input: &Inputs) -> Result<Option<String>> {
        let timed = input.timed;
        Ok(match self {
            Output::CallsMd => match timed {
                Some(t) => Some(
                    crate::report::calls_md(t, input.counts)
                        + &crate::isolation::calls_md_section(input.reports, input.counts)?
                        + &crate::threads::calls_md_section(input.reports)?,
                ),
                None => None,
            },
            Output::CallsSvg => {
                let isolation = crate::isolation::committed(input.reports)?;
                timed.map(|t| crate::charts::calls_svg_with(t, input.counts, isolation.as_ref())).transpose()?
            }
            Output::GrowthSvg => timed.map(|t| crate::charts::growth_svg(&t.growth, t.native_growth.as_ref())).transpose()?,
            Output::CallsJson => timed.map(serde_json::to_string_pretty).transpose()?,
            Output::SamplesCsv => timed.map(|t| crate::samples::to_csv(&t.samples)).transpose()?,
            Output::CountsJson => input.counts.map(serde_json::to_string_pretty).transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timing_run_and_a_count_write_their_files_and_a_count_without_times_writes_only_counts() {
        let timed: Vec<&str> = Output::written(false).map(Output::path).collect();
        assert_eq!(timed, ["calls.md", "calls.svg", "growth.svg", "data/calls.json", "data/samples.csv"]);
        let counted: Vec<&str> = Output::written(true).map(Output::path).collect();
        assert_eq!(counted, ["calls.md", "calls.svg", "data/counts.json"]);
        let dir = tempfile::tempdir().unwrap();
        let counts = CountData::default();
        let input = Inputs { timed: None, counts: Some(&counts), reports: dir.path() };
        let rendered: Vec<Output> = Output::written(true).filter(|o| o.render(&input).unwrap().is_some()).collect();
        assert_eq!(rendered, [Output::CountsJson]);
    }
}
