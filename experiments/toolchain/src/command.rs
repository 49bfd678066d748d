//! Running a tool and turning its failure into an error that shows the command line and stderr.

use std::ffi::OsStr;
use std::process::{Command, Output};

use anyhow::{bail, Context, Result};

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

/// Runs `cmd` to completion; a non-zero exit is an error holding the command line and the tool's
/// stderr (and stdout, if it printed anything).
pub(crate) fn run(mut cmd: Command) -> Result<Output> {
    let line = display(&cmd);
    let out = cmd.output().with_context(|| format!("could not run `{line}`"))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut msg = format!("`{line}` failed ({})", out.status);
        if !stderr.trim().is_empty() {
            msg.push_str(":\n");
            msg.push_str(stderr.trim_end());
        }
        if !stdout.trim().is_empty() {
            msg.push_str("\nstdout:\n");
            msg.push_str(stdout.trim_end());
        }
        bail!(msg);
    }
    Ok(out)
}
