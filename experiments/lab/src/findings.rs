//! `reports/findings.md`: what the matrix means for the design of WebAssembly linking.
//!
//! The findings are data (`corpus/findings.toml`); this module only checks them against the corpus and
//! renders them with the cells of the current run:
//!
//! 1. a support table: one row per case (grouped by behaviour), one column per placement/strategy found
//!    in the results, one table for all engines when they agree cell for cell, else one per engine with
//!    the disagreeing cells flagged;
//! 2. one section per `[[finding]]` without `question`: its text and the cells its `cells` query selects,
//!    or "not observed in this run" when the query selects nothing (so a fixed strategy shows up instead
//!    of leaving stale text);
//! 3. one section per `[[finding]]` with `question` (the seed's open questions): the answer and its cells,
//!    "not yet answered" when the entry names no evidence at all.
//!
//! ## `corpus/findings.toml`
//!
//! ```toml
//! # Cases whose correct outcome is not `ok` (the outcome string as in the support table).
//! [correct_outcomes]
//! "b30-lazy-unresolved-call" = "trap: host"
//!
//! # Row groups of the support table, in order: by behaviour number range (cases named `bNN-...`)
//! # and/or by case patterns. A case in no group lands in "Other cases".
//! [[group]]
//! title = "Loading, handles, errors"
//! behaviours = [1, 7]
//!
//! [[finding]]
//! id = "private-tables-silent-wrong-call"      # unique, kebab-case
//! title = "..."
//! text = "..."                                  # 2-5 sentences of Markdown
//! question = "..."                              # only for the seed's open questions: the seed's words
//! see = "calls.md, loader costs"                # optional: evidence outside the matrix (a report file)
//! see_findings = ["other-id"]                   # optional: related findings
//! # One query, or a list of them; every query must select at least one cell for the finding to count
//! # as observed. All fields are optional lists of allowed values; an empty or absent list allows all.
//! cells = { label = "...", engines = [], libcs = [], strategies = [], cases = [], status = [], traps = [],
//!           correct = true, all = false }
//! ```
//!
//! Query fields: `cases` entries are exact case names, or a prefix followed by `*` (`"b3*"`); every
//! entry must match at least one case of the corpus. Engines, strategies, statuses and trap kinds must be
//! known names; placements (`libcs`) are not checked, so a finding may name one that is being added.
//! `status` is an outcome status (`ok`, `trap`, `wrong-call`, ...), `traps` a trap kind,
//! `correct = true/false` keeps only cells whose outcome is / is not the case's correct one (`ok`, or
//! its `[correct_outcomes]` entry). With `all = true` the query is a claim about every cell that its axes
//! (`engines`, `libcs`, `strategies`, `cases`) select: a selected cell without the wanted outcome
//! (`status`, `traps`, `correct`) contradicts the finding and is listed as such.
//!
//! In the report, `{a,b}` inside a cell name stands for each alternative, as in a shell:
//! `{wasmtime,wasmi}/libc-module/direct/dlhello` is two cells with the same outcome.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use anyhow::{bail, Context, Result};
use dylink::{Libc, Status, Strategy};
use serde::Deserialize;

use crate::cell::EngineKind;
use crate::corpus::{parse_trap, Case};
use crate::run::CellResult;

/// `corpus/findings.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingsFile {
    /// Case name -> its correct outcome, for cases whose correct outcome is not `ok`.
    #[serde(default)]
    pub correct_outcomes: BTreeMap<String, String>,
    #[serde(default, rename = "group")]
    pub groups: Vec<Group>,
    #[serde(default, rename = "finding")]
    pub findings: Vec<Finding>,
}

/// Rows of the support table shown together.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub title: String,
    /// Inclusive range of behaviour numbers (cases named `bNN-...`).
    pub behaviours: Option<[u32; 2]>,
    /// Case patterns (exact names or `prefix*`).
    #[serde(default)]
    pub cases: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finding {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub text: String,
    /// The seed's open question this entry answers, in the seed's words.
    pub question: Option<String>,
    /// Evidence outside the matrix, e.g. `calls.md, loader costs`.
    pub see: Option<String>,
    #[serde(default)]
    pub see_findings: Vec<String>,
    pub cells: Option<Queries>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Queries {
    One(Query),
    Many(Vec<Query>),
}

impl Queries {
    fn list(&self) -> Vec<&Query> {
        match self {
            Queries::One(q) => vec![q],
            Queries::Many(v) => v.iter().collect(),
        }
    }
}

/// Selects result rows; every field is a list of allowed values, empty meaning any.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Shown before the query's cells when a finding has several queries.
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub engines: Vec<String>,
    #[serde(default)]
    pub libcs: Vec<String>,
    #[serde(default)]
    pub strategies: Vec<String>,
    #[serde(default)]
    pub cases: Vec<String>,
    #[serde(default)]
    pub status: Vec<String>,
    #[serde(default)]
    pub traps: Vec<String>,
    /// Only cells whose outcome is (true) or is not (false) the case's correct outcome.
    pub correct: Option<bool>,
    /// Every cell selected by the axes must have the wanted outcome.
    #[serde(default)]
    pub all: bool,
}

