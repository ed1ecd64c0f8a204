//! The `local` deployment target: a standalone session cluster of processes on this machine,
//! started from a Flink 2.x distribution's `bin/jobmanager.sh` and `bin/taskmanager.sh`.
//!
//! Everything a cluster owns lives under its work directory:
//!
//! ```text
//! <work_dir>/conf/         FLINK_CONF_DIR: config.yaml (written here) and the log configuration
//! <work_dir>/log/          FLINK_LOG_DIR
//! <work_dir>/run/          FLINK_PID_DIR: one pid file per daemon kind
//! <work_dir>/tmp/          io.tmp.dirs and web.tmpdir (uploaded jars)
//! <work_dir>/checkpoints/  execution.checkpointing.dir
//! <work_dir>/savepoints/   execution.checkpointing.savepoint-dir
//! ```
//!
//! The processes are recognised by their command line, which names the conf directory
//! (`-Dlog4j.configuration=file:<work_dir>/conf/log4j.properties`), so a cluster is stopped
//! completely even when its pid files are gone. Linux only (`/proc`).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The identity string in the daemons' pid and log file names.
const IDENT: &str = "flinkform";

/// A local cluster's settings, resolved (absolute paths, defaults filled in).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalSpec {
    pub flink_home: PathBuf,
    pub rest_port: u16,
    pub work_dir: PathBuf,
    pub jobmanager_memory: String,
    pub taskmanagers: u32,
    pub slots: u32,
    pub taskmanager_memory: String,
    /// The resource's `flink_conf`: written over the defaults.
    pub flink_conf: BTreeMap<String, String>,
}

impl LocalSpec {
    pub fn conf_dir(&self) -> PathBuf {
        self.work_dir.join("conf")
    }
    pub fn log_dir(&self) -> PathBuf {
        self.work_dir.join("log")
    }
    pub fn pid_dir(&self) -> PathBuf {
        self.work_dir.join("run")
    }
    pub fn tmp_dir(&self) -> PathBuf {
        self.work_dir.join("tmp")
    }
    pub fn rest_url(&self) -> String {
        format!("http://localhost:{}", self.rest_port)
    }
    pub fn checkpoint_dir(&self) -> String {
        file_uri(&self.work_dir.join("checkpoints"))
    }
    pub fn savepoint_dir(&self) -> String {
        file_uri(&self.work_dir.join("savepoints"))
    }
    /// The JobManager's RPC port: the REST port + 1, so that clusters on different REST ports
    /// do not collide on Flink's fixed default (6123).
    pub fn rpc_port(&self) -> u32 {
        u32::from(self.rest_port) + 1
    }

    /// The configuration written to `config.yaml`: the distribution's own (it carries the JVM
    /// options Java 17 needs), then the safe defaults (everything bound to localhost, state
    /// under the work directory, checkpoints kept when a job is cancelled), then `flink_conf`,
    /// then `extra` (flinkform's own keys).
    pub fn config(
        &self,
        distribution: BTreeMap<String, serde_yaml::Value>,
        extra: &BTreeMap<String, String>,
    ) -> BTreeMap<String, serde_yaml::Value> {
        let mut conf = distribution;
        let tmp = self.tmp_dir().to_string_lossy().into_owned();
        let defaults: [(&str, String); 21] = [
            ("jobmanager.rpc.address", "localhost".into()),
            ("jobmanager.bind-host", "localhost".into()),
            ("jobmanager.rpc.port", self.rpc_port().to_string()),
            (
                "jobmanager.memory.process.size",
                self.jobmanager_memory.clone(),
            ),
            ("taskmanager.bind-host", "localhost".into()),
            ("taskmanager.host", "localhost".into()),
            ("taskmanager.numberOfTaskSlots", self.slots.to_string()),
            (
                "taskmanager.memory.process.size",
                self.taskmanager_memory.clone(),
            ),
            ("rest.address", "localhost".into()),
            ("rest.bind-address", "localhost".into()),
            ("rest.port", self.rest_port.to_string()),
            ("execution.checkpointing.dir", self.checkpoint_dir()),
            (
                "execution.checkpointing.savepoint-dir",
                self.savepoint_dir(),
            ),
            (
                "execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION".into(),
            ),
            ("io.tmp.dirs", tmp.clone()),
            ("web.tmpdir", tmp),
            ("web.submit.enable", "true".into()),
            ("web.cancel.enable", "true".into()),
            ("parallelism.default", "1".into()),
            // The REST API answers from caches up to 3 s old by default: flinkform reads a
            // job's state and checkpoints right after changing it.
            ("rest.cache.execution-graph.timeout", "0 ms".into()),
            ("rest.cache.checkpoint-statistics.timeout", "0 ms".into()),
        ];
        for (key, value) in defaults {
            conf.insert(key.to_string(), serde_yaml::Value::String(value));
        }
        for (key, value) in self.flink_conf.iter().chain(extra) {
            conf.insert(key.clone(), serde_yaml::Value::String(value.clone()));
        }
        conf
    }
}

