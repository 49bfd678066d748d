//! The bench's bare typed host call (variant `host-typed-bare`): the kernels of
//! corpus/bench/kernels.h in Rust, given to an engine's typed API where it has one
//! ([`dylink::Engine::typed_host_func`]); an engine without one has no such rows.

use std::sync::Arc;

use dylink::extras::TypedHostFn;
use dylink::Engine;

use crate::calls::Kernel;

fn k1(a: i32) -> i32 {
    a.wrapping_mul(3).wrapping_add(1)
}
fn k4(a: i32, b: i32, c: i32, d: i32) -> i32 {
    a.wrapping_mul(3).wrapping_add(b).wrapping_sub(c).wrapping_add(d)
}
#[allow(clippy::too_many_arguments)]
fn k8(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32) -> i32 {
    k4(a, b, c, d).wrapping_sub(e).wrapping_add(f).wrapping_sub(g).wrapping_add(h)
}
fn kmix(a: i64, b: f64, c: i32) -> f64 {
    b * 0.5 + (a & 7) as f64 + c as f64
}

/// The kernel's callee number `i` (of [`Kernel::callees`]) in Rust; `None` for a kernel with no bare
/// form (kptr reads guest memory).
fn kernel_fn(kernel: Kernel, i: usize) -> Option<TypedHostFn> {
    Some(match kernel {
        Kernel::K0 => TypedHostFn::Nullary(|| 7),
        Kernel::K1 => TypedHostFn::Unary(Arc::new(k1)),
        Kernel::K4 => TypedHostFn::Quaternary(k4),
        Kernel::K8 => TypedHostFn::Octonary(k8),
        Kernel::Kmix => TypedHostFn::Mixed(kmix),
        Kernel::Kmega => {
            let j = i as i32;
            TypedHostFn::Unary(Arc::new(move |a: i32| a.wrapping_mul(3).wrapping_add(j)))
        }
        Kernel::Kptr => return None,
    })
}

/// A typed host function computing callee `i` of `kernel` itself, or `None` on an engine without a
/// typed API or for a kernel without one.
pub fn bare<E: Engine>(engine: &E, store: &mut E::Store, kernel: Kernel, i: usize) -> Option<E::Func> {
    engine.typed_host_func(store, kernel_fn(kernel, i)?)
}
