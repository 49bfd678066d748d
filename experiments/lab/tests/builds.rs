//! Build failures and manifest errors stay with their own case and their own cells (tempdir corpora).

use dylab_lab::run::default_corpus;
use dylab_lab::{cells, load_corpus, CellResult, EngineKind, Filter, Lab};
use dylink::{Libc, Status};

fn write_case(root: &std::path::Path, name: &str, files: &[(&str, &str)]) {
    let dir = root.join("cases").join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
}

#[test]
fn a_failed_build_affects_only_the_cells_that_need_it() {
    let root = tempfile::tempdir().unwrap();
    write_cases_with_failures(root.path());
    let (cases, broken) = load_corpus(root.path()).unwrap();
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0].0, "needs-main");
    assert!(format!("{:#}", broken[0].1).contains("names the main program"), "{:#}", broken[0].1);

    let lab = Lab::new(&default_corpus().join("include")).unwrap();
    let filter = Filter { engines: vec![EngineKind::Wasmi], ..Filter::default() };
    let selected = cells(&cases, &filter);
    let streamed = std::sync::Mutex::new(Vec::new());
    let results = lab.run_matrix(&cases, &selected, 2, &|r| streamed.lock().unwrap().push(r.cell.clone()));
    assert_eq!(streamed.into_inner().unwrap().len(), results.len(), "every cell is reported as it ends");

    let of = |case: &str| -> Vec<_> { results.iter().filter(|r| r.case == case).collect() };
    assert_eq!(of("undefined-fn").len(), selected.iter().filter(|c| c.case == "undefined-fn").count());
    only_static_cells_fail(&of("undefined-fn"));
    let plain = of("plain");
    assert!(!plain.is_empty() && plain.iter().all(|r| r.status == Status::Ok), "{plain:?}");
}

/// `undefined-fn` (its static link fails), `needs-main` (a broken manifest) and `plain`.
fn write_cases_with_failures(root: &std::path::Path) {
    // Names a function nothing defines, never called: its static link fails (wasm-ld wants every
    // symbol), its side-module build leaves the import to the loader.
    write_case(
        root,
        "undefined-fn",
        &[
            ("case.toml", "main = \"m.c\"\n"),
            (
                "m.c",
                "#include <stdio.h>\nint nowhere(void);\nint main(int argc, char **argv) { (void)argv; if (argc > 5) return nowhere(); puts(\"null\"); return 0; }\n",
            ),
            ("expected.stdout", "null\n"),
        ],
    );
    // [needed] naming the main program: a broken case, reported, not a panic of the build step.
    write_case(
        root,
        "needs-main",
        &[
            ("case.toml", "main = \"m.c\"\nlibs = [\"a.c\"]\n[needed]\n\"a.c\" = [\"m.c\"]\n"),
            ("m.c", "int main(void) { return 0; }\n"),
            ("a.c", "int a = 1;\n"),
            ("expected.stdout", ""),
        ],
    );
    write_case(
        root,
        "plain",
        &[
            ("case.toml", "main = \"m.c\"\n"),
            ("m.c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n"),
            ("expected.stdout", "hi\n"),
        ],
    );
}

/// `undefined-fn`'s cells: the static ones fail to build, with the linker's reason; the others run.
fn only_static_cells_fail(undefined: &[&CellResult]) {
    assert!(undefined.iter().any(|r| r.libc == Libc::Static) && undefined.iter().any(|r| r.libc != Libc::Static));
    for r in undefined {
        if r.libc == Libc::Static {
            assert_eq!(r.status, Status::LinkError, "{r:?}");
            assert!(r.detail.starts_with("build failed:") && r.detail.contains("building m.c statically"), "{r:?}");
            // The linker's reason comes before its command line.
            let reason = r.detail.find("undefined symbol: nowhere").expect("the reason is named");
            assert!(r.detail.find("clang").is_none_or(|at| at > reason), "{r:?}");
        } else {
            assert!(!r.detail.contains("build failed"), "a dynamic cell suffers the static build: {r:?}");
            assert_eq!(r.stdout, "null\n", "{r:?}");
        }
    }
}

#[test]
fn a_module_of_several_files_is_built_from_all_of_them() {
    let root = tempfile::tempdir().unwrap();
    let h = "int lib_value(void);\nint lib_helper(void);\nint twice(int);\n";
    // Dynamic: a two-file program linked (NEEDED) against a two-file library; static: two files.
    write_case(
        root.path(),
        "multi-dynamic",
        &[
            // The one function crossing modules is declared, so the isolated cells run too.
            (
                "case.toml",
                "main = [\"m.c\", \"n.c\"]\nlibs = [[\"a.c\", \"b.c\"]]\n[needed]\n\"m.c\" = [\"a.c\"]\n\
                 [interface.lib_value]\nparams = []\n",
            ),
            ("h.h", h),
            ("m.c", "#include <stdio.h>\n#include \"h.h\"\nint main(void) { printf(\"%d\\n\", twice(lib_value())); return 0; }\n"),
            ("n.c", "int twice(int x) { return 2 * x; }\n"),
            ("a.c", "#include \"h.h\"\nint lib_value(void) { return lib_helper() + 1; }\n"),
            ("b.c", "#include \"h.h\"\n#include \"k.c\"\nint lib_helper(void) { return K; }\n"),
            ("k.c", "enum { K = 20 };\n"),
            ("expected.stdout", "42\n"),
        ],
    );
    write_case(
        root.path(),
        "multi-static",
        &[
            ("case.toml", "main = [\"m.c\", \"n.c\"]\n"),
            (
                "m.c",
                "#include <stdio.h>\nint twice(int);\nint main(void) { printf(\"%d\\n\", twice(21)); return 0; }\n",
            ),
            ("n.c", "int twice(int x) { return 2 * x; }\n"),
            ("expected.stdout", "42\n"),
        ],
    );
    let (cases, broken) = load_corpus(root.path()).unwrap();
    assert!(broken.is_empty(), "{:#}", broken[0].1);
    let lab = Lab::new(&default_corpus().join("include")).unwrap();
    let filter = Filter { engines: vec![EngineKind::Wasmi], ..Filter::default() };
    let results = lab.run_matrix(&cases, &cells(&cases, &filter), 2, &|_| {});
    let ran = |case: &str| results.iter().filter(|r| r.case == case).collect::<Vec<_>>();
    assert!(ran("multi-static").iter().any(|r| r.libc == Libc::Static), "the static cell ran");
    for case in ["multi-dynamic", "multi-static"] {
        assert!(!ran(case).is_empty());
        for r in ran(case) {
            assert_eq!((r.status, r.stdout.as_str()), (Status::Ok, "42\n"), "{r:?}");
        }
    }
}
