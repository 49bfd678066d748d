//! The deadline the worker cannot enforce itself (a compilation, a host call that never returns) is
//! enforced from outside: a worker that has not answered `remote::GRACE` after the program's wall
//! clock is killed, the program ends as `limit (wall-clock)`, and the next program gets a new
//! worker. A stand-in for Node that never answers plays the hung worker (own test binary: the
//! worker is per process).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use dylab_engine_v8::V8;
use dylink::engine::{LimitKind, Limits};
use dylink::{Ending, Engine, Program};

fn program() -> Program {
    Program::new("/cases/x/main.wasm", "main").limits(Limits { wall_clock: Duration::from_millis(100), ..Limits::DEFAULT })
}

#[test]
fn a_worker_that_never_answers_is_killed_at_the_deadline_and_replaced() {
    let dir = std::env::temp_dir().join(format!("dylab-v8-deadline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pids = dir.join("pids");
    let node = dir.join("node");
    std::fs::write(&node, format!("#!/bin/sh\necho $$ >> {}\nexec sleep 600\n", pids.display())).unwrap();
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var("DYLAB_NODE", &node);
    std::env::set_var("DYLAB_V8_ADDON", &node);

    let engine = <V8>::new().unwrap();
    let placement = std::sync::Arc::new(dylink::placements::StaticProgram);
    for _ in 0..2 {
        match engine.run_program(&program(), placement.clone()).ending {
            Ending::Limited(LimitKind::WallClock, message) => assert!(message.contains("worker was ended"), "{message}"),
            other => panic!("{other:?}"),
        }
    }
    let started: Vec<String> = std::fs::read_to_string(&pids).unwrap().lines().map(String::from).collect();
    assert_eq!(started.len(), 2, "a new worker for the second program: {started:?}");
    assert!(!std::path::Path::new(&format!("/proc/{}", started[0])).exists(), "the first worker is gone");
    let _ = std::fs::remove_dir_all(&dir);
}
