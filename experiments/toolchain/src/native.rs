//! The native reference: a case built by the host's C compiler as real 32-bit ELF objects
//! (`gcc -m32`, so `int`, `long` and pointers are 32 bits as in wasm32), to run under glibc's ld.so.
//!
//! Each library is a shared object named as the program names it (`dlworld.wasm`, with that
//! soname, so a `[needed]` library becomes a `DT_NEEDED` entry of that name); the main program is
//! linked `-rdynamic` (its symbols are in the global scope, as the lab's loader makes them). Every
//! object gets `DT_RPATH=$ORIGIN`, so `dlopen("dlworld.wasm")` (no slash: ld.so searches the
//! paths) finds the library beside the program without `LD_LIBRARY_PATH` in the program's
//! environment. The folder is cached under `<cache>/native-<16 hex>/`, keyed on the compiler, the
//! glibc version, the flags and the content of every file of the case folder, of its third-party
//! folder and of the headers (the case folder is hashed whole: cheaper than asking gcc which files
//! a compile reads, and never too little).
//!
//! Headers: `-I <include>/native` first (its `dlcall.h` calls through `dlsym`), then the system's
//! (its `<dlfcn.h>`, `<setjmp.h>`), then `-idirafter <include>` (the lab's `dylab.h`). The same
//! `-ffile-prefix-map`s as the wasm builds, so `__FILE__` is `main.c` in both.
//!
//! Not confined: a native compile reads whatever the case includes, and [the lab runs the
//! program](../../lab/src/native) as an ordinary process.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::cache::{Fingerprint, Scratch};
use crate::{command, flags, prefix_maps, Sources};

const NATIVE_RECIPE: &str = "dylab native recipe v2 (gcc -m32, rpath $ORIGIN, -rdynamic main)";
const DEFAULT_CC: &str = "gcc";
const BUILD_LIMIT: Duration = Duration::from_secs(30 * 60);
pub const INSTALL_HINT: &str = "apt-get install -y gcc-multilib (gcc -m32 and 32-bit glibc)";

/// One object of the case: its file name (`dlworld.wasm`), its sources and the names of the
/// libraries it is linked against (built before it).
#[derive(Debug, Clone)]
pub struct NativeModule {
    pub name: String,
    pub sources: Sources,
    pub needed: Vec<String>,
}

/// The host compiler, with what identifies it and the glibc it links against.
#[derive(Debug, Clone)]
pub struct NativeToolchain {
    cc: PathBuf,
    identity: String,
    include_dir: PathBuf,
    cache_dir: PathBuf,
}

