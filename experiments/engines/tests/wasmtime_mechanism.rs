//! What is particular to wasmtime's limit mechanism: a guest's `memory.grow` past the limit gets -1, host requests
//! and instantiations past a limit are `Trap::Limit` before anything is allocated, a runaway guest
//! ends at its wall-clock limit, and host work charged with `consume_fuel` costs exactly that fuel.

mod support;

use dylab_engine_wasmtime::Wasmtime;
use dylink::engine::{Engine, LimitKind, Trap};
use support::{instantiate, runaway, with_store};

#[test]
fn a_runaway_start_function_ends_at_its_wall_clock_limit() {
    let r = with_store::<Wasmtime, _>(runaway(), |ctx| {
        instantiate(ctx, "(module (func $s (loop br 0)) (start $s))", &[]).map(|_| ())
    });
    assert!(matches!(r, Err(Trap::Limit(LimitKind::WallClock, _))), "{r:?}");
}

#[test]
fn settings_record_the_wall_clock_mechanism() {
    let on = <Wasmtime>::new().unwrap().settings();
    let off = <Wasmtime>::for_timing().unwrap().settings();
    let get = |s: &[(String, String)]| s.iter().find(|(k, _)| k == "epoch_interruption").map(|(_, v)| v.clone());
    assert_eq!(get(&on).as_deref(), Some("10ms"));
    assert_eq!(get(&off).as_deref(), Some("off"));
}
