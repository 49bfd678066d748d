//! The bench's bare typed host call (variant `host-typed-bare`): the kernels of
//! corpus/bench/kernels.h in Rust, given to an engine's typed API where it has one
//! ([`dylink::Engine::typed_host_funcs`]); an engine without one has no such rows.

use dylink::extras::{TypedWrap, WithTypedWrap};
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

/// The kernel's callee number `i` (of [`Kernel::callees`]) as a typed host function; `None` for a
/// kernel with no bare form (kptr reads guest memory).
struct Bare {
    kernel: Kernel,
    i: usize,
}

impl<E: Engine> WithTypedWrap<E> for Bare {
    type Out = Option<E::Func>;
    fn run<W: TypedWrap<E>>(self, w: &mut W) -> Option<E::Func> {
        Some(match self.kernel {
            Kernel::K0 => w.nullary(|| 7i32),
            Kernel::K1 => w.unary(k1),
            Kernel::K4 => w.quaternary(k4),
            Kernel::K8 => w.octonary(k8),
            Kernel::Kmix => w.mixed(kmix),
            Kernel::Kmega => {
                let j = self.i as i32;
                w.unary(move |a: i32| a.wrapping_mul(3).wrapping_add(j))
            }
            Kernel::Kptr => return None,
        })
    }
}

/// A typed host function computing callee `i` of `kernel` itself, or `None` on an engine without a
/// typed API or for a kernel without one.
pub fn bare<E: Engine>(engine: &E, store: &mut E::Store, kernel: Kernel, i: usize) -> Option<E::Func> {
    engine.typed_host_funcs(store, Bare { kernel, i }).flatten()
}
