//! What the engine tests share: a fresh store with given limits, WAT instantiation, calls.
#![allow(dead_code)]

use std::time::Duration;

use dylab_engines::Adapter;
use dylink::engine::{Ctx, Engine, Extern, Limits, Trap, Val};
use dylink::{Host, Process, Strategy};

/// Runs `f` in a fresh store with `limits`, on a thread with the stack a cell gets.
pub fn with_store<E: Adapter, R: Send>(limits: Limits, f: impl FnOnce(&mut dyn Ctx<E>) -> R + Send) -> R {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(dylink::program::RUN_STACK)
            .spawn_scoped(s, move || {
                let e = E::matrix().unwrap();
                let wasi = dylink::wasi::WasiState::new(vec!["limits".into()], vec![]);
                let host =
                    Host::new(e.clone(), wasi, Process::new(Strategy::Direct.into(), Default::default(), "/".into()));
                let mut store = e.new_store(host, &limits);
                e.enter(&mut store, f)
            })
            .unwrap()
            .join()
            .unwrap()
    })
}

pub fn instantiate<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    wat: &str,
    imports: &[Extern<E>],
) -> Result<Vec<(String, Extern<E>)>, Trap> {
    let module = ctx.host_ref().engine.compile(&wat::parse_str(wat).unwrap()).unwrap();
    ctx.instantiate(&module, imports)
}

pub fn func<E: Engine>(exports: &[(String, Extern<E>)], name: &str) -> E::Func {
    match exports.iter().find(|(n, _)| n == name) {
        Some((_, Extern::Func(f))) => *f,
        _ => panic!("no function {name}"),
    }
}

pub fn call_i32<E: Engine>(ctx: &mut dyn Ctx<E>, f: E::Func, arg: i32) -> Result<i32, Trap> {
    let mut out = [Val::I32(0)];
    ctx.call(f, &[Val::I32(arg)], &mut out)?;
    Ok(out[0].i32().unwrap())
}

pub const PAGE: u64 = 64 << 10;

pub fn small() -> Limits {
    Limits { memory_bytes: 16 * PAGE, table_elements: 1000, instances: 3, ..Limits::DEFAULT }
}

pub fn runaway() -> Limits {
    Limits { fuel: Limits::HARD.fuel, wall_clock: Duration::from_secs(1), ..Limits::DEFAULT }
}
