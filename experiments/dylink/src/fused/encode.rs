//! The bytes of a fused adapter: one core-wasm module per declared interface and signature, made
//! with wasm-encoder. It imports the callee's function, both memories (caller's = memory 0,
//! callee's = memory 1, multi-memory), the callee's `aligned_alloc` and `free`, and, when a
//! callback crosses, the host's pointer translation; it exports `adapter`, the caller's binding.
//!
//! What the adapter does is what the host adapter (`crate::adapter`) does, in wasm: measure every
//! pointed-to parameter in the caller's memory (a string by scanning for its NUL), take one block
//! of 16-byte-aligned pieces from the callee's allocator, `memory.copy` inputs in (`memory.fill` 0
//! for output buffers), call, `memory.copy` outputs back, free the block. NULL stays NULL.

use wasm_encoder::{
    CodeSection, EntityType, ExportKind, ExportSection, Function, FunctionSection, ImportSection, Instruction as I,
    MemArg, MemArgTarget, MemoryType, Module, RefType, TableType, TypeSection, ValType as W,
};

use crate::engine::{FuncType, ValType};
use crate::interface::{FnInterface, Param};

/// Import module name of everything an adapter imports.
pub const MODULE: &str = "dylab:fused";
/// The adapter's export: the function the caller binds to.
pub const EXPORT: &str = "adapter";

/// What the adapter module imports, in order, by name; the binder supplies them in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Import {
    Target,
    Alloc,
    Free,
    Callback,
    /// `fflush` of the caller's / the callee's libc instance (when each memory has its own).
    CallerFflush,
    CalleeFflush,
    CallerMemory,
    CalleeMemory,
}

/// Where each side's libc keeps its `stdout` pointer (the address of the `FILE *` variable), when the
/// two memories have libc instances of their own: each buffers stdout, and the adapter flushes the
/// side control leaves, as `crate::stdio` does on a host switch, so output stays in program order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stdout {
    pub caller: Option<u32>,
    pub callee: Option<u32>,
}

impl Import {
    pub fn name(self) -> &'static str {
        match self {
            Import::Target => "target",
            Import::Alloc => "aligned_alloc",
            Import::Free => "free",
            Import::Callback => "callback",
            Import::CallerFflush => "caller-fflush",
            Import::CalleeFflush => "callee-fflush",
            Import::CallerMemory => "caller-memory",
            Import::CalleeMemory => "callee-memory",
        }
    }
}

fn wasm(t: ValType) -> W {
    match t {
        ValType::I32 => W::I32,
        ValType::I64 => W::I64,
        ValType::F32 => W::F32,
        ValType::F64 => W::F64,
        ValType::FuncRef => W::Ref(RefType::FUNCREF),
        ValType::ExternRef => W::Ref(RefType::EXTERNREF),
        ValType::V128 => W::V128,
    }
}

fn any_memory() -> EntityType {
    EntityType::Memory(MemoryType { minimum: 0, maximum: None, memory64: false, shared: false, page_size_log2: None })
}

/// The imports a given interface needs, in index order (functions first, then memories).
pub fn imports(iface: &FnInterface, stdout: Stdout) -> Vec<Import> {
    let copies = iface.params.iter().any(|p| !matches!(p, Param::Scalar | Param::Callback));
    let callbacks = iface.params.contains(&Param::Callback);
    let mut v = vec![Import::Target];
    if copies {
        v.extend([Import::Alloc, Import::Free]);
    }
    if callbacks {
        v.push(Import::Callback);
    }
    if stdout.caller.is_some() {
        v.push(Import::CallerFflush);
    }
    if stdout.callee.is_some() {
        v.push(Import::CalleeFflush);
    }
    if copies || stdout != Stdout::default() {
        v.extend([Import::CallerMemory, Import::CalleeMemory]);
    }
    v
}

/// Flushes the stdout of the libc whose `stdout` variable is at `addr` in memory `mem` if its buffer
/// holds bytes (musl's `FILE`: `wpos` at 20, `wbase` at 28), by calling function `fflush`.
fn flush(f: &mut Function, mem: u32, addr: u32, fflush: u32, file: u32) {
    let at = |offset| MemArg { offset, align: 2, target: MemArgTarget::Memory(mem), ordering: None };
    f.instruction(&I::I32Const(addr as i32)).instruction(&I::I32Load(at(0))).instruction(&I::LocalTee(file));
    f.instruction(&I::I32Load(at(20)))
        .instruction(&I::LocalGet(file))
        .instruction(&I::I32Load(at(28)))
        .instruction(&I::I32Ne)
        .instruction(&I::If(wasm_encoder::BlockType::Empty))
        .instruction(&I::LocalGet(file))
        .instruction(&I::Call(fflush))
        .instruction(&I::Drop)
        .instruction(&I::End);
}

