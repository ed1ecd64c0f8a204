//! `flink_cluster`: a Flink session cluster, and `data "flink_cluster"`, one flinkform does not
//! own, read by REST URL.
//!
//! The deployment target is a block, exactly one of which is written: [`Target`]. This
//! provider implements `local` (see [`super::local`]); the Kubernetes targets (`kubernetes`,
//! standalone objects; `operator`, a FlinkDeployment) will be further variants and blocks,
//! sharing `flink_conf` and the computed attributes.
//!
//! Lifecycle of a `local` cluster:
//! - **create** writes the conf directory, starts a JobManager and the TaskManagers, and waits
//!   until the REST API answers with every TaskManager registered. Processes left over from an
//!   earlier run in the same work directory are stopped first.
//! - **a change** of `flink_conf` or of the `local` block **restarts** the cluster. Before
//!   stopping it, every running job is stopped with a savepoint; the savepoints are recorded in
//!   the state (`restart_savepoints`) and in the restarted cluster's configuration (key
//!   [`STOPPED_JOBS_KEY`], job id → savepoint), where each `flink_job` finds its own and
//!   resubmits from it (the plan shows those jobs updated: their `cluster_url` is not known
//!   until the restart). If a savepoint fails, the cluster is not restarted.
//! - **refresh**: a cluster whose processes are gone is gone (the plan creates it again); one
//!   with TaskManagers missing is planned for a restart.
//! - **destroy** stops every process (SIGTERM, then SIGKILL) and checks that none is left; the
//!   work directory's checkpoints, savepoints and logs are kept.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use super::local::{self, LocalSpec};
use super::ops;
use super::rest::{Rest, RestError};
use super::{attr, changed, is_unknown, num_of, str_of, string_map, whole_number, with_attrs};
use crate::lang::{Type, Value};
use crate::providers::schema::{AttributeSchema, NestedBlockSchema, Nesting, Schema};
use crate::providers::{AttrPath, Checkpoint, ProviderError};

/// The configuration key of a restarted cluster that maps the jobs stopped for the restart to
/// their savepoints (a JSON object).
pub const STOPPED_JOBS_KEY: &str = "flinkform.stopped-jobs";

/// The deployment target blocks, one of which a cluster has.
const TARGET_BLOCKS: [&str; 1] = ["local"];

const DEFAULT_REST_PORT: u16 = 8081;
const DEFAULT_MEMORY: &str = "1024m";
const DEFAULT_TASKMANAGERS: u32 = 1;
const DEFAULT_SLOTS: u32 = 2;

/// How long a start may take until every TaskManager is registered (about 10-30 s here).
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// How long each running job's savepoint may take before a restart.
const SAVEPOINT_TIMEOUT: Duration = Duration::from_secs(300);
/// How long processes get to stop after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// Where a cluster runs.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Processes on this machine.
    Local(LocalSpec),
}

pub(super) fn schema() -> Schema {
    let taskmanager = Schema::new("The TaskManagers.")
        .attribute(
            "count",
            AttributeSchema::optional(Type::Number)
                .describe("How many TaskManager processes. Default 1."),
        )
        .attribute(
            "slots",
            AttributeSchema::optional(Type::Number)
                .describe("Task slots per TaskManager (taskmanager.numberOfTaskSlots). Default 2."),
        )
        .attribute(
            "memory",
            AttributeSchema::optional(Type::String).describe(
                "Process memory of each TaskManager (taskmanager.memory.process.size). Default \"1024m\".",
            ),
        );
    let local = Schema::new("A standalone session cluster of processes on this machine.")
        .attribute(
            "flink_home",
            AttributeSchema::optional_computed(Type::String).describe(
                "The Flink 2.x distribution (with bin/ and lib/). Default: the FLINK_HOME environment variable when first planned.",
            ),
        )
        .attribute(
            "rest_port",
            AttributeSchema::optional(Type::Number).describe(
                "The REST API's port on localhost. Default 8081; the JobManager's RPC port is this + 1.",
            ),
        )
        .attribute(
            "work_dir",
            AttributeSchema::optional_computed(Type::String).describe(
                "The directory holding the cluster's configuration, logs, pid files, checkpoints and savepoints. Default: .flinkform/flink-<rest_port> under the working directory when first planned.",
            ),
        )
        .attribute(
            "jobmanager_memory",
            AttributeSchema::optional(Type::String).describe(
                "Process memory of the JobManager (jobmanager.memory.process.size). Default \"1024m\".",
            ),
        )
        .block(
            "taskmanager",
            NestedBlockSchema::new(Nesting::Single, taskmanager),
        );
    let computed =
        |description: &str, ty: Type| AttributeSchema::computed(ty).describe(description);
    Schema::new("A Flink session cluster. Exactly one deployment target block: local.")
        .attribute(
            "flink_conf",
            AttributeSchema::optional(Type::map(Type::String)).describe(
                "Flink configuration entries (config.yaml), over flinkform's defaults. A change restarts the cluster.",
            ),
        )
        .block("local", NestedBlockSchema::new(Nesting::Single, local))
        .attribute("id", computed("\"local:<work_dir>\".", Type::String))
        .attribute(
            "rest_url",
            computed("The REST API, e.g. \"http://localhost:8081\"; unknown in a plan that restarts the cluster.", Type::String),
        )
        .attribute("flink_version", computed("The Flink version.", Type::String))
        .attribute("slots_total", computed("Task slots of all TaskManagers.", Type::Number))
        .attribute(
            "taskmanagers_registered",
            computed("TaskManagers registered with the JobManager when last read.", Type::Number),
        )
        .attribute(
            "checkpoint_dir",
            computed("The default checkpoint directory (a file:// URI).", Type::String),
        )
        .attribute(
            "savepoint_dir",
            computed("The default savepoint directory (a file:// URI).", Type::String),
        )
        .attribute(
            "start_id",
            computed("Changes with every start of the cluster.", Type::String),
        )
        .attribute(
            "pids",
            computed("The cluster's processes.", Type::list(Type::Number)),
        )
        .attribute(
            "running_jobs",
            computed("Jobs running when last read: job id → name.", Type::map(Type::String)),
        )
        .attribute(
            "restart_savepoints",
            computed(
                "The jobs stopped for the last restart: job id → savepoint.",
                Type::map(Type::String),
            ),
        )
}

