//! `dylab expect CASE`: a new case's reference comes from its native run (gcc -m32, glibc's ld.so),
//! and `dylab run` then judges every cell and the native column against it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const MAIN_C: &str = r#"#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  void *h = dlopen("lib.wasm", RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  int (*twice)(int) = (int (*)(int))dlsym(h, "twice");
  printf("%s: twice(21) = %d, argc %d, argv[0] %s\n", __FILE__, twice(21), argc, argv[0]);
  return 7;
}
"#;

/// A corpus in `root` with one case, `greet`, without expected.stdout.
fn new_case(root: &Path) -> std::path::PathBuf {
    let case = root.join("corpus/cases/greet");
    fs::create_dir_all(&case).unwrap();
    fs::write(case.join("main.c"), MAIN_C).unwrap();
    fs::write(case.join("lib.c"), "int twice(int x) { return 2 * x; }\n").unwrap();
    let toml_text = "# kept\ndescription = \"greet\"\nmain = \"main.c\"\nlibs = [\"lib.c\"]\nargs = [\"one\"]\n\n\
                     [expect.trampoline]\nstatus = \"trap\"\ntrap = \"table-out-of-bounds\"\n";
    fs::write(case.join("case.toml"), toml_text).unwrap();
    case
}

fn dylab(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dylab"))
        .args(args)
        .arg("--corpus")
        .arg(root.join("corpus"))
        .env("DYLAB_CACHE", root.join("cache"))
        .output()
        .unwrap()
}

#[test]
fn expect_writes_the_reference_from_ld_so() {
    let root = tempfile::tempdir().unwrap();
    let case = new_case(root.path());
    let out = dylab(root.path(), &["expect", "greet"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = fs::read_to_string(case.join("expected.stdout")).unwrap();
    assert_eq!(expected, "main.c: twice(21) = 42, argc 2, argv[0] main.wasm\n");
    let toml_text = fs::read_to_string(case.join("case.toml")).unwrap();
    assert!(toml_text.starts_with("# kept\n") && toml_text.contains("exit_code = 7\n"), "{toml_text}");
    // Every wasm cell that links it correctly prints the same; the native column matches.
    let run = dylab(root.path(), &["run", "--case", "greet", "--engine", "wasmi", "--strategy", "shared-table"]);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("wasmi/libc-module/shared-table/greet") && stdout.contains("native/greet"), "{stdout}");
}

#[test]
fn expect_refuses_a_case_that_declares_its_native_run_differs() {
    let root = tempfile::tempdir().unwrap();
    let case = new_case(root.path());
    let mut toml_text = fs::read_to_string(case.join("case.toml")).unwrap();
    toml_text.push_str("\n[native]\ndiffers = \"glibc's messages\"\n");
    fs::write(case.join("case.toml"), &toml_text).unwrap();
    let out = dylab(root.path(), &["expect", "greet"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && stderr.contains("declares `[native] differs`"), "{stderr}");
    assert!(!case.join("expected.stdout").exists(), "nothing written");
    assert_eq!(fs::read_to_string(case.join("case.toml")).unwrap(), toml_text);
}
