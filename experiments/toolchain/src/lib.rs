//! Drives Debian's clang-19 / wasm-ld-19 to build the corpus as wasm32-wasi side modules, static
//! reference programs and one `libc.wasm` (Debian's wasi-libc linked whole), caching every artefact
//! under a name derived from a SHA-256 of everything that affects it.
//!
//! Artefacts are `<cache_dir>/<kind>-<16 hex>.wasm` with kind `side`, `static` or `libc`. An
//! artefact that exists is returned without compiling or linking anything. Builds happen in a scratch folder
//! inside `cache_dir` and the result is renamed into place, so a killed build never leaves a half
//! file and concurrent builders (threads or processes) of the same artefact are harmless.
//!
//! What the hash covers: the tools (path and `--version` output of clang and wasm-ld, the
//! sysroot path, the content of `libc.a` and of the compiler-rt builtins archive), the full
//! argument lists (so `extra_cflags`, the include folder and the sysroot), and for each source,
//! the path and content of every file its preprocessing reads, as clang lists them in its
//! dependency output (`-M`): the source, every header at any depth, every `#embed` resource.
//! So each build runs the preprocessor once per source (about 30-70 ms) before it can look the
//! artefact up, as ccache's preprocessor mode does; a hit runs nothing else.
//!
//! Confinement: a module's [`Sources`] lie beneath a root folder (the case folder). Before
//! anything is compiled, every file the preprocessor read must resolve, without symbolic links,
//! to a regular file beneath that root, the lab's include folder, wasi-libc's headers in the
//! sysroot or clang's resource headers ([`confine::Root`]); otherwise the build is refused and
//! the preprocessor's messages, which could quote the file, are withheld. The compile itself
//! writes a dependency file too, which must list the same files. Case cflags are checked against
//! an allowlist ([`flags::check_cflags`]) so none adds an include path or names a host file.
//! Every tool run has a time limit (an `#include` of a FIFO blocks clang until it is killed).
//! Not covered: a hard link inside the case folder to a host file (it is a regular file there),
//! `__has_include` probing whether a host file exists, and files swapped between the check and
//! the compile (the compile's own list is checked afterwards, but its messages are already out).

mod cache;
mod checked;
mod command;
pub mod confine;
mod depfile;
mod discover;
pub mod flags;
pub mod native;
mod sources;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use cache::{Fingerprint, Scratch};
use confine::{Root, Roots};
use discover::Found;
pub use sources::Sources;

/// Bump when a recipe changes in a way the argument lists do not show.
const RECIPE_VERSION: &str = "dylab-toolchain recipes v3 (machine paths mapped, stable module names)";

/// How long the preprocessor may take on one source before it is killed: far more than any real
/// source needs (sqlite3.c takes about a second), but a bound on an `#include` of a FIFO.
const SCAN_LIMIT: Duration = Duration::from_secs(120);
/// How long one compile or link may take (sqlite3.c compiles in about 40 s).
const BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);

/// Environment variables that would add include paths or options behind the command line's back.
const CLANG_ENV_REMOVED: &[&str] = &[
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "OBJC_INCLUDE_PATH",
    "OBJCPLUS_INCLUDE_PATH",
    "CCC_OVERRIDE_OPTIONS",
    "COMPILER_PATH",
    "LIBRARY_PATH",
];

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
    /// clang's resource folder (its own headers are in `include/` there).
    resource_dir: PathBuf,
    scan_limit: Duration,
    build_limit: Duration,
}

/// One source and, in the order clang listed them, every file its preprocessing read
/// (canonical paths, each checked to lie beneath an allowed root; the source comes first).
#[derive(Debug)]
struct Input {
    source: PathBuf,
    reads: Vec<PathBuf>,
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
    /// `message` (a build error) without what differs between machines and runs: the cache and
    /// include folders become `<cache>` and `<include>`, a build's scratch folder `<scratch>`; so a
    /// report that quotes a build failure is the same on every checkout.
    pub fn portable(&self, message: &str) -> String {
        let mut out = message.replace(&*self.cache_dir.to_string_lossy(), "<cache>");
        out = out.replace(&*self.include_dir.to_string_lossy(), "<include>");
        // Scratch folders are `<cache>/.tmp-<kind>-<pid>-<n>-<nanos>`.
        let marker = format!("<cache>/{}", cache::TMP_PREFIX);
        while let Some(start) = out.find(&marker) {
            let rest = &out[start + marker.len()..];
            let end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(rest.len());
            out.replace_range(start..start + marker.len() + end, "<scratch>");
        }
        // Artefact names carry a hash of inputs that include absolute paths: `static-<16 hex>.wasm`.
        let mut at = 0;
        while let Some(i) = out[at..].find(".wasm").map(|i| at + i) {
            let hex_start = i.saturating_sub(16);
            let is_hash = i >= 17
                && out.as_bytes()[hex_start - 1] == b'-'
                && out[hex_start..i].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
            if is_hash {
                out.replace_range(hex_start..i, "<hash>");
                at = hex_start + "<hash>.wasm".len();
            } else {
                at = i + ".wasm".len();
            }
        }
        out
    }

