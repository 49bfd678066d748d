//! The native reference column: each case built as real 32-bit ELF objects by the host's compiler
//! ([`dylab_toolchain::native`]) and run under glibc's ld.so ([`exec`]). One outcome per case (no
//! engine, placement or strategy), judged against the case's reference output and its `[native]`
//! declaration ([`NativeDecl`]): the oracle a WebAssembly loader is compared with.

mod decl;
mod exec;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dylab_toolchain::native::{NativeModule, NativeToolchain};
use dylab_toolchain::Sources;
use dylink::{Ending, RunResult, Status, TrapKind};
use serde::{Deserialize, Serialize};

pub use decl::NativeDecl;

use crate::corpus::{wasm_name, Case};
use crate::module_files::ModuleFiles;
use crate::outcome::{Outcome, Style};

/// A case's native run, judged: the rows of the `native` column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NativeResult {
    pub case: String,
    /// What the case declares about its native run.
    #[serde(deserialize_with = "decl::from_json")]
    pub declared: NativeDecl,
    /// `unsupported` when the case declares `skip` (not run).
    pub status: Status,
    /// `other` for a signal (the detail names it).
    pub trap: Option<TrapKind>,
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub detail: String,
    /// Matches the reference (`compare`), differs from it (`differs`), or was not run (`skip`).
    pub as_expected: bool,
}

impl NativeResult {
    pub fn outcome(&self) -> Outcome {
        Outcome::new(self.status, self.trap)
    }

    pub fn ran(&self) -> bool {
        !matches!(self.declared, NativeDecl::Skip(_))
    }

    /// The column's short text: `ok`, `not run`, an outcome, `differs (wrong-output)` for a declared
    /// difference; `†` marks a result that is not as the case declares.
    pub fn short(&self) -> String {
        let base = match (&self.declared, self.status) {
            (NativeDecl::Skip(_), _) => "not run".to_string(),
            (NativeDecl::Differs(_), s) if s != Status::Ok => {
                format!("differs ({})", self.outcome().render(Style::Short))
            }
            _ => self.outcome().render(Style::Short),
        };
        if self.as_expected {
            base
        } else {
            format!("{base} †")
        }
    }
}

/// The host compiler, found on first use (a machine without gcc-multilib still runs the wasm matrix).
pub struct NativeLab {
    include_dir: PathBuf,
    cache_dir: PathBuf,
    vendor_root: PathBuf,
    toolchain: OnceLock<Result<NativeToolchain, String>>,
}

impl NativeLab {
    /// `include_dir` holds the lab's headers (with `native/`), `cache_dir` the builds; third-party
    /// folders are beneath `vendor_root`.
    pub fn new(include_dir: &Path, cache_dir: &Path, vendor_root: &Path) -> NativeLab {
        NativeLab {
            include_dir: include_dir.to_path_buf(),
            cache_dir: cache_dir.to_path_buf(),
            vendor_root: vendor_root.to_path_buf(),
            toolchain: OnceLock::new(),
        }
    }

    pub fn toolchain(&self) -> Result<&NativeToolchain, String> {
        let tc = self.toolchain.get_or_init(|| {
            NativeToolchain::discover(&self.include_dir, &self.cache_dir).map_err(|e| format!("{e:#}"))
        });
        tc.as_ref().map_err(Clone::clone)
    }

    /// Builds (cached) and runs the case natively, unless it declares `skip`; judges the result.
    pub fn run(&self, case: &Case) -> NativeResult {
        let declared = case.manifest.native.clone();
        if let NativeDecl::Skip(why) = &declared {
            let ending = Ending::Unsupported(why.clone());
            return judge(case, &RunResult { ending, stdout: Vec::new(), stderr: Vec::new(), fuel_consumed: 0 });
        }
        let result = self.build_and_execute(case).unwrap_or_else(|e| RunResult {
            ending: Ending::LinkError(format!("native build failed: {}", self.portable(case, &format!("{e:#}")))),
            stdout: Vec::new(),
            stderr: Vec::new(),
            fuel_consumed: 0,
        });
        judge(case, &result)
    }

