//! A third-party folder (`Sources::with_vendor`): on the include path, readable, in the cache key.

use std::fs;

use super::*;
use crate::Sources;

#[test]
fn vendor_folder_is_included_confined_and_keyed() {
    let f = Fixture::new();
    let (case, vendor) = (f.dir.path().join("case"), f.dir.path().join("vendor"));
    fs::create_dir_all(&case).unwrap();
    fs::create_dir_all(&vendor).unwrap();
    fs::write(case.join("main.c"), "#include \"v.c\"\nint entry(void) { return from_vendor(); }\n").unwrap();
    fs::write(vendor.join("v.c"), "int from_vendor(void) { return 1; }\n").unwrap();

    let plain = Sources::in_case(&case, &["main.c"]).unwrap();
    let err = format!("{:#}", f.tc.side_module_from(&plain, &[], &[]).unwrap_err());
    assert!(err.contains("v.c"), "without the vendor folder the include is not found: {err}");

    let sources = Sources::in_case(&case, &["main.c"]).unwrap().with_vendor(&vendor).unwrap();
    let first = f.tc.side_module_from(&sources, &[], &[]).unwrap();
    fs::write(vendor.join("v.c"), "int from_vendor(void) { return 2; }\n").unwrap();
    let edited = f.tc.side_module_from(&sources, &[], &[]).unwrap();
    assert_ne!(first, edited, "an edit in the vendor folder reused the stale module");

    let missing = Sources::in_case(&case, &["main.c"]).unwrap().with_vendor(&f.dir.path().join("nowhere"));
    assert!(missing.is_err());
}
