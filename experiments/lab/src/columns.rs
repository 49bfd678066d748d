//! The columns of the grids (matrix.md's per-engine grids, findings.md's support table): one per
//! placement/strategy present in the results, in one order, with one way to name them.

use std::collections::BTreeSet;

use dylink::{Libc, Strategy};

use crate::run::CellResult;

/// Column order within a placement: `none` first, then the linking strategies in `Strategy::LINKING`
/// order, then the threads' designs (thread cases only).
pub fn strategy_rank(strategy: Strategy) -> usize {
    Strategy::LINKING.iter().chain(&Strategy::THREAD_DESIGNS).position(|&x| x == strategy).map(|p| p + 1).unwrap_or(0)
}

/// A column's place: placements in `Libc` order, then strategies by [`strategy_rank`].
pub fn column_rank(libc: Libc, strategy: Strategy) -> (Libc, usize) {
    (libc, strategy_rank(strategy))
}

/// The placement/strategy columns of some results, in order, and how to head them.
pub struct Columns {
    pub list: Vec<(Libc, Strategy)>,
    /// The placements that link (have strategies) among the columns.
    pub linking: BTreeSet<Libc>,
}

impl Columns {
    pub fn of(results: &[CellResult]) -> Columns {
        let set: BTreeSet<_> = results.iter().map(|r| (column_rank(r.libc, r.strategy), (r.libc, r.strategy))).collect();
        let list: Vec<(Libc, Strategy)> = set.into_iter().map(|(_, c)| c).collect();
        let linking = list.iter().filter(|(_, st)| *st != Strategy::None).map(|(l, _)| *l).collect();
        Columns { list, linking }
    }

    /// `static` for no linking; the strategy alone when one placement links; else `placement/strategy`
    /// (`libc-module/trampoline`), so that two placements' strategies never share a name.
    pub fn header(&self, (libc, strategy): (Libc, Strategy)) -> String {
        if strategy == Strategy::None {
            libc.to_string()
        } else if self.linking.len() == 1 {
            strategy.to_string()
        } else {
            format!("{libc}/{strategy}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_name_the_placement_when_two_link() {
        let cols = Columns {
            list: vec![(Libc::Static, Strategy::None), (Libc::LibcModule, Strategy::Direct)],
            linking: [Libc::LibcModule, Libc::LibcHost].into_iter().collect(),
        };
        assert_eq!(cols.header((Libc::Static, Strategy::None)), "static");
        assert_eq!(cols.header((Libc::LibcHost, Strategy::Direct)), "libc-host/direct");
        let one = Columns { linking: [Libc::LibcModule].into_iter().collect(), ..cols };
        assert_eq!(one.header((Libc::LibcModule, Strategy::Direct)), "direct");
    }
}