    pub fn discover(include_dir: &Path, cache_dir: &Path) -> Result<Self> {
        Self::discover_with(include_dir, cache_dir, &|name| std::env::var_os(name))
    }

    /// [`Toolchain::discover`] reading the environment through `lookup` (tests use this rather
    /// than mutating the process environment).
    fn discover_with(include_dir: &Path, cache_dir: &Path, lookup: &dyn Fn(&str) -> Option<OsString>) -> Result<Self> {
        let mut found = discover::find(lookup).map_err(anyhow::Error::msg)?;
        // Absolute, so that every file clang finds is named by an absolute path.
        found.sysroot = std::path::absolute(&found.sysroot)
            .with_context(|| format!("resolving sysroot {}", found.sysroot.display()))?;
        let clang_version = tool_version(&found.clang, "clang", "clang-19")?;
        let wasm_ld_version = tool_version(&found.wasm_ld, "wasm-ld", "lld-19")?;
        let mut cmd = Command::new(&found.clang);
        cmd.arg("-print-resource-dir");
        let resource_dir = command::run(cmd, SCAN_LIMIT).context("asking clang for its resource folder")?;
        let resource_dir = PathBuf::from(String::from_utf8_lossy(&resource_dir.stdout).trim());

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
        Ok(Toolchain {
            found,
            include_dir,
            cache_dir,
            clang_version,
            wasm_ld_version,
            identity,
            resource_dir,
            scan_limit: SCAN_LIMIT,
            build_limit: BUILD_LIMIT,
        })
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
        self.cached("libc", "libc.wasm", fp, |_scratch, out| {
            let mut cmd = Command::new(&self.found.wasm_ld);
            cmd.args(&args).arg("-o").arg(out);
            command::run(cmd, self.build_limit).context("linking libc.wasm")?;
            Ok(())
        })
    }

    /// A PIC side module (with a `dylink.0` section) from C sources given by path (see
    /// [`Sources::at`] for the folder their includes are confined to). Cached.
    pub fn side_module(&self, sources: &[PathBuf], extra_cflags: &[String]) -> Result<PathBuf> {
        self.side_module_needing(sources, extra_cflags, &[])
    }

    /// [`Toolchain::side_module_from`] with sources given by path ([`Sources::at`]).
    pub fn side_module_needing(
        &self,
        sources: &[PathBuf],
        extra_cflags: &[String],
        needed: &[(String, PathBuf)],
    ) -> Result<PathBuf> {
        self.side_module_from(&Sources::at(sources)?, extra_cflags, needed)
    }

    /// A side module from one or more C files (linked in the given order), linked against other
    /// side modules: each `(name, built module)` satisfies its undefined symbols at link time and
    /// becomes a `NEEDED` entry of its dylink.0 section, under `name` (the name a loader looks it
    /// up by). The compiler-rt builtins the objects use are linked in. `extra_cflags` must pass
    /// [`flags::check_cflags`]. Cached.
    pub fn side_module_from(
        &self,
        sources: &Sources,
        extra_cflags: &[String],
        needed: &[(String, PathBuf)],
    ) -> Result<PathBuf> {
        flags::check_cflags(extra_cflags)?;
        let cflags = self.side_cflags(extra_cflags, sources);
        let ldflags = side_ldflags(extra_cflags);
        let inputs = self.scan(sources, &cflags)?;
        let mut fp = self.compile_fingerprint("side", &cflags, &ldflags, &inputs)?;
        for (name, path) in needed {
            fp.field("needed", name.as_bytes());
            fp.file("needed-content", path)?;
        }
        // The builtins archive's content is in `identity`; naming it here keys the recipe change.
        fp.field("builtins", self.found.clang_rt.as_os_str().as_encoded_bytes());
        self.cached("side", &sources.module_name(), fp, |scratch, out| {
            let objects = self.compile_all(sources, &inputs, &cflags, scratch)?;
            // wasm-ld records a needed library by its file name: give it the loader's name.
            let mut libs = Vec::new();
            for (name, path) in needed {
                let lib = scratch.join(name);
                std::fs::copy(path, &lib).with_context(|| format!("copying {}", path.display()))?;
                libs.push(lib);
            }
            let mut cmd = Command::new(&self.found.wasm_ld);
            // The compiler-rt builtins last, as an archive: only the helpers the objects call
            // (long double arithmetic, `__multi3`...) are linked in, so that a side module does
            // not import them from a libc that may not have them (libc-host has none).
            cmd.args(&ldflags).args(&objects).args(&libs).arg(&self.found.clang_rt).arg("-o").arg(out);
            command::run(cmd, self.build_limit).context("linking side module")?;
            Ok(())
        })
    }

