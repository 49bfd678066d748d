//! Property: whatever a side module's dylink.0 section and imports say (sizes near 2^32, alignments
//! past 2^16, NEEDED graphs with cycles, self-references, missing or escaping names, truncated or
//! repeated subsections), `dlopen` either loads it or fails with a message; the host never panics,
//! never allocates what a module merely declares (the test process's peak resident memory stays far
//! below the sizes declared), and a failed load leaves the process usable (a good module loads and
//! runs after it). Every generated graph is loaded under every linking strategy and both placements
//! that load libraries (libc-module, libc-host) on wasmtime and wasmi, driven in this process; and on
//! V8, whose objects live on Node's main thread, as a whole program in its worker (the driver in
//! `tests/hostile-driver/` loads the graph and then the good module, and prints what happened), one
//! placement/strategy per graph in turn, so the hunt's first 12 graphs cover every pair (peak memory
//! is that of this process: V8's worker is not measured).
//! The hunt's seed is fixed and printed (`HOSTILE_SEED=<u64>` to change it) and failures persist in
//! `tests/hostile.proptest-regressions`; `HOSTILE_CASES=<n>` runs a longer hunt (CI runs the default,
//! small budget).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use dylab_engines::{Adapter, WithEngine};
use dylab_lab::build::Builds;
use dylab_lab::corpus::load_case;
use dylab_lab::placements::placement;
use dylab_lab::run::default_corpus;
use dylab_lab::{Case, Cell, EngineKind, Lab};
use dylink::{Ending, Engine, Libc, Limits, Mode, ProcessBuilder, Strategy as Linking};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};
#[path = "support/dylink0.rs"]
mod dylink0;

use dylink0::MemInfo;
use wasm_encoder::{
    CodeSection, ConstExpr, CustomSection, EntityType, ExportKind, ExportSection, Function, FunctionSection,
    GlobalType, ImportSection, Instruction, MemoryType, Module, RefType, TableType, TypeSection, ValType,
};

/// A size a module may declare: ordinary ones and the ones that wrap or exhaust.
fn size() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..4096, Just(1 << 31), Just(u32::MAX), Just(u32::MAX - 7), any::<u32>()]
}

#[derive(Clone, Debug)]
enum Import {
    Memory,
    Table,
    StackPointer,
    MemoryBase,
    TableBase,
    GotMem(String),
    GotFunc(String),
    Func(String),
    /// A memory or table under a name the loader does not provide.
    Stray,
}

#[derive(Clone, Debug)]
struct Spec {
    mem_size: u32,
    mem_align: u32,
    table_size: u32,
    table_align: u32,
    /// Indices of other modules (possibly itself), or names that do not exist / leave the folder.
    needed: Vec<Result<usize, String>>,
    imports: Vec<Import>,
    /// Cut the dylink.0 payload to this many bytes; repeat the section.
    truncate: Option<usize>,
    repeat: bool,
}

fn spec(n: usize) -> impl Strategy<Value = Spec> {
    let name = prop_oneof![
        Just("missing.wasm".to_string()),
        Just("../outside.wasm".to_string()),
        Just("/etc/passwd".to_string()),
        Just("x".repeat(5000)),
        Just(String::new()),
    ];
    let needed = prop::collection::vec(prop_oneof![4 => (0..n).prop_map(Ok), 1 => name.prop_map(Err)], 0..4);
    let sym = prop_oneof![Just("shared".to_string()), Just("nowhere".to_string()), Just("dlopen".to_string())];
    let import = prop_oneof![
        Just(Import::Memory),
        Just(Import::Table),
        Just(Import::StackPointer),
        Just(Import::MemoryBase),
        Just(Import::TableBase),
        sym.clone().prop_map(Import::GotMem),
        sym.clone().prop_map(Import::GotFunc),
        sym.prop_map(Import::Func),
        Just(Import::Stray),
    ];
    (
        size(),
        prop_oneof![0u32..5, 16u32..40],
        size(),
        prop_oneof![0u32..5, 16u32..40],
        needed,
        prop::collection::vec(import, 0..6),
        prop::option::weighted(0.2, 0usize..40),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(mem_size, mem_align, table_size, table_align, needed, imports, truncate, repeat)| Spec {
            mem_size,
            mem_align,
            table_size,
            table_align,
            needed,
            imports,
            truncate,
            repeat,
        })
}

fn lib_name(i: usize) -> String {
    format!("m{i}.wasm")
}

