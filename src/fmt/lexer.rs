//! A token scanner for HCL source that hcl-edit has already accepted.
//!
//! The formatter only moves whitespace, so it needs tokens, not a tree: this scanner splits
//! the source into the same kinds of tokens as hclsyntax's scanner (which `hclwrite`, and so
//! `terraform fmt`, formats), except that a heredoc is kept as one opaque token from `<<` to
//! its end marker, so that its content is never touched.

use std::fmt;

/// What a token is. Names follow hclsyntax's token types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Number,
    OParen,
    CParen,
    OBrack,
    CBrack,
    OBrace,
    CBrace,
    Dot,
    Comma,
    Ellipsis,
    DoubleColon,
    /// `=`
    Equal,
    Colon,
    Question,
    FatArrow,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    /// `==`
    EqualOp,
    NotEqual,
    Gt,
    Gte,
    Lt,
    Lte,
    And,
    Or,
    Bang,
    OQuote,
    CQuote,
    /// Literal text of a quoted template, escapes included, exactly as written.
    QuotedLit,
    /// `${` or `${~`
    TemplateInterp,
    /// `%{` or `%{~`
    TemplateControl,
    /// The `}` or `~}` closing an interpolation or directive.
    TemplateSeqEnd,
    /// A whole heredoc, from `<<` through its end marker.
    Heredoc,
    /// `#` or `//` comment, without its line ending.
    LineComment,
    /// `/* ... */`
    BlockComment,
    Newline,
    /// A character no HCL token starts with (cannot occur in input hcl-edit accepted).
    Other,
}

