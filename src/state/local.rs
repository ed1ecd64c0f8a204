//! The local backend: the state in one JSON file (by default `state/default.json` under the
//! configuration directory), with, next to it:
//!
//! - `default.json.backup`: the state as it was before the first write of this process, plus
//!   what objects destroyed by this process left behind (a Flink job's final savepoint, see
//!   [`Change::KeepInBackup`]);
//! - `default.json.journal`: the changes recorded by an apply in progress (or interrupted);
//! - `default.json.lock`: the lock (see [`super::lock`]).
//!
//! Whole-state writes are atomic: a temporary file in the same directory is written, flushed
//! to disk, and renamed over the state file, and the directory is flushed so the rename itself
//! survives a power loss. Files are created with mode 0600: state holds secrets.
//!
//! During apply, rewriting the whole state after each operation would cost O(state) per
//! operation and O(n²) for the run (OpenTofu writes 10.4 GB to apply 5,000 resources). Instead a
//! [`StateWriter`] appends each completed operation to the journal as one line carrying the whole
//! new instance (O(size of that instance)), and at the end compacts: writes the whole state once
//! and removes the journal. Loading replays a journal left by an interrupted apply on top of the
//! state file, so the state always says exactly which operations completed.
//!
//! Durability comes in two steps. When [`StateWriter::record`] returns, the line is in the
//! operating system: it survives the process being killed (even `kill -9`). Flushing to the
//! disk (`fdatasync`) is grouped by a background thread, at most [`SyncPolicy::max_delay`] after
//! a record or once [`SyncPolicy::max_pending`] records wait; [`StateWriter::wait_durable`] blocks
//! until a record survives a power loss too. Each flush covers every earlier line, so the lines
//! that can be damaged by a crash are always a tail of records never reported durable.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::journal::{self, Header};
use super::lock::{self, LockInfo, StateLock};
use super::model::{newer_format, Change, InstanceState, State, FORMAT_VERSION};
use super::StateError;
use crate::addrs::AbsResourceInstance;

/// A state stored in a local file.
#[derive(Clone, Debug)]
pub struct LocalBackend {
    path: PathBuf,
    /// Whether this process already kept a backup: the backup is the state before the
    /// command, not before its last write.
    backed_up: Arc<AtomicBool>,
}

/// A loaded state, and what was recovered from an interrupted apply.
#[derive(Debug)]
pub struct Loaded {
    pub state: State,
    /// Set when a journal left by an interrupted (or still running) apply held changes.
    pub recovery: Option<Recovery>,
}

/// A journal replayed on top of the state file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recovery {
    pub journal: PathBuf,
    /// Changes replayed.
    pub changes: usize,
    /// Bytes at the journal's end that were not a complete record (a write cut by the crash).
    pub ignored_tail_bytes: usize,
}

/// When the journal is flushed to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncPolicy {
    /// The longest a recorded change waits before being flushed.
    pub max_delay: Duration,
    /// Flush as soon as this many recorded changes wait.
    pub max_pending: usize,
}

impl Default for SyncPolicy {
    fn default() -> Self {
        SyncPolicy {
            max_delay: Duration::from_millis(20),
            max_pending: 1000,
        }
    }
}

/// What a [`StateWriter`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    pub records: u64,
    /// Bytes appended to the journal, header included.
    pub journal_bytes: u64,
    /// Flushes of the journal to disk.
    pub journal_syncs: u64,
    /// Bytes of the final whole-state write (0 if nothing changed).
    pub state_bytes: u64,
}

/// The result of [`StateWriter::finish`].
#[derive(Debug)]
pub struct Finished {
    /// The state as written (its serial increased if anything changed).
    pub state: State,
    pub stats: WriteStats,
    /// What destroyed objects left behind, written into the backup: their addresses, or why
    /// the backup could not be written (the state itself was written all the same).
    pub kept_in_backup: Result<Vec<AbsResourceInstance>, StateError>,
}

/// An instance from a [`Change::KeepInBackup`].
#[derive(Clone, Debug)]
struct Kept {
    address: AbsResourceInstance,
    provider: String,
    instance: InstanceState,
}

impl Kept {
    fn of(change: &Change) -> Option<Kept> {
        match change {
            Change::KeepInBackup {
                address,
                provider,
                instance,
            } => Some(Kept {
                address: address.clone(),
                provider: provider.clone(),
                instance: instance.clone(),
            }),
            _ => None,
        }
    }
}

