//! Plans as plain data: what will change, why, and what is known about the result.
//!
//! A [`Plan`] is produced by the planner from configuration, refreshed state and providers'
//! plans; the renderers ([`render`]) show it to people (Terraform's layout), to machines
//! (`--json`, documented in `docs/plan-json.md`) and to pull requests (`--markdown`); the
//! executor applies it.

pub mod file;
pub mod planner;
pub mod render;

use std::collections::BTreeMap;

use crate::addrs::AbsResourceInstance;
use crate::lang::Value;
use crate::providers::schema::AttrPath;

/// What will happen to one resource instance (or output).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    NoOp,
    Create,
    /// A data source read during apply (its configuration depends on unknown values).
    Read,
    Update,
    /// Replace: delete the old object, then create the new one.
    DeleteThenCreate,
    /// Replace under `create_before_destroy`: create the new object, then delete the old one.
    CreateThenDelete,
    Delete,
}

impl Action {
    /// Terraform's JSON `actions` list: `["no-op"]`, `["create"]`, `["delete","create"]`, ...
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Read => &["read"],
            Action::Update => &["update"],
            Action::DeleteThenCreate => &["delete", "create"],
            Action::CreateThenDelete => &["create", "delete"],
            Action::Delete => &["delete"],
        }
    }

    pub fn is_replace(self) -> bool {
        matches!(self, Action::DeleteThenCreate | Action::CreateThenDelete)
    }
}

/// Why an action was chosen, when it is not plain from the values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActionReason {
    /// `--replace ADDR`.
    ReplaceByRequest,
    /// `lifecycle { replace_triggered_by = [...] }` saw a change.
    ReplaceByTriggers,
    /// The instance was tainted (a create that failed part-way).
    Tainted,
    /// The resource block is gone from the configuration.
    DeleteBecauseNoResourceConfig,
    /// `count` no longer covers this index.
    DeleteBecauseCountIndex,
    /// `for_each` no longer has this key.
    DeleteBecauseEachKey,
    /// The module call this instance was in is gone or no longer has this instance.
    DeleteBecauseNoModule,
}

/// The change to one resource instance.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceChange {
    pub addr: AbsResourceInstance,
    /// The provider configuration, as `provider.flinkform` or `module.x.provider.azure.eu`.
    pub provider: String,
    pub action: Action,
    /// The prior (refreshed) object; `None` when creating. Marks (sensitive) included.
    pub before: Option<Value>,
    /// The planned object, with unknown values where not known until apply; `None` when deleting.
    pub after: Option<Value>,
    /// Attribute paths whose change forces the replacement.
    pub replace_paths: Vec<AttrPath>,
    pub reason: Option<ActionReason>,
    /// How the provider will carry out a change of an attribute, shown after it in the plan,
    /// e.g. `parallelism` → "restart from savepoint".
    pub notes: BTreeMap<AttrPath, String>,
}

/// The change to one root module output.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputChange {
    pub name: String,
    /// `NoOp`, `Create`, `Update` or `Delete`.
    pub action: Action,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub sensitive: bool,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PlanMode {
    #[default]
    Normal,
    Destroy,
    RefreshOnly,
}

/// A whole plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub mode: PlanMode,
    /// Every resource instance change, no-ops included, sorted by address.
    pub changes: Vec<ResourceChange>,
    /// Differences refresh found between the recorded state and the real objects: `Update`
    /// (changed outside flinkform) or `Delete` (gone), sorted by address.
    pub drift: Vec<ResourceChange>,
    pub output_changes: Vec<OutputChange>,
}

/// `Plan: X to add, Y to change, Z to destroy.`
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for ch in &self.changes {
            match ch.action {
                Action::Create => c.add += 1,
                Action::Update => c.change += 1,
                Action::DeleteThenCreate | Action::CreateThenDelete => {
                    c.add += 1;
                    c.destroy += 1;
                }
                // A data source "deleted" is only forgotten: nothing is destroyed.
                Action::Delete
                    if ch.addr.resource.resource.mode == crate::addrs::ResourceMode::Data => {}
                Action::Delete => c.destroy += 1,
                Action::NoOp | Action::Read => {}
            }
        }
        c
    }

    /// Whether applying would change anything: resources or root outputs (as Terraform's
    /// `-detailed-exitcode` counts them).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
            || self.output_changes.iter().any(|o| o.action != Action::NoOp)
            || (self.mode == PlanMode::RefreshOnly && !self.drift.is_empty())
    }
}
