//! Plan files: `plan --out FILE` writes one, `apply FILE` applies exactly it, `show FILE`
//! renders it.
//!
//! A plan file is self-contained JSON (mode 0600: it holds variable values and the refreshed
//! state, secrets included): the plan's changes with values encoded losslessly (unknowns,
//! sensitive marks and collection kinds kept), the variables it was made with, the options,
//! the refreshed state it starts from, and what it was made against — a digest of the
//! configuration and the prior state's lineage and serial — so that applying it against
//! anything else is refused.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value as Json};
use sha2::{Digest, Sha256};

use super::{Action, ActionReason, OutputChange, Plan, PlanMode, ResourceChange};
use crate::addrs::{AbsResourceInstance, Targetable};
use crate::config::Config;
use crate::lang::{Value, ValueKind};
use crate::providers::schema::{AttrPath, PathStep};
use crate::state::{type_from_json, type_to_json, State};

/// Identifies plan files and their format.
const FORMAT: &str = "flinkform-plan";
const VERSION: u64 = 1;

/// Errors reading or writing plan files; each names the file.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("cannot read plan file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write plan file {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a flinkform plan file: {reason}")]
    Invalid { path: String, reason: String },
}

/// Everything `apply FILE` needs.
#[derive(Debug, Clone)]
pub struct PlanFile {
    pub plan: Plan,
    pub variables: BTreeMap<String, Value>,
    pub targets: Vec<String>,
    pub replace: Vec<String>,
    pub parallelism: usize,
    /// The state as refreshed when planning; apply starts from it.
    pub refreshed: State,
    /// What the plan was made against.
    pub config_digest: String,
    pub prior_lineage: String,
    pub prior_serial: u64,
}

#[derive(Serialize, Deserialize)]
struct Document {
    format: String,
    version: u64,
    flinkform_version: String,
    config_digest: String,
    prior_lineage: String,
    prior_serial: u64,
    mode: String,
    targets: Vec<String>,
    replace: Vec<String>,
    parallelism: usize,
    variables: BTreeMap<String, Json>,
    changes: Vec<Json>,
    drift: Vec<Json>,
    output_changes: Vec<Json>,
    refreshed_state: State,
}

/// A digest of every file of the configuration (path and content), in a stable order.
pub fn config_digest(config: &Config) -> String {
    let mut files: Vec<(&str, &str)> = config
        .sources
        .iter()
        .map(|f| (&*f.path, f.text.as_str()))
        .collect();
    files.sort();
    let mut h = Sha256::new();
    for (path, text) in files {
        h.update(path.as_bytes());
        h.update([0]);
        h.update(text.len().to_le_bytes());
        h.update(text.as_bytes());
    }
    format!("{:x}", h.finalize())
}

