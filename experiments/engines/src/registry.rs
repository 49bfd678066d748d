//! The list of engines. One entry per engine: `Variant => adapter type`, with a one-line doc comment
//! (shown by `dylab --help`); another configuration of an engine (a compiler tier, another release)
//! is the same adapter with other settings (a marker type parameter) and says `like Engine`. The variant's kebab-case name is the engine's name in cell names,
//! flags, manifests and JSON.

use crate::any::{Adapter, AnyEngine, WithEngine};

/// How an engine's measurements vary from process to process: measured facts that the bench's
/// checks allow for, stated on the engine's registry line so that a new engine must state its own.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Variation {
    /// What `dylab bench --check` widens each side of a ratio's interval by for the difference
    /// between two runs (see dylab-bench's `stats::between_runs`).
    pub between_runs: f64,
    /// Whether a call that leaves wasm counts the same instructions in every process (see
    /// dylab-bench's `counts::PROCESS_TOLERANCE`).
    pub host_calls_repeat: bool,
}

/// What the reports say of an engine beyond its recorded settings, stated on its registry line so
/// that no report names an engine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Notes {
    /// What its generated code depends on, for the counts' "what stays machine-dependent".
    pub code: &'static str,
    /// How the matrix's `trampoline` strategy (its cheapest generic forwarder) calls the callee.
    pub trampoline: &'static str,
}