pub(super) fn data_schema() -> Schema {
    let computed =
        |description: &str, ty: Type| AttributeSchema::computed(ty).describe(description);
    Schema::new("A running Flink cluster flinkform does not own, read through its REST API.")
        .attribute(
            "rest_url",
            AttributeSchema::required(Type::String)
                .describe("The REST API, e.g. \"http://localhost:8081\"."),
        )
        .attribute(
            "flink_version",
            computed("The Flink version.", Type::String),
        )
        .attribute(
            "slots_total",
            computed("Task slots of all TaskManagers.", Type::Number),
        )
        .attribute(
            "slots_available",
            computed("Free task slots.", Type::Number),
        )
        .attribute(
            "taskmanagers_registered",
            computed("Registered TaskManagers.", Type::Number),
        )
        .attribute(
            "checkpoint_dir",
            computed("execution.checkpointing.dir, or null.", Type::String),
        )
        .attribute(
            "savepoint_dir",
            computed(
                "execution.checkpointing.savepoint-dir, or null.",
                Type::String,
            ),
        )
        .attribute(
            "running_jobs",
            computed("Running jobs: job id → name.", Type::map(Type::String)),
        )
}

pub(super) fn validate(config: &Value) -> Vec<ProviderError> {
    let mut problems = Vec::new();
    let targets: Vec<&str> = TARGET_BLOCKS
        .into_iter()
        .filter(|b| config.get_attr(b).is_some_and(|v| !v.is_null()))
        .collect();
    if targets.is_empty() {
        problems.push(ProviderError::invalid(
            AttrPath::root(),
            "Missing deployment target",
            "A flink_cluster needs exactly one deployment target block: add `local { }` for a cluster of processes on this machine.",
        ));
    }
    if let Some(conf) = string_map(config, "flink_conf") {
        for key in conf.keys() {
            let owned = match key.as_str() {
                "rest.port" => Some("set rest_port in the local block instead"),
                k if k.starts_with("flinkform.") => {
                    Some("keys under flinkform. are flinkform's own")
                }
                _ => None,
            };
            if let Some(why) = owned {
                problems.push(ProviderError::invalid(
                    AttrPath::attr("flink_conf").child_key(key.clone()),
                    "Reserved configuration key",
                    format!("flink_conf cannot set {key:?}: {why}."),
                ));
            }
        }
    }
    if let Some(local) = attr(config, "local") {
        let at = AttrPath::attr("local");
        if let Err(e) = whole_number(local, at.child_attr("rest_port"), "rest_port", 1.0, 65534.0) {
            problems.push(e);
        }
        if let Some(tm) = attr(local, "taskmanager") {
            let at = at.child_attr("taskmanager");
            for (name, max) in [("count", 64.0), ("slots", 1024.0)] {
                if let Err(e) = whole_number(tm, at.child_attr(name), name, 1.0, max) {
                    problems.push(e);
                }
            }
        }
        if str_of(local, "work_dir") == Some("") {
            problems.push(ProviderError::invalid(
                at.child_attr("work_dir"),
                "Invalid directory",
                "work_dir must not be empty.",
            ));
        }
    }
    problems
}

pub(super) fn validate_data(config: &Value) -> Vec<ProviderError> {
    match str_of(config, "rest_url") {
        Some(url) if !url.starts_with("http://") => vec![ProviderError::invalid(
            AttrPath::attr("rest_url"),
            "Invalid REST URL",
            format!(
                "rest_url must be an http:// URL such as \"http://localhost:8081\", not {url:?}."
            ),
        )],
        _ => Vec::new(),
    }
}

// ---- plan ----

type Notes = BTreeMap<AttrPath, String>;

