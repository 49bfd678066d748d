//! The placements whose code needs nothing beyond the linker: a static program, and wasi-libc as
//! its own `libc.wasm`. The host's libc is a crate of its own (`dylab-libc-host`).

mod libc_module;
pub mod static_program;

pub use libc_module::{LibcModule, LIBC_WASM};
pub use static_program::StaticProgram;
