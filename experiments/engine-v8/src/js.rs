//! Node-API, raw: the thread's env, the JavaScript runtime's functions (runtime.js), and values to and
//! from Rust. Everything here runs on Node's main thread, the only one V8 lets touch its objects.

// Node-API handles (`napi_value`, `napi_ref`) are opaque: only Node-API reads them, Rust never
// dereferences one, and every one passed here came from Node-API on this thread.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

use std::cell::{Cell, RefCell};
use std::ffi::{c_void, CString};
use std::ptr;

use napi_sys as sys;

pub type Value = sys::napi_value;

/// A JavaScript exception, described by runtime.js: constructor name, message and `code`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsError {
    pub name: String,
    pub message: String,
    pub code: String,
}

impl std::fmt::Display for JsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name, self.message)
    }
}

thread_local! {
    static ENV: Cell<sys::napi_env> = const { Cell::new(ptr::null_mut()) };
    static RUNTIME: RefCell<Option<Vec<sys::napi_ref>>> = const { RefCell::new(None) };
}

/// The functions of runtime.js Rust calls, in [`NAMES`] order.
#[derive(Clone, Copy, Debug)]
pub enum F {
    Versions,
    NewStore,
    DropStore,
    Compile,
    Instantiate,
    HostFunc,
    Forwarder,
    FuncType,
    Call,
    Describe,
    MemBuffer,
    MemNew,
    MemGrow,
    TableNew,
    TableSize,
    TableGrow,
    TableGet,
    TableSet,
    GlobalNew,
    GlobalGet,
    GlobalSet,
    GlobalType,
    Get,
}

const NAMES: &[&str] = &[
    "versions",
    "newStore",
    "dropStore",
    "compile",
    "instantiate",
    "hostFunc",
    "forwarder",
    "funcType",
    "call",
    "describe",
    "memBuffer",
    "memNew",
    "memGrow",
    "tableNew",
    "tableSize",
    "tableGrow",
    "tableGet",
    "tableSet",
    "globalNew",
    "globalGet",
    "globalSet",
    "globalType",
    "get",
];

/// Called by the addon on entry from JavaScript: the env of this thread's Node instance.
pub fn set_env(env: sys::napi_env) {
    ENV.with(|e| e.set(env));
}

/// True once the addon has been loaded into Node on this thread.
pub fn in_node() -> bool {
    ENV.with(|e| !e.get().is_null())
}

pub fn env() -> sys::napi_env {
    let env = ENV.with(|e| e.get());
    assert!(!env.is_null(), "the V8 engine runs only inside Node, on its main thread (the dylab_v8 addon)");
    env
}

fn ok(status: sys::napi_status, what: &str) -> Result<(), JsError> {
    if status == sys::Status::napi_ok {
        return Ok(());
    }
    Err(take_exception().unwrap_or_else(|| JsError {
        name: "napi".into(),
        message: format!("{what} failed (napi status {status})"),
        code: String::new(),
    }))
}

/// The pending exception, cleared and described; `None` when there is none (or V8 is terminating).
fn take_exception() -> Option<JsError> {
    let env = env();
    let mut pending = false;
    unsafe { sys::napi_is_exception_pending(env, &mut pending) };
    if !pending {
        return None;
    }
    let mut e = ptr::null_mut();
    unsafe { sys::napi_get_and_clear_last_exception(env, &mut e) };
    let described = call_raw(F::Describe, &[e]).ok().and_then(|d| {
        let items = array_items(d).ok()?;
        Some(JsError { name: string(items[0]).ok()?, message: string(items[1]).ok()?, code: string(items[2]).ok()? })
    });
    Some(described.unwrap_or(JsError {
        name: "exception".into(),
        message: "(not describable)".into(),
        code: String::new(),
    }))
}

/// Evaluates runtime.js once on this thread; checks that type reflection is on.
pub fn init_runtime() -> Result<(), JsError> {
    if RUNTIME.with(|r| r.borrow().is_some()) {
        return Ok(());
    }
    let env = env();
    let src = str(include_str!("runtime.js"))?;
    let mut obj = ptr::null_mut();
    ok(unsafe { sys::napi_run_script(env, src, &mut obj) }, "evaluating runtime.js")?;
    let mut refs = Vec::new();
    for name in NAMES {
        let c = CString::new(*name).expect("no NUL in names");
        let mut f = ptr::null_mut();
        ok(unsafe { sys::napi_get_named_property(env, obj, c.as_ptr(), &mut f) }, name)?;
        let mut r = ptr::null_mut();
        ok(unsafe { sys::napi_create_reference(env, f, 1, &mut r) }, name)?;
        refs.push(r);
    }
    RUNTIME.with(|r| *r.borrow_mut() = Some(refs));
    Ok(())
}

