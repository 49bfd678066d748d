//! The dynamic linker's state for one run, as parts that own their fields: the configuration
//! ([`crate::config`]), the object table ([`crate::objects`]), the scope ([`crate::scope`]), the
//! tables ([`crate::tables`]), the memory domains ([`crate::domain`]) and `dlerror`'s state
//! ([`crate::dlfcn`]); and symbol resolution over them. Loading is in [`crate::load`].

use std::any::Any;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

pub use crate::config::Config;
use crate::dlfcn::DlError;
use crate::domain::Domains;
use crate::engine::{Engine, Extern, Trap};
use crate::libc::LibcPlacement;
use crate::linkage::Linkage;
use crate::module_info::{ExportKind, ModuleInfo};
pub use crate::objects::{Loaded, ModId, ModState, Objects};
use crate::scope::Scope;
use crate::strategy::{Memories, PointerTable, Policy};
use crate::tables::Tables;

/// How a load was asked for.
#[derive(Clone, Copy, Debug)]
pub struct Mode {
    /// Resolve every function import now (`RTLD_NOW`) or bind stubs resolved at first call.
    pub now: bool,
    pub global: bool,
}

/// Why a load failed. A guest that exits during its constructors is not a load failure.
#[derive(Debug)]
pub enum LoadError {
    Link(String),
    Trap(String, Trap),
}

impl LoadError {
    pub fn message(&self) -> String {
        match self {
            LoadError::Link(m) => m.clone(),
            LoadError::Trap(m, t) => format!("{m}: {t}"),
        }
    }
}

pub(crate) fn link(msg: impl Into<String>) -> LoadError {
    LoadError::Link(msg.into())
}

/// The names a symbol may have in a module: clang exports C's `main` as `__main_argc_argv` (or
/// `__main_void`), yet `dlsym(..., "main")` finds it natively.
fn aliases(name: &str, want_func: bool) -> impl Iterator<Item = &str> {
    let main = want_func && name == "main";
    std::iter::once(name).chain(["__main_argc_argv", "__main_void"].into_iter().filter(move |_| main))
}

/// A symbol found in scope: the defining module, and its export once the module is instantiated.
#[derive(Clone, Copy)]
pub struct Found<E: Engine> {
    pub definer: ModId,
    /// `None` while the definer is mapped but not instantiated (an import of it binds lazily).
    pub export: Option<Extern<E>>,
}

/// The dynamic linker's state for one run: each part owns its fields behind a small API.
pub struct Process<E: Engine> {
    config: Config,
    /// Every module loaded, by id.
    objects: Objects<E>,
    /// Names, the global search order and the symbol index.
    scope: Scope,
    tables: Tables<E>,
    /// Memory domains and the one whose code runs (its stack pointer).
    domains: Domains<E>,
    dlerror: DlError,
    /// `atexit` handlers and destructors registered by the modules ([`crate::exit`]).
    exits: crate::exit::Handlers<E>,
    main_func: Option<E::Func>,
    /// Functions bound to these import names before any module's definition (like LD_PRELOAD).
    preload: HashMap<String, E::Func>,
    /// Where libc lives, as behaviour (allocation for the loader, binding libc imports, its subset).
    placement: Option<Arc<dyn LibcPlacement<E>>>,
    /// The placement's own per-run state (the host libc's allocator and handlers).
    placement_state: Option<Box<dyn Any + Send>>,
}

impl<E: Engine> Process<E> {
    pub fn new(linkage: Linkage, libs: HashMap<String, PathBuf>, case_dir: PathBuf) -> Self {
        Process {
            config: Config::new(linkage, libs, case_dir),
            objects: Objects::default(),
            scope: Scope::default(),
            tables: Tables::default(),
            domains: Domains::default(),
            dlerror: DlError::default(),
            exits: Default::default(),
            main_func: None,
            preload: HashMap::new(),
            placement: None,
            placement_state: None,
        }
    }

