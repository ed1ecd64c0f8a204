//! The formatter: golden pairs, Terraform's own formatting cases, idempotency, token
//! preservation, and `run_fmt` (discovery, --check, --diff, --recursive, syntax errors).
//!
//! Golden pairs are `tests/cases/fmt/NAME.in.hcl` -> `NAME.out.hcl`; `FMT_GOLDEN_UPDATE=1`
//! rewrites the `.out.hcl` files from the current formatter (review the diff before committing).

use std::path::{Path, PathBuf};

use flinkform::fmt::{
    format_file, format_source, run_fmt, significant_tokens, unified_diff, FmtError, FmtOptions,
};
use proptest::prelude::*;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/fmt")
}

/// Every golden pair: (name, input, expected output).
fn golden_pairs() -> Vec<(String, String, String)> {
    let mut names: Vec<String> = std::fs::read_dir(cases_dir())
        .expect("cases dir")
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".in.hcl")
                .map(str::to_string)
        })
        .collect();
    names.sort();
    let update = std::env::var_os("FMT_GOLDEN_UPDATE").is_some();
    names
        .into_iter()
        .map(|name| {
            let input =
                std::fs::read_to_string(cases_dir().join(format!("{name}.in.hcl"))).expect("input");
            let out_path = cases_dir().join(format!("{name}.out.hcl"));
            if update {
                let formatted = format_source(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
                std::fs::write(&out_path, formatted).expect("write");
            }
            let expected = std::fs::read_to_string(&out_path)
                .unwrap_or_else(|_| panic!("missing {name}.out.hcl"));
            (name, input, expected)
        })
        .collect()
}

#[test]
fn golden_pairs_format_as_expected() {
    let pairs = golden_pairs();
    assert!(pairs.len() >= 12, "only {} golden pairs", pairs.len());
    for (name, input, expected) in pairs {
        let got = format_source(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            got,
            expected,
            "{name}:\n{}",
            unified_diff(&name, &expected, &got)
        );
    }
}

#[test]
fn formatting_is_idempotent_on_every_golden_file() {
    for (name, input, expected) in golden_pairs() {
        for text in [&input, &expected] {
            let once = format_source(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let twice = format_source(&once).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                once,
                twice,
                "{name}:\n{}",
                unified_diff(&name, &once, &twice)
            );
        }
        assert_eq!(
            format_source(&expected).unwrap(),
            expected,
            "{name}: the expected output is not canonical"
        );
    }
}

#[test]
fn already_formatted_input_is_unchanged() {
    let input = std::fs::read_to_string(cases_dir().join("formatted.in.hcl")).unwrap();
    assert_eq!(format_source(&input).unwrap(), input);
}

#[test]
fn golden_outputs_keep_every_token() {
    for (name, input, expected) in golden_pairs() {
        assert_eq!(
            significant_tokens(&input).unwrap(),
            significant_tokens(&expected).unwrap(),
            "{name}"
        );
    }
}

