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
    let mut types: Vec<FuncType> = Vec::new();
    let mut imports = Vec::new();
    let mut func_types: Vec<u32> = Vec::new();
    let mut raw_exports = Vec::new();
    let mut dylink: Option<Dylink> = None;
    let mut weak_imports: Vec<(String, String)> = Vec::new();

    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ft in reader.into_iter_err_on_gc_types() {
                    let ft = ft?;
                    types.push(FuncType::new(
                        ft.params().iter().copied().map(val_type).collect::<Vec<_>>(),
                        ft.results().iter().copied().map(val_type).collect::<Vec<_>>(),
                    ));
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(i) | TypeRef::FuncExact(i) => {
                            func_types.push(i);
                            ImportKind::Func(types.get(i as usize).cloned().unwrap_or_default())
                        }
                        TypeRef::Table(t) => ImportKind::Table { min: t.initial },
                        TypeRef::Memory(m) => ImportKind::Memory { min: m.initial, shared: m.shared },
                        TypeRef::Global(g) => ImportKind::Global { ty: val_type(g.content_type), mutable: g.mutable },
                        TypeRef::Tag(_) => ImportKind::Other,
                    };
                    imports.push(Import { module: import.module.into(), name: import.name.into(), kind, weak: false });
                }
            }
            Payload::FunctionSection(reader) => {
                for f in reader {
                    func_types.push(f?);
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    raw_exports.push((e.name.to_string(), e.kind, e.index));
                }
            }
            Payload::CustomSection(reader) => {
                if let KnownCustom::Dylink0(sub) = reader.as_known() {
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
                    dylink = Some(d);
                }
            }
            _ => {}
        }
    }
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
    Ok(ModuleInfo { imports, exports, dylink })
}
