//! One fuel for every engine, and limits an engine without a resource limiter enforces itself.
//!
//! [`rewrite`] prepares a module before a metered engine compiles it:
//! - **fuel**: a counter injected into the code. Every operator costs 1 (`block`, `loop`, `else`,
//!   `end` and `nop` cost nothing), `memory.fill`, `memory.copy` and `memory.init` also cost
//!   `len / 8`, as the host libc's `memset`/`memcpy` charge `1 + bytes / 8`. The cost of each
//!   straight-line run of code (up to and including the next block, branch or `end`) is taken at its
//!   start from a mutable `i64` global the module imports as [`IMPORT_MODULE`].[`FUEL_GLOBAL`]; the
//!   adapter makes one per store and appends it to every instantiation's imports. When the counter
//!   goes below zero the code traps (`unreachable`), and the adapter reports out-of-fuel
//!   ([`classify`]). So the same program consumes the same fuel on every engine, V8 included, and
//!   runs out of it at the same point.
//! - **maxima** (V8, which has no resource-limiter hook): every memory and table the module defines
//!   gets the cell's limit as its maximum (never below its minimum), so that the guest's own
//!   `memory.grow` and `table.grow` return -1 at the limit there as they do on the other engines.
//!
//! A module wasmparser does not validate is returned as it is, for the engine to refuse with its
//! own message. Timing engines compile modules untouched: the benchmarks measure plain code.

use std::convert::Infallible;

use anyhow::Context as _;
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{BlockType, Instruction, SectionId};
use wasmparser::{Operator, Payload};

use crate::engine::Trap;
use crate::outcome::TrapKind;

/// The import the fuel counter comes from: `(import "dylab:meter" "fuel" (global (mut i64)))`,
/// after all of the module's own imports.
pub const IMPORT_MODULE: &str = "dylab:meter";
pub const FUEL_GLOBAL: &str = "fuel";

/// How metered engines describe their fuel in their settings.
pub const SETTING: &str = "dylink::meter: a counter injected into each module (1 per operator, bulk memory 1 + len/8)";

/// What to rewrite.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rewrite {
    /// Inject the fuel counter.
    pub fuel: bool,
    /// Maximum in bytes for every memory the module defines.
    pub memory_max_bytes: Option<u64>,
    /// Maximum in elements for every table the module defines.
    pub table_max: Option<u64>,
}

/// The rewritten module (the input itself when it does not validate, or nothing is asked).
pub fn rewrite(bytes: &[u8], what: &Rewrite) -> anyhow::Result<Vec<u8>> {
    if *what == Rewrite::default() || wasmparser::Validator::new().validate_all(bytes).is_err() {
        return Ok(bytes.to_vec());
    }
    let shape = Shape::of(bytes).context("metering: reading the module")?;
    let mut m = Meter { what: *what, shape, imported: false };
    let mut out = wasm_encoder::Module::new();
    m.parse_core_module(&mut out, wasmparser::Parser::new(0), bytes).map_err(|e| anyhow::anyhow!("metering: {e}"))?;
    Ok(out.finish())
}

/// Bytes of linear memory the module's own memories (not its imports) start with: what an engine
/// without a resource limiter must account for before it instantiates the module.
pub fn defined_memory_bytes(bytes: &[u8]) -> u64 {
    let mut total = 0u64;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(Payload::MemorySection(section)) = payload else { continue };
        for ty in section.into_iter().flatten() {
            total = total.saturating_add(ty.initial.saturating_mul(1 << ty.page_size_log2.unwrap_or(16)));
        }
    }
    total
}

/// The fuel left, from the counter's value (negative once a charge failed).
pub fn fuel_left(counter: i64) -> u64 {
    counter.max(0) as u64
}

/// A trap seen with the counter at `counter`: the `unreachable` of a failed charge is out-of-fuel.
pub fn classify(trap: Trap, counter: i64) -> Trap {
    match trap {
        Trap::Wasm(TrapKind::Unreachable) if counter < 0 => Trap::Wasm(TrapKind::OutOfFuel),
        t => t,
    }
}

