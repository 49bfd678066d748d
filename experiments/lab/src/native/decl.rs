//! `[native]` in case.toml: how a case's native run relates to its reference output.

use serde::{Deserialize, Deserializer, Serialize};

/// By default a case's native run (gcc -m32, glibc's ld.so) must print its `expected.stdout` and
/// exit with its `exit_code`; a case where that cannot hold says why, as data:
///
/// ```toml
/// [native]
/// skip = "uses <wasi/api.h>: no native counterpart"     # no native run
/// # or
/// differs = "dlerror's messages are glibc's"           # runs, and must NOT match (else stale)
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "native", content = "why")]
pub enum NativeDecl {
    /// The native run must match the reference.
    #[default]
    Compare,
    /// No native run, for this reason.
    Skip(String),
    /// The native run differs from the reference, for this reason; matching it is an error (the
    /// declaration is stale), as with a declared failure that starts passing.
    Differs(String),
}

impl NativeDecl {
    pub fn why(&self) -> Option<&str> {
        match self {
            NativeDecl::Compare => None,
            NativeDecl::Skip(why) | NativeDecl::Differs(why) => Some(why),
        }
    }
}

impl<'de> Deserialize<'de> for NativeDecl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Table {
            skip: Option<String>,
            differs: Option<String>,
        }
        let t = Table::deserialize(d)?;
        let reason = |why: String, key: &str| {
            if why.trim().is_empty() {
                Err(serde::de::Error::custom(format!(
                    "[native] {key} needs a reason (a sentence), not an empty string"
                )))
            } else {
                Ok(why)
            }
        };
        match (t.skip, t.differs) {
            (Some(_), Some(_)) => Err(serde::de::Error::custom("[native] has both skip and differs: choose one")),
            (Some(why), None) => Ok(NativeDecl::Skip(reason(why, "skip")?)),
            (None, Some(why)) => Ok(NativeDecl::Differs(reason(why, "differs")?)),
            (None, None) => Ok(NativeDecl::Compare),
        }
    }
}

/// A declaration as results carry it (its serialized form, not case.toml's), for results read back
/// from JSON lines (`dylab report --from`).
pub(super) fn from_json<'de, D: Deserializer<'de>>(d: D) -> Result<NativeDecl, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "kebab-case", tag = "native", content = "why")]
    enum Wire {
        Compare,
        Skip(String),
        Differs(String),
    }
    Ok(match Wire::deserialize(d)? {
        Wire::Compare => NativeDecl::Compare,
        Wire::Skip(why) => NativeDecl::Skip(why),
        Wire::Differs(why) => NativeDecl::Differs(why),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NativeDecl, toml::de::Error> {
        #[derive(Deserialize)]
        struct M {
            #[serde(default)]
            native: NativeDecl,
        }
        toml::from_str::<M>(text).map(|m| m.native)
    }

    #[test]
    fn the_three_declarations() {
        assert_eq!(parse("").unwrap(), NativeDecl::Compare);
        assert_eq!(parse("[native]\nskip = \"wasi\"\n").unwrap(), NativeDecl::Skip("wasi".into()));
        assert_eq!(parse("[native]\ndiffers = \"glibc\"\n").unwrap(), NativeDecl::Differs("glibc".into()));
        let both = parse("[native]\nskip = \"a\"\ndiffers = \"b\"\n").unwrap_err().to_string();
        assert!(both.contains("both skip and differs"), "{both}");
        assert!(parse("[native]\nskip = \" \"\n").unwrap_err().to_string().contains("needs a reason"));
        assert!(parse("[native]\nrun = false\n").unwrap_err().to_string().contains("unknown field `run`"));
    }

    #[test]
    fn the_serialized_form_reads_back() {
        for decl in [NativeDecl::Compare, NativeDecl::Skip("wasi".into()), NativeDecl::Differs("glibc".into())] {
            let json = serde_json::to_value(&decl).unwrap();
            assert_eq!(from_json(json).unwrap(), decl);
        }
    }
}
