//! findings.md's support table: one row per case (in its behaviour group), one column per
//! placement/strategy of the run, one table for all engines when they agree, else one per engine.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use dylink::{Linkage, Status};

use super::groups::{groups, Group};
use super::query::{Ctx, PairKey};
use crate::cell::EngineKind;
use crate::columns::Columns;
use crate::corpus::Case;
use crate::native::NativeResult;
use crate::outcome::Style;
use crate::run::CellResult;

/// The `## Support` section: its legend, then the table(s).
pub fn support_tables(
    s: &mut String,
    cases: &[Case],
    ctx: &Ctx,
    disagreements: &BTreeSet<PairKey>,
    native: &[NativeResult],
) {
    writeln!(s, "## Support\n").unwrap();
    let cols = Columns::of(ctx.results);
    legend(s, &cols, native);

    // Rows: cases in group order.
    let present: BTreeSet<&str> = ctx.results.iter().map(|r| r.case.as_str()).collect();
    let groups = groups(ctx.file, cases, &present);

    let pairs = ctx.pairs();
    let merged = disagreements.is_empty();
    let tables: Vec<Option<&EngineKind>> = if merged { vec![None] } else { ctx.engines.iter().map(Some).collect() };
    engines_note(s, ctx, disagreements);
    for engine in tables {
        let table = Table { ctx, cols: &cols, native, disagreements, pairs: &pairs, engine };
        table.write(s, &groups);
    }
}

/// What the columns and the marks in the cells mean.
fn legend(s: &mut String, cols: &Columns, native: &[NativeResult]) {
    writeln!(s, "Rows are corpus cases, grouped by the behaviour they check; columns are what the run contains:")
        .unwrap();
    if !native.is_empty() {
        writeln!(
            s,
            "- `native`: the case built by gcc -m32 as ELF objects and run under glibc's ld.so, the reference a \
             loader is compared with (`not run` or `differs (...)`: the case's `[native]` says why; see matrix.md)"
        )
        .unwrap();
    }
    column_legend(s, cols);
    writeln!(s).unwrap();
    writeln!(
        s,
        "Each cell is `ok` or how it failed. ✓ marks a failure that is the case's correct outcome (e.g. calling an \
         unresolved lazy symbol must trap); `·` a cell that does not exist (a case that calls dlopen has no static \
         cell); † an outcome other than the one the case declares.\n"
    )
    .unwrap();
}

/// One line per static column, then one for the linking strategies.
fn column_legend(s: &mut String, cols: &Columns) {
    for (l, linkage) in &cols.list {
        if *linkage == Linkage::Static {
            writeln!(s, "- `{l}`: no linking (program and libc in one module); the reference output").unwrap();
        }
    }
    if cols.linking.len() == 1 {
        let l = cols.linking.iter().next().unwrap();
        let names: Vec<String> =
            cols.list.iter().filter_map(|(_, linkage)| linkage.strategy()).map(|st| format!("`{st}`")).collect();
        writeln!(s, "- {}: linking strategies, with libc in its own module (`{l}`)", names.join(", ")).unwrap();
    } else {
        writeln!(s, "- `libc/strategy`: a linking strategy under that libc placement").unwrap();
    }
}

/// Why there is one table, or one per engine.
fn engines_note(s: &mut String, ctx: &Ctx, disagreements: &BTreeSet<PairKey>) {
    if disagreements.is_empty() && ctx.engines.len() > 1 {
        writeln!(
            s,
            "{} agree cell for cell (outcome, exit code and stdout), so one table shows both.\n",
            ctx.engine_names().join(" and ")
        )
        .unwrap();
    } else if !disagreements.is_empty() {
        writeln!(
            s,
            "**The engines disagree** on {} cell(s), marked ⚠ below, so each engine has its own table.\n",
            disagreements.len()
        )
        .unwrap();
    }
}

/// One support table: of one engine, or (`engine` None) of all engines when they agree.
struct Table<'t, 'a> {
    ctx: &'t Ctx<'a>,
    cols: &'t Columns,
    native: &'t [NativeResult],
    disagreements: &'t BTreeSet<PairKey>,
    pairs: &'t BTreeMap<PairKey, Vec<&'a CellResult>>,
    engine: Option<&'t EngineKind>,
}

