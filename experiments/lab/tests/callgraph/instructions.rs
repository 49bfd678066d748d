//! The instructions the generator writes: their names (as `&'static str`, for [`Expr::Op`]) and
//! what they compute (the oracle's semantics).

use super::*;

/// Every typed instruction the generator writes, by name.
const NAMES: &[&str] = &[
    "i32.add",
    "i32.sub",
    "i32.mul",
    "i32.and",
    "i32.or",
    "i32.xor",
    "i32.shl",
    "i32.shr_s",
    "i32.shr_u",
    "i32.rotl",
    "i32.rotr",
    "i32.div_s",
    "i32.div_u",
    "i32.rem_s",
    "i32.rem_u",
    "i32.clz",
    "i32.ctz",
    "i32.popcnt",
    "i32.extend8_s",
    "i32.extend16_s",
    "i32.eqz",
    "i32.eq",
    "i32.ne",
    "i32.lt_s",
    "i32.lt_u",
    "i32.gt_s",
    "i32.gt_u",
    "i32.le_s",
    "i32.le_u",
    "i32.ge_s",
    "i32.ge_u",
    "i64.add",
    "i64.sub",
    "i64.mul",
    "i64.and",
    "i64.or",
    "i64.xor",
    "i64.shl",
    "i64.shr_s",
    "i64.shr_u",
    "i64.rotl",
    "i64.rotr",
    "i64.div_s",
    "i64.div_u",
    "i64.rem_s",
    "i64.rem_u",
    "i64.clz",
    "i64.ctz",
    "i64.popcnt",
    "i64.extend8_s",
    "i64.extend16_s",
    "i64.extend32_s",
    "i64.eqz",
    "i64.eq",
    "i64.ne",
    "i64.lt_s",
    "i64.lt_u",
    "i64.gt_s",
    "i64.gt_u",
    "i64.le_s",
    "i64.le_u",
    "i64.ge_s",
    "i64.ge_u",
    "f32.add",
    "f32.sub",
    "f32.mul",
    "f32.div",
    "f32.min",
    "f32.max",
    "f32.copysign",
    "f32.neg",
    "f32.abs",
    "f32.sqrt",
    "f32.floor",
    "f32.ceil",
    "f32.trunc",
    "f32.nearest",
    "f32.eq",
    "f32.ne",
    "f32.lt",
    "f32.gt",
    "f32.le",
    "f32.ge",
    "f64.add",
    "f64.sub",
    "f64.mul",
    "f64.div",
    "f64.min",
    "f64.max",
    "f64.copysign",
    "f64.neg",
    "f64.abs",
    "f64.sqrt",
    "f64.floor",
    "f64.ceil",
    "f64.trunc",
    "f64.nearest",
    "f64.eq",
    "f64.ne",
    "f64.lt",
    "f64.gt",
    "f64.le",
    "f64.ge",
];

/// Names of typed instructions, by type: `tname(T::I32, "add")` is "i32.add" (a `&'static str`, from this table).
pub(crate) fn tname(t: T, op: &str) -> &'static str {
    let full = format!("{}.{op}", t.name());
    NAMES.iter().copied().find(|n| *n == full).unwrap_or_else(|| panic!("no instruction {full}"))
}

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

/// What instruction `name` computes from operands `a` (the oracle's semantics).
pub(crate) fn apply(name: &str, a: &[V]) -> V {
    let r = match name.split_once('.').map_or(name, |(t, _)| t) {
        "select" => match a {
            [x, y, V::I32(c)] => Some(if *c != 0 { *x } else { *y }),
            _ => None,
        },
        "i32" => apply_i32(name, a),
        "i64" => apply_i64(name, a),
        "f32" => apply_f32(name, a),
        "f64" => apply_f64(name, a),
        _ => None,
    };
    r.unwrap_or_else(|| panic!("oracle: {name} {a:?} is not something the generator makes"))
}

/// The `i32.*` instructions; None for anything else (or a divisor the generator never makes).
fn apply_i32(name: &str, a: &[V]) -> Option<V> {
    use V::*;
    let b = |x: bool| I32(x as i32);
    Some(match (name, a) {
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
        _ => return None,
    })
}

/// The `i64.*` instructions; None for anything else (or a divisor the generator never makes).
fn apply_i64(name: &str, a: &[V]) -> Option<V> {
    use V::*;
    let b = |x: bool| I32(x as i32);
    Some(match (name, a) {
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
        _ => return None,
    })
}

/// The `f32.*` instructions; None for anything else (or a divisor the generator never makes).
fn apply_f32(name: &str, a: &[V]) -> Option<V> {
    use V::*;
    let b = |x: bool| I32(x as i32);
    Some(match (name, a) {
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
        _ => return None,
    })
}

/// The `f64.*` instructions; None for anything else (or a divisor the generator never makes).
fn apply_f64(name: &str, a: &[V]) -> Option<V> {
    use V::*;
    let b = |x: bool| I32(x as i32);
    Some(match (name, a) {
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
        _ => return None,
    })
}
