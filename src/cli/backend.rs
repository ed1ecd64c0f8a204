//! Choosing the state backend and taking its lock for a command, as Terraform does:
//!
//! 1. `--state PATH` wins;
//! 2. else `flinkform { backend "local" { path = "..." } }` in the root module;
//! 3. else `state/default.json` under the configuration directory.
//!
//! Relative paths are relative to the configuration directory (the working directory after
//! `--chdir`). "local" is the only backend type.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::commands::Context;
use crate::config::variables::eval_constant;
use crate::config::{load_config, Backend, Settings};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, SourceMap};
use crate::lang::ValueKind;
use crate::providers::builtin::parse_duration;
use crate::state::{Loaded, LocalBackend, StateError, StateLock};

/// The backend types flinkform knows.
const BACKEND_TYPES: &[&str] = &["local"];

/// Arguments of the "local" backend.
const LOCAL_ARGUMENTS: &[&str] = &["path"];

/// `--state`, `--lock` and `--lock-timeout`, for commands that change the state.
#[derive(Debug, Clone, clap::Args)]
pub struct StateFlags {
    /// Use the state file at PATH instead of the configured backend's.
    #[arg(long = "state", value_name = "PATH")]
    pub state: Option<PathBuf>,
    /// Hold the state lock during the operation (`--lock=false` to skip it: dangerous if
    /// another run may use the same state).
    #[arg(
        long = "lock",
        value_name = "BOOL",
        default_value_t = true,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        action = clap::ArgAction::Set
    )]
    pub lock: bool,
    /// How long to retry taking the state lock, e.g. "30s" (default: fail at once).
    #[arg(
        long = "lock-timeout",
        value_name = "DURATION",
        default_value = "0s",
        value_parser = parse_lock_timeout
    )]
    pub lock_timeout: Duration,
}

impl StateFlags {
    /// The flags of a command that only reads the state: a `--state` path, no locking.
    pub fn read_only(state: Option<PathBuf>) -> StateFlags {
        StateFlags {
            state,
            lock: false,
            lock_timeout: Duration::ZERO,
        }
    }
}

impl Default for StateFlags {
    fn default() -> Self {
        StateFlags {
            state: None,
            lock: true,
            lock_timeout: Duration::ZERO,
        }
    }
}

fn parse_lock_timeout(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

/// The backend for `flags` and the configuration's root `settings` (see the module docs).
pub fn open_backend(
    ctx: &Context,
    settings: Option<&Settings>,
    flags: &StateFlags,
) -> Result<LocalBackend, Diagnostics> {
    if let Some(path) = &flags.state {
        // Relative to the working directory, which is the process's.
        return Ok(LocalBackend::new(path));
    }
    match settings.and_then(|s| s.backend.as_ref()) {
        Some(backend) => configured_backend(ctx, backend),
        None => Ok(LocalBackend::new(in_config_dir(
            ctx,
            &LocalBackend::default_path(Path::new("")),
        ))),
    }
}

/// `path` relative to the configuration directory, kept relative when that is the working
/// directory so that messages show short paths, as Terraform's do.
fn in_config_dir(ctx: &Context, path: &Path) -> PathBuf {
    if ctx.dir == ctx.cwd {
        path.to_path_buf()
    } else {
        ctx.dir.join(path)
    }
}

fn configured_backend(ctx: &Context, backend: &Backend) -> Result<LocalBackend, Diagnostics> {
    let context = format!("backend {:?}", backend.type_name);
    if !BACKEND_TYPES.contains(&backend.type_name.as_str()) {
        return Err(Diagnostic::error(
            "Unsupported backend type",
            format!(
                "There is no backend type named {:?}. flinkform supports only the \"local\" backend, \
                 which keeps the state in a file.{}",
                backend.type_name,
                did_you_mean(&backend.type_name, BACKEND_TYPES.iter().copied())
            ),
        )
        .with_subject(backend.decl_range.clone())
        .into());
    }
    let mut diags = Diagnostics::new();
    for a in &backend.body.attributes {
        if !LOCAL_ARGUMENTS.contains(&a.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!(
                        "An argument named {:?} is not expected here: the \"local\" backend takes only \"path\".{}",
                        a.name,
                        did_you_mean(&a.name, LOCAL_ARGUMENTS.iter().copied())
                    ),
                )
                .with_subject(a.name_range.clone())
                .with_context(context.clone()),
            );
        }
    }
    for b in &backend.body.blocks {
        diags.push(
            Diagnostic::error(
                "Unsupported block type",
                format!(
                    "Blocks of type {:?} are not expected here: the \"local\" backend takes only \"path\".",
                    b.type_name
                ),
            )
            .with_subject(b.type_range.clone())
            .with_context(context.clone()),
        );
    }
    let path = match backend.body.attribute("path") {
        None => Some(in_config_dir(
            ctx,
            &LocalBackend::default_path(Path::new("")),
        )),
        Some(a) => match eval_constant(&a.expr.expr, &a.expr.file) {
            Err(d) => {
                diags.extend(d.in_context(&context));
                None
            }
            Ok(value) => match value.kind() {
                ValueKind::String(s) if !s.is_empty() && !value.is_sensitive() => {
                    Some(in_config_dir(ctx, Path::new(s)))
                }
                _ => {
                    diags.push(
                        Diagnostic::error(
                            "Invalid backend path",
                            format!(
                                "The \"path\" of the \"local\" backend must be a non-empty string, the path of \
                                 the state file; this is {}.",
                                describe(&value)
                            ),
                        )
                        .with_subject(a.expr.range())
                        .with_context(context.clone()),
                    );
                    None
                }
            },
        },
    };
    match path {
        Some(path) if !diags.has_errors() => Ok(LocalBackend::new(path)),
        _ => Err(diags),
    }
}

