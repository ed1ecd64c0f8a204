//! Operations on one Flink job through the REST API, with their waits: status, stop with a
//! savepoint, cancel, wait until running or finished, the root exception of a failure, and the
//! savepoints and checkpoints it can be restored from.
//!
//! Errors are plain sentences (`String`); the callers prefix them with the job they are about.

use std::time::{Duration, Instant};

use serde_json::{json, Value as Json};

use super::rest::{root_cause, Rest, RestError};

/// How long a wait sleeps between two polls of the REST API, `elapsed` into the wait: often at
/// first (Flink takes 0.1-5 s for most steps, and each poll's delay adds to the apply's time),
/// then less.
fn poll_interval(elapsed: Duration) -> Duration {
    if elapsed < Duration::from_secs(10) {
        Duration::from_millis(50)
    } else {
        Duration::from_millis(250)
    }
}

/// Job states in which a streaming job is (or is about to be) running: nothing to resubmit.
pub const HEALTHY_STATES: [&str; 5] = [
    "RUNNING",
    "CREATED",
    "INITIALIZING",
    "RESTARTING",
    "RECONCILING",
];

/// Job states after which a job never runs again.
pub const TERMINAL_STATES: [&str; 3] = ["FINISHED", "CANCELED", "FAILED"];

/// What the cluster says of a job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobInfo {
    pub state: String,
    /// Tasks in all, and those running or finished.
    pub tasks_total: u64,
    pub tasks_running: u64,
    pub tasks_finished: u64,
}

impl JobInfo {
    pub fn is_healthy(&self) -> bool {
        HEALTHY_STATES.contains(&self.state.as_str())
    }
    pub fn is_terminal(&self) -> bool {
        TERMINAL_STATES.contains(&self.state.as_str())
    }
    /// Running, with every task deployed and running (tasks of a bounded source may have
    /// finished already).
    fn is_fully_running(&self) -> bool {
        self.state == "RUNNING"
            && self.tasks_total > 0
            && self.tasks_running + self.tasks_finished >= self.tasks_total
    }
}

/// The job's state, or `None` when the cluster does not know the job.
///
/// Read from `/jobs/overview`, which asks the JobManager each time: `/jobs/:id` answers from
/// a cache that is up to `web.refresh-interval` (3 s) old, which would add seconds to every
/// wait.
pub async fn job_info(rest: &Rest, url: &str, job_id: &str) -> Result<Option<JobInfo>, RestError> {
    let overview = rest.get(url, "/jobs/overview").await?;
    let Some(jobs) = overview.get("jobs").and_then(Json::as_array) else {
        return Err(RestError::Decode(format!(
            "/jobs/overview has no job list: {}",
            super::rest::excerpt(&overview.to_string())
        )));
    };
    Ok(jobs
        .iter()
        .find(|j| j.get("jid").and_then(Json::as_str) == Some(job_id))
        .and_then(job_info_of))
}

fn job_info_of(j: &Json) -> Option<JobInfo> {
    let tasks = j.get("tasks");
    let count = |key: &str| {
        tasks
            .and_then(|t| t.get(key))
            .and_then(Json::as_u64)
            .unwrap_or(0)
    };
    Some(JobInfo {
        state: j.get("state").and_then(Json::as_str)?.to_string(),
        tasks_total: count("total"),
        tasks_running: count("running"),
        tasks_finished: count("finished"),
    })
}

/// The root exception of a failed job, from `/jobs/:id/exceptions`: the innermost cause of
/// the newest failure, e.g. `java.lang.IllegalStateException: poisoned record 42`.
pub async fn root_exception(rest: &Rest, url: &str, job_id: &str) -> Option<String> {
    let j = rest
        .get(url, &format!("/jobs/{job_id}/exceptions"))
        .await
        .ok()?;
    let entry = j
        .get("exceptionHistory")
        .and_then(|h| h.get("entries"))
        .and_then(Json::as_array)
        .and_then(|e| e.first());
    let trace = entry
        .and_then(|e| e.get("stacktrace"))
        .and_then(Json::as_str)
        .or_else(|| j.get("root-exception").and_then(Json::as_str))?;
    let cause = root_cause(trace);
    (!cause.is_empty()).then_some(cause)
}