/// Fills the `local` block's computed settings the configuration leaves null and no prior
/// state set: `flink_home` from FLINK_HOME, `work_dir` under the working directory.
fn plan_local(local: &Value, configured: Option<&Value>) -> Result<Value, ProviderError> {
    let unset = |name: &str| {
        let in_config = configured.and_then(|c| c.get_attr(name));
        let in_plan = local.get_attr(name);
        in_config.is_none_or(Value::is_null) && in_plan.is_none_or(|v| v.is_null() || !v.is_known())
    };
    let mut updates = Vec::new();
    if unset("flink_home") {
        match std::env::var("FLINK_HOME") {
            Ok(h) if !h.is_empty() => updates.push(("flink_home", Value::string(h))),
            _ => {
                return Err(ProviderError::invalid(
                    AttrPath::attr("local").child_attr("flink_home"),
                    "Missing Flink distribution",
                    "Set flink_home in the local block, or the FLINK_HOME environment variable, to a Flink 2.x distribution (scripts/setup-flink.sh installs one and prints its path).",
                ))
            }
        }
    }
    if unset("work_dir") {
        let dir = match (local_port(local), std::env::current_dir()) {
            (Some(port), Ok(cwd)) => Value::string(
                cwd.join(".flinkform")
                    .join(format!("flink-{port}"))
                    .to_string_lossy()
                    .into_owned(),
            ),
            _ => Value::unknown(Type::String),
        };
        updates.push(("work_dir", dir));
    }
    Ok(with_attrs(local, updates))
}

fn local_port(local: &Value) -> Option<u16> {
    if local.get_attr("rest_port").is_some_and(|v| !v.is_known()) {
        return None;
    }
    Some(
        num_of(local, "rest_port")
            .and_then(|n| u16::try_from(n as i64).ok())
            .unwrap_or(DEFAULT_REST_PORT),
    )
}

/// The deployment target of a cluster value whose settings are known.
pub fn target_of(value: &Value) -> Result<Target, ProviderError> {
    let Some(local) = attr(value, "local") else {
        return Err(ProviderError::invalid(
            AttrPath::root(),
            "Missing deployment target",
            "A flink_cluster needs exactly one deployment target block: add `local { }`.",
        ));
    };
    let at = AttrPath::attr("local");
    let not_known = |name: &str| {
        ProviderError::invalid(
            at.child_attr(name),
            "Value not known",
            format!("{name} is not known yet."),
        )
    };
    let flink_home = str_of(local, "flink_home").ok_or_else(|| not_known("flink_home"))?;
    let work_dir = str_of(local, "work_dir").ok_or_else(|| not_known("work_dir"))?;
    let rest_port = whole_number(local, at.child_attr("rest_port"), "rest_port", 1.0, 65534.0)?
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(DEFAULT_REST_PORT);
    let tm = attr(local, "taskmanager");
    let tm_at = at.child_attr("taskmanager");
    let taskmanagers = match tm {
        Some(tm) => whole_number(tm, tm_at.child_attr("count"), "count", 1.0, 64.0)?,
        None => None,
    };
    let slots = match tm {
        Some(tm) => whole_number(tm, tm_at.child_attr("slots"), "slots", 1.0, 1024.0)?,
        None => None,
    };
    let flink_conf = string_map(value, "flink_conf").ok_or_else(|| {
        ProviderError::invalid(
            AttrPath::attr("flink_conf"),
            "Value not known",
            "flink_conf is not known yet.",
        )
    })?;
    let work_dir = PathBuf::from(work_dir);
    let work_dir = if work_dir.is_absolute() {
        work_dir
    } else {
        std::env::current_dir()
            .map(|cwd| cwd.join(&work_dir))
            .unwrap_or(work_dir)
    };
    Ok(Target::Local(LocalSpec {
        flink_home: PathBuf::from(flink_home),
        rest_port,
        work_dir,
        jobmanager_memory: str_of(local, "jobmanager_memory")
            .unwrap_or(DEFAULT_MEMORY)
            .to_string(),
        taskmanagers: taskmanagers.unwrap_or(DEFAULT_TASKMANAGERS),
        slots: slots.unwrap_or(DEFAULT_SLOTS),
        taskmanager_memory: tm
            .and_then(|tm| str_of(tm, "memory"))
            .unwrap_or(DEFAULT_MEMORY)
            .to_string(),
        flink_conf,
    }))
}

/// The computed attributes that follow from the settings alone.
fn settled_attributes(spec: &LocalSpec) -> Vec<(&'static str, Value)> {
    let version = local::flink_version(&spec.flink_home)
        .map(Value::string)
        .unwrap_or_else(|| Value::unknown(Type::String));
    vec![
        (
            "id",
            Value::string(format!("local:{}", spec.work_dir.to_string_lossy())),
        ),
        ("rest_url", Value::string(spec.rest_url())),
        ("flink_version", version),
        (
            "slots_total",
            Value::number(f64::from(spec.taskmanagers * spec.slots)),
        ),
        (
            "taskmanagers_registered",
            Value::number(f64::from(spec.taskmanagers)),
        ),
        ("checkpoint_dir", Value::string(spec.checkpoint_dir())),
        ("savepoint_dir", Value::string(spec.savepoint_dir())),
    ]
}