/// Exact name, or a prefix followed by `*`.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

fn allowed(list: &[String], value: &str) -> bool {
    list.is_empty() || list.iter().any(|v| v == value)
}

/// The behaviour number of a case named `bNN-...`.
fn behaviour(case: &str) -> Option<u32> {
    let rest = case.strip_prefix('b')?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || !rest[digits.len()..].starts_with('-') {
        return None;
    }
    digits.parse().ok()
}

/// A cell's outcome as the support table shows it: `ok`, `trap: table-out-of-bounds`, `wrong-call`, ...
pub fn outcome(r: &CellResult) -> String {
    match (r.status, &r.trap) {
        (Status::Trap, Some(t)) => format!("trap: {t}"),
        (Status::Trap, None) => "trap".into(),
        (s, _) => s.name().to_string(),
    }
}

/// The outcome with the run's detail, for the cell lists of findings.
fn evidence(r: &CellResult) -> String {
    let d = r.detail.trim();
    if d.is_empty() || r.status == Status::Ok {
        return outcome(r);
    }
    let line = match (r.status, &r.trap) {
        (Status::Trap, Some(t)) if d.starts_with(t.as_str()) => format!("trap: {d}"),
        (Status::Trap, _) => format!("{}: {d}", outcome(r)),
        // `stdout line N: expected "...", got "..."`: what the cell printed is the news.
        (Status::WrongOutput, _) if d.contains(": expected \"") && d.contains("\", got \"") => {
            let (line, rest) = d.split_once(": expected \"").unwrap();
            let got = &rest[rest.find("\", got \"").unwrap() + 3..];
            format!("wrong-output: {line}: {got}")
        }
        (s, _) if d.starts_with(s.name()) => d.to_string(),
        (s, _) => format!("{}: {d}", s.name()),
    };
    escape(&line, 180)
}

/// Plain text made safe for a Markdown list item or table cell, cut at `max` characters.
fn escape(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str(" ⏎ "),
            '|' => out.push_str("\\|"),
            '*' => out.push_str("\\*"),
            '<' => out.push_str("&lt;"),
            c => out.push(c),
        }
    }
    out
}

/// Two cells of the same libc/strategy/case on different engines agree when they end the same way and
/// print the same thing.
fn agree(a: &CellResult, b: &CellResult) -> bool {
    a.status == b.status && a.trap == b.trap && a.exit_code == b.exit_code && a.stdout == b.stdout
}

fn brace(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        _ => format!("{{{}}}", items.join(",")),
    }
}

fn engine_rank(e: &str) -> (usize, String) {
    (EngineKind::ALL.iter().position(|k| k.name() == e).unwrap_or(usize::MAX), e.to_string())
}

/// Column order: placements in `Libc::ALL` order (unknown ones after, by name), then strategies with
/// `none` first and the linking strategies in `Strategy::LINKING` order.
fn column_rank(libc: &str, strategy: &str) -> (usize, String, usize, String) {
    let l = Libc::ALL.iter().position(|x| x.name() == libc).unwrap_or(usize::MAX);
    let s = if strategy == Strategy::None.name() {
        0
    } else {
        Strategy::LINKING.iter().position(|x| x.name() == strategy).map(|p| p + 1).unwrap_or(usize::MAX)
    };
    (l, libc.to_string(), s, strategy.to_string())
}

struct Ctx<'a> {
    file: &'a FindingsFile,
    results: &'a [CellResult],
    engines: Vec<String>,
}