impl Kind {
    /// +1 for a token that opens a bracketed span, -1 for one that closes it.
    pub(crate) fn bracket_change(self) -> i32 {
        match self {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateInterp
            | Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    /// The token's text; a line comment's trailing blanks are not part of it.
    pub text: &'a str,
    /// Byte offset of the token in the scanned source.
    pub offset: usize,
}

/// The scanner met something it cannot tokenize (only possible for input hcl-edit rejects).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub message: &'static str,
    pub offset: usize,
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

enum Context {
    /// Expression tokens. `interp` is set inside `${`/`%{`, which an unmatched `}` closes;
    /// `braces` counts the object braces open within it.
    Expr { interp: bool, braces: usize },
    /// Literal text of a quoted template.
    Quoted,
    /// Literal text of a heredoc whose end marker is `src[delim]`; `line_start` is set when the
    /// scanner stands at the start of a content line, the only place the end marker counts.
    Heredoc {
        delim: std::ops::Range<usize>,
        line_start: bool,
    },
}

/// Ident characters: hcl-edit's `is_id_start`/`is_id_continue` are Unicode XID classes; any
/// non-ASCII character outside strings and comments can only be part of an identifier in
/// input hcl-edit accepted, so all of them count here.
fn is_id_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_id_continue(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80
}

/// Length in bytes of the character starting at `pos` (1 past the end of input).
fn char_len(src: &str, pos: usize) -> usize {
    src.get(pos..)
        .and_then(|s| s.chars().next())
        .map_or(1, char::len_utf8)
}

/// Splits `src` (with `\n` line endings) into tokens; whitespace other than newlines is dropped.
pub(crate) fn lex(src: &str) -> Result<Vec<Token<'_>>, LexError> {
    let b = src.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let mut stack = vec![Context::Expr {
        interp: false,
        braces: 0,
    }];
    // Heredocs open (nested ones come from interpolations inside a heredoc); while any is
    // open nothing is emitted, and the outermost becomes one token when it closes.
    let mut heredocs = 0usize;
    let mut heredoc_start = 0usize;
    let mut pos = 0usize;

    macro_rules! emit {
        ($kind:expr, $start:expr, $end:expr) => {
            if heredocs == 0 {
                tokens.push(Token {
                    kind: $kind,
                    text: &src[$start..$end],
                    offset: $start,
                });
            }
        };
    }

    while pos < b.len() {
        let Some(context) = stack.last_mut() else {
            return Err(LexError {
                message: "unbalanced template",
                offset: pos,
            });
        };
        match context {
            Context::Expr { interp, braces } => {
                let start = pos;
                let c = b[pos];
                let (kind, len) = match c {
                    b' ' | b'\t' | b'\r' => {
                        pos += 1;
                        continue;
                    }
                    b'\n' => (Kind::Newline, 1),
                    b'#' => (Kind::LineComment, line_comment_len(b, pos)),
                    b'/' if at(pos + 1) == b'/' => (Kind::LineComment, line_comment_len(b, pos)),
                    b'/' if at(pos + 1) == b'*' => match src[pos + 2..].find("*/") {
                        Some(end) => (Kind::BlockComment, end + 4),
                        None => {
                            return Err(LexError {
                                message: "unterminated comment",
                                offset: pos,
                            })
                        }
                    },
                    b'"' => {
                        emit!(Kind::OQuote, pos, pos + 1);
                        pos += 1;
                        stack.push(Context::Quoted);
                        continue;
                    }
                    b'<' if at(pos + 1) == b'<' => {
                        let mut p = pos + 2;
                        if at(p) == b'-' {
                            p += 1;
                        }
                        let delim_start = p;
                        if !is_id_start(at(p)) {
                            return Err(LexError {
                                message: "invalid heredoc marker",
                                offset: pos,
                            });
                        }
                        while p < b.len() && is_id_continue(b[p]) {
                            p += 1;
                        }
                        let delim = delim_start..p;
                        if at(p) == b'\r' {
                            p += 1;
                        }
                        if at(p) != b'\n' {
                            return Err(LexError {
                                message: "heredoc marker not followed by a newline",
                                offset: p,
                            });
                        }
                        if heredocs == 0 {
                            heredoc_start = pos;
                        }
                        heredocs += 1;
                        stack.push(Context::Heredoc {
                            delim,
                            line_start: true,
                        });
                        pos = p + 1;
                        continue;
                    }
                    b'0'..=b'9' => (Kind::Number, number_len(b, pos)),
                    c if is_id_start(c) => {
                        let mut p = pos + 1;
                        while p < b.len() && is_id_continue(b[p]) {
                            p += 1;
                        }
                        (Kind::Ident, p - pos)
                    }
                    b'{' => {
                        *braces += 1;
                        (Kind::OBrace, 1)
                    }
                    b'}' if *interp && *braces == 0 => {
                        emit!(Kind::TemplateSeqEnd, pos, pos + 1);
                        pos += 1;
                        stack.pop();
                        continue;
                    }
                    b'}' => {
                        *braces = braces.saturating_sub(1);
                        (Kind::CBrace, 1)
                    }
                    b'~' if *interp && *braces == 0 && at(pos + 1) == b'}' => {
                        emit!(Kind::TemplateSeqEnd, pos, pos + 2);
                        pos += 2;
                        stack.pop();
                        continue;
                    }
                    b'[' => (Kind::OBrack, 1),
                    b']' => (Kind::CBrack, 1),
                    b'(' => (Kind::OParen, 1),
                    b')' => (Kind::CParen, 1),
                    b'.' if at(pos + 1) == b'.' && at(pos + 2) == b'.' => (Kind::Ellipsis, 3),
                    b'.' => (Kind::Dot, 1),
                    b',' => (Kind::Comma, 1),
                    b':' if at(pos + 1) == b':' => (Kind::DoubleColon, 2),
                    b':' => (Kind::Colon, 1),
                    b'?' => (Kind::Question, 1),
                    b'=' if at(pos + 1) == b'>' => (Kind::FatArrow, 2),
                    b'=' if at(pos + 1) == b'=' => (Kind::EqualOp, 2),
                    b'=' => (Kind::Equal, 1),
                    b'!' if at(pos + 1) == b'=' => (Kind::NotEqual, 2),
                    b'!' => (Kind::Bang, 1),
                    b'<' if at(pos + 1) == b'=' => (Kind::Lte, 2),
                    b'<' => (Kind::Lt, 1),
                    b'>' if at(pos + 1) == b'=' => (Kind::Gte, 2),
                    b'>' => (Kind::Gt, 1),
                    b'&' if at(pos + 1) == b'&' => (Kind::And, 2),
                    b'|' if at(pos + 1) == b'|' => (Kind::Or, 2),
                    b'+' => (Kind::Plus, 1),
                    b'-' => (Kind::Minus, 1),
                    b'*' => (Kind::Star, 1),
                    b'/' => (Kind::Slash, 1),
                    b'%' => (Kind::Percent, 1),
                    _ => (Kind::Other, char_len(src, pos)),
                };
                let mut end = start + len;
                if kind == Kind::LineComment {
                    // Trailing blanks of a comment are whitespace, not content.
                    end = start + src[start..end].trim_end_matches([' ', '\t', '\r']).len();
                    pos = start + len;
                } else {
                    pos = end;
                }
                emit!(kind, start, end);
            }
            Context::Quoted => {
                let lit_start = pos;
                while pos < b.len() {
                    match b[pos] {
                        b'"' => break,
                        b'\\' => pos += 1 + char_len(src, pos + 1),
                        b'$' | b'%' if at(pos + 1) == b'{' => break,
                        b'$' | b'%' if at(pos + 1) == b[pos] && at(pos + 2) == b'{' => pos += 3,
                        _ => pos += char_len(src, pos),
                    }
                }
                pos = pos.min(b.len());
                if pos > lit_start {
                    emit!(Kind::QuotedLit, lit_start, pos);
                }
                match at(pos) {
                    b'"' => {
                        emit!(Kind::CQuote, pos, pos + 1);
                        pos += 1;
                        stack.pop();
                    }
                    b'$' | b'%' => {
                        let kind = if b[pos] == b'$' {
                            Kind::TemplateInterp
                        } else {
                            Kind::TemplateControl
                        };
                        let len = if at(pos + 2) == b'~' { 3 } else { 2 };
                        emit!(kind, pos, pos + len);
                        pos += len;
                        stack.push(Context::Expr {
                            interp: true,
                            braces: 0,
                        });
                    }
                    _ => {
                        return Err(LexError {
                            message: "unterminated string",
                            offset: lit_start,
                        })
                    }
                }
            }
            Context::Heredoc { delim, line_start } => {
                if *line_start {
                    *line_start = false;
                    let mut p = pos;
                    while at(p) == b' ' || at(p) == b'\t' {
                        p += 1;
                    }
                    let marker = &src[delim.clone()];
                    if src[p..].starts_with(marker) && !is_id_continue(at(p + marker.len())) {
                        pos = p + marker.len();
                        stack.pop();
                        heredocs -= 1;
                        if heredocs == 0 {
                            tokens.push(Token {
                                kind: Kind::Heredoc,
                                text: &src[heredoc_start..pos],
                                offset: heredoc_start,
                            });
                        }
                        continue;
                    }
                }
                match b[pos] {
                    b'\n' => {
                        pos += 1;
                        *line_start = true;
                    }
                    b'$' | b'%' if at(pos + 1) == b[pos] && at(pos + 2) == b'{' => pos += 3,
                    b'$' | b'%' if at(pos + 1) == b'{' => {
                        pos += if at(pos + 2) == b'~' { 3 } else { 2 };
                        stack.push(Context::Expr {
                            interp: true,
                            braces: 0,
                        });
                    }
                    _ => pos += char_len(src, pos),
                }
            }
        }
    }
    match stack.as_slice() {
        [Context::Expr { interp: false, .. }] => Ok(tokens),
        _ => Err(LexError {
            message: "unexpected end of input",
            offset: src.len(),
        }),
    }
}

/// Length of a `#` or `//` comment starting at `pos`, up to its line ending.
fn line_comment_len(b: &[u8], pos: usize) -> usize {
    b[pos..]
        .iter()
        .position(|&c| c == b'\n')
        .unwrap_or(b.len() - pos)
}

/// Length of the number literal starting at `pos`: digits, optional fraction, optional exponent.
fn number_len(b: &[u8], pos: usize) -> usize {
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let digits = |mut p: usize| {
        while at(p).is_ascii_digit() {
            p += 1;
        }
        p
    };
    let mut p = digits(pos);
    if at(p) == b'.' && at(p + 1).is_ascii_digit() {
        p = digits(p + 1);
    }
    if at(p) == b'e' || at(p) == b'E' {
        if at(p + 1).is_ascii_digit() {
            p = digits(p + 1);
        } else if (at(p + 1) == b'+' || at(p + 1) == b'-') && at(p + 2).is_ascii_digit() {
            p = digits(p + 2);
        }
    }
    p - pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, &str)> {
        lex(src)
            .expect("lexes")
            .into_iter()
            .map(|t| (t.kind, t.text))
            .collect()
    }

