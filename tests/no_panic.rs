//! No input makes flinkform panic: random bytes, mutated configurations, deep nesting, huge
//! files and invalid UTF-8 go through the loader, the graph builder, the evaluator and the
//! formatter, and come back as diagnostics.

use std::path::Path;

use flinkform::addrs::Referenceable;
use flinkform::config::load_config;
use flinkform::diagnostics::{Diagnostic, SourceFile, SourceRange};
use flinkform::graph::build::build_config_graph;
use flinkform::lang::{eval_expr, EvalScope, FuncContext, Value};
use proptest::prelude::*;

struct EmptyScope(FuncContext);

impl EvalScope for EmptyScope {
    fn get(&self, subject: &Referenceable, range: &SourceRange) -> Result<Value, Diagnostic> {
        Err(
            Diagnostic::error("Reference to undeclared", subject.to_string())
                .with_subject(range.clone()),
        )
    }
    fn func_context(&self) -> &FuncContext {
        &self.0
    }
}

/// Runs every stage that accepts text on `text`; any panic fails the test.
fn exercise(dir: &Path, text: &[u8]) {
    std::fs::write(dir.join("main.hcl"), text).unwrap();
    let (config, diags) = load_config(dir);
    if !diags.has_errors() {
        let _ = build_config_graph(&config);
    }
    if let Ok(s) = std::str::from_utf8(text) {
        let _ = flinkform::fmt::format_source(s);
        if let Ok(expr) = hcl_edit::parser::parse_expr(s) {
            let file = SourceFile::new("expr.hcl", s.to_string());
            let scope = EmptyScope(FuncContext {
                base_dir: dir.to_path_buf(),
                plan_time: true,
            });
            let _ = eval_expr(&expr, &file, &scope);
        }
    }
}

/// Fragments that mutate into interesting configurations.
const PIECES: &[&str] = &[
    "resource \"flinkform_data\" \"a\" {",
    "}",
    "{",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "${",
    "%{ if true }",
    "%{ endif }",
    "%{ for x in [1] }",
    "%{ endfor }",
    "<<EOT\n",
    "\nEOT\n",
    "<<-EOT\n",
    "count = 2\n",
    "for_each = {a=1}\n",
    "input = var.x\n",
    "variable \"x\" {",
    "type = list(object({a=optional(string,\"d\")}))\n",
    "locals {",
    "a = local.a\n",
    "module \"m\" { source = \"./nope\" }\n",
    "output \"o\" { value = 1 }\n",
    "= ",
    "1e999",
    "-",
    "!",
    "?",
    ":",
    "...",
    "[*]",
    ".*",
    "for k, v in ",
    "=>",
    "upper(",
    "format(\"%d\", ",
    "\n",
    "  ",
    "#",
    "//",
    "/*",
    "*/",
    "\\",
    "é",
    "\u{0}",
    "flinkform_data.a[count.index].id",
    "each.value",
    "self",
    "try(",
    "can(",
    "1/0",
    "10 % 0",
    "\"${\"${\"x\"}\"}\"",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        exercise(dir.path(), &bytes);
    }

    #[test]
    fn spliced_fragments(pieces in proptest::collection::vec(0..PIECES.len(), 0..40)) {
        let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
        let dir = tempfile::tempdir().unwrap();
        exercise(dir.path(), text.as_bytes());
    }
}

#[test]
fn deep_nesting() {
    let dir = tempfile::tempdir().unwrap();
    for depth in [64, 1_000, 20_000] {
        let nested = format!("x = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
        exercise(dir.path(), nested.as_bytes());
        let parens = format!("x = {}1{}\n", "(".repeat(depth), ")".repeat(depth));
        exercise(dir.path(), parens.as_bytes());
        let calls = format!("x = {}1{}\n", "abs(".repeat(depth), ")".repeat(depth));
        exercise(dir.path(), calls.as_bytes());
        let unclosed = "{".repeat(depth);
        exercise(dir.path(), unclosed.as_bytes());
    }
}

#[test]
fn huge_and_invalid_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::new();
    for i in 0..20_000 {
        big.push_str(&format!("locals {{ v{i} = \"{}\" }}\n", "x".repeat(20)));
    }
    exercise(dir.path(), big.as_bytes());
    exercise(dir.path(), b"a = \"\xff\xfe\"\n");
    exercise(dir.path(), &[0xC3]);
    exercise(dir.path(), "x = \"\u{FEFF}\"\n\u{FEFF}".as_bytes());
}
