//! The C files of one module, and the folder that they and everything they include must stay in.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::confine;

/// One module's sources: regular files, resolved without symbolic links, beneath `root`.
/// Their compile may read files beneath `root` and the toolchain's header folders only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources {
    root: PathBuf,
    files: Vec<PathBuf>,
    /// A folder of third-party sources (fetched, not in the case) that the compile may read too,
    /// and that is on its include path.
    vendor: Option<PathBuf>,
}

impl Sources {
    /// A manifest's files (`main = ["a.c", "b.c"]`, a `libs` entry), each named relative to
    /// `case_dir` and confined beneath it by [`confine::source_in`]; the case folder is the root.
    pub fn in_case<P: AsRef<Path>>(case_dir: &Path, rel: &[P]) -> Result<Sources> {
        if rel.is_empty() {
            bail!("case folder {}: a module needs at least one source file", case_dir.display());
        }
        let root = case_dir.canonicalize().with_context(|| format!("case folder {}", case_dir.display()))?;
        let files = rel.iter().map(|r| confine::source_in(&root, r)).collect::<Result<_, _>>()?;
        Ok(Sources { root, files, vendor: None })
    }

    /// These sources with `dir` on their include path (`#include "sqlite3.c"`) and among the
    /// folders their compile may read. `dir` must exist; its files' content is in the cache key.
    pub fn with_vendor(mut self, dir: &Path) -> Result<Sources> {
        let dir = dir.canonicalize().with_context(|| format!("third-party source folder {}", dir.display()))?;
        if !dir.is_dir() {
            bail!("third-party source folder {} is not a folder", dir.display());
        }
        self.vendor = Some(dir);
        Ok(self)
    }

    /// Files given by path, for callers that choose them themselves (the lab's benches, tests):
    /// the root is the deepest folder holding them all.
    pub fn at(paths: &[PathBuf]) -> Result<Sources> {
        let Some(first) = paths.first() else {
            bail!("no sources given");
        };
        let folder = |p: &PathBuf| -> Result<PathBuf> {
            let parent = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            parent.canonicalize().with_context(|| format!("source {}: resolving its folder", p.display()))
        };
        let mut root = folder(first)?;
        for p in &paths[1..] {
            let dir = folder(p)?;
            while !dir.starts_with(&root) {
                root = root.parent().map(Path::to_path_buf).unwrap_or_default();
            }
        }
        let mut files = Vec::with_capacity(paths.len());
        for p in paths {
            let name = p.file_name().with_context(|| format!("source {} names no file", p.display()))?;
            let rel = folder(p)?.join(name);
            let rel = rel.strip_prefix(&root).expect("root holds every source's folder");
            files.push(confine::source_in(&root, rel)?);
        }
        Ok(Sources { root, files, vendor: None })
    }

    /// The module's file name, from its first source: `dlworld.c` -> `dlworld.wasm` (what a program
    /// passes to dlopen, and what the linker writes into the module's name section).
    pub fn module_name(&self) -> String {
        let stem = self.files[0].file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        format!("{stem}.wasm")
    }

    /// The third-party folder the compile may read, if any (canonical).
    pub fn vendor(&self) -> Option<&Path> {
        self.vendor.as_deref()
    }

    /// The folder the sources and their includes must stay in (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The source files, in link order (absolute, canonical).
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}
