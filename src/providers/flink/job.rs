//! `flink_job`: a jar run on a session cluster, whose state survives every change flinkform
//! makes to it.
//!
//! **Identity.** Flink job ids are chosen by flinkform: the first 32 hex digits of the SHA-256
//! of the resource instance's address, the job's `name` and a generation counter that grows
//! with every submission ([`job_id`]). The address tells apart the jobs of one configuration;
//! `name` (required, unique per cluster) those of configurations that share a cluster and may
//! well use the same addresses. A submission interrupted before its result was recorded is
//! found again under the same id and adopted, never submitted twice; ids of jobs that are over
//! (a destroyed job created again) are skipped.
//!
//! **Changes.** A change of `jar` (by content: `jar_sha256`), `args`, `entry_class`,
//! `parallelism`, `flink_conf`, `kind`, `name`, `allow_non_restored_state` or `cluster_url`
//! restarts the job, by `upgrade_mode`:
//! - `savepoint` (default): stop with a savepoint, record it in the state (a checkpoint of the
//!   operation: the instance is pending with the savepoint's path), then resubmit restoring
//!   from it. If the savepoint fails, the job keeps running and nothing is resubmitted. If
//!   the job ends or vanishes while it is being stopped (cancelled behind flinkform's back,
//!   failed, gone), nothing is resubmitted either: the apply fails naming the job, and records
//!   where its state is, so that the next plan shows it and proposes the resubmission. (A
//!   savepoint that completes after its wait timed out, ending the job FINISHED, is the
//!   planned stop: the resubmission goes on from it.)
//! - `last-state`: cancel and resume from the newest retained checkpoint (stop with a
//!   savepoint when there is none).
//! - `stateless`: cancel and start empty. Moving a job that had state to this needs
//!   `allow_state_loss = true`; the plan refuses otherwise.
//!
//! The plan says which of these happens after each changed attribute.
//!
//! **Suspend/resume**: `state = "suspended"` stops the job with a savepoint (status
//! `SUSPENDED`), `"running"` resubmits it from that savepoint.
//!
//! **Drift.** A streaming job found FAILED, CANCELED, FINISHED, or MISSING (the cluster does
//! not know it: restarted, or crashed and started again) is planned for a resubmission, from
//! the first found of: the savepoint a cluster restart stopped it with, Flink's record of the
//! job's newest savepoint or retained checkpoint, the newest checkpoint it left in its local
//! `checkpoint_dir` (`<dir>/<job id>/chk-<n>`), the savepoint or checkpoint in the state. The
//! plan names it. Without any, the plan refuses unless `allow_state_loss = true`.
//!
//! **Batch jobs** (`kind = "batch"`) run to the end at create and at each change; a failure
//! fails the apply with the job's root exception.
//!
//! **Destroy** stops the job with a savepoint (`destroy_mode = "savepoint"`, the default; the
//! path is printed with the apply's progress, recorded in the state journal before the
//! instance goes, and the job, stopped with that savepoint, is kept in the state backup) or
//! cancels it. A job that cannot take a savepoint (restarting) is cancelled, and its newest
//! retained checkpoint printed and kept instead.
//!
//! Job states are read from `/jobs/overview`: `/jobs/:id` answers from a cache up to 3 s old.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

use super::ops::{self, JobInfo, WaitError};
use super::rest::{Rest, RestError};
use super::{
    attr, bool_of, changed, num_of, str_of, string_list, string_map, whole_number, with_attrs,
};
use crate::lang::{Type, Value};
use crate::providers::builtin::parse_duration;
use crate::providers::schema::{AttributeSchema, Schema};
use crate::providers::{AttrPath, Checkpoint, ProviderError, Report};

/// Status of a job flinkform suspended (nothing runs; `last_savepoint` holds its state).
pub const SUSPENDED: &str = "SUSPENDED";
/// Status of a job the cluster does not know (restarted, or not reachable).
pub const MISSING: &str = "MISSING";

const DEFAULT_TIMEOUT: &str = "5m";

