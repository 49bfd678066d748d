//! Host memory the guest can make the host spend: every buffer whose size the guest chooses is
//! checked against the cell's host-buffer limit before it is allocated, and guest addresses are
//! computed without wrapping (a wrap would be a host panic, or a read elsewhere).

use crate::engine::{Ctx, Engine, LimitKind, Limits, Trap};
use crate::mem;
use crate::outcome::TrapKind;

/// Fails with `Trap::Limit(HostBuffer)` when `bytes` is over the limit; `what` says who asked.
pub fn check(limits: &Limits, bytes: u64, what: impl FnOnce() -> String) -> Result<(), Trap> {
    if bytes > limits.host_buffer_bytes {
        return Err(Trap::Limit(
            LimitKind::HostBuffer,
            format!("{} asks the host for {bytes} bytes; the limit is {}", what(), limits.host_buffer_bytes),
        ));
    }
    Ok(())
}

/// `base + offset` as a guest address; past 4 GiB it is out of bounds, as the access would be.
pub fn addr(base: u32, offset: u64) -> Result<u32, Trap> {
    u32::try_from(base as u64 + offset).map_err(|_| Trap::Wasm(TrapKind::MemoryOutOfBounds))
}

/// One `iovec` of the guest: (buffer address, length).
pub type Iovec = (u32, u32);

/// POSIX's IOV_MAX as on Linux: more vectors in one call is EINVAL, as there.
pub const IOV_MAX: u32 = 1024;

/// The `n` iovecs at `iovs` (the caller has checked `n <= IOV_MAX`).
pub fn iovecs<E: Engine>(ctx: &dyn Ctx<E>, iovs: u32, n: u32) -> Result<Vec<Iovec>, Trap> {
    addr(iovs, n as u64 * 8)?;
    let raw = mem::read(ctx, iovs, n * 8)?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| (u32::from_le_bytes(c[0..4].try_into().unwrap()), u32::from_le_bytes(c[4..8].try_into().unwrap())))
        .collect())
}
