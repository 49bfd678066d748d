//! The native reference build (gcc -m32): libraries under the names the program dlopens, NEEDED
//! entries under those names, and the same bytes from two copies of a case in two folders.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::native::{NativeModule, NativeToolchain};
use crate::Sources;

const MAIN_C: &str = "#include <dlfcn.h>\n#include <stdio.h>\n#include <dylab.h>\n#include <dlcall.h>\n\
    int base(void);\n\
    int main(void) {\n  void *h = dlopen(\"top.wasm\", RTLD_NOW);\n  if (!h) { printf(\"%s\\n\", dlerror()); return 1; }\n\
      printf(\"%s: top(2) = %d, base = %d, long %d, ptr %d\\n\", __FILE__, dlcall_int(h, \"top\", 2), base(), (int)sizeof(long), (int)sizeof(void *));\n\
      return 0;\n}\n";

/// A case in `root/case` (main.c needs base.wasm, dlopens top.wasm, which needs base.wasm) with the
/// lab's headers in `root/include`; returns the built folder.
fn build_case(root: &Path) -> std::path::PathBuf {
    let case = root.join("case");
    fs::create_dir_all(&case).unwrap();
    fs::create_dir_all(root.join("include/native")).unwrap();
    let lab = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/include");
    for h in ["dylab.h", "dlfcn.h", "native/dlcall.h"] {
        fs::copy(lab.join(h), root.join("include").join(h)).unwrap();
    }
    fs::write(case.join("main.c"), MAIN_C).unwrap();
    fs::write(case.join("base.c"), "int base(void) { return 40; }\n").unwrap();
    fs::write(case.join("top.c"), "int base(void);\nint top(int x) { return base() + x; }\n").unwrap();
    let tc = NativeToolchain::discover(&root.join("include"), &root.join("cache")).expect("gcc -m32 (gcc-multilib)");
    let module = |file: &str, needed: &[&str]| NativeModule {
        name: Path::new(file).with_extension("wasm").to_string_lossy().into_owned(),
        sources: Sources::in_case(&case, &[file]).unwrap(),
        needed: needed.iter().map(|n| n.to_string()).collect(),
    };
    let libs = [module("base.c", &[]), module("top.c", &["base.wasm"])];
    tc.build(&libs, &module("main.c", &["base.wasm"]), &[]).unwrap()
}

#[test]
fn a_native_case_links_and_runs_under_ld_so() {
    let t = tempfile::tempdir().unwrap();
    let dir = build_case(t.path());
    let out = Command::new(dir.join("main.wasm")).current_dir(t.path()).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "main.c: top(2) = 42, base = 40, long 4, ptr 4\n");
    assert!(out.status.success());
    let dynamic = Command::new("readelf").arg("-d").arg(dir.join("top.wasm")).output().unwrap();
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    assert!(dynamic.contains("Shared library: [base.wasm]"), "{dynamic}");
    assert!(
        dynamic.contains("Library soname: [top.wasm]") && dynamic.contains("Library rpath: [$ORIGIN]"),
        "{dynamic}"
    );
    assert_eq!(build_case(t.path()), dir, "the second build is the cached one");
}

#[test]
fn native_builds_do_not_depend_on_where_the_checkout_is() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (one, other) = (build_case(a.path()), build_case(&b.path().join("deeper")));
    for name in ["main.wasm", "top.wasm", "base.wasm"] {
        let bytes = fs::read(one.join(name)).unwrap();
        assert!(bytes == fs::read(other.join(name)).unwrap(), "{name} differs between the two folders");
        let folder = a.path().to_string_lossy();
        assert!(!bytes.windows(folder.len()).any(|w| w == folder.as_bytes()), "{name} names its folder");
    }
}
