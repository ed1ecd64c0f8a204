//! The canonical formatter behind `flinkform fmt`.
//!
//! Formatting follows `terraform fmt` (hclwrite's `format.go`): the source is split into
//! tokens and only the whitespace between them changes. Each line is indented two spaces per
//! open bracket level, spaces within a line are normalised, the `=` of consecutive
//! single-line attributes (and the `=`/`:` of multi-line object items) are aligned, and so
//! are the comments trailing consecutive lines. Comments, string and template literal text
//! and heredocs (content and end marker) are kept as written. On top of hclwrite: runs of
//! blank lines collapse to one, blank lines at the start and end go, the file ends with one
//! newline, and line endings become `\n` (as `terraform fmt` writes them).
//!
//! ```
//! let src = "variable \"x\" {\n  type=string\n    default = \"a\"  # why\n}\n";
//! assert_eq!(
//!     flinkform::fmt::format_source(src).unwrap(),
//!     "variable \"x\" {\n  type    = string\n  default = \"a\" # why\n}\n",
//! );
//! ```

mod files;
mod layout;
mod lexer;

use std::fmt;

pub use files::{
    format_file, run_fmt, unified_diff, FmtError, FmtOptions, FmtSummary, FormatOutcome,
};

use hcl_edit::expr::{Array, FuncArgs, Object};
use hcl_edit::structure::Body;
use hcl_edit::template::{ForDirective, IfDirective};
use hcl_edit::visit_mut::{self, VisitMut};

use crate::diagnostics::{Diagnostic, Pos, SourceRange};

/// Where and why source text could not be formatted (a syntax error, in practice).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub message: String,
    /// One-based line.
    pub line: usize,
    /// One-based column, in characters.
    pub column: usize,
    /// Zero-based byte offset.
    pub offset: usize,
}

impl fmt::Display for FormatError {
    /// `line:column: message`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for FormatError {}

impl From<&hcl_edit::parser::Error> for FormatError {
    fn from(e: &hcl_edit::parser::Error) -> FormatError {
        let loc = e.location();
        FormatError {
            message: e.message().to_string(),
            line: loc.line(),
            column: loc.column(),
            offset: loc.offset(),
        }
    }
}

impl FormatError {
    /// The error as a diagnostic about the file shown as `path`.
    pub fn to_diagnostic(&self, path: &str) -> Diagnostic {
        let start = Pos {
            line: self.line,
            column: self.column,
            byte: self.offset,
        };
        let end = Pos {
            line: self.line,
            column: self.column + 1,
            byte: self.offset + 1,
        };
        Diagnostic::error("Invalid syntax", capitalize(&self.message)).with_subject(SourceRange {
            file: path.into(),
            start,
            end,
        })
    }