impl NativeToolchain {
    /// `DYLAB_NATIVE_CC` (default `gcc`) must build and link a 32-bit program.
    pub fn discover(include_dir: &Path, cache_dir: &Path) -> Result<NativeToolchain> {
        let cc =
            PathBuf::from(std::env::var_os("DYLAB_NATIVE_CC").filter(|v| !v.is_empty()).unwrap_or(DEFAULT_CC.into()));
        let ask = |args: &[&str]| -> Result<String> {
            let mut cmd = Command::new(&cc);
            cmd.args(args);
            let out = command::run(cmd, Duration::from_secs(60))
                .with_context(|| format!("the native compiler {} does not run ({INSTALL_HINT})", cc.display()))?;
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let version = ask(&["--version"])?;
        let libc = PathBuf::from(ask(&["-m32", "-print-file-name=libc.so.6"])?);
        if !libc.is_absolute() {
            bail!("{} -m32 finds no 32-bit libc.so.6 ({INSTALL_HINT})", cc.display());
        }
        let identity = format!(
            "{NATIVE_RECIPE}\ncc {}\n{version}\nlibc {} {}\n",
            cc.display(),
            libc.display(),
            crate::cache::file_sha256(&libc)?
        );
        let include_dir = std::path::absolute(include_dir)?;
        let cache_dir = std::path::absolute(cache_dir)?;
        Ok(NativeToolchain { cc, identity, include_dir, cache_dir })
    }

    /// The compiler's first `--version` line (`gcc (Debian 12.2.0-14) 12.2.0`).
    pub fn version(&self) -> String {
        self.identity.lines().nth(2).unwrap_or("unknown").to_string()
    }

    /// Builds `libs` (each after the ones it needs) and `main` into one folder, returned with every
    /// object under its name. Cached.
    pub fn build(&self, libs: &[NativeModule], main: &NativeModule, cflags: &[String]) -> Result<PathBuf> {
        flags::check_cflags(cflags)?;
        let mut fp = Fingerprint::new("native");
        fp.field("identity", self.identity.as_bytes());
        for f in cflags {
            fp.field("cflag", f.as_bytes());
        }
        fp.tree("include", &self.include_dir)?;
        for m in libs.iter().chain([main]) {
            fp.field("module", m.name.as_bytes());
            m.needed.iter().for_each(|n| fp.field("needed", n.as_bytes()));
            fp.tree("root", m.sources.root())?;
            for s in m.sources.files() {
                fp.field("source", s.as_os_str().as_encoded_bytes());
            }
            if let Some(v) = m.sources.vendor() {
                fp.tree("vendor", v)?;
            }
        }
        let name = format!("native-{}", &fp.hex()[..16]);
        let dest = self.cache_dir.join(&name);
        if dest.is_dir() {
            return Ok(dest);
        }
        let scratch = Scratch::new(&self.cache_dir, "native")?;
        let out = scratch.path().join("out");
        std::fs::create_dir(&out).with_context(|| format!("creating {}", out.display()))?;
        // A library whose NEEDED ones are not built yet (a cycle, or listed later) is linked once
        // without them, so that the others can name it, and again with them at the end.
        let mut built = std::collections::HashSet::new();
        let mut again = Vec::new();
        for lib in libs {
            if lib.needed.iter().all(|n| built.contains(n)) {
                self.link(lib, &out, cflags, Kind::Library)?;
            } else {
                self.link(&NativeModule { needed: Vec::new(), ..lib.clone() }, &out, cflags, Kind::Library)?;
                again.push(lib);
            }
            built.insert(lib.name.clone());
        }
        for lib in again {
            self.link(lib, &out, cflags, Kind::Library)?;
        }
        self.link(main, &out, cflags, Kind::Program)?;
        match std::fs::rename(&out, &dest) {
            Ok(()) => Ok(dest),
            // Another builder published the same folder first: theirs is as good as ours.
            Err(_) if dest.is_dir() => Ok(dest),
            Err(e) => Err(e).with_context(|| format!("moving {} to {}", out.display(), dest.display())),
        }
    }

    /// Compiles and links one object into `out` (where the libraries it needs already are).
    fn link(&self, m: &NativeModule, out: &Path, cflags: &[String], kind: Kind) -> Result<()> {
        let mut cmd = Command::new(&self.cc);
        cmd.args(["-m32", "-O2"]);
        cmd.arg("-I").arg(self.include_dir.join("native")).arg("-idirafter").arg(&self.include_dir);
        if let Some(v) = m.sources.vendor() {
            cmd.arg("-I").arg(v);
        }
        cmd.args(prefix_maps(&m.sources, &self.include_dir));
        cmd.args(cflags);
        match kind {
            Kind::Library => {
                let mut soname = OsString::from("-Wl,-soname,");
                soname.push(&m.name);
                cmd.args(["-fPIC", "-shared", "-fvisibility=default"]).arg(soname);
            }
            Kind::Program => {
                cmd.arg("-rdynamic");
            }
        }
        cmd.args(m.sources.files());
        // Every [needed] library is a DT_NEEDED entry, used or not (Debian's gcc links --as-needed).
        cmd.arg("-Wl,--no-as-needed");
        cmd.args(m.needed.iter().map(|n| out.join(n)));
        // `$ORIGIN` is ld.so's, not a shell's; RPATH (not RUNPATH) also serves dlopen from a library.
        cmd.args(["-Wl,--disable-new-dtags,-rpath,$ORIGIN", "-lm", "-ldl"]);
        cmd.arg("-o").arg(out.join(&m.name));
        command::run(cmd, BUILD_LIMIT).with_context(|| format!("building {} natively", m.name))?;
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Library,
    Program,
}
