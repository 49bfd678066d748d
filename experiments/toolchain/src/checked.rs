//! Running clang so that every file it reads is known and allowed: a preprocessing pass (`-M`)
//! lists the files before anything is compiled, and each compile lists them again (`-MD`).

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cache::Scratch;
use crate::confine::{ConfineError, Roots};
use crate::{command, depfile, Input, Sources, Toolchain};

/// What one source's dependency list holds, once checked.
struct Listed {
    /// Allowed files, canonical, in clang's order.
    reads: Vec<PathBuf>,
    /// Names clang could not find (listed by `-MG`), as written.
    missing: Vec<PathBuf>,
}

impl Toolchain {
    /// Preprocesses each source for its dependency list alone, and checks that every file listed
    /// is a regular file beneath an allowed root. Runs before any compile and before the cache
    /// lookup, whose key it provides.
    ///
    /// clang's messages could quote a file that may not be read, so they are shown only once the
    /// list proves that every file read was allowed. `-MG` lists a missing header instead of
    /// stopping at it, so the list is complete even then; a second pass without it gives clang's
    /// own "file not found" (it reads a prefix of the same files, so its messages are safe too).
    pub(crate) fn scan(&self, sources: &Sources, cflags: &[OsString]) -> Result<Vec<Input>> {
        let roots = self.roots(sources);
        let scratch = Scratch::new(&self.cache_dir, "scan")?;
        let mut inputs = Vec::new();
        for (i, src) in sources.files().iter().enumerate() {
            let context = || format!("preprocessing {}", src.display());
            let dep = scratch.path().join(format!("{i}.d"));
            let (line, out) = self.preprocess(src, cflags, &dep, true).with_context(context)?;
            let Some(text) = std::fs::read(&dep).ok() else {
                bail!(
                    "{}: `{line}` ({}) wrote no dependency list, so its messages, which might quote a file \
                     outside the allowed folders, are not shown",
                    context(),
                    out.status
                );
            };
            let listed = check(&roots, src, &depfile::parse(&text).with_context(context)?)?;
            if !listed.missing.is_empty() {
                let (line, out) =
                    self.preprocess(src, cflags, &scratch.path().join("missing.d"), false).with_context(context)?;
                if !out.status.success() {
                    bail!("{}: {}", context(), command::failure(&line, &out, true));
                }
                bail!("{}: cannot find {:?}", context(), listed.missing);
            }
            if !out.status.success() {
                bail!("{}: {}", context(), command::failure(&line, &out, true));
            }
            inputs.push(Input { source: src.clone(), reads: listed.reads });
        }
        Ok(inputs)
    }

    fn preprocess(
        &self,
        src: &Path,
        cflags: &[OsString],
        dep: &Path,
        list_missing: bool,
    ) -> Result<(String, std::process::Output)> {
        let mut cmd = self.clang();
        cmd.args(cflags).arg("-M");
        if list_missing {
            cmd.arg("-MG");
        }
        cmd.arg("-MF").arg(dep).arg("-MT").arg(depfile::TARGET).arg(src);
        let line = command::display(&cmd);
        Ok((line, command::output(cmd, self.scan_limit)?))
    }

    /// Compiles each source to an object in `scratch`; each compile's own dependency list must
    /// name the files the scan hashed (else a file changed or moved in between).
    pub(crate) fn compile_all(
        &self,
        sources: &Sources,
        inputs: &[Input],
        cflags: &[OsString],
        scratch: &Path,
    ) -> Result<Vec<PathBuf>> {
        let roots = self.roots(sources);
        let mut objects = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            let src = &input.source;
            let context = || format!("compiling {}", src.display());
            let stem = src.file_stem().unwrap_or(OsStr::new("src")).to_string_lossy();
            let obj = scratch.join(format!("{i}-{stem}.o"));
            let dep = scratch.join(format!("{i}-{stem}.d"));
            let mut cmd = self.clang();
            cmd.args(cflags).arg("-c").arg(src).arg("-MD").arg("-MF").arg(&dep).arg("-MT").arg(depfile::TARGET);
            cmd.arg("-o").arg(&obj);
            command::run(cmd, self.build_limit).with_context(context)?;
            let text = std::fs::read(&dep).with_context(|| format!("{}: reading its dependency list", context()))?;
            let listed = check(&roots, src, &depfile::parse(&text).with_context(context)?)?;
            if listed.reads != input.reads || !listed.missing.is_empty() {
                bail!(
                    "{}: it read other files than its preprocessing did a moment before (did a file change during the build?)",
                    context()
                );
            }
            objects.push(obj);
        }
        Ok(objects)
    }
}

/// Sorts the listed files into allowed and missing ones; any other file refuses the build.
fn check(roots: &Roots, src: &Path, files: &[PathBuf]) -> Result<Listed> {
    let mut listed = Listed { reads: Vec::new(), missing: Vec::new() };
    for file in files {
        // Every file clang finds is named by an absolute path (the source, the include folders
        // and the sysroot are all absolute), so a relative name is one `-MG` listed as missing.
        if file.is_relative() {
            listed.missing.push(file.clone());
            continue;
        }
        match roots.check(src, file) {
            Ok(canonical) => listed.reads.push(canonical),
            Err(ConfineError::Unresolvable { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                listed.missing.push(file.clone())
            }
            Err(e) => return Err(e.into()),
        }
    }
    if listed.reads.first().map(PathBuf::as_path) != Some(src) {
        bail!(
            "preprocessing {}: the dependency list does not start with the source: {:?}",
            src.display(),
            listed.reads
        );
    }
    Ok(listed)
}
