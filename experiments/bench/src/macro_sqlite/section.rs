//! The SQLite section of calls.md, from the timed and counted measurements of its cells
//! ([`Of::Sqlite`]: times, the query's rows, instructions per row, or why a cell failed).

use std::fmt::Write;

use dylab_engines::EngineKind;
use dylab_lab::markdown::{escape, Span};
use dylink::Strategy;

use super::{Build, Failure, COUNT_REGIONS, ROWS, SAMPLES};
use crate::measurement::{Measurements, Metric, Of};

/// The section of calls.md: per engine, a row per strategy with the linked and loaded builds'
/// time per query (and per row), instructions per row, and the loaded build's ratio to linked.
pub fn section(timed: &Measurements, counted: &Measurements) -> String {
    let mut s = String::new();
    let mut engines: Vec<EngineKind> = sqlite_rows(timed).chain(sqlite_rows(counted)).collect();
    if engines.is_empty() {
        return s;
    }
    engines.sort();
    engines.dedup();
    let rows =
        timed.with(Metric::Iterations).find(|r| matches!(r.of, Of::Sqlite { .. })).map_or(ROWS, |r| r.value as u32);
    s.push_str(&method(rows));
    for engine in engines {
        writeln!(s, "| {engine} | linked ms | loaded ms | linked instr/row | loaded instr/row | loaded/linked (time) | loaded/linked (instr) |").unwrap();
        writeln!(s, "|---|---|---|---|---|---|---|").unwrap();
        for strategy in Strategy::LINKING {
            writeln!(s, "{}", strategy_row(timed, counted, engine, strategy)).unwrap();
        }
        writeln!(s).unwrap();
    }
    writeln!(
        s,
        "`~`: the two regions' difference does not divide evenly, since a row's work depends on its number of digits; \
         cells that run the same code count the same.\n"
    )
    .unwrap();
    s
}

/// The engines of the SQLite rows of `m`, failures included.
fn sqlite_rows(m: &Measurements) -> impl Iterator<Item = EngineKind> + '_ {
    m.rows.iter().filter(|r| matches!(r.of, Of::Sqlite { .. })).filter_map(|r| r.engine())
}

/// The section's heading and method.
fn method(rows: u32) -> String {
    format!(
        "## SQLite macro benchmark\n\n\
         A real program end to end (corpus/cases/sqlite-extension/bench.c): SQLite runs `WITH RECURSIVE c(x) ... \
         SELECT sum(length(rev(x))) FROM c` over {rows} rows, calling the extension's scalar function `rev` once per row. \
         `loaded`: SQLite loads ext.wasm through sqlite3_load_extension (its VDBE calls `rev` through a pointer into another \
         module, and `rev` calls SQLite back through the sqlite3_api table); `linked`: ext.c compiled into the program's \
         translation unit (the same calls within one module, where clang may inline SQLite's API into `rev`). Both under \
         libc-module, so every strategy also binds SQLite's libc calls (`linked` across strategies: what that binding costs). Time: ms per query ({}) after a warm-up \
         query; instructions per row from `dylab bench --count` (callgrind, \
         {} - {} rows); *loaded/linked*: the cost of reaching the extension under that strategy.\n\n",
        if SAMPLES == 1 { "one query per cell".to_string() } else { format!("median of {SAMPLES}, fastest–slowest") },
        COUNT_REGIONS[1],
        COUNT_REGIONS[0]
    )
}

/// One strategy's row of `engine`'s table.
fn strategy_row(timed: &Measurements, counted: &Measurements, engine: EngineKind, strategy: Strategy) -> String {
    let of = |build| Of::Sqlite { strategy, build };
    let ms = |b| timed.value(engine, of(b), Metric::Median);
    let instr = |b| counted.value(engine, of(b), Metric::Instructions);
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("×{:.2}", a / b),
        _ => "-".into(),
    };
    format!(
        "| {strategy} | {} | {} | {} | {} | {} | {} |",
        time_text(timed, engine, of(Build::Linked)),
        time_text(timed, engine, of(Build::Loaded)),
        count_text(counted, engine, of(Build::Linked)),
        count_text(counted, engine, of(Build::Loaded)),
        ratio(ms(Build::Loaded), ms(Build::Linked)),
        ratio(instr(Build::Loaded), instr(Build::Linked)),
    )
}