impl Ctx<'_> {
    fn correct(&self, r: &CellResult) -> bool {
        match self.file.correct_outcomes.get(&r.case) {
            Some(c) => outcome(r) == *c,
            None => r.status == Status::Ok,
        }
    }

    fn selects(&self, q: &Query, r: &CellResult) -> bool {
        allowed(&q.engines, &r.engine)
            && allowed(&q.libcs, &r.libc)
            && allowed(&q.strategies, &r.strategy)
            && (q.cases.is_empty() || q.cases.iter().any(|p| pattern_matches(p, &r.case)))
    }

    fn wanted(&self, q: &Query, r: &CellResult) -> bool {
        allowed(&q.status, r.status.name())
            && (q.traps.is_empty() || r.trap.as_ref().is_some_and(|t| q.traps.contains(t)))
            && q.correct.is_none_or(|c| self.correct(r) == c)
    }

    /// (cells that match, cells that contradict an `all` query)
    fn eval(&self, q: &Query) -> (Vec<&CellResult>, Vec<&CellResult>) {
        let selected: Vec<&CellResult> = self.results.iter().filter(|r| self.selects(q, r)).collect();
        let (matched, others): (Vec<&CellResult>, Vec<&CellResult>) =
            selected.into_iter().partition(|r| self.wanted(q, r));
        // An `unsupported` cell (the placement cannot run the case at all, e.g. outside the libc-host
        // subset) says nothing about a strategy, so it does not contradict a claim.
        let contradicting = others.into_iter().filter(|r| r.status != Status::Unsupported).collect();
        (matched, if q.all { contradicting } else { Vec::new() })
    }

    /// Whether every query of a finding selects a cell and none is contradicted.
    fn holds(&self, f: &Finding) -> bool {
        f.cells.as_ref().map(|q| q.list()).unwrap_or_default().into_iter().all(|q| {
            let (matched, contra) = self.eval(q);
            !matched.is_empty() && contra.is_empty()
        })
    }

    /// Cell names, collapsing engines that agree (`{wasmtime,wasmi}/...`) and then strategies with the
    /// same outcome and detail (`.../{trampoline,direct}/case`); long lists are folded further into one
    /// line per outcome with the cases in braces.
    fn cell_list(&self, cells: &[&CellResult]) -> Vec<String> {
        struct Row {
            engines: Vec<String>,
            libc: String,
            strategies: Vec<String>,
            cases: Vec<String>,
            outcome: String,
            evidence: String,
        }
        // libc/strategy/case -> its cells on every engine
        let mut by_cell: BTreeMap<(String, String, String), Vec<&CellResult>> = BTreeMap::new();
        for r in cells {
            by_cell.entry((r.libc.clone(), r.strategy.clone(), r.case.clone())).or_default().push(r);
        }
        let mut rows: Vec<Row> = Vec::new();
        for (_, mut rs) in by_cell {
            rs.sort_by_key(|r| engine_rank(&r.engine));
            let same = rs.windows(2).all(|w| agree(w[0], w[1]) && w[0].detail == w[1].detail);
            let split: Vec<Vec<&CellResult>> = if same { vec![rs] } else { rs.into_iter().map(|r| vec![r]).collect() };
            for group in split {
                let r = group[0];
                let engines: Vec<String> = group.iter().map(|r| r.engine.clone()).collect();
                // Merge with a row that differs only in the strategy.
                match rows.iter_mut().find(|x| {
                    x.engines == engines && x.libc == r.libc && x.cases[0] == r.case && x.evidence == evidence(r)
                }) {
                    Some(x) => x.strategies.push(r.strategy.clone()),
                    None => rows.push(Row {
                        engines,
                        libc: r.libc.clone(),
                        strategies: vec![r.strategy.clone()],
                        cases: vec![r.case.clone()],
                        outcome: outcome(r),
                        evidence: evidence(r),
                    }),
                }
            }
        }
        let rank = |x: &Row| {
            let (l, ln, _, _) = column_rank(&x.libc, "");
            let mut st: Vec<(usize, String)> = x
                .strategies
                .iter()
                .map(|s| {
                    let c = column_rank(&x.libc, s);
                    (c.2, c.3)
                })
                .collect();
            st.sort();
            (l, ln, x.cases[0].clone(), st, engine_rank(&x.engines[0]))
        };
        for x in rows.iter_mut() {
            let libc = x.libc.clone();
            x.strategies.sort_by_key(|s| column_rank(&libc, s));
        }
        rows.sort_by_key(|x| rank(x));
        let fold = rows.len() > 12;
        if fold {
            let mut folded: Vec<Row> = Vec::new();
            for x in rows {
                match folded.iter_mut().find(|f| {
                    f.engines == x.engines && f.libc == x.libc && f.strategies == x.strategies && f.outcome == x.outcome
                }) {
                    Some(f) => f.cases.push(x.cases[0].clone()),
                    None => folded.push(Row { evidence: x.outcome.clone(), ..x }),
                }
            }
            rows = folded;
        }
        rows.into_iter()
            .map(|x| {
                let n = x.engines.len() * x.strategies.len() * x.cases.len();
                let count = if fold { format!(" ({n} cells)") } else { String::new() };
                format!(
                    "`{}/{}/{}/{}`: {}{count}",
                    brace(&x.engines),
                    x.libc,
                    brace(&x.strategies),
                    brace(&x.cases),
                    x.evidence
                )
            })
            .collect()
    }
}

fn describe_query(q: &Query) -> String {
    let mut parts = Vec::new();
    for (name, list) in [
        ("engines", &q.engines),
        ("libcs", &q.libcs),
        ("strategies", &q.strategies),
        ("cases", &q.cases),
        ("status", &q.status),
        ("traps", &q.traps),
    ] {
        if !list.is_empty() {
            parts.push(format!("{name} {}", list.join(", ")));
        }
    }
    if let Some(c) = q.correct {
        parts.push(if c { "correct outcome".into() } else { "not the correct outcome".into() });
    }
    if q.all {
        parts.push("all of them".into());
    }
    if parts.is_empty() {
        "any cell".into()
    } else {
        parts.join("; ")
    }
}

/// Parses the outcome strings of `[correct_outcomes]`.
fn check_outcome(s: &str) -> Result<()> {
    if let Some(kind) = s.strip_prefix("trap: ") {
        if parse_trap(kind).is_none() {
            bail!("unknown trap kind {kind:?}");
        }
        return Ok(());
    }
    if Status::parse(s).is_none() || s == "trap" {
        bail!("unknown outcome {s:?} (ok, trap: <kind>, wrong-call, wrong-output, link-error, timeout, unsupported)");
    }
    Ok(())
}

