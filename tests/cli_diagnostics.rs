//! Snapshots of every kind of rendered diagnostic, produced by running the real binary on the
//! fixture configurations in `tests/cases/diagnostics/`.

use std::path::Path;
use std::process::Command;

/// Runs flinkform in a fixture directory; returns "exit: N" + stdout + stderr.
fn run(case: &str, args: &[&str]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/diagnostics")
        .join(case);
    let out = Command::new(env!("CARGO_BIN_EXE_flinkform"))
        .arg("--chdir")
        .arg(&dir)
        .arg("--no-color")
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run flinkform");
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn syntax_error() {
    insta::assert_snapshot!(run("syntax_error", &["validate"]));
}

#[test]
fn unknown_argument() {
    insta::assert_snapshot!(run("unknown_argument", &["validate"]));
}

#[test]
fn unknown_block() {
    insta::assert_snapshot!(run("unknown_block", &["validate"]));
}

#[test]
fn undeclared_reference() {
    insta::assert_snapshot!(run("undeclared_reference", &["validate"]));
}

#[test]
fn cycle() {
    insta::assert_snapshot!(run("cycle", &["validate"]));
}

#[test]
fn type_conversion() {
    insta::assert_snapshot!(
        "type_conversion_variable",
        run("type_conversion", &["graph", "--var", "replicas=three"])
    );
    insta::assert_snapshot!(
        "type_conversion_attribute",
        run("type_conversion", &["validate"])
    );
}

#[test]
fn variable_validation() {
    insta::assert_snapshot!(run(
        "variable_validation",
        &["graph", "--var", "environment=qa"]
    ));
}

#[test]
fn missing_required_variable() {
    insta::assert_snapshot!(run("missing_variable", &["graph"]));
}

#[test]
fn validate_json_carries_ranges() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/diagnostics/unknown_argument");
    let out = Command::new(env!("CARGO_BIN_EXE_flinkform"))
        .args(["validate", "--json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["error_count"], 2);
    let first = &doc["diagnostics"][0];
    assert_eq!(first["summary"], "Unsupported argument");
    assert_eq!(first["range"]["filename"], "main.hcl");
    assert_eq!(first["range"]["start"]["line"], 2);
    assert_eq!(first["range"]["start"]["column"], 3);
    assert_eq!(first["range"]["end"]["column"], 8);
}
