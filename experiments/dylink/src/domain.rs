//! Memory domains, for a policy that gives side modules their own memory ([`Memories::PerModule`]):
//! a domain is a linear memory with its stack pointer, its funcref table and its libc (its own
//! libc.wasm instance under libc-module; the host's libc, working on whichever memory runs, under
//! libc-host). Domain 0 is libc's and the main program's.
//!
//! Host functions (WASI, the host libc, the loader's allocator) work on `Host::memory`; the one
//! rule that keeps them right is that it is always the memory of the domain whose code runs, so
//! everything that passes control to another domain goes through [`switch`] (the adapters, the
//! loader when it places, instantiates and initialises a module).
//!
//! [`Memories::PerModule`]: crate::strategy::Memories::PerModule

use std::collections::HashMap;

use crate::engine::{Ctx, Engine, Extern, Trap, Val};
use crate::module_info::ModuleInfo;
use crate::process::{Loaded, ModId};

/// One domain's resources.
pub struct Domain<E: Engine> {
    pub memory: E::Memory,
    /// The record in [`crate::tables::Tables`] of the table every module of the domain shares.
    pub table: usize,
    pub stack_pointer: E::Global,
    /// The module that is the domain's libc.
    pub libc: ModId,
}

/// The memory domains (empty while the process has one memory) and the one whose code runs, with
/// its stack pointer (the process's, with one memory).
pub struct Domains<E: Engine> {
    list: Vec<Domain<E>>,
    current: usize,
    stack_pointer: Option<E::Global>,
}

impl<E: Engine> Default for Domains<E> {
    fn default() -> Self {
        Domains { list: Vec::new(), current: 0, stack_pointer: None }
    }
}

