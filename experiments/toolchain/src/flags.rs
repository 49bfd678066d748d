//! Which compiler flags a case may add. An allowlist: a flag that adds an include path or names a
//! host file (`-I`, `-iquote`, `-include`, `--sysroot`, `@file`, `-fembed-dir=`, `-Xclang`, a
//! positional path...) would let a build read outside the allowed folders, and new clang options
//! appear every release, so anything not known to be harmless is refused.

/// Boolean `-f<name>` / `-fno-<name>` options that only change code generation or diagnostics.
const F_FLAGS: &[&str] = &[
    "builtin",
    "common",
    "data-sections",
    "exceptions",
    "fast-math",
    "finite-math-only",
    "function-sections",
    "inline",
    "inline-functions",
    "jump-tables",
    "math-errno",
    "merge-all-constants",
    "omit-frame-pointer",
    "optimize-sibling-calls",
    "short-enums",
    "short-wchar",
    "signed-char",
    "unsigned-char",
    "stack-protector",
    "strict-aliasing",
    "strict-overflow",
    "trapping-math",
    "unroll-loops",
    "vectorize",
    "slp-vectorize",
    "wrapv",
    "zero-initialized-in-bss",
    "color-diagnostics",
    "diagnostics-color",
];

/// `-f<name>=<value>` options whose value is a word, never a path.
const F_VALUE_FLAGS: &[&str] = &["visibility", "fp-contract", "fp-model", "fp-exception-behavior", "bracket-depth"];

/// Linker options a static program may pass through `-Wl,`: exporting symbols by name.
const LINK_FLAGS: &[&str] = &["--export=", "--export-if-defined="];

/// The first flag in `flags` that a case may not use, with the reason.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "cflag `{flag}` is not allowed: {reason}. Case cflags may define macros (-D, -U), choose the standard, \
     optimisation, debug info, warnings, target features and code-generation options (-std=, -O, -g, -W, -m, \
     -f), and export symbols (-Wl,--export=NAME); flags that add include paths or name host files (-I, -iquote, \
     -isystem, -include, --sysroot, @file, -fembed-dir=, -Xclang, a file name) are refused"
)]
pub struct FlagError {
    pub flag: String,
    pub reason: &'static str,
}

/// Checks a case's extra cflags against the allowlist.
pub fn check_cflags(flags: &[String]) -> Result<(), FlagError> {
    for flag in flags {
        if let Err(reason) = check_one(flag) {
            return Err(FlagError { flag: flag.clone(), reason });
        }
    }
    Ok(())
}

/// What a check says of a flag of its kind; None: not its kind.
type Verdict = Option<Result<(), &'static str>>;

fn check_one(flag: &str) -> Result<(), &'static str> {
    let kinds: [fn(&str) -> Verdict; 5] = [macro_flag, language_flag, warning_flag, target_flag, f_flag];
    if let Some(verdict) = kinds.iter().find_map(|kind| kind(flag)) {
        return verdict;
    }
    if flag.starts_with('@') {
        return Err("@file reads more options from a host file");
    }
    if !flag.starts_with('-') {
        return Err("a file name or stray word; sources are given by the manifest, not by cflags");
    }
    Err("unknown or path-taking option")
}

/// A word of a value: letters, digits and `_-+.` (no slash, so no path).
fn word(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-+.".contains(&b))
}

