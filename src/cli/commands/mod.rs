//! One module per command. Each takes the parsed flags and a [`Printer`], calls library code,
//! and returns the exit code.

pub mod fmt;
pub mod graph;
pub mod validate;
pub mod version;

use std::path::PathBuf;

use crate::config::{load_config, Config};
use crate::diagnostics::Diagnostics;
use crate::graph::build::build_config_graph;
use crate::graph::ConfigGraph;

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
