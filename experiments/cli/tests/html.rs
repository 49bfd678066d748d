//! index.html in a real browser: Debian's chromium, headless (`--dump-dom`: the page after its script
//! ran), loads a report of a few cells with a filter in the URL's fragment, and the cells shown are
//! exactly those the filter selects; a cell's fragment opens its detail; a finding's link shows the
//! cells it cites. Without chromium the test says SKIPPED, and fails under CI (`CI=true`), where
//! scripts/setup.sh installs it.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::corpus;

const SELECT: [&str; 8] = ["--engine", "wasmi", "--case", "hello", "--case", "dlhello", "--case", "b05-dlsym-missing"];

/// `$DYLAB_CHROMIUM`, else the first of Debian's names that answers `--version`.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DYLAB_CHROMIUM") {
        return Some(path.into());
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()))
        .map(PathBuf::from)
}

/// The DOM of `page` with `fragment`, after its scripts ran.
fn dom(browser: &Path, page: &Path, fragment: &str) -> String {
    let url = format!("file://{}#{fragment}", page.display());
    // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start; the page is our own file.
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu"])
        .arg(format!("--user-data-dir={}", page.parent().unwrap().join("chromium-profile").display()))
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The rows of the cell table: (cell name, shown).
fn rows(dom: &str) -> Vec<(String, bool)> {
    dom.split("<tr data-cell=\"")
        .skip(1)
        .map(|rest| {
            let name = rest[..rest.find('"').unwrap()].to_string();
            let tag = &rest[..rest.find('>').unwrap()];
            (name, !tag.contains(" hidden"))
        })
        .collect()
}

fn by_id<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let text = &dom[start..];
    &text[text.find('>').unwrap() + 1..text.find('<').unwrap()]
}

#[test]
fn filters_and_cell_details_in_a_real_browser() {
    let Some(browser) = chromium() else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "under CI chromium must be installed (scripts/setup.sh)"
        );
        eprintln!(
            "SKIPPED: chromium is not installed (scripts/setup.sh installs it); index.html not tested in a browser"
        );
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_dylab"))
        .args(["report", "--out", out.path().to_str().unwrap(), "--corpus", corpus().to_str().unwrap()])
        .args(SELECT)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let matrix: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("data/matrix.json")).unwrap()).unwrap();
    let cells = matrix["cells"].as_array().unwrap();
    let page = out.path().join("index.html");

    // A filter from the fragment: exactly the trapping wasmi cells of libc-module are shown.
    let selected = |c: &&serde_json::Value| c["status"] == "trap" && c["libc"] == "libc-module";
    let expected: Vec<&str> = cells.iter().filter(selected).map(|c| c["cell"].as_str().unwrap()).collect();
    assert!(!expected.is_empty() && expected.len() < cells.len(), "the filter must select some cells, not all");
    let filtered = dom(&browser, &page, "libc=libc-module&outcome=trap%3A+table-out-of-bounds");
    let shown: Vec<String> = rows(&filtered).into_iter().filter(|r| r.1).map(|r| r.0).collect();
    let traps: Vec<&str> = cells
        .iter()
        .filter(selected)
        .filter(|c| c["trap"] == "table-out-of-bounds")
        .map(|c| c["cell"].as_str().unwrap())
        .collect();
    assert_eq!(rows(&filtered).len(), cells.len(), "every cell has a row");
    assert_eq!(shown, traps);
    assert_eq!(by_id(&filtered, "shown"), format!("{} of {} cells shown", traps.len(), cells.len()));

    // A cell's fragment opens its detail: its name, outcome and the command that reruns it.
    let cell = expected[0];
    let detail = dom(&browser, &page, &format!("cell={cell}"));
    assert_eq!(by_id(&detail, "d-name"), cell);
    assert!(by_id(&detail, "d-outcome").starts_with("trap (table-out-of-bounds)"), "{}", by_id(&detail, "d-outcome"));
    assert!(by_id(&detail, "d-command").ends_with("--case dlhello --no-native"), "{}", by_id(&detail, "d-command"));

    // A finding's link (`#cells=...`) shows exactly the cells it cites.
    let links: Vec<&str> = filtered.split("href=\"#cells=").skip(1).map(|r| &r[..r.find('"').unwrap()]).collect();
    let cited = links.first().expect("the findings link the cells they cite");
    let shown_for = dom(&browser, &page, &format!("cells={cited}"));
    let mut shown: Vec<String> = rows(&shown_for).into_iter().filter(|r| r.1).map(|r| r.0).collect();
    let mut cited: Vec<String> = cited.split(',').map(String::from).collect();
    shown.sort();
    cited.sort();
    assert_eq!(shown, cited);
}