    /// An error found where the source was already known to parse: a formatter bug, reported
    /// rather than written out.
    fn internal(what: &str, offset: usize, src: &str) -> FormatError {
        let before = src.get(..offset).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        FormatError {
            message: format!("internal formatter error ({what}); the file was left unchanged"),
            line,
            column,
            offset,
        }
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Formats HCL source text canonically. Input that does not parse is an error; the result
/// differs from the input only in whitespace (and `\r\n` line endings become `\n`), which is
/// checked before it is returned.
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let body = hcl_edit::parser::parse_body(src).map_err(|e| FormatError::from(&e))?;
    let normalized = normalize_line_endings(src);
    let tokens = lexer::lex(&normalized)
        .map_err(|e| FormatError::internal(e.message, e.offset, &normalized))?;
    let formatted = layout::layout(&tokens);
    // The parse of `src` stands for that of `normalized` unless line endings changed.
    let body = if normalized == src {
        Ok(body)
    } else {
        hcl_edit::parser::parse_body(&normalized)
    };
    verify(&normalized, body, &formatted)?;
    Ok(formatted)
}

/// Checks that `formatted` says what `original` says: the same text once all whitespace is
/// removed (no token or comment lost or reordered) and the same syntax tree (no whitespace
/// inside strings, heredocs or templates changed, no token boundary moved).
fn verify(
    original: &str,
    original_body: Result<Body, hcl_edit::parser::Error>,
    formatted: &str,
) -> Result<(), FormatError> {
    let fail = |what: &str| Err(FormatError::internal(what, 0, original));
    let strip = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
            .collect::<String>()
    };
    if strip(original) != strip(formatted) {
        return fail("text other than whitespace would change");
    }
    match (original_body, hcl_edit::parser::parse_body(formatted)) {
        (Ok(before), Ok(after)) => match without_trivia(before) == without_trivia(after) {
            true => Ok(()),
            false => fail("the syntax tree would change"),
        },
        (Ok(_), Err(_)) => fail("the result would not parse"),
        (Err(_), _) => Ok(()), // only `\r\n` handling can get here; the input itself parsed
    }
}

/// `body` without the whitespace and comments hcl-edit's equality would still compare (it
/// ignores all other decor): the trailing trivia of collections and argument lists, and the
/// spaces inside template directives.
fn without_trivia(mut body: Body) -> Body {
    struct Strip;
    impl VisitMut for Strip {
        fn visit_array_mut(&mut self, node: &mut Array) {
            node.set_trailing("");
            visit_mut::visit_array_mut(self, node);
        }
        fn visit_object_mut(&mut self, node: &mut Object) {
            node.set_trailing("");
            visit_mut::visit_object_mut(self, node);
        }
        fn visit_func_args_mut(&mut self, node: &mut FuncArgs) {
            node.set_trailing("");
            visit_mut::visit_func_args_mut(self, node);
        }
        fn visit_if_directive_mut(&mut self, node: &mut IfDirective) {
            node.if_expr.set_preamble("");
            if let Some(else_expr) = &mut node.else_expr {
                else_expr.set_preamble("");
                else_expr.set_trailing("");
            }
            node.endif_expr.set_preamble("");
            node.endif_expr.set_trailing("");
            visit_mut::visit_if_directive_mut(self, node);
        }
        fn visit_for_directive_mut(&mut self, node: &mut ForDirective) {
            node.for_expr.set_preamble("");
            node.endfor_expr.set_preamble("");
            node.endfor_expr.set_trailing("");
            visit_mut::visit_for_directive_mut(self, node);
        }
    }
    Strip.visit_body_mut(&mut body);
    body
}

/// The significant tokens of `src` as the formatter sees them: everything but whitespace,
/// with comments' trailing blanks removed and heredocs whole. Formatting never changes this
/// sequence (except for `\r\n` line endings inside multi-line tokens).
pub fn significant_tokens(src: &str) -> Result<Vec<String>, FormatError> {
    hcl_edit::parser::parse_body(src).map_err(|e| FormatError::from(&e))?;
    let normalized = normalize_line_endings(src);
    let tokens = lexer::lex(&normalized)
        .map_err(|e| FormatError::internal(e.message, e.offset, &normalized))?;
    Ok(tokens
        .into_iter()
        .filter(|t| t.kind != lexer::Kind::Newline)
        .map(|t| t.text.to_string())
        .collect())
}

/// Turns every line ending into `\n`: any `\r`s right before a `\n` are dropped.
fn normalize_line_endings(src: &str) -> String {
    if !src.contains('\r') {
        return src.to_string();
    }
    let mut out = String::with_capacity(src.len());
    let mut pending_cr = 0usize;
    for c in src.chars() {
        match c {
            '\r' => pending_cr += 1,
            '\n' => {
                pending_cr = 0;
                out.push('\n');
            }
            _ => {
                out.extend(std::iter::repeat_n('\r', pending_cr));
                pending_cr = 0;
                out.push(c);
            }
        }
    }
    out.extend(std::iter::repeat_n('\r', pending_cr));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_has_its_position() {
        let e = format_source("a = 1\nb = \n").unwrap_err();
        assert_eq!((e.line, e.column), (2, 5), "{e}");
        assert!(e.to_string().starts_with("2:5: "), "{e}");
        let d = e.to_diagnostic("main.hcl");
        assert_eq!(
            d.subject.map(|r| r.to_string()),
            Some("main.hcl:2:5".to_string())
        );
    }

    #[test]
    fn line_endings_become_newlines() {
        assert_eq!(normalize_line_endings("a\r\nb\r\r\nc\rd\r"), "a\nb\nc\rd\r");
        assert_eq!(
            format_source("a = 1\r\nbb = \"x\"\r\n").unwrap(),
            "a  = 1\nbb = \"x\"\n"
        );
    }

    #[test]
    fn empty_input_stays_empty() {
        assert_eq!(format_source("").unwrap(), "");
        assert_eq!(format_source("\n\n  \n").unwrap(), "");
    }
}
