//! `[expect.X]` in case.toml: outcomes that differ from the reference, keyed by a pattern over the axes.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use anyhow::{bail, Result};
use dylink::{Libc, Linkage, Status, TrapKind};
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
    /// Text the cell's stdout must contain: the wrong output a `wrong-output` cell prints (required there).
    pub stdout: Option<String>,
    /// Text the cell's detail must contain: the message of a `host` trap, a `link-error`, a `limit` or
    /// an `unsupported` cell (required for those), or any other declared failure's detail.
    pub detail: Option<String>,
    /// Why: shown in reports.
    #[serde(default)]
    pub why: String,
}

impl Expected {
    pub const OK: Expected =
        Expected { status: Status::Ok, trap: None, stdout: None, detail: None, why: String::new() };

    pub fn outcome(&self) -> Outcome {
        Outcome::new(self.status, self.trap)
    }

    /// Whether a cell that ended so is what this declares: the status, the trap kind if one is named,
    /// and the declared texts found in its stdout and detail.
    pub fn accepts(&self, status: Status, trap: Option<TrapKind>, stdout: &str, detail: &str) -> bool {
        status == self.status
            && self.trap.is_none_or(|t| trap == Some(t))
            && self.stdout.as_deref().is_none_or(|s| stdout.contains(s))
            && self.detail.as_deref().is_none_or(|d| detail.contains(d))
    }

    /// What a declaration must name so that only the failure it means passes: an error message when
    /// nothing else would tell one failure of that status from another.
    fn check(&self) -> std::result::Result<(), String> {
        let needs_detail = matches!(self.status, Status::LinkError | Status::Limit | Status::Unsupported)
            || self.trap == Some(TrapKind::Host);
        if self.trap.is_some() && !matches!(self.status, Status::Trap | Status::Timeout) {
            return Err(format!("a trap kind needs status \"trap\" (or \"timeout\"), not {:?}", self.status.name()));
        }
        if self.status == Status::Trap && self.trap.is_none() {
            return Err("status \"trap\" needs its trap kind (trap = \"...\")".into());
        }
        if self.status == Status::WrongOutput && self.stdout.is_none() {
            return Err("status \"wrong-output\" needs stdout = \"...\", text of the wrong output".into());
        }
        if needs_detail && self.detail.is_none() {
            return Err(format!("{} needs detail = \"...\", text of its message", self.outcome()));
        }
        if self.status == Status::Ok && (self.stdout.is_some() || self.detail.is_some()) {
            return Err("status \"ok\" means the reference output: no stdout or detail".into());
        }
        if [&self.stdout, &self.detail].into_iter().flatten().any(|t| t.is_empty()) {
            return Err("an empty stdout or detail text would match anything".into());
        }
        Ok(())
    }
}

/// Cells an `[expect]` entry applies to: some of engine, libc placement and strategy, written
/// `wasmi/direct` (any order, each axis at most once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellPattern {
    pub engine: Option<EngineKind>,
    pub libc: Option<Libc>,
    pub linkage: Option<Linkage>,
}

impl CellPattern {
    /// An engine named matches itself and the engines `like` it (its family).
    pub fn matches(&self, cell: &Cell) -> bool {
        self.engine.is_none_or(|e| e == cell.engine || e == cell.engine.family())
            && self.libc.is_none_or(|l| l == cell.libc)
            && self.linkage.is_none_or(|s| s == cell.linkage)
    }

    /// How many axes it names: the more, the more specific.
    pub fn specificity(&self) -> usize {
        usize::from(self.engine.is_some()) + usize::from(self.libc.is_some()) + usize::from(self.linkage.is_some())
    }

    /// Its rank for `cell` among matching entries: more axes first, then the cell's own engine
    /// before its family's.
    fn rank(&self, cell: &Cell) -> (usize, bool) {
        (self.specificity(), self.engine == Some(cell.engine))
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
            } else if let Ok(s) = part.parse::<Linkage>() {
                if p.linkage.replace(s).is_some() {
                    return Err(twice());
                }
            } else {
                bail!(
                    "[expect.{key:?}]: {part:?} is not an engine ({}), libc placement ({}) or strategy ({})",
                    names(EngineKind::ALL),
                    names(Libc::ALL),
                    names(Linkage::all())
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
            if entry.0.matches(cell) && best.is_none_or(|b| entry.0.rank(cell) > b.0.rank(cell)) {
                best = Some(entry);
            }
        }
        best.map(|(_, e)| e.clone()).unwrap_or(Expected::OK)
    }
}

