//! What one run of one cell produced, in engine-neutral terms.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Trap kinds shared by every engine; adapters map their own codes onto these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
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
    pub const ALL: [TrapKind; 12] = [
        TrapKind::Unreachable,
        TrapKind::MemoryOutOfBounds,
        TrapKind::TableOutOfBounds,
        TrapKind::IndirectCallToNull,
        TrapKind::BadSignature,
        TrapKind::IntegerDivisionByZero,
        TrapKind::IntegerOverflow,
        TrapKind::BadConversionToInteger,
        TrapKind::StackOverflow,
        TrapKind::OutOfFuel,
        TrapKind::Host,
        TrapKind::Other,
    ];

    pub fn parse(s: &str) -> Option<TrapKind> {
        TrapKind::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::MemoryOutOfBounds => "memory-out-of-bounds",
            TrapKind::TableOutOfBounds => "table-out-of-bounds",
            TrapKind::IndirectCallToNull => "indirect-call-to-null",
            TrapKind::BadSignature => "bad-signature",
            TrapKind::IntegerDivisionByZero => "integer-division-by-zero",
            TrapKind::IntegerOverflow => "integer-overflow",
            TrapKind::BadConversionToInteger => "bad-conversion-to-integer",
            TrapKind::StackOverflow => "stack-overflow",
            TrapKind::OutOfFuel => "out-of-fuel",
            TrapKind::Host => "host",
            TrapKind::Other => "other",
        }
    }
}

impl fmt::Display for TrapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a cell ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
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
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Trap => "trap",
            Status::WrongCall => "wrong-call",
            Status::WrongOutput => "wrong-output",
            Status::LinkError => "link-error",
            Status::Timeout => "timeout",
            Status::Unsupported => "unsupported",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::Ok,
            Status::Trap,
            Status::WrongCall,
            Status::WrongOutput,
            Status::LinkError,
            Status::Timeout,
            Status::Unsupported,
        ]
        .into_iter()
        .find(|st| st.name() == s)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How the guest run ended, before any comparison with the reference.
#[derive(Clone, Debug, PartialEq, Eq)]
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
}

/// The raw result of running a program: what the guest printed and how it ended.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub ending: Ending,
    pub stdout: String,
    pub stderr: String,
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
    pub fn classify(&self, expected_stdout: &str, expected_exit: i32) -> (Status, Option<TrapKind>, String) {
        match &self.ending {
            Ending::LinkError(m) => (Status::LinkError, None, m.clone()),
            Ending::Unsupported(m) => (Status::Unsupported, None, m.clone()),
            Ending::Trapped { kind: TrapKind::OutOfFuel, message } => {
                (Status::Timeout, Some(TrapKind::OutOfFuel), message.clone())
            }
            Ending::Trapped { kind, message } => {
                // A program may have detected a wrong call before it trapped; the trap is what ended it.
                (Status::Trap, Some(*kind), message.clone())
            }
            Ending::Exited(code) => {
                if let Some(line) = self.stdout.lines().find(|l| l.starts_with(WRONG_CALL_MARKER)) {
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

/// Names the first line where two outputs differ.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let (mut e, mut a) = (expected.lines(), actual.lines());
    let mut n = 1;
    loop {
        match (e.next(), a.next()) {
            (None, None) => return "stdout differs in line endings".into(),
            (x, y) if x == y => n += 1,
            (x, y) => {
                return format!("stdout line {n}: expected {:?}, got {:?}", x.unwrap_or("<end>"), y.unwrap_or("<end>"))
            }
        }
    }
}
