//! Environment variable names flinkform reads.

/// Prefix of input variable values: `FLINKFORM_VAR_region=westeurope`.
pub const VAR_PREFIX: &str = "FLINKFORM_VAR_";
/// Disables colour when set to anything (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