enum JournalStanding {
    /// Written on top of this very state version: its changes belong on it.
    Current,
    /// Written on top of an older version, and already compacted into this one.
    Stale,
}

impl LocalBackend {
    pub fn new(path: impl Into<PathBuf>) -> LocalBackend {
        LocalBackend {
            path: path.into(),
            backed_up: Arc::new(AtomicBool::new(false)),
        }
    }

    /// `state/default.json` under the configuration directory.
    pub fn default_path(config_dir: &Path) -> PathBuf {
        config_dir.join("state").join("default.json")
    }

    /// The state file.
    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn journal_path(&self) -> PathBuf {
        self.sibling(".journal")
    }
    pub fn backup_path(&self) -> PathBuf {
        self.sibling(".backup")
    }
    pub fn lock_path(&self) -> PathBuf {
        self.sibling(".lock")
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }

    /// A fresh name in the state's directory for a file written then renamed into place.
    fn temp_path(&self, purpose: &str) -> PathBuf {
        let name = self
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.dir().join(format!(
            ".{name}.{purpose}.{}.tmp",
            uuid::Uuid::new_v4().simple()
        ))
    }

    /// Reads the state: an empty state (fresh lineage, serial 0) if there is no state file, the
    /// state file plus any journal left by an interrupted apply otherwise. A state file that
    /// cannot be read is an error naming it, and is left untouched.
    pub fn load(&self) -> Result<Loaded, StateError> {
        let (mut state, exists) = match fs::read(&self.path) {
            Ok(bytes) => (self.parse_state(&bytes)?, true),
            Err(e) if e.kind() == ErrorKind::NotFound => (State::new(), false),
            Err(e) => return Err(StateError::io("reading the state file", &self.path, e)),
        };
        let recovery = self.replay_journal(&mut state, exists)?;
        Ok(Loaded { state, recovery })
    }

    fn parse_state(&self, bytes: &[u8]) -> Result<State, StateError> {
        #[derive(serde::Deserialize)]
        struct VersionOnly {
            format_version: u64,
        }
        serde_json::from_slice::<State>(bytes).map_err(|e| {
            let message = if bytes.iter().all(u8::is_ascii_whitespace) {
                "the file is empty".to_string()
            } else {
                match serde_json::from_slice::<VersionOnly>(bytes) {
                    Ok(v) if v.format_version > FORMAT_VERSION => newer_format(v.format_version).0,
                    _ => e.to_string(),
                }
            };
            StateError::Corrupt {
                path: self.path.clone(),
                backup: self.backup_path(),
                message,
            }
        })
    }

