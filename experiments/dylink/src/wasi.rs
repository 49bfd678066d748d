//! One `wasi_snapshot_preview1` implementation for every engine, so cells stay comparable:
//! captured stdout/stderr, an empty stdin, arguments and environment from the case, a deterministic
//! clock and random source, and no filesystem except the directories a case grants (read-only).

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::engine::{Ctx, Engine, FuncType, HostFn, Trap, Val, ValType};
use crate::mem;

pub const ESUCCESS: i32 = 0;
pub const EBADF: i32 = 8;
pub const EINVAL: i32 = 28;
pub const ENOSYS: i32 = 52;
pub const ESPIPE: i32 = 70;
pub const EACCES: i32 = 2;
pub const EISDIR: i32 = 31;
pub const ENOENT: i32 = 44;
pub const ENOTCAPABLE: i32 = 76;
pub const EROFS: i32 = 69;

/// Rights reported for files in a granted directory: read, seek, tell, fdstat, filestat.
const FILE_RIGHTS: u64 = (1 << 1) | (1 << 2) | (1 << 5) | (1 << 3) | (1 << 21);
/// Rights of a granted directory: path_open, path_filestat_get, and what files opened in it may have.
const DIR_RIGHTS: u64 = (1 << 13) | (1 << 18) | FILE_RIGHTS;

/// Guest output above this is cut and the run stops: a runaway printer must not eat the host's memory.
pub const OUTPUT_LIMIT: usize = 4 << 20;

#[derive(Clone, Debug, Default)]
pub struct WasiState {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Deterministic clock: advances 1 µs per query.
    pub clock_ns: u64,
    pub random_state: u64,
    /// Directories the case grants, preopened read-only as fds 3, 4, ...: (guest name, host folder).
    pub preopens: Vec<(String, PathBuf)>,
    /// Files opened in them: fd -> (contents, position).
    pub files: BTreeMap<u32, (Vec<u8>, u64)>,
}

impl WasiState {
    pub fn new(args: Vec<String>, env: Vec<(String, String)>) -> Self {
        WasiState {
            args,
            env,
            clock_ns: 1_600_000_000_000_000_000,
            random_state: 0x9e37_79b9_7f4a_7c15,
            ..Default::default()
        }
    }

    /// Grants `host` to the guest as the read-only directory `guest` (e.g. `/data`).
    pub fn grant(mut self, guest: &str, host: PathBuf) -> Self {
        self.preopens.push((guest.to_string(), host));
        self
    }

    fn preopen(&self, fd: i32) -> Option<&(String, PathBuf)> {
        usize::try_from(fd).ok().and_then(|f| f.checked_sub(3)).and_then(|i| self.preopens.get(i))
    }

    fn next_fd(&self) -> u32 {
        let first = 3 + self.preopens.len() as u32;
        (first..).find(|fd| !self.files.contains_key(fd)).unwrap()
    }
}

/// `path` inside the granted folder, or None when it would leave it (absolute, `..`).
fn inside(root: &Path, path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    let mut out = root.to_path_buf();
    for c in p.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out)
}

/// A WASI filestat (64 bytes) of a regular file or directory.
fn filestat(is_dir: bool, size: u64) -> [u8; 64] {
    let mut st = [0u8; 64];
    st[16] = if is_dir { 3 } else { 4 };
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
        mem::write_u32(ctx, ptrs + 4 * i as u32, at)?;
        mem::write(ctx, at, s.as_bytes())?;
        mem::write(ctx, at + s.len() as u32, &[0])?;
        at += s.len() as u32 + 1;
    }
    Ok(())
}

fn sizes(strings: &[String]) -> (u32, u32) {
    (strings.len() as u32, strings.iter().map(|s| s.len() as u32 + 1).sum())
}

