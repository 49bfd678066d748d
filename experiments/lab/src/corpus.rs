//! The corpus is data: each folder of `cases/` with a `case.toml` is a case; adding one needs no Rust.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};
use dylink::engine::Limits;
use dylink::interface::{FnInterface, Interfaces};
use dylink::placements::LIBC_WASM;
use serde::Deserialize;

use crate::cell::Cell;
use crate::expect::{Expectations, Expected};
use crate::limits::LimitsTable;
use crate::module_files::ModuleFiles;
use crate::vendor::Vendor;

/// `case.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    #[serde(default)]
    pub description: String,
    /// The main module's C source, or several (`main = ["a.c", "b.c"]`).
    pub main: ModuleFiles,
    /// Side modules, each one C file or a list of them, built to `<stem of the first>.wasm` and
    /// found by `dlopen("<stem>.wasm")`.
    #[serde(default)]
    pub libs: Vec<ModuleFiles>,
    /// Link-time dependencies between side modules (dylink.0 NEEDED): a module (the main program or
    /// a lib, named by its first file) -> the libs it is linked against, which the loader loads first.
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
    /// The program uses threads (`<pthread.h>`): its WebAssembly modules are built with atomics and a
    /// shared memory (see [`THREAD_CFLAGS`]), its native build with `-pthread`.
    #[serde(default)]
    pub threads: bool,
    /// Third-party sources fetched at set-up (`vendor = "sqlite"`, `"lua"`): their folder is on every
    /// compile's include path (`#include "sqlite3.c"`) and among the folders it may read.
    pub vendor: Option<Vendor>,
    /// Fuel for guest code; a cell that runs out is a `timeout`. Same as `[limits] fuel`.
    pub fuel: Option<u64>,
    /// Resources of each cell beyond the defaults (up to the hard caps).
    #[serde(default)]
    pub limits: LimitsTable,
    /// Expected outcomes that differ from the reference, keyed by a cell pattern: a strategy
    /// (`trampoline`), an engine, a libc placement, or several joined by `/` (`wasmi/direct`).
    #[serde(default)]
    pub expect: Expectations,
    /// Functions that may be called from another module's memory under `isolated`, with what each
    /// parameter is (`[interface.greet] params = ["str", "out(len=2)", "scalar"]`); see
    /// [`dylink::interface::Param`].
    #[serde(default)]
    pub interface: BTreeMap<String, InterfaceDecl>,
    /// How the case's native run (gcc -m32 under glibc's ld.so) relates to its reference: compared
    /// (the default), `[native] skip = "why"` or `[native] differs = "why"`.
    #[serde(default)]
    pub native: crate::native::NativeDecl,
}

/// What `threads = true` adds to a WebAssembly compile; the toolchain then links with a shared
/// memory and the TLS exports ([`dylab_toolchain::THREAD_LDFLAGS`]).
pub const THREAD_CFLAGS: [&str; 2] = ["-matomics", "-mbulk-memory"];

impl Manifest {
    /// The case's cflags for its WebAssembly builds.
    pub fn wasm_cflags(&self) -> Vec<String> {
        let threads = THREAD_CFLAGS.iter().filter(|_| self.threads).map(|f| f.to_string());
        self.cflags.iter().cloned().chain(threads).collect()
    }

    /// The case's cflags for its native build.
    pub fn native_cflags(&self) -> Vec<String> {
        let threads = self.threads.then(|| "-pthread".to_string());
        self.cflags.iter().cloned().chain(threads).collect()
    }
}

/// `[interface.NAME]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterfaceDecl {
    pub params: Vec<String>,
}

