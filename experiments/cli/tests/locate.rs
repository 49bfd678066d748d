//! The binary finds its corpus without the source tree's path: from `--corpus`, `$DYLAB_CORPUS` or a
//! `corpus/` above the current folder, and says how when there is none (exit 2, no panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dylab_engines::EngineKind;

fn workspace_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus").canonicalize().unwrap()
}

/// `dylab args` run from `cwd`, with `DYLAB_CORPUS` set to `env` or unset.
fn dylab(cwd: &Path, env: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dylab"));
    cmd.current_dir(cwd).args(args).env_remove("DYLAB_CORPUS");
    if let Some(dir) = env {
        cmd.env("DYLAB_CORPUS", dir);
    }
    cmd.output().unwrap()
}

#[test]
fn without_a_corpus_it_names_the_three_ways_and_exits_2() {
    let empty = tempfile::tempdir().unwrap();
    let out = dylab(empty.path(), None, &["list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for way in ["--corpus", "DYLAB_CORPUS", "corpus/"] {
        assert!(stderr.contains(way), "{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn corpus_from_the_flag_or_the_environment() {
    let elsewhere = tempfile::tempdir().unwrap();
    let corpus = workspace_corpus();
    let flag = dylab(elsewhere.path(), None, &["list", "--case", "dlhello", "--corpus", corpus.to_str().unwrap()]);
    let env = dylab(elsewhere.path(), Some(&corpus), &["list", "--case", "dlhello"]);
    for out in [flag, env] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for kind in EngineKind::ALL {
            assert!(stdout.contains(&format!("{kind}/libc-module/direct/dlhello\n")), "{stdout}");
        }
    }
}

#[test]
fn corpus_found_above_the_current_folder() {
    let root = tempfile::tempdir().unwrap();
    let case = root.path().join("corpus/cases/one");
    std::fs::create_dir_all(&case).unwrap();
    std::fs::write(case.join("case.toml"), "description = \"one\"\nmain = \"main.c\"\n").unwrap();
    std::fs::write(case.join("main.c"), "int main(void) { return 0; }\n").unwrap();
    std::fs::write(case.join("expected.stdout"), "").unwrap();
    let deep = root.path().join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    let out = dylab(&deep, None, &["list", "--engine", EngineKind::ALL[0].name(), "--libc", "static"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}/static/none/one\n", EngineKind::ALL[0]));
}
