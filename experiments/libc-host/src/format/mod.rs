//! C `printf` formatting for the host libc, following wasi-libc (musl) output exactly for the
//! conversions it accepts: `d i u o x X c s p f F e E g G %`, the flags `- + space # 0 '`, width and
//! precision (literal or `*`) and the length modifiers `hh h l ll j z t`.
//!
//! No crate fits: `sprintf` 0.4 ignores length modifiers and integer precision, treats strings as
//! UTF-8 and rounds `%.0f` of 2.5 to "3"; `printf-compat` needs a native `VaList` (nightly
//! `c_variadic`). Digit generation for floating point is Rust's own exact, correctly rounded
//! formatting (`{:.N}`, `{:.Ne}`), which agrees with musl's; this module only lays the digits out.
//!
//! Conversions C has but this subset does not (`%a`, `%n`, `%m`, `%lc`, `%ls`, `%L` long double,
//! positional `%1$d`) stop the run as [`Trap::Unsupported`]; a format C itself rejects (`%y`, `%hf`)
//! gives `None`, which the caller turns into C's `-1`.

mod spec;

use dylink::engine::Trap;
use spec::{spec, Spec};

/// Where conversions take their arguments from: the wasm32 va_list in linear memory (each argument
/// aligned to its size, at least 4; floats promoted to double), or a test's list.
pub trait VaArgs {
    /// The next 4-byte argument: int (also char and short, promoted), long, size_t, a pointer.
    fn next_u32(&mut self) -> Result<u32, Trap>;
    /// The next 8-byte integer argument: long long, intmax_t.
    fn next_u64(&mut self) -> Result<u64, Trap>;
    /// The next double.
    fn next_f64(&mut self) -> Result<f64, Trap>;
    /// The bytes of the NUL-terminated string at `addr` (not 0), at most `max` of them.
    fn string(&mut self, addr: u32, max: Option<usize>) -> Result<Vec<u8>, Trap>;
}

/// Fields wider or more precise than this are refused as unsupported rather than materialised.
const MAX_FIELD: usize = 1 << 24;
/// What one call may produce in all (the host builds it before writing it anywhere).
pub const MAX_OUTPUT: usize = 1 << 25;

#[derive(Clone, Copy, Default)]
struct Flags {
    left: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Length {
    None,
    Hh,
    H,
    L,
    Ll,
    J,
    Z,
    T,
    BigL,
}

fn unsupported(what: impl Into<String>) -> Trap {
    Trap::Unsupported(what.into())
}

/// Formats `fmt` with arguments from `args`. `Ok(None)`: an invalid format (C returns -1, EINVAL).
pub fn format(fmt: &[u8], args: &mut dyn VaArgs) -> Result<Option<Vec<u8>>, Trap> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            out.push(b'%');
            i += 1;
            continue;
        }
        let Some(spec) = spec(fmt, &mut i, args, out.len())? else { return Ok(None) };
        if convert(&mut out, spec, args)?.is_none() {
            return Ok(None);
        }
    }
    Ok(Some(out))
}

/// Lays out one conversion into `out`. `Ok(None)`: a conversion C rejects.
fn convert(out: &mut Vec<u8>, s: Spec, args: &mut dyn VaArgs) -> Result<Option<()>, Trap> {
    let spec = &s.text;
    match s.conv {
        b'd' | b'i' | b'u' | b'o' | b'x' | b'X' | b'p' => return int_conv(out, &s, args),
        b'c' => return char_conv(out, s, args),
        b's' => return string_conv(out, s, args),
        b'f' | b'F' | b'e' | b'E' | b'g' | b'G' => {
            match s.length {
                Length::None | Length::L => {}
                Length::BigL => return Err(unsupported(format!("printf: long double conversion `{spec}`"))),
                _ => return Ok(None),
            }
            let x = args.next_f64()?;
            float(out, s.conv, x, s.fl, s.width, s.precision);
        }
        b'a' | b'A' => return Err(unsupported(format!("printf: hexadecimal floating point `{spec}`"))),
        b'n' => return Err(unsupported(format!("printf: `{spec}` (writes the count to memory)"))),
        b'm' => return Err(unsupported(format!("printf: `{spec}` (strerror of errno)"))),
        b'C' | b'S' => return Err(unsupported(format!("printf: wide conversion `{spec}`"))),
        _ => return Ok(None),
    }
    Ok(Some(()))
}

