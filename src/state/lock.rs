//! The state lock: a file next to the state (`default.json.lock`) created exclusively
//! (`O_EXCL`), holding who took it and why:
//!
//! ```json
//! {"id":"9b2…","operation":"apply","who":"ana@build-7","pid":4242,"host":"build-7",
//!  "created":"2024-05-01T10:00:00Z","version":"0.1.0"}
//! ```
//!
//! A second run fails at once naming the holder, or retries until its timeout. When the holder
//! ran on this host and its process is gone, the lock can never be released by its owner: the
//! error says so at once (without waiting out the timeout) and how to remove it
//! (`flinkform force-unlock ID`). The lock is released when the [`StateLock`] is dropped.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::StateError;

/// Who holds a lock, as written in the lock file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub id: String,
    /// The command that took it: "apply", "destroy", "import", ...
    pub operation: String,
    /// `user@host`.
    pub who: String,
    pub pid: u32,
    pub host: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// The flinkform version that took it.
    pub version: String,
}

impl LockInfo {
    /// Describes this process taking the lock for `operation`.
    pub fn for_this_process(operation: &str) -> LockInfo {
        let host = host_name();
        let user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
            .unwrap_or_else(|| "unknown".to_string());
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            operation: operation.to_string(),
            who: format!("{user}@{host}"),
            pid: std::process::id(),
            host,
            created: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }

    /// Whether the holder ran on this host and its process is no longer running. `false` when
    /// that cannot be known (another host, or no `/proc`).
    pub fn is_stale(&self) -> bool {
        self.host == host_name()
            && Path::new("/proc/self").exists()
            && !process_is_running(self.pid)
    }
}

/// A held lock; dropping it releases it.
#[derive(Debug)]
pub struct StateLock {
    path: PathBuf,
    info: LockInfo,
    released: bool,
}

impl StateLock {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Releases the lock, reporting a failure to remove the lock file (dropping ignores it).
    pub fn release(mut self) -> Result<(), StateError> {
        self.released = true;
        remove_if_ours(&self.path, &self.info.id)
    }
}

impl Drop for StateLock {
    fn drop(&mut self) {
        if !self.released {
            let _ = remove_if_ours(&self.path, &self.info.id);
        }
    }
}

/// Removes the lock file only if it still holds our lock: after a `force-unlock`, another run
/// may hold a new lock at the same path.
fn remove_if_ours(path: &Path, id: &str) -> Result<(), StateError> {
    match read_lock(path) {
        Ok(Some(info)) if info.id == id => {
            fs::remove_file(path).map_err(|e| StateError::io("removing the lock file", path, e))
        }
        _ => Ok(()),
    }
}

/// Takes the lock at `lock_path` for `operation`. If another run holds it, retries until
/// `timeout` has passed (a zero timeout fails at once), then fails naming the holder; a stale
/// lock (holder dead on this host) fails at once.
pub fn acquire(
    lock_path: &Path,
    operation: &str,
    timeout: Duration,
) -> Result<StateLock, StateError> {
    if let Some(dir) = lock_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        super::local::create_dir(dir)?;
    }
    let info = LockInfo::for_this_process(operation);
    let start = Instant::now();
    let mut delay = Duration::from_millis(50);
    loop {
        match create_lock_file(lock_path, &info) {
            Ok(()) => {
                return Ok(StateLock {
                    path: lock_path.to_path_buf(),
                    info,
                    released: false,
                })
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(StateError::io("creating the lock file", lock_path, e)),
        }
        let holder = match read_lock_settled(lock_path) {
            Ok(Some(holder)) => Some(holder),
            // Released between our attempt and the read: try again at once.
            Ok(None) => continue,
            Err(_) => None,
        };
        let stale = holder.as_ref().is_some_and(LockInfo::is_stale);
        let waited = start.elapsed();
        if stale || waited >= timeout {
            return Err(StateError::Locked {
                path: lock_path.to_path_buf(),
                holder: holder.map(Box::new),
                stale,
                waited: if timeout.is_zero() {
                    Duration::ZERO
                } else {
                    waited
                },
            });
        }
        std::thread::sleep(delay.min(timeout - waited));
        delay = (delay * 2).min(Duration::from_secs(1));
    }
}

