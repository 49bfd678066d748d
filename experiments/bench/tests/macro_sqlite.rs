//! The SQLite macro benchmark's program runs where the sqlite-extension case says it does: both builds
//! under shared-table and replicated-tables on every engine; the loaded build fails under the
//! strategies whose pointers index private tables, the linked build runs everywhere.

use dylab_bench::macro_sqlite::{self, Build, Failure, MacroModules, Query};
use dylab_engines::{Adapter, EngineKind, WithEngine};
use dylab_lab::Paths;
use dylink::Strategy;

struct Check<'a> {
    modules: &'a MacroModules,
}

impl WithEngine for Check<'_> {
    type Out = Vec<String>;
    fn run<E: Adapter>(self, e: &E) -> Vec<String> {
        let mut wrong = Vec::new();
        for strategy in Strategy::LINKING {
            for build in Build::ALL {
                let got = Query::open(e, self.modules, strategy, build).and_then(|mut q| q.run(1000));
                let runs =
                    build == Build::Linked || matches!(strategy, Strategy::SharedTable | Strategy::ReplicatedTables);
                let ok = match (&got, runs) {
                    (Ok(r), true) => *r == macro_sqlite::expected(1000),
                    // sqlite3_load_extension calls the init function through xDlSym's pointer (trampoline,
                    // direct); under dlsym-import the query calls rev through a pointer into ext's table.
                    (Err(Failure::Open(_)), false) => strategy != Strategy::DlsymImport,
                    (Err(Failure::Query(_)), false) => strategy == Strategy::DlsymImport,
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
    let run = move || {
        let mut wrong = Vec::new();
        for kind in EngineKind::in_process() {
            wrong.extend(kind.with_timing_engine(Check { modules: &modules }).unwrap());
        }
        wrong
    };
    // Guest code needs dylink's run stack (wasmi needs more than a test thread's).
    let wrong = std::thread::Builder::new().stack_size(dylink::program::RUN_STACK).spawn(run).unwrap().join().unwrap();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
