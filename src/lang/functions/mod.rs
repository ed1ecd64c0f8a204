//! Terraform's function library, with unknown and sensitive propagation.

use std::path::PathBuf;

use super::Value;

/// What functions may need from their surroundings.
#[derive(Clone, Debug)]
pub struct FuncContext {
    /// Directory relative paths (file, fileexists, templatefile, ...) are resolved against:
    /// the working directory, as in Terraform.
    pub base_dir: PathBuf,
    /// At plan time `uuid()` and `timestamp()` return unknown values, as in Terraform.
    pub plan_time: bool,
}

/// Why a function call failed. `arg` is the zero-based argument the error is about, if any.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum FuncError {
    #[error("Call to unknown function: there is no function named \"{name}\".{hint}")]
    Unknown { name: String, hint: String },
    #[error("Function \"{name}\" expects {expected} argument(s), got {got}.")]
    Arity { name: String, expected: String, got: usize },
    #[error("Invalid value for argument {}: {message}", arg + 1)]
    Arg { arg: usize, message: String },
    #[error("{0}")]
    Other(String),
}

/// Calls function `name` with evaluated arguments.
pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext) -> Result<Value, FuncError> {
    let _ = (name, args, ctx);
    todo!("function library")
}

/// Names of every function, for "did you mean" hints.
pub fn names() -> &'static [&'static str] {
    &[]
}