fn create_lock_file(path: &Path, info: &LockInfo) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let written = serde_json::to_vec(info)
        .map_err(std::io::Error::other)
        .and_then(|bytes| file.write_all(&bytes))
        .and_then(|()| file.sync_all());
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// The lock's holder, `None` if there is no lock file.
pub fn read_lock(lock_path: &Path) -> Result<Option<LockInfo>, StateError> {
    let bytes = match fs::read(lock_path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StateError::io("reading the lock file", lock_path, e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| StateError::LockUnreadable {
            path: lock_path.to_path_buf(),
            message: if bytes.is_empty() {
                "it is empty".to_string()
            } else {
                e.to_string()
            },
        })
}

/// Like [`read_lock`], but gives a run that has just created the file a moment to fill it.
fn read_lock_settled(lock_path: &Path) -> Result<Option<LockInfo>, StateError> {
    let mut attempts = 0;
    loop {
        match read_lock(lock_path) {
            Err(StateError::LockUnreadable { .. }) if attempts < 5 => {
                attempts += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Removes the lock at `lock_path` if its ID is `id`; returns who held it.
pub fn force_unlock(lock_path: &Path, id: &str) -> Result<LockInfo, StateError> {
    let info = read_lock(lock_path)?.ok_or_else(|| StateError::NotLocked {
        path: lock_path.to_path_buf(),
    })?;
    if info.id != id {
        return Err(StateError::LockIdMismatch {
            path: lock_path.to_path_buf(),
            given: id.to_string(),
            actual: info.id,
        });
    }
    fs::remove_file(lock_path)
        .map_err(|e| StateError::io("removing the lock file", lock_path, e))?;
    Ok(info)
}

/// The text of [`StateError::Locked`].
pub(crate) fn locked_message(
    path: &Path,
    holder: Option<&LockInfo>,
    stale: bool,
    waited: Duration,
) -> String {
    let Some(h) = holder else {
        return format!(
            "Error acquiring the state lock: the lock file {} exists but its holder cannot be read. \
             If no other flinkform run is using this state, delete the file.",
            path.display()
        );
    };
    let mut text = format!(
        "Error acquiring the state lock {}: it is held by {} (pid {} on {}), running {:?} since {}.\n  \
         Lock ID: {}\n  Version: {}\n",
        path.display(),
        h.who,
        h.pid,
        h.host,
        h.operation,
        h.created,
        h.id,
        h.version
    );
    if stale {
        text.push_str(&format!(
            "Process {} is no longer running on this host, so the lock is stale. If no other \
             flinkform run is using this state, remove the lock with:\n  flinkform force-unlock {}",
            h.pid, h.id
        ));
    } else if waited.is_zero() {
        text.push_str("Wait for that run to finish, or use --lock-timeout (e.g. --lock-timeout 30s) to wait for it.");
    } else {
        text.push_str(&format!(
            "Gave up after waiting {:.1}s for it to be released.",
            waited.as_secs_f64()
        ));
    }
    text
}

/// This machine's name, as the lock records it.
fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "localhost".to_string())
}

/// Whether process `pid` exists and is not a zombie, from `/proc/PID/stat`. When it cannot be
/// read for another reason than absence, the process is assumed to be running.
fn process_is_running(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state is the field after the parenthesised command name, which may hold spaces.
        Ok(stat) => match stat
            .rfind(')')
            .and_then(|i| stat.get(i + 1..))
            .and_then(|r| r.split_whitespace().next())
        {
            Some(state) => state != "Z" && state != "X",
            None => true,
        },
        Err(e) => e.kind() != ErrorKind::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_running_and_its_lock_is_not_stale() {
        assert!(process_is_running(std::process::id()));
        let info = LockInfo::for_this_process("apply");
        assert!(!info.is_stale());
        assert!(info.who.ends_with(&format!("@{}", info.host)));
    }

    #[test]
    fn a_lock_from_another_host_is_never_called_stale() {
        let mut info = LockInfo::for_this_process("apply");
        info.host = "some-other-host.invalid".into();
        info.pid = u32::MAX;
        assert!(!info.is_stale());
    }
}