/// `file://` URI of an absolute path, as Flink's configuration takes directories.
pub fn file_uri(path: &Path) -> String {
    format!("file://{}", path.to_string_lossy())
}

/// The Flink version of a distribution, from its `lib/flink-dist-<version>.jar`.
pub fn flink_version(flink_home: &Path) -> Option<String> {
    let entries = fs::read_dir(flink_home.join("lib")).ok()?;
    entries.flatten().find_map(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name.strip_prefix("flink-dist-")
            .and_then(|rest| rest.strip_suffix(".jar"))
            .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .map(str::to_string)
    })
}

/// Whether `flink_home` looks like a Flink distribution: the error says what is missing.
pub fn check_distribution(flink_home: &Path) -> Result<String, String> {
    for script in ["bin/jobmanager.sh", "bin/taskmanager.sh", "bin/config.sh"] {
        if !flink_home.join(script).is_file() {
            return Err(format!(
                "{} is not a Flink distribution: it has no {script}",
                flink_home.display()
            ));
        }
    }
    flink_version(flink_home).ok_or_else(|| {
        format!(
            "{} is not a Flink distribution: it has no lib/flink-dist-<version>.jar",
            flink_home.display()
        )
    })
}

/// The distribution's `conf/config.yaml`, flattened to dotted keys (Flink reads both forms).
/// A missing or unreadable file gives an empty configuration.
pub fn distribution_config(flink_home: &Path) -> BTreeMap<String, serde_yaml::Value> {
    let mut out = BTreeMap::new();
    let Ok(text) = fs::read_to_string(flink_home.join("conf/config.yaml")) else {
        return out;
    };
    if let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(&text) {
        flatten_yaml("", &value, 0, &mut out);
    }
    out
}

/// Nested mappings become dotted keys; other values are kept as they are. Depth is bounded
/// (a configuration is never nested deeper than a few levels).
fn flatten_yaml(
    prefix: &str,
    value: &serde_yaml::Value,
    depth: usize,
    out: &mut BTreeMap<String, serde_yaml::Value>,
) {
    match value {
        serde_yaml::Value::Mapping(m) if depth < 16 => {
            for (k, v) in m {
                let key = match k {
                    serde_yaml::Value::String(s) => s.clone(),
                    serde_yaml::Value::Number(n) => n.to_string(),
                    serde_yaml::Value::Bool(b) => b.to_string(),
                    _ => continue,
                };
                let full = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_yaml(&full, v, depth + 1, out);
            }
        }
        serde_yaml::Value::Null if prefix.is_empty() => {}
        other => {
            if !prefix.is_empty() {
                out.insert(prefix.to_string(), other.clone());
            }
        }
    }
}

/// Creates the work directory and writes the conf directory: `config.yaml` and the
/// distribution's log configuration files.
pub fn prepare(spec: &LocalSpec, extra: &BTreeMap<String, String>) -> io::Result<()> {
    for dir in [
        spec.conf_dir(),
        spec.log_dir(),
        spec.pid_dir(),
        spec.tmp_dir(),
        spec.work_dir.join("checkpoints"),
        spec.work_dir.join("savepoints"),
    ] {
        fs::create_dir_all(dir)?;
    }
    let dist_conf = spec.flink_home.join("conf");
    if let Ok(entries) = fs::read_dir(&dist_conf) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_log_conf = (name.starts_with("log4j") && name.ends_with(".properties"))
                || (name.starts_with("logback") && name.ends_with(".xml"));
            if is_log_conf {
                fs::copy(e.path(), spec.conf_dir().join(&name))?;
            }
        }
    }
    let conf = spec.config(distribution_config(&spec.flink_home), extra);
    let mut text = String::from(
        "# Written by flinkform for a flink_cluster with a local target; changes are overwritten.\n",
    );
    text.push_str(&serde_yaml::to_string(&conf).map_err(|e| io::Error::other(e.to_string()))?);
    let path = spec.conf_dir().join("config.yaml");
    let temp = spec.conf_dir().join(".config.yaml.tmp");
    fs::write(&temp, text)?;
    fs::rename(temp, path)
}

