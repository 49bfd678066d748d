//! Parsing one conversion specification: flags, width, precision, length modifier, conversion.

use super::{unsupported, Flags, Length, VaArgs, MAX_FIELD, MAX_OUTPUT};
use dylink::engine::Trap;

/// One conversion specification, as parsed.
pub(super) struct Spec {
    pub(super) fl: Flags,
    pub(super) width: usize,
    pub(super) precision: Option<usize>,
    pub(super) length: Length,
    pub(super) conv: u8,
    /// Its text, from the `%` on, for messages.
    pub(super) text: String,
}

/// Parses the specification whose `%` is at `fmt[*i - 1]`, taking `*` arguments from `args`, and
/// checks its field against the limits (`out_len` bytes are already laid out). `Ok(None)`: invalid.
pub(super) fn spec(fmt: &[u8], i: &mut usize, args: &mut dyn VaArgs, out_len: usize) -> Result<Option<Spec>, Trap> {
    let start = *i - 1;
    // Positional arguments (%1$d): C has them, the subset does not.
    let digits = fmt[*i..].iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && fmt.get(*i + digits) == Some(&b'$') {
        return Err(unsupported("printf: positional arguments (%n$)"));
    }
    let mut fl = flags(fmt, i);
    let Some(width) = width(fmt, i, args, &mut fl)? else { return Ok(None) };
    let Some(precision) = precision(fmt, i, args)? else { return Ok(None) };
    check_field(out_len, width, precision)?;
    let length = length(fmt, i);
    let Some(&conv) = fmt.get(*i) else {
        return Ok(None);
    };
    *i += 1;
    let text = String::from_utf8_lossy(&fmt[start..*i]).into_owned();
    // - and 0 are mutually exclusive.
    if fl.left {
        fl.zero = false;
    }
    Ok(Some(Spec { fl, width, precision, length, conv, text }))
}

fn flags(fmt: &[u8], i: &mut usize) -> Flags {
    let mut fl = Flags::default();
    while let Some(&b) = fmt.get(*i) {
        match b {
            b'-' => fl.left = true,
            b'+' => fl.plus = true,
            b' ' => fl.space = true,
            b'#' => fl.alt = true,
            b'0' => fl.zero = true,
            b'\'' => {} // thousands grouping: nothing to group in the C locale
            _ => break,
        }
        *i += 1;
    }
    fl
}

/// The field width, literal or `*` (a negative `*` also sets `-`). `Ok(None)`: too large.
fn width(fmt: &[u8], i: &mut usize, args: &mut dyn VaArgs, fl: &mut Flags) -> Result<Option<usize>, Trap> {
    if fmt.get(*i) == Some(&b'*') {
        *i += 1;
        let w = args.next_u32()? as i32;
        if w < 0 {
            fl.left = true;
        }
        return Ok(Some(w.unsigned_abs() as usize));
    }
    Ok(number(fmt, i))
}

/// The precision after a `.`, literal or `*` (a negative `*` is none). `Ok(None)`: too large.
fn precision(fmt: &[u8], i: &mut usize, args: &mut dyn VaArgs) -> Result<Option<Option<usize>>, Trap> {
    if fmt.get(*i) != Some(&b'.') {
        return Ok(Some(None));
    }
    *i += 1;
    if fmt.get(*i) == Some(&b'*') {
        *i += 1;
        let p = args.next_u32()? as i32;
        return Ok(Some((p >= 0).then_some(p as usize)));
    }
    Ok(number(fmt, i).map(Some))
}

/// Refuses a field over [`MAX_FIELD`], or one that could take the output over [`MAX_OUTPUT`].
fn check_field(out_len: usize, width: usize, precision: Option<usize>) -> Result<(), Trap> {
    if width > MAX_FIELD || precision.is_some_and(|p| p > MAX_FIELD) {
        return Err(unsupported(format!("printf: a field wider than {MAX_FIELD} bytes")));
    }
    // Many wide fields add up: the whole output is bounded too, before the next field is laid out.
    if out_len + width.max(precision.unwrap_or(0)) > MAX_OUTPUT {
        return Err(Trap::Limit(
            dylink::LimitKind::HostBuffer,
            format!("printf: output of more than {MAX_OUTPUT} bytes in one call"),
        ));
    }
    Ok(())
}

fn length(fmt: &[u8], i: &mut usize) -> Length {
    let two = fmt.get(*i..*i + 2);
    let (len, n) = match (two, fmt.get(*i)) {
        (Some(b"hh"), _) => (Length::Hh, 2),
        (Some(b"ll"), _) => (Length::Ll, 2),
        (_, Some(b'h')) => (Length::H, 1),
        (_, Some(b'l')) => (Length::L, 1),
        (_, Some(b'j')) => (Length::J, 1),
        (_, Some(b'z')) => (Length::Z, 1),
        (_, Some(b't')) => (Length::T, 1),
        (_, Some(b'L')) => (Length::BigL, 1),
        _ => (Length::None, 0),
    };
    *i += n;
    len
}

/// A decimal number at `fmt[*i..]` (empty is 0); `None` past `i32::MAX`.
fn number(fmt: &[u8], i: &mut usize) -> Option<usize> {
    let mut n: usize = 0;
    while let Some(&d) = fmt.get(*i).filter(|b| b.is_ascii_digit()) {
        n = n.checked_mul(10)?.checked_add((d - b'0') as usize)?;
        if n > i32::MAX as usize {
            return None;
        }
        *i += 1;
    }
    Some(n)
}
