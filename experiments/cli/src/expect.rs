//! `dylab expect CASE`: a case's reference from its native run. The case is built by gcc -m32 and
//! run under glibc's ld.so (as the `native` column does); its stdout becomes `expected.stdout` and
//! its exit code the case's `exit_code` (case.toml is edited in place, comments kept).

use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::Args;
use dylab_lab::corpus::load_case;
use dylab_lab::native::{NativeDecl, NativeLab};
use dylab_lab::Paths;
use dylink::Ending;

use crate::CorpusArg;

/// Write a case's expected.stdout and exit_code from its native run (gcc -m32 under glibc's ld.so),
/// so that a new case gets its reference from ld.so instead of by hand.
#[derive(Args)]
pub struct Expect {
    /// The case (a folder of the corpus' cases/); a new case may have no expected.stdout yet.
    case: String,
    #[command(flatten)]
    corpus: CorpusArg,
}

impl Expect {
    /// Ok(true) when the reference was written (or already was the native run's).
    pub fn execute(&self) -> Result<bool> {
        let paths = self.corpus.locate()?;
        let dir = paths.corpus.join("cases").join(&self.case);
        if !dir.join("case.toml").is_file() {
            bail!("no case {:?}: {} has no case.toml", self.case, dir.display());
        }
        let expected = dir.join("expected.stdout");
        // A new case has no reference yet; loading a case needs one, so start from an empty one.
        let created = !expected.exists();
        if created {
            std::fs::write(&expected, "").with_context(|| format!("writing {}", expected.display()))?;
        }
        let outcome = reference(&paths, &dir);
        if outcome.is_err() && created {
            let _ = std::fs::remove_file(&expected);
        }
        let (stdout, code) = outcome?;
        std::fs::write(&expected, &stdout).with_context(|| format!("writing {}", expected.display()))?;
        set_exit_code(&dir.join("case.toml"), code)?;
        outln!(
            "{}: expected.stdout ({} bytes, {} lines) and exit_code = {code} from its native run",
            self.case,
            stdout.len(),
            stdout.iter().filter(|&&b| b == b'\n').count()
        );
        Ok(true)
    }
}

/// The native run's stdout and exit code; refused when the run is not a reference.
fn reference(paths: &Paths, dir: &Path) -> Result<(Vec<u8>, i32)> {
    let case = load_case(dir)?;
    if let Some(why) = case.manifest.native.why() {
        let key = if matches!(case.manifest.native, NativeDecl::Skip(_)) { "skip" } else { "differs" };
        bail!("case {} declares `[native] {key}` ({why}): its native run is not its reference", case.name);
    }
    let vendor_root = paths.cache.parent().unwrap_or(&paths.cache);
    let native = NativeLab::new(&paths.include_dir()?, &paths.cache, vendor_root);
    let run = native.run_unjudged(&case)?;
    let code = match &run.ending {
        Ending::Exited(code) => *code,
        other => bail!(
            "case {}: the native run did not exit ({other:?}); stdout so far: {:?}; stderr: {:?}",
            case.name,
            run.stdout_text(),
            run.stderr_text()
        ),
    };
    if run.stdout.windows(5).any(|w| w == b"<run>") {
        bail!("case {}: its native stdout names its run folder (<run>), so it is the same on no two runs", case.name);
    }
    Ok((run.stdout, code))
}

/// Sets `exit_code` in case.toml, keeping everything else as written; 0 (the default) removes it.
fn set_exit_code(path: &Path, code: i32) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut doc: toml_edit::DocumentMut = text.parse().with_context(|| format!("parsing {}", path.display()))?;
    let current = doc.get("exit_code").and_then(|v| v.as_integer()).unwrap_or(0);
    if current == i64::from(code) {
        return Ok(());
    }
    if code == 0 {
        doc.remove("exit_code");
    } else {
        doc["exit_code"] = toml_edit::value(i64::from(code));
    }
    std::fs::write(path, doc.to_string()).with_context(|| format!("writing {}", path.display()))
}