impl PlanFile {
    pub fn write(&self, path: &Path) -> Result<(), PlanFileError> {
        let doc = Document {
            format: FORMAT.into(),
            version: VERSION,
            flinkform_version: env!("CARGO_PKG_VERSION").into(),
            config_digest: self.config_digest.clone(),
            prior_lineage: self.prior_lineage.clone(),
            prior_serial: self.prior_serial,
            mode: mode_name(self.plan.mode).into(),
            targets: self.targets.clone(),
            replace: self.replace.clone(),
            parallelism: self.parallelism,
            variables: self
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), encode(v)))
                .collect(),
            changes: self.plan.changes.iter().map(encode_change).collect(),
            drift: self.plan.drift.iter().map(encode_change).collect(),
            output_changes: self.plan.output_changes.iter().map(encode_output).collect(),
            refreshed_state: self.refreshed.clone(),
        };
        let text = serde_json::to_vec(&doc).map_err(|e| PlanFileError::Write {
            path: path.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        write_private(path, &text).map_err(|source| PlanFileError::Write {
            path: path.display().to_string(),
            source,
        })
    }

    pub fn read(path: &Path) -> Result<PlanFile, PlanFileError> {
        let p = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| PlanFileError::Read {
            path: p.clone(),
            source,
        })?;
        let invalid = |reason: String| PlanFileError::Invalid {
            path: p.clone(),
            reason,
        };
        let doc: Document = serde_json::from_slice(&text).map_err(|e| invalid(e.to_string()))?;
        if doc.format != FORMAT {
            return Err(invalid(format!("unexpected format {:?}", doc.format)));
        }
        if doc.version != VERSION {
            return Err(invalid(format!(
                "plan file format version {} is not supported (this flinkform reads {VERSION})",
                doc.version
            )));
        }
        let decode_all = |items: &[Json]| -> Result<Vec<ResourceChange>, String> {
            items.iter().map(decode_change).collect()
        };
        let plan = Plan {
            mode: match doc.mode.as_str() {
                "normal" => PlanMode::Normal,
                "destroy" => PlanMode::Destroy,
                "refresh-only" => PlanMode::RefreshOnly,
                m => return Err(invalid(format!("unknown mode {m:?}"))),
            },
            changes: decode_all(&doc.changes).map_err(&invalid)?,
            drift: decode_all(&doc.drift).map_err(&invalid)?,
            output_changes: doc
                .output_changes
                .iter()
                .map(decode_output)
                .collect::<Result<_, _>>()
                .map_err(&invalid)?,
        };
        let variables = doc
            .variables
            .iter()
            .map(|(k, v)| Ok((k.clone(), decode(v)?)))
            .collect::<Result<_, String>>()
            .map_err(&invalid)?;
        Ok(PlanFile {
            plan,
            variables,
            targets: doc.targets,
            replace: doc.replace,
            parallelism: doc.parallelism,
            refreshed: doc.refreshed_state,
            config_digest: doc.config_digest,
            prior_lineage: doc.prior_lineage,
            prior_serial: doc.prior_serial,
        })
    }

    /// The targets, parsed back.
    pub fn target_addrs(&self) -> Vec<Targetable> {
        self.targets.iter().filter_map(|t| t.parse().ok()).collect()
    }
}

/// Writes a file readable by its owner only, atomically (temporary file, then rename).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("plan")
    ));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

fn mode_name(m: PlanMode) -> &'static str {
    match m {
        PlanMode::Normal => "normal",
        PlanMode::Destroy => "destroy",
        PlanMode::RefreshOnly => "refresh-only",
    }
}

const ACTIONS: &[(Action, &str)] = &[
    (Action::NoOp, "no-op"),
    (Action::Create, "create"),
    (Action::Read, "read"),
    (Action::Update, "update"),
    (Action::DeleteThenCreate, "delete-create"),
    (Action::CreateThenDelete, "create-delete"),
    (Action::Delete, "delete"),
];

const REASONS: &[(ActionReason, &str)] = &[
    (ActionReason::ReplaceByRequest, "replace_by_request"),
    (ActionReason::ReplaceByTriggers, "replace_by_triggers"),
    (ActionReason::Tainted, "replace_because_tainted"),
    (
        ActionReason::DeleteBecauseNoResourceConfig,
        "delete_because_no_resource_config",
    ),
    (
        ActionReason::DeleteBecauseCountIndex,
        "delete_because_count_index",
    ),
    (
        ActionReason::DeleteBecauseEachKey,
        "delete_because_each_key",
    ),
    (
        ActionReason::DeleteBecauseNoModule,
        "delete_because_no_module",
    ),
];

fn action_name(a: Action) -> &'static str {
    ACTIONS
        .iter()
        .find(|(x, _)| *x == a)
        .map(|(_, n)| *n)
        .unwrap_or("no-op")
}

fn action_from(name: &str) -> Result<Action, String> {
    ACTIONS
        .iter()
        .find(|(_, n)| *n == name)
        .map(|(a, _)| *a)
        .ok_or_else(|| format!("unknown action {name:?}"))
}

