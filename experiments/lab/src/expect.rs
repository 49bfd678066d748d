//! `[expect.X]` in case.toml: outcomes that differ from the reference, keyed by a pattern over the axes.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Result};
use dylink::{Libc, Status, Strategy, TrapKind};
use serde::{Deserialize, Deserializer};

use crate::cell::{Cell, EngineKind};
use crate::outcome::Outcome;

/// What a cell must produce to count as expected.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    pub status: Status,
    /// For `status = "trap"`: the trap kind (`table-out-of-bounds`, ...).
    pub trap: Option<TrapKind>,
    /// Why: shown in reports.
    #[serde(default)]
    pub why: String,
}

impl Expected {
    pub const OK: Expected = Expected { status: Status::Ok, trap: None, why: String::new() };

    pub fn outcome(&self) -> Outcome {
        Outcome::new(self.status, self.trap)
    }
}

/// Cells an `[expect]` entry applies to: some of engine, libc placement and strategy, written
/// `wasmi/direct` (any order, each axis at most once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellPattern {
    pub engine: Option<EngineKind>,
    pub libc: Option<Libc>,
    pub strategy: Option<Strategy>,
}

impl CellPattern {
    pub fn matches(&self, cell: &Cell) -> bool {
        self.engine.is_none_or(|e| e == cell.engine)
            && self.libc.is_none_or(|l| l == cell.libc)
            && self.strategy.is_none_or(|s| s == cell.strategy)
    }

    /// How many axes it names: the more, the more specific.
    pub fn specificity(&self) -> usize {
        usize::from(self.engine.is_some()) + usize::from(self.libc.is_some()) + usize::from(self.strategy.is_some())
    }
}

impl FromStr for CellPattern {
    type Err = anyhow::Error;
    fn from_str(key: &str) -> Result<CellPattern> {
        let mut p = CellPattern::default();
        for part in key.split('/') {
            let twice = || anyhow::anyhow!("[expect.{key:?}] names two values of one axis");
            if let Ok(e) = part.parse::<EngineKind>() {
                if p.engine.replace(e).is_some() {
                    return Err(twice());
                }
            } else if let Ok(l) = part.parse::<Libc>() {
                if p.libc.replace(l).is_some() {
                    return Err(twice());
                }
            } else if let Ok(s) = part.parse::<Strategy>() {
                if p.strategy.replace(s).is_some() {
                    return Err(twice());
                }
            } else {
                bail!(
                    "[expect.{key:?}]: {part:?} is not an engine ({}), libc placement ({}) or strategy ({})",
                    names(EngineKind::ALL),
                    names(Libc::ALL),
                    names(Strategy::LINKING.into_iter().chain([Strategy::None]))
                );
            }
        }
        Ok(p)
    }
}

fn names<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

/// The `[expect]` table, in key order (which breaks ties between equally specific patterns).
#[derive(Clone, Debug, Default)]
pub struct Expectations(pub Vec<(CellPattern, Expected)>);

impl Expectations {
    /// The most specific matching entry (the first in key order among equals), else `ok`.
    pub fn for_cell(&self, cell: &Cell) -> Expected {
        let mut best: Option<&(CellPattern, Expected)> = None;
        for entry in &self.0 {
            if entry.0.matches(cell) && best.is_none_or(|b| entry.0.specificity() > b.0.specificity()) {
                best = Some(entry);
            }
        }
        best.map(|(_, e)| e.clone()).unwrap_or(Expected::OK)
    }

    /// Whether some entry names an engine: then the engines may legitimately disagree.
    pub fn engine_specific(&self) -> bool {
        self.0.iter().any(|(p, _)| p.engine.is_some())
    }
}

impl<'de> Deserialize<'de> for Expectations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Expected>::deserialize(d)?;
        let mut out = Vec::new();
        for (key, e) in map {
            let pattern = key.parse::<CellPattern>().map_err(|err| serde::de::Error::custom(format!("{err:#}")))?;
            if e.trap.is_some() && !matches!(e.status, Status::Trap | Status::Timeout) {
                return Err(serde::de::Error::custom(format!(
                    "[expect.{key:?}]: a trap kind needs status \"trap\" (or \"timeout\"), not {:?}",
                    e.status.name()
                )));
            }
            out.push((pattern, e));
        }
        Ok(Expectations(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(engine: EngineKind, libc: Libc, strategy: Strategy) -> Cell {
        Cell { engine, libc, strategy, case: "c".into() }
    }

    fn table(toml_text: &str) -> Result<Expectations, toml::de::Error> {
        #[derive(Deserialize)]
        struct M {
            expect: Expectations,
        }
        toml::from_str::<M>(toml_text).map(|m| m.expect)
    }

    #[test]
    fn most_specific_wins() {
        let e = table(
            "[expect.direct]\nstatus = \"wrong-call\"\n[expect.\"libc-host/direct\"]\nstatus = \"trap\"\ntrap = \"host\"\n",
        )
        .unwrap();
        let host = e.for_cell(&cell(EngineKind::Wasmi, Libc::LibcHost, Strategy::Direct));
        assert_eq!((host.status, host.trap), (Status::Trap, Some(TrapKind::Host)));
        let module = e.for_cell(&cell(EngineKind::Wasmi, Libc::LibcModule, Strategy::Direct));
        assert_eq!(module.status, Status::WrongCall);
        let other = e.for_cell(&cell(EngineKind::Wasmi, Libc::LibcModule, Strategy::SharedTable));
        assert_eq!(other, Expected::OK);
        assert!(!e.engine_specific());
        assert!(table("[expect.\"wasmi/direct\"]\nstatus = \"ok\"\n").unwrap().engine_specific());
    }

    #[test]
    fn unknown_key_parts_and_values_are_errors() {
        let err = table("[expect.\"libc-host/drect\"]\nstatus = \"ok\"\n").unwrap_err().to_string();
        assert!(err.contains("\"drect\" is not an engine"), "{err}");
        let err = table("[expect.\"direct/trampoline\"]\nstatus = \"ok\"\n").unwrap_err().to_string();
        assert!(err.contains("two values of one axis"), "{err}");
        assert!(table("[expect.direct]\nstatus = \"fine\"\n").is_err());
        assert!(table("[expect.direct]\nstatus = \"trap\"\ntrap = \"oob\"\n").is_err());
        assert!(table("[expect.direct]\nstatus = \"ok\"\ntrap = \"host\"\n").is_err());
    }
}
