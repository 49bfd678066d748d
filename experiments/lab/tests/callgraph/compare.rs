//! What the oracle says the host should see, and comparing that with what it saw.

use dylink::strategy::PointerTable;
use dylink::Strategy as Linking;
use dylink::TrapKind;

use super::*;

/// What the host should see under `strategy`: per host call, the results and then every module's
/// checksum, or the trap. `None` after a stack overflow: the checksums then depend on how deep the
/// engine's stack let the endless recursion go (its sibling calls store checksums at every level).
pub(crate) fn expected(prog: &Program, strategy: Linking) -> Vec<Option<Outcome>> {
    let pointers = match strategy.policy().pointers {
        PointerTable::Definer => Pointers::DefinerSlot(Tables::of(prog)),
        _ => Pointers::Named,
    };
    let last = prog.modules.len() - 1;
    let mut checksums = vec![0u64; prog.modules.len()];
    let mut undefined = false;
    prog.calls
        .iter()
        .map(|(k, args)| {
            if undefined {
                return None;
            }
            Some(match Interp::new(prog, &pointers).call(&mut checksums, last, *k, args) {
                Ok(r) => {
                    let mut seen: Vec<Bits> = r.into_iter().map(V::bits).collect();
                    seen.extend(checksums.iter().map(|c| (T::I64, *c)));
                    Outcome::Values(seen)
                }
                Err(kind) => {
                    undefined = kind == TrapKind::StackOverflow;
                    Outcome::Trap(kind)
                }
            })
        })
        .collect()
}

/// Values agree bit for bit, except that any NaN matches any NaN: the spec leaves a NaN result's
/// sign and payload to the engine (see [`NAN_BITS`]); the generated code canonicalises a NaN before
/// its bits can reach an integer, so checksums compare exactly.
pub(crate) fn agrees(want: &[Option<Outcome>], got: &[Outcome]) -> bool {
    let nan = |(t, b): Bits| match t {
        T::F32 => f32::from_bits(b as u32).is_nan(),
        T::F64 => f64::from_bits(b).is_nan(),
        _ => false,
    };
    let same = |w: &Bits, g: &Bits| w == g || (w.0 == g.0 && nan(*w) && nan(*g));
    want.len() == got.len()
        && want.iter().zip(got).all(|(w, g)| match (w, g) {
            (None, _) => true,
            (Some(Outcome::Values(w)), Outcome::Values(g)) => {
                w.len() == g.len() && w.iter().zip(g).all(|(w, g)| same(w, g))
            }
            (Some(w), g) => w == g,
        })
}

pub(crate) fn show_expected(want: &[Option<Outcome>]) -> String {
    want.iter()
        .map(|o| match o {
            None => "(not compared: after a stack overflow)".into(),
            Some(o) => show(&Ok(vec![o.clone()])),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

pub(crate) fn show(o: &Result<Vec<Outcome>, String>) -> String {
    match o {
        Err(e) => format!("load error: {e}"),
        Ok(v) => v
            .iter()
            .map(|o| match o {
                Outcome::Trap(t) => format!("trap {t}"),
                Outcome::Values(v) => {
                    format!("{:?}", v.iter().map(|(t, b)| format!("{}:{b:#x}", t.name())).collect::<Vec<_>>())
                }
            })
            .collect::<Vec<_>>()
            .join(" | "),
    }
}