fn check_cases(patterns: &[String], cases: &[Case], what: &str) -> Result<()> {
    for p in patterns {
        if !cases.iter().any(|c| pattern_matches(p, &c.name)) {
            bail!("{what}: case pattern {p:?} matches no case of the corpus");
        }
    }
    Ok(())
}

fn check_query(q: &Query, cases: &[Case], what: &str) -> Result<()> {
    for e in &q.engines {
        e.parse::<EngineKind>().map_err(anyhow::Error::msg).with_context(|| what.to_string())?;
    }
    // Placements are not checked against `Libc::ALL`, so that a finding can name one that is being added;
    // a misspelt one shows up as "not observed in this run", with the query.
    for l in &q.libcs {
        if l.is_empty() || !l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            bail!("{what}: libc placement {l:?} is not a placement name");
        }
    }
    for s in &q.strategies {
        if Strategy::parse(s).is_none() {
            bail!("{what}: unknown strategy {s:?}");
        }
    }
    for s in &q.status {
        if Status::parse(s).is_none() {
            bail!("{what}: unknown status {s:?}");
        }
    }
    for t in &q.traps {
        if parse_trap(t).is_none() {
            bail!("{what}: unknown trap kind {t:?}");
        }
    }
    check_cases(&q.cases, cases, what)
}

/// Checks `findings.toml` against the corpus: unknown names fail here rather than silently matching
/// nothing.
pub fn parse(findings_toml: &str, cases: &[Case]) -> Result<FindingsFile> {
    let file: FindingsFile = toml::from_str(findings_toml).context("invalid findings.toml")?;
    for (case, out) in &file.correct_outcomes {
        check_cases(std::slice::from_ref(case), cases, "[correct_outcomes]")?;
        check_outcome(out).with_context(|| format!("[correct_outcomes] {case}"))?;
    }
    for g in &file.groups {
        check_cases(&g.cases, cases, &format!("group {:?}", g.title))?;
        if let Some([a, b]) = g.behaviours {
            if a > b {
                bail!("group {:?}: behaviours [{a}, {b}] is an empty range", g.title);
            }
        }
    }
    let mut ids = BTreeSet::new();
    for f in &file.findings {
        if f.id.is_empty() || !f.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            bail!("finding {:?}: ids are kebab-case", f.id);
        }
        if !ids.insert(f.id.as_str()) {
            bail!("finding {:?} is defined twice", f.id);
        }
        if f.text.trim().is_empty() {
            bail!("finding {:?} has no text", f.id);
        }
        if let Some(qs) = &f.cells {
            for q in qs.list() {
                check_query(q, cases, &format!("finding {:?}", f.id))?;
            }
        }
    }
    for f in &file.findings {
        for s in &f.see_findings {
            if !ids.contains(s.as_str()) {
                bail!("finding {:?}: see_findings names unknown finding {s:?}", f.id);
            }
        }
    }
    Ok(file)
}

/// `reports/findings.md`, from the corpus, the results of a run and `corpus/findings.toml`.
pub fn findings(cases: &[Case], results: &[CellResult], findings_toml: &str) -> Result<String> {
    let file = parse(findings_toml, cases)?;
    let mut engines: Vec<String> =
        results.iter().map(|r| r.engine.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    engines.sort_by_key(|e| engine_rank(e));
    let ctx = Ctx { file: &file, results, engines };

    let mut s = String::new();
    writeln!(s, "# dylab findings\n").unwrap();
    writeln!(s, "Generated by `dylab report` from the matrix run and `corpus/findings.toml`; do not edit.").unwrap();
    writeln!(
        s,
        "Each finding cites the cells (`engine/libc/strategy/case`, as in `matrix.md`) that show it; `{{a,b}}` in a"
    )
    .unwrap();
    writeln!(s, "cell name stands for each alternative, as in a shell. A finding whose cells are missing from the run")
        .unwrap();
    writeln!(s, "says \"not observed in this run\" instead of repeating stale text.\n").unwrap();
    let unexpected = results.iter().filter(|r| !r.as_expected).count();
    writeln!(
        s,
        "{} cells on {} engine(s); {} not as their case declares{}.\n",
        results.len(),
        ctx.engines.len(),
        unexpected,
        if unexpected > 0 { " (marked † below; see matrix.md)" } else { "" }
    )
    .unwrap();

    let all_pairs = pairs(&ctx);
    let disagreements = disagreements(&ctx);
    support_tables(&mut s, cases, &ctx, &disagreements);

    writeln!(s, "## Findings\n").unwrap();
    if ctx.engines.len() > 1 {
        writeln!(s, "### The engines {}\n", if disagreements.is_empty() { "agree" } else { "disagree" }).unwrap();
        if disagreements.is_empty() {
            let pairs = all_pairs.values().filter(|v| v.len() > 1).count();
            writeln!(
                s,
                "{} give the same outcome, exit code and stdout for all {pairs} placement/strategy/case \
                 combinations that both ran: every failure below follows from how the modules are linked, not from an engine.\n",
                ctx.engines.join(" and ")
            )
            .unwrap();
        } else {
            writeln!(
                s,
                "The same module, linked the same way, ends differently on different engines in {} place(s). \
                 A linking behaviour that depends on the engine is a portability hazard for the design itself.\n",
                disagreements.len()
            )
            .unwrap();
            for key in &disagreements {
                let rows = &all_pairs[key];
                for r in rows {
                    writeln!(s, "- `{}`: {}", r.cell, evidence(r)).unwrap();
                }
            }
            writeln!(s).unwrap();
        }
    }
    for f in file.findings.iter().filter(|f| f.question.is_none()) {
        section(&mut s, &ctx, f);
    }

    writeln!(s, "## The seed's open questions\n").unwrap();
    writeln!(
        s,
        "The 2016 musl experiment (`shared/seed`) left these questions open; each names the experiment that \
         answers it here, or says that none does yet.\n"
    )
    .unwrap();
    for f in file.findings.iter().filter(|f| f.question.is_some()) {
        section(&mut s, &ctx, f);
    }
    Ok(s)
}

type PairKey = (String, String, String);

/// libc/strategy/case -> the cells of every engine, in engine order.
fn pairs<'a>(ctx: &Ctx<'a>) -> BTreeMap<PairKey, Vec<&'a CellResult>> {
    let mut map: BTreeMap<PairKey, Vec<&CellResult>> = BTreeMap::new();
    for r in ctx.results {
        map.entry((r.libc.clone(), r.strategy.clone(), r.case.clone())).or_default().push(r);
    }
    for v in map.values_mut() {
        v.sort_by_key(|r| engine_rank(&r.engine));
    }
    map
}

