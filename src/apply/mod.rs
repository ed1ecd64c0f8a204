//! The executor: applies a plan.
//!
//! Three phases, each a concurrent walk bounded by `parallelism`:
//! 1. **Deletes** (orphans, and the delete half of delete-then-create replacements), in
//!    reverse dependency order: an object goes only after everything that depended on it
//!    (as recorded in state) is gone.
//! 2. **The configuration walk**: the configuration graph in dependency order; a resource
//!    node is evaluated once its dependencies' operations finished, so its configuration
//!    sees their real values, and its instances' creates/updates run concurrently.
//! 3. **Late deletes**: the old objects of create-before-destroy replacements, after their
//!    replacements and dependents were updated, in reverse dependency order.
//!
//! Each completed operation is recorded in the state journal at once, so an interrupted
//! apply leaves a state that says exactly what completed. When an operation fails, what
//! depends on it is skipped and independent branches finish.

mod executor;
mod hooks;

pub use executor::{apply, ApplyInput, ApplyOutcome};
pub use hooks::{ApplyHooks, Interrupt, OpKind};
