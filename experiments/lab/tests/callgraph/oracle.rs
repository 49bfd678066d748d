//! The oracle: the same program, interpreted in Rust.

use std::collections::HashMap;

use dylink::TrapKind;

use super::*;

pub(crate) fn eval(e: &Expr, locals: &[V], checksum: u64) -> V {
    let finite = |v: &V| match v {
        V::F32(x) => x.is_finite(),
        V::F64(x) => x.is_finite(),
        _ => true,
    };
    let (v, operands_finite) = match e {
        Expr::Local(i) => (locals[*i as usize], false),
        Expr::Const(v) => (*v, false),
        Expr::Checksum => (V::I64(checksum as i64), true),
        Expr::Op(name, args) => {
            let a: Vec<V> = args.iter().map(|a| eval(a, locals, checksum)).collect();
            let all = a.iter().all(finite);
            (apply(name, &a), all)
        }
    };
    // The generator's bounds keep an operation on finite operands finite (no overflow to infinity,
    // no NaN); infinities and NaNs come only from special constants and arguments and what they reach.
    if operands_finite {
        match v {
            V::F32(x) => assert!(x.is_finite() && x.abs() <= 1e38, "generator bound broken: {x} from {e:?}"),
            V::F64(x) => assert!(x.is_finite() && x.abs() <= 1e61, "generator bound broken: {x} from {e:?}"),
            _ => {}
        }
    }
    v
}

/// What a function pointer from `GOT.func` calls under a strategy.
pub(crate) enum Pointers {
    /// The function it names (one shared table, copies into the caller's table, replicated tables).
    Named,
    /// Policy `PointerTable::Definer` (trampoline, direct): the pointer is a slot of the definer's
    /// private table, and the caller's `call_indirect` looks it up in its own table.
    DefinerSlot(Tables),
}

/// The private tables of [`Pointers::DefinerSlot`], laid out as the loader does (dylink tables.rs):
/// a module's table is made at its load, slot 0 null and its own region from slot 1 (`__table_base`
/// is 1); each new `GOT.func` request (modules load in order, entries in import order) appends the
/// function to the end of its definer's table.
pub(crate) struct Tables {
    /// Per module: its table's entries, each a function of that module.
    entries: Vec<Vec<Option<usize>>>,
    /// The slot each `GOT.func` entry got, in its definer's table.
    slots: HashMap<(usize, usize), usize>,
}

impl Tables {
    pub(crate) fn of(prog: &Program) -> Tables {
        let mut t = Tables { entries: Vec::new(), slots: HashMap::new() };
        for m in 0..prog.modules.len() {
            let own = own_slots(prog, m);
            t.entries.push(std::iter::once(None).chain((0..own).map(Some)).collect());
            for (j, k) in imports_of(prog, m).1 {
                if let std::collections::hash_map::Entry::Vacant(e) = t.slots.entry((j, k)) {
                    e.insert(t.entries[j].len());
                    t.entries[j].push(Some(k));
                }
            }
        }
        t
    }
}

/// The program interpreted: values, traps, and the checksums the calls leave behind.
pub(crate) struct Interp<'a> {
    pub(crate) prog: &'a Program,
    pub(crate) pointers: &'a Pointers,
    /// Flip the lowest bit of every cross-module call's arguments and results (a call that passes or
    /// returns something slightly different), to check that the generated programs notice.
    pub(crate) perturb: bool,
    stack: Vec<(usize, usize)>,
}

impl<'a> Interp<'a> {
    pub(crate) fn new(prog: &'a Program, pointers: &'a Pointers) -> Self {
        Interp { prog, pointers, perturb: false, stack: Vec::new() }
    }

    /// Calls function `f` of module `m`; `checksums` holds every module's checksum. Calls are
    /// unconditional, so re-entering a function on the stack recurses forever: a stack overflow.
    pub(crate) fn call(&mut self, checksums: &mut [u64], m: usize, f: usize, args: &[V]) -> Result<Vec<V>, TrapKind> {
        if self.stack.contains(&(m, f)) {
            return Err(TrapKind::StackOverflow);
        }
        self.stack.push((m, f));
        let r = self.body(checksums, m, f, args);
        self.stack.pop();
        r
    }

    fn flip(&self, v: V) -> V {
        match (self.perturb, v) {
            (false, v) => v,
            (true, V::I32(x)) => V::I32(x ^ 1),
            (true, V::I64(x)) => V::I64(x ^ 1),
            (true, V::F32(x)) => V::F32(f32::from_bits(x.to_bits() ^ 1)),
            (true, V::F64(x)) => V::F64(f64::from_bits(x.to_bits() ^ 1)),
        }
    }

    fn body(&mut self, checksums: &mut [u64], m: usize, f: usize, args: &[V]) -> Result<Vec<V>, TrapKind> {
        let func = &self.prog.modules[m][f];
        let mut locals = args.to_vec();
        for c in &func.calls {
            let a: Vec<V> = c.args.iter().map(|e| self.flip(eval(e, &locals, checksums[m]))).collect();
            let (tm, tf) = self.target(m, c)?;
            let r = self.call(checksums, tm, tf, &a)?;
            locals.extend(r.into_iter().map(|v| self.flip(v)));
        }
        checksums[m] = match eval(&func.checksum, &locals, checksums[m]) {
            V::I64(x) => x as u64,
            v => unreachable!("checksum {v:?}"),
        };
        Ok(func.ret.iter().map(|e| eval(e, &locals, checksums[m])).collect())
    }

    /// The function a call made in module `m` reaches, or the trap of its `call_indirect`.
    fn target(&self, m: usize, c: &Call) -> Result<(usize, usize), TrapKind> {
        let Pointers::DefinerSlot(t) = self.pointers else { return Ok((c.module, c.func)) };
        if c.how != How::Got {
            return Ok((c.module, c.func));
        }
        let slot = t.slots[&(c.module, c.func)];
        let g = t.entries[m].get(slot).ok_or(TrapKind::TableOutOfBounds)?.ok_or(TrapKind::IndirectCallToNull)?;
        let (want, found) = (&self.prog.modules[c.module][c.func], &self.prog.modules[m][g]);
        if want.params != found.params || want.results != found.results {
            return Err(TrapKind::BadSignature);
        }
        Ok((m, g))
    }
}

/// Calls function `f` of module `m` with pointers meaning what they name (no traps possible).
pub(crate) fn interpret_perturbed(
    prog: &Program,
    checksums: &mut [u64],
    m: usize,
    f: usize,
    args: &[V],
    perturb: bool,
) -> Vec<V> {
    let mut i = Interp { perturb, ..Interp::new(prog, &Pointers::Named) };
    i.call(checksums, m, f, args).expect("named calls cannot trap")
}
