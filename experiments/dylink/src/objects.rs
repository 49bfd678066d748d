//! The object table: every module loaded into the process, by id, with its place in ld.so's life
//! of an object (handles, dependencies, scopes). Ids are never reused: a closed module stays, gone.

use std::collections::HashMap;
use std::ops::Index;
use std::sync::Arc;

use crate::engine::{Engine, Extern};
use crate::module_info::ModuleInfo;

pub type ModId = usize;

/// Where a module is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModState {
    /// Placed (data, table region) with its load, not instantiated yet: its symbols are in scope,
    /// an import of one binds lazily.
    Mapped,
    /// Instantiated, GOT filled, constructors run (or running): in scope.
    Open,
    /// Closed by `dlclose`, or its load failed: out of every scope; the instance stays in the store.
    Gone,
}

/// A module loaded into the process.
pub struct Loaded<E: Engine> {
    pub name: String,
    pub info: Arc<ModuleInfo>,
    pub exports: HashMap<String, Extern<E>>,
    /// Index into the process's [`crate::tables::Tables`] of the table this module's code indexes.
    pub table: usize,
    pub memory_base: u32,
    pub table_base: u32,
    /// Position-independent: exported data addresses are relative to `memory_base`.
    pub pic: bool,
    /// Part of the global scope (main program, libc, `RTLD_GLOBAL` libraries).
    pub global: bool,
    /// `dlopen` handles open on it (ld.so's direct open count); see [`crate::lifecycle`].
    pub handles: u32,
    /// Its NEEDED libraries, in the order the module lists them.
    pub deps: Vec<ModId>,
    /// Objects outside its dependency tree that one of its bindings resolved to (glibc's
    /// `l_reldeps`): they stay loaded while it does.
    pub reldeps: Vec<ModId>,
    /// The roots of the local scopes it searches after the global scope, in the order they were
    /// added: each `dlopen` adds its object to every object of its tree (ld.so's `l_scope`).
    pub scopes: Vec<ModId>,
    /// Never unloaded: loaded with the program, opened `RTLD_NODELETE`, or bound to by an object
    /// that is never unloaded.
    pub nodelete: bool,
    /// Its constructors have run (or are running).
    pub initialised: bool,
    /// When it was the root of a load: that load's objects in the sorted order (ld.so's
    /// `l_initfini`), which later sorts follow instead of its NEEDED list.
    pub initfini: Option<Vec<ModId>>,
    pub state: ModState,
    /// The memory domain it runs in ([`crate::domain`]); 0 unless the policy gives modules their own memory.
    pub domain: usize,
    /// Its GOT entries' values once filled, in import order (what another thread's copy gets).
    pub got: Vec<u32>,
}

impl<E: Engine> Loaded<E> {
    /// A libc instance's record (libc.wasm, or the host's): non-PIC, placed at 0, in memory `domain`.
    pub fn libc(
        name: String,
        info: ModuleInfo,
        exports: HashMap<String, Extern<E>>,
        table: usize,
        domain: usize,
    ) -> Self {
        Loaded {
            name,
            info: Arc::new(info),
            exports,
            table,
            memory_base: 0,
            table_base: 0,
            pic: false,
            global: false,
            handles: 1,
            deps: Vec::new(),
            reldeps: Vec::new(),
            scopes: Vec::new(),
            nodelete: true,
            initialised: true,
            initfini: None,
            state: ModState::Open,
            domain,
            got: Vec::new(),
        }
    }

    /// A side module just mapped by a load (not instantiated, no handle yet).
    pub fn mapped(
        name: &str,
        info: ModuleInfo,
        table: usize,
        memory_base: u32,
        table_base: u32,
        domain: usize,
    ) -> Self {
        Loaded {
            name: name.to_string(),
            info: Arc::new(info),
            exports: Default::default(),
            table,
            memory_base,
            table_base,
            pic: true,
            global: false,
            handles: 0,
            deps: Vec::new(),
            reldeps: Vec::new(),
            scopes: Vec::new(),
            nodelete: false,
            initialised: false,
            initfini: None,
            state: ModState::Mapped,
            domain,
            got: Vec::new(),
        }
    }

    pub fn open(&self) -> bool {
        self.state == ModState::Open
    }
    pub(crate) fn in_scope(&self) -> bool {
        self.state != ModState::Gone
    }
}

/// The process's modules, by id (ids are positions: a module is never taken out, only marked gone).
pub struct Objects<E: Engine> {
    list: Vec<Loaded<E>>,
}

