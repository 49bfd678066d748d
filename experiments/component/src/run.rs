//! The composed component on wasmtime's component API: one instance, the caller's loops as typed
//! functions. Every call of a loop is a call from the caller component into the callee component
//! through the adapter wasmtime fuses for the import (in wasm: lift, `cabi_realloc`, copy, lower).

use std::path::Path;

use anyhow::{anyhow, Context, Result};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker, TypedFunc};
use wasmtime::{Engine, Store};

/// What one loop iteration calls (the engine-neutral name: dylink's extras).
pub use dylink::extras::ComponentWorkload as Workload;

type Loop = TypedFunc<(i32,), (i32,)>;

/// An instance of the composed component and its loops.
pub struct ComponentCall {
    store: Store<()>,
    k0: Loop,
    k1: Loop,
    kptr: Loop,
    copy: TypedFunc<(i32, i32), (i32,)>,
}

/// The composed component compiled by `engine`, through `cache` (a folder): read back when an
/// earlier process with the same engine settings compiled the same bytes (a counting child under
/// valgrind then runs no Cranelift), else compiled and kept there.
pub fn compile(engine: &Engine, bytes: &[u8], cache: &Path) -> Result<Component> {
    let key = hex(&Sha256::digest(bytes));
    let hash = engine.precompile_compatibility_hash();
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(&hash, &mut h);
    let path = cache.join(format!("component-{}-{:016x}.cwasm", &key[..16], std::hash::Hasher::finish(&h)));
    if path.is_file() {
        // Safety: the file was written by `serialize` below for an engine of the same settings
        // (its name carries them); wasmtime refuses one that does not match.
        if let Ok(c) = unsafe { Component::deserialize_file(engine, &path) } {
            return Ok(c);
        }
    }
    let component = Component::new(engine, bytes).map_err(|e| anyhow!("compiling the composed component: {e:#}"))?;
    std::fs::create_dir_all(cache)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, component.serialize()?)?;
    std::fs::rename(&tmp, &path)?;
    Ok(component)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ComponentCall {
    /// Instantiates `component` (it imports nothing).
    pub fn new(engine: &Engine, component: &Component) -> Result<Self> {
        let mut store = Store::new(engine, ());
        let instance = Linker::<()>::new(engine)
            .instantiate(&mut store, component)
            .map_err(|e| anyhow!("instantiating: {e:#}"))?;
        let mut get = |name: &str| instance.get_func(&mut store, name).with_context(|| format!("no export {name}"));
        let (k0, k1, kptr, copy) = (get("run-k0")?, get("run-k1")?, get("run-kptr")?, get("run-copy")?);
        Ok(ComponentCall {
            k0: k0.typed(&store)?,
            k1: k1.typed(&store)?,
            kptr: kptr.typed(&store)?,
            copy: copy.typed(&store)?,
            store,
        })
    }

    /// One loop of `n` calls of `w`; returns the loop's checksum.
    #[inline(always)]
    pub fn call(&mut self, w: Workload, n: u32) -> Result<i32> {
        let n = n as i32;
        let (r,) = match w {
            Workload::K0 => call(&mut self.store, self.k0, (n,)),
            Workload::K1 => call(&mut self.store, self.k1, (n,)),
            Workload::Kptr => call(&mut self.store, self.kptr, (n,)),
            Workload::Copy(len) => call(&mut self.store, self.copy, (n, len as i32)),
        }?;
        Ok(r)
    }
}

fn call<P: wasmtime::component::ComponentNamedList + wasmtime::component::Lower>(
    store: &mut Store<()>,
    f: TypedFunc<P, (i32,)>,
    args: P,
) -> Result<(i32,)> {
    // No `post_return`: wasmtime 48 runs it itself.
    Ok(f.call(&mut *store, args)?)
}
