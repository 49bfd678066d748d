//! The forwarders a trampoline import can get: each calls its target, and each keeps the nesting
//! cap, so that endless recursion through the host ends in a stack-overflow trap, not a host crash.
//! On wasmtime and wasmi, whose stores live in this process; V8's trampoline forwarder is a JavaScript
//! closure inside its Node worker: experiments/lab/tests/hosted_forwarders.rs recurses through it (and
//! through the in-process engines' forwarders) in whole programs on all three engines.

use dylab_engines::{placements::placement, Adapter, EngineKind, WithEngine};
use dylink::{Ctx, Engine, Extern, FuncType, Libc, ProcessBuilder, Strategy, Trap, TrapKind, Val, ValType};

/// `f(x)`: returns x + 1 when x is 0, else calls through table slot 0 (which the test points at a
/// forwarder to `f` itself): endless recursion through the host for any x != 0.
const WAT: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (table (export "t") 1 funcref)
  (func (export "f") (type $t)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (call_indirect (type $t) (local.get 0) (i32.const 0))))))"#;

type Maker<E> = fn(&mut dyn Ctx<E>, &FuncType, <E as Engine>::Func) -> Option<<E as Engine>::Func>;

struct Check;

impl WithEngine for Check {
    type Out = ();
    fn run<E: Adapter>(self, engine: &E) {
        let kinds: [(&str, Maker<E>); 3] = [
            ("generic", |ctx, ty, f| ctx.generic_forwarder(ty, f)),
            ("typed", |ctx, ty, f| ctx.typed_forwarder(ty, f)),
            ("dynamic", |ctx, ty, f| Some(ctx.new_func(ty, dylink::load::forwarder(f, ty.clone(), ty.clone())))),
        ];
        let module = engine.compile(&wat::parse_str(WAT).unwrap()).unwrap();
        for (kind, make) in kinds {
            let session = ProcessBuilder::new(engine, placement(Libc::LibcHost), Strategy::Trampoline, None)
                .build()
                .unwrap_or_else(|_| panic!("building a process"));
            let mut store = session.store;
            engine.enter(&mut store, |ctx| {
                let exports = ctx.instantiate(&module, &[]).unwrap();
                let get = |name: &str| exports.iter().find(|(n, _)| n == name).map(|(_, e)| *e).unwrap();
                let (Extern::Func(f), Extern::Table(t)) = (get("f"), get("t")) else { panic!("exports") };
                let ty = FuncType::new(vec![ValType::I32], vec![ValType::I32]);
                let fwd = make(ctx, &ty, f)
                    .unwrap_or_else(|| panic!("{}: no {kind} forwarder for i32 -> i32", engine.name()));
                ctx.table_set(t, 0, Some(fwd)).unwrap();
                let mut out = [Val::I32(0)];
                ctx.call(fwd, &[Val::I32(0)], &mut out).unwrap();
                assert_eq!(out[0].i32(), Some(1), "{}: the {kind} forwarder forwards", engine.name());
                let r = ctx.call(f, &[Val::I32(5)], &mut out);
                assert!(
                    matches!(r, Err(Trap::Wasm(TrapKind::StackOverflow))),
                    "{}: endless recursion through the {kind} forwarder: {r:?}",
                    engine.name()
                );
                assert_eq!(ctx.host_ref().nesting, 0, "{}: {kind}: nesting balanced after the trap", engine.name());
            });
        }
    }
}

#[test]
fn every_forwarder_forwards_and_keeps_the_nesting_cap() {
    std::thread::Builder::new()
        .stack_size(dylink::program::RUN_STACK)
        .spawn(|| {
            for kind in EngineKind::in_process() {
                kind.with_matrix_engine(Check).unwrap();
            }
        })
        .unwrap()
        .join()
        .unwrap();
}
