//! The C files of one module as a manifest names them: `main = "main.c"` or `main = ["a.c", "b.c"]`
//! (the same for each `libs` entry). A module is named by its first file: that name builds to
//! `<stem>.wasm` (what dlopen finds) and is the module's key in `[needed]`.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

/// One module's C files, in link order; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleFiles(Vec<String>);

impl ModuleFiles {
    /// The module's name: its first file.
    pub fn name(&self) -> &String {
        &self.0[0]
    }

    pub fn files(&self) -> &[String] {
        &self.0
    }

    fn checked<E: de::Error>(files: Vec<String>) -> Result<Self, E> {
        if files.is_empty() {
            return Err(E::custom("a module needs at least one C file, the list is empty"));
        }
        for (i, f) in files.iter().enumerate() {
            if files[..i].contains(f) {
                return Err(E::custom(format!("{f:?} is named twice in one module")));
            }
        }
        Ok(ModuleFiles(files))
    }
}

impl From<&str> for ModuleFiles {
    fn from(file: &str) -> Self {
        ModuleFiles(vec![file.to_string()])
    }
}

impl fmt::Display for ModuleFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" + "))
    }
}

impl<'de> Deserialize<'de> for ModuleFiles {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Files;
        impl<'de> Visitor<'de> for Files {
            type Value = ModuleFiles;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a C file name or a list of C file names")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<ModuleFiles, E> {
                Ok(ModuleFiles::from(v))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ModuleFiles, A::Error> {
                let mut files = Vec::new();
                while let Some(f) = seq.next_element::<String>()? {
                    files.push(f);
                }
                ModuleFiles::checked(files)
            }
        }
        d.deserialize_any(Files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct T {
        m: ModuleFiles,
    }

    fn parse(text: &str) -> Result<ModuleFiles, String> {
        toml::from_str::<T>(text).map(|t| t.m).map_err(|e| e.to_string())
    }

    #[test]
    fn one_name_or_a_list() {
        assert_eq!(parse("m = \"a.c\"").unwrap().files(), ["a.c"]);
        let m = parse("m = [\"a.c\", \"dir/b.c\"]").unwrap();
        assert_eq!((m.name().as_str(), m.files()), ("a.c", &["a.c".to_string(), "dir/b.c".to_string()][..]));
        assert_eq!(m.to_string(), "a.c + dir/b.c");
    }

    #[test]
    fn bad_entries_say_what_is_wrong() {
        let e = parse("m = []").unwrap_err();
        assert!(e.contains("at least one C file"), "{e}");
        let e = parse("m = [\"a.c\", \"a.c\"]").unwrap_err();
        assert!(e.contains("\"a.c\" is named twice"), "{e}");
        let e = parse("m = 3").unwrap_err();
        assert!(e.contains("a C file name or a list of C file names"), "{e}");
        let e = parse("m = [\"a.c\", 3]").unwrap_err();
        assert!(e.contains("expected a string"), "{e}");
    }
}
