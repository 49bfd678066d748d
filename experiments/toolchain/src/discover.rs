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

/// A program the toolchain runs: what it is, the variable that overrides it, its default name
/// and the Debian package that has it.
struct Tool {
    what: &'static str,
    env: &'static str,
    default: &'static str,
    package: &'static str,
}

const CLANG: Tool = Tool { what: "clang", env: "DYLAB_CLANG", default: DEFAULT_CLANG, package: "clang-19" };
const WASM_LD: Tool = Tool { what: "wasm-ld", env: "DYLAB_WASM_LD", default: DEFAULT_WASM_LD, package: "lld-19" };

/// Reads the env overrides through `lookup` (so tests need not touch the process environment)
/// and checks that everything is there. The error names every missing piece at once.
pub(crate) fn find(lookup: &dyn Fn(&str) -> Option<OsString>) -> Result<Found, String> {
    let var = |name: &str, default: &str| -> OsString {
        lookup(name).filter(|v| !v.is_empty()).unwrap_or_else(|| OsString::from(default))
    };
    let path_var = lookup("PATH");
    let mut missing = Vec::new();
    let mut program = |tool: &Tool| {
        let name = var(tool.env, tool.default);
        let found = find_program(&name, path_var.as_deref());
        if found.is_none() {
            missing.push(format!(
                "{}: `{}` {} (override with {}) — Debian package {}",
                tool.what,
                name.to_string_lossy(),
                where_(&name),
                tool.env,
                tool.package
            ));
        }
        found
    };
    let (clang, wasm_ld) = (program(&CLANG), program(&WASM_LD));

    let sysroot = PathBuf::from(var("DYLAB_WASI_SYSROOT", DEFAULT_SYSROOT));
    let libc_a = sysroot.join("lib/wasm32-wasi/libc.a");
    check_sysroot(&sysroot, &libc_a, &mut missing);

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

/// wasi-libc's library and headers under `sysroot`; what is not there goes to `missing`.
fn check_sysroot(sysroot: &Path, libc_a: &Path, missing: &mut Vec<String>) {
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
