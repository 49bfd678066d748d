//! The bench's report files are a pure function of the committed data: calls.md, calls.svg and
//! growth.svg regenerate byte for byte from reports/data/{calls,counts,isolation}.json. So a change of
//! the rendering code shows up here, and a refactor of the measurement rows is proven not to change
//! what the reports say. After a deliberate change of the rendering, `DYLAB_BLESS=1 cargo test -p
//! dylab-bench --test committed` regenerates the files from the same data (review the diff).

use std::path::{Path, PathBuf};

use dylab_bench::{BenchData, CountData};

fn reports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports")
}

fn read(name: &str) -> String {
    let path = reports().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn committed() -> (BenchData, CountData) {
    (serde_json::from_str(&read("data/calls.json")).unwrap(), serde_json::from_str(&read("data/counts.json")).unwrap())
}

/// `rendered` is the committed `name`, or (under DYLAB_BLESS) becomes it.
fn assert_current(name: &str, rendered: &str) {
    if std::env::var_os("DYLAB_BLESS").is_some() {
        std::fs::write(reports().join(name), rendered).unwrap();
    }
    assert!(rendered == read(name), "{name} differs from what its data renders to (DYLAB_BLESS=1 regenerates it)");
}

#[test]
fn calls_md_regenerates_from_the_committed_data() {
    let (timed, counts) = committed();
    let md = dylab_bench::report::calls_md(&timed, Some(&counts))
        + &dylab_bench::isolation::calls_md_section(&reports()).unwrap();
    assert_current("calls.md", &md);
}

#[test]
fn the_charts_regenerate_from_the_committed_data() {
    let (timed, counts) = committed();
    assert_current("calls.svg", &dylab_bench::charts::calls_svg(&timed, Some(&counts)).unwrap());
    assert_current("growth.svg", &dylab_bench::charts::growth_svg(&timed.growth).unwrap());
}
