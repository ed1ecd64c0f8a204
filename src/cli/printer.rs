//! The one printer all command output goes through: results on stdout, diagnostics and
//! progress on stderr, colour only when asked for.

use std::io::{self, Write};

use crate::diagnostics::{render_all, Diagnostics, SourceMap};

pub struct Printer {
    pub color: bool,
    out: Box<dyn Write>,
    err: Box<dyn Write>,
}

impl Printer {
    pub fn new(color: bool, out: Box<dyn Write>, err: Box<dyn Write>) -> Self {
        Printer { color, out, err }
    }

    /// A printer on the process's stdout and stderr.
    pub fn stdio(color: bool) -> Self {
        Printer::new(color, Box::new(io::stdout()), Box::new(io::stderr()))
    }

    /// Result text for stdout.
    pub fn out(&mut self, text: &str) {
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    pub fn out_writer(&mut self) -> &mut dyn Write {
        &mut self.out
    }

    /// A line of information on stdout, as Terraform prints it.
    pub fn info(&mut self, line: &str) {
        let _ = writeln!(self.out, "{line}");
    }

    /// Green "Success!"-style lines.
    pub fn success(&mut self, line: &str) {
        if self.color {
            let _ = writeln!(self.out, "\x1b[1;32m{line}\x1b[0m");
        } else {
            let _ = writeln!(self.out, "{line}");
        }
    }

    /// Renders diagnostics, errors and warnings, on stderr.
    pub fn diagnostics(&mut self, diags: &Diagnostics, sources: &SourceMap) {
        if diags.is_empty() {
            return;
        }
        let text = render_all(diags.iter(), sources, self.color);
        let _ = self.err.write_all(text.as_bytes());
        let _ = self.err.flush();
    }

    /// A plain error message without source (bad command-line usage, I/O).
    pub fn error(&mut self, summary: &str, detail: &str) {
        let d = crate::diagnostics::Diagnostic::error(summary, detail);
        self.diagnostics(&d.into(), &SourceMap::new());
    }
}