    #[test]
    fn template_tokens_nest() {
        assert_eq!(
            kinds(r#"a = "x${ {b = "}"}.b ~}y\"$${z}""#),
            vec![
                (Kind::Ident, "a"),
                (Kind::Equal, "="),
                (Kind::OQuote, "\""),
                (Kind::QuotedLit, "x"),
                (Kind::TemplateInterp, "${"),
                (Kind::OBrace, "{"),
                (Kind::Ident, "b"),
                (Kind::Equal, "="),
                (Kind::OQuote, "\""),
                (Kind::QuotedLit, "}"),
                (Kind::CQuote, "\""),
                (Kind::CBrace, "}"),
                (Kind::Dot, "."),
                (Kind::Ident, "b"),
                (Kind::TemplateSeqEnd, "~}"),
                (Kind::QuotedLit, "y\\\"$${z}"),
                (Kind::CQuote, "\""),
            ]
        );
    }

    #[test]
    fn heredoc_is_one_token_up_to_its_marker() {
        let src = "a = <<-EOT\n  x ${ \"EOT\" }\n  EOTX\n  EOT\nb = 1.5e+3 # c  \n";
        assert_eq!(
            kinds(src),
            vec![
                (Kind::Ident, "a"),
                (Kind::Equal, "="),
                (Kind::Heredoc, "<<-EOT\n  x ${ \"EOT\" }\n  EOTX\n  EOT"),
                (Kind::Newline, "\n"),
                (Kind::Ident, "b"),
                (Kind::Equal, "="),
                (Kind::Number, "1.5e+3"),
                (Kind::LineComment, "# c"),
                (Kind::Newline, "\n"),
            ]
        );
    }

    #[test]
    fn identifiers_take_dashes_and_operators_split() {
        assert_eq!(
            kinds("a-b - -1 >= x...!=y::z"),
            vec![
                (Kind::Ident, "a-b"),
                (Kind::Minus, "-"),
                (Kind::Minus, "-"),
                (Kind::Number, "1"),
                (Kind::Gte, ">="),
                (Kind::Ident, "x"),
                (Kind::Ellipsis, "..."),
                (Kind::NotEqual, "!="),
                (Kind::Ident, "y"),
                (Kind::DoubleColon, "::"),
                (Kind::Ident, "z"),
            ]
        );
    }

    #[test]
    fn unterminated_input_is_an_error_not_a_panic() {
        for src in [
            "\"abc",
            "a = <<EOT\nx\n",
            "/* x",
            "\"${",
            "<<",
            "\"\\",
            "a = \"${x}",
        ] {
            assert!(lex(src).is_err(), "{src:?}");
        }
    }
}
