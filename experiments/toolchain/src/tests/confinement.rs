//! A case's build reads only its own folder and the toolchain's headers.

use std::fs;
use std::os::unix::fs::symlink;
use std::time::{Duration, Instant};

use super::*;
use crate::Sources;

/// A fixture with a case folder `case/` and a folder beside it, `outside/`, holding a secret.
fn case_fixture() -> (Fixture, PathBuf) {
    let f = Fixture::new();
    let case = f.dir.path().join("case");
    fs::create_dir(&case).unwrap();
    fs::create_dir(f.dir.path().join("outside")).unwrap();
    f.write("outside/secret.h", "int leaked_secret_value = 42;\n");
    (f, case)
}

fn build_side(f: &Fixture, case: &Path, files: &[&str]) -> Result<PathBuf> {
    f.tc.side_module_from(&Sources::in_case(case, files)?, &[], &[])
}

fn build_static(f: &Fixture, case: &Path, files: &[&str]) -> Result<PathBuf> {
    f.tc.static_program_from(&Sources::in_case(case, files)?, &[])
}

fn no_artefact(f: &Fixture) {
    let built: Vec<_> = fs::read_dir(f.cache())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("side-") || n.starts_with("static-"))
        .collect();
    assert!(built.is_empty(), "a refused build left {built:?}");
    assert!(f.scratch_left().is_empty(), "scratch left: {:?}", f.scratch_left());
}

#[test]
fn include_of_a_host_file_is_refused() {
    let (f, case) = case_fixture();
    let passwd = fs::read_to_string("/etc/passwd").unwrap();
    let first_line = passwd.lines().next().unwrap().to_string();
    fs::write(case.join("a.c"), "#include \"/etc/passwd\"\nint x;\n").unwrap();
    for err in [build_side(&f, &case, &["a.c"]).unwrap_err(), build_static(&f, &case, &["a.c"]).unwrap_err()] {
        let msg = format!("{err:#}");
        assert!(msg.contains("reads /etc/passwd, which lies outside"), "{msg}");
        assert!(msg.contains("a.c") && msg.contains("the case folder"), "{msg}");
        assert!(!msg.contains(&first_line), "the file's content reached the error: {msg}");
    }
    no_artefact(&f);
}

#[test]
fn embed_of_a_host_file_is_refused() {
    let (f, case) = case_fixture();
    fs::write(case.join("e.c"), "const unsigned char data[] = {\n#embed \"/etc/passwd\"\n};\n").unwrap();
    let msg = format!("{:#}", build_side(&f, &case, &["e.c"]).unwrap_err());
    assert!(msg.contains("reads /etc/passwd, which lies outside"), "{msg}");
    no_artefact(&f);
}

#[test]
fn includes_leaving_the_case_folder_are_refused() {
    let (f, case) = case_fixture();
    // By `..`, through a symbolic link to a file, through a linked folder, and a host header
    // beside the wasi-libc ones in the sysroot.
    symlink(f.dir.path().join("outside/secret.h"), case.join("link.h")).unwrap();
    symlink(f.dir.path().join("outside"), case.join("linkdir")).unwrap();
    for (include, reads) in [
        ("../outside/secret.h", "/case/../outside/secret.h"),
        ("link.h", "/case/link.h"),
        ("linkdir/secret.h", "/case/linkdir/secret.h"),
        ("/usr/include/stdio.h", "/usr/include/stdio.h"),
    ] {
        fs::write(case.join("a.c"), format!("#include \"{include}\"\nint x;\n")).unwrap();
        let msg = format!("{:#}", build_side(&f, &case, &["a.c"]).unwrap_err());
        assert!(msg.contains(reads) && msg.contains("which lies outside"), "{include}: {msg}");
    }
    no_artefact(&f);
}

#[test]
fn diagnostics_about_a_host_file_are_withheld() {
    // The preprocessor fails inside the outside file and would quote its line.
    let (f, case) = case_fixture();
    f.write("outside/conf", "# secret-token-1234\n");
    fs::write(case.join("a.c"), "#include \"../outside/conf\"\n").unwrap();
    let msg = format!("{:#}", build_side(&f, &case, &["a.c"]).unwrap_err());
    assert!(msg.contains("which lies outside"), "{msg}");
    assert!(!msg.contains("secret-token-1234"), "content quoted: {msg}");
}

#[test]
fn allowed_headers_and_links_inside_build() {
    let (f, case) = case_fixture();
    fs::create_dir(case.join("sub")).unwrap();
    fs::write(case.join("sub/h.h"), "#define H 5\n").unwrap();
    symlink("sub/h.h", case.join("alias.h")).unwrap();
    symlink("a.c", case.join("link.c")).unwrap();
    fs::write(case.join("a.c"), "#include <stdio.h>\n#include <stddef.h>\n#include \"t.h\"\n#include \"alias.h\"\nint h(void) { return H + T; }\n").unwrap();
    build_side(&f, &case, &["a.c"]).unwrap();
    build_side(&f, &case, &["link.c"]).unwrap();
}

