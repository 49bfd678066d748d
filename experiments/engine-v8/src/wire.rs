//! A program and its result as JSON lines between a process outside Node and the V8 worker.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use dylink::engine::{LimitKind, Limits};
use dylink::{Ending, Libc, Linkage, Program, RunResult, TrapKind};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Request {
    pub program: ProgramWire,
    /// The matrix engine (time-limited) or the timing engine.
    pub metered: bool,
}

#[derive(Serialize, Deserialize)]
pub struct ProgramWire {
    libc: Libc,
    linkage: Linkage,
    main: PathBuf,
    main_name: String,
    libc_module: Option<PathBuf>,
    libs: HashMap<String, PathBuf>,
    case_dir: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    dirs: Vec<(String, PathBuf)>,
    fuel: u64,
    memory_bytes: u64,
    table_elements: u32,
    instances: u32,
    host_buffer_bytes: u64,
    handles: u32,
    wall_clock_ms: u64,
    /// The `isolated` strategy's declared interfaces.
    #[serde(default)]
    interfaces: dylink::interface::Interfaces,
}

impl From<&Program> for ProgramWire {
    fn from(p: &Program) -> Self {
        let l = &p.limits;
        ProgramWire {
            libc: p.libc,
            linkage: p.linkage,
            main: p.main.clone(),
            main_name: p.main_name.clone(),
            libc_module: p.libc_module.clone(),
            libs: p.libs.clone(),
            case_dir: p.case_dir.clone(),
            args: p.args.clone(),
            env: p.env.clone(),
            dirs: p.dirs.clone(),
            fuel: l.fuel,
            memory_bytes: l.memory_bytes,
            table_elements: l.table_elements,
            instances: l.instances,
            host_buffer_bytes: l.host_buffer_bytes,
            handles: l.handles,
            wall_clock_ms: l.wall_clock.as_millis() as u64,
            interfaces: p.interfaces.clone(),
        }
    }
}

impl From<ProgramWire> for Program {
    fn from(p: ProgramWire) -> Self {
        Program {
            libc: p.libc,
            linkage: p.linkage,
            main: p.main,
            main_name: p.main_name,
            libc_module: p.libc_module,
            libs: p.libs,
            case_dir: p.case_dir,
            args: p.args,
            env: p.env,
            dirs: p.dirs,
            limits: Limits {
                fuel: p.fuel,
                memory_bytes: p.memory_bytes,
                table_elements: p.table_elements,
                instances: p.instances,
                host_buffer_bytes: p.host_buffer_bytes,
                handles: p.handles,
                wall_clock: Duration::from_millis(p.wall_clock_ms),
            },
            interfaces: p.interfaces,
        }
    }
}

#[derive(Serialize, Deserialize)]
pub enum EndingWire {
    Exited(i32),
    Trapped { kind: TrapKind, message: String },
    LinkError(String),
    Unsupported(String),
    Limited(LimitKind, String),
}

#[derive(Serialize, Deserialize)]
pub struct ResultWire {
    ending: EndingWire,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    fuel_consumed: u64,
}

impl From<RunResult> for ResultWire {
    fn from(r: RunResult) -> Self {
        let ending = match r.ending {
            Ending::Exited(c) => EndingWire::Exited(c),
            Ending::Trapped { kind, message } => EndingWire::Trapped { kind, message },
            Ending::LinkError(m) => EndingWire::LinkError(m),
            Ending::Unsupported(m) => EndingWire::Unsupported(m),
            Ending::Limited(k, m) => EndingWire::Limited(k, m),
        };
        ResultWire { ending, stdout: r.stdout, stderr: r.stderr, fuel_consumed: r.fuel_consumed }
    }
}

impl From<ResultWire> for RunResult {
    fn from(r: ResultWire) -> Self {
        let ending = match r.ending {
            EndingWire::Exited(c) => Ending::Exited(c),
            EndingWire::Trapped { kind, message } => Ending::Trapped { kind, message },
            EndingWire::LinkError(m) => Ending::LinkError(m),
            EndingWire::Unsupported(m) => Ending::Unsupported(m),
            EndingWire::Limited(k, m) => Ending::Limited(k, m),
        };
        RunResult { ending, stdout: r.stdout, stderr: r.stderr, fuel_consumed: r.fuel_consumed }
    }
}
