//! The wall-clock limit: a ticker thread advances the engine's epoch every [`TICK`], and each store
//! traps once its deadline (a number of ticks) has passed. Only the matrix engine has it: epoch
//! checks cost a little on every loop back-edge and function entry, which timing must not pay.

use std::time::Duration;

pub(crate) const TICK: Duration = Duration::from_millis(10);

/// Starts the thread that ticks `engine`'s epoch; it ends with the engine (it holds a weak handle).
pub(crate) fn start_ticker(engine: &wasmtime::Engine) -> std::io::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new().name("dylab-epoch".into()).spawn(move || loop {
        std::thread::sleep(TICK);
        match weak.upgrade() {
            Some(engine) => engine.increment_epoch(),
            None => return,
        }
    })?;
    Ok(())
}

/// Ticks from now until `wall_clock` has surely passed (the next tick may come at once).
pub(crate) fn deadline_ticks(wall_clock: Duration) -> u64 {
    let ticks = wall_clock.as_nanos().div_ceil(TICK.as_nanos());
    u64::try_from(ticks).unwrap_or(u64::MAX / 2).saturating_add(1)
}
