//! A cell's third axis: how its modules are linked. The static placement links nothing (program and
//! libc are one module), every other placement links by a [`Strategy`]; so [`Strategy`] lists only
//! real strategies and nothing filters the static case out of it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::strategy::{Policy, Strategy};

/// How a process's modules are linked. Named like a strategy in cell names, flags and JSON, the
/// static case as `none` (`wasmtime/static/none/args-env`); it orders first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Linkage {
    /// One module, linked when it was built: no strategy applies.
    Static,
    /// Modules linked at run time by a strategy.
    Linked(Strategy),
}

impl Linkage {
    /// The static case's name.
    pub const STATIC_NAME: &'static str = "none";

    pub fn name(self) -> &'static str {
        match self {
            Linkage::Static => Self::STATIC_NAME,
            Linkage::Linked(s) => s.name(),
        }
    }

    /// Every linkage: the static one, then every strategy.
    pub fn all() -> impl Iterator<Item = Linkage> {
        use strum::IntoEnumIterator;
        std::iter::once(Linkage::Static).chain(Strategy::iter().map(Linkage::Linked))
    }

    /// The strategy, where modules are linked.
    pub fn strategy(self) -> Option<Strategy> {
        match self {
            Linkage::Static => None,
            Linkage::Linked(s) => Some(s),
        }
    }

    /// The linker's policy row. A static process holds one module: nothing is linked, the answers
    /// are never asked, and it gets `direct`'s.
    pub fn policy(self) -> Policy {
        self.strategy().unwrap_or(Strategy::Direct).policy()
    }
}

impl From<Strategy> for Linkage {
    fn from(s: Strategy) -> Linkage {
        Linkage::Linked(s)
    }
}

impl fmt::Display for Linkage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Linkage {
    type Err = strum::ParseError;
    fn from_str(s: &str) -> Result<Linkage, Self::Err> {
        if s == Self::STATIC_NAME {
            Ok(Linkage::Static)
        } else {
            s.parse().map(Linkage::Linked)
        }
    }
}

impl Serialize for Linkage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Linkage {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Linkage, D::Error> {
        let name = String::deserialize(d)?;
        name.parse().map_err(|_| serde::de::Error::custom(format!("{name:?} is not a linkage")))
    }
}

#[cfg(feature = "clap")]
impl clap::ValueEnum for Linkage {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: std::sync::LazyLock<Vec<Linkage>> = std::sync::LazyLock::new(|| Linkage::all().collect());
        &ALL
    }
    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every linkage reads back from its name (text and JSON), names are distinct, and the static
    /// one orders first (the grids' first column).
    #[test]
    fn names_round_trip_and_static_orders_first() {
        let all: Vec<Linkage> = Linkage::all().collect();
        let names: std::collections::BTreeSet<&str> = all.iter().map(|l| l.name()).collect();
        assert_eq!(names.len(), all.len());
        for l in &all {
            assert_eq!(l.to_string().parse::<Linkage>().unwrap(), *l);
            let json = serde_json::to_string(l).unwrap();
            assert_eq!(json, format!("\"{l}\""));
            assert_eq!(serde_json::from_str::<Linkage>(&json).unwrap(), *l);
        }
        assert_eq!(Linkage::Static.to_string(), "none");
        assert!("None".parse::<Linkage>().is_err());
        assert_eq!(all.iter().min(), Some(&Linkage::Static));
    }
}
