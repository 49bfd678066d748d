//! A timing run of some engines (`dylab bench --engine X`) merged into the times already written:
//! its engines' rows replace theirs, every other engine's stay as they were, so one engine can be
//! measured again without the others.

use dylab_engines::EngineKind;

use crate::BenchData;

/// `new`'s engines' times (and raw samples) from `new`, the others' from `old`; the header (commit,
/// machine, tools) is `new`'s. `None` when one is a `--quick` run and the other not. (Counts: see
/// `CountData::updated`.)
pub fn times(old: BenchData, mut new: BenchData) -> Option<BenchData> {
    if old.quick != new.quick {
        return None;
    }
    let ran: Vec<EngineKind> = new.engines.keys().copied().collect();
    let other = |e: &EngineKind| !ran.contains(e);
    new.calls = keep(old.calls, |r| other(&r.engine), new.calls, |r| r.engine);
    new.libc_calls = keep(old.libc_calls, |r| other(&r.engine), new.libc_calls, |r| r.engine);
    new.loader = keep(old.loader, |r| other(&r.engine), new.loader, |r| r.engine);
    new.macro_sqlite = keep(old.macro_sqlite, |r| other(&r.engine), new.macro_sqlite, |r| r.engine);
    new.growth = keep(old.growth, |r| other(&r.engine), new.growth, |r| r.engine);
    new.samples = keep(old.samples, |r| other(&r.engine), new.samples, |r| r.engine);
    new.empty_loop_ns = old.empty_loop_ns.into_iter().filter(|(e, _)| other(e)).chain(new.empty_loop_ns).collect();
    new.engines = old.engines.into_iter().filter(|(e, _)| other(e)).chain(new.engines).collect();
    new.native_growth = new.native_growth.or(old.native_growth);
    Some(new)
}

/// `old`'s rows that `keep` holds, then `new`'s, in registry order of `engine` (stable: each
/// engine's rows in the order they were written).
fn keep<T>(old: Vec<T>, keep: impl Fn(&T) -> bool, new: Vec<T>, engine: impl Fn(&T) -> EngineKind) -> Vec<T> {
    let mut rows: Vec<T> = old.into_iter().filter(|r| keep(r)).chain(new).collect();
    rows.sort_by_key(|r| engine(r));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{Phase, Sample};
    use crate::subject::Subject;

    fn data(engines: &[EngineKind], value: f64) -> BenchData {
        BenchData {
            commit: None,
            machine: "m".into(),
            quick: true,
            engines: engines.iter().map(|&e| (e, vec![])).collect(),
            toolchain: vec![],
            empty_loop_ns: engines.iter().map(|&e| (e, value)).collect(),
            calls: vec![],
            libc_calls: vec![],
            loader: vec![],
            macro_sqlite: vec![],
            growth: vec![],
            native_growth: None,
            samples: engines
                .iter()
                .map(|&engine| Sample {
                    engine,
                    subject: Subject::EmptyLoop,
                    phase: Phase::Round1,
                    iteration: 0,
                    value,
                })
                .collect(),
        }
    }

    #[test]
    fn the_engines_run_replace_theirs_and_the_others_stay() {
        let [a, b, c] = [0, 1, 2].map(|i| EngineKind::ALL[i]);
        let merged = times(data(&[a, b, c], 1.0), data(&[b], 2.0)).unwrap();
        let values: Vec<(EngineKind, f64)> = merged.samples.iter().map(|s| (s.engine, s.value)).collect();
        assert_eq!(values, [(a, 1.0), (b, 2.0), (c, 1.0)]);
        assert_eq!(merged.empty_loop_ns[&b], 2.0);
        assert_eq!(merged.engines.len(), 3);
    }

    #[test]
    fn a_quick_run_does_not_merge_into_a_full_one() {
        let (e, other) = crate::measurement::fixture::two_engines();
        let mut old = data(&[e], 1.0);
        old.quick = false;
        assert!(times(old, data(&[other], 2.0)).is_none());
    }
}