fn call_raw(f: F, args: &[Value]) -> Result<Value, JsError> {
    let env = env();
    let r = RUNTIME.with(|r| r.borrow().as_ref().map(|refs| refs[f as usize]));
    let Some(r) = r else {
        return Err(JsError { name: "dylab".into(), message: "runtime.js is not loaded".into(), code: String::new() });
    };
    let mut func = ptr::null_mut();
    let mut global = ptr::null_mut();
    let mut out = ptr::null_mut();
    unsafe {
        sys::napi_get_reference_value(env, r, &mut func);
        sys::napi_get_global(env, &mut global);
    }
    let status = unsafe { sys::napi_call_function(env, global, func, args.len(), args.as_ptr(), &mut out) };
    if status == sys::Status::napi_ok {
        Ok(out)
    } else {
        Err(JsError { name: "pending".into(), message: format!("status {status}"), code: String::new() })
    }
}

/// Calls a runtime.js function; a thrown exception comes back described.
pub fn call(f: F, args: &[Value]) -> Result<Value, JsError> {
    call_raw(f, args).map_err(|e| take_exception().unwrap_or(e))
}

/// Calls the JavaScript (or wasm) function `f` with `args`; a thrown exception comes back described.
pub fn call_function(f: Value, args: &[Value]) -> Result<Value, JsError> {
    let env = env();
    let mut out = ptr::null_mut();
    let recv = undefined();
    let status = unsafe { sys::napi_call_function(env, recv, f, args.len(), args.as_ptr(), &mut out) };
    if status == sys::Status::napi_ok {
        return Ok(out);
    }
    Err(take_exception().unwrap_or(JsError {
        name: "pending".into(),
        message: format!("status {status}"),
        code: String::new(),
    }))
}

/// A strong reference keeping `v` alive across handle scopes, and its value again.
pub fn reference(v: Value) -> sys::napi_ref {
    let mut r = ptr::null_mut();
    unsafe { sys::napi_create_reference(env(), v, 1, &mut r) };
    r
}
/// A Node-API handle scope, closed on drop: values made inside it can be collected afterwards.
/// Without one, every value made during a long native call (a whole `dylab bench --count` on V8
/// runs inside one) lives until the call returns, instances and memories included.
pub struct HandleScope(sys::napi_handle_scope);

impl HandleScope {
    pub fn open() -> Self {
        let mut scope = ptr::null_mut();
        unsafe { sys::napi_open_handle_scope(env(), &mut scope) };
        HandleScope(scope)
    }
}

impl Drop for HandleScope {
    fn drop(&mut self) {
        unsafe { sys::napi_close_handle_scope(env(), self.0) };
    }
}

pub fn unref(r: sys::napi_ref) {
    unsafe { sys::napi_delete_reference(env(), r) };
}
pub fn deref(r: sys::napi_ref) -> Value {
    let mut v = ptr::null_mut();
    unsafe { sys::napi_get_reference_value(env(), r, &mut v) };
    v
}

/// Calls a runtime.js function that must not throw (programming errors in the adapter).
pub fn call_ok(f: F, args: &[Value]) -> Value {
    call(f, args).unwrap_or_else(|e| panic!("runtime.js {:?}: {e}", f))
}