/// The attributes that only a start knows.
fn unknown_start_attributes() -> Vec<(&'static str, Value)> {
    vec![
        ("start_id", Value::unknown(Type::String)),
        ("pids", Value::unknown(Type::list(Type::Number))),
        (
            "restart_savepoints",
            Value::unknown(Type::map(Type::String)),
        ),
        ("running_jobs", Value::map(BTreeMap::new())),
    ]
}

pub(super) fn plan(
    prior: Option<&Value>,
    proposed: &Value,
    config: &Value,
) -> Result<(Value, Notes), ProviderError> {
    let Some(local) = attr(proposed, "local") else {
        return Err(ProviderError::invalid(
            AttrPath::root(),
            "Missing deployment target",
            "A flink_cluster needs exactly one deployment target block: add `local { }`.",
        ));
    };
    let local = plan_local(local, config.get_attr("local"))?;
    let planned = with_attrs(proposed, [("local", local)]);
    let spec = match target_of(&planned) {
        Ok(Target::Local(spec)) => Some(spec),
        Err(_) => None,
    };
    let mut notes = Notes::new();
    let Some(prior) = prior else {
        let mut updates = match &spec {
            Some(spec) => settled_attributes(spec),
            None => [
                "id",
                "rest_url",
                "flink_version",
                "checkpoint_dir",
                "savepoint_dir",
            ]
            .into_iter()
            .map(|n| (n, Value::unknown(Type::String)))
            .chain(
                ["slots_total", "taskmanagers_registered"]
                    .into_iter()
                    .map(|n| (n, Value::unknown(Type::Number))),
            )
            .collect(),
        };
        updates.extend(unknown_start_attributes());
        return Ok((with_attrs(&planned, updates), notes));
    };

    // What makes a restart: a changed setting, or TaskManagers found missing.
    let mut reasons: Vec<AttrPath> = Vec::new();
    if changed(prior, &planned, "flink_conf") {
        reasons.push(AttrPath::attr("flink_conf"));
    }
    if let (Some(before), Some(after)) = (prior.get_attr("local"), planned.get_attr("local")) {
        for name in ["flink_home", "rest_port", "work_dir", "jobmanager_memory"] {
            if changed(before, after, name) {
                reasons.push(AttrPath::attr("local").child_attr(name));
            }
        }
        let null = Value::null();
        let tm_before = before.get_attr("taskmanager").unwrap_or(&null);
        let tm_after = after.get_attr("taskmanager").unwrap_or(&null);
        for name in ["count", "slots", "memory"] {
            if changed(tm_before, tm_after, name) {
                reasons.push(
                    AttrPath::attr("local")
                        .child_attr("taskmanager")
                        .child_attr(name),
                );
            }
        }
    }
    let expected = spec.as_ref().map(|s| s.taskmanagers);
    let registered = num_of(prior, "taskmanagers_registered");
    let missing_taskmanagers =
        matches!((expected, registered), (Some(e), Some(r)) if r < f64::from(e));
    if reasons.is_empty() && !missing_taskmanagers {
        return Ok((planned, notes));
    }

    let jobs = describe_jobs(prior, missing_taskmanagers);
    for path in &reasons {
        notes.insert(path.clone(), "restarts the cluster".to_string());
    }
    if missing_taskmanagers {
        notes.insert(
            AttrPath::attr("taskmanagers_registered"),
            format!(
                "only {} of {} TaskManagers are registered: the cluster restarts",
                crate::lang::value::format_number(registered.unwrap_or(0.0)),
                expected.unwrap_or(0)
            ),
        );
    }
    notes.insert(AttrPath::attr("rest_url"), jobs);
    let mut updates = match &spec {
        Some(spec) => settled_attributes(spec),
        None => Vec::new(),
    };
    updates.push(("rest_url", Value::unknown(Type::String)));
    updates.extend(unknown_start_attributes());
    Ok((with_attrs(&planned, updates), notes))
}

/// The plan note on a restart: which running jobs are stopped (with a savepoint, or cancelled
/// when TaskManagers are missing) and resumed.
fn describe_jobs(prior: &Value, missing_taskmanagers: bool) -> String {
    let jobs = string_map(prior, "running_jobs").unwrap_or_default();
    if jobs.is_empty() {
        return "the cluster restarts; no job was running on it".to_string();
    }
    let list: Vec<String> = jobs
        .iter()
        .map(|(id, name)| format!("{name} ({id})"))
        .collect();
    let how = if missing_taskmanagers {
        "with TaskManagers missing no savepoint can complete, so running jobs are cancelled first, and their flink_job resources resubmit them from their newest checkpoint"
    } else {
        "running jobs are stopped with a savepoint first, and their flink_job resources resubmit them from it"
    };
    format!("the cluster restarts: {how}: {}", list.join(", "))
}

// ---- apply ----

pub(super) async fn apply(
    rest: &Rest,
    prior: Option<&Value>,
    planned: Option<&Value>,
    checkpoint: &Checkpoint,
) -> Result<Option<Value>, ProviderError> {
    match (prior, planned) {
        (None, None) => Ok(None),
        (None, Some(planned)) => create(rest, planned, checkpoint).await.map(Some),
        (Some(prior), Some(planned)) => {
            let restart = is_unknown(planned, "start_id");
            if restart {
                restart_cluster(rest, prior, planned, checkpoint)
                    .await
                    .map(Some)
            } else {
                Ok(Some(planned.clone()))
            }
        }
        (Some(prior), None) => {
            delete(prior).await?;
            Ok(None)
        }
    }
}

