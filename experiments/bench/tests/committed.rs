//! The bench's report files are a pure function of the committed data: calls.md, calls.svg and
//! growth.svg regenerate byte for byte from reports/data/{calls,counts,isolation}.json. So a change of
//! the rendering code shows up here, and a refactor of the measurement rows is proven not to change
//! what the reports say.

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

#[test]
fn calls_md_regenerates_from_the_committed_data() {
    let (timed, counts) = committed();
    let md = dylab_bench::report::calls_md(&timed, Some(&counts))
        + &dylab_bench::isolation::calls_md_section(&reports()).unwrap();
    if md != read("calls.md") {
        let out = std::env::temp_dir().join("calls.md.rendered");
        std::fs::write(&out, &md).unwrap();
        panic!("calls.md differs from what its data renders to (written to {})", out.display());
    }
}

#[test]
fn the_charts_regenerate_from_the_committed_data() {
    let (timed, counts) = committed();
    assert!(dylab_bench::charts::calls_svg(&timed, Some(&counts)).unwrap() == read("calls.svg"), "calls.svg");
    assert!(dylab_bench::charts::growth_svg(&timed.growth).unwrap() == read("growth.svg"), "growth.svg");
}