/// hclwrite's own formatting cases (hashicorp/hcl `hclwrite/format_test.go`), as bodies: a
/// leading newline of theirs is dropped and a final one added, as `fmt` writes files.
#[test]
fn terraform_formatting_cases() {
    let cases: &[(&str, &str)] = &[
        ("a=1", "a = 1"),
        ("a=b.c", "a = b.c"),
        ("a=b[c]", "a = b[c]"),
        ("a=b()[c]", "a = b()[c]"),
        ("a=[\"hello\"][0]", "a = [\"hello\"][0]"),
        ("x = ( a+2 )", "x = (a + 2)"),
        ("x = ( a*2 )", "x = (a * 2)"),
        ("x = ( a+-2 )", "x = (a + -2)"),
        ("x = ( a*-2 )", "x = (a * -2)"),
        ("x = (-2+1)", "x = (-2 + 1)"),
        ("x = foo(1, -2,a*b, b,c)", "x = foo(1, -2, a * b, b, c)"),
        ("x = foo(a,b...)", "x = foo(a, b...)"),
        ("x = ! true", "x = !true"),
        ("a=\"hello ${ name }\"", "a = \"hello ${name}\""),
        ("a=\"hello ${~ name ~}\"", "a = \"hello ${~name~}\""),
        ("a=\"${b}${c}${ d } ${e}\"", "a = \"${b}${c}${d} ${e}\""),
        ("x = \"%{if true}${var.foo}%{endif}\"", "x = \"%{if true}${var.foo}%{endif}\""),
        ("b{}", "b {}"),
        ("x = \"${\nhello\n}\"", "x = \"${\n  hello\n}\""),
        ("x = foo(\n1,\n- 2,\na*b,\nb,\nc,\n)", "x = foo(\n  1,\n  -2,\n  a * b,\n  b,\n  c,\n)"),
        ("x = a?b:c", "x = a ? b : c"),
        ("x = [ [ ] ]", "x = [[]]"),
        ("x = [for x in y : x]", "x = [for x in y : x]"),
        ("x = [for x in [y] : x]", "x = [for x in [y] : x]"),
        ("x = [\n[\na\n]\n]", "x = [\n  [\n    a\n  ]\n]"),
        ("x = [[\na\n]]", "x = [[\n  a\n]]"),
        ("x = [[\n[\na\n]\n]]", "x = [[\n  [\n    a\n  ]\n]]"),
        // Degenerate, asymmetrical brackets.
        ("x = [[\n[\na\n]]\n]", "x = [[\n  [\n    a\n  ]]\n]"),
        ("b {\na = 1\n}", "b {\n  a = 1\n}"),
        ("b {a = 1}", "b { a = 1 }"),
        ("a = 1\nbungle = 2", "a      = 1\nbungle = 2"),
        ("a = 1\n\nbungle = 2", "a = 1\n\nbungle = 2"),
        ("a = 1 # foo\nbungle = 2", "a      = 1 # foo\nbungle = 2"),
        ("a = 1 # foo\nbungle = \"bonce\" # baz", "a      = 1       # foo\nbungle = \"bonce\" # baz"),
        (
            "# here we go\na = 1 # foo\nbungle = \"bonce\" # baz",
            "# here we go\na      = 1       # foo\nbungle = \"bonce\" # baz",
        ),
        (
            "foo {} # here we go\na = 1 # foo\nbungle = \"bonce\" # baz",
            "foo {}           # here we go\na      = 1       # foo\nbungle = \"bonce\" # baz",
        ),
        (
            "a = 1 # foo\nbungle = \"bonce\" # baz\nzebra = \"striped\" # baz",
            "a      = 1         # foo\nbungle = \"bonce\"   # baz\nzebra  = \"striped\" # baz",
        ),
        (
            "a = 1 # foo\nbungle = (\n    \"bonce\"\n) # baz\nzebra = \"striped\" # baz",
            "a = 1 # foo\nbungle = (\n  \"bonce\"\n)                 # baz\nzebra = \"striped\" # baz",
        ),
        (
            "a=\"apple\"# foo\nbungle=(# woo parens\n\"bonce\"\n)# baz\nzebra=\"striped\"# baz",
            "a = \"apple\" # foo\nbungle = (  # woo parens\n  \"bonce\"\n)                 # baz\nzebra = \"striped\" # baz",
        ),
        ("foo {\n# ...\n}", "foo {\n  # ...\n}"),
        ("foo = {\n# ...\n}", "foo = {\n  # ...\n}"),
        ("foo = [\n# ...\n]", "foo = [\n  # ...\n]"),
        ("foo = [{\n# ...\n}]", "foo = [{\n  # ...\n}]"),
        ("foo {\nbar {\n# ...\n}\n}", "foo {\n  bar {\n    # ...\n  }\n}"),
        ("foo {\nbar = {\n# ...\n}\n}", "foo {\n  bar = {\n    # ...\n  }\n}"),
        ("foo {\nbar = [\n# ...\n]\n}", "foo {\n  bar = [\n    # ...\n  ]\n}"),
        ("foo {\nbar = <<EOT\nFoo bar baz\nEOT\n}", "foo {\n  bar = <<EOT\nFoo bar baz\nEOT\n}"),
        ("foo {\nbar = <<-EOT\n  Foo bar baz\nEOT\n}", "foo {\n  bar = <<-EOT\n  Foo bar baz\nEOT\n}"),
        (
            "foo {\nbar = <<EOT\nFoo bar baz\nEOT\nbaz = <<EOT\nFoo bar baz\nEOT\n}\n\nbar {\nfoo = \"bar\"\n}",
            "foo {\n  bar = <<EOT\nFoo bar baz\nEOT\n  baz = <<EOT\nFoo bar baz\nEOT\n}\n\nbar {\n  foo = \"bar\"\n}",
        ),
        (
            "module \"foo\" {\nfoo = <<EOF\n5\nEOF\n}\n\nmodule \"x\" {\na = \"b\"\nabcde = \"456\"\n}",
            "module \"foo\" {\n  foo = <<EOF\n5\nEOF\n}\n\nmodule \"x\" {\n  a     = \"b\"\n  abcde = \"456\"\n}",
        ),
    ];
    for (input, want) in cases {
        let got = format_source(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(got, format!("{want}\n"), "input:\n{input}");
    }
}

#[test]
fn unicode_names_align_by_characters() {
    let got =
        format_source("𝒜 = 1 # foo\nbungle = \"🇬🇧\" # baz\nzebra = \"striped\" # baz\n").unwrap();
    // Terraform counts grapheme clusters (the flag is one); characters are counted here.
    assert_eq!(
        got,
        "𝒜      = 1         # foo\nbungle = \"🇬🇧\"      # baz\nzebra  = \"striped\" # baz\n"
    );
}

#[test]
fn syntax_errors_are_errors_with_a_position() {
    let e = format_source("variable \"x\" {\n  type = \n}\n").unwrap_err();
    assert_eq!((e.line, e.column), (2, 10), "{e}");
    assert!(!e.message.is_empty());
    for bad in [
        "a = \"unterminated\n",
        "a = <<EOT\nno end\n",
        "a = [1,\n",
        "}",
        "a = 1 b = 2\n",
        "/* open",
    ] {
        assert!(format_source(bad).is_err(), "{bad:?} must not format");
    }
}

// ---------------------------------------------------------------------------------------------
// Token preservation: random whitespace changes to the golden inputs never change the tokens,
// and formatting keeps them.

/// Byte ranges of the whitespace between tokens of `src`, as the formatter would change it.
fn whitespace_gaps(src: &str) -> Vec<(usize, usize)> {
    // Tokens' texts appear in order in the source; the gaps between them are whitespace.
    let tokens = significant_tokens(src).expect("parses");
    let mut gaps = Vec::new();
    let mut pos = 0;
    for token in tokens {
        let at = pos + src[pos..].find(token.as_str()).expect("token in source");
        gaps.push((pos, at));
        pos = at + token.len();
    }
    gaps.push((pos, src.len()));
    gaps
}

/// Replaces the whitespace gaps chosen with other runs of blanks keeping their newlines (and
/// sometimes adding a blank line, which the result's second field tells).
fn perturb(src: &str, choices: &[(usize, u8)]) -> (String, bool) {
    let src = &src.replace("\r\n", "\n");
    let gaps = whitespace_gaps(src);
    let mut added_blank_line = false;
    let mut replaced: Vec<Option<String>> = vec![None; gaps.len()];
    for &(index, style) in choices {
        let i = index % gaps.len();
        let (start, end) = gaps[i];
        let gap = &src[start..end];
        // No whitespace (inside a template) stays so, and so does anything but blanks.
        if gap.is_empty() || gap.chars().any(|c| !matches!(c, ' ' | '\t' | '\r' | '\n')) {
            continue;
        }
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-');
        let joins_words = word(src[..start].chars().next_back()) && word(src[end..].chars().next());
        let newlines = gap.matches('\n').count();
        let blank = match style % 4 {
            0 if joins_words => " ",
            0 => "",
            1 => " ",
            2 => "\t  ",
            _ => "     ",
        };
        let mut s = String::from(blank);
        for _ in 0..newlines {
            s.push_str(if style % 3 == 0 { "\r\n" } else { "\n" });
            s.push_str(blank);
        }
        if style % 5 == 0 && newlines > 0 {
            s.push('\n');
            added_blank_line = true;
        }
        replaced[i] = Some(s);
    }
    let mut out = String::new();
    let mut pos = 0;
    for (i, (start, end)) in gaps.iter().enumerate() {
        out.push_str(&src[pos..*start]);
        match &replaced[i] {
            Some(s) => out.push_str(s),
            None => out.push_str(&src[*start..*end]),
        }
        pos = *end;
    }
    out.push_str(&src[pos..]);
    (out, added_blank_line)
}

fn without_whitespace(s: &str) -> String {
    s.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn formatting_keeps_tokens_and_is_idempotent(
        file in 0usize..64,
        choices in proptest::collection::vec((0usize..10_000, any::<u8>()), 0..40),
    ) {
        let pairs = golden_pairs();
        let (name, input, _) = &pairs[file % pairs.len()];
        let (mutated, added_blank_line) = perturb(input, &choices);
        // Dropping a blank between two tokens can join them (`a b` -> `ab`) or make the input
        // invalid; only inputs that still parse with the same tokens are formatted.
        let Ok(tokens) = significant_tokens(&mutated) else { return Ok(()); };
        if tokens != significant_tokens(input).unwrap() {
            return Ok(());
        }
        let formatted = format_source(&mutated).map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
        prop_assert_eq!(&significant_tokens(&formatted).unwrap(), &tokens, "{}", name);
        prop_assert_eq!(without_whitespace(&formatted), without_whitespace(&mutated.replace("\r\n", "\n")));
        prop_assert_eq!(&format_source(&formatted).unwrap(), &formatted, "{}: not idempotent", name);
        // Blanks alone never change the canonical form.
        if !added_blank_line {
            prop_assert_eq!(&formatted, &format_source(input).unwrap(), "{}", name);
        }
    }
}

/// Fragments that combine into odd but often valid configurations.
const PIECES: &[&str] = &[
    "a = ",
    "b=",
    "x {",
    "y \"l\" {",
    "}",
    "{",
    "[",
    "]",
    "(",
    ")",
    ",",
    "\n",
    "\n\n\n",
    "  ",
    "\t",
    "\r\n",
    "1",
    "-",
    "!",
    "?",
    ":",
    "=>",
    "...",
    "*",
    ".",
    "[*]",
    "var.x",
    "f(",
    "p::q(",
    "for k, v in ",
    " in ",
    " if ",
    "\"s\"",
    "\"${",
    "\"%{ if c }",
    "%{ else }",
    "%{ endif }\"",
    "${~",
    "~}",
    "}\"",
    "$${",
    "\\\"",
    "<<EOT\n",
    "<<-EOT\n",
    "  EOT\n",
    "EOT\n",
    "${ y }",
    "# c\n",
    "// c\n",
    "/* c */",
    "/*\n*/",
    "k: 1",
    "{ a = 1 }",
    "[1, 2]",
    "1.5e3",
    "é",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever parses formats (no internal error), keeps its tokens and is a fixed point.
    #[test]
    fn every_input_that_parses_formats(pieces in proptest::collection::vec(0..PIECES.len(), 0..24)) {
        let src: String = pieces.iter().map(|&i| PIECES[i]).collect();
        if hcl_edit::parser::parse_body(&src).is_err() {
            prop_assert!(format_source(&src).is_err());
            return Ok(());
        }
        let formatted = format_source(&src).map_err(|e| TestCaseError::fail(format!("{src:?}: {e}")))?;
        prop_assert_eq!(significant_tokens(&formatted).unwrap(), significant_tokens(&src).unwrap());
        prop_assert_eq!(format_source(&formatted).unwrap(), formatted.clone(), "{:?}", src);
        prop_assert!(formatted.is_empty() || formatted.ends_with('\n') && !formatted.ends_with("\n\n"));
        prop_assert!(!formatted.lines().any(|l| l.ends_with(' ') && !formatted.contains("<<")), "{:?}", formatted);
    }
}

/// Random expressions, written with random (valid) spacing and line breaks.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "1",
        "2.5e3",
        "true",
        "null",
        "var.x",
        "local.a[0].b",
        "var.l[*].id",
        "\"s\"",
        "\"a${var.x}b\"",
        "\"%{ if c }y%{ else }n%{ endif }\"",
        "\"${~ x ~}\"",
        "<<EOT\n  x ${y}\nEOT\n",
        "<<-EOT\n    z\n  EOT\n",
        "x.0",
        "provider::p::f(1)",
        "{}",
        "[]",
    ])
    .prop_map(str::to_string);
    let gap = prop::sample::select(vec!["", " ", "  ", "\n", "\n  ", " # c\n", " /* c */ "]);
    leaf.prop_recursive(4, 48, 4, move |inner| {
        let items = prop::collection::vec((inner.clone(), gap.clone()), 0..4);
        prop_oneof![
            (items.clone(), gap.clone()).prop_map(|(items, end)| format!(
                "[{}{end}]",
                items
                    .iter()
                    .map(|(e, g)| format!("{g}{e}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )),
            (prop::collection::vec((inner.clone(), gap.clone(), any::<bool>()), 0..4)).prop_map(
                |items| {
                    let body: String = items
                        .iter()
                        .enumerate()
                        .map(|(i, (e, g, colon))| {
                            format!("\n{g}k{i}{}{e}\n", if *colon { ":" } else { " = " })
                        })
                        .collect();
                    format!("{{{body}}}")
                }
            ),
            (items, gap.clone()).prop_map(|(items, end)| {
                format!(
                    "f({}{end})",
                    items
                        .iter()
                        .map(|(e, g)| format!("{g}{e}"))
                        .collect::<Vec<_>>()
                        .join(",")
                )
            }),
            (
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "==", "&&", ">="]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c}?{a}:{b})")),
            (inner.clone(), inner.clone(), gap.clone())
                .prop_map(|(c, e, g)| format!("[for v in {c}:{g}{e} if v]")),
            (inner.clone(), inner.clone())
                .prop_map(|(c, e)| format!("{{for k, v in {c} : k => {e}...}}")),
            inner
                .clone()
                .prop_map(|e| format!("\"pre ${{ {e} }} post\"")),
            inner.clone().prop_map(|e| format!("-{e}")),
            inner.prop_map(|e| format!("!({e})")),
        ]
    })
}

/// Random bodies: attributes, blocks, comments and blank lines.
fn body() -> impl Strategy<Value = String> {
    let item = prop_oneof![
        (
            prop::sample::select(vec!["a", "bb", "long_name", "x-y"]),
            expression(),
            prop::sample::select(vec!["", " # t", " // t"])
        )
            .prop_map(|(name, e, c)| format!("{name} = {e}{c}\n")),
        Just("# own line\n".to_string()),
        Just("\n\n".to_string()),
        Just("/* block\n  comment */\n".to_string()),
    ];
    prop::collection::vec((item, 0usize..3, any::<bool>()), 0..10).prop_map(|items| {
        let mut out = String::new();
        let mut open = 0;
        for (item, indent, block) in items {
            out.push_str(&"\t".repeat(indent));
            if block && open < 3 {
                out.push_str("blk \"l\" {\n");
                open += 1;
            }
            out.push_str(&item);
            if !block && open > 0 {
                out.push_str("}\n");
                open -= 1;
            }
        }
        out.push_str(&"}\n".repeat(open));
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random configurations that parse format (no internal error), keep their tokens, and are
    /// a fixed point of formatting.
    #[test]
    fn random_configurations_format(src in body()) {
        if hcl_edit::parser::parse_body(&src).is_err() {
            return Ok(());
        }
        let formatted = format_source(&src).map_err(|e| TestCaseError::fail(format!("{src:?}: {e}")))?;
        prop_assert_eq!(significant_tokens(&formatted).unwrap(), significant_tokens(&src).unwrap());
        prop_assert_eq!(format_source(&formatted).unwrap(), formatted.clone(), "{:?}", src);
    }
}

// ---------------------------------------------------------------------------------------------
// run_fmt

const UNFORMATTED: &str = "a=1\nbb = 2\n";
const FORMATTED: &str = "a  = 1\nbb = 2\n";

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn run(
    paths: &[PathBuf],
    opts: &FmtOptions,
) -> (Result<flinkform::fmt::FmtSummary, FmtError>, String) {
    let mut out = Vec::new();
    let result = run_fmt(paths, opts, &mut out);
    (result, String::from_utf8(out).unwrap())
}

#[test]
fn check_reports_changed_files_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "main.hcl", UNFORMATTED);
    write(dir.path(), "ok.hcl", FORMATTED);
    let opts = FmtOptions {
        check: true,
        write: false,
        ..FmtOptions::default()
    };
    let (result, out) = run(&[dir.path().to_path_buf()], &opts);
    let summary = result.unwrap();
    assert!(summary.changed());
    assert_eq!(summary.changed_files, vec![bad.clone()]);
    assert_eq!(summary.files.len(), 2);
    assert_eq!(out, format!("{}\n", bad.display()));
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        UNFORMATTED,
        "--check must not write"
    );

    // Even when asked to write, --check does not.
    let opts = FmtOptions {
        check: true,
        write: true,
        ..FmtOptions::default()
    };
    let (result, _) = run(std::slice::from_ref(&bad), &opts);
    assert!(result.unwrap().changed());
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), UNFORMATTED);
}

