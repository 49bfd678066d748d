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

mod cells;
mod groups;
mod query;
mod render;
mod schema;
mod support;

pub use groups::case_groups;
pub use render::findings;
pub use schema::{parse, Finding, FindingsFile, Group, Queries, Query};

#[cfg(test)]
mod tests;