fn env_strings(w: &WasiState) -> Vec<String> {
    w.env.iter().map(|(k, v)| format!("{k}={v}")).collect()
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
            let (fd, iovs, n, nwritten) = (arg_i32(a, 0)?, arg_u32(a, 1)?, arg_u32(a, 2)?, arg_u32(a, 3)?);
            if fd != 1 && fd != 2 {
                return Ok(EBADF);
            }
            let mut data = Vec::new();
            for i in 0..n {
                let ptr = mem::read_u32(ctx, iovs + 8 * i)?;
                let len = mem::read_u32(ctx, iovs + 8 * i + 4)?;
                data.extend(mem::read(ctx, ptr, len)?);
            }
            let w = &mut ctx.host().wasi;
            let out = if fd == 1 { &mut w.stdout } else { &mut w.stderr };
            out.extend_from_slice(&data);
            if out.len() > OUTPUT_LIMIT {
                return Err(Trap::Host(format!("output limit of {OUTPUT_LIMIT} bytes exceeded on fd {fd}")));
            }
            mem::write_u32(ctx, nwritten, data.len() as u32)?;
            Ok(ESUCCESS)
        }
        "fd_read" => {
            let (fd, iovs, n, nread) = (arg_u32(a, 0)?, arg_u32(a, 1)?, arg_u32(a, 2)?, arg_u32(a, 3)?);
            // stdin is empty: every read is end-of-file.
            if fd == 0 {
                mem::write_u32(ctx, nread, 0)?;
                return Ok(ESUCCESS);
            }
            let Some((data, pos)) = ctx.host_ref().wasi.files.get(&fd).cloned() else { return Ok(EBADF) };
            let mut at = pos as usize;
            for i in 0..n {
                let ptr = mem::read_u32(ctx, iovs + 8 * i)?;
                let len = mem::read_u32(ctx, iovs + 8 * i + 4)? as usize;
                let chunk = &data[at.min(data.len())..(at + len).min(data.len())];
                mem::write(ctx, ptr, chunk)?;
                at += chunk.len();
            }
            mem::write_u32(ctx, nread, (at - pos as usize) as u32)?;
            ctx.host().wasi.files.get_mut(&fd).unwrap().1 = at as u64;
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
            // A character device without seek/tell rights: what wasi-libc's isatty() calls a terminal,
            // so stdout is line-buffered and what a case printed before a trap is not lost in libc's buffer.
            const SEEK_TELL: u64 = (1 << 2) | (1 << 5);
            let mut stat = [0u8; 24];
            stat[0] = 2;
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
            let Some((data, pos)) = ctx.host_ref().wasi.files.get(&fd).cloned() else {
                return Ok(if fd <= 2 { ESPIPE } else { EBADF });
            };
            let (new, out) = if name == "fd_tell" {
                (pos as i64, arg_u32(a, 1)?)
            } else {
                let offset = match a.get(1) {
                    Some(Val::I64(o)) => *o,
                    _ => return Ok(EINVAL),
                };
                let base = match arg_i32(a, 2)? {
                    0 => 0,
                    1 => pos as i64,
                    2 => data.len() as i64,
                    _ => return Ok(EINVAL),
                };
                (base + offset, arg_u32(a, 3)?)
            };
            if new < 0 {
                return Ok(EINVAL);
            }
            ctx.host().wasi.files.get_mut(&fd).unwrap().1 = new as u64;
            mem::write_u64(ctx, out, new as u64)?;
            Ok(ESUCCESS)
        }
        // Only the granted directories exist; past them libc's start-up scan must see EBADF (or it exits with 71).
        "fd_prestat_get" => {
            let Some((guest, _)) = ctx.host_ref().wasi.preopen(arg_i32(a, 0)?).cloned() else { return Ok(EBADF) };
            let mut prestat = [0u8; 8];
            prestat[4..8].copy_from_slice(&(guest.len() as u32).to_le_bytes());
            mem::write(ctx, arg_u32(a, 1)?, &prestat)?;
            Ok(ESUCCESS)
        }
        "fd_prestat_dir_name" => {
            let Some((guest, _)) = ctx.host_ref().wasi.preopen(arg_i32(a, 0)?).cloned() else { return Ok(EBADF) };
            let len = arg_u32(a, 2)? as usize;
            mem::write(ctx, arg_u32(a, 1)?, &guest.as_bytes()[..len.min(guest.len())])?;
            Ok(ESUCCESS)
        }
        "path_open" | "path_filestat_get" => {
            // path_open(dirfd, dirflags, path, path_len, oflags, rights, rights_inh, fdflags, fd_out)
            // path_filestat_get(dirfd, flags, path, path_len, filestat_out)
            let Some((_, root)) = ctx.host_ref().wasi.preopen(arg_i32(a, 0)?).cloned() else { return Ok(EBADF) };
            let path = String::from_utf8_lossy(&mem::read(ctx, arg_u32(a, 2)?, arg_u32(a, 3)?)?).into_owned();
            let Some(host_path) = inside(&root, &path) else { return Ok(ENOTCAPABLE) };
            // Granted directories are read-only: creating, truncating or appending is refused.
            if name == "path_open" && (arg_u32(a, 4)? & 0b1101 != 0 || arg_u32(a, 7)? & 1 != 0) {
                return Ok(EROFS);
            }
            let meta = match std::fs::metadata(&host_path) {
                Ok(m) => m,
                Err(_) => return Ok(ENOENT),
            };
            if name == "path_filestat_get" {
                mem::write(ctx, arg_u32(a, 4)?, &filestat(meta.is_dir(), meta.len()))?;
                return Ok(ESUCCESS);
            }
            if meta.is_dir() {
                return Ok(EISDIR);
            }
            let Ok(data) = std::fs::read(&host_path) else { return Ok(EACCES) };
            let fd = ctx.host_ref().wasi.next_fd();
            ctx.host().wasi.files.insert(fd, (data, 0));
            mem::write_u32(ctx, arg_u32(a, 8)?, fd)?;
            Ok(ESUCCESS)
        }
        "fd_filestat_get" => {
            let fd = arg_i32(a, 0)?;
            let w = &ctx.host_ref().wasi;
            let st = if w.preopen(fd).is_some() {
                filestat(true, 0)
            } else if let Some((data, _)) = w.files.get(&(fd as u32)) {
                filestat(false, data.len() as u64)
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