impl<E: Engine> Default for Objects<E> {
    fn default() -> Self {
        Objects { list: Vec::new() }
    }
}

impl<E: Engine> Objects<E> {
    /// How many modules were ever added (the next id).
    #[inline]
    pub fn len(&self) -> usize {
        self.list.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
    #[inline]
    pub fn get(&self, id: ModId) -> Option<&Loaded<E>> {
        self.list.get(id)
    }
    /// Every module with its id, gone ones included.
    pub fn iter(&self) -> impl Iterator<Item = (ModId, &Loaded<E>)> {
        self.list.iter().enumerate()
    }
    /// The modules added from `first` on (a load's new ones).
    pub fn since(&self, first: ModId) -> &[Loaded<E>] {
        &self.list[first..]
    }
    /// The id of the first module with this name, gone or not.
    pub fn find(&self, name: &str) -> Option<ModId> {
        self.list.iter().position(|m| m.name == name)
    }

    pub(crate) fn push(&mut self, m: Loaded<E>) -> ModId {
        self.list.push(m);
        self.list.len() - 1
    }

    /// The open module a `dlopen` handle stands for.
    pub fn by_handle(&self, handle: u32) -> Option<ModId> {
        let id = (handle as usize).checked_sub(1)?;
        self.list.get(id).filter(|m| m.open()).map(|_| id)
    }

    /// A module and its dependencies, breadth first.
    pub fn tree(&self, root: ModId) -> Vec<ModId> {
        let mut out = vec![root];
        let mut seen = std::collections::HashSet::from([root]);
        let mut i = 0;
        while i < out.len() {
            for &d in &self.list[out[i]].deps {
                if seen.insert(d) {
                    out.push(d);
                }
            }
            i += 1;
        }
        out
    }

    /// Puts `id` in the global scope; false when it was already.
    pub(crate) fn set_global(&mut self, id: ModId) -> bool {
        !std::mem::replace(&mut self.list[id].global, true)
    }
    pub(crate) fn set_state(&mut self, id: ModId, state: ModState) {
        self.list[id].state = state;
    }
    /// Its exports, once instantiated.
    pub(crate) fn set_exports(&mut self, id: ModId, exports: HashMap<String, Extern<E>>) {
        self.list[id].exports = exports;
    }
    /// Its next GOT entry's value, once filled.
    pub(crate) fn push_got(&mut self, id: ModId, value: u32) {
        self.list[id].got.push(value);
    }
    /// Its constructors are about to run.
    pub(crate) fn set_initialised(&mut self, id: ModId) {
        self.list[id].initialised = true;
    }
    /// The sorted objects of the load `id` was the root of (ld.so's `l_initfini`).
    pub(crate) fn set_initfini(&mut self, id: ModId, order: Vec<ModId>) {
        self.list[id].initfini = Some(order);
    }

    /// One more `dlopen` handle on `id`.
    pub(crate) fn add_handle(&mut self, id: ModId) {
        self.list[id].handles += 1;
    }
    /// One handle fewer (the caller checked that one is open).
    pub(crate) fn drop_handle(&mut self, id: ModId) {
        self.list[id].handles -= 1;
    }
    /// Records `dep` as one of `id`'s NEEDED libraries (once).
    pub(crate) fn add_needed(&mut self, id: ModId, dep: ModId) {
        let deps = &mut self.list[id].deps;
        if !deps.contains(&dep) {
            deps.push(dep);
        }
    }
    /// Records a binding dependency outside `id`'s tree (glibc's `l_reldeps`).
    pub(crate) fn add_reldep(&mut self, id: ModId, dep: ModId) {
        self.list[id].reldeps.push(dep);
    }
    /// Makes `id` search `root`'s local scope (once).
    pub(crate) fn add_scope(&mut self, id: ModId, root: ModId) {
        let scopes = &mut self.list[id].scopes;
        if !scopes.contains(&root) {
            scopes.push(root);
        }
    }
    /// `id` is never unloaded from now on.
    pub(crate) fn set_nodelete(&mut self, id: ModId) {
        self.list[id].nodelete = true;
    }

    /// Takes `root` out of every module's local scopes (it was closed).
    pub(crate) fn drop_scope(&mut self, root: ModId) {
        for m in &mut self.list {
            m.scopes.retain(|&r| r != root);
        }
    }
}

impl<E: Engine> Index<ModId> for Objects<E> {
    type Output = Loaded<E>;
    #[inline]
    fn index(&self, id: ModId) -> &Loaded<E> {
        &self.list[id]
    }
}