macro_rules! engines {
    (@family $kind:ident) => { EngineKind::$kind };
    (@family $kind:ident $family:ident) => { EngineKind::$family };
    ($($(#[doc = $doc:literal])* $kind:ident => $ty:ty, $variation:expr, $notes:expr $(, like $family:ident)?;)+) => {
        /// A WebAssembly engine of the lab. Ordered as listed: reports show engines in this order.
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
            strum::Display, strum::EnumString, strum::EnumIter, strum::IntoStaticStr,
        )]
        #[serde(rename_all = "kebab-case")]
        #[strum(serialize_all = "kebab-case", parse_err_ty = String, parse_err_fn = unknown_engine)]
        #[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
        pub enum EngineKind {
            $($(#[doc = $doc])* $kind),+
        }

        impl EngineKind {
            /// Every engine, in registry order.
            pub const ALL: [EngineKind; [$(EngineKind::$kind),+].len()] = [$(EngineKind::$kind),+];

            /// Whether stores of this engine can be made in this process (V8: only inside Node);
            /// whole programs run on every engine (`AnyEngine::run`).
            pub fn runs_in_process(self) -> bool {
                match self {
                    $(EngineKind::$kind => <$ty as dylink::Engine>::runs_in_process(),)+
                }
            }

            /// The process hosting this engine when this one cannot make its stores (V8 outside
            /// Node; the engine's [`dylink::Engine::process_host`]); `None` when it runs here.
            pub fn hosted_in(self) -> Option<&'static dyn dylink::engine::ProcessHost> {
                match self {
                    $(EngineKind::$kind if !<$ty as dylink::Engine>::runs_in_process() => {
                        <$ty as dylink::Engine>::process_host()
                    })+
                    _ => None,
                }
            }

            /// The fuel-metered engine (matrix, tests).
            pub fn matrix_engine(self) -> anyhow::Result<Box<dyn AnyEngine>> {
                Ok(match self {
                    $(EngineKind::$kind => Box::new(<$ty as Adapter>::matrix()?),)+
                })
            }

            /// The fuel-metered engine keeping compiled modules in `modules` between processes where
            /// it can ([`Adapter::matrix_caching`]): the lab's matrix.
            pub fn matrix_engine_caching(self, modules: &std::path::Path) -> anyhow::Result<Box<dyn AnyEngine>> {
                Ok(match self {
                    $(EngineKind::$kind => Box::new(<$ty as Adapter>::matrix_caching(modules)?),)+
                })
            }

            /// The engine without fuel metering (measurements).
            pub fn timing_engine(self) -> anyhow::Result<Box<dyn AnyEngine>> {
                Ok(match self {
                    $(EngineKind::$kind => Box::new(<$ty as Adapter>::timing()?),)+
                })
            }

            /// The engine for instruction counts (see [`Adapter::counting`]).
            pub fn counting_engine(self, precompiled: Option<&std::path::Path>) -> anyhow::Result<Box<dyn AnyEngine>> {
                Ok(match self {
                    $(EngineKind::$kind => Box::new(<$ty as Adapter>::counting(precompiled)?),)+
                })
            }

            /// The engine whose other configuration this one is (`like` on its line), else itself:
            /// `[expect]` entries naming that engine apply to this one too.
            pub fn family(self) -> EngineKind {
                match self {
                    $(EngineKind::$kind => engines!(@family $kind $($family)?),)+
                }
            }

            /// How this engine's measurements vary between processes.
            pub fn variation(self) -> Variation {
                match self {
                    $(EngineKind::$kind => $variation,)+
                }
            }

            /// What the reports say of this engine's code and forwarders.
            pub fn notes(self) -> Notes {
                match self {
                    $(EngineKind::$kind => $notes,)+
                }
            }

            /// `engine`, which is of this kind, as its concrete type.
            pub(crate) fn visit<V: WithEngine>(self, engine: &(dyn AnyEngine + '_), visitor: V) -> V::Out {
                match self {
                    $(EngineKind::$kind => visitor.run(
                        engine.as_any().downcast_ref::<$ty>().expect("an engine's kind names its type"),
                    ),)+
                }
            }
        }

        $(impl Adapter for $ty {
            const KIND: EngineKind = EngineKind::$kind;
            fn matrix() -> anyhow::Result<Self> {
                <$ty>::new()
            }
            fn matrix_caching(modules: &std::path::Path) -> anyhow::Result<Self> {
                <$ty>::new_caching(modules)
            }
            fn timing() -> anyhow::Result<Self> {
                <$ty>::for_timing()
            }
            fn counting(precompiled: Option<&std::path::Path>) -> anyhow::Result<Self> {
                <$ty>::for_counting(precompiled)
            }
        })+
    };
}

// Variation: measured on the 2-core VM over five full runs (times) and five full counts (V8's host
// paths: the same within a process, up to 43% apart between processes).
engines! {
    /// Cranelift compiler (wasmtime 48), no inlining
    Wasmtime => dylab_engine_wasmtime::Wasmtime<dylab_engine_wasmtime::Cranelift>,
        Variation { between_runs: 0.25, host_calls_repeat: true },
        Notes { code: "Cranelift generates code for a pinned target (settings above)", trampoline: WASMTIME_FORWARDER };
    /// Winch baseline compiler (wasmtime 48)
    WasmtimeWinch => dylab_engine_wasmtime::Wasmtime<dylab_engine_wasmtime::Winch>,
        Variation { between_runs: 0.25, host_calls_repeat: true },
        Notes { code: "Winch generates code for the same pinned target", trampoline: WASMTIME_FORWARDER }, like Wasmtime;
    /// Interpreter (wasmi 2.0), eager compilation
    Wasmi => dylab_engine_wasmi::Wasmi,
        Variation { between_runs: 0.25, host_calls_repeat: true },
        Notes {
            code: "an interpreter, compiled ahead of time with the host code for generic x86-64",
            trampoline: "the typed forwarder of the signature (wasmi has no unchecked call)",
        };
    /// V8 (Node 26.10.0, V8 14.6) through Node-API; runs in a Node worker outside Node
    V8 => dylab_engine_v8::V8<dylab_engine_v8::Node26>,
        Variation { between_runs: 0.40, host_calls_repeat: false },
        Notes { code: V8_CODE, trampoline: V8_FORWARDER };
    /// V8 14.6 (Node 26.10.0) with Liftoff, its baseline compiler, only: no tier-up
    V8Liftoff => dylab_engine_v8::V8<dylab_engine_v8::Liftoff>,
        Variation { between_runs: 0.40, host_calls_repeat: false },
        Notes { code: "Liftoff's code, pinned and hosted as v8's", trampoline: V8_FORWARDER }, like V8;
    /// V8 12.4 (Node 22.23.5, the older LTS) with default tiering
    V8Node22 => dylab_engine_v8::V8<dylab_engine_v8::Node22>,
        Variation { between_runs: 0.40, host_calls_repeat: false },
        Notes { code: "pinned and hosted as v8's, on the older Node and V8 (settings above)", trampoline: V8_FORWARDER }, like V8;
}

const WASMTIME_FORWARDER: &str =
    "`Func::new_unchecked` calling `Func::call_unchecked`, the type checked once at bind time";
const V8_CODE: &str = "its code generator is pinned to x86-64-v2 features by flags (above), but Node itself (its \
    JavaScript-to-wasm paths, GC) is one binary built for generic x86-64 with its own CPU dispatch; the rows depend \
    on the pinned Node version";
const V8_FORWARDER: &str = "a JavaScript closure calling the callee's export, as in the seed, compiled per forwarder";

impl EngineKind {
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The engine the reports hold other code against (the native baselines, the cross-module
    /// target): the registry's first, an optimising compiler.
    pub fn reference() -> EngineKind {
        EngineKind::ALL[0]
    }

    /// The engines whose stores this process can make: what code needing the concrete engine (the
    /// bench, the property tests) iterates. Outside Node that is every engine but V8.
    pub fn in_process() -> impl Iterator<Item = EngineKind> {
        EngineKind::ALL.into_iter().filter(|k| k.runs_in_process())
    }

    /// Runs `visitor` on a new fuel-metered engine of this kind.
    pub fn with_matrix_engine<V: WithEngine>(self, visitor: V) -> anyhow::Result<V::Out> {
        Ok(self.matrix_engine()?.visit(visitor))
    }

    /// Runs `visitor` on a new counting engine of this kind (`precompiled`: see [`Adapter::counting`]).
    pub fn with_counting_engine<V: WithEngine>(
        self,
        precompiled: Option<&std::path::Path>,
        visitor: V,
    ) -> anyhow::Result<V::Out> {
        Ok(self.counting_engine(precompiled)?.visit(visitor))
    }

    /// Runs `visitor` on a new engine of this kind without fuel metering.
    pub fn with_timing_engine<V: WithEngine>(self, visitor: V) -> anyhow::Result<V::Out> {
        Ok(self.timing_engine()?.visit(visitor))
    }
}

fn unknown_engine(s: &str) -> String {
    let names: Vec<&str> = EngineKind::ALL.iter().map(|k| k.name()).collect();
    format!("unknown engine {s:?} ({})", names.join(", "))
}
