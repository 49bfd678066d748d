//! The interface a case declares for functions that cross from one memory to another under the
//! `isolated` strategy (`[interface.NAME] params = [...]` in case.toml): for each parameter, what
//! the i32 the caller passes means, so that the host adapter ([`crate::adapter`]) can copy what it
//! points to into the callee's memory and back. Results are scalars (a returned pointer would mean
//! the callee's memory, so the adapter passes it on as a number, undeclared).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// One parameter of a declared function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Param {
    /// A number (or a pointer the callee must not follow): passed as it is.
    Scalar,
    /// `const char *`, NUL-terminated: copied into the callee's memory.
    Str,
    /// A buffer the callee reads: `len` is the index of the parameter holding its size in bytes.
    In { len: usize },
    /// A buffer the callee writes: zeroed in the callee's memory, copied back after the call.
    Out { len: usize },
    /// A buffer the callee reads and writes: copied in and back.
    InOut { len: usize },
    /// A pointer to a struct of `size` bytes: copied in and back (the callee may write it).
    Struct { size: u32 },
    /// A function pointer (an index into the caller's table): the callee gets a pointer into its own
    /// table to a host-made proxy that calls the caller's function in the caller's memory. The
    /// callback's own arguments cross as scalars (a pointer among them means the callee's memory).
    Callback,
}

impl Param {
    /// The parameter holding this one's length, if it has one.
    pub fn len_param(self) -> Option<usize> {
        match self {
            Param::In { len } | Param::Out { len } | Param::InOut { len } => Some(len),
            _ => None,
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Scalar => write!(f, "scalar"),
            Param::Str => write!(f, "str"),
            Param::In { len } => write!(f, "in(len={len})"),
            Param::Out { len } => write!(f, "out(len={len})"),
            Param::InOut { len } => write!(f, "inout(len={len})"),
            Param::Struct { size } => write!(f, "struct(size={size})"),
            Param::Callback => write!(f, "callback"),
        }
    }
}

const KINDS: &str = "scalar, str, in(len=I), out(len=I), inout(len=I), struct(size=N), callback";

impl FromStr for Param {
    type Err = String;
    /// `scalar`, `str`, `callback`, `in(len=2)`, `out(len=2)`, `inout(len=2)`, `struct(size=16)`;
    /// `len` is the 0-based index of the parameter holding the buffer's size.
    fn from_str(s: &str) -> Result<Param, String> {
        let s = s.trim();
        match s {
            "scalar" => return Ok(Param::Scalar),
            "str" => return Ok(Param::Str),
            "callback" => return Ok(Param::Callback),
            _ => {}
        }
        let bad = || format!("{s:?} is not a parameter kind ({KINDS})");
        let (kind, rest) = s.split_once('(').ok_or_else(bad)?;
        let (key, value) = rest.strip_suffix(')').and_then(|r| r.split_once('=')).ok_or_else(bad)?;
        let n: u32 = value.trim().parse().map_err(|_| format!("{s:?}: {:?} is not a number", value.trim()))?;
        match (kind.trim(), key.trim()) {
            ("in", "len") => Ok(Param::In { len: n as usize }),
            ("out", "len") => Ok(Param::Out { len: n as usize }),
            ("inout", "len") => Ok(Param::InOut { len: n as usize }),
            ("struct", "size") => Ok(Param::Struct { size: n }),
            _ => Err(bad()),
        }
    }
}

/// A declared function: its parameters, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FnInterface {
    pub params: Vec<Param>,
}

impl FnInterface {
    /// Parses and checks a declaration: every `len` names a scalar parameter of the same function.
    pub fn parse(params: &[String]) -> Result<FnInterface, String> {
        let params = params.iter().map(|p| p.parse()).collect::<Result<Vec<Param>, String>>()?;
        for (i, p) in params.iter().enumerate() {
            if let Some(len) = p.len_param() {
                match params.get(len) {
                    Some(Param::Scalar) => {}
                    Some(other) => {
                        return Err(format!("parameter {i} ({p}): parameter {len} is {other}, not a scalar"))
                    }
                    None => return Err(format!("parameter {i} ({p}): there is no parameter {len}")),
                }
            }
        }
        Ok(FnInterface { params })
    }
}

/// Every function a case declares, by symbol name.
pub type Interfaces = BTreeMap<String, FnInterface>;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &[&str]) -> Result<FnInterface, String> {
        FnInterface::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn kinds_parse_and_print_back() {
        for s in ["scalar", "str", "in(len=1)", "out(len=0)", "inout(len=3)", "struct(size=24)", "callback"] {
            assert_eq!(s.parse::<Param>().unwrap().to_string(), s);
        }
        assert_eq!("out( len = 2 )".parse::<Param>(), Ok(Param::Out { len: 2 }));
    }

    #[test]
    fn bad_declarations_say_why() {
        assert!("pointer".parse::<Param>().unwrap_err().contains("not a parameter kind"));
        assert!("in(len=x)".parse::<Param>().unwrap_err().contains("not a number"));
        assert!("in(size=2)".parse::<Param>().unwrap_err().contains("not a parameter kind"));
        assert!(parse(&["out(len=1)", "str"]).unwrap_err().contains("parameter 1 is str, not a scalar"));
        assert!(parse(&["out(len=5)"]).unwrap_err().contains("there is no parameter 5"));
        assert_eq!(parse(&["str", "out(len=2)", "scalar"]).unwrap().params.len(), 3);
    }
}
