//! Matrix cells: `engine/libc/strategy/case` (the strategy `none` under the static placement), the name shared by tests, benches and reports.

use std::fmt;

pub use dylab_engines::EngineKind;
use dylink::{Libc, Linkage};

use crate::corpus::Case;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub engine: EngineKind,
    pub libc: Libc,
    pub linkage: Linkage,
    pub case: String,
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}/{}", self.engine, self.libc, self.linkage, self.case)
    }
}

/// Which cells to run; an empty list means all.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub engines: Vec<EngineKind>,
    pub libcs: Vec<Libc>,
    pub linkages: Vec<Linkage>,
    /// Case names, or substrings of cell names.
    pub cases: Vec<String>,
}

impl Filter {
    pub fn accepts(&self, cell: &Cell) -> bool {
        (self.engines.is_empty() || self.engines.contains(&cell.engine))
            && (self.libcs.is_empty() || self.libcs.contains(&cell.libc))
            && (self.linkages.is_empty() || self.linkages.contains(&cell.linkage))
            && (self.cases.is_empty() || self.cases.contains(&cell.case))
    }
}

/// Every cell of the matrix for these cases. A case that calls `dlopen` has no static cell:
/// static linking leaves nothing to load. A case with threads also runs the threads' other
/// table-synchronisation designs ([`dylink::Strategy::THREAD_DESIGNS`]), which no other case would tell apart
/// from `shared-table`.
pub fn cells(cases: &[Case], filter: &Filter) -> Vec<Cell> {
    let mut out = Vec::new();
    for case in cases {
        for engine in EngineKind::ALL {
            for libc in Libc::ALL {
                if libc == Libc::Static && case.uses_dlopen() {
                    continue;
                }
                for linkage in libc.linkages(case.manifest.threads) {
                    let cell = Cell { engine, libc, linkage, case: case.name.clone() };
                    if filter.accepts(&cell) {
                        out.push(cell);
                    }
                }
            }
        }
    }
    out
}