/// `d i u o x X p`.
fn int_conv(out: &mut Vec<u8>, s: &Spec, args: &mut dyn VaArgs) -> Result<Option<()>, Trap> {
    let conv = s.conv;
    let value: u64 = match (conv, s.length) {
        (b'p', Length::None) => args.next_u32()? as u64,
        (b'p', _) | (_, Length::BigL) => return Ok(None),
        (_, Length::Ll | Length::J) => args.next_u64()?,
        _ => args.next_u32()? as u64,
    };
    let signed = matches!(conv, b'd' | b'i');
    // Narrow to the argument's C type, then widen with its signedness.
    let (neg, mag) = match s.length {
        Length::Hh if signed => split(value as u8 as i8 as i64),
        Length::Hh => (false, value as u8 as u64),
        Length::H if signed => split(value as u16 as i16 as i64),
        Length::H => (false, value as u16 as u64),
        Length::Ll | Length::J if signed => split(value as i64),
        Length::Ll | Length::J => (false, value),
        _ if signed => split(value as u32 as i32 as i64),
        _ => (false, value as u32 as u64),
    };
    integer(out, conv, neg, mag, s.fl, s.width, s.precision);
    Ok(Some(()))
}

/// `c`.
fn char_conv(out: &mut Vec<u8>, mut s: Spec, args: &mut dyn VaArgs) -> Result<Option<()>, Trap> {
    if s.length == Length::L {
        return Err(unsupported(format!("printf: wide character conversion `{}`", s.text)));
    }
    if s.length != Length::None {
        return Ok(None);
    }
    let byte = args.next_u32()? as u8;
    s.fl.zero = false;
    pad(out, b"", &[byte], 1, s.width, s.fl);
    Ok(Some(()))
}

/// `s`: `(null)` for a null pointer, at most `precision` bytes.
fn string_conv(out: &mut Vec<u8>, mut s: Spec, args: &mut dyn VaArgs) -> Result<Option<()>, Trap> {
    if s.length == Length::L {
        return Err(unsupported(format!("printf: wide string conversion `{}`", s.text)));
    }
    if s.length != Length::None {
        return Ok(None);
    }
    let precision = s.precision;
    let addr = args.next_u32()?;
    let mut bytes = if addr == 0 { b"(null)".to_vec() } else { args.string(addr, precision)? };
    if let Some(p) = precision {
        bytes.truncate(p);
    }
    s.fl.zero = false;
    let n = bytes.len();
    pad(out, b"", &bytes, n, s.width, s.fl);
    Ok(Some(()))
}

fn split(v: i64) -> (bool, u64) {
    (v < 0, v.unsigned_abs())
}

/// Lays out `prefix` (sign or 0x) and `body` padded with zeros to `min` bytes, in a field of `width`.
fn pad(out: &mut Vec<u8>, prefix: &[u8], body: &[u8], min: usize, width: usize, fl: Flags) {
    let len = prefix.len() + min.max(body.len());
    let fill = width.saturating_sub(len);
    if !fl.left && !fl.zero {
        out.resize(out.len() + fill, b' ');
    }
    out.extend_from_slice(prefix);
    if fl.zero {
        out.resize(out.len() + fill, b'0');
    }
    out.resize(out.len() + min.saturating_sub(body.len()), b'0');
    out.extend_from_slice(body);
    if fl.left {
        out.resize(out.len() + fill, b' ');
    }
}

fn integer(out: &mut Vec<u8>, conv: u8, neg: bool, mag: u64, mut fl: Flags, width: usize, precision: Option<usize>) {
    let (base, upper) = match conv {
        b'o' => (8, false),
        b'x' | b'p' => (16, false),
        b'X' => (16, true),
        _ => (10, false),
    };
    // `%p` is `%#x` in wasi-libc: "0x1234", and "0" for NULL.
    if conv == b'p' {
        fl.alt = true;
    }
    let mut digits = Vec::new();
    let mut m = mag;
    while m > 0 {
        let d = (m % base) as u8;
        digits.push(if d < 10 {
            b'0' + d
        } else if upper {
            b'A' + d - 10
        } else {
            b'a' + d - 10
        });
        m /= base;
    }
    digits.reverse();
    let prefix: &[u8] = match conv {
        b'd' | b'i' if neg => b"-",
        b'd' | b'i' if fl.plus => b"+",
        b'd' | b'i' if fl.space => b" ",
        b'x' | b'p' if fl.alt && mag != 0 => b"0x",
        b'X' if fl.alt && mag != 0 => b"0X",
        _ => b"",
    };
    // A precision turns the 0 flag off; `%#o` makes the first digit a 0.
    if precision.is_some() {
        fl.zero = false;
    }
    let mut p = precision.unwrap_or(0);
    if conv == b'o' && fl.alt && p < digits.len() + 1 {
        p = digits.len() + 1;
    }
    let min = if mag == 0 && p == 0 && precision.is_some() { 0 } else { p.max(digits.len() + (mag == 0) as usize) };
    pad(out, prefix, &digits, min, width, fl);
}

