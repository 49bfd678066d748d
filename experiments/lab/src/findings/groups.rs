//! The support table's row groups: cases grouped by the behaviour they check, as `[[group]]` of
//! findings.toml says (behaviour number ranges, case patterns), the rest under "Other cases".

use std::collections::BTreeSet;

use super::query::behaviour;
use super::schema::{pattern_matches, FindingsFile};
use crate::corpus::Case;

/// One group: its title (with its behaviour range), its cases among `present` (by behaviour number,
/// then name) and the behaviour numbers of its range that no case has.
pub type Group<'c> = (String, Vec<&'c Case>, Vec<u32>);

pub fn groups<'c>(file: &FindingsFile, cases: &'c [Case], present: &BTreeSet<&str>) -> Vec<Group<'c>> {
    let mut sorted: Vec<&Case> = cases.iter().filter(|c| present.contains(c.name.as_str())).collect();
    sorted.sort_by_key(|c| (behaviour(&c.name).unwrap_or(u32::MAX), c.name.clone()));
    let mut groups: Vec<Group> = Vec::new();
    let mut placed = BTreeSet::new();
    for g in &file.groups {
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
    groups
}

/// Each case's group title, for a corpus and its findings.toml (every case of the corpus).
pub fn case_groups(findings_toml: &str, cases: &[Case]) -> anyhow::Result<Vec<(String, String)>> {
    let file = super::schema::parse(findings_toml, cases)?;
    let all: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let mut out = Vec::new();
    for (title, members, _) in groups(&file, cases, &all) {
        out.extend(members.into_iter().map(|c| (c.name.clone(), title.clone())));
    }
    Ok(out)
}
