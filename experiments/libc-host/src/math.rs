//! `<math.h>` for the libc-host placement, from the `libm` crate (a port of musl's libm, which
//! wasi-libc uses). clang turns `pow(2, x)` into `exp2(x)` and keeps `pow`, `exp`, `log`... as calls
//! (wasm has instructions only for sqrt, floor, ceil, trunc, nearest, abs, min, max, copysign), so
//! these are what a numeric side module imports. They are also exported for `&sqrt`-style pointers.
//!
//! Bit-identical to wasi-libc where both take the code from FreeBSD (checked over sweeps of 2,000
//! arguments: sin, cos, atan, log10, expm1, log1p). Not for `exp exp2 log log2 pow`, which musl takes
//! from ARM's optimized-routines and `libm` from FreeBSD, nor `cbrt` (`libm` has CORE-MATH's): over
//! the `l13h-libm-side` sweeps the last bit differs (never more) for pow 210, exp 199, cbrt 184,
//! log 31, log2 2, exp2 1 of 2,000 arguments. A bit-exact port of those would be ~1,000 lines with tables.

use std::sync::Arc;

use dylink::engine::{Engine, FuncType, HostFn, Trap, Val, ValType};

/// Every math function of the subset, grouped by C signature.
#[rustfmt::skip]
pub const FUNCTIONS: &[&str] = &[
    // double -> double
    "acos", "asin", "atan", "cbrt", "ceil", "cos", "cosh", "exp", "exp2", "exp10", "expm1", "fabs", "floor", "log",
    "log10", "log1p", "log2", "round", "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
    // (double, double) -> double
    "atan2", "copysign", "fmax", "fmin", "fmod", "hypot", "pow",
    // (double, int) -> double
    "ldexp", "scalbn",
    // pointer results
    "frexp", "modf",
    // float
    "cosf", "exp2f", "expf", "log10f", "log2f", "logf", "sinf", "tanf", "atan2f", "fmodf", "powf",
];

type D1 = fn(f64) -> f64;
type D2 = fn(f64, f64) -> f64;
type F1 = fn(f32) -> f32;
type F2 = fn(f32, f32) -> f32;

/// What a function computes, by its C signature.
enum Kind {
    D1(D1),
    D2(D2),
    /// `(double, int) -> double`.
    DI(fn(f64, i32) -> f64),
    F1(F1),
    F2(F2),
    /// `double frexp(double, int *exp)`.
    Frexp,
    /// `double modf(double, double *integral)`.
    Modf,
}

fn kind(name: &str) -> Option<Kind> {
    use libm as m;
    Some(match name {
        "acos" => Kind::D1(m::acos),
        "asin" => Kind::D1(m::asin),
        "atan" => Kind::D1(m::atan),
        "cbrt" => Kind::D1(m::cbrt),
        "ceil" => Kind::D1(m::ceil),
        "cos" => Kind::D1(m::cos),
        "cosh" => Kind::D1(m::cosh),
        "exp" => Kind::D1(m::exp),
        "exp2" => Kind::D1(m::exp2),
        "exp10" => Kind::D1(m::exp10),
        "expm1" => Kind::D1(m::expm1),
        "fabs" => Kind::D1(m::fabs),
        "floor" => Kind::D1(m::floor),
        "log" => Kind::D1(m::log),
        "log10" => Kind::D1(m::log10),
        "log1p" => Kind::D1(m::log1p),
        "log2" => Kind::D1(m::log2),
        "round" => Kind::D1(m::round),
        "sin" => Kind::D1(m::sin),
        "sinh" => Kind::D1(m::sinh),
        "sqrt" => Kind::D1(m::sqrt),
        "tan" => Kind::D1(m::tan),
        "tanh" => Kind::D1(m::tanh),
        "trunc" => Kind::D1(m::trunc),
        "atan2" => Kind::D2(m::atan2),
        "copysign" => Kind::D2(m::copysign),
        "fmax" => Kind::D2(m::fmax),
        "fmin" => Kind::D2(m::fmin),
        "fmod" => Kind::D2(m::fmod),
        "hypot" => Kind::D2(m::hypot),
        "pow" => Kind::D2(m::pow),
        "ldexp" => Kind::DI(m::ldexp),
        "scalbn" => Kind::DI(m::scalbn),
        "frexp" => Kind::Frexp,
        "modf" => Kind::Modf,
        "cosf" => Kind::F1(m::cosf),
        "exp2f" => Kind::F1(m::exp2f),
        "expf" => Kind::F1(m::expf),
        "log10f" => Kind::F1(m::log10f),
        "log2f" => Kind::F1(m::log2f),
        "logf" => Kind::F1(m::logf),
        "sinf" => Kind::F1(m::sinf),
        "tanf" => Kind::F1(m::tanf),
        "atan2f" => Kind::F2(m::atan2f),
        "fmodf" => Kind::F2(m::fmodf),
        "powf" => Kind::F2(m::powf),
        _ => return None,
    })
}

