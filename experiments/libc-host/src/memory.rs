//! Guest memory as the host libc touches it: bounds, C strings, errno, output streams.

use super::*;

pub(crate) fn memory<E: Engine>(ctx: &dyn Ctx<E>) -> Result<E::Memory, Trap> {
    ctx.host_ref().memory.ok_or_else(|| Trap::Host("no linear memory".into()))
}

/// The process memory as the allocator sees it.
pub(crate) struct CtxMem<'a, E: Engine> {
    pub(crate) ctx: &'a mut dyn Ctx<E>,
    pub(crate) memory: E::Memory,
}

impl<E: Engine> HeapMemory for CtxMem<'_, E> {
    fn load(&mut self, addr: u32) -> Result<u32, Trap> {
        let mut b = [0u8; 4];
        self.ctx.memory_read(self.memory, addr as u64, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn store(&mut self, addr: u32, v: u32) -> Result<(), Trap> {
        self.ctx.memory_write(self.memory, addr as u64, &v.to_le_bytes())
    }
    fn size(&mut self) -> u64 {
        self.ctx.memory_size(self.memory)
    }
    fn grow(&mut self, pages: u32) -> Result<bool, Trap> {
        Ok(self.ctx.memory_grow(self.memory, pages).is_some())
    }
    fn copy(&mut self, dst: u32, src: u32, len: u32) -> Result<(), Trap> {
        let mut buf = vec![0; len as usize];
        self.ctx.memory_read(self.memory, src as u64, &mut buf)?;
        self.ctx.memory_write(self.memory, dst as u64, &buf)
    }
    fn fill(&mut self, dst: u32, byte: u8, len: u32) -> Result<(), Trap> {
        self.ctx.memory_write(self.memory, dst as u64, &vec![byte; len as usize])
    }
}

/// Traps (before allocating anything) when `[addr, addr+len)` is not inside memory.
pub(crate) fn in_bounds<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, len: u32) -> Result<E::Memory, Trap> {
    let m = memory(ctx)?;
    if addr as u64 + len as u64 > ctx.memory_size(m) {
        return Err(Trap::Wasm(TrapKind::MemoryOutOfBounds));
    }
    Ok(m)
}

pub(crate) fn read<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, len: u32) -> Result<Vec<u8>, Trap> {
    let m = in_bounds(ctx, addr, len)?;
    let mut buf = vec![0; len as usize];
    ctx.memory_read(m, addr as u64, &mut buf)?;
    Ok(buf)
}

pub(crate) fn write<E: Engine>(ctx: &mut dyn Ctx<E>, addr: u32, data: &[u8]) -> Result<(), Trap> {
    let m = memory(ctx)?;
    ctx.memory_write(m, addr as u64, data)
}

pub(crate) fn read_u32<E: Engine>(ctx: &dyn Ctx<E>, addr: u32) -> Result<u32, Trap> {
    Ok(u32::from_le_bytes(read(ctx, addr, 4)?.try_into().unwrap()))
}

/// The bytes of the C string at `addr` (without its NUL), at most `max`; running off the end of
/// memory before a NUL traps as the guest's own loop would.
pub(crate) fn cstr_max<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, max: Option<usize>) -> Result<Vec<u8>, Trap> {
    let m = memory(ctx)?;
    let size = ctx.memory_size(m);
    let mut out = Vec::new();
    let mut at = addr as u64;
    let mut chunk = [0u8; 256];
    loop {
        let room = max.map_or(usize::MAX, |mx| mx - out.len());
        if room == 0 {
            return Ok(out);
        }
        let n = chunk.len().min(size.saturating_sub(at) as usize).min(room);
        if n == 0 {
            return Err(Trap::Wasm(TrapKind::MemoryOutOfBounds));
        }
        ctx.memory_read(m, at, &mut chunk[..n])?;
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
        at += n as u64;
    }
}

pub(crate) fn cstr<E: Engine>(ctx: &dyn Ctx<E>, addr: u32) -> Result<Vec<u8>, Trap> {
    cstr_max(ctx, addr, None)
}

pub(crate) fn set_errno<E: Engine>(ctx: &mut dyn Ctx<E>, e: i32) -> Result<(), Trap> {
    write(ctx, ERRNO, &e.to_le_bytes())
}

/// Appends to the captured stdout (fd 1) or stderr (fd 2).
pub(crate) fn emit<E: Engine>(ctx: &mut dyn Ctx<E>, fd: u32, bytes: &[u8]) -> Result<(), Trap> {
    charge(ctx, bytes.len() as u64)?;
    ctx.host().wasi.capture(fd, bytes)
}

/// The descriptor behind a `FILE *` the guest passes; only the host's own three streams exist.
pub(crate) fn stream<E: Engine>(_ctx: &dyn Ctx<E>, file: u32, what: &str) -> Result<u32, Trap> {
    match file {
        FILE_IN => Ok(0),
        FILE_OUT => Ok(1),
        FILE_ERR => Ok(2),
        _ => Err(Trap::Host(format!("{what}: {file:#x} is not a FILE of the host libc (stdin, stdout, stderr)"))),
    }
}

/// Writes to a stream; writing to stdin fails as in C (EOF, errno EBADF).
pub(crate) fn put<E: Engine>(ctx: &mut dyn Ctx<E>, file: u32, bytes: &[u8], what: &str) -> Result<bool, Trap> {
    match stream(ctx, file, what)? {
        0 => {
            set_errno(ctx, dylink::wasi::EBADF)?;
            Ok(false)
        }
        fd => emit(ctx, fd, bytes).map(|_| true),
    }
}
