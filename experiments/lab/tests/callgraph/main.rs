//! Property: a random cross-module call graph computes, under every linking strategy that shares one
//! memory, on wasmtime and wasmi (in this process; V8: see `v8_runs_the_same_programs`), exactly what
//! a Rust interpreter of the same program says that strategy computes (so a wrong value that every
//! strategy shares is caught too).
//!
//! From a seed, the generator writes 2-8 side modules as WAT with a `dylink.0` section (8 bytes of
//! data; table slots when the module calls through its own table), importing `env.memory`,
//! `env.__memory_base`, `env.__table_base` and, when used, `env.__indirect_function_table`, as
//! wasm-ld's side modules do. Module `i` exports `m{i}_f{k}` (1-4 functions, 0-4 params, 0-2
//! results, i32/i64/f32/f64). A function makes 0-3 calls: to functions of modules loaded before it
//! (imported `env.m{j}_f{k}`; a DAG) or to earlier functions of its own module through its table
//! slot (`call_indirect` at `__table_base + k`). Arguments derive from params, constants and
//! earlier call results. Bodies mix values with integer and float instructions that cannot trap
//! (divisors are forced positive). Float constants and host arguments include infinities and NaNs
//! (canonical, negative, with a payload, signalling); finite operands stay finite (magnitudes are
//! bounded statically and shrunk with sqrt(abs)). A NaN's sign and payload are the engine's choice
//! (the spec's nondeterminism; what each engine does is declared in `NAN_BITS`), so the generated
//! code canonicalises a NaN before its bits reach an integer or a sign (`reinterpret`, `copysign`)
//! and a NaN result compares equal to any NaN. Every param and call result is folded into a
//! checksum stored at `__memory_base` (so functions without results are observable too), and
//! results carry a digest of all of it.
//! The host loads the modules in order (RTLD_NOW | RTLD_GLOBAL) into a process booted with libc.wasm,
//! calls every export of the last module twice, and records results and every module's checksum as
//! bit patterns, or the trap.
//!
//! Two properties, each asserting every one-memory strategy:
//! - `direct_calls_agree`: cross-module calls are imported functions: every strategy computes the
//!   named functions' values.
//! - `pointer_calls_agree`: two thirds of the cross-module calls go through a function pointer
//!   (`GOT.func.<name>` + `call_indirect` through the caller's `__indirect_function_table`). The
//!   strategies whose pointer policy claims that (`shared-table`, `dlsym-import`,
//!   `replicated-tables`) compute the named functions' values; under those whose pointer is a slot
//!   of the definer's private table (`trampoline`, `direct`) the oracle models the loader's tables
//!   (`oracle::Tables`) and predicts what the caller's own table holds there: a table-out-of-bounds
//!   or signature trap, or another function of the caller's module (its values). After a predicted
//!   stack overflow later host calls are not compared (their checksums depend on the engine's depth).
//!
//! Failing seeds persist in `tests/callgraph-regressions/`; seeds found during development are kept
//! below as explicit tests. CI runs 128 cases per property; `CALLGRAPH_CASES=<n>` runs a longer
//! hunt; the ignored `dump` test prints a program and every strategy's results.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use dylab_lab::EngineKind;
use dylink::strategy::{Memories, PointerTable};
use dylink::Strategy as Linking;
use dylink::TrapKind;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, RngAlgorithm, TestRng, TestRunner};

mod compare;
mod driver;
#[path = "../support/dylink0.rs"]
mod dylink0;
mod engine_quirks;
mod exprs;
#[path = "../support/hosted.rs"]
mod hosted;
mod instructions;
mod oracle;
mod program;
mod run;
mod values;
mod wat_text;

use compare::*;
use exprs::*;
use instructions::*;
use oracle::*;
use program::*;
use run::*;
use values::*;
use wat_text::*;

/// The property for one program: under every strategy in `strategies`, on every in-process engine,
/// each host call gives what the oracle says that strategy's pointers give (the named function's
/// values, or under private definer tables whatever the caller's own table holds at that slot: a
/// trap or another function's values). Returns each host call's outcome per strategy, for a tally.
fn check(p: Params, strategies: &[Linking]) -> Result<Vec<(Linking, Option<Outcome>)>, TestCaseError> {
    let prog = generate(p);
    let mut outcomes = Vec::new();
    for (label, strategy, got) in observe(&prog, strategies) {
        let want = expected(&prog, strategy);
        if !got.as_ref().is_ok_and(|g| agrees(&want, g)) {
            return Err(TestCaseError::fail(format!(
                "{label} differs from the oracle for {p:?}\n  oracle: {}\n  {label}: {}\n{}",
                show_expected(&want),
                show(&got),
                describe(&prog)
            )));
        }
        outcomes.extend(want.into_iter().map(|o| (strategy, o)));
    }
    Ok(outcomes)
}

