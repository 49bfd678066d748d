//! The targets of issue 4 that calls.md reports as met or missed, judged on the timed calls'
//! measurements ([`Of::Loop`] of a [`Subject::Call`]).

use dylab_engines::EngineKind;

use crate::calls::{Kernel, Variant};
use crate::measurement::{Measurement, Measurements, Metric, Of};
use crate::samples::Phase;
use crate::subject::Subject;

/// One target of issue 4 and whether this run met it.
pub struct Target {
    pub name: String,
    pub met: bool,
    pub detail: String,
}

/// Every target the measured calls can judge.
pub fn targets(m: &Measurements) -> Vec<Target> {
    let mut out: Vec<Target> = stability_target(m).into_iter().collect();
    out.extend(m.engines().into_iter().filter_map(|e| trampoline_target(m, e)));
    out.extend(cross_module_target(m));
    out
}

/// The timed calls (a kernel under a variant) by their ratio, in the order measured.
fn calls(m: &Measurements) -> impl Iterator<Item = (&Measurement, Variant, Kernel)> {
    m.with(Metric::Ratio).filter_map(|r| match r.of {
        Of::Loop(Subject::Call(v, k)) => Some((r, v, k)),
        _ => None,
    })
}

/// `engine`'s `metric` of kernel `k` called as `v`.
fn value(m: &Measurements, engine: EngineKind, v: Variant, k: Kernel, metric: Metric) -> Option<f64> {
    m.value(engine, Of::Loop(Subject::Call(v, k)), metric)
}

/// 1. Ratio stability between the two rounds of this run.
fn stability_target(m: &Measurements) -> Option<Target> {
    let value = |r: &Measurement, metric| m.value(r.runner, r.of, metric).unwrap_or(f64::NAN);
    let rounds = |r: &Measurement| Phase::ALL.map(|p| value(r, Metric::RoundRatio(p)));
    let dev = |r: &Measurement| {
        let [a, b] = rounds(r);
        (a - b).abs() / a
    };
    let rows: Vec<&Measurement> = calls(m).map(|(r, _, _)| r).collect();
    if rows.is_empty() {
        return None;
    }
    let moved: Vec<String> = rows
        .iter()
        .filter(|r| dev(r) > 0.05)
        .map(|r| {
            let [a, b] = rounds(r);
            format!("`{}` {a:.2}/{b:.2} (IQR {:.2}–{:.2} ns)", r.cell(), value(r, Metric::Q1), value(r, Metric::Q3))
        })
        .collect();
    let all: Vec<f64> = rows.iter().map(|r| dev(r) * 100.0).collect();
    Some(Target {
        name: "ratios stable within 5% between two consecutive rounds".into(),
        met: moved.is_empty(),
        detail: format!(
            "median change {:.1}%, {} of {} rows beyond 5%{}",
            crate::measure::median(&all),
            moved.len(),
            rows.len(),
            if moved.is_empty() {
                String::new()
            } else {
                format!(
                    ": {}. A row whose interquartile range spans two speeds runs at one or the other for whole \
                     stretches (the same wasm, the same instance): a machine effect such as code or table \
                     placement, not noise that more samples would remove",
                    moved.join(", ")
                )
            }
        ),
    })
}

/// 2. The matrix's trampoline (the engine's cheapest generic forwarder) against the typed one.
///
/// (A trampoline against a bare host call was ill-posed: a trampoline must re-enter wasm.)
fn trampoline_target(m: &Measurements, engine: EngineKind) -> Option<Target> {
    let mut worst: Option<(f64, String)> = None;
    for k in Kernel::ALL {
        let median = |v| value(m, engine, v, k, Metric::Median);
        if let (Some(g), Some(t)) = (median(Variant::Trampoline), median(Variant::TrampolineTyped)) {
            let ratio = g / t;
            if worst.as_ref().is_none_or(|(w, _)| ratio > *w) {
                worst = Some((ratio, k.name().to_string()));
            }
        }
    }
    let (ratio, k) = worst?;
    Some(Target {
        name: format!("{engine}: trampoline within 1.5x of the typed trampoline"),
        met: ratio <= 1.5,
        detail: format!("worst kernel {k}: {ratio:.2}x in time (instruction counts, above, are the exact comparison)"),
    })
}

/// 3. Non-trampoline cross-module calls on the reference engine against the intra-module floor.
fn cross_module_target(m: &Measurements) -> Option<Target> {
    let reference = EngineKind::reference();
    let cross = [Variant::CrossDirect, Variant::SharedTable, Variant::DlsymImport, Variant::ReplicatedTables];
    let rows = calls(m).filter(|(r, v, _)| r.engine() == Some(reference) && cross.contains(v));
    let (w, variant, kernel) = rows.max_by(|a, b| a.0.value.total_cmp(&b.0.value))?;
    let same_module = if variant == Variant::CrossDirect { Variant::IntraDirect } else { Variant::IntraIndirect };
    let local = value(m, reference, same_module, kernel, Metric::Ratio).unwrap_or(f64::NAN);
    let median_ns = m.value(reference, w.of, Metric::Median).unwrap_or(f64::NAN);
    Some(Target {
        name: format!("{reference}: every non-trampoline cross-module variant within 1.3x of the intra-module direct call"),
        met: w.value <= 1.3,
        detail: format!(
            "worst `{}` at {:.2}x ({:.2} ns vs {:.2} ns per iteration); the same call within one module ({}) is {:.2}x, \
             so what remains is the cost of the call's kind (call_indirect's bounds and signature checks), not of \
             crossing modules",
            w.cell(),
            w.value,
            median_ns,
            median_ns / w.value,
            same_module.name(),
            local
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measurement::fixture::{two_engines, Timings};

    /// Every timed call is judged (none dropped), and the worst cross-module row is named.
    #[test]
    fn the_targets_count_every_call_and_name_the_worst_cross_module_row() {
        let (e, other) = two_engines();
        let m = Timings::default()
            .floor(e, Kernel::K1, 2.0)
            .call(e, Variant::SharedTable, Kernel::K1, 2.4, 1.2)
            .call(e, Variant::CrossDirect, Kernel::K1, 3.0, 1.5)
            .call(e, Variant::Trampoline, Kernel::K1, 9.6, 4.8)
            .call(e, Variant::TrampolineTyped, Kernel::K1, 6.0, 3.0)
            .call(other, Variant::SharedTable, Kernel::K4, 5.0, 1.1)
            .build();
        let t = targets(&m);
        assert!(t[0].detail.contains("0 of 6 rows beyond 5%"), "{}", t[0].detail);
        assert_eq!(
            t.iter().filter(|t| t.name.contains("typed trampoline")).count(),
            1,
            "only {e} has both trampolines"
        );
        assert!(t[1].detail.contains("worst kernel k1: 1.60x") && !t[1].met, "{}", t[1].detail);
        let cross = t.last().unwrap();
        assert!(
            cross.detail.starts_with(&format!("worst `{e}/direct/k1` at 1.50x (3.00 ns vs 2.00 ns")),
            "{}",
            cross.detail
        );
        assert!(cross.detail.contains("(intra-direct) is 1.00x") && !cross.met, "{}", cross.detail);
    }
}
