//! Starts the counting child under callgrind and turns its dumps into [`CountData`].

use std::collections::HashMap;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use dylab_engines::EngineKind;
use dylab_lab::Paths;
use dylink::engine::ProcessHost;

use super::child::{label, ChildReport};
use super::{per_call, regions, CountData, CountRow, REGIONS, REPETITIONS};
use crate::calls::Modules;
use crate::Selection;

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

/// Counts the selection: the engines this process can make stores of in `child(selection)` (the
/// dylab binary's `count-child`), the others in the process hosting them ([`super::hosted`]), each
/// under callgrind. Builds the bench modules first so that the children find them in the cache.
pub fn count(paths: &Paths, select: &Selection, child: &dyn Fn(&Selection) -> Result<Command>) -> Result<CountData> {
    let valgrind_version = valgrind_version()?;
    let lab = dylab_lab::Lab::at(paths)?;
    let mut places = select.engines_by_place().into_iter();
    let (_, here) = places.next().expect("this process's group comes first");
    let hosted: Vec<(&'static dyn ProcessHost, Vec<EngineKind>)> = places
        .map(|(place, kinds)| {
            Ok((place.with_context(|| format!("{} cannot run here and has no host", names(&kinds)))?, kinds))
        })
        .collect::<Result<_>>()?;
    let here_cmd = prepare_here(paths, &lab, select, &here, child)?;
    let (mut report, totals) = run_children(paths, select, here_cmd.map(|cmd| (cmd, here)), &hosted)?;
    let rows = report.cells.iter().map(|c| count_row(c, &totals)).collect::<Result<_>>()?;
    Ok(CountData {
        commit: crate::provenance::dylab_commit(&paths.corpus),
        machine: crate::report::machine(),
        valgrind: valgrind_version,
        regions: REGIONS,
        engines: report.engines,
        toolchain: crate::provenance::toolchain(&lab)?,
        rows,
        macro_sqlite: crate::macro_sqlite::counts_from_dumps(&report.macro_cells, &totals)?,
        native: count_native(&lab, paths),
        isolation: {
            crate::isolation::counts_from_totals(&totals, &mut report.isolation)?;
            report.isolation.iter().filter_map(crate::isolation::IsolationCount::of).collect()
        },
    })
}

/// The children side by side (one core each on the 2-core machine this was written on): the Node
/// child's start-up and V8's compilation under valgrind take about as long as the other engines'
/// whole count. Their reports merged, and every dump's total by label.
fn run_children(
    paths: &Paths,
    select: &Selection,
    here: Option<(Command, Vec<EngineKind>)>,
    hosted: &[(&'static dyn ProcessHost, Vec<EngineKind>)],
) -> Result<(ChildReport, HashMap<String, u64>)> {
    let counted: Vec<Result<_>> = std::thread::scope(|s| {
        let here_job = here.map(|(cmd, here)| s.spawn(move || count_here(&cmd, &here)));
        let hosted_jobs: Vec<_> =
            hosted.iter().map(|(host, kinds)| s.spawn(move || count_hosted(*host, paths, select, kinds))).collect();
        let join = |j: std::thread::ScopedJoinHandle<'_, Result<_>>| {
            j.join().unwrap_or_else(|_| Err(anyhow!("a counting thread panicked")))
        };
        here_job.into_iter().chain(hosted_jobs).map(join).collect()
    });
    let mut report =
        ChildReport { engines: Default::default(), cells: Vec::new(), macro_cells: Vec::new(), isolation: Vec::new() };
    let mut totals = HashMap::new();
    for c in counted {
        let (r, t) = c?;
        report.engines.extend(r.engines);
        report.cells.extend(r.cells);
        report.macro_cells.extend(r.macro_cells);
        report.isolation.extend(r.isolation);
        totals.extend(t);
    }
    Ok((report, totals))
}

/// A counted cell's row: instructions per call from its dumps, exact when every repetition gave the
/// same integral count.
fn count_row(c: &super::child::ChildCell, totals: &HashMap<String, u64>) -> Result<CountRow> {
    let cell = c.cell();
    let mut reps = Vec::new();
    for r in 0..REPETITIONS {
        let pair = regions(c.variant).map(|n| totals.get(&label(&cell, r, n)).copied());
        let [Some(a), Some(b)] = pair else {
            bail!("callgrind wrote no dump for {cell} (repetition {r}): is the child under callgrind?");
        };
        reps.push(per_call(regions(c.variant), [a, b], c.kernel.callees().len()));
    }
    let exact = c.tolerance == 0.0 && reps.iter().all(|&(n, exact)| exact && n == reps[0].0);
    Ok(CountRow {
        cell,
        engine: c.engine,
        variant: c.variant,
        kernel: c.kernel,
        instructions_per_call: reps[0].0,
        exact,
        repetitions: reps.iter().map(|r| r.0).collect(),
        checksum: c.checksum,
        regions: regions(c.variant),
        tolerance: if exact { 0.0 } else { c.tolerance.max(super::NON_EXACT_TOLERANCE) },
    })
}

/// The modules built here, outside valgrind, before the children look for them in the cache; the
/// child's command when engines run here.
fn prepare_here(
    paths: &Paths,
    lab: &dylab_lab::Lab,
    select: &Selection,
    here: &[EngineKind],
    child: &dyn Fn(&Selection) -> Result<Command>,
) -> Result<Option<Command>> {
    if here.is_empty() {
        Modules::build(&lab.toolchain, &paths.corpus.join("bench")).context("building corpus/bench")?;
        return Ok(None);
    }
    let started = Instant::now();
    let select = Selection { engines: here.to_vec(), ..select.clone() };
    super::child::prime(paths, &lab.toolchain, &select).context("compiling the counted modules before counting")?;
    eprintln!("compiled the modules for {} in {:.1} s", names(here), started.elapsed().as_secs_f64());
    Ok(Some(child(&select)?))
}

type Counted = (ChildReport, HashMap<String, u64>);

/// The count of the engines in this process: the child's report and its dumps.
fn count_here(cmd: &Command, here: &[EngineKind]) -> Result<Counted> {
    let started = Instant::now();
    let counted = under_callgrind(cmd, None, &[], |out| {
        serde_json::from_slice(out).context("reading the counting process's report")
    })?;
    eprintln!("counted {} in {:.1} s", names(here), started.elapsed().as_secs_f64());
    Ok(counted)
}

/// The count of `kinds` in a process of `host`, its valgrind options recorded in their settings.
fn count_hosted(host: &dyn ProcessHost, paths: &Paths, select: &Selection, kinds: &[EngineKind]) -> Result<Counted> {
    let started = Instant::now();
    let (cmd, options, request) = super::hosted::command(host, paths, select, kinds.to_vec())?;
    let (mut r, t) = under_callgrind(&cmd, Some(&request), options, super::hosted::answer)?;
    for settings in r.engines.values_mut() {
        settings.push(("valgrind".into(), options.join(" ")));
    }
    eprintln!("counted {} (in {}) in {:.1} s", names(kinds), host.describe(), started.elapsed().as_secs_f64());
    Ok((r, t))
}

fn names(kinds: &[EngineKind]) -> String {
    kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
}

/// Runs `child` under callgrind (instrumentation off until it asks), `stdin` written to it, with
/// `options` for valgrind; its report (read from its stdout by `read`) and the totals of its dumps.
fn under_callgrind(
    child: &Command,
    stdin: Option<&str>,
    options: &[&str],
    read: impl Fn(&[u8]) -> Result<ChildReport>,
) -> Result<(ChildReport, HashMap<String, u64>)> {
    let dir = tempfile::tempdir().context("creating a folder for callgrind's dumps")?;
    let mut cmd = Command::new(valgrind());
    cmd.args(["--tool=callgrind", "--instr-atstart=no", "--dump-instr=no", "--dump-line=no", "-q"])
        .args(options)
        .arg(format!("--callgrind-out-file={}", dir.path().join("callgrind.out").display()))
        .arg(child.get_program())
        .args(child.get_args())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in child.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut running = cmd.spawn().with_context(|| format!("running {:?}", valgrind()))?;
    if let Some(input) = stdin {
        running.stdin.take().expect("piped").write_all(input.as_bytes()).context("writing the count request")?;
    }
    // Progress lines are shown as they come; the rest is kept for the error message.
    let stderr = running.stderr.take().expect("piped");
    let others = std::thread::spawn(move || {
        let mut others = Vec::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            match line.strip_prefix(super::PROGRESS) {
                Some(cell) => eprintln!("counted {cell}"),
                None => others.push(line),
            }
        }
        others
    });
    let out = running.wait_with_output().with_context(|| format!("waiting for {:?}", valgrind()))?;
    let others = others.join().unwrap_or_default();
    if !out.status.success() {
        let tail = &others[others.len().saturating_sub(20)..];
        bail!("the counting process failed ({}):\n{}", out.status, tail.join("\n"));
    }
    Ok((read(&out.stdout)?, read_dumps(dir.path())?))
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

/// The native baselines; a machine without gcc -m32 gets the rest of the counts and a warning.
fn count_native(lab: &dylab_lab::Lab, paths: &Paths) -> Option<super::native::NativeCounts> {
    let counted = lab
        .native
        .toolchain()
        .map_err(anyhow::Error::msg)
        .and_then(|tc| super::native::count(tc, &paths.corpus.join("bench"), &valgrind()));
    match counted {
        Ok(n) => Some(n),
        Err(e) => {
            eprintln!("dylab: the native baselines were not counted: {e:#}");
            None
        }
    }
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
