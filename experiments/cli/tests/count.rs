//! `dylab bench --count` on one tiny cell (wasmi's intra-module direct call; a few seconds): the
//! count is exact, a second process counts the same (`--check` passes), and `--check` fails on a
//! baseline that differs by one instruction. Where valgrind (or the pinned Node) is missing the test says
//! SKIPPED, and fails under CI (`CI=true`), where every tool must be there.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::dylab;

const CELL: [&str; 8] = ["bench", "--count", "--engine", "wasmi", "--variant", "intra-direct", "--kernel", "k1"];

/// `$DYLAB_VALGRIND`, else `valgrind`, answers `--version`.
fn valgrind_installed() -> bool {
    Command::new(std::env::var_os("DYLAB_VALGRIND").unwrap_or("valgrind".into())).arg("--version").output().is_ok()
}

/// True (having said so) when valgrind is missing: the test is skipped, or fails under CI.
fn valgrind_missing() -> bool {
    let missing = !valgrind_installed();
    if missing {
        skip("valgrind is not installed (scripts/setup.sh installs it); no instruction count tested");
    }
    missing
}

/// A missing tool: a failure under CI (`CI=true`), else a test that says SKIPPED and passes.
fn skip(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}; under CI (CI=true) a missing tool is a failure");
    }
    eprintln!("SKIPPED: {why}");
}

#[test]
fn one_cell_counts_exactly_and_identically_in_a_second_process() {
    if valgrind_missing() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let first = dylab(&CELL, out.path());
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let path = out.path().join("data/counts.json");
    let mut data: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let rows = data["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let n = rows[0]["instructions_per_call"].as_f64().unwrap();
    assert_eq!(rows[0]["cell"], "wasmi/intra-direct/k1");
    assert_eq!(rows[0]["exact"], true, "{rows:?}");
    assert!(n > 10.0 && n.fract() == 0.0, "{n}");

    let check = [&CELL[..], &["--check"]].concat();
    let second = dylab(&check, out.path());
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{stdout}{}", String::from_utf8_lossy(&second.stderr));
    assert!(stdout.contains("1 rows compared with the baseline, 0 changed"), "{stdout}");

    data["rows"][0]["instructions_per_call"] = (n + 1.0).into();
    std::fs::write(&path, serde_json::to_string(&data).unwrap()).unwrap();
    let third = dylab(&check, out.path());
    let stdout = String::from_utf8_lossy(&third.stdout);
    assert_eq!(third.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("wasmi/intra-direct/k1") && stdout.contains("exact count changed"), "{stdout}");
}

/// `--count` re-renders calls.md from the committed timings: with every section `dylab bench`
/// writes (it once dropped the isolated-memories section).
#[test]
fn counting_rewrites_calls_md_with_every_section() {
    if valgrind_missing() {
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let data = out.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let committed = common::corpus().join("../reports/data");
    for f in ["calls.json", "isolation.json"] {
        std::fs::copy(committed.join(f), data.join(f)).unwrap();
    }
    let run = dylab(&CELL, out.path());
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let md = std::fs::read_to_string(out.path().join("calls.md")).unwrap();
    for heading in ["## Instructions per call", "## Time per call", "## Loader growth", "## Isolated memories"] {
        assert!(md.lines().any(|l| l.starts_with(heading)), "no {heading:?} in calls.md");
    }
}

#[test]
fn the_counted_child_refuses_to_run_outside_valgrind() {
    let run = Command::new(env!("CARGO_BIN_EXE_dylab"))
        .args(["count-child", "--engine", "wasmi", "--corpus", common::corpus().to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("must run under valgrind") && stderr.contains("dylab bench --count"), "{stderr}");
}

/// The Node the V8 engine runs in: `$DYLAB_NODE`, else the pinned one scripts/setup-node.sh installs.
fn node_installed() -> bool {
    let node = std::env::var_os("DYLAB_NODE")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/node-v26.10.0/bin/node"));
    node.is_file()
}

const V8_CELLS: [&str; 10] =
    ["bench", "--count", "--engine", "v8", "--variant", "intra-direct", "--variant", "trampoline", "--kernel", "k1"];

#[test]
fn v8_counts_in_node_under_callgrind_with_its_code_pinned() {
    if !valgrind_installed() || !node_installed() {
        skip("valgrind or Node 26 missing (scripts/setup.sh, scripts/setup-node.sh); no V8 count tested");
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let run = dylab(&V8_CELLS, out.path());
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let data: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("data/counts.json")).unwrap()).unwrap();
    let settings: Vec<(String, String)> = serde_json::from_value(data["engines"]["v8"].clone()).unwrap();
    let flags = &settings.iter().find(|(k, _)| k == "flags").expect("V8's flags recorded").1;
    for f in dylab_engine_v8::COUNT_FLAGS {
        assert!(flags.split(' ').any(|x| x == *f), "{f} not in {flags}");
    }
    assert!(settings.iter().any(|(k, v)| k == "valgrind" && v.contains("--smc-check=all-non-file")), "{settings:?}");
    let rows = data["rows"].as_array().unwrap();
    let cells: Vec<&str> = rows.iter().map(|r| r["cell"].as_str().unwrap()).collect();
    assert_eq!(cells, ["v8/intra-direct/k1", "v8/trampoline/k1"]);
    // Both repetitions agree (the warm-up regions absorb what a cell's first region used to hold):
    // the call within wasm is exact; the trampoline repeats within this process but is not exact
    // (V8's calls leaving wasm differ between processes) and carries its tolerance.
    let reps = |i: usize| serde_json::from_value::<Vec<f64>>(rows[i]["repetitions"].clone()).unwrap();
    assert_eq!(rows[0]["exact"], true, "{}", rows[0]);
    assert_eq!(rows[0]["tolerance"], 0.0, "{}", rows[0]);
    assert_eq!(reps(1)[0], reps(1)[1], "{}", rows[1]);
    assert_eq!((rows[1]["exact"].clone(), rows[1]["tolerance"].clone()), (false.into(), 0.5.into()), "{}", rows[1]);
    let per_call = |i: usize| rows[i]["instructions_per_call"].as_f64().unwrap();
    // A direct call compiled by TurboFan (not inlined) is a few dozen instructions at most; the
    // trampoline leaves wasm for a JavaScript function and re-enters it.
    assert!(per_call(0) > 3.0 && per_call(0) < 100.0, "{rows:?}");
    assert!(per_call(1) > 3.0 * per_call(0), "{rows:?}");
    assert_eq!(rows[0]["checksum"], rows[1]["checksum"], "{rows:?}");
}
