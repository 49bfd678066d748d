//! Property: however many side modules are loaded, with whatever data sizes and alignments their
//! dylink.0 sections ask for (sizes up to most of the memory limit, alignments up to 2^16), their data
//! segments are aligned, inside memory, and never overlap. Checked under both placements that load
//! libraries (libc-module: the real libc.wasm allocator; libc-host: the host's) and every strategy
//! that shares one memory (`isolated` gives each module a memory of its own: nothing to overlap), on
//! every engine: wasmtime and wasmi in this process (the loader's own record of each module's base);
//! V8, whose loader runs in its Node worker, through a driver module that prints each module's data
//! address (a data symbol) and the memory's size. `PLACEMENT_CASES=<n>` runs a longer hunt.

#[path = "support/dylink0.rs"]
mod dylink0;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dylab_engines::{Adapter, WithEngine};
use dylab_lab::placements::placement;
use dylab_lab::run::default_corpus;
use dylab_lab::{EngineKind, Lab};
use dylink::strategy::Memories;
use dylink::{Engine, Libc, Mode, ProcessBuilder, Strategy};
use dylink0::MemInfo;
use proptest::prelude::*;
use proptest::strategy::Strategy as _;

/// Side module `i`: it only asks for `size` bytes of data aligned to 2^`align_log` (and touches
/// none); its data's address is the data symbol `m{i}_at` (for the V8 driver).
fn side_module(i: usize, size: u32, align_log: u32) -> Vec<u8> {
    let dylink =
        dylink0::wat(&dylink0::payload(MemInfo { mem_size: size, mem_align: align_log, ..MemInfo::default() }, &[]));
    let wat = format!(
        r#"(module
             {dylink}
             (import "env" "memory" (memory 0))
             (import "env" "__memory_base" (global i32))
             (global (export "m{i}_at") i32 (i32.const 0))
             (func (export "__wasm_call_ctors")))"#
    );
    wat::parse_str(wat).expect("generated WAT parses")
}

/// Loads the modules into one process on `engine`; returns (base, size, align) of each.
fn place<E: Engine>(
    engine: &E,
    libc_wasm: &Path,
    libc: Libc,
    strategy: Strategy,
    specs: &[(u32, u32)],
) -> Vec<(u32, u32, u32)> {
    let dir = tempfile::tempdir().unwrap();
    let mut libs = HashMap::new();
    for (i, (size, align_log)) in specs.iter().enumerate() {
        let path = dir.path().join(format!("m{i}.wasm"));
        std::fs::write(&path, side_module(i, *size, *align_log)).unwrap();
        libs.insert(format!("m{i}.wasm"), path);
    }
    let mut session = ProcessBuilder::new(engine, placement(libc), strategy, Some(libc_wasm.to_path_buf()))
        .program(|p| p.libs(libs).case_dir(dir.path()))
        .build()
        .unwrap();
    session.boot().map_err(|e| format!("{e:?}")).unwrap();
    session.enter(|ctx| {
        let mut placed = Vec::new();
        for (i, (size, align_log)) in specs.iter().enumerate() {
            let id = dylink::load::load(ctx, &format!("m{i}.wasm"), Mode { now: true, global: false })
                .unwrap_or_else(|e| panic!("loading m{i}: {}", e.message()));
            placed.push((ctx.host_ref().process.module(id).memory_base, *size, 1u32 << align_log));
        }
        let mem = ctx.host_ref().memory.unwrap();
        let memory_size = ctx.memory_size(mem);
        for &(base, size, _) in &placed {
            assert!(
                base as u64 + size as u64 <= memory_size,
                "segment {base:#x}+{size} outside memory of {memory_size}"
            );
        }
        placed
    })
}

/// Built once: the lab's engines keep compiled libc.wasm across cases.
fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| Lab::new(&default_corpus().join("include")).expect("toolchain available"))
}

struct Place<'a> {
    libc_wasm: &'a PathBuf,
    libc: Libc,
    strategy: Strategy,
    specs: &'a [(u32, u32)],
}

impl WithEngine for Place<'_> {
    type Out = Vec<(u32, u32, u32)>;
    fn run<E: Adapter>(self, engine: &E) -> Self::Out {
        place(engine, self.libc_wasm, self.libc, self.strategy, self.specs)
    }
}

fn check(placed: &[(u32, u32, u32)]) -> Result<(), TestCaseError> {
    for (i, &(base, size, align)) in placed.iter().enumerate() {
        if size == 0 {
            continue;
        }
        prop_assert!(base != 0, "module {i} placed at address 0");
        prop_assert_eq!(base % align, 0, "module {} at {:#x} not aligned to {}", i, base, align);
        for &(b2, s2, _) in &placed[i + 1..] {
            if s2 == 0 {
                continue;
            }
            let disjoint = base + size <= b2 || b2 + s2 <= base;
            prop_assert!(disjoint, "[{:#x},+{}) overlaps [{:#x},+{})", base, size, b2, s2);
        }
    }
    Ok(())
}

const MIB: u32 = 1 << 20;

/// Up to 16 modules: small sizes, sizes of some MiB, and now and then one module taking most of the
/// cell's memory limit (256 MiB; all of them together stay below it, libc's own memory included);
/// alignments 2^0 to 2^16.
fn specs() -> impl proptest::strategy::Strategy<Value = Vec<(u32, u32)>> {
    let size = prop_oneof![4 => 0u32..20_000, 2 => 0u32..(2 * MIB), 1 => Just(0u32)];
    let small = prop::collection::vec((size, 0u32..=16), 1..16);
    let huge = prop::option::weighted(0.2, ((160 * MIB)..(200 * MIB), 0u32..=16));
    (small, huge, any::<prop::sample::Index>()).prop_map(|(mut specs, huge, at)| {
        if let Some(h) = huge {
            let at = at.index(specs.len() + 1);
            specs.insert(at, h);
        }
        specs
    })
}