/// What the rewrite needs to know before it starts: index spaces and function signatures.
#[derive(Default)]
struct Shape {
    imported_globals: u32,
    /// Parameter count of each type (0 for a non-function type).
    type_params: Vec<u32>,
    /// The type of each function the module defines, in order.
    defined: Vec<u32>,
    /// Whether each memory (imported first) is 64-bit.
    memory64: Vec<bool>,
}

impl Shape {
    fn of(bytes: &[u8]) -> wasmparser::Result<Shape> {
        let mut s = Shape::default();
        for payload in wasmparser::Parser::new(0).parse_all(bytes) {
            match payload? {
                Payload::TypeSection(r) => {
                    for group in r {
                        for ty in group?.into_types() {
                            let params = match &ty.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => f.params().len() as u32,
                                _ => 0,
                            };
                            s.type_params.push(params);
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for imp in r.into_imports() {
                        match imp?.ty {
                            wasmparser::TypeRef::Global(_) => s.imported_globals += 1,
                            wasmparser::TypeRef::Memory(m) => s.memory64.push(m.memory64),
                            _ => {}
                        }
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        s.defined.push(t?);
                    }
                }
                Payload::MemorySection(r) => {
                    for m in r {
                        s.memory64.push(m?.memory64);
                    }
                }
                _ => {}
            }
        }
        Ok(s)
    }

    fn is64(&self, memory: u32) -> bool {
        self.memory64.get(memory as usize).copied().unwrap_or(false)
    }
}

struct Meter {
    what: Rewrite,
    shape: Shape,
    /// Whether the fuel import has been written.
    imported: bool,
}

impl Meter {
    /// The fuel counter's global index.
    fn counter(&self) -> u32 {
        self.shape.imported_globals
    }

    fn import_fuel(&mut self, section: &mut wasm_encoder::ImportSection) {
        let ty = wasm_encoder::GlobalType { val_type: wasm_encoder::ValType::I64, mutable: true, shared: false };
        section.import(IMPORT_MODULE, FUEL_GLOBAL, ty);
        self.imported = true;
    }
}

impl Reencode for Meter {
    type Error = Infallible;

    fn global_index(&mut self, global: u32) -> Result<u32, reencode::Error<Infallible>> {
        Ok(if self.what.fuel && global >= self.shape.imported_globals { global + 1 } else { global })
    }

    fn parse_import_section(
        &mut self,
        section: &mut wasm_encoder::ImportSection,
        reader: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        reencode::utils::parse_import_section(self, section, reader)?;
        if self.what.fuel {
            self.import_fuel(section);
        }
        Ok(())
    }

    /// A module without imports gets an import section before its first section after types.
    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), reencode::Error<Infallible>> {
        if self.what.fuel && !self.imported && !matches!(before, Some(SectionId::Type | SectionId::Import)) {
            let mut section = wasm_encoder::ImportSection::new();
            self.import_fuel(&mut section);
            module.section(&section);
        }
        Ok(())
    }

    fn parse_memory_section(
        &mut self,
        memories: &mut wasm_encoder::MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        for m in section {
            let mut ty = self.memory_type(m?)?;
            if let Some(limit) = self.what.memory_max_bytes {
                let page = 1u64 << ty.page_size_log2.unwrap_or(16);
                ty.maximum = Some(capped(ty.maximum, limit / page, ty.minimum));
            }
            memories.memory(ty);
        }
        Ok(())
    }

