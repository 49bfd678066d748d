//! The oracle: the same program, interpreted in Rust.

use std::collections::HashMap;

use dylink::TrapKind;

use super::*;

pub(crate) fn wasm_min<F: PartialOrd + Copy>(a: F, b: F, a_neg: bool) -> F {
    // A NaN operand makes a NaN (which one does not matter: NaN bits are compared as "a NaN");
    // min(-0, +0) is -0 in wasm.
    #[allow(clippy::eq_op)]
    if a != a || b != b {
        return if a != a { a } else { b };
    }
    if a == b {
        if a_neg {
            a
        } else {
            b
        }
    } else if a < b {
        a
    } else {
        b
    }
}

pub(crate) fn wasm_max<F: PartialOrd + Copy>(a: F, b: F, a_neg: bool) -> F {
    #[allow(clippy::eq_op)]
    if a != a || b != b {
        return if a != a { a } else { b };
    }
    if a == b {
        if a_neg {
            b
        } else {
            a
        }
    } else if a > b {
        a
    } else {
        b
    }
}

pub(crate) fn apply(name: &str, a: &[V]) -> V {
    use V::*;
    let b = |x: bool| I32(x as i32);
    match (name, a) {
        ("select", [x, y, I32(c)]) => {
            if *c != 0 {
                *x
            } else {
                *y
            }
        }
        // i32
        ("i32.add", [I32(x), I32(y)]) => I32(x.wrapping_add(*y)),
        ("i32.sub", [I32(x), I32(y)]) => I32(x.wrapping_sub(*y)),
        ("i32.mul", [I32(x), I32(y)]) => I32(x.wrapping_mul(*y)),
        ("i32.and", [I32(x), I32(y)]) => I32(x & y),
        ("i32.or", [I32(x), I32(y)]) => I32(x | y),
        ("i32.xor", [I32(x), I32(y)]) => I32(x ^ y),
        ("i32.shl", [I32(x), I32(y)]) => I32(x.wrapping_shl(*y as u32)),
        ("i32.shr_s", [I32(x), I32(y)]) => I32(x.wrapping_shr(*y as u32)),
        ("i32.shr_u", [I32(x), I32(y)]) => I32((*x as u32).wrapping_shr(*y as u32) as i32),
        ("i32.rotl", [I32(x), I32(y)]) => I32((*x as u32).rotate_left(*y as u32 % 32) as i32),
        ("i32.rotr", [I32(x), I32(y)]) => I32((*x as u32).rotate_right(*y as u32 % 32) as i32),
        ("i32.div_s", [I32(x), I32(y)]) if *y > 0 => I32(x / y),
        ("i32.div_u", [I32(x), I32(y)]) if *y > 0 => I32((*x as u32 / *y as u32) as i32),
        ("i32.rem_s", [I32(x), I32(y)]) if *y > 0 => I32(x % y),
        ("i32.rem_u", [I32(x), I32(y)]) if *y > 0 => I32((*x as u32 % *y as u32) as i32),
        ("i32.clz", [I32(x)]) => I32(x.leading_zeros() as i32),
        ("i32.ctz", [I32(x)]) => I32(x.trailing_zeros() as i32),
        ("i32.popcnt", [I32(x)]) => I32(x.count_ones() as i32),
        ("i32.extend8_s", [I32(x)]) => I32(*x as i8 as i32),
        ("i32.extend16_s", [I32(x)]) => I32(*x as i16 as i32),
        ("i32.eqz", [I32(x)]) => b(*x == 0),
        ("i32.eq", [I32(x), I32(y)]) => b(x == y),
        ("i32.ne", [I32(x), I32(y)]) => b(x != y),
        ("i32.lt_s", [I32(x), I32(y)]) => b(x < y),
        ("i32.lt_u", [I32(x), I32(y)]) => b((*x as u32) < *y as u32),
        ("i32.gt_s", [I32(x), I32(y)]) => b(x > y),
        ("i32.gt_u", [I32(x), I32(y)]) => b(*x as u32 > *y as u32),
        ("i32.le_s", [I32(x), I32(y)]) => b(x <= y),
        ("i32.le_u", [I32(x), I32(y)]) => b(*x as u32 <= *y as u32),
        ("i32.ge_s", [I32(x), I32(y)]) => b(x >= y),
        ("i32.ge_u", [I32(x), I32(y)]) => b(*x as u32 >= *y as u32),
        ("i32.wrap_i64", [I64(x)]) => I32(*x as i32),
        ("i32.trunc_sat_f32_s", [F32(x)]) => I32(*x as i32),
        ("i32.trunc_sat_f32_u", [F32(x)]) => I32(*x as u32 as i32),
        ("i32.trunc_sat_f64_s", [F64(x)]) => I32(*x as i32),
        ("i32.trunc_sat_f64_u", [F64(x)]) => I32(*x as u32 as i32),
        ("i32.reinterpret_f32", [F32(x)]) => I32(x.to_bits() as i32),
        // i64
        ("i64.add", [I64(x), I64(y)]) => I64(x.wrapping_add(*y)),
        ("i64.sub", [I64(x), I64(y)]) => I64(x.wrapping_sub(*y)),
        ("i64.mul", [I64(x), I64(y)]) => I64(x.wrapping_mul(*y)),
        ("i64.and", [I64(x), I64(y)]) => I64(x & y),
        ("i64.or", [I64(x), I64(y)]) => I64(x | y),
        ("i64.xor", [I64(x), I64(y)]) => I64(x ^ y),
        ("i64.shl", [I64(x), I64(y)]) => I64(x.wrapping_shl(*y as u32)),
        ("i64.shr_s", [I64(x), I64(y)]) => I64(x.wrapping_shr(*y as u32)),
        ("i64.shr_u", [I64(x), I64(y)]) => I64((*x as u64).wrapping_shr(*y as u32) as i64),
        ("i64.rotl", [I64(x), I64(y)]) => I64((*x as u64).rotate_left((*y as u64 % 64) as u32) as i64),
        ("i64.rotr", [I64(x), I64(y)]) => I64((*x as u64).rotate_right((*y as u64 % 64) as u32) as i64),
        ("i64.div_s", [I64(x), I64(y)]) if *y > 0 => I64(x / y),
        ("i64.div_u", [I64(x), I64(y)]) if *y > 0 => I64((*x as u64 / *y as u64) as i64),
        ("i64.rem_s", [I64(x), I64(y)]) if *y > 0 => I64(x % y),
        ("i64.rem_u", [I64(x), I64(y)]) if *y > 0 => I64((*x as u64 % *y as u64) as i64),
        ("i64.clz", [I64(x)]) => I64(x.leading_zeros() as i64),
        ("i64.ctz", [I64(x)]) => I64(x.trailing_zeros() as i64),
        ("i64.popcnt", [I64(x)]) => I64(x.count_ones() as i64),
        ("i64.extend8_s", [I64(x)]) => I64(*x as i8 as i64),
        ("i64.extend16_s", [I64(x)]) => I64(*x as i16 as i64),
        ("i64.extend32_s", [I64(x)]) => I64(*x as i32 as i64),
        ("i64.eqz", [I64(x)]) => b(*x == 0),
        ("i64.eq", [I64(x), I64(y)]) => b(x == y),
        ("i64.ne", [I64(x), I64(y)]) => b(x != y),
        ("i64.lt_s", [I64(x), I64(y)]) => b(x < y),
        ("i64.lt_u", [I64(x), I64(y)]) => b((*x as u64) < *y as u64),
        ("i64.gt_s", [I64(x), I64(y)]) => b(x > y),
        ("i64.gt_u", [I64(x), I64(y)]) => b(*x as u64 > *y as u64),
        ("i64.le_s", [I64(x), I64(y)]) => b(x <= y),
        ("i64.le_u", [I64(x), I64(y)]) => b(*x as u64 <= *y as u64),
        ("i64.ge_s", [I64(x), I64(y)]) => b(x >= y),
        ("i64.ge_u", [I64(x), I64(y)]) => b(*x as u64 >= *y as u64),
        ("i64.extend_i32_s", [I32(x)]) => I64(*x as i64),
        ("i64.extend_i32_u", [I32(x)]) => I64(*x as u32 as i64),
        ("i64.trunc_sat_f32_s", [F32(x)]) => I64(*x as i64),
        ("i64.trunc_sat_f32_u", [F32(x)]) => I64(*x as u64 as i64),
        ("i64.trunc_sat_f64_s", [F64(x)]) => I64(*x as i64),
        ("i64.trunc_sat_f64_u", [F64(x)]) => I64(*x as u64 as i64),
        ("i64.reinterpret_f64", [F64(x)]) => I64(x.to_bits() as i64),
        // f32
        ("f32.add", [F32(x), F32(y)]) => F32(x + y),
        ("f32.sub", [F32(x), F32(y)]) => F32(x - y),
        ("f32.mul", [F32(x), F32(y)]) => F32(x * y),
        ("f32.div", [F32(x), F32(y)]) if *y != 0.0 => F32(x / y),
        ("f32.min", [F32(x), F32(y)]) => F32(wasm_min(*x, *y, x.is_sign_negative())),
        ("f32.max", [F32(x), F32(y)]) => F32(wasm_max(*x, *y, x.is_sign_negative())),
        ("f32.copysign", [F32(x), F32(y)]) => F32(x.copysign(*y)),
        ("f32.neg", [F32(x)]) => F32(-x),
        ("f32.abs", [F32(x)]) => F32(x.abs()),
        ("f32.sqrt", [F32(x)]) => F32(x.sqrt()),
        ("f32.floor", [F32(x)]) => F32(x.floor()),
        ("f32.ceil", [F32(x)]) => F32(x.ceil()),
        ("f32.trunc", [F32(x)]) => F32(x.trunc()),
        ("f32.nearest", [F32(x)]) => F32(x.round_ties_even()),
        ("f32.eq", [F32(x), F32(y)]) => b(x == y),
        ("f32.ne", [F32(x), F32(y)]) => b(x != y),
        ("f32.lt", [F32(x), F32(y)]) => b(x < y),
        ("f32.gt", [F32(x), F32(y)]) => b(x > y),
        ("f32.le", [F32(x), F32(y)]) => b(x <= y),
        ("f32.ge", [F32(x), F32(y)]) => b(x >= y),
        ("f32.convert_i32_s", [I32(x)]) => F32(*x as f32),
        ("f32.convert_i32_u", [I32(x)]) => F32(*x as u32 as f32),
        ("f32.convert_i64_s", [I64(x)]) => F32(*x as f32),
        ("f32.convert_i64_u", [I64(x)]) => F32(*x as u64 as f32),
        ("f32.demote_f64", [F64(x)]) => F32(*x as f32),
        // f64
        ("f64.add", [F64(x), F64(y)]) => F64(x + y),
        ("f64.sub", [F64(x), F64(y)]) => F64(x - y),
        ("f64.mul", [F64(x), F64(y)]) => F64(x * y),
        ("f64.div", [F64(x), F64(y)]) if *y != 0.0 => F64(x / y),
        ("f64.min", [F64(x), F64(y)]) => F64(wasm_min(*x, *y, x.is_sign_negative())),
        ("f64.max", [F64(x), F64(y)]) => F64(wasm_max(*x, *y, x.is_sign_negative())),
        ("f64.copysign", [F64(x), F64(y)]) => F64(x.copysign(*y)),
        ("f64.neg", [F64(x)]) => F64(-x),
        ("f64.abs", [F64(x)]) => F64(x.abs()),
        ("f64.sqrt", [F64(x)]) => F64(x.sqrt()),
        ("f64.floor", [F64(x)]) => F64(x.floor()),
        ("f64.ceil", [F64(x)]) => F64(x.ceil()),
        ("f64.trunc", [F64(x)]) => F64(x.trunc()),
        ("f64.nearest", [F64(x)]) => F64(x.round_ties_even()),
        ("f64.eq", [F64(x), F64(y)]) => b(x == y),
        ("f64.ne", [F64(x), F64(y)]) => b(x != y),
        ("f64.lt", [F64(x), F64(y)]) => b(x < y),
        ("f64.gt", [F64(x), F64(y)]) => b(x > y),
        ("f64.le", [F64(x), F64(y)]) => b(x <= y),
        ("f64.ge", [F64(x), F64(y)]) => b(x >= y),
        ("f64.convert_i32_s", [I32(x)]) => F64(*x as f64),
        ("f64.convert_i32_u", [I32(x)]) => F64(*x as u32 as f64),
        ("f64.convert_i64_s", [I64(x)]) => F64(*x as f64),
        ("f64.convert_i64_u", [I64(x)]) => F64(*x as u64 as f64),
        ("f64.promote_f32", [F32(x)]) => F64(*x as f64),
        _ => panic!("oracle: {name} {a:?} is not something the generator makes"),
    }
}

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
