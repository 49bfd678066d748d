//! The native baselines of the counts: the bench's own caller.c loops (k0, k1) built by gcc -m32
//! with callee.c as a shared object and run under glibc's ld.so and callgrind
//! (`corpus/bench/native/count.c` counts the regions): a call within the program, a call into another
//! shared object through the PLT, a call through a function pointer into it; and what ld.so's
//! dlopen of a small library costs, fresh and as the n-th library loaded. The physical limit the
//! WebAssembly strategies are compared with.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};
use dylab_toolchain::native::{NativeModule, NativeToolchain};
use dylab_toolchain::Sources;
use serde::{Deserialize, Serialize};

use super::{per_call, REGIONS, REPETITIONS};
use crate::calls::Kernel;

/// How a native call reaches its callee.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::EnumIter, strum::IntoStaticStr)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Linkage {
    /// A function of the same program (the floor, as `intra-direct`).
    IntraDirect,
    /// A function of another shared object, through the PLT (bound lazily, before counting).
    Plt,
    /// A pointer from dlsym into another shared object.
    Pointer,
}

impl Linkage {
    pub fn name(self) -> &'static str {
        self.into()
    }
    pub fn describe(self) -> &'static str {
        match self {
            Linkage::IntraDirect => "a call within the program",
            Linkage::Plt => "a call into another shared object, through the PLT",
            Linkage::Pointer => "a call through a dlsym pointer into another shared object",
        }
    }
}

/// Which native dlopen of a small library is counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NativeLoad {
    /// The `repetition`-th dlopen after the same library was closed.
    Fresh { repetition: usize },
    /// The n-th library loaded while the earlier ones stay loaded.
    Nth(u32),
}

impl std::fmt::Display for NativeLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NativeLoad::Fresh { repetition } => write!(f, "dlopen-fresh/{repetition}"),
            NativeLoad::Nth(n) => write!(f, "dlopen-{n}"),
        }
    }
}

/// The kernels counted natively: the int ones a PLT call and a pointer call both serve.
pub const KERNELS: [Kernel; 2] = [Kernel::K0, Kernel::K1];
/// The n-th library loaded (the earlier ones staying loaded) whose dlopen is counted; count.c dumps
/// at the same n.
pub const LOADS: [u32; 4] = [1, 10, 100, 1000];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NativeCall {
    pub linkage: Linkage,
    pub kernel: Kernel,
    pub instructions_per_call: f64,
    pub exact: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct NativeCounts {
    /// The compiler (`gcc --version`'s first line).
    pub compiler: String,
    pub calls: Vec<NativeCall>,
    /// Instructions of a dlopen of small.so after the same library was closed, per repetition.
    pub dlopen_fresh: Vec<u64>,
    /// (n, instructions of the n-th library's dlopen while n-1 stay loaded).
    pub dlopen_nth: Vec<(u32, u64)>,
}

/// Builds and counts (valgrind's callgrind on the 32-bit program; a few seconds).
pub fn count(tc: &NativeToolchain, bench: &Path, valgrind: &std::ffi::OsStr) -> Result<NativeCounts> {
    let lib = |file: &str, name: &str| -> Result<NativeModule> {
        Ok(NativeModule { name: name.into(), sources: Sources::at(&[bench.join(file)])?, needed: vec![] })
    };
    let main = NativeModule {
        name: "count".into(),
        sources: Sources::at(&[bench.join("native/count.c"), bench.join("caller.c")])?,
        needed: vec!["callee.so".into()],
    };
    let built = tc.build(&[lib("callee.c", "callee.so")?, lib("native/small.c", "small.so")?], &main, &[])?;
    let run = tempfile::tempdir().context("creating the native count's folder")?;
    for name in ["count", "callee.so", "small.so"] {
        std::fs::copy(built.join(name), run.path().join(name)).with_context(|| format!("copying {name}"))?;
    }
    let last = LOADS[LOADS.len() - 1];
    // Copies, not links: ld.so knows a file it loaded by device and inode, and would not load a
    // hard link of it again.
    for k in 1..=last {
        std::fs::copy(run.path().join("small.so"), run.path().join(format!("small-{k}.so")))
            .context("making the libraries to load")?;
    }
    let dumps = run.path().join("dumps");
    std::fs::create_dir(&dumps)?;
    let out = Command::new(valgrind)
        .args(["--tool=callgrind", "--instr-atstart=no", "--dump-instr=no", "--dump-line=no", "-q"])
        .arg(format!("--callgrind-out-file={}", dumps.join("callgrind.out").display()))
        .arg(run.path().join("count"))
        .args([REGIONS[0], REGIONS[1], REPETITIONS as u32, last].map(|n| n.to_string()))
        .current_dir(run.path())
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .context("running the native count under valgrind")?;
    if !out.status.success() {
        bail!("the native count failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    }
    let totals = read_dumps(&dumps)?;
    let get = |what: &str, r: usize, n: u32| -> Result<u64> {
        let label = format!("native {what} rep{r} n{n}");
        totals.get(&label).copied().with_context(|| format!("callgrind wrote no dump {label:?}"))
    };
    let mut calls = Vec::new();
    for linkage in <Linkage as strum::IntoEnumIterator>::iter() {
        for kernel in KERNELS {
            let what = format!("{}/{}", linkage.name(), kernel.name());
            let reps = (0..REPETITIONS)
                .map(|r| Ok(per_call(REGIONS, [get(&what, r, REGIONS[0])?, get(&what, r, REGIONS[1])?], 1)))
                .collect::<Result<Vec<_>>>()?;
            let exact = reps.iter().all(|&(n, exact)| exact && n == reps[0].0);
            calls.push(NativeCall { linkage, kernel, instructions_per_call: reps[0].0, exact });
        }
    }
    Ok(NativeCounts {
        compiler: tc.version(),
        calls,
        dlopen_fresh: (0..REPETITIONS).map(|r| get("dlopen-fresh", r, 1)).collect::<Result<_>>()?,
        dlopen_nth: LOADS.iter().map(|&n| Ok((n, get("dlopen", 0, n)?))).collect::<Result<_>>()?,
    })
}

fn read_dumps(dir: &Path) -> Result<HashMap<String, u64>> {
    let mut totals = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path: PathBuf = entry?.path();
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        if let Some((label, total)) = super::parent::parse_dump(&text) {
            totals.insert(label, total);
        }
    }
    Ok(totals)
}
