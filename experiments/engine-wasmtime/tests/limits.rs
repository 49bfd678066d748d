//! Resource and time limits of a store: a guest's `memory.grow` past the limit gets -1, host requests
//! and instantiations past a limit are `Trap::Limit` before anything is allocated, a runaway guest
//! ends at its wall-clock limit, and host work charged with `consume_fuel` costs exactly that fuel.

use std::time::Duration;

use dylab_engine_wasmtime::Wasmtime;
use dylink::engine::{Ctx, Engine, Extern, LimitKind, Limits, Trap};
use dylink::{Host, Process, Strategy};

type E = Wasmtime;

fn engine() -> E {
    Wasmtime::new().unwrap()
}

/// Runs `f` in a fresh store with `limits`, on a thread with the stack a cell gets.
fn with_store<R: Send>(limits: Limits, f: impl FnOnce(&mut dyn Ctx<E>) -> R + Send) -> R {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, move || {
                let e = engine();
                let wasi = dylink::wasi::WasiState::new(vec!["limits".into()], vec![]);
                let host = Host::new(e.clone(), wasi, Process::new(Strategy::Direct, Default::default(), "/".into()));
                let mut store = e.new_store(host, &limits);
                e.enter(&mut store, f)
            })
            .unwrap()
            .join()
            .unwrap()
    })
}

fn instantiate(ctx: &mut dyn Ctx<E>, wat: &str, imports: &[Extern<E>]) -> Result<Vec<(String, Extern<E>)>, Trap> {
    let module = ctx.host_ref().engine.compile(&wat::parse_str(wat).unwrap()).unwrap();
    ctx.instantiate(&module, imports)
}

fn runaway() -> Limits {
    Limits { fuel: Limits::HARD.fuel, wall_clock: Duration::from_secs(1), ..Limits::DEFAULT }
}

#[test]
fn a_runaway_start_function_ends_at_its_wall_clock_limit() {
    let r = with_store(runaway(), |ctx| instantiate(ctx, "(module (func $s (loop br 0)) (start $s))", &[]).map(|_| ()));
    assert!(matches!(r, Err(Trap::Limit(LimitKind::WallClock, _))), "{r:?}");
}

#[test]
fn settings_record_the_wall_clock_mechanism() {
    let on = engine().settings();
    let off = Wasmtime::for_timing().unwrap().settings();
    let get = |s: &[(String, String)]| s.iter().find(|(k, _)| k == "epoch_interruption").map(|(_, v)| v.clone());
    assert_eq!(get(&on).as_deref(), Some("10ms"));
    assert_eq!(get(&off).as_deref(), Some("off"));
}
