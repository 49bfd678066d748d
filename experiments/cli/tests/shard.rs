//! Sharding: `dylab run --shard I/3 --json` on three "machines", merged by `dylab report --from`,
//! gives byte-identical reproducible reports to a single `dylab report` of the same cells; the
//! shards hold every cell once, whole cases each.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::corpus;

const SELECT: [&str; 10] =
    ["--engine", "wasmi", "--case", "hello", "--case", "dlhello", "--case", "b05-dlsym-missing", "--case", "args-env"];

fn dylab(args: &[&str]) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_dylab"))
        .args(args)
        .args(["--corpus", corpus().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "dylab {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The cells of a run's JSON lines, each of which must carry how long it ran.
fn cells_of(jsonl: &str) -> Vec<String> {
    let lines: Vec<serde_json::Value> = jsonl.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let cells: Vec<&serde_json::Value> = lines.iter().filter(|l| l.get("cell").is_some()).collect();
    for c in &cells {
        assert!(c["duration_ms"].as_f64().is_some_and(|ms| ms > 0.0), "no duration: {c}");
    }
    cells.iter().map(|c| c["cell"].as_str().unwrap().to_string()).collect()
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn three_shards_merge_into_the_single_run_reports() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut shards: Vec<Vec<String>> = Vec::new();
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = dylab(&[&["run", "--json", "--shard", &shard][..], &SELECT].concat());
        let text = String::from_utf8(out.stdout).unwrap();
        shards.push(cells_of(&text));
        let file = tmp.path().join(format!("shard-{i}.jsonl"));
        std::fs::write(&file, text).unwrap();
        files.push(file);
    }
    let listed = dylab(&[&["list"][..], &SELECT].concat());
    let all: BTreeSet<String> = String::from_utf8(listed.stdout).unwrap().lines().map(String::from).collect();
    let merged: Vec<&String> = shards.iter().flatten().collect();
    assert_eq!(merged.len(), all.len(), "every cell once");
    assert_eq!(merged.into_iter().cloned().collect::<BTreeSet<_>>(), all);
    assert!(shards.iter().all(|s| !s.is_empty()), "four cases over three shards: none empty");

    let single = tmp.path().join("single");
    let from = tmp.path().join("from");
    dylab(&[&["report", "--out", single.to_str().unwrap()][..], &SELECT].concat());
    let mut args = vec!["report", "--out", from.to_str().unwrap(), "--from"];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    dylab(&args);
    for report in dylab_lab::reports::ALL {
        let (a, b) = (read(&single, report.path()), read(&from, report.path()));
        if report.reproducible() {
            assert!(a == b, "{} differs between the single run and the merged shards", report.path());
        } else {
            for cell in &all {
                assert!(a.contains(cell.as_str()) && b.contains(cell.as_str()), "{}: no {cell}", report.path());
            }
        }
    }
}

#[test]
fn overlapping_shards_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = dylab(&["run", "--json", "--engine", "wasmi", "--case", "hello", "--no-native"]);
    let file = tmp.path().join("run.jsonl");
    std::fs::write(&file, out.stdout).unwrap();
    let f = file.to_str().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_dylab"))
        .args(["report", "--from", f, f, "--out", tmp.path().join("r").to_str().unwrap()])
        .args(["--corpus", corpus().to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("more than one line"), "{stderr}");
}
