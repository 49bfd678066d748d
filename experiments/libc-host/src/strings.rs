//! String helpers with C semantics: comparison, strto*, strerror's texts.

use super::*;

/// strcmp/strncmp over strings already cut at their NUL (or at `n`): musl's byte difference.
pub(crate) fn compare(x: &[u8], y: &[u8], n: usize) -> i32 {
    for i in 0..n {
        let (p, q) = (x.get(i).copied().unwrap_or(0), y.get(i).copied().unwrap_or(0));
        if p != q || p == 0 {
            return p as i32 - q as i32;
        }
    }
    0
}

pub(crate) struct Parsed {
    pub(crate) value: u64,
    /// Bytes consumed (0 when no digits: endptr is the string itself).
    pub(crate) end: usize,
    pub(crate) errno: Option<i32>,
}

/// C's strtol family over `s`: whitespace, a sign, a base prefix, digits; saturating with ERANGE.
pub(crate) fn strto(s: &[u8], base: i32, signed: bool, bits: u32) -> Parsed {
    if base < 0 || base == 1 || base > 36 {
        return Parsed { value: 0, end: 0, errno: Some(EINVAL) };
    }
    let mut i = s.iter().take_while(|&&c| c == b' ' || (b'\t'..=b'\r').contains(&c)).count();
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digit = |c: Option<&u8>| -> Option<u32> { c.and_then(|c| (*c as char).to_digit(36)) };
    let mut base = base as u32;
    let hex_prefix = s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && digit(s.get(i + 2)).is_some_and(|d| d < 16);
    if (base == 0 || base == 16) && hex_prefix {
        base = 16;
        i += 2;
    } else if base == 0 {
        base = if s.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    let mut acc: u128 = 0;
    while let Some(d) = digit(s.get(i)).filter(|&d| d < base) {
        acc = (acc * base as u128 + d as u128).min(u64::MAX as u128 + 1);
        i += 1;
    }
    if i == start {
        return Parsed { value: 0, end: 0, errno: None };
    }
    let (value, errno) = saturate(acc, neg, signed, bits);
    Parsed { value, end: i, errno }
}

/// The magnitude `acc` (at most 2^64) with its sign as a `bits`-bit C value: saturated with ERANGE
/// past the type's range; unsigned negation wraps as in C.
fn saturate(acc: u128, neg: bool, signed: bool, bits: u32) -> (u64, Option<i32>) {
    let umax: u128 = if bits == 32 { u32::MAX as u128 } else { u64::MAX as u128 };
    if signed {
        let max = umax >> 1;
        if neg && acc > max + 1 {
            ((max + 1).wrapping_neg() as u64, Some(ERANGE))
        } else if !neg && acc > max {
            (max as u64, Some(ERANGE))
        } else if neg {
            ((acc as u64).wrapping_neg(), None)
        } else {
            (acc as u64, None)
        }
    } else if acc > umax {
        (umax as u64, Some(ERANGE))
    } else if neg {
        ((acc as u64).wrapping_neg() & umax as u64, None)
    } else {
        (acc as u64, None)
    }
}

/// wasi-libc's `strerror` messages, indexed by its (WASI) errno values.
const MESSAGES: [&str; 77] = [
    "Success",
    "Argument list too long",
    "Permission denied",
    "Address in use",
    "Address not available",
    "Address family not supported by protocol",
    "Resource temporarily unavailable",
    "Operation already in progress",
    "Bad file descriptor",
    "Bad message",
    "Resource busy",
    "Operation canceled",
    "No child process",
    "Connection aborted",
    "Connection refused",
    "Connection reset by peer",
    "Resource deadlock would occur",
    "Destination address required",
    "Domain error",
    "Quota exceeded",
    "File exists",
    "Bad address",
    "File too large",
    "Host is unreachable",
    "Identifier removed",
    "Illegal byte sequence",
    "Operation in progress",
    "Interrupted system call",
    "Invalid argument",
    "I/O error",
    "Socket is connected",
    "Is a directory",
    "Symbolic link loop",
    "No file descriptors available",
    "Too many links",
    "Message too large",
    "Multihop attempted",
    "Filename too long",
    "Network is down",
    "Connection reset by network",
    "Network unreachable",
    "Too many open files in system",
    "No buffer space available",
    "No such device",
    "No such file or directory",
    "Exec format error",
    "No locks available",
    "Link has been severed",
    "Out of memory",
    "No message of desired type",
    "Protocol not available",
    "No space left on device",
    "Function not implemented",
    "Socket not connected",
    "Not a directory",
    "Directory not empty",
    "State not recoverable",
    "Not a socket",
    "Not supported",
    "Not a tty",
    "No such device or address",
    "Value too large for data type",
    "Previous owner died",
    "Operation not permitted",
    "Broken pipe",
    "Protocol error",
    "Protocol not supported",
    "Protocol wrong type for socket",
    "Result not representable",
    "Read-only file system",
    "Invalid seek",
    "No such process",
    "Stale file handle",
    "Operation timed out",
    "Text file busy",
    "Cross-device link",
    "Capabilities insufficient",
];

/// wasi-libc's `strerror` message of errno `e`; unknown values read "Success" as there.
pub(crate) fn strerror_message(e: i32) -> &'static str {
    usize::try_from(e).ok().and_then(|i| MESSAGES.get(i)).copied().unwrap_or(MESSAGES[0])
}
