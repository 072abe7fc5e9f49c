//! Declaration texts as formatted text. A text (Markdown, CommonMark) is parsed once, with
//! pulldown-cmark, into a small document — headings, paragraphs, numbered and bulleted
//! list items, spans of plain, strong, emphasised and linked text — that the apps render
//! natively and the signed HTML copies are rendered from.
//!
//! The subset is deliberately small. What it does not cover (images, raw HTML, tables,
//! code blocks, block quotes, nested lists, links other than https/http/mailto/tel) is
//! listed by [`parse`] as problems: a coordinator's text with any of them is refused at
//! publishing ([`check`]); a text that has them anyway (published before this rule) is
//! still shown, as plain text, never as markup.

use crate::error::Result;
use crate::i18n::{Invalid, MarkdownFeature};
use peerlog_rules::Locale;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct TextSpan {
    /// The text; `\n` is a line break inside the block.
    pub text: String,
    pub strong: bool,
    pub emphasis: bool,
    /// The link target (https, http, mailto or tel only).
    pub link: Option<String>,
}

/// One block of a formatted text, in reading order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum, Serialize)]
#[serde(tag = "block", rename_all = "snake_case")]
pub enum TextBlock {
    /// A heading, `level` 1 (the title) to 6.
    Heading {
        level: u8,
        spans: Vec<TextSpan>,
    },
    Paragraph {
        spans: Vec<TextSpan>,
    },
    /// An item of a numbered list, with the number to show in front of it.
    NumberedItem {
        number: u32,
        spans: Vec<TextSpan>,
    },
    /// An item of a bulleted list.
    BulletItem {
        spans: Vec<TextSpan>,
    },
}

/// A formatted text: what the apps render and the HTML copies are made from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record, Serialize)]
pub struct FormattedText {
    pub blocks: Vec<TextBlock>,
}

impl FormattedText {
    /// The plain text of the first heading (or block): the document's title.
    pub fn title(&self) -> String {
        self.blocks
            .iter()
            .find(|b| matches!(b, TextBlock::Heading { .. }))
            .or(self.blocks.first())
            .map(|b| plain(spans_of(b)))
            .unwrap_or_default()
    }
}

fn spans_of(b: &TextBlock) -> &[TextSpan] {
    match b {
        TextBlock::Heading { spans, .. }
        | TextBlock::Paragraph { spans }
        | TextBlock::NumberedItem { spans, .. }
        | TextBlock::BulletItem { spans } => spans,
    }
}

fn plain(spans: &[TextSpan]) -> String {
    spans.iter().map(|s| s.text.as_str()).collect()
}

/// Link schemes a declaration may use. Anything else (`javascript:`, relative paths, …)
/// is refused at publishing and shown as plain text.
const LINK_SCHEMES: &[&str] = &["https:", "http:", "mailto:", "tel:"];

fn safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    LINK_SCHEMES.iter().any(|s| lower.starts_with(s))
}

enum Open {
    Heading(u8),
    Paragraph,
    Numbered(u32),
    Bullet,
}

#[derive(Default)]
struct Builder {
    blocks: Vec<TextBlock>,
    problems: Vec<MarkdownFeature>,
    /// The block being filled and its spans.
    open: Option<(Open, Vec<TextSpan>)>,
    /// Per open list: the next number (ordered) or `None` (bulleted).
    lists: Vec<Option<u64>>,
    /// Paragraphs seen in the current list item (a second one starts a new line).
    item_paragraphs: u32,
    strong: u32,
    emphasis: u32,
    links: Vec<Option<String>>,
}

impl Builder {
    fn problem(&mut self, f: MarkdownFeature) {
        if !self.problems.contains(&f) {
            self.problems.push(f);
        }
    }

    fn start(&mut self, kind: Open) {
        self.finish();
        self.open = Some((kind, Vec::new()));
    }