// Type indices.
const T_TARGET: u32 = 0;
const T_ALLOC: u32 = 1; // (align, size) -> ptr
const T_FREE: u32 = 2; // (ptr) -> ()
const T_CALLBACK: u32 = 3; // (caller's pointer) -> callee's pointer

const CALLER: u32 = 0;
const CALLEE: u32 = 1;

/// The adapter module for a function of type `ty` declared as `iface` (checked by the caller:
/// one declaration per parameter, pointers are i32).
pub fn adapter(ty: &FuncType, iface: &FnInterface, stdout: Stdout) -> Vec<u8> {
    let list = imports(iface, stdout);
    let func = |i: Import| list.iter().position(|&x| x == i).unwrap_or(0) as u32;
    let mut types = TypeSection::new();
    types.ty().function(ty.params.iter().map(|&t| wasm(t)), ty.results.iter().map(|&t| wasm(t)));
    types.ty().function([W::I32, W::I32], [W::I32]);
    types.ty().function([W::I32], []);
    types.ty().function([W::I32], [W::I32]);
    let mut imports = ImportSection::new();
    for &i in &list {
        let entity = match i {
            Import::Target => EntityType::Function(T_TARGET),
            Import::Alloc => EntityType::Function(T_ALLOC),
            Import::Free => EntityType::Function(T_FREE),
            Import::Callback | Import::CallerFflush | Import::CalleeFflush => EntityType::Function(T_CALLBACK),
            Import::CallerMemory | Import::CalleeMemory => any_memory(),
        };
        imports.import(MODULE, i.name(), entity);
    }
    let nfuncs = list.iter().filter(|i| !matches!(i, Import::CallerMemory | Import::CalleeMemory)).count() as u32;
    let mut funcs = FunctionSection::new();
    funcs.function(T_TARGET);
    let mut exports = ExportSection::new();
    exports.export(EXPORT, ExportKind::Func, nfuncs);
    let mut code = CodeSection::new();
    code.function(&body(ty, iface, stdout, &func));
    let mut m = Module::new();
    m.section(&types).section(&imports).section(&funcs).section(&exports).section(&code);
    m.finish()
}

/// Locals after the parameters: per copied parameter its length and its offset in the block, then
/// the block, a scratch pointer, and one local per result.
struct Locals {
    params: u32,
    copied: Vec<(usize, Param)>,
}

impl Locals {
    fn len(&self, k: usize) -> u32 {
        self.params + 2 * k as u32
    }
    fn offset(&self, k: usize) -> u32 {
        self.params + 2 * k as u32 + 1
    }
    fn block(&self) -> u32 {
        self.params + 2 * self.copied.len() as u32
    }
    fn scratch(&self) -> u32 {
        self.block() + 1
    }
    fn total(&self) -> u32 {
        self.block() + 2
    }
    fn result(&self, r: usize) -> u32 {
        self.block() + 3 + r as u32
    }
}

fn byte(memory_index: u32) -> MemArg {
    MemArg { offset: 0, align: 0, target: MemArgTarget::Memory(memory_index), ordering: None }
}