/// Per column: (correct cells, cells).
type Tally = (usize, usize);

impl Table<'_, '_> {
    fn write(&self, s: &mut String, groups: &[Group]) {
        if let Some(e) = self.engine {
            writeln!(s, "### {e}\n").unwrap();
        }
        let columns = &self.cols.list;
        // The native column, when there is one: a header, one more cell per row.
        let (native_head, native_pad) = if self.native.is_empty() { ("", "") } else { ("native | ", " |") };
        let heads: Vec<String> = columns.iter().map(|c| self.cols.header(*c)).collect();
        writeln!(s, "| case | {native_head}{} |", heads.join(" | ")).unwrap();
        writeln!(s, "|---|{}", "---|".repeat(columns.len() + usize::from(!self.native.is_empty()))).unwrap();
        let mut correct: Vec<Tally> = vec![(0, 0); columns.len()];
        for (title, members, missing) in groups {
            if members.is_empty() && missing.is_empty() {
                continue;
            }
            writeln!(s, "| **{title}** |{native_pad}{}", " |".repeat(columns.len())).unwrap();
            for c in members {
                writeln!(s, "| {} | {} |", c.name, self.row(c, &mut correct).join(" | ")).unwrap();
            }
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|n| n.to_string()).collect();
                writeln!(s, "| no case yet: {} |{native_pad}{}", list.join(", "), " |".repeat(columns.len())).unwrap();
            }
        }
        writeln!(s, "| **correct** | {} |", self.totals(&correct, groups).join(" | ")).unwrap();
        writeln!(s).unwrap();
    }

    fn native_of(&self, case: &str) -> Option<&NativeResult> {
        self.native.iter().find(|n| n.case == case)
    }

    /// A case's cells, native first; counts them into `correct`.
    fn row(&self, c: &Case, correct: &mut [Tally]) -> Vec<String> {
        let mut row = Vec::new();
        if !self.native.is_empty() {
            row.push(self.native_of(&c.name).map_or("·".to_string(), NativeResult::short));
        }
        for (i, (l, st)) in self.cols.list.iter().enumerate() {
            let key = (*l, *st, c.name.clone());
            row.push(self.cell(&key, &mut correct[i]).unwrap_or_else(|| "·".to_string()));
        }
        row
    }

    /// A cell's outcome with its marks, None for a cell this table does not have.
    fn cell(&self, key: &PairKey, correct: &mut Tally) -> Option<String> {
        let cells = self.pairs.get(key)?;
        let r = match self.engine {
            Some(e) => cells.iter().find(|r| &r.engine == e).copied(),
            None => cells.first().copied(),
        }?;
        let ok = self.ctx.correct(r);
        correct.1 += 1;
        if ok {
            correct.0 += 1;
        }
        let mut text = r.outcome().render(Style::Short);
        if ok && r.status != Status::Ok {
            text.push_str(" ✓");
        }
        let expected_everywhere = match self.engine {
            Some(_) => r.as_expected,
            None => cells.iter().all(|r| r.as_expected),
        };
        if !expected_everywhere {
            text.push_str(" †");
        }
        if self.disagreements.contains(key) {
            text = format!("⚠ {text}");
        }
        Some(text)
    }

    /// The `correct` row: per column, then (first) the native runs that ended ok.
    fn totals(&self, correct: &[Tally], groups: &[Group]) -> Vec<String> {
        let mut totals: Vec<String> = correct.iter().map(|(ok, n)| format!("{ok}/{n}")).collect();
        if !self.native.is_empty() {
            let shown: Vec<&NativeResult> =
                groups.iter().flat_map(|g| &g.1).filter_map(|c| self.native_of(&c.name)).collect();
            let ran = shown.iter().filter(|n| n.ran()).count();
            let ok = shown.iter().filter(|n| n.status == Status::Ok).count();
            totals.insert(0, format!("{ok}/{ran} ok"));
        }
        totals
    }
}