    /// Registers the process's libc (libc.wasm, or the host's) with its table and stack pointer: a
    /// non-PIC module in the global scope whose table is the process's first one (and the shared one
    /// under a shared-table policy).
    pub fn add_libc(
        &mut self,
        name: &str,
        info: ModuleInfo,
        exports: HashMap<String, Extern<E>>,
        table: E::Table,
        stack_pointer: E::Global,
    ) {
        self.domains.set_stack_pointer(stack_pointer);
        let rec = self.tables.push(table);
        if self.config.policy.pointers == PointerTable::Shared {
            self.tables.set_shared(rec);
        }
        let id = self.add_module(Loaded::libc(name.to_string(), info, exports, rec, 0));
        self.make_global(id);
        self.scope.set_libc(Some(id));
    }

    /// Adds a module to the process and to the by-name index.
    pub(crate) fn add_module(&mut self, m: Loaded<E>) -> ModId {
        self.scope.name(m.name.clone(), self.objects.len());
        self.objects.push(m)
    }

    /// The module in scope with this name.
    pub fn by_name(&self, name: &str) -> Option<ModId> {
        self.scope.named(name).filter(|&id| self.objects[id].in_scope())
    }

    /// Puts a module into the global scope (at the end of the load order).
    pub(crate) fn make_global(&mut self, id: ModId) {
        if self.objects.set_global(id) {
            self.scope.add_global(id, &self.objects[id].info);
        }
    }

    /// Moves `id` in the global search order to just after `anchor` (libc after the program's own
    /// NEEDED libraries, where a native link puts `libc.so`).
    pub(crate) fn move_global_after(&mut self, id: ModId, anchor: ModId) {
        let objects = &self.objects;
        self.scope.move_after(id, anchor, |m| &objects[m].info);
    }

    /// Takes a module out of every scope (dlclose, or a failed load): its name is free again.
    pub(crate) fn remove(&mut self, id: ModId) {
        self.objects.set_state(id, ModState::Gone);
        let m = &self.objects[id];
        self.scope.remove(id, &m.name, m.global.then_some(&*m.info));
        self.objects.drop_scope(id);
    }

    /// The domain a lookup for `requester` happens in (the running one for the host's own lookups).
    pub fn domain_of(&self, requester: Option<ModId>) -> usize {
        requester.map(|r| self.objects[r].domain).unwrap_or(self.domains.current())
    }

    /// Whether code of domain `from` may bind to `id`'s `name`: within a domain (its libc included)
    /// always; across domains only a function the case declares an interface for, through an adapter.
    pub fn visible(&self, from: usize, id: ModId, name: &str, want_func: bool) -> bool {
        if self.config.policy.memories == Memories::Shared || self.domains.is_empty() {
            return true;
        }
        let d = self.objects[id].domain;
        d == from
            || self.domains.get(from).is_some_and(|x| x.libc == id)
            || (want_func && self.config.interfaces.contains_key(name))
    }

    /// Whether `id` defines `name` with the wanted kind, and its export once instantiated.
    fn defines(&self, id: ModId, name: &str, want_func: bool) -> Option<Found<E>> {
        self.defines_from(self.domains.current(), id, name, want_func)
    }

    fn defines_from(&self, from: usize, id: ModId, name: &str, want_func: bool) -> Option<Found<E>> {
        let m = &self.objects[id];
        if !m.in_scope() || !self.visible(from, id, name, want_func) {
            return None;
        }
        if m.open() || !m.exports.is_empty() {
            return match m.exports.get(name) {
                Some(e @ Extern::Func(_)) if want_func => Some(Found { definer: id, export: Some(*e) }),
                Some(e @ Extern::Global(_)) if !want_func => Some(Found { definer: id, export: Some(*e) }),
                _ => None,
            };
        }
        let kind = if want_func { ExportKind::Func } else { ExportKind::Global };
        m.info.export(name).filter(|e| e.kind == kind).map(|_| Found { definer: id, export: None })
    }

