//! Building a case's modules: the side modules (for the dynamic placements) and the static program
//! (for the static one) are separate builds, each made on first use, so that one failing affects only
//! the cells that need it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{Context, Result};
use dylab_toolchain::Sources;

use crate::corpus::{wasm_name, Case};
use crate::module_files::ModuleFiles;
use crate::run::Lab;

/// The side modules of one case: the main program as a PIC module and its libraries.
#[derive(Clone, Debug)]
pub struct Dynamic {
    pub side_main: PathBuf,
    /// By the name a program passes to dlopen (`dlworld.wasm`).
    pub libs: HashMap<String, PathBuf>,
}

/// A case's builds, each made once, when the first cell needs it (several threads may ask at once).
#[derive(Debug, Default)]
pub struct Builds {
    dynamic: OnceLock<Result<Dynamic, String>>,
    static_main: OnceLock<Result<PathBuf, String>>,
}

impl Builds {
    pub fn dynamic(&self, lab: &Lab, case: &Case) -> &Result<Dynamic, String> {
        self.dynamic.get_or_init(|| lab.build_dynamic(case).map_err(|e| format!("{e:#}")))
    }

    pub fn static_main(&self, lab: &Lab, case: &Case) -> &Result<PathBuf, String> {
        self.static_main.get_or_init(|| lab.build_static(case).map_err(|e| format!("{e:#}")))
    }
}

impl Lab {
    /// Libraries first, each after the libraries it needs, then the main program linked against its own.
    pub fn build_dynamic(&self, case: &Case) -> Result<Dynamic> {
        let m = &case.manifest;
        let mut libs: HashMap<String, PathBuf> = HashMap::new();
        let needed = |module: &String, libs: &HashMap<String, PathBuf>| -> Result<Vec<(String, PathBuf)>> {
            let deps = m.needed.get(module).map(Vec::as_slice).unwrap_or(&[]);
            deps.iter()
                .map(|d| {
                    let path = libs.get(&wasm_name(d)).with_context(|| format!("{module} needs {d}, not built"))?;
                    Ok((wasm_name(d), path.clone()))
                })
                .collect()
        };
        for lib in case.libs_in_link_order()? {
            let deps = needed(lib.name(), &libs)?;
            let built = self
                .toolchain
                .side_module_from(&self.sources(case, lib)?, &m.wasm_cflags(), &deps)
                .with_context(|| format!("case {}: building {lib}", case.name))?;
            libs.insert(wasm_name(lib.name()), built);
        }
        let deps = needed(m.main.name(), &libs)?;
        let side_main = self
            .toolchain
            .side_module_from(&self.sources(case, &m.main)?, &m.wasm_cflags(), &deps)
            .with_context(|| format!("case {}: building {}", case.name, m.main))?;
        Ok(Dynamic { side_main, libs })
    }

    /// One module's sources, confined to the case folder, with the case's third-party folder if any.
    fn sources(&self, case: &Case, module: &ModuleFiles) -> Result<Sources> {
        let sources = Sources::in_case(&case.dir, module.files()).with_context(|| format!("case {}", case.name))?;
        match case.manifest.vendor {
            Some(v) => sources.with_vendor(&v.dir(&self.vendor_root)?),
            None => Ok(sources),
        }
    }

    pub fn build_static(&self, case: &Case) -> Result<PathBuf> {
        let m = &case.manifest;
        self.toolchain
            .static_program_from(&self.sources(case, &m.main)?, &m.wasm_cflags())
            .with_context(|| format!("case {}: building {} statically", case.name, m.main))
    }
}