/// Stops the job with a savepoint (`POST /jobs/:id/stop`, no drain) into `target_dir` (the
/// cluster's default savepoint directory when `None`) and waits until the savepoint is
/// complete and the job finished. Returns the savepoint's location.
pub async fn stop_with_savepoint(
    rest: &Rest,
    url: &str,
    job_id: &str,
    target_dir: Option<&str>,
    timeout: Duration,
) -> Result<String, String> {
    let mut body = json!({"drain": false, "formatType": "CANONICAL"});
    if let Some(dir) = target_dir {
        body["targetDirectory"] = json!(dir);
    }
    let started = Instant::now();
    let answer = rest
        .post(url, &format!("/jobs/{job_id}/stop"), &body)
        .await
        .map_err(|e| format!("Flink refused to stop it with a savepoint: {e}"))?;
    let location = wait_savepoint(rest, url, job_id, &answer, started, timeout).await?;
    // The job finishes right after the savepoint: Flink's own cleanup, which the caller's
    // timeout (for the savepoint) does not bound tightly.
    let grace = remaining(started, timeout).max(Duration::from_secs(30));
    wait_terminal(rest, url, job_id, grace)
        .await
        .map_err(|e| format!("savepoint {location} completed, but {e}"))?;
    Ok(location)
}

/// Takes a savepoint of a running job and leaves it running; returns the location.
pub async fn trigger_savepoint(
    rest: &Rest,
    url: &str,
    job_id: &str,
    target_dir: Option<&str>,
    timeout: Duration,
) -> Result<String, String> {
    let mut body = json!({"cancel-job": false, "formatType": "CANONICAL"});
    if let Some(dir) = target_dir {
        body["target-directory"] = json!(dir);
    }
    let started = Instant::now();
    let answer = rest
        .post(url, &format!("/jobs/{job_id}/savepoints"), &body)
        .await
        .map_err(|e| format!("Flink refused to take a savepoint: {e}"))?;
    wait_savepoint(rest, url, job_id, &answer, started, timeout).await
}

fn remaining(started: Instant, timeout: Duration) -> Duration {
    timeout
        .saturating_sub(started.elapsed())
        .max(Duration::from_secs(1))
}

/// Polls a savepoint operation (`{"request-id"}`) to its end.
async fn wait_savepoint(
    rest: &Rest,
    url: &str,
    job_id: &str,
    answer: &Json,
    started: Instant,
    timeout: Duration,
) -> Result<String, String> {
    let request_id = answer
        .get("request-id")
        .and_then(Json::as_str)
        .ok_or_else(|| format!("Flink answered the savepoint request with {answer}"))?;
    let path = format!("/jobs/{job_id}/savepoints/{request_id}");
    loop {
        match rest.get(url, &path).await {
            Ok(status) => {
                let id = status
                    .get("status")
                    .and_then(|s| s.get("id"))
                    .and_then(Json::as_str)
                    .unwrap_or("");
                if id == "COMPLETED" {
                    let operation = status.get("operation").cloned().unwrap_or(Json::Null);
                    if let Some(location) = operation.get("location").and_then(Json::as_str) {
                        return Ok(location.to_string());
                    }
                    let cause = operation
                        .get("failure-cause")
                        .and_then(|c| c.get("stack-trace"))
                        .and_then(Json::as_str)
                        .map(root_cause)
                        .unwrap_or_else(|| format!("Flink answered {status}"));
                    return Err(format!("the savepoint failed: {cause}"));
                }
            }
            Err(e) if e.is_not_found() => {
                return Err(format!(
                    "the job vanished while its savepoint was being taken ({e})"
                ))
            }
            Err(e) => return Err(format!("cannot follow the savepoint: {e}")),
        }
        if started.elapsed() >= timeout {
            return Err(format!(
                "the savepoint did not complete within {}",
                describe(timeout)
            ));
        }
        tokio::time::sleep(poll_interval(started.elapsed())).await;
    }
}

/// Cancels the job (`PATCH /jobs/:id?mode=cancel`) and waits until it is over. A job already
/// over, or unknown to the cluster, is fine.
pub async fn cancel(rest: &Rest, url: &str, job_id: &str, timeout: Duration) -> Result<(), String> {
    match job_info(rest, url, job_id).await {
        Ok(None) => return Ok(()),
        Ok(Some(info)) if info.is_terminal() => return Ok(()),
        Ok(Some(_)) => {}
        Err(e) => return Err(format!("cannot read its status: {e}")),
    }
    match rest
        .patch(url, &format!("/jobs/{job_id}?mode=cancel"))
        .await
    {
        Ok(_) => {}
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(format!("Flink refused to cancel it: {e}")),
    }
    wait_terminal(rest, url, job_id, timeout).await.map(|_| ())
}

