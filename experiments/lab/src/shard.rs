//! `--shard I/N`: a stable partition of a selection's cells over N machines. Whole cases go to one
//! shard (a case is built once, where its cells run, and its native run goes with them): the k-th
//! case of the selection, in corpus order, to shard k mod N. The same corpus and selection give the
//! same partition on every machine; the shards together hold every cell exactly once.

use std::fmt;
use std::str::FromStr;

use crate::cell::Cell;

/// Shard `index` (1-based) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("{s:?} is not a shard: I/N with 1 <= I <= N, e.g. 2/3");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// This shard's cells of `cells` (in corpus order, as [`crate::cells`] gives them), in their order.
    pub fn select(self, cells: &[Cell]) -> Vec<Cell> {
        let mut case_rank = 0;
        let mut previous: Option<&str> = None;
        let mut out = Vec::new();
        for cell in cells {
            if previous.is_some_and(|p| p != cell.case) {
                case_rank += 1;
            }
            previous = Some(&cell.case);
            if case_rank % self.count == self.index - 1 {
                out.push(cell.clone());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use dylab_engines::EngineKind;
    use dylink::{Libc, Strategy};

    use super::*;

    fn cell(case: &str, strategy: Strategy) -> Cell {
        Cell { engine: EngineKind::ALL[0], libc: Libc::LibcModule, linkage: strategy.into(), case: case.into() }
    }

    #[test]
    fn parses_and_refuses() {
        assert_eq!("2/3".parse::<Shard>().unwrap(), Shard { index: 2, count: 3 });
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_hold_every_cell_once_and_whole_cases() {
        let cases = ["a", "b", "c", "d", "e"];
        let cells: Vec<Cell> =
            cases.iter().flat_map(|c| [cell(c, Strategy::Direct), cell(c, Strategy::Trampoline)]).collect();
        let shards: Vec<Vec<Cell>> = (1..=3).map(|i| Shard { index: i, count: 3 }.select(&cells)).collect();
        let mut all: Vec<Cell> = shards.concat();
        all.sort();
        let mut expected = cells.clone();
        expected.sort();
        assert_eq!(all, expected);
        for (i, shard) in shards.iter().enumerate() {
            for c in shard {
                let elsewhere = shards.iter().enumerate().any(|(j, s)| j != i && s.iter().any(|o| o.case == c.case));
                assert!(!elsewhere, "case {} split over shards", c.case);
            }
        }
        assert_eq!(shards[0].len(), 4, "cases a and d");
    }
}
