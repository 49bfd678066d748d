//! Selecting the cells a finding's query names, and judging them against the case's correct outcome.

use std::collections::{BTreeMap, BTreeSet};

use dylink::{Libc, Linkage, Status};

use super::schema::{pattern_matches, Finding, FindingsFile, Query};
use crate::cell::EngineKind;
use crate::outcome::Style;
use crate::run::CellResult;

/// The behaviour number of a case named `bNN-...`.
pub fn behaviour(case: &str) -> Option<u32> {
    let rest = case.strip_prefix('b')?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || !rest[digits.len()..].starts_with('-') {
        return None;
    }
    digits.parse().ok()
}

fn allowed<T: PartialEq>(list: &[T], value: &T) -> bool {
    list.is_empty() || list.contains(value)
}

pub use crate::columns::strategy_rank;

/// A libc/strategy/case combination, which has one cell per engine.
pub type PairKey = (Libc, Linkage, String);

pub struct Ctx<'a> {
    pub file: &'a FindingsFile,
    pub results: &'a [CellResult],
    /// The engines of the run, in `EngineKind` order.
    pub engines: Vec<EngineKind>,
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a FindingsFile, results: &'a [CellResult]) -> Ctx<'a> {
        let engines = results.iter().map(|r| r.engine).collect::<BTreeSet<_>>().into_iter().collect();
        Ctx { file, results, engines }
    }

    pub fn engine_names(&self) -> Vec<String> {
        self.engines.iter().map(|e| e.to_string()).collect()
    }

    /// Whether the cell ends as its case should (`ok`, or its `[correct_outcomes]` entry).
    pub fn correct(&self, r: &CellResult) -> bool {
        match self.file.correct_outcomes.get(&r.case) {
            Some(c) => r.outcome().same(*c, Style::Short),
            None => r.status == Status::Ok,
        }
    }

    fn selects(&self, q: &Query, r: &CellResult) -> bool {
        allowed(&q.engines, &r.engine)
            && (q.libcs.is_empty() || q.libcs.iter().any(|l| l == r.libc.name()))
            && allowed(&q.strategies, &r.linkage)
            && (q.cases.is_empty() || q.cases.iter().any(|p| pattern_matches(p, &r.case)))
    }

    fn wanted(&self, q: &Query, r: &CellResult) -> bool {
        allowed(&q.status, &r.status)
            && (q.traps.is_empty() || r.trap.is_some_and(|t| q.traps.contains(&t)))
            && q.correct.is_none_or(|c| self.correct(r) == c)
    }

    /// (cells that match, cells that contradict an `all` query)
    pub fn eval(&self, q: &Query) -> (Vec<&'a CellResult>, Vec<&'a CellResult>) {
        let selected: Vec<&CellResult> = self.results.iter().filter(|r| self.selects(q, r)).collect();
        let (matched, others): (Vec<&CellResult>, Vec<&CellResult>) =
            selected.into_iter().partition(|r| self.wanted(q, r));
        // An `unsupported` cell (the placement cannot run the case at all, e.g. outside the libc-host
        // subset) says nothing about a strategy, so it does not contradict a claim.
        let contradicting = others.into_iter().filter(|r| r.status != Status::Unsupported).collect();
        (matched, if q.all { contradicting } else { Vec::new() })
    }

    /// Whether every query of a finding selects a cell and none is contradicted.
    pub fn holds(&self, f: &Finding) -> bool {
        f.cells.as_ref().map(|q| q.list()).unwrap_or_default().into_iter().all(|q| {
            let (matched, contra) = self.eval(q);
            !matched.is_empty() && contra.is_empty()
        })
    }

    /// libc/strategy/case -> the cells of every engine, in engine order.
    pub fn pairs(&self) -> BTreeMap<PairKey, Vec<&'a CellResult>> {
        let mut map: BTreeMap<PairKey, Vec<&CellResult>> = BTreeMap::new();
        for r in self.results {
            map.entry((r.libc, r.linkage, r.case.clone())).or_default().push(r);
        }
        for v in map.values_mut() {
            v.sort_by_key(|r| r.engine);
        }
        map
    }

    /// The combinations whose engines do not all agree.
    pub fn disagreements(&self) -> BTreeSet<PairKey> {
        self.pairs()
            .into_iter()
            .filter(|(_, v)| v.windows(2).any(|w| !w[0].agrees_with(w[1])))
            .map(|(k, _)| k)
            .collect()
    }
}