    /// Only the output: for `dylab expect`, which writes a new case's reference from it.
    pub fn run_unjudged(&self, case: &Case) -> anyhow::Result<RunResult> {
        self.build_and_execute(case)
    }

    fn build_and_execute(&self, case: &Case) -> anyhow::Result<RunResult> {
        let built = self.build(case)?;
        exec::execute(case, &built, &wasm_name(case.manifest.main.name()), &self.cache_dir)
    }

    /// The case's objects, each named as the lab names its module.
    pub fn build(&self, case: &Case) -> anyhow::Result<PathBuf> {
        let tc = self.toolchain().map_err(anyhow::Error::msg)?;
        let m = &case.manifest;
        let module = |files: &ModuleFiles| -> anyhow::Result<NativeModule> {
            let mut sources = Sources::in_case(&case.dir, files.files())?;
            if let Some(v) = m.vendor {
                sources = sources.with_vendor(&v.dir(&self.vendor_root)?)?;
            }
            let needed = m.needed.get(files.name()).map(Vec::as_slice).unwrap_or(&[]);
            Ok(NativeModule {
                name: wasm_name(files.name()),
                sources,
                needed: needed.iter().map(|n| wasm_name(n)).collect(),
            })
        };
        let libs = case.libs_in_link_order()?.into_iter().map(module).collect::<anyhow::Result<Vec<_>>>()?;
        tc.build(&libs, &module(&m.main)?, &m.native_cflags())
    }

    /// A build error without this machine's folders.
    fn portable(&self, case: &Case, error: &str) -> String {
        let mut out = error.to_string();
        let dirs = [case.dir.canonicalize().ok(), Some(case.dir.clone()), Some(self.cache_dir.clone())];
        for (dir, name) in dirs.into_iter().zip(["<case>", "<case>", "<cache>"]) {
            if let Some(d) = dir {
                out = out.replace(&*d.to_string_lossy(), name);
            }
        }
        out.replace(&*self.include_dir.to_string_lossy(), "<include>")
    }
}

/// Classifies a native run against the case's reference, then against its declaration.
fn judge(case: &Case, result: &RunResult) -> NativeResult {
    let (status, trap, detail) = result.classify(&case.expected_stdout, case.manifest.exit_code);
    let declared = case.manifest.native.clone();
    let as_expected = match &declared {
        NativeDecl::Compare => status == Status::Ok,
        NativeDecl::Differs(_) => status != Status::Ok,
        NativeDecl::Skip(_) => true,
    };
    NativeResult {
        case: case.name.clone(),
        declared,
        status,
        trap,
        exit_code: result.exit_code(),
        stdout: kept(result.stdout_text()),
        stderr: kept(result.stderr_text()),
        detail,
        as_expected,
    }
}

/// What a result keeps of an output for the reports: its first 64 KiB (a run may print up to the
/// cell's host-buffer limit).
fn kept(mut text: String) -> String {
    const KEEP: usize = 64 << 10;
    if text.len() > KEEP {
        let total = text.len();
        let cut = (0..=KEEP).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(cut);
        text.push_str(&format!("... ({total} bytes in all)"));
    }
    text
}

impl NativeLab {
    /// The native runs of `cases` on `jobs` threads, in the cases' order.
    pub fn run_all(&self, cases: &[&Case], jobs: usize) -> Vec<NativeResult> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let next = AtomicUsize::new(0);
        let results: std::sync::Mutex<Vec<Option<NativeResult>>> = std::sync::Mutex::new(vec![None; cases.len()]);
        std::thread::scope(|s| {
            for _ in 0..jobs.max(1) {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    let r = self.run(case);
                    results.lock().unwrap()[i] = Some(r);
                });
            }
        });
        results.into_inner().unwrap().into_iter().map(|r| r.expect("every case ran")).collect()
    }
}