    fn finish(&mut self) {
        let Some((kind, mut spans)) = self.open.take() else {
            return;
        };
        // Trailing line breaks carry nothing.
        while spans.last().is_some_and(|s| s.text.trim().is_empty()) {
            spans.pop();
        }
        if spans.is_empty() && !matches!(kind, Open::Numbered(_) | Open::Bullet) {
            return;
        }
        self.blocks.push(match kind {
            Open::Heading(level) => TextBlock::Heading { level, spans },
            Open::Paragraph => TextBlock::Paragraph { spans },
            Open::Numbered(number) => TextBlock::NumberedItem { number, spans },
            Open::Bullet => TextBlock::BulletItem { spans },
        });
    }

    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.open.is_none() {
            // Text outside any block we know (a table cell, say): a paragraph of its own.
            self.open = Some((Open::Paragraph, Vec::new()));
        }
        let link = self.links.last().cloned().flatten();
        let (strong, emphasis) = (self.strong > 0, self.emphasis > 0);
        if let Some((_, spans)) = &mut self.open {
            match spans.last_mut() {
                Some(last)
                    if last.strong == strong && last.emphasis == emphasis && last.link == link =>
                {
                    last.text.push_str(text)
                }
                _ => spans.push(TextSpan {
                    text: text.to_string(),
                    strong,
                    emphasis,
                    link,
                }),
            }
        }
    }
}

fn level(l: HeadingLevel) -> u8 {
    match l {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Parses a declaration text. Returns the document and the unsupported features found
/// (empty for a text a coordinator may publish). Never fails: what is unsupported is kept
/// as plain text.
pub fn parse(text: &str) -> (FormattedText, Vec<MarkdownFeature>) {
    // Tables and footnotes are parsed only to be recognised (and refused).
    let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
    let mut b = Builder::default();
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level: l, .. } => b.start(Open::Heading(level(l))),
                Tag::Paragraph => {
                    if b.lists.is_empty() {
                        b.start(Open::Paragraph);
                    } else {
                        b.item_paragraphs += 1;
                        if b.item_paragraphs > 1 {
                            b.text("\n");
                        }
                    }
                }
                Tag::List(first) => {
                    if !b.lists.is_empty() {
                        b.problem(MarkdownFeature::NestedList);
                    }
                    b.lists.push(first);
                }
                Tag::Item => {
                    b.item_paragraphs = 0;
                    let kind = match b.lists.last_mut() {
                        Some(Some(n)) => {
                            let number = u32::try_from(*n).unwrap_or(u32::MAX);
                            *n = n.saturating_add(1);
                            Open::Numbered(number)
                        }
                        _ => Open::Bullet,
                    };
                    b.start(kind);
                }
                Tag::Emphasis => b.emphasis += 1,
                Tag::Strong => b.strong += 1,
                Tag::Link { dest_url, .. } => {
                    if safe_link(&dest_url) {
                        b.links.push(Some(dest_url.to_string()));
                    } else {
                        b.problem(MarkdownFeature::Link);
                        b.links.push(None);
                    }
                }
                Tag::Image { .. } => b.problem(MarkdownFeature::Image),
                Tag::HtmlBlock => b.problem(MarkdownFeature::Html),
                Tag::CodeBlock(_) => {
                    b.problem(MarkdownFeature::Code);
                    b.start(Open::Paragraph);
                }
                Tag::BlockQuote(_) => b.problem(MarkdownFeature::Quote),
                Tag::Table(_) | Tag::TableHead | Tag::TableRow | Tag::TableCell => {
                    b.problem(MarkdownFeature::Table)
                }
                Tag::FootnoteDefinition(_) => b.problem(MarkdownFeature::Footnote),
                _ => b.problem(MarkdownFeature::Other),
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock => b.finish(),
                TagEnd::Paragraph if b.lists.is_empty() => b.finish(),
                TagEnd::List(_) => {
                    b.finish();
                    b.lists.pop();
                }
                TagEnd::Emphasis => b.emphasis = b.emphasis.saturating_sub(1),
                TagEnd::Strong => b.strong = b.strong.saturating_sub(1),
                TagEnd::Link => {
                    b.links.pop();
                }
                TagEnd::TableRow | TagEnd::TableHead => b.text("\n"),
                TagEnd::TableCell => b.text(" "),
                _ => {}
            },
            Event::Text(t) | Event::Code(t) => b.text(&t),
            Event::Html(t) | Event::InlineHtml(t) => {
                b.problem(MarkdownFeature::Html);
                b.text(&t);
            }
            Event::SoftBreak => b.text(" "),
            Event::HardBreak => b.text("\n"),
            Event::FootnoteReference(t) => {
                b.problem(MarkdownFeature::Footnote);
                b.text(&format!("[^{t}]"));
            }
            Event::Rule => b.finish(),
            _ => b.problem(MarkdownFeature::Other),
        }
    }
    b.finish();
    (FormattedText { blocks: b.blocks }, b.problems)
}

