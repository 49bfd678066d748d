//! What a process is built with: its strategy and policy, its limits and the files `dlopen` may
//! read. Fixed once the process is built, but for the program registering itself as a library.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::engine::Limits;
use crate::interface::Interfaces;
use crate::linkage::Linkage;
use crate::strategy::{Policy, Trampolines};

pub struct Config {
    pub linkage: Linkage,
    /// The linkage's policy row.
    pub policy: Policy,
    pub limits: Limits,
    /// Libraries built for the case: the name passed to `dlopen` -> the module file.
    pub libs: HashMap<String, PathBuf>,
    /// Other files `dlopen` may open (a case may ship a broken module as-is).
    pub case_dir: PathBuf,
    /// Which forwarder a trampoline import gets.
    pub trampolines: Trampolines,
    /// Functions declared to cross between domains, with what their parameters point to.
    pub interfaces: Arc<Interfaces>,
}

impl Config {
    /// The defaults of a process of `linkage` (default limits, no interfaces).
    pub fn new(linkage: Linkage, libs: HashMap<String, PathBuf>, case_dir: PathBuf) -> Self {
        Config {
            linkage,
            policy: linkage.policy(),
            limits: Limits::DEFAULT,
            libs,
            case_dir,
            trampolines: Trampolines::default(),
            interfaces: Arc::default(),
        }
    }

    /// Reads the module a `dlopen` name stands for: a library built for the case, or a file the case
    /// ships, opened beneath the case folder only (no `..`, no absolute path, no symbolic link that
    /// leaves it, regular files only) and no larger than `limit` bytes.
    pub(crate) fn read_library(&self, name: &str, limit: u64) -> Result<Vec<u8>, String> {
        let p = Path::new(name);
        if p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(format!("{name}: path escapes the case folder"));
        }
        if let Some(built) = self.libs.get(name) {
            let file =
                std::fs::File::open(built).map_err(|e| format!("{name}: cannot read {}: {e}", built.display()))?;
            return read_bounded(name, file, limit);
        }
        let dir = cap_std::fs::Dir::open_ambient_dir(&self.case_dir, cap_std::ambient_authority())
            .map_err(|e| format!("{name}: cannot open the case folder: {e}"))?;
        let file = match dir.open(p) {
            Ok(f) => f.into_std(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("{name}: cannot open shared object file: no such file"))
            }
            Err(e) => return Err(format!("{name}: cannot open shared object file: {e}")),
        };
        read_bounded(name, file, limit)
    }
}

/// Reads a regular file of at most `limit` bytes (a FIFO or device is refused before any read).
fn read_bounded(name: &str, file: std::fs::File, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = file.metadata().map_err(|e| format!("{name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{name}: not a regular file"));
    }
    if meta.len() > limit {
        return Err(format!("{name}: {} bytes, larger than the module size limit of {limit} bytes", meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("{name}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{name}: larger than the module size limit of {limit} bytes"));
    }
    Ok(bytes)
}
