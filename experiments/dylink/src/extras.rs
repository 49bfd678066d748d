//! Optional engine features the lab measures where an engine has them, reached through
//! [`crate::Engine`]'s default methods so that no code outside the adapters names an engine: typed
//! host functions (no value conversion per call), eager tables, and loading a module from its
//! serialized form.

use crate::Engine;

/// An engine's typed API for host functions of the signatures the bench uses. Generic in the
/// function, so that each one is compiled into its own host entry as the engine's `Func::wrap`
/// would compile it when called directly (instruction counts see no extra indirection).
pub trait TypedWrap<E: Engine> {
    fn nullary<F: Fn() -> i32 + Send + Sync + 'static>(&mut self, f: F) -> E::Func;
    fn unary<F: Fn(i32) -> i32 + Send + Sync + 'static>(&mut self, f: F) -> E::Func;
    fn quaternary<F: Fn(i32, i32, i32, i32) -> i32 + Send + Sync + 'static>(&mut self, f: F) -> E::Func;
    #[allow(clippy::type_complexity)]
    fn octonary<F: Fn(i32, i32, i32, i32, i32, i32, i32, i32) -> i32 + Send + Sync + 'static>(
        &mut self,
        f: F,
    ) -> E::Func;
    fn mixed<F: Fn(i64, f64, i32) -> f64 + Send + Sync + 'static>(&mut self, f: F) -> E::Func;
}

/// What wants typed host functions: given the engine's [`TypedWrap`] ([`Engine::typed_host_funcs`]).
pub trait WithTypedWrap<E: Engine> {
    type Out;
    fn run<W: TypedWrap<E>>(self, w: &mut W) -> Self::Out;
}

/// Implements [`TypedWrap`] for `$wrapper` (a tuple struct around `&mut $store`) with `$m::Func::wrap`.
#[macro_export]
macro_rules! typed_wrap_with {
    ([$($generics:tt)*] $wrapper:ty, $engine:ty, $m:ident) => {
        impl<$($generics)*> $crate::extras::TypedWrap<$engine> for $wrapper {
            fn nullary<F: Fn() -> i32 + Send + Sync + 'static>(&mut self, f: F) -> $m::Func {
                $m::Func::wrap(&mut *self.0, f)
            }
            fn unary<F: Fn(i32) -> i32 + Send + Sync + 'static>(&mut self, f: F) -> $m::Func {
                $m::Func::wrap(&mut *self.0, f)
            }
            fn quaternary<F: Fn(i32, i32, i32, i32) -> i32 + Send + Sync + 'static>(&mut self, f: F) -> $m::Func {
                $m::Func::wrap(&mut *self.0, f)
            }
            fn octonary<F: Fn(i32, i32, i32, i32, i32, i32, i32, i32) -> i32 + Send + Sync + 'static>(
                &mut self,
                f: F,
            ) -> $m::Func {
                $m::Func::wrap(&mut *self.0, f)
            }
            fn mixed<F: Fn(i64, f64, i32) -> f64 + Send + Sync + 'static>(&mut self, f: F) -> $m::Func {
                $m::Func::wrap(&mut *self.0, f)
            }
        }
    };
    ($wrapper:ty, $engine:ty, $m:ident) => {
        $crate::typed_wrap_with!([] $wrapper, $engine, $m);
    };
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
