//! `dylab count-child`: the counted process of `dylab bench --count`. The parent starts this binary
//! under valgrind's callgrind with the same corpus and selection; it runs the kernels and prints its
//! report as one JSON object. Visible so that a count can be reproduced or debugged by hand
//! (`valgrind --tool=callgrind dylab count-child --engine wasmi`); outside callgrind it refuses.

use anyhow::Result;
use clap::Args;

use crate::bench::BenchSelect;
use crate::select::CorpusArg;

/// The counted process `dylab bench --count` starts under callgrind; prints its counts as JSON.
#[derive(Args)]
pub struct CountChild {
    #[command(flatten)]
    select: BenchSelect,
    #[command(flatten)]
    corpus: CorpusArg,
}

impl CountChild {
    pub fn execute(&self) -> Result<bool> {
        let paths = self.corpus.locate()?;
        let report = dylab_bench::counts::child::run(&paths, &self.select.selection(true))?;
        outln!("{}", serde_json::to_string(&report)?);
        Ok(true)
    }
}
