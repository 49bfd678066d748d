//! A program and its result as JSON lines between a process outside Node and the V8 worker: the
//! lab's own types, by serde.

use std::borrow::Cow;

use dylink::{Program, RunResult};
use serde::{Deserialize, Serialize};

/// One program for the worker to run.
#[derive(Serialize, Deserialize)]
pub struct Request<'a> {
    pub program: Cow<'a, Program>,
    /// The matrix engine (time-limited) or the timing engine.
    pub metered: bool,
}

/// The worker's answer: the run's result, or why it could not read the request.
pub type Answer = Result<RunResult, String>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use dylink::engine::{LimitKind, Limits};
    use dylink::{Ending, Libc, Strategy, TrapKind};

    use super::*;

    #[test]
    fn a_request_and_an_answer_round_trip_unchanged() {
        let program = Program::new("/c/main.wasm", "main")
            .libc(Libc::LibcModule)
            .linkage(Strategy::Isolated)
            .libc_module(Some("/libc.wasm".into()))
            .lib("liba.so", "/c/a.wasm")
            .args(["main", "x y"])
            .env([("K".into(), "v".into())])
            .dirs([("/data".into(), "/c/data".into())])
            .limits(Limits { wall_clock: Duration::from_millis(1500), ..Limits::HARD });
        let line = serde_json::to_string(&Request { program: Cow::Borrowed(&program), metered: true }).unwrap();
        let back: Request = serde_json::from_str(&line).unwrap();
        assert_eq!((back.program.into_owned(), back.metered), (program, true));

        for ending in [
            Ending::Exited(-3),
            Ending::Trapped { kind: TrapKind::StackOverflow, message: "deep".into() },
            Ending::LinkError("l".into()),
            Ending::Unsupported("u".into()),
            Ending::Limited(LimitKind::WallClock, "w".into()),
        ] {
            let answer: Answer =
                Ok(RunResult { ending, stdout: vec![0, 255], stderr: b"e".to_vec(), fuel_consumed: 9 });
            let back: Answer = serde_json::from_str(&serde_json::to_string(&answer).unwrap()).unwrap();
            assert_eq!(back, answer);
        }
    }
}
