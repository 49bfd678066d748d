//! qsort, calling the comparator through the caller's table.

use super::*;

/// `qsort`'s array and comparator.
pub(crate) struct Sort<E: Engine> {
    pub(crate) base: u32,
    pub(crate) size: u32,
    pub(crate) table: E::Table,
    pub(crate) cmp: u32,
}

impl<E: Engine> Sort<E> {
    fn at(&self, i: u32) -> u32 {
        self.base + i * self.size
    }

    fn less(&self, ctx: &mut dyn Ctx<E>, i: u32, j: u32) -> Result<bool, Trap> {
        let ty = FuncType::new([ValType::I32, ValType::I32], [ValType::I32]);
        let mut out = [Val::I32(0)];
        call_pointer(
            ctx,
            self.table,
            self.cmp,
            &ty,
            &[Val::I32(self.at(i) as i32), Val::I32(self.at(j) as i32)],
            &mut out,
        )?;
        Ok(out[0].i32().unwrap_or(0) < 0)
    }

    fn swap(&self, ctx: &mut dyn Ctx<E>, i: u32, j: u32) -> Result<(), Trap> {
        let (x, y) = (read(ctx, self.at(i), self.size)?, read(ctx, self.at(j), self.size)?);
        write(ctx, self.at(i), &y)?;
        write(ctx, self.at(j), &x)
    }

    fn sift(&self, ctx: &mut dyn Ctx<E>, mut root: u32, end: u32) -> Result<(), Trap> {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return Ok(());
            }
            if child + 1 < end && self.less(ctx, child, child + 1)? {
                child += 1;
            }
            if !self.less(ctx, root, child)? {
                return Ok(());
            }
            self.swap(ctx, root, child)?;
            root = child;
        }
    }
}

/// Heapsort in place, comparing through the caller's function pointer (qsort is not stable in C either).
pub(crate) fn qsort<E: Engine>(
    ctx: &mut dyn Ctx<E>,
    base: u32,
    n: u32,
    size: u32,
    table: E::Table,
    cmp: u32,
) -> Result<(), Trap> {
    if n < 2 || size == 0 {
        return Ok(());
    }
    let s = Sort::<E> { base, size, table, cmp };
    for start in (0..n / 2).rev() {
        s.sift(ctx, start, n)?;
    }
    for end in (1..n).rev() {
        s.swap(ctx, 0, end)?;
        s.sift(ctx, 0, end)?;
    }
    Ok(())
}
