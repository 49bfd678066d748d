//! Property: however many side modules are loaded, with whatever data sizes and alignments their
//! dylink.0 sections ask for, their data segments are aligned, inside memory, and never overlap.
//! Checked on every engine of the registry against the real libc.wasm allocator.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use dylab_engines::{Adapter, WithEngine};
use dylab_lab::placements::placement;
use dylab_lab::run::default_corpus;
use dylab_lab::{EngineKind, Lab};
use dylink::{Engine, Libc, Mode, ProcessBuilder, Strategy};
use proptest::prelude::*;

/// A side module that only asks for `size` bytes of data aligned to 2^`align_log` (and touches none).
fn side_module(size: u32, align_log: u32) -> Vec<u8> {
    fn leb(mut v: u32, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    let mut mem_info = Vec::new();
    for v in [size, align_log, 0, 0] {
        leb(v, &mut mem_info);
    }
    let mut payload = vec![1u8]; // WASM_DYLINK_MEM_INFO
    leb(mem_info.len() as u32, &mut payload);
    payload.extend(mem_info);
    let escaped: String = payload.iter().map(|b| format!("\\{b:02x}")).collect();
    let wat = format!(
        r#"(module
             (@custom "dylink.0" (before first) "{escaped}")
             (import "env" "memory" (memory 0))
             (import "env" "__memory_base" (global i32))
             (func (export "__wasm_call_ctors")))"#
    );
    wat::parse_str(wat).expect("generated WAT parses")
}

/// Loads the modules into one process on `engine`; returns (base, size, align) of each.
fn place<E: Engine>(engine: &E, libc: &PathBuf, specs: &[(u32, u32)]) -> Vec<(u32, u32, u32)> {
    let dir = tempfile::tempdir().unwrap();
    let mut libs = HashMap::new();
    for (i, (size, align_log)) in specs.iter().enumerate() {
        let path = dir.path().join(format!("m{i}.wasm"));
        std::fs::write(&path, side_module(*size, *align_log)).unwrap();
        libs.insert(format!("m{i}.wasm"), path);
    }
    let mut session = ProcessBuilder::new(
        engine,
        Libc::LibcModule,
        Strategy::SharedTable,
        placement(Libc::LibcModule),
        Some(libc.clone()),
    )
    .libs(libs, dir.path().to_path_buf())
    .build()
    .unwrap();
    session.boot().map_err(|e| format!("{e:?}")).unwrap();
    session.enter(|ctx| {
        let mut placed = Vec::new();
        for (i, (size, align_log)) in specs.iter().enumerate() {
            let id = dylink::load::load(ctx, &format!("m{i}.wasm"), Mode { now: true, global: false })
                .unwrap_or_else(|e| panic!("loading m{i}: {}", e.message()));
            placed.push((ctx.host_ref().process.modules[id].memory_base, *size, 1u32 << align_log));
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
    libc: &'a PathBuf,
    specs: &'a [(u32, u32)],
}

impl WithEngine for Place<'_> {
    type Out = Vec<(u32, u32, u32)>;
    fn run<E: Adapter>(self, engine: &E) -> Self::Out {
        place(engine, self.libc, self.specs)
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn segments_are_aligned_and_disjoint(specs in prop::collection::vec((0u32..20_000, 0u32..11), 1..16)) {
        let lab = lab();
        for kind in EngineKind::in_process() {
            check(&lab.engine(kind).visit(Place { libc: &lab.libc_wasm, specs: &specs }))?;
        }
    }
}
