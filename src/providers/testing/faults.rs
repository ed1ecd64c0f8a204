//! Injected failures: `fail_on` names the operation that fails, `fail_times` limits the failures
//! to the first N attempts. Attempts are counted in files under `state_dir`, so that a count
//! survives the process (an "apply again converges" test runs flinkform twice).
//!
//! The provider is not told the resource's address, so attempts are counted per operation and
//! per (`value`, `replace_value`): resources meant to fail independently need different values.
//! Every call counts: a plan made again at apply time is a second plan attempt.

use std::fs;
use std::io;
use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::diagnostics::did_you_mean;
use crate::lang::Value;
use crate::providers::schema::AttrPath;
use crate::providers::ProviderError;

use super::store;

/// The operations a failure can be injected into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Operation {
    Create,
    Update,
    Delete,
    Read,
    Plan,
}

impl Operation {
    const ALL: [Operation; 5] = [
        Operation::Create,
        Operation::Update,
        Operation::Delete,
        Operation::Read,
        Operation::Plan,
    ];

    fn name(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Read => "read",
            Operation::Plan => "plan",
        }
    }
}

/// Problems with `fail_on` and `fail_times` in a configuration (unknown values pass).
pub(super) fn validate(config: &Value) -> Vec<ProviderError> {
    let mut problems = Vec::new();
    let fail_on = config.get_attr("fail_on");
    if let Some(op) = fail_on.and_then(Value::as_str) {
        if !Operation::ALL.iter().any(|o| o.name() == op) {
            let names = Operation::ALL.map(Operation::name);
            let hint = match fail_on.is_some_and(Value::is_sensitive) {
                true => String::new(),
                false => did_you_mean(op, names),
            };
            problems.push(ProviderError::invalid(
                AttrPath::attr("fail_on"),
                "Invalid operation",
                format!(
                    "fail_on must be one of {}.{hint}",
                    names.map(|n| format!("\"{n}\"")).join(", "),
                ),
            ));
        }
    }
    let fail_times = config.get_attr("fail_times");
    if let Some(n) = fail_times.and_then(Value::as_number) {
        if !(n >= 0.0 && n.fract() == 0.0) {
            problems.push(ProviderError::invalid(
                AttrPath::attr("fail_times"),
                "Invalid number of failures",
                "fail_times must be a whole number, 0 or more.",
            ));
        }
    }
    let state_dir_null = config.get_attr("state_dir").is_none_or(Value::is_null);
    if fail_times.is_some_and(|v| !v.is_null()) && state_dir_null {
        problems.push(ProviderError::invalid(
            AttrPath::attr("fail_times"),
            "Missing state_dir",
            "fail_times counts attempts in files under state_dir, which must be set.",
        ));
    }
    problems
}

/// Fails with "testing_resource: injected failure on <op>" when `settings` (the configuration,
/// or the prior state for operations that have none) say that `op` fails at this attempt.
/// `attempts` serialises counting within the process.
pub(super) fn inject(
    settings: &Value,
    op: Operation,
    attempts: &Mutex<()>,
) -> Result<(), ProviderError> {
    if settings.get_attr("fail_on").and_then(Value::as_str) != Some(op.name()) {
        return Ok(());
    }
    let failure = || ProviderError::Remote {
        message: format!("testing_resource: injected failure on {}", op.name()),
    };
    let Some(limit) = settings.get_attr("fail_times").and_then(Value::as_number) else {
        return Err(failure());
    };
    let Some(dir) = store::state_dir(settings) else {
        return Err(ProviderError::invalid(
            AttrPath::attr("state_dir"),
            "Missing state_dir",
            "fail_times counts attempts in files under state_dir, which must be set.",
        ));
    };
    let path = dir
        .join("attempts")
        .join(format!("{}-{}", op.name(), object_key(settings)));
    // A poisoned lock guards nothing broken: the counter file is rewritten atomically.
    let _guard = attempts.lock().unwrap_or_else(|e| e.into_inner());
    let count = read_count(&path)
        .map_err(|e| ProviderError::io(format!("reading {}", path.display()), e))?;
    if (count as f64) >= limit {
        return Ok(());
    }
    store::write_atomically(&path, format!("{}\n", count + 1).as_bytes())
        .map_err(|e| ProviderError::io(format!("writing {}", path.display()), e))?;
    Err(failure())
}

/// What identifies an object across attempts: a digest of `value` and `replace_value`.
fn object_key(settings: &Value) -> String {
    let mut key = serde_json::Map::new();
    for name in ["value", "replace_value"] {
        let v = settings.get_attr(name).map(Value::to_json);
        key.insert(name.to_string(), v.unwrap_or_default());
    }
    let digest = Sha256::digest(serde_json::Value::Object(key).to_string().as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// The attempts counted so far in `path`: 0 when the file does not exist.
fn read_count(path: &Path) -> io::Result<u64> {
    match fs::read_to_string(path) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not an attempt counter")),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}
