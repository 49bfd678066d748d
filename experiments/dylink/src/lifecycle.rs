//! The life of a loaded object as glibc's ld.so runs it: the order constructors and destructors run
//! in (`_dl_sort_maps`), the dependencies bindings create (`l_reldeps`), and unloading on `dlclose`
//! (a mark and sweep from what is still needed, as `_dl_close_worker` does).

use std::collections::HashSet;

use crate::engine::{Ctx, Engine, Trap};
use crate::process::{ModId, Process};

/// Sorts `maps` (given in load order) so that every object comes before the objects it depends on,
/// as glibc 2.36's depth-first `_dl_sort_maps` does: a depth-first walk from the last object to the
/// first, each object's NEEDED list in order (and, for finalisation, its binding dependencies from
/// the newest), each object placed in front of what its walk reached. Ties keep load order and a
/// cycle is broken where the walk closes it. The main program is never reached through a
/// dependency. An object's dependencies are the sorted list of its own load when it was the root
/// of one (`l_initfini`), else its NEEDED list; `blank` is the root being loaded, whose list is not
/// made yet. With `force_first`, `maps[0]` stays first (the object a `dlopen` named runs its
/// constructors last).
pub fn sort_maps<E: Engine>(
    p: &Process<E>,
    maps: &[ModId],
    force_first: bool,
    for_fini: bool,
    blank: Option<ModId>,
) -> Vec<ModId> {
    let walk = Walk { p, members: maps.iter().copied().collect(), blank };
    let mut visited = HashSet::new();
    let mut rpo = Vec::with_capacity(maps.len());
    let mut used_reldeps = false;
    for &m in maps.iter().rev() {
        walk.visit(m, &mut visited, &mut rpo, for_fini.then_some(&mut used_reldeps));
    }
    rpo.reverse();
    if used_reldeps {
        // A second pass over NEEDED links only, so that destructors respect them first.
        let first = rpo.clone();
        visited.clear();
        rpo.clear();
        for &m in first.iter().rev() {
            walk.visit(m, &mut visited, &mut rpo, None);
        }
        rpo.reverse();
    }
    if force_first {
        if let Some(i) = rpo.iter().position(|&m| Some(&m) == maps.first()) {
            let first = rpo.remove(i);
            rpo.insert(0, first);
        }
    }
    rpo
}

struct Walk<'a, E: Engine> {
    p: &'a Process<E>,
    members: HashSet<ModId>,
    blank: Option<ModId>,
}

impl<E: Engine> Walk<'_, E> {
    fn deps(&self, m: ModId) -> &[ModId] {
        let module = self.p.module(m);
        match &module.initfini {
            _ if Some(m) == self.blank => &[],
            Some(list) => list,
            None => &module.deps,
        }
    }

    fn reachable(&self, d: ModId, visited: &HashSet<ModId>) -> bool {
        self.members.contains(&d) && Some(d) != self.p.main() && !visited.contains(&d)
    }

    fn visit(&self, m: ModId, visited: &mut HashSet<ModId>, post: &mut Vec<ModId>, mut reldeps: Option<&mut bool>) {
        if !visited.insert(m) {
            return;
        }
        for &d in self.deps(m) {
            if self.reachable(d, visited) {
                self.visit(d, visited, post, reldeps.as_deref_mut());
            }
        }
        if let Some(flag) = reldeps {
            let rel = &self.p.module(m).reldeps;
            *flag |= !rel.is_empty();
            for &d in rel.iter().rev() {
                if self.reachable(d, visited) {
                    self.visit(d, visited, post, Some(&mut *flag));
                }
            }
        }
        post.push(m);
    }
}

/// Sorts the tree of a load's `root` (dependencies after dependants, `root` first), records the
/// result as the root's dependency list for later sorts, and returns the objects whose
/// constructors have yet to run, in the order they run: dependencies first, `root` last.
pub fn init_order<E: Engine>(p: &mut Process<E>, root: ModId) -> Vec<ModId> {
    let tree = p.tree(root);
    let sorted = sort_maps(p, &tree, true, false, Some(root));
    p.objects_mut().set_initfini(root, sorted[1..].to_vec());
    sorted.into_iter().rev().filter(|&m| !p.module(m).initialised).collect()
}

