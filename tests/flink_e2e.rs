//! The Flink provider end to end on a real Flink: a `local` cluster started by flinkform from
//! the distribution `scripts/setup-flink.sh` installs (FLINK_HOME), and the test jobs of
//! tests/flink_jobs built with javac against it.
//!
//! One cluster serves every step (a start costs 10-30 s on two cores), so the steps run in
//! order in one test: create, upgrade through a savepoint with the counts kept, a savepoint
//! that fails, suspend and resume, a job cancelled behind flinkform's back, a savepoint that
//! times out (made slow by the job's slow-snapshots marker), a job that vanishes while its
//! savepoint is being taken, a refused state loss, a cluster restart that brings the job back from a savepoint, a cluster read by a data
//! source, batch jobs (one failing), and destroy, after which no Flink process is left.
//!
//! The streaming job writes "seq key count" lines per job id; with its state restored, every
//! line has count == seq / KEYS + 1 and a job restored from a savepoint continues at the
//! next seq (see tests/flink_jobs/src/flinkform/jobs/StatefulCounter.java).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const KEYS: u64 = 4;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Env {
    flink_home: PathBuf,
    jar: PathBuf,
    _jar_dir: tempfile::TempDir,
}

fn flink_home() -> PathBuf {
    if let Some(home) = std::env::var_os("FLINK_HOME").filter(|h| !h.is_empty()) {
        return PathBuf::from(home);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/setup-flink.sh");
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .expect("run scripts/setup-flink.sh");
    assert!(
        out.status.success(),
        "scripts/setup-flink.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

fn setup() -> Env {
    let flink_home = flink_home();
    let jar_dir = tempfile::tempdir().expect("tempdir");
    let jar = jar_dir.path().join("jobs.jar");
    let build = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flink_jobs/build.sh");
    let out = Command::new("bash")
        .arg(&build)
        .arg(&jar)
        .env("FLINK_HOME", &flink_home)
        .output()
        .expect("run tests/flink_jobs/build.sh");
    assert!(
        out.status.success(),
        "building the test jobs failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Env {
        flink_home,
        jar,
        _jar_dir: jar_dir,
    }
}

fn flinkform_command(env: &Env, dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flinkform"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FLINK_HOME", &env.flink_home)
        .env_remove("FLINKFORM_TESTING_PROVIDER");
    command
}

fn run_of(out: std::process::Output) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn flinkform(env: &Env, dir: &Path, args: &[&str]) -> Run {
    run_of(
        flinkform_command(env, dir, args)
            .output()
            .expect("run flinkform"),
    )
}

fn ok(env: &Env, dir: &Path, args: &[&str]) -> Run {
    let r = flinkform(env, dir, args);
    assert_eq!(
        r.code, 0,
        "flinkform {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r
}

/// Two free ports in a row (REST, then the JobManager's RPC port).
fn free_port_pair() -> u16 {
    for _ in 0..200 {
        let Ok(l) = std::net::TcpListener::bind(("127.0.0.1", 0)) else {
            continue;
        };
        let Ok(addr) = l.local_addr() else { continue };
        let port = addr.port();
        if port < 65534 && std::net::TcpListener::bind(("127.0.0.1", port + 1)).is_ok() {
            return port;
        }
    }
    panic!("no two free ports in a row");
}

/// The running (not zombie) processes whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() {
            continue;
        }
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else {
            continue;
        };
        if !String::from_utf8_lossy(&cmdline).contains(needle) {
            continue;
        }
        let zombie = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|s| {
                s.rsplit_once(')')
                    .map(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(false);
        if !zombie {
            pids.push(pid);
        }
    }
    pids
}

/// Stops the cluster if a step fails, so that no Flink process outlives the test.
struct ClusterGuard<'a> {
    env: &'a Env,
    dir: PathBuf,
    work_dir: String,
}

impl Drop for ClusterGuard<'_> {
    fn drop(&mut self) {
        if processes_mentioning(&self.work_dir).is_empty() {
            return;
        }
        let _ = flinkform(self.env, &self.dir, &["destroy", "--auto-approve"]);
        let left = processes_mentioning(&self.work_dir);
        if !left.is_empty() {
            let _ = Command::new("sh")
                .args(["-c", "kill -KILL \"$@\"", "sh"])
                .args(left.iter().map(u32::to_string))
                .status();
        }
    }
}

fn write_vars(dir: &Path, vars: &[(&str, &str)]) {
    let text: String = vars.iter().map(|(k, v)| format!("{k} = {v}\n")).collect();
    std::fs::write(dir.join("test.auto.vars"), text).expect("write vars");
}

/// A plain HTTP/1.0 request to the cluster (no client crate or curl needed); the body.
fn http(method: &str, url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!("{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return String::new();
    }
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}

fn rest(url: &str) -> serde_json::Value {
    serde_json::from_str(&http("GET", url)).unwrap_or(serde_json::Value::Null)
}