    /// Search order for a symbol requested by `requester`, as ld.so: the main program, then the global
    /// scope in load order (libc, the program's NEEDED libraries, `RTLD_GLOBAL` ones), then the
    /// requester's own dependency tree (itself included).
    /// Under per-module memories only what the requester's domain may see counts (its own domain,
    /// its libc, declared functions), and its domain's libc comes before its own tree.
    pub fn lookup(&self, requester: Option<ModId>, name: &str, want_func: bool) -> Option<Found<E>> {
        aliases(name, want_func).find_map(|n| self.lookup_exact(requester, n, want_func))
    }

    fn lookup_exact(&self, requester: Option<ModId>, name: &str, want_func: bool) -> Option<Found<E>> {
        let from = self.domain_of(requester);
        if let Some(f) = self.scope.main().and_then(|m| self.defines_from(from, m, name, want_func)) {
            return Some(f);
        }
        let global = self.scope.definers(name);
        if let Some(f) = global.iter().find_map(|&id| self.defines_from(from, id, name, want_func)) {
            return Some(f);
        }
        if let Some(f) = self.domains.get(from).and_then(|d| self.defines_from(from, d.libc, name, want_func)) {
            return Some(f);
        }
        let r = requester?;
        let roots = if self.objects[r].scopes.is_empty() { vec![r] } else { self.objects[r].scopes.clone() };
        roots
            .into_iter()
            .find_map(|root| self.tree(root).into_iter().find_map(|id| self.defines_from(from, id, name, want_func)))
    }

    /// The search list `RTLD_NEXT` walks for `caller` (the global scope, or the local scope of the
    /// object whose `dlopen` brought it in), from the object after the caller on.
    pub fn next_after(&self, caller: ModId, name: &str, want_func: bool) -> Option<(ModId, Extern<E>)> {
        let list = match self.objects[caller].scopes.first() {
            Some(&root) if !self.objects[caller].global => self.tree(root),
            _ => {
                let mut l = self.scope.main().into_iter().collect::<Vec<_>>();
                l.extend(self.scope.order().iter().copied().filter(|&x| Some(x) != self.scope.main()));
                l
            }
        };
        let start = list.iter().position(|&x| x == caller).map_or(0, |i| i + 1);
        let from = self.objects[caller].domain;
        aliases(name, want_func).find_map(|n| {
            list[start..]
                .iter()
                .find_map(|&id| self.defines_from(from, id, n, want_func))
                .and_then(|f| f.export.map(|e| (f.definer, e)))
        })
    }

    /// The symbol's export, when its definer is instantiated.
    pub fn resolve(&self, requester: Option<ModId>, name: &str, want_func: bool) -> Option<(ModId, Extern<E>)> {
        self.lookup(requester, name, want_func).and_then(|f| f.export.map(|e| (f.definer, e)))
    }

    /// Looks a symbol up in the tree of one handle (`dlsym(handle, ...)`), functions first.
    pub fn lookup_in_tree(&self, root: ModId, name: &str, want_func: bool) -> Option<(ModId, Extern<E>)> {
        let tree = self.tree(root);
        aliases(name, want_func).find_map(|n| {
            tree.iter().find_map(|&id| self.defines(id, n, want_func)).and_then(|f| f.export.map(|e| (f.definer, e)))
        })
    }

    /// A module and its dependencies, breadth first.
    pub fn tree(&self, root: ModId) -> Vec<ModId> {
        self.objects.tree(root)
    }

    pub fn module_by_handle(&self, handle: u32) -> Option<ModId> {
        self.objects.by_handle(handle)
    }

    pub fn handle_of(id: ModId) -> u32 {
        id as u32 + 1
    }

