//! Linear-memory helpers over [`Ctx`], for the one memory that all modules of a process share.

use crate::engine::{Ctx, Engine, Trap};

fn memory<E: Engine>(ctx: &dyn Ctx<E>) -> Result<E::Memory, Trap> {
    ctx.host_ref().memory.ok_or_else(|| Trap::Host("no linear memory is set up yet".into()))
}

pub fn read<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, len: u32) -> Result<Vec<u8>, Trap> {
    let m = memory(ctx)?;
    let mut buf = vec![0; len as usize];
    ctx.memory_read(m, addr as u64, &mut buf)?;
    Ok(buf)
}

pub fn write<E: Engine>(ctx: &mut dyn Ctx<E>, addr: u32, data: &[u8]) -> Result<(), Trap> {
    let m = memory(ctx)?;
    ctx.memory_write(m, addr as u64, data)
}

pub fn read_u32<E: Engine>(ctx: &dyn Ctx<E>, addr: u32) -> Result<u32, Trap> {
    Ok(u32::from_le_bytes(read(ctx, addr, 4)?.try_into().unwrap()))
}

pub fn read_u64<E: Engine>(ctx: &dyn Ctx<E>, addr: u32) -> Result<u64, Trap> {
    Ok(u64::from_le_bytes(read(ctx, addr, 8)?.try_into().unwrap()))
}

pub fn write_u32<E: Engine>(ctx: &mut dyn Ctx<E>, addr: u32, v: u32) -> Result<(), Trap> {
    write(ctx, addr, &v.to_le_bytes())
}

pub fn write_u64<E: Engine>(ctx: &mut dyn Ctx<E>, addr: u32, v: u64) -> Result<(), Trap> {
    write(ctx, addr, &v.to_le_bytes())
}

/// Reads a NUL-terminated string of at most `max` bytes (longer ones are an error, not a hang).
pub fn read_cstr<E: Engine>(ctx: &dyn Ctx<E>, addr: u32, max: u32) -> Result<String, Trap> {
    let m = memory(ctx)?;
    let mut out = Vec::new();
    let mut chunk = [0u8; 64];
    let mut at = addr as u64;
    let size = ctx.memory_size(m);
    while (out.len() as u32) < max {
        let n = chunk.len().min((size.saturating_sub(at)) as usize);
        if n == 0 {
            return Err(Trap::Host(format!("string at {addr:#x} runs past the end of memory")));
        }
        ctx.memory_read(m, at, &mut chunk[..n])?;
        if let Some(end) = chunk[..n].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..end]);
            return Ok(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&chunk[..n]);
        at += n as u64;
    }
    Err(Trap::Host(format!("string at {addr:#x} is longer than {max} bytes")))
}