/// Sends `signal` to processes with the shell's own kill (procps may be missing).
fn kill(signal: &str, pids: &[u32]) {
    let status = Command::new("sh")
        .args(["-c", &format!("kill -{signal} \"$@\""), "sh"])
        .args(pids.iter().map(u32::to_string))
        .status()
        .expect("run sh");
    assert!(status.success(), "kill -{signal} {pids:?} failed");
}

fn state_instance(dir: &Path, address: &str) -> serde_json::Value {
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("state/default.json")).expect("state"),
    )
    .expect("state JSON");
    for r in state["resources"].as_array().into_iter().flatten() {
        if r["address"] == address {
            return r["instances"][0]["attributes"].clone();
        }
    }
    panic!("{address} is not in the state: {state}");
}

/// The streaming job's lines, by job id: (seq, key, count).
fn counter_lines(out: &Path) -> BTreeMap<String, Vec<(u64, u64, u64)>> {
    let mut by_job: BTreeMap<String, Vec<(u64, u64, u64)>> = BTreeMap::new();
    for e in std::fs::read_dir(out).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(job) = name.split('-').next() else {
            continue;
        };
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        for line in text.lines() {
            let parts: Vec<u64> = line
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect();
            if let [seq, key, count] = parts[..] {
                by_job
                    .entry(job.to_string())
                    .or_default()
                    .push((seq, key, count));
            }
        }
    }
    for lines in by_job.values_mut() {
        lines.sort_unstable();
    }
    by_job
}