/// Library `i` as `s` describes it: a `dylink.0` section (maybe truncated or repeated), the
/// imports, and one function returning `i`.
fn encode(i: usize, s: &Spec) -> Vec<u8> {
    let mut module = Module::new();
    let custom = CustomSection { name: "dylink.0".into(), data: dylink_payload(s).into() };
    module.section(&custom);
    if s.repeat {
        module.section(&custom);
    }
    let mut types = TypeSection::new();
    types.ty().function([], [ValType::I32]);
    module.section(&types);
    let (imports, funcs_imported) = imports(s);
    module.section(&imports);
    let mut functions = FunctionSection::new();
    functions.function(0);
    module.section(&functions);
    let mut exports = ExportSection::new();
    exports.export(if i == 0 { "shared" } else { "value" }, ExportKind::Func, funcs_imported);
    module.section(&exports);
    let mut code = CodeSection::new();
    let mut f = Function::new([]);
    f.instruction(&Instruction::I32Const(i as i32));
    f.instruction(&Instruction::End);
    code.function(&f);
    module.section(&code);
    let _ = ConstExpr::i32_const(0);
    module.finish()
}

/// The `dylink.0` payload: mem_info and the needed libraries, truncated as `s` says.
fn dylink_payload(s: &Spec) -> Vec<u8> {
    let mem =
        MemInfo { mem_size: s.mem_size, mem_align: s.mem_align, table_size: s.table_size, table_align: s.table_align };
    let needed: Vec<String> = s
        .needed
        .iter()
        .map(|n| match n {
            Ok(j) => lib_name(*j),
            Err(name) => name.clone(),
        })
        .collect();
    let mut dylink = dylink0::payload(mem, &needed);
    if let Some(t) = s.truncate {
        dylink.truncate(t);
    }
    dylink
}

/// The import section (memory and table at most once each) and how many functions it imports.
fn imports(s: &Spec) -> (ImportSection, u32) {
    let mut imports = ImportSection::new();
    let global = EntityType::Global(GlobalType { val_type: ValType::I32, mutable: false, shared: false });
    let got = EntityType::Global(GlobalType { val_type: ValType::I32, mutable: true, shared: false });
    let memory = MemoryType { minimum: 0, maximum: None, memory64: false, shared: false, page_size_log2: None };
    let table = TableType { element_type: RefType::FUNCREF, minimum: 0, maximum: None, table64: false, shared: false };
    let mut funcs_imported = 0;
    let (mut has_memory, mut has_table) = (false, false);
    for imp in &s.imports {
        let (module, name, ty) = match imp {
            Import::Memory if !has_memory => {
                has_memory = true;
                ("env", "memory", memory.into())
            }
            Import::Table if !has_table => {
                has_table = true;
                ("env", "__indirect_function_table", table.into())
            }
            Import::Memory | Import::Table => continue,
            Import::StackPointer => ("env", "__stack_pointer", got),
            Import::MemoryBase => ("env", "__memory_base", global),
            Import::TableBase => ("env", "__table_base", global),
            Import::GotMem(sym) => ("GOT.mem", sym.as_str(), got),
            Import::GotFunc(sym) => ("GOT.func", sym.as_str(), got),
            Import::Func(sym) => {
                funcs_imported += 1;
                ("env", sym.as_str(), EntityType::Function(0))
            }
            Import::Stray => ("elsewhere", "thing", memory.into()),
        };
        imports.import(module, name, ty);
    }
    (imports, funcs_imported)
}

/// Built once: the lab's engines keep compiled libc.wasm across cases.
fn lab() -> &'static Lab {
    static LAB: OnceLock<Lab> = OnceLock::new();
    LAB.get_or_init(|| Lab::new(&default_corpus().join("include")).expect("toolchain available"))
}

/// The placements that load libraries (a static program has no dynamic linker).
const PLACEMENTS: [Libc; 2] = [Libc::LibcModule, Libc::LibcHost];

/// [`try_load`] on every engine that runs in this process (wasmtime, wasmi; see the module comment).
fn on_every_engine(specs: &[Spec], libc: Libc, strategy: Linking) -> Vec<Result<Vec<Result<(), String>>, String>> {
    struct TryLoad<'a> {
        libc_wasm: &'a PathBuf,
        specs: &'a [Spec],
        libc: Libc,
        strategy: Linking,
    }
    impl WithEngine for TryLoad<'_> {
        type Out = Result<Vec<Result<(), String>>, String>;
        fn run<E: Adapter>(self, engine: &E) -> Self::Out {
            try_load(engine, self.libc_wasm, self.specs, self.libc, self.strategy)
        }
    }
    let lab = lab();
    EngineKind::in_process()
        .map(|kind| {
            let load = TryLoad { libc_wasm: &lab.libc_wasm, specs, libc, strategy };
            lab.engine(kind).visit(load).map_err(|e| format!("{kind}/{libc}/{strategy}: {e}"))
        })
        .collect()
}

/// The V8 driver, built once (a side module including the lab's dlfcn.h and dlcall.h).
fn driver() -> &'static (Case, std::path::PathBuf) {
    static DRIVER: OnceLock<(Case, std::path::PathBuf)> = OnceLock::new();
    DRIVER.get_or_init(|| {
        let case = load_case(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile-driver")).unwrap();
        let main = Builds::default().dynamic(lab(), &case).clone().expect("the driver builds").side_main;
        (case, main)
    })
}

