//! One module per command. Each takes the parsed flags and a [`Printer`], calls library code,
//! and returns the exit code.

pub mod apply;
pub mod fmt;
pub mod force_unlock;
pub mod graph;
pub mod import;
pub mod output;
pub mod plan;
pub mod show;
pub mod state;
pub mod validate;
pub mod version;

use std::path::PathBuf;

use std::collections::BTreeMap;

use crate::cli::VarFlags;
use crate::config::variables::{self, collect_raw_variables};
use crate::config::{load_config, Config};
use crate::diagnostics::Diagnostics;
use crate::graph::build::build_config_graph;
use crate::graph::ConfigGraph;
use crate::lang::Value;

/// Where a command runs.
pub struct Context {
    /// The configuration directory.
    pub dir: PathBuf,
    /// The working directory (the same as `dir`: `--chdir` changes into it).
    pub cwd: PathBuf,
}

/// Loads the configuration and builds its graph; stops early on load errors so that
/// reference errors are not reported against a half-loaded configuration.
pub fn load_and_build(ctx: &Context) -> (Config, Option<ConfigGraph>, Diagnostics) {
    let (config, mut diags) = load_config(&ctx.dir);
    if diags.has_errors() {
        return (config, None, diags);
    }
    let (graph, gdiags) = build_config_graph(&config);
    diags.extend(gdiags);
    (config, Some(graph), diags)
}

/// The root module's variable values from the environment, `*.auto.vars` files and the
/// command line, converted and validated; `None` when any of that failed. Warnings (values
/// for undeclared variables in files) come back either way.
pub fn resolve_root_variables(
    config: &mut Config,
    vars: &VarFlags,
) -> (Option<BTreeMap<String, Value>>, Diagnostics) {
    let (raw, mut diags) = collect_raw_variables(
        &config.root,
        std::env::vars(),
        &vars.ordered,
        &mut config.sources,
    );
    if diags.has_errors() {
        return (None, diags);
    }
    match variables::resolve_root_variables(&config.root, &raw) {
        Ok(values) => (Some(values), diags),
        Err(d) => {
            diags.extend(d);
            (None, diags)
        }
    }
}
