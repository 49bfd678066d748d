//! The lab: corpus manifests, matrix cells, runs on every engine, and the reports made from them.

pub mod cell;
pub mod corpus;
pub mod findings;
pub mod paths;
pub mod report;
pub mod run;

pub use cell::{cells, Cell, EngineKind, Filter};
pub use corpus::{load_corpus, Case};
pub use paths::Paths;
pub use run::{CellResult, Lab};

/// The libc placements, listed once (beside the engines, so `dyn AnyEngine` can run a program).
pub use dylab_engines::placements;
