//! The host forwarder a trampoline import gets (the host-forwarder call binding, and lazily bound
//! imports), converting values as a JavaScript trampoline would.

use std::sync::Arc;

use crate::engine::{Engine, FuncType, HostFn, Val, ValType};

/// Converts a value the way a JavaScript trampoline would (ToNumber / ToInt32): the seed's loader
/// never checked signatures, so a trampoline forwards whatever arrives.
pub(crate) fn coerce<E: Engine>(v: Val<E>, to: ValType) -> Val<E> {
    let as_f64 = match v {
        Val::I32(x) => x as f64,
        Val::I64(x) => x as f64,
        Val::F32(x) => f32::from_bits(x) as f64,
        Val::F64(x) => f64::from_bits(x),
        Val::FuncRef(_) => return if to == ValType::FuncRef { v } else { Val::default_for(to) },
    };
    match (v, to) {
        (Val::I32(_), ValType::I32)
        | (Val::I64(_), ValType::I64)
        | (Val::F32(_), ValType::F32)
        | (Val::F64(_), ValType::F64) => v,
        (Val::I64(x), ValType::I32) => Val::I32(x as i32),
        (Val::I32(x), ValType::I64) => Val::I64(x as i64),
        (_, ValType::I32) => Val::I32(if as_f64.is_finite() { (as_f64.trunc() as i64) as i32 } else { 0 }),
        (_, ValType::I64) => Val::I64(if as_f64.is_finite() { as_f64.trunc() as i64 } else { 0 }),
        (_, ValType::F32) => Val::F32((as_f64 as f32).to_bits()),
        (_, ValType::F64) => Val::F64(as_f64.to_bits()),
        _ => Val::default_for(to),
    }
}

/// A host function that forwards to `target` (the host-forwarder call binding, and lazily bound imports).
pub fn forwarder<E: Engine>(target: E::Func, target_ty: FuncType, import_ty: FuncType) -> HostFn<E> {
    if target_ty == import_ty {
        return Arc::new(move |ctx, args, results| ctx.call(target, args, results));
    }
    Arc::new(move |ctx, args, results| {
        let targs: Vec<Val<E>> = target_ty
            .params
            .iter()
            .enumerate()
            .map(|(i, t)| args.get(i).map(|v| coerce(*v, *t)).unwrap_or(Val::default_for(*t)))
            .collect();
        let mut tres: Vec<Val<E>> = target_ty.results.iter().map(|t| Val::default_for(*t)).collect();
        ctx.call(target, &targs, &mut tres)?;
        for (i, r) in results.iter_mut().enumerate() {
            let want = import_ty.results[i];
            *r = tres.get(i).map(|v| coerce(*v, want)).unwrap_or(Val::default_for(want));
        }
        Ok(())
    })
}
