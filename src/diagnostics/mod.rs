//! Diagnostics as values: errors and warnings with source ranges, collected rather than thrown.
//!
//! ```
//! use flinkform::diagnostics::{Diagnostic, Diagnostics, SourceFile};
//! let file = SourceFile::new("main.hcl", "resource \"x\" \"y\" {\n  fo = 1\n}\n".into());
//! let mut diags = Diagnostics::new();
//! diags.push(Diagnostic::error("Unsupported argument", "An argument named \"fo\" is not expected here.")
//!     .with_subject(file.range(21..23)));
//! assert!(diags.has_errors());
//! ```

mod render;
mod source;

pub use render::{render_all, render_diagnostic, SourceMap};
pub use source::{Pos, SourceFile, SourceRange};

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One error or warning. `subject` is what the diagnostic is about (underlined with carets);
/// `context` is the enclosing construct, named in the "in ..." part of the rendering.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    #[serde(rename = "range", skip_serializing_if = "Option::is_none")]
    pub subject: Option<SourceRange>,
    /// The enclosing block's label for the "in ..." part: `resource "x" "y"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// The resource or module address the diagnostic concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: detail.into(),
            subject: None,
            context: None,
            address: None,
        }
    }
    pub fn warning(summary: impl Into<String>, detail: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(summary, detail)
        }
    }
    pub fn with_subject(mut self, range: SourceRange) -> Self {
        self.subject = Some(range);
        self
    }
    pub fn with_subject_opt(mut self, range: Option<SourceRange>) -> Self {
        if self.subject.is_none() {
            self.subject = range;
        }
        self
    }
    /// Sets the "in ..." context unless one is already set (inner constructs win).
    pub fn with_context(mut self, context: impl Into<String>) -> Self {
        if self.context.is_none() {
            self.context = Some(context.into());
        }
        self
    }
    pub fn with_address(mut self, address: impl Into<String>) -> Self {
        if self.address.is_none() {
            self.address = Some(address.into());
        }
        self
    }
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An ordered collection of diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
    /// Keeps the value of a fallible step, moving its diagnostics here.
    pub fn take<T>(&mut self, r: Result<T, Diagnostics>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(d) => {
                self.extend(d);
                None
            }
        }
    }
    /// Applies a context label to every diagnostic that lacks one.
    pub fn in_context(self, context: &str) -> Self {
        Diagnostics(
            self.0
                .into_iter()
                .map(|d| d.with_context(context))
                .collect(),
        )
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// The name among `candidates` closest to `given`, if close enough to suggest
/// ("Did you mean ...?"), using Jaro-Winkler similarity as Terraform's `nameSuggestion` does.
pub fn suggest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(&str, f64)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(given, c);
        if score >= 0.8 && best.is_none_or(|(_, s)| score > s) {
            best = Some((c, score));
        }
    }
    best.map(|(c, _)| c)
}

/// " Did you mean \"x\"?" or "" — for appending to a detail.
pub fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    suggest(given, candidates)
        .map(|s| format!(" Did you mean \"{s}\"?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(
            suggest("for_eahc", ["count", "for_each", "provider"]),
            Some("for_each")
        );
        assert_eq!(suggest("zzz", ["count", "for_each"]), None);
    }
}