/// The wasm32 type of math function `name`.
pub fn function_type(name: &str) -> Option<FuncType> {
    use ValType::{F32, F64, I32};
    let t = |p: &[ValType], r: &[ValType]| FuncType::new(p, r);
    Some(match kind(name)? {
        Kind::D1(_) => t(&[F64], &[F64]),
        Kind::D2(_) => t(&[F64, F64], &[F64]),
        Kind::DI(_) | Kind::Frexp | Kind::Modf => t(&[F64, I32], &[F64]),
        Kind::F1(_) => t(&[F32], &[F32]),
        Kind::F2(_) => t(&[F32, F32], &[F32]),
    })
}

fn f64_arg<E: Engine>(args: &[Val<E>], i: usize) -> f64 {
    match args.get(i) {
        Some(Val::F64(bits)) => f64::from_bits(*bits),
        _ => 0.0,
    }
}

fn f32_arg<E: Engine>(args: &[Val<E>], i: usize) -> f32 {
    match args.get(i) {
        Some(Val::F32(bits)) => f32::from_bits(*bits),
        _ => 0.0,
    }
}

fn i32_arg<E: Engine>(args: &[Val<E>], i: usize) -> i32 {
    args.get(i).and_then(|v| v.i32()).unwrap_or(0)
}

fn ret_f64<E: Engine>(results: &mut [Val<E>], v: f64) -> Result<(), Trap> {
    if let Some(r) = results.first_mut() {
        *r = Val::F64(v.to_bits());
    }
    Ok(())
}

fn ret_f32<E: Engine>(results: &mut [Val<E>], v: f32) -> Result<(), Trap> {
    if let Some(r) = results.first_mut() {
        *r = Val::F32(v.to_bits());
    }
    Ok(())
}

/// The body of math function `name`, or None when it is not one.
pub fn func<E: Engine>(name: &str) -> Option<HostFn<E>> {
    Some(match kind(name)? {
        Kind::D1(f) => Arc::new(move |_ctx, a, r| ret_f64(r, f(f64_arg(a, 0)))),
        Kind::D2(f) => Arc::new(move |_ctx, a, r| ret_f64(r, f(f64_arg(a, 0), f64_arg(a, 1)))),
        Kind::DI(f) => Arc::new(move |_ctx, a, r| ret_f64(r, f(f64_arg(a, 0), i32_arg(a, 1)))),
        Kind::F1(f) => Arc::new(move |_ctx, a, r| ret_f32(r, f(f32_arg(a, 0)))),
        Kind::F2(f) => Arc::new(move |_ctx, a, r| ret_f32(r, f(f32_arg(a, 0), f32_arg(a, 1)))),
        Kind::Frexp => Arc::new(|ctx, a, r| {
            let (m, e) = libm::frexp(f64_arg(a, 0));
            dylink::mem::write(ctx, i32_arg(a, 1) as u32, &e.to_le_bytes())?;
            ret_f64(r, m)
        }),
        Kind::Modf => Arc::new(|ctx, a, r| {
            let (frac, int) = libm::modf(f64_arg(a, 0));
            dylink::mem::write(ctx, i32_arg(a, 1) as u32, &int.to_le_bytes())?;
            ret_f64(r, frac)
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_a_kind() {
        for &f in FUNCTIONS {
            assert!(function_type(f).is_some(), "{f}");
        }
        assert!(function_type("printf").is_none());
    }

    /// XOR of `bits(f(x_i)) * (2i + 1)` over 2,000 evenly spaced arguments, as the `l13h-libm-side`
    /// case computes it in C.
    fn sweep(f: fn(f64) -> f64, lo: f64, hi: f64) -> u64 {
        (0..2000u64).fold(0, |h, i| h ^ f(lo + (hi - lo) * i as f64 / 1999.0).to_bits().wrapping_mul(2 * i + 1))
    }

    /// The sums wasi-libc's own libm gives (the case's static build under wasmtime): these functions
    /// are bit-identical to wasi-libc over the sweep.
    #[test]
    fn freebsd_derived_functions_match_wasi_libc() {
        assert_eq!(sweep(libm::log10, 0.001, 1000.0), 0x42996b31ceb40bd9);
        assert_eq!(sweep(libm::sin, -10.0, 10.0), 0x45ac61aeca7d2e71);
        assert_eq!(sweep(libm::cos, -10.0, 10.0), 0xafb02ca253bfde99);
        assert_eq!(sweep(libm::atan, -10.0, 10.0), 0x87e1fe1dea56d31f);
        assert_eq!(sweep(libm::expm1, -5.0, 5.0), 0x4105a36278cd0a49);
        assert_eq!(sweep(libm::log1p, -0.9, 10.0), 0xc8054a77d3f07354);
    }

    /// ARM's routines in musl and FreeBSD's in `libm` differ in last bits: wasi-libc's sums differ
    /// from `libm`'s, which are pinned too (so the test fails when either side changes, not only
    /// when they happen to meet).
    #[test]
    fn optimized_routines_differ_from_wasi_libc() {
        let (exp, log) = (sweep(libm::exp, -20.0, 20.0), sweep(libm::log, 0.001, 1000.0));
        assert_ne!(exp, 0x9c5e453ebd1f8d71);
        assert_ne!(log, 0x25a95d5f3025a010);
        assert_eq!((exp, log), (0x9c5e_453e_bd1f_00b6, 0x25a9_5d5f_3025_ae75), "libm's own sums");
    }
}