/// Waits until job `job` has written at least `n` lines.
fn wait_for_lines(out: &Path, job: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let count = counter_lines(out).get(job).map_or(0, Vec::len);
        if count >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "job {job} wrote {count} lines in 60 s, expected {n}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Every line of every job shows the state restored: count == seq / KEYS + 1.
fn assert_counts_consistent(out: &Path) {
    for (job, lines) in counter_lines(out) {
        for (seq, key, count) in lines {
            assert_eq!(key, seq % KEYS, "job {job}: line {seq} {key} {count}");
            assert_eq!(
                count,
                seq / KEYS + 1,
                "job {job}: the count of key {key} at seq {seq} is {count}: the state was not restored"
            );
        }
    }
}

/// The new job took over from the old one through a savepoint: it starts right after the
/// old job's last record (nothing replayed, nothing lost).
fn assert_continues(out: &Path, old: &str, new: &str) {
    let lines = counter_lines(out);
    let last_old = lines
        .get(old)
        .and_then(|l| l.last())
        .map(|l| l.0)
        .expect("old job's lines");
    let first_new = lines
        .get(new)
        .and_then(|l| l.first())
        .map(|l| l.0)
        .expect("new job's lines");
    assert_eq!(
        first_new,
        last_old + 1,
        "job {new} should continue where job {old} stopped"
    );
}

/// The counter job now in the state, checked RUNNING and restored from exactly `from`, with
/// consistent counts carried on from job `previous` when given (a restore from a savepoint of
/// it). Returns its job id.
fn restored_job(dir: &Path, out: &Path, from: &str, previous: Option<&str>) -> String {
    let job = state_instance(dir, "flink_job.counter");
    let id = str_attr(&job, "job_id");
    assert_eq!(job["status"], "RUNNING", "{job}");
    assert_eq!(job["restored_from"].as_str(), Some(from), "{job}");
    wait_for_lines(out, &id, 20);
    if let Some(previous) = previous {
        assert_continues(out, previous, &id);
    }
    assert_counts_consistent(out);
    id
}

fn job_state(url: &str, job: &str) -> (String, Vec<u64>) {
    let j = rest(&format!("{url}/jobs/{job}"));
    let state = j["state"].as_str().unwrap_or("").to_string();
    let parallelism = j["vertices"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["parallelism"].as_u64())
        .collect();
    (state, parallelism)
}

fn wait_job_state(url: &str, job: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (state, _) = job_state(url, job);
        if state == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "job {job} is {state}, not {want}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn wait_for_checkpoint(url: &str, job: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while rest(&format!("{url}/jobs/{job}/checkpoints"))["counts"]["completed"]
        .as_u64()
        .unwrap_or(0)
        < 1
    {
        assert!(
            Instant::now() < deadline,
            "job {job} completed no checkpoint"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Makes the streaming job's snapshots wait while it lives: the marker file
/// OUT_DIR/slow-snapshots (see StatefulCounter.java), removed on drop so that a failed step
/// leaves no savepoint hanging.
struct SlowSnapshots(PathBuf);

impl SlowSnapshots {
    fn on(out: &Path) -> SlowSnapshots {
        let marker = out.join("slow-snapshots");
        std::fs::write(&marker, "").expect("write the slow-snapshots marker");
        SlowSnapshots(marker)
    }
}

impl Drop for SlowSnapshots {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The job's savepoints in `/jobs/:id/checkpoints` history: (status, external path).
fn savepoints(url: &str, job: &str) -> Vec<(String, String)> {
    rest(&format!("{url}/jobs/{job}/checkpoints"))["history"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["is_savepoint"] == true)
        .map(|c| (str_attr(c, "status"), str_attr(c, "external_path")))
        .collect()
}

/// The instance of `address` in the state, with its status and pending operation.
fn state_entry(dir: &Path, address: &str) -> serde_json::Value {
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("state/default.json")).expect("state"),
    )
    .expect("state JSON");
    state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == address)
        .map(|r| r["instances"][0].clone())
        .unwrap_or_else(|| panic!("{address} is not in the state: {state}"))
}

/// Whether a line of `plan` shows attribute `attr` as `change` (the padding between them
/// depends on the other attributes' names).
fn shows(plan: &str, attr: &str, change: &str) -> bool {
    plan.lines().any(|l| {
        l.trim_start()
            .strip_prefix(attr)
            .and_then(|rest| rest.trim_start().strip_prefix('='))
            .is_some_and(|rest| rest.trim_start().starts_with(change))
    })
}

fn str_attr(v: &serde_json::Value, name: &str) -> String {
    v[name].as_str().unwrap_or("").to_string()
}

const CONFIG: &str = r#"
variable "port" { type = number }
variable "jar" { type = string }
variable "out" { type = string }
variable "parallelism" {
  type    = number
  default = 1
}
variable "job_state" {
  type    = string
  default = "running"
}
variable "upgrade_mode" {
  type    = string
  default = "savepoint"
}
variable "savepoint_dir" {
  type    = string
  default = null
}
variable "cluster_conf" {
  type    = map(string)
  default = {}
}
variable "batch" {
  type    = number
  default = 0
}
variable "entry_class" {
  type    = string
  default = "flinkform.jobs.StatefulCounter"
}
variable "timeout" {
  type    = string
  default = "60s"
}
variable "fail_at" {
  type    = string
  default = "0"
}

resource "flink_cluster" "local" {
  flink_conf = var.cluster_conf
  local {
    rest_port = var.port
    taskmanager {
      slots = 4
    }
  }
}

resource "flink_job" "counter" {
  cluster_url   = flink_cluster.local.rest_url
  name          = "counter"
  jar           = var.jar
  entry_class   = var.entry_class
  args          = [var.out, "40"]
  parallelism   = var.parallelism
  state         = var.job_state
  upgrade_mode  = var.upgrade_mode
  savepoint_dir = var.savepoint_dir
  timeout       = var.timeout
}

resource "flink_job" "sum" {
  count       = var.batch
  cluster_url = flink_cluster.local.rest_url
  name        = "sum"
  kind        = "batch"
  jar         = var.jar
  entry_class = "flinkform.jobs.BatchSum"
  args        = ["${var.out}-batch", "1000", var.fail_at]
  timeout     = "60s"
}

output "rest_url" {
  value = flink_cluster.local.rest_url
}
"#;

#[test]
fn flink_cluster_and_jobs_end_to_end() {
    let env = setup();
    let config_dir = tempfile::tempdir().expect("tempdir");
    let dir = config_dir.path();
    let out = dir.join("out");
    let port = free_port_pair();
    let url = format!("http://localhost:{port}");
    std::fs::write(dir.join("main.hcl"), CONFIG).expect("write config");
    let port_s = port.to_string();
    let jar_s = format!("{:?}", env.jar.to_string_lossy());
    let out_s = format!("{:?}", out.to_string_lossy());
    let base: Vec<(&str, &str)> = vec![("port", &port_s), ("jar", &jar_s), ("out", &out_s)];
    let vars = |extra: &[(&'static str, &'static str)]| {
        let mut v = base.clone();
        v.extend_from_slice(extra);
        write_vars(dir, &v);
    };
    vars(&[]);
    let work_dir = dir
        .join(format!(".flinkform/flink-{port}"))
        .to_string_lossy()
        .into_owned();
    let _guard = ClusterGuard {
        env: &env,
        dir: dir.to_path_buf(),
        work_dir: work_dir.clone(),
    };

    // 1. Create the cluster and the job.
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        plan.contains("Plan: 2 to add, 0 to change, 0 to destroy."),
        "{plan}"
    );
    assert!(shows(&plan, "+ rest_url", &format!("\"{url}\"")), "{plan}");
    ok(&env, dir, &["apply", "--auto-approve"]);
    let cluster = state_instance(dir, "flink_cluster.local");
    assert_eq!(cluster["flink_version"], "2.3.0");
    assert_eq!(cluster["slots_total"], 4.0);
    assert_eq!(cluster["taskmanagers_registered"], 1.0);
    let pids_before: Vec<u64> = cluster["pids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_u64())
        .collect();
    assert_eq!(
        pids_before.len(),
        2,
        "a JobManager and a TaskManager: {cluster}"
    );
    let overview = rest(&format!("{url}/overview"));
    assert_eq!(overview["taskmanagers"], 1);
    let job = state_instance(dir, "flink_job.counter");
    let first = str_attr(&job, "job_id");
    assert_eq!(job["status"], "RUNNING");
    assert_eq!(job["generation"], 1.0);
    assert_eq!(job_state(&url, &first), ("RUNNING".to_string(), vec![1, 1]));
    let again = flinkform(&env, dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);

    // 2. A parallelism change restarts the job from a savepoint; the counts go on.
    wait_for_lines(&out, &first, 40);
    vars(&[("parallelism", "2")]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        shows(&plan, "~ parallelism", "1 -> 2  (restart from savepoint)"),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let job = state_instance(dir, "flink_job.counter");
    let second = str_attr(&job, "job_id");
    assert_ne!(second, first);
    assert_eq!(job["generation"], 2.0);
    let savepoint = str_attr(&job, "last_savepoint");
    assert!(
        savepoint.starts_with(&format!("file:{work_dir}/savepoints/savepoint-")),
        "{job}"
    );
    assert_eq!(job["restored_from"].as_str(), Some(savepoint.as_str()));
    assert!(Path::new(savepoint.trim_start_matches("file:"))
        .join("_metadata")
        .is_file());
    assert_eq!(job_state(&url, &first).0, "FINISHED");
    assert_eq!(
        job_state(&url, &second),
        ("RUNNING".to_string(), vec![1, 2])
    );
    let restored = rest(&format!("{url}/jobs/{second}/checkpoints"));
    assert_eq!(
        restored["latest"]["restored"]["external_path"].as_str(),
        Some(savepoint.as_str())
    );
    wait_for_lines(&out, &second, 20);
    assert_continues(&out, &first, &second);
    assert_counts_consistent(&out);

    // 3. A savepoint that fails: the job keeps running, nothing is resubmitted.
    vars(&[
        ("parallelism", "3"),
        (
            "savepoint_dir",
            "\"file:///proc/flinkform-cannot-write-here\"",
        ),
    ]);
    let failed = flinkform(&env, dir, &["apply", "--auto-approve"]);
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    let all = format!("{}{}", failed.stdout, failed.stderr);
    assert!(
        all.contains(&format!(
            "flink_job \"counter\" (job {second}): stopping the job with a savepoint failed: the savepoint failed:"
        )),
        "{all}"
    );
    assert!(
        all.contains("The job keeps running and was not resubmitted"),
        "{all}"
    );
    assert_eq!(job_state(&url, &second).0, "RUNNING");
    assert_eq!(
        str_attr(&state_instance(dir, "flink_job.counter"), "job_id"),
        second
    );

    // 4. Suspend, then resume from the savepoint.
    vars(&[("parallelism", "2"), ("job_state", "\"suspended\"")]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(plan.contains("(stop with savepoint"), "{plan}");
    ok(&env, dir, &["apply", "--auto-approve"]);
    let job = state_instance(dir, "flink_job.counter");
    assert_eq!(job["status"], "SUSPENDED");
    let suspend_savepoint = str_attr(&job, "last_savepoint");
    assert!(
        suspend_savepoint.contains("/savepoints/savepoint-"),
        "{job}"
    );
    assert_eq!(job_state(&url, &second).0, "FINISHED");
    vars(&[("parallelism", "2")]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        plan.contains(&format!("(resume from savepoint {suspend_savepoint})")),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let job = state_instance(dir, "flink_job.counter");
    let third = str_attr(&job, "job_id");
    assert_eq!(job["status"], "RUNNING");
    assert_eq!(
        job["restored_from"].as_str(),
        Some(suspend_savepoint.as_str())
    );
    wait_for_lines(&out, &third, 80);
    assert_continues(&out, &second, &third);

    // 5. Cancelled behind flinkform's back: drift, and a resubmission from its checkpoint.
    assert_eq!(
        http("PATCH", &format!("{url}/jobs/{third}?mode=cancel")),
        "{}"
    );
    wait_job_state(&url, &third, "CANCELED");
    let plan = flinkform(&env, dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    let plan = plan.stdout;
    assert!(plan.contains("flink_job.counter has changed"), "{plan}");
    assert!(
        shows(&plan, "~ status", "\"RUNNING\" -> \"CANCELED\""),
        "{plan}"
    );
    let checkpoint_note = plan
        .lines()
        .find(|l| l.contains("\"CANCELED\" -> \"RUNNING\""))
        .unwrap_or_default()
        .to_string();
    assert!(
        checkpoint_note.contains(&format!(
            "(resubmit from checkpoint file:{work_dir}/checkpoints/{third}/chk-"
        )),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let job = state_instance(dir, "flink_job.counter");
    let fourth = str_attr(&job, "job_id");
    assert_eq!(job["status"], "RUNNING");
    assert!(
        str_attr(&job, "restored_from").contains(&format!("/checkpoints/{third}/chk-")),
        "{job}"
    );
    wait_for_lines(&out, &fourth, 20);
    assert_counts_consistent(&out);
    let lines = counter_lines(&out);
    let resumed_at = lines[&fourth][0].0;
    let stopped_at = lines[&third].last().map_or(0, |l| l.0);
    assert!(
        resumed_at > 0 && resumed_at <= stopped_at + 1,
        "resumed at {resumed_at}, stopped at {stopped_at}"
    );

    // 6. Flink refuses the new job after the old one stopped with a savepoint: the apply
    //    fails naming the job and Flink's reason, the state holds the savepoint (the
    //    instance is pending), and the next apply resubmits from it.
    vars(&[
        ("parallelism", "1"),
        ("entry_class", "\"flinkform.jobs.NoSuchJob\""),
    ]);
    let refused = flinkform(&env, dir, &["apply", "--auto-approve"]);
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("flink_job \"counter\" (job "),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("Flink refused to run the job (restoring from file:")
            && refused
                .stderr
                .contains("java.lang.ClassNotFoundException: flinkform.jobs.NoSuchJob"),
        "{}",
        refused.stderr
    );
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("state/default.json")).expect("state"),
    )
    .expect("state JSON");
    let pending = state["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == "flink_job.counter")
        .map(|r| r["instances"][0].clone())
        .expect("instance");
    assert_eq!(pending["status"], "pending", "{pending}");
    let kept_savepoint = pending["pending_operation"]["last_savepoint"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        kept_savepoint.contains("/savepoints/savepoint-"),
        "{pending}"
    );
    assert_eq!(job_state(&url, &fourth).0, "FINISHED");
    vars(&[("parallelism", "1")]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        plan.contains(&format!("(resubmit from savepoint {kept_savepoint})")),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let after_refusal = restored_job(dir, &out, &kept_savepoint, Some(&fourth));

    // 7. A wait that times out: the apply fails, and whatever Flink finished meanwhile is
    //    found by the next plan, which converges without losing the counts.
    vars(&[("parallelism", "2"), ("timeout", "\"10ms\"")]);
    let timed_out = flinkform(&env, dir, &["apply", "--auto-approve"]);
    // Flink may be quick enough for 10 ms polls; when it is not, the apply says which wait
    // timed out.
    if timed_out.code != 0 {
        assert_eq!(
            timed_out.code, 1,
            "{}{}",
            timed_out.stdout, timed_out.stderr
        );
        assert!(
            timed_out.stderr.contains("within 10ms"),
            "{}",
            timed_out.stderr
        );
    }
    vars(&[("parallelism", "2")]);
    // A savepoint the timed-out stop triggered may still be running: it ends first, so that
    // the next apply does not ask for a second one meanwhile.
    let deadline = Instant::now() + Duration::from_secs(60);
    while savepoints(&url, &after_refusal)
        .iter()
        .any(|(status, _)| status == "IN_PROGRESS")
    {
        assert!(Instant::now() < deadline, "the savepoint did not end");
        std::thread::sleep(Duration::from_millis(100));
    }
    // A stop whose savepoint completed ends the job right after.
    if savepoints(&url, &after_refusal)
        .iter()
        .any(|(status, _)| status == "COMPLETED")
    {
        wait_job_state(&url, &after_refusal, "FINISHED");
    }
    ok(&env, dir, &["apply", "--auto-approve"]);
    let again = flinkform(&env, dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    let job = state_instance(dir, "flink_job.counter");
    let latest = str_attr(&job, "job_id");
    assert_eq!(job["status"], "RUNNING");
    // The submission the timed-out apply made was recognised, not made again.
    let running: Vec<String> = rest(&format!("{url}/jobs/overview"))["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|j| j["state"] == "RUNNING")
        .filter_map(|j| j["jid"].as_str().map(str::to_string))
        .collect();
    assert_eq!(running, vec![latest.clone()]);
    assert_eq!(
        job_state(&url, &latest),
        ("RUNNING".to_string(), vec![1, 2])
    );
    wait_for_lines(&out, &latest, 20);
    assert_counts_consistent(&out);

    // 7b. A savepoint that times out: the apply fails naming the job and the timeout, and the
    //     state still names the running job. Flink completes the savepoint later, which ends
    //     the job; the next plan finds that and resubmits from that savepoint.
    let slow = SlowSnapshots::on(&out);
    vars(&[("parallelism", "1"), ("timeout", "\"3s\"")]);
    let timed_out = flinkform(&env, dir, &["apply", "--auto-approve"]);
    assert_eq!(
        timed_out.code, 1,
        "{}{}",
        timed_out.stdout, timed_out.stderr
    );
    assert!(
        timed_out.stderr.contains(&format!(
            "flink_job \"counter\" (job {latest}): stopping the job with a savepoint failed: the savepoint did not complete within 3s. The job keeps running and was not resubmitted; Flink is still taking the savepoint: if it completes, the job stops and the next plan resubmits it from that savepoint"
        )),
        "{}",
        timed_out.stderr
    );
    let entry = state_entry(dir, "flink_job.counter");
    assert_eq!(str_attr(&entry["attributes"], "job_id"), latest, "{entry}");
    assert_eq!(entry["attributes"]["status"], "RUNNING", "{entry}");
    assert!(entry["pending_operation"].is_null(), "{entry}");
    assert_eq!(job_state(&url, &latest).0, "RUNNING");
    drop(slow);
    wait_job_state(&url, &latest, "FINISHED");
    let late_savepoint = savepoints(&url, &latest)
        .into_iter()
        .find(|(status, _)| status == "COMPLETED")
        .map(|(_, path)| path)
        .expect("the savepoint Flink completed");
    assert!(
        late_savepoint.starts_with(&format!("file:{work_dir}/savepoints/savepoint-")),
        "{late_savepoint}"
    );
    vars(&[("parallelism", "1")]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        shows(&plan, "~ status", "\"RUNNING\" -> \"FINISHED\""),
        "{plan}"
    );
    assert!(
        shows(
            &plan,
            "~ status",
            &format!("\"FINISHED\" -> \"RUNNING\"  (resubmit from savepoint {late_savepoint})")
        ),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let after_timeout = restored_job(dir, &out, &late_savepoint, Some(&latest));
    assert_eq!(
        job_state(&url, &after_timeout),
        ("RUNNING".to_string(), vec![1, 1])
    );

    // 7c. A job that vanishes mid-upgrade: cancelled behind flinkform's back while its
    //     savepoint is being taken. The apply fails naming the job, resubmits nothing, and
    //     records where the job's state is; the next plan resubmits from that checkpoint.
    wait_for_checkpoint(&url, &after_timeout);
    let slow = SlowSnapshots::on(&out);
    vars(&[("parallelism", "2")]);
    let mut apply = flinkform_command(&env, dir, &["apply", "--auto-approve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start flinkform apply");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !savepoints(&url, &after_timeout)
        .iter()
        .any(|(status, _)| status == "IN_PROGRESS")
    {
        if Instant::now() >= deadline {
            let _ = apply.kill();
            let run = run_of(apply.wait_with_output().expect("wait for flinkform"));
            panic!(
                "no savepoint of job {after_timeout} started in 60 s:\n{}{}",
                run.stdout, run.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        http("PATCH", &format!("{url}/jobs/{after_timeout}?mode=cancel")),
        "{}"
    );
    drop(slow);
    let vanished = run_of(apply.wait_with_output().expect("wait for flinkform"));
    assert_eq!(vanished.code, 1, "{}{}", vanished.stdout, vanished.stderr);
    let entry = state_entry(dir, "flink_job.counter");
    assert_eq!(entry["status"], "pending", "{entry}");
    assert_eq!(entry["pending_operation"]["op"], "stopped", "{entry}");
    let kept_checkpoint = str_attr(&entry["pending_operation"], "checkpoint");
    assert!(
        kept_checkpoint.starts_with(&format!("file:{work_dir}/checkpoints/{after_timeout}/chk-")),
        "{entry}"
    );
    assert!(
        vanished.stderr.contains(&format!(
            "flink_job \"counter\" (job {after_timeout}): stopping the job with a savepoint failed: "
        )) && vanished.stderr.contains(&format!(
            "The job ended (it is CANCELED) while it was being stopped; nothing was resubmitted. Run plan again: it resubmits the job from checkpoint {kept_checkpoint}"
        )),
        "{}",
        vanished.stderr
    );
    assert_eq!(job_state(&url, &after_timeout).0, "CANCELED");
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        shows(&plan, "~ status", "\"RUNNING\" -> \"CANCELED\""),
        "{plan}"
    );
    assert!(
        shows(
            &plan,
            "~ status",
            &format!("\"CANCELED\" -> \"RUNNING\"  (resubmit from checkpoint {kept_checkpoint})")
        ),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let after_vanish = restored_job(dir, &out, &kept_checkpoint, None);
    assert_eq!(
        job_state(&url, &after_vanish),
        ("RUNNING".to_string(), vec![1, 2])
    );
    let latest = after_vanish;

    // 8. A stateless restart of a job that had state is refused at plan time.
    vars(&[("parallelism", "1"), ("upgrade_mode", "\"stateless\"")]);
    let refused = flinkform(&env, dir, &["plan"]);
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("Job state would be lost"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("Set allow_state_loss = true"),
        "{}",
        refused.stderr
    );

    // 8b. upgrade_mode = "last-state": a change resumes the job from its newest checkpoint.
    wait_for_checkpoint(&url, &latest);
    vars(&[("parallelism", "1"), ("upgrade_mode", "\"last-state\"")]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        shows(&plan, "~ parallelism", "2 -> 1  (resume from checkpoint"),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let job = state_instance(dir, "flink_job.counter");
    let from_checkpoint = str_attr(&job, "job_id");
    assert!(
        str_attr(&job, "restored_from").contains(&format!("/checkpoints/{latest}/chk-")),
        "{job}"
    );
    assert_eq!(job_state(&url, &latest).0, "CANCELED");
    assert_eq!(
        job_state(&url, &from_checkpoint),
        ("RUNNING".to_string(), vec![1, 1])
    );
    wait_for_lines(&out, &from_checkpoint, 20);
    assert_counts_consistent(&out);
    let latest = from_checkpoint;

    // 9. A cluster configuration change restarts the cluster; the job comes back from the
    //    savepoint the restart took.
    vars(&[
        ("parallelism", "2"),
        ("cluster_conf", "{ \"pipeline.object-reuse\" = \"true\" }"),
    ]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(plan.contains("(restarts the cluster"), "{plan}");
    assert!(
        plan.contains(&format!("stateful-counter ({latest})")),
        "{plan}"
    );
    assert!(
        plan.contains("(the cluster restarts: resubmit from where it stops the job (a savepoint, or the newest checkpoint))"),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let cluster = state_instance(dir, "flink_cluster.local");
    let restart_savepoint = str_attr(&cluster["restart_savepoints"], &latest);
    assert!(
        restart_savepoint.contains("/savepoints/savepoint-"),
        "{cluster}"
    );
    let pids_after: Vec<u64> = cluster["pids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_u64())
        .collect();
    assert!(
        pids_after.iter().all(|p| !pids_before.contains(p)),
        "{cluster}"
    );
    let fifth = restored_job(dir, &out, &restart_savepoint, Some(&latest));

    // 9b. A TaskManager dies: the cluster is planned for a restart, and the job comes back
    //     from its newest checkpoint (no savepoint can complete without the TaskManager).
    wait_for_checkpoint(&url, &fifth);
    let taskmanager = processes_mentioning(&work_dir)
        .into_iter()
        .find(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains("TaskManagerRunner"))
                .unwrap_or(false)
        })
        .expect("the TaskManager process");
    kill("KILL", &[taskmanager]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while processes_mentioning(&work_dir).contains(&taskmanager) {
        assert!(Instant::now() < deadline, "the TaskManager did not die");
        std::thread::sleep(Duration::from_millis(50));
    }
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        shows(
            &plan,
            "~ taskmanagers_registered",
            "0 -> 1  (only 0 of 1 TaskManagers are registered: the cluster restarts)"
        ),
        "killed {taskmanager}; processes {:?}; pid files {:?}; {plan}",
        processes_mentioning(&work_dir),
        std::fs::read_dir(format!("{work_dir}/run"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect::<Vec<_>>()
    );
    assert!(plan.contains("running jobs are cancelled first"), "{plan}");
    ok(&env, dir, &["apply", "--auto-approve"]);
    let job = state_instance(dir, "flink_job.counter");
    let sixth = str_attr(&job, "job_id");
    assert_eq!(job["status"], "RUNNING");
    assert!(
        str_attr(&job, "restored_from").contains(&format!("/checkpoints/{fifth}/chk-")),
        "{job}"
    );
    assert_eq!(
        state_instance(dir, "flink_cluster.local")["taskmanagers_registered"],
        1.0
    );
    wait_for_lines(&out, &sixth, 20);
    assert_counts_consistent(&out);

    // 9c. The whole cluster dies (both processes killed): the plan creates it again and
    //     resubmits the job, now MISSING, from the newest checkpoint it left on disk.
    wait_for_checkpoint(&url, &sixth);
    let killed = processes_mentioning(&work_dir);
    assert_eq!(killed.len(), 2, "{killed:?}");
    kill("KILL", &killed);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !processes_mentioning(&work_dir).is_empty() {
        assert!(Instant::now() < deadline, "the cluster did not die");
        std::thread::sleep(Duration::from_millis(50));
    }
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        plan.contains("flink_cluster.local has been deleted"),
        "{plan}"
    );
    assert!(
        plan.contains("flink_cluster.local will be created"),
        "{plan}"
    );
    assert!(
        shows(&plan, "~ status", "\"RUNNING\" -> \"MISSING\""),
        "{plan}"
    );
    assert!(
        shows(
            &plan,
            "~ status",
            &format!("\"MISSING\" -> \"RUNNING\"  (resubmit from checkpoint file:{work_dir}/checkpoints/{sixth}/chk-")
        ),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    let job = state_instance(dir, "flink_job.counter");
    let seventh = str_attr(&job, "job_id");
    assert_eq!(job["status"], "RUNNING");
    assert!(
        str_attr(&job, "restored_from").contains(&format!("/checkpoints/{sixth}/chk-")),
        "{job}"
    );
    wait_for_lines(&out, &seventh, 20);
    assert_counts_consistent(&out);

    // 10. A data source reads the cluster from another configuration.
    let reader = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        reader.path().join("main.hcl"),
        format!(
            "data \"flink_cluster\" \"shared\" {{\n  rest_url = \"{url}\"\n}}\n\noutput \"slots\" {{\n  value = data.flink_cluster.shared.slots_total\n}}\n\noutput \"jobs\" {{\n  value = data.flink_cluster.shared.running_jobs\n}}\n"
        ),
    )
    .expect("write");
    ok(&env, reader.path(), &["apply", "--auto-approve"]);
    let outputs = ok(&env, reader.path(), &["output", "--json"]).stdout;
    let outputs: serde_json::Value = serde_json::from_str(&outputs).expect("outputs");
    assert_eq!(outputs["slots"]["value"], 4);
    assert_eq!(outputs["jobs"]["value"][&seventh], "stateful-counter");

    // 11. A batch job runs to its end; one that fails fails the apply with its root exception.
    vars(&[
        ("parallelism", "2"),
        ("cluster_conf", "{ \"pipeline.object-reuse\" = \"true\" }"),
        ("batch", "1"),
    ]);
    ok(&env, dir, &["apply", "--auto-approve"]);
    let sum = state_instance(dir, "flink_job.sum");
    assert_eq!(sum["status"], "FINISHED");
    let sums: BTreeMap<u64, u64> = std::fs::read_dir(format!("{}-batch", out.display()))
        .expect("batch output")
        .flatten()
        .flat_map(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .lines()
                .filter_map(|l| {
                    let (k, v) = l.split_once(' ')?;
                    Some((k.parse().ok()?, v.parse().ok()?))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(
        sums,
        BTreeMap::from([(0, 166833), (1, 167167), (2, 166500)])
    );
    vars(&[
        ("parallelism", "2"),
        ("cluster_conf", "{ \"pipeline.object-reuse\" = \"true\" }"),
        ("batch", "1"),
        ("fail_at", "\"42\""),
    ]);
    let failed = flinkform(&env, dir, &["apply", "--auto-approve"]);
    assert_eq!(failed.code, 1, "{}{}", failed.stdout, failed.stderr);
    assert!(
        failed
            .stderr
            .contains("the job failed: java.lang.IllegalStateException: poisoned record 42"),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("flink_job \"sum\" (job "),
        "{}",
        failed.stderr
    );
    // The state says what happened: the next plan runs it again.
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        shows(&plan, "~ status", "\"FAILED\" -> \"FINISHED\""),
        "{plan}"
    );

    // 12. Destroy: the streaming job stops with a savepoint (printed with the progress, and
    //     kept in the state backup), no process is left.
    let plan = ok(&env, dir, &["plan", "--destroy"]).stdout;
    assert!(
        shows(
            &plan,
            "- status",
            "\"RUNNING\" -> null  (stop with savepoint, kept in the state backup)"
        ),
        "{plan}"
    );
    let destroyed = ok(&env, dir, &["destroy", "--auto-approve"]);
    let said = format!("flink_job.counter: job {seventh} stopped with savepoint file:{work_dir}/savepoints/savepoint-");
    let final_savepoint = destroyed
        .stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!(
                "flink_job.counter: job {seventh} stopped with savepoint "
            ))
        })
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    assert!(
        destroyed.stdout.contains(&said) && !final_savepoint.is_empty(),
        "{}{}",
        destroyed.stdout,
        destroyed.stderr
    );
    assert!(
        destroyed
            .stdout
            .contains("Destroy complete! Resources: 3 destroyed."),
        "{}",
        destroyed.stdout
    );
    assert!(
        destroyed.stdout.contains(
            "state/default.json.backup keeps what these destroyed objects left behind:\n  flink_job.counter\n"
        ),
        "{}",
        destroyed.stdout
    );
    assert_eq!(processes_mentioning(&work_dir), Vec::<u32>::new());
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    assert_counts_consistent(&out);
    let state = dir.join("state/default.json");
    let backup = dir.join("state/default.json.backup");
    let kept: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&backup).expect("backup")).expect("JSON");
    let kept_job = kept["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["address"] == "flink_job.counter")
        .map(|r| r["instances"][0]["attributes"].clone())
        .expect("the job in the backup");
    assert_eq!(
        kept_job["last_savepoint"].as_str(),
        Some(final_savepoint.as_str())
    );
    assert_eq!(kept_job["status"], "FINISHED");
    assert!(Path::new(final_savepoint.trim_start_matches("file:"))
        .join("_metadata")
        .is_file());

    // 13. The backup brings everything back: restored as the state, the cluster is created
    //     again and the job resubmitted from its final savepoint, its counts carried on.
    std::fs::copy(&backup, &state).expect("restore the backup");
    vars(&[
        ("parallelism", "2"),
        ("cluster_conf", "{ \"pipeline.object-reuse\" = \"true\" }"),
        ("batch", "1"),
    ]);
    let plan = ok(&env, dir, &["plan"]).stdout;
    assert!(
        plan.contains(&format!("(resubmit from savepoint {final_savepoint})")),
        "{plan}"
    );
    ok(&env, dir, &["apply", "--auto-approve"]);
    restored_job(dir, &out, &final_savepoint, Some(&seventh));
    ok(&env, dir, &["destroy", "--auto-approve"]);
    assert_eq!(processes_mentioning(&work_dir), Vec::<u32>::new());
}
