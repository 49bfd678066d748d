//! The corpus is data: each folder of `cases/` with a `case.toml` is a case; adding one needs no Rust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use dylink::{Status, TrapKind};
use serde::Deserialize;

/// `case.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub description: String,
    /// The main module's C source.
    pub main: String,
    /// Side modules, each built to `<stem>.wasm` and found by `dlopen("<stem>.wasm")`.
    #[serde(default)]
    pub libs: Vec<String>,
    /// Link-time dependencies between side modules (dylink.0 NEEDED): a module source (the main
    /// program or a lib) -> the libs it is linked against, which the loader loads first.
    #[serde(default)]
    pub needed: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Subfolders of the case granted to the program, read-only, as `/<name>` (e.g. `dirs = ["data"]`
    /// makes `fopen("/data/x.txt", "r")` work). Nothing else of the host's filesystem is visible.
    #[serde(default)]
    pub dirs: Vec<String>,
    #[serde(default)]
    pub exit_code: i32,
    #[serde(default)]
    pub cflags: Vec<String>,
    /// Fuel for guest code; a cell that runs out is a `timeout`.
    pub fuel: Option<u64>,
    /// Expected outcomes that differ from the reference, keyed by a cell pattern: a strategy
    /// (`trampoline`), an engine, a libc placement, or several joined by `/` (`wasmi/direct`).
    #[serde(default)]
    pub expect: BTreeMap<String, Expectation>,
}

#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    pub status: String,
    /// For `status = "trap"`: the trap kind (`table-out-of-bounds`, ...).
    pub trap: Option<String>,
    /// Why: shown in reports.
    #[serde(default)]
    pub why: String,
}

#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// The reference output, as bytes (compared exactly; a non-UTF-8 byte is not a U+FFFD).
    pub expected_stdout: Vec<u8>,
}

/// What a cell must produce to count as expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expected {
    pub status: Status,
    pub trap: Option<TrapKind>,
    pub why: String,
}

impl Case {
    pub fn uses_dlopen(&self) -> bool {
        !self.manifest.libs.is_empty()
    }

    /// The expectation for a cell: the most specific matching `[expect.*]` entry, else `ok`.
    pub fn expected(&self, engine: &str, libc: &str, strategy: &str) -> Result<Expected> {
        let mut best: Option<(usize, &Expectation)> = None;
        for (key, e) in &self.manifest.expect {
            let parts: Vec<&str> = key.split('/').collect();
            if parts.iter().all(|p| *p == engine || *p == libc || *p == strategy)
                && best.is_none_or(|(n, _)| parts.len() > n)
            {
                best = Some((parts.len(), e));
            }
        }
        let Some((_, e)) = best else {
            return Ok(Expected { status: Status::Ok, trap: None, why: String::new() });
        };
        let status =
            Status::parse(&e.status).with_context(|| format!("case {}: unknown status {:?}", self.name, e.status))?;
        let trap = match &e.trap {
            Some(t) => Some(parse_trap(t).with_context(|| format!("case {}: unknown trap kind {t:?}", self.name))?),
            None => None,
        };
        Ok(Expected { status, trap, why: e.why.clone() })
    }
}

pub fn parse_trap(s: &str) -> Option<TrapKind> {
    TrapKind::parse(s)
}

/// Loads and checks one case folder.
pub fn load_case(dir: &Path) -> Result<Case> {
    let name = dir.file_name().and_then(|n| n.to_str()).context("case folder without a name")?.to_string();
    let text = std::fs::read_to_string(dir.join("case.toml"))
        .with_context(|| format!("case {name}: cannot read case.toml"))?;
    let manifest: Manifest = toml::from_str(&text).with_context(|| format!("case {name}: invalid case.toml"))?;
    for src in std::iter::once(&manifest.main).chain(&manifest.libs) {
        if !dir.join(src).is_file() {
            bail!("case {name}: {src} named in case.toml does not exist");
        }
    }
    for d in &manifest.dirs {
        let plain = Path::new(d).components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || !dir.join(d).is_dir() {
            bail!("case {name}: dirs names {d:?}, which is not a subfolder of the case");
        }
    }
    for (module, deps) in &manifest.needed {
        for m in std::iter::once(module).chain(deps) {
            if *m != manifest.main && !manifest.libs.contains(m) {
                bail!("case {name}: [needed] names {m}, which is neither main nor one of libs");
            }
        }
    }
    let expected_stdout = std::fs::read(dir.join("expected.stdout"))
        .with_context(|| format!("case {name}: missing expected.stdout (the reference output)"))?;
    let case = Case { name, dir: dir.to_path_buf(), manifest, expected_stdout };
    // Reject bad expectation entries now rather than in the middle of a run.
    for key in case.manifest.expect.keys() {
        let parts: Vec<&str> = key.split('/').collect();
        case.expected(parts[0], parts.get(1).unwrap_or(&""), parts.get(2).unwrap_or(&""))?;
    }
    Ok(case)
}

/// Loads every case under `<corpus>/cases`, sorted by name. A broken case does not hide the others:
/// it comes back in the second list with its error.
pub fn load_corpus(corpus: &Path) -> Result<(Vec<Case>, Vec<(String, anyhow::Error)>)> {
    let cases_dir = corpus.join("cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .with_context(|| format!("cannot read corpus folder {}", cases_dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    dirs.sort();
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for d in dirs {
        match load_case(&d) {
            Ok(c) => good.push(c),
            Err(e) => bad.push((d.file_name().unwrap_or_default().to_string_lossy().into_owned(), e)),
        }
    }
    Ok((good, bad))
}
