//! Which time baseline `dylab bench --check` may compare with. Times depend on the machine (its CPU,
//! its load, how many samples a run took): a baseline measured elsewhere, or with another sample
//! count, is not compared at all, and the refusal says how to record one that can be. (Instruction
//! counts, `--count --check`, are the machine-independent snapshot.)

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::BenchData;

/// Where `dylab bench` keeps the time baseline under `out` (the reports folder).
pub fn path(out: &Path) -> PathBuf {
    out.join("data").join("calls.json")
}

/// Why `baseline` cannot be compared with a run on `machine` (quick or not), if it cannot.
pub fn incomparable(baseline: &BenchData, machine: &str, quick: bool) -> Option<String> {
    if baseline.machine != machine {
        return Some(format!(
            "the time baseline was measured on another machine ({}; this one is {machine}): times of two machines \
             are not comparable",
            baseline.machine
        ));
    }
    if baseline.quick != quick {
        let kind = |q: bool| if q { "--quick" } else { "full" };
        return Some(format!(
            "the time baseline is a {} run and this is a {} run: their intervals come from different sample counts",
            kind(baseline.quick),
            kind(quick)
        ));
    }
    None
}

/// Why `--quick --check` is refused: five sweeps a round cannot hold a check. Three `--quick --check`
/// runs on the 2-core VM (issue 24, before the median floor) flagged 2 to 17 rows each, and no idle
/// machine was at hand to show five quick runs flagging nothing with it.
pub const QUICK_REFUSED: &str =
    "`--quick --check` is refused: a quick run takes 5 samples a round, too few for a time \
     check that does not raise false alarms on a shared machine. Run `dylab bench --check` (full sampling, against \
     a full baseline of this machine) or `dylab bench --count --check` (instruction counts, exact)";

/// Reads the baseline under `out` and refuses one that a run on this machine (`quick` or not) cannot
/// be compared with, saying how to record one that can.
pub fn load(out: &Path, quick: bool) -> Result<BenchData> {
    if quick {
        bail!("{QUICK_REFUSED}");
    }
    let path = path(out);
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading the baseline {}", path.display()))?;
    let baseline: BenchData = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    if let Some(why) = incomparable(&baseline, &crate::report::machine(), quick) {
        bail!(
            "{why}. Record a baseline on this machine first (`dylab bench{q} --out DIR`, then `dylab bench{q} --check \
             --out DIR`); the instruction counts (`dylab bench --count --check`) compare across machines",
            q = if quick { " --quick" } else { "" }
        );
    }
    Ok(baseline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_baseline_of_this_machine_and_sample_count_is_compared() {
        let base = BenchData { machine: "cpu A, 2 cores".into(), quick: false, ..Default::default() };
        assert_eq!(incomparable(&base, "cpu A, 2 cores", false), None);
        let elsewhere = incomparable(&base, "cpu B, 8 cores", false).unwrap();
        assert!(elsewhere.contains("another machine (cpu A, 2 cores; this one is cpu B, 8 cores)"), "{elsewhere}");
        let quick = incomparable(&base, "cpu A, 2 cores", true).unwrap();
        assert!(quick.contains("a full run and this is a --quick run"), "{quick}");
    }

    #[test]
    fn loading_refuses_another_machines_baseline_and_says_how_to_record_one() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("data")).unwrap();
        let write = |d: &BenchData| std::fs::write(path(dir.path()), serde_json::to_string(d).unwrap()).unwrap();
        write(&BenchData { machine: "a machine that is not this one".into(), ..Default::default() });
        let e = format!("{:#}", load(dir.path(), false).unwrap_err());
        assert!(e.contains("another machine") && e.contains("`dylab bench --out DIR`"), "{e}");
        write(&BenchData { machine: crate::report::machine(), quick: false, ..Default::default() });
        assert!(load(dir.path(), false).is_ok());
        write(&BenchData { machine: crate::report::machine(), quick: true, ..Default::default() });
        let e = format!("{:#}", load(dir.path(), true).unwrap_err());
        assert!(e.contains("`--quick --check` is refused") && e.contains("--count --check"), "{e}");
    }
}