/// Arguments whose change restarts the job.
const RESTART_ARGUMENTS: [&str; 9] = [
    "cluster_url",
    "name",
    "jar_sha256",
    "entry_class",
    "args",
    "parallelism",
    "flink_conf",
    "kind",
    "allow_non_restored_state",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Streaming,
    Batch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum UpgradeMode {
    Savepoint,
    LastState,
    Stateless,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Desired {
    Running,
    Suspended,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DestroyMode {
    Savepoint,
    Cancel,
}

const KINDS: [&str; 2] = ["streaming", "batch"];
const UPGRADE_MODES: [&str; 3] = ["savepoint", "last-state", "stateless"];
const STATES: [&str; 2] = ["running", "suspended"];
const DESTROY_MODES: [&str; 2] = ["savepoint", "cancel"];

/// The settings of a job value, with defaults for what is null (or not yet known).
struct Settings {
    kind: Kind,
    upgrade_mode: UpgradeMode,
    state: Desired,
    destroy_mode: DestroyMode,
    allow_state_loss: bool,
    timeout: Duration,
}

fn settings(value: &Value) -> Settings {
    Settings {
        kind: match str_of(value, "kind") {
            Some("batch") => Kind::Batch,
            _ => Kind::Streaming,
        },
        upgrade_mode: match str_of(value, "upgrade_mode") {
            Some("last-state") => UpgradeMode::LastState,
            Some("stateless") => UpgradeMode::Stateless,
            _ => UpgradeMode::Savepoint,
        },
        state: match str_of(value, "state") {
            Some("suspended") => Desired::Suspended,
            _ => Desired::Running,
        },
        destroy_mode: match str_of(value, "destroy_mode") {
            Some("cancel") => DestroyMode::Cancel,
            _ => DestroyMode::Savepoint,
        },
        allow_state_loss: bool_of(value, "allow_state_loss").unwrap_or(false),
        timeout: str_of(value, "timeout")
            .and_then(|t| parse_duration(t).ok())
            .or_else(|| parse_duration(DEFAULT_TIMEOUT).ok())
            .unwrap_or(Duration::from_secs(300)),
    }
}

pub(super) fn schema() -> Schema {
    let optional =
        |ty: Type, description: &str| AttributeSchema::optional(ty).describe(description);
    let computed =
        |ty: Type, description: &str| AttributeSchema::computed(ty).describe(description);
    Schema::new("A Flink job on a session cluster, upgraded through savepoints.")
        .attribute(
            "cluster_url",
            AttributeSchema::required(Type::String)
                .describe("The session cluster's REST API, e.g. flink_cluster.x.rest_url."),
        )
        .attribute(
            "name",
            AttributeSchema::required(Type::String).describe(
                "Identifies the job to flinkform (unique per cluster): job ids are derived from it, the resource's address and a generation counter.",
            ),
        )
        .attribute(
            "jar",
            AttributeSchema::required(Type::String)
                .describe("Path of the job's jar; uploaded, and its SHA-256 tracked: a rebuilt jar is a change."),
        )
        .attribute("entry_class", optional(Type::String, "The main class, when the jar's manifest names none."))
        .attribute("args", optional(Type::list(Type::String), "Program arguments."))
        .attribute("parallelism", optional(Type::Number, "The job's parallelism; the cluster's default when null."))
        .attribute(
            "flink_conf",
            optional(Type::map(Type::String), "Job configuration entries, passed with the submission."),
        )
        .attribute("kind", optional(Type::String, "\"streaming\" (default) or \"batch\"."))
        .attribute(
            "upgrade_mode",
            optional(Type::String, "How a change restarts the job: \"savepoint\" (default), \"last-state\" or \"stateless\"."),
        )
        .attribute(
            "savepoint_dir",
            optional(Type::String, "Where savepoints go; the cluster's default savepoint directory when null."),
        )
        .attribute("initial_savepoint", optional(Type::String, "A savepoint to start the job from when it is created."))
        .attribute(
            "allow_non_restored_state",
            optional(Type::Bool, "Allow restoring a savepoint with state that no operator takes."),
        )
        .attribute(
            "allow_state_loss",
            optional(Type::Bool, "Allow changes that restart a job that had state without it."),
        )
        .attribute("state", optional(Type::String, "\"running\" (default) or \"suspended\" (stopped with a savepoint)."))
        .attribute(
            "destroy_mode",
            optional(Type::String, "\"savepoint\" (default: stop with a savepoint) or \"cancel\"."),
        )
        .attribute(
            "timeout",
            optional(Type::String, "How long each wait on Flink may take (a savepoint, the job running or finishing). Default \"5m\"."),
        )
        .attribute("id", computed(Type::String, "The current Flink job id (null while suspended before ever running)."))
        .attribute("job_id", computed(Type::String, "The current Flink job id."))
        .attribute("generation", computed(Type::Number, "How many times the job was submitted."))
        .attribute("jar_id", computed(Type::String, "The uploaded jar's id on the cluster."))
        .attribute("jar_sha256", computed(Type::String, "The jar's SHA-256."))
        .attribute(
            "status",
            computed(Type::String, "The job's state as last seen: Flink's (RUNNING, FINISHED, FAILED, ...), SUSPENDED, or MISSING."),
        )
        .attribute("last_savepoint", computed(Type::String, "The newest savepoint of the job."))
        .attribute(
            "last_checkpoint",
            computed(Type::String, "A retained checkpoint newer than last_savepoint, found when the job stopped."),
        )
        .attribute("restored_from", computed(Type::String, "What the current job was started from."))
        .attribute(
            "checkpoint_dir",
            computed(Type::String, "Where the job's checkpoints go (execution.checkpointing.dir), as found when it was submitted."),
        )
}

pub(super) fn validate(config: &Value) -> Vec<ProviderError> {
    let mut problems = Vec::new();
    for (name, allowed) in [
        ("kind", &KINDS[..]),
        ("upgrade_mode", &UPGRADE_MODES[..]),
        ("state", &STATES[..]),
        ("destroy_mode", &DESTROY_MODES[..]),
    ] {
        if let Some(v) = str_of(config, name) {
            if !allowed.contains(&v) {
                let list: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
                problems.push(ProviderError::invalid(
                    AttrPath::attr(name),
                    "Invalid value",
                    format!(
                        "{name} must be one of {}, not {v:?}.{}",
                        list.join(", "),
                        crate::diagnostics::did_you_mean(v, allowed.iter().copied())
                    ),
                ));
            }
        }
    }
    for name in ["name", "jar", "cluster_url"] {
        if str_of(config, name) == Some("") {
            problems.push(ProviderError::invalid(
                AttrPath::attr(name),
                "Empty value",
                format!("{name} must not be empty."),
            ));
        }
    }
    if let Some(url) = str_of(config, "cluster_url") {
        if !url.starts_with("http://") {
            problems.push(ProviderError::invalid(
                AttrPath::attr("cluster_url"),
                "Invalid REST URL",
                format!("cluster_url must be an http:// URL such as \"http://localhost:8081\", not {url:?}."),
            ));
        }
    }
    if let Err(e) = whole_number(
        config,
        AttrPath::attr("parallelism"),
        "parallelism",
        1.0,
        32768.0,
    ) {
        problems.push(e);
    }
    if let Some(t) = str_of(config, "timeout") {
        if let Err(e) = parse_duration(t) {
            problems.push(ProviderError::invalid(
                AttrPath::attr("timeout"),
                "Invalid duration",
                format!("The value is not a valid duration: {e}."),
            ));
        }
    }
    if str_of(config, "kind") == Some("batch") && str_of(config, "state") == Some("suspended") {
        problems.push(ProviderError::invalid(
            AttrPath::attr("state"),
            "Invalid state",
            "A batch job runs to its end: it cannot be suspended.",
        ));
    }
    problems
}

/// The Flink job id of generation `generation` of the job `name` at `address`.
pub fn job_id(address: &str, name: &str, generation: u64) -> String {
    let digest = Sha256::digest(
        // Lengths first, so that no two (address, name) pairs give the same text.
        format!(
            "flinkform flink_job\n{}:{address}\n{}:{name}\n{generation}",
            address.len(),
            name.len()
        )
        .as_bytes(),
    );
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The jar's SHA-256, if the file can be read now.
fn jar_sha256(path: &str) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    Some(format!("{:x}", Sha256::digest(&bytes)))
}

// ---- plan ----

type Notes = BTreeMap<AttrPath, String>;

/// Where a restart takes the job's state from.
#[derive(Clone, Debug, PartialEq)]
enum Restore {
    /// A savepoint taken by stopping the running job.
    NewSavepoint,
    /// The newest retained checkpoint of the running job (a savepoint if there is none).
    LatestCheckpoint,
    /// A savepoint or checkpoint recorded earlier.
    From { path: String, is_savepoint: bool },
    /// Nothing: the job starts empty.
    Empty,
}

impl Restore {
    /// A recorded savepoint or checkpoint, told apart by Flink's naming (`.../chk-<n>`).
    fn of_path(path: String) -> Restore {
        let is_checkpoint = path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .is_some_and(|last| last.starts_with("chk-"));
        Restore::From {
            path,
            is_savepoint: !is_checkpoint,
        }
    }

    /// How the plan describes a restart: `verb` is "restart", "resubmit" or "resume".
    fn describe(&self, verb: &str) -> String {
        match self {
            Restore::NewSavepoint => format!("{verb} from savepoint"),
            Restore::LatestCheckpoint => "resume from checkpoint".to_string(),
            Restore::From {
                path,
                is_savepoint: true,
            } => format!("{verb} from savepoint {path}"),
            Restore::From {
                path,
                is_savepoint: false,
            } => format!("{verb} from checkpoint {path}"),
            Restore::Empty => format!("{verb} without state"),
        }
    }
}

/// The newest restore point recorded in a state: the checkpoint when there is one (it is
/// newer than the savepoint by construction), else the savepoint.
fn recorded_restore(state: &Value) -> Restore {
    if let Some(path) = str_of(state, "last_checkpoint") {
        return Restore::From {
            path: path.to_string(),
            is_savepoint: false,
        };
    }
    if let Some(path) = str_of(state, "last_savepoint") {
        return Restore::From {
            path: path.to_string(),
            is_savepoint: true,
        };
    }
    Restore::Empty
}

fn is_healthy_status(state: &Value) -> bool {
    str_of(state, "status").is_some_and(|s| ops::HEALTHY_STATES.contains(&s))
}

/// Whether the job had state worth keeping: it ran, under a stateful upgrade mode.
fn had_state(prior: &Value) -> bool {
    settings(prior).upgrade_mode != UpgradeMode::Stateless
        && num_of(prior, "generation").unwrap_or(0.0) > 0.0
}

/// The restart arguments that differ between two values.
fn restart_changes(before: &Value, after: &Value) -> Vec<AttrPath> {
    RESTART_ARGUMENTS
        .into_iter()
        .filter(|name| changed(before, after, name))
        .map(AttrPath::attr)
        .collect()
}

fn state_loss_refusal(name: &str, why: String) -> ProviderError {
    ProviderError::invalid(
        AttrPath::attr("allow_state_loss"),
        "Job state would be lost",
        format!(
            "flink_job {name:?} {why} Set allow_state_loss = true to accept losing the job's state, or change the configuration so the job keeps it."
        ),
    )
}

/// How destroying the job stops it, said after its `status` in the plan.
pub(super) fn destroy_notes(prior: &Value) -> Notes {
    let s = settings(prior);
    let note = if str_of(prior, "status") == Some(SUSPENDED) {
        str_of(prior, "last_savepoint")
            .map(|path| format!("suspended: its state stays in savepoint {path}"))
    } else if !is_healthy_status(prior) {
        None
    } else if s.kind == Kind::Streaming && s.destroy_mode == DestroyMode::Savepoint {
        Some("stop with savepoint, kept in the state backup".to_string())
    } else if s.kind == Kind::Streaming {
        Some("cancel: the job's state is not kept".to_string())
    } else {
        Some("cancel".to_string())
    };
    note.map(|n| Notes::from([(AttrPath::attr("status"), n)]))
        .unwrap_or_default()
}

pub(super) fn plan(
    prior: Option<&Value>,
    proposed: &Value,
    _config: &Value,
) -> Result<(Value, Notes), ProviderError> {
    let s = settings(proposed);
    // A jar that cannot be read now (being rebuilt) is taken as unchanged; the apply reads it
    // again when it has to run it.
    let sha = match (str_of(proposed, "jar").and_then(jar_sha256), prior) {
        (Some(sha), _) => Value::string(sha),
        (None, Some(prior)) => prior
            .get_attr("jar_sha256")
            .cloned()
            .unwrap_or_else(|| Value::unknown(Type::String)),
        (None, None) => Value::unknown(Type::String),
    };
    let planned = with_attrs(proposed, [("jar_sha256", sha)]);
    let mut notes = Notes::new();
    let unknown_s = || Value::unknown(Type::String);
    let null_s = || Value::null_of(Type::String);
    let name = str_of(proposed, "name").unwrap_or("").to_string();

    let Some(prior) = prior else {
        let initial = attr(proposed, "initial_savepoint")
            .cloned()
            .unwrap_or_else(null_s);
        let updates = match s.state {
            Desired::Suspended => vec![
                ("id", null_s()),
                ("job_id", null_s()),
                ("generation", Value::number(0.0)),
                ("jar_id", null_s()),
                ("status", Value::string(SUSPENDED)),
                ("last_savepoint", initial),
                ("last_checkpoint", null_s()),
                ("restored_from", null_s()),
                ("checkpoint_dir", null_s()),
            ],
            Desired::Running => vec![
                ("checkpoint_dir", unknown_s()),
                ("id", unknown_s()),
                ("job_id", unknown_s()),
                ("generation", Value::unknown(Type::Number)),
                ("jar_id", unknown_s()),
                (
                    "status",
                    Value::string(if s.kind == Kind::Batch {
                        "FINISHED"
                    } else {
                        "RUNNING"
                    }),
                ),
                ("last_savepoint", initial.clone()),
                ("last_checkpoint", null_s()),
                ("restored_from", initial),
            ],
        };
        return Ok((with_attrs(&planned, updates), notes));
    };

    let restarts = restart_changes(prior, &planned);
    let healthy = is_healthy_status(prior);
    let suspended = str_of(prior, "status") == Some(SUSPENDED);
    let resubmitted = |restore: &Restore| -> Vec<(&'static str, Value)> {
        let mut u = vec![
            ("checkpoint_dir", unknown_s()),
            ("id", unknown_s()),
            ("job_id", unknown_s()),
            ("generation", Value::unknown(Type::Number)),
            ("jar_id", unknown_s()),
            (
                "status",
                Value::string(if s.kind == Kind::Batch {
                    "FINISHED"
                } else {
                    "RUNNING"
                }),
            ),
        ];
        match restore {
            Restore::NewSavepoint => u.extend([
                ("last_savepoint", unknown_s()),
                ("last_checkpoint", null_s()),
                ("restored_from", unknown_s()),
            ]),
            Restore::LatestCheckpoint => u.extend([
                ("last_savepoint", unknown_s()),
                ("last_checkpoint", unknown_s()),
                ("restored_from", unknown_s()),
            ]),
            Restore::From { path, .. } => u.push(("restored_from", Value::string(path.clone()))),
            Restore::Empty => u.extend([
                ("last_savepoint", null_s()),
                ("last_checkpoint", null_s()),
                ("restored_from", null_s()),
            ]),
        }
        u
    };

    match (s.state, s.kind) {
        (Desired::Suspended, _) => {
            if suspended {
                for path in restarts {
                    notes.insert(path, "applied when the job resumes".to_string());
                }
                return Ok((planned, notes));
            }
            let updates = if healthy {
                notes.insert(AttrPath::attr("state"), "stop with savepoint".to_string());
                vec![
                    ("status", Value::string(SUSPENDED)),
                    ("last_savepoint", unknown_s()),
                    ("last_checkpoint", null_s()),
                ]
            } else {
                let resume = recorded_restore(prior).describe("resume");
                notes.insert(
                    AttrPath::attr("state"),
                    format!("the job is not running: nothing to stop; it will {resume}"),
                );
                vec![("status", Value::string(SUSPENDED))]
            };
            for path in restarts {
                notes.insert(path, "applied when the job resumes".to_string());
            }
            Ok((with_attrs(&planned, updates), notes))
        }
        (Desired::Running, Kind::Batch) => {
            let failed = matches!(str_of(prior, "status"), Some("FAILED" | "CANCELED"));
            if restarts.is_empty() && !failed {
                return Ok((planned, notes));
            }
            for path in &restarts {
                notes.insert(path.clone(), "run the batch job again".to_string());
            }
            if failed {
                notes.insert(
                    AttrPath::attr("status"),
                    "run the batch job again: its last run did not finish".to_string(),
                );
            }
            Ok((with_attrs(&planned, resubmitted(&Restore::Empty)), notes))
        }
        (Desired::Running, Kind::Streaming) => {
            if restarts.is_empty() && healthy {
                return Ok((planned, notes));
            }
            let (restore, verb, note_at) = if healthy {
                let restore = match s.upgrade_mode {
                    UpgradeMode::Savepoint => Restore::NewSavepoint,
                    UpgradeMode::LastState => Restore::LatestCheckpoint,
                    UpgradeMode::Stateless => Restore::Empty,
                };
                (restore, "restart", None)
            } else {
                let restore = if s.upgrade_mode == UpgradeMode::Stateless {
                    Restore::Empty
                } else {
                    recorded_restore(prior)
                };
                if suspended {
                    (restore, "resume", Some("state"))
                } else {
                    (restore, "resubmit", Some("status"))
                }
            };
            if restore == Restore::Empty && had_state(prior) && !s.allow_state_loss {
                let why = if healthy {
                    format!(
                        "had state (it ran with upgrade_mode = {:?}), and with upgrade_mode = \"stateless\" this change restarts it without that state.",
                        str_of(prior, "upgrade_mode").unwrap_or("savepoint")
                    )
                } else {
                    format!(
                        "is {} and flinkform knows no savepoint or checkpoint to restore it from, so it would start again without its state.",
                        str_of(prior, "status").unwrap_or(MISSING)
                    )
                };
                return Err(state_loss_refusal(&name, why));
            }
            let description = restore.describe(verb);
            if let Some(at) = note_at {
                notes.insert(AttrPath::attr(at), description.clone());
            }
            for path in restarts {
                let note = if path == AttrPath::attr("cluster_url")
                    && planned
                        .get_attr("cluster_url")
                        .is_some_and(|v| !v.is_known())
                    && healthy
                {
                    "the cluster restarts: resubmit from where it stops the job (a savepoint, or the newest checkpoint)"
                        .to_string()
                } else {
                    description.clone()
                };
                notes.insert(path, note);
            }
            let mut updates = resubmitted(&restore);
            if planned
                .get_attr("cluster_url")
                .is_some_and(|v| !v.is_known())
                && healthy
            {
                // The savepoint is taken by the cluster's restart.
                updates.retain(|(n, _)| {
                    !matches!(*n, "last_savepoint" | "last_checkpoint" | "restored_from")
                });
                updates.extend([
                    ("last_savepoint", unknown_s()),
                    ("last_checkpoint", unknown_s()),
                    ("restored_from", unknown_s()),
                ]);
            }
            Ok((with_attrs(&planned, updates), notes))
        }
    }
}

// ---- apply ----

fn remote(name: &str, job: Option<&str>, message: impl std::fmt::Display) -> ProviderError {
    let job = job.map(|j| format!(" (job {j})")).unwrap_or_default();
    ProviderError::Remote {
        message: format!("flink_job {name:?}{job}: {message}"),
    }
}

/// What a job value says about where and what it is.
struct Job<'a> {
    value: &'a Value,
    name: String,
    url: String,
}

impl<'a> Job<'a> {
    fn of(value: &'a Value) -> Result<Job<'a>, ProviderError> {
        let name = str_of(value, "name").unwrap_or("").to_string();
        let url = str_of(value, "cluster_url")
            .ok_or_else(|| remote(&name, None, "cluster_url is not known"))?
            .to_string();
        Ok(Job { value, name, url })
    }
    fn job_id(&self) -> Option<&'a str> {
        str_of(self.value, "job_id")
    }
    fn generation(&self) -> u64 {
        num_of(self.value, "generation").map_or(0, |g| g.max(0.0) as u64)
    }
}

pub(super) async fn apply(
    rest: &Rest,
    prior: Option<&Value>,
    planned: Option<&Value>,
    address: &str,
    checkpoint: &Checkpoint,
    report: &Report,
) -> Result<Option<Value>, ProviderError> {
    match (prior, planned) {
        (None, None) => Ok(None),
        (None, Some(planned)) => create(rest, planned, address, checkpoint).await.map(Some),
        (Some(prior), Some(planned)) => update(rest, prior, planned, address, checkpoint, report)
            .await
            .map(Some),
        (Some(prior), None) => delete(rest, prior, checkpoint, report).await,
    }
}

async fn create(
    rest: &Rest,
    planned: &Value,
    address: &str,
    checkpoint: &Checkpoint,
) -> Result<Value, ProviderError> {
    let s = settings(planned);
    let job = Job::of(planned)?;
    let (bytes, sha) = read_jar(&job).await?;
    if s.state == Desired::Suspended {
        return Ok(with_attrs(planned, [("jar_sha256", Value::string(sha))]));
    }
    let restore = match str_of(planned, "initial_savepoint") {
        Some(path) => Restore::From {
            path: path.to_string(),
            is_savepoint: true,
        },
        None => Restore::Empty,
    };
    let jar_id = upload(rest, &job, &bytes).await?;
    submit(
        rest,
        &job,
        planned,
        &s,
        Submission {
            jar_id,
            jar_sha256: sha,
            address,
            first_generation: 1,
            restore,
            base: planned,
            old_jar: None,
        },
        checkpoint,
    )
    .await
}

/// Reads the jar and hashes it.
async fn read_jar(job: &Job<'_>) -> Result<(Vec<u8>, String), ProviderError> {
    let path = str_of(job.value, "jar").unwrap_or("");
    let bytes = tokio::fs::read(path).await.map_err(|e| {
        ProviderError::io(
            format!("reading the jar {path:?} of flink_job {:?}", job.name),
            e,
        )
    })?;
    let sha = format!("{:x}", Sha256::digest(&bytes));
    Ok((bytes, sha))
}

async fn upload(rest: &Rest, job: &Job<'_>, bytes: &[u8]) -> Result<String, ProviderError> {
    let path = PathBuf::from(str_of(job.value, "jar").unwrap_or("job.jar"));
    rest.upload_jar(&job.url, &path, bytes.to_vec())
        .await
        .map_err(|e| {
            remote(
                &job.name,
                None,
                format!("uploading the jar to {} failed: {e}", job.url),
            )
        })
}

/// Whether the cluster still has the jar `jar_id` (jars are lost when a cluster restarts).
async fn has_jar(rest: &Rest, url: &str, jar_id: &str) -> bool {
    let Ok(jars) = rest.get(url, "/jars").await else {
        return false;
    };
    jars.get("files")
        .and_then(Json::as_array)
        .is_some_and(|files| {
            files
                .iter()
                .any(|f| f.get("id").and_then(Json::as_str) == Some(jar_id))
        })
}

/// One submission: the jar to run, where to count generations from, and the state to start
/// from. `base` is the state the pending checkpoint is recorded over.
struct Submission<'a> {
    jar_id: String,
    jar_sha256: String,
    /// The resource instance's address, which job ids are derived from.
    address: &'a str,
    first_generation: u64,
    restore: Restore,
    base: &'a Value,
    /// The jar the previous generation ran, deleted once the new one runs.
    old_jar: Option<(String, String)>,
}

/// The first generation from `from` whose job id the cluster does not know, or knows as a
/// job still running (an interrupted submission of this very change, to adopt).
async fn free_generation(
    rest: &Rest,
    job: &Job<'_>,
    address: &str,
    from: u64,
) -> Result<(u64, Option<JobInfo>), ProviderError> {
    for generation in from..from.saturating_add(1000) {
        let id = job_id(address, &job.name, generation);
        match ops::job_info(rest, &job.url, &id).await {
            Ok(None) => return Ok((generation, None)),
            Ok(Some(info)) if !info.is_terminal() => return Ok((generation, Some(info))),
            Ok(Some(_)) => continue,
            Err(e) => {
                return Err(remote(
                    &job.name,
                    None,
                    format!("cannot read the cluster at {}: {e}", job.url),
                ))
            }
        }
    }
    Err(remote(
        &job.name,
        None,
        "1000 job ids after the last generation are taken on the cluster by jobs that are over; choose another name",
    ))
}

async fn submit(
    rest: &Rest,
    job: &Job<'_>,
    planned: &Value,
    s: &Settings,
    sub: Submission<'_>,
    checkpoint: &Checkpoint,
) -> Result<Value, ProviderError> {
    let (generation, adopted) =
        free_generation(rest, job, sub.address, sub.first_generation).await?;
    let id = job_id(sub.address, &job.name, generation);
    let (restored_from, last_savepoint, last_checkpoint) = match &sub.restore {
        Restore::From {
            path,
            is_savepoint: true,
        } => (Some(path.clone()), Some(path.clone()), None),
        Restore::From {
            path,
            is_savepoint: false,
        } => (
            Some(path.clone()),
            str_of(sub.base, "last_savepoint").map(str::to_string),
            Some(path.clone()),
        ),
        _ => (None, None, None),
    };
    let checkpoint_dir = match string_map(planned, "flink_conf")
        .and_then(|c| c.get("execution.checkpointing.dir").cloned())
    {
        Some(dir) => Some(dir),
        None => cluster_setting(rest, &job.url, "execution.checkpointing.dir").await,
    };
    // Recorded before submitting: an interrupted apply finds the job under this id, and
    // knows the savepoint the job restores from.
    checkpoint(json!({
        "checkpoint_dir": checkpoint_dir,
        "op": "submit",
        "job_id": id,
        "generation": generation,
        "jar_id": sub.jar_id,
        "jar_sha256": sub.jar_sha256,
        "restored_from": restored_from,
        "last_savepoint": last_savepoint,
        "last_checkpoint": last_checkpoint,
    }));
    if adopted.is_none() {
        let mut conf = string_map(planned, "flink_conf").unwrap_or_default();
        if s.kind == Kind::Streaming && s.upgrade_mode != UpgradeMode::Stateless {
            // Checkpoints must outlive a cancel, or last-state and drift recovery lose them.
            conf.entry("execution.checkpointing.externalized-checkpoint-retention".to_string())
                .or_insert_with(|| "RETAIN_ON_CANCELLATION".to_string());
        }
        let mut body = json!({
            "jobId": id,
            "programArgsList": string_list(planned, "args").unwrap_or_default(),
            "allowNonRestoredState": bool_of(planned, "allow_non_restored_state").unwrap_or(false),
            "flinkConfiguration": conf,
        });
        if let Some(class) = str_of(planned, "entry_class") {
            body["entryClass"] = json!(class);
        }
        if let Some(p) = num_of(planned, "parallelism") {
            body["parallelism"] = json!(p as u64);
        }
        if let Some(path) = &restored_from {
            body["savepointPath"] = json!(path);
        }
        if let Err(e) = rest
            .post(&job.url, &format!("/jars/{}/run", sub.jar_id), &body)
            .await
        {
            let from = restored_from
                .as_ref()
                .map(|p| format!(" (restoring from {p})"))
                .unwrap_or_default();
            return Err(remote(
                &job.name,
                Some(&id),
                format!("Flink refused to run the job{from}: {e}"),
            ));
        }
    }
    let waited = if s.kind == Kind::Batch {
        ops::wait_finished(rest, &job.url, &id, s.timeout).await
    } else {
        ops::wait_running(rest, &job.url, &id, s.timeout).await
    };
    let info = waited.map_err(|e| {
        let message = match e {
            WaitError::Ended { state, cause } => format!(
                "the job {}: {}",
                state.to_lowercase(),
                cause.unwrap_or_else(|| "Flink recorded no exception".to_string())
            ),
            WaitError::Vanished => "the job vanished from the cluster right after it was submitted".to_string(),
            WaitError::TimedOut { state } => format!(
                "the job did not {} within {}: it is {state}; run plan again to see where it stands",
                if s.kind == Kind::Batch { "finish" } else { "run" },
                ops::describe(s.timeout)
            ),
            WaitError::Rest(e) => format!("cannot follow the job: {e}"),
        };
        remote(&job.name, Some(&id), message)
    })?;
    if let Some((old_url, old_jar)) = &sub.old_jar {
        if *old_jar != sub.jar_id || *old_url != job.url {
            let _ = rest.delete(old_url, &format!("/jars/{old_jar}")).await;
        }
    }
    let opt = |v: Option<String>| {
        v.map(Value::string)
            .unwrap_or_else(|| Value::null_of(Type::String))
    };
    Ok(with_attrs(
        planned,
        [
            ("checkpoint_dir", opt(checkpoint_dir)),
            ("id", Value::string(id.clone())),
            ("job_id", Value::string(id)),
            ("generation", Value::number(generation as f64)),
            ("jar_id", Value::string(sub.jar_id)),
            ("jar_sha256", Value::string(sub.jar_sha256)),
            ("status", Value::string(info.state)),
            ("last_savepoint", opt(last_savepoint)),
            ("last_checkpoint", opt(last_checkpoint)),
            ("restored_from", opt(restored_from)),
        ],
    ))
}

/// A setting of the cluster's configuration, from `/jobmanager/config`.
async fn cluster_setting(rest: &Rest, url: &str, key: &str) -> Option<String> {
    let config = rest.get(url, "/jobmanager/config").await.ok()?;
    config
        .as_array()?
        .iter()
        .find(|e| e.get("key").and_then(Json::as_str) == Some(key))?
        .get("value")?
        .as_str()
        .map(str::to_string)
}

/// The job as the cluster sees it: `None` when the cluster does not know it or does not
/// answer (a cluster that is gone has no jobs).
async fn current(rest: &Rest, job: &Job<'_>) -> Result<Option<JobInfo>, ProviderError> {
    let Some(id) = job.job_id() else {
        return Ok(None);
    };
    match ops::job_info(rest, &job.url, id).await {
        Ok(info) => Ok(info),
        Err(RestError::Unreachable(_)) => Ok(None),
        Err(e) => Err(remote(
            &job.name,
            Some(id),
            format!("cannot read the job's status: {e}"),
        )),
    }
}

/// Where a job that is not running can be restored from: a cluster restart's savepoint, what
/// Flink recorded of the job, or what the state recorded, the newest first.
async fn restore_for_stopped(rest: &Rest, prior: &Job<'_>, new_url: &str) -> Restore {
    if let Some(id) = prior.job_id() {
        if let Some(path) = super::cluster::restart_savepoint(rest, new_url, id).await {
            return Restore::of_path(path);
        }
        if let Ok((savepoint, checkpoint)) = ops::restore_points(rest, &prior.url, id).await {
            if let Some(p) = ops::newest(savepoint, checkpoint) {
                return Restore::From {
                    path: p.path,
                    is_savepoint: p.is_savepoint,
                };
            }
        }
        // The cluster does not know the job (it was restarted, or is gone): its retained
        // checkpoints may still be on disk.
        if let Some(path) = retained_checkpoint(prior.value, id) {
            return Restore::From {
                path,
                is_savepoint: false,
            };
        }
    }
    recorded_restore(prior.value)
}

/// The newest checkpoint job `job_id` left in its checkpoint directory, when that is a local
/// `file:` directory: `<dir>/<job id>/chk-<n>` with a `_metadata` file.
fn retained_checkpoint(state: &Value, job_id: &str) -> Option<String> {
    let dir = str_of(state, "checkpoint_dir")?;
    let local = dir
        .strip_prefix("file://")
        .or_else(|| dir.strip_prefix("file:"))?;
    let job_dir = PathBuf::from(local).join(job_id);
    let newest = std::fs::read_dir(&job_dir)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let n: u64 = name.strip_prefix("chk-")?.parse().ok()?;
            e.path().join("_metadata").is_file().then_some(n)
        })
        .max()?;
    Some(format!(
        "file:{}",
        job_dir.join(format!("chk-{newest}")).to_string_lossy()
    ))
}

