//! Renders diagnostics the way Terraform does, with a caret line under the subject.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use super::{Diagnostic, Severity, SourceFile};

/// The source texts diagnostics refer to, by display path.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: HashMap<Arc<str>, Arc<SourceFile>>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, file: Arc<SourceFile>) {
        self.files.insert(file.path.clone(), file);
    }
    pub fn get(&self, path: &str) -> Option<&Arc<SourceFile>> {
        self.files.get(path)
    }
    /// Every file, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<SourceFile>> {
        self.files.values()
    }
    pub fn extend(&mut self, other: &SourceMap) {
        for f in other.files.values() {
            self.insert(f.clone());
        }
    }
}

/// Renders one diagnostic:
///
/// ```text
/// Error: Unsupported argument
///
///   on main.hcl line 2, in resource "flinkform_data" "x":
///    2:   fo = 1
///         ^^
///
/// An argument named "fo" is not expected here.
/// ```
pub fn render_diagnostic(d: &Diagnostic, sources: &SourceMap, color: bool) -> String {
    let (label, paint) = match d.severity {
        Severity::Error => ("Error", "\x1b[1;31m"),
        Severity::Warning => ("Warning", "\x1b[1;33m"),
    };
    let mut out = String::new();
    if color {
        let _ = writeln!(out, "{paint}{label}:\x1b[0m \x1b[1m{}\x1b[0m", d.summary);
    } else {
        let _ = writeln!(out, "{label}: {}", d.summary);
    }
    if let Some(range) = &d.subject {
        out.push('\n');
        let _ = write!(out, "  on {} line {}", range.file, range.start.line);
        match &d.context {
            Some(ctx) => {
                let _ = writeln!(out, ", in {ctx}:");
            }
            None => out.push_str(":\n"),
        }
        if let Some(line) = sources
            .get(&range.file)
            .and_then(|f| f.line_text(range.start.line))
        {
            let gutter = format!("{:>4}: ", range.start.line);
            let _ = writeln!(out, "{gutter}{line}");
            let line_chars = line.chars().count();
            let start_col = range.start.column.min(line_chars + 1);
            let end_col = if range.end.line == range.start.line {
                range.end.column.max(start_col + 1)
            } else {
                line_chars + 1
            };
            let width = (end_col - start_col).max(1);
            // Keep tabs in the caret line's indentation so the caret stays under its column.
            let indent: String = line
                .chars()
                .take(start_col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let carets = "^".repeat(width);
            if color {
                let _ = writeln!(
                    out,
                    "{}{indent}{paint}{carets}\x1b[0m",
                    " ".repeat(gutter.len())
                );
            } else {
                let _ = writeln!(out, "{}{indent}{carets}", " ".repeat(gutter.len()));
            }
        }
    }
    if !d.detail.is_empty() {
        out.push('\n');
        out.push_str(&d.detail);
        out.push('\n');
    }
    out
}

/// Renders every diagnostic, separated by blank lines.
pub fn render_all<'a>(
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &SourceMap,
    color: bool,
) -> String {
    let mut out = String::new();
    for d in diags {
        out.push('\n');
        out.push_str(&render_diagnostic(d, sources, color));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_subject() {
        let file = SourceFile::new("main.hcl", "resource \"x\" \"y\" {\n  fo = 1\n}\n".into());
        let mut map = SourceMap::new();
        map.insert(file.clone());
        let d = Diagnostic::error(
            "Unsupported argument",
            "An argument named \"fo\" is not expected here.",
        )
        .with_subject(file.range(21..23))
        .with_context("resource \"x\" \"y\"");
        let text = render_diagnostic(&d, &map, false);
        assert_eq!(
            text,
            "Error: Unsupported argument\n\n  on main.hcl line 2, in resource \"x\" \"y\":\n   2:   fo = 1\n\
             \x20       ^^\n\nAn argument named \"fo\" is not expected here.\n"
        );
    }
}