    fn read_journal(&self) -> Result<Option<journal::Contents>, StateError> {
        let path = self.journal_path();
        match fs::read(&path) {
            Ok(bytes) => journal::parse(&path, &self.path, &bytes).map(Some),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StateError::io("reading the journal", path, e)),
        }
    }

    fn journal_standing(
        &self,
        header: &Header,
        state: &State,
    ) -> Result<JournalStanding, StateError> {
        let mismatch = |message: String| StateError::JournalMismatch {
            path: self.journal_path(),
            state_path: self.path.clone(),
            message,
        };
        if header.lineage != state.lineage {
            return Err(mismatch(format!(
                "it was recorded for a state with lineage {}, and the state file has lineage {}",
                header.lineage, state.lineage
            )));
        }
        if header.serial > state.serial {
            return Err(mismatch(format!(
                "it continues serial {} of the state, and the state file has the older serial {}; \
                 was the state file replaced by an older copy?",
                header.serial, state.serial
            )));
        }
        Ok(if header.serial == state.serial {
            JournalStanding::Current
        } else {
            JournalStanding::Stale
        })
    }

    fn replay_journal(
        &self,
        state: &mut State,
        state_exists: bool,
    ) -> Result<Option<Recovery>, StateError> {
        let Some(contents) = self.read_journal()? else {
            return Ok(None);
        };
        let Some(header) = contents.header else {
            return Ok(None);
        };
        if !state_exists {
            // The first apply was interrupted before any state file was written.
            state.lineage.clone_from(&header.lineage);
            state.serial = header.serial;
        }
        if let JournalStanding::Stale = self.journal_standing(&header, state)? {
            return Ok(None);
        }
        let changes = contents.changes.len();
        if changes == 0 && contents.ignored_tail_bytes == 0 {
            return Ok(None);
        }
        for change in contents.changes {
            state.apply(change);
        }
        Ok(Some(Recovery {
            journal: self.journal_path(),
            changes,
            ignored_tail_bytes: contents.ignored_tail_bytes,
        }))
    }

    /// Takes the state lock for `operation` (see [`lock::acquire`]).
    pub fn lock(&self, operation: &str, timeout: Duration) -> Result<StateLock, StateError> {
        lock::acquire(&self.lock_path(), operation, timeout)
    }

    /// Removes the state lock if its ID is `id` (see [`lock::force_unlock`]).
    pub fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        lock::force_unlock(&self.lock_path(), id)
    }

    fn check_lock(&self, lock: &StateLock) -> Result<(), StateError> {
        if lock.path() == self.lock_path() {
            Ok(())
        } else {
            Err(StateError::WrongLock {
                path: self.path.clone(),
                lock_path: lock.path().to_path_buf(),
            })
        }
    }

    /// Writes `state` as the new version of the state file: its serial is increased, the
    /// write is atomic, the previous state is kept as the backup, and a journal left by an
    /// interrupted apply is removed (`state` must come from [`load`](Self::load) under `lock`,
    /// so it holds the journal's changes). For commands that edit the state as a whole; apply
    /// uses a [`StateWriter`]. Returns the bytes written.
    pub fn write(&self, state: &mut State, lock: &StateLock) -> Result<u64, StateError> {
        self.check_lock(lock)?;
        self.write_version(state)
    }

    fn write_version(&self, state: &mut State) -> Result<u64, StateError> {
        self.check_replaces_its_own_version(state)?;
        let previous_serial = state.serial;
        state.serial = previous_serial.saturating_add(1);
        state.format_version = FORMAT_VERSION;
        state.flinkform_version = env!("CARGO_PKG_VERSION").to_string();
        let bytes = match self.write_atomic(state) {
            Ok(bytes) => bytes,
            Err(e) => {
                state.serial = previous_serial;
                return Err(e);
            }
        };
        self.remove_journal()?;
        Ok(bytes)
    }

    /// Refuses to overwrite a state file that `state` was not loaded from: one that cannot be
    /// read (it stays for the user to repair), one of another lineage, or a version written
    /// since `state` was loaded. Reads only the file's lineage and serial.
    fn check_replaces_its_own_version(&self, state: &State) -> Result<(), StateError> {
        #[derive(serde::Deserialize)]
        struct Version {
            lineage: String,
            serial: u64,
        }
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(StateError::io("reading the state file", &self.path, e)),
        };
        let on_disk = match serde_json::from_slice::<Version>(&bytes) {
            Ok(v) => v,
            // Reports what is wrong with the file, as loading it would.
            Err(_) => return self.parse_state(&bytes).map(drop),
        };
        let conflict = |message: String| {
            Err(StateError::Conflict {
                path: self.path.clone(),
                message,
            })
        };
        if on_disk.lineage != state.lineage {
            return conflict(format!(
                "it holds another state (lineage {}) than the one being written (lineage {})",
                on_disk.lineage, state.lineage
            ));
        }
        if on_disk.serial != state.serial {
            return conflict(format!(
                "it was changed (to serial {}) since serial {} was loaded",
                on_disk.serial, state.serial
            ));
        }
        Ok(())
    }

    fn remove_journal(&self) -> Result<(), StateError> {
        let path = self.journal_path();
        match fs::remove_file(&path) {
            Ok(()) => sync_dir(&self.dir()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StateError::io("removing the journal", path, e)),
        }
    }

    /// Temporary file, flush, backup, rename, flush the directory.
    fn write_atomic(&self, state: &State) -> Result<u64, StateError> {
        let dir = self.dir();
        create_dir(&dir)?;
        let temp = self.temp_path("new");
        let result = write_new_file(&temp, state)
            .and_then(|bytes| {
                self.keep_backup()?;
                fs::rename(&temp, &self.path).map_err(|e| {
                    StateError::io(
                        "renaming a temporary file onto the state file",
                        &self.path,
                        e,
                    )
                })?;
                Ok(bytes)
            })
            .and_then(|bytes| sync_dir(&dir).map(|()| bytes));
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    /// Keeps the current state file as the backup, once per process. A hard link costs no
    /// copy and is atomic; file systems without hard links get a copy.
    fn keep_backup(&self) -> Result<(), StateError> {
        if self.backed_up.load(Ordering::SeqCst) {
            return Ok(());
        }
        if !self.path.exists() {
            // There was no state before this process: nothing to keep.
            self.backed_up.store(true, Ordering::SeqCst);
            return Ok(());
        }
        let backup = self.backup_path();
        let temp = self.temp_path("backup");
        let result = fs::hard_link(&self.path, &temp)
            .or_else(|_| {
                fs::copy(&self.path, &temp)?;
                File::open(&temp)?.sync_all()
            })
            .and_then(|()| fs::rename(&temp, &backup))
            .map_err(|e| StateError::io("keeping a backup of the state in", &backup, e));
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        } else {
            self.backed_up.store(true, Ordering::SeqCst);
        }
        result
    }

    /// Writes what destroyed objects left behind into the backup (the version this process
    /// replaced), or into a new backup of the written state's lineage when there was none.
    fn keep_in_backup(&self, kept: &[Kept], written: &State) -> Result<(), StateError> {
        if kept.is_empty() {
            return Ok(());
        }
        let path = self.backup_path();
        let mut backup = match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice::<State>(&bytes).map_err(|e| StateError::Conflict {
                    path: path.clone(),
                    message: format!("it is not a state document this version can read ({e})"),
                })?
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                let mut empty = State::new();
                empty.lineage.clone_from(&written.lineage);
                empty.serial = written.serial.saturating_sub(1);
                empty
            }
            Err(e) => return Err(StateError::io("reading the state backup", &path, e)),
        };
        for k in kept {
            backup.set_instance(k.address.clone(), k.provider.clone(), k.instance.clone());
        }
        let temp = self.temp_path("backup");
        let result = write_new_file(&temp, &backup)
            .and_then(|_| {
                fs::rename(&temp, &path).map_err(|e| {
                    StateError::io("renaming a temporary file onto the state backup", &path, e)
                })
            })
            .and_then(|()| sync_dir(&self.dir()));
        if result.is_err() {
            let _ = fs::remove_file(&temp);
        }
        result
    }

    /// Starts persisting the operations of an apply. `state` must come from
    /// [`load`](Self::load) under `lock`. A journal left by an interrupted apply (whose changes
    /// `state` therefore holds) is first compacted into the state file.
    pub fn writer(
        &self,
        mut state: State,
        lock: &StateLock,
        policy: SyncPolicy,
    ) -> Result<StateWriter, StateError> {
        self.check_lock(lock)?;
        if let Some(contents) = self.read_journal()? {
            let current = match &contents.header {
                Some(h) => matches!(self.journal_standing(h, &state)?, JournalStanding::Current),
                None => false,
            };
            if current && !contents.changes.is_empty() {
                self.write_version(&mut state)?;
                let kept: Vec<Kept> = contents.changes.iter().filter_map(Kept::of).collect();
                self.keep_in_backup(&kept, &state)?;
            } else {
                self.remove_journal()?;
            }
        }
        StateWriter::start(self.clone(), state, policy)
    }
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), StateError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(|e| StateError::io("creating the directory", dir, e))
}