fn encode_path(p: &AttrPath) -> Json {
    Json::Array(
        p.0.iter()
            .map(|s| match s {
                PathStep::Attr(a) => json!({ "attr": a }),
                PathStep::Key(k) => json!({ "key": k }),
                PathStep::Index(i) => json!({ "index": i }),
            })
            .collect(),
    )
}

fn decode_path(j: &Json) -> Result<AttrPath, String> {
    let steps = j.as_array().ok_or("a path must be an array")?;
    steps
        .iter()
        .map(|s| {
            if let Some(a) = s.get("attr").and_then(Json::as_str) {
                Ok(PathStep::Attr(a.into()))
            } else if let Some(k) = s.get("key").and_then(Json::as_str) {
                Ok(PathStep::Key(k.into()))
            } else if let Some(i) = s.get("index").and_then(Json::as_i64) {
                Ok(PathStep::Index(i))
            } else {
                Err(format!("invalid path step {s}"))
            }
        })
        .collect::<Result<Vec<_>, _>>()
        .map(AttrPath)
}

fn encode_change(c: &ResourceChange) -> Json {
    json!({
        "address": c.addr.to_string(),
        "provider": c.provider,
        "action": action_name(c.action),
        "before": c.before.as_ref().map(encode),
        "after": c.after.as_ref().map(encode),
        "replace_paths": c.replace_paths.iter().map(encode_path).collect::<Vec<_>>(),
        "reason": c.reason.as_ref().and_then(|r| REASONS.iter().find(|(x, _)| x == r).map(|(_, n)| *n)),
        "notes": c.notes.iter().map(|(p, n)| json!([encode_path(p), n])).collect::<Vec<_>>(),
    })
}

fn decode_change(j: &Json) -> Result<ResourceChange, String> {
    let addr: AbsResourceInstance = j["address"]
        .as_str()
        .ok_or("change without address")?
        .parse()
        .map_err(|e: crate::addrs::ParseAddrError| e.to_string())?;
    let opt = |k: &str| -> Result<Option<Value>, String> {
        match &j[k] {
            Json::Null => Ok(None),
            v => decode(v).map(Some),
        }
    };
    let reason = match j["reason"].as_str() {
        None => None,
        Some(n) => Some(
            REASONS
                .iter()
                .find(|(_, x)| *x == n)
                .map(|(r, _)| r.clone())
                .ok_or(format!("unknown reason {n:?}"))?,
        ),
    };
    let mut notes = BTreeMap::new();
    for n in j["notes"].as_array().into_iter().flatten() {
        notes.insert(
            decode_path(&n[0])?,
            n[1].as_str().unwrap_or_default().to_string(),
        );
    }
    Ok(ResourceChange {
        addr,
        provider: j["provider"].as_str().unwrap_or_default().to_string(),
        action: action_from(j["action"].as_str().unwrap_or_default())?,
        before: opt("before")?,
        after: opt("after")?,
        replace_paths: j["replace_paths"]
            .as_array()
            .into_iter()
            .flatten()
            .map(decode_path)
            .collect::<Result<_, _>>()?,
        reason,
        notes,
    })
}

fn encode_output(o: &OutputChange) -> Json {
    json!({
        "name": o.name,
        "action": action_name(o.action),
        "before": o.before.as_ref().map(encode),
        "after": o.after.as_ref().map(encode),
        "sensitive": o.sensitive,
    })
}

fn decode_output(j: &Json) -> Result<OutputChange, String> {
    let opt = |k: &str| -> Result<Option<Value>, String> {
        match &j[k] {
            Json::Null => Ok(None),
            v => decode(v).map(Some),
        }
    };
    Ok(OutputChange {
        name: j["name"]
            .as_str()
            .ok_or("output change without name")?
            .to_string(),
        action: action_from(j["action"].as_str().unwrap_or_default())?,
        before: opt("before")?,
        after: opt("after")?,
        sensitive: j["sensitive"].as_bool().unwrap_or(false),
    })
}