    /// [`Toolchain::static_program_from`] with sources given by path ([`Sources::at`]).
    pub fn static_program(&self, sources: &[PathBuf], extra_cflags: &[String]) -> Result<PathBuf> {
        self.static_program_from(&Sources::at(sources)?, extra_cflags)
    }

    /// An ordinary wasm32-wasi command module: the sources with wasi-libc and the compiler-rt
    /// builtins statically linked (by the clang driver, told explicitly which wasm-ld and which
    /// builtins archive to use). `-Wl,` options and `-mexec-model=` in `extra_cflags` reach the link. Cached.
    pub fn static_program_from(&self, sources: &Sources, extra_cflags: &[String]) -> Result<PathBuf> {
        flags::check_cflags(extra_cflags)?;
        let cflags = self.static_cflags(extra_cflags, sources);
        let ldflags = self.static_ldflags(extra_cflags);
        let inputs = self.scan(sources, &cflags)?;
        let fp = self.compile_fingerprint("static", &cflags, &ldflags, &inputs)?;
        self.cached("static", &sources.module_name(), fp, |scratch, out| {
            let objects = self.compile_all(sources, &inputs, &cflags, scratch)?;
            let mut cmd = self.clang();
            // Anything the driver makes on the way goes to the scratch folder too.
            cmd.env("TMPDIR", scratch);
            cmd.args(&ldflags[..2]).args(&objects).args(&ldflags[2..]).arg("-o").arg(out);
            command::run(cmd, self.build_limit).context("linking static program")?;
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

    /// clang with none of the environment variables that change its search paths or options.
    fn clang(&self) -> Command {
        let mut cmd = Command::new(&self.found.clang);
        for var in CLANG_ENV_REMOVED {
            cmd.env_remove(var);
        }
        cmd
    }

    fn target_flags(&self) -> [OsString; 2] {
        let mut sysroot = OsString::from("--sysroot=");
        sysroot.push(&self.found.sysroot);
        ["--target=wasm32-wasi".into(), sysroot]
    }

    /// No config files (clang would read them from its own folder and /etc), and no crash
    /// reproducers (which copy the preprocessed source to /tmp).
    fn common_cflags(&self, sources: &Sources) -> Vec<OsString> {
        let mut v: Vec<OsString> = self.target_flags().into();
        v.extend(["--no-default-config", "-fno-crash-diagnostics"].map(OsString::from));
        v.extend(["-I".into(), self.include_dir.clone().into()]);
        if let Some(vendor) = sources.vendor() {
            v.extend(["-I".into(), vendor.into()]);
        }
        v.push("-O2".into());
        v.extend(prefix_maps(sources, &self.include_dir));
        v
    }

    fn side_cflags(&self, extra: &[String], sources: &Sources) -> Vec<OsString> {
        let mut v = self.common_cflags(sources);
        v.extend(["-fPIC", "-fvisibility=default"].map(OsString::from));
        v.extend(extra.iter().map(OsString::from));
        v
    }

    fn static_cflags(&self, extra: &[String], sources: &Sources) -> Vec<OsString> {
        let mut v = self.common_cflags(sources);
        // `-mexec-model=` is the driver's link option (clang-19 refuses it when compiling).
        v.extend(extra.iter().filter(|f| !f.starts_with("-mexec-model=")).map(OsString::from));
        v
    }

    /// The driver's link line: the target (first two, before the objects), then the same
    /// libraries the driver links by default (`-lc` then the builtins), but with the discovered
    /// wasm-ld and builtins rather than whatever the driver would find on its own, and the case's
    /// `-Wl,` options.
    fn static_ldflags(&self, extra: &[String]) -> Vec<OsString> {
        let mut fuse = OsString::from("-fuse-ld=");
        fuse.push(&self.found.wasm_ld);
        let mut v: Vec<OsString> = self.target_flags().into();
        v.extend([fuse, "--no-default-config".into(), "-nodefaultlibs".into(), "-lc".into()]);
        v.push(self.found.clang_rt.clone().into());
        // `-mexec-model=reactor` picks the driver's start files: a reactor has no `_start`.
        v.extend(extra.iter().filter(|f| f.starts_with("-Wl,") || f.starts_with("-mexec-model=")).map(OsString::from));
        v
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

    /// What decides a compiled artefact: the tools, every flag, and every file each source's
    /// preprocessing read (path and content).
    fn compile_fingerprint(
        &self,
        kind: &str,
        cflags: &[OsString],
        ldflags: &[OsString],
        inputs: &[Input],
    ) -> Result<Fingerprint> {
        let mut fp = Fingerprint::new(kind);
        fp.field("identity", self.identity.as_bytes());
        for a in cflags {
            fp.field("cflag", a.as_encoded_bytes());
        }
        for a in ldflags {
            fp.field("ldflag", a.as_encoded_bytes());
        }
        for input in inputs {
            fp.field("source", input.source.as_os_str().as_encoded_bytes());
            for file in &input.reads {
                fp.file("reads", file)?;
            }
        }
        Ok(fp)
    }

    // ---- confinement ---------------------------------------------------------------------------

    /// The folders a compile of `sources` may read.
    fn roots(&self, sources: &Sources) -> Roots {
        let vendor = sources.vendor().map(|v| (Root::Vendor, v.to_path_buf()));
        Roots::new(
            [
                (Root::Case, sources.root().to_path_buf()),
                (Root::LabHeaders, self.include_dir.clone()),
                (Root::Sysroot, self.found.sysroot.join("include/wasm32-wasi")),
                (Root::ClangResource, self.resource_dir.join("include")),
            ]
            .into_iter()
            .chain(vendor),
        )
    }

    /// Returns `<cache_dir>/<kind>-<16 hex>.wasm`, building it with `build(scratch, out)` first
    /// when it does not exist. `out` is `<scratch>/out/<module_name>`: the linker writes the output's
    /// file name into the module's name section, so the module is built under a name that is the
    /// same on every machine (the hash covers absolute paths) and renamed into the cache after.
    fn cached(
        &self,
        kind: &str,
        module_name: &str,
        fp: Fingerprint,
        build: impl FnOnce(&Path, &Path) -> Result<()>,
    ) -> Result<PathBuf> {
        let name = format!("{kind}-{}.wasm", &fp.hex()[..16]);
        let dest = self.cache_dir.join(&name);
        if dest.is_file() {
            return Ok(dest);
        }
        let scratch = Scratch::new(&self.cache_dir, kind)?;
        // A folder of its own, so that the name cannot meet a needed library's copy in the scratch.
        let out_dir = scratch.path().join("out");
        std::fs::create_dir(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
        let out = out_dir.join(module_name);
        build(scratch.path(), &out)?;
        scratch.publish(&out, &name, &self.cache_dir)
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

/// `-ffile-prefix-map`s that turn the machine's folders into names that are the same everywhere, so
/// that `__FILE__` (and `assert`'s message) and the artefact's bytes do not depend on where the
/// checkout is: the case folder becomes nothing (`__FILE__` is `main.c`), the lab's headers
/// `include/`, a third-party folder its own name (`sqlite/`). The native builds use the same maps.
pub fn prefix_maps(sources: &Sources, include_dir: &Path) -> Vec<OsString> {
    let map = |from: &Path, to: &str| {
        let mut flag = OsString::from("-ffile-prefix-map=");
        flag.push(from);
        flag.push(format!("/={to}"));
        flag
    };
    let mut v = vec![map(sources.root(), ""), map(include_dir, "include/")];
    if let Some(vendor) = sources.vendor() {
        let name = vendor.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        v.push(map(vendor, &format!("{name}/")));
    }
    v
}

/// A side module built for threads (`-matomics`) imports a shared memory and exports what a loader
/// needs to give each thread its TLS block (without the exports nothing lets it place them).
fn side_ldflags(cflags: &[String]) -> Vec<OsString> {
    let mut v: Vec<OsString> =
        ["--experimental-pic", "-shared", "--unresolved-symbols=import-dynamic"].map(OsString::from).into();
    if cflags.iter().any(|f| f == "-matomics") {
        v.extend(THREAD_LDFLAGS.map(OsString::from));
    }
    v
}

/// wasm-ld's flags for a side module built with `-matomics` (checked with wasm-ld 19: it imports
/// `env.memory` as shared, maximum 65,536 pages, and defines its own `__tls_base`).
pub const THREAD_LDFLAGS: [&str; 5] = [
    "--shared-memory",
    "--export=__wasm_init_tls",
    "--export=__tls_size",
    "--export=__tls_align",
    "--export=__tls_base",
];

/// Full `--version` output of a tool; failing to run it is reported like a missing tool.
fn tool_version(path: &Path, what: &str, package: &str) -> Result<String> {
    let mut cmd = Command::new(path);
    cmd.arg("--version");
    let out = command::run(cmd, SCAN_LIMIT).map_err(|e| {
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
