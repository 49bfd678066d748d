//! Text from a run (details, stdout) made safe for a Markdown table cell or list item: the one escaper.

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
    let mut out = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if i == max {
            out.push('…');
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_cuts() {
        assert_eq!(escape("a|b*c<end>\nd", 100, Span::Text), "a\\|b\\*c&lt;end>⏎d");
        assert_eq!(escape("`f` < `g` <2 </b>", 100, Span::Text), "`f` < `g` <2 &lt;/b>");
        assert_eq!(escape("a|b*c<end>\nd", 100, Span::Code), "a\\|b*c<end>⏎d");
        assert_eq!(escape("abcdef", 3, Span::Text), "abc…");
        assert_eq!(escape("abc", 3, Span::Code), "abc");
    }
}
