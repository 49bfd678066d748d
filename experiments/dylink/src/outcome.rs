//! What one run of one cell produced, in engine-neutral terms.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// Trap kinds shared by every engine; adapters map their own codes onto these.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    EnumIter,
    IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum TrapKind {
    Unreachable,
    MemoryOutOfBounds,
    TableOutOfBounds,
    IndirectCallToNull,
    BadSignature,
    IntegerDivisionByZero,
    IntegerOverflow,
    BadConversionToInteger,
    StackOverflow,
    OutOfFuel,
    /// A host function stopped the guest (e.g. an unresolved lazy symbol was called).
    Host,
    /// Anything an adapter could not classify; its message goes into the outcome's detail.
    Other,
}

impl TrapKind {
    pub fn parse(s: &str) -> Option<TrapKind> {
        s.parse().ok()
    }

    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// How a cell ended.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    Display,
    EnumString,
    EnumIter,
    IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Status {
    /// Ran to completion with the reference stdout and exit code.
    Ok,
    /// The guest trapped (trap kind in the outcome).
    Trap,
    /// The program itself detected that a call reached the wrong function (a `wrong-call:` line).
    WrongCall,
    /// Ran to completion but printed something else or exited with another code than the reference.
    WrongOutput,
    /// A module could not be linked or instantiated.
    LinkError,
    /// Fuel ran out: a runaway loop, or a cell slower than its budget.
    Timeout,
    /// The cell does not apply (e.g. a dlopen case under static linking).
    Unsupported,
    /// The guest reached one of the cell's resource limits (memory, table, instances, ...); the
    /// detail names it.
    Limit,
}

impl Status {
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn parse(s: &str) -> Option<Status> {
        s.parse().ok()
    }
}

/// How the guest run ended, before any comparison with the reference.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ending {
    /// `main` returned or the program called `exit`/`proc_exit`.
    Exited(i32),
    Trapped {
        kind: TrapKind,
        message: String,
    },
    LinkError(String),
    /// The program needs something the placement does not provide (under `libc-host`: a libc
    /// function outside the host's subset); the message names it.
    Unsupported(String),
    /// A resource limit of the cell was reached.
    Limited(crate::engine::LimitKind, String),
}

/// The raw result of running a program: what the guest printed and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunResult {
    pub ending: Ending,
    /// Exactly the bytes the guest wrote: compared byte for byte, never after a lossy conversion.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub fuel_consumed: u64,
}

/// Marks a line in which a self-checking case reports that a call reached the wrong function.
pub const WRONG_CALL_MARKER: &str = "wrong-call:";

impl RunResult {
    pub fn exit_code(&self) -> Option<i32> {
        match self.ending {
            Ending::Exited(c) => Some(c),
            _ => None,
        }
    }

    /// Classifies the run against the reference stdout and exit code.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Classifies the run against the reference stdout (bytes) and exit code.
    pub fn classify(&self, expected_stdout: &[u8], expected_exit: i32) -> (Status, Option<TrapKind>, String) {
        match &self.ending {
            Ending::LinkError(m) => (Status::LinkError, None, m.clone()),
            Ending::Unsupported(m) => (Status::Unsupported, None, m.clone()),
            // Wall-clock time is the one limit every runaway guest reaches on an engine without fuel.
            Ending::Limited(crate::engine::LimitKind::WallClock, m) => (Status::Timeout, None, m.clone()),
            Ending::Limited(kind, m) => (Status::Limit, None, format!("{kind} limit: {m}")),
            Ending::Trapped { kind: TrapKind::OutOfFuel, message } => {
                (Status::Timeout, Some(TrapKind::OutOfFuel), message.clone())
            }
            Ending::Trapped { kind, message } => {
                // A program may have detected a wrong call before it trapped; the trap is what ended it.
                (Status::Trap, Some(*kind), message.clone())
            }
            Ending::Exited(code) => {
                let stdout = self.stdout_text();
                if let Some(line) = stdout.lines().find(|l| l.starts_with(WRONG_CALL_MARKER)) {
                    (Status::WrongCall, None, line.trim().to_string())
                } else if self.stdout != expected_stdout || *code != expected_exit {
                    let detail = if *code != expected_exit {
                        format!("exit code {code}, expected {expected_exit}")
                    } else {
                        first_difference(expected_stdout, &self.stdout)
                    };
                    (Status::WrongOutput, None, detail)
                } else {
                    (Status::Ok, None, String::new())
                }
            }
        }
    }
}

/// Names the first line where two outputs differ (lines compared as bytes; shown escaped).
pub fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let lines = |b: &[u8]| -> Vec<Vec<u8>> {
        let mut v: Vec<Vec<u8>> =
            b.split(|&c| c == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec()).collect();
        if b.ends_with(b"\n") {
            v.pop();
        }
        v
    };
    let show = |l: Option<&Vec<u8>>| match l {
        None => "<end>".to_string(),
        Some(l) => match std::str::from_utf8(l) {
            Ok(s) => format!("{s:?}"),
            Err(_) => format!("b\"{}\"", l.escape_ascii()),
        },
    };
    let (e, a) = (lines(expected), lines(actual));
    for n in 0..e.len().max(a.len()) {
        if e.get(n) != a.get(n) {
            return format!("stdout line {}: expected {}, got {}", n + 1, show(e.get(n)), show(a.get(n)));
        }
    }
    "stdout differs in line endings".into()
}
