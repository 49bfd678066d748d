//! `dylab bench` timing end to end on two cells (wasmtime's intra-module direct call, k0 and k1, full
//! sampling, no loader tables; seconds): the raw samples are written as flat rows, calls.json carries
//! the ratio's interval, `--check` passes against its own baseline and fails on a baseline whose k1
//! floor ran ten times slower than the other floor; `--quick --check` is refused. The two floors are
//! held to their median: the passing check fails only if one floor moved about 3.6x against the
//! other between two processes.

mod common;

use common::dylab;

const CELL: [&str; 10] =
    ["bench", "--no-loader", "--engine", "wasmtime", "--variant", "intra-direct", "--kernel", "k0", "--kernel", "k1"];

#[test]
fn samples_are_flat_rows_and_check_compares_intervals() {
    let out = tempfile::tempdir().unwrap();
    let first = dylab(&CELL[..], out.path());
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));

    let csv = std::fs::read_to_string(out.path().join("data/samples.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("engine,variant,kernel,phase,iteration,value"));
    let rows: Vec<&str> = lines.collect();
    // Full sampling: 15 sweeps per round, 2 rounds, of each cell and of the empty loop.
    assert_eq!(rows.iter().filter(|l| l.starts_with("wasmtime,intra-direct,k1,")).count(), 30, "{csv}");
    assert_eq!(rows.iter().filter(|l| l.starts_with("wasmtime,empty-loop,none,")).count(), 30, "{csv}");
    assert!(rows.iter().any(|l| l.starts_with("wasmtime,intra-direct,k1,round2,14,")), "{csv}");

    let path = out.path().join("data/calls.json");
    let mut data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(data["calls"][1]["cell"], "wasmtime/intra-direct/k1", "{}", data["calls"]);
    assert_eq!(data["calls"][1]["ratio_ci"], serde_json::json!([1.0, 1.0]), "{}", data["calls"][1]);
    assert!(out.path().join("calls.svg").is_file() && out.path().join("calls.md").is_file());

    let check = [&CELL[..], &["--check"]].concat();
    let second = dylab(&check, out.path());
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{stdout}{}", String::from_utf8_lossy(&second.stderr));
    assert!(stdout.contains("2 rows compared with the baseline, 0 changed"), "{stdout}");

    let slow = data["calls"][1]["median_ns"].as_f64().unwrap() * 10.0;
    data["calls"][1]["median_ns"] = slow.into();
    std::fs::write(&path, serde_json::to_string(&data).unwrap()).unwrap();
    let third = dylab(&check, out.path());
    let stdout = String::from_utf8_lossy(&third.stdout);
    assert_eq!(third.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("moved: wasmtime/intra-direct/k1: {slow:.2} -> ")), "{stdout}");

    let quick = [&["bench", "--quick", "--check"][..], &CELL[1..]].concat();
    let refused = dylab(&quick, out.path());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("`--quick --check` is refused"), "{stderr}");
}
