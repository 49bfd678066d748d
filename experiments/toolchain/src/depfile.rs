//! Reading the make-style dependency file clang writes with `-MD -MF <file> -MT <target>`: the
//! list of every file the preprocessor read (sources, headers, `#embed` resources).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use anyhow::{bail, Result};

/// The target name passed as `-MT`, so the file starts with a known prefix.
pub(crate) const TARGET: &str = "dep";

/// The files listed after `<TARGET>:`, in order, unescaped the way clang escapes them: `\ ` and
/// `\#` for spaces and hashes (backslashes before a space are doubled), `$$` for `$`, a
/// backslash-newline between names. A name clang could not escape (one with a newline) comes
/// out wrong, and then fails the confinement check that resolves it: unreadable input fails closed.
pub(crate) fn parse(text: &[u8]) -> Result<Vec<PathBuf>> {
    let prefix = format!("{TARGET}:");
    let Some(rest) = text.strip_prefix(prefix.as_bytes()) else {
        bail!(
            "dependency file does not start with `{prefix}`: {:?}",
            String::from_utf8_lossy(&text[..text.len().min(80)])
        );
    };
    let mut files = Vec::new();
    let mut cur: Vec<u8> = Vec::new();
    let mut flush = |cur: &mut Vec<u8>| {
        if !cur.is_empty() {
            files.push(PathBuf::from(OsString::from_vec(std::mem::take(cur))));
        }
    };
    let mut i = 0;
    while i < rest.len() {
        match rest[i] {
            b'\\' => {
                let run = rest[i..].iter().take_while(|&&b| b == b'\\').count();
                match rest.get(i + run) {
                    // 2n+1 backslashes before a space: n backslashes and a space in the name;
                    // 2n: n backslashes, then the space separates names.
                    Some(b' ') => {
                        cur.extend(std::iter::repeat_n(b'\\', run / 2));
                        if run % 2 == 1 {
                            cur.push(b' ');
                        } else {
                            flush(&mut cur);
                        }
                        i += run + 1;
                    }
                    Some(b'#') if run == 1 => {
                        cur.push(b'#');
                        i += 2;
                    }
                    Some(b'\n') if run == 1 => {
                        flush(&mut cur);
                        i += 2;
                    }
                    Some(b'\r') if run == 1 && rest.get(i + 2) == Some(&b'\n') => {
                        flush(&mut cur);
                        i += 3;
                    }
                    _ => {
                        cur.extend(std::iter::repeat_n(b'\\', run));
                        i += run;
                    }
                }
            }
            b'$' if rest.get(i + 1) == Some(&b'$') => {
                cur.push(b'$');
                i += 2;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                flush(&mut cur);
                i += 1;
            }
            b => {
                cur.push(b);
                i += 1;
            }
        }
    }
    flush(&mut cur);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        parse(text.as_bytes()).unwrap().into_iter().map(|p| p.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn plain_and_continued_lines() {
        assert_eq!(
            names("dep: /a/x.c /usr/include/stdio.h \\\n  /b/y.h\n"),
            ["/a/x.c", "/usr/include/stdio.h", "/b/y.h"]
        );
    }

    #[test]
    fn escapes_as_clang_writes_them() {
        // clang writes `a b#c$d.h` as `a\ b\#c$$d.h`, and `e\ f.h` (backslash, space) as `e\\\ f.h`.
        assert_eq!(
            names("dep: /x/a\\ b\\#c$$d.h /x/e\\\\\\ f.h /x/g\\h.h"),
            ["/x/a b#c$d.h", "/x/e\\ f.h", "/x/g\\h.h"]
        );
    }

    #[test]
    fn wrong_target_is_an_error() {
        assert!(parse(b"other: a.c").is_err());
    }
}
