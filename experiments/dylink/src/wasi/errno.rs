//! WASI errno values (as in wasi-libc's `wasi/api.h`) and how host I/O errors map onto them.

use std::io;

pub const ESUCCESS: i32 = 0;
pub const EACCES: i32 = 2;
pub const EBADF: i32 = 8;
pub const EINVAL: i32 = 28;
pub const EIO: i32 = 29;
pub const EISDIR: i32 = 31;
pub const ELOOP: i32 = 32;
pub const EMFILE: i32 = 33;
pub const ENAMETOOLONG: i32 = 37;
pub const ENOENT: i32 = 44;
pub const ENOSYS: i32 = 52;
pub const ENOTDIR: i32 = 54;
pub const ENOTSUP: i32 = 58;
pub const EPERM: i32 = 63;
pub const EROFS: i32 = 69;
pub const ESPIPE: i32 = 70;
pub const ENOTCAPABLE: i32 = 76;

/// The errno a guest sees for a failed host filesystem call.
pub fn from_io(e: &io::Error) -> i32 {
    match e.raw_os_error() {
        Some(libc::ENOENT) => ENOENT,
        Some(libc::EACCES) => EACCES,
        Some(libc::EPERM) => EPERM,
        Some(libc::ELOOP) => ELOOP,
        Some(libc::ENOTDIR) => ENOTDIR,
        Some(libc::EISDIR) => EISDIR,
        Some(libc::ENAMETOOLONG) => ENAMETOOLONG,
        Some(libc::EMFILE | libc::ENFILE) => EMFILE,
        Some(libc::EINVAL) => EINVAL,
        // openat2's RESOLVE_BENEATH (what cap-std uses on Linux) answers an escape with EXDEV.
        Some(libc::EXDEV) => ENOTCAPABLE,
        Some(_) => EIO,
        // cap-std's own escape check (absolute path, `..` or a link leaving the directory) has no OS code.
        None => match e.kind() {
            io::ErrorKind::PermissionDenied => ENOTCAPABLE,
            io::ErrorKind::NotFound => ENOENT,
            io::ErrorKind::InvalidInput => EINVAL,
            _ => EIO,
        },
    }
}
