use super::*;

/// The checkout's corpus and build cache (`$DYLAB_CACHE` as the lab's paths take it).
fn built() -> Built {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cache = std::env::var_os("DYLAB_CACHE").map_or(root.join("target/dylab-cache"), Into::into);
    let toolchain = dylab_toolchain::Toolchain::discover(&root.join("corpus/include"), &cache).unwrap();
    let work = tempfile::tempdir().unwrap();
    build(&toolchain, &root.join("corpus/bench/component"), work.path()).expect("the components build")
}

/// The loops return what the core kernels' loops return (corpus/bench/caller.c, copy_caller.c).
#[test]
fn the_composed_component_runs_the_kernels_across_the_boundary() {
    let built = built();
    let engine = wasmtime::Engine::default();
    let cache = tempfile::tempdir().unwrap();
    let component = compile(&engine, &built.composed, cache.path()).unwrap();
    let mut c = ComponentCall::new(&engine, &component).unwrap();
    assert_eq!(c.call(Workload::K0, 10).unwrap(), 70);
    let k1 = (0..10).fold(0i32, |a, _| a.wrapping_mul(3).wrapping_add(1));
    assert_eq!(c.call(Workload::K1, 10).unwrap(), k1);
    let bytes = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4, 3, 3, 8, 3, 2, 7, 9, 5];
    let kptr = (0..10).fold(0i32, |a, _| a + bytes[(a & 15) as usize..][..16].iter().sum::<i32>());
    assert_eq!(c.call(Workload::Kptr, 10).unwrap(), kptr);
    assert_eq!(c.call(Workload::Copy(0), 10).unwrap(), 10, "an empty list: the callee returns 1");
    // buffer[i] = i as a byte: first 0, last (len - 1) & 255.
    assert_eq!(c.call(Workload::Copy(4096), 3).unwrap(), 3 * (255 + 4096));
    assert_eq!(c.call(Workload::Copy(65536), 2).unwrap(), 2 * (255 + 65536));
    // Compiled once: the second compile reads the serialized component back.
    assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 1);
    compile(&engine, &built.composed, cache.path()).unwrap();
}

/// The composition is the two components: the callee's memory is not the caller's.
#[test]
fn the_composition_has_two_core_instances_with_a_memory_each() {
    let built = built();
    let mut memories = 0;
    for payload in wasmparser::Parser::new(0).parse_all(&built.composed) {
        if let wasmparser::Payload::MemorySection(s) = payload.unwrap() {
            memories += s.count();
        }
    }
    assert_eq!(memories, 2, "one defined memory per C component");
}

/// TOOLS names the versions Cargo.toml pins.
#[test]
fn the_recorded_versions_are_the_pinned_ones() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.toml")).unwrap();
    for (name, version) in TOOLS {
        assert!(
            manifest.contains(&format!("{name} = \"={version}\""))
                || manifest.contains(&format!("{name} = {{ version = \"={version}\"")),
            "{name} {version} is not pinned"
        );
    }
}
