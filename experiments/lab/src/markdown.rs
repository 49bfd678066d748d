//! Text from a run (details, stdout) made safe for a Markdown table cell or list item: the one escaper.

use sha2::{Digest, Sha256};

/// Where the text goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Span {
    /// Plain Markdown text: `*` is escaped too, and a `<` that could open an HTML tag or autolink (a
    /// `<end>` would otherwise vanish); a `<` before a space or a digit is shown as it is.
    Text,
    /// Inside a code span, where only a table's `|` needs escaping (GFM) and `&lt;` would show literally.
    Code,
}

/// Escapes `|` (and in [`Span::Text`] `*` and a tag-opening `<`), shows a newline as `⏎`, and cuts
/// after `max` characters of the input with `…`.
pub fn escape(s: &str, max: usize, span: Span) -> String {
    escape_with(s, max, span, |_| "…".to_string())
}

/// As [`escape`], but the cut keeps a trace of what was cut: its length and a hash, so that a change
/// past the cut still changes the text (`…(+123 chars, sha256 0123abcd)`). For tables that are tests.
pub fn escape_traced(s: &str, max: usize, span: Span) -> String {
    escape_with(s, max, span, rest)
}

fn escape_with(s: &str, max: usize, span: Span, cut_mark: fn(&[char]) -> String) -> String {
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if i == max {
            out.push_str(&cut_mark(&chars[i..]));
            break;
        }
        match (c, span) {
            ('\n', _) => out.push('⏎'),
            ('|', _) => out.push_str("\\|"),
            ('*', Span::Text) => out.push_str("\\*"),
            ('<', Span::Text) if chars.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic() || "/!?".contains(*n)) => {
                out.push_str("&lt;")
            }
            (c, _) => out.push(c),
        }
    }
    out
}

/// `…(+N chars, sha256 XXXXXXXX)`: the cut text's length and the first 32 bits of its SHA-256.
fn rest(cut: &[char]) -> String {
    let text: String = cut.iter().collect();
    let hash = Sha256::digest(text.as_bytes());
    let hex: String = hash[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("…(+{} chars, sha256 {hex})", cut.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_cuts() {
        assert_eq!(escape("a|b*c<end>\nd", 100, Span::Text), "a\\|b\\*c&lt;end>⏎d");
        assert_eq!(escape("`f` < `g` <2 </b>", 100, Span::Text), "`f` < `g` <2 &lt;/b>");
        assert_eq!(escape("a|b*c<end>\nd", 100, Span::Code), "a\\|b*c<end>⏎d");
        assert_eq!(escape("abcdef", 3, Span::Text), "abc…");
        assert_eq!(escape_traced("abcdef", 3, Span::Text), format!("abc{}", rest(&['d', 'e', 'f'])));
        assert!(escape_traced("abcdef", 3, Span::Text).starts_with("abc…(+3 chars, sha256 "));
        let (a, b) = (escape_traced("abcdef", 3, Span::Text), escape_traced("abcdeg", 3, Span::Text));
        assert_ne!(a, b, "a change past the cut shows");
        assert_eq!(escape("abc", 3, Span::Code), "abc");
    }
}
