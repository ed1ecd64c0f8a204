//! Progress reporting and interruption, as seen by the executor.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crate::addrs::AbsResourceInstance;

/// The provider operation an instance goes through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpKind {
    Create,
    Update,
    Delete,
    Read,
}

impl OpKind {
    /// "Creating", "Modifying", "Destroying", "Reading".
    pub fn progressive(self) -> &'static str {
        match self {
            OpKind::Create => "Creating",
            OpKind::Update => "Modifying",
            OpKind::Delete => "Destroying",
            OpKind::Read => "Reading",
        }
    }

    /// "Creation complete", ...
    pub fn complete(self) -> &'static str {
        match self {
            OpKind::Create => "Creation complete",
            OpKind::Update => "Modifications complete",
            OpKind::Delete => "Destruction complete",
            OpKind::Read => "Read complete",
        }
    }

    /// "still creating", ...
    pub fn still(self) -> &'static str {
        match self {
            OpKind::Create => "Still creating...",
            OpKind::Update => "Still modifying...",
            OpKind::Delete => "Still destroying...",
            OpKind::Read => "Still reading...",
        }
    }
}

/// Told about every operation as it starts, while it runs (every 10 s) and when it ends.
/// `id` is the object's `id` attribute when it has one (never a sensitive value).
pub trait ApplyHooks: Send + Sync {
    fn starting(&self, addr: &AbsResourceInstance, op: OpKind, id: Option<&str>);
    fn still_running(&self, addr: &AbsResourceInstance, op: OpKind, elapsed: Duration);
    fn finished(
        &self,
        addr: &AbsResourceInstance,
        op: OpKind,
        elapsed: Duration,
        id: Option<&str>,
        ok: bool,
    );
    /// A provider's message about an operation in flight (see
    /// [`Report`](crate::providers::Report)).
    fn message(&self, addr: &AbsResourceInstance, text: &str);
}

/// Ctrl-C as the executor sees it: once, start nothing new and let running operations
/// finish and be recorded; twice, the caller aborts.
#[derive(Debug, Default)]
pub struct Interrupt {
    count: AtomicU8,
}

impl Interrupt {
    /// Records one interrupt; returns how many there have been.
    pub fn signal(&self) -> u8 {
        self.count.fetch_add(1, Ordering::SeqCst).saturating_add(1)
    }
    /// Whether the executor should stop starting operations.
    pub fn stopping(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }
}
