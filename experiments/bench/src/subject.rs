//! What a timed row measured besides its engine: a call of a kernel under a variant, the empty loop,
//! or a libc operation under a placement. Typed inside the lab; in calls.json and samples.csv it is
//! the two text columns `variant` and `kernel` it always had (a libc call: placement and operation;
//! the empty loop: `empty-loop` and `none`).

use std::fmt;

use dylink::Libc;
use serde::{Deserialize, Serialize};
use strum::{EnumIter, EnumString, IntoStaticStr};

use crate::calls::{Kernel, Variant};

/// A libc operation timed by placement (corpus/bench/libcalls.c exports `run_{op}`).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    EnumIter,
    EnumString,
    IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum LibcOp {
    /// `strlen` of 16 bytes.
    Strlen,
    /// `memcpy` of 4 KiB.
    Memcpy,
}

impl LibcOp {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// The subject of a timed row or sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "Columns", try_from = "Columns")]
pub enum Subject {
    /// A loop of calls of `kernel` reached as `variant` says.
    Call(Variant, Kernel),
    /// The caller's loop without a call (subtracted for `net_ns`).
    EmptyLoop,
    /// A loop of libc calls, libc placed as `Libc` says.
    LibcCall(Libc, LibcOp),
}

/// The two text columns of the published files.
#[derive(Serialize, Deserialize)]
pub struct Columns {
    pub variant: String,
    pub kernel: String,
}

const EMPTY_LOOP: (&str, &str) = ("empty-loop", "none");

impl Subject {
    /// The `variant` and `kernel` columns.
    pub fn columns(self) -> (&'static str, &'static str) {
        match self {
            Subject::Call(v, k) => (v.name(), k.name()),
            Subject::EmptyLoop => EMPTY_LOOP,
            Subject::LibcCall(libc, op) => (libc.name(), op.name()),
        }
    }

    /// The subject the two columns name, if any.
    pub fn from_columns(variant: &str, kernel: &str) -> Option<Subject> {
        if (variant, kernel) == EMPTY_LOOP {
            return Some(Subject::EmptyLoop);
        }
        if let (Ok(v), Ok(k)) = (variant.parse(), kernel.parse()) {
            return Some(Subject::Call(v, k));
        }
        Some(Subject::LibcCall(variant.parse().ok()?, kernel.parse().ok()?))
    }

    /// Whether the timed loop leaves wasm for host code: a variant that does, or the host libc.
    pub fn leaves_wasm(self) -> bool {
        match self {
            Subject::Call(v, _) => v.leaves_wasm(),
            Subject::LibcCall(libc, _) => libc == Libc::LibcHost,
            Subject::EmptyLoop => false,
        }
    }

    /// The call's variant and kernel, for a call.
    pub fn call(self) -> Option<(Variant, Kernel)> {
        match self {
            Subject::Call(v, k) => Some((v, k)),
            _ => None,
        }
    }
}

impl fmt::Display for Subject {
    /// `variant/kernel`, as in cell names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (v, k) = self.columns();
        write!(f, "{v}/{k}")
    }
}

impl From<Subject> for Columns {
    fn from(s: Subject) -> Columns {
        let (variant, kernel) = s.columns();
        Columns { variant: variant.into(), kernel: kernel.into() }
    }
}

impl TryFrom<Columns> for Subject {
    type Error = String;
    fn try_from(c: Columns) -> Result<Subject, String> {
        Subject::from_columns(&c.variant, &c.kernel)
            .ok_or_else(|| format!("no bench row measures variant {:?} of kernel {:?}", c.variant, c.kernel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::IntoEnumIterator;

    #[test]
    fn every_subject_round_trips_through_its_columns() {
        let mut all = vec![Subject::EmptyLoop];
        for v in Variant::iter() {
            all.extend(Kernel::iter().map(|k| Subject::Call(v, k)));
        }
        for libc in Libc::iter() {
            all.extend(LibcOp::iter().map(|op| Subject::LibcCall(libc, op)));
        }
        for s in all {
            let (v, k) = s.columns();
            assert_eq!(Subject::from_columns(v, k), Some(s), "{v}/{k}");
        }
        assert_eq!(Subject::from_columns("cross-direct", "k1"), None);
        assert_eq!(Subject::from_columns("static", "k1"), None);
    }
}
