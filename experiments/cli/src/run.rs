//! `dylab run`: run matrix cells and print their outcomes.

use anyhow::Result;
use clap::Args;
use dylab_lab::{CellResult, Shard};

use crate::matrix::run_selection;
use crate::printer::{seconds, JsonLines, Printer, Table};
use crate::select::Select;

/// Run matrix cells and print their outcomes (each with how long its program ran).
#[derive(Args)]
pub struct Run {
    #[command(flatten)]
    select: Select,
    /// Print JSON lines instead of a table: the engines' settings, then one object per cell as each
    /// cell finishes, then one per native run; `dylab report --from` builds the reports from them.
    #[arg(long)]
    json: bool,
    /// Only shard I of N (1-based): whole cases, the k-th selected case going to shard k mod N, so
    /// that N machines with the same corpus and selection run every cell once (see README, CI matrix).
    #[arg(long, value_name = "I/N")]
    shard: Option<Shard>,
    /// At the end, name the N slowest cells (on stderr with --json).
    #[arg(long, value_name = "N")]
    slowest: Option<usize>,
}

impl Run {
    pub fn execute(&self) -> Result<bool> {
        let table = Table::default();
        let printer: &dyn Printer = if self.json { &JsonLines } else { &table };
        let ran = run_selection(&self.select, self.shard, &self.select.corpus.locate()?, printer)?;
        if let Some(n) = self.slowest {
            let text = slowest(&ran.results, n);
            if self.json {
                eprint!("{text}");
            } else {
                print!("{text}");
            }
        }
        Ok(ran.all_as_expected())
    }
}

/// The `n` slowest cells, slowest first (ties in cell order).
fn slowest(results: &[CellResult], n: usize) -> String {
    let mut sorted: Vec<&CellResult> = results.iter().collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.duration));
    let mut out = format!("\nthe {} slowest cells:\n", n.min(sorted.len()));
    for r in sorted.into_iter().take(n) {
        out.push_str(&format!("{:>9}  {}  {}\n", seconds(r.duration), r.cell, r.outcome()));
    }
    out
}
