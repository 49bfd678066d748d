//! Resource and time limits of a store, on wasmtime and wasmi (the engines whose stores live in this
//! process; V8's live in its Node worker: the same properties as whole programs on all three engines,
//! V8's declared differences included, are experiments/lab/tests/hosted_limits.rs): a guest's `memory.grow`
//! past the limit gets -1, host requests and instantiations past a limit are `Trap::Limit` before
//! anything is allocated, a runaway guest ends at its wall-clock limit, and host work charged with
//! `consume_fuel` costs exactly that fuel. What is particular to one engine's mechanism (wasmi's fuel
//! slices, wasmtime's epochs) is tested in its adapter crate.

use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use dylab_engines::Adapter;
use dylink::engine::{Ctx, Extern, FuncType, LimitKind, Limits, Trap, Val, ValType};
use dylink::TrapKind;
use support::{call_i32, func, instantiate, runaway, small, with_store};

/// One `#[test]` per property, each run on every engine that runs in this process.
macro_rules! on_every_engine {
    ($($name:ident),+ $(,)?) => {$(
        #[test]
        fn $name() {
            struct Visit;
            impl dylab_engines::WithEngine for Visit {
                type Out = ();
                fn run<E: dylab_engines::Adapter>(self, _engine: &E) {
                    super::$name::<E>()
                }
            }
            for kind in dylab_engines::EngineKind::in_process() {
                kind.with_matrix_engine(Visit).unwrap();
            }
        }
    )+};
}

mod every_engine {
    on_every_engine!(
        memory_grow_past_the_limit_returns_minus_one,
        a_memory_larger_than_the_limit_fails_instantiation_with_the_limit,
        a_huge_table_is_a_limit_before_anything_is_allocated,
        instances_past_the_limit_are_refused,
        a_runaway_guest_ends_at_its_wall_clock_limit,
        consume_fuel_charges_exactly_and_traps_when_out
    );
}

fn memory_grow_past_the_limit_returns_minus_one<E: Adapter>() {
    let grown = with_store::<E, _>(small(), |ctx| {
        let ex = instantiate(
            ctx,
            r#"(module (memory (export "m") 1) (func (export "grow") (param i32) (result i32) local.get 0 memory.grow))"#,
            &[],
        )
        .unwrap();
        let grow = func(&ex, "grow");
        let results: Vec<i32> = [15, 1, 65535, 0].into_iter().map(|n| call_i32(ctx, grow, n).unwrap()).collect();
        // The limit counts every memory of the store: a host memory of one more page is refused too.
        let host = ctx.memory_new(1).map(|_| ());
        (results, host)
    });
    assert_eq!(grown.0, vec![1, -1, -1, 16], "16 pages fit, not one more");
    assert!(matches!(grown.1, Err(Trap::Limit(LimitKind::Memory, _))), "{:?}", grown.1);
}

fn a_memory_larger_than_the_limit_fails_instantiation_with_the_limit<E: Adapter>() {
    let r = with_store::<E, _>(small(), |ctx| instantiate(ctx, "(module (memory 17))", &[]).map(|_| ()));
    let Err(Trap::Limit(LimitKind::Memory, m)) = r else { panic!("{r:?}") };
    assert!(m.contains("1114112 bytes") && m.contains("limit 1048576"), "{m}");
}

fn a_huge_table_is_a_limit_before_anything_is_allocated<E: Adapter>() {
    let t0 = Instant::now();
    let (new, grow, module) = with_store::<E, _>(Limits::DEFAULT, |ctx| {
        let new = ctx.table_new(1 << 31).map(|_| ());
        let t = ctx.table_new(10).unwrap();
        let grow = ctx.table_grow(t, u32::MAX).map(|_| ());
        let module = instantiate(ctx, "(module (table 2147483648 funcref))", &[]).map(|_| ());
        (new, grow, module)
    });
    assert_eq!(new, Err(Trap::Limit(LimitKind::Table, "a table of 2147483648 elements, limit 100000".into())));
    assert_eq!(grow, Err(Trap::Limit(LimitKind::Table, "a table of 4294967305 elements, limit 100000".into())));
    assert_eq!(module, Err(Trap::Limit(LimitKind::Table, "a table of 2147483648 elements, limit 100000".into())));
    // Allocating 2^31 elements takes seconds (and 8-16 GiB); refusing it takes microseconds.
    assert!(t0.elapsed() < Duration::from_secs(20), "{:?}", t0.elapsed());
}

