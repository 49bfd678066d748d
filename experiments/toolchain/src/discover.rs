//! Finding clang, wasm-ld, wasi-libc and the compiler-rt builtins, with env overrides.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub(crate) const INSTALL_COMMAND: &str = "apt-get install -y clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32";

pub(crate) const DEFAULT_CLANG: &str = "clang-19";
pub(crate) const DEFAULT_WASM_LD: &str = "wasm-ld-19";
pub(crate) const DEFAULT_SYSROOT: &str = "/usr";
pub(crate) const DEFAULT_CLANG_RT: &str = "/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a";

/// The paths of every piece, once all were found.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub clang: PathBuf,
    pub wasm_ld: PathBuf,
    pub sysroot: PathBuf,
    pub libc_a: PathBuf,
    pub clang_rt: PathBuf,
}

/// Reads the env overrides through `lookup` (so tests need not touch the process environment)
/// and checks that everything is there. The error names every missing piece at once.
pub(crate) fn find(lookup: &dyn Fn(&str) -> Option<OsString>) -> Result<Found, String> {
    let var = |name: &str, default: &str| -> OsString {
        lookup(name).filter(|v| !v.is_empty()).unwrap_or_else(|| OsString::from(default))
    };
    let path_var = lookup("PATH");
    let mut missing = Vec::new();

    let clang_name = var("DYLAB_CLANG", DEFAULT_CLANG);
    let clang = find_program(&clang_name, path_var.as_deref());
    if clang.is_none() {
        missing.push(format!(
            "clang: `{}` {} (override with DYLAB_CLANG) — Debian package clang-19",
            clang_name.to_string_lossy(),
            where_(&clang_name)
        ));
    }

    let ld_name = var("DYLAB_WASM_LD", DEFAULT_WASM_LD);
    let wasm_ld = find_program(&ld_name, path_var.as_deref());
    if wasm_ld.is_none() {
        missing.push(format!(
            "wasm-ld: `{}` {} (override with DYLAB_WASM_LD) — Debian package lld-19",
            ld_name.to_string_lossy(),
            where_(&ld_name)
        ));
    }

    let sysroot = PathBuf::from(var("DYLAB_WASI_SYSROOT", DEFAULT_SYSROOT));
    let libc_a = sysroot.join("lib/wasm32-wasi/libc.a");
    if !libc_a.is_file() {
        missing.push(format!(
            "wasi-libc: {} not found (sysroot {}, override with DYLAB_WASI_SYSROOT) — Debian package wasi-libc",
            libc_a.display(),
            sysroot.display()
        ));
    }
    let headers = sysroot.join("include/wasm32-wasi");
    if !headers.join("stdio.h").is_file() {
        missing.push(format!(
            "wasi-libc headers: {} not found (sysroot {}, override with DYLAB_WASI_SYSROOT) — Debian package wasi-libc",
            headers.join("stdio.h").display(),
            sysroot.display()
        ));
    }

    let clang_rt = PathBuf::from(var("DYLAB_CLANG_RT", DEFAULT_CLANG_RT));
    if !clang_rt.is_file() {
        missing.push(format!(
            "compiler-rt builtins: {} not found (override with DYLAB_CLANG_RT) — Debian package libclang-rt-19-dev-wasm32",
            clang_rt.display()
        ));
    }

    match (clang, wasm_ld) {
        (Some(clang), Some(wasm_ld)) if missing.is_empty() => Ok(Found { clang, wasm_ld, sysroot, libc_a, clang_rt }),
        _ => Err(missing_message(&missing)),
    }
}

pub(crate) fn missing_message(missing: &[String]) -> String {
    let mut msg = String::from("the wasm32-wasi C toolchain is incomplete:\n");
    for m in missing {
        msg.push_str("  - ");
        msg.push_str(m);
        msg.push('\n');
    }
    msg.push_str(&format!("install it with `{INSTALL_COMMAND}` (as root), or run scripts/setup.sh"));
    msg
}

fn where_(name: &OsString) -> &'static str {
    if Path::new(name).components().count() > 1 {
        "does not exist or is not executable"
    } else {
        "not found in PATH"
    }
}

/// A name with a slash is a path; a bare name is searched in `path_var`.
fn find_program(name: &OsString, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.components().count() > 1 || p.is_absolute() {
        return is_executable(p).then(|| p.to_path_buf());
    }
    std::env::split_paths(path_var?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(p))
        .find(|c| is_executable(c))
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}