async fn update(
    rest: &Rest,
    prior: &Value,
    planned: &Value,
    address: &str,
    checkpoint: &Checkpoint,
    report: &Report,
) -> Result<Value, ProviderError> {
    let s = settings(planned);
    let old = Job::of(prior)?;
    let new = Job::of(planned)?;
    let restarts = restart_changes(prior, planned);
    let suspended = str_of(prior, "status") == Some(SUSPENDED);
    let info = if suspended {
        None
    } else {
        current(rest, &old).await?
    };
    let running = info.as_ref().is_some_and(JobInfo::is_healthy);
    let keep_computed = |state: &Value, status: &str| {
        let mut u: Vec<(&str, Value)> = [
            "id",
            "job_id",
            "generation",
            "jar_id",
            "jar_sha256",
            "last_savepoint",
            "last_checkpoint",
            "restored_from",
            "checkpoint_dir",
        ]
        .into_iter()
        .map(|n| (n, prior.get_attr(n).cloned().unwrap_or_else(Value::null)))
        .collect();
        u.push(("status", Value::string(status)));
        with_attrs(state, u)
    };

    if s.state == Desired::Suspended {
        if !running {
            let restore = if suspended {
                recorded_restore(prior)
            } else {
                restore_for_stopped(rest, &old, &old.url).await
            };
            return Ok(with_restore(keep_computed(planned, SUSPENDED), &restore));
        }
        let id = old.job_id().unwrap_or("");
        let savepoint_dir = str_of(planned, "savepoint_dir");
        let path =
            match ops::stop_with_savepoint(rest, &old.url, id, savepoint_dir, s.timeout).await {
                Ok(path) => path,
                Err(e) => {
                    let problem = format!("stopping the job with a savepoint failed: {e}");
                    let status = status_after_failed_stop(
                        rest,
                        &old,
                        &problem,
                        "The job keeps running",
                        "the next plan records it suspended with that savepoint",
                        s.timeout,
                    )
                    .await?;
                    // It ended meanwhile (cancelled, failed, or gone): what a suspend of a job
                    // that is not running does, it is recorded suspended with the newest
                    // state it left, and said so.
                    let restore = restore_for_stopped(rest, &old, &old.url).await;
                    let resumes = match &restore {
                        Restore::Empty => {
                            "flinkform knows no savepoint or checkpoint of it".to_string()
                        }
                        r => format!("it will {}", r.describe("resume")),
                    };
                    let how = ended_how(&status);
                    report(format!(
                        "job {id}: {problem}, and the job {how}; recorded suspended: {resumes}"
                    ));
                    return Ok(with_restore(keep_computed(planned, SUSPENDED), &restore));
                }
            };
        checkpoint(json!({"op": "suspend", "savepoint": path}));
        let state = keep_computed(planned, SUSPENDED);
        return Ok(with_attrs(
            &state,
            [
                ("last_savepoint", Value::string(path)),
                ("last_checkpoint", Value::null_of(Type::String)),
            ],
        ));
    }

    if s.kind == Kind::Batch {
        let failed = matches!(str_of(prior, "status"), Some("FAILED" | "CANCELED"));
        if restarts.is_empty() && !failed {
            return Ok(keep_computed(
                planned,
                str_of(prior, "status").unwrap_or("FINISHED"),
            ));
        }
        if let (true, Some(id)) = (running, old.job_id()) {
            ops::cancel(rest, &old.url, id, s.timeout)
                .await
                .map_err(|e| {
                    remote(
                        &old.name,
                        Some(id),
                        format!("cancelling the running batch job failed: {e}"),
                    )
                })?;
        }
        let (bytes, sha) = read_jar(&new).await?;
        let jar_id = upload(rest, &new, &bytes).await?;
        return submit(
            rest,
            &new,
            planned,
            &s,
            Submission {
                jar_id,
                jar_sha256: sha,
                address,
                first_generation: old.generation() + 1,
                restore: Restore::Empty,
                base: prior,
                old_jar: str_of(prior, "jar_id").map(|j| (old.url.clone(), j.to_string())),
            },
            checkpoint,
        )
        .await;
    }

    if running && restarts.is_empty() {
        let status = info
            .map(|i| i.state)
            .unwrap_or_else(|| "RUNNING".to_string());
        return Ok(keep_computed(planned, &status));
    }

    // The state the new job starts from.
    let restore = if running {
        let id = old.job_id().unwrap_or("");
        if s.upgrade_mode == UpgradeMode::Stateless && had_state(prior) && !s.allow_state_loss {
            return Err(state_loss_refusal(
                &new.name,
                "had state, and upgrade_mode = \"stateless\" restarts it without that state."
                    .to_string(),
            ));
        }
        match stop_running(rest, &old, planned, &s).await {
            Ok(restore) => {
                // Recorded at once: an apply interrupted from here on resubmits from it.
                if let Restore::From { .. } = restore {
                    checkpoint(stopped_op(&restore));
                }
                restore
            }
            Err(problem) => {
                let status = status_after_failed_stop(
                    rest,
                    &old,
                    &problem,
                    "The job keeps running and was not resubmitted",
                    "the next plan resubmits it from that savepoint",
                    s.timeout,
                )
                .await?;
                // The job ended or vanished meanwhile. Its restore point is recorded (a
                // pending "stopped": the next refresh records the job's real status and this
                // restore point, and the plan proposes the resubmission).
                let restore = if s.upgrade_mode == UpgradeMode::Stateless {
                    Restore::Empty
                } else {
                    restore_for_stopped(rest, &old, &new.url).await
                };
                checkpoint(stopped_op(&restore));
                if !stopped_as_planned(s.upgrade_mode, &status, &restore) {
                    return Err(ended_while_stopping(
                        &old.name, id, &problem, &status, &restore,
                    ));
                }
                // Stopped the way the plan said after all (a savepoint that outlived its
                // wait): the resubmission goes on from it.
                check_state_kept(&restore, prior, &new.name, &s)?;
                restore
            }
        }
    } else if s.upgrade_mode == UpgradeMode::Stateless {
        Restore::Empty
    } else if suspended {
        let restore = recorded_restore(prior);
        check_state_kept(&restore, prior, &new.name, &s)?;
        restore
    } else {
        stopped_restore(rest, &old, &new, prior, &s).await?
    };

    let (bytes, sha) = read_jar(&new).await?;
    let reuse = str_of(prior, "jar_id")
        .filter(|_| old.url == new.url && str_of(prior, "jar_sha256") == Some(sha.as_str()));
    let jar_id = match reuse {
        Some(j) if has_jar(rest, &new.url, j).await => j.to_string(),
        _ => upload(rest, &new, &bytes).await?,
    };
    submit(
        rest,
        &new,
        planned,
        &s,
        Submission {
            jar_id,
            jar_sha256: sha,
            address,
            first_generation: old.generation() + 1,
            restore,
            base: prior,
            old_jar: str_of(prior, "jar_id").map(|j| (old.url.clone(), j.to_string())),
        },
        checkpoint,
    )
    .await
}

