//! Engine-specific extras of the measurements, reached by downcasting from the registry's generic
//! engine: the bare typed host call (variant `host-typed-bare`) and wasmtime's serialized modules.
//! Both go through an engine's own API, so they are optional: an engine not matched here simply has
//! no such rows, and adding an engine to the registry needs no line here.

use std::any::{Any, TypeId};

use dylab_engine_wasmi::Wasmi;
use dylab_engine_wasmtime::Wasmtime;
use dylab_engines::Adapter;

use crate::calls::Kernel;

// The kernels of corpus/bench/kernels.h, in Rust.
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

/// The kernel's callee number `i` (of [`Kernel::callees`]) as a typed host function, on engines whose
/// typed API the bench knows; `None` for a kernel with no bare form (kptr reads guest memory).
macro_rules! bare {
    ($m:ident, $store:expr, $kernel:expr, $i:expr) => {
        match $kernel {
            Kernel::K0 => Some($m::Func::wrap(&mut *$store, || 7i32)),
            Kernel::K1 => Some($m::Func::wrap(&mut *$store, k1)),
            Kernel::K4 => Some($m::Func::wrap(&mut *$store, k4)),
            Kernel::K8 => Some($m::Func::wrap(&mut *$store, k8)),
            Kernel::Kmix => Some($m::Func::wrap(&mut *$store, kmix)),
            Kernel::Kmega => {
                let j = $i as i32;
                Some($m::Func::wrap(&mut *$store, move |a: i32| a.wrapping_mul(3).wrapping_add(j)))
            }
            Kernel::Kptr => None,
        }
    };
}

/// Whether [`bare`] has a typed host function for engine `E`.
pub fn has_bare<E: Adapter>() -> bool {
    [TypeId::of::<Wasmtime>(), TypeId::of::<Wasmi>()].contains(&TypeId::of::<E>())
}

/// A typed host function computing callee `i` of `kernel` itself, or `None` on an engine or for a
/// kernel without one here.
pub fn bare<E: Adapter>(store: &mut E::Store, kernel: Kernel, i: usize) -> Option<E::Func> {
    let store: &mut dyn Any = store;
    if let Some(s) = store.downcast_mut::<wasmtime::Store<dylab_engine_wasmtime::Data>>() {
        return same_type(bare!(wasmtime, s, kernel, i)?);
    }
    if let Some(s) = store.downcast_mut::<wasmi::Store<dylab_engine_wasmi::Data>>() {
        return same_type(bare!(wasmi, s, kernel, i)?);
    }
    None
}

/// `value` as `T`, which it is whenever the downcast above matched.
fn same_type<T: 'static, U: 'static>(value: U) -> Option<T> {
    (Box::new(value) as Box<dyn Any>).downcast::<T>().ok().map(|b| *b)
}

/// Whether engine `E` can run with eager tables (wasmtime's `table_lazy_init` off).
pub fn has_eager_tables<E: Adapter>() -> bool {
    TypeId::of::<E>() == TypeId::of::<Wasmtime>()
}

/// `engine` with eager tables, on an engine that has the setting (wasmtime), else `None`.
pub fn eager_tables<E: Adapter>(engine: &E) -> Option<anyhow::Result<E>> {
    let w = as_wasmtime(engine)?;
    Some(w.eager_tables().map(|e| same_type(e).expect("E is Wasmtime")))
}

/// wasmtime's engine, when `engine` is one (for its serialized-module cache).
pub fn as_wasmtime<E: Adapter>(engine: &E) -> Option<&Wasmtime> {
    (engine as &dyn Any).downcast_ref::<Wasmtime>()
}