fn instances_past_the_limit_are_refused<E: Adapter>() {
    let r = with_store::<E, _>(small(), |ctx| {
        (0..4).map(|_| instantiate(ctx, "(module)", &[]).map(|_| ())).collect::<Vec<_>>()
    });
    assert!(r[..3].iter().all(|r| r.is_ok()), "{r:?}");
    assert_eq!(r[3], Err(Trap::Limit(LimitKind::Instances, "instance 4, limit 3".into())));
}

/// Runs a guest that never ends; returns how it ended and after how long.
fn run_forever<E: Adapter>(via_host: bool) -> (Result<(), Trap>, Duration) {
    with_store::<E, _>(runaway(), |ctx| {
        // `spin` loops forever; `main` reaches it directly or through a host function (a nested call).
        let spin = instantiate(ctx, r#"(module (func (export "spin") (loop br 0)))"#, &[]).unwrap();
        let spin = func(&spin, "spin");
        let bounce = ctx.new_func(
            &FuncType::default(),
            Arc::new(move |ctx: &mut dyn Ctx<E>, _: &[Val<E>], _: &mut [Val<E>]| ctx.call(spin, &[], &mut [])),
        );
        let main = if via_host { bounce } else { spin };
        let t0 = Instant::now();
        let r = ctx.call(main, &[], &mut []);
        (r, t0.elapsed())
    })
}

fn a_runaway_guest_ends_at_its_wall_clock_limit<E: Adapter>() {
    for via_host in [false, true] {
        let (r, took) = run_forever::<E>(via_host);
        assert_eq!(r, Err(Trap::Limit(LimitKind::WallClock, "ran longer than 1s".into())), "via host: {via_host}");
        // The deadline counts from the store's creation, a little before `took` starts: no lower bound here.
        assert!(took < Duration::from_secs(30), "via host {via_host}: {took:?}");
    }
}

fn consume_fuel_charges_exactly_and_traps_when_out<E: Adapter>() {
    let (plain, charged, over, left) = with_store::<E, _>(Limits::DEFAULT, |ctx| {
        let ty = FuncType::new([ValType::I64], []);
        let charge = ctx.new_func(
            &ty,
            Arc::new(|ctx: &mut dyn Ctx<E>, args: &[Val<E>], _: &mut [Val<E>]| {
                ctx.consume_fuel(args[0].i64().unwrap() as u64)
            }),
        );
        let ex = instantiate(
            ctx,
            r#"(module (import "h" "charge" (func $c (param i64)))
                (func (export "run") (param i32) (result i32) local.get 0 i64.extend_i32_u call $c i32.const 0))"#,
            &[Extern::Func(charge)],
        )
        .unwrap();
        let run = func(&ex, "run");
        let cost = |ctx: &mut dyn Ctx<E>, units| {
            let before = ctx.fuel();
            let r = call_i32(ctx, run, units);
            (before - ctx.fuel(), r)
        };
        let plain = cost(ctx, 0).0;
        let charged = cost(ctx, 1000).0;
        let over = cost(ctx, i32::MAX).1;
        (plain, charged, over, ctx.fuel())
    });
    assert_eq!(charged, plain + 1000);
    assert_eq!(over, Err(Trap::Wasm(TrapKind::OutOfFuel)));
    assert_eq!(left, 0);
}
