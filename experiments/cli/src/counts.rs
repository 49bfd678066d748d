//! `dylab bench --count [--check]`: instruction counts under callgrind, against the committed ones.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use dylab_bench::counts::{self, CountData};
use dylab_bench::outputs::{Inputs, Output};
use dylab_bench::{BenchData, Selection};
use dylab_lab::Paths;

use crate::write;

fn counts_path(out: &Path) -> PathBuf {
    out.join("data").join("counts.json")
}

/// The committed counts beside the reports, if any.
pub fn committed(out: &Path) -> Result<Option<CountData>> {
    let path = counts_path(out);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).map(Some).with_context(|| format!("parsing {}", path.display()))
}

/// The files a timing run (`counted` false) or a count writes ([`Output::written`]), each rendered
/// from the times and counts it has; a count with no committed times writes counts.json alone.
pub fn write_outputs(out: &Path, timed: Option<&BenchData>, counts: Option<&CountData>, counted: bool) -> Result<()> {
    let input = Inputs { timed, counts, reports: out };
    for output in Output::written(counted) {
        if let Some(text) = output.render(&input)? {
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
    if check {
        let baseline =
            committed(out)?.with_context(|| format!("no baseline {} to check against", counts_path(out).display()))?;
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
        return Ok(moved.is_empty());
    }
    // A narrower count replaces its own rows in the committed counts and keeps the others.
    let data = match committed(out)? {
        Some(old) if !select.is_everything() => old.updated(data, select),
        _ => data,
    };
    let calls = out.join("data").join("calls.json");
    let timed: Option<BenchData> = match calls.is_file() {
        true => {
            let text = std::fs::read_to_string(&calls).with_context(|| format!("reading {}", calls.display()))?;
            Some(serde_json::from_str(&text).with_context(|| format!("parsing {}", calls.display()))?)
        }
        false => None,
    };
    write_outputs(out, timed.as_ref(), Some(&data), true)?;
    Ok(true)
}