/// Fails when something already listens on the cluster's REST or RPC port.
pub fn check_ports_free(spec: &LocalSpec) -> Result<(), String> {
    for (what, port) in [
        ("rest_port", u32::from(spec.rest_port)),
        ("the JobManager RPC port (rest_port + 1)", spec.rpc_port()),
    ] {
        let Ok(port) = u16::try_from(port) else {
            return Err(format!("{what} {port} is not a TCP port"));
        };
        if let Err(e) = std::net::TcpListener::bind(("127.0.0.1", port)) {
            return Err(format!(
                "{what} {port} on localhost is in use ({e}): is another Flink cluster running there? Choose another rest_port, or stop it"
            ));
        }
    }
    Ok(())
}

/// Runs a daemon script (`jobmanager.sh start`), which returns once the JVM is launched.
fn run_script(spec: &LocalSpec, script: &str, args: &[&str]) -> Result<(), String> {
    let output = Command::new(spec.flink_home.join("bin").join(script))
        .args(args)
        .env("FLINK_CONF_DIR", spec.conf_dir())
        .env("FLINK_LOG_DIR", spec.log_dir())
        .env("FLINK_PID_DIR", spec.pid_dir())
        .env("FLINK_IDENT_STRING", IDENT)
        .current_dir(&spec.work_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("cannot run {script}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        Err(format!(
            "{script} {} failed ({}): {}",
            args.join(" "),
            output.status,
            super::rest::excerpt(&text)
        ))
    }
}

/// Launches the JobManager and the TaskManagers (blocking: a few seconds). The caller waits
/// for the REST API.
pub fn launch(spec: &LocalSpec) -> Result<(), String> {
    // The JobManager and the first TaskManager start together: each script spends a few
    // seconds reading the configuration. Further TaskManagers follow one by one (their
    // script numbers them from the pid file).
    let jm_spec = spec.clone();
    let jobmanager = std::thread::spawn(move || run_script(&jm_spec, "jobmanager.sh", &["start"]));
    let mut result = Ok(());
    for _ in 0..spec.taskmanagers {
        result = run_script(spec, "taskmanager.sh", &["start"]);
        if result.is_err() {
            break;
        }
    }
    let jm_result = jobmanager
        .join()
        .unwrap_or_else(|_| Err("the JobManager start script thread failed".to_string()));
    jm_result.and(result)
}

/// The pids of this cluster's running processes, found by their command line.
pub fn processes(spec: &LocalSpec) -> Vec<u32> {
    let marker = format!(
        "file:{}/log4j.properties",
        spec.conf_dir().to_string_lossy()
    );
    let mut pids = Vec::new();
    let Ok(entries) = fs::read_dir("/proc") else {
        return pids;
    };
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(cmdline) = fs::read(e.path().join("cmdline")) else {
            continue;
        };
        let matches = cmdline
            .split(|b| *b == 0)
            .any(|arg| arg.ends_with(marker.as_bytes()));
        if matches && !is_zombie(pid) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

/// Whether process `pid` runs: it exists, is not a zombie, and is not exiting (an exiting
/// process has released its memory, and with it its command line, before it becomes a
/// zombie).
fn is_alive(pid: u32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| !c.is_empty()) && !is_zombie(pid)
}

fn is_zombie(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // "pid (comm) S ...": the state follows the last ')'.
            stat.rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next().map(|s| s == "Z"))
        })
        .unwrap_or(false)
}

/// The JobManager's pid, from its pid file, if that process is alive. (Its command line is
/// not checked: right after the script returns, the process may not have exec'd java yet.)
pub fn jobmanager_pid(spec: &LocalSpec) -> Option<u32> {
    read_pid_file(
        &spec
            .pid_dir()
            .join(format!("flink-{IDENT}-standalonesession.pid")),
    )
    .into_iter()
    .rev()
    .find(|p| is_alive(*p))
}

/// How many of the TaskManagers started by the pid file are alive.
pub fn taskmanagers_alive(spec: &LocalSpec) -> usize {
    read_pid_file(
        &spec
            .pid_dir()
            .join(format!("flink-{IDENT}-taskexecutor.pid")),
    )
    .into_iter()
    .filter(|p| is_alive(*p))
    .count()
}

fn read_pid_file(path: &Path) -> Vec<u32> {
    fs::read_to_string(path)
        .map(|text| {
            text.lines()
                .filter_map(|l| l.trim().parse::<u32>().ok())
                .collect()
        })
        .unwrap_or_default()
}

