//! The counts section that leads calls.md.

use std::fmt::Write;

use super::native::{Linkage, NativeLoad, KERNELS};
use dylab_engines::EngineKind;

use super::CountData;
use crate::calls::{Kernel, Variant};
use crate::measurement::{Measurement, Measurements, Metric, Of, Runner};
use crate::report::variant_table;
use crate::subject::Subject;

/// The count of `engine`'s call of kernel `k` under variant `v`.
fn count(m: &Measurements, engine: EngineKind, v: Variant, k: Kernel) -> Option<&Measurement> {
    m.get(engine, Of::Loop(Subject::Call(v, k)), Metric::Instructions)
}

/// One table per engine: instructions per loop iteration and ×ratio to the intra-module direct call
/// of the same kernel; `~` marks a row that is not exact. The numbers are `c`'s measurements
/// ([`Measurements::of_counts`]); `c` gives the stamps.
pub fn counts_md(c: &CountData) -> String {
    let m = Measurements::of_counts(c);
    let mut s = String::new();
    method(&mut s, c);
    machine_dependent(&mut s, c.engines.keys().copied());
    for &engine in c.engines.keys() {
        variant_table(&mut s, &format!("### {engine}"), true, |v, k| {
            let r = count(&m, engine, v, k)?;
            let floor = count(&m, engine, Variant::IntraDirect, k).map(|f| f.value);
            let ratio = floor.map(|f| format!(" ×{:.1}", r.value / f)).unwrap_or_default();
            let mark = if r.exact { "" } else { "~" };
            Some(format!("{mark}{}{ratio}", fmt_count(r.value)))
        });
    }
    if let Some(n) = &c.native {
        native_md(&mut s, &n.compiler, &m);
    }
    for line in targets(&m, c.engines.keys().copied()) {
        writeln!(s, "- {line}").unwrap();
    }
    writeln!(s).unwrap();
    s
}

/// How the counts were taken, and each engine's settings.
fn method(s: &mut String, c: &CountData) {
    let varying: Vec<&str> = c.engines.keys().filter(|e| !e.variation().host_calls_repeat).map(|e| e.name()).collect();
    writeln!(s, "## Instructions per call\n").unwrap();
    writeln!(
        s,
        "Counted by `dylab bench --count` under valgrind's callgrind ({}; raw rows: `data/counts.json`): per cell, \
         set-up runs uninstrumented; after warm-up regions, regions of {} and {} iterations ({} and {} for dlcall, whose \
         calls cost thousands) are counted (counters zeroed, \
         the loop, counters dumped, no clock read) and **instructions per iteration** = (I(n2) - I(n1)) / (n2 - n1): \
         the call plus the loop's own few instructions, host code included. **×ratio** to `intra-direct` of the same \
         kernel. A row is exact when two repetitions give the same integral count (kmega: per ring of 8 calls, \
         shown per call); `~` marks one that is not: dlcall (seeded hashing; `--check` allows 3%) and, on the engines \
         whose calls leaving wasm count differently from process to process ({}), every such \
         call (the same within a process, but up to 43% apart between processes; `--check` allows \
         50%). `dylab bench --count --check` fails on any change of an exact row. Counted at dylab {}.\n",
        c.valgrind,
        c.regions[0],
        c.regions[1],
        crate::counts::SHORT_REGIONS[0],
        crate::counts::SHORT_REGIONS[1],
        if varying.is_empty() { "none here".into() } else { varying.join(", ") },
        c.commit.as_deref().map(|x| format!("`{x}`")).unwrap_or_else(|| "(commit unknown: no git)".into())
    )
    .unwrap();
    for (e, settings) in &c.engines {
        let list: Vec<String> = settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        writeln!(s, "- {e}: {}", list.join(", ")).unwrap();
    }
}

