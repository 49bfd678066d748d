//! The deadline the worker cannot enforce itself (a compilation, a host call that never returns) is
//! enforced from outside: a worker that has not answered `remote::GRACE` after the program's wall
//! clock is killed, the program ends as `limit (wall-clock)`, and the next program gets a new
//! worker. A stand-in for Node that never answers plays the hung worker (own test binary: the
//! worker pool is per process).

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use dylab_engine_v8::V8;
use dylink::engine::{LimitKind, Limits};
use dylink::{Ending, Engine, Program};

fn program() -> Program {
    Program::new("/cases/x/main.wasm", "main")
        .limits(Limits { wall_clock: Duration::from_millis(100), ..Limits::DEFAULT })
}

/// Serialises the tests: the stand-in is chosen by environment variables.
static STAND_IN: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A stand-in for Node that writes its pid to the returned file and never answers; the engine
/// starts it for its workers from now on.
fn never_answering_node(test: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("dylab-v8-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pids = dir.join("pids");
    let node = dir.join("node");
    std::fs::write(&node, format!("#!/bin/sh\necho $$ >> {}\nexec sleep 600\n", pids.display())).unwrap();
    std::fs::set_permissions(&node, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::env::set_var("DYLAB_NODE", &node);
    std::env::set_var("DYLAB_V8_ADDON", &node);
    (dir, pids)
}

fn started(pids: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(pids).unwrap_or_default().lines().map(String::from).collect()
}

fn alive(pid: &str) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

fn ends_at_the_deadline(engine: &V8) {
    let placement = std::sync::Arc::new(dylink::placements::StaticProgram);
    match engine.run_program(&program(), placement).ending {
        Ending::Limited(LimitKind::WallClock, message) => assert!(message.contains("worker was ended"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_worker_that_never_answers_is_killed_at_the_deadline_and_replaced() {
    let _serial = STAND_IN.lock().unwrap_or_else(|p| p.into_inner());
    let (dir, pids) = never_answering_node("deadline");
    let engine = <V8>::new().unwrap();
    for _ in 0..2 {
        ends_at_the_deadline(&engine);
    }
    let started = started(&pids);
    assert_eq!(started.len(), 2, "a new worker for the second program: {started:?}");
    assert!(!alive(&started[0]), "the first worker is gone");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Programs on parallel threads (the matrix's jobs) run in workers of their own at the same time,
/// not one after the other in one worker: both workers are alive at once.
#[test]
fn programs_on_parallel_threads_run_in_workers_of_their_own() {
    let _serial = STAND_IN.lock().unwrap_or_else(|p| p.into_inner());
    let (dir, pids) = never_answering_node("parallel");
    let engine = <V8>::new().unwrap();
    std::thread::scope(|s| {
        let runs = [s.spawn(|| ends_at_the_deadline(&engine)), s.spawn(|| ends_at_the_deadline(&engine))];
        let both = loop {
            let now = started(&pids);
            if now.len() == 2 || runs.iter().all(|r| r.is_finished()) {
                break now;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(both.len(), 2, "two workers: {both:?}");
        assert!(both.iter().all(|p| alive(p)), "both workers alive at once: {both:?}");
    });
    let _ = std::fs::remove_dir_all(&dir);
}
