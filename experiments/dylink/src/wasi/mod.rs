//! One `wasi_snapshot_preview1` implementation for every engine, so cells stay comparable:
//! captured stdout/stderr, an empty stdin, arguments and environment from the case, a deterministic
//! clock and random source, and no filesystem except the folders a case grants (read-only, through
//! capabilities: see [`grant`]). Every host buffer whose size the guest chooses is bounded by the
//! cell's host-buffer limit (see [`bounded`]).

pub mod bounded;
pub mod errno;
mod fd;
pub mod grant;
mod path;

use std::collections::BTreeMap;
use std::path::Path;
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

/// args_sizes_get or environ_sizes_get (`args`): the count and total bytes of the list.
fn list_sizes<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>], args: bool) -> Result<i32, Trap> {
    let w = &ctx.host_ref().wasi;
    let list = if args { w.args.clone() } else { env_strings(w) };
    let (n, bytes) = sizes(&list);
    mem::write_u32(ctx, arg_u32(a, 0)?, n)?;
    mem::write_u32(ctx, arg_u32(a, 1)?, bytes)?;
    Ok(ESUCCESS)
}

/// args_get or environ_get (`args`): the list itself.
fn list_get<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>], args: bool) -> Result<i32, Trap> {
    let w = &ctx.host_ref().wasi;
    let list = if args { w.args.clone() } else { env_strings(w) };
    write_list(ctx, &list, arg_u32(a, 0)?, arg_u32(a, 1)?)?;
    Ok(ESUCCESS)
}

/// clock_time_get(id, precision, time_out): the deterministic clock, 1 µs later each time.
fn clock_time_get<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    let ptr = arg_u32(a, 2)?;
    let w = &mut ctx.host().wasi;
    w.clock_ns += 1_000;
    let now = w.clock_ns;
    mem::write_u64(ctx, ptr, now)?;
    Ok(ESUCCESS)
}

/// random_get(buf, len): deterministic bytes, within the host-buffer limit.
fn random_get<E: Engine>(ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
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

/// The body of one WASI call; returns the errno.
fn call<E: Engine>(name: &str, ctx: &mut dyn Ctx<E>, a: &[Val<E>]) -> Result<i32, Trap> {
    match name {
        "args_sizes_get" | "environ_sizes_get" => list_sizes(ctx, a, name == "args_sizes_get"),
        "args_get" | "environ_get" => list_get(ctx, a, name == "args_get"),
        "fd_write" => fd::write(ctx, a),
        "fd_read" => fd::read(ctx, a),
        "fd_fdstat_get" => fd::fdstat_get(ctx, a),
        "fd_close" => fd::close(ctx, a),
        "fd_seek" | "fd_tell" => fd::seek(ctx, a, name == "fd_tell"),
        "fd_prestat_get" => fd::prestat_get(ctx, a),
        "fd_prestat_dir_name" => fd::prestat_dir_name(ctx, a),
        "path_open" => path::open(ctx, a),
        "path_filestat_get" => path::filestat_get(ctx, a),
        "fd_filestat_get" => fd::filestat_get(ctx, a),
        "clock_time_get" => clock_time_get(ctx, a),
        "clock_res_get" => {
            mem::write_u64(ctx, arg_u32(a, 1)?, 1_000)?;
            Ok(ESUCCESS)
        }
        "random_get" => random_get(ctx, a),
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
