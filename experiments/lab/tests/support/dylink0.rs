//! The one dylink.0 encoder of the lab's tests (tool-conventions DynamicLinking.md): a payload of
//! subsections, as bytes or as a WAT `(@custom ...)` string.

use wasm_encoder::Encode;

/// WASM_DYLINK_MEM_INFO: data size and alignment (log2), table size and alignment (log2).
#[derive(Clone, Copy, Debug, Default)]
pub struct MemInfo {
    pub mem_size: u32,
    pub mem_align: u32,
    pub table_size: u32,
    pub table_align: u32,
}

const MEM_INFO: u8 = 1;
const NEEDED: u8 = 2;

/// The payload: MEM_INFO, then NEEDED when `needed` names any module.
pub fn payload(mem: MemInfo, needed: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut body = Vec::new();
    for v in [mem.mem_size, mem.mem_align, mem.table_size, mem.table_align] {
        v.encode(&mut body);
    }
    subsection(&mut out, MEM_INFO, &body);
    if !needed.is_empty() {
        let mut body = Vec::new();
        needed.len().encode(&mut body);
        for name in needed {
            name.as_str().encode(&mut body);
        }
        subsection(&mut out, NEEDED, &body);
    }
    out
}

fn subsection(out: &mut Vec<u8>, id: u8, body: &[u8]) {
    out.push(id);
    body.len().encode(out);
    out.extend(body);
}

/// `(@custom "dylink.0" (before first) "...")`, for a WAT module text.
#[allow(dead_code)] // each test crate uses its part
pub fn wat(payload: &[u8]) -> String {
    let escaped: String = payload.iter().map(|b| format!("\\{b:02x}")).collect();
    format!("(@custom \"dylink.0\" (before first) \"{escaped}\")")
}
