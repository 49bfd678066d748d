//! The call-overhead lab: the same kernels called under every linkage, timed inside wasm so that the
//! host's entry cost is amortised; and the loader's costs (compile, instantiate, dlopen, start-up).

pub mod calls;
pub mod loader;
pub mod measure;
pub mod report;

pub use calls::{Kernel, Modules, Prepared, Variant};