    fn parse_table_section(
        &mut self,
        tables: &mut wasm_encoder::TableSection,
        section: wasmparser::TableSectionReader<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        for t in section {
            let t = t?;
            let mut ty = self.table_type(t.ty)?;
            if let Some(limit) = self.what.table_max {
                ty.maximum = Some(capped(ty.maximum, limit, ty.minimum));
            }
            match t.init {
                wasmparser::TableInit::RefNull => tables.table(ty),
                wasmparser::TableInit::Expr(e) => tables.table_with_init(ty, &self.const_expr(e)?),
            };
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        body: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Infallible>> {
        if !self.what.fuel {
            return reencode::utils::parse_function_body(self, code, body);
        }
        let index = code.len() as usize;
        let params = self.shape.defined.get(index).and_then(|t| self.shape.type_params.get(*t as usize)).copied();
        let mut locals = Vec::new();
        let mut count = params.unwrap_or(0);
        for pair in body.get_locals_reader()? {
            let (n, ty) = pair?;
            count += n;
            locals.push((n, self.val_type(ty)?));
        }
        let mut ops = Vec::new();
        let mut reader = body.get_operators_reader()?;
        while !reader.eof() {
            ops.push(reader.read()?);
        }
        // Two scratch locals (i32, i64) hold a bulk operation's length while it is charged.
        let scratch = (count, count + 1);
        if ops.iter().any(|op| self.bulk_length_is_32(op).is_some()) {
            locals.push((1, wasm_encoder::ValType::I32));
            locals.push((1, wasm_encoder::ValType::I64));
        }
        let mut f = wasm_encoder::Function::new(locals);
        let mut start = 0;
        while start < ops.len() {
            let end = ops[start..].iter().position(ends_run).map_or(ops.len(), |i| start + i + 1);
            let cost: u64 = ops[start..end].iter().map(cost).sum();
            if cost > 0 {
                self.charge(&mut f, cost);
            }
            for op in &ops[start..end] {
                if let Some(len32) = self.bulk_length_is_32(op) {
                    self.charge_length(&mut f, if len32 { scratch.0 } else { scratch.1 }, len32);
                }
                f.instruction(&self.instruction(op.clone())?);
            }
            start = end;
        }
        code.function(&f);
        Ok(())
    }
}

impl Meter {
    /// `counter -= cost; if counter < 0 { unreachable }`
    fn charge(&self, f: &mut wasm_encoder::Function, cost: u64) {
        let g = self.counter();
        f.instruction(&Instruction::GlobalGet(g));
        f.instruction(&Instruction::I64Const(cost as i64));
        f.instruction(&Instruction::I64Sub);
        self.store_and_check(f);
    }

    /// Before a bulk operation, its length on top of the stack: `counter -= len / 8`, length kept.
    fn charge_length(&self, f: &mut wasm_encoder::Function, local: u32, len32: bool) {
        f.instruction(&Instruction::LocalTee(local));
        f.instruction(&Instruction::GlobalGet(self.counter()));
        f.instruction(&Instruction::LocalGet(local));
        if len32 {
            f.instruction(&Instruction::I64ExtendI32U);
        }
        f.instruction(&Instruction::I64Const(3));
        f.instruction(&Instruction::I64ShrU);
        f.instruction(&Instruction::I64Sub);
        self.store_and_check(f);
    }

    fn store_and_check(&self, f: &mut wasm_encoder::Function) {
        let g = self.counter();
        f.instruction(&Instruction::GlobalSet(g));
        f.instruction(&Instruction::GlobalGet(g));
        f.instruction(&Instruction::I64Const(0));
        f.instruction(&Instruction::I64LtS);
        f.instruction(&Instruction::If(BlockType::Empty));
        f.instruction(&Instruction::Unreachable);
        f.instruction(&Instruction::End);
    }

    /// For a bulk memory operation, whether its length operand is an i32 (else i64).
    fn bulk_length_is_32(&self, op: &Operator) -> Option<bool> {
        match *op {
            Operator::MemoryFill { mem } => Some(!self.shape.is64(mem)),
            Operator::MemoryCopy { dst_mem, src_mem } => Some(!(self.shape.is64(dst_mem) && self.shape.is64(src_mem))),
            Operator::MemoryInit { .. } => Some(true),
            _ => None,
        }
    }
}

/// A maximum no larger than `limit` (nor than a declared one), never below the minimum.
fn capped(declared: Option<u64>, limit: u64, minimum: u64) -> u64 {
    declared.map_or(limit, |d| d.min(limit)).max(minimum)
}

/// An operator after which control may go elsewhere: the end of a straight-line run.
fn ends_run(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::Else
            | Operator::End
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable
            | Operator::ReturnCall { .. }
            | Operator::ReturnCallIndirect { .. }
            | Operator::ReturnCallRef { .. }
            | Operator::TryTable { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
    )
}

/// The static cost of one operator.
fn cost(op: &Operator) -> u64 {
    match op {
        Operator::Block { .. } | Operator::Loop { .. } | Operator::Else | Operator::End | Operator::Nop => 0,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wasm(wat: &str) -> Vec<u8> {
        wat::parse_str(wat).unwrap()
    }

    fn all() -> Rewrite {
        Rewrite { fuel: true, memory_max_bytes: Some(4 << 16), table_max: Some(100) }
    }

    /// (imports as module.name, memory maxima, table maxima) of a module.
    fn shape(bytes: &[u8]) -> (Vec<String>, Vec<Option<u64>>, Vec<Option<u64>>) {
        let (mut imports, mut memories, mut tables) = (vec![], vec![], vec![]);
        for p in wasmparser::Parser::new(0).parse_all(bytes) {
            match p.unwrap() {
                Payload::ImportSection(r) => {
                    imports.extend(r.into_imports().map(|i| i.unwrap()).map(|i| format!("{}.{}", i.module, i.name)))
                }
                Payload::MemorySection(r) => memories.extend(r.into_iter().map(|m| m.unwrap().maximum)),
                Payload::TableSection(r) => tables.extend(r.into_iter().map(|t| t.unwrap().ty.maximum)),
                _ => {}
            }
        }
        (imports, memories, tables)
    }

    #[test]
    fn the_counter_is_imported_last_and_the_module_validates() {
        let m = wasm(
            r#"(module (import "env" "g" (global i32)) (import "env" "f" (func))
                 (global $own (mut i32) (i32.const 1))
                 (func (export "get") (result i32) global.get $own global.get 0 i32.add))"#,
        );
        let out = rewrite(&m, &Rewrite { fuel: true, ..Default::default() }).unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
        assert_eq!(shape(&out).0, ["env.g", "env.f", "dylab:meter.fuel"]);
        let none =
            rewrite(&wasm("(module (func (export \"f\")))"), &Rewrite { fuel: true, ..Default::default() }).unwrap();
        wasmparser::Validator::new().validate_all(&none).unwrap();
        assert_eq!(shape(&none).0, ["dylab:meter.fuel"]);
    }

    #[test]
    fn defined_memories_and_tables_get_the_limits_as_maxima_imported_ones_do_not() {
        let m = wasm(
            r#"(module (import "env" "memory" (memory 1)) (memory 2) (memory 1 3) (memory 9)
                 (table 10 funcref) (table 5 50 funcref) (table 200 funcref))"#,
        );
        let out = rewrite(&m, &all()).unwrap();
        wasmparser::Validator::new().validate_all(&out).unwrap();
        let (_, memories, tables) = shape(&out);
        // Four pages at most; a declared smaller maximum stays; never below the minimum.
        assert_eq!(memories, [Some(4), Some(3), Some(9)]);
        assert_eq!(tables, [Some(100), Some(50), Some(200)]);
    }

    #[test]
    fn an_invalid_module_is_left_for_the_engine_to_refuse() {
        for bad in [&b"not wasm"[..], &[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 0x7f][..]] {
            assert_eq!(rewrite(bad, &Rewrite { fuel: true, ..Default::default() }).unwrap(), bad);
        }
    }

    #[test]
    fn a_failed_charge_is_out_of_fuel_and_a_real_unreachable_is_not() {
        assert_eq!(classify(Trap::Wasm(TrapKind::Unreachable), -3), Trap::Wasm(TrapKind::OutOfFuel));
        assert_eq!(classify(Trap::Wasm(TrapKind::Unreachable), 0), Trap::Wasm(TrapKind::Unreachable));
        assert_eq!(classify(Trap::Exit(1), -3), Trap::Exit(1));
        assert_eq!(fuel_left(-3), 0);
    }
}