/// `x` in `%e` style with `p` digits after the point: mantissa, `e`, sign, at least two exponent digits.
fn exp_style(x: f64, p: usize, alt: bool) -> (String, i32) {
    let s = format!("{x:.p$e}");
    let (mantissa, exp) = s.split_once('e').expect("Rust's {:e} has an exponent");
    let exp: i32 = exp.parse().expect("Rust's exponent is an integer");
    let mut out = mantissa.to_string();
    if alt && !out.contains('.') {
        out.push('.');
    }
    out.push('e');
    out.push(if exp < 0 { '-' } else { '+' });
    out.push_str(&format!("{:02}", exp.unsigned_abs()));
    (out, exp)
}

fn float(out: &mut Vec<u8>, conv: u8, x: f64, mut fl: Flags, width: usize, precision: Option<usize>) {
    let upper = conv.is_ascii_uppercase();
    let prefix: &[u8] = if x.is_sign_negative() {
        b"-"
    } else if fl.plus {
        b"+"
    } else if fl.space {
        b" "
    } else {
        b""
    };
    let a = x.abs();
    if !a.is_finite() {
        let body = match (a.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        };
        fl.zero = false;
        pad(out, prefix, body.as_bytes(), 0, width, fl);
        return;
    }
    let p = precision.unwrap_or(6);
    let mut body = match conv.to_ascii_lowercase() {
        b'f' => {
            let mut s = format!("{a:.p$}");
            if fl.alt && p == 0 {
                s.push('.');
            }
            s
        }
        b'e' => exp_style(a, p, fl.alt).0,
        _ => g_style(a, p, fl.alt),
    };
    if upper {
        body = body.to_ascii_uppercase();
    }
    pad(out, prefix, body.as_bytes(), 0, width, fl);
}