/// Stops a running job the way its upgrade mode says, returning where the next job starts
/// from; the error is a sentence on what failed.
async fn stop_running(
    rest: &Rest,
    old: &Job<'_>,
    planned: &Value,
    s: &Settings,
) -> Result<Restore, String> {
    let id = old.job_id().unwrap_or("");
    let savepoint_dir = str_of(planned, "savepoint_dir");
    let with_savepoint = |path: String| Restore::From {
        path,
        is_savepoint: true,
    };
    let stop = || async {
        ops::stop_with_savepoint(rest, &old.url, id, savepoint_dir, s.timeout)
            .await
            .map(with_savepoint)
            .map_err(|e| format!("stopping the job with a savepoint failed: {e}"))
    };
    match s.upgrade_mode {
        UpgradeMode::Savepoint => stop().await,
        UpgradeMode::LastState => {
            let newest_checkpoint = ops::restore_points(rest, &old.url, id)
                .await
                .ok()
                .and_then(|(_, c)| c);
            match newest_checkpoint {
                Some(p) => {
                    ops::cancel(rest, &old.url, id, s.timeout)
                        .await
                        .map_err(|e| {
                            format!(
                                "cancelling the job to resume it from checkpoint {} failed: {e}",
                                p.path
                            )
                        })?;
                    Ok(Restore::From {
                        path: p.path,
                        is_savepoint: false,
                    })
                }
                None => stop().await,
            }
        }
        UpgradeMode::Stateless => {
            ops::cancel(rest, &old.url, id, s.timeout)
                .await
                .map_err(|e| format!("cancelling the job failed: {e}"))?;
            Ok(Restore::Empty)
        }
    }
}

