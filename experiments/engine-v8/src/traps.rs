//! V8's trap messages (WebAssembly.RuntimeError) normalised into the lab's [`TrapKind`]. What cannot be
//! normalised: V8 reports `call_indirect` of a null table entry with the message of a signature
//! mismatch (V8 14: "function signature mismatch"; V8 11: "null function or function signature
//! mismatch", for both), so a null entry is `bad-signature` on V8 (wasmtime and wasmi:
//! `indirect-call-to-null`). Found by tests/engine_traps.rs of the lab; no matrix cell calls null.

use dylink::engine::Trap;
use dylink::TrapKind;

use crate::js::JsError;

/// Message (a prefix of V8's) -> trap kind, first match wins.
const MESSAGES: &[(&str, TrapKind)] = &[
    ("unreachable", TrapKind::Unreachable),
    ("memory access out of bounds", TrapKind::MemoryOutOfBounds),
    ("data segment out of bounds", TrapKind::MemoryOutOfBounds),
    ("divide by zero", TrapKind::IntegerDivisionByZero),
    ("remainder by zero", TrapKind::IntegerDivisionByZero),
    ("divide result unrepresentable", TrapKind::IntegerOverflow),
    ("float unrepresentable in integer range", TrapKind::BadConversionToInteger),
    ("table index is out of bounds", TrapKind::TableOutOfBounds),
    ("table access out of bounds", TrapKind::TableOutOfBounds),
    ("element segment out of bounds", TrapKind::TableOutOfBounds),
    // Also V8 11's "null function or function signature mismatch": one message for both.
    ("function signature mismatch", TrapKind::BadSignature),
    ("Maximum call stack size exceeded", TrapKind::StackOverflow),
];

/// The trap for an exception that ended guest code (a host function's own trap is handled before).
pub fn classify(e: &JsError) -> Trap {
    if e.name == "RuntimeError" || e.name == "RangeError" {
        if let Some((_, kind)) = MESSAGES.iter().find(|(m, _)| e.message.starts_with(m) || e.message.contains(m)) {
            return Trap::Wasm(*kind);
        }
        return Trap::Host(format!("V8 {}: {}", e.name, e.message));
    }
    Trap::Host(format!("V8 {}: {}", e.name, e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(name: &str, message: &str) -> JsError {
        JsError { name: name.into(), message: message.into(), code: String::new() }
    }

    #[test]
    fn v8_messages_map_to_the_lab_kinds() {
        assert_eq!(classify(&err("RuntimeError", "unreachable")), Trap::Wasm(TrapKind::Unreachable));
        assert_eq!(
            classify(&err("RuntimeError", "memory access out of bounds")),
            Trap::Wasm(TrapKind::MemoryOutOfBounds)
        );
        assert_eq!(
            classify(&err("RangeError", "Maximum call stack size exceeded")),
            Trap::Wasm(TrapKind::StackOverflow)
        );
        assert_eq!(
            classify(&err("RuntimeError", "null function or function signature mismatch")),
            Trap::Wasm(TrapKind::BadSignature)
        );
        assert_eq!(
            classify(&err("RuntimeError", "table index is out of bounds")),
            Trap::Wasm(TrapKind::TableOutOfBounds)
        );
        assert_eq!(classify(&err("RuntimeError", "function signature mismatch")), Trap::Wasm(TrapKind::BadSignature));
        assert!(matches!(classify(&err("TypeError", "x is not a function")), Trap::Host(m) if m.contains("TypeError")));
    }
}