/// The declared interfaces as typed data; a bad declaration names its function.
fn parse_interfaces(m: &Manifest) -> Result<Interfaces> {
    m.interface
        .iter()
        .map(|(name, decl)| match FnInterface::parse(&decl.params) {
            Ok(f) => Ok((name.clone(), f)),
            Err(e) => bail!("[interface.{name}]: {e}"),
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// The limits of every cell: the defaults with the manifest's overrides.
    pub limits: Limits,
    /// The reference output, as bytes (compared exactly; a non-UTF-8 byte is not a U+FFFD).
    pub expected_stdout: Vec<u8>,
    /// `[interface]`, parsed.
    pub interfaces: Interfaces,
    /// Whether the program includes the lab's loader headers (`dlfcn.h`, `dlcall.h`): it calls the
    /// dynamic linker even when it has no libraries of its own to build (it loads hand-made modules).
    pub includes_loader: bool,
}

impl Case {
    /// Whether the program needs the dynamic linker: it has libraries or calls `dlopen` (wasi-libc has
    /// no `dlfcn.h`: only the lab's header declares it). Such a case has no static cell.
    pub fn uses_dlopen(&self) -> bool {
        !self.manifest.libs.is_empty() || self.includes_loader
    }

    /// The expectation for a cell: the most specific matching `[expect.*]` entry, else `ok`.
    pub fn expected(&self, cell: &Cell) -> Expected {
        self.manifest.expect.for_cell(cell)
    }

    /// The libs in an order where each one's `[needed]` libs come before it.
    pub fn libs_in_link_order(&self) -> Result<Vec<&ModuleFiles>> {
        link_order(&self.manifest).with_context(|| format!("case {}", self.name))
    }
}

/// `dlworld.c` -> `dlworld.wasm`: the name a program passes to dlopen.
pub fn wasm_name(source: &str) -> String {
    Path::new(source).with_extension("wasm").file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A path the manifest names must stay inside the case folder: relative, without `..`.
fn check_relative(what: &str, p: &str) -> Result<()> {
    let path = Path::new(p);
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    if p.is_empty() || !plain {
        bail!("{what} {p:?} must be a path inside the case folder (relative, without `.` or `..`)");
    }
    Ok(())
}

/// Libs ordered so that every lib comes after the libs it needs; an error names a cycle.
fn link_order(m: &Manifest) -> Result<Vec<&ModuleFiles>> {
    let mut done: Vec<&ModuleFiles> = Vec::new();
    let mut pending: Vec<&ModuleFiles> = m.libs.iter().collect();
    while !pending.is_empty() {
        let before = pending.len();
        pending.retain(|lib| {
            let deps = m.needed.get(lib.name()).map(Vec::as_slice).unwrap_or(&[]);
            let ready = deps.iter().all(|d| done.iter().any(|l| l.name() == d));
            if ready {
                done.push(lib);
            }
            !ready
        });
        if pending.len() == before {
            let names: Vec<&String> = pending.iter().map(|l| l.name()).collect();
            bail!("[needed] has a cycle among {names:?}");
        }
    }
    Ok(done)
}

/// Everything in a manifest that does not depend on the files: names, paths, the NEEDED graph.
fn check_manifest(m: &Manifest) -> Result<()> {
    for f in m.main.files() {
        check_relative("main", f)?;
    }
    let mut wasm_names = BTreeSet::from([wasm_name(m.main.name())]);
    for module in &m.libs {
        for f in module.files() {
            check_relative("libs entry", f)?;
        }
        let lib = module.name();
        // dlopen("libc.wasm") names the lab's libc under libc-module: the case's own would never load.
        if wasm_name(lib) == LIBC_WASM {
            bail!(
                "libs entry {lib:?} builds to {LIBC_WASM}, the name of the lab's libc module (under libc-module, \
                 dlopen({LIBC_WASM:?}) finds that one, as ld.so finds the loaded libc); rename the library"
            );
        }
        if !wasm_names.insert(wasm_name(lib)) {
            bail!("libs entry {lib:?} builds to {}, which another module of the case already does", wasm_name(lib));
        }
    }
    for d in &m.dirs {
        check_relative("dirs entry", d)?;
    }
    let is_lib = |name: &String| m.libs.iter().any(|l| l.name() == name);
    for (module, deps) in &m.needed {
        if module != m.main.name() && !is_lib(module) {
            bail!(
                "[needed] has an entry for {module:?}, which is neither main nor one of libs                  (a module of several files is named by its first)"
            );
        }
        for d in deps {
            if d == m.main.name() {
                bail!("[needed] {module:?} names the main program {d:?}; only libs can be needed");
            }
            if !is_lib(d) {
                bail!("[needed] {module:?} names {d:?}, which is not one of libs (a module of several files is named by its first)");
            }
        }
    }
    link_order(m)?;
    Ok(())
}

/// Loads and checks one case folder.
pub fn load_case(dir: &Path) -> Result<Case> {
    let name = dir.file_name().and_then(|n| n.to_str()).context("case folder without a name")?.to_string();
    let text = std::fs::read_to_string(dir.join("case.toml"))
        .with_context(|| format!("case {name}: cannot read case.toml"))?;
    let manifest: Manifest = toml::from_str(&text).with_context(|| format!("case {name}: invalid case.toml"))?;
    check_manifest(&manifest).with_context(|| format!("case {name}: invalid case.toml"))?;
    let limits = manifest.limits.resolve(manifest.fuel).with_context(|| format!("case {name}: invalid case.toml"))?;
    let interfaces = parse_interfaces(&manifest).with_context(|| format!("case {name}: invalid case.toml"))?;
    for src in std::iter::once(&manifest.main).chain(&manifest.libs).flat_map(ModuleFiles::files) {
        if !dir.join(src).is_file() {
            bail!("case {name}: {src} named in case.toml does not exist");
        }
    }
    for d in &manifest.dirs {
        if !dir.join(d).is_dir() {
            bail!("case {name}: dirs names {d:?}, which is not a subfolder of the case");
        }
    }
    let expected_stdout = std::fs::read(dir.join("expected.stdout"))
        .with_context(|| format!("case {name}: missing expected.stdout (the reference output)"))?;
    let includes_loader = includes_loader(dir, &manifest.main)?;
    Ok(Case { name, dir: dir.to_path_buf(), manifest, limits, expected_stdout, interfaces, includes_loader })
}

/// Whether a main source `#include`s `dlfcn.h` or `dlcall.h` (the headers only the lab provides).
fn includes_loader(dir: &Path, main: &ModuleFiles) -> Result<bool> {
    for f in main.files() {
        let text = std::fs::read(dir.join(f)).with_context(|| format!("reading {f}"))?;
        let text = String::from_utf8_lossy(&text);
        let found = text.lines().any(|l| {
            let l = l.trim_start();
            l.strip_prefix('#').is_some_and(|d| {
                let d = d.trim_start();
                d.starts_with("include") && (d.contains("dlfcn.h") || d.contains("dlcall.h"))
            })
        });
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Cases that could not be loaded: (folder name, why).
pub type Broken = Vec<(String, anyhow::Error)>;

/// Loads every case under `<corpus>/cases`, sorted by name. A broken case does not hide the others:
/// it comes back in the second list with its error.
pub fn load_corpus(corpus: &Path) -> Result<(Vec<Case>, Broken)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A corpus in a temporary folder: (case name, case.toml) pairs; every case gets m.c, a.c, b.c,
    /// a `data/` folder and an expected.stdout.
    fn corpus(cases: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        for (name, toml_text) in cases {
            let dir = root.path().join("cases").join(name);
            std::fs::create_dir_all(dir.join("data")).unwrap();
            for f in ["m.c", "a.c", "b.c"] {
                std::fs::write(dir.join(f), "int main(void) { return 0; }\n").unwrap();
            }
            std::fs::write(dir.join("expected.stdout"), "").unwrap();
            std::fs::write(dir.join("case.toml"), toml_text).unwrap();
        }
        root
    }

    /// Loads `toml_text` as one broken case beside a good one; returns the broken case's error.
    fn error_of(toml_text: &str) -> String {
        let root = corpus(&[("bad", toml_text), ("good", "main = \"m.c\"\nlibs = [\"a.c\"]\n")]);
        let (good, bad) = load_corpus(root.path()).unwrap();
        assert_eq!(good.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["good"], "the other case still loads");
        assert_eq!(bad.len(), 1, "{toml_text}");
        assert_eq!(bad[0].0, "bad");
        format!("{:#}", bad[0].1)
    }

    #[test]
    fn a_bad_interface_is_an_error_of_its_case_naming_the_function() {
        let base = "main = \"m.c\"\nlibs = [\"a.c\"]\n";
        let e = error_of(&format!("{base}[interface.greet]\nparams = [\"str\", \"pointer\"]\n"));
        assert!(e.contains("[interface.greet]") && e.contains("\"pointer\" is not a parameter kind"), "{e}");
        let e = error_of(&format!("{base}[interface.fill]\nparams = [\"out(len=0)\"]\n"));
        assert!(e.contains("[interface.fill]") && e.contains("parameter 0 is out(len=0), not a scalar"), "{e}");
        let e = error_of(&format!("{base}[interface.f]\nparams = []\nresults = [\"str\"]\n"));
        assert!(e.contains("unknown field `results`"), "{e}");
        let root =
            corpus(&[("ok", &format!("{base}[interface.greet]\nparams = [\"str\", \"out(len=2)\", \"scalar\"]\n"))]);
        let (good, _) = load_corpus(root.path()).unwrap();
        let greet = &good[0].interfaces["greet"].params;
        use dylink::interface::Param;
        assert_eq!(greet, &[Param::Str, Param::Out { len: 2 }, Param::Scalar]);
    }

    #[test]
    fn needed_naming_main_is_an_error() {
        let e = error_of("main = \"m.c\"\nlibs = [\"a.c\"]\n[needed]\n\"a.c\" = [\"m.c\"]\n");
        assert!(e.contains("names the main program \"m.c\""), "{e}");
    }

    #[test]
    fn needed_cycles_and_unknown_names_are_errors() {
        let e =
            error_of("main = \"m.c\"\nlibs = [\"a.c\", \"b.c\"]\n[needed]\n\"a.c\" = [\"b.c\"]\n\"b.c\" = [\"a.c\"]\n");
        assert!(e.contains("[needed] has a cycle"), "{e}");
        let e = error_of("main = \"m.c\"\nlibs = [\"a.c\"]\n[needed]\n\"a.c\" = [\"a.c\"]\n");
        assert!(e.contains("[needed] has a cycle"), "{e}");
        let e = error_of("main = \"m.c\"\nlibs = [\"a.c\"]\n[needed]\n\"m.c\" = [\"z.c\"]\n");
        assert!(e.contains("names \"z.c\", which is not one of libs"), "{e}");
        let e = error_of("main = \"m.c\"\nlibs = [\"a.c\"]\n[needed]\n\"z.c\" = [\"a.c\"]\n");
        assert!(e.contains("neither main nor one of libs"), "{e}");
    }

    #[test]
    fn paths_leaving_the_case_are_errors() {
        for (toml_text, what) in [
            ("main = \"/etc/passwd\"\n", "main \"/etc/passwd\""),
            ("main = \"../good/m.c\"\n", "main \"../good/m.c\""),
            ("main = \"m.c\"\nlibs = [\"x/../../a.c\"]\n", "libs entry \"x/../../a.c\""),
            ("main = \"m.c\"\ndirs = [\"/\"]\n", "dirs entry \"/\""),
            ("main = \"m.c\"\ndirs = [\"..\"]\n", "dirs entry \"..\""),
        ] {
            let e = error_of(toml_text);
            assert!(e.contains(what) && e.contains("must be a path inside the case folder"), "{e}");
        }
    }

    #[test]
    fn fuel_and_limits_above_the_hard_cap_are_errors() {
        let e = error_of("main = \"m.c\"\nfuel = 9223372036854775807\n");
        assert!(e.contains("fuel = 9223372036854775807 is above the hard cap 20000000000"), "{e}");
        let e = error_of("main = \"m.c\"\n[limits]\nmemory_bytes = 17179869184\n");
        assert!(e.contains("memory_bytes = 17179869184 is above the hard cap"), "{e}");
        let e = error_of("main = \"m.c\"\n[limits]\nstack = 1\n");
        assert!(e.contains("unknown field `stack`"), "{e}");
    }

    #[test]
    fn limits_reach_the_case() {
        let root = corpus(&[("c", "main = \"m.c\"\nfuel = 5\n[limits]\ntable_elements = 64\nwall_clock_ms = 1500\n")]);
        let (good, _) = load_corpus(root.path()).unwrap();
        let l = &good[0].limits;
        assert_eq!((l.fuel, l.table_elements, l.wall_clock.as_millis()), (5, 64, 1500));
        assert_eq!(l.memory_bytes, Limits::DEFAULT.memory_bytes);
    }

    #[test]
    fn unknown_expect_keys_are_per_case_errors() {
        let e = error_of(&format!(
            "main = \"m.c\"\n[expect.\"{}/shared\"]\nstatus = \"ok\"\n",
            crate::cell::EngineKind::reference()
        ));
        assert!(e.contains("\"shared\" is not an engine"), "{e}");
        let e = error_of("main = \"m.c\"\n[expect.direct]\nstatus = \"trap\"\ntrap = \"oob\"\n");
        assert!(e.contains("case bad: invalid case.toml"), "{e}");
    }

    #[test]
    fn a_lib_named_like_the_lab_libc_is_an_error() {
        let root = corpus(&[("c", "main = \"m.c\"\nlibs = [\"data/libc.c\"]\n")]);
        std::fs::write(root.path().join("cases/c/data/libc.c"), "").unwrap();
        let (good, bad) = load_corpus(root.path()).unwrap();
        assert!(good.is_empty());
        let e = format!("{:#}", bad[0].1);
        assert!(e.contains("case c: invalid case.toml") && e.contains("\"data/libc.c\" builds to libc.wasm"), "{e}");
    }

    #[test]
    fn vendor_names_a_known_tree_only() {
        let e = error_of("main = \"m.c\"\nvendor = \"/etc\"\n");
        assert!(e.contains("unknown variant `/etc`, expected `sqlite` or `lua`"), "{e}");
        let root = corpus(&[("c", "main = \"m.c\"\nvendor = \"sqlite\"\n")]);
        let (good, _) = load_corpus(root.path()).unwrap();
        assert_eq!(good[0].manifest.vendor, Some(Vendor::Sqlite));
    }

    #[test]
    fn two_libs_building_to_one_module_are_an_error() {
        let root = corpus(&[("c", "main = \"m.c\"\nlibs = [\"a.c\", \"data/a.c\"]\n")]);
        std::fs::write(root.path().join("cases/c/data/a.c"), "").unwrap();
        let (_, bad) = load_corpus(root.path()).unwrap();
        assert!(format!("{:#}", bad[0].1).contains("builds to a.wasm"), "{:#}", bad[0].1);
    }

    #[test]
    fn modules_of_several_files() {
        let root = corpus(&[(
            "c",
            "main = [\"m.c\", \"b.c\"]\nlibs = [[\"a.c\", \"data/x.c\"], \"b.c\"]\n[needed]\n\"m.c\" = [\"a.c\"]\n\"a.c\" = [\"b.c\"]\n",
        )]);
        std::fs::write(root.path().join("cases/c/data/x.c"), "").unwrap();
        let (good, bad) = load_corpus(root.path()).unwrap();
        assert!(bad.is_empty(), "{:#}", bad[0].1);
        let m = &good[0].manifest;
        assert_eq!(m.main.files(), ["m.c", "b.c"]);
        assert_eq!(m.libs[0].files(), ["a.c", "data/x.c"]);
        let order: Vec<&String> = good[0].libs_in_link_order().unwrap().into_iter().map(ModuleFiles::name).collect();
        assert_eq!(order, ["b.c", "a.c"], "a module is named by its first file in [needed]");
    }

    #[test]
    fn bad_multi_file_entries_are_per_case_errors() {
        let e = error_of("main = []\n");
        assert!(e.contains("at least one C file"), "{e}");
        let e = error_of("main = \"m.c\"\nlibs = [[\"a.c\", \"a.c\"]]\n");
        assert!(e.contains("\"a.c\" is named twice in one module"), "{e}");
        let e = error_of("main = [\"m.c\", \"../good/a.c\"]\n");
        assert!(e.contains("main \"../good/a.c\" must be a path inside the case folder"), "{e}");
        let e = error_of("main = \"m.c\"\nlibs = [[\"a.c\", \"missing.c\"]]\n");
        assert!(e.contains("missing.c named in case.toml does not exist"), "{e}");
        // The second file of a module is not its name.
        let e = error_of("main = \"m.c\"\nlibs = [[\"a.c\", \"b.c\"]]\n[needed]\n\"m.c\" = [\"b.c\"]\n");
        assert!(
            e.contains("names \"b.c\", which is not one of libs (a module of several files is named by its first)"),
            "{e}"
        );
        let e = error_of("main = \"m.c\"\nlibs = [[\"a.c\", \"b.c\"], \"data/a.c\"]\n");
        assert!(e.contains("builds to a.wasm"), "{e}");
    }

    #[test]
    fn a_program_including_the_loader_headers_has_no_static_cell() {
        let root = corpus(&[("plain", "main = \"m.c\"\n"), ("loader", "main = \"m.c\"\n")]);
        let loader = root.path().join("cases/loader/m.c");
        std::fs::write(&loader, "/* hand-made modules */\n  # include <dlfcn.h>\nint main(void) { return 0; }\n")
            .unwrap();
        let (cases, bad) = load_corpus(root.path()).unwrap();
        assert!(bad.is_empty());
        let static_cells = |name: &str| {
            crate::cells(&cases, &crate::Filter::default())
                .into_iter()
                .filter(|c| c.case == name && c.libc == dylink::Libc::Static)
                .count()
        };
        assert_eq!(static_cells("loader"), 0, "dlopen needs the dynamic linker");
        assert_eq!(static_cells("plain"), crate::EngineKind::ALL.len());
    }

    #[test]
    fn the_corpus_loads_without_broken_cases() {
        let (good, bad) = load_corpus(&crate::run::default_corpus()).unwrap();
        let bad: Vec<String> = bad.iter().map(|(n, e)| format!("{n}: {e:#}")).collect();
        assert!(bad.is_empty(), "{bad:#?}");
        assert!(good.len() > 40);
    }
}
