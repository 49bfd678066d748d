//! These tests drive the real toolchain (run scripts/setup.sh first). None mutates the process
//! environment: overrides go through `discover_with`.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::*;

struct Fixture {
    dir: TempDir,
    tc: Toolchain,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("include")).unwrap();
        fs::create_dir(dir.path().join("src")).unwrap();
        fs::write(dir.path().join("include/t.h"), "#define T 1\n").unwrap();
        let tc = Toolchain::discover(&dir.path().join("include"), &dir.path().join("cache"))
            .expect("toolchain present (run scripts/setup.sh)");
        Fixture { dir, tc }
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(rel);
        fs::write(&p, text).unwrap();
        p
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Leftover scratch folders in the cache.
    fn scratch_left(&self) -> Vec<String> {
        fs::read_dir(self.cache())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(cache::TMP_PREFIX))
            .collect()
    }
}

const ADD_C: &str = "#include \"t.h\"\nint add(int a, int b) { return a + b + T; }\n";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn mtime(p: &Path) -> std::time::SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

/// Env lookup: the real environment, with `overrides` on top.
fn env_with(overrides: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
    let map: HashMap<String, String> = overrides.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| map.get(name).map(OsString::from).or_else(|| std::env::var_os(name))
}

#[test]
fn side_module_has_dylink_section() {
    let f = Fixture::new();
    let src = f.write("src/add.c", ADD_C);
    let out = f.tc.side_module(&[src], &[]).unwrap();
    let bytes = fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\0asm"), "not a wasm module");
    assert!(contains(&bytes, b"dylink.0"), "no dylink.0 section");
    assert!(contains(&bytes, b"add"), "`add` not exported");
    assert_eq!(out.parent().unwrap(), f.cache());
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("side-") && name.ends_with(".wasm") && name.len() == "side-".len() + 16 + ".wasm".len(),
        "{name}"
    );
    assert!(f.scratch_left().is_empty(), "scratch left: {:?}", f.scratch_left());
}

#[test]
fn second_call_reuses_artefact() {
    let f = Fixture::new();
    let src = f.write("src/add.c", ADD_C);
    let first = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap();
    let before = mtime(&first);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let second = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap();
    assert_eq!(first, second);
    assert_eq!(before, mtime(&second), "artefact was rebuilt");

    // A fresh Toolchain over the same cache finds it too.
    let tc2 = Toolchain::discover(&f.dir.path().join("include"), &f.cache()).unwrap();
    assert_eq!(tc2.side_module(&[src], &[]).unwrap(), first);
    assert_eq!(before, mtime(&first));
}

#[test]
fn inputs_change_the_name() {
    let f = Fixture::new();
    let src = f.write("src/add.c", ADD_C);
    let base = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap();

    f.write("src/add.c", &ADD_C.replace("+ T", "+ T + 1"));
    let edited = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap();
    assert_ne!(base, edited, "source change");

    f.write("include/t.h", "#define T 2\n");
    let header = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap();
    assert_ne!(edited, header, "include_dir header change");

    // A header no source includes does not matter; one that shadows `include/t.h` (found first,
    // in the including file's folder) does.
    f.write("src/unused.h", "#define U 1\n");
    assert_eq!(header, f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap(), "header nobody includes");
    f.write("src/t.h", "#define T 3\n");
    let local = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap();
    assert_ne!(header, local, "header in the source's folder shadowing the include folder's");

    let flagged = f.tc.side_module(std::slice::from_ref(&src), &["-DVARIANT".to_string()]).unwrap();
    assert_ne!(local, flagged, "extra cflags");

    let static_ = f.tc.static_program(&[f.write("src/main.c", "int main(void) { return 0; }\n")], &[]).unwrap();
    assert!(static_.file_name().unwrap().to_string_lossy().starts_with("static-"));
}

#[test]
fn extra_cflags_reach_the_compiler() {
    let f = Fixture::new();
    let src =
        f.write("src/v.c", "#ifndef VARIANT\n#error VARIANT not defined\n#endif\nint v(void) { return VARIANT; }\n");
    let err = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap_err();
    assert!(format!("{err:#}").contains("VARIANT not defined"), "{err:#}");
    f.tc.side_module(&[src], &["-DVARIANT=3".to_string()]).unwrap();
}

#[test]
fn syntax_error_reports_clang_message_and_command() {
    let f = Fixture::new();
    let src = f.write("src/bad.c", "int broken(void) { return 1 }\n");
    let err = f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("bad.c:1:"), "no clang diagnostic location: {msg}");
    assert!(msg.contains("error: expected ';'"), "no clang message: {msg}");
    assert!(msg.contains("-fvisibility=default") && msg.contains("-c"), "no command line: {msg}");
    assert!(f.scratch_left().is_empty(), "scratch left: {:?}", f.scratch_left());
    let wasm: Vec<_> = fs::read_dir(f.cache())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "wasm"))
        .collect();
    assert!(wasm.is_empty(), "a failed build left an artefact");

    let err = f.tc.static_program(&[src], &[]).unwrap_err();
    assert!(format!("{err:#}").contains("error: expected ';'"), "{err:#}");
}

