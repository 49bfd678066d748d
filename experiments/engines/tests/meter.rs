//! One fuel on every engine (`dylink::meter`): the same code costs the same fuel on each in-process
//! engine, exactly as the cost model says; bulk memory operations cost their length; running out
//! is out-of-fuel wherever it happens (a call, a start function), and a real `unreachable` is not.
//! V8 runs the same rewritten modules in its Node worker: experiments/lab/tests/hosted_limits.rs
//! checks these properties there as whole programs whose fuel must be the same on all three engines.

mod support;

use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylink::engine::{Limits, Trap};
use dylink::TrapKind;
use support::{call_i32, func, instantiate, with_store};

/// Fuel used by `export(arg)` of `wat` (its `run` function), or the trap.
struct Cost {
    wat: &'static str,
    arg: i32,
    limits: Limits,
}

impl WithEngine for Cost {
    type Out = (Result<i32, Trap>, u64);
    fn run<E: Adapter>(self, _: &E) -> Self::Out {
        let limits = self.limits.clone();
        with_store::<E, _>(self.limits, |ctx| {
            let r = instantiate(ctx, self.wat, &[]).and_then(|ex| call_i32(ctx, func(&ex, "run"), self.arg));
            (r, limits.fuel - ctx.fuel())
        })
    }
}

fn on_every_engine(wat: &'static str, arg: i32, limits: Limits) -> Vec<(Result<i32, Trap>, u64)> {
    EngineKind::in_process().map(|k| k.with_matrix_engine(Cost { wat, arg, limits: limits.clone() }).unwrap()).collect()
}

const COUNT: &str = r#"(module (func (export "run") (param i32) (result i32)
    (loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0) local.get 0))"#;

#[test]
fn a_loop_costs_its_operators_on_every_engine() {
    // Per iteration: local.get, i32.const, i32.sub, local.tee, br_if = 5; then local.get = 1
    // (`loop` and `end` are free).
    for (r, used) in on_every_engine(COUNT, 1000, Limits::DEFAULT) {
        assert_eq!((r, used), (Ok(0), 5 * 1000 + 1));
    }
}

#[test]
fn memory_fill_costs_its_length() {
    let fill = r#"(module (memory 2) (func (export "run") (param i32) (result i32)
        (memory.fill (i32.const 0) (i32.const 7) (local.get 0)) i32.const 0))"#;
    // i32.const, i32.const, local.get, memory.fill, i32.const = 5, plus 65536 / 8.
    for (r, used) in on_every_engine(fill, 65536, Limits::DEFAULT) {
        assert_eq!((r, used), (Ok(0), 5 + 8192));
    }
}

#[test]
fn running_out_is_out_of_fuel_in_calls_and_start_functions() {
    let limits = Limits { fuel: 100_000, ..Limits::DEFAULT };
    for (r, used) in on_every_engine(COUNT, 1 << 30, limits.clone()) {
        assert_eq!(r, Err(Trap::Wasm(TrapKind::OutOfFuel)));
        assert_eq!(used, limits.fuel, "all the fuel is used");
    }
    let start =
        r#"(module (func $spin (loop br 0)) (start $spin) (func (export "run") (param i32) (result i32) i32.const 0))"#;
    for (r, _) in on_every_engine(start, 0, limits) {
        assert_eq!(r, Err(Trap::Wasm(TrapKind::OutOfFuel)));
    }
}

#[test]
fn a_real_unreachable_stays_unreachable() {
    let trap = r#"(module (func (export "run") (param i32) (result i32) unreachable))"#;
    for (r, _) in on_every_engine(trap, 0, Limits::DEFAULT) {
        assert_eq!(r, Err(Trap::Wasm(TrapKind::Unreachable)));
    }
}

#[test]
fn globals_keep_their_meaning_after_the_counter_is_imported() {
    // The counter is imported after the module's own imports: defined globals move up one index.
    let globals = r#"(module (global $a (mut i32) (i32.const 40)) (global $b i32 (i32.const 2))
        (func (export "run") (param i32) (result i32)
          global.get $a local.get 0 i32.add global.set $a global.get $a global.get $b i32.add))"#;
    for (r, _) in on_every_engine(globals, 0, Limits::DEFAULT) {
        assert_eq!(r, Ok(42));
    }
}

#[test]
fn host_charges_come_out_of_the_same_counter() {
    struct Charge;
    impl WithEngine for Charge {
        type Out = (u64, Result<(), Trap>, u64);
        fn run<E: Adapter>(self, _: &E) -> Self::Out {
            with_store::<E, _>(Limits { fuel: 1000, ..Limits::DEFAULT }, |ctx| {
                let before = ctx.fuel();
                ctx.consume_fuel(300).unwrap();
                let after = ctx.fuel();
                (before - after, ctx.consume_fuel(701), ctx.fuel())
            })
        }
    }
    for kind in EngineKind::in_process() {
        let (charged, over, left) = kind.with_matrix_engine(Charge).unwrap();
        assert_eq!((charged, over, left), (300, Err(Trap::Wasm(TrapKind::OutOfFuel)), 0), "{kind}");
    }
}