impl<'de> Deserialize<'de> for Expectations {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, Expected>::deserialize(d)?;
        let mut out = Vec::new();
        for (key, e) in map {
            let pattern = key.parse::<CellPattern>().map_err(|err| serde::de::Error::custom(format!("{err:#}")))?;
            if let Err(why) = e.check() {
                return Err(serde::de::Error::custom(format!("[expect.{key:?}]: {why}")));
            }
            out.push((pattern, e));
        }
        Ok(Expectations(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dylink::Strategy;

    #[test]
    fn an_engine_named_covers_the_engines_like_it_and_its_own_entry_wins() {
        // A family of the registry with two engines like its head; the engines of other families.
        let like = |head: EngineKind| EngineKind::ALL.into_iter().filter(move |&e| e != head && e.family() == head);
        let head = EngineKind::ALL.into_iter().find(|&h| like(h).count() >= 2).expect("a family of three engines");
        let [own, covered] = [0, 1].map(|i| like(head).nth(i).unwrap());
        let e: Expectations = toml::from_str(&format!(
            "[expect.{head}]\nstatus = \"trap\"\ntrap = \"bad-signature\"\n\
             [expect.{own}]\nstatus = \"trap\"\ntrap = \"unreachable\"\n",
        ))
        .map(|t: BTreeMap<String, Expectations>| t["expect"].clone())
        .unwrap();
        let trap = |engine| e.for_cell(&cell(engine, Libc::LibcModule, Strategy::Direct)).trap;
        assert_eq!(trap(head), Some(TrapKind::BadSignature));
        assert_eq!(trap(covered), Some(TrapKind::BadSignature));
        assert_eq!(trap(own), Some(TrapKind::Unreachable));
        for other in EngineKind::ALL.into_iter().filter(|e| e.family() != head) {
            assert_eq!(trap(other), None, "{other}");
        }
    }

    fn cell(engine: EngineKind, libc: Libc, strategy: Strategy) -> Cell {
        Cell { engine, libc, linkage: strategy.into(), case: "c".into() }
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
            "[expect.direct]\nstatus = \"wrong-call\"\n[expect.\"libc-host/direct\"]\nstatus = \"trap\"\ntrap = \"host\"\ndetail = \"abort\"\n",
        )
        .unwrap();
        let host = e.for_cell(&cell(EngineKind::reference(), Libc::LibcHost, Strategy::Direct));
        assert_eq!((host.status, host.trap), (Status::Trap, Some(TrapKind::Host)));
        let module = e.for_cell(&cell(EngineKind::reference(), Libc::LibcModule, Strategy::Direct));
        assert_eq!(module.status, Status::WrongCall);
        let other = e.for_cell(&cell(EngineKind::reference(), Libc::LibcModule, Strategy::SharedTable));
        assert_eq!(other, Expected::OK);
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

    #[test]
    fn failures_that_say_nothing_of_themselves_are_errors() {
        let err = |t: &str| table(t).unwrap_err().to_string();
        assert!(err("[expect.direct]\nstatus = \"wrong-output\"\n").contains("needs stdout"));
        assert!(err("[expect.direct]\nstatus = \"trap\"\ntrap = \"host\"\n").contains("needs detail"));
        assert!(err("[expect.direct]\nstatus = \"link-error\"\n").contains("needs detail"));
        assert!(err("[expect.direct]\nstatus = \"trap\"\n").contains("needs its trap kind"));
        assert!(err("[expect.direct]\nstatus = \"wrong-output\"\nstdout = \"\"\n").contains("match anything"));
        assert!(err("[expect.direct]\nstatus = \"ok\"\nstdout = \"x\"\n").contains("reference output"));
    }

    #[test]
    fn declared_texts_must_appear() {
        let e = table("[expect.direct]\nstatus = \"wrong-output\"\nstdout = \"answer = -1\"\n").unwrap();
        let e = e.for_cell(&cell(EngineKind::reference(), Libc::LibcModule, Strategy::Direct));
        assert!(e.accepts(Status::WrongOutput, None, "x\nanswer = -1\n", "line 2"));
        assert!(!e.accepts(Status::WrongOutput, None, "x\nanswer = -2\n", "line 2"));
        let e = table("[expect.direct]\nstatus = \"trap\"\ntrap = \"host\"\ndetail = \"not found\"\n").unwrap();
        let e = e.for_cell(&cell(EngineKind::ALL[EngineKind::ALL.len() - 1], Libc::LibcHost, Strategy::Direct));
        assert!(e.accepts(Status::Trap, Some(TrapKind::Host), "", "symbol `f` not found"));
        assert!(!e.accepts(Status::Trap, Some(TrapKind::Host), "", "abort"));
        assert!(!e.accepts(Status::Trap, Some(TrapKind::Unreachable), "", "not found"));
    }
}
