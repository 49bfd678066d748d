//! The axes of the matrix besides the engine. A strategy is data: a few policy answers that the one
//! linker consults; it is never a separate loader.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, EnumString, IntoStaticStr};

/// Where the C library lives. Names (cell names, flags, manifests, JSON) derive from the variants.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    Display,
    EnumString,
    EnumIter,
    IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Libc {
    /// Program and wasi-libc linked into one module: the reference output.
    Static,
    /// wasi-libc linked into its own libc.wasm; program and libraries are PIC side modules beside it.
    LibcModule,
    /// No libc module: the host implements a rudimentary libc (the seed's wasm.js) and creates the
    /// memory, stack and table itself; program and libraries are PIC side modules.
    LibcHost,
}

impl Libc {
    pub const ALL: [Libc; 3] = [Libc::Static, Libc::LibcModule, Libc::LibcHost];
    pub fn name(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Libc> {
        s.parse().ok()
    }
    /// Whether linking strategies apply (only where there is more than one module).
    pub fn strategies(self) -> &'static [Strategy] {
        match self {
            Libc::Static => &[Strategy::None],
            Libc::LibcModule | Libc::LibcHost => &Strategy::LINKING,
        }
    }
}

/// How modules are linked to each other.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    PartialOrd,
    Ord,
    Display,
    EnumString,
    EnumIter,
    IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Strategy {
    /// Every cross-module function import is a host function forwarding to the other instance
    /// (the seed's JavaScript loader); every module has a private table.
    Trampoline,
    /// Cross-module imports are bound to the other instance's exports; private tables.
    Direct,
    /// One funcref table for all modules; a function pointer means the same thing everywhere.
    SharedTable,
    /// Private tables; `dlsym` and `GOT.func` copy the foreign funcref into the caller's table.
    DlsymImport,
    /// Private tables kept in lockstep: every function pointer gets one process-wide index and the
    /// loader writes the funcref at that index into every module's table (libc's included), so a
    /// pointer means the same function in every module without any table being shared.
    ReplicatedTables,
    /// No linking at all: the static placement.
    None,
}

/// Which table a function pointer indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointerTable {
    /// The one shared table.
    Shared,
    /// The private table of the module that defines the function (what the seed's loader returned).
    Definer,
    /// The private table of the module that asked for the address.
    Caller,
    /// One process-wide index, the same entry written into every private table.
    Replicated,
}

impl Strategy {
    pub const LINKING: [Strategy; 5] = [
        Strategy::Trampoline,
        Strategy::Direct,
        Strategy::SharedTable,
        Strategy::DlsymImport,
        Strategy::ReplicatedTables,
    ];

    pub fn name(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Strategy> {
        s.parse().ok()
    }
    /// Cross-module function imports go through a host function.
    pub fn trampolines(self) -> bool {
        self == Strategy::Trampoline
    }
    pub fn shared_table(self) -> bool {
        self == Strategy::SharedTable
    }
    pub fn pointer_table(self) -> PointerTable {
        match self {
            Strategy::SharedTable => PointerTable::Shared,
            Strategy::DlsymImport => PointerTable::Caller,
            Strategy::ReplicatedTables => PointerTable::Replicated,
            Strategy::Trampoline | Strategy::Direct | Strategy::None => PointerTable::Definer,
        }
    }
}
