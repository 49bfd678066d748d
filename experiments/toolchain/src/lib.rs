//! Drives Debian's clang-19 / wasm-ld-19 to build the corpus as wasm32-wasi side modules, static
//! reference programs and one `libc.wasm` (Debian's wasi-libc linked whole), caching every artefact
//! under a name derived from a SHA-256 of everything that affects it.
//!
//! Artefacts are `<cache_dir>/<kind>-<16 hex>.wasm` with kind `side`, `static` or `libc`. An
//! artefact that exists is returned without running any tool. Builds happen in a scratch folder
//! inside `cache_dir` and the result is renamed into place, so a killed build never leaves a half
//! file and concurrent builders (threads or processes) of the same artefact are harmless.
//!
//! What the hash covers: the tools (path and `--version` output of clang and wasm-ld, the
//! sysroot path, the content of `libc.a` and of the compiler-rt builtins archive), the full
//! argument lists (so `extra_cflags`, the include folder and the sysroot), every source's path
//! and content, every `*.h` under `include_dir` (recursively) and every `*.h` directly in each
//! source's folder. Not covered: headers reached through `-I` folders given in `extra_cflags`,
//! or in subfolders of a source's folder.

mod cache;
mod command;
mod discover;

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use cache::{Fingerprint, Scratch};
use discover::Found;

/// Bump when a recipe changes in a way the argument lists do not show.
const RECIPE_VERSION: &str = "dylab-toolchain recipes v1";

/// The located tools, the corpus' include folder and the cache folder.
#[derive(Debug, Clone)]
pub struct Toolchain {
    found: Found,
    include_dir: PathBuf,
    cache_dir: PathBuf,
    clang_version: String,
    wasm_ld_version: String,
    /// Everything about the tools that goes into every artefact's hash; computed once.
    identity: String,
}

/// First lines of the tools' `--version` output, and the wasi-libc package version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolVersions {
    pub clang: String,
    pub wasm_ld: String,
    pub wasi_libc: String,
}

impl Toolchain {
    /// Finds the tools. Env overrides: `DYLAB_CLANG` (default `clang-19`, searched in PATH),
    /// `DYLAB_WASM_LD` (default `wasm-ld-19`), `DYLAB_WASI_SYSROOT` (default `/usr`; libc at
    /// `<sysroot>/lib/wasm32-wasi/libc.a`, headers `<sysroot>/include/wasm32-wasi`),
    /// `DYLAB_CLANG_RT` (default `/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a`).
    ///
    /// On anything missing, the error names every missing piece, the Debian package providing it
    /// and the command installing them all (or `scripts/setup.sh`).
    ///
    /// `include_dir` is passed as `-I` to every compile; `cache_dir` is created if missing.
    pub fn discover(include_dir: &Path, cache_dir: &Path) -> Result<Self> {
        Self::discover_with(include_dir, cache_dir, &|name| std::env::var_os(name))
    }

    /// [`Toolchain::discover`] reading the environment through `lookup` (tests use this rather
    /// than mutating the process environment).
    fn discover_with(include_dir: &Path, cache_dir: &Path, lookup: &dyn Fn(&str) -> Option<OsString>) -> Result<Self> {
        let found = discover::find(lookup).map_err(anyhow::Error::msg)?;
        let clang_version = tool_version(&found.clang, "clang", "clang-19")?;
        let wasm_ld_version = tool_version(&found.wasm_ld, "wasm-ld", "lld-19")?;

        let include_dir = std::path::absolute(include_dir)
            .with_context(|| format!("resolving include folder {}", include_dir.display()))?;
        let cache_dir = std::path::absolute(cache_dir)
            .with_context(|| format!("resolving cache folder {}", cache_dir.display()))?;
        std::fs::create_dir_all(&cache_dir)
            .with_context(|| format!("creating cache folder {}", cache_dir.display()))?;
        cache::sweep_stale(&cache_dir, Duration::from_secs(24 * 3600));

        let identity = format!(
            "{RECIPE_VERSION}\nclang {}\n{clang_version}\nwasm-ld {}\n{wasm_ld_version}\nsysroot {}\nlibc.a {}\nclang_rt {} {}\n",
            found.clang.display(),
            found.wasm_ld.display(),
            found.sysroot.display(),
            cache::file_sha256(&found.libc_a)?,
            found.clang_rt.display(),
            cache::file_sha256(&found.clang_rt)?,
        );
        Ok(Toolchain { found, include_dir, cache_dir, clang_version, wasm_ld_version, identity })
    }