#[test]
fn check_passes_when_everything_is_formatted() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.hcl", FORMATTED);
    let opts = FmtOptions {
        check: true,
        ..FmtOptions::default()
    };
    let (result, out) = run(&[dir.path().to_path_buf()], &opts);
    let summary = result.unwrap();
    assert!(!summary.changed());
    assert_eq!(summary.files.len(), 1);
    assert_eq!(out, "");
}

#[test]
fn write_rewrites_changed_files_and_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "main.hcl", UNFORMATTED);
    let ok = write(dir.path(), "ok.hcl", FORMATTED);
    let opts = FmtOptions {
        write: true,
        ..FmtOptions::default()
    };
    let (result, out) = run(&[dir.path().to_path_buf()], &opts);
    assert_eq!(result.unwrap().changed_files, vec![bad.clone()]);
    assert_eq!(out, format!("{}\n", bad.display()));
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), FORMATTED);
    assert_eq!(std::fs::read_to_string(&ok).unwrap(), FORMATTED);
    // A second run has nothing left to do.
    let (result, out) = run(&[dir.path().to_path_buf()], &opts);
    assert!(!result.unwrap().changed());
    assert_eq!(out, "");
}

#[test]
fn diff_prints_a_unified_diff_after_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "main.hcl", UNFORMATTED);
    let opts = FmtOptions {
        check: true,
        diff: true,
        ..FmtOptions::default()
    };
    let (result, out) = run(std::slice::from_ref(&bad), &opts);
    assert!(result.unwrap().changed());
    let shown = bad.display().to_string();
    assert_eq!(
        out,
        format!(
            "{shown}\n--- old/{shown}\n+++ new/{shown}\n@@ -1,2 +1,2 @@\n-a=1\n+a  = 1\n bb = 2\n"
        )
    );
    assert_eq!(unified_diff("x.hcl", FORMATTED, FORMATTED), "");
}

