//! Callgrind client requests (valgrind.h / callgrind.h, written out for x86-64): a special no-op
//! instruction sequence that valgrind recognises. Outside valgrind each request does nothing and
//! returns its default; on other architectures they do nothing at all.

use std::ffi::CString;

/// `VG_USERREQ_TOOL_BASE('C', 'T')`: callgrind's requests, in callgrind.h's order.
const CALLGRIND_BASE: u64 = ((b'C' as u64) << 24) | ((b'T' as u64) << 16);
const ZERO_STATS: u64 = CALLGRIND_BASE + 1;
const DUMP_STATS_AT: u64 = CALLGRIND_BASE + 3;
const START_INSTRUMENTATION: u64 = CALLGRIND_BASE + 4;
const STOP_INSTRUMENTATION: u64 = CALLGRIND_BASE + 5;
/// `VG_USERREQ__RUNNING_ON_VALGRIND` (a core request).
const RUNNING_ON_VALGRIND: u64 = 0x1001;

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn request(code: u64, arg: u64, default: u64) -> u64 {
    let args: [u64; 6] = [code, arg, 0, 0, 0, 0];
    let mut result = default;
    // Safety: the rotations of rdi add up to 128 bits (rdi unchanged) and `xchg rbx, rbx` is a
    // no-op; valgrind's JIT replaces the sequence and reads `args` through rax, writes rdx.
    unsafe {
        core::arch::asm!(
            "rol rdi, 3",
            "rol rdi, 13",
            "rol rdi, 61",
            "rol rdi, 51",
            "xchg rbx, rbx",
            in("rax") args.as_ptr(),
            inout("rdx") result,
            inout("rdi") 0u64 => _,
            options(nostack),
        );
    }
    result
}

#[cfg(not(target_arch = "x86_64"))]
fn request(_code: u64, _arg: u64, default: u64) -> u64 {
    default
}

/// Whether this process runs under valgrind (always false off x86-64).
pub fn running_on_valgrind() -> bool {
    request(RUNNING_ON_VALGRIND, 0, 0) != 0
}

/// Zeroes callgrind's event counters.
#[inline(always)]
pub fn zero_stats() {
    request(ZERO_STATS, 0, 0);
}

/// Writes the counters to a new dump file whose `desc: Trigger:` line names `label`.
#[inline(always)]
pub fn dump_stats_at(label: &CString) {
    request(DUMP_STATS_AT, label.as_ptr() as u64, 0);
}

/// Instrumentation on (callgrind then counts; run with `--instr-atstart=no` for it to start off).
pub fn start_instrumentation() {
    request(START_INSTRUMENTATION, 0, 0);
}

/// Instrumentation off: set-up runs at valgrind's uninstrumented speed and is never counted.
pub fn stop_instrumentation() {
    request(STOP_INSTRUMENTATION, 0, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outside valgrind every request must be a no-op that returns its default (cargo test does not
    /// run under valgrind; the counting test in tests/counts.rs covers the other side).
    #[test]
    fn requests_are_no_ops_outside_valgrind() {
        assert!(!running_on_valgrind());
        assert_eq!(request(ZERO_STATS, 0, 42), 42);
        zero_stats();
        dump_stats_at(&CString::new("x").unwrap());
        start_instrumentation();
        stop_instrumentation();
    }
}