/// The V8 counterpart of [`try_load`]: the driver loads the graph in V8's worker. Same answer: the
/// two attempts' results, or what broke a promise (no message, the good module not loading, a crash).
fn try_load_on_v8(specs: &[Spec], libc: Libc, strategy: Linking) -> Result<Vec<Result<(), String>>, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut libs = HashMap::new();
    for (i, s) in specs.iter().enumerate() {
        std::fs::write(dir.path().join(lib_name(i)), encode(i, s)).unwrap();
        libs.insert(lib_name(i), dir.path().join(lib_name(i)));
    }
    std::fs::write(dir.path().join(GOOD), good_module()).unwrap();
    libs.insert(GOOD.into(), dir.path().join(GOOD));
    let (case, main) = driver();
    let cell = Cell { engine: EngineKind::V8, libc, linkage: strategy.into(), case: case.name.clone() };
    let mut program = lab().program(case, main.clone(), libs, &cell);
    program.case_dir = dir.path().to_path_buf();
    let r = lab().run_program(EngineKind::V8, &program);
    let stdout = r.stdout_text();
    let at = format!("v8/{libc}/{strategy}");
    if !matches!(r.ending, Ending::Exited(0)) {
        return Err(format!("{at}: the driver ended {:?}; stdout {stdout:?}", r.ending));
    }
    let mut lines = stdout.lines();
    let mut attempts = Vec::new();
    while let Some(line) = lines.next() {
        match line.strip_prefix("m0: ") {
            Some("loaded") => attempts.push(Ok(())),
            Some(failed) => {
                let message = failed.strip_prefix("failed: ").unwrap_or("(no message)");
                if message == "(no message)" {
                    return Err(format!("{at}: a load failed without a message"));
                }
                let good = lines.next();
                if good != Some(&format!("good: {GOOD_VALUE}")) {
                    return Err(format!("{at}: after {message:?}, {GOOD} gave {good:?}"));
                }
                attempts.push(Err(message.to_string()));
            }
            None => return Err(format!("{at}: unexpected driver output {line:?}")),
        }
    }
    if attempts.len() != 2 {
        return Err(format!("{at}: {} attempts in {stdout:?}", attempts.len()));
    }
    Ok(attempts)
}

/// Every placement and strategy, in a fixed order: the V8 part of the hunt takes one per graph.
fn pairs() -> Vec<(Libc, Linking)> {
    PLACEMENTS.into_iter().flat_map(|l| Linking::LINKING.map(|s| (l, s))).collect()
}

/// A well-formed side module, loaded after every failed load: the process must still load and run it.
const GOOD: &str = "good.wasm";
const GOOD_VALUE: i32 = 4242;

/// A small, well-formed side module's spec: 16 bytes of data, no table, nothing needed.
fn plain_spec() -> Spec {
    Spec {
        mem_size: 16,
        mem_align: 2,
        table_size: 0,
        table_align: 0,
        needed: vec![],
        imports: vec![Import::Memory, Import::MemoryBase],
        truncate: None,
        repeat: false,
    }
}

fn good_module() -> Vec<u8> {
    encode(GOOD_VALUE as usize, &plain_spec())
}

/// The process's peak resident memory so far (`VmHWM`), in bytes.
fn peak_resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/self/status");
    let kib: u64 = line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).expect("VmHWM in kB");
    kib * 1024
}

/// How far the peak may rise over a test: far below the 4 GiB a hostile module declares (engines and
/// libc.wasm instances account for some tens of MiB).
const PEAK_GROWTH_ALLOWED: u64 = 768 << 20;

/// Loads m0 (and so its NEEDED graph) twice under `libc`/`strategy`: each attempt loads or says why
/// not; after a failed attempt a good module must load and its function return its value. Returns
/// the two attempts' results (`Err` holds the message); an `Err` of the whole is a broken promise.
fn try_load<E: Engine>(
    engine: &E,
    libc_wasm: &Path,
    specs: &[Spec],
    libc: Libc,
    strategy: Linking,
) -> Result<Vec<Result<(), String>>, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut libs = HashMap::new();
    for (i, s) in specs.iter().enumerate() {
        let path = dir.path().join(lib_name(i));
        std::fs::write(&path, encode(i, s)).unwrap();
        libs.insert(lib_name(i), path);
    }
    let good = dir.path().join(GOOD);
    std::fs::write(&good, good_module()).unwrap();
    libs.insert(GOOD.into(), good);
    let mut session = ProcessBuilder::new(engine, placement(libc), strategy, Some(libc_wasm.to_path_buf()))
        .program(|p| p.libs(libs).case_dir(dir.path()).limits(Limits::DEFAULT))
        .build()
        .unwrap();
    session.boot().map_err(|e| format!("booting libc: {e:?}"))?;
    let mut attempts = Vec::new();
    for attempt in 0..2 {
        attempts.push(match session.load(&lib_name(0), Mode { now: attempt == 0, global: true }) {
            Ok(_) => Ok(()),
            Err(e) if e.message().trim().is_empty() => return Err("a load failed without a message".into()),
            Err(e) => {
                still_usable(&mut session).map_err(|why| format!("after {:?}: {why}", e.message()))?;
                Err(e.message())
            }
        });
    }
    Ok(attempts)
}

