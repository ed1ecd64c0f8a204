//! Source files and the ranges diagnostics point at.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

/// One loaded source file: its display path, its text, and where each line starts.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as shown to the user (relative to the working directory when possible).
    pub path: Arc<str>,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<Arc<str>>, text: String) -> Arc<SourceFile> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Arc::new(SourceFile {
            path: path.into(),
            text,
            line_starts,
        })
    }

    /// Position of a byte offset (clamped to the text, moved back to a char boundary).
    pub fn pos(&self, mut byte: usize) -> Pos {
        byte = byte.min(self.text.len());
        while !self.text.is_char_boundary(byte) {
            byte -= 1;
        }
        let line_idx = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_idx];
        let column = self.text[line_start..byte].chars().count() + 1;
        Pos {
            line: line_idx + 1,
            column,
            byte,
        }
    }

    /// The range covering the byte span.
    pub fn range(self: &Arc<Self>, span: Range<usize>) -> SourceRange {
        SourceRange {
            file: self.path.clone(),
            start: self.pos(span.start),
            end: self.pos(span.end),
        }
    }

    /// Text of the one-based line `line`, without its newline.
    pub fn line_text(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        Some(self.text[start..end.max(start)].trim_end_matches('\r'))
    }
}

/// A position in a source file: one-based line and column (in characters), zero-based byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
    pub byte: usize,
}

/// A range in a named source file, as Terraform's `hcl.Range`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SourceRange {
    #[serde(rename = "filename")]
    pub file: Arc<str>,
    pub start: Pos,
    pub end: Pos,
}

impl fmt::Display for SourceRange {
    /// `file:line:col`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.start.line, self.start.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_chars() {
        let f = SourceFile::new("main.hcl", "a = 1\nbé = \"x\"\n".to_string());
        assert_eq!(
            f.pos(0),
            Pos {
                line: 1,
                column: 1,
                byte: 0
            }
        );
        let p = f.pos(10);
        assert_eq!((p.line, p.column), (2, 4));
        assert_eq!(f.line_text(2), Some("bé = \"x\""));
        assert_eq!(f.line_text(3), Some(""));
        assert_eq!(f.line_text(4), None);
        assert_eq!(f.range(6..8).to_string(), "main.hcl:2:1");
    }
}
