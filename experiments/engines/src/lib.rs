//! The engine registry: the only list of engines. Adding an engine is one adapter crate (an
//! `impl dylink::Engine` with `new()`, the matrix engine, and `for_timing()`, the same settings
//! without fuel metering) plus one line in [`engines!`] below (and its Cargo.toml dependency).
//! Everything else (cells, the CLI's `--engine`, the bench, the tests) iterates [`EngineKind`].
//! [`placements`] is the same for the libc placements.

mod any;
pub mod placements;
mod registry;

pub use any::{Adapter, AnyEngine, WithEngine};
pub use registry::{EngineKind, Notes, Variation};