#[test]
fn directories_are_searched_recursively_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let top = write(dir.path(), "main.hcl", UNFORMATTED);
    let vars = write(
        dir.path(),
        "prod.auto.vars",
        "region=\"westeurope\"\nreplicas = 2\n",
    );
    let deep = write(dir.path(), "modules/pipeline/main.hcl", UNFORMATTED);
    write(dir.path(), "notes.txt", UNFORMATTED);
    write(dir.path(), "other.vars", UNFORMATTED);
    write(dir.path(), ".hidden/main.hcl", UNFORMATTED);
    write(dir.path(), "modules/.cache.hcl", UNFORMATTED);
    write(dir.path(), "main.hcl~", UNFORMATTED);
    let opts = FmtOptions {
        check: true,
        ..FmtOptions::default()
    };

    let (result, _) = run(&[dir.path().to_path_buf()], &opts);
    assert_eq!(result.unwrap().files, vec![top.clone(), vars.clone()]);

    let opts = FmtOptions {
        recursive: true,
        ..opts
    };
    let (result, out) = run(&[dir.path().to_path_buf()], &opts);
    let summary = result.unwrap();
    assert_eq!(summary.files, vec![top.clone(), deep.clone(), vars.clone()]);
    assert_eq!(
        summary.changed_files,
        vec![top.clone(), deep.clone(), vars.clone()]
    );
    assert_eq!(
        out,
        format!(
            "{}\n{}\n{}\n",
            top.display(),
            deep.display(),
            vars.display()
        )
    );

    // A file named explicitly is formatted whatever its name.
    let other = dir.path().join("other.vars");
    let (result, _) = run(std::slice::from_ref(&other), &opts);
    assert_eq!(result.unwrap().changed_files, vec![other]);
}

