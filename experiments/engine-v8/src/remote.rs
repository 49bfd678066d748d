//! Whole programs on V8 from a process outside Node: Node workers per V8 engine ([`Runtime`]), as
//! many as programs ran at the same time, started on first use (`node <flags> -e <host.js> <addon>`),
//! answering one JSON line per program. The guest's host calls stay inside the worker, in process
//! with V8.
//!
//! The worker enforces a metered program's wall clock itself (a watchdog around every top-level
//! call and instantiation); what it cannot interrupt (a compilation, a host call that never
//! returns) this side ends: a worker that has not answered [`GRACE`] after the program's wall clock
//! is killed, the program ends as `limit (wall-clock)`, and the next program gets a fresh worker.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::Mutex;
use std::time::Duration;

use dylink::engine::LimitKind;
use dylink::{Ending, Program, RunResult, TrapKind};

use crate::wire::{Answer, Request};
use crate::Runtime;

/// The worker's JavaScript: load the addon, check the pinned Node, answer lines.
pub const HOST_JS: &str = include_str!("host.js");

/// The addon's export answering one [`Request`] line with one [`Answer`] line.
pub const RUN_PROGRAM: &str = "runProgram";

/// How long after its wall clock a program's worker is killed if it has not answered.
pub const GRACE: Duration = Duration::from_millis(900);

struct Worker {
    child: Child,
    stdin: ChildStdin,
    /// The worker's answer lines, read by a thread of their own so that waiting can time out.
    lines: Receiver<std::io::Result<String>>,
}

/// Idle workers by engine name ([`Runtime::engine`]): a program takes one (or starts one) and gives
/// it back when answered, so programs on parallel threads run in as many workers, never waiting for
/// each other; there are never more workers than programs that ran at once.
static IDLE: Mutex<Vec<(&'static str, Worker)>> = Mutex::new(Vec::new());

/// An idle worker of `rt`'s engine, or a new one.
fn take(rt: &Runtime) -> Result<Worker, String> {
    let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
    match idle.iter().position(|(e, _)| *e == rt.engine) {
        Some(i) => Ok(idle.swap_remove(i).1),
        None => {
            drop(idle);
            spawn(rt)
        }
    }
}

fn give_back(rt: &Runtime, w: Worker) {
    IDLE.lock().unwrap_or_else(|p| p.into_inner()).push((rt.engine, w));
}

/// The variable telling a Node process which V8 engine of the registry it hosts.
const HOSTED: &str = "DYLAB_V8_ENGINE";

/// Inside Node: the engine this process was started for (a Node started by hand: the default one).
pub fn hosted_engine() -> String {
    std::env::var(HOSTED).unwrap_or_else(|_| <crate::Node26 as crate::Tier>::RUNTIME.engine.to_string())
}

/// The addon: `$DYLAB_V8_ADDON`, else `libdylab_v8.so` beside this executable (target/debug, or
/// target/debug/deps for test binaries), built with `cargo build -p dylab-v8-addon`.
pub fn addon_path() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("DYLAB_V8_ADDON") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| format!("locating this executable: {e}"))?;
    let dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    // Built as a dependency it lands in deps/; built on its own, also beside: the newest one wins.
    let candidates = [dir.join("libdylab_v8.so"), dir.join("../libdylab_v8.so"), dir.join("deps/libdylab_v8.so")];
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    candidates.iter().filter(|p| p.is_file()).max_by_key(|p| modified(p)).cloned().ok_or_else(|| {
        format!(
            "the V8 addon libdylab_v8.so is not beside {} (build it: cargo build -p dylab-v8-addon, or set DYLAB_V8_ADDON)",
            exe.display()
        )
    })
}

/// `node <flags> <extra> -e host.js <addon> <pinned version> <mode> <export>` for `rt`, not
/// started: the addon's export `once` served once with all of stdin, or (`None`) [`RUN_PROGRAM`]
/// per line. The counting parent runs it under valgrind with [`Runtime::count_flags`] as `extra`.
pub fn command(rt: &Runtime, extra: &[&str], once: Option<&str>) -> Result<Command, String> {
    let (mode, export) = match once {
        Some(export) => ("once", export),
        None => ("lines", RUN_PROGRAM),
    };
    let mut cmd = Command::new(rt.node_path());
    cmd.args(rt.flags()).args(extra).arg("-e").arg(HOST_JS).arg(addon_path()?).arg(rt.node).args([mode, export]);
    cmd.env(HOSTED, rt.engine);
    Ok(cmd)
}

