//! The registry's promises: names derive from the variants, construction gives the right fuel
//! setting, and dispatch reaches the engine of the asked kind.

use std::collections::HashMap;

use dylab_engines::{Adapter, AnyEngine, EngineKind, WithEngine};
use dylink::engine::Limits;
use dylink::wasi::WasiState;
use dylink::{Host, Libc, Process, Strategy};
use strum::IntoEnumIterator;

#[test]
fn names_round_trip_and_are_the_adapters_own() {
    assert_eq!(EngineKind::ALL.to_vec(), EngineKind::iter().collect::<Vec<_>>());
    for kind in EngineKind::ALL {
        assert_eq!(kind.name().parse::<EngineKind>(), Ok(kind));
        assert_eq!(kind.to_string(), kind.name());
        assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.name()));
        assert_eq!(kind.matrix_engine().unwrap().kind(), kind);
        // Cell names come from the registry, report headings from the adapter: they must agree.
        assert_eq!(kind.with_matrix_engine(AdapterName).unwrap(), [kind.name(); 2]);
    }
    assert_eq!(EngineKind::Wasmtime.name(), "wasmtime");
}

#[test]
fn unknown_engine_names_the_known_ones() {
    let err = "v9".parse::<EngineKind>().unwrap_err();
    assert!(err.starts_with("unknown engine \"v9\""), "{err}");
    for kind in EngineKind::ALL {
        assert!(err.contains(kind.name()), "{err}");
    }
}

struct AdapterName;
impl WithEngine for AdapterName {
    type Out = [&'static str; 2];
    fn run<E: Adapter>(self, engine: &E) -> [&'static str; 2] {
        [engine.name(), E::KIND.name()]
    }
}

/// Fuel a fresh store hands to guest code.
struct FuelOfAStore;
impl WithEngine for FuelOfAStore {
    type Out = u64;
    fn run<E: Adapter>(self, engine: &E) -> u64 {
        let process = Process::new(Strategy::Direct.into(), HashMap::new(), std::env::temp_dir());
        let host = Host::new(engine.clone(), WasiState::new(vec![], vec![]), process);
        let mut store = engine.new_store(host, &Limits::DEFAULT);
        engine.enter(&mut store, |ctx| ctx.fuel())
    }
}

#[test]
fn matrix_engines_meter_fuel_and_timing_engines_do_not() {
    for kind in EngineKind::in_process() {
        assert_eq!(kind.with_matrix_engine(FuelOfAStore).unwrap(), Limits::DEFAULT.fuel, "{kind}");
        assert_eq!(kind.with_timing_engine(FuelOfAStore).unwrap(), 0, "{kind}");
    }
}

#[test]
fn a_borrowed_engine_is_visited_as_its_own_type() {
    for kind in EngineKind::in_process() {
        let engine = kind.timing_engine().unwrap();
        let borrowed: &dyn AnyEngine = engine.as_ref();
        assert_eq!(borrowed.visit(AdapterName), [kind.name(); 2]);
        assert_eq!(borrowed.visit(FuelOfAStore), 0, "{kind}: a timing engine");
    }
}

/// Each placement of the list is the one its `Libc` names: a placement carries its kind, so a
/// process built from it alone (`ProcessBuilder::new`) describes the right program.
struct PlacementKinds;
impl WithEngine for PlacementKinds {
    type Out = Vec<Libc>;
    fn run<E: Adapter>(self, _engine: &E) -> Vec<Libc> {
        Libc::iter().map(|libc| dylab_engines::placements::placement::<E>(libc).kind()).collect()
    }
}

#[test]
fn every_placement_carries_its_own_kind() {
    for kind in EngineKind::in_process() {
        assert_eq!(kind.with_timing_engine(PlacementKinds).unwrap(), Libc::iter().collect::<Vec<_>>(), "{kind}");
    }
}