/// Refuses a text a coordinator wants to publish if it uses Markdown the apps and the
/// signed copies do not render (the first such feature is named).
pub fn check(text: &str, locale: Locale) -> Result<()> {
    match parse(text).1.first() {
        Some(f) => Err(Invalid::UnsupportedMarkdown(*f).at("text", locale)),
        None => Ok(()),
    }
}

pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn spans_html(spans: &[TextSpan]) -> String {
    let mut out = String::new();
    for s in spans {
        let mut t = escape_html(&s.text).replace('\n', "<br>\n");
        if s.emphasis {
            t = format!("<em>{t}</em>");
        }
        if s.strong {
            t = format!("<strong>{t}</strong>");
        }
        if let Some(href) = &s.link {
            t = format!("<a href=\"{}\">{t}</a>", escape_html(href));
        }
        out.push_str(&t);
    }
    out
}

/// The document as HTML (a fragment: the body of an article). Numbered items carry their
/// own number (`<li value>`), so a list reads 1, 2, 3 whatever breaks it up.
pub fn to_html(doc: &FormattedText) -> String {
    let mut html = String::new();
    let mut list: Option<&str> = None;
    for block in &doc.blocks {
        let wanted = match block {
            TextBlock::NumberedItem { .. } => Some("ol"),
            TextBlock::BulletItem { .. } => Some("ul"),
            _ => None,
        };
        if list != wanted {
            if let Some(tag) = list {
                html.push_str(&format!("</{tag}>\n"));
            }
            match block {
                TextBlock::NumberedItem { number, .. } => {
                    html.push_str(&format!("<ol start=\"{number}\">\n"))
                }
                TextBlock::BulletItem { .. } => html.push_str("<ul>\n"),
                _ => {}
            }
            list = wanted;
        }
        match block {
            TextBlock::Heading { level, spans } => {
                html.push_str(&format!("<h{level}>{}</h{level}>\n", spans_html(spans)))
            }
            TextBlock::Paragraph { spans } => {
                html.push_str(&format!("<p>{}</p>\n", spans_html(spans)))
            }
            TextBlock::NumberedItem { number, spans } => html.push_str(&format!(
                "<li value=\"{number}\">{}</li>\n",
                spans_html(spans)
            )),
            TextBlock::BulletItem { spans } => {
                html.push_str(&format!("<li>{}</li>\n", spans_html(spans)))
            }
        }
    }
    if let Some(tag) = list {
        html.push_str(&format!("</{tag}>\n"));
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::declaration::builtin;

    fn span(text: &str) -> TextSpan {
        TextSpan {
            text: text.into(),
            strong: false,
            emphasis: false,
            link: None,
        }
    }

    #[test]
    fn builtin_declarations_use_only_the_subset_and_number_one_to_eight() {
        for locale in [Locale::Nb, Locale::Da, Locale::En] {
            let text = builtin(locale).text;
            let (doc, problems) = parse(&text);
            assert!(problems.is_empty(), "{locale:?}: {problems:?}");
            let numbers: Vec<u32> = doc
                .blocks
                .iter()
                .filter_map(|b| match b {
                    TextBlock::NumberedItem { number, .. } => Some(*number),
                    _ => None,
                })
                .collect();
            assert_eq!(numbers, (1..=8).collect::<Vec<_>>(), "{locale:?}");
            assert!(matches!(doc.blocks[0], TextBlock::Heading { level: 1, .. }));
            // Every point opens with a bold sentence, and no asterisk is left anywhere.
            for b in &doc.blocks {
                if let TextBlock::NumberedItem { spans, .. } = b {
                    assert!(spans[0].strong, "{locale:?}: {spans:?}");
                    assert!(!spans[1].strong);
                }
                assert!(!spans_of(b).iter().any(|s| s.text.contains('*')));
            }
        }
    }

    #[test]
    fn the_subset_parses_to_blocks_and_spans() {
        let (doc, problems) = parse(
            "# Title\n\nSome *soft*\nand **strong** text, see [site](https://example.org).\n\n\
             3. three\n4. four\n   still four\n\n- a\n- b\n\n## Sub\n",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(doc.title(), "Title");
        assert_eq!(
            doc.blocks[1],
            TextBlock::Paragraph {
                spans: vec![
                    span("Some "),
                    TextSpan {
                        emphasis: true,
                        ..span("soft")
                    },
                    span(" and "),
                    TextSpan {
                        strong: true,
                        ..span("strong")
                    },
                    span(" text, see "),
                    TextSpan {
                        link: Some("https://example.org".into()),
                        ..span("site")
                    },
                    span("."),
                ]
            }
        );
        assert_eq!(
            doc.blocks[2],
            TextBlock::NumberedItem {
                number: 3,
                spans: vec![span("three")]
            }
        );
        assert_eq!(
            doc.blocks[3],
            TextBlock::NumberedItem {
                number: 4,
                spans: vec![span("four still four")]
            }
        );
        assert_eq!(
            doc.blocks[4],
            TextBlock::BulletItem {
                spans: vec![span("a")]
            }
        );
        assert!(matches!(doc.blocks[6], TextBlock::Heading { level: 2, .. }));
    }

    #[test]
    fn unsupported_markdown_is_named_and_shown_as_text() {
        for (text, feature) in [
            ("![logo](https://x.org/a.png)", MarkdownFeature::Image),
            ("<b>bold</b> text", MarkdownFeature::Html),
            ("<div>\nblock\n</div>", MarkdownFeature::Html),
            ("| a | b |\n|---|---|\n| 1 | 2 |", MarkdownFeature::Table),
            ("```\ncode\n```", MarkdownFeature::Code),
            ("> quoted", MarkdownFeature::Quote),
            ("1. one\n   - nested", MarkdownFeature::NestedList),
            ("[click](javascript:alert(1))", MarkdownFeature::Link),
            ("Note[^1]\n\n[^1]: foot", MarkdownFeature::Footnote),
        ] {
            let (doc, problems) = parse(text);
            assert_eq!(problems.first(), Some(&feature), "{text}");
            assert!(check(text, Locale::Nb).is_err(), "{text}");
            // Never markup, never a live script link.
            let html = to_html(&doc);
            assert!(!html.contains("<b>") && !html.contains("<div>"), "{html}");
            assert!(!html.contains("javascript:"), "{html}");
        }
        check(&builtin(Locale::Da).text, Locale::Da).unwrap();
    }

    #[test]
    fn html_is_escaped_and_numbered() {
        let (doc, _) = parse("1. **A & B** <x>\n\n2. two\n\n\n3. three");
        let html = to_html(&doc);
        assert_eq!(html.matches("<ol").count(), 1, "{html}");
        assert!(html.contains("<li value=\"3\">three</li>"), "{html}");
        assert!(
            html.contains("<strong>A &amp; B</strong> &lt;x&gt;"),
            "{html}"
        );
    }
}
