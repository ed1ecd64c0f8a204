//! What the Azure end-to-end tests share: running the binary against the ARM stand-in, making
//! the stand-in echo resources the way Azure does, and checking every request body against the
//! official specifications (with the stand-in's validator). A test file includes it after the stand-in:
//!
//! ```ignore
//! #[path = "arm_standin/mod.rs"] mod arm_standin;
//! #[path = "azure_support/mod.rs"] mod azure_support;
//! ```
#![allow(dead_code)]

pub mod azure_like;

use std::path::Path;
use std::process::{Command, Stdio};

use crate::arm_standin::schema::{self, Verdict};
use crate::arm_standin::StandIn;

/// The output of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// The binary, in `dir`, pointed at the stand-in through the environment.
pub fn command(dir: &Path, standin: &StandIn, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flinkform"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("FLINKFORM_TESTING_PROVIDER");
    for (k, _) in std::env::vars() {
        if k.starts_with("ARM_") || k.starts_with("AZURE_") {
            c.env_remove(k);
        }
    }
    for (k, v) in standin.env() {
        c.env(k, v);
    }
    c
}

pub fn flinkform(dir: &Path, standin: &StandIn, args: &[&str]) -> Run {
    let out = command(dir, standin, args)
        .stdin(Stdio::null())
        .output()
        .expect("run flinkform");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and expects success; the output.
pub fn ok(dir: &Path, standin: &StandIn, args: &[&str]) -> Run {
    let r = flinkform(dir, standin, args);
    assert_eq!(
        r.code, 0,
        "flinkform {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r
}

/// `plan --detailed-exitcode` and expects no changes.
pub fn assert_no_changes(dir: &Path, standin: &StandIn) {
    let r = flinkform(dir, standin, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        r.code, 0,
        "expected an empty plan:\n{}\n{}",
        r.stdout, r.stderr
    );
    assert!(r.stdout.contains("No changes."), "{}", r.stdout);
}

/// A temporary configuration directory with `main.hcl`.
pub fn config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    write(dir.path(), text);
    dir
}

pub fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join("main.hcl"), text).expect("write main.hcl");
}

pub fn state_text(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("state/default.json")).unwrap_or_default()
}

pub fn state_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&state_text(dir)).expect("state JSON")
}

/// The attributes of a resource instance in the state file.
pub fn attributes(dir: &Path, address: &str) -> serde_json::Value {
    let state = state_json(dir);
    for r in state["resources"].as_array().into_iter().flatten() {
        for i in r["instances"].as_array().into_iter().flatten() {
            let key = match &i["index_key"] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) => format!("[{n}]"),
                serde_json::Value::String(s) => format!("[\"{s}\"]"),
                _ => String::new(),
            };
            if format!("{}{key}", r["address"].as_str().unwrap_or_default()) == address {
                return i["attributes"].clone();
            }
        }
    }
    panic!("{address} is not in the state:\n{}", state_text(dir));
}

/// Every request body the stand-in received, checked against the official specifications
/// (`arm_standin::schema`): the problems, and the (method, path) of requests no specification
/// here covers (Microsoft.Network and Microsoft.OperationalInsights are not among the copies).
pub fn check_bodies(standin: &StandIn) -> (usize, Vec<String>, Vec<String>) {
    let specs = schema::specs();
    let mut checked = 0;
    let mut problems = Vec::new();
    let mut uncovered = Vec::new();
    for r in standin.requests() {
        if !matches!(r.method.as_str(), "PUT" | "PATCH") {
            continue;
        }
        let Some(body) = &r.body else {
            continue;
        };
        match specs.validate(&r.method, &r.path, r.api_version.as_deref(), body) {
            Verdict::Valid => checked += 1,
            Verdict::Invalid(p) => problems.extend(
                p.into_iter()
                    .map(|p| format!("{} {}: {p}", r.method, r.path)),
            ),
            Verdict::NoSpec => uncovered.push(format!("{} {}", r.method, r.path)),
        }
    }
    (checked, problems, uncovered)
}

/// Asserts that every body sent conforms (some were checked), and that only network and Log
/// Analytics requests are left unchecked.
pub fn assert_bodies_conform(standin: &StandIn) {
    let (checked, problems, uncovered) = check_bodies(standin);
    assert!(
        checked > 0 || !problems.is_empty(),
        "no request body was checked"
    );
    assert!(
        problems.is_empty(),
        "request bodies that do not conform:\n{}",
        problems.join("\n")
    );
    let unexpected: Vec<&String> = uncovered
        .iter()
        .filter(|u| {
            let l = u.to_ascii_lowercase();
            !(l.contains("/providers/microsoft.network/")
                || l.contains("/providers/microsoft.operationalinsights/"))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "requests no specification covers: {unexpected:#?}"
    );
}

/// The provider block for the stand-in (its settings also come from the environment).
pub const PROVIDER: &str = "provider \"azure\" {}\n";
