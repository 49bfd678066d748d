//! Memories of the threads proposal. A store's memory is its own or a shared one; a shared memory
//! lives in the store data by index, so that the adapter's memory handle stays `Copy`, and its
//! engine-neutral handle ([`SharedMemory`]) lets another store, on another thread, import it.

use std::cell::UnsafeCell;
use std::sync::Arc;

use dylink::engine::{SharedMemory, Trap};
use dylink::TrapKind;

/// The adapter's memory handle: a store's own memory, or the store's n-th shared memory.
#[derive(Clone, Copy, Debug)]
pub enum Mem {
    Own(wasmtime::Memory),
    Shared(usize),
}

fn oob() -> Trap {
    Trap::Wasm(TrapKind::MemoryOutOfBounds)
}

/// The byte range `[addr, addr + len)` of `data`, or out of bounds.
fn range(data: &[UnsafeCell<u8>], addr: u64, len: usize) -> Result<&[UnsafeCell<u8>], Trap> {
    let start = usize::try_from(addr).map_err(|_| oob())?;
    let end = start.checked_add(len).filter(|&e| e <= data.len()).ok_or_else(oob)?;
    Ok(&data[start..end])
}

/// Copies out of a shared memory. Other threads may write meanwhile: a racy read, as wasm's own
/// non-atomic loads are.
pub(crate) fn read(m: &wasmtime::SharedMemory, addr: u64, buf: &mut [u8]) -> Result<(), Trap> {
    let src = range(m.data(), addr, buf.len())?;
    // Safety: `src` is `buf.len()` bytes of the memory's live mapping (a shared memory never moves
    // or shrinks); the host buffer is not part of it.
    unsafe { std::ptr::copy_nonoverlapping(UnsafeCell::raw_get(src.as_ptr()), buf.as_mut_ptr(), buf.len()) };
    Ok(())
}

/// Copies into a shared memory (racy, as wasm's non-atomic stores).
pub(crate) fn write(m: &wasmtime::SharedMemory, addr: u64, bytes: &[u8]) -> Result<(), Trap> {
    let dst = range(m.data(), addr, bytes.len())?;
    // Safety: as in `read`; writes through `UnsafeCell` are what the shared memory allows.
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), UnsafeCell::raw_get(dst.as_ptr()), bytes.len()) };
    Ok(())
}

/// The engine-neutral handle of a shared memory.
pub(crate) fn handle(m: &wasmtime::SharedMemory) -> SharedMemory {
    SharedMemory(Arc::new(m.clone()))
}

/// The wasmtime shared memory behind a handle made by this adapter.
pub(crate) fn from_handle(h: &SharedMemory) -> Result<wasmtime::SharedMemory, Trap> {
    h.0.downcast_ref::<wasmtime::SharedMemory>()
        .cloned()
        .ok_or_else(|| Trap::Host("a shared memory made by another engine".into()))
}