fn disagreements(ctx: &Ctx) -> BTreeSet<PairKey> {
    pairs(ctx).into_iter().filter(|(_, v)| v.windows(2).any(|w| !agree(w[0], w[1]))).map(|(k, _)| k).collect()
}

fn support_tables(s: &mut String, cases: &[Case], ctx: &Ctx, disagreements: &BTreeSet<PairKey>) {
    writeln!(s, "## Support\n").unwrap();
    let columns: Vec<(String, String)> = {
        let set: BTreeSet<_> = ctx
            .results
            .iter()
            .map(|r| (column_rank(&r.libc, &r.strategy), (r.libc.clone(), r.strategy.clone())))
            .collect();
        set.into_iter().map(|(_, c)| c).collect()
    };
    let linking_libcs: BTreeSet<&str> =
        columns.iter().filter(|(_, st)| st != Strategy::None.name()).map(|(l, _)| l.as_str()).collect();
    let header = |(l, st): &(String, String)| {
        if st == Strategy::None.name() {
            l.clone()
        } else if linking_libcs.len() == 1 {
            st.clone()
        } else {
            format!("{l}/{st}")
        }
    };
    writeln!(s, "Rows are corpus cases, grouped by the behaviour they check; columns are what the run contains:")
        .unwrap();
    for (l, st) in &columns {
        if st == Strategy::None.name() {
            writeln!(s, "- `{l}`: no linking (program and libc in one module); the reference output").unwrap();
        }
    }
    if linking_libcs.len() == 1 {
        let l = linking_libcs.iter().next().unwrap();
        let names: Vec<String> =
            columns.iter().filter(|(_, st)| st != Strategy::None.name()).map(|(_, st)| format!("`{st}`")).collect();
        writeln!(s, "- {}: linking strategies, with libc in its own module (`{l}`)", names.join(", ")).unwrap();
    } else {
        writeln!(s, "- `libc/strategy`: a linking strategy under that libc placement").unwrap();
    }
    writeln!(s).unwrap();
    writeln!(
        s,
        "Each cell is `ok` or how it failed. ✓ marks a failure that is the case's correct outcome (e.g. calling an \
         unresolved lazy symbol must trap); `·` a cell that does not exist (a case that calls dlopen has no static \
         cell); † an outcome other than the one the case declares.\n"
    )
    .unwrap();

    // Rows: cases in group order.
    let present: BTreeSet<&str> = ctx.results.iter().map(|r| r.case.as_str()).collect();
    let mut sorted: Vec<&Case> = cases.iter().filter(|c| present.contains(c.name.as_str())).collect();
    sorted.sort_by_key(|c| (behaviour(&c.name).unwrap_or(u32::MAX), c.name.clone()));
    let mut groups: Vec<(String, Vec<&Case>, Vec<u32>)> = Vec::new();
    let mut placed = BTreeSet::new();
    for g in &ctx.file.groups {
        let members: Vec<&Case> = sorted
            .iter()
            .copied()
            .filter(|c| !placed.contains(c.name.as_str()))
            .filter(|c| {
                g.behaviours.is_some_and(|[a, b]| behaviour(&c.name).is_some_and(|n| n >= a && n <= b))
                    || g.cases.iter().any(|p| pattern_matches(p, &c.name))
            })
            .collect();
        placed.extend(members.iter().map(|c| c.name.as_str()));
        let missing: Vec<u32> = match g.behaviours {
            Some([a, b]) => (a..=b).filter(|n| !cases.iter().any(|c| behaviour(&c.name) == Some(*n))).collect(),
            None => Vec::new(),
        };
        let title = match g.behaviours {
            Some([a, b]) if a == b => format!("{} ({a})", g.title),
            Some([a, b]) => format!("{} ({a}-{b})", g.title),
            None => g.title.clone(),
        };
        groups.push((title, members, missing));
    }
    let rest: Vec<&Case> = sorted.iter().copied().filter(|c| !placed.contains(c.name.as_str())).collect();
    if !rest.is_empty() {
        groups.push(("Other cases".into(), rest, Vec::new()));
    }

    let all_pairs = pairs(ctx);
    let merged = disagreements.is_empty();
    let tables: Vec<Option<&String>> = if merged { vec![None] } else { ctx.engines.iter().map(Some).collect() };
    if merged && ctx.engines.len() > 1 {
        writeln!(
            s,
            "{} agree cell for cell (outcome, exit code and stdout), so one table shows both.\n",
            ctx.engines.join(" and ")
        )
        .unwrap();
    } else if !merged {
        writeln!(
            s,
            "**The engines disagree** on {} cell(s), marked ⚠ below, so each engine has its own table.\n",
            disagreements.len()
        )
        .unwrap();
    }
    for engine in tables {
        if let Some(e) = engine {
            writeln!(s, "### {e}\n").unwrap();
        }
        let heads: Vec<String> = columns.iter().map(header).collect();
        writeln!(s, "| case | {} |", heads.join(" | ")).unwrap();
        writeln!(s, "|---|{}", "---|".repeat(columns.len())).unwrap();
        let mut correct = vec![(0usize, 0usize); columns.len()];
        for (title, members, missing) in &groups {
            if members.is_empty() && missing.is_empty() {
                continue;
            }
            writeln!(s, "| **{title}** |{}", " |".repeat(columns.len())).unwrap();
            for c in members {
                let mut row = Vec::new();
                for (i, (l, st)) in columns.iter().enumerate() {
                    let key = (l.clone(), st.clone(), c.name.clone());
                    let Some(cells) = all_pairs.get(&key) else {
                        row.push("·".to_string());
                        continue;
                    };
                    let r = match engine {
                        Some(e) => cells.iter().find(|r| &r.engine == e).copied(),
                        None => cells.first().copied(),
                    };
                    let Some(r) = r else {
                        row.push("·".to_string());
                        continue;
                    };
                    let ok = ctx.correct(r);
                    correct[i].1 += 1;
                    if ok {
                        correct[i].0 += 1;
                    }
                    let mut text = outcome(r);
                    if ok && r.status != Status::Ok {
                        text.push_str(" ✓");
                    }
                    let expected_everywhere = match engine {
                        Some(_) => r.as_expected,
                        None => cells.iter().all(|r| r.as_expected),
                    };
                    if !expected_everywhere {
                        text.push_str(" †");
                    }
                    if disagreements.contains(&key) {
                        text = format!("⚠ {text}");
                    }
                    row.push(text);
                }
                writeln!(s, "| {} | {} |", c.name, row.join(" | ")).unwrap();
            }
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|n| n.to_string()).collect();
                writeln!(s, "| no case yet: {} |{}", list.join(", "), " |".repeat(columns.len())).unwrap();
            }
        }
        let totals: Vec<String> = correct.iter().map(|(ok, n)| format!("{ok}/{n}")).collect();
        writeln!(s, "| **correct** | {} |", totals.join(" | ")).unwrap();
        writeln!(s).unwrap();
    }
}

