//! Running a natively built case as an ordinary process: in a scratch copy of the case folder (so
//! the files it ships, and relative paths into its grants, are where it looks), with the case's
//! arguments (argv[0] is the program's module name, as in the lab), only the case's environment,
//! no input, and the cell's limits as rlimits and a wall clock.
//!
//! Not a sandbox: the program sees the host's filesystem (a case reading its grant at `/data` finds
//! the host's `/data`, so such cases declare `[native] skip`).

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use dylink::engine::{LimitKind, Limits};
use dylink::{Ending, RunResult, TrapKind};
use wait_timeout::ChildExt;

use crate::corpus::Case;

/// Runs `program` (a file of `built`, a folder of objects) for `case` in a copy of the case folder
/// made beneath `scratch_parent`. Paths of that copy in the output read `<run>`.
pub fn execute(case: &Case, built: &Path, program: &str, scratch_parent: &Path) -> Result<RunResult> {
    let run = tempfile::Builder::new()
        .prefix(".tmp-native-run-")
        .tempdir_in(scratch_parent)
        .with_context(|| format!("creating a run folder in {}", scratch_parent.display()))?;
    // Canonical: ld.so names the objects by the path it found them at ($ORIGIN is the real folder).
    let dir = run.path().canonicalize().context("resolving the run folder")?;
    copy_tree(&case.dir, &dir)?;
    for entry in std::fs::read_dir(built).with_context(|| format!("reading {}", built.display()))? {
        let entry = entry?;
        std::fs::copy(entry.path(), dir.join(entry.file_name()))
            .with_context(|| format!("copying {}", entry.path().display()))?;
    }
    let mut cmd = Command::new(dir.join(program));
    cmd.arg0(program).args(&case.manifest.args).env_clear().envs(&case.manifest.env).current_dir(&dir);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    set_rlimits(&mut cmd, &case.limits);
    let child = spawn(&mut cmd, program)?;
    wait(child, &case.limits, &dir)
}

/// The cell's limits as the child's rlimits.
fn set_rlimits(cmd: &mut Command, limits: &Limits) {
    let rlimits = [
        (libc::RLIMIT_CPU, limits.wall_clock.as_secs().max(1)),
        (libc::RLIMIT_FSIZE, limits.host_buffer_bytes),
        // The program's own memory, plus room for the process image and the shared objects.
        (libc::RLIMIT_AS, limits.memory_bytes.saturating_add(256 << 20)),
    ];
    // SAFETY: between fork and exec only async-signal-safe calls (setrlimit) on values made before.
    unsafe {
        cmd.pre_exec(move || {
            for (resource, value) in rlimits {
                let limit = libc::rlimit { rlim_cur: value as libc::rlim_t, rlim_max: value as libc::rlim_t };
                if libc::setrlimit(resource, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// Starts the program, retrying while its file is busy.
fn spawn(cmd: &mut Command, program: &str) -> Result<Child> {
    // ETXTBSY: another thread of this process forked while a compiler's write handle on some
    // program was open, and the child holds it until it execs; that goes away in a moment.
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(libc::ETXTBSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => return r.with_context(|| format!("starting {program}")),
        }
    }
}

/// Waits for the child within the wall clock, reading its output up to the host buffer limit;
/// `dir` (the run folder) reads `<run>` in the output.
fn wait(mut child: Child, limits: &Limits, dir: &Path) -> Result<RunResult> {
    let cap = usize::try_from(limits.host_buffer_bytes).unwrap_or(usize::MAX);
    let overflow = Arc::new(AtomicBool::new(false));
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _), cap, overflow.clone());
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _), cap, overflow.clone());
    let status = child.wait_timeout(limits.wall_clock).context("waiting for the program")?;
    let timed_out = status.is_none();
    if timed_out {
        let _ = child.kill();
    }
    let status = match status {
        Some(s) => s,
        None => child.wait().context("waiting for the program")?,
    };
    let portable = |bytes: Vec<u8>| replace_bytes(bytes, &dir.to_string_lossy(), "<run>");
    let (stdout, stderr) = (portable(stdout.join().unwrap_or_default()), portable(stderr.join().unwrap_or_default()));
    let ending = if timed_out {
        Ending::Limited(LimitKind::WallClock, format!("killed after {} s", limits.wall_clock.as_secs()))
    } else if overflow.load(Ordering::SeqCst) {
        Ending::Limited(LimitKind::HostBuffer, format!("printed more than {cap} bytes"))
    } else {
        ending(status)
    };
    Ok(RunResult { ending, stdout, stderr, fuel_consumed: 0 })
}

/// How the process ended: its exit code, or the signal that killed it (a CPU or file-size rlimit
/// is a limit of the cell, any other signal a trap).
fn ending(status: std::process::ExitStatus) -> Ending {
    match (status.code(), status.signal()) {
        (Some(code), _) => Ending::Exited(code),
        (None, Some(libc::SIGXCPU)) => Ending::Limited(LimitKind::WallClock, "CPU time limit (SIGXCPU)".into()),
        (None, Some(libc::SIGXFSZ)) => Ending::Limited(LimitKind::HostBuffer, "file size limit (SIGXFSZ)".into()),
        (None, Some(signal)) => {
            Ending::Trapped { kind: TrapKind::Other, message: format!("killed by {}", signal_name(signal)) }
        }
        (None, None) => Ending::Trapped { kind: TrapKind::Other, message: format!("ended by {status}") },
    }
}

fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGILL => "SIGILL",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {signal}"),
    };
    format!("{name} (signal {signal})")
}

/// Reads a pipe to its end, keeping at most `cap` bytes; past that it stops reading (the writer
/// then dies of SIGPIPE) and sets `overflow`.
fn drain(
    pipe: Option<Box<dyn Read + Send>>,
    cap: usize,
    overflow: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = pipe {
            let _ = p.take(cap as u64 + 1).read_to_end(&mut buf);
        }
        if buf.len() > cap {
            buf.truncate(cap);
            overflow.store(true, Ordering::SeqCst);
        }
        buf
    })
}

fn replace_bytes(bytes: Vec<u8>, from: &str, to: &str) -> Vec<u8> {
    let from = from.as_bytes();
    if from.is_empty() || !bytes.windows(from.len()).any(|w| w == from) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to.as_bytes());
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

/// Copies a folder: files by content, links as links (a case's links stay what they were).
fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if kind.is_dir() {
            std::fs::create_dir(&dst)?;
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst).with_context(|| format!("copying {}", src.display()))?;
        }
    }
    Ok(())
}
