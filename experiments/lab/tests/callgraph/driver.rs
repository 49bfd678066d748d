//! The same programs on V8: V8's stores live in its Node worker, where the host cannot make the
//! calls itself, so a generated main module makes them. It needs every module (dylink.0 NEEDED, so
//! they load in order before it, in the global scope), imports the last module's exports and each
//! module's checksum address (`GOT.mem.m{i}_sum`), makes the host calls in order and after each one
//! writes its results and every checksum, 8 bytes each, to stdout. A trap ends the program: the
//! calls after it are not made.

use std::collections::HashMap;

use dylink::Libc;

use super::dylink0::{self, MemInfo};
use super::*;

/// Scratch: the record of one call (at most 2 results and 8 checksums) and the iovec after it.
const RECORD: u32 = 80;

fn store_result(t: T, local: usize, at: u32) -> String {
    let bits = match t {
        T::I32 => format!("(i64.extend_i32_u (local.get {local}))"),
        T::I64 => format!("(local.get {local})"),
        T::F32 => format!("(i64.extend_i32_u (i32.reinterpret_f32 (local.get {local})))"),
        T::F64 => format!("(i64.reinterpret_f64 (local.get {local}))"),
    };
    format!("(i64.store (i32.add (global.get $base) (i32.const {at})) {bits})")
}

/// The driver: it needs every module, then makes the host calls in order, writing each one's record.
pub(crate) fn main_wat(prog: &Program) -> String {
    let n = prog.modules.len();
    let needed: Vec<String> = (0..n).map(|i| format!("m{i}.wasm")).collect();
    let mem = MemInfo { mem_size: RECORD + 8, mem_align: 3, table_size: 0, table_align: 0 };
    let mut w = String::from("(module\n");
    writeln!(w, "  {}", dylink0::wat(&dylink0::payload(mem, &needed))).unwrap();
    imports(prog, &mut w);
    // One local per result of each type: i32, i64, f32, f64 (at most two results per call).
    w += "  (func (export \"main\") (result i32) (local i32 i32 i64 i64 f32 f32 f64 f64)\n";
    for (k, args) in &prog.calls {
        host_call(prog, *k, args, &mut w);
    }
    w += "    (i32.const 0)))\n";
    w
}

/// Memory, the write function, the last module's functions the host calls, every checksum's address.
fn imports(prog: &Program, w: &mut String) {
    let n = prog.modules.len();
    let last = n - 1;
    *w += "  (import \"env\" \"memory\" (memory 0))\n  (import \"env\" \"__memory_base\" (global $base i32))\n";
    *w += "  (import \"env\" \"write\" (func $write (param i32 i32 i32) (result i32)))\n";
    let used: Vec<usize> = prog.calls.iter().map(|(k, _)| *k).fold(Vec::new(), |mut v, k| {
        if !v.contains(&k) {
            v.push(k);
        }
        v
    });
    for k in used {
        let f = &prog.modules[last][k];
        writeln!(w, "  (import \"env\" \"m{last}_f{k}\" (func $f{k}{}))", sig(&f.params, &f.results)).unwrap();
    }
    for i in 0..n {
        writeln!(w, "  (import \"GOT.mem\" \"m{i}_sum\" (global $sum{i} (mut i32)))").unwrap();
    }
}

/// One host call of function `k` of the last module: its results into the locals of their type,
/// then its record (results and every checksum) written to stdout.
fn host_call(prog: &Program, k: usize, args: &[V], w: &mut String) {
    let n = prog.modules.len();
    let f = &prog.modules[n - 1][k];
    let slot = |t: T| match t {
        T::I32 => 0,
        T::I64 => 2,
        T::F32 => 4,
        T::F64 => 6,
    };
    let args: Vec<String> = args.iter().map(|a| a.wat()).collect();
    writeln!(w, "    (call $f{k} {})", args.join(" ")).unwrap();
    let locals: Vec<usize> =
        f.results.iter().enumerate().map(|(i, t)| slot(*t) + usize::from(f.results[..i].contains(t))).collect();
    for l in locals.iter().rev() {
        writeln!(w, "    (local.set {l})").unwrap();
    }
    let mut at = 0;
    for (t, l) in f.results.iter().zip(&locals) {
        writeln!(w, "    {}", store_result(*t, *l, at)).unwrap();
        at += 8;
    }
    for i in 0..n {
        writeln!(w, "    (i64.store (i32.add (global.get $base) (i32.const {at})) (i64.load (global.get $sum{i})))")
            .unwrap();
        at += 8;
    }
    writeln!(w, "    (drop (call $write (i32.const 1) (global.get $base) (i32.const {at})))").unwrap();
}

/// What the host calls gave on `engine`: their records, then the trap that ended the program.
pub(crate) fn run(engine: EngineKind, prog: &Program, strategy: Linking) -> Result<Vec<Outcome>, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut libs = HashMap::new();
    for m in 0..prog.modules.len() {
        let path = dir.path().join(format!("m{m}.wasm"));
        std::fs::write(&path, wat::parse_str(module_wat(prog, m)).unwrap()).unwrap();
        libs.insert(format!("m{m}.wasm"), path);
    }
    let main = dir.path().join("main.wasm");
    let text = main_wat(prog);
    std::fs::write(&main, wat::parse_str(&text).unwrap_or_else(|e| panic!("the driver does not parse: {e}\n{text}")))
        .unwrap();
    let program = dylink::Program::new(main, "main.wasm")
        .libc(Libc::LibcModule)
        .linkage(strategy)
        .libc_module(Some(lab().libc_wasm.clone()))
        .libs(libs);
    let r = lab().run_program(engine, &program);
    let mut words = r.stdout.chunks(8).map(|c| u64::from_le_bytes(c.try_into().expect("8-byte records")));
    let mut out = Vec::new();
    for (k, _) in &prog.calls {
        let f = &prog.modules[prog.modules.len() - 1][*k];
        let want = f.results.len() + prog.modules.len();
        let record: Vec<u64> = words.by_ref().take(want).collect();
        if record.is_empty() {
            break;
        }
        let types = f.results.iter().copied().chain(std::iter::repeat(T::I64));
        out.push(Outcome::Values(types.zip(record).collect()));
    }
    match r.ending {
        dylink::Ending::Exited(0) if out.len() == prog.calls.len() => Ok(out),
        dylink::Ending::Trapped { kind, .. } if out.len() < prog.calls.len() => {
            out.push(Outcome::Trap(kind));
            Ok(out)
        }
        other => Err(format!("{other:?} after {} of {} calls", out.len(), prog.calls.len())),
    }
}