fn body(ty: &FuncType, iface: &FnInterface, stdout: Stdout, func: &dyn Fn(Import) -> u32) -> Function {
    let copied: Vec<(usize, Param)> = iface
        .params
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, p)| !matches!(p, Param::Scalar | Param::Callback))
        .collect();
    let l = Locals { params: ty.params.len() as u32, copied };
    let mut locals = vec![(2 * l.copied.len() as u32 + 3, W::I32)];
    locals.extend(ty.results.iter().map(|&t| (1, wasm(t))));
    let mut f = Function::new(locals);
    let has_copies = !l.copied.is_empty();
    if let Some(addr) = stdout.caller {
        flush(&mut f, CALLER, addr, func(Import::CallerFflush), l.scratch());
    }
    measure(&mut f, &l);
    if has_copies {
        copy_in(&mut f, &l, func);
    }
    // The parameters keep the caller's addresses (copied back to after the call); the call gets
    // the copies' places in the block.
    call_target(&mut f, ty, iface, &l, func);
    for r in (0..ty.results.len()).rev() {
        f.instruction(&I::LocalSet(l.result(r)));
    }
    if has_copies {
        copy_out(&mut f, &l, func);
    }
    if let Some(addr) = stdout.callee {
        flush(&mut f, CALLEE, addr, func(Import::CalleeFflush), l.scratch());
    }
    for r in 0..ty.results.len() {
        f.instruction(&I::LocalGet(l.result(r)));
    }
    f.instruction(&I::End);
    f
}

/// Sizes, measured in the caller's memory before anything is allocated; NULL measures 0. Each
/// copied parameter gets its length and its offset in the block; `total` sums them, 16-aligned.
fn measure(f: &mut Function, l: &Locals) {
    for (k, &(i, p)) in l.copied.iter().enumerate() {
        f.instruction(&I::LocalGet(i as u32)).instruction(&I::If(wasm_encoder::BlockType::Empty));
        match p {
            Param::Str => strlen(f, i as u32, l.scratch()),
            Param::In { len } | Param::Out { len } | Param::InOut { len } => {
                f.instruction(&I::LocalGet(len as u32));
            }
            Param::Struct { size } => {
                f.instruction(&I::I32Const(size as i32));
            }
            Param::Scalar | Param::Callback => unreachable!("filtered out"),
        }
        f.instruction(&I::LocalSet(l.len(k))).instruction(&I::End);
        // offset = total; total += align16(len)
        f.instruction(&I::LocalGet(l.total())).instruction(&I::LocalSet(l.offset(k)));
        f.instruction(&I::LocalGet(l.total()))
            .instruction(&I::LocalGet(l.len(k)))
            .instruction(&I::I32Const(15))
            .instruction(&I::I32Add)
            .instruction(&I::I32Const(-16))
            .instruction(&I::I32And)
            .instruction(&I::I32Add)
            .instruction(&I::LocalSet(l.total()));
    }
}

/// Takes the block from the callee's allocator and copies the inputs into it (zeroes for outputs).
fn copy_in(f: &mut Function, l: &Locals, func: &dyn Fn(Import) -> u32) {
    // One block when any pointer is not NULL (as the host adapter: aligned_alloc(16, max(total, 16))).
    any_nonnull(f, l);
    f.instruction(&I::If(wasm_encoder::BlockType::Empty));
    f.instruction(&I::I32Const(16))
        .instruction(&I::LocalGet(l.total()))
        .instruction(&I::I32Const(16))
        .instruction(&I::LocalGet(l.total()))
        .instruction(&I::I32Const(16))
        .instruction(&I::I32GtU)
        .instruction(&I::Select)
        .instruction(&I::Call(func(Import::Alloc)))
        .instruction(&I::LocalTee(l.block()))
        .instruction(&I::I32Eqz)
        .instruction(&I::If(wasm_encoder::BlockType::Empty))
        .instruction(&I::Unreachable) // the callee's allocator is out of memory
        .instruction(&I::End)
        .instruction(&I::End);
    for (k, &(i, p)) in l.copied.iter().enumerate() {
        f.instruction(&I::LocalGet(i as u32)).instruction(&I::If(wasm_encoder::BlockType::Empty));
        // dst = block + offset
        f.instruction(&I::LocalGet(l.block())).instruction(&I::LocalGet(l.offset(k))).instruction(&I::I32Add);
        if matches!(p, Param::Out { .. }) {
            f.instruction(&I::I32Const(0)).instruction(&I::LocalGet(l.len(k))).instruction(&I::MemoryFill(CALLEE));
        } else {
            f.instruction(&I::LocalGet(i as u32))
                .instruction(&I::LocalGet(l.len(k)))
                .instruction(&I::MemoryCopy { src_mem: CALLER, dst_mem: CALLEE });
        }
        f.instruction(&I::End);
    }
}