/// The pending operation recorded once the running job is stopped: where its state is.
fn stopped_op(restore: &Restore) -> Json {
    let mut op = json!({"op": "stopped"});
    if let Restore::From { path, is_savepoint } = restore {
        let key = if *is_savepoint {
            "savepoint"
        } else {
            "checkpoint"
        };
        op[key] = json!(path);
    }
    op
}

/// After a stop that failed: the error of [`still_running`] when the job runs on, else the
/// status it ended in (see [`final_status`]).
async fn status_after_failed_stop(
    rest: &Rest,
    job: &Job<'_>,
    problem: &str,
    outcome: &str,
    then: &str,
    timeout: Duration,
) -> Result<String, ProviderError> {
    let info = current(rest, job).await?;
    if info.as_ref().is_some_and(JobInfo::is_healthy) {
        return Err(still_running(rest, job, problem, outcome, then).await);
    }
    Ok(final_status(rest, job, info, timeout).await)
}

/// The final status of a job whose stop failed and that is not healthy: MISSING when the
/// cluster does not know it, else the state it ends in (CANCELLING or FAILING are waited for,
/// within the job's timeout).
async fn final_status(
    rest: &Rest,
    job: &Job<'_>,
    info: Option<JobInfo>,
    timeout: Duration,
) -> String {
    match info {
        None => MISSING.to_string(),
        Some(info) if info.is_terminal() => info.state,
        Some(info) => {
            let id = job.job_id().unwrap_or("");
            ops::wait_terminal(rest, &job.url, id, timeout)
                .await
                .unwrap_or(info.state)
        }
    }
}