#[test]
fn files_found_in_the_current_directory_are_shown_without_dot_slash() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "main.hcl", UNFORMATTED);
    write(dir.path(), "sub/x.hcl", UNFORMATTED);
    let cwd = std::env::current_dir().unwrap();
    // The only test that changes directory; it restores it before asserting.
    std::env::set_current_dir(dir.path()).unwrap();
    let opts = FmtOptions {
        check: true,
        recursive: true,
        ..FmtOptions::default()
    };
    let (result, out) = run(&[PathBuf::from(".")], &opts);
    std::env::set_current_dir(cwd).unwrap();
    assert_eq!(
        result.unwrap().files,
        vec![PathBuf::from("main.hcl"), PathBuf::from("sub/x.hcl")]
    );
    assert_eq!(out, "main.hcl\nsub/x.hcl\n");
}

#[test]
fn syntax_errors_name_the_file_and_position() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.hcl", FORMATTED);
    let broken = write(dir.path(), "b.hcl", "locals {\n  x = [1, 2\n}\n");
    let (result, _) = run(
        &[dir.path().to_path_buf()],
        &FmtOptions {
            write: true,
            ..FmtOptions::default()
        },
    );
    let err = result.unwrap_err();
    match &err {
        FmtError::Syntax { path, error } => {
            assert_eq!(path, &broken);
            assert_eq!((error.line, error.column), (3, 1), "{error}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(
        err.to_string()
            .starts_with(&format!("{}:3:1: ", broken.display())),
        "{err}"
    );
    let diag = err.to_diagnostic();
    assert_eq!(
        diag.subject.unwrap().to_string(),
        format!("{}:3:1", broken.display())
    );
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "locals {\n  x = [1, 2\n}\n"
    );
}

#[test]
fn missing_paths_and_invalid_utf8_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (result, _) = run(&[dir.path().join("nope.hcl")], &FmtOptions::default());
    assert!(matches!(result, Err(FmtError::Io { .. })), "{result:?}");

    let path = dir.path().join("bin.hcl");
    std::fs::write(&path, b"a = 1\nb = \"\xff\"\n").unwrap();
    match format_file(&path) {
        Err(FmtError::Syntax { error, .. }) => {
            assert_eq!((error.line, error.column, error.offset), (2, 6, 11))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn format_file_reports_whether_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "main.hcl", UNFORMATTED);
    let outcome = format_file(&path).unwrap();
    assert!(outcome.changed());
    assert_eq!(outcome.original, UNFORMATTED);
    assert_eq!(outcome.formatted, FORMATTED);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        UNFORMATTED,
        "format_file does not write"
    );
}