/// Lossless JSON for a value: one tagged object per value, `"!": true` for a sensitive mark.
pub fn encode(v: &Value) -> Json {
    let mut o = Map::new();
    let (tag, body) = match v.kind() {
        ValueKind::Null(t) => ("n", type_to_json(t)),
        ValueKind::Unknown(t) => ("u", type_to_json(t)),
        ValueKind::Bool(b) => ("b", Json::Bool(*b)),
        ValueKind::Number(n) if n.is_finite() => ("f", json!(n)),
        ValueKind::Number(n) => ("F", Json::String(n.to_string())),
        ValueKind::String(s) => ("s", Json::String(s.clone())),
        ValueKind::List(e) => ("l", Json::Array(e.iter().map(encode).collect())),
        ValueKind::Set(e) => ("S", Json::Array(e.iter().map(encode).collect())),
        ValueKind::Tuple(e) => ("t", Json::Array(e.iter().map(encode).collect())),
        ValueKind::Map(m) => (
            "m",
            Json::Object(m.iter().map(|(k, v)| (k.clone(), encode(v))).collect()),
        ),
        ValueKind::Object(m) => (
            "o",
            Json::Object(m.iter().map(|(k, v)| (k.clone(), encode(v))).collect()),
        ),
    };
    o.insert(tag.into(), body);
    if v.is_sensitive() {
        o.insert("!".into(), Json::Bool(true));
    }
    Json::Object(o)
}

/// The inverse of [`encode`].
pub fn decode(j: &Json) -> Result<Value, String> {
    let o = j
        .as_object()
        .ok_or_else(|| format!("invalid encoded value {j}"))?;
    let sensitive = o.get("!").and_then(Json::as_bool).unwrap_or(false);
    let (tag, body) = o
        .iter()
        .find(|(k, _)| k.as_str() != "!")
        .ok_or("empty encoded value")?;
    let seq = |b: &Json| -> Result<Vec<Value>, String> {
        b.as_array()
            .ok_or("expected an array")?
            .iter()
            .map(decode)
            .collect()
    };
    let map = |b: &Json| -> Result<BTreeMap<String, Value>, String> {
        b.as_object()
            .ok_or("expected an object")?
            .iter()
            .map(|(k, v)| Ok((k.clone(), decode(v)?)))
            .collect()
    };
    let ty = |b: &Json| type_from_json(b).map_err(|e| e.to_string());
    let v = match tag.as_str() {
        "n" => Value::null_of(ty(body)?),
        "u" => Value::unknown(ty(body)?),
        "b" => Value::bool(body.as_bool().ok_or("expected a bool")?),
        "f" => Value::number(body.as_f64().ok_or("expected a number")?),
        "F" => Value::number(
            body.as_str()
                .and_then(|s| s.parse().ok())
                .ok_or("expected a number")?,
        ),
        "s" => Value::string(body.as_str().ok_or("expected a string")?),
        "l" => Value::list(seq(body)?),
        "S" => Value::set(seq(body)?),
        "t" => Value::tuple(seq(body)?),
        "m" => Value::map(map(body)?),
        "o" => Value::object(map(body)?),
        t => return Err(format!("unknown value tag {t:?}")),
    };
    Ok(v.mark_sensitive_if(sensitive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Type;

    #[test]
    fn values_round_trip_losslessly() {
        let v = Value::object(BTreeMap::from([
            (
                "a".to_string(),
                Value::list(vec![Value::string("x"), Value::unknown(Type::String)]),
            ),
            (
                "b".to_string(),
                Value::set(vec![Value::number(2.5), Value::number(1.0)]),
            ),
            ("c".to_string(), Value::string("secret").mark_sensitive()),
            ("d".to_string(), Value::null_of(Type::map(Type::Number))),
            (
                "e".to_string(),
                Value::tuple(vec![Value::bool(true), Value::number(f64::INFINITY)]),
            ),
        ]))
        .mark_sensitive();
        assert_eq!(decode(&encode(&v)).unwrap(), v);
    }
}