/// "ended (it is CANCELED)" or "vanished from the cluster (...)". MISSING covers a cluster
/// that does not answer: its jobs are as good as gone for a resubmission.
fn ended_how(status: &str) -> String {
    if status == MISSING {
        "vanished from the cluster (the cluster no longer knows it, or does not answer)".to_string()
    } else {
        format!("ended (it is {status})")
    }
}

/// Whether a job whose stop failed, found ended with `status` and its state in `restore`,
/// stopped the way the plan said after all: with a savepoint that completed after its wait
/// gave up (a streaming job only finishes through a stop with a savepoint), or, for a
/// stateless restart, in any way.
fn stopped_as_planned(mode: UpgradeMode, status: &str, restore: &Restore) -> bool {
    match mode {
        UpgradeMode::Stateless => true,
        UpgradeMode::Savepoint | UpgradeMode::LastState => {
            status == "FINISHED"
                && matches!(
                    restore,
                    Restore::From {
                        is_savepoint: true,
                        ..
                    }
                )
        }
    }
}

/// The error of a restart whose job ended or vanished while it was being stopped: nothing
/// was resubmitted, and the next plan proposes to, from `restore`.
fn ended_while_stopping(
    name: &str,
    id: &str,
    problem: &str,
    status: &str,
    restore: &Restore,
) -> ProviderError {
    let next = match restore {
        Restore::From {
            path,
            is_savepoint: true,
        } => format!("it resubmits the job from savepoint {path}"),
        Restore::From {
            path,
            is_savepoint: false,
        } => format!("it resubmits the job from checkpoint {path}"),
        _ => "flinkform knows no savepoint or checkpoint to restore the job from, so it resubmits the job only with allow_state_loss = true".to_string(),
    };
    remote(
        name,
        Some(id),
        format!(
            "{problem}. The job {} while it was being stopped; nothing was resubmitted. Run plan again: {next}",
            ended_how(status)
        ),
    )
}

/// The error of a stop that failed while the job runs on: `outcome` is the sentence on what
/// that means for the apply. A savepoint Flink is still taking (its wait timed out) may yet complete and end
/// the job; `then` says what follows.
async fn still_running(
    rest: &Rest,
    job: &Job<'_>,
    problem: &str,
    outcome: &str,
    then: &str,
) -> ProviderError {
    let id = job.job_id().unwrap_or("");
    let mut message = format!("{problem}. {outcome}");
    if ops::savepoint_in_progress(rest, &job.url, id).await {
        message.push_str(&format!(
            "; Flink is still taking the savepoint: if it completes, the job stops and {then}"
        ));
    }
    remote(&job.name, Some(id), message)
}

/// Where a job that is not running restarts from, refused when that loses its state.
async fn stopped_restore(
    rest: &Rest,
    old: &Job<'_>,
    new: &Job<'_>,
    prior: &Value,
    s: &Settings,
) -> Result<Restore, ProviderError> {
    if s.upgrade_mode == UpgradeMode::Stateless {
        return Ok(Restore::Empty);
    }
    let restore = restore_for_stopped(rest, old, &new.url).await;
    check_state_kept(&restore, prior, &new.name, s)?;
    Ok(restore)
}

fn check_state_kept(
    restore: &Restore,
    prior: &Value,
    name: &str,
    s: &Settings,
) -> Result<(), ProviderError> {
    if *restore == Restore::Empty && had_state(prior) && !s.allow_state_loss {
        return Err(state_loss_refusal(
            name,
            "is not running and flinkform knows no savepoint or checkpoint to restore it from, so it would start again without its state.".to_string(),
        ));
    }
    Ok(())
}

/// A state with the restore pointers set from `restore` (kept when it is `Empty`).
fn with_restore(state: Value, restore: &Restore) -> Value {
    match restore {
        Restore::From {
            path,
            is_savepoint: true,
        } => with_attrs(
            &state,
            [
                ("last_savepoint", Value::string(path.clone())),
                ("last_checkpoint", Value::null_of(Type::String)),
            ],
        ),
        Restore::From {
            path,
            is_savepoint: false,
        } => with_attrs(&state, [("last_checkpoint", Value::string(path.clone()))]),
        _ => state,
    }
}

/// Stops the job as `destroy_mode` says. Returns what it leaves behind (the job, stopped,
/// with the savepoint or checkpoint its state is in), for the state backup; `None` when it
/// leaves nothing to restore from.
async fn delete(
    rest: &Rest,
    prior: &Value,
    checkpoint: &Checkpoint,
    report: &Report,
) -> Result<Option<Value>, ProviderError> {
    let s = settings(prior);
    let job = Job::of(prior)?;
    if str_of(prior, "status") == Some(SUSPENDED) {
        return Ok(str_of(prior, "last_savepoint").map(|path| {
            report(format!(
                "destroyed while suspended; its state is in savepoint {path}"
            ));
            prior.clone()
        }));
    }
    let info = current(rest, &job).await?;
    let mut left = None;
    if let (Some(info), Some(id)) = (info, job.job_id()) {
        if info.is_healthy() {
            let with_savepoint =
                s.destroy_mode == DestroyMode::Savepoint && s.kind == Kind::Streaming;
            if with_savepoint && info.state != "RUNNING" {
                // Restarting or starting: no savepoint can complete. It is cancelled; its
                // retained checkpoints keep its state.
                ops::cancel(rest, &job.url, id, s.timeout)
                    .await
                    .map_err(|e| {
                        remote(
                            &job.name,
                            Some(id),
                            format!("cancelling the job failed: {e}"),
                        )
                    })?;
                let newest = ops::restore_points(rest, &job.url, id)
                    .await
                    .ok()
                    .and_then(|(sp, cp)| ops::newest(sp, cp));
                match newest {
                    Some(p) => {
                        let kind = if p.is_savepoint { "savepoint" } else { "checkpoint" };
                        let mut op = json!({"op": "destroy"});
                        op[kind] = json!(p.path);
                        checkpoint(op);
                        report(format!(
                            "job {id} was {} and could not take a savepoint: cancelled; its newest {kind} is {}",
                            info.state, p.path
                        ));
                        let restore = Restore::From {
                            path: p.path,
                            is_savepoint: p.is_savepoint,
                        };
                        left = Some(with_restore(stopped(prior, "CANCELED"), &restore));
                    }
                    None => report(format!(
                        "job {id} was {} and could not take a savepoint: cancelled; Flink recorded no checkpoint of it",
                        info.state
                    )),
                }
            } else if with_savepoint {
                let path = ops::stop_with_savepoint(rest, &job.url, id, str_of(prior, "savepoint_dir"), s.timeout)
                    .await
                    .map_err(|e| {
                        remote(&job.name, Some(id), format!(
                            "stopping the job with a savepoint failed: {e}. The job keeps running and stays in the state; set destroy_mode = \"cancel\" to destroy it without a savepoint"
                        ))
                    })?;
                checkpoint(json!({"op": "destroy", "savepoint": path}));
                report(format!(
                    "job {id} stopped with savepoint {path} (start a job from it with initial_savepoint = {path:?})"
                ));
                let restore = Restore::From {
                    path,
                    is_savepoint: true,
                };
                left = Some(with_restore(stopped(prior, "FINISHED"), &restore));
            } else {
                ops::cancel(rest, &job.url, id, s.timeout)
                    .await
                    .map_err(|e| {
                        remote(
                            &job.name,
                            Some(id),
                            format!("cancelling the job failed: {e}"),
                        )
                    })?;
            }
        }
    }
    if let Some(jar) = str_of(prior, "jar_id") {
        let _ = rest.delete(&job.url, &format!("/jars/{jar}")).await;
    }
    Ok(left)
}

