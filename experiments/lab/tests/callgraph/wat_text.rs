//! The program as WAT side modules.

use super::dylink0::{self, MemInfo};
use super::*;

pub(crate) fn sig(params: &[T], results: &[T]) -> String {
    let mut s = String::new();
    if !params.is_empty() {
        s += &format!(" (param {})", params.iter().map(|t| t.name()).collect::<Vec<_>>().join(" "));
    }
    if !results.is_empty() {
        s += &format!(" (result {})", results.iter().map(|t| t.name()).collect::<Vec<_>>().join(" "));
    }
    s
}

pub(crate) fn expr_wat(e: &Expr, out: &mut String) {
    match e {
        Expr::Local(i) => write!(out, "(local.get {i})").unwrap(),
        Expr::Const(v) => out.push_str(&v.wat()),
        Expr::Checksum => out.push_str("(i64.load (global.get $__memory_base))"),
        Expr::Op(name, args) => {
            write!(out, "({name}").unwrap();
            for a in args {
                out.push(' ');
                expr_wat(a, out);
            }
            out.push(')');
        }
    }
}

/// Functions named (module, function).
pub(crate) type Refs = Vec<(usize, usize)>;

/// Module `m`'s imported functions and `GOT.func` entries, in import order.
pub(crate) fn imports_of(prog: &Program, m: usize) -> (Refs, Refs) {
    let mut imported: Refs = Vec::new();
    let mut got: Refs = Vec::new();
    for c in prog.modules[m].iter().flat_map(|f| f.calls.iter()) {
        let list = match c.how {
            How::Import => &mut imported,
            How::Got => &mut got,
            How::Own => continue,
        };
        if !list.contains(&(c.module, c.func)) {
            list.push((c.module, c.func));
        }
    }
    (imported, got)
}

/// The table slots module `m` asks for: one per function when it calls its own through its table.
pub(crate) fn own_slots(prog: &Program, m: usize) -> usize {
    let funcs = &prog.modules[m];
    if funcs.iter().flat_map(|f| f.calls.iter()).any(|c| c.how == How::Own) {
        funcs.len()
    } else {
        0
    }
}

/// Module `m` as a side module in WAT.
pub(crate) fn module_wat(prog: &Program, m: usize) -> String {
    let funcs = &prog.modules[m];
    let own_slots = own_slots(prog, m);
    let mut w = String::from("(module\n");
    imports_wat(prog, m, own_slots, &mut w);
    for (k, f) in funcs.iter().enumerate() {
        func_wat(prog, m, k, f, &mut w);
    }
    if own_slots > 0 {
        let names: Vec<String> = (0..funcs.len()).map(|k| format!("$m{m}_f{k}")).collect();
        writeln!(w, "  (elem (global.get $__table_base) func {})", names.join(" ")).unwrap();
    }
    // The checksum's address, for the V8 driver (a data symbol: an offset from __memory_base).
    writeln!(w, "  (global (export \"m{m}_sum\") i32 (i32.const 0))").unwrap();
    w += "  (func (export \"__wasm_call_ctors\")))\n";
    w
}

/// Module `m`'s `dylink.0` section and imports.
fn imports_wat(prog: &Program, m: usize, own_slots: usize, w: &mut String) {
    let (imported, got) = imports_of(prog, m);
    // mem_info: 8 bytes of data (the checksum) aligned to 2^3, then table size and alignment.
    let mem = MemInfo { mem_size: 8, mem_align: 3, table_size: own_slots as u32, table_align: 0 };
    writeln!(w, "  {}", dylink0::wat(&dylink0::payload(mem, &[]))).unwrap();
    *w += "  (import \"env\" \"memory\" (memory 0))\n";
    if !got.is_empty() || own_slots > 0 {
        *w += "  (import \"env\" \"__indirect_function_table\" (table 0 funcref))\n";
    }
    *w += "  (import \"env\" \"__memory_base\" (global $__memory_base i32))\n";
    *w += "  (import \"env\" \"__table_base\" (global $__table_base i32))\n";
    for &(j, k) in &imported {
        let f = &prog.modules[j][k];
        writeln!(w, "  (import \"env\" \"m{j}_f{k}\" (func $m{j}_f{k}{}))", sig(&f.params, &f.results)).unwrap();
    }
    for &(j, k) in &got {
        writeln!(w, "  (import \"GOT.func\" \"m{j}_f{k}\" (global $got.m{j}_f{k} (mut i32)))").unwrap();
    }
}

/// Function `k` of module `m`: its calls (results into locals), the checksum store, its results.
fn func_wat(prog: &Program, m: usize, k: usize, f: &Func, w: &mut String) {
    write!(w, "  (func $m{m}_f{k} (export \"m{m}_f{k}\"){}", sig(&f.params, &f.results)).unwrap();
    let locals: Vec<T> = f.calls.iter().flat_map(|c| prog.modules[c.module][c.func].results.iter().copied()).collect();
    if !locals.is_empty() {
        write!(w, "\n    (local {})", locals.iter().map(|t| t.name()).collect::<Vec<_>>().join(" ")).unwrap();
    }
    let mut next = f.params.len();
    for c in &f.calls {
        call_wat(prog, c, next, w);
        next += prog.modules[c.module][c.func].results.len();
    }
    *w += "\n    (i64.store (global.get $__memory_base) ";
    expr_wat(&f.checksum, w);
    w.push(')');
    for e in &f.ret {
        *w += "\n    ";
        expr_wat(e, w);
    }
    *w += ")\n";
}

/// A call, its results stored in the locals from `next`.
fn call_wat(prog: &Program, c: &Call, next: usize, w: &mut String) {
    let callee = &prog.modules[c.module][c.func];
    *w += "\n    ";
    match c.how {
        How::Import => write!(w, "(call $m{}_f{}", c.module, c.func).unwrap(),
        How::Got | How::Own => write!(w, "(call_indirect{}", sig(&callee.params, &callee.results)).unwrap(),
    }
    for a in &c.args {
        w.push(' ');
        expr_wat(a, w);
    }
    match c.how {
        How::Import => {}
        How::Got => write!(w, " (global.get $got.m{}_f{})", c.module, c.func).unwrap(),
        How::Own => write!(w, " (i32.add (global.get $__table_base) (i32.const {}))", c.func).unwrap(),
    }
    w.push(')');
    for r in (0..callee.results.len()).rev() {
        write!(w, " (local.set {})", next + r).unwrap();
    }
}

pub(crate) fn describe(prog: &Program) -> String {
    let mut s = String::new();
    for m in 0..prog.modules.len() {
        writeln!(s, ";; m{m}.wasm\n{}", module_wat(prog, m)).unwrap();
    }
    let last = prog.modules.len() - 1;
    for (k, args) in &prog.calls {
        writeln!(s, ";; host calls m{last}_f{k}{args:?}").unwrap();
    }
    s
}
