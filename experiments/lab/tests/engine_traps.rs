//! Traps are normalised alike on every engine of the registry: small static programs (a memory and a
//! `_start` that traps one way each) end with the same trap kind everywhere, V8 included (in its Node
//! worker, through the same `AnyEngine::run` as the matrix), and a runaway loop ends as a timeout.
//! The one declared difference: V8 reports a null table entry as a signature mismatch (one message
//! for both, see experiments/engine-v8/src/traps.rs).

use dylab_engines::EngineKind;
use dylink::{Ending, Limits, Program, TrapKind};

/// (name, body of `_start`, the trap every engine must report).
const TRAPS: &[(&str, &str, TrapKind)] = &[
    ("unreachable", "unreachable", TrapKind::Unreachable),
    ("memory", "i32.const -1 i32.load drop", TrapKind::MemoryOutOfBounds),
    ("div", "i32.const 1 i32.const 0 i32.div_s drop", TrapKind::IntegerDivisionByZero),
    ("overflow", "i32.const 0x80000000 i32.const -1 i32.div_s drop", TrapKind::IntegerOverflow),
    ("conversion", "f32.const nan i32.trunc_f32_s drop", TrapKind::BadConversionToInteger),
    ("table", "i32.const 5 call_indirect (type $v)", TrapKind::TableOutOfBounds),
    ("null", "i32.const 1 call_indirect (type $v)", TrapKind::IndirectCallToNull),
    ("signature", "i32.const 7 i32.const 0 call_indirect (type $i)", TrapKind::BadSignature),
    ("stack", "call $rec", TrapKind::StackOverflow),
    ("runaway", "(loop br 0)", TrapKind::OutOfFuel),
];

fn module(body: &str) -> Vec<u8> {
    wat::parse_str(format!(
        r#"(module
            (type $v (func)) (type $i (func (param i32)))
            (memory (export "memory") 1)
            (table 2 funcref) (elem (i32.const 0) $f)
            (func $f)
            (func $rec call $rec)
            (func (export "_start") {body}))"#
    ))
    .expect("valid WAT")
}

/// Little fuel for the runaway loop only, which must end on it (the same counted fuel on every engine,
/// V8 included since `dylink::meter`: no clock involved). The traps get the default budget, which
/// they never come near; the wall clock is only a safety net.
fn limits(name: &str) -> Limits {
    match name {
        "runaway" => Limits { fuel: 2_000_000, ..Limits::DEFAULT },
        _ => Limits::DEFAULT,
    }
}

fn program(dir: &std::path::Path, name: &str, body: &str) -> Program {
    let main = dir.join(format!("{name}.wasm"));
    std::fs::write(&main, module(body)).unwrap();
    Program::new(main, name).limits(limits(name))
}

#[test]
fn every_engine_reports_the_same_trap_kind() {
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for kind in EngineKind::ALL {
        let engine = kind.matrix_engine().unwrap();
        for (name, body, want) in TRAPS {
            let want = match (kind, want) {
                (k, TrapKind::IndirectCallToNull) if k.family() == EngineKind::V8 => &TrapKind::BadSignature,
                _ => want,
            };
            let r = engine.run(&program(dir.path(), name, body));
            match &r.ending {
                Ending::Trapped { kind: got, .. } if got == want => {}
                other => wrong.push(format!("{kind}/{name}: {other:?}, expected trap {want}")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
