//! The columns of the grids (matrix.md's per-engine grids, findings.md's support table): one per
//! placement/strategy present in the results, in one order, with one way to name them.

use std::collections::BTreeSet;

use dylink::{Libc, Linkage, Strategy};

use crate::run::CellResult;

/// Column order within a placement: static (`none`) first, then the linking strategies in
/// `Strategy::LINKING` order, then the threads' designs (thread cases only).
pub fn strategy_rank(linkage: Linkage) -> usize {
    match linkage {
        Linkage::Static => 0,
        Linkage::Linked(s) => {
            let listed = Strategy::LINKING.iter().chain(&Strategy::THREAD_DESIGNS).position(|&x| x == s);
            1 + listed.expect("the strategy lists hold every strategy (dylink's list test)")
        }
    }
}

/// A column's place: placements in `Libc` order, then linkages by [`strategy_rank`].
pub fn column_rank(libc: Libc, linkage: Linkage) -> (Libc, usize) {
    (libc, strategy_rank(linkage))
}

/// The placement/strategy columns of some results, in order, and how to head them.
pub struct Columns {
    pub list: Vec<(Libc, Linkage)>,
    /// The placements that link (have strategies) among the columns.
    pub linking: BTreeSet<Libc>,
}

impl Columns {
    pub fn of(results: &[CellResult]) -> Columns {
        let set: BTreeSet<_> = results.iter().map(|r| (column_rank(r.libc, r.linkage), (r.libc, r.linkage))).collect();
        let list: Vec<(Libc, Linkage)> = set.into_iter().map(|(_, c)| c).collect();
        let linking = list.iter().filter_map(|(l, linkage)| linkage.strategy().map(|_| *l)).collect();
        Columns { list, linking }
    }

    /// `static` for no linking; the strategy alone when one placement links; else `placement/strategy`
    /// (`libc-module/trampoline`), so that two placements' strategies never share a name.
    pub fn header(&self, (libc, linkage): (Libc, Linkage)) -> String {
        match linkage {
            Linkage::Static => libc.to_string(),
            Linkage::Linked(strategy) if self.linking.len() == 1 => strategy.to_string(),
            Linkage::Linked(strategy) => format!("{libc}/{strategy}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_name_the_placement_when_two_link() {
        let cols = Columns {
            list: vec![(Libc::Static, Linkage::Static), (Libc::LibcModule, Strategy::Direct.into())],
            linking: [Libc::LibcModule, Libc::LibcHost].into_iter().collect(),
        };
        assert_eq!(cols.header((Libc::Static, Linkage::Static)), "static");
        assert_eq!(cols.header((Libc::LibcHost, Strategy::Direct.into())), "libc-host/direct");
        let one = Columns { linking: [Libc::LibcModule].into_iter().collect(), ..cols };
        assert_eq!(one.header((Libc::LibcModule, Strategy::Direct.into())), "direct");
    }
}
