//! Starts the counting child under callgrind and turns its dumps into [`CountData`].

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Context, Result};
use dylab_lab::Paths;

use super::child::{label, ChildReport};
use super::{per_call, CountData, CountRow, REGIONS, REPETITIONS};
use crate::calls::Modules;

/// The valgrind to run: `$DYLAB_VALGRIND`, else `valgrind` on the PATH.
pub fn valgrind() -> OsString {
    std::env::var_os("DYLAB_VALGRIND").unwrap_or_else(|| "valgrind".into())
}

/// `valgrind --version`, or a clear error when there is none.
pub fn valgrind_version() -> Result<String> {
    let out = Command::new(valgrind()).arg("--version").stdin(Stdio::null()).output().map_err(|e| {
        anyhow!(
            "cannot run {:?} ({e}): instruction counts need valgrind (Debian package `valgrind`, installed by \
             scripts/setup.sh; or set DYLAB_VALGRIND)",
            valgrind()
        )
    })?;
    if !out.status.success() {
        bail!("{:?} --version failed: {}", valgrind(), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Runs `child` (the dylab binary with `bench --count-child` and the selection) under callgrind and
/// returns the counts. Builds the bench modules first so that the child finds them in the cache.
pub fn count(paths: &Paths, child: &Command) -> Result<CountData> {
    let valgrind_version = valgrind_version()?;
    let lab = dylab_lab::Lab::at(paths)?;
    Modules::build(&lab.toolchain, &paths.corpus.join("bench")).context("building corpus/bench")?;
    let v = lab.toolchain.versions()?;
    let dir = tempfile::tempdir().context("creating a folder for callgrind's dumps")?;
    let mut cmd = Command::new(valgrind());
    cmd.args(["--tool=callgrind", "--instr-atstart=no", "--dump-instr=no", "--dump-line=no", "-q"])
        .arg(format!("--callgrind-out-file={}", dir.path().join("callgrind.out").display()))
        .arg(child.get_program())
        .args(child.get_args())
        .stdin(Stdio::null());
    for (k, v) in child.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().with_context(|| format!("running {:?}", valgrind()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect::<Vec<_>>().into_iter().rev().collect();
        bail!("the counting process failed ({}):\n{}", out.status, tail.join("\n"));
    }
    let report: ChildReport = serde_json::from_slice(&out.stdout).context("reading the counting process's report")?;
    let totals = read_dumps(dir.path())?;
    let mut rows = Vec::new();
    for c in &report.cells {
        let cell = c.cell();
        let mut reps = Vec::new();
        for r in 0..REPETITIONS {
            let pair = REGIONS.map(|n| totals.get(&label(&cell, r, n)).copied());
            let [Some(a), Some(b)] = pair else {
                bail!("callgrind wrote no dump for {cell} (repetition {r}): is the child under callgrind?");
            };
            reps.push(per_call([a, b], c.kernel.callees().len()));
        }
        let exact = c.variant.counts_exactly() && reps.iter().all(|&(n, exact)| exact && n == reps[0].0);
        rows.push(CountRow {
            cell,
            engine: c.engine.clone(),
            variant: c.variant.name().into(),
            kernel: c.kernel.name().into(),
            instructions_per_call: reps[0].0,
            exact,
            repetitions: reps.iter().map(|r| r.0).collect(),
            checksum: c.checksum,
        });
    }
    Ok(CountData {
        commit: crate::provenance::dylab_commit(&paths.corpus),
        machine: crate::report::machine(),
        valgrind: valgrind_version,
        regions: REGIONS,
        engines: report.engines,
        toolchain: vec![("clang".into(), v.clang), ("wasm-ld".into(), v.wasm_ld), ("wasi-libc".into(), v.wasi_libc)],
        rows,
        macro_sqlite: crate::macro_sqlite::counts_from_dumps(&report.macro_cells, &totals)?,
    })
}

/// Label -> total instructions, from every dump in `dir` that a client request triggered.
fn read_dumps(dir: &Path) -> Result<HashMap<String, u64>> {
    let mut totals = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if let Some((label, total)) = parse_dump(&text) {
            totals.insert(label, total);
        }
    }
    Ok(totals)
}

/// The label and total of one dump; None for dumps not triggered by `dump_stats_at` (the final one).
pub fn parse_dump(text: &str) -> Option<(String, u64)> {
    let mut label = None;
    let mut total = None;
    for line in text.lines() {
        if let Some(l) = line.strip_prefix("desc: Trigger: Client Request: ") {
            label = Some(l.trim().to_string());
        } else if let Some(t) = line.strip_prefix("summary:").or_else(|| line.strip_prefix("totals:")) {
            total = t.split_whitespace().next().and_then(|n| n.parse().ok());
        }
    }
    Some((label?, total?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dump_gives_its_label_and_total() {
        let dump = "version: 1\ncreator: callgrind-3.19.0\npart: 3\ndesc: Trigger: Client Request: dylab-count a/b/c rep0 n200\n\
                    events: Ir\nsummary: 12345\n\nfn=(1) main\n3 12345\ntotals: 12345\n";
        assert_eq!(parse_dump(dump), Some(("dylab-count a/b/c rep0 n200".into(), 12345)));
        assert_eq!(parse_dump("desc: Trigger: Program termination\nsummary: 99\n"), None);
    }
}
