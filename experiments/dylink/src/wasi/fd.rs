//! The `fd_*` calls: captured stdout/stderr, an empty stdin, and files opened in granted folders.

use super::{arg_i32, arg_u32, bounded, errno, filestat, DIR_RIGHTS, FILE_RIGHTS};
use super::{EBADF, EINVAL, ESPIPE, ESUCCESS};
use crate::engine::{Ctx, Engine, Trap, Val};
use crate::mem;

/// Bytes moved between a file and guest memory per step: a large read never needs a large buffer.
const READ_CHUNK: usize = 64 << 10;

/// fd_write(fd, iovs, iovs_len, nwritten): to stdout or stderr only.
pub(super) fn write<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let (fd, iovs, n, nwritten) = (arg_u32(a, 0)?, arg_u32(a, 1)?, arg_u32(a, 2)?, arg_u32(a, 3)?);
    if fd != 1 && fd != 2 {
        return Ok(EBADF);
    }
    if n > bounded::IOV_MAX {
        return Ok(EINVAL);
    }
    let vecs = bounded::iovecs(ctx, iovs, n)?;
    let total: u64 = vecs.iter().map(|&(_, len)| len as u64).sum();
    // Checked before anything is copied: 8 x 256 MiB is refused, not allocated.
    ctx.host_ref().wasi.check_output(fd, total)?;
    let mut data = Vec::with_capacity(total as usize);
    for (ptr, len) in vecs {
        data.extend(mem::read(ctx, ptr, len)?);
    }
    ctx.host().wasi.capture(fd, &data)?;
    mem::write_u32(ctx, nwritten, total as u32)?;
    Ok(ESUCCESS)
}

/// fd_read(fd, iovs, iovs_len, nread): stdin is empty, files are read in chunks.
pub(super) fn read<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let (fd, iovs, n, nread) = (arg_u32(a, 0)?, arg_u32(a, 1)?, arg_u32(a, 2)?, arg_u32(a, 3)?);
    // stdin is empty: every read is end-of-file.
    if fd == 0 {
        mem::write_u32(ctx, nread, 0)?;
        return Ok(ESUCCESS);
    }
    if !ctx.host_ref().wasi.files.contains_key(&fd) {
        return Ok(EBADF);
    }
    if n > bounded::IOV_MAX {
        return Ok(EINVAL);
    }
    let vecs = bounded::iovecs(ctx, iovs, n)?;
    let total = match read_file(ctx, fd, vecs)? {
        Ok(total) => total,
        Err(errno) => return Ok(errno),
    };
    mem::write_u32(ctx, nread, total as u32)?;
    Ok(ESUCCESS)
}

/// Reads the open file `fd` into `vecs`: the bytes read, or the errno of a failed host read.
fn read_file<E: Engine>(ctx: &mut dyn Ctx<E>, fd: u32, vecs: Vec<bounded::Iovec>) -> Result<Result<u64, i32>, Trap> {
    // File to guest memory in fixed-size steps: a huge iovec costs no host memory, and the
    // read ends at the file's size (itself within the limit).
    let requested: u64 = vecs.iter().map(|&(_, len)| len as u64).sum();
    let mut chunk = vec![0u8; requested.min(READ_CHUNK as u64) as usize];
    let mut total = 0u64;
    'iovs: for (ptr, len) in vecs {
        let mut done = 0u64;
        while done < len as u64 {
            let want = (len as u64 - done).min(READ_CHUNK as u64) as usize;
            let file = ctx.host().wasi.files.get_mut(&fd).expect("checked above");
            let got = match file.read(&mut chunk[..want]) {
                Ok(0) => break 'iovs,
                Ok(got) => got,
                Err(e) => return Ok(Err(errno::from_io(&e))),
            };
            mem::write(ctx, bounded::addr(ptr, done)?, &chunk[..got])?;
            done += got as u64;
            total += got as u64;
        }
    }
    Ok(Ok(total))
}

/// fd_fdstat_get(fd, fdstat_out): granted folders, their open files, and stdio.
pub(super) fn fdstat_get<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let fd = arg_i32(a, 0)?;
    let w = &ctx.host_ref().wasi;
    let kind = if w.preopen(fd).is_some() {
        Some((3u8, DIR_RIGHTS))
    } else if w.files.contains_key(&(fd as u32)) {
        Some((4u8, FILE_RIGHTS))
    } else {
        None
    };
    if let Some((filetype, rights)) = kind {
        let mut stat = [0u8; 24];
        stat[0] = filetype;
        stat[8..16].copy_from_slice(&rights.to_le_bytes());
        stat[16..24].copy_from_slice(&FILE_RIGHTS.to_le_bytes());
        mem::write(ctx, arg_u32(a, 1)?, &stat)?;
        return Ok(ESUCCESS);
    }
    if !(0..=2).contains(&fd) {
        return Ok(EBADF);
    }
    stdio_fdstat(ctx, a)
}

