//! The limit and fuel properties of `experiments/engines/tests/{limits,meter}.rs` on every engine,
//! V8 included: those tests drive a store through the host API, which only engines whose stores live
//! in this process (wasmtime, wasmi) offer; here each property is a whole static program run through
//! `AnyEngine::run`, as the matrix runs cells (V8 in its Node worker), and all three engines must
//! give the same answer. What has no guest-side form stays in-process only: host memories and tables
//! past the limit (`memory_new`, `table_new`, `table_grow`), a runaway guest nested in a host call,
//! and `consume_fuel` charged by a host function (the same counter: host charges of WASI calls are
//! part of every matrix cell's fuel on V8 too).

#[path = "support/hosted.rs"]
mod hosted;

use std::time::Duration;

use dylab_engines::EngineKind;
use dylink::engine::LimitKind;
use dylink::{Ending, Limits, RunResult, TrapKind};
use hosted::{emitted, on_every_engine, EMIT};

const PAGE: u64 = 64 << 10;

fn small() -> Limits {
    Limits { memory_bytes: 16 * PAGE, table_elements: 1000, instances: 3, ..Limits::DEFAULT }
}

/// A limit reached while a static program is instantiated: the `limit` outcome it is anywhere else,
/// saying when it happened (not a link error: the module itself links).
fn limited_at_instantiation(r: &RunResult, kind: LimitKind, message: &str) -> bool {
    matches!(&r.ending, Ending::Limited(k, m) if *k == kind && m.strip_suffix(" (during instantiation)") == Some(message))
}

/// Asserts `want` of every engine's result; the message names the engine.
fn each(results: &[(EngineKind, RunResult)], want: impl Fn(&RunResult) -> bool) {
    for (kind, r) in results {
        assert!(want(r), "{kind}: {:?}, stdout {:?}", r.ending, r.stdout);
    }
}

#[test]
fn memory_grow_past_the_limit_returns_minus_one() {
    let wat = format!(
        r#"(module {EMIT} (memory (export "memory") 1)
          (func (export "_start")
            (call $emit (memory.grow (i32.const 15))) (call $emit (memory.grow (i32.const 1)))
            (call $emit (memory.grow (i32.const 65535))) (call $emit (memory.grow (i32.const 0)))))"#
    );
    let results = on_every_engine("grow", &wat, small());
    each(&results, |r| r.ending == Ending::Exited(0) && emitted(r) == [1, -1, -1, 16]);
}

/// V8 has no resource limiter: its adapter accounts for a module's own memories at instantiation.

#[test]
fn a_memory_larger_than_the_limit_is_the_memory_limit() {
    let results =
        on_every_engine("big-memory", r#"(module (memory (export "memory") 17) (func (export "_start")))"#, small());
    for (kind, r) in &results {
        let ok = limited_at_instantiation(
            r,
            LimitKind::Memory,
            "1114112 bytes of linear memory (one memory from 0 to 1114112 bytes), limit 1048576",
        );
        assert!(ok, "{kind}: {:?}", r.ending);
    }
}

#[test]
fn a_huge_table_is_the_table_limit_and_a_guest_grow_past_it_gets_minus_one() {
    let huge = r#"(module (memory (export "memory") 1) (table 2147483648 funcref) (func (export "_start")))"#;
    let results = on_every_engine("huge-table", huge, Limits::DEFAULT);
    for (kind, r) in &results {
        // Declared difference: V8 refuses the module when compiling it (its own limit, 10^7
        // elements), before the lab's table limit is consulted; refused all the same, nothing allocated.
        let ok = match kind.family() {
            EngineKind::V8 => matches!(&r.ending, Ending::LinkError(m)
                if m.contains("initial table size (2147483648 elements) is larger than implementation limit (10000000 elements)")),
            _ => limited_at_instantiation(r, LimitKind::Table, "a table of 2147483648 elements, limit 100000"),
        };
        assert!(ok, "{kind}: {:?}", r.ending);
    }
    let grow = format!(
        r#"(module {EMIT} (memory (export "memory") 1) (table $t 10 funcref)
          (func (export "_start")
            (call $emit (table.grow $t (ref.null func) (i32.const -1)))
            (call $emit (table.grow $t (ref.null func) (i32.const 990)))
            (call $emit (table.grow $t (ref.null func) (i32.const 1)))))"#
    );
    let results = on_every_engine("table-grow", &grow, small());
    each(&results, |r| r.ending == Ending::Exited(0) && emitted(r) == [-1, 10, -1]);
}

