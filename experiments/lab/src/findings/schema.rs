//! `corpus/findings.toml` as types, and the checks that tie it to the corpus.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use anyhow::{bail, Context, Result};
use dylink::{Linkage, Status, TrapKind};
use serde::{Deserialize, Deserializer};

use crate::cell::EngineKind;
use crate::corpus::Case;
use crate::outcome::Outcome;

/// `corpus/findings.toml`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FindingsFile {
    /// Case name -> its correct outcome, for cases whose correct outcome is not `ok`.
    #[serde(default)]
    pub correct_outcomes: BTreeMap<String, Outcome>,
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

/// One query or a list of them (parsed by hand rather than `untagged`, so that an unknown name inside
/// a query is reported as such).
#[derive(Clone, Debug)]
pub enum Queries {
    One(Query),
    Many(Vec<Query>),
}

impl Queries {
    pub fn list(&self) -> Vec<&Query> {
        match self {
            Queries::One(q) => vec![q],
            Queries::Many(v) => v.iter().collect(),
        }
    }
}

impl<'de> Deserialize<'de> for Queries {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(d)?;
        let parsed = match value {
            toml::Value::Array(_) => Vec::<Query>::deserialize(value).map(Queries::Many),
            _ => Query::deserialize(value).map(Queries::One),
        };
        parsed.map_err(serde::de::Error::custom)
    }
}

/// Selects result rows; every field is a list of allowed values, empty meaning any.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Shown before the query's cells when a finding has several queries.
    #[serde(default)]
    pub label: String,
    #[serde(default, deserialize_with = "parsed_list")]
    pub engines: Vec<EngineKind>,
    /// Placement names, not checked against `Libc::ALL`, so that a finding can name one that is being
    /// added; a misspelt one shows up as "not observed in this run", with the query.
    #[serde(default)]
    pub libcs: Vec<String>,
    #[serde(default)]
    pub strategies: Vec<Linkage>,
    #[serde(default)]
    pub cases: Vec<String>,
    #[serde(default)]
    pub status: Vec<Status>,
    #[serde(default)]
    pub traps: Vec<TrapKind>,
    /// Only cells whose outcome is (true) or is not (false) the case's correct outcome.
    pub correct: Option<bool>,
    /// Every cell selected by the axes must have the wanted outcome.
    #[serde(default)]
    pub all: bool,
}

/// A list of names parsed with `FromStr` (for types that do not derive `Deserialize`).
fn parsed_list<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Vec<T>, D::Error>
where
    T::Err: std::fmt::Display,
{
    Vec::<String>::deserialize(d)?.iter().map(|s| s.parse().map_err(serde::de::Error::custom)).collect()
}

/// Exact name, or a prefix followed by `*`.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
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
    for l in &q.libcs {
        if l.is_empty() || !l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            bail!("{what}: libc placement {l:?} is not a placement name");
        }
    }
    check_cases(&q.cases, cases, what)
}

/// Checks `findings.toml` against the corpus: unknown names fail here rather than silently matching
/// nothing.
pub fn parse(findings_toml: &str, cases: &[Case]) -> Result<FindingsFile> {
    let file: FindingsFile = toml::from_str(findings_toml).context("invalid findings.toml")?;
    for case in file.correct_outcomes.keys() {
        check_cases(std::slice::from_ref(case), cases, "[correct_outcomes]")?;
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
