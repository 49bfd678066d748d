//! Markdown reports as HTML (pulldown-cmark), with two changes: a code span naming cells of the run
//! (`wasmtime/libc-module/direct/dlhello`, or `{a,b}` alternatives as findings.md writes them) links
//! to those cells in the matrix, and an image naming a chart of the folder is that chart, inline.

use std::collections::HashSet;

use pulldown_cmark::{html, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

pub fn to_html(markdown: &str, cells: &HashSet<&str>, charts: &[(String, String)]) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut events = Vec::new();
    let mut parser = Parser::new_ext(markdown, options);
    while let Some(event) = parser.next() {
        match event {
            Event::Code(code) => events.extend(code_span(code, cells)),
            Event::Start(Tag::Image { dest_url, .. }) if chart(charts, &dest_url).is_some() => {
                // The image's alt text follows up to its end: replaced by the chart itself.
                for e in parser.by_ref() {
                    if matches!(e, Event::End(TagEnd::Image)) {
                        break;
                    }
                }
                events.push(Event::Html(chart(charts, &dest_url).unwrap().into()));
            }
            e => events.push(e),
        }
    }
    let mut out = String::new();
    html::push_html(&mut out, events.into_iter());
    out.replace("<table>", "<table class=\"sortable\">")
}

fn chart(charts: &[(String, String)], url: &str) -> Option<String> {
    charts.iter().find(|(name, _)| name == url).map(|(_, svg)| format!("<div class=\"chart\">{svg}</div>"))
}

/// A code span; a link around it when it names cells of the run.
fn code_span<'a>(code: CowStr<'a>, cells: &HashSet<&str>) -> Vec<Event<'a>> {
    let named: Vec<String> = expand(&code).into_iter().filter(|c| cells.contains(c.as_str())).collect();
    if named.is_empty() {
        return vec![Event::Code(code)];
    }
    let link = Tag::Link {
        link_type: LinkType::Inline,
        dest_url: format!("#cells={}", named.join(",")).into(),
        title: "show these cells in the matrix".into(),
        id: "".into(),
    };
    vec![Event::Start(link), Event::Code(code), Event::End(TagEnd::Link)]
}

/// Shell-style brace expansion (`{a,b}/x` is `a/x` and `b/x`), without nesting.
pub fn expand(text: &str) -> Vec<String> {
    let Some(open) = text.find('{') else { return vec![text.to_string()] };
    let Some(close) = text[open..].find('}').map(|i| open + i) else { return vec![text.to_string()] };
    let (head, tail) = (&text[..open], &text[close + 1..]);
    let rests = expand(tail);
    let mut out = Vec::new();
    for alt in text[open + 1..close].split(',') {
        out.extend(rests.iter().map(|rest| format!("{head}{alt}{rest}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_expand_like_a_shell() {
        assert_eq!(expand("{a,b}/x/{c,d}"), ["a/x/c", "a/x/d", "b/x/c", "b/x/d"]);
        assert_eq!(expand("plain"), ["plain"]);
    }

    #[test]
    fn cells_link_and_charts_inline() {
        let cells: HashSet<&str> = ["w/l/s/one", "v/l/s/one"].into_iter().collect();
        let charts = vec![("calls.svg".to_string(), "<svg id=\"c\"></svg>".to_string())];
        let html = to_html("see `{w,v}/l/s/one` and `other`\n\n![chart](calls.svg)\n", &cells, &charts);
        assert!(html.contains("<a href=\"#cells=w/l/s/one,v/l/s/one\""), "{html}");
        assert!(html.contains("<code>other</code>") && !html.contains("#cells=other"), "{html}");
        assert!(html.contains("<svg id=\"c\"></svg>") && !html.contains("<img"), "{html}");
    }
}
