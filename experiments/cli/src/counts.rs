//! `dylab bench --count [--check]`: instruction counts under callgrind, against the committed ones.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use dylab_bench::counts;
use dylab_bench::outputs::{Inputs, Output, Run};
use dylab_bench::Selection;
use dylab_lab::Paths;

use crate::write;

fn counts_path(out: &Path) -> PathBuf {
    out.join("data").join("counts.json")
}

/// The files `run` writes ([`Output::written`]), each rendered from what it has: `input`, the
/// committed data with this run's measurements in place of theirs. A count with no committed times
/// writes counts.json and isolation.md alone.
pub fn write_outputs(out: &Path, input: &Inputs, run: Run) -> Result<()> {
    for output in Output::written(run) {
        if let Some(text) = output.render(input)? {
            write(&out.join(output.path()), &text)?;
            eprintln!("wrote {}", out.join(output.path()).display());
        }
    }
    Ok(())
}

/// This binary as the counted child, with the same corpus and selection.
fn child_command(paths: &Paths, select: &Selection) -> Result<Command> {
    let mut cmd = Command::new(std::env::current_exe().context("locating the dylab binary")?);
    cmd.args(["count-child", "--corpus"]).arg(&paths.corpus);
    for e in &select.engines {
        cmd.args(["--engine", e.name()]);
    }
    for v in &select.variants {
        cmd.args(["--variant", v.name()]);
    }
    for k in &select.kernels {
        cmd.args(["--kernel", k.name()]);
    }
    Ok(cmd)
}

/// Counts; with `check`, compares with the committed counts.json (Ok(false) when a row moved),
/// otherwise writes counts.json (a narrower selection updates only its rows) and, when calls.json
/// is there, calls.md with the counts table.
pub fn bench_count(paths: &Paths, select: &Selection, out: &Path, check: bool) -> Result<bool> {
    let started = std::time::Instant::now();
    let data = counts::parent::count(paths, select, &|s| child_command(paths, s))?;
    let exact = data.rows.iter().filter(|r| r.exact).count();
    eprintln!("counted {} rows ({exact} exact) in {:.1} s", data.rows.len(), started.elapsed().as_secs_f64());
    let mut committed = Inputs::committed(out)?;
    if check {
        let baseline =
            committed.counts.with_context(|| format!("no baseline {} to check against", counts_path(out).display()))?;
        let moved = counts::check(&baseline, &data);
        for m in &moved {
            outln!("moved: {m}");
        }
        outln!(
            "{} rows compared with the baseline, {} changed (exact rows: any change; others: beyond their tolerance, \
             {:.0}% or {:.0}%)",
            data.rows.len(),
            moved.len(),
            counts::NON_EXACT_TOLERANCE * 100.0,
            counts::PROCESS_TOLERANCE * 100.0
        );
        if let Some(hint) = counts::rebuild_hint(&baseline, &data, &moved) {
            outln!("{hint}");
        }
        return Ok(moved.is_empty());
    }
    // A narrower count replaces its own rows in the committed counts and keeps the others.
    committed.counts = Some(match committed.counts.take() {
        Some(old) if !select.is_everything() => old.updated(data, select),
        _ => data,
    });
    write_outputs(out, &committed, Run::Counts)?;
    Ok(true)
}
