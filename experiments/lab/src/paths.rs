//! Where the lab's folders are at run time, so that the `dylab` binary works installed or moved:
//! the corpus from `--corpus`, else `$DYLAB_CORPUS`, else a `corpus/` folder in the current folder or
//! one of its parents; reports and the build cache beside that corpus.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The headers the lab provides (`corpus/include/`), built into the binary for a corpus without its
/// own `include/` folder.
const LAB_HEADERS: [(&str, &str); 4] = [
    ("dlfcn.h", include_str!("../../../corpus/include/dlfcn.h")),
    ("dlcall.h", include_str!("../../../corpus/include/dlcall.h")),
    ("dylab.h", include_str!("../../../corpus/include/dylab.h")),
    // The native build's: dlcall through dlsym (the system's <dlfcn.h> comes first there).
    ("native/dlcall.h", include_str!("../../../corpus/include/native/dlcall.h")),
];

/// The folders of one lab session.
#[derive(Clone, Debug)]
pub struct Paths {
    /// Holds `cases/<case>/case.toml`, and may hold `include/`, `bench/` and `findings.toml`.
    pub corpus: PathBuf,
    /// `reports/` beside the corpus.
    pub reports: PathBuf,
    /// `$DYLAB_CACHE`, else `target/dylab-cache` beside the corpus.
    pub cache: PathBuf,
}

impl Paths {
    /// Finds the corpus (`flag` is `--corpus`) from the process's environment and current folder.
    pub fn locate(flag: Option<&Path>) -> Result<Paths> {
        let cwd = std::env::current_dir().context("reading the current folder")?;
        let env = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Paths::locate_from(flag, env("DYLAB_CORPUS"), env("DYLAB_CACHE"), &cwd)
    }

    fn locate_from(flag: Option<&Path>, env: Option<PathBuf>, cache: Option<PathBuf>, cwd: &Path) -> Result<Paths> {
        let corpus = match (flag, env) {
            (Some(dir), _) => given(dir, "--corpus")?,
            (None, Some(dir)) => given(&dir, "DYLAB_CORPUS")?,
            (None, None) => match cwd.ancestors().map(|d| d.join("corpus")).find(|c| c.join("cases").is_dir()) {
                Some(found) => found,
                None => bail!(
                    "no corpus found: pass --corpus DIR, set DYLAB_CORPUS=DIR, or run dylab from a folder \
                     that has a corpus/ (with cases/) in it or in a parent (searched from {})",
                    cwd.display()
                ),
            },
        };
        let beside = corpus.parent().map(Path::to_path_buf).unwrap_or_else(|| corpus.clone());
        Ok(Paths {
            reports: beside.join("reports"),
            cache: cache.unwrap_or_else(|| beside.join("target").join("dylab-cache")),
            corpus,
        })
    }

    /// The corpus' own `include/`, else the lab's headers written once into the cache.
    pub fn include_dir(&self) -> Result<PathBuf> {
        let own = self.corpus.join("include");
        if own.is_dir() {
            return Ok(own);
        }
        let dir = self.cache.join("include");
        std::fs::create_dir_all(dir.join("native")).with_context(|| format!("creating {}", dir.display()))?;
        for (name, text) in LAB_HEADERS {
            let path = dir.join(name);
            // Rewritten only when different, so that concurrent runs do not race on an unchanged file.
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text) {
                std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            }
        }
        Ok(dir)
    }
}

/// A corpus folder the user named: it must be a folder; made absolute so that `beside` works.
fn given(dir: &Path, how: &str) -> Result<PathBuf> {
    if !dir.is_dir() {
        bail!("the corpus given by {how} is not a folder: {}", dir.display());
    }
    std::path::absolute(dir).with_context(|| format!("resolving {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus_in(root: &Path) -> PathBuf {
        let c = root.join("corpus");
        std::fs::create_dir_all(c.join("cases")).unwrap();
        c
    }

    #[test]
    fn found_upwards_with_reports_and_cache_beside_it() {
        let t = tempfile::tempdir().unwrap();
        let corpus = corpus_in(t.path());
        let deep = t.path().join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        let p = Paths::locate_from(None, None, None, &deep).unwrap();
        assert_eq!(p.corpus, corpus);
        assert_eq!(p.reports, t.path().join("reports"));
        assert_eq!(p.cache, t.path().join("target/dylab-cache"));
    }

    #[test]
    fn flag_beats_environment_beats_search() {
        let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (ca, cb) = (corpus_in(a.path()), corpus_in(b.path()));
        corpus_in(c.path());
        let p = Paths::locate_from(Some(&ca), Some(cb.clone()), None, c.path()).unwrap();
        assert_eq!(p.corpus, ca);
        let p = Paths::locate_from(None, Some(cb.clone()), Some("/x/cache".into()), c.path()).unwrap();
        assert_eq!((p.corpus, p.cache), (cb, PathBuf::from("/x/cache")));
    }

    #[test]
    fn none_found_names_the_three_ways() {
        let t = tempfile::tempdir().unwrap();
        let e = Paths::locate_from(None, None, None, t.path()).unwrap_err().to_string();
        for way in ["--corpus", "DYLAB_CORPUS", "corpus/"] {
            assert!(e.contains(way), "{e}");
        }
        let e = Paths::locate_from(Some(&t.path().join("nope")), None, None, t.path()).unwrap_err().to_string();
        assert!(e.contains("--corpus") && e.contains("nope"), "{e}");
    }

    #[test]
    fn a_corpus_without_headers_gets_the_labs() {
        let t = tempfile::tempdir().unwrap();
        let p = Paths::locate_from(Some(&corpus_in(t.path())), None, None, t.path()).unwrap();
        let inc = p.include_dir().unwrap();
        assert_eq!(inc, t.path().join("target/dylab-cache/include"));
        assert!(std::fs::read_to_string(inc.join("dlfcn.h")).unwrap().contains("dlopen"));
    }
}