fn section(s: &mut String, ctx: &Ctx, f: &Finding) {
    writeln!(s, "### {}\n", f.title).unwrap();
    if let Some(q) = &f.question {
        writeln!(s, "> {}\n", q.trim().replace('\n', "\n> ")).unwrap();
    }
    let queries: Vec<&Query> = f.cells.as_ref().map(|q| q.list()).unwrap_or_default();
    let evaluated: Vec<(&Query, Vec<&CellResult>, Vec<&CellResult>)> = queries
        .iter()
        .map(|q| {
            let (m, c) = ctx.eval(q);
            (*q, m, c)
        })
        .collect();
    let unanswered = f.question.is_some() && queries.is_empty() && f.see.is_none() && f.see_findings.is_empty();
    let missing = evaluated.iter().any(|(_, m, _)| m.is_empty());
    let contradicted = evaluated.iter().any(|(_, _, c)| !c.is_empty());
    if unanswered {
        writeln!(s, "**Not yet answered.** {}\n", f.text.trim()).unwrap();
    } else if missing || contradicted {
        let what = match (missing, contradicted) {
            (true, true) => "Not observed in this run, and contradicted by some cells",
            (true, false) => "Not observed in this run",
            _ => "Contradicted in this run",
        };
        writeln!(
            s,
            "**{what}**: the cells of this run do not support the text below; the cell lists say what holds.\n"
        )
        .unwrap();
        writeln!(s, "{}\n", f.text.trim()).unwrap();
    } else {
        writeln!(s, "{}\n", f.text.trim()).unwrap();
    }
    if let Some(see) = &f.see {
        writeln!(s, "Measured outside the matrix: see {see}.\n").unwrap();
    }
    for (q, matched, contra) in &evaluated {
        let label = if q.label.is_empty() { "Cells".to_string() } else { q.label.trim_end_matches(':').to_string() };
        if matched.is_empty() {
            writeln!(s, "{label}: **not observed in this run** (no cell matches: {}).\n", describe_query(q)).unwrap();
        } else {
            writeln!(s, "{label}:\n").unwrap();
            for line in ctx.cell_list(matched) {
                writeln!(s, "- {line}").unwrap();
            }
            writeln!(s).unwrap();
        }
        if !contra.is_empty() {
            writeln!(s, "Contradicting cells (selected by {}, without the claimed outcome):\n", describe_query(q))
                .unwrap();
            for line in ctx.cell_list(contra) {
                writeln!(s, "- {line}").unwrap();
            }
            writeln!(s).unwrap();
        }
    }
    if !f.see_findings.is_empty() {
        let related: Vec<&Finding> =
            f.see_findings.iter().filter_map(|id| ctx.file.findings.iter().find(|g| &g.id == id)).collect();
        let titles: Vec<String> = related.iter().map(|g| format!("*{}*", g.title)).collect();
        writeln!(s, "See also: {}.\n", titles.join("; ")).unwrap();
        let stale: Vec<String> = related.iter().filter(|g| !ctx.holds(g)).map(|g| format!("*{}*", g.title)).collect();
        if !stale.is_empty() {
            writeln!(s, "**Rests on findings not observed in this run**: {}.\n", stale.join("; ")).unwrap();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Manifest;

    fn case(name: &str) -> Case {
        let manifest: Manifest = toml::from_str("main = \"m.c\"\nlibs = [\"l.c\"]").unwrap();
        Case { name: name.into(), dir: std::path::PathBuf::from(name), manifest, expected_stdout: b"hi\n".to_vec() }
    }

    fn cell(engine: &str, strategy: &str, case: &str, status: Status, trap: Option<&str>, stdout: &str) -> CellResult {
        let libc = "libc-module";
        CellResult {
            cell: format!("{engine}/{libc}/{strategy}/{case}"),
            engine: engine.into(),
            libc: libc.into(),
            strategy: strategy.into(),
            case: case.into(),
            status,
            trap: trap.map(String::from),
            exit_code: if status == Status::Trap { None } else { Some(0) },
            stdout: stdout.into(),
            stderr: String::new(),
            detail: if status == Status::WrongCall { "wrong-call: own function ran".into() } else { String::new() },
            fuel: 1,
            expected_status: status,
            expected_trap: trap.map(String::from),
            as_expected: true,
        }
    }

    const TOML: &str = r#"
[[group]]
title = "Pointers"
behaviours = [14, 15]

[[finding]]
id = "wrong-call"
title = "Private tables call the wrong function"
text = "Index collision."
cells = { strategies = ["trampoline", "direct"], status = ["wrong-call"] }

[[finding]]
id = "never"
title = "Direct traps"
text = "Stale text."
cells = { strategies = ["direct"], status = ["trap"] }

[[finding]]
id = "isolated-heaps"
title = "Isolated heaps"
question = "Interesting applications can be built when modules don't share the same heap."
text = "No case isolates heaps."
"#;

    fn agreeing() -> (Vec<Case>, Vec<CellResult>) {
        let cases = vec![case("b14-callback"), case("b15-pointers")];
        let mut results = Vec::new();
        for e in ["wasmtime", "wasmi"] {
            results.push(cell(e, "trampoline", "b14-callback", Status::WrongCall, None, "x\n"));
            results.push(cell(e, "direct", "b14-callback", Status::WrongCall, None, "x\n"));
            results.push(cell(e, "shared-table", "b14-callback", Status::Ok, None, "hi\n"));
            results.push(cell(e, "trampoline", "b15-pointers", Status::Trap, Some("table-out-of-bounds"), ""));
            results.push(cell(e, "direct", "b15-pointers", Status::Ok, None, "hi\n"));
            results.push(cell(e, "shared-table", "b15-pointers", Status::Ok, None, "hi\n"));
        }
        (cases, results)
    }

    fn section_of<'a>(md: &'a str, title: &str) -> &'a str {
        let start = md.find(&format!("### {title}\n")).unwrap_or_else(|| panic!("no section {title} in\n{md}"));
        let rest = &md[start + 4..];
        &md[start..start + 4 + rest.find("\n#").unwrap_or(rest.len())]
    }

    #[test]
    fn a_matching_query_lists_its_cells() {
        let (cases, results) = agreeing();
        let md = findings(&cases, &results, TOML).unwrap();
        let sec = section_of(&md, "Private tables call the wrong function");
        assert!(
            sec.contains(
                "- `{wasmtime,wasmi}/libc-module/{trampoline,direct}/b14-callback`: wrong-call: own function ran\n"
            ),
            "{sec}"
        );
        assert!(!sec.contains("not observed"), "{sec}");
        assert!(!sec.contains("shared-table"), "{sec}");
        // The support table: one merged table, columns from the data, failure modes in the cells.
        assert!(md.contains("wasmtime and wasmi agree cell for cell"), "{md}");
        assert!(md.contains("| case | trampoline | direct | shared-table |"), "{md}");
        assert!(md.contains("| b15-pointers | trap: table-out-of-bounds | ok | ok |"), "{md}");
        assert!(md.contains("| **correct** | 0/2 | 1/2 | 2/2 |"), "{md}");
        assert!(md.starts_with("# dylab findings\n\nGenerated by `dylab report`"));
        assert_eq!(md, findings(&cases, &results, TOML).unwrap(), "deterministic");
    }

    #[test]
    fn a_query_matching_nothing_says_not_observed() {
        let (cases, results) = agreeing();
        let md = findings(&cases, &results, TOML).unwrap();
        let sec = section_of(&md, "Direct traps");
        assert!(sec.contains("**Not observed in this run**"), "{sec}");
        assert!(sec.contains("no cell matches: strategies direct; status trap"), "{sec}");
        let q = section_of(&md, "Isolated heaps");
        assert!(q.contains("**Not yet answered.** No case isolates heaps."), "{q}");
    }

    #[test]
    fn an_all_query_is_contradicted_by_a_cell_without_the_outcome() {
        let (cases, results) = agreeing();
        let toml = r#"
[[finding]]
id = "shared"
title = "Shared works"
text = "Everything works."
cells = { strategies = ["trampoline"], status = ["ok"], all = true }
"#;
        let md = findings(&cases, &results, toml).unwrap();
        let sec = section_of(&md, "Shared works");
        assert!(sec.contains("Not observed in this run, and contradicted"), "{sec}");
        assert!(
            sec.contains("`{wasmtime,wasmi}/libc-module/trampoline/b15-pointers`: trap: table-out-of-bounds"),
            "{sec}"
        );
    }

    #[test]
    fn engine_disagreement_is_flagged() {
        let (cases, mut results) = agreeing();
        let r = results.iter_mut().find(|r| r.cell == "wasmi/libc-module/direct/b15-pointers").unwrap();
        r.status = Status::WrongOutput;
        r.stdout = "ho\n".into();
        let md = findings(&cases, &results, TOML).unwrap();
        assert!(md.contains("**The engines disagree** on 1 cell(s)"), "{md}");
        assert!(md.contains("### wasmtime\n") && md.contains("### wasmi\n"), "{md}");
        assert!(md.contains("| b15-pointers | trap: table-out-of-bounds | ⚠ ok | ok |"), "{md}");
        assert!(md.contains("| b15-pointers | trap: table-out-of-bounds | ⚠ wrong-output | ok |"), "{md}");
        let sec = section_of(&md, "The engines disagree");
        assert!(sec.contains("- `wasmtime/libc-module/direct/b15-pointers`: ok"), "{sec}");
        assert!(sec.contains("- `wasmi/libc-module/direct/b15-pointers`: wrong-output"), "{sec}");
    }

    #[test]
    fn unknown_names_are_rejected() {
        let (cases, results) = agreeing();
        for bad in [
            r#"[[finding]]
id = "x"
title = "x"
text = "x"
cells = { cases = ["b99*"] }"#,
            r#"[[finding]]
id = "x"
title = "x"
text = "x"
cells = { strategies = ["shared"] }"#,
            r#"[[finding]]
id = "x"
title = "x"
text = "x"
cells = { traps = ["oob"] }"#,
            r#"[correct_outcomes]
"b14-callback" = "trap: nope""#,
            r#"[[finding]]
id = "x"
title = "x"
text = "x"
see_findings = ["y"]"#,
        ] {
            assert!(findings(&cases, &results, bad).is_err(), "accepted:\n{bad}");
        }
    }

    #[test]
    fn the_corpus_findings_toml_is_valid() {
        let corpus = crate::run::default_corpus();
        let (cases, _) = crate::corpus::load_corpus(&corpus).unwrap();
        let text = std::fs::read_to_string(corpus.join("findings.toml")).unwrap();
        parse(&text, &cases).unwrap();
    }

    /// Runs the real matrix and writes /tmp/findings.md: `cargo test -p dylab-lab --lib -- --ignored findings`.
    #[test]
    #[ignore]
    fn write_findings_of_the_real_matrix() {
        let corpus = crate::run::default_corpus();
        let (cases, _) = crate::corpus::load_corpus(&corpus).unwrap();
        let all = crate::cell::cells(&cases, &crate::cell::Filter::default());
        let lab = crate::run::Lab::new(&corpus.join("include")).unwrap();
        let jobs = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        let results = lab.run_matrix(&cases, &all, jobs, &|_| {});
        let text = std::fs::read_to_string(corpus.join("findings.toml")).unwrap();
        let md = findings(&cases, &results, &text).unwrap();
        std::fs::write("/tmp/findings.md", md).unwrap();
    }
}
