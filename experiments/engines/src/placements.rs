//! The only list of libc placements: each [`Libc`] value and the code that implements it.

use std::sync::Arc;

use dylink::placements::{LibcModule, StaticProgram};
use dylink::{Engine, Libc, LibcPlacement};

/// The placement that runs `libc` cells. Adding a placement is a variant of [`Libc`], one
/// implementation of [`LibcPlacement`] and one line here.
pub fn placement<E: Engine>(libc: Libc) -> Arc<dyn LibcPlacement<E>> {
    match libc {
        Libc::Static => Arc::new(StaticProgram),
        Libc::LibcModule => Arc::new(LibcModule),
        Libc::LibcHost => Arc::new(dylab_libc_host::LibcHost),
    }
}