/// The job as it is once stopped: `status` as Flink reports it then.
fn stopped(prior: &Value, status: &str) -> Value {
    with_attrs(prior, [("status", Value::string(status))])
}

// ---- refresh ----

pub(super) async fn read(
    rest: &Rest,
    prior: &Value,
    pending: Option<&Json>,
) -> Result<Option<Value>, ProviderError> {
    if let Some(op) = pending {
        return resume(rest, prior, op).await;
    }
    refresh(rest, prior).await.map(Some)
}

async fn refresh(rest: &Rest, prior: &Value) -> Result<Value, ProviderError> {
    if str_of(prior, "status") == Some(SUSPENDED) || str_of(prior, "job_id").is_none() {
        return Ok(prior.clone());
    }
    let job = Job::of(prior)?;
    let id = job.job_id().unwrap_or("");
    let info = match ops::job_info(rest, &job.url, id).await {
        Ok(info) => info,
        Err(RestError::Unreachable(_)) => None,
        Err(e) => {
            return Err(remote(
                &job.name,
                Some(id),
                format!("cannot read the job's status: {e}"),
            ))
        }
    };
    match info {
        Some(info) if info.is_healthy() || settings(prior).kind == Kind::Batch => {
            Ok(with_attrs(prior, [("status", Value::string(info.state))]))
        }
        Some(info) => {
            // Stopped: what Flink last recorded of it is where it can restart from.
            let state = with_attrs(prior, [("status", Value::string(info.state))]);
            let (savepoint, checkpoint) = ops::restore_points(rest, &job.url, id)
                .await
                .unwrap_or((None, None));
            Ok(match ops::newest(savepoint, checkpoint) {
                Some(p) => with_restore(
                    state,
                    &Restore::From {
                        path: p.path,
                        is_savepoint: p.is_savepoint,
                    },
                ),
                None => state,
            })
        }
        None => {
            let state = with_attrs(prior, [("status", Value::string(MISSING))]);
            let found = match super::cluster::restart_savepoint(rest, &job.url, id).await {
                Some(path) => Some(Restore::of_path(path)),
                None => retained_checkpoint(prior, id).map(|path| Restore::From {
                    path,
                    is_savepoint: false,
                }),
            };
            Ok(match found {
                Some(restore) => with_restore(state, &restore),
                None => state,
            })
        }
    }
}

