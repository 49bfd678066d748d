//! `experiments/engines/tests/forwarders.rs` on every engine, V8 included: that test builds each
//! forwarder through the host API of a store in this process; here a whole program recurses
//! through a cross-module import forever under `trampoline` (every such import a host forwarder:
//! on V8 a JavaScript closure in its Node worker) and `direct`, on both placements that link, and
//! must end in a stack-overflow trap on every engine, after a call through the same imports that
//! ends normally returned its value.
//!
//! main.wasm needs lib.wasm; main's `f(x)` returns 7 for x = 0, else calls lib's `h(x)`, which
//! calls main's `f(x)` back (bound when first called: lib loads before main exists).

#[path = "support/dylink0.rs"]
mod dylink0;

use dylab_engines::EngineKind;
use dylab_lab::run::default_corpus;
use dylab_lab::Lab;
use dylink::{Ending, Libc, Program, Strategy, TrapKind};
use dylink0::MemInfo;

fn side(needed: &[&str], body: &str) -> Vec<u8> {
    let needed: Vec<String> = needed.iter().map(|s| s.to_string()).collect();
    let dylink = dylink0::wat(&dylink0::payload(MemInfo::default(), &needed));
    wat::parse_str(format!("(module {dylink} {body} (func (export \"__wasm_call_ctors\")))")).unwrap()
}

/// The program whose `main` returns `f(x)`.
fn program(dir: &std::path::Path, libc_wasm: &std::path::Path, libc: Libc, strategy: Strategy, x: i32) -> Program {
    let main = side(
        &["lib.wasm"],
        &format!(
            r#"(import "env" "h" (func $h (param i32) (result i32)))
               (func $f (export "f") (param i32) (result i32)
                 (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 7)) (else (call $h (local.get 0)))))
               (func (export "main") (result i32) (call $f (i32.const {x})))"#
        ),
    );
    let lib = side(
        &[],
        r#"(import "env" "f" (func $f (param i32) (result i32))) (func (export "h") (param i32) (result i32) (call $f (local.get 0)))"#,
    );
    std::fs::write(dir.join("main.wasm"), main).unwrap();
    std::fs::write(dir.join("lib.wasm"), lib).unwrap();
    Program::new(dir.join("main.wasm"), "main.wasm")
        .libc(libc)
        .linkage(strategy)
        .libc_module(Some(libc_wasm.to_path_buf()))
        .lib("lib.wasm", dir.join("lib.wasm"))
}

#[test]
fn recursion_through_imports_forwards_and_ends_in_a_stack_overflow_on_every_engine() {
    let lab = Lab::new(&default_corpus().join("include")).expect("toolchain available");
    let dir = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for libc in [Libc::LibcModule, Libc::LibcHost] {
        for strategy in [Strategy::Trampoline, Strategy::Direct] {
            for kind in EngineKind::ALL {
                let at = format!("{kind}/{libc}/{strategy}");
                let returns = lab.run_program(kind, &program(dir.path(), &lab.libc_wasm, libc, strategy, 0));
                if returns.ending != Ending::Exited(7) {
                    wrong.push(format!("{at}: f(0) ended {:?}, expected exit code 7", returns.ending));
                }
                let recurses = lab.run_program(kind, &program(dir.path(), &lab.libc_wasm, libc, strategy, 5));
                if !matches!(recurses.ending, Ending::Trapped { kind: TrapKind::StackOverflow, .. }) {
                    wrong.push(format!("{at}: f(5) ended {:?}, expected a stack overflow", recurses.ending));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