/// Opens a new file with mode 0600 (state holds secrets); fails if it exists.
fn create_private(path: &Path, append: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).append(append).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Writes `state` to a new file and flushes it to disk; returns its size.
fn write_new_file(path: &Path, state: &State) -> Result<u64, StateError> {
    let io = |e| StateError::io("writing", path, e);
    let file = create_private(path, false).map_err(io)?;
    let mut out = BufWriter::with_capacity(1 << 16, file);
    serde_json::to_writer_pretty(&mut out, state).map_err(|e| {
        if e.is_io() {
            StateError::io("writing", path, e.into())
        } else {
            StateError::Encode {
                path: path.to_path_buf(),
                source: e,
            }
        }
    })?;
    out.write_all(b"\n").map_err(io)?;
    let file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all()
        .map_err(|e| StateError::io("flushing to disk", path, e))?;
    Ok(file.metadata().map_err(io)?.len())
}

/// Flushes a directory, so that files created, renamed or removed in it stay so after a
/// power loss.
fn sync_dir(dir: &Path) -> Result<(), StateError> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| StateError::io("flushing to disk the directory", dir, e))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Persists the operations of an apply as they complete: see the module documentation.
/// Usable from several threads at once (`record` takes `&self`).
#[derive(Debug)]
pub struct StateWriter {
    backend: LocalBackend,
    shared: Arc<Shared>,
    flusher: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    inner: Mutex<Inner>,
    /// Wakes the flusher: records are waiting, a flush is wanted, or the writer is closing.
    work: Condvar,
    /// Wakes the threads waiting for durability.
    flushed: Condvar,
    policy: SyncPolicy,
    journal_path: PathBuf,
}

