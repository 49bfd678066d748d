//! The libc-host subset check: a module importing a wasi-libc name the host lacks is `unsupported`.

use super::*;

/// A load-time check under libc-host: every import of module `id` that nothing in its scope
/// provides and that names a wasi-libc symbol is outside the subset, and ends the run as
/// unsupported. Other unresolved names (a symbol a library loaded later will define, a symbol
/// nobody defines) are left to the linker's usual rules; so is a libc name one of the case's own
/// libraries defines.
pub fn check_subset<E: Engine>(ctx: &mut dyn Ctx<E>, id: ModId, info: &ModuleInfo) -> Result<(), LoadError> {
    let name = ctx.host_ref().process.module(id).name.clone();
    for imp in &info.imports {
        let (sym, want_func) = match (imp.module.as_str(), &imp.kind) {
            ("GOT.mem", ImportKind::Global { .. }) => (&imp.name, false),
            ("GOT.func", ImportKind::Global { .. }) => (&imp.name, true),
            (_, ImportKind::Func(_)) => (&imp.name, true),
            _ => continue,
        };
        let p = &ctx.host_ref().process;
        if imp.weak
            || info.export(sym).is_some()
            || (want_func
                && (dylink::dlfcn::is_host_symbol(sym) || dylink::exit::provides(p, sym) || p.preloaded(sym).is_some()))
            || p.lookup(Some(id), sym, want_func).is_some()
            || !is_libc_name(ctx, sym)
            || defined_by_case(ctx, sym)
        {
            continue;
        }
        let kind = if want_func { "function" } else { "data symbol" };
        return Err(LoadError::Trap(
            format!("{name}: imports libc {kind} `{sym}`"),
            Trap::Unsupported(format!("outside the libc-host subset: {kind} `{sym}` (imported by {name})")),
        ));
    }
    Ok(())
}

/// Export names of a libc.wasm, parsed once per file.
pub(crate) fn libc_names(path: &PathBuf) -> Option<Arc<HashSet<String>>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<HashSet<String>>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(names) = cache.lock().unwrap().get(path) {
        return Some(names.clone());
    }
    let bytes = std::fs::read(path).ok()?;
    let info = module_info::parse(&bytes).ok()?;
    let names: Arc<HashSet<String>> = Arc::new(info.exports.into_iter().map(|e| e.name).collect());
    cache.lock().unwrap().insert(path.clone(), names.clone());
    Some(names)
}

/// Whether `sym` is a wasi-libc name; without libc.wasm to ask, every name counts as one.
pub(crate) fn is_libc_name<E: Engine>(ctx: &mut dyn Ctx<E>, sym: &str) -> bool {
    match state(ctx).libc_wasm.clone().and_then(|p| libc_names(&p)) {
        Some(names) => names.contains(sym),
        None => true,
    }
}

/// Whether one of the case's libraries exports `sym` (so that it is the case's symbol, not libc's).
pub(crate) fn defined_by_case<E: Engine>(ctx: &mut dyn Ctx<E>, sym: &str) -> bool {
    if state(ctx).case_exports.is_none() {
        let files: Vec<PathBuf> = ctx.host_ref().process.config().libs.values().cloned().collect();
        let mut names = HashSet::new();
        for f in files {
            if let Ok(info) = module_info::parse_head(&f) {
                names.extend(info.exports.into_iter().map(|e| e.name));
            }
        }
        state(ctx).case_exports = Some(Arc::new(names));
    }
    state(ctx).case_exports.as_ref().is_some_and(|n| n.contains(sym))
}
