//! Keeping a build inside the folders it may read. A manifest path is resolved beneath its case
//! folder with cap-std (openat2 RESOLVE_BENEATH where the kernel has it): no absolute path, no
//! `..`, no symbolic link leading out, regular files only. Every file a compile then reads (from
//! clang's dependency list) must resolve beneath one of the allowed [`Roots`].

use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

use cap_std::ambient_authority;
use cap_std::fs::{Dir, FileType, FileTypeExt};

/// Why a path was refused. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfineError {
    #[error("`{}`: an empty path names no file", rel.display())]
    Empty { rel: PathBuf },
    #[error("`{}`: absolute paths are not allowed; name files relative to the case folder {}", rel.display(), dir.display())]
    Absolute { rel: PathBuf, dir: PathBuf },
    #[error("`{}`: `..` is not allowed; files must lie beneath the case folder {}", rel.display(), dir.display())]
    ParentDir { rel: PathBuf, dir: PathBuf },
    #[error("`{}` leads outside the case folder {} (through a symbolic link)", rel.display(), dir.display())]
    Escapes { rel: PathBuf, dir: PathBuf },
    #[error("`{}` in {} is {kind}, not a regular file", rel.display(), dir.display())]
    NotRegular { rel: PathBuf, dir: PathBuf, kind: FileKind },
    #[error("`{}` does not exist in the case folder {}", rel.display(), dir.display())]
    Missing { rel: PathBuf, dir: PathBuf },
    #[error("case folder {}: {source}", dir.display())]
    CaseDir { dir: PathBuf, source: io::Error },
    #[error("`{}` in {}: {source}", rel.display(), dir.display())]
    Io { rel: PathBuf, dir: PathBuf, source: io::Error },
    #[error("{} reads {}{}, which lies outside {}; refused", source_file.display(), file.display(), resolving(file, resolved), roots)]
    Outside { source_file: PathBuf, file: PathBuf, resolved: PathBuf, roots: String },
    #[error("{} reads {}, which is {kind}, not a regular file; refused", source_file.display(), file.display())]
    ReadsNotRegular { source_file: PathBuf, file: PathBuf, kind: FileKind },
    #[error("{} reads {}, which cannot be resolved: {source}", source_file.display(), file.display())]
    Unresolvable { source_file: PathBuf, file: PathBuf, source: io::Error },
}

/// " (resolving to X)" when links or `..` make `resolved` differ from `file`.
fn resolving(file: &Path, resolved: &Path) -> String {
    if file == resolved {
        String::new()
    } else {
        format!(" (resolving to {})", resolved.display())
    }
}

/// What a non-regular file is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
    Other,
}

impl FileKind {
    fn of(ty: FileType) -> FileKind {
        FileKind::from_flags(ty.is_dir(), ty.is_fifo(), ty.is_socket(), ty.is_char_device(), ty.is_block_device())
    }

    fn of_std(ty: std::fs::FileType) -> FileKind {
        use std::os::unix::fs::FileTypeExt as _;
        FileKind::from_flags(ty.is_dir(), ty.is_fifo(), ty.is_socket(), ty.is_char_device(), ty.is_block_device())
    }

    /// cap-std's and std's file types answer the same questions through different traits.
    fn from_flags(dir: bool, fifo: bool, socket: bool, char_device: bool, block_device: bool) -> FileKind {
        match (dir, fifo, socket, char_device, block_device) {
            (true, ..) => FileKind::Directory,
            (_, true, ..) => FileKind::Fifo,
            (_, _, true, ..) => FileKind::Socket,
            (_, _, _, true, _) => FileKind::CharDevice,
            (.., true) => FileKind::BlockDevice,
            _ => FileKind::Other,
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "a directory",
            FileKind::Fifo => "a FIFO",
            FileKind::Socket => "a socket",
            FileKind::CharDevice => "a character device",
            FileKind::BlockDevice => "a block device",
            FileKind::Other => "not a plain file",
        })
    }
}