#[derive(Debug)]
struct Inner {
    journal: File,
    state: State,
    /// Sequence number of the last record appended (the header is 0).
    recorded: u64,
    /// Sequence number of the last record flushed to disk.
    durable: u64,
    /// When the oldest record not yet flushed was appended.
    oldest_unflushed: Option<Instant>,
    flush_wanted: bool,
    closing: bool,
    /// Set by a failed write or flush: the journal may end in a damaged line, so nothing more
    /// may be appended after it.
    failure: Option<String>,
    stats: WriteStats,
    /// What destroyed objects left behind, for the backup (rare: kept apart, not searched).
    kept: Vec<Kept>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn failed(&self, message: &str) -> StateError {
        StateError::JournalFailed {
            path: self.journal_path.clone(),
            message: message.to_string(),
        }
    }
}

impl StateWriter {
    fn start(
        backend: LocalBackend,
        state: State,
        policy: SyncPolicy,
    ) -> Result<StateWriter, StateError> {
        let journal_path = backend.journal_path();
        let dir = backend.dir();
        create_dir(&dir)?;
        let io = |e| StateError::io("creating the journal", &journal_path, e);
        let mut journal = create_private(&journal_path, true).map_err(io)?;
        let header = Header::line(&state.lineage, state.serial);
        journal
            .write_all(&header)
            .and_then(|()| journal.sync_all())
            .map_err(io)?;
        sync_dir(&dir)?;
        let flusher_file = journal.try_clone().map_err(io)?;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                journal,
                state,
                recorded: 0,
                durable: 0,
                oldest_unflushed: None,
                flush_wanted: false,
                closing: false,
                failure: None,
                kept: Vec::new(),
                stats: WriteStats {
                    journal_bytes: header.len() as u64,
                    ..WriteStats::default()
                },
            }),
            work: Condvar::new(),
            flushed: Condvar::new(),
            policy,
            journal_path,
        });
        let flusher_shared = Arc::clone(&shared);
        let flusher = std::thread::Builder::new()
            .name("state-journal-flush".into())
            .spawn(move || flush_loop(&flusher_shared, &flusher_file))
            .map_err(|e| {
                StateError::io(
                    "starting the journal flush thread for",
                    &shared.journal_path,
                    e,
                )
            })?;
        Ok(StateWriter {
            backend,
            shared,
            flusher: Some(flusher),
        })
    }

    /// Records one change: appends it to the journal and applies it to the in-memory state.
    /// When this returns, the change survives the process being killed; it survives a power
    /// loss once [`wait_durable`](Self::wait_durable) for the returned sequence number returns.
    /// Costs O(size of the change), whatever the size of the state.
    pub fn record(&self, change: Change) -> Result<u64, StateError> {
        let mut line = serde_json::to_vec(&change).map_err(|e| StateError::Encode {
            path: self.shared.journal_path.clone(),
            source: e,
        })?;
        line.push(b'\n');
        let mut inner = self.shared.lock();
        if let Some(message) = &inner.failure {
            return Err(self.shared.failed(message));
        }
        if let Err(e) = inner.journal.write_all(&line) {
            inner.failure = Some(format!("appending failed: {e}"));
            return Err(StateError::io(
                "appending to the journal",
                &self.shared.journal_path,
                e,
            ));
        }
        if let Some(kept) = Kept::of(&change) {
            inner.kept.push(kept);
        }
        inner.state.apply(change);
        inner.recorded += 1;
        inner.stats.records += 1;
        inner.stats.journal_bytes += line.len() as u64;
        let pending = inner.recorded - inner.durable;
        if inner.oldest_unflushed.is_none() {
            inner.oldest_unflushed = Some(Instant::now());
        }
        // The flusher sleeps without a deadline only when nothing is pending.
        if pending == 1 || pending >= self.shared.policy.max_pending as u64 {
            self.shared.work.notify_one();
        }
        Ok(inner.recorded)
    }

    /// Records one change and waits until it is flushed to disk.
    pub fn record_durable(&self, change: Change) -> Result<(), StateError> {
        let seq = self.record(change)?;
        self.wait_durable(seq)
    }

    /// Waits until the record with sequence number `seq` (and every earlier one) is flushed to
    /// disk, asking the flusher not to wait for more records.
    pub fn wait_durable(&self, seq: u64) -> Result<(), StateError> {
        let mut inner = self.shared.lock();
        let seq = seq.min(inner.recorded);
        loop {
            if inner.durable >= seq {
                return Ok(());
            }
            if let Some(message) = &inner.failure {
                return Err(self.shared.failed(message));
            }
            inner.flush_wanted = true;
            self.shared.work.notify_one();
            inner = self
                .shared
                .flushed
                .wait(inner)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Waits until everything recorded so far is flushed to disk.
    pub fn sync(&self) -> Result<(), StateError> {
        self.wait_durable(u64::MAX)
    }

    /// The sequence number of the last record flushed to disk.
    pub fn durable_seq(&self) -> u64 {
        self.shared.lock().durable
    }

    /// Reads the in-memory state (which includes every recorded change).
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.shared.lock().state)
    }

    pub fn stats(&self) -> WriteStats {
        self.shared.lock().stats
    }

    fn stop_flusher(&mut self) {
        if let Some(flusher) = self.flusher.take() {
            self.shared.lock().closing = true;
            self.shared.work.notify_one();
            let _ = flusher.join();
        }
    }

    /// Ends the apply: writes the whole state once (serial increased, atomically, previous
    /// version kept as the backup) and removes the journal. If this fails, the journal stays,
    /// and the next load recovers from it. Then writes what destroyed objects left behind
    /// into the backup.
    pub fn finish(mut self) -> Result<Finished, StateError> {
        self.stop_flusher();
        let (mut state, mut stats, kept) = {
            let mut inner = self.shared.lock();
            if let Some(message) = &inner.failure {
                return Err(self.shared.failed(message));
            }
            (
                std::mem::take(&mut inner.state),
                inner.stats,
                std::mem::take(&mut inner.kept),
            )
        };
        if stats.records > 0 {
            stats.state_bytes = self.backend.write_version(&mut state)?;
        } else {
            self.backend.remove_journal()?;
        }
        let kept_in_backup = self
            .backend
            .keep_in_backup(&kept, &state)
            .map(|()| kept.into_iter().map(|k| k.address).collect());
        Ok(Finished {
            state,
            stats,
            kept_in_backup,
        })
    }
}