/// What a value that is not a usable path is, for the error.
fn describe(value: &crate::lang::Value) -> String {
    if value.is_sensitive() {
        "a sensitive value".to_string()
    } else if value.is_null() {
        "null".to_string()
    } else if value.as_str() == Some("") {
        "an empty string".to_string()
    } else {
        format!("a value of type {}", value.ty())
    }
}

/// For commands that need the state but not the rest of the configuration: the backend, with
/// the configuration loaded only to read its backend settings (not at all with `--state`).
/// On failure, the diagnostics and the sources they point into.
pub fn backend_for_command(
    ctx: &Context,
    flags: &StateFlags,
) -> Result<LocalBackend, (Diagnostics, SourceMap)> {
    if flags.state.is_some() {
        return open_backend(ctx, None, flags).map_err(|d| (d, SourceMap::new()));
    }
    // A configuration that does not load might hide its backend: guessing the default state
    // could then show or change the wrong one.
    let (config, diags) = load_config(&ctx.dir);
    if diags.has_errors() {
        return Err((diags, config.sources));
    }
    open_backend(ctx, config.root.settings.as_ref(), flags).map_err(|d| (d, config.sources))
}

/// Takes the state lock for `operation` as `flags` say: `None` with `--lock=false`, waiting up
/// to `--lock-timeout` otherwise. The error names the holder, and says when the lock is stale.
pub fn lock_state(
    backend: &LocalBackend,
    operation: &str,
    flags: &StateFlags,
) -> Result<Option<StateLock>, Diagnostics> {
    if !flags.lock {
        return Ok(None);
    }
    backend
        .lock(operation, flags.lock_timeout)
        .map(Some)
        .map_err(|e| lock_error(&e))
}

/// Takes the lock for writing the state if the operation runs without one (`--lock=false`):
/// the state library writes only under the lock, so this takes it for the write alone, without
/// waiting.
pub fn lock_for_write(
    backend: &LocalBackend,
    operation: &str,
    held: Option<StateLock>,
) -> Result<StateLock, Diagnostics> {
    match held {
        Some(lock) => Ok(lock),
        None => backend
            .lock(operation, Duration::ZERO)
            .map_err(|e| lock_error(&e)),
    }
}

/// A lock error as a diagnostic.
pub fn lock_error(e: &StateError) -> Diagnostics {
    let mut detail = e.to_string();
    if matches!(e, StateError::Locked { .. }) {
        detail.push_str(
            "\n\nflinkform acquires a state lock to protect the state from being written by several runs \
             at the same time. Please resolve the issue above and try again. For most commands, you can \
             disable locking with the \"--lock=false\" flag, but this is not recommended.",
        );
    }
    Diagnostic::error("Error acquiring the state lock", detail).into()
}

/// A state error other than locking as a diagnostic with `summary`.
pub fn state_error(summary: &str, e: &StateError) -> Diagnostics {
    Diagnostic::error(summary, e.to_string()).into()
}

/// Reads the state. Changes replayed from the journal of an unfinished apply come back as a
/// warning.
pub fn load_state(backend: &LocalBackend) -> Result<(Loaded, Diagnostics), Diagnostics> {
    let loaded = backend
        .load()
        .map_err(|e| state_error("Error loading the state", &e))?;
    let mut warnings = Diagnostics::new();
    if let Some(r) = &loaded.recovery {
        warnings.push(Diagnostic::warning(
            "State includes an unfinished apply",
            format!(
                "The state includes {} change(s) recorded in {} by an apply that is still running or did \
                 not finish.",
                r.changes,
                r.journal.display()
            ),
        ));
    }
    Ok((loaded, warnings))
}