/// Resumes what an interrupted apply recorded: a submission (found under its job id, or not
/// made), or a stop with a savepoint whose path is now known.
async fn resume(rest: &Rest, base: &Value, op: &Json) -> Result<Option<Value>, ProviderError> {
    let text = |key: &str| op.get(key).and_then(Json::as_str).map(str::to_string);
    let opt = |v: Option<String>| {
        v.map(Value::string)
            .unwrap_or_else(|| Value::null_of(Type::String))
    };
    match op.get("op").and_then(Json::as_str) {
        Some("submit") => {
            let id = text("job_id").unwrap_or_default();
            let job = Job::of(base)?;
            let found = match ops::job_info(rest, &job.url, &id).await {
                Ok(found) => found,
                Err(RestError::Unreachable(_)) => None,
                Err(e) => {
                    return Err(remote(
                        &job.name,
                        Some(&id),
                        format!("cannot read the job's status: {e}"),
                    ))
                }
            };
            let pointers = [
                (
                    "last_savepoint",
                    opt(text("last_savepoint")
                        .or_else(|| str_of(base, "last_savepoint").map(str::to_string))),
                ),
                ("last_checkpoint", opt(text("last_checkpoint"))),
            ];
            match found {
                Some(info) => Ok(Some(with_attrs(
                    base,
                    [
                        ("id", Value::string(id.clone())),
                        ("job_id", Value::string(id)),
                        (
                            "generation",
                            Value::number(
                                op.get("generation").and_then(Json::as_f64).unwrap_or(0.0),
                            ),
                        ),
                        ("jar_id", opt(text("jar_id"))),
                        ("jar_sha256", opt(text("jar_sha256"))),
                        ("status", Value::string(info.state)),
                        ("restored_from", opt(text("restored_from"))),
                        ("checkpoint_dir", opt(text("checkpoint_dir"))),
                    ]
                    .into_iter()
                    .chain(pointers),
                ))),
                // Never submitted. A create made nothing; an update leaves the previous job
                // as it is now, with the savepoint taken for the resubmission.
                None if str_of(base, "job_id").is_none() => Ok(None),
                None => {
                    let state = refresh(rest, base).await?;
                    Ok(Some(with_attrs(&state, pointers)))
                }
            }
        }
        // A job stopped (for a restart, a suspend or a destroy) with the savepoint or the
        // checkpoint its state is in; an interrupted apply did not record what followed.
        Some(kind @ ("stopped" | "suspend" | "destroy")) => {
            let state = if kind == "suspend" {
                with_attrs(base, [("status", Value::string(SUSPENDED))])
            } else {
                refresh(rest, base).await?
            };
            Ok(Some(match (text("savepoint"), text("checkpoint")) {
                (Some(path), _) => with_restore(
                    state,
                    &Restore::From {
                        path,
                        is_savepoint: true,
                    },
                ),
                (None, Some(path)) => with_restore(
                    state,
                    &Restore::From {
                        path,
                        is_savepoint: false,
                    },
                ),
                (None, None) => state,
            }))
        }
        _ => refresh(rest, base).await.map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(attrs: Vec<(&str, Value)>) -> Value {
        Value::object(attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn config(extra: Vec<(&str, Value)>) -> Value {
        let mut attrs = vec![
            ("cluster_url", Value::string("http://localhost:18081")),
            ("name", Value::string("counter")),
            ("jar", Value::string("/nonexistent/jobs.jar")),
            ("parallelism", Value::number(1.0)),
        ];
        attrs.extend(extra);
        super::super::as_config(&schema(), obj(attrs))
    }

    /// A prior state as an apply would leave it.
    fn running_prior(extra: Vec<(&str, Value)>) -> Value {
        let c = config(extra);
        let (planned, _) = plan(None, &schema().proposed_new(None, &c), &c).expect("plan");
        with_attrs(
            &planned,
            [
                (
                    "id",
                    Value::string(job_id("flink_job.counter", "counter", 1)),
                ),
                (
                    "job_id",
                    Value::string(job_id("flink_job.counter", "counter", 1)),
                ),
                ("generation", Value::number(1.0)),
                ("jar_id", Value::string("j_jobs.jar")),
                ("jar_sha256", Value::string("0123abcd")),
                ("status", Value::string("RUNNING")),
            ],
        )
    }

    fn replan(prior: &Value, config_value: Value) -> Result<(Value, Notes), ProviderError> {
        let proposed = schema().proposed_new(Some(prior), &config_value);
        plan(Some(prior), &proposed, &config_value)
    }

    fn note(notes: &Notes, at: &str) -> String {
        notes.get(&AttrPath::attr(at)).cloned().unwrap_or_default()
    }

    #[test]
    fn recorded_paths_are_told_apart() {
        assert_eq!(
            Restore::of_path("file:/w/checkpoints/abc/chk-12".into()),
            Restore::From {
                path: "file:/w/checkpoints/abc/chk-12".into(),
                is_savepoint: false
            }
        );
        assert_eq!(
            Restore::of_path("file:/w/savepoints/savepoint-abc-123".into()),
            Restore::From {
                path: "file:/w/savepoints/savepoint-abc-123".into(),
                is_savepoint: true
            }
        );
    }

    #[test]
    fn job_ids_are_stable_and_differ_by_address_name_and_generation() {
        let a = job_id("flink_job.counter", "counter", 1);
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, job_id("flink_job.counter", "counter", 1));
        assert_ne!(a, job_id("flink_job.counter", "counter", 2));
        assert_ne!(a, job_id("flink_job.counter", "counter2", 1));
        assert_ne!(a, job_id("flink_job.counter[\"b\"]", "counter", 1));
        // Not a plain concatenation: parts cannot slide into each other.
        assert_ne!(
            job_id("flink_job.a", "b\n1", 2),
            job_id("flink_job.a\nb", "1", 2)
        );
    }

    #[test]
    fn validation_names_the_attribute() {
        let bad = config(vec![
            ("upgrade_mode", Value::string("savepoints")),
            ("timeout", Value::string("5 minutes")),
            ("parallelism", Value::number(0.5)),
        ]);
        let problems: Vec<String> = validate(&bad).iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems[0].starts_with("upgrade_mode: Invalid value: upgrade_mode must be one of \"savepoint\", \"last-state\", \"stateless\", not \"savepoints\". Did you mean \"savepoint\"?"), "{}", problems[0]);
        assert!(
            problems[1].starts_with("parallelism: Invalid number"),
            "{}",
            problems[1]
        );
        assert!(
            problems[2].starts_with("timeout: Invalid duration"),
            "{}",
            problems[2]
        );
        let batch = config(vec![
            ("kind", Value::string("batch")),
            ("state", Value::string("suspended")),
        ]);
        assert_eq!(validate(&batch).len(), 1);
    }

    #[test]
    fn a_parallelism_change_restarts_from_a_savepoint() {
        let prior = running_prior(vec![]);
        let (planned, notes) =
            replan(&prior, config(vec![("parallelism", Value::number(2.0))])).expect("plan");
        assert_eq!(note(&notes, "parallelism"), "restart from savepoint");
        assert!(super::super::is_unknown(&planned, "job_id"));
        assert!(super::super::is_unknown(&planned, "last_savepoint"));
        assert_eq!(str_of(&planned, "status"), Some("RUNNING"));
        // Nothing changed: nothing to do.
        let (same, notes) = replan(&prior, config(vec![])).expect("plan");
        assert!(notes.is_empty());
        assert_eq!(str_of(&same, "job_id"), str_of(&prior, "job_id"));
    }

    #[test]
    fn the_upgrade_mode_decides_how_a_change_runs() {
        let last_state = running_prior(vec![("upgrade_mode", Value::string("last-state"))]);
        let (_, notes) = replan(
            &last_state,
            config(vec![
                ("upgrade_mode", Value::string("last-state")),
                ("args", Value::list(vec![Value::string("x")])),
            ]),
        )
        .expect("plan");
        assert_eq!(note(&notes, "args"), "resume from checkpoint");

        let stateless = running_prior(vec![("upgrade_mode", Value::string("stateless"))]);
        let (planned, notes) = replan(
            &stateless,
            config(vec![
                ("upgrade_mode", Value::string("stateless")),
                ("parallelism", Value::number(3.0)),
            ]),
        )
        .expect("plan");
        assert_eq!(note(&notes, "parallelism"), "restart without state");
        assert!(planned
            .get_attr("restored_from")
            .is_some_and(Value::is_null));
    }

    #[test]
    fn moving_a_job_with_state_to_a_stateless_restart_is_refused_without_allow_state_loss() {
        let prior = running_prior(vec![]);
        let err = replan(
            &prior,
            config(vec![
                ("upgrade_mode", Value::string("stateless")),
                ("parallelism", Value::number(2.0)),
            ]),
        )
        .unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("allow_state_loss: Job state would be lost: flink_job \"counter\" had state (it ran with upgrade_mode = \"savepoint\")"), "{text}");
        assert!(text.contains("Set allow_state_loss = true"), "{text}");
        let (_, notes) = replan(
            &prior,
            config(vec![
                ("upgrade_mode", Value::string("stateless")),
                ("parallelism", Value::number(2.0)),
                ("allow_state_loss", Value::bool(true)),
            ]),
        )
        .expect("allowed");
        assert_eq!(note(&notes, "parallelism"), "restart without state");
    }

    #[test]
    fn a_job_found_dead_is_resubmitted_from_the_newest_restore_point() {
        let prior = with_attrs(
            &running_prior(vec![]),
            [
                ("status", Value::string("CANCELED")),
                ("last_savepoint", Value::string("file:/s/savepoint-1")),
                ("last_checkpoint", Value::string("file:/c/chk-7")),
            ],
        );
        let (planned, notes) = replan(&prior, config(vec![])).expect("plan");
        assert_eq!(
            note(&notes, "status"),
            "resubmit from checkpoint file:/c/chk-7"
        );
        assert_eq!(str_of(&planned, "status"), Some("RUNNING"));
        assert_eq!(str_of(&planned, "restored_from"), Some("file:/c/chk-7"));

        let no_checkpoint = with_attrs(&prior, [("last_checkpoint", Value::null_of(Type::String))]);
        let (_, notes) = replan(&no_checkpoint, config(vec![])).expect("plan");
        assert_eq!(
            note(&notes, "status"),
            "resubmit from savepoint file:/s/savepoint-1"
        );

        let nothing = with_attrs(
            &no_checkpoint,
            [
                ("last_savepoint", Value::null_of(Type::String)),
                ("status", Value::string(MISSING)),
            ],
        );
        let err = replan(&nothing, config(vec![])).unwrap_err().to_string();
        assert!(
            err.contains("is MISSING and flinkform knows no savepoint or checkpoint"),
            "{err}"
        );
    }

    #[test]
    fn a_stop_records_where_the_state_is() {
        assert_eq!(
            stopped_op(&Restore::of_path("file:/c/abc/chk-7".into())),
            json!({"op": "stopped", "checkpoint": "file:/c/abc/chk-7"})
        );
        assert_eq!(
            stopped_op(&Restore::of_path("file:/s/savepoint-abc-1".into())),
            json!({"op": "stopped", "savepoint": "file:/s/savepoint-abc-1"})
        );
        assert_eq!(stopped_op(&Restore::Empty), json!({"op": "stopped"}));
    }

    #[test]
    fn a_job_that_ended_while_being_stopped_is_not_resubmitted() {
        let savepoint = Restore::of_path("file:/s/savepoint-abc-1".into());
        let checkpoint = Restore::of_path("file:/c/abc/chk-7".into());
        // A stop with a savepoint that completed after its wait gave up: as planned.
        assert!(stopped_as_planned(
            UpgradeMode::Savepoint,
            "FINISHED",
            &savepoint
        ));
        assert!(stopped_as_planned(
            UpgradeMode::LastState,
            "FINISHED",
            &savepoint
        ));
        // Cancelled, failed or gone behind flinkform's back: not what the plan said.
        for status in ["CANCELED", "FAILED", MISSING] {
            for restore in [&savepoint, &checkpoint, &Restore::Empty] {
                assert!(
                    !stopped_as_planned(UpgradeMode::Savepoint, status, restore),
                    "{status} {restore:?}"
                );
            }
        }
        assert!(!stopped_as_planned(
            UpgradeMode::Savepoint,
            "FINISHED",
            &checkpoint
        ));
        assert!(!stopped_as_planned(
            UpgradeMode::LastState,
            "CANCELED",
            &checkpoint
        ));
        // A stateless restart starts empty whatever stopped the job.
        assert!(stopped_as_planned(
            UpgradeMode::Stateless,
            "CANCELED",
            &Restore::Empty
        ));

        let problem = "stopping the job with a savepoint failed: the savepoint failed: java.util.concurrent.CancellationException";
        let id = job_id("flink_job.counter", "counter", 3);
        let text =
            ended_while_stopping("counter", &id, problem, "CANCELED", &checkpoint).to_string();
        assert_eq!(
            text,
            format!("flink_job \"counter\" (job {id}): {problem}. The job ended (it is CANCELED) while it was being stopped; nothing was resubmitted. Run plan again: it resubmits the job from checkpoint file:/c/abc/chk-7")
        );
        let text = ended_while_stopping("counter", &id, problem, MISSING, &savepoint).to_string();
        assert!(
            text.ends_with("The job vanished from the cluster (the cluster no longer knows it, or does not answer) while it was being stopped; nothing was resubmitted. Run plan again: it resubmits the job from savepoint file:/s/savepoint-abc-1"),
            "{text}"
        );
        let text =
            ended_while_stopping("counter", &id, problem, "FAILED", &Restore::Empty).to_string();
        assert!(
            text.contains("(it is FAILED)")
                && text.ends_with("flinkform knows no savepoint or checkpoint to restore the job from, so it resubmits the job only with allow_state_loss = true"),
            "{text}"
        );
    }

    #[test]
    fn a_destroy_says_how_the_job_stops() {
        let running = running_prior(vec![]);
        assert_eq!(
            note(&destroy_notes(&running), "status"),
            "stop with savepoint, kept in the state backup"
        );
        let cancel = with_attrs(&running, [("destroy_mode", Value::string("cancel"))]);
        assert_eq!(
            note(&destroy_notes(&cancel), "status"),
            "cancel: the job's state is not kept"
        );
        let suspended = with_attrs(
            &running,
            [
                ("status", Value::string(SUSPENDED)),
                ("last_savepoint", Value::string("file:/s/savepoint-1")),
            ],
        );
        assert_eq!(
            note(&destroy_notes(&suspended), "status"),
            "suspended: its state stays in savepoint file:/s/savepoint-1"
        );
        let failed = with_attrs(&running, [("status", Value::string("FAILED"))]);
        assert!(destroy_notes(&failed).is_empty());
    }

    #[test]
    fn suspend_and_resume() {
        let prior = running_prior(vec![]);
        let (planned, notes) =
            replan(&prior, config(vec![("state", Value::string("suspended"))])).expect("plan");
        assert_eq!(note(&notes, "state"), "stop with savepoint");
        assert_eq!(str_of(&planned, "status"), Some(SUSPENDED));

        let suspended = with_attrs(
            &planned,
            [
                ("last_savepoint", Value::string("file:/s/savepoint-2")),
                ("state", Value::string("suspended")),
            ],
        );
        let (planned, notes) = replan(
            &suspended,
            config(vec![("parallelism", Value::number(2.0))]),
        )
        .expect("plan");
        assert_eq!(
            note(&notes, "state"),
            "resume from savepoint file:/s/savepoint-2"
        );
        assert_eq!(
            str_of(&planned, "restored_from"),
            Some("file:/s/savepoint-2")
        );
    }
}