/// The order in which open objects are finalised (at exit, and the unloaded ones at `dlclose`):
/// the program first, then every object before the objects it depends on (glibc's `_dl_fini` and
/// `_dl_close_worker` sort every object of the namespace so).
pub fn fini_order<E: Engine>(p: &Process<E>) -> Vec<ModId> {
    let mut maps: Vec<ModId> = p.main().into_iter().collect();
    maps.extend(
        p.objects().iter().filter(|&(m, o)| o.open() && Some(m) != p.main() && Some(m) != p.libc()).map(|(m, _)| m),
    );
    sort_maps(p, &maps, true, true, None)
}

/// Records that `binder` bound to a symbol of `definer` (a relocation, a lazy binding, or a
/// `dlsym(RTLD_DEFAULT)` from its code), as glibc's `add_dependency`: an object outside the
/// binder's own tree stays loaded while the binder does, and forever when the binder is never
/// unloaded.
pub fn add_dependency<E: Engine>(p: &mut Process<E>, binder: ModId, definer: ModId) {
    if binder == definer || p.module(definer).nodelete || p.module(binder).reldeps.contains(&definer) {
        return;
    }
    if p.module(binder).nodelete {
        p.objects_mut().set_nodelete(definer);
        return;
    }
    if p.tree(binder).contains(&definer) {
        return;
    }
    p.objects_mut().add_reldep(binder, definer);
}

/// The open objects nothing needs any more: not reachable through NEEDED or binding dependencies
/// from the program, a `nodelete` object or an object with an open handle.
pub fn unneeded<E: Engine>(p: &Process<E>) -> Vec<ModId> {
    let open: Vec<ModId> = p.objects().iter().filter(|(_, o)| o.open()).map(|(m, _)| m).collect();
    let mut live: HashSet<ModId> = HashSet::new();
    let mut stack: Vec<ModId> =
        open.iter().copied().filter(|&m| p.module(m).nodelete || p.module(m).handles > 0).collect();
    while let Some(m) = stack.pop() {
        if live.insert(m) {
            stack.extend(p.module(m).deps.iter().chain(&p.module(m).reldeps).copied());
        }
    }
    open.into_iter().filter(|m| !live.contains(m)).collect()
}

/// `dlclose`: drops one handle of `id`; when nothing needs it (or its dependencies) any more, runs
/// their destructors and the `atexit` handlers registered from them (dependants first) and takes
/// them out of the process. The inner error is the caller's (`dlerror`): a handle not open.
pub fn close<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) -> Result<Result<(), String>, Trap> {
    let p = &mut ctx.host().process;
    if p.module(id).handles == 0 {
        if p.module(id).nodelete {
            return Ok(Ok(()));
        }
        return Ok(Err(format!("dlclose: {}: shared object not open", p.module(id).name)));
    }
    p.objects_mut().drop_handle(id);
    if p.module(id).handles > 0 || p.module(id).nodelete {
        return Ok(Ok(()));
    }
    let gone = unneeded(p);
    if gone.is_empty() {
        return Ok(Ok(()));
    }
    let order: Vec<ModId> = fini_order(p).into_iter().filter(|m| gone.contains(m)).collect();
    for &m in &order {
        crate::exit::finalise(ctx, m)?;
    }
    for &m in &order {
        unload(ctx, m);
    }
    crate::threads::record_close(ctx, &order);
    Ok(Ok(()))
}

/// Another thread's `dlclose` of `id` (`crate::threads`): out of every scope and its pointer slots
/// cleared in this thread's table; its destructors ran and its data was freed where it was closed.
pub(crate) fn forget<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) {
    if ctx.host_ref().process.objects().get(id).is_some() {
        ctx.host().process.remove(id);
        crate::tables::release(ctx, id);
    }
}

/// Takes one finalised object out of the process: out of every scope, its pointers released and
/// its data given back to the allocator.
fn unload<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId) {
    let (base, size) = {
        let m = ctx.host_ref().process.module(id);
        (m.memory_base, m.info.dylink.as_ref().map_or(0, |d| d.mem_size))
    };
    ctx.host().process.remove(id);
    crate::tables::release(ctx, id);
    if size > 0 {
        if let Ok(placement) = ctx.host_ref().process.placement() {
            let domain = ctx.host_ref().process.module(id).domain;
            let _ = crate::domain::within(ctx, domain, |ctx| placement.free(ctx, base));
        }
    }
}
