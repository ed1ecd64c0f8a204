//! Expression evaluation cases: every `tests/cases/expressions/*.txt` file holds lines
//!
//! ```text
//! EXPR  =>  EXPECTED            # the Display of the value
//! EXPR  =>  error: SUBSTRING    # an error whose "summary; detail" contains SUBSTRING
//! ```
//!
//! (two or more spaces around `=>`; `#` comment lines and blank lines are skipped). Each EXPR
//! is parsed with hcl-edit and evaluated in [`TestScope`]; every failing line is reported
//! before the test fails. Multi-line cases (heredocs, template files) are tests below.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flinkform::addrs::{PathAttr, Referenceable};
use flinkform::diagnostics::{Diagnostic, Diagnostics, SourceFile, SourceRange};
use flinkform::lang::eval::{eval_expr, templatefile, EvalScope};
use flinkform::lang::{FuncContext, Type, Value};

/// The values the cases can refer to. Anything else is undeclared.
struct TestScope {
    ctx: FuncContext,
}

fn strings(items: &[&str]) -> Vec<Value> {
    items.iter().map(|s| Value::string(*s)).collect()
}

fn object(attrs: Vec<(&str, Value)>) -> BTreeMap<String, Value> {
    attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

impl TestScope {
    fn new() -> TestScope {
        let base_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/expressions");
        TestScope {
            ctx: FuncContext {
                base_dir,
                plan_time: true,
            },
        }
    }

    fn variable(name: &str) -> Option<Value> {
        Some(match name {
            "secret" => Value::string("s3cr3t").mark_sensitive(),
            "unknown_str" => Value::unknown(Type::String),
            "unknown_list" => Value::unknown(Type::list(Type::String)),
            "list" => Value::list(strings(&["a", "b", "c"])),
            "map" => Value::map(object(vec![
                ("a", Value::number(1.0)),
                ("b", Value::number(2.0)),
            ])),
            "obj" => Value::object(object(vec![
                ("name", Value::string("x")),
                (
                    "tags",
                    Value::map(object(vec![("env", Value::string("dev"))])),
                ),
            ])),
            // Beyond the common set: the shapes the traversal and marks cases need.
            "set" => Value::set(strings(&["y", "x"])),
            "objs" => Value::list(vec![
                Value::object(object(vec![
                    ("name", Value::string("a")),
                    ("port", Value::number(1.0)),
                ])),
                Value::object(object(vec![
                    ("name", Value::string("b")),
                    ("port", Value::number(2.0)),
                ])),
            ]),
            "null_str" => Value::null_of(Type::String),
            "secret_map" => Value::map(object(vec![("k", Value::string("v"))])).mark_sensitive(),
            "creds" => Value::object(object(vec![
                ("user", Value::string("u")),
                ("password", Value::string("p").mark_sensitive()),
            ])),
            "unknown_obj" => Value::unknown(Type::Object(
                [("id".to_string(), Type::String)].into_iter().collect(),
            )),
            "unknown_any" => Value::unknown(Type::Dynamic),
            "unknown_bool" => Value::unknown(Type::Bool),
            "unknown_num" => Value::unknown(Type::Number),
            "mixed" => Value::list(vec![Value::string("a"), Value::unknown(Type::String)]),
            _ => return None,
        })
    }
}

impl EvalScope for TestScope {
    fn get(&self, subject: &Referenceable, range: &SourceRange) -> Result<Value, Diagnostic> {
        let found = match subject {
            Referenceable::InputVariable(name) => TestScope::variable(name),
            Referenceable::LocalValue(name) if name == "n" => Some(Value::number(3.0)),
            Referenceable::Path(PathAttr::Module) => Some(Value::string(".")),
            _ => None,
        };
        found.ok_or_else(|| {
            let (summary, detail) = match subject {
                Referenceable::InputVariable(n) => (
                    "Reference to undeclared input variable",
                    format!("An input variable with the name \"{n}\" has not been declared."),
                ),
                Referenceable::LocalValue(n) => (
                    "Reference to undeclared local value",
                    format!("A local value with the name \"{n}\" has not been declared."),
                ),
                Referenceable::Resource(r) => (
                    "Reference to undeclared resource",
                    format!(
                        "A resource \"{}\" \"{}\" has not been declared in the root module.",
                        r.type_name, r.name
                    ),
                ),
                other => (
                    "Reference to undeclared object",
                    format!("{other} is not declared in this test scope."),
                ),
            };
            Diagnostic::error(summary, detail).with_subject(range.clone())
        })
    }

    fn func_context(&self) -> &FuncContext {
        &self.ctx
    }
}

fn errors_text(diags: &Diagnostics) -> String {
    diags
        .iter()
        .map(|d| format!("{}; {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Evaluates `src`, rendering the result as the cases write it.
fn evaluate(src: &str) -> Result<String, String> {
    let expr =
        hcl_edit::parser::parse_expr(src).map_err(|e| format!("parse error: {}", e.message()))?;
    let file = SourceFile::new("case.hcl", src.to_string());
    eval_expr(&expr, &file, &TestScope::new())
        .map(|v| v.to_string())
        .map_err(|d| errors_text(&d))
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

#[test]
fn expression_cases() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/expressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("cases directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let separator = regex::Regex::new(r"\s{2,}=>\s{2,}").expect("separator regex");

    let mut failures = Vec::new();
    let mut count = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable case file");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let location = format!("{name}:{}", i + 1);
            let Some(m) = separator.find(trimmed) else {
                failures.push(format!("{location}: no `  =>  ` separator in {trimmed:?}"));
                continue;
            };
            let (src, want) = (&trimmed[..m.start()], &trimmed[m.end()..]);
            count += 1;
            let got = catch_unwind(AssertUnwindSafe(|| evaluate(src)))
                .unwrap_or_else(|p| Err(format!("panicked: {}", panic_message(p))));
            let ok = match (want.strip_prefix("error:"), &got) {
                (Some(sub), Err(text)) => text.contains(sub.trim()),
                (None, Ok(value)) => value == want,
                _ => false,
            };
            if !ok {
                let got = match got {
                    Ok(v) => v,
                    Err(e) => format!("error: {e}"),
                };
                failures.push(format!(
                    "{location}\n    expr: {src}\n    want: {want}\n    got:  {got}"
                ));
            }
        }
    }
    assert!(count > 0, "no cases found in {}", dir.display());
    println!("{count} expression cases in {} files", files.len());
    if !failures.is_empty() {
        panic!(
            "{} of {count} expression cases failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}

// ---- multi-line templates ----

#[test]
fn heredocs() {
    let cases: &[(&str, &str)] = &[
        ("<<EOT\nhello\n  world\nEOT", "\"hello\\n  world\\n\""),
        // `<<-` strips the smallest indentation of the non-blank lines.
        ("<<-EOT\n    a\n      b\n    EOT", "\"a\\n  b\\n\""),
        // Blank lines (even with some spaces) do not count and are left as they are.
        ("<<-EOT\n    a\n  \n    b\n    EOT", "\"a\\n  \\nb\\n\""),
        ("<<-EOT\n    a\n\n    b\nEOT", "\"a\\n\\nb\\n\""),
        (
            "<<-EOT\n  x ${var.list[0]}\n    y\n  EOT",
            "\"x a\\n  y\\n\"",
        ),
        // An interpolation at the start of a line counts as no indentation.
        ("<<-EOT\n  a\n${var.list[1]}\nEOT", "\"  a\\nb\\n\""),
        ("<<EOT\n$${literal} %%{x}\nEOT", "\"$${literal} %%{x}\\n\""),
        // Strip markers in heredocs reach only to the end of their line.
        (
            "<<EOT\n%{ for x in var.list ~}\n${x}\n%{ endfor ~}\nEOT",
            "\"a\\nb\\nc\\n\"",
        ),
        (
            "<<EOT\nA\n  %{~ if true ~}  \n  B\n%{ endif }\nEOT",
            "\"A\\n  B\\n\\n\"",
        ),
        // `~}` empties the rest of its line, so the next line no longer starts a line for `<<-`:
        // only the directive lines' indentation is removed.
        (
            "<<-EOT\n  %{ for x in var.list ~}\n  - ${x}\n  %{ endfor ~}\n  EOT",
            "\"  - a\\n  - b\\n  - c\\n\"",
        ),
        ("<<EOT\n${var.secret}\nEOT", "(sensitive value)"),
        ("<<EOT\n${var.unknown_str}\nEOT", "(known after apply)"),
    ];
    let mut failures = Vec::new();
    for (src, want) in cases {
        match evaluate(src) {
            Ok(got) if got == *want => {}
            other => failures.push(format!("{src:?}\n    want: {want}\n    got:  {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "heredoc cases failed:\n{}",
        failures.join("\n")
    );
}

fn context(dir: &Path) -> FuncContext {
    FuncContext {
        base_dir: dir.to_path_buf(),
        plan_time: true,
    }
}

fn vars(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(object(pairs))
}

#[test]
fn templatefile_renders_with_only_its_vars() {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        std::fs::write(dir.path().join(name), text).expect("write template")
    };
    write(
        "job.tpl",
        "name: ${name}\n%{ for p in ports ~}\n- ${p}\n%{ endfor ~}\n",
    );
    write("single.tpl", "${items}");
    write("undeclared.tpl", "a ${x} b ${y}\n");
    write("recursive.tpl", "${templatefile(\"job.tpl\", {})}");
    write("bad.tpl", "${oops\n");
    let ctx = context(dir.path());
    let path = |p: &str| Value::string(p);

    let v = templatefile(
        vec![
            path("job.tpl"),
            vars(vec![
                ("name", Value::string("etl")),
                (
                    "ports",
                    Value::tuple(vec![Value::number(80.0), Value::number(443.0)]),
                ),
            ]),
        ],
        &ctx,
    )
    .expect("renders");
    assert_eq!(v.as_str(), Some("name: etl\n- 80\n- 443\n"));

    // A template that is one interpolation returns the value itself.
    let items = Value::tuple(vec![Value::string("a")]);
    let v = templatefile(
        vec![path("single.tpl"), vars(vec![("items", items.clone())])],
        &ctx,
    )
    .expect("renders");
    assert_eq!(v, items);

    // Unknown and sensitive inputs.
    let v = templatefile(
        vec![path("single.tpl"), Value::unknown(Type::Dynamic)],
        &ctx,
    )
    .expect("unknown");
    assert!(!v.is_known());
    let v = templatefile(
        vec![
            path("job.tpl"),
            vars(vec![
                ("name", Value::string("s").mark_sensitive()),
                ("ports", Value::tuple(vec![])),
            ]),
        ],
        &ctx,
    )
    .expect("renders");
    assert!(v.is_sensitive());

    let e = templatefile(
        vec![
            path("undeclared.tpl"),
            vars(vec![("x", Value::number(1.0))]),
        ],
        &ctx,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "Invalid value for argument 2: vars map does not contain key \"y\", referenced at undeclared.tpl:1,12-13");

    let e = templatefile(vec![path("recursive.tpl"), vars(vec![])], &ctx).unwrap_err();
    assert!(
        e.to_string()
            .contains("cannot recursively call templatefile from inside templatefile call"),
        "{e}"
    );

    let e = templatefile(vec![path("bad.tpl"), vars(vec![])], &ctx).unwrap_err();
    assert!(e.to_string().starts_with("bad.tpl:"), "{e}");

    let e = templatefile(vec![path("single.tpl"), Value::string("x")], &ctx).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid value for argument 2: invalid vars value: must be a map"
    );

    let e = templatefile(
        vec![path("single.tpl"), vars(vec![("0bad", Value::null())])],
        &ctx,
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("invalid template variable name \"0bad\""),
        "{e}"
    );

    let e = templatefile(vec![path("single.tpl")], &ctx).unwrap_err();
    assert!(
        e.to_string().contains("expects 2 argument(s), got 1"),
        "{e}"
    );
}

#[test]
fn errors_point_at_the_failing_subexpression() {
    let src = "[1, var.obj.nope, 3]";
    let expr = hcl_edit::parser::parse_expr(src).expect("parses");
    let file: Arc<SourceFile> = SourceFile::new("case.hcl", src.to_string());
    let diags = eval_expr(&expr, &file, &TestScope::new()).unwrap_err();
    let d = diags.iter().next().expect("a diagnostic");
    assert_eq!(d.summary, "Unsupported attribute");
    let subject = d.subject.as_ref().expect("subject");
    assert_eq!((subject.start.column, subject.end.column), (12, 17));

    let src = "var.nope + local.nope";
    let expr = hcl_edit::parser::parse_expr(src).expect("parses");
    let file = SourceFile::new("case.hcl", src.to_string());
    let diags = eval_expr(&expr, &file, &TestScope::new()).unwrap_err();
    let spans: Vec<(usize, usize)> = diags
        .iter()
        .filter_map(|d| d.subject.as_ref())
        .map(|s| (s.start.column, s.end.column))
        .collect();
    assert_eq!(spans, [(1, 9), (12, 22)]);
}

#[test]
fn deep_nesting_is_refused_or_evaluated_without_overflow() {
    // The parser bounds nesting; whatever it accepts evaluates without exhausting the stack.
    for depth in [10, 40, 63, 200] {
        let src = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        if let Ok(expr) = hcl_edit::parser::parse_expr(&src) {
            let file = SourceFile::new("case.hcl", src.clone());
            assert!(
                eval_expr(&expr, &file, &TestScope::new()).is_ok(),
                "depth {depth}"
            );
        }
        let src = format!("{}1", "-".repeat(depth));
        if let Ok(expr) = hcl_edit::parser::parse_expr(&src) {
            let file = SourceFile::new("case.hcl", src.clone());
            let _ = eval_expr(&expr, &file, &TestScope::new());
        }
    }
}

#[test]
fn long_splat_chains_are_bounded() {
    let src = format!("var.list{}", "[*]".repeat(5000));
    if let Ok(expr) = hcl_edit::parser::parse_expr(&src) {
        let file = SourceFile::new("case.hcl", src.clone());
        let diags = eval_expr(&expr, &file, &TestScope::new()).unwrap_err();
        assert_eq!(
            diags.iter().next().map(|d| d.summary.as_str()),
            Some("Expression too complex")
        );
    }
    let src = format!("var.list{}", "[*]".repeat(20));
    let expr = hcl_edit::parser::parse_expr(&src).expect("parses");
    let file = SourceFile::new("case.hcl", src.clone());
    let v = eval_expr(&expr, &file, &TestScope::new()).expect("evaluates");
    // The first splat maps over the list; each later one wraps a string into a tuple.
    let wrap = |s: &str| format!("{}\"{s}\"{}", "[".repeat(19), "]".repeat(19));
    assert_eq!(
        v.to_string(),
        format!("[{}, {}, {}]", wrap("a"), wrap("b"), wrap("c"))
    );
}

#[test]
fn the_deepest_accepted_nesting_evaluates_within_the_stack() {
    // 60 nested for expressions around a 120-operator chain around a splat chain: with a few
    // splats this stays within the evaluator's depth limit (256 levels); with more it reaches
    // it, and must do so before the (2 MiB test thread) stack runs out.
    let evaluate_nested = |splats: usize| {
        let mut src = format!(
            "(var.list{} == null ? 1 : 2){}",
            "[*]".repeat(splats),
            " + 1".repeat(120)
        );
        for _ in 0..60 {
            src = format!("[for x in [1] : {src}]");
        }
        let expr = hcl_edit::parser::parse_expr(&src).expect("within the parser's limits");
        let file = SourceFile::new("case.hcl", src.clone());
        eval_expr(&expr, &file, &TestScope::new()).map_err(|d| errors_text(&d))
    };
    for splats in [1, 20] {
        let v = evaluate_nested(splats).expect("evaluates").to_string();
        assert!(v.starts_with("[[[[") && v.contains("122"), "{v}");
    }
    for splats in [100, 1000] {
        let err = evaluate_nested(splats).unwrap_err();
        assert!(err.starts_with("Expression too complex"), "{err}");
    }
}

#[test]
fn heredocs_in_a_configuration_body_use_file_spans() {
    let text = "locals {\n  script = <<-EOT\n    echo ${var.list[0]}\n      done\n  \n    EOT\n}\n";
    let body = hcl_edit::parser::parse_body(text).expect("parses");
    let file = SourceFile::new("main.hcl", text.to_string());
    let block = body.get_blocks("locals").next().expect("locals block");
    let attr = block
        .body
        .get_attribute("script")
        .expect("script attribute");
    let v = eval_expr(&attr.value, &file, &TestScope::new()).expect("evaluates");
    assert_eq!(v.as_str(), Some("echo a\n  done\n  \n"));
}
