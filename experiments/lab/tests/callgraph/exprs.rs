//! The expressions of generated functions: constants (with infinities and NaNs), conversions,
//! integer and float arithmetic that cannot trap and stays within bounds, and digests of locals.

use super::*;

thread_local! {
    pub(crate) static WASMI_WORKAROUND: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
    pub(crate) static SPECIALS: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// `select`. wasmi 2.0.0 fuses a condition computed by `i32.eqz x`, `i32.eq x 0` or `i32.ne x 0`
/// into the select and, when `x` is a local, then reads a stale register instead of `x`; with the
/// workaround, such a condition goes through `i32.and 1` (same value, no fusion).
pub(crate) fn select(a: Expr, b: Expr, c: Expr) -> Expr {
    let fusable = matches!(&c, Expr::Op("i32.eqz" | "i32.eq" | "i32.ne", _));
    let c =
        if fusable && WASMI_WORKAROUND.with(|w| w.get()) { op("i32.and", vec![c, Expr::Const(V::I32(1))]) } else { c };
    op("select", vec![a, b, c])
}

/// Every float value computed from finite ones stays within this magnitude (far from f32::MAX, so
/// finite operands make no infinity and no NaN); infinities and NaNs come from special constants.
pub(crate) const LIMIT: f64 = 1e30;
/// Host-supplied float arguments stay within this magnitude.
pub(crate) const ARG_LIMIT: f64 = 1e6;

pub(crate) fn int_bound(t: T) -> f64 {
    // |value| as a float, after an unsigned conversion.
    if t == T::I32 {
        4.3e9
    } else {
        1.9e19
    }
}

pub(crate) fn op(name: &'static str, args: Vec<Expr>) -> Expr {
    Expr::Op(name, args)
}

pub(crate) fn int_const(rng: &mut Random, t: T) -> V {
    let v: i64 = match rng.below(8) {
        0 => 0,
        1 => 1,
        2 => -1,
        3 => i64::MIN,
        4 => i64::MAX,
        5 => 0x7fff,
        6 => rng.next() as i64 % 100,
        _ => rng.next() as i64,
    };
    match t {
        T::I32 => V::I32(match v {
            i64::MIN => i32::MIN,
            i64::MAX => i32::MAX,
            v => v as i32,
        }),
        _ => V::I64(v),
    }
}

/// NaNs the generator writes (as f32 bits; f64 ones are the same patterns widened): the canonical
/// one, its negative, a quiet one with a payload and a signalling one.
pub(crate) const NANS: [u32; 4] = [0x7fc0_0000, 0xffc0_0000, 0x7fc0_1234, 0x7fa0_0001];

/// One of [`NANS`] as a value of type `t`.
pub(crate) fn nan(t: T, i: usize) -> V {
    let b = NANS[i % NANS.len()];
    match t {
        T::F32 => V::F32(f32::from_bits(b)),
        _ => {
            // sign, quiet bit and the payload's low bits carried over to f64's layout
            let bits = ((b as u64 & 0x8000_0000) << 32) | 0x7ff0_0000_0000_0000 | ((b as u64 & 0x007f_ffff) << 29);
            V::F64(f64::from_bits(bits))
        }
    }
}

/// The canonical NaN's bits as a value: what a NaN becomes before its bits are read.
pub(crate) fn canonical_nan(t: T) -> V {
    nan(t, 0)
}

/// `e` (float type `t`) with any NaN replaced by the canonical one: NaN signs and payloads are the
/// engine's choice (see `NAN_BITS`), so no NaN's bits may reach an integer or a sign.
pub(crate) fn canon(t: T, e: Expr) -> Expr {
    op("select", vec![e.clone(), Expr::Const(canonical_nan(t)), op(tname(t, "eq"), vec![e.clone(), e])])
}

/// A float within [`ARG_LIMIT`]: zeros, subnormals, small and large values; now and then an
/// infinity or a NaN (when `specials`).
pub(crate) fn float_const(rng: &mut Random, t: T) -> V {
    if SPECIALS.with(|s| s.get()) && rng.chance(1, 10) {
        let inf = if rng.chance(1, 2) { f64::INFINITY } else { f64::NEG_INFINITY };
        return match rng.below(3) {
            0 => nan(t, rng.below(NANS.len())),
            _ if t == T::F32 => V::F32(inf as f32),
            _ => V::F64(inf),
        };
    }
    let v: f64 = match rng.below(9) {
        0 => 0.0,
        1 => -0.0,
        2 => 1.0,
        3 => -1.5,
        4 => 0.1,
        5 => {
            if t == T::F32 {
                1e-40
            } else {
                5e-324
            }
        }
        6 => 123456.75,
        7 => f32::MIN_POSITIVE as f64,
        _ => (rng.next() as i32) as f64 / 4096.0,
    };
    if t == T::F32 {
        V::F32(v as f32)
    } else {
        V::F64(v)
    }
}

pub(crate) fn constant(rng: &mut Random, t: T) -> (Expr, f64) {
    if t.is_float() {
        let v = float_const(rng, t);
        // Bounds are about finite values (they keep finite operands finite); an infinity or a NaN
        // is special from the start.
        let b = match v {
            V::F32(x) if x.is_finite() => x.abs() as f64,
            V::F64(x) if x.is_finite() => x.abs(),
            _ => 0.0,
        };
        (Expr::Const(v), b)
    } else {
        (Expr::Const(int_const(rng, t)), int_bound(t))
    }
}

/// Converts `e` (of type `from`, magnitude bound `b`) to `to`, without trapping.
pub(crate) fn convert(rng: &mut Random, e: Expr, from: T, b: f64, to: T) -> (Expr, f64) {
    use T::*;
    let name: &'static str = match (from, to) {
        (x, y) if x == y => return (e, if x.is_float() { b } else { int_bound(x) }),
        (I32, I64) => rng.pick(&["i64.extend_i32_s", "i64.extend_i32_u"]),
        (I64, I32) => "i32.wrap_i64",
        (I32, F32) => rng.pick(&["f32.convert_i32_s", "f32.convert_i32_u"]),
        (I64, F32) => rng.pick(&["f32.convert_i64_s", "f32.convert_i64_u"]),
        (I32, F64) => rng.pick(&["f64.convert_i32_s", "f64.convert_i32_u"]),
        (I64, F64) => rng.pick(&["f64.convert_i64_s", "f64.convert_i64_u"]),
        (F32, I32) => match rng.pick(&["i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.reinterpret_f32"]) {
            "i32.reinterpret_f32" => return (op("i32.reinterpret_f32", vec![canon(from, e)]), int_bound(to)),
            name => name,
        },
        (F64, I32) => rng.pick(&["i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u"]),
        (F32, I64) => rng.pick(&["i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u"]),
        (F64, I64) => match rng.pick(&["i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u", "i64.reinterpret_f64"]) {
            "i64.reinterpret_f64" => return (op("i64.reinterpret_f64", vec![canon(from, e)]), int_bound(to)),
            name => name,
        },
        (F32, F64) => "f64.promote_f32",
        (F64, F32) => "f32.demote_f64",
        _ => unreachable!(),
    };
    let bound = if to.is_float() {
        if from.is_float() {
            b
        } else {
            int_bound(from)
        }
    } else {
        int_bound(to)
    };
    (op(name, vec![e]), bound)
}