#[test]
fn instances_past_the_limit_are_refused() {
    let limits = Limits { instances: 0, ..Limits::DEFAULT };
    let results =
        on_every_engine("no-instances", r#"(module (memory (export "memory") 1) (func (export "_start")))"#, limits);
    each(&results, |r| limited_at_instantiation(r, LimitKind::Instances, "instance 1, limit 0"));
}

#[test]
fn a_runaway_guest_ends_at_its_wall_clock_limit() {
    let limits = Limits { fuel: Limits::HARD.fuel, wall_clock: Duration::from_secs(1), ..Limits::DEFAULT };
    let results = on_every_engine(
        "spin",
        r#"(module (memory (export "memory") 1) (func (export "_start") (loop br 0)))"#,
        limits,
    );
    each(
        &results,
        |r| matches!(&r.ending, Ending::Limited(LimitKind::WallClock, m) if m.starts_with("ran longer than 1s")),
    );
}

/// `run(n)` loops n times: 5 operators per iteration, then 1 (see meter.rs).
const COUNT: &str = r#"(func $run (param i32) (result i32)
    (loop local.get 0 i32.const 1 i32.sub local.tee 0 br_if 0) local.get 0)"#;

/// Fuel every engine reports for `wat`; all must agree.
fn fuel(name: &str, wat: &str, limits: Limits) -> u64 {
    let results = on_every_engine(name, wat, limits);
    each(&results, |r| r.ending == Ending::Exited(0));
    let used: Vec<u64> = results.iter().map(|(_, r)| r.fuel_consumed).collect();
    assert!(
        used.iter().all(|&u| u == used[0]),
        "{name}: fuel per engine {results:?}",
        results = results.iter().map(|(k, r)| (k, r.fuel_consumed)).collect::<Vec<_>>()
    );
    used[0]
}

#[test]
fn a_loop_costs_its_operators_on_every_engine() {
    let with = |n: i32| {
        format!(
            r#"(module (memory (export "memory") 1) {COUNT} (func (export "_start") (drop (call $run (i32.const {n})))))"#
        )
    };
    let (zero, thousand) = (fuel("loop-1", &with(1), Limits::DEFAULT), fuel("loop-1001", &with(1001), Limits::DEFAULT));
    assert_eq!(thousand - zero, 5 * 1000);
}

#[test]
fn memory_fill_costs_its_length_on_every_engine() {
    let with = |n: i32| {
        format!(
            r#"(module (memory (export "memory") 2) (func (export "_start") (memory.fill (i32.const 0) (i32.const 7) (i32.const {n}))))"#
        )
    };
    assert_eq!(fuel("fill-64k", &with(65536), Limits::DEFAULT) - fuel("fill-0", &with(0), Limits::DEFAULT), 65536 / 8);
}

#[test]
fn running_out_is_out_of_fuel_in_calls_and_start_functions() {
    let limits = Limits { fuel: 100_000, ..Limits::DEFAULT };
    let call = format!(
        r#"(module (memory (export "memory") 1) {COUNT} (func (export "_start") (drop (call $run (i32.const 1073741824)))))"#
    );
    let results = on_every_engine("out-in-call", &call, limits.clone());
    each(&results, |r| {
        matches!(r.ending, Ending::Trapped { kind: TrapKind::OutOfFuel, .. }) && r.fuel_consumed == limits.fuel
    });
    let start =
        r#"(module (memory (export "memory") 1) (func $spin (loop br 0)) (start $spin) (func (export "_start")))"#;
    let results = on_every_engine("out-in-start", start, limits);
    each(
        &results,
        |r| matches!(&r.ending, Ending::Trapped { kind: TrapKind::OutOfFuel, message } if message == "out-of-fuel during instantiation"),
    );
}

#[test]
fn globals_keep_their_meaning_after_the_counter_is_imported() {
    let wat = format!(
        r#"(module {EMIT} (memory (export "memory") 1)
          (global $a (mut i32) (i32.const 40)) (global $b i32 (i32.const 2))
          (func (export "_start")
            (global.set $a (i32.add (global.get $a) (i32.const 0)))
            (call $emit (i32.add (global.get $a) (global.get $b)))))"#
    );
    each(&on_every_engine("globals", &wat, Limits::DEFAULT), |r| r.ending == Ending::Exited(0) && emitted(r) == [42]);
}
