//! The `path_*` calls: opening and stat-ing beneath a granted folder, read-only.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use super::{arg_i32, arg_u32, bounded, filestat, MAX_OPEN_FILES, PATH_MAX};
use super::{EBADF, EMFILE, ENAMETOOLONG, EROFS, ESUCCESS};
use crate::engine::{Ctx, Engine, Trap, Val};
use crate::mem;

/// The WASI file type of host metadata: a directory, a regular file, a link (not followed), or
/// unknown (what the guest may not open anyway).
fn filetype(meta: &cap_std::fs::Metadata) -> u8 {
    if meta.is_dir() {
        3
    } else if meta.is_file() {
        4
    } else if meta.is_symlink() {
        7
    } else {
        0
    }
}

/// The grant at `dirfd` and the guest path (`path_ptr`, `path_len`) beneath it, or the errno.
fn guest_path<E: Engine>(
    ctx: &dyn Ctx<E>,
    a: &[Val<E>],
    dirfd: usize,
    ptr: usize,
) -> Result<Result<(usize, PathBuf), i32>, Trap> {
    let fd = arg_i32(a, dirfd)?;
    let Some(index) = ctx.host_ref().wasi.preopen(fd).map(|_| fd as usize - 3) else { return Ok(Err(EBADF)) };
    let len = arg_u32(a, ptr + 1)?;
    if len > PATH_MAX {
        return Ok(Err(ENAMETOOLONG));
    }
    let bytes = mem::read(ctx, arg_u32(a, ptr)?, len)?;
    // The exact bytes, not a lossy conversion: two different guest paths never name one host file.
    Ok(Ok((index, PathBuf::from(OsStr::from_bytes(&bytes)))))
}

/// path_open(dirfd, dirflags, path, path_len, oflags, rights, rights_inh, fdflags, fd_out)
pub(super) fn open<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    // Granted directories are read-only: creating, truncating or appending is refused.
    if arg_u32(a, 4)? & 0b1101 != 0 || arg_u32(a, 7)? & 1 != 0 {
        return Ok(EROFS);
    }
    let (grant, path) = match guest_path(ctx, a, 0, 2)? {
        Ok(p) => p,
        Err(errno) => return Ok(errno),
    };
    let follow = arg_u32(a, 1)? & 1 != 0;
    let w = &ctx.host_ref().wasi;
    if w.files.len() >= MAX_OPEN_FILES {
        return Ok(EMFILE);
    }
    let file = match w.preopens[grant].open(&path, follow) {
        Ok(f) => f,
        Err(errno) => return Ok(errno),
    };
    // A file larger than the limit is refused whole, as a buffer of its size would be.
    bounded::check(&w.limits, file.size, || format!("path_open of {} in {}", path.display(), w.preopens[grant].guest))?;
    let fd = w.next_fd();
    ctx.host().wasi.files.insert(fd, file);
    mem::write_u32(ctx, arg_u32(a, 8)?, fd)?;
    Ok(ESUCCESS)
}

/// path_filestat_get(dirfd, flags, path, path_len, filestat_out)
pub(super) fn filestat_get<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let (grant, path) = match guest_path(ctx, a, 0, 2)? {
        Ok(p) => p,
        Err(errno) => return Ok(errno),
    };
    let follow = arg_u32(a, 1)? & 1 != 0;
    let meta = match ctx.host_ref().wasi.preopens[grant].stat(&path, follow) {
        Ok(m) => m,
        Err(errno) => return Ok(errno),
    };
    mem::write(ctx, arg_u32(a, 4)?, &filestat(filetype(&meta), meta.len()))?;
    Ok(ESUCCESS)
}