fn params(pointers: bool) -> impl proptest::strategy::Strategy<Value = Params> {
    (any::<u64>(), 2usize..=8, 1usize..=4, 0usize..=3, 0u32..=3).prop_map(
        move |(seed, modules, funcs, calls, depth)| Params {
            seed,
            modules,
            funcs,
            calls,
            depth,
            pointers,
            wasmi_workaround: true,
            specials: true,
        },
    )
}

/// `CALLGRAPH_CASES` overrides the number of cases (for a longer hunt).
fn runner(cases: u32, file: &'static str) -> TestRunner {
    let cases = std::env::var("CALLGRAPH_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    let config = Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        source_file: Some(file!()),
        ..Config::default()
    };
    TestRunner::new_with_rng(config, seeded_rng())
}

/// The programs' seed: `CALLGRAPH_SEED`, else a fixed one; printed, so that a run (in CI too) is
/// the same every time and a failure can be run again.
fn seeded_rng() -> TestRng {
    let seed = std::env::var("CALLGRAPH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x2016_ca11u64);
    eprintln!("callgraph seed: {seed} (CALLGRAPH_SEED={seed} to run it again)");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

const DIRECT_SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/callgraph-regressions/direct_calls_agree.txt");
const POINTER_SEEDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/callgraph-regressions/pointer_calls_agree.txt");

/// The strategies the call-graph claims are about: those whose modules share one memory (under
/// `isolated` only declared interfaces cross, and these generated programs declare none).
fn one_memory() -> Vec<Linking> {
    Linking::LINKING.into_iter().filter(|s| s.policy().memories == Memories::Shared).collect()
}

/// The property on an engine through the hosted path (the generated driver makes the host calls):
/// every strategy gives the oracle's outcomes, up to the first trap (which ends the program there).
fn check_hosted(p: Params, engine: EngineKind, strategies: &[Linking]) -> Result<(), TestCaseError> {
    let prog = generate(p);
    for &strategy in strategies {
        let want = expected(&prog, strategy);
        let got = driver::run(engine, &prog, strategy);
        // V8 reports a null table entry as a signature mismatch (engine_traps.rs).
        let v8 = |o: &Option<Outcome>| match o {
            Some(Outcome::Trap(TrapKind::IndirectCallToNull)) if engine.family() == EngineKind::V8 => {
                Some(Outcome::Trap(TrapKind::BadSignature))
            }
            o => o.clone(),
        };
        let want: Vec<Option<Outcome>> = want.iter().map(v8).collect();
        let ok = got.as_ref().is_ok_and(|g| {
            let ends_in_trap = matches!(g.last(), Some(Outcome::Trap(_)));
            (g.len() == want.len() || ends_in_trap) && g.len() <= want.len() && agrees(&want[..g.len()], g)
        });
        if !ok {
            return Err(TestCaseError::fail(format!(
                "{engine}/{strategy} differs from the oracle for {p:?}\n  oracle: {}\n  {engine}/{strategy}: {}\n{}\n;; main.wasm\n{}",
                show_expected(&want),
                show(&got),
                describe(&prog),
                driver::main_wat(&prog)
            )));
        }
    }
    Ok(())
}

/// Both properties on V8 (in its Node worker, through the generated driver), on fewer programs:
/// each strategy is a whole program run in the worker. `CALLGRAPH_V8_CASES=<n>` runs more. The
/// driver itself is checked on wasmtime on the same programs (so a driver bug cannot pass as V8's).
#[test]
fn v8_runs_the_same_programs() {
    let cases = std::env::var("CALLGRAPH_V8_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(16);
    for pointers in [false, true] {
        let mut runner =
            TestRunner::new_with_rng(Config { cases, failure_persistence: None, ..Config::default() }, seeded_rng());
        // With pointer calls, only the strategies whose pointers mean one function everywhere: under
        // private tables the slot a GOT.func entry gets depends on the order the loader fills them,
        // which through the driver's NEEDED list is not the order the oracle's table model assumes
        // (seen: wasmtime/trampoline bad-signature where the model said table-out-of-bounds). The
        // in-process property checks trampoline and direct with pointers.
        let strategies = if pointers { claim_pointers() } else { one_memory() };
        let result = runner.run(&params(pointers), |p| {
            check_hosted(p, EngineKind::Wasmtime, &strategies)?;
            check_hosted(p, EngineKind::V8, &strategies)
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}

/// The strategies whose policy makes a pointer taken in one module mean the same function in the
/// module that calls it (every pointer policy but "the definer's private table").
fn claim_pointers() -> Vec<Linking> {
    one_memory().into_iter().filter(|s| s.policy().pointers != PointerTable::Definer).collect()
}

#[test]
fn direct_calls_agree() {
    let mut runner = runner(128, DIRECT_SEEDS);
    if let Err(e) = runner.run(&params(false), |p| check(p, &one_memory()).map(|_| ())) {
        panic!("{e}");
    }
}

/// Every one-memory strategy is checked: those claiming pointers against the named functions'
/// values, trampoline and direct against the oracle's model of their private tables (the tally of
/// what those gave is printed with `-- --nocapture`).
#[test]
fn pointer_calls_agree() {
    let tally: Mutex<BTreeMap<String, usize>> = Mutex::default();
    let mut runner = runner(128, POINTER_SEEDS);
    let result = runner.run(&params(true), |p| {
        let outcomes = check(p, &one_memory())?;
        let mut tally = tally.lock().unwrap();
        for (strategy, o) in outcomes.into_iter().filter(|(s, _)| !claim_pointers().contains(s)) {
            let key = match o {
                None => "not compared (after a stack overflow)".to_string(),
                Some(Outcome::Values(_)) => "values".to_string(),
                Some(Outcome::Trap(k)) => format!("trap {k}"),
            };
            *tally.entry(format!("{strategy}: {key}")).or_default() += 1;
        }
        Ok(())
    });
    eprintln!("host calls under the strategies whose pointers index the definer's table (per engine):");
    for (k, n) in tally.lock().unwrap().iter() {
        eprintln!("  {k}: {n}");
    }
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// The generator's own invariants, without engines: bounded floats, deterministic programs.
#[test]
fn generator_is_deterministic_and_bounded() {
    for seed in 0..300u64 {
        let p = Params {
            seed,
            modules: 8,
            funcs: 4,
            calls: 3,
            depth: 3,
            pointers: seed % 2 == 0,
            wasmi_workaround: true,
            specials: seed % 3 != 0,
        };
        let (a, b) = (generate(p), generate(p));
        assert_eq!(describe(&a), describe(&b));
        expected(&a, Linking::SharedTable); // panics if a float bound is broken
    }
}

/// The oracle comparison is only worth something if a wrong argument or result changes what the
/// host sees: every host call that makes a cross-module call must notice a one-bit change.
#[test]
fn results_depend_on_calls() {
    let (mut reaching, mut noticed) = (0, 0);
    for seed in 0..300u64 {
        let prog = generate(Params {
            seed,
            modules: 4,
            funcs: 3,
            calls: 3,
            depth: 2,
            pointers: false,
            wasmi_workaround: true,
            // A flipped bit of a NaN is still a NaN, and NaNs are canonicalised before their bits are
            // read: with specials some perturbations would rightly go unseen.
            specials: false,
        });
        let last = prog.modules.len() - 1;
        for (k, args) in &prog.calls {
            let f = &prog.modules[last][*k];
            if !f.calls.iter().any(|c| !c.args.is_empty() || !prog.modules[c.module][c.func].results.is_empty()) {
                continue;
            }
            reaching += 1;
            let bits = |p| {
                let mut checksums = vec![0u64; prog.modules.len()];
                let r = interpret_perturbed(&prog, &mut checksums, last, *k, args, p);
                (r.into_iter().map(V::bits).collect::<Vec<_>>(), checksums)
            };
            if bits(false) != bits(true) {
                noticed += 1;
            } else if std::env::var("CALLGRAPH_DEBUG").is_ok() {
                eprintln!("seed {seed} m{last}_f{k}:\n{}", module_wat(&prog, last));
            }
        }
    }
    assert_eq!(noticed, reaching, "only {noticed} of {reaching} host calls notice a wrong argument or result");
}

/// Prints a program and what every strategy does with it: `CALLGRAPH_SEED=<seed>` (and optionally
/// `CALLGRAPH_SIZE=modules,funcs,calls,depth` and `CALLGRAPH_POINTERS=1`).
#[test]
#[ignore]
fn dump() {
    let seed = std::env::var("CALLGRAPH_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let size: Vec<usize> = std::env::var("CALLGRAPH_SIZE")
        .unwrap_or_else(|_| "3,2,2,2".into())
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    let pointers = std::env::var("CALLGRAPH_POINTERS").is_ok();
    let p = Params {
        seed,
        modules: size[0],
        funcs: size[1],
        calls: size[2],
        depth: size[3] as u32,
        pointers,
        wasmi_workaround: std::env::var("CALLGRAPH_NO_WORKAROUND").is_err(),
        specials: std::env::var("CALLGRAPH_NO_SPECIALS").is_err(),
    };
    let prog = generate(p);
    eprintln!("{}", describe(&prog));
    for (label, strategy, r) in observe(&prog, &one_memory()) {
        eprintln!("{label}: {}\n  oracle: {}", show(&r), show_expected(&expected(&prog, strategy)));
    }
}
