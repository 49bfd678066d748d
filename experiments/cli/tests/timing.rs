//! `dylab bench` timing end to end on one cell (wasmtime's intra-module direct call, --quick, no
//! loader tables; seconds): the raw samples are written as flat rows, calls.json carries the ratio's
//! interval, `--check` passes against its own baseline and fails on a baseline whose interval is
//! elsewhere. The floor row's ratio is 1 in every sweep, so the passing check cannot be flaky.

mod common;

use common::dylab;

const CELL: [&str; 9] =
    ["bench", "--quick", "--no-loader", "--engine", "wasmtime", "--variant", "intra-direct", "--kernel", "k1"];

#[test]
fn samples_are_flat_rows_and_check_compares_intervals() {
    let out = tempfile::tempdir().unwrap();
    let first = dylab(&CELL[..], out.path());
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));

    let csv = std::fs::read_to_string(out.path().join("data/samples.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("engine,variant,kernel,phase,iteration,value"));
    let rows: Vec<&str> = lines.collect();
    // --quick: 5 sweeps per round, 2 rounds, of the cell and of the empty loop.
    assert_eq!(rows.iter().filter(|l| l.starts_with("wasmtime,intra-direct,k1,")).count(), 10, "{csv}");
    assert_eq!(rows.iter().filter(|l| l.starts_with("wasmtime,empty-loop,none,")).count(), 10, "{csv}");
    assert!(rows.iter().any(|l| l.starts_with("wasmtime,intra-direct,k1,round2,4,")), "{csv}");

    let path = out.path().join("data/calls.json");
    let mut data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(data["calls"][0]["ratio_ci"], serde_json::json!([1.0, 1.0]), "{}", data["calls"][0]);
    assert!(out.path().join("calls.svg").is_file() && out.path().join("calls.md").is_file());

    let check = [&CELL[..], &["--check"]].concat();
    let second = dylab(&check, out.path());
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{stdout}{}", String::from_utf8_lossy(&second.stderr));
    assert!(stdout.contains("1 rows compared with the baseline, 0 changed"), "{stdout}");

    data["calls"][0]["ratio"] = 2.0.into();
    data["calls"][0]["ratio_ci"] = serde_json::json!([1.9, 2.1]);
    std::fs::write(&path, serde_json::to_string(&data).unwrap()).unwrap();
    let third = dylab(&check, out.path());
    let stdout = String::from_utf8_lossy(&third.stdout);
    assert_eq!(third.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("wasmtime/intra-direct/k1: ratio 2.000 [1.900, 2.100] -> 1.000 [1.000, 1.000]"),
        "{stdout}"
    );
}