/// A cell's time per query (its range) and per row, or why it failed.
fn time_text(timed: &Measurements, engine: EngineKind, of: Of) -> String {
    let value = |metric| timed.value(engine, of, metric);
    match (value(Metric::Median), value(Metric::Min), value(Metric::Max), value(Metric::Iterations)) {
        (Some(ms), Some(lo), Some(hi), Some(rows)) => {
            let range = if lo < hi { format!(" ({lo:.0}–{hi:.0})") } else { String::new() };
            format!("{ms:.0}{range}; {:.0} ns/row", ms * 1e6 / rows)
        }
        _ => failed(timed.failure(engine, of, Metric::Median)),
    }
}

/// A cell's instructions per row (`~`: not exact), or why it failed.
fn count_text(counted: &Measurements, engine: EngineKind, of: Of) -> String {
    match counted.get(engine, of, Metric::Instructions) {
        Some(n) => format!("{:.0}{}", n.value, if n.exact { "" } else { " ~" }),
        None => failed(counted.failure(engine, of, Metric::Instructions)),
    }
}

fn failed(failure: Option<&Failure>) -> String {
    failure.map_or_else(|| "n/a".into(), |f| format!("fails: {}", escape(&f.to_string(), 120, Span::Text)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::macro_sqlite::{MacroCount, MacroRow};
    use crate::{BenchData, CountData};

    fn row(strategy: Strategy, build: Build, ms: Option<f64>, failure: Option<Failure>) -> MacroRow {
        MacroRow {
            engine: EngineKind::reference(),
            strategy,
            build,
            rows: 1000,
            median_ms: ms,
            min_ms: ms,
            max_ms: ms,
            failure,
        }
    }

    fn timed(rows: Vec<MacroRow>) -> Measurements {
        Measurements::of_times(&BenchData { macro_sqlite: rows, ..Default::default() })
    }

    #[test]
    fn the_section_shows_failures_and_ratios() {
        let none = Measurements::default();
        let rows = timed(vec![
            row(Strategy::SharedTable, Build::Linked, Some(2.0), None),
            row(Strategy::SharedTable, Build::Loaded, Some(3.0), None),
            row(Strategy::Direct, Build::Loaded, None, Some(Failure::Open("wasm trap: bad-signature".into()))),
        ]);
        let s = section(&rows, &none);
        assert!(s.contains("| shared-table | 2; 2000 ns/row | 3; 3000 ns/row | n/a | n/a | ×1.50 | - |"), "{s}");
        assert!(s.contains("fails: open: wasm trap: bad-signature"), "{s}");
        assert!(s.contains("over 1000 rows"), "{s}");
        let spread =
            MacroRow { min_ms: Some(1.0), max_ms: Some(4.0), ..row(Strategy::Direct, Build::Linked, Some(2.0), None) };
        assert!(section(&timed(vec![spread]), &none).contains("| direct | 2 (1–4); 2000 ns/row |"));
        assert!(section(&none, &none).is_empty());
    }

    /// Counts alone make the section; a failed count is a row that says why, not a dropped one.
    #[test]
    fn counted_cells_show_their_instructions_or_their_failure() {
        let count = |build, n: Option<f64>, failure| MacroCount {
            cell: String::new(),
            engine: EngineKind::reference(),
            strategy: Strategy::SharedTable,
            build,
            instructions_per_row: n,
            exact: false,
            failure,
        };
        let c = CountData {
            macro_sqlite: vec![
                count(Build::Linked, Some(5000.0), None),
                count(Build::Loaded, None, Some(Failure::Query("trap".into()))),
            ],
            ..Default::default()
        };
        let s = section(&Measurements::default(), &Measurements::of_counts(&c));
        assert!(s.contains("| shared-table | n/a | n/a | 5000 ~ | fails: query: trap | - | - |"), "{s}");
        assert_eq!(s.matches("| direct |").count(), 1, "a row per strategy: {s}");
    }
}
