//! One `wasi_snapshot_preview1` implementation for every engine, so cells stay comparable:
//! captured stdout/stderr, an empty stdin, arguments and environment from the case, a deterministic
//! clock and random source, and no filesystem except the folders a case grants (read-only, through
//! capabilities: see [`grant`]). Every host buffer whose size the guest chooses is bounded by the
//! cell's host-buffer limit (see [`bounded`]).

pub mod bounded;
pub mod errno;
pub mod grant;

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::{Ctx, Engine, FuncType, HostFn, Limits, Trap, Val, ValType};
use crate::mem;
pub use errno::*;
pub use grant::{Grant, GrantError, OpenFile};

/// Rights reported for files in a granted directory: read, seek, tell, fdstat, filestat.
const FILE_RIGHTS: u64 = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 3) | (1 << 21);
/// Rights of a granted directory: path_open, path_filestat_get, and what files opened in it may have.
const DIR_RIGHTS: u64 = (1 << 13) | (1 << 18) | FILE_RIGHTS;

/// Longest path a guest may pass (Linux's PATH_MAX); longer is ENAMETOOLONG, before anything is read.
pub const PATH_MAX: u32 = 4096;

/// Files open at once: each holds a host descriptor, which the lab's other cells need too.
pub const MAX_OPEN_FILES: usize = 256;

/// Bytes moved between a file and guest memory per step: a large read never needs a large buffer.
const READ_CHUNK: usize = 64 << 10;

#[derive(Debug)]
pub struct WasiState {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Deterministic clock: advances 1 µs per query.
    pub clock_ns: u64,
    pub random_state: u64,
    /// Folders the case grants, preopened read-only as fds 3, 4, ...
    pub preopens: Vec<Grant>,
    /// Files opened in them, by fd.
    pub files: BTreeMap<u32, OpenFile>,
    /// The cell's limits; WASI enforces the host-buffer one.
    pub limits: Limits,
}

impl WasiState {
    /// A state with the default limits ([`Limits::DEFAULT`]); see [`WasiState::with_limits`].
    pub fn new(args: Vec<String>, env: Vec<(String, String)>) -> Self {
        WasiState {
            args,
            env,
            stdout: Vec::new(),
            stderr: Vec::new(),
            clock_ns: 1_600_000_000_000_000_000,
            random_state: 0x9e37_79b9_7f4a_7c15,
            preopens: Vec::new(),
            files: BTreeMap::new(),
            limits: Limits::DEFAULT,
        }
    }

    pub fn with_limits(mut self, limits: &Limits) -> Self {
        self.limits = limits.clone();
        self
    }

    /// Grants `host`, a folder beneath `case_dir`, to the guest as the read-only directory `guest`
    /// (e.g. `/data`). A link, or anything that resolves outside the case folder, is refused.
    pub fn grant(mut self, guest: &str, host: &Path, case_dir: &Path) -> Result<Self, GrantError> {
        self.preopens.push(Grant::new(guest, case_dir, host)?);
        Ok(self)
    }

    fn preopen(&self, fd: i32) -> Option<&Grant> {
        usize::try_from(fd).ok().and_then(|f| f.checked_sub(3)).and_then(|i| self.preopens.get(i))
    }

    fn next_fd(&self) -> u32 {
        let first = 3 + self.preopens.len() as u32;
        (first..).find(|fd| !self.files.contains_key(fd)).unwrap()
    }

    /// Fails when `more` bytes of output would take stdout and stderr together over the limit.
    pub fn check_output(&self, fd: u32, more: u64) -> Result<(), Trap> {
        let captured = (self.stdout.len() + self.stderr.len()) as u64;
        bounded::check(&self.limits, captured.saturating_add(more), || {
            let stream = if fd == 2 { "stderr" } else { "stdout" };
            format!("output of {more} bytes to {stream}, after {captured} bytes of stdout and stderr,")
        })
    }