fn signal(pids: &[u32], signal: &str) {
    if pids.is_empty() {
        return;
    }
    // The shell's own `kill`: /bin/kill (procps) is not on every machine, /bin/sh is.
    let _ = Command::new("sh")
        .args(["-c", &format!("kill -{signal} \"$@\""), "sh"])
        .args(pids.iter().map(u32::to_string))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Stops every process of the cluster: SIGTERM (Flink shuts down cleanly), then SIGKILL for
/// what is left after `grace`. Returns an error naming the processes still alive after that.
pub fn stop(spec: &LocalSpec, grace: Duration) -> Result<(), String> {
    let pids = processes(spec);
    signal(&pids, "TERM");
    let deadline = Instant::now() + grace;
    let mut left = processes(spec);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = processes(spec);
    }
    if !left.is_empty() {
        signal(&left, "KILL");
        let deadline = Instant::now() + Duration::from_secs(5);
        while !left.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
            left = processes(spec);
        }
    }
    let _ = fs::remove_dir_all(spec.pid_dir());
    if left.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Flink processes {left:?} of the cluster in {} did not stop, even after SIGKILL",
            spec.work_dir.display()
        ))
    }
}

/// The last lines of the JobManager's and TaskManagers' logs that say what went wrong, to
/// explain a cluster that did not come up.
pub fn log_errors(spec: &LocalSpec) -> String {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(spec.log_dir()) else {
        return String::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "log" || x == "out"))
        .collect();
    files.sort();
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("Exception") || l.starts_with("Error"))
            .collect();
        if let Some(last) = lines.last() {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            found.push(format!("{name}: {}", super::rest::excerpt(last)));
        }
    }
    found.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LocalSpec {
        LocalSpec {
            flink_home: PathBuf::from("/opt/flink"),
            rest_port: 18081,
            work_dir: PathBuf::from("/w"),
            jobmanager_memory: "1024m".into(),
            taskmanagers: 1,
            slots: 2,
            taskmanager_memory: "1024m".into(),
            flink_conf: [("parallelism.default".to_string(), "2".to_string())].into(),
        }
    }

    #[test]
    fn configuration_is_safe_by_default_and_flink_conf_wins() {
        let dist = [
            (
                "env.java.opts.all".to_string(),
                serde_yaml::Value::String("--add-opens=x".into()),
            ),
            (
                "rest.address".to_string(),
                serde_yaml::Value::String("0.0.0.0".into()),
            ),
        ]
        .into();
        let extra = [("flinkform.x".to_string(), "y".to_string())].into();
        let conf = spec().config(dist, &extra);
        let get = |k: &str| conf.get(k).and_then(|v| v.as_str()).unwrap_or("");
        assert_eq!(get("env.java.opts.all"), "--add-opens=x");
        assert_eq!(get("rest.address"), "localhost");
        assert_eq!(get("rest.bind-address"), "localhost");
        assert_eq!(get("rest.port"), "18081");
        assert_eq!(get("jobmanager.rpc.port"), "18082");
        assert_eq!(
            get("execution.checkpointing.savepoint-dir"),
            "file:///w/savepoints"
        );
        assert_eq!(get("io.tmp.dirs"), "/w/tmp");
        assert_eq!(get("parallelism.default"), "2");
        assert_eq!(get("flinkform.x"), "y");
    }

    #[test]
    fn nested_yaml_is_flattened() {
        let v: serde_yaml::Value = serde_yaml::from_str(
            "env:\n  java:\n    opts:\n      all: --x\njobmanager:\n  rpc:\n    port: 6123\nflat.key: v\n",
        )
        .expect("yaml");
        let mut out = BTreeMap::new();
        flatten_yaml("", &v, 0, &mut out);
        let keys: Vec<&str> = out.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["env.java.opts.all", "flat.key", "jobmanager.rpc.port"]
        );
        assert_eq!(
            out["jobmanager.rpc.port"],
            serde_yaml::Value::Number(6123.into())
        );
    }

    #[test]
    fn versions_come_from_the_dist_jar() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(flink_version(dir.path()), None);
        fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
        fs::write(dir.path().join("lib/flink-dist-2.3.0.jar"), b"").expect("write");
        fs::write(dir.path().join("lib/flink-dist-extra.jar"), b"").expect("write");
        assert_eq!(flink_version(dir.path()).as_deref(), Some("2.3.0"));
        let e = check_distribution(dir.path()).unwrap_err();
        assert!(e.contains("has no bin/jobmanager.sh"), "{e}");
    }
}
