//! `dylab bench --check`'s second look: the rows a check found moved are measured again in fresh
//! processes (`dylab bench` of those engines and variants, with the floors, into a folder of its
//! own), and only a row that moves in each of them is a change (`report::confirmed`).

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};
use dylab_bench::measurement::Measurements;
use dylab_bench::report::Moved;
use dylab_bench::subject::Subject;
use dylab_bench::Variant;

/// How many fresh processes must see a row move again.
pub const FRESH_PROCESSES: usize = 2;

/// Measures the engines and variants of `moved` again in [`FRESH_PROCESSES`] new processes.
pub fn remeasure(moved: &[Moved], corpus: &Path) -> Result<Vec<Measurements>> {
    (0..FRESH_PROCESSES).map(|i| once(moved, corpus, i)).collect()
}

fn once(moved: &[Moved], corpus: &Path, i: usize) -> Result<Measurements> {
    let out = std::env::temp_dir().join(format!("dylab-confirm-{}-{i}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let mut cmd = Command::new(std::env::current_exe().context("locating dylab")?);
    cmd.arg("bench").arg("--corpus").arg(corpus).arg("--out").arg(&out).args(selection(moved));
    let done = cmd.output().with_context(|| format!("starting {cmd:?}"))?;
    if !done.status.success() {
        bail!("measuring the moved rows again ({cmd:?}) failed: {}", String::from_utf8_lossy(&done.stderr));
    }
    // Read as a baseline is: the same machine and sample count, or an error saying why not.
    let data = dylab_bench::baseline::load(&out, false);
    let _ = std::fs::remove_dir_all(&out);
    let data = data?;
    Ok(Measurements::of_times(&data))
}

/// The flags selecting the moved rows' engines and variants, every kernel, and the floors
/// (intra-direct) that give each engine's speed; the libc-call rows come with the loader's.
fn selection(moved: &[Moved]) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    let mut add = |flag: &str, value: &str| {
        if !args.windows(2).any(|w| w[0] == flag && w[1] == value) {
            args.extend([flag.to_string(), value.to_string()]);
        }
    };
    add("--variant", Variant::IntraDirect.name());
    for m in moved {
        add("--engine", m.engine.name());
        if let Some((v, _)) = m.subject.call() {
            add("--variant", v.name());
        }
    }
    if !moved.iter().any(|m| matches!(m.subject, Subject::LibcCall(..))) {
        args.push("--no-loader".into());
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use dylab_bench::Kernel;
    use dylab_engines::EngineKind;

    #[test]
    fn the_selection_names_each_engine_and_variant_once_with_the_floors() {
        let e = EngineKind::reference();
        let row = |subject| Moved { engine: e, subject, text: String::new() };
        let calls = [row(Subject::Call(Variant::Dlcall, Kernel::K1)), row(Subject::Call(Variant::Dlcall, Kernel::K4))];
        let want = ["--variant", "intra-direct", "--engine", e.name(), "--variant", "dlcall", "--no-loader"];
        assert_eq!(selection(&calls), want);
        let libc = row(Subject::LibcCall(dylink::Libc::LibcHost, dylab_bench::subject::LibcOp::Strlen));
        assert_eq!(
            selection(&[libc]),
            ["--variant", "intra-direct", "--engine", e.name()],
            "libc rows need the loader's run"
        );
    }
}