#[test]
fn link_error_reports_linker_message() {
    let f = Fixture::new();
    let src = f.write("src/nomain.c", "int missing(void);\nint main(void) { return missing(); }\n");
    let err = f.tc.static_program(&[src], &[]).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("undefined symbol: missing"), "{msg}");
}

#[test]
fn build_errors_are_portable_across_checkouts() {
    // Two checkouts of one case build in different folders; the error a report quotes must not say so.
    let (a, b) = (Fixture::new(), Fixture::new());
    let messages: Vec<String> = [&a, &b]
        .iter()
        .map(|f| {
            let src = f.write("src/nomain.c", "int missing(void);\nint main(void) { return missing(); }\n");
            let err = f.tc.static_program(&[src], &[]).unwrap_err();
            f.tc.portable(&format!("{err:#}")).replace(&*f.dir.path().to_string_lossy(), "<dir>")
        })
        .collect();
    assert!(messages[0].contains("undefined symbol: missing"), "{}", messages[0]);
    assert!(messages[0].contains("<scratch>/out/nomain.wasm"), "{}", messages[0]);
    assert_eq!(messages[0], messages[1]);
}

#[test]
fn side_module_from_several_sources() {
    let f = Fixture::new();
    let a = f.write("src/a.c", "int b(int);\nint a(int x) { return b(x) * 2; }\n");
    let b = f.write("src/b.c", "int b(int x) { return x + 1; }\n");
    let out = f.tc.side_module(&[a.clone(), b.clone()], &[]).unwrap();
    let bytes = fs::read(&out).unwrap();
    assert!(contains(&bytes, b"dylink.0"));
    // Order matters for the link, so it matters for the name.
    assert_ne!(out, f.tc.side_module(&[b, a], &[]).unwrap());
}

#[test]
fn static_program_is_a_wasi_command() {
    let f = Fixture::new();
    let src = f.write(
        "src/hello.c",
        "#include <stdio.h>\n#include \"t.h\"\nint main(void) { printf(\"hello %d %f\\n\", T, 1.5); return 0; }\n",
    );
    let out = f.tc.static_program(&[src], &[]).unwrap();
    let bytes = fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\0asm"));
    assert!(!contains(&bytes, b"dylink.0"), "static program has dylink.0");
    assert!(contains(&bytes, b"_start"));
    assert!(contains(&bytes, b"wasi_snapshot_preview1"));
    assert!(f.scratch_left().is_empty());
}

#[test]
fn libc_module_exports_libc() {
    let f = Fixture::new();
    let out = f.tc.libc_module().unwrap();
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("libc-"), "{name}");
    let bytes = fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\0asm"));
    for sym in [&b"malloc"[..], b"printf", b"__stack_pointer", b"__indirect_function_table"] {
        assert!(contains(&bytes, sym), "{} missing", String::from_utf8_lossy(sym));
    }
    let before = mtime(&out);
    assert_eq!(f.tc.libc_module().unwrap(), out);
    assert_eq!(mtime(&out), before);
}

#[test]
fn rebuilds_are_byte_identical() {
    // The linker writes the output file name into the module's name section: it is the module's
    // own name (`add.wasm`), not the scratch folder's or the cache's.
    let f = Fixture::new();
    let side = f.write("src/add.c", ADD_C);
    let main = f.write("src/main.c", "#include <stdio.h>\nint main(void) { puts(\"x\"); return 0; }\n");
    let builds: [&dyn Fn() -> PathBuf; 3] = [
        &|| f.tc.side_module(std::slice::from_ref(&side), &[]).unwrap(),
        &|| f.tc.static_program(std::slice::from_ref(&main), &[]).unwrap(),
        &|| f.tc.libc_module().unwrap(),
    ];
    for build in builds {
        let out = build();
        let first = fs::read(&out).unwrap();
        fs::remove_file(&out).unwrap();
        assert_eq!(build(), out);
        assert!(fs::read(&out).unwrap() == first, "{} differs when rebuilt", out.display());
        let name = out.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!contains(&first, name.as_bytes()), "{name}, a hash of machine paths, is in the module");
    }
    let side = fs::read(f.tc.side_module(std::slice::from_ref(&side), &[]).unwrap()).unwrap();
    assert!(contains(&side, b"add.wasm"), "the module's own name is in its name section");
}

/// A case printing its own `__FILE__` and a lab header's.
const WHERE_MAIN_C: &str = concat!(
    "#include <stdio.h>\n#include \"where.h\"\n",
    "int main(void) { printf(\"%s %s\\n\", __FILE__, header_file); return 0; }\n"
);