pub fn i32(v: i32) -> Value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_create_int32(env(), v, &mut out) };
    out
}
pub fn u32(v: u32) -> Value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_create_uint32(env(), v, &mut out) };
    out
}
pub fn f64(v: f64) -> Value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_create_double(env(), v, &mut out) };
    out
}
pub fn bigint(v: i64) -> Value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_create_bigint_int64(env(), v, &mut out) };
    out
}
pub fn boolean(v: bool) -> Value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_get_boolean(env(), v, &mut out) };
    out
}
pub fn str(s: &str) -> Result<Value, JsError> {
    let mut out = ptr::null_mut();
    ok(unsafe { sys::napi_create_string_utf8(env(), s.as_ptr().cast(), s.len() as isize, &mut out) }, "string")?;
    Ok(out)
}
pub fn array(items: &[Value]) -> Value {
    let env = env();
    let mut out = ptr::null_mut();
    unsafe {
        sys::napi_create_array_with_length(env, items.len(), &mut out);
        for (i, v) in items.iter().enumerate() {
            sys::napi_set_element(env, out, i as u32, *v);
        }
    }
    out
}
/// A Node Buffer holding a copy of `bytes` (what `new WebAssembly.Module` takes).
pub fn buffer(bytes: &[u8]) -> Result<Value, JsError> {
    let mut out = ptr::null_mut();
    let mut data = ptr::null_mut();
    ok(
        unsafe { sys::napi_create_buffer_copy(env(), bytes.len(), bytes.as_ptr().cast(), &mut data, &mut out) },
        "buffer",
    )?;
    Ok(out)
}

pub fn get_i32(v: Value) -> Result<i32, JsError> {
    let mut out = 0;
    ok(unsafe { sys::napi_get_value_int32(env(), v, &mut out) }, "i32 value")?;
    Ok(out)
}
pub fn get_f64(v: Value) -> Result<f64, JsError> {
    let mut out = 0.0;
    ok(unsafe { sys::napi_get_value_double(env(), v, &mut out) }, "number value")?;
    Ok(out)
}
pub fn get_bigint(v: Value) -> Result<i64, JsError> {
    let mut out = 0;
    let mut lossless = false;
    ok(unsafe { sys::napi_get_value_bigint_int64(env(), v, &mut out, &mut lossless) }, "bigint value")?;
    Ok(out)
}
pub fn get_bool(v: Value) -> Result<bool, JsError> {
    let mut out = false;
    ok(unsafe { sys::napi_get_value_bool(env(), v, &mut out) }, "boolean value")?;
    Ok(out)
}
pub fn string(v: Value) -> Result<String, JsError> {
    let env = env();
    let mut len = 0;
    ok(unsafe { sys::napi_get_value_string_utf8(env, v, ptr::null_mut(), 0, &mut len) }, "string value")?;
    let mut buf = vec![0u8; len + 1];
    ok(unsafe { sys::napi_get_value_string_utf8(env, v, buf.as_mut_ptr().cast(), len + 1, &mut len) }, "string value")?;
    buf.truncate(len);
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
pub fn array_items(v: Value) -> Result<Vec<Value>, JsError> {
    let env = env();
    let mut len = 0;
    ok(unsafe { sys::napi_get_array_length(env, v, &mut len) }, "array length")?;
    let mut out = Vec::with_capacity(len as usize);
    for i in 0..len {
        let mut item = ptr::null_mut();
        ok(unsafe { sys::napi_get_element(env, v, i, &mut item) }, "array element")?;
        out.push(item);
    }
    Ok(out)
}
/// The bytes of an ArrayBuffer (a memory's `buffer`): valid until the memory grows or JS runs.
pub fn arraybuffer(v: Value) -> Result<(*mut u8, usize), JsError> {
    let mut data: *mut c_void = ptr::null_mut();
    let mut len = 0;
    ok(unsafe { sys::napi_get_arraybuffer_info(env(), v, &mut data, &mut len) }, "arraybuffer")?;
    Ok((data.cast(), len))
}

/// A JavaScript function calling `cb` with `data`.
pub fn function(name: &str, cb: sys::napi_callback, data: *mut c_void) -> Value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_create_function(env(), name.as_ptr().cast(), name.len() as isize, cb, data, &mut out) };
    out
}

/// Inside a callback: its arguments (at most `N`) and its data pointer.
pub fn callback_args<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> ([Value; N], usize, *mut c_void) {
    let mut argv = [ptr::null_mut(); N];
    let mut argc = N;
    let mut data = ptr::null_mut();
    unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), &mut data) };
    (argv, argc.min(N), data)
}

pub fn undefined() -> Value {
    let mut out = ptr::null_mut();
    unsafe { sys::napi_get_undefined(env(), &mut out) };
    out
}

/// Throws an Error with `message` (a host function's trap; the Rust side keeps the real reason).
pub fn throw(message: &str) {
    let msg = CString::new(message.replace('\0', " ")).expect("no NUL");
    let code = CString::new("DYLAB_HOST_TRAP").expect("no NUL");
    unsafe { sys::napi_throw_error(env(), code.as_ptr(), msg.as_ptr()) };
}
