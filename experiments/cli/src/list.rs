//! `dylab list`: the cells a selection would run.

use anyhow::Result;
use clap::Args;
use dylab_lab::cells;

use crate::select::{load_cases, Select};

/// List the cells a selection would run.
#[derive(Args)]
pub struct List {
    #[command(flatten)]
    select: Select,
}

impl List {
    pub fn execute(&self) -> Result<bool> {
        let cases = load_cases(&self.select.cases, &self.select.corpus.locate()?)?;
        for c in cells(&cases, &self.select.filter()) {
            outln!("{c}");
        }
        Ok(true)
    }
}
