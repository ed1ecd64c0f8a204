//! flinkform: one HCL configuration for a whole Flink-on-AKS streaming platform.
//!
//! Layers, from the bottom up:
//! - [`diagnostics`]: errors and warnings as values, with source ranges and caret rendering.
//! - [`addrs`]: typed addresses of modules, resources, instances and referenceable things.
//! - [`lang`]: values (with unknown and sensitive marks), types, conversion, functions,
//!   reference extraction and expression evaluation over hcl-edit's syntax tree.
//! - [`config`]: loading a directory of `*.hcl` files (and local modules) into typed
//!   configuration that keeps expressions raw until the graph walk; variables.
//! - [`fmt`]: the canonical formatter behind `flinkform fmt`.
//! - [`providers`]: the provider interface and the built-in provider.
//! - [`graph`]: the dependency graph, its transforms, expansion and walks.
//! - [`cli`]: the thin command-line layer.

pub mod addrs;
pub mod apply;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod fmt;
pub mod graph;
pub mod lang;
pub mod plan;
pub mod providers;
pub mod state;