impl<E: Engine> Domains<E> {
    /// The domain whose code runs now.
    #[inline]
    pub fn current(&self) -> usize {
        self.current
    }
    #[inline]
    pub fn stack_pointer(&self) -> Option<E::Global> {
        self.stack_pointer
    }
    pub(crate) fn set_stack_pointer(&mut self, sp: E::Global) {
        self.stack_pointer = Some(sp);
    }
    #[inline]
    pub fn get(&self, d: usize) -> Option<&Domain<E>> {
        self.list.get(d)
    }
    #[inline]
    pub fn first(&self) -> Option<&Domain<E>> {
        self.list.first()
    }
    #[inline]
    pub fn len(&self) -> usize {
        self.list.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    fn push(&mut self, d: Domain<E>) -> usize {
        self.list.push(d);
        self.list.len() - 1
    }
}

impl<E: Engine> std::ops::Index<usize> for Domains<E> {
    type Output = Domain<E>;
    #[inline]
    fn index(&self, d: usize) -> &Domain<E> {
        &self.list[d]
    }
}

/// What a placement makes for a new domain.
pub struct Parts<E: Engine> {
    pub memory: E::Memory,
    pub table: E::Table,
    pub stack_pointer: E::Global,
    /// A libc instance of the domain's own (libc.wasm); `None` when the placement's libc serves every
    /// domain (the host's).
    pub libc: Option<LibcInstance<E>>,
}

/// A libc.wasm instance made for one domain: its description, exports and constructors.
pub struct LibcInstance<E: Engine> {
    pub info: ModuleInfo,
    pub exports: HashMap<String, Extern<E>>,
    pub ctors: Option<E::Func>,
}

/// Records the process's first memory as domain 0 (once, when a second one is made).
fn ensure_first<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<(), Trap> {
    if !ctx.host_ref().process.domains().is_empty() {
        return Ok(());
    }
    let memory = ctx.host_ref().memory.ok_or_else(|| Trap::Host("no memory for domain 0".into()))?;
    let p = &mut ctx.host().process;
    let (Some(stack_pointer), Some(libc)) = (p.stack_pointer(), p.libc()) else {
        return Err(Trap::Host("no stack pointer or libc for domain 0".into()));
    };
    let table = p.tables().shared().unwrap_or(p.module(libc).table);
    p.domains_mut().push(Domain { memory, table, stack_pointer, libc });
    Ok(())
}

/// Makes a new domain with the placement's help (a libc instance of its own runs its constructors
/// in it); returns its number.
pub fn create<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<usize, Trap> {
    ensure_first(ctx)?;
    let placement = ctx.host_ref().process.placement()?;
    let parts = placement.new_domain(ctx)?;
    let p = &mut ctx.host().process;
    let d = p.domains().len();
    let table = p.tables_mut().push(parts.table);
    let mut ctors = None;
    let libc = match parts.libc {
        Some(LibcInstance { info, exports, ctors: init }) => {
            ctors = init;
            p.add_module(Loaded::libc(format!("libc.wasm (memory {d})"), info, exports, table, d))
        }
        None => p.domains()[0].libc,
    };
    p.domains_mut().push(Domain { memory: parts.memory, table, stack_pointer: parts.stack_pointer, libc });
    if let Some(f) = ctors {
        let prev = switch(ctx, d);
        let r = ctx.call(f, &[], &mut []);
        switch(ctx, prev);
        r?;
    }
    Ok(d)
}

/// Makes domain `d` the running one (its memory the host's, its stack, table and libc the
/// loader's); returns the one that ran before, after flushing its libc's pending stdout
/// ([`crate::stdio`]). Nothing to do in a process with one memory.
pub fn switch<E: Engine>(ctx: &mut dyn Ctx<E>, d: usize) -> usize {
    let p = ctx.host_ref().process.domains();
    if p.current == d || p.list.is_empty() {
        return p.current;
    }
    let (leaving, libc) = (p.list[p.current].libc, p.list[d].libc);
    if leaving != libc {
        crate::stdio::flush_pending(ctx, leaving);
    }
    enter(ctx, d)
}

/// [`switch`] without the flush: for code that changes the domain host functions serve while the
/// caller is still inside its own (fused adapters' pinned host functions).
pub fn enter<E: Engine>(ctx: &mut dyn Ctx<E>, d: usize) -> usize {
    let p = ctx.host_ref().process.domains();
    let prev = p.current;
    if prev == d || p.list.is_empty() {
        return prev;
    }
    let dom = &p.list[d];
    let (memory, sp, table, libc) = (dom.memory, dom.stack_pointer, dom.table, dom.libc);
    let host = ctx.host();
    host.memory = Some(memory);
    let p = &mut host.process;
    let domains = p.domains_mut();
    domains.stack_pointer = Some(sp);
    domains.current = d;
    p.tables_mut().set_shared(table);
    p.scope_mut().set_libc(Some(libc));
    prev
}

/// Makes every other domain's own libc instance exit, the last made first, so that the handlers its
/// modules registered with atexit run and its stdio buffers reach the output: only domain 0's exit
/// ends the program, and the others' would otherwise never run. Their `proc_exit` is caught here (it
/// is not the program's ending); any other trap is returned. C runs all handlers of a process in one
/// last-registered-first order; across libc instances the order is per instance, the library's
/// first (their registrations interleave only through the program's calls into them).
pub fn exit_others<E: Engine>(ctx: &mut dyn Ctx<E>) -> Result<(), Trap> {
    let p = &ctx.host_ref().process;
    let domains = &p.domains().list;
    let Some(first) = domains.first() else { return Ok(()) };
    let exits: Vec<(usize, E::Func)> = (1..domains.len())
        .rev()
        .filter(|&d| domains[d].libc != first.libc)
        .filter_map(|d| match p.module(domains[d].libc).exports.get("exit") {
            Some(Extern::Func(f)) => Some((d, *f)),
            _ => None,
        })
        .collect();
    for (d, exit) in exits {
        match within(ctx, d, |ctx| ctx.call(exit, &[Val::I32(0)], &mut [])) {
            Ok(()) | Err(Trap::Exit(_)) => {}
            Err(t) => return Err(t),
        }
    }
    Ok(())
}

/// Runs `f` in domain `d`, then returns to the domain that ran before.
pub fn within<E: Engine, R>(ctx: &mut dyn Ctx<E>, d: usize, f: impl FnOnce(&mut dyn Ctx<E>) -> R) -> R {
    let prev = switch(ctx, d);
    let r = f(ctx);
    switch(ctx, prev);
    r
}