    /// Appends to the captured stdout (fd 1) or stderr (fd 2), within the host-buffer limit.
    pub fn capture(&mut self, fd: u32, bytes: &[u8]) -> Result<(), Trap> {
        self.check_output(fd, bytes.len() as u64)?;
        if fd == 2 { &mut self.stderr } else { &mut self.stdout }.extend_from_slice(bytes);
        Ok(())
    }
}

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

/// A WASI filestat (64 bytes).
fn filestat(filetype: u8, size: u64) -> [u8; 64] {
    let mut st = [0u8; 64];
    st[16] = filetype;
    st[24..32].copy_from_slice(&1u64.to_le_bytes());
    st[32..40].copy_from_slice(&size.to_le_bytes());
    st
}

fn arg_i32<E: Engine>(args: &[Val<E>], i: usize) -> Result<i32, Trap> {
    match args.get(i) {
        Some(Val::I32(v)) => Ok(*v),
        _ => Err(Trap::Host(format!("WASI call: argument {i} is not an i32"))),
    }
}

fn arg_u32<E: Engine>(args: &[Val<E>], i: usize) -> Result<u32, Trap> {
    arg_i32(args, i).map(|v| v as u32)
}

/// Writes `strings` as a NUL-terminated list, pointers into `ptrs`, bytes into `buf` (args_get/environ_get).
fn write_list<E: Engine>(ctx: &mut dyn Ctx<E>, strings: &[String], ptrs: u32, buf: u32) -> Result<(), Trap> {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        mem::write_u32(ctx, bounded::addr(ptrs, 4 * i as u64)?, at)?;
        mem::write(ctx, at, s.as_bytes())?;
        mem::write(ctx, bounded::addr(at, s.len() as u64)?, &[0])?;
        at = bounded::addr(at, s.len() as u64 + 1)?;
    }
    Ok(())
}

fn sizes(strings: &[String]) -> (u32, u32) {
    let bytes: u64 = strings.iter().map(|s| s.len() as u64 + 1).sum();
    (strings.len() as u32, u32::try_from(bytes).unwrap_or(u32::MAX))
}

