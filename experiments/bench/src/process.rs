//! The process the bench's wasm measurements load their modules into.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dylab_lab::placements::placement;
use dylink::{Engine, Libc, ProcessBuilder, Strategy};

/// A libc-module process (libc.wasm at `libc`) linked by `strategy`, whose `dlopen` finds `libs`
/// by name and other names in `dir`; not built yet, so that a measurement can add to it.
pub fn libc_module<E: Engine>(
    engine: &E,
    strategy: Strategy,
    libc: &Path,
    dir: &Path,
    libs: HashMap<String, PathBuf>,
) -> ProcessBuilder<E> {
    ProcessBuilder::new(engine, placement(Libc::LibcModule), strategy, Some(libc.to_path_buf()))
        .program(|p| p.libs(libs).case_dir(dir))
}