/// What the counts depend on besides dylab: the host's libc and compiler, and each engine's code
/// ([`dylab_engines::Notes::code`]).
fn machine_dependent(s: &mut String, engines: impl Iterator<Item = EngineKind>) {
    writeln!(
        s,
        "\nWhat stays machine-dependent: the host code is compiled ahead of time for generic x86-64, but glibc picks \
         its string and memory routines (memcpy, strlen, ...) by CPU at load time, so host paths that call them (the \
         dynamic trampoline's argument vectors, dlcall's name lookup) may count differently on another CPU, and the \
         counts depend on the Rust compiler and crate versions that built dylab. Each engine's code:\n"
    )
    .unwrap();
    for e in engines {
        writeln!(s, "- {e}: {}", e.notes().code).unwrap();
    }
    writeln!(s).unwrap();
}

/// The native baselines: the same loops under glibc's ld.so, the limit the strategies approach.
fn native_md(s: &mut String, compiler: &str, m: &Measurements) {
    writeln!(s, "### native (gcc -m32, glibc's ld.so)\n").unwrap();
    writeln!(
        s,
        "The same caller.c loops, built by {compiler} as a 32-bit program with callee.c as a shared object and counted \
         the same way (`corpus/bench/native/count.c`); beside each, {}'s row of the same linkage \
         (`intra-direct`, `direct`, `shared-table`) where it was counted.\n",
        EngineKind::reference()
    )
    .unwrap();
    let kernels: Vec<&str> = KERNELS.iter().map(|k| k.name()).collect();
    writeln!(s, "| native linkage | {} |", kernels.join(" | ")).unwrap();
    writeln!(s, "|---|{}", "---|".repeat(kernels.len())).unwrap();
    for linkage in <Linkage as strum::IntoEnumIterator>::iter() {
        let cells: Vec<String> = KERNELS.iter().map(|&k| native_call(m, linkage, k)).collect();
        writeln!(s, "| `{}`: {} | {} |", linkage.name(), linkage.describe(), cells.join(" | ")).unwrap();
    }
    let loads = |fresh: bool| -> Vec<String> {
        let counted = m.with(Metric::Instructions).filter(|r| r.runner == Runner::Native);
        let load = counted.filter_map(|r| match r.of {
            Of::NativeDlopen(load) => Some((load, r.value)),
            _ => None,
        });
        load.filter_map(|(load, i)| match load {
            NativeLoad::Fresh { .. } if fresh => Some(fmt_count(i)),
            NativeLoad::Nth(n) if !fresh => Some(format!("{n}: {}", fmt_count(i))),
            _ => None,
        })
        .collect()
    };
    writeln!(
        s,
        "\ndlopen of a small library (instructions of the call, RTLD_NOW): after the same library was closed \
         {}; the n-th library loaded while the earlier ones stay loaded, n = {}.\n",
        loads(true).join(", "),
        loads(false).join(", ")
    )
    .unwrap();
}

/// A native call's count, beside the reference engine's call of the same linkage.
fn native_call(m: &Measurements, linkage: Linkage, k: Kernel) -> String {
    let Some(r) = m.get(Runner::Native, Of::NativeCall { linkage, kernel: k }, Metric::Instructions) else {
        return "·".into();
    };
    let wasm = match linkage {
        Linkage::IntraDirect => Variant::IntraDirect,
        Linkage::Plt => Variant::CrossDirect,
        Linkage::Pointer => Variant::SharedTable,
    };
    let mark = if r.exact { "" } else { "~" };
    let reference = EngineKind::reference();
    let beside = count(m, reference, wasm, k)
        .map(|w| format!(" ({reference} {}: {})", wasm.name(), fmt_count(w.value)))
        .unwrap_or_default();
    format!("{mark}{}{beside}", fmt_count(r.value))
}