/// Dropping a writer without [`finish`](StateWriter::finish) (an error or a panic during apply)
/// flushes what was recorded and leaves the journal for the next load to recover.
impl Drop for StateWriter {
    fn drop(&mut self) {
        self.stop_flusher();
    }
}

/// The flusher thread: flushes the journal when a record has waited `max_delay`, when
/// `max_pending` records wait, when someone waits for durability, and once more on closing.
fn flush_loop(shared: &Shared, journal: &File) {
    let policy = shared.policy;
    let mut inner = shared.lock();
    while inner.failure.is_none() {
        let pending = inner.recorded - inner.durable;
        if pending == 0 {
            if inner.closing {
                break;
            }
            inner = shared
                .work
                .wait(inner)
                .unwrap_or_else(PoisonError::into_inner);
            continue;
        }
        let waited = inner
            .oldest_unflushed
            .map_or(policy.max_delay, |t| t.elapsed());
        let due = inner.flush_wanted
            || inner.closing
            || pending >= policy.max_pending as u64
            || waited >= policy.max_delay;
        if !due {
            inner = shared
                .work
                .wait_timeout(inner, policy.max_delay - waited)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            continue;
        }
        let target = inner.recorded;
        inner.flush_wanted = false;
        inner.oldest_unflushed = None;
        drop(inner);
        let result = journal.sync_data();
        inner = shared.lock();
        match result {
            Ok(()) => {
                inner.durable = inner.durable.max(target);
                inner.stats.journal_syncs += 1;
                // Records appended during the flush start their wait now.
                if inner.recorded > inner.durable && inner.oldest_unflushed.is_none() {
                    inner.oldest_unflushed = Some(Instant::now());
                }
            }
            Err(e) => inner.failure = Some(format!("flushing to disk failed: {e}")),
        }
        shared.flushed.notify_all();
    }
    shared.flushed.notify_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sibling_files_are_named_after_the_state_file() {
        let b = LocalBackend::new(LocalBackend::default_path(Path::new("/cfg")));
        assert_eq!(b.path(), Path::new("/cfg/state/default.json"));
        assert_eq!(
            b.journal_path(),
            Path::new("/cfg/state/default.json.journal")
        );
        assert_eq!(b.backup_path(), Path::new("/cfg/state/default.json.backup"));
        assert_eq!(b.lock_path(), Path::new("/cfg/state/default.json.lock"));
        let relative = LocalBackend::new("s.json");
        assert_eq!(relative.dir(), Path::new("."));
    }
}
