//! The bench's report files are a pure function of the committed data: calls.md, calls.svg,
//! growth.svg, isolation.md and threads.svg regenerate byte for byte from
//! reports/data/{calls,counts,isolation,threads}.json. So a change of the rendering code shows up
//! here, and a refactor of the measurement rows is proven not to change what the reports say. After
//! a deliberate change of the rendering, `DYLAB_BLESS=1 cargo test --workspace --test committed`
//! regenerates the files from the same data (review the diff).

use std::path::{Path, PathBuf};

use dylab_bench::outputs::{Inputs, Output};

fn reports() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../reports")
}

fn read(name: &str) -> String {
    let path = reports().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `rendered` is the committed `name`, or (under DYLAB_BLESS) becomes it.
fn assert_current(name: &str, rendered: &str) {
    if std::env::var_os("DYLAB_BLESS").is_some() {
        std::fs::write(reports().join(name), rendered).unwrap();
    }
    assert!(rendered == read(name), "{name} differs from what its data renders to (DYLAB_BLESS=1 regenerates it)");
}

/// Every output rendered from the data files (the data files themselves aside).
#[test]
fn the_reports_regenerate_from_the_committed_data() {
    let input = Inputs::committed(&reports()).unwrap();
    let shown = [Output::CallsMd, Output::CallsSvg, Output::GrowthSvg, Output::IsolationMd, Output::ThreadsSvg];
    for output in shown {
        assert_current(output.path(), &output.render(&input).unwrap().expect("rendered from the committed data"));
    }
}
