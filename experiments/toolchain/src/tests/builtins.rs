//! Side modules carry the compiler-rt helpers they call (issue 13.1g).

use std::fs;

use super::*;

/// Names of the functions the module imports.
fn imported_functions(module: &Path) -> Vec<String> {
    let bytes = fs::read(module).unwrap();
    let mut names = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let wasmparser::Payload::ImportSection(reader) = payload.unwrap() {
            for import in reader.into_imports() {
                let import = import.unwrap();
                if matches!(import.ty, wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)) {
                    names.push(import.name.to_string());
                }
            }
        }
    }
    names
}

#[test]
fn long_double_helpers_are_linked_into_side_modules() {
    let f = Fixture::new();
    let src = f.write(
        "src/ld.c",
        "long double widen(unsigned long long x) { return x; }\n\
         unsigned long long narrow(long double x) { return x; }\n\
         long double times(long double a, long double b) { return a * b; }\n\
         int puts(const char *);\nvoid hello(void) { puts(\"hi\"); }\n",
    );
    let out = f.tc.side_module(&[src], &[]).unwrap();
    let imports = imported_functions(&out);
    for helper in ["__floatunditf", "__fixunstfdi", "__multf3"] {
        assert!(!imports.iter().any(|n| n == helper), "{helper} is imported: {imports:?}");
    }
    // Only the builtins are linked in: libc calls stay imports.
    assert!(imports.iter().any(|n| n == "puts"), "{imports:?}");
}
