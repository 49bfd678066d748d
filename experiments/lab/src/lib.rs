//! The lab: corpus manifests, matrix cells, runs on every engine, and the reports made from them.

pub mod build;
pub mod cell;
pub mod columns;
pub mod corpus;
pub mod expect;
pub mod findings;
pub mod limits;
pub mod markdown;
pub mod module_files;
pub mod native;
pub mod outcome;
pub mod paths;
pub mod provenance;
pub mod record;
pub mod reports;
pub mod run;
pub mod shard;
pub mod vendor;

pub use cell::{cells, Cell, EngineKind, Filter};
pub use corpus::{load_corpus, Case};
pub use outcome::{Outcome, Style};
pub use paths::Paths;
pub use record::{EngineSettings, Line, Record, TimedCell};
pub use run::{CellResult, Lab};
pub use shard::Shard;

/// The libc placements, listed once (beside the engines, so `dyn AnyEngine` can run a program).
pub use dylab_engines::placements;
