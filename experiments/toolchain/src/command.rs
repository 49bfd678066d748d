//! Running a tool within a time limit and turning its failure into an error that shows the command
//! line and stderr.

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use wait_timeout::ChildExt;

/// The command line as a shell would accept it (arguments with odd characters quoted).
pub(crate) fn display(cmd: &Command) -> String {
    let mut parts = Vec::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            parts.push(format!("{}={}", k.to_string_lossy(), quote(v)));
        }
    }
    parts.push(quote(cmd.get_program()));
    parts.extend(cmd.get_args().map(quote));
    parts.join(" ")
}

fn quote(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    let plain = !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Runs `cmd` with no input, collecting its output; a run longer than `limit` is killed and is
/// an error (a compile that opens a FIFO would otherwise wait forever). The exit status is left
/// to the caller.
pub(crate) fn output(mut cmd: Command, limit: Duration) -> Result<Output> {
    let line = display(&cmd);
    cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().with_context(|| format!("could not run `{line}`"))?;
    // Drain both pipes while waiting, so a chatty tool cannot block on a full pipe.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let status = match child.wait_timeout(limit).with_context(|| format!("waiting for `{line}`"))? {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "`{line}` did not finish within {} s and was killed (does it read a FIFO or a device?)",
                limit.as_secs_f64()
            );
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Ok(Output { status, stdout, stderr })
}

/// Runs `cmd` to completion within `limit`; a non-zero exit is an error holding the command line
/// and the tool's stderr (and stdout, if it printed anything).
pub(crate) fn run(cmd: Command, limit: Duration) -> Result<Output> {
    let line = display(&cmd);
    let out = output(cmd, limit)?;
    if !out.status.success() {
        bail!(failure(&line, &out, true));
    }
    Ok(out)
}

/// The message for a failed run, the tool's own words first (its reason) and the command line last;
/// `show_output` false withholds what the tool printed.
pub(crate) fn failure(line: &str, out: &Output, show_output: bool) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut msg = String::new();
    if show_output && !stderr.trim().is_empty() {
        msg.push_str(stderr.trim());
        msg.push('\n');
    }
    if show_output && !stdout.trim().is_empty() {
        msg.push_str("stdout:\n");
        msg.push_str(stdout.trim());
        msg.push('\n');
    }
    msg.push_str(&format!("(`{line}` failed ({}))", out.status));
    msg
}