/// Builds [`WHERE_MAIN_C`] beneath `root` (its own include folder and cache): the side module and
/// the static program.
fn build_where(root: &Path) -> (Vec<u8>, Vec<u8>) {
    fs::create_dir_all(root.join("include")).unwrap();
    fs::create_dir_all(root.join("case")).unwrap();
    fs::write(root.join("include/where.h"), "static const char *header_file = __FILE__;\n").unwrap();
    fs::write(root.join("case/main.c"), WHERE_MAIN_C).unwrap();
    let tc = Toolchain::discover(&root.join("include"), &root.join("cache")).unwrap();
    let sources = Sources::in_case(&root.join("case"), &["main.c"]).unwrap();
    let side = fs::read(tc.side_module_from(&sources, &[], &[]).unwrap()).unwrap();
    let program = fs::read(tc.static_program_from(&sources, &[]).unwrap()).unwrap();
    (side, program)
}

/// The case, copied to two folders with two include folders and two caches, as on two machines:
/// the same bytes, which name no folder of either machine.
#[test]
fn builds_do_not_depend_on_where_the_checkout_is() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let b_deeper = b.path().join("somewhere/else");
    let (first, second) = (build_where(a.path()), build_where(&b_deeper));
    for (one, other, what) in [(&first.0, &second.0, "side module"), (&first.1, &second.1, "static program")] {
        assert!(one == other, "the {what} differs between the two folders");
        assert!(
            contains(one, b"main.c") && contains(one, b"include/where.h"),
            "{what}: __FILE__ not mapped: {}",
            String::from_utf8_lossy(one)
        );
        assert!(!contains(one, a.path().to_string_lossy().as_bytes()), "{what} names its folder");
    }
}

#[test]
fn concurrent_builds_of_one_artefact() {
    let f = Fixture::new();
    let src = f.write("src/add.c", ADD_C);
    let paths: Vec<PathBuf> = std::thread::scope(|s| {
        let handles: Vec<_> =
            (0..8).map(|_| s.spawn(|| f.tc.side_module(std::slice::from_ref(&src), &[]).unwrap())).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(paths.windows(2).all(|w| w[0] == w[1]), "{paths:?}");
    assert!(contains(&fs::read(&paths[0]).unwrap(), b"dylink.0"));
    assert!(f.scratch_left().is_empty(), "scratch left: {:?}", f.scratch_left());
}

#[test]
fn versions_are_reported() {
    let f = Fixture::new();
    let v = f.tc.versions().unwrap();
    assert!(v.clang.contains("clang version"), "{v:?}");
    assert!(v.wasm_ld.contains("LLD"), "{v:?}");
    assert!(!v.wasi_libc.is_empty(), "{v:?}");
}

#[test]
fn missing_clang_names_package_and_command() {
    let dir = tempfile::tempdir().unwrap();
    let lookup = env_with(&[("DYLAB_CLANG", "/nonexistent")]);
    let err = Toolchain::discover_with(dir.path(), &dir.path().join("cache"), &lookup).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("clang-19"), "{msg}");
    assert!(msg.contains("/nonexistent") && msg.contains("DYLAB_CLANG"), "{msg}");
    assert!(msg.contains("apt-get install -y clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32"), "{msg}");
    assert!(msg.contains("scripts/setup.sh"), "{msg}");
    assert!(!msg.contains("lld-19 —") && !msg.contains("package wasi-libc"), "only clang is missing: {msg}");
}

#[test]
fn everything_missing_is_named_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let lookup = env_with(&[
        ("PATH", "/nonexistent-bin"),
        ("DYLAB_WASI_SYSROOT", "/nonexistent-sysroot"),
        ("DYLAB_CLANG_RT", "/nonexistent-rt.a"),
    ]);
    let err = Toolchain::discover_with(dir.path(), &dir.path().join("cache"), &lookup).unwrap_err();
    let msg = format!("{err:#}");
    for want in [
        "`clang-19` not found in PATH",
        "`wasm-ld-19` not found in PATH",
        "package clang-19",
        "package lld-19",
        "package wasi-libc",
        "package libclang-rt-19-dev-wasm32",
        "/nonexistent-sysroot/lib/wasm32-wasi/libc.a",
        "/nonexistent-rt.a",
        "apt-get install -y clang-19 lld-19 wasi-libc libclang-rt-19-dev-wasm32",
    ] {
        assert!(msg.contains(want), "missing {want:?} in:\n{msg}");
    }
    assert!(!dir.path().join("cache").exists(), "cache created despite failure");
}

#[test]
fn broken_tool_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake-clang");
    fs::write(&fake, "#!/bin/sh\necho broken >&2\nexit 3\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let lookup = env_with(&[("DYLAB_CLANG", fake.to_str().unwrap())]);
    let err = Toolchain::discover_with(dir.path(), &dir.path().join("cache"), &lookup).unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("does not run") && msg.contains("broken") && msg.contains("clang-19"), "{msg}");
}

#[test]
fn folders_are_resolved_to_absolute_paths() {
    // discover resolves its folders once, so artefact paths survive a later change of directory.
    let f = Fixture::new();
    assert!(f.tc.cache_dir.is_absolute() && f.tc.include_dir.is_absolute());
}

mod builtins;
mod confinement;
mod deps;
mod native;
mod vendor;
