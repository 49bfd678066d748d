//! What is particular to wasmi's limit mechanism: a guest's `memory.grow` past the limit gets -1, host requests
//! and instantiations past a limit are `Trap::Limit` before anything is allocated, a runaway guest
//! ends at its wall-clock limit, and host work charged with `consume_fuel` costs exactly that fuel.
//! On wasmi the clock is read between fuel slices and at host calls (see `src/slices.rs`): the
//! bound is the limit plus one slice of guest execution (about a millisecond).

mod support;

use std::time::Duration;

use dylab_engine_wasmi::Wasmi;
use dylink::engine::{Engine, Limits, Trap};
use dylink::TrapKind;
use support::{call_i32, func, instantiate, runaway, with_store};

#[test]
fn a_runaway_start_function_is_bounded_by_fuel() {
    // wasmi runs a start function through a call that cannot be resumed: it gets all its fuel at
    // once, not in slices, so fuel (here 5 slices) is its bound, not the clock.
    let limits = Limits { fuel: 5_000_000, ..runaway() };
    let (r, left) = with_store::<Wasmi, _>(limits, |ctx| {
        let r = instantiate(ctx, "(module (func $s (loop br 0)) (start $s))", &[]).map(|_| ());
        (r, ctx.fuel())
    });
    assert_eq!(r, Err(Trap::Wasm(TrapKind::OutOfFuel)));
    assert!(left < 100, "all but a step's worth of the fuel was used: {left} left");
}

#[test]
fn fuel_is_exact_across_slices() {
    // A loop of n iterations costs a + b*n: measured on short runs (within a slice or two), the
    // cost of a run crossing many slice boundaries must be exactly the extrapolation.
    let costs = with_store::<Wasmi, _>(Limits::DEFAULT, |ctx| {
        let ex = instantiate(
            ctx,
            r#"(module (func (export "count") (param i32) (result i32)
                (loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0) local.get 0))"#,
            &[],
        )
        .unwrap();
        let count = func(&ex, "count");
        [1_000, 2_000, 3_000_000].map(|n| {
            let before = ctx.fuel();
            call_i32(ctx, count, n).unwrap();
            before - ctx.fuel()
        })
    });
    let per_thousand = costs[1] - costs[0];
    assert!(costs[2] > 2_000_000, "spans slices: {costs:?}");
    assert_eq!(costs[2], costs[0] + per_thousand * 2_999, "{costs:?}");
}

#[test]
fn fuel_runs_out_as_before_when_the_clock_does_not() {
    let limits = Limits { fuel: 3_500_000, wall_clock: Duration::from_secs(600), ..Limits::DEFAULT };
    let (r, left) = with_store::<Wasmi, _>(limits, |ctx| {
        let spin = instantiate(ctx, r#"(module (func (export "spin") (loop br 0)))"#, &[]).unwrap();
        let r = ctx.call(func(&spin, "spin"), &[], &mut []);
        (r, ctx.fuel())
    });
    assert_eq!(r, Err(Trap::Wasm(TrapKind::OutOfFuel)));
    assert!(left < 100, "{left} left");
}

#[test]
fn settings_record_the_wall_clock_mechanism() {
    let on = Wasmi::new().unwrap().settings();
    let off = Wasmi::for_timing().unwrap().settings();
    let get = |s: &[(String, String)]| s.iter().find(|(k, _)| k == "wall_clock_check").map(|(_, v)| v.clone());
    assert_eq!(get(&on).as_deref(), Some("every 1000000 fuel and host call"));
    assert_eq!(get(&off).as_deref(), Some("off"));
}
