//! State: what flinkform knows about the real objects it manages, and how that knowledge is
//! kept on disk safely.
//!
//! - [`model`]: the state document ([`State`]) with indexed lookups by address, and the
//!   conversions between stored JSON attributes and [`Value`](crate::lang::Value)s with their
//!   sensitive marks.
//! - [`local`]: the local backend: loading (with recovery from an interrupted apply), atomic
//!   whole-state writes with a backup, and the [`StateWriter`] that persists every completed
//!   operation during apply through an append-only journal.
//! - [`lock`]: the lock file that keeps a second writer out.
//!
//! ```
//! use flinkform::addrs::AbsResourceInstance;
//! use flinkform::lang::Value;
//! use flinkform::state::{InstanceState, State};
//!
//! let mut state = State::new();
//! let addr: AbsResourceInstance = "flinkform_data.x".parse().unwrap();
//! let value = Value::object([("id".to_string(), Value::string("x-1"))].into());
//! state.set_instance(addr.clone(), "provider.flinkform", InstanceState::from_value(&value).unwrap());
//! assert_eq!(state.instance(&addr).unwrap().attributes["id"], "x-1");
//! ```

pub mod local;
pub mod lock;
pub mod model;

mod journal;
mod values;

use std::path::PathBuf;

pub use local::{Finished, Loaded, LocalBackend, Recovery, StateWriter, SyncPolicy, WriteStats};
pub use lock::{LockInfo, StateLock};
pub use model::{
    Change, InstanceState, InstanceStatus, OutputState, ResourceState, State, FORMAT_VERSION,
};
pub use values::{mark_paths, sensitive_paths, type_from_json, type_to_json, value_from_json};

/// Everything that can go wrong reading, writing or locking state. Messages name the file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// A file operation failed; `action` says which, e.g. "reading", "renaming a temporary file onto".
    #[error("error {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file exists but is not a state document this version can read. It is left
    /// untouched.
    #[error("the state file {} is not valid: {message}. It has been left untouched; restore it from {} or fix it by hand.", path.display(), backup.display())]
    Corrupt {
        path: PathBuf,
        backup: PathBuf,
        message: String,
    },
    /// Writing would overwrite a state file that is not the version the state was loaded from.
    #[error("refusing to overwrite the state file {}: {message}", path.display())]
    Conflict { path: PathBuf, message: String },
    /// A journal of an interrupted apply that does not belong to the state file next to it.
    #[error("the journal {} cannot be applied to the state file {}: {message}. Both have been left untouched.", path.display(), state_path.display())]
    JournalMismatch {
        path: PathBuf,
        state_path: PathBuf,
        message: String,
    },
    /// A journal line in the middle of the journal is damaged (a damaged last line is expected
    /// after a crash and ignored).
    #[error("the journal {} is damaged at line {line}: {message}", path.display())]
    CorruptJournal {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// Serialising a state document failed (not expected for documents built by this module).
    #[error("error encoding the state for {}: {source}", path.display())]
    Encode {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// An earlier write to the journal failed, so nothing more can be recorded safely.
    #[error("the journal {} can no longer be written after an earlier error: {message}", path.display())]
    JournalFailed { path: PathBuf, message: String },
    /// Another process holds the lock (or held it and died: `stale`).
    #[error("{}", lock::locked_message(path, holder.as_deref(), *stale, *waited))]
    Locked {
        path: PathBuf,
        holder: Option<Box<LockInfo>>,
        /// The holder ran on this host and its process is no longer running.
        stale: bool,
        /// How long this process waited before giving up (zero: it did not wait).
        waited: std::time::Duration,
    },
    /// The lock file exists but does not hold a lock description.
    #[error("the lock file {} cannot be read ({message}); if no other flinkform run is using this state, delete it", path.display())]
    LockUnreadable { path: PathBuf, message: String },
    #[error("the state is not locked: there is no lock file {}", path.display())]
    NotLocked { path: PathBuf },
    #[error("the lock {} has ID {actual:?}, not {given:?}; it was not removed", path.display())]
    LockIdMismatch {
        path: PathBuf,
        given: String,
        actual: String,
    },
    /// A state writer was opened with a lock for another state file.
    #[error("the lock {} does not protect the state file {}", lock_path.display(), path.display())]
    WrongLock { path: PathBuf, lock_path: PathBuf },
    /// A value to store still holds an unknown part (state only holds known values).
    #[error("cannot store an unknown value{}", at_path(path))]
    UnknownValue { path: String },
    /// Stored JSON does not match the type it is decoded with.
    #[error("stored value does not match its type{}: {message}", at_path(path))]
    Decode { path: String, message: String },
}

fn at_path(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!(" at {path}")
    }
}

impl StateError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StateError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