/// `a` (finite, not negative) in `%g` style with precision `p`.
fn g_style(a: f64, p: usize, alt: bool) -> String {
    // %g: the style of %e with P-1 digits decides; P significant digits either way.
    let big_p = p.max(1);
    let (e_form, x_exp) = exp_style(a, big_p - 1, alt);
    let mut s = if (big_p as i64) > x_exp as i64 && x_exp >= -4 {
        let fp = (big_p as i64 - 1 - x_exp as i64) as usize;
        let mut f = format!("{a:.fp$}");
        if alt && fp == 0 {
            f.push('.');
        }
        f
    } else {
        e_form
    };
    if !alt {
        let (num, exp) = match s.find('e') {
            Some(k) => (s[..k].to_string(), s[k..].to_string()),
            None => (s.clone(), String::new()),
        };
        let num = if num.contains('.') { num.trim_end_matches('0').trim_end_matches('.').to_string() } else { num };
        s = num + &exp;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Arguments as a test gives them, typed like C's promoted varargs.
    enum Arg {
        I(u32),
        L(u64),
        D(f64),
        S(Option<Vec<u8>>),
    }

    struct List(std::vec::IntoIter<Arg>);

    impl VaArgs for List {
        fn next_u32(&mut self) -> Result<u32, Trap> {
            match self.0.next() {
                Some(Arg::I(v)) => Ok(v),
                // A string argument is a pointer: a dummy address the test's `string` ignores.
                Some(Arg::S(Some(_))) => Ok(0x1000),
                Some(Arg::S(None)) => Ok(0),
                _ => Err(Trap::Host("wrong argument type".into())),
            }
        }
        fn next_u64(&mut self) -> Result<u64, Trap> {
            match self.0.next() {
                Some(Arg::L(v)) => Ok(v),
                _ => Err(Trap::Host("wrong argument type".into())),
            }
        }
        fn next_f64(&mut self) -> Result<f64, Trap> {
            match self.0.next() {
                Some(Arg::D(v)) => Ok(v),
                _ => Err(Trap::Host("wrong argument type".into())),
            }
        }
        fn string(&mut self, _addr: u32, _max: Option<usize>) -> Result<Vec<u8>, Trap> {
            Err(Trap::Host("string() is answered by the table's own strings".into()))
        }
    }

    /// A list whose strings are served by `string`: the last string argument fetched by next_u32.
    struct WithStrings {
        args: Vec<Arg>,
        at: usize,
        last: Vec<u8>,
    }

    impl VaArgs for WithStrings {
        fn next_u32(&mut self) -> Result<u32, Trap> {
            let a = self.args.get(self.at).ok_or_else(|| Trap::Host("too few arguments".into()))?;
            self.at += 1;
            match a {
                Arg::I(v) => Ok(*v),
                Arg::S(Some(s)) => {
                    self.last = s.clone();
                    Ok(0x1000)
                }
                Arg::S(None) => Ok(0),
                _ => Err(Trap::Host("wrong argument type".into())),
            }
        }
        fn next_u64(&mut self) -> Result<u64, Trap> {
            let a = self.args.get(self.at).ok_or_else(|| Trap::Host("too few arguments".into()))?;
            self.at += 1;
            match a {
                Arg::L(v) => Ok(*v),
                _ => Err(Trap::Host("wrong argument type".into())),
            }
        }
        fn next_f64(&mut self) -> Result<f64, Trap> {
            let a = self.args.get(self.at).ok_or_else(|| Trap::Host("too few arguments".into()))?;
            self.at += 1;
            match a {
                Arg::D(v) => Ok(*v),
                _ => Err(Trap::Host("wrong argument type".into())),
            }
        }
        fn string(&mut self, _addr: u32, max: Option<usize>) -> Result<Vec<u8>, Trap> {
            let mut s = self.last.clone();
            if let Some(m) = max {
                s.truncate(m);
            }
            Ok(s)
        }
    }

    fn parse_arg(s: &str) -> Arg {
        let (kind, v) = s.split_once(':').expect("kind:value");
        match kind {
            "i" => Arg::I(v.parse::<i64>().unwrap() as u32),
            "L" => Arg::L(v.parse::<i128>().unwrap() as u64),
            "d" => Arg::D(match v {
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                "nan" => f64::NAN,
                v => v.parse().unwrap(),
            }),
            "s" => Arg::S(Some(v.as_bytes().to_vec())),
            "N" => Arg::S(None),
            _ => panic!("unknown argument kind {kind}"),
        }
    }

    fn run(fmt: &str, args: Vec<Arg>) -> Result<Option<Vec<u8>>, Trap> {
        format(fmt.as_bytes(), &mut WithStrings { args, at: 0, last: Vec::new() })
    }

    /// Every row of printf.tsv: wasi-libc's own snprintf output for that format and arguments
    /// (recorded by running a generated C program under the `static` placement).
    #[test]
    fn matches_wasi_libc_table() {
        let table = include_str!("../testdata/printf.tsv");
        let mut checked = 0;
        let mut failures = Vec::new();
        for line in table.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let cols: Vec<&str> = line.split('\t').collect();
            let (fmt, args, ret, expected) =
                (cols[0], cols[1], cols[2].parse::<i32>().unwrap(), cols.get(3).copied().unwrap_or(""));
            let args: Vec<Arg> =
                if args.is_empty() { Vec::new() } else { args.split('\u{1f}').map(parse_arg).collect() };
            let got = run(fmt, args);
            let ok = match (&got, ret) {
                (Ok(None), -1) => true,
                (Ok(Some(out)), r) if r >= 0 => out == expected.as_bytes() && out.len() == r as usize,
                _ => false,
            };
            if !ok {
                failures.push(format!("{fmt:?}: expected {expected:?} ({ret}), got {got:?}"));
            }
            checked += 1;
        }
        assert!(checked > 1000, "the table has {checked} rows");
        assert!(
            failures.is_empty(),
            "{} of {checked} formats differ from wasi-libc:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn outside_the_subset_is_unsupported() {
        for fmt in ["%a", "%La", "%Lf", "%n", "%ls", "%lc", "%1$d", "%m"] {
            let r = format(fmt.as_bytes(), &mut List(vec![Arg::I(1), Arg::D(1.0)].into_iter()));
            assert!(matches!(r, Err(Trap::Unsupported(_))), "{fmt}: {r:?}");
        }
    }

    #[test]
    fn invalid_formats_give_none() {
        for fmt in ["%y", "%", "%hf", "%5%", "%lp", "%hs"] {
            let r = format(fmt.as_bytes(), &mut List(vec![Arg::I(1), Arg::D(1.0)].into_iter()));
            assert!(matches!(r, Ok(None)), "{fmt}: {r:?}");
        }
    }

    #[test]
    fn bytes_pass_through() {
        let r = run("\u{e9}%c%s", vec![Arg::I(0xff), Arg::S(Some(vec![0xfe, b'x']))]).unwrap().unwrap();
        assert_eq!(r, vec![0xc3, 0xa9, 0xff, 0xfe, b'x']);
    }
}