/// Keeps a float expression within [`LIMIT`]: sqrt(abs(x)) never makes a NaN.
pub(crate) fn shrink(t: T, mut e: Expr, mut b: f64) -> (Expr, f64) {
    while b > LIMIT {
        e = op(tname(t, "sqrt"), vec![op(tname(t, "abs"), vec![e])]);
        b = b.sqrt() * 1.01;
    }
    (e, b)
}

/// Generates an expression of type `t`; `scope` holds each local's type and float bound.
pub(crate) fn expr(rng: &mut Random, scope: &[(T, f64)], t: T, depth: u32) -> (Expr, f64) {
    if depth == 0 || rng.chance(1, 4) {
        return leaf(rng, scope, t);
    }
    let d = depth - 1;
    let (e, b) = if t.is_float() { float_expr(rng, scope, t, d) } else { int_expr(rng, scope, t, d) };
    if t.is_float() {
        shrink(t, e, b)
    } else {
        (e, b)
    }
}

pub(crate) fn leaf(rng: &mut Random, scope: &[(T, f64)], t: T) -> (Expr, f64) {
    let same: Vec<usize> = (0..scope.len()).filter(|&i| scope[i].0 == t).collect();
    match rng.below(4) {
        0 | 1 if !same.is_empty() => {
            let i = rng.pick(&same);
            (Expr::Local(i as u32), if t.is_float() { scope[i].1 } else { int_bound(t) })
        }
        2 if !scope.is_empty() => {
            let i = rng.below(scope.len());
            let (from, b) = scope[i];
            let (e, b) = convert(rng, Expr::Local(i as u32), from, b, t);
            if t.is_float() {
                shrink(t, e, b)
            } else {
                (e, b)
            }
        }
        _ => constant(rng, t),
    }
}

