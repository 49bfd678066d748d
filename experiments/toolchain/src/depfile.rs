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
    let mut names = Names::default();
    let mut i = 0;
    while i < rest.len() {
        i += match rest[i] {
            b'\\' => names.backslashes(&rest[i..]),
            b'$' if rest.get(i + 1) == Some(&b'$') => {
                names.cur.push(b'$');
                2
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                names.flush();
                1
            }
            b => {
                names.cur.push(b);
                1
            }
        };
    }
    names.flush();
    Ok(names.files)
}

/// The names read so far and the one being read.
#[derive(Default)]
struct Names {
    files: Vec<PathBuf>,
    cur: Vec<u8>,
}

impl Names {
    /// Ends the current name, if any.
    fn flush(&mut self) {
        if !self.cur.is_empty() {
            self.files.push(PathBuf::from(OsString::from_vec(std::mem::take(&mut self.cur))));
        }
    }

    /// The run of backslashes `rest` starts with and what it escapes; returns the bytes read.
    fn backslashes(&mut self, rest: &[u8]) -> usize {
        let run = rest.iter().take_while(|&&b| b == b'\\').count();
        match rest.get(run) {
            // 2n+1 backslashes before a space: n backslashes and a space in the name;
            // 2n: n backslashes, then the space separates names.
            Some(b' ') => {
                self.cur.extend(std::iter::repeat_n(b'\\', run / 2));
                if run % 2 == 1 {
                    self.cur.push(b' ');
                } else {
                    self.flush();
                }
                run + 1
            }
            Some(b'#') if run == 1 => {
                self.cur.push(b'#');
                2
            }
            Some(b'\n') if run == 1 => {
                self.flush();
                2
            }
            Some(b'\r') if run == 1 && rest.get(2) == Some(&b'\n') => {
                self.flush();
                3
            }
            _ => {
                self.cur.extend(std::iter::repeat_n(b'\\', run));
                run
            }
        }
    }
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
