//! The cache key covers every file a compile reads; modules of several files.

use std::fs;

use super::*;
use crate::Sources;

/// Names the module exports.
fn exports(module: &Path) -> Vec<String> {
    let bytes = fs::read(module).unwrap();
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ExportSection(reader) = payload.unwrap() {
            names.extend(reader.into_iter().map(|e| e.unwrap().name.to_string()));
        }
    }
    names
}

#[test]
fn editing_an_included_c_file_rebuilds() {
    let f = Fixture::new();
    let case = f.dir.path().join("case");
    fs::create_dir_all(case.join("parts")).unwrap();
    fs::write(case.join("main.c"), "#include \"parts/impl.c\"\nint entry(void) { return helper(); }\n").unwrap();
    fs::write(case.join("parts/impl.c"), "int helper(void) { return 1; }\n").unwrap();
    let sources = Sources::in_case(&case, &["main.c"]).unwrap();

    let first = f.tc.side_module_from(&sources, &[], &[]).unwrap();
    assert!(exports(&first).contains(&"helper".to_string()), "{:?}", exports(&first));
    let before = mtime(&first);
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(f.tc.side_module_from(&sources, &[], &[]).unwrap(), first, "same inputs must hit the cache");
    assert_eq!(mtime(&first), before, "same inputs were rebuilt");

    fs::write(case.join("parts/impl.c"), "int helper_renamed(void) { return 2; }\n#define helper helper_renamed\n")
        .unwrap();
    let edited = f.tc.side_module_from(&sources, &[], &[]).unwrap();
    assert_ne!(edited, first, "an edit of the included .c file reused the stale module");
    let names = exports(&edited);
    assert!(names.contains(&"helper_renamed".to_string()) && !names.contains(&"helper".to_string()), "{names:?}");

    // Static programs are keyed the same way.
    fs::write(case.join("prog.c"), "#include \"parts/impl.c\"\nint main(void) { return helper(); }\n").unwrap();
    let prog = Sources::in_case(&case, &["prog.c"]).unwrap();
    let a = f.tc.static_program_from(&prog, &[]).unwrap();
    fs::write(case.join("parts/impl.c"), "int helper(void) { return 3; }\n").unwrap();
    assert_ne!(f.tc.static_program_from(&prog, &[]).unwrap(), a);
}

#[test]
fn editing_an_embedded_file_rebuilds() {
    let f = Fixture::new();
    let case = f.dir.path().join("case");
    fs::create_dir(&case).unwrap();
    fs::write(case.join("e.c"), "const unsigned char blob[] = {\n#embed \"data.bin\"\n};\n").unwrap();
    fs::write(case.join("data.bin"), "one").unwrap();
    let sources = Sources::in_case(&case, &["e.c"]).unwrap();
    let first = f.tc.side_module_from(&sources, &[], &[]).unwrap();
    fs::write(case.join("data.bin"), "two").unwrap();
    let second = f.tc.side_module_from(&sources, &[], &[]).unwrap();
    assert_ne!(first, second);
    assert!(contains(&fs::read(&second).unwrap(), b"two"));
}

#[test]
fn two_file_module_exports_both_files_symbols() {
    let f = Fixture::new();
    let case = f.dir.path().join("case");
    fs::create_dir(&case).unwrap();
    fs::write(case.join("a.c"), "int from_b(int);\nint from_a(int x) { return from_b(x) * 2; }\n").unwrap();
    fs::write(case.join("b.c"), "#include \"t.h\"\nint from_b(int x) { return x + T; }\n").unwrap();
    let side = f.tc.side_module_from(&Sources::in_case(&case, &["a.c", "b.c"]).unwrap(), &[], &[]).unwrap();
    let names = exports(&side);
    assert!(names.contains(&"from_a".to_string()) && names.contains(&"from_b".to_string()), "{names:?}");
    // from_b is defined, so the module does not import it.
    assert!(!contains(&fs::read(&side).unwrap(), b"env\x06from_b"), "from_b left undefined");

    // A static program whose main is in one file and whose callee is in the other links.
    fs::write(case.join("main.c"), "int from_a(int);\nint main(void) { return from_a(1) == 4 ? 0 : 1; }\n").unwrap();
    let prog = f.tc.static_program_from(&Sources::in_case(&case, &["main.c", "a.c", "b.c"]).unwrap(), &[]).unwrap();
    assert!(exports(&prog).contains(&"_start".to_string()));
    // Each file's edit changes the key.
    fs::write(case.join("b.c"), "int from_b(int x) { return x + 2; }\n").unwrap();
    let side2 = f.tc.side_module_from(&Sources::in_case(&case, &["a.c", "b.c"]).unwrap(), &[], &[]).unwrap();
    assert_ne!(side, side2);
}

#[test]
fn export_flags_reach_the_static_link() {
    let f = Fixture::new();
    let src = f.write("src/p.c", "int exported_fn(void) { return 7; }\nint main(void) { return 0; }\n");
    let prog = f.tc.static_program(&[src], &["-Wl,--export=exported_fn".to_string()]).unwrap();
    assert!(exports(&prog).contains(&"exported_fn".to_string()), "{:?}", exports(&prog));
}
