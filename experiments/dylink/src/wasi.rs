//! One `wasi_snapshot_preview1` implementation for every engine, so cells stay comparable:
//! captured stdout/stderr, an empty stdin, arguments and environment from the case, a deterministic
//! clock and random source, no filesystem (no preopened directories).

use std::sync::Arc;

use crate::engine::{Ctx, Engine, FuncType, HostFn, Trap, Val, ValType};
use crate::mem;

pub const ESUCCESS: i32 = 0;
pub const EBADF: i32 = 8;
pub const EINVAL: i32 = 28;
pub const ENOSYS: i32 = 52;
pub const ESPIPE: i32 = 70;

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
            // stdin is empty: every read is end-of-file.
            if arg_i32(a, 0)? != 0 {
                return Ok(EBADF);
            }
            mem::write_u32(ctx, arg_u32(a, 3)?, 0)?;
            Ok(ESUCCESS)
        }
        "fd_fdstat_get" => {
            if !(0..=2).contains(&arg_i32(a, 0)?) {
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
        "fd_close" => Ok(if (0..=2).contains(&arg_i32(a, 0)?) { ESUCCESS } else { EBADF }),
        "fd_seek" | "fd_tell" => Ok(if (0..=2).contains(&arg_i32(a, 0)?) { ESPIPE } else { EBADF }),
        // No preopened directories: libc's start-up scan must see EBADF, or it exits with 71.
        "fd_prestat_get" | "fd_prestat_dir_name" => Ok(EBADF),
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