fn ident(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn verdict(ok: bool, reason: &'static str) -> Result<(), &'static str> {
    if ok {
        Ok(())
    } else {
        Err(reason)
    }
}

/// `-D` and `-U`.
fn macro_flag(flag: &str) -> Verdict {
    if let Some(def) = flag.strip_prefix("-D") {
        // The value may be any text: a macro cannot make the preprocessor read a file that the
        // dependency check would not see.
        let name = def.split_once('=').map_or(def, |(n, _)| n);
        let name = name.split_once('(').map_or(name, |(n, _)| n);
        return Some(verdict(ident(name), "-D needs a macro name joined to it (-DNAME or -DNAME=VALUE)"));
    }
    let name = flag.strip_prefix("-U")?;
    Some(verdict(ident(name), "-U needs a macro name joined to it"))
}

/// Optimisation, the standard, debug info and the options without a value.
fn language_flag(flag: &str) -> Verdict {
    if let Some(level) = flag.strip_prefix("-O") {
        let known = matches!(level, "" | "0" | "1" | "2" | "3" | "s" | "z" | "g" | "fast");
        return Some(verdict(known, "unknown optimisation level"));
    }
    if let Some(std) = flag.strip_prefix("-std=") {
        return Some(verdict(word(std), "-std= takes a language standard name"));
    }
    // `-pthread`: POSIX threads (a macro, and libpthread at a native link); reads no file.
    let bare = ["-g", "-g0", "-g1", "-g2", "-g3", "-w", "-pedantic", "-pedantic-errors", "-ansi", "-pthread"];
    bare.contains(&flag).then_some(Ok(()))
}

/// `-Wl,` (exports only) and warnings.
fn warning_flag(flag: &str) -> Verdict {
    if let Some(args) = flag.strip_prefix("-Wl,") {
        let ok = args.split(',').all(|a| LINK_FLAGS.iter().any(|p| a.strip_prefix(p).is_some_and(word)));
        return Some(verdict(ok, "only -Wl,--export=NAME and -Wl,--export-if-defined=NAME reach the linker"));
    }
    let warning = flag.strip_prefix("-W")?;
    // `-Wa,`/`-Wp,` pass arbitrary options on; a warning name has no comma and no slash.
    Some(verdict(
        word(warning.replace('=', "").as_str()),
        "a warning option is -W<name>, -Wno-<name> or -Werror=<name>",
    ))
}

/// `-m<feature>` and `-m<name>=<word>`, but not `-mllvm`.
fn target_flag(flag: &str) -> Verdict {
    let feature = flag.strip_prefix("-m")?;
    let (name, value) = feature.split_once('=').map_or((feature, None), |(n, v)| (n, Some(v)));
    if name == "llvm" {
        return Some(Err("-mllvm passes options on to LLVM"));
    }
    Some(verdict(word(name) && value.is_none_or(word), "a target option is -m<feature> or -m<name>=<word>"))
}

/// The `-f` options of the allowlists.
fn f_flag(flag: &str) -> Verdict {
    let opt = flag.strip_prefix("-f")?;
    if let Some((name, value)) = opt.split_once('=') {
        let ok = F_VALUE_FLAGS.contains(&name) && word(value);
        return Some(verdict(ok, "not a known -f<name>=<value> option that takes no file"));
    }
    let name = opt.strip_prefix("no-").unwrap_or(opt);
    Some(verdict(F_FLAGS.contains(&name), "not a known -f option that reads no file"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(flag: &str) -> Result<(), FlagError> {
        check_cflags(&[flag.to_string()])
    }

    #[test]
    fn harmless_flags_pass() {
        for f in [
            "-DX",
            "-DSQLITE_THREADSAFE=0",
            "-DF(x)=x+1",
            "-DPATH=\"/etc/passwd\"",
            "-UNDEBUG",
            "-O0",
            "-Os",
            "-g",
            "-std=c11",
            "-Wall",
            "-Wno-unused-parameter",
            "-Werror=implicit-function-declaration",
            "-msimd128",
            "-mno-bulk-memory",
            "-mexec-model=reactor",
            "-fno-builtin",
            "-fwrapv",
            "-fvisibility=hidden",
            "-Wl,--export=run_strlen",
            "-Wl,--export=a,--export-if-defined=b",
        ] {
            assert_eq!(check(f), Ok(()), "{f}");
        }
    }

    #[test]
    fn flags_naming_host_files_are_refused() {
        for f in [
            "-I/etc",
            "-I",
            "-iquote/etc",
            "-isystem/etc",
            "-idirafter/etc",
            "-include/etc/passwd",
            "-imacros/etc/passwd",
            "--sysroot=/",
            "-isysroot/",
            "@/etc/args",
            "-fembed-dir=/etc",
            "-fplugin=/tmp/x.so",
            "-fprofile-use=/etc/x",
            "-fmodules",
            "-fmodule-map-file=/etc/x",
            "-Xclang",
            "-Xpreprocessor",
            "-mllvm",
            "-Wp,-include,/etc/passwd",
            "-Wa,@/etc/x",
            "-Wl,@/etc/x",
            "-Wl,--script=/etc/x",
            "-Wl,--export=../x",
            "-B/tmp",
            "--config=/etc/x",
            "-L/etc",
            "-save-temps",
            "-MF/tmp/x",
            "/etc/passwd",
            "-D",
            "-D/x",
        ] {
            let err = check(f).expect_err(f);
            assert_eq!(err.flag, f);
            assert!(err.to_string().contains(&format!("cflag `{f}` is not allowed")), "{err}");
        }
    }
}
