//! Which dylab a measurement came from: the commit of the checkout holding the corpus, asked of git
//! at run time (`git describe --always`, `-dirty` for changed sources outside reports/), or `None`
//! without git or outside a repository.

use std::path::Path;

/// The commit of the sources in `dir` (the corpus), `-dirty` when a tracked file other than the
/// reports beside the corpus changed (the lab rewrites those itself); `None` without git or outside
/// a repository. See [`dylab_lab::provenance`].
pub fn dylab_commit(dir: &Path) -> Option<String> {
    dylab_lab::provenance::source_commit(dir, &dir.parent().unwrap_or(dir).join("reports"))
}

/// The C toolchain that built the measured modules, as the published files stamp it.
pub fn toolchain(lab: &dylab_lab::Lab) -> anyhow::Result<Vec<(String, String)>> {
    let v = lab.toolchain.versions()?;
    Ok(vec![("clang".into(), v.clang), ("wasm-ld".into(), v.wasm_ld), ("wasi-libc".into(), v.wasi_libc)])
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn a_folder_outside_any_repository_has_no_commit() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(dylab_commit(dir.path()), None);
    }

    #[test]
    fn this_checkout_has_one_when_git_is_there() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"));
        let has_git = Command::new("git").arg("--version").output().is_ok_and(|o| o.status.success());
        if !(has_git && here.ancestors().any(|d| d.join(".git").exists())) {
            // A source tree without git (an unpacked crate): nothing to check, said aloud; CI has git.
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "under CI the checkout has git");
            eprintln!("SKIPPED: no git or no repository around {}", here.display());
            return;
        }
        let c = dylab_commit(here).expect("a commit inside the repository");
        assert!(c.len() >= 12 && c.chars().all(|ch| ch.is_ascii_alphanumeric() || "-.".contains(ch)), "{c}");
    }
}
