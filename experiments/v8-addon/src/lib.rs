//! The Node-API addon `dylab_v8`: Node calls `napi_register_module_v1` when it loads it; the exports
//! run lab programs on V8 in this process, on Node's main thread.

use std::cell::RefCell;
use std::ffi::CString;

use dylab_engine_v8::{js, remote, V8};
use dylink::{Engine, Program, RunResult};
use napi_sys as sys;

thread_local! {
    /// The matrix and timing engines, kept across programs (their module caches: libc.wasm once).
    static ENGINES: RefCell<Option<(V8, V8)>> = const { RefCell::new(None) };
}

fn run(program: Program, metered: bool) -> RunResult {
    let engine = ENGINES.with(|e| {
        let mut e = e.borrow_mut();
        let (m, t) = e.get_or_insert_with(|| (V8::new().expect("V8 engine"), V8::for_timing().expect("V8 engine")));
        if metered {
            m.clone()
        } else {
            t.clone()
        }
    });
    let placement = dylab_engines::placements::placement::<V8>(program.libc);
    engine.run_program(&program, placement)
}

/// The exports, by the names their callers use (the worker protocol's [`remote::RUN_PROGRAM`], the
/// bench's hosted entries): the one list of names; host.js is given the name to call.
pub const EXPORTS: [(&str, Callback); 3] =
    [(remote::RUN_PROGRAM, run_program), (dylab_bench::hosted::BENCH, bench), (dylab_bench::hosted::COUNT, count)];

/// A Node-API function callback.
pub type Callback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// `runProgram(line)`: a [`dylab_engine_v8::wire::Request`] in, the result line out.
unsafe extern "C" fn run_program(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    js::set_env(env);
    let (argv, argc, _) = js::callback_args::<1>(env, info);
    let line = if argc == 1 { js::string(argv[0]).unwrap_or_default() } else { String::new() };
    // A panic must not unwind into Node (it aborts the worker): it ends this program instead.
    let answer = std::panic::catch_unwind(|| remote::serve(&line, run)).unwrap_or_else(|_| remote::panicked());
    js::str(&answer).unwrap_or_else(|_| js::undefined())
}

/// `bench(request)`: `dylab bench` measurements on V8 (dylab_bench::hosted), JSON out.
unsafe extern "C" fn bench(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    js::set_env(env);
    let (argv, argc, _) = js::callback_args::<1>(env, info);
    let line = if argc == 1 { js::string(argv[0]).unwrap_or_default() } else { String::new() };
    let answer = std::panic::catch_unwind(|| dylab_bench::hosted::serve_bench(&line))
        .unwrap_or_else(|_| r#"{"Err":"the host panicked while measuring on V8"}"#.to_string());
    js::str(&answer).unwrap_or_else(|_| js::undefined())
}

/// `count(request)`: `dylab bench --count` on V8, run by Node under callgrind
/// (dylab_bench::counts::hosted), JSON out.
unsafe extern "C" fn count(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    js::set_env(env);
    let (argv, argc, _) = js::callback_args::<1>(env, info);
    let line = if argc == 1 { js::string(argv[0]).unwrap_or_default() } else { String::new() };
    let answer = std::panic::catch_unwind(|| dylab_bench::counts::hosted::serve(&line))
        .unwrap_or_else(|_| r#"{"Err":"the host panicked while counting on V8"}"#.to_string());
    js::str(&answer).unwrap_or_else(|_| js::undefined())
}

/// Node-API's entry point (what `NAPI_MODULE_INIT` defines in C).
///
/// # Safety
/// Called by Node with a valid env and exports object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(env: sys::napi_env, exports: sys::napi_value) -> sys::napi_value {
    // Node-API's functions, resolved in the Node process that loaded us (napi-sys `dyn-symbols`).
    std::mem::forget(unsafe { sys::setup() });
    js::set_env(env);
    for (name, callback) in EXPORTS {
        let f = js::function(name, Some(callback), std::ptr::null_mut());
        let key = CString::new(name).expect("an export name without NUL");
        unsafe { sys::napi_set_named_property(env, exports, key.as_ptr(), f) };
    }
    exports
}
