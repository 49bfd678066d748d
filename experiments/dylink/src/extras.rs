//! Optional engine features the lab measures where an engine has them, reached through
//! [`crate::Engine`]'s default methods so that no code outside the adapters names an engine: a
//! typed host function (no value conversion per call), eager tables, and loading a module from
//! its serialized form.

use std::sync::Arc;

/// A host function of a fixed Rust signature, for an engine's typed API ([`crate::Engine::typed_host_func`]).
#[derive(Clone)]
pub enum TypedHostFn {
    /// `() -> i32`
    Nullary(fn() -> i32),
    /// `(i32) -> i32`, a closure (a ring of callees differs in a constant).
    Unary(Arc<dyn Fn(i32) -> i32 + Send + Sync>),
    /// `(i32, i32, i32, i32) -> i32`
    Quaternary(fn(i32, i32, i32, i32) -> i32),
    /// `(i32 x 8) -> i32`
    #[allow(clippy::type_complexity)]
    Octonary(fn(i32, i32, i32, i32, i32, i32, i32, i32) -> i32),
    /// `(i64, f64, i32) -> f64`
    Mixed(fn(i64, f64, i32) -> f64),
}

/// Deserialises one compiled module per call (its time is the measurement).
pub type SerializedLoad = Box<dyn FnMut() -> anyhow::Result<()>>;

/// What one loop of the component-model reference calls (corpus/bench/component, #21).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComponentWorkload {
    /// `f0: func() -> s32`
    K0,
    /// `f1: func(a: s32) -> s32`
    K1,
    /// `fsum: func(s: string) -> s32`, 16 bytes.
    Kptr,
    /// `consume: func(buf: list<u8>) -> s32` with this many bytes.
    Copy(u32),
}

/// A composed component's caller loops, instantiated ([`crate::Engine::component_loops`]): runs `n`
/// calls of the workload and returns the loop's checksum.
pub type ComponentLoops = Box<dyn FnMut(ComponentWorkload, u32) -> anyhow::Result<i32>>;

/// Wraps `$f` with `$wrap` (an engine's `Func::wrap` on a store), one arm per signature.
#[macro_export]
macro_rules! wrap_typed_host_fn {
    ($f:expr, |$g:ident| $wrap:expr) => {
        match $f {
            $crate::extras::TypedHostFn::Nullary($g) => $wrap,
            $crate::extras::TypedHostFn::Unary(f) => {
                let $g = move |a: i32| f(a);
                $wrap
            }
            $crate::extras::TypedHostFn::Quaternary($g) => $wrap,
            $crate::extras::TypedHostFn::Octonary($g) => $wrap,
            $crate::extras::TypedHostFn::Mixed($g) => $wrap,
        }
    };
}
