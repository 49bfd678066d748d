//! The dynamic linker's state for one run: the modules of the process, its tables, its scopes and
//! symbol resolution. Loading is in [`crate::load`], tables in [`crate::tables`], `<dlfcn.h>` in
//! [`crate::dlfcn`].

use std::any::Any;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::engine::{Engine, Extern, Limits, Trap};
use crate::interface::Interfaces;
use crate::libc::LibcPlacement;
use crate::module_info::{ExportKind, ModuleInfo};
use crate::linkage::Linkage;
use crate::strategy::{Memories, Policy, Trampolines};

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
    /// Index into [`Process::tables`] of the table this module's code indexes.
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
    pub fn libc(name: String, info: ModuleInfo, exports: HashMap<String, Extern<E>>, table: usize, domain: usize) -> Self {
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
    pub fn mapped(name: &str, info: ModuleInfo, table: usize, memory_base: u32, table_base: u32, domain: usize) -> Self {
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

/// A funcref table and the function-pointer slots the linker allocated in it, keyed by
/// (defining module, symbol) so that taking the same address twice gives the same pointer.
pub struct TableRec<E: Engine> {
    pub table: E::Table,
    pub slots: HashMap<(ModId, String), u32>,
}

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

/// Reads a regular file of at most `limit` bytes (a FIFO or device is refused before any read).
fn read_bounded(name: &str, file: std::fs::File, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = file.metadata().map_err(|e| format!("{name}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{name}: not a regular file"));
    }
    if meta.len() > limit {
        return Err(format!("{name}: {} bytes, larger than the module size limit of {limit} bytes", meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| format!("{name}: {e}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("{name}: larger than the module size limit of {limit} bytes"));
    }
    Ok(bytes)
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

/// The dynamic linker's state for one run.
pub struct Process<E: Engine> {
    pub linkage: Linkage,
    pub policy: Policy,
    pub limits: Limits,
    /// Libraries built for the case: the name passed to `dlopen` -> the module file.
    pub libs: HashMap<String, PathBuf>,
    /// Other files `dlopen` may open (a case may ship a broken module as-is).
    pub case_dir: PathBuf,
    pub modules: Vec<Loaded<E>>,
    /// Modules in scope by name, so that finding a loaded library does not depend on how many exist.
    by_name: HashMap<String, ModId>,
    /// The global scope in search order (the program, its NEEDED libraries with libc after the
    /// program's own, then `RTLD_GLOBAL` loads).
    global_order: Vec<ModId>,
    /// The same, indexed by symbol: for each name, the global modules that export it (dlclosed
    /// ones removed), so a lookup costs the same with 1 or 10,000 libraries.
    global_symbols: HashMap<String, Vec<ModId>>,
    /// `atexit` handlers and destructors registered by the modules ([`crate::exit`]).
    pub(crate) exits: crate::exit::Handlers<E>,
    pub tables: Vec<TableRec<E>>,
    pub shared_table: Option<usize>,
    pub stack_pointer: Option<E::Global>,
    pub libc: Option<ModId>,
    pub main: Option<ModId>,
    pub main_func: Option<E::Func>,
    pub dlerror: Option<String>,
    /// The guest buffer `dlerror` returns, one per memory domain.
    pub(crate) dlerror_buf: HashMap<usize, u32>,
    /// Which forwarder a trampoline import gets.
    pub trampolines: Trampolines,
    /// Functions bound to these import names before any module's definition (like LD_PRELOAD).
    pub preload: HashMap<String, E::Func>,
    /// Where libc lives, as behaviour (allocation for the loader, binding libc imports, its subset).
    pub placement: Option<Arc<dyn LibcPlacement<E>>>,
    /// The placement's own per-run state (the host libc's allocator and handlers).
    pub placement_state: Option<Box<dyn Any + Send>>,
    /// Memory domains (empty while the process has one memory): the memory, table, stack and libc
    /// each module of a domain uses; see [`crate::domain`].
    pub domains: Vec<crate::domain::Domain<E>>,
    /// The domain whose code runs now: its memory is `Host::memory`, what host functions use.
    pub current: usize,
    /// Functions declared to cross between domains, with what their parameters point to.
    pub interfaces: Arc<Interfaces>,
}

impl<E: Engine> Process<E> {
    pub fn new(linkage: Linkage, libs: HashMap<String, PathBuf>, case_dir: PathBuf) -> Self {
        Process {
            linkage,
            policy: linkage.policy(),
            limits: Limits::DEFAULT,
            libs,
            case_dir,
            modules: Vec::new(),
            by_name: HashMap::new(),
            global_order: Vec::new(),
            global_symbols: HashMap::new(),
            exits: Default::default(),
            tables: Vec::new(),
            shared_table: None,
            stack_pointer: None,
            libc: None,
            main: None,
            main_func: None,
            dlerror: None,
            dlerror_buf: HashMap::new(),
            trampolines: Trampolines::default(),
            preload: HashMap::new(),
            placement: None,
            placement_state: None,
            domains: Vec::new(),
            current: 0,
            interfaces: Arc::default(),
        }
    }

    /// Registers the process's libc (libc.wasm, or the host's): a non-PIC module in the global scope
    /// whose table is the process's first one (and the shared one under a shared-table policy).
    pub fn add_libc(&mut self, name: &str, info: ModuleInfo, exports: HashMap<String, Extern<E>>, table: E::Table) {
        let rec = crate::tables::add_first(self, table);
        let id = self.add_module(Loaded::libc(name.to_string(), info, exports, rec, 0));
        self.make_global(id);
        self.libc = Some(id);
    }

    /// Adds a module to the process and to the by-name index.
    pub(crate) fn add_module(&mut self, m: Loaded<E>) -> ModId {
        let id = self.modules.len();
        self.by_name.insert(m.name.clone(), id);
        self.modules.push(m);
        id
    }

    /// The module in scope with this name.
    pub fn by_name(&self, name: &str) -> Option<ModId> {
        self.by_name.get(name).copied().filter(|&id| self.modules[id].in_scope())
    }

    /// Puts a module into the global scope (at the end of the load order).
    pub(crate) fn make_global(&mut self, id: ModId) {
        if self.modules[id].global {
            return;
        }
        self.modules[id].global = true;
        self.global_order.push(id);
        self.index_global(id);
    }

    fn index_global(&mut self, id: ModId) {
        for e in &self.modules[id].info.exports {
            if matches!(e.kind, ExportKind::Func | ExportKind::Global) {
                self.global_symbols.entry(e.name.clone()).or_default().push(id);
            }
        }
    }

    /// The global scope in search order.
    pub fn global_order(&self) -> &[ModId] {
        &self.global_order
    }

    /// Moves `id` in the global search order to just after `anchor` (libc after the program's own
    /// NEEDED libraries, where a native link puts `libc.so`).
    pub(crate) fn move_global_after(&mut self, id: ModId, anchor: ModId) {
        let Some(from) = self.global_order.iter().position(|&x| x == id) else { return };
        self.global_order.remove(from);
        let to = self.global_order.iter().position(|&x| x == anchor).map_or(self.global_order.len(), |i| i + 1);
        self.global_order.insert(to, id);
        self.global_symbols.clear();
        for id in self.global_order.clone() {
            self.index_global(id);
        }
    }

    /// Takes a module out of every scope (dlclose, or a failed load): its name is free again.
    pub(crate) fn remove(&mut self, id: ModId) {
        let m = &mut self.modules[id];
        m.state = ModState::Gone;
        if self.by_name.get(&m.name) == Some(&id) {
            self.by_name.remove(&m.name);
        }
        if m.global {
            for e in &m.info.exports {
                if let Some(v) = self.global_symbols.get_mut(&e.name) {
                    v.retain(|&x| x != id);
                }
            }
            self.global_order.retain(|&x| x != id);
        }
        for m in &mut self.modules {
            m.scopes.retain(|&r| r != id);
        }
    }

    /// The domain a lookup for `requester` happens in (the running one for the host's own lookups).
    pub fn domain_of(&self, requester: Option<ModId>) -> usize {
        requester.map(|r| self.modules[r].domain).unwrap_or(self.current)
    }

    /// Whether code of domain `from` may bind to `id`'s `name`: within a domain (its libc included)
    /// always; across domains only a function the case declares an interface for, through an adapter.
    pub fn visible(&self, from: usize, id: ModId, name: &str, want_func: bool) -> bool {
        if self.policy.memories == Memories::Shared || self.domains.is_empty() {
            return true;
        }
        let d = self.modules[id].domain;
        d == from
            || self.domains.get(from).is_some_and(|x| x.libc == id)
            || (want_func && self.interfaces.contains_key(name))
    }

    /// Whether `id` defines `name` with the wanted kind, and its export once instantiated.
    fn defines(&self, id: ModId, name: &str, want_func: bool) -> Option<Found<E>> {
        self.defines_from(self.current, id, name, want_func)
    }

    fn defines_from(&self, from: usize, id: ModId, name: &str, want_func: bool) -> Option<Found<E>> {
        let m = &self.modules[id];
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
        if let Some(f) = self.main.and_then(|m| self.defines_from(from, m, name, want_func)) {
            return Some(f);
        }
        if let Some(ids) = self.global_symbols.get(name) {
            if let Some(f) = ids.iter().find_map(|&id| self.defines_from(from, id, name, want_func)) {
                return Some(f);
            }
        }
        if let Some(f) = self.domains.get(from).and_then(|d| self.defines_from(from, d.libc, name, want_func)) {
            return Some(f);
        }
        let r = requester?;
        let roots = if self.modules[r].scopes.is_empty() { vec![r] } else { self.modules[r].scopes.clone() };
        roots.into_iter().find_map(|root| self.tree(root).into_iter().find_map(|id| self.defines_from(from, id, name, want_func)))
    }

    /// The search list `RTLD_NEXT` walks for `caller` (the global scope, or the local scope of the
    /// object whose `dlopen` brought it in), from the object after the caller on.
    pub fn next_after(&self, caller: ModId, name: &str, want_func: bool) -> Option<(ModId, Extern<E>)> {
        let list = match self.modules[caller].scopes.first() {
            Some(&root) if !self.modules[caller].global => self.tree(root),
            _ => {
                let mut l = self.main.into_iter().collect::<Vec<_>>();
                l.extend(self.global_order.iter().copied().filter(|&x| Some(x) != self.main));
                l
            }
        };
        let start = list.iter().position(|&x| x == caller).map_or(0, |i| i + 1);
        let from = self.modules[caller].domain;
        aliases(name, want_func).find_map(|n| {
            list[start..].iter().find_map(|&id| self.defines_from(from, id, n, want_func)).and_then(|f| f.export.map(|e| (f.definer, e)))
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
        let mut out = vec![root];
        let mut seen = std::collections::HashSet::from([root]);
        let mut i = 0;
        while i < out.len() {
            for &d in &self.modules[out[i]].deps {
                if seen.insert(d) {
                    out.push(d);
                }
            }
            i += 1;
        }
        out
    }

    pub fn module_by_handle(&self, handle: u32) -> Option<ModId> {
        let id = (handle as usize).checked_sub(1)?;
        self.modules.get(id).filter(|m| m.open()).map(|_| id)
    }

    pub fn handle_of(id: ModId) -> u32 {
        id as u32 + 1
    }

    /// Reads the module a `dlopen` name stands for: a library built for the case, or a file the case
    /// ships, opened beneath the case folder only (no `..`, no absolute path, no symbolic link that
    /// leaves it, regular files only) and no larger than `limit` bytes.
    pub(crate) fn read_library(&self, name: &str, limit: u64) -> Result<Vec<u8>, String> {
        let p = Path::new(name);
        if p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
            return Err(format!("{name}: path escapes the case folder"));
        }
        if let Some(built) = self.libs.get(name) {
            let file =
                std::fs::File::open(built).map_err(|e| format!("{name}: cannot read {}: {e}", built.display()))?;
            return read_bounded(name, file, limit);
        }
        let dir = cap_std::fs::Dir::open_ambient_dir(&self.case_dir, cap_std::ambient_authority())
            .map_err(|e| format!("{name}: cannot open the case folder: {e}"))?;
        let file = match dir.open(p) {
            Ok(f) => f.into_std(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(format!("{name}: cannot open shared object file: no such file"))
            }
            Err(e) => return Err(format!("{name}: cannot open shared object file: {e}")),
        };
        read_bounded(name, file, limit)
    }

    /// The placement, cloned out so that it can be called with the context.
    pub fn placement(&self) -> Result<Arc<dyn LibcPlacement<E>>, Trap> {
        self.placement.clone().ok_or_else(|| Trap::Host("no libc placement in this process".into()))
    }
}
