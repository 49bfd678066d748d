//! Whole static programs (one WAT module with `_start`) on any engine of the registry, through
//! `AnyEngine::run` as the matrix runs cells: the way a test reaches V8, whose stores live in its
//! Node worker (one worker per test process, so each further program costs no start-up). A program
//! reports with [`EMIT`]: `(call $emit <i32>)` writes the value's 4 bytes to stdout.
#![allow(dead_code)]

use std::path::Path;

use dylab_engines::EngineKind;
use dylink::{Limits, Program, RunResult};

/// WAT to paste into a module: fd_write and `$emit`, which uses bytes 0-19 of the memory.
pub const EMIT: &str = r#"
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (func $emit (param $v i32)
    (i32.store (i32.const 16) (local.get $v))
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))"#;

/// `wat` as a static program (written into `dir` as `<name>.wasm`) with `limits`.
pub fn program(dir: &Path, name: &str, wat: &str, limits: Limits) -> Program {
    let main = dir.join(format!("{name}.wasm"));
    std::fs::write(&main, wat::parse_str(wat).unwrap_or_else(|e| panic!("{name}: {e}"))).unwrap();
    Program::new(main, name).limits(limits)
}

/// Runs `wat` on every engine of the registry (V8 in its worker); (engine, result) each.
pub fn on_every_engine(name: &str, wat: &str, limits: Limits) -> Vec<(EngineKind, RunResult)> {
    let dir = tempfile::tempdir().unwrap();
    let program = program(dir.path(), name, wat, limits);
    EngineKind::ALL.into_iter().map(|kind| (kind, kind.matrix_engine().unwrap().run(&program))).collect()
}

/// What `$emit` wrote: the stdout as little-endian i32s.
pub fn emitted(r: &RunResult) -> Vec<i32> {
    assert_eq!(r.stdout.len() % 4, 0, "stdout of whole words: {:?}", r.stdout);
    r.stdout.chunks(4).map(|w| i32::from_le_bytes(w.try_into().unwrap())).collect()
}
