//! Matrix cells: `engine/libc/strategy/case`, the name shared by tests, benches and reports.

use std::fmt;

pub use dylab_engines::EngineKind;
use dylink::{Libc, Strategy};

use crate::corpus::Case;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub engine: EngineKind,
    pub libc: Libc,
    pub strategy: Strategy,
    pub case: String,
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/{}", self.engine, self.libc, self.strategy, self.case)
    }
}

/// Which cells to run; an empty list means all.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub engines: Vec<EngineKind>,
    pub libcs: Vec<Libc>,
    pub strategies: Vec<Strategy>,
    /// Case names, or substrings of cell names.
    pub cases: Vec<String>,
}

impl Filter {
    pub fn accepts(&self, cell: &Cell) -> bool {
        (self.engines.is_empty() || self.engines.contains(&cell.engine))
            && (self.libcs.is_empty() || self.libcs.contains(&cell.libc))
            && (self.strategies.is_empty() || self.strategies.contains(&cell.strategy))
            && (self.cases.is_empty() || self.cases.contains(&cell.case))
    }
}

/// Every cell of the matrix for these cases. A case that calls `dlopen` has no static cell:
/// static linking leaves nothing to load. A case with threads also runs the threads' other
/// table-synchronisation designs ([`Strategy::THREAD_DESIGNS`]), which no other case would tell apart
/// from `shared-table`.
pub fn cells(cases: &[Case], filter: &Filter) -> Vec<Cell> {
    let mut out = Vec::new();
    for case in cases {
        for engine in EngineKind::ALL {
            for libc in Libc::ALL {
                if libc == Libc::Static && case.uses_dlopen() {
                    continue;
                }
                let designs = if case.manifest.threads && libc != Libc::Static { &Strategy::THREAD_DESIGNS[..] } else { &[] };
                for &strategy in libc.strategies().iter().chain(designs) {
                    let cell = Cell { engine, libc, strategy, case: case.name.clone() };
                    if filter.accepts(&cell) {
                        out.push(cell);
                    }
                }
            }
        }
    }
    out
}