/// Waits until the job is FINISHED, CANCELED or FAILED; returns that state.
pub async fn wait_terminal(
    rest: &Rest,
    url: &str,
    job_id: &str,
    timeout: Duration,
) -> Result<String, String> {
    let started = Instant::now();
    loop {
        match job_info(rest, url, job_id).await {
            Ok(Some(info)) if info.is_terminal() => return Ok(info.state),
            Ok(None) => return Ok("MISSING".to_string()),
            Ok(Some(info)) => {
                if started.elapsed() >= timeout {
                    return Err(format!(
                        "it did not end within {}: it is {}",
                        describe(timeout),
                        info.state
                    ));
                }
            }
            Err(e) => return Err(format!("cannot read its status: {e}")),
        }
        tokio::time::sleep(poll_interval(started.elapsed())).await;
    }
}

/// How a wait for a job ended badly.
#[derive(Debug, PartialEq)]
pub enum WaitError {
    /// The job failed or ended: its final state and root exception.
    Ended {
        state: String,
        cause: Option<String>,
    },
    /// The cluster no longer knows the job.
    Vanished,
    TimedOut {
        state: String,
    },
    Rest(String),
}

/// Waits until a streaming job runs (every task running).
pub async fn wait_running(
    rest: &Rest,
    url: &str,
    job_id: &str,
    timeout: Duration,
) -> Result<JobInfo, WaitError> {
    wait_for(rest, url, job_id, timeout, false).await
}

/// Waits until a batch job has finished.
pub async fn wait_finished(
    rest: &Rest,
    url: &str,
    job_id: &str,
    timeout: Duration,
) -> Result<JobInfo, WaitError> {
    wait_for(rest, url, job_id, timeout, true).await
}

async fn wait_for(
    rest: &Rest,
    url: &str,
    job_id: &str,
    timeout: Duration,
    until_finished: bool,
) -> Result<JobInfo, WaitError> {
    let started = Instant::now();
    // A job just accepted may not be listed yet for a moment.
    let mut missing_since: Option<Instant> = None;
    loop {
        match job_info(rest, url, job_id).await {
            Ok(Some(info)) => {
                missing_since = None;
                let done = if until_finished {
                    info.state == "FINISHED"
                } else {
                    info.is_fully_running()
                };
                if done {
                    return Ok(info);
                }
                let ended = if until_finished {
                    info.state == "FAILED" || info.state == "CANCELED"
                } else {
                    info.is_terminal()
                };
                if ended {
                    let cause = root_exception(rest, url, job_id).await;
                    return Err(WaitError::Ended {
                        state: info.state,
                        cause,
                    });
                }
                if started.elapsed() >= timeout {
                    return Err(WaitError::TimedOut { state: info.state });
                }
            }
            Ok(None) => {
                let since = *missing_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= Duration::from_secs(5) {
                    return Err(WaitError::Vanished);
                }
            }
            Err(e) => return Err(WaitError::Rest(e.to_string())),
        }
        tokio::time::sleep(poll_interval(started.elapsed())).await;
    }
}

/// A completed savepoint or checkpoint a job can be restored from.
#[derive(Clone, Debug, PartialEq)]
pub struct RestorePoint {
    pub id: u64,
    pub path: String,
    pub is_savepoint: bool,
}

/// The newest savepoint and the newest retained checkpoint of a job, from
/// `/jobs/:id/checkpoints` (`None` each when there is none, or the job is unknown).
pub async fn restore_points(
    rest: &Rest,
    url: &str,
    job_id: &str,
) -> Result<(Option<RestorePoint>, Option<RestorePoint>), RestError> {
    let Some(j) = rest
        .get_opt(url, &format!("/jobs/{job_id}/checkpoints"))
        .await?
    else {
        return Ok((None, None));
    };
    Ok(restore_points_of(&j))
}

/// See [`restore_points`]: a checkpoint counts only when Flink has not discarded it.
pub fn restore_points_of(checkpoints: &Json) -> (Option<RestorePoint>, Option<RestorePoint>) {
    let latest = checkpoints.get("latest");
    let point = |key: &str, is_savepoint: bool| {
        let c = latest.and_then(|l| l.get(key))?;
        if c.get("discarded").and_then(Json::as_bool) == Some(true) {
            return None;
        }
        Some(RestorePoint {
            id: c.get("id").and_then(Json::as_u64).unwrap_or(0),
            path: c.get("external_path").and_then(Json::as_str)?.to_string(),
            is_savepoint,
        })
    };
    (point("savepoint", true), point("completed", false))
}