pub(crate) fn int_expr(rng: &mut Random, scope: &[(T, f64)], t: T, d: u32) -> (Expr, f64) {
    let bound = int_bound(t);
    let sub = |rng: &mut Random, t: T| expr(rng, scope, t, d).0;
    let e = match rng.below(if t == T::I32 { 7 } else { 6 }) {
        0 | 1 => {
            let o = rng.pick(&["add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"]);
            op(tname(t, o), vec![sub(rng, t), sub(rng, t)])
        }
        2 => {
            // The divisor is (y & 0x7fff) | 1: positive, so neither /0 nor MIN/-1 can trap.
            let o = rng.pick(&["div_s", "div_u", "rem_s", "rem_u"]);
            let (mask, one) = match t {
                T::I32 => (V::I32(0x7fff), V::I32(1)),
                _ => (V::I64(0x7fff), V::I64(1)),
            };
            let y =
                op(tname(t, "or"), vec![op(tname(t, "and"), vec![sub(rng, t), Expr::Const(mask)]), Expr::Const(one)]);
            op(tname(t, o), vec![sub(rng, t), y])
        }
        3 => {
            let mut ops = vec!["clz", "ctz", "popcnt", "extend8_s", "extend16_s"];
            if t == T::I64 {
                ops.push("extend32_s");
            }
            let o = rng.pick(&ops);
            op(tname(t, o), vec![sub(rng, t)])
        }
        4 => select(sub(rng, t), sub(rng, t), sub(rng, T::I32)),
        5 => {
            let from = rng.pick(&T::ALL.iter().copied().filter(|x| *x != t).collect::<Vec<_>>());
            let (e, b) = expr(rng, scope, from, d);
            convert(rng, e, from, b, t).0
        }
        _ => {
            // Comparisons (i32 results only).
            let from = rng.ty();
            let o = if from.is_float() {
                rng.pick(&["eq", "ne", "lt", "gt", "le", "ge"])
            } else {
                rng.pick(&["eqz", "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"])
            };
            if o == "eqz" {
                op(tname(from, o), vec![sub(rng, from)])
            } else {
                op(tname(from, o), vec![sub(rng, from), sub(rng, from)])
            }
        }
    };
    (e, bound)
}

pub(crate) fn float_expr(rng: &mut Random, scope: &[(T, f64)], t: T, d: u32) -> (Expr, f64) {
    let sub = |rng: &mut Random, t: T| expr(rng, scope, t, d);
    match rng.below(8) {
        0 | 1 => {
            let ((a, ba), (b, bb)) = (sub(rng, t), sub(rng, t));
            (op(tname(t, rng.pick(&["add", "sub"])), vec![a, b]), (ba + bb) * 1.01)
        }
        2 => {
            let ((a, ba), (b, bb)) = (sub(rng, t), sub(rng, t));
            // A product that could overflow f32 becomes a sum.
            if t == T::F32 && ba * bb > 1e37 {
                (op(tname(t, "add"), vec![a, b]), (ba + bb) * 1.01)
            } else {
                (op(tname(t, "mul"), vec![a, b]), ba * bb * 1.01)
            }
        }
        3 => {
            let (a, ba) = sub(rng, t);
            let c: f64 = rng.pick(&[0.5, -0.75, 2.0, 3.0, -7.0, 1.25]);
            let cv = if t == T::F32 { V::F32(c as f32) } else { V::F64(c) };
            (op(tname(t, "div"), vec![a, Expr::Const(cv)]), ba / c.abs() * 1.01)
        }
        4 => {
            let ((a, ba), (b, bb)) = (sub(rng, t), sub(rng, t));
            let o = rng.pick(&["min", "max", "copysign"]);
            // A NaN's sign is the engine's: copysign takes the sign of a canonical NaN instead.
            let b = if o == "copysign" { canon(t, b) } else { b };
            (op(tname(t, o), vec![a, b]), if o == "copysign" { ba } else { ba.max(bb) })
        }
        5 => {
            let (a, ba) = sub(rng, t);
            let o = rng.pick(&["neg", "abs", "floor", "ceil", "trunc", "nearest", "sqrt"]);
            if o == "sqrt" {
                (op(tname(t, "sqrt"), vec![op(tname(t, "abs"), vec![a])]), ba.sqrt() * 1.01 + 1.0)
            } else {
                (op(tname(t, o), vec![a]), ba + 1.0)
            }
        }
        6 => {
            let ((a, ba), (b, bb)) = (sub(rng, t), sub(rng, t));
            let (c, _) = sub(rng, T::I32);
            (select(a, b, c), ba.max(bb))
        }
        _ => {
            let from = rng.pick(&T::ALL.iter().copied().filter(|x| *x != t).collect::<Vec<_>>());
            let (e, b) = expr(rng, scope, from, d);
            convert(rng, e, from, b, t)
        }
    }
}

