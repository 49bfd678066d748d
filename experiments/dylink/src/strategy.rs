//! The axes of the matrix besides the engine. A strategy is data: a few policy answers that the one
//! linker consults; it is never a separate loader.

use serde::{Deserialize, Serialize};

use crate::linkage::Linkage;
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
    /// The linkages the matrix runs under this placement: linking strategies only where there is
    /// more than one module, and the threads' designs ([`Strategy::THREAD_DESIGNS`]) only for a
    /// program with threads.
    pub fn linkages(self, threads: bool) -> Vec<Linkage> {
        let designs = if threads { &Strategy::THREAD_DESIGNS[..] } else { &[] };
        match self {
            Libc::Static => vec![Linkage::Static],
            Libc::LibcModule | Libc::LibcHost => {
                Strategy::LINKING.iter().chain(designs).map(|&s| Linkage::Linked(s)).collect()
            }
        }
    }
    /// How a process of this placement links under `strategy`: a static program links nothing.
    pub fn linkage(self, strategy: Strategy) -> Linkage {
        match self {
            Libc::Static => Linkage::Static,
            Libc::LibcModule | Libc::LibcHost => Linkage::Linked(strategy),
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
    /// Every side module gets its own linear memory, stack, table and allocator (under libc-module,
    /// its own libc.wasm instance); a call between modules goes through a host adapter that copies
    /// arguments in and results out as the case's `[interface]` declares, and nothing else crosses.
    Isolated,
    /// As `isolated`, but every crossing is a core-wasm adapter the lab generates per declared
    /// interface (the component model's fused adapters): it imports both memories (multi-memory) and
    /// the callee's allocator, and copies with `memory.copy` without leaving wasm.
    IsolatedFused,
    /// Shared-table semantics; threads' tables kept in step by design (b), *stop the world*
    /// (Lind-wasm's): a dlopen interrupts every thread, each repeats the load, and dlopen returns when
    /// all have. Only thread cases run it ([`Strategy::THREAD_DESIGNS`]).
    StopTheWorld,
    /// Shared-table semantics; threads' tables kept in step by design (c), *one table for all
    /// threads*, modelled (wasmtime 48 has no shared tables): see [`ThreadSync::OneTable`].
    OneTable,
}

/// How a cross-module function import is bound when the loader instantiates a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallBinding {
    /// To the defining instance's export itself: a plain wasm-to-wasm call.
    Export,
    /// To a host function forwarding to the export (the seed's JavaScript loader): the cheapest
    /// generic forwarder the engine offers, typed where it has one for the signature.
    HostForwarder,
}

/// Which host function a [`CallBinding::HostForwarder`] import gets when the import's type is the
/// export's (otherwise it is always the dynamic forwarder, which converts values like JavaScript).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Trampolines {
    /// The engine's cheapest generic forwarder ([`crate::Ctx::generic_forwarder`]): raw values,
    /// the type checked once at bind time. The matrix's `trampoline` strategy.
    #[default]
    Generic,
    /// The engine's typed host-function API, for the signatures the adapter has (a bench variant).
    Typed,
    /// The linker's dynamic forwarder ([`crate::load::forwarder`]): values converted per call (a
    /// bench variant keeping the first design's cost visible).
    Dynamic,
}

/// Whether the modules of a process share one linear memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memories {
    /// One memory, one stack, one allocator for every module (what C expects).
    Shared,
    /// The main program shares libc's memory; every side module gets a memory of its own (a
    /// "domain": memory, stack pointer, table, allocator), and only declared interfaces cross.
    PerModule,
}

/// How a call crosses from one memory domain to another ([`Memories::PerModule`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Adapters {
    /// A host function copies in and out (`crate::adapter`); the running domain switches on the way.
    Host,
    /// A generated wasm module copies between the two memories (`crate::fused`); host functions a
    /// module imports run in that module's domain, since no switch happens on the way in.
    Fused,
}

/// Which table a function pointer (a `GOT.func` entry, a `dlsym` result) indexes; this also decides
/// which tables exist, where a module's own functions go and what `dlclose` clears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointerTable {
    /// One table for every module: a module's functions occupy a region of it.
    Shared,
    /// Private tables; a pointer indexes the table of the module that defines the function (what the
    /// seed's loader returned).
    Definer,
    /// Private tables; the loader copies the function into the table of the module that asked.
    Caller,
    /// Private tables kept in lockstep: one process-wide index per pointer, the same entry written
    /// into every table (libc's included); a new table starts as a copy.
    Replicated,
}

