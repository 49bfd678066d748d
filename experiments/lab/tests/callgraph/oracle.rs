//! The oracle: the same program, interpreted in Rust.

use super::*;

pub(crate) fn wasm_min<F: PartialOrd + Copy>(a: F, b: F, a_neg: bool) -> F {
    // Without NaNs; min(-0, +0) is -0 in wasm.
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
    let v = match e {
        Expr::Local(i) => locals[*i as usize],
        Expr::Const(v) => *v,
        Expr::Checksum => V::I64(checksum as i64),
        Expr::Op(name, args) => apply(name, &args.iter().map(|a| eval(a, locals, checksum)).collect::<Vec<_>>()),
    };
    // The generator's bounds are what keep floats finite (no inf, so no NaN); check that they hold.
    // Values over LIMIT exist only inside a node that is about to be shrunk.
    match v {
        V::F32(x) => assert!(x.is_finite() && x.abs() <= 1e38, "generator bound broken: {x} from {e:?}"),
        V::F64(x) => assert!(x.is_finite() && x.abs() <= 1e61, "generator bound broken: {x} from {e:?}"),
        _ => {}
    }
    v
}

/// Whether calling function `f` of module `m` makes a call through a function pointer, at any depth.
pub(crate) fn reaches_pointer_call(prog: &Program, m: usize, f: usize) -> bool {
    prog.modules[m][f].calls.iter().any(|c| c.how == How::Got || reaches_pointer_call(prog, c.module, c.func))
}

/// Calls function `f` of module `m`; `checksums` holds every module's checksum.
pub(crate) fn interpret(prog: &Program, checksums: &mut [u64], m: usize, f: usize, args: &[V]) -> Vec<V> {
    interpret_perturbed(prog, checksums, m, f, args, false)
}

/// `perturb` flips the lowest bit of every cross-module call's arguments and results (a call that
/// passes or returns something slightly different), to check that the generated programs notice.
pub(crate) fn interpret_perturbed(
    prog: &Program,
    checksums: &mut [u64],
    m: usize,
    f: usize,
    args: &[V],
    perturb: bool,
) -> Vec<V> {
    let flip = |v: V| match (perturb, v) {
        (false, v) => v,
        (true, V::I32(x)) => V::I32(x ^ 1),
        (true, V::I64(x)) => V::I64(x ^ 1),
        (true, V::F32(x)) => V::F32(f32::from_bits(x.to_bits() ^ 1)),
        (true, V::F64(x)) => V::F64(f64::from_bits(x.to_bits() ^ 1)),
    };
    let func = &prog.modules[m][f];
    let mut locals = args.to_vec();
    for c in &func.calls {
        let a: Vec<V> = c.args.iter().map(|e| flip(eval(e, &locals, checksums[m]))).collect();
        let r = interpret_perturbed(prog, checksums, c.module, c.func, &a, perturb);
        locals.extend(r.into_iter().map(flip));
    }
    checksums[m] = match eval(&func.checksum, &locals, checksums[m]) {
        V::I64(x) => x as u64,
        v => unreachable!("checksum {v:?}"),
    };
    func.ret.iter().map(|e| eval(e, &locals, checksums[m])).collect()
}