/// The V8 driver: a main module that needs every module (so they are placed before it, in order),
/// imports each one's data address (`GOT.mem.m{i}_at`) and prints it and then the memory's size in
/// bytes, as hex lines through libc's `puts` (both placements have it).
fn driver(n: usize) -> String {
    let needed: Vec<String> = (0..n).map(|i| format!("m{i}.wasm")).collect();
    let dylink = dylink0::wat(&dylink0::payload(MemInfo { mem_size: 16, ..MemInfo::default() }, &needed));
    let imports: String =
        (0..n).map(|i| format!("(import \"GOT.mem\" \"m{i}_at\" (global $at{i} (mut i32)))\n")).collect();
    let prints: String = (0..n).map(|i| format!("(call $hex (global.get $at{i}))\n")).collect();
    format!(
        r#"(module
             {dylink}
             (import "env" "memory" (memory 0))
             (import "env" "__memory_base" (global $base i32))
             (import "env" "puts" (func $puts (param i32) (result i32)))
             {imports}
             (func $hex (param $v i32) (local $i i32) (local $d i32)
               (loop $l
                 (local.set $d (i32.and (i32.shr_u (local.get $v) (i32.sub (i32.const 28) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 15)))
                 (i32.store8 (i32.add (global.get $base) (local.get $i))
                   (i32.add (local.get $d) (select (i32.const 48) (i32.const 87) (i32.lt_u (local.get $d) (i32.const 10)))))
                 (local.set $i (i32.add (local.get $i) (i32.const 1)))
                 (br_if $l (i32.lt_u (local.get $i) (i32.const 8))))
               (i32.store8 (i32.add (global.get $base) (i32.const 8)) (i32.const 0))
               (drop (call $puts (global.get $base))))
             (func (export "main") (result i32)
               {prints}
               (call $hex (i32.shl (memory.size) (i32.const 16)))
               (i32.const 0))
             (func (export "__wasm_call_ctors")))"#
    )
}

/// [`place`] on V8 (whose loader runs in its Node worker) through the driver; (base, size, align)
/// of each module, after checking every segment lies inside the memory.
fn place_on_v8(libc: Libc, strategy: Strategy, specs: &[(u32, u32)]) -> Result<Vec<(u32, u32, u32)>, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut libs = HashMap::new();
    for (i, (size, align_log)) in specs.iter().enumerate() {
        let path = dir.path().join(format!("m{i}.wasm"));
        std::fs::write(&path, side_module(i, *size, *align_log)).unwrap();
        libs.insert(format!("m{i}.wasm"), path);
    }
    let main = dir.path().join("main.wasm");
    std::fs::write(&main, wat::parse_str(driver(specs.len())).unwrap()).unwrap();
    let program = dylink::Program::new(main, "main.wasm")
        .libc(libc)
        .linkage(strategy)
        .libc_module(Some(lab().libc_wasm.clone()))
        .libs(libs);
    let r = lab().run_program(EngineKind::V8, &program);
    let stdout = r.stdout_text();
    if r.ending != dylink::Ending::Exited(0) {
        return Err(format!("v8/{libc}/{strategy}: {:?}, stdout {stdout:?}", r.ending));
    }
    let words: Vec<u32> = stdout
        .lines()
        .map(|l| u32::from_str_radix(l, 16).map_err(|e| format!("{l:?}: {e}")))
        .collect::<Result<_, _>>()?;
    let Some((&memory_size, bases)) = words.split_last().filter(|(_, b)| b.len() == specs.len()) else {
        return Err(format!("v8/{libc}/{strategy}: {} lines for {} modules", words.len(), specs.len()));
    };
    let placed: Vec<(u32, u32, u32)> =
        bases.iter().zip(specs).map(|(&b, &(size, align))| (b, size, 1u32 << align)).collect();
    for &(base, size, _) in &placed {
        if base as u64 + size as u64 > memory_size as u64 {
            return Err(format!("v8: segment {base:#x}+{size} outside memory of {memory_size}"));
        }
    }
    Ok(placed)
}

/// CI runs 48 programs (each on the three engines); `PLACEMENT_CASES=<n>` runs more.
fn cases() -> u32 {
    std::env::var("PLACEMENT_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48)
}

/// A fixed seed, so every run (CI too) draws the same programs; proptest's own `PROPTEST_RNG_SEED`
/// changes it.
fn rng_seed() -> proptest::test_runner::RngSeed {
    let seed = std::env::var("PROPTEST_RNG_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x2016_9ace);
    proptest::test_runner::RngSeed::Fixed(seed)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), rng_seed: rng_seed(), ..ProptestConfig::default() })]

    #[test]
    fn segments_are_aligned_and_disjoint(
        specs in specs(),
        libc in prop::sample::select(&[Libc::LibcModule, Libc::LibcHost][..]),
        strategy in prop::sample::select(Strategy::LINKING.into_iter().filter(|s| s.policy().memories == Memories::Shared).collect::<Vec<_>>()),
    ) {
        let lab = lab();
        for kind in EngineKind::in_process() {
            check(&lab.engine(kind).visit(Place { libc_wasm: &lab.libc_wasm, libc, strategy, specs: &specs }))?;
        }
        check(&place_on_v8(libc, strategy, &specs).map_err(TestCaseError::fail)?)?;
    }
}
