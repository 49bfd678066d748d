//! Which sources a result came from: the commit of the checkout holding the corpus, asked of git at
//! run time, with `-dirty` when a tracked file outside the reports folder differs from it. The
//! reports are what the lab writes, so rewriting them does not make the sources dirty.

use std::path::Path;
use std::process::{Command, Stdio};

/// `git describe --always --abbrev=12` in `dir`, plus `-dirty` when a tracked file other than those
/// under `reports` (a folder, usually `reports/` of the same checkout) has changes; `None` without
/// git or outside a repository.
pub fn source_commit(dir: &Path, reports: &Path) -> Option<String> {
    let commit = git(dir, &["describe", "--always", "--abbrev=12"])?;
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    let mut status: Vec<String> =
        ["status", "--porcelain", "--untracked-files=no", "--", ":(top)"].map(String::from).to_vec();
    let reports = std::path::absolute(reports).ok()?;
    let top = Path::new(&top).canonicalize().ok()?;
    let reports = reports.canonicalize().unwrap_or(reports);
    if let Ok(rel) = reports.strip_prefix(&top) {
        status.push(format!(":(top,exclude){}", rel.display()));
    }
    let args: Vec<&str> = status.iter().map(String::as_str).collect();
    let changes = !git_raw(dir, &args)?.trim().is_empty();
    Some(if changes { format!("{commit}-dirty") } else { commit })
}

/// Git's trimmed output, `None` when git is missing, fails or prints nothing.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let text = git_raw(dir, args)?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Git's output, `None` when git is missing or fails.
fn git_raw(dir: &Path, args: &[&str]) -> Option<String> {
    let out =
        Command::new("git").arg("-C").arg(dir).args(args).stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(dir: &Path, args: &[&str]) {
        let ok = Command::new("git").arg("-C").arg(dir).args(args).output().unwrap().status.success();
        assert!(ok, "git {args:?}");
    }

    #[test]
    fn a_folder_outside_any_repository_has_no_commit() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(source_commit(dir.path(), &dir.path().join("reports")), None);
    }

    #[test]
    fn changed_reports_are_not_dirty_changed_sources_are() {
        if Command::new("git").arg("--version").output().is_err() {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "under CI git is installed");
            eprintln!("SKIPPED: no git");
            return;
        }
        let repo = tempfile::tempdir().unwrap();
        let dir = repo.path();
        sh(dir, &["init", "-q"]);
        std::fs::create_dir_all(dir.join("reports")).unwrap();
        std::fs::create_dir_all(dir.join("corpus")).unwrap();
        std::fs::write(dir.join("reports/matrix.md"), "old").unwrap();
        std::fs::write(dir.join("corpus/case.c"), "old").unwrap();
        sh(dir, &["add", "."]);
        sh(dir, &["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"]);
        let corpus = dir.join("corpus");
        let clean = source_commit(&corpus, &dir.join("reports")).unwrap();
        assert!(!clean.ends_with("-dirty"), "{clean}");
        std::fs::write(dir.join("reports/matrix.md"), "new").unwrap();
        assert_eq!(source_commit(&corpus, &dir.join("reports")).unwrap(), clean, "a rewritten report");
        std::fs::write(dir.join("corpus/case.c"), "new").unwrap();
        assert_eq!(source_commit(&corpus, &dir.join("reports")).unwrap(), format!("{clean}-dirty"));
    }
}
