//! The component model as the reference for shared-nothing calls (#21): the bench kernels (k0, k1,
//! kptr with a string, a buffer of n bytes) as two C components, the caller's loops calling the
//! callee's interface through the adapters wasmtime fuses between them. [`build`] makes the composed
//! component from corpus/bench/component; [`run`] instantiates and calls it.

pub mod build;
pub mod run;

pub use build::{build, Built, Side};
pub use run::{compile, ComponentCall, Workload};

/// The tools that make the components, pinned in the workspace Cargo.toml (a test checks the pins),
/// and the engine that runs them; the C compiler's version comes from the lab's toolchain.
pub const TOOLS: [(&str, &str); 4] =
    [("wit-bindgen-c", "0.63.0"), ("wit-component", "0.262.0"), ("wasm-compose", "0.262.0"), ("wasmtime", "48.0.8")];

#[cfg(test)]
mod tests;