fn stdio_fdstat<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    // What a native run with captured output sees: a pipe, not a terminal (WASI has no pipe
    // type; wasmtime's WASI also says "unknown" then). wasi-libc's isatty() is false, so stdout
    // is fully buffered as natively, and output still in libc's buffer at a trap is lost as a
    // native crash loses it. Without seek/tell rights, as a pipe.
    const SEEK_TELL: u64 = (1 << 2) | (1 << 5);
    const UNKNOWN: u8 = 0;
    let mut stat = [0u8; 24];
    stat[0] = UNKNOWN;
    stat[8..16].copy_from_slice(&(!SEEK_TELL).to_le_bytes());
    stat[16..24].copy_from_slice(&(!SEEK_TELL).to_le_bytes());
    mem::write(ctx, arg_u32(a, 1)?, &stat)?;
    Ok(ESUCCESS)
}

/// fd_close(fd): stdio closes without effect; an open file is dropped.
pub(super) fn close<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let fd = arg_i32(a, 0)?;
    Ok(if (0..=2).contains(&fd) || ctx.host().wasi.files.remove(&(fd as u32)).is_some() { ESUCCESS } else { EBADF })
}

/// fd_seek(fd, offset, whence, newoffset_out), or fd_tell(fd, offset_out) when `tell`.
pub(super) fn seek<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>], tell: bool) -> Result<i32, Trap> {
    let fd = arg_u32(a, 0)?;
    let Some((size, pos)) = ctx.host_ref().wasi.files.get(&fd).map(|f| (f.size, f.pos)) else {
        return Ok(if fd <= 2 { ESPIPE } else { EBADF });
    };
    let (new, out) = if tell {
        (Some(pos as i64), arg_u32(a, 1)?)
    } else {
        let offset = match a.get(1) {
            Some(Val::I64(o)) => *o,
            _ => return Ok(EINVAL),
        };
        let base = match arg_i32(a, 2)? {
            0 => 0,
            1 => pos as i64,
            2 => size as i64,
            _ => return Ok(EINVAL),
        };
        (base.checked_add(offset), arg_u32(a, 3)?)
    };
    let Some(new) = new.filter(|n| *n >= 0) else { return Ok(EINVAL) };
    ctx.host().wasi.files.get_mut(&fd).expect("checked above").pos = new as u64;
    mem::write_u64(ctx, out, new as u64)?;
    Ok(ESUCCESS)
}

/// fd_prestat_get(fd, prestat_out). Only the granted directories exist; past them libc's
/// start-up scan must see EBADF (or it exits with 71).
pub(super) fn prestat_get<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let Some(guest) = ctx.host_ref().wasi.preopen(arg_i32(a, 0)?).map(|g| g.guest.len()) else {
        return Ok(EBADF);
    };
    let mut prestat = [0u8; 8];
    prestat[4..8].copy_from_slice(&(guest as u32).to_le_bytes());
    mem::write(ctx, arg_u32(a, 1)?, &prestat)?;
    Ok(ESUCCESS)
}

/// fd_prestat_dir_name(fd, buf, len): the granted folder's guest name, cut at `len`.
pub(super) fn prestat_dir_name<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let Some(guest) = ctx.host_ref().wasi.preopen(arg_i32(a, 0)?).map(|g| g.guest.clone()) else {
        return Ok(EBADF);
    };
    let len = arg_u32(a, 2)? as usize;
    mem::write(ctx, arg_u32(a, 1)?, &guest.as_bytes()[..len.min(guest.len())])?;
    Ok(ESUCCESS)
}

/// fd_filestat_get(fd, filestat_out): a granted folder or a file open in one.
pub(super) fn filestat_get<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let fd = arg_i32(a, 0)?;
    let w = &ctx.host_ref().wasi;
    let st = if w.preopen(fd).is_some() {
        filestat(3, 0)
    } else if let Some(file) = w.files.get(&(fd as u32)) {
        filestat(4, file.size)
    } else {
        return Ok(EBADF);
    };
    mem::write(ctx, arg_u32(a, 1)?, &st)?;
    Ok(ESUCCESS)
}
