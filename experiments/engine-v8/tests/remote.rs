//! The worker protocol outside Node: a program and its result survive the JSON round trip, and a
//! missing Node is a clear failure of the program (naming the binary and the set-up script), not a
//! panic of the caller.

use std::time::Duration;

use dylab_engine_v8::{remote, wire, V8};
use dylink::engine::{LimitKind, Limits};
use dylink::interface::FnInterface;
use dylink::{Ending, Engine, Libc, Program, RunResult, Strategy, TrapKind};

fn program() -> Program {
    Program::new("/cases/x/main.wasm", "main")
        .libc(Libc::LibcHost)
        .linkage(Strategy::ReplicatedTables)
        .libc_module(Some("/libc.wasm".into()))
        .lib("libx.so", "/cases/x/libx.wasm")
        .case_dir("/cases/x/run")
        .args(["main", "a b"])
        .env([("K".into(), "v=1".into())])
        .dirs([("/data".into(), "/cases/x/data".into())])
        .limits(Limits { fuel: 123, wall_clock: Duration::from_millis(4500), ..Limits::DEFAULT })
        // The isolated strategy's declarations travel too.
        .interfaces(
            [("greet".to_string(), FnInterface::parse(&["str".into(), "out(len=2)".into(), "scalar".into()]).unwrap())]
                .into(),
        )
}

#[test]
fn a_program_and_a_result_survive_the_wire() {
    let line =
        serde_json::to_string(&wire::Request { program: std::borrow::Cow::Owned(program()), metered: true }).unwrap();
    let answer = remote::serve(&line, |p, metered| {
        assert!(metered);
        assert_eq!(p, program());
        RunResult {
            ending: Ending::Limited(LimitKind::Instances, "instance 1001".into()),
            stdout: vec![0, 255, b'\n'],
            stderr: b"e".to_vec(),
            fuel_consumed: 7,
        }
    });
    let back: wire::Answer = serde_json::from_str(&answer).unwrap();
    let back = back.unwrap();
    assert_eq!(back.ending, Ending::Limited(LimitKind::Instances, "instance 1001".into()));
    assert_eq!((back.stdout, back.stderr, back.fuel_consumed), (vec![0, 255, b'\n'], b"e".to_vec(), 7));
}

#[test]
fn a_bad_request_is_an_error_answer() {
    let answer = remote::serve("{\"nope\": 1}", |_, _| unreachable!("not run"));
    let back: wire::Answer = serde_json::from_str(&answer).unwrap();
    assert!(back.err().unwrap().starts_with("bad request"));
}

#[test]
fn without_node_a_program_fails_naming_what_is_missing() {
    // The only test of this binary touching the worker: the variables are read when it starts.
    std::env::set_var("DYLAB_NODE", "/nonexistent/node");
    std::env::set_var("DYLAB_V8_ADDON", "/nonexistent/libdylab_v8.so");
    let engine = <V8>::new().unwrap();
    assert!(!<V8 as dylink::Engine>::runs_in_process(), "no Node in a test binary");
    let placement = std::sync::Arc::new(dylink::placements::StaticProgram);
    let r = engine.run_program(&program(), placement);
    match r.ending {
        Ending::Trapped { kind: TrapKind::Other, message } => {
            assert!(message.contains("/nonexistent/node") && message.contains("setup-node.sh"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}