/// The newer of two restore points (ids grow with every checkpoint and savepoint of a job).
pub fn newest(a: Option<RestorePoint>, b: Option<RestorePoint>) -> Option<RestorePoint> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.id > a.id { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Whether Flink is taking a savepoint of the job now (a savepoint whose wait timed out may
/// still complete, and a stop with a savepoint then ends the job), from the history of
/// `/jobs/:id/checkpoints`.
pub async fn savepoint_in_progress(rest: &Rest, url: &str, job_id: &str) -> bool {
    match rest
        .get_opt(url, &format!("/jobs/{job_id}/checkpoints"))
        .await
    {
        Ok(Some(j)) => savepoint_in_progress_of(&j),
        _ => false,
    }
}

/// See [`savepoint_in_progress`].
pub fn savepoint_in_progress_of(checkpoints: &Json) -> bool {
    checkpoints
        .get("history")
        .and_then(Json::as_array)
        .is_some_and(|history| {
            history.iter().any(|c| {
                c.get("is_savepoint").and_then(Json::as_bool) == Some(true)
                    && c.get("status").and_then(Json::as_str) == Some("IN_PROGRESS")
            })
        })
}

/// What a job was restored from when it started, from `/jobs/:id/checkpoints`.
pub async fn restored_from(rest: &Rest, url: &str, job_id: &str) -> Option<String> {
    let j = rest
        .get_opt(url, &format!("/jobs/{job_id}/checkpoints"))
        .await
        .ok()??;
    j.get("latest")
        .and_then(|l| l.get("restored"))
        .and_then(|r| r.get("external_path"))
        .and_then(Json::as_str)
        .map(str::to_string)
}

/// "5m", "30s", "250ms": a duration as configured.
pub fn describe(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) && ms > 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restore_points_skip_discarded_checkpoints() {
        let j: Json = serde_json::from_str(
            r#"{"latest": {
                "completed": {"id": 9, "external_path": "file:/c/chk-9", "discarded": true},
                "savepoint": {"id": 10, "external_path": "file:/s/savepoint-1", "discarded": false},
                "restored": null}}"#,
        )
        .expect("json");
        let (savepoint, checkpoint) = restore_points_of(&j);
        assert_eq!(
            savepoint,
            Some(RestorePoint {
                id: 10,
                path: "file:/s/savepoint-1".into(),
                is_savepoint: true
            })
        );
        assert_eq!(checkpoint, None);
        let none: Json =
            serde_json::from_str(r#"{"latest": {"completed": null, "savepoint": null}}"#)
                .expect("json");
        assert_eq!(restore_points_of(&none), (None, None));
    }

    #[test]
    fn a_savepoint_in_progress_is_found_in_the_history() {
        let j: Json = serde_json::from_str(
            r#"{"counts": {"in_progress": 1}, "history": [
                {"id": 12, "status": "IN_PROGRESS", "is_savepoint": true},
                {"id": 11, "status": "COMPLETED", "is_savepoint": false}]}"#,
        )
        .expect("json");
        assert!(savepoint_in_progress_of(&j));
        let checkpoint_only: Json = serde_json::from_str(
            r#"{"history": [{"id": 12, "status": "IN_PROGRESS", "is_savepoint": false},
                {"id": 11, "status": "COMPLETED", "is_savepoint": true}]}"#,
        )
        .expect("json");
        assert!(!savepoint_in_progress_of(&checkpoint_only));
        assert!(!savepoint_in_progress_of(&Json::Null));
    }

    #[test]
    fn job_info_from_the_overview() {
        let j: Json = serde_json::from_str(
            r#"{"jid": "a", "state": "RUNNING", "tasks": {"running": 2, "total": 3, "finished": 1}}"#,
        )
        .expect("json");
        let info = job_info_of(&j).expect("info");
        assert!(info.is_fully_running() && info.is_healthy() && !info.is_terminal());
        let deploying = JobInfo {
            tasks_running: 1,
            ..info.clone()
        };
        assert!(!deploying.is_fully_running());
        assert_eq!(job_info_of(&serde_json::json!({"jid": "a"})), None);
    }

    #[test]
    fn durations_are_described_as_configured() {
        assert_eq!(describe(Duration::from_secs(300)), "5m");
        assert_eq!(describe(Duration::from_secs(30)), "30s");
        assert_eq!(describe(Duration::from_millis(1500)), "1500ms");
    }
}