#[test]
fn parent_and_absolute_sources_are_refused() {
    let (f, case) = case_fixture();
    f.write("outside/x.c", "int x;\n");
    for (rel, want) in [
        ("../outside/x.c", "`../outside/x.c`: `..` is not allowed"),
        ("sub/../../outside/x.c", "`sub/../../outside/x.c`: `..` is not allowed"),
        ("/etc/passwd", "`/etc/passwd`: absolute paths are not allowed"),
        ("", "an empty path"),
        ("missing.c", "`missing.c` does not exist in the case folder"),
    ] {
        let msg = format!("{:#}", Sources::in_case(&case, &[rel]).unwrap_err());
        assert!(msg.contains(want), "{rel}: {msg}");
    }
}

#[test]
fn symlinked_source_leaving_the_folder_is_refused() {
    let (f, case) = case_fixture();
    f.write("outside/x.c", "int x;\n");
    symlink(f.dir.path().join("outside/x.c"), case.join("abs.c")).unwrap();
    symlink("../outside/x.c", case.join("rel.c")).unwrap();
    symlink("/etc/passwd", case.join("passwd.c")).unwrap();
    fs::create_dir(case.join("sub")).unwrap();
    symlink("../../outside", case.join("sub/up")).unwrap();
    for rel in ["abs.c", "rel.c", "passwd.c", "sub/up/x.c"] {
        let msg = format!("{:#}", Sources::in_case(&case, &[rel]).unwrap_err());
        assert!(msg.contains(&format!("`{rel}` leads outside the case folder")), "{rel}: {msg}");
    }
    // A link that stays inside resolves to its target.
    fs::write(case.join("real.c"), "int r;\n").unwrap();
    symlink("real.c", case.join("alias.c")).unwrap();
    let s = Sources::in_case(&case, &["alias.c"]).unwrap();
    assert_eq!(s.files(), [case.canonicalize().unwrap().join("real.c")]);
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[test]
fn fifo_source_is_refused_without_hanging() {
    let (_f, case) = case_fixture();
    mkfifo(&case.join("pipe.c"));
    fs::create_dir(case.join("dir.c")).unwrap();
    let start = Instant::now();
    let msg = format!("{:#}", Sources::in_case(&case, &["pipe.c"]).unwrap_err());
    assert!(msg.contains("`pipe.c`") && msg.contains("is a FIFO, not a regular file"), "{msg}");
    let msg = format!("{:#}", Sources::in_case(&case, &["dir.c"]).unwrap_err());
    assert!(msg.contains("is a directory, not a regular file"), "{msg}");
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn include_of_a_fifo_ends_within_the_time_limit() {
    let (mut f, case) = case_fixture();
    f.tc.scan_limit = Duration::from_secs(2);
    mkfifo(&case.join("pipe.h"));
    fs::write(case.join("a.c"), "#include \"pipe.h\"\n").unwrap();
    let start = Instant::now();
    let msg = format!("{:#}", build_side(&f, &case, &["a.c"]).unwrap_err());
    assert!(msg.contains("did not finish within 2 s and was killed"), "{msg}");
    assert!(start.elapsed() < Duration::from_secs(30), "took {:?}", start.elapsed());
    no_artefact(&f);
}

#[test]
fn cflags_that_name_host_files_are_refused() {
    let (f, case) = case_fixture();
    fs::write(case.join("a.c"), "#include \"secret.h\"\n").unwrap();
    let sources = Sources::in_case(&case, &["a.c"]).unwrap();
    let outside = f.dir.path().join("outside");
    for flag in
        [format!("-I{}", outside.display()), format!("-iquote{}", outside.display()), "-include/etc/passwd".into()]
    {
        let err = f.tc.side_module_from(&sources, std::slice::from_ref(&flag), &[]).unwrap_err();
        assert!(format!("{err:#}").contains(&format!("cflag `{flag}` is not allowed")), "{err:#}");
        let err = f.tc.static_program_from(&sources, std::slice::from_ref(&flag)).unwrap_err();
        assert!(format!("{err:#}").contains(&format!("cflag `{flag}` is not allowed")), "{err:#}");
    }
    no_artefact(&f);
}

#[test]
fn a_missing_header_gets_clangs_message() {
    let (f, case) = case_fixture();
    fs::write(case.join("a.c"), "#include \"t.h\"\n#include \"nowhere.h\"\nint x;\n").unwrap();
    let msg = format!("{:#}", build_side(&f, &case, &["a.c"]).unwrap_err());
    assert!(msg.contains("a.c:2:10: fatal error: 'nowhere.h' file not found"), "{msg}");
    // Missing from the case but present in the working folder (cargo runs tests in the crate's).
    assert!(Path::new("Cargo.toml").is_file());
    fs::write(case.join("c.c"), "#include \"Cargo.toml\"\n").unwrap();
    let msg = format!("{:#}", build_side(&f, &case, &["c.c"]).unwrap_err());
    assert!(msg.contains("c.c:1:10: fatal error: 'Cargo.toml' file not found"), "{msg}");
    // A missing file after an outside one is still a refusal, with nothing quoted.
    fs::write(case.join("b.c"), "#include \"../outside/secret.h\"\n#include \"nowhere.h\"\n").unwrap();
    let msg = format!("{:#}", build_side(&f, &case, &["b.c"]).unwrap_err());
    assert!(msg.contains("which lies outside") && !msg.contains("leaked_secret_value"), "{msg}");
}