/// Copies the outputs back to the caller's memory and frees the block.
fn copy_out(f: &mut Function, l: &Locals, func: &dyn Fn(Import) -> u32) {
    for (k, &(i, p)) in l.copied.iter().enumerate() {
        if matches!(p, Param::Str | Param::In { .. }) {
            continue;
        }
        f.instruction(&I::LocalGet(i as u32)).instruction(&I::If(wasm_encoder::BlockType::Empty));
        f.instruction(&I::LocalGet(i as u32))
            .instruction(&I::LocalGet(l.block()))
            .instruction(&I::LocalGet(l.offset(k)))
            .instruction(&I::I32Add)
            .instruction(&I::LocalGet(l.len(k)))
            .instruction(&I::MemoryCopy { src_mem: CALLEE, dst_mem: CALLER })
            .instruction(&I::End);
    }
    f.instruction(&I::LocalGet(l.block()))
        .instruction(&I::If(wasm_encoder::BlockType::Empty))
        .instruction(&I::LocalGet(l.block()))
        .instruction(&I::Call(func(Import::Free)))
        .instruction(&I::End);
}

/// Leaves on the stack whether any copied parameter is not NULL.
fn any_nonnull(f: &mut Function, l: &Locals) {
    for (k, &(i, _)) in l.copied.iter().enumerate() {
        f.instruction(&I::LocalGet(i as u32));
        if k > 0 {
            f.instruction(&I::I32Or);
        }
    }
}

/// Pushes the length of the NUL-terminated string at parameter `p` in the caller's memory, its NUL
/// included (a string running off the memory traps there, as the host adapter's read does).
fn strlen(f: &mut Function, p: u32, scratch: u32) {
    f.instruction(&I::LocalGet(p)).instruction(&I::LocalSet(scratch));
    f.instruction(&I::Loop(wasm_encoder::BlockType::Empty))
        .instruction(&I::LocalGet(scratch))
        .instruction(&I::I32Load8U(byte(CALLER)))
        .instruction(&I::If(wasm_encoder::BlockType::Empty))
        .instruction(&I::LocalGet(scratch))
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Add)
        .instruction(&I::LocalSet(scratch))
        .instruction(&I::Br(1))
        .instruction(&I::End)
        .instruction(&I::End);
    f.instruction(&I::LocalGet(scratch))
        .instruction(&I::LocalGet(p))
        .instruction(&I::I32Sub)
        .instruction(&I::I32Const(1))
        .instruction(&I::I32Add);
}

/// Pushes the target's arguments (copied parameters as their place in the block, callbacks
/// translated by the host, the rest as they are) and calls it.
fn call_target(f: &mut Function, ty: &FuncType, iface: &FnInterface, l: &Locals, func: &dyn Fn(Import) -> u32) {
    for (i, p) in iface.params.iter().enumerate().take(ty.params.len()) {
        let i = i as u32;
        match p {
            Param::Scalar => {
                f.instruction(&I::LocalGet(i));
            }
            Param::Callback => {
                // NULL stays NULL; any other pointer becomes a proxy in the callee's table.
                f.instruction(&I::LocalGet(i))
                    .instruction(&I::If(wasm_encoder::BlockType::Result(W::I32)))
                    .instruction(&I::LocalGet(i))
                    .instruction(&I::Call(func(Import::Callback)))
                    .instruction(&I::Else)
                    .instruction(&I::I32Const(0))
                    .instruction(&I::End);
            }
            _ => {
                let k = l.copied.iter().position(|&(j, _)| j == i as usize).unwrap_or(0);
                f.instruction(&I::LocalGet(i))
                    .instruction(&I::If(wasm_encoder::BlockType::Result(W::I32)))
                    .instruction(&I::LocalGet(l.block()))
                    .instruction(&I::LocalGet(l.offset(k)))
                    .instruction(&I::I32Add)
                    .instruction(&I::Else)
                    .instruction(&I::I32Const(0))
                    .instruction(&I::End);
            }
        }
    }
    f.instruction(&I::Call(func(Import::Target)));
}

