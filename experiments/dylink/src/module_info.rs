//! What the linker needs to know about a module before instantiating it, read with wasmparser:
//! its imports (with types), its exports, and its `dylink.0` section.

use wasmparser::{
    Dylink0Subsection, ExternalKind, KnownCustom, Parser, Payload, SymbolFlags, TypeRef, ValType as WpValType,
};

use crate::engine::{FuncType, ValType};

#[derive(Clone, Debug, PartialEq)]
pub enum ImportKind {
    Func(FuncType),
    Table { min: u64 },
    Memory { min: u64, shared: bool },
    Global { ty: ValType, mutable: bool },
    Other,
}

#[derive(Clone, Debug)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub kind: ImportKind,
    /// From dylink.0 import info: a weak import may stay unresolved (its address is 0).
    pub weak: bool,
}

#[derive(Clone, Debug)]
pub struct Export {
    pub name: String,
    pub kind: ExportKind,
    /// For functions: the signature.
    pub func_type: Option<FuncType>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Func,
    Table,
    Memory,
    Global,
    Other,
}

/// The `dylink.0` section of a side module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dylink {
    pub mem_size: u32,
    /// log2 of the required alignment.
    pub mem_align: u32,
    pub table_size: u32,
    pub table_align: u32,
    pub needed: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct ModuleInfo {
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub dylink: Option<Dylink>,
}

impl ModuleInfo {
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }
}

fn val_type(t: WpValType) -> ValType {
    match t {
        WpValType::I32 => ValType::I32,
        WpValType::I64 => ValType::I64,
        WpValType::F32 => ValType::F32,
        WpValType::F64 => ValType::F64,
        WpValType::V128 => ValType::V128,
        WpValType::Ref(r) if r.is_func_ref() => ValType::FuncRef,
        WpValType::Ref(_) => ValType::ExternRef,
    }
}

/// Parses a module. Fails on anything that is not a well-formed module header and sections;
/// full validation is the engine's job at compile time.
pub fn parse(bytes: &[u8]) -> anyhow::Result<ModuleInfo> {
    if bytes.len() < 8 || &bytes[0..4] != b"\0asm" {
        anyhow::bail!("not a WebAssembly module (bad magic number)");
    }
    from_payloads(Parser::new(0).parse_all(bytes))
}