/// The good module loads (once; later calls find it loaded) and its function returns its value.
fn still_usable<E: Engine>(session: &mut dylink::builder::Session<E>) -> Result<(), String> {
    let id = session.load(GOOD, Mode { now: true, global: false }).map_err(|e| format!("{GOOD}: {}", e.message()))?;
    let f = session.func(id, "value").ok_or_else(|| format!("{GOOD} exports no `value`"))?;
    let mut out = [dylink::Val::I32(0)];
    session.enter(|ctx| ctx.call(f, &[], &mut out)).map_err(|t| format!("calling {GOOD}'s value: {t:?}"))?;
    match out[0].i32() {
        Some(GOOD_VALUE) => Ok(()),
        other => Err(format!("{GOOD}'s value returned {other:?}, not {GOOD_VALUE}")),
    }
}

/// The hunt's seed: `HOSTILE_SEED`, else a fixed one; printed, so a failure can be run again.
fn seed() -> u64 {
    let seed = std::env::var("HOSTILE_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x2016_0d1e);
    eprintln!("hostile hunt seed: {seed} (HOSTILE_SEED={seed} to run it again)");
    seed
}

fn hunt(cases: u32) {
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed().to_le_bytes());
    let persistence =
        FileFailurePersistence::Direct(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile.proptest-regressions"));
    let config = Config { cases, failure_persistence: Some(Box::new(persistence)), ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes));
    let graph = (1usize..4).prop_flat_map(|n| prop::collection::vec(spec(n), n));
    let peak_before = peak_resident_bytes();
    let next_v8_pair = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&graph, |specs| {
            for (libc, strategy) in pairs() {
                for r in on_every_engine(&specs, libc, strategy) {
                    r.map_err(TestCaseError::fail)?;
                }
            }
            let pairs = pairs();
            let (libc, strategy) = pairs[next_v8_pair.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % pairs.len()];
            try_load_on_v8(&specs, libc, strategy).map_err(TestCaseError::fail)?;
            let grown = peak_resident_bytes().saturating_sub(peak_before);
            prop_assert!(grown < PEAK_GROWTH_ALLOWED, "peak resident memory grew by {grown} bytes");
            Ok(())
        })
        .unwrap();
}

#[test]
fn hostile_side_modules_load_or_fail_with_a_message() {
    let cases = std::env::var("HOSTILE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    hunt(cases);
}

/// The classes of the hunt, each pinned once.
#[test]
fn needed_cycles_and_declared_sizes() {
    let base = plain_spec();
    let self_needed = vec![Spec { needed: vec![Ok(0)], ..base.clone() }];
    let pair = vec![Spec { needed: vec![Ok(1)], ..base.clone() }, Spec { needed: vec![Ok(0)], ..base.clone() }];
    let huge_table = vec![Spec { table_size: u32::MAX, imports: vec![Import::Table], ..base.clone() }];
    let huge_memory = vec![Spec { mem_size: u32::MAX, mem_align: 31, ..base.clone() }];
    let cases: [(Vec<Spec>, Option<&str>); 4] =
        [(self_needed, None), (pair, None), (huge_table, Some("table limit")), (huge_memory, Some("memory limit"))];
    let peak_before = peak_resident_bytes();
    for (specs, failure) in cases {
        for (libc, strategy) in pairs() {
            let v8 = try_load_on_v8(&specs, libc, strategy);
            for attempts in on_every_engine(&specs, libc, strategy).into_iter().chain([v8]) {
                for a in attempts.unwrap() {
                    match (failure, a) {
                        (None, r) => r.unwrap_or_else(|e| panic!("{libc}/{strategy}: {specs:?} should load: {e}")),
                        (Some(want), Err(m)) => {
                            assert!(m.contains(want), "{libc}/{strategy}: {m:?} should say {want:?}")
                        }
                        (Some(want), Ok(())) => panic!("{libc}/{strategy}: {specs:?} loaded, expected a {want} error"),
                    }
                }
            }
        }
    }
    let grown = peak_resident_bytes().saturating_sub(peak_before);
    assert!(grown < PEAK_GROWTH_ALLOWED, "peak resident memory grew by {grown} bytes over 4 GiB declarations");
}