/// Resolves `rel` (a manifest's `main`/`libs` entry) beneath `case_dir` and returns it as an
/// absolute path without symbolic links, after checking that it is a regular file. Nothing is
/// opened for reading, so a FIFO is refused rather than waited on.
pub fn source_in(case_dir: &Path, rel: impl AsRef<Path>) -> Result<PathBuf, ConfineError> {
    let rel = rel.as_ref();
    let err_dir = || case_dir.to_path_buf();
    if rel.as_os_str().is_empty() {
        return Err(ConfineError::Empty { rel: rel.into() });
    }
    for c in rel.components() {
        match c {
            Component::RootDir | Component::Prefix(_) => {
                return Err(ConfineError::Absolute { rel: rel.into(), dir: err_dir() })
            }
            Component::ParentDir => return Err(ConfineError::ParentDir { rel: rel.into(), dir: err_dir() }),
            Component::CurDir | Component::Normal(_) => {}
        }
    }
    let root = case_dir.canonicalize().map_err(|source| ConfineError::CaseDir { dir: err_dir(), source })?;
    let dir = Dir::open_ambient_dir(&root, ambient_authority())
        .map_err(|source| ConfineError::CaseDir { dir: err_dir(), source })?;
    let io_err = |source: io::Error| classify(case_dir, &root, rel, source);
    // cap-std resolves every component beneath `dir` and fails on any step that would leave it.
    let meta = dir.metadata(rel).map_err(io_err)?;
    if !meta.is_file() {
        return Err(ConfineError::NotRegular { rel: rel.into(), dir: err_dir(), kind: FileKind::of(meta.file_type()) });
    }
    let resolved = dir.canonicalize(rel).map_err(io_err)?;
    Ok(root.join(resolved))
}

/// Turns cap-std's error into one that says what went wrong. cap-std reports an escape as
/// "permission denied"; with `..` and absolute paths already refused, only a link can escape.
fn classify(case_dir: &Path, root: &Path, rel: &Path, source: io::Error) -> ConfineError {
    let (rel, dir) = (rel.to_path_buf(), case_dir.to_path_buf());
    match source.kind() {
        io::ErrorKind::NotFound => ConfineError::Missing { rel, dir },
        io::ErrorKind::PermissionDenied => {
            let escapes = root.join(&rel).canonicalize().map_or(true, |p| !p.starts_with(root));
            if escapes {
                ConfineError::Escapes { rel, dir }
            } else {
                ConfineError::Io { rel, dir, source }
            }
        }
        _ => ConfineError::Io { rel, dir, source },
    }
}

/// Which allowed folder a file was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    /// The case's own folder (its sources and local headers).
    Case,
    /// The lab's headers (corpus/include).
    LabHeaders,
    /// wasi-libc's headers in the sysroot.
    Sysroot,
    /// clang's own headers (stddef.h, stdarg.h, ...).
    ClangResource,
    /// A third-party source tree fetched at set-up, outside git (the SQLite amalgamation).
    Vendor,
}

impl fmt::Display for Root {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Root::Case => "the case folder",
            Root::LabHeaders => "the lab's headers",
            Root::Sysroot => "the wasi-libc headers",
            Root::ClangResource => "clang's headers",
            Root::Vendor => "the fetched third-party sources",
        })
    }
}

/// The folders (canonical) a compile may read files from.
#[derive(Debug, Clone)]
pub(crate) struct Roots(Vec<(Root, PathBuf)>);

impl Roots {
    /// Folders that do not exist are left out (nothing can be read from them anyway).
    pub fn new(folders: impl IntoIterator<Item = (Root, PathBuf)>) -> Roots {
        Roots(folders.into_iter().filter_map(|(r, p)| Some((r, p.canonicalize().ok()?))).collect())
    }

    /// `file` (as clang named it, read by a compile of `source_file`) resolved without links,
    /// if it is a regular file beneath one of the roots.
    pub fn check(&self, source_file: &Path, file: &Path) -> Result<PathBuf, ConfineError> {
        let canonical = file.canonicalize().map_err(|source| ConfineError::Unresolvable {
            source_file: source_file.into(),
            file: file.into(),
            source,
        })?;
        if !self.0.iter().any(|(_, root)| canonical.starts_with(root)) {
            return Err(ConfineError::Outside {
                source_file: source_file.into(),
                file: file.into(),
                resolved: canonical,
                roots: self.describe(),
            });
        }
        let ty = std::fs::metadata(&canonical)
            .map_err(|source| ConfineError::Unresolvable {
                source_file: source_file.into(),
                file: file.into(),
                source,
            })?
            .file_type();
        if !ty.is_file() {
            return Err(ConfineError::ReadsNotRegular {
                source_file: source_file.into(),
                file: file.into(),
                kind: FileKind::of_std(ty),
            });
        }
        Ok(canonical)
    }

    fn describe(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(r, p)| format!("{r} ({})", p.display())).collect();
        parts.join(", ")
    }
}