    /// `libc.wasm`: Debian's wasi-libc linked whole into one module that exports everything,
    /// imports its table and leaves undefined symbols as imports. Cached.
    pub fn libc_module(&self) -> Result<PathBuf> {
        let args = self.libc_link_args();
        let mut fp = Fingerprint::new("libc");
        fp.field("identity", self.identity.as_bytes());
        for a in &args {
            fp.field("arg", a.as_encoded_bytes());
        }
        self.cached("libc", fp, |_scratch, out| {
            let mut cmd = Command::new(&self.found.wasm_ld);
            cmd.args(&args).arg("-o").arg(out);
            command::run(cmd).context("linking libc.wasm")?;
            Ok(())
        })
    }

    /// A PIC side module (with a `dylink.0` section) from C sources. Cached.
    pub fn side_module(&self, sources: &[PathBuf], extra_cflags: &[String]) -> Result<PathBuf> {
        self.side_module_needing(sources, extra_cflags, &[])
    }

    /// A side module linked against other side modules: each `(name, built module)` satisfies its
    /// undefined symbols at link time and becomes a `NEEDED` entry of its dylink.0 section, under
    /// `name` (the name a loader looks it up by). Cached.
    pub fn side_module_needing(
        &self,
        sources: &[PathBuf],
        extra_cflags: &[String],
        needed: &[(String, PathBuf)],
    ) -> Result<PathBuf> {
        if sources.is_empty() {
            bail!("side_module: no sources given");
        }
        let cflags = self.side_cflags(extra_cflags);
        let ldflags = side_ldflags();
        let mut fp = self.compile_fingerprint("side", &cflags, &ldflags, sources)?;
        for (name, path) in needed {
            fp.field("needed", name.as_bytes());
            fp.field("needed-content", &std::fs::read(path).with_context(|| format!("reading {}", path.display()))?);
        }
        self.cached("side", fp, |scratch, out| {
            let mut objects = Vec::new();
            for (i, src) in sources.iter().enumerate() {
                let stem = src.file_stem().unwrap_or(OsStr::new("src")).to_string_lossy();
                let obj = scratch.join(format!("{i}-{stem}.o"));
                let mut cmd = Command::new(&self.found.clang);
                cmd.args(&cflags).arg("-c").arg(src).arg("-o").arg(&obj);
                command::run(cmd).with_context(|| format!("compiling {}", src.display()))?;
                objects.push(obj);
            }
            // wasm-ld records a needed library by its file name: give it the loader's name.
            let mut libs = Vec::new();
            for (name, path) in needed {
                let lib = scratch.join(name);
                std::fs::copy(path, &lib).with_context(|| format!("copying {}", path.display()))?;
                libs.push(lib);
            }
            let mut cmd = Command::new(&self.found.wasm_ld);
            cmd.args(&ldflags).args(&objects).args(&libs).arg("-o").arg(out);
            command::run(cmd).context("linking side module")?;
            Ok(())
        })
    }

    /// An ordinary wasm32-wasi command module: the sources with wasi-libc and the compiler-rt
    /// builtins statically linked (by the clang driver, told explicitly which wasm-ld and which
    /// builtins archive to use). Cached.
    pub fn static_program(&self, sources: &[PathBuf], extra_cflags: &[String]) -> Result<PathBuf> {
        if sources.is_empty() {
            bail!("static_program: no sources given");
        }
        let cflags = self.static_cflags(extra_cflags);
        let ldflags = self.static_ldflags();
        let fp = self.compile_fingerprint("static", &cflags, &ldflags, sources)?;
        self.cached("static", fp, |scratch, out| {
            let mut cmd = Command::new(&self.found.clang);
            // The driver's intermediate objects go to the scratch folder too.
            cmd.env("TMPDIR", scratch);
            cmd.args(&cflags).args(sources).args(&ldflags).arg("-o").arg(out);
            command::run(cmd).context("building static program")?;
            Ok(())
        })
    }

    pub fn versions(&self) -> Result<ToolVersions> {
        Ok(ToolVersions {
            clang: first_line(&self.clang_version),
            wasm_ld: first_line(&self.wasm_ld_version),
            wasi_libc: self.wasi_libc_version(),
        })
    }

    // ---- recipes -------------------------------------------------------------------------------

    fn common_cflags(&self) -> Vec<OsString> {
        let mut sysroot = OsString::from("--sysroot=");
        sysroot.push(&self.found.sysroot);
        vec!["--target=wasm32-wasi".into(), sysroot, "-I".into(), self.include_dir.clone().into(), "-O2".into()]
    }

    fn side_cflags(&self, extra: &[String]) -> Vec<OsString> {
        let mut v = self.common_cflags();
        v.extend(["-fPIC", "-fvisibility=default"].map(OsString::from));
        v.extend(extra.iter().map(OsString::from));
        v
    }

