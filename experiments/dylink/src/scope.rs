//! The global scope as ld.so keeps it: which module has which name, the global search order and,
//! for each symbol, the global modules that export it, with the program and the running libc.
//! Searching the scope (with the objects and memory domains) is [`crate::Process::lookup`].

use std::collections::HashMap;

use crate::module_info::{ExportKind, ModuleInfo};
use crate::objects::ModId;

#[derive(Default)]
pub struct Scope {
    /// Modules in scope by name, so that finding a loaded library does not depend on how many exist.
    by_name: HashMap<String, ModId>,
    /// The global scope in search order (the program, its NEEDED libraries with libc after the
    /// program's own, then `RTLD_GLOBAL` loads).
    order: Vec<ModId>,
    /// The same, indexed by symbol: for each name, the global modules that export it (dlclosed
    /// ones removed), so a lookup costs the same with 1 or 10,000 libraries.
    symbols: HashMap<String, Vec<ModId>>,
    /// The main program.
    main: Option<ModId>,
    /// The libc of the running memory domain (the process's, with one memory).
    libc: Option<ModId>,
}

impl Scope {
    #[inline]
    pub fn main(&self) -> Option<ModId> {
        self.main
    }
    #[inline]
    pub fn libc(&self) -> Option<ModId> {
        self.libc
    }
    pub(crate) fn set_main(&mut self, main: Option<ModId>) {
        self.main = main;
    }
    pub(crate) fn set_libc(&mut self, libc: Option<ModId>) {
        self.libc = libc;
    }

    /// The module last given this name (the caller checks that it is still in scope).
    #[inline]
    pub fn named(&self, name: &str) -> Option<ModId> {
        self.by_name.get(name).copied()
    }
    pub(crate) fn name(&mut self, name: String, id: ModId) {
        self.by_name.insert(name, id);
    }

    /// The global scope in search order.
    #[inline]
    pub fn order(&self) -> &[ModId] {
        &self.order
    }

    /// The global modules that export `symbol` (a function or a global), in search order.
    #[inline]
    pub fn definers(&self, symbol: &str) -> &[ModId] {
        self.symbols.get(symbol).map_or(&[], Vec::as_slice)
    }

    /// Appends a module to the global scope.
    pub(crate) fn add_global(&mut self, id: ModId, info: &ModuleInfo) {
        self.order.push(id);
        self.index(id, info);
    }

    fn index(&mut self, id: ModId, info: &ModuleInfo) {
        for e in &info.exports {
            if matches!(e.kind, ExportKind::Func | ExportKind::Global) {
                self.symbols.entry(e.name.clone()).or_default().push(id);
            }
        }
    }

    /// Moves `id` in the search order to just after `anchor`, re-indexing with `info` (each global
    /// module's description).
    pub(crate) fn move_after<'a>(&mut self, id: ModId, anchor: ModId, info: impl Fn(ModId) -> &'a ModuleInfo) {
        let Some(from) = self.order.iter().position(|&x| x == id) else { return };
        self.order.remove(from);
        let to = self.order.iter().position(|&x| x == anchor).map_or(self.order.len(), |i| i + 1);
        self.order.insert(to, id);
        self.symbols.clear();
        for id in self.order.clone() {
            self.index(id, info(id));
        }
    }

    /// Takes a module named `name` out of the scope (its name is free again); `info` when it was global.
    pub(crate) fn remove(&mut self, id: ModId, name: &str, global: Option<&ModuleInfo>) {
        if self.by_name.get(name) == Some(&id) {
            self.by_name.remove(name);
        }
        if let Some(info) = global {
            for e in &info.exports {
                if let Some(v) = self.symbols.get_mut(&e.name) {
                    v.retain(|&x| x != id);
                }
            }
            self.order.retain(|&x| x != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module_info::Export;

    fn exporting(names: &[&str]) -> ModuleInfo {
        let exports =
            names.iter().map(|n| Export { name: n.to_string(), kind: ExportKind::Func, func_type: None }).collect();
        ModuleInfo { imports: Vec::new(), exports, dylink: None }
    }

    #[test]
    fn the_symbol_index_follows_the_order_through_moves_and_removals() {
        let infos = [exporting(&["f", "g"]), exporting(&["f"]), exporting(&["f", "h"])];
        let mut s = Scope::default();
        for (id, info) in infos.iter().enumerate() {
            s.name(format!("m{id}"), id);
            s.add_global(id, info);
        }
        assert_eq!(s.definers("f"), &[0, 1, 2]);
        s.move_after(0, 2, |id| &infos[id]);
        assert_eq!(s.order(), &[1, 2, 0]);
        assert_eq!(s.definers("f"), &[1, 2, 0]);
        s.remove(2, "m2", Some(&infos[2]));
        assert_eq!(s.order(), &[1, 0]);
        assert_eq!(s.definers("f"), &[1, 0]);
        assert!(s.definers("h").is_empty());
        assert_eq!(s.named("m2"), None);
        // A name reused by a later module is not freed by removing the earlier one.
        s.name("m1".into(), 3);
        s.remove(1, "m1", Some(&infos[1]));
        assert_eq!(s.named("m1"), Some(3));
        assert_eq!(s.definers("f"), &[0]);
    }
}