/// [`command`] without extra flags, started with its stdin and stdout piped.
fn node(rt: &Runtime) -> Result<Child, String> {
    command(rt, &[], None)?.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().map_err(|e| {
        format!("starting {} (scripts/setup-node.sh installs it, or set DYLAB_NODE): {e}", rt.node_path().display())
    })
}

/// Runs `cmd` (a [`command`] naming an export) with `input` on its stdin; its output back.
pub fn once(mut cmd: Command, input: &str) -> Result<String, String> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("starting {:?} (scripts/setup-node.sh installs Node): {e}", cmd.get_program()))?;
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(input.as_bytes()).map_err(|e| format!("writing to Node: {e}"))?;
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| format!("waiting for Node: {e}"))?;
    if !out.status.success() {
        return Err(format!("Node ended with {} running {:?}", out.status, cmd.get_args().last().unwrap_or_default()));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("Node's answer: {e}"))
}

fn spawn(rt: &Runtime) -> Result<Worker, String> {
    let mut child = node(rt)?;
    let stdin = child.stdin.take().expect("piped");
    let stdout = BufReader::new(child.stdout.take().expect("piped"));
    let (tx, lines) = mpsc::channel();
    std::thread::Builder::new()
        .name("dylab-v8-answers".into())
        .spawn(move || {
            for line in stdout.lines() {
                if tx.send(line).is_err() {
                    break;
                }
            }
        })
        .map_err(|e| format!("starting the V8 worker's reader: {e}"))?;
    Ok(Worker { child, stdin, lines })
}

fn failed(message: String) -> RunResult {
    RunResult {
        ending: Ending::Trapped { kind: TrapKind::Other, message },
        stdout: Vec::new(),
        stderr: Vec::new(),
        fuel_consumed: 0,
    }
}

/// Runs `program` in `rt`'s worker (started if needed); a worker that dies is started again for the
/// next program, and this one ends as a host failure naming it; a metered program the worker has
/// not finished [`GRACE`] after its wall clock ends as `limit (wall-clock)`, its worker killed.
pub fn run(rt: &'static Runtime, program: &Program, metered: bool) -> RunResult {
    let line = serde_json::to_string(&Request { program: std::borrow::Cow::Borrowed(program), metered })
        .expect("serialisable");
    let mut w = match take(rt) {
        Ok(w) => w,
        Err(e) => return failed(format!("V8 worker: {e}")),
    };
    let wall = program.limits.wall_clock;
    let answer = match writeln!(w.stdin, "{line}").and_then(|_| w.stdin.flush()) {
        Err(_) => Err(RecvTimeoutError::Disconnected),
        Ok(()) if metered => w.lines.recv_timeout(wall + GRACE),
        Ok(()) => w.lines.recv().map_err(|_| RecvTimeoutError::Disconnected),
    };
    match answer {
        Ok(Ok(answer)) => {
            give_back(rt, w);
            match serde_json::from_str::<Answer>(&answer) {
                Ok(Ok(r)) => r,
                Ok(Err(e)) => failed(format!("V8 worker: {e}")),
                Err(e) => failed(format!("V8 worker answered {answer:?}: {e}")),
            }
        }
        Err(RecvTimeoutError::Timeout) => {
            stop(w);
            let message = format!("ran longer than {wall:?} (the V8 worker was ended {GRACE:?} after the deadline)");
            RunResult {
                ending: Ending::Limited(LimitKind::WallClock, message),
                stdout: Vec::new(),
                stderr: Vec::new(),
                fuel_consumed: 0,
            }
        }
        Ok(Err(_)) | Err(RecvTimeoutError::Disconnected) => {
            let status = stop(w);
            failed(format!("the V8 worker process ended ({status}) while running this program"))
        }
    }
}

/// Kills a worker (ours, by its handle) and reaps it; its exit status.
fn stop(mut w: Worker) -> String {
    let _ = w.child.kill();
    w.child.wait().map(|s| s.to_string()).unwrap_or_default()
}

/// The worker's side: one request line in, one answer line out (`Err` for a request it cannot read).
pub fn serve(line: &str, run: impl FnOnce(Program, bool) -> RunResult) -> String {
    let answer: Answer = match serde_json::from_str::<Request>(line) {
        Ok(req) => Ok(run(req.program.into_owned(), req.metered)),
        Err(e) => Err(format!("bad request: {e}")),
    };
    serde_json::to_string(&answer).expect("serialisable")
}

/// The answer when the worker's host code panicked while running a program.
pub fn panicked() -> String {
    let r: Answer = Ok(failed("the host panicked while running this cell on V8".into()));
    serde_json::to_string(&r).expect("serialisable")
}