/// How the threads of a process keep their tables in step when one of them loads a library
/// (issue 22; `crate::threads`). Only asked in a process with threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadSync {
    /// (a) Emscripten's: a load is logged; another thread repeats it at its next synchronisation
    /// point (dlopen, dlsym, mutex, condition variable, join). Nothing waits for it.
    SyncPoints,
    /// (b) Lind-wasm's: the loader interrupts every thread (wasmtime epochs; a thread blocked in a
    /// host wait is woken), each repeats the load, and dlopen returns when every thread has.
    StopTheWorld,
    /// (c) One table for all threads, as a model: the loader writes the new elements into every
    /// thread's table under the table's lock before dlopen returns. A wasmtime table belongs to one
    /// store, run by one thread, so a running thread is interrupted as in (b); a thread blocked in a
    /// host wait is not woken: it gets the elements before it runs wasm again, which is as soon as it
    /// could see them. Real shared tables (shared-everything-threads) would need neither.
    OneTable,
}

/// One row of linking policy: everything the linker needs to know about a strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub calls: CallBinding,
    pub pointers: PointerTable,
    pub memories: Memories,
    /// Only asked between domains.
    pub adapters: Adapters,
    /// Only asked in a process with threads.
    pub threads: ThreadSync,
}

impl Strategy {
    pub const LINKING: [Strategy; 7] = [
        Strategy::Trampoline,
        Strategy::Direct,
        Strategy::SharedTable,
        Strategy::DlsymImport,
        Strategy::ReplicatedTables,
        Strategy::Isolated,
        Strategy::IsolatedFused,
    ];

    /// Shared-table rows that differ from `shared-table` (design a) only in how threads keep their
    /// tables in step: the matrix runs them for thread cases only.
    pub const THREAD_DESIGNS: [Strategy; 2] = [Strategy::StopTheWorld, Strategy::OneTable];

    pub fn name(self) -> &'static str {
        self.into()
    }
    pub fn parse(s: &str) -> Option<Strategy> {
        s.parse().ok()
    }

    /// The strategies as data: one row each. Adding a strategy is a variant plus its row here.
    pub const fn policy(self) -> Policy {
        use Adapters::{Fused, Host};
        use CallBinding::*;
        use Memories::{PerModule, Shared as One};
        use PointerTable::*;
        use ThreadSync::SyncPoints;
        let (calls, pointers, memories, adapters, threads) = match self {
            Strategy::Trampoline => (HostForwarder, Definer, One, Host, SyncPoints),
            Strategy::Direct => (Export, Definer, One, Host, SyncPoints),
            Strategy::SharedTable => (Export, Shared, One, Host, SyncPoints),
            Strategy::DlsymImport => (Export, Caller, One, Host, SyncPoints),
            Strategy::ReplicatedTables => (Export, Replicated, One, Host, SyncPoints),
            // Within a domain one table (its libc's), as shared-table; between domains an adapter.
            Strategy::Isolated => (Export, Shared, PerModule, Host, SyncPoints),
            Strategy::IsolatedFused => (Export, Shared, PerModule, Fused, SyncPoints),
            Strategy::StopTheWorld => (Export, Shared, One, Host, ThreadSync::StopTheWorld),
            Strategy::OneTable => (Export, Shared, One, Host, ThreadSync::OneTable),
        };
        Policy { calls, pointers, memories, adapters, threads }
    }
}

#[cfg(test)]
mod list_tests {
    use super::*;
    use strum::IntoEnumIterator;

    /// The hand-written lists hold every variant: a strategy or a placement added to the enum but
    /// not to its list fails here instead of silently missing from the matrix and the bench.
    #[test]
    fn the_lists_hold_every_strategy_and_placement() {
        let all: Vec<Strategy> = Strategy::iter().collect();
        assert_eq!([&Strategy::LINKING[..], &Strategy::THREAD_DESIGNS[..]].concat(), all);
        for s in Strategy::THREAD_DESIGNS {
            let (p, shared) = (s.policy(), Strategy::SharedTable.policy());
            assert_eq!(Policy { threads: shared.threads, ..p }, shared, "{s} differs from shared-table beyond threads");
        }
        assert_eq!(Libc::ALL.to_vec(), Libc::iter().collect::<Vec<_>>());
        for libc in Libc::iter() {
            assert!(!libc.linkages(false).is_empty(), "{libc} runs under no linkage");
        }
    }
}
