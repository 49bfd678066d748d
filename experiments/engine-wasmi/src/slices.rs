//! The wall-clock limit on wasmi, which has no epochs. wasmi's own fuel metering is on in the matrix
//! engine only to pace the clock (the lab's fuel is the counter [`dylink::meter`] injects, the same
//! on every engine): the store holds at most [`SLICE`] of wasmi's fuel at a time and the rest
//! ([`CLOCK_FUEL`] in all) waits in [`Data::reserve`]; calls are resumable, so a guest that uses up
//! its slice comes back here, where the clock is read before the next slice is handed over. The
//! clock is also read on every host call and fuel charge.
//!
//! What remains unbounded by the clock: one slice of guest execution (about a millisecond), one host
//! call, and a module's start function during instantiation, which runs through a call that cannot
//! be resumed and is bounded by the lab's fuel alone.

use std::time::Instant;

use dylink::engine::Trap;
use dylink::TrapKind;
use wasmi::AsContextMut;

use crate::Data;

/// Fuel handed to the store at once: small enough that the clock is read about every millisecond,
/// large enough that resuming costs nothing measurable.
pub(crate) const SLICE: u64 = 1_000_000;

/// wasmi's own fuel for a whole store: more than any cell can use (the lab's fuel ends it first).
pub(crate) const CLOCK_FUEL: u64 = u64::MAX / 4;

/// Fuel left in the store and in reserve (0 without metering).
pub(crate) fn total(mut ctx: impl AsContextMut<Data = Data>) -> u64 {
    let ctx = ctx.as_context_mut();
    ctx.get_fuel().unwrap_or(0).saturating_add(ctx.data().reserve)
}

/// Sets the fuel left: one slice in the store, the rest in reserve.
pub(crate) fn set_total(mut ctx: impl AsContextMut<Data = Data>, fuel: u64) {
    let mut ctx = ctx.as_context_mut();
    let in_store = fuel.min(SLICE);
    if ctx.set_fuel(in_store).is_ok() {
        ctx.data_mut().reserve = fuel - in_store;
    }
}

/// The wall-clock limit as a trap, once it has passed.
pub(crate) fn check_clock(data: &Data) -> Result<(), Trap> {
    match data.deadline {
        Some(d) if Instant::now() >= d => Err(data.budget.wall_clock_trap()),
        _ => Ok(()),
    }
}

/// The store ran out of its slice and needs `required` fuel for its next step: checks the clock,
/// then hands over the next slice (or all that is left, when that is not enough: out of fuel).
pub(crate) fn refill(mut ctx: impl AsContextMut<Data = Data>, required: u64) -> Result<(), Trap> {
    let mut ctx = ctx.as_context_mut();
    check_clock(ctx.data())?;
    let have = ctx.get_fuel().unwrap_or(0);
    let reserve = ctx.data().reserve;
    if have.saturating_add(reserve) < required {
        // What an unsliced store would show: the fuel the failed step could not use stays.
        set_all_in_store(&mut ctx);
        return Err(Trap::Wasm(TrapKind::OutOfFuel));
    }
    let take = reserve.min(SLICE.max(required.saturating_sub(have)));
    ctx.data_mut().reserve -= take;
    let _ = ctx.set_fuel(have + take);
    Ok(())
}

/// Moves the whole reserve into the store, for guest code that runs through a call that cannot be
/// resumed (a start function); [`rebalance`] afterwards.
pub(crate) fn set_all_in_store(mut ctx: impl AsContextMut<Data = Data>) {
    let mut ctx = ctx.as_context_mut();
    if let Ok(have) = ctx.get_fuel() {
        let reserve = std::mem::take(&mut ctx.data_mut().reserve);
        let _ = ctx.set_fuel(have.saturating_add(reserve));
    }
}

/// Back to one slice in the store after [`set_all_in_store`].
pub(crate) fn rebalance(mut ctx: impl AsContextMut<Data = Data>) {
    let fuel = total(&mut ctx);
    set_total(ctx, fuel);
}
