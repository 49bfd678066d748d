//! The whole matrix as tests: one trial per cell (its outcome must be the declared one, so an expected
//! failure that starts passing fails), one insta snapshot per case, one engine-agreement trial per
//! cell pair, and a check that reports/matrix.md is what `dylab report` would write now.

use std::collections::BTreeMap;

use dylab_lab::run::{default_corpus, workspace_root};
use dylab_lab::{cells, load_corpus, report, CellResult, EngineKind, Filter, Lab};
use libtest_mimic::{Arguments, Failed, Trial};

fn describe(r: &CellResult) -> String {
    format!(
        "{}: outcome {} {:?}, expected {} {:?}\n  detail: {}\n  exit: {:?}\n  stdout: {:?}\n  stderr: {:?}",
        r.cell, r.status, r.trap, r.expected_status, r.expected_trap, r.detail, r.exit_code, r.stdout, r.stderr
    )
}

fn main() {
    let args = Arguments::from_args();
    let corpus = default_corpus();
    let (cases, broken) = load_corpus(&corpus).expect("the corpus folder is readable");
    let all = cells(&cases, &Filter::default());
    let lab = Lab::new(&corpus.join("include")).expect("toolchain and libc.wasm are available (run scripts/setup.sh)");
    let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let results = lab.run_matrix(&cases, &all, jobs, &|_| {});

    let mut trials = Vec::new();
    for (name, error) in broken {
        let msg = format!("{error:#}");
        trials.push(Trial::test(format!("case::{name}"), move || Err(Failed::from(msg))));
    }
    for r in results.clone() {
        trials.push(Trial::test(format!("cell::{}", r.cell), move || {
            if r.as_expected {
                Ok(())
            } else {
                Err(Failed::from(describe(&r)))
            }
        }));
    }

    // Both engines must agree cell for cell, unless a case declares an engine-specific outcome.
    let mut pairs: BTreeMap<String, Vec<CellResult>> = BTreeMap::new();
    for r in &results {
        pairs.entry(format!("{}/{}/{}", r.libc, r.strategy, r.case)).or_default().push(r.clone());
    }
    for (key, rows) in pairs {
        let case = cases.iter().find(|c| c.name == rows[0].case).unwrap().clone();
        trials.push(Trial::test(format!("engines-agree::{key}"), move || {
            let engine_specific =
                case.manifest.expect.keys().any(|k| k.split('/').any(|p| p.parse::<EngineKind>().is_ok()));
            if rows.len() != 2 || engine_specific {
                return Ok(());
            }
            let (a, b) = (&rows[0], &rows[1]);
            let same = a.status == b.status && a.trap == b.trap && a.exit_code == b.exit_code && a.stdout == b.stdout;
            if same {
                Ok(())
            } else {
                Err(Failed::from(format!("engines disagree:\n{}\n{}", describe(a), describe(b))))
            }
        }));
    }

    let grouped: BTreeMap<String, Vec<CellResult>> =
        report::by_case(&results).into_iter().map(|(k, v)| (k.to_string(), v.into_iter().cloned().collect())).collect();
    for case in cases.clone() {
        let rows = grouped.get(&case.name).cloned().unwrap_or_default();
        trials.push(Trial::test(format!("snapshot::{}", case.name), move || {
            let refs: Vec<&CellResult> = rows.iter().collect();
            let table = report::case_table(&case, &refs);
            let mut settings = insta::Settings::clone_current();
            settings.set_snapshot_path(workspace_root().join("experiments/lab/tests/snapshots"));
            settings.set_prepend_module_to_snapshot(false);
            settings.bind(|| insta::assert_snapshot!(case.name.clone(), table));
            Ok(())
        }));
    }

    let engines: Vec<_> = EngineKind::ALL.iter().map(|&e| (e, lab.engine_settings(e))).collect();
    let expected_report = report::matrix(&cases, &results, &engines);
    trials.push(Trial::test("reports::matrix-md-is-current", move || {
        let path = workspace_root().join("reports/matrix.md");
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed == expected_report {
            Ok(())
        } else {
            Err(Failed::from("reports/matrix.md is stale: run `cargo run -p dylab -- report` and review the diff"))
        }
    }));

    let findings = std::fs::read_to_string(corpus.join("findings.toml"))
        .map_err(anyhow::Error::from)
        .and_then(|toml| dylab_lab::findings::findings(&cases, &results, &toml));
    trials.push(Trial::test("reports::findings-md-is-current", move || {
        let expected = findings.map_err(|e| Failed::from(format!("corpus/findings.toml: {e:#}")))?;
        let committed = std::fs::read_to_string(workspace_root().join("reports/findings.md")).unwrap_or_default();
        if committed == expected {
            Ok(())
        } else {
            Err(Failed::from("reports/findings.md is stale: run `cargo run -p dylab -- report` and review the diff"))
        }
    }));

    libtest_mimic::run(&args, trials).exit();
}
