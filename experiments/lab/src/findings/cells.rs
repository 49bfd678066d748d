//! The cell lists of findings.md: cell names collapsed with `{a,b}` (as in a shell), each with its
//! outcome and the run's detail.

use std::collections::BTreeMap;

use dylink::{Libc, Linkage, Status};

use super::query::{strategy_rank, PairKey};
use crate::cell::EngineKind;
use crate::markdown::{escape, Span};
use crate::outcome::Style;
use crate::run::CellResult;

/// The outcome with the run's detail, for the cell lists of findings.
pub fn evidence(r: &CellResult) -> String {
    let d = r.detail.trim();
    if d.is_empty() || r.status == Status::Ok {
        return r.outcome().render(Style::Short);
    }
    let line = match (r.status, r.trap) {
        (Status::Trap, Some(t)) if d.starts_with(t.name()) => format!("trap: {d}"),
        (Status::Trap, _) => format!("{}: {d}", r.outcome().render(Style::Short)),
        // `stdout line N: expected "...", got "..."`: what the cell printed is the news.
        (Status::WrongOutput, _) if d.contains(": expected \"") && d.contains("\", got \"") => {
            let (line, rest) = d.split_once(": expected \"").unwrap();
            let got = &rest[rest.find("\", got \"").unwrap() + 3..];
            format!("wrong-output: {line}: {got}")
        }
        (s, _) if d.starts_with(s.name()) => d.to_string(),
        (s, _) => format!("{}: {d}", s.name()),
    };
    escape(&line, 180, Span::Text)
}

/// `a` or `{a,b}`, as in a shell.
fn brace<T: ToString>(items: &[T]) -> String {
    let names: Vec<String> = items.iter().map(|i| i.to_string()).collect();
    match names.as_slice() {
        [one] => one.clone(),
        _ => format!("{{{}}}", names.join(",")),
    }
}

/// One line of a cell list: the cells of these engines × strategies × cases under one placement.
struct Row {
    engines: Vec<EngineKind>,
    libc: Libc,
    strategies: Vec<Linkage>,
    cases: Vec<String>,
    outcome: String,
    evidence: String,
}

impl Row {
    fn sort_key(&self) -> (Libc, String, Vec<usize>, EngineKind) {
        let st: Vec<usize> = self.strategies.iter().map(|&s| strategy_rank(s)).collect();
        (self.libc, self.cases[0].clone(), st, self.engines[0])
    }

    /// `{engines}/libc/{strategies}/{cases}: evidence`, with the count of cells when folded.
    fn line(self, fold: bool) -> String {
        let n = self.engines.len() * self.strategies.len() * self.cases.len();
        let count = if fold { format!(" ({n} cells)") } else { String::new() };
        format!(
            "`{}/{}/{}/{}`: {}{count}",
            brace(&self.engines),
            self.libc,
            brace(&self.strategies),
            brace(&self.cases),
            self.evidence
        )
    }
}

/// Cell names, collapsing engines that agree (`{wasmtime,wasmi}/...`) and then strategies with the
/// same outcome and detail (`.../{trampoline,direct}/case`); long lists are folded further into one
/// line per outcome with the cases in braces.
pub fn cell_list(cells: &[&CellResult]) -> Vec<String> {
    let mut rows = rows(cells);
    for x in rows.iter_mut() {
        x.strategies.sort_by_key(|&s| strategy_rank(s));
    }
    rows.sort_by_key(Row::sort_key);
    let fold = rows.len() > 12;
    if fold {
        rows = fold_cases(rows);
    }
    rows.into_iter().map(|x| x.line(fold)).collect()
}

/// One row per libc/strategy/case (all its engines when they agree, else one per engine), rows that
/// differ only in the strategy merged.
fn rows(cells: &[&CellResult]) -> Vec<Row> {
    // libc/strategy/case -> its cells on every engine
    let mut by_cell: BTreeMap<PairKey, Vec<&CellResult>> = BTreeMap::new();
    for r in cells {
        by_cell.entry((r.libc, r.linkage, r.case.clone())).or_default().push(r);
    }
    let mut rows: Vec<Row> = Vec::new();
    for (_, mut rs) in by_cell {
        rs.sort_by_key(|r| r.engine);
        let same = rs.windows(2).all(|w| w[0].agrees_with(w[1]) && w[0].detail == w[1].detail);
        let split: Vec<Vec<&CellResult>> = if same { vec![rs] } else { rs.into_iter().map(|r| vec![r]).collect() };
        for group in split {
            add(&mut rows, &group);
        }
    }
    rows
}

/// Adds the cells of one libc/strategy/case on `group`'s engines: to a row that differs only in
/// the strategy, else as a row of its own.
fn add(rows: &mut Vec<Row>, group: &[&CellResult]) {
    let r = group[0];
    let engines: Vec<EngineKind> = group.iter().map(|r| r.engine).collect();
    match rows
        .iter_mut()
        .find(|x| x.engines == engines && x.libc == r.libc && x.cases[0] == r.case && x.evidence == evidence(r))
    {
        Some(x) => x.strategies.push(r.linkage),
        None => rows.push(Row {
            engines,
            libc: r.libc,
            strategies: vec![r.linkage],
            cases: vec![r.case.clone()],
            outcome: r.outcome().render(Style::Short),
            evidence: evidence(r),
        }),
    }
}

/// One row per engines/libc/strategies/outcome, the cases in braces; the outcome replaces the detail.
fn fold_cases(rows: Vec<Row>) -> Vec<Row> {
    let mut folded: Vec<Row> = Vec::new();
    for x in rows {
        match folded.iter_mut().find(|f| {
            f.engines == x.engines && f.libc == x.libc && f.strategies == x.strategies && f.outcome == x.outcome
        }) {
            Some(f) => f.cases.push(x.cases[0].clone()),
            None => folded.push(Row { evidence: x.outcome.clone(), ..x }),
        }
    }
    folded
}