/// What [`parse`] collects, from a module's payloads.
fn from_payloads<'a>(payloads: impl Iterator<Item = wasmparser::Result<Payload<'a>>>) -> anyhow::Result<ModuleInfo> {
    let mut s = Sections::default();
    for payload in payloads {
        match payload? {
            Payload::TypeSection(reader) => s.types(reader)?,
            Payload::ImportSection(reader) => s.imports(reader)?,
            Payload::FunctionSection(reader) => {
                for f in reader {
                    s.func_types.push(f?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    s.raw_exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CustomSection(reader) => {
                if let KnownCustom::Dylink0(sub) = reader.as_known() {
                    s.dylink = Some(dylink0(sub, &mut s.weak_imports)?);
                }
            }
            _ => {}
        }
    }
    Ok(s.finish())
}

/// The sections' contents as [`from_payloads`] reads them, before imports and exports are resolved.
#[derive(Default)]
struct Sections {
    types: Vec<FuncType>,
    imports: Vec<Import>,
    /// The type index of every function, imported ones first.
    func_types: Vec<u32>,
    raw_exports: Vec<(String, ExternalKind, u32)>,
    dylink: Option<Dylink>,
    /// (module, field) of the imports dylink.0 marks weak.
    weak_imports: Vec<(String, String)>,
}

impl Sections {
    fn types(&mut self, reader: wasmparser::TypeSectionReader) -> anyhow::Result<()> {
        for ft in reader.into_iter_err_on_gc_types() {
            let ft = ft?;
            self.types.push(FuncType::new(
                ft.params().iter().copied().map(val_type).collect::<Vec<_>>(),
                ft.results().iter().copied().map(val_type).collect::<Vec<_>>(),
            ));
        }
        Ok(())
    }

    fn imports(&mut self, reader: wasmparser::ImportSectionReader) -> anyhow::Result<()> {
        for import in reader.into_imports() {
            let import = import?;
            let kind = match import.ty {
                TypeRef::Func(i) | TypeRef::FuncExact(i) => {
                    self.func_types.push(i);
                    ImportKind::Func(self.types.get(i as usize).cloned().unwrap_or_default())
                }
                TypeRef::Table(t) => ImportKind::Table { min: t.initial },
                TypeRef::Memory(m) => ImportKind::Memory { min: m.initial, shared: m.shared },
                TypeRef::Global(g) => ImportKind::Global { ty: val_type(g.content_type), mutable: g.mutable },
                TypeRef::Tag(_) => ImportKind::Other,
            };
            self.imports.push(Import { module: import.module.into(), name: import.name.into(), kind, weak: false });
        }
        Ok(())
    }

    /// The module's info: weak flags on the imports, types on the exported functions.
    fn finish(self) -> ModuleInfo {
        let Sections { types, mut imports, func_types, raw_exports, dylink, weak_imports } = self;
        // import_info names the symbol (`env.f`); the import itself may be its GOT entry (`GOT.func.f`).
        for imp in &mut imports {
            let got = imp.module == "GOT.func" || imp.module == "GOT.mem";
            imp.weak = weak_imports.iter().any(|(m, n)| *n == imp.name && (*m == imp.module || got));
        }
        let exports = raw_exports
            .into_iter()
            .map(|(name, kind, index)| {
                let (kind, func_type) = match kind {
                    ExternalKind::Func | ExternalKind::FuncExact => {
                        (ExportKind::Func, func_types.get(index as usize).and_then(|t| types.get(*t as usize)).cloned())
                    }
                    ExternalKind::Table => (ExportKind::Table, None),
                    ExternalKind::Memory => (ExportKind::Memory, None),
                    ExternalKind::Global => (ExportKind::Global, None),
                    _ => (ExportKind::Other, None),
                };
                Export { name, kind, func_type }
            })
            .collect();
        ModuleInfo { imports, exports, dylink }
    }
}

/// A `dylink.0` section; the imports it marks weak are added to `weak_imports`.
fn dylink0(sub: wasmparser::Dylink0SectionReader, weak_imports: &mut Vec<(String, String)>) -> anyhow::Result<Dylink> {
    let mut d = Dylink::default();
    for s in sub {
        match s? {
            Dylink0Subsection::MemInfo(m) => {
                d.mem_size = m.memory_size;
                d.mem_align = m.memory_alignment;
                d.table_size = m.table_size;
                d.table_align = m.table_alignment;
            }
            Dylink0Subsection::Needed(n) => d.needed.extend(n.iter().map(|s| s.to_string())),
            Dylink0Subsection::ImportInfo(infos) => {
                for i in infos {
                    if i.flags.contains(SymbolFlags::BINDING_WEAK) {
                        weak_imports.push((i.module.to_string(), i.field.to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(d)
}

/// [`parse`] of a module file read only up to its code or data section, which come last: the
/// imports, exports and dylink.0 that the placements' checks read, without reading the file's code
/// and data (h-huge-write's 64 MiB of zeros were read whole, three times per cell, for its imports).
pub fn parse_head(path: &std::path::Path) -> anyhow::Result<ModuleInfo> {
    use std::io::Read;
    const CODE: u8 = 10;
    const DATA: u8 = 11;
    let mut file = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut head = vec![0; 8];
    file.read_exact(&mut head)?;
    let mut id = [0u8];
    while file.read(&mut id)? == 1 && !matches!(id[0], CODE | DATA) {
        head.push(id[0]);
        let size = read_leb_u32(&mut file, &mut head)?;
        let start = head.len();
        (&mut file).take(u64::from(size)).read_to_end(&mut head)?;
        anyhow::ensure!(head.len() - start == size as usize, "section {} ends past the end of the file", id[0]);
    }
    anyhow::ensure!(&head[0..4] == b"\0asm", "not a WebAssembly module (bad magic number)");
    // Parsed as a prefix (more data to come): the end checks of a whole module (a function section
    // without its code section) do not apply.
    let (mut parser, mut rest) = (Parser::new(0), &head[..]);
    from_payloads(std::iter::from_fn(|| match parser.parse(rest, false) {
        Ok(wasmparser::Chunk::Parsed { consumed, payload }) => {
            rest = &rest[consumed..];
            Some(Ok(payload))
        }
        Ok(wasmparser::Chunk::NeedMoreData(_)) => None,
        Err(e) => Some(Err(e)),
    }))
}

/// Reads an unsigned LEB128 of at most 5 bytes, copying its bytes to `out`.
fn read_leb_u32(r: &mut impl std::io::Read, out: &mut Vec<u8>) -> anyhow::Result<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let mut b = [0u8];
        r.read_exact(&mut b)?;
        out.push(b[0]);
        value |= u32::from(b[0] & 0x7f).checked_shl(shift).unwrap_or(0);
        if b[0] & 0x80 == 0 {
            return Ok(value);
        }
    }
    anyhow::bail!("a section size longer than 5 bytes")
}

#[cfg(test)]
mod head_tests {
    use super::*;

    #[test]
    fn the_head_of_a_file_says_what_the_whole_module_says() {
        let wat = r#"(module
            (import "env" "memory" (memory 1 1 shared))
            (import "env" "f" (func $f (param i32) (result i32)))
            (func (export "g") (param i32) (result i32) local.get 0 call $f)
            (global (export "answer") i32 (i32.const 42))
            (data (i32.const 0) "a large data section that the head never reads"))"#;
        let bytes = wat::parse_str(wat).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.wasm");
        std::fs::write(&path, &bytes).unwrap();
        let (head, whole) = (parse_head(&path).unwrap(), parse(&bytes).unwrap());
        assert_eq!(format!("{:?}", head.imports), format!("{:?}", whole.imports));
        assert_eq!(format!("{:?}", head.exports), format!("{:?}", whole.exports));
        assert_eq!(head.imports.len(), 2);
        assert_eq!(head.exports.len(), 2);
        // A section that claims more bytes than the file has is an error, not a long read.
        std::fs::write(&path, [&bytes[..8], &[1, 0xff, 0xff, 0x03, 0x60]].concat()).unwrap();
        assert!(parse_head(&path).unwrap_err().to_string().contains("past the end of the file"));
    }
}
