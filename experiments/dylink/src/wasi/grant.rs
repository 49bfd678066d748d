//! A folder of the case granted to the guest, read-only, as a capability: a `cap_std::fs::Dir` opened
//! once with ambient authority, beneath which every guest path is resolved. `..`, absolute paths and
//! symbolic links that leave it fail in cap-std (openat2 RESOLVE_BENEATH on Linux), not in our code.
//! Only regular files are opened, without blocking: FIFOs, sockets and devices are refused.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, Metadata, OpenOptions, OpenOptionsExt};

use super::errno::{self, EISDIR, ELOOP, ENOTSUP};

/// Why a folder cannot be granted. Folders are named relative to the case folder, so that the
/// message is the same wherever the corpus is checked out.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{host} is not a folder inside the case folder {case}")]
    Outside { host: PathBuf, case: PathBuf },
    #[error("the case's {folder} is a symbolic link; a granted folder must be a real folder of the case")]
    Symlink { folder: PathBuf },
    #[error("the case's {folder} is not a folder")]
    NotDir { folder: PathBuf },
    #[error("cannot open the case's {folder} beneath the case folder: {source}")]
    Io { folder: PathBuf, source: io::Error },
}

/// A granted folder: the name the guest knows it by (e.g. `/data`) and the capability to it.
#[derive(Debug)]
pub struct Grant {
    pub guest: String,
    dir: Dir,
}

impl Grant {
    /// Grants `host`, which must be a real folder (not a link) beneath `case_dir`.
    pub fn new(guest: &str, case_dir: &Path, host: &Path) -> Result<Grant, GrantError> {
        let rel = host
            .strip_prefix(case_dir)
            .ok()
            .filter(|r| r.components().all(|c| matches!(c, Component::Normal(_))))
            .ok_or_else(|| GrantError::Outside { host: host.into(), case: case_dir.into() })?;
        let io_err = |source| GrantError::Io { folder: rel.into(), source };
        let case = Dir::open_ambient_dir(case_dir, ambient_authority()).map_err(io_err)?;
        let dir = if rel.as_os_str().is_empty() {
            case
        } else {
            // Resolved beneath the case folder: a link in a parent component that leaves it fails here.
            let meta = case.symlink_metadata(rel).map_err(io_err)?;
            if meta.is_symlink() {
                return Err(GrantError::Symlink { folder: rel.into() });
            }
            if !meta.is_dir() {
                return Err(GrantError::NotDir { folder: rel.into() });
            }
            case.open_dir(rel).map_err(io_err)?
        };
        Ok(Grant { guest: guest.to_string(), dir })
    }

    /// Metadata of `path` beneath the grant; links are followed only when `follow` (and only inside).
    pub fn stat(&self, path: &Path, follow: bool) -> Result<Metadata, i32> {
        let meta = if follow { self.dir.metadata(path) } else { self.dir.symlink_metadata(path) };
        meta.map_err(|e| errno::from_io(&e))
    }

    /// Opens the regular file `path` read-only. Anything else is refused before it is opened (a
    /// FIFO's open would block, a device's may act); the handle's own type is checked again after
    /// the open, which is non-blocking, in case the path was swapped meanwhile.
    pub fn open(&self, path: &Path, follow: bool) -> Result<OpenFile, i32> {
        let meta = self.stat(path, follow)?;
        if meta.is_symlink() {
            return Err(ELOOP);
        }
        file_only(&meta)?;
        let mut options = OpenOptions::new();
        options.read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
        let file = self.dir.open_with(path, &options).map_err(|e| errno::from_io(&e))?;
        let meta = file.metadata().map_err(|e| errno::from_io(&e))?;
        file_only(&meta)?;
        Ok(OpenFile { file: file.into_std(), size: meta.len(), pos: 0 })
    }
}

fn file_only(meta: &Metadata) -> Result<(), i32> {
    if meta.is_dir() {
        Err(EISDIR)
    } else if !meta.is_file() {
        Err(ENOTSUP)
    } else {
        Ok(())
    }
}

/// A regular file opened in a grant. Its size is taken once at open: reads stop there, so a file
/// that grows meanwhile cannot make the guest read more than it was allowed to open.
#[derive(Debug)]
pub struct OpenFile {
    file: File,
    pub size: u64,
    pub pos: u64,
}

impl OpenFile {
    /// Reads at most `buf.len()` bytes at the current position (0 at the end), and advances.
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.size.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}