fn local_spec(value: &Value) -> Result<LocalSpec, ProviderError> {
    match target_of(value)? {
        Target::Local(spec) => Ok(spec),
    }
}

fn remote(message: String) -> ProviderError {
    ProviderError::Remote { message }
}

/// Runs blocking process work off the async executor.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(format!("the task failed: {e}")))
}

async fn create(
    rest: &Rest,
    planned: &Value,
    checkpoint: &Checkpoint,
) -> Result<Value, ProviderError> {
    let spec = local_spec(planned)?;
    local::check_distribution(&spec.flink_home).map_err(|e| {
        ProviderError::invalid(
            AttrPath::attr("local").child_attr("flink_home"),
            "Invalid Flink distribution",
            e,
        )
    })?;
    // A cluster left running in this work directory (an apply interrupted before it was
    // recorded) is stopped first; jobs stopped for an unfinished restart keep their savepoints.
    let carried = stopped_jobs_in_config(&spec);
    let start_id = uuid::Uuid::new_v4().to_string();
    checkpoint(json!({"op": "start", "start_id": start_id}));
    start(&spec, &carried).await?;
    let state = started_state(rest, planned, &spec, &start_id, BTreeMap::new()).await?;
    Ok(state)
}

/// Stops leftovers, writes the configuration, launches the processes and waits until the
/// cluster is ready; on failure, stops what was started.
async fn start(
    spec: &LocalSpec,
    stopped_jobs: &BTreeMap<String, String>,
) -> Result<(), ProviderError> {
    let mut extra = BTreeMap::new();
    if !stopped_jobs.is_empty() {
        extra.insert(
            STOPPED_JOBS_KEY.to_string(),
            serde_json::to_string(stopped_jobs).unwrap_or_default(),
        );
    }
    let s = spec.clone();
    blocking(move || {
        if !local::processes(&s).is_empty() {
            local::stop(&s, STOP_GRACE)?;
        }
        // Ports of processes just stopped are released a moment after they exit.
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Err(e) = local::check_ports_free(&s) {
            if Instant::now() >= deadline {
                return Err(e);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        local::prepare(&s, &extra).map_err(|e| {
            format!(
                "cannot write the cluster's configuration under {}: {e}",
                s.work_dir.display()
            )
        })?;
        local::launch(&s)
    })
    .await
    .map_err(|e| {
        remote(format!(
            "cannot start the Flink cluster in {}: {e}",
            spec.work_dir.display()
        ))
    })?;
    if let Err(e) = wait_ready(spec, START_TIMEOUT).await {
        let s = spec.clone();
        let errors = local::log_errors(spec);
        let _ = blocking(move || local::stop(&s, STOP_GRACE)).await;
        let logs = if errors.is_empty() {
            String::new()
        } else {
            format!(" The logs say: {errors}")
        };
        return Err(remote(format!(
            "the Flink cluster in {} did not come up: {e}; its processes were stopped.{logs}",
            spec.work_dir.display()
        )));
    }
    Ok(())
}

/// Waits until the REST API answers with every TaskManager registered, as long as the
/// cluster's processes run.
async fn wait_ready(spec: &LocalSpec, timeout: Duration) -> Result<Json, String> {
    let rest = Rest::new()?;
    let started = Instant::now();
    loop {
        let last = match rest.get(&spec.rest_url(), "/overview").await {
            Ok(overview) => {
                let registered = overview
                    .get("taskmanagers")
                    .and_then(Json::as_u64)
                    .unwrap_or(0);
                let slots = overview
                    .get("slots-total")
                    .and_then(Json::as_u64)
                    .unwrap_or(0);
                // A TaskManager is listed a moment before its slots are.
                let all_slots = u64::from(spec.taskmanagers) * u64::from(spec.slots);
                if registered >= u64::from(spec.taskmanagers) && slots >= all_slots {
                    return Ok(overview);
                }
                format!(
                    "{registered} of {} TaskManagers registered, {slots} of {all_slots} slots",
                    spec.taskmanagers
                )
            }
            Err(e) => e.to_string(),
        };
        let s = spec.clone();
        let running = blocking(move || Ok(local::jobmanager_pid(&s).is_some()))
            .await
            .unwrap_or(true);
        if !running {
            return Err("the JobManager process exited".to_string());
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "not ready within {}: {last}",
                ops::describe(timeout)
            ));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The state of a cluster just started (or found running): settings as planned, and what
/// the running cluster says.
async fn started_state(
    rest: &Rest,
    planned: &Value,
    spec: &LocalSpec,
    start_id: &str,
    restart_savepoints: BTreeMap<String, String>,
) -> Result<Value, ProviderError> {
    let url = spec.rest_url();
    let overview = rest
        .get(&url, "/overview")
        .await
        .map_err(|e| remote(format!("the Flink cluster at {url} does not answer: {e}")))?;
    let running_jobs = running_jobs(rest, &url).await.unwrap_or_default();
    let s = spec.clone();
    let pids = blocking(move || Ok(local::processes(&s)))
        .await
        .unwrap_or_default();
    let mut updates = settled_attributes(spec);
    updates.extend(overview_attributes(&overview));
    updates.extend([
        ("start_id", Value::string(start_id)),
        (
            "pids",
            Value::list(
                pids.into_iter()
                    .map(|p| Value::number(f64::from(p)))
                    .collect(),
            ),
        ),
        ("running_jobs", string_map_value(running_jobs)),
        ("restart_savepoints", string_map_value(restart_savepoints)),
    ]);
    Ok(with_attrs(planned, updates))
}

fn overview_attributes(overview: &Json) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    if let Some(v) = overview.get("flink-version").and_then(Json::as_str) {
        out.push(("flink_version", Value::string(v)));
    }
    if let Some(n) = overview.get("slots-total").and_then(Json::as_f64) {
        out.push(("slots_total", Value::number(n)));
    }
    if let Some(n) = overview.get("taskmanagers").and_then(Json::as_f64) {
        out.push(("taskmanagers_registered", Value::number(n)));
    }
    out
}

fn string_map_value(m: BTreeMap<String, String>) -> Value {
    Value::map(m.into_iter().map(|(k, v)| (k, Value::string(v))).collect())
}

/// Jobs not yet over: (job id, name, state).
async fn live_jobs(rest: &Rest, url: &str) -> Result<Vec<(String, String, String)>, RestError> {
    let overview = rest.get(url, "/jobs/overview").await?;
    Ok(overview
        .get("jobs")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|j| {
            let state = j.get("state")?.as_str()?;
            if !ops::HEALTHY_STATES.contains(&state) {
                return None;
            }
            Some((
                j.get("jid")?.as_str()?.to_string(),
                j.get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string(),
                state.to_string(),
            ))
        })
        .collect())
}

/// Jobs not yet over: job id → name.
async fn running_jobs(rest: &Rest, url: &str) -> Result<BTreeMap<String, String>, RestError> {
    Ok(live_jobs(rest, url)
        .await?
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect())
}

/// The stopped jobs recorded in the configuration currently in the work directory.
fn stopped_jobs_in_config(spec: &LocalSpec) -> BTreeMap<String, String> {
    let Ok(text) = std::fs::read_to_string(spec.conf_dir().join("config.yaml")) else {
        return BTreeMap::new();
    };
    let Ok(conf) = serde_yaml::from_str::<BTreeMap<String, serde_yaml::Value>>(&text) else {
        return BTreeMap::new();
    };
    conf.get(STOPPED_JOBS_KEY)
        .and_then(|v| v.as_str())
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

/// The savepoint of a job stopped by a restart of the cluster at `url`, from the
/// configuration it was restarted with.
pub async fn restart_savepoint(rest: &Rest, url: &str, job_id: &str) -> Option<String> {
    let config = rest.get(url, "/jobmanager/config").await.ok()?;
    let value = config
        .as_array()?
        .iter()
        .find(|e| e.get("key").and_then(Json::as_str) == Some(STOPPED_JOBS_KEY))?
        .get("value")?
        .as_str()?
        .to_string();
    let jobs: BTreeMap<String, String> = serde_json::from_str(&value).ok()?;
    jobs.get(job_id).cloned()
}

async fn restart_cluster(
    rest: &Rest,
    prior: &Value,
    planned: &Value,
    checkpoint: &Checkpoint,
) -> Result<Value, ProviderError> {
    let old = local_spec(prior)?;
    let new = local_spec(planned)?;
    local::check_distribution(&new.flink_home).map_err(|e| {
        ProviderError::invalid(
            AttrPath::attr("local").child_attr("flink_home"),
            "Invalid Flink distribution",
            e,
        )
    })?;
    // Every running job is stopped with a savepoint before the processes go. A job that is
    // not RUNNING (restarting), or on a cluster with TaskManagers missing, cannot complete a
    // savepoint: it is cancelled and goes on from its newest retained checkpoint.
    let url = old.rest_url();
    let jobs = match live_jobs(rest, &url).await {
        Ok(jobs) => jobs,
        Err(RestError::Unreachable(_)) => Vec::new(),
        Err(e) => {
            return Err(remote(format!(
                "cannot list the jobs running on the Flink cluster at {url}, so it was not restarted: {e}"
            )))
        }
    };
    let degraded =
        num_of(prior, "taskmanagers_registered").is_some_and(|r| r < f64::from(old.taskmanagers));
    let mut stopped = BTreeMap::new();
    for (job_id, name, state) in &jobs {
        let result = if state == "RUNNING" && !degraded {
            ops::stop_with_savepoint(
                rest,
                &url,
                job_id,
                Some(&old.savepoint_dir()),
                SAVEPOINT_TIMEOUT,
            )
            .await
            .map(Some)
            .map_err(|e| format!("stopping it with a savepoint failed: {e}"))
        } else {
            match ops::cancel(rest, &url, job_id, SAVEPOINT_TIMEOUT).await {
                Ok(()) => Ok(ops::restore_points(rest, &url, job_id)
                    .await
                    .ok()
                    .and_then(|(s, c)| ops::newest(s, c))
                    .map(|p| p.path)),
                Err(e) => Err(format!("cancelling it failed: {e}")),
            }
        };
        match result {
            Ok(Some(path)) => {
                stopped.insert(job_id.clone(), path);
            }
            Ok(None) => {}
            Err(e) => {
                let done: Vec<String> = stopped
                    .iter()
                    .map(|(id, path)| format!("{id} ({path})"))
                    .collect();
                let done = if done.is_empty() {
                    String::new()
                } else {
                    format!(
                        " Jobs already stopped: {}; run plan: their flink_job resources resubmit them from there.",
                        done.join(", ")
                    )
                };
                return Err(remote(format!(
                    "the Flink cluster at {url} was not restarted: job {name:?} ({job_id}): {e}.{done}"
                )));
            }
        }
    }
    let start_id = uuid::Uuid::new_v4().to_string();
    checkpoint(json!({"op": "restart", "start_id": start_id, "stopped_jobs": stopped}));
    let o = old.clone();
    blocking(move || local::stop(&o, STOP_GRACE))
        .await
        .map_err(remote)?;
    start(&new, &stopped).await?;
    started_state(rest, planned, &new, &start_id, stopped).await
}

async fn delete(prior: &Value) -> Result<(), ProviderError> {
    let spec = local_spec(prior)?;
    let s = spec.clone();
    blocking(move || {
        local::stop(&s, STOP_GRACE)?;
        let _ = std::fs::remove_dir_all(s.tmp_dir());
        Ok(())
    })
    .await
    .map_err(|e| remote(format!("cannot stop the Flink cluster: {e}")))
}

// ---- refresh ----

pub(super) async fn read(
    rest: &Rest,
    prior: &Value,
    pending: Option<&Json>,
) -> Result<Option<Value>, ProviderError> {
    let spec = local_spec(prior)?;
    let s = spec.clone();
    let jobmanager = blocking(move || Ok(local::jobmanager_pid(&s)))
        .await
        .unwrap_or(None);
    if let Some(op) = pending {
        // A start or restart was interrupted: the cluster is there once it is ready.
        if jobmanager.is_none() {
            return Ok(None);
        }
        if wait_ready(&spec, START_TIMEOUT).await.is_err() {
            return Ok(None);
        }
        let start_id = op.get("start_id").and_then(Json::as_str).unwrap_or("");
        let stopped: BTreeMap<String, String> = op
            .get("stopped_jobs")
            .and_then(|j| serde_json::from_value(j.clone()).ok())
            .unwrap_or_default();
        return started_state(rest, prior, &spec, start_id, stopped)
            .await
            .map(Some);
    }
    let url = spec.rest_url();
    let s = spec.clone();
    let pids = blocking(move || Ok(local::processes(&s)))
        .await
        .unwrap_or_default();
    let pids_value = Value::list(pids.iter().map(|p| Value::number(f64::from(*p))).collect());
    match rest.get(&url, "/overview").await {
        Ok(overview) => {
            let mut updates = overview_attributes(&overview);
            // A TaskManager killed a moment ago is still listed until its heartbeat times out.
            let s = spec.clone();
            let alive = blocking(move || Ok(local::taskmanagers_alive(&s)))
                .await
                .unwrap_or(usize::MAX);
            let listed = overview
                .get("taskmanagers")
                .and_then(Json::as_u64)
                .unwrap_or(0);
            let registered = listed.min(u64::try_from(alive).unwrap_or(u64::MAX));
            updates.push(("taskmanagers_registered", Value::number(registered as f64)));
            if let Ok(jobs) = running_jobs(rest, &url).await {
                updates.push(("running_jobs", string_map_value(jobs)));
            }
            updates.push(("pids", pids_value));
            Ok(Some(with_attrs(prior, updates)))
        }
        Err(_) if jobmanager.is_none() => Ok(None),
        Err(_) => Ok(Some(with_attrs(
            prior,
            [
                ("taskmanagers_registered", Value::number(0.0)),
                ("pids", pids_value),
                ("running_jobs", Value::map(BTreeMap::new())),
            ],
        ))),
    }
}

pub(super) async fn read_data(rest: &Rest, config: &Value) -> Result<Value, ProviderError> {
    let url = str_of(config, "rest_url").ok_or_else(|| {
        ProviderError::invalid(
            AttrPath::attr("rest_url"),
            "Missing REST URL",
            "rest_url must be known to read a cluster.",
        )
    })?;
    let overview = rest
        .get(url, "/overview")
        .await
        .map_err(|e| remote(format!("no Flink cluster answers at {url}: {e}")))?;
    let config_entries = rest
        .get(url, "/jobmanager/config")
        .await
        .unwrap_or(Json::Null);
    let conf = |key: &str| {
        config_entries
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|e| e.get("key").and_then(Json::as_str) == Some(key))
            })
            .and_then(|e| e.get("value"))
            .and_then(Json::as_str)
            .map(Value::string)
            .unwrap_or_else(|| Value::null_of(Type::String))
    };
    let jobs = running_jobs(rest, url).await.unwrap_or_default();
    let mut updates = overview_attributes(&overview);
    updates.extend([
        (
            "slots_available",
            overview
                .get("slots-available")
                .and_then(Json::as_f64)
                .map(Value::number)
                .unwrap_or_else(|| Value::null_of(Type::Number)),
        ),
        ("checkpoint_dir", conf("execution.checkpointing.dir")),
        (
            "savepoint_dir",
            conf("execution.checkpointing.savepoint-dir"),
        ),
        ("running_jobs", string_map_value(jobs)),
    ]);
    Ok(with_attrs(config, updates))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(attrs: Vec<(&str, Value)>) -> Value {
        Value::object(attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }

    fn config(port: f64, conf: Vec<(&str, &str)>) -> Value {
        let schema = schema();
        let cfg = obj(vec![
            (
                "flink_conf",
                Value::map(
                    conf.into_iter()
                        .map(|(k, v)| (k.to_string(), Value::string(v)))
                        .collect(),
                ),
            ),
            (
                "local",
                obj(vec![
                    ("flink_home", Value::string("/opt/flink")),
                    ("rest_port", Value::number(port)),
                    ("work_dir", Value::string("/w")),
                ]),
            ),
        ]);
        super::super::as_config(&schema, cfg)
    }

    fn create_plan(c: Value) -> Result<(Value, Notes), ProviderError> {
        plan(None, &schema().proposed_new(None, &c), &c)
    }

    #[test]
    fn a_target_is_required_and_reserved_keys_are_refused() {
        let problems = validate(&obj(vec![]));
        assert_eq!(problems.len(), 1);
        assert!(problems[0]
            .to_string()
            .contains("exactly one deployment target"));
        let problems = validate(&config(8081.0, vec![("rest.port", "1")]));
        assert_eq!(
            problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["flink_conf[\"rest.port\"]: Reserved configuration key: flink_conf cannot set \"rest.port\": set rest_port in the local block instead."]
        );
        assert!(validate(&config(70000.0, vec![]))[0]
            .to_string()
            .starts_with("local.rest_port: Invalid number"));
    }

    #[test]
    fn create_plans_the_url_and_slots() {
        let (planned, notes) = create_plan(config(18081.0, vec![])).expect("plan");
        assert!(notes.is_empty());
        assert_eq!(str_of(&planned, "rest_url"), Some("http://localhost:18081"));
        assert_eq!(num_of(&planned, "slots_total"), Some(2.0));
        assert_eq!(
            str_of(&planned, "savepoint_dir"),
            Some("file:///w/savepoints")
        );
        assert!(is_unknown(&planned, "start_id"));
    }

    #[test]
    fn a_configuration_change_plans_a_restart_that_names_the_running_jobs() {
        let (created, _) = create_plan(config(18081.0, vec![])).expect("plan");
        let prior = with_attrs(
            &created,
            [
                ("start_id", Value::string("s1")),
                ("pids", Value::list(vec![Value::number(1.0)])),
                ("restart_savepoints", Value::map(BTreeMap::new())),
                (
                    "running_jobs",
                    Value::map([("abc".to_string(), Value::string("counter"))].into()),
                ),
            ],
        );
        let c = config(18081.0, vec![]);
        let same = schema().proposed_new(Some(&prior), &c);
        let (planned, notes) = plan(Some(&prior), &same, &c).expect("plan");
        assert!(notes.is_empty());
        assert_eq!(planned.to_json(), prior.to_json());

        let c = config(18081.0, vec![("a", "b")]);
        let changed_conf = schema().proposed_new(Some(&prior), &c);
        let (planned, notes) = plan(Some(&prior), &changed_conf, &c).expect("plan");
        assert!(is_unknown(&planned, "rest_url"));
        assert_eq!(
            notes.get(&AttrPath::attr("flink_conf")).map(String::as_str),
            Some("restarts the cluster")
        );
        let note = notes
            .get(&AttrPath::attr("rest_url"))
            .cloned()
            .unwrap_or_default();
        assert!(note.contains("counter (abc)"), "{note}");
    }

    #[test]
    fn missing_taskmanagers_plan_a_restart() {
        let (created, _) = create_plan(config(18081.0, vec![])).expect("plan");
        let prior = with_attrs(
            &created,
            [
                ("start_id", Value::string("s1")),
                ("pids", Value::list(vec![])),
                ("restart_savepoints", Value::map(BTreeMap::new())),
                ("taskmanagers_registered", Value::number(0.0)),
            ],
        );
        let c = config(18081.0, vec![]);
        let proposed = schema().proposed_new(Some(&prior), &c);
        let (planned, notes) = plan(Some(&prior), &proposed, &c).expect("plan");
        assert_eq!(num_of(&planned, "taskmanagers_registered"), Some(1.0));
        assert!(notes
            .get(&AttrPath::attr("taskmanagers_registered"))
            .is_some_and(|n| n.starts_with("only 0 of 1 TaskManagers")));
    }
}