    /// The placement, cloned out so that it can be called with the context.
    pub fn placement(&self) -> Result<Arc<dyn LibcPlacement<E>>, Trap> {
        self.placement.clone().ok_or_else(|| Trap::Host("no libc placement in this process".into()))
    }

    /// Registers a library file under the name `dlopen` finds it by (the program's own).
    pub(crate) fn add_lib(&mut self, name: String, path: PathBuf) {
        self.config.libs.insert(name, path);
    }

    pub(crate) fn set_placement(&mut self, placement: Arc<dyn LibcPlacement<E>>) {
        self.placement = Some(placement);
    }
}

/// The parts, for reading anywhere and for changing inside the linker.
impl<E: Engine> Process<E> {
    #[inline]
    pub fn config(&self) -> &Config {
        &self.config
    }
    pub(crate) fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }
    #[inline]
    pub fn policy(&self) -> &Policy {
        &self.config.policy
    }
    #[inline]
    pub fn objects(&self) -> &Objects<E> {
        &self.objects
    }
    #[inline]
    pub(crate) fn objects_mut(&mut self) -> &mut Objects<E> {
        &mut self.objects
    }
    /// One module (panics on an id never given out).
    #[inline]
    pub fn module(&self, id: ModId) -> &Loaded<E> {
        &self.objects[id]
    }
    #[inline]
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
    #[inline]
    pub(crate) fn scope_mut(&mut self) -> &mut Scope {
        &mut self.scope
    }
    /// The main program, once loaded.
    #[inline]
    pub fn main(&self) -> Option<ModId> {
        self.scope.main()
    }
    /// The running domain's libc.
    #[inline]
    pub fn libc(&self) -> Option<ModId> {
        self.scope.libc()
    }
    #[inline]
    pub fn tables(&self) -> &Tables<E> {
        &self.tables
    }
    #[inline]
    pub(crate) fn tables_mut(&mut self) -> &mut Tables<E> {
        &mut self.tables
    }
    #[inline]
    pub fn domains(&self) -> &Domains<E> {
        &self.domains
    }
    #[inline]
    pub(crate) fn domains_mut(&mut self) -> &mut Domains<E> {
        &mut self.domains
    }
    /// The domain whose code runs now: its memory is `Host::memory`, what host functions use.
    #[inline]
    pub fn current(&self) -> usize {
        self.domains.current()
    }
    /// The running domain's `__stack_pointer`.
    #[inline]
    pub fn stack_pointer(&self) -> Option<E::Global> {
        self.domains.stack_pointer()
    }
    #[inline]
    pub(crate) fn dlerror_mut(&mut self) -> &mut DlError {
        &mut self.dlerror
    }
    #[inline]
    pub(crate) fn exits_mut(&mut self) -> &mut crate::exit::Handlers<E> {
        &mut self.exits
    }
    /// The program's `main` export, once found.
    pub fn main_func(&self) -> Option<E::Func> {
        self.main_func
    }
    pub(crate) fn set_main_func(&mut self, f: E::Func) {
        self.main_func = Some(f);
    }
    /// Binds import `name` to `f` in every module loaded from now on (before any definition).
    pub fn preload(&mut self, name: &str, f: E::Func) {
        self.preload.insert(name.to_string(), f);
    }
    #[inline]
    pub fn preloaded(&self, name: &str) -> Option<E::Func> {
        self.preload.get(name).copied()
    }
    /// The placement's per-run state, if it is a `T`.
    #[inline]
    pub fn placement_state<T: Any>(&self) -> Option<&T> {
        self.placement_state.as_ref().and_then(|s| s.downcast_ref::<T>())
    }
    #[inline]
    pub fn placement_state_mut<T: Any>(&mut self) -> Option<&mut T> {
        self.placement_state.as_mut().and_then(|s| s.downcast_mut::<T>())
    }
    pub fn set_placement_state(&mut self, state: Box<dyn Any + Send>) {
        self.placement_state = Some(state);
    }
}
