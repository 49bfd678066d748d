//! The native baselines are counted exactly under callgrind: gcc -m32's loops through the PLT and a
//! function pointer into another shared object, and ld.so's dlopen growing with what is loaded.

use std::path::Path;

use dylab_bench::counts::native::{count, Linkage, LOADS};
use dylab_bench::Kernel;
use dylab_toolchain::native::NativeToolchain;

#[test]
fn native_calls_count_exactly_and_dlopen_grows_with_the_loaded_libraries() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    let cache = tempfile::tempdir().unwrap();
    let tc = NativeToolchain::discover(&corpus.join("include"), cache.path()).expect("gcc -m32 (gcc-multilib)");
    let valgrind = std::env::var_os("DYLAB_VALGRIND").unwrap_or_else(|| "valgrind".into());
    let n = count(&tc, &corpus.join("bench"), &valgrind).expect("valgrind is installed by scripts/setup.sh");
    assert_eq!(n.calls.len(), 6, "{n:?}");
    assert!(n.calls.iter().all(|c| c.exact), "{n:?}");
    let per_call = |linkage, kernel: Kernel| {
        n.calls.iter().find(|c| c.linkage == linkage && c.kernel == kernel).unwrap().instructions_per_call
    };
    // A PLT call adds the stub's indirect jump to a direct call; the loop is a few instructions.
    assert!(per_call(Linkage::Plt, Kernel::K1) > per_call(Linkage::IntraDirect, Kernel::K1), "{n:?}");
    assert!(per_call(Linkage::IntraDirect, Kernel::K1) < 20.0, "{n:?}");
    let nth: Vec<u32> = n.dlopen_nth.iter().map(|(k, _)| *k).collect();
    assert_eq!(nth, LOADS);
    assert!(n.dlopen_nth.windows(2).all(|w| w[0].1 < w[1].1), "ld.so searches what is loaded: {n:?}");
}