fn env_strings(w: &WasiState) -> Vec<String> {
    w.env.iter().map(|(k, v)| format!("{k}={v}")).collect()
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

/// The body of one WASI call; returns the errno.
fn call<E: Engine>(name: &str, ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    match name {
        "args_sizes_get" | "environ_sizes_get" => {
            let w = &ctx.host_ref().wasi;
            let list = if name == "args_sizes_get" { w.args.clone() } else { env_strings(w) };
            let (n, bytes) = sizes(&list);
            mem::write_u32(ctx, arg_u32(a, 0)?, n)?;
            mem::write_u32(ctx, arg_u32(a, 1)?, bytes)?;
            Ok(ESUCCESS)
        }
        "args_get" | "environ_get" => {
            let w = &ctx.host_ref().wasi;
            let list = if name == "args_get" { w.args.clone() } else { env_strings(w) };
            write_list(ctx, &list, arg_u32(a, 0)?, arg_u32(a, 1)?)?;
            Ok(ESUCCESS)
        }
        "fd_write" => {
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
        "fd_read" => {
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
            // File to guest memory in fixed-size steps: a huge iovec costs no host memory, and the
            // read ends at the file's size (itself within the limit).
            let vecs = bounded::iovecs(ctx, iovs, n)?;
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
                        Err(e) => return Ok(errno::from_io(&e)),
                    };
                    mem::write(ctx, bounded::addr(ptr, done)?, &chunk[..got])?;
                    done += got as u64;
                    total += got as u64;
                }
            }
            mem::write_u32(ctx, nread, total as u32)?;
            Ok(ESUCCESS)
        }
        "fd_fdstat_get" => {
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
        "fd_close" => {
            let fd = arg_i32(a, 0)?;
            Ok(if (0..=2).contains(&fd) || ctx.host().wasi.files.remove(&(fd as u32)).is_some() {
                ESUCCESS
            } else {
                EBADF
            })
        }
        "fd_seek" | "fd_tell" => {
            let fd = arg_u32(a, 0)?;
            let Some((size, pos)) = ctx.host_ref().wasi.files.get(&fd).map(|f| (f.size, f.pos)) else {
                return Ok(if fd <= 2 { ESPIPE } else { EBADF });
            };
            let (new, out) = if name == "fd_tell" {
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
        // Only the granted directories exist; past them libc's start-up scan must see EBADF (or it exits with 71).
        "fd_prestat_get" => {
            let Some(guest) = ctx.host_ref().wasi.preopen(arg_i32(a, 0)?).map(|g| g.guest.len()) else {
                return Ok(EBADF);
            };
            let mut prestat = [0u8; 8];
            prestat[4..8].copy_from_slice(&(guest as u32).to_le_bytes());
            mem::write(ctx, arg_u32(a, 1)?, &prestat)?;
            Ok(ESUCCESS)
        }
        "fd_prestat_dir_name" => {
            let Some(guest) = ctx.host_ref().wasi.preopen(arg_i32(a, 0)?).map(|g| g.guest.clone()) else {
                return Ok(EBADF);
            };
            let len = arg_u32(a, 2)? as usize;
            mem::write(ctx, arg_u32(a, 1)?, &guest.as_bytes()[..len.min(guest.len())])?;
            Ok(ESUCCESS)
        }
        "path_open" => {
            // path_open(dirfd, dirflags, path, path_len, oflags, rights, rights_inh, fdflags, fd_out)
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
            bounded::check(&w.limits, file.size, || {
                format!("path_open of {} in {}", path.display(), w.preopens[grant].guest)
            })?;
            let fd = w.next_fd();
            ctx.host().wasi.files.insert(fd, file);
            mem::write_u32(ctx, arg_u32(a, 8)?, fd)?;
            Ok(ESUCCESS)
        }
        "path_filestat_get" => {
            // path_filestat_get(dirfd, flags, path, path_len, filestat_out)
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
        "fd_filestat_get" => {
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
        "clock_time_get" => {
            let ptr = arg_u32(a, 2)?;
            let w = &mut ctx.host().wasi;
            w.clock_ns += 1_000;
            let now = w.clock_ns;
            mem::write_u64(ctx, ptr, now)?;
            Ok(ESUCCESS)
        }
        "clock_res_get" => {
            mem::write_u64(ctx, arg_u32(a, 1)?, 1_000)?;
            Ok(ESUCCESS)
        }
        "random_get" => {
            let (buf, len) = (arg_u32(a, 0)?, arg_u32(a, 1)?);
            bounded::check(&ctx.host_ref().wasi.limits, len as u64, || "random_get".to_string())?;
            let w = &mut ctx.host().wasi;
            let mut bytes = Vec::with_capacity(len as usize);
            for _ in 0..len {
                // xorshift64: deterministic, so runs are reproducible.
                let mut x = w.random_state;
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                w.random_state = x;
                bytes.push(x as u8);
            }
            mem::write(ctx, buf, &bytes)?;
            Ok(ESUCCESS)
        }
        "sched_yield" => Ok(ESUCCESS),
        "proc_exit" => Err(Trap::Exit(arg_i32(a, 0)?)),
        _ => Ok(ENOSYS),
    }
}

/// A host function for the WASI import `name` with the type the module declared.
pub fn func<E: Engine>(name: &str, ty: &FuncType) -> HostFn<E> {
    let name = name.to_string();
    let returns_errno = ty.results == [ValType::I32];
    Arc::new(move |ctx, args, results| {
        let errno = call(&name, ctx, args)?;
        if returns_errno {
            results[0] = Val::I32(errno);
        }
        Ok(())
    })
}