/// Folds the bits of every param and call result into an i64 (rotate, xor, multiply), so that a
/// wrong argument or a wrong callee shows in every result.
pub(crate) fn digest(rng: &mut Random, scope: &[(T, f64)]) -> Expr {
    let mut d = Expr::Const(V::I64(rng.next() as i64));
    for (i, (t, _)) in scope.iter().enumerate() {
        let l = Expr::Local(i as u32);
        let bits = match t {
            T::I32 => op("i64.extend_i32_u", vec![l]),
            T::I64 => l,
            T::F32 => op("i64.extend_i32_u", vec![op("i32.reinterpret_f32", vec![canon(*t, l)])]),
            T::F64 => op("i64.reinterpret_f64", vec![canon(*t, l)]),
        };
        let rotated = op("i64.rotl", vec![d, Expr::Const(V::I64(rng.range(1, 63) as i64))]);
        d = op("i64.mul", vec![op("i64.xor", vec![rotated, bits]), Expr::Const(V::I64((rng.next() | 1) as i64))]);
    }
    d
}

/// Combines a result expression with the digest of the function's locals.
pub(crate) fn mix_in_digest(rng: &mut Random, scope: &[(T, f64)], t: T, e: Expr, b: f64) -> (Expr, f64) {
    if scope.is_empty() {
        return (e, b);
    }
    let d = digest(rng, scope);
    if t.is_float() && rng.chance(3, 4) {
        // Hash form: the float's bits join the digest, and the result is the digest's top 24 (f32)
        // or 53 (f64) bits as an exact float, so any wrong bit anywhere shows.
        let bits = if t == T::F32 {
            op("i64.extend_i32_u", vec![op("i32.reinterpret_f32", vec![canon(t, e)])])
        } else {
            op("i64.reinterpret_f64", vec![canon(t, e)])
        };
        let d = op("i64.mul", vec![op("i64.xor", vec![d, bits]), Expr::Const(V::I64((rng.next() | 1) as i64))]);
        return if t == T::F32 {
            (op("f32.convert_i64_s", vec![op("i64.shr_s", vec![d, Expr::Const(V::I64(40))])]), 8.4e6)
        } else {
            (op("f64.convert_i64_s", vec![op("i64.shr_s", vec![d, Expr::Const(V::I64(11))])]), 4.6e15)
        };
    }
    match t {
        T::I64 => (op("i64.xor", vec![e, d]), b),
        T::I32 => (
            op(
                "i32.add",
                vec![
                    e,
                    op(
                        "i32.wrap_i64",
                        vec![op("i64.xor", vec![d.clone(), op("i64.shr_u", vec![d, Expr::Const(V::I64(32))])])],
                    ),
                ],
            ),
            b,
        ),
        // The top 24 (f32) or 53 (f64) bits of the digest, exactly representable.
        T::F32 => {
            let f = op("f32.convert_i64_s", vec![op("i64.shr_s", vec![d, Expr::Const(V::I64(40))])]);
            shrink(t, op("f32.add", vec![e, f]), b + 8.4e6)
        }
        T::F64 => {
            let f = op("f64.convert_i64_s", vec![op("i64.shr_s", vec![d, Expr::Const(V::I64(11))])]);
            shrink(t, op("f64.add", vec![e, f]), b + 4.6e15)
        }
    }
}