/// The matrix's trampoline (the engine's cheapest generic forwarder) against the typed trampoline,
/// per `engines`: the worst kernel's ratio, target 1.5x.
pub fn targets(m: &Measurements, engines: impl Iterator<Item = EngineKind>) -> Vec<String> {
    let mut out = Vec::new();
    for engine in engines {
        let worst = Kernel::ALL
            .iter()
            .filter_map(|&k| {
                let generic = count(m, engine, Variant::Trampoline, k)?.value;
                let typed = count(m, engine, Variant::TrampolineTyped, k)?.value;
                Some((generic / typed, k, generic, typed))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((ratio, k, generic, typed)) = worst {
            out.push(format!(
                "**{engine}: `trampoline` within 1.5x of `trampoline-typed` in instructions on every kernel** — {}: \
                 worst {} at {ratio:.2}x ({} vs {})",
                if ratio <= 1.5 { "met" } else { "missed" },
                k.name(),
                fmt_count(generic),
                fmt_count(typed)
            ));
        }
    }
    out
}

/// Integers as integers, anything else with one decimal.
fn fmt_count(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:.0}")
    } else {
        format!("{n:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::{CountRow, REGIONS};

    fn row(v: Variant, k: Kernel, n: f64, exact: bool) -> CountRow {
        CountRow {
            cell: format!("{}/{}/{}", EngineKind::reference(), v.name(), k.name()),
            engine: EngineKind::reference(),
            variant: v,
            kernel: k,
            instructions_per_call: n,
            exact,
            repetitions: vec![n, n],
            checksum: 0,
            regions: REGIONS,
            tolerance: if exact { 0.0 } else { crate::counts::NON_EXACT_TOLERANCE },
        }
    }

    #[test]
    fn the_table_shows_ratios_to_the_floor_marks_inexact_rows_and_judges_the_trampoline() {
        let c = CountData {
            commit: None,
            machine: String::new(),
            valgrind: "valgrind-3.19.0".into(),
            regions: REGIONS,
            engines: [(EngineKind::reference(), vec![("version".to_string(), "1".to_string())])].into(),
            toolchain: vec![],
            rows: vec![
                row(Variant::IntraDirect, Kernel::K1, 17.0, true),
                row(Variant::TrampolineTyped, Kernel::K1, 300.0, true),
                row(Variant::Trampoline, Kernel::K1, 510.0, true),
                row(Variant::Dlcall, Kernel::K1, 6100.5, false),
            ],
            macro_sqlite: vec![],
            native: None,
            isolation: vec![],
        };
        let md = counts_md(&c);
        assert!(md.contains("| intra-direct | n/a | 17 ×1.0 | n/a |"), "{md}");
        assert!(md.contains("| trampoline | n/a | 510 ×30.0 |"), "{md}");
        assert!(md.contains("| dlcall | n/a | ~6100.5 ×358.9 |"), "{md}");
        assert!(!md.contains("| shared-table |"), "rows with no count are left out");
        assert!(md.contains("— missed: worst k1 at 1.70x (510 vs 300)"), "{md}");
    }

    #[test]
    fn the_native_baselines_sit_beside_the_reference_engines_rows_of_the_same_linkage() {
        use crate::counts::native::{NativeCall, NativeCounts};
        let direct = row(Variant::CrossDirect, Kernel::K1, 17.0, true);
        let call = |linkage, kernel: Kernel, n| NativeCall { linkage, kernel, instructions_per_call: n, exact: true };
        let c = CountData {
            rows: vec![direct],
            native: Some(NativeCounts {
                compiler: "gcc 12".into(),
                calls: vec![call(Linkage::Plt, Kernel::K1, 11.0), call(Linkage::Pointer, Kernel::K0, 7.0)],
                dlopen_fresh: vec![10_629, 10_629],
                dlopen_nth: vec![(1, 10_461), (1000, 204_682)],
            }),
            ..Default::default()
        };
        let md = counts_md(&c);
        assert!(md.contains("### native (gcc -m32, glibc's ld.so)") && md.contains("built by gcc 12"), "{md}");
        assert!(
            md.contains(&format!(
                "| `plt`: a call into another shared object, through the PLT | · | 11 ({} direct: 17) |",
                EngineKind::reference()
            )),
            "{md}"
        );
        assert!(
            md.contains("| `pointer`: a call through a dlsym pointer into another shared object | 7 | · |"),
            "{md}"
        );
        assert!(md.contains("n = 1: 10461, 1000: 204682"), "{md}");
    }
}
