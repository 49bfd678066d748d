//! What the CLI's end-to-end tests share: the workspace's corpus and the built `dylab` binary.
#![allow(dead_code)] // each test binary uses some of these

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus").canonicalize().unwrap()
}

/// `dylab args --corpus <the workspace's> --out out`.
pub fn dylab(args: &[&str], out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dylab"))
        .args(args)
        .args(["--corpus", corpus().to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap()
}
