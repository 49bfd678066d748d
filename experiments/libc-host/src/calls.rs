//! Varargs read from guest memory, and calls through function pointers of a module's table.

use super::*;

/// The wasm32 va_list: a pointer into memory; each argument aligned to its size, at least 4.
pub(crate) struct MemArgs<'a, E: Engine> {
    pub(crate) ctx: &'a mut dyn Ctx<E>,
    pub(crate) at: u32,
}

impl<E: Engine> VaArgs for MemArgs<'_, E> {
    fn next_u32(&mut self) -> Result<u32, Trap> {
        let v = read_u32(self.ctx, self.at)?;
        self.at = self.at.wrapping_add(4);
        Ok(v)
    }
    fn next_u64(&mut self) -> Result<u64, Trap> {
        self.at = self.at.div_ceil(8).wrapping_mul(8);
        let v = u64::from_le_bytes(read(self.ctx, self.at, 8)?.try_into().unwrap());
        self.at = self.at.wrapping_add(8);
        Ok(v)
    }
    fn next_f64(&mut self) -> Result<f64, Trap> {
        self.next_u64().map(f64::from_bits)
    }
    fn string(&mut self, addr: u32, max: Option<usize>) -> Result<Vec<u8>, Trap> {
        cstr_max(self.ctx, addr, max)
    }
}

/// `vsnprintf`'s core: the formatted bytes, or `None` for a format C rejects (errno EINVAL).
pub(crate) fn vformat<E: Engine>(ctx: &mut dyn Ctx<E>, fmt: u32, va: u32) -> Result<Option<Vec<u8>>, Trap> {
    let fmt = cstr(ctx, fmt)?;
    let r = format::format(&fmt, &mut MemArgs { ctx: &mut *ctx, at: va })?;
    if r.is_none() {
        set_errno(ctx, EINVAL)?;
    }
    Ok(r)
}

pub(crate) use dylink::tables::call_pointer;

/// The table a function pointer from `caller` indexes (the host libc's own when called through a pointer).
pub(crate) fn table_of<E: Engine>(ctx: &dyn Ctx<E>, caller: Option<ModId>) -> E::Table {
    let p = &ctx.host_ref().process;
    let id = caller.or(p.libc()).expect("a libc-host process has its libc");
    p.tables().table(p.module(id).table)
}