    fn static_cflags(&self, extra: &[String]) -> Vec<OsString> {
        let mut v = self.common_cflags();
        v.extend(extra.iter().map(OsString::from));
        v
    }

    /// After the sources: the same link line the driver makes by default (`-lc` then the
    /// builtins), but with the discovered wasm-ld and builtins rather than whatever the driver
    /// would find on its own.
    fn static_ldflags(&self) -> Vec<OsString> {
        let mut fuse = OsString::from("-fuse-ld=");
        fuse.push(&self.found.wasm_ld);
        vec![fuse, "-nodefaultlibs".into(), "-lc".into(), self.found.clang_rt.clone().into()]
    }

    fn libc_link_args(&self) -> Vec<OsString> {
        let mut v: Vec<OsString> = [
            "--no-entry",
            "--export-all",
            "--growable-table",
            "--export-table",
            "--import-undefined",
            "--unresolved-symbols=ignore-all",
            "--export=__stack_pointer",
            "--whole-archive",
        ]
        .map(OsString::from)
        .into();
        v.push(self.found.libc_a.clone().into());
        v.push("--no-whole-archive".into());
        v.push(self.found.clang_rt.clone().into());
        v
    }

    // ---- caching -------------------------------------------------------------------------------

    /// Hashes each source (path and content) and the headers it may include: every `*.h` under
    /// the include folder and directly in the source's own folder.
    /// What decides a compiled artefact: the tools, every flag, and the sources with their headers.
    fn compile_fingerprint(
        &self,
        kind: &str,
        cflags: &[OsString],
        ldflags: &[OsString],
        sources: &[PathBuf],
    ) -> Result<Fingerprint> {
        let mut fp = Fingerprint::new(kind);
        fp.field("identity", self.identity.as_bytes());
        for a in cflags {
            fp.field("cflag", a.as_encoded_bytes());
        }
        for a in ldflags {
            fp.field("ldflag", a.as_encoded_bytes());
        }
        self.hash_sources(&mut fp, sources)?;
        Ok(fp)
    }

    fn hash_sources(&self, fp: &mut Fingerprint, sources: &[PathBuf]) -> Result<()> {
        let mut headers = BTreeSet::new();
        headers.extend(cache::headers(&self.include_dir, true)?);
        for src in sources {
            fp.file("source", src).with_context(|| format!("reading source {}", src.display()))?;
            let parent = match src.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            headers.extend(cache::headers(parent, false)?);
        }
        for h in &headers {
            fp.file("header", h)?;
        }
        Ok(())
    }

    /// Returns `<cache_dir>/<kind>-<16 hex>.wasm`, building it with `build(scratch, out)` first
    /// when it does not exist; `out` is a path inside `scratch` with the final file name.
    fn cached(&self, kind: &str, fp: Fingerprint, build: impl FnOnce(&Path, &Path) -> Result<()>) -> Result<PathBuf> {
        let name = format!("{kind}-{}.wasm", &fp.hex()[..16]);
        let dest = self.cache_dir.join(&name);
        if dest.is_file() {
            return Ok(dest);
        }
        let scratch = Scratch::new(&self.cache_dir, kind)?;
        let out = scratch.path().join(&name);
        build(scratch.path(), &out)?;
        scratch.publish(&name, &self.cache_dir)
    }

    fn wasi_libc_version(&self) -> String {
        // dpkg only knows the sysroot it installed.
        let is_debian_sysroot =
            self.found.sysroot.canonicalize().is_ok_and(|p| p == Path::new(discover::DEFAULT_SYSROOT));
        if !is_debian_sysroot {
            return "unknown".into();
        }
        Command::new("dpkg-query")
            .args(["-W", "-f=${Version}", "wasi-libc"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "unknown".into())
    }
}

fn side_ldflags() -> Vec<OsString> {
    ["--experimental-pic", "-shared", "--unresolved-symbols=import-dynamic"].map(OsString::from).into()
}

/// Full `--version` output of a tool; failing to run it is reported like a missing tool.
fn tool_version(path: &Path, what: &str, package: &str) -> Result<String> {
    let mut cmd = Command::new(path);
    cmd.arg("--version");
    let out = command::run(cmd).map_err(|e| {
        anyhow::anyhow!(discover::missing_message(&[format!(
            "{what}: {} does not run ({e:#}) — Debian package {package}",
            path.display()
        )]))
    })?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn first_line(s: &str) -> String {
    s.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("unknown").to_string()
}

#[cfg(test)]
mod tests;
