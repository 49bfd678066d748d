//! Content-addressed artefact names and crash-safe publication into the cache folder.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// Prefix of the per-build scratch folders inside the cache folder.
pub(crate) const TMP_PREFIX: &str = ".tmp-";

/// A SHA-256 over tagged, length-prefixed fields (so no two field sequences hash alike).
pub(crate) struct Fingerprint(Sha256);

impl Fingerprint {
    pub fn new(kind: &str) -> Self {
        let mut f = Fingerprint(Sha256::new());
        f.field("kind", kind.as_bytes());
        f
    }

    pub fn field(&mut self, tag: &str, bytes: &[u8]) {
        self.0.update((tag.len() as u64).to_le_bytes());
        self.0.update(tag.as_bytes());
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
    }

    /// The path, then the size and SHA-256 of the content (streamed: a large file costs no memory).
    pub fn file(&mut self, tag: &str, path: &Path) -> Result<()> {
        self.field(tag, path.as_os_str().as_encoded_bytes());
        let mut content = Sha256::new();
        let size =
            io::copy(&mut File::open(path).with_context(|| format!("reading {}", path.display()))?, &mut content)
                .with_context(|| format!("reading {}", path.display()))?;
        self.field("content-size", &size.to_le_bytes());
        self.field("content-sha256", &content.finalize());
        Ok(())
    }

    /// Every entry beneath `dir`, in name order: a file's path (relative) and content, a link's
    /// target, a folder's entries; anything else (a FIFO, a device) by its path only, unread.
    pub fn tree(&mut self, tag: &str, dir: &Path) -> Result<()> {
        self.field(tag, b"");
        self.tree_below(dir, Path::new(""))
    }

    fn tree_below(&mut self, root: &Path, rel: &Path) -> Result<()> {
        let dir = root.join(rel);
        let mut entries: Vec<_> = fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .collect::<io::Result<_>>()
            .with_context(|| format!("reading {}", dir.display()))?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = rel.join(e.file_name());
            let kind = e.file_type().with_context(|| format!("reading {}", e.path().display()))?;
            if kind.is_symlink() {
                let target = fs::read_link(e.path()).with_context(|| format!("reading {}", e.path().display()))?;
                self.field("link", path.as_os_str().as_encoded_bytes());
                self.field("target", target.as_os_str().as_encoded_bytes());
            } else if kind.is_dir() {
                self.field("dir", path.as_os_str().as_encoded_bytes());
                self.tree_below(root, &path)?;
            } else if kind.is_file() {
                let mut content = Sha256::new();
                io::copy(&mut File::open(e.path())?, &mut content)
                    .with_context(|| format!("reading {}", e.path().display()))?;
                self.field("file", path.as_os_str().as_encoded_bytes());
                self.field("content-sha256", &content.finalize());
            } else {
                self.field("other", path.as_os_str().as_encoded_bytes());
            }
        }
        Ok(())
    }

    pub fn hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// SHA-256 of a file's content, in hex.
pub(crate) fn file_sha256(path: &Path) -> Result<String> {
    let mut hash = Sha256::new();
    io::copy(&mut File::open(path).with_context(|| format!("reading {}", path.display()))?, &mut hash)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(hex::encode(hash.finalize()))
}

/// A scratch folder inside the cache folder (same file system, so the final rename is atomic),
/// removed with everything in it when dropped.
pub(crate) struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new(cache_dir: &Path, kind: &str) -> Result<Scratch> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        fs::create_dir_all(cache_dir).with_context(|| format!("creating cache folder {}", cache_dir.display()))?;
        loop {
            let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir = cache_dir.join(format!("{TMP_PREFIX}{kind}-{}-{n}-{nanos:09}", std::process::id()));
            match fs::create_dir(&dir) {
                Ok(()) => return Ok(Scratch { dir }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("creating scratch folder {}", dir.display())),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Moves `from` (a file in the scratch folder) to `<cache_dir>/<name>`, renamed into place:
    /// readers see either no file or a whole one, and concurrent builders of the same artefact
    /// just replace one identical file with another.
    pub fn publish(&self, from: &Path, name: &str, cache_dir: &Path) -> Result<PathBuf> {
        let to = cache_dir.join(name);
        fs::rename(from, &to).with_context(|| format!("moving {} to {}", from.display(), to.display()))?;
        Ok(to)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Removes scratch folders left by builds that were killed (older than `age`). Best effort.
pub(crate) fn sweep_stale(cache_dir: &Path, age: Duration) {
    let Ok(entries) = fs::read_dir(cache_dir) else {
        return;
    };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
            continue;
        }
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed > age);
        if old {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}
