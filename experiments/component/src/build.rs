//! From corpus/bench/component to one composed component: C bindings from the WIT (wit-bindgen's C
//! generator, as a library), each side compiled by clang-19 into a core module without WASI imports
//! (the lab's toolchain: wasi-libc linked statically, reactor model, so only malloc and string
//! functions come from it), made a component by wit-component, the two composed by wasm-compose
//! (`wasm-tools compose`): the caller's import of `dylab:bench/kernels` is the callee's export.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use dylab_toolchain::{Sources, Toolchain};
use wit_bindgen_core::{Files, WorldGenerator};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::{PackageId, Resolve, WorldId};

/// The WIT package, the C sources and what each implements.
pub const WIT: &str = "kernels.wit";
/// The two sides: a world of kernels.wit and the C file implementing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Callee,
    Caller,
}

impl Side {
    pub fn world(self) -> &'static str {
        match self {
            Side::Callee => "callee",
            Side::Caller => "caller",
        }
    }
    fn source(self) -> &'static str {
        match self {
            Side::Callee => "callee_impl.c",
            Side::Caller => "caller_impl.c",
        }
    }
}

/// The built artefacts: each side's core module and component, and the composition.
#[derive(Clone, Debug)]
pub struct Built {
    pub callee: PathBuf,
    pub caller: PathBuf,
    /// The caller composed with the callee: imports nothing, exports the caller's loops.
    pub composed: Vec<u8>,
}

/// Builds the composed component from `dir` (corpus/bench/component), generated files under `work`.
pub fn build(toolchain: &Toolchain, dir: &Path, work: &Path) -> Result<Built> {
    let mut resolve = Resolve::default();
    let pkg = resolve.push_file(dir.join(WIT)).with_context(|| format!("parsing {}", dir.join(WIT).display()))?;
    let callee = side(toolchain, &mut resolve, pkg, Side::Callee, dir, work)?;
    let caller = side(toolchain, &mut resolve, pkg, Side::Caller, dir, work)?;
    let composed = compose(&caller, &callee)?;
    Ok(Built { callee, caller, composed })
}

/// One side: bindings, compile and link (cached by the toolchain), componentise.
fn side(toolchain: &Toolchain, resolve: &mut Resolve, pkg: PackageId, side: Side, dir: &Path, work: &Path) -> Result<PathBuf> {
    let world = resolve.select_world(&[pkg], Some(side.world()))?;
    let folder = work.join(side.world());
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let mut sources = vec![folder.join(side.source())];
    std::fs::copy(dir.join(side.source()), &sources[0]).with_context(|| format!("copying {}", side.source()))?;
    for (name, bytes) in bindings(resolve, world)?.iter() {
        std::fs::write(folder.join(name), bytes).with_context(|| format!("writing {name}"))?;
        if name.ends_with(".c") {
            sources.push(folder.join(name));
        }
    }
    // A reactor (no `_start`, so no WASI `proc_exit`); no entry; exports come from the bindings'
    // `export_name` attributes.
    let flags = ["-mexec-model=reactor".to_string()];
    let core = toolchain.static_program_from(&Sources::at(&sources)?, &flags).context("compiling")?;
    let mut bytes = std::fs::read(&core)?;
    wit_component::embed_component_metadata(&mut bytes, resolve, world, StringEncoding::UTF8, false)?;
    let component = ComponentEncoder::default().module(&bytes)?.validate(true).encode()?;
    let out = folder.join(format!("{}.component.wasm", side.world()));
    std::fs::write(&out, component)?;
    Ok(out)
}

/// The C bindings of `world`: `<world>.h` and `<world>.c` (types, import declarations, export
/// wrappers, `cabi_realloc`); no type object file: the metadata is embedded after linking.
fn bindings(resolve: &mut Resolve, world: WorldId) -> Result<Files> {
    let opts = wit_bindgen_c::Opts { no_object_file: true, ..Default::default() };
    let mut files = Files::default();
    opts.build().generate(resolve, world, &mut files)?;
    Ok(files)
}

/// The caller with its import of the kernels interface satisfied by the callee: imports nothing.
fn compose(caller: &Path, callee: &Path) -> Result<Vec<u8>> {
    let mut config = wasm_compose::config::Config { disallow_imports: true, ..Default::default() };
    config.dependencies.insert("dylab:bench/kernels".into(), wasm_compose::config::Dependency { path: callee.into() });
    let bytes = wasm_compose::composer::ComponentComposer::new(caller, &config).compose().context("composing")?;
    if bytes.is_empty() {
        bail!("wasm-compose produced nothing");
    }
    Ok(bytes)
}
