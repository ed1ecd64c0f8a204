//! `yamlencode`'s output format: what Terraform's go-cty-yaml produces through its libyaml
//! emitter. Block style for non-empty mappings and sequences, `{}`/`[]` for empty ones, every
//! string double-quoted (literal `|` style when it has line breaks and allows it), mapping keys
//! sorted, sequences inside mappings not indented, long double-quoted strings folded at spaces
//! past column 80, and `...` after a document that ends with a plain scalar.

use crate::lang::value::format_number;
use crate::lang::{Value, ValueKind};

const BEST_INDENT: i64 = 2;
const BEST_WIDTH: usize = 80;

/// Encodes a wholly known value as a YAML document.
pub(super) fn encode(v: &Value) -> String {
    let mut e = Emitter {
        indent: -1,
        whitespace: true,
        indention: true,
        ..Emitter::default()
    };
    e.node(
        v,
        Context {
            root: true,
            ..Context::default()
        },
    );
    // Document end: finish the line, then `...` if the document was left open-ended.
    e.write_indent();
    if e.open_ended {
        e.write_indicator("...", true, false, false);
        e.write_indent();
    }
    e.out
}

#[derive(Default)]
struct Emitter {
    out: String,
    column: usize,
    indent: i64,
    indents: Vec<i64>,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
}

#[derive(Clone, Copy, Default)]
struct Context {
    root: bool,
    mapping: bool,
    simple_key: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Plain,
    DoubleQuoted,
    Literal,
}

