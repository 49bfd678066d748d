//! The SQLite macro benchmark's program runs where the sqlite-extension case says it does: the loaded
//! build runs (with the right result) under the strategies whose cells the case declares `ok`, and
//! fails under the others (read from its case.toml, not restated here); the linked build runs
//! everywhere. On wasmtime and wasmi: the benchmark drives their stores in this process (V8's run
//! only inside Node; the matrix runs the case itself on V8).

use dylab_bench::macro_sqlite::{self, Build, MacroModules, Query};
use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylab_lab::corpus::load_case;
use dylab_lab::{Case, Cell, Paths};
use dylink::{Libc, Status, Strategy};

struct Check<'a> {
    modules: &'a MacroModules,
    case: &'a Case,
}

/// Whether the case declares its libc-module cell of `strategy` on `engine` a success.
fn case_runs(case: &Case, engine: EngineKind, strategy: Strategy) -> bool {
    let cell = Cell { engine, libc: Libc::LibcModule, linkage: strategy.into(), case: case.name.clone() };
    case.expected(&cell).status == Status::Ok
}

impl WithEngine for Check<'_> {
    type Out = Vec<String>;
    fn run<E: Adapter>(self, e: &E) -> Vec<String> {
        let mut wrong = Vec::new();
        for strategy in Strategy::LINKING {
            // The count's list of cells that run is derived from the policy: it must agree with the case.
            if macro_sqlite::loaded_runs(strategy) != case_runs(self.case, E::KIND, strategy) {
                wrong.push(format!("{}/{strategy}: loaded_runs disagrees with the case", e.name()));
            }
            for build in Build::ALL {
                let got = Query::open(e, self.modules, strategy, build).and_then(|mut q| q.run(1000));
                let runs = build == Build::Linked || case_runs(self.case, E::KIND, strategy);
                let ok = match (&got, runs) {
                    (Ok(r), true) => *r == macro_sqlite::expected(1000),
                    (Err(_), false) => true,
                    _ => false,
                };
                if !ok {
                    wrong.push(format!("{}/{strategy}/{}: {got:?}", e.name(), build.name()));
                }
            }
        }
        wrong
    }
}

#[test]
fn the_macro_benchmark_runs_where_the_case_does() {
    let paths = Paths::locate(None).unwrap();
    let lab = dylab_lab::Lab::at(&paths).unwrap();
    let modules = MacroModules::build(&lab.toolchain, &paths.corpus, &lab.vendor_root).unwrap();
    let case = load_case(&paths.corpus.join("cases/sqlite-extension")).unwrap();
    let strategies_that_run: Vec<Strategy> =
        Strategy::LINKING.into_iter().filter(|&s| case_runs(&case, EngineKind::reference(), s)).collect();
    assert!(!strategies_that_run.is_empty(), "the case runs somewhere, or this test checks only failures");
    let run = move || {
        let mut wrong = Vec::new();
        for kind in EngineKind::in_process() {
            wrong.extend(kind.with_timing_engine(Check { modules: &modules, case: &case }).unwrap());
        }
        wrong
    };
    // Guest code needs dylink's run stack (wasmi needs more than a test thread's).
    let wrong = std::thread::Builder::new().stack_size(dylink::program::RUN_STACK).spawn(run).unwrap().join().unwrap();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