/// A callback proxy: calls entry `index` of the caller's table (imported as table 0) with the
/// proxy's own arguments, reading the table at each call (a slot reused after `dlclose` calls what
/// it holds now, a null or mistyped one traps as `call_indirect` does).
/// With `stdout`, it also flushes the side control leaves (the callee's on the way to the caller's
/// function, the caller's on the way back): it then imports `caller-fflush`, `callee-fflush` (as
/// [`Stdout`] has them) and both memories.
pub fn proxy(ty: &FuncType, index: u32, stdout: Stdout) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function(ty.params.iter().map(|&t| wasm(t)), ty.results.iter().map(|&t| wasm(t)));
    types.ty().function([W::I32], [W::I32]);
    let mut imports = ImportSection::new();
    let table = TableType { element_type: RefType::FUNCREF, table64: false, minimum: 0, maximum: None, shared: false };
    imports.import(MODULE, "caller-table", EntityType::Table(table));
    let list: Vec<Import> = imports_of_proxy(stdout);
    for &i in &list {
        let entity = if matches!(i, Import::CallerMemory | Import::CalleeMemory) {
            any_memory()
        } else {
            EntityType::Function(1)
        };
        imports.import(MODULE, i.name(), entity);
    }
    let func = |i: Import| list.iter().position(|&x| x == i).unwrap_or(0) as u32;
    let nfuncs = list.iter().filter(|i| !matches!(i, Import::CallerMemory | Import::CalleeMemory)).count() as u32;
    let mut funcs = FunctionSection::new();
    funcs.function(0);
    let mut exports = ExportSection::new();
    exports.export(EXPORT, ExportKind::Func, nfuncs);
    let n = ty.params.len() as u32;
    let mut locals = vec![(1, W::I32)];
    locals.extend(ty.results.iter().map(|&t| (1, wasm(t))));
    let mut f = Function::new(locals);
    if let Some(addr) = stdout.callee {
        flush(&mut f, CALLEE, addr, func(Import::CalleeFflush), n);
    }
    for i in 0..n {
        f.instruction(&I::LocalGet(i));
    }
    f.instruction(&I::I32Const(index as i32)).instruction(&I::CallIndirect { type_index: 0, table_index: 0 });
    for r in (0..ty.results.len() as u32).rev() {
        f.instruction(&I::LocalSet(n + 1 + r));
    }
    if let Some(addr) = stdout.caller {
        flush(&mut f, CALLER, addr, func(Import::CallerFflush), n);
    }
    for r in 0..ty.results.len() as u32 {
        f.instruction(&I::LocalGet(n + 1 + r));
    }
    f.instruction(&I::End);
    let mut code = CodeSection::new();
    code.function(&f);
    let mut m = Module::new();
    m.section(&types).section(&imports).section(&funcs).section(&exports).section(&code);
    m.finish()
}

/// What a proxy imports after the caller's table, in order.
pub fn imports_of_proxy(stdout: Stdout) -> Vec<Import> {
    let mut v = Vec::new();
    if stdout.caller.is_some() {
        v.push(Import::CallerFflush);
    }
    if stdout.callee.is_some() {
        v.push(Import::CalleeFflush);
    }
    if stdout != Stdout::default() {
        v.extend([Import::CallerMemory, Import::CalleeMemory]);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ValType::I32;

    fn iface(v: &[&str]) -> FnInterface {
        FnInterface::parse(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn validate(bytes: &[u8]) {
        wasmparser::Validator::new().validate_all(bytes).expect("a valid module");
    }

    #[test]
    fn every_kind_makes_a_valid_module() {
        let ty = FuncType::new([I32; 7], [I32]);
        let all = iface(&["str", "in(len=6)", "out(len=6)", "inout(len=6)", "struct(size=16)", "callback", "scalar"]);
        let both = Stdout { caller: Some(64), callee: Some(128) };
        for stdout in [Stdout::default(), both, Stdout { caller: None, callee: Some(8) }] {
            validate(&adapter(&ty, &all, stdout));
            validate(&adapter(&FuncType::new([], []), &iface(&[]), stdout));
            validate(&proxy(&FuncType::new([I32, I32], [I32]), 3, stdout));
        }
    }

    #[test]
    fn scalars_only_import_no_memory() {
        let none = Stdout::default();
        assert_eq!(imports(&iface(&["scalar", "scalar"]), none), [Import::Target]);
        assert_eq!(imports(&iface(&["callback"]), none), [Import::Target, Import::Callback]);
        assert!(imports(&iface(&["str"]), none).contains(&Import::CalleeMemory));
        let both = Stdout { caller: Some(64), callee: Some(128) };
        assert!(imports(&iface(&["scalar"]), both).ends_with(&[Import::CallerMemory, Import::CalleeMemory]));
    }
}