/// What libyaml's scalar analysis decides about a string.
struct Analysis {
    multiline: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    let v = c as u32;
    v == 0x0A
        || (0x20..=0x7E).contains(&v)
        || (0xA0..=0xD7FF).contains(&v)
        || ((0xE000..=0xFFFD).contains(&v) && v != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            block_allowed: false,
        };
    }
    let mut line_breaks = false;
    let mut special = false;
    let mut trailing_space = false;
    let mut space_break = false;
    let mut previous_space = false;
    let count = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i + 1 == count {
                trailing_space = true;
            }
            previous_space = true;
        } else if is_break(c) {
            line_breaks = true;
            if previous_space {
                space_break = true;
            }
            previous_space = false;
        } else {
            previous_space = false;
        }
    }
    Analysis {
        multiline: line_breaks,
        block_allowed: !(trailing_space || space_break || special),
    }
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn node(&mut self, v: &Value, ctx: Context) {
        match v.kind() {
            ValueKind::Null(_) | ValueKind::Unknown(_) => self.scalar("null", Style::Plain, ctx),
            ValueKind::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            ValueKind::Number(n) => {
                let text = if n.is_infinite() {
                    if *n > 0.0 {
                        "+.Inf".to_string()
                    } else {
                        "-.Inf".to_string()
                    }
                } else {
                    format_number(*n)
                };
                self.scalar(&text, Style::Plain, ctx)
            }
            ValueKind::String(s) => {
                let style = if s.contains('\n') {
                    Style::Literal
                } else {
                    Style::DoubleQuoted
                };
                self.scalar(s, style, ctx)
            }
            ValueKind::List(items) | ValueKind::Set(items) | ValueKind::Tuple(items) => {
                if items.is_empty() {
                    self.empty_flow("[", "]");
                    return;
                }
                self.increase_indent(false, ctx.mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::default());
                }
                self.pop_indent();
            }
            ValueKind::Map(m) | ValueKind::Object(m) => {
                if m.is_empty() {
                    self.empty_flow("{", "}");
                    return;
                }
                self.increase_indent(false, false);
                for (k, item) in m {
                    self.write_indent();
                    let key_analysis = analyze(k);
                    let simple = !key_analysis.multiline && k.len() <= 128;
                    if simple {
                        self.scalar(
                            k,
                            Style::DoubleQuoted,
                            Context {
                                mapping: true,
                                simple_key: true,
                                ..Context::default()
                            },
                        );
                        self.write_indicator(":", false, false, false);
                    } else {
                        self.write_indicator("?", true, false, true);
                        let style = if k.contains('\n') {
                            Style::Literal
                        } else {
                            Style::DoubleQuoted
                        };
                        self.scalar(
                            k,
                            style,
                            Context {
                                mapping: true,
                                ..Context::default()
                            },
                        );
                        self.write_indent();
                        self.write_indicator(":", true, false, true);
                    }
                    self.node(
                        item,
                        Context {
                            mapping: true,
                            ..Context::default()
                        },
                    );
                }
                self.pop_indent();
            }
        }
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    fn scalar(&mut self, text: &str, wanted: Style, ctx: Context) {
        let analysis = analyze(text);
        let mut style = wanted;
        if ctx.simple_key && analysis.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!analysis.block_allowed || ctx.simple_key) {
            style = Style::DoubleQuoted;
        }
        self.increase_indent(true, false);
        match style {
            Style::Plain => self.write_plain(text, ctx),
            Style::DoubleQuoted => self.write_double_quoted(text, !ctx.simple_key),
            Style::Literal => self.write_literal(text),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, text: &str, ctx: Context) {
        if !self.whitespace {
            self.put(' ');
        }
        for c in text.chars() {
            self.put(c);
        }
        self.whitespace = false;
        self.indention = false;
        if ctx.root {
            self.open_ended = true;
        }
    }

    fn write_double_quoted(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let code = c as u32;
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match short {
                    Some(s) => self.put(s),
                    None => {
                        let (prefix, width) = match code {
                            0..=0xFF => ('x', 2),
                            0x100..=0xFFFF => ('u', 4),
                            _ => ('U', 8),
                        };
                        self.put(prefix);
                        for ch in format!("{code:0width$X}").chars() {
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                let not_last = i + 1 < chars.len();
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && not_last {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
            i += 1;
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, text: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: an indentation indicator when the text starts with a space or
        // break, and the chomping indicator for its trailing breaks.
        if text.starts_with(|c: char| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let mut rev = text.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (Some(last), _) if !is_break(last) => Some("-"),
            (None, _) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(hint) = chomp {
            self.write_indicator(hint, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in text.chars() {
            if is_break(c) {
                if c == '\n' {
                    self.put_break();
                } else {
                    self.out.push(c);
                    self.column = 0;
                }
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::encode;
    use crate::lang::Value;

    #[test]
    fn scalars_at_the_root() {
        assert_eq!(encode(&b(true)), "true\n...\n");
        assert_eq!(encode(&n(0.0)), "0\n...\n");
        assert_eq!(encode(&Value::null()), "null\n...\n");
        assert_eq!(encode(&s("")), "\"\"\n");
        assert_eq!(encode(&s("hello")), "\"hello\"\n");
        assert_eq!(encode(&n(f64::INFINITY)), "+.Inf\n...\n");
        assert_eq!(encode(&s("a\nb")), "|-\n  a\n  b\n");
        assert_eq!(encode(&s("a\nb\n")), "|\n  a\n  b\n");
        assert_eq!(encode(&s(" a\nb")), "|2-\n   a\n  b\n");
    }

    #[test]
    fn terraform_doc_examples() {
        assert_eq!(
            encode(&obj(&[("a", s("b")), ("c", s("d"))])),
            "\"a\": \"b\"\n\"c\": \"d\"\n"
        );
        assert_eq!(
            encode(&obj(&[("foo", nums(&[1.0, 2.0, 3.0])), ("bar", s("baz"))])),
            "\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n"
        );
        assert_eq!(
            encode(&obj(&[
                (
                    "foo",
                    tup(vec![n(1.0), obj(&[("a", s("b")), ("c", s("d"))]), n(3.0)])
                ),
                ("bar", s("baz"))
            ])),
            "\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n"
        );
    }

    #[test]
    fn nesting_and_empties() {
        assert_eq!(encode(&tup(vec![])), "[]\n");
        assert_eq!(encode(&obj(&[])), "{}\n");
        assert_eq!(
            encode(&obj(&[("a", tup(vec![])), ("b", obj(&[]))])),
            "\"a\": []\n\"b\": {}\n"
        );
        assert_eq!(
            encode(&tup(vec![nums(&[1.0, 2.0]), s("x")])),
            "- - 1\n  - 2\n- \"x\"\n"
        );
        assert_eq!(
            encode(&obj(&[("a", obj(&[("b", obj(&[("c", b(false))]))]))])),
            "\"a\":\n  \"b\":\n    \"c\": false\n"
        );
        assert_eq!(
            encode(&tup(vec![obj(&[
                ("a", obj(&[("b", n(1.0))])),
                ("l", nums(&[1.0]))
            ])])),
            "- \"a\":\n    \"b\": 1\n  \"l\":\n  - 1\n"
        );
        assert_eq!(
            encode(&obj(&[("k", s("line1\nline2\n"))])),
            "\"k\": |\n  line1\n  line2\n"
        );
        assert_eq!(encode(&tup(vec![s("x\ny")])), "- |-\n  x\n  y\n");
        assert_eq!(encode(&obj(&[("k", Value::null())])), "\"k\": null\n");
    }

    #[test]
    fn escapes_and_folding() {
        assert_eq!(encode(&s("tab\there")), "\"tab\\there\"\n");
        assert_eq!(encode(&s("q\"b\\")), "\"q\\\"b\\\\\"\n");
        assert_eq!(encode(&s("é ☃")), "\"é ☃\"\n");
        assert_eq!(encode(&s("😀")), "\"\\U0001F600\"\n");
        assert_eq!(encode(&s("a\r\nb")), "\"a\\r\\nb\"\n");
        assert_eq!(encode(&s("trailing \nspace")), "\"trailing \\nspace\"\n");
        let long = "word ".repeat(20) + "end";
        let folded = encode(&obj(&[("k", s(&long))]));
        assert_eq!(
            folded,
            format!(
                "\"k\": \"{}word\n  {}end\"\n",
                "word ".repeat(15),
                "word ".repeat(4)
            )
        );
    }
}
