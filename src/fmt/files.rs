//! `flinkform fmt` over files: discovery, checking, rewriting and diffs.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::{format_source, FormatError};
use crate::diagnostics::Diagnostic;

/// File names `fmt` formats when it is given a directory.
const FORMATTED_SUFFIXES: &[&str] = &[".hcl", ".auto.vars"];

/// What `flinkform fmt` does besides formatting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FmtOptions {
    /// Only report: never write (the caller exits 3 when a file would change).
    pub check: bool,
    /// Print a unified diff of each changed file.
    pub diff: bool,
    /// Descend into subdirectories of the directories given.
    pub recursive: bool,
    /// Rewrite files whose formatting changed (ignored with `check`).
    pub write: bool,
}

/// What `run_fmt` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FmtSummary {
    /// Every file formatted, in the order processed.
    pub files: Vec<PathBuf>,
    /// The files whose formatting differed from the canonical one.
    pub changed_files: Vec<PathBuf>,
}

impl FmtSummary {
    /// Whether any file's formatting differed (for `--check`: exit code 3).
    pub fn changed(&self) -> bool {
        !self.changed_files.is_empty()
    }
}

/// Why `fmt` stopped.
#[derive(Debug, thiserror::Error)]
pub enum FmtError {
    /// The file does not parse.
    #[error("{}:{error}", path.display())]
    Syntax { path: PathBuf, error: FormatError },
    /// The path could not be read or written (or the output could not be written).
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
}

impl FmtError {
    pub fn path(&self) -> &Path {
        match self {
            FmtError::Syntax { path, .. } | FmtError::Io { path, .. } => path,
        }
    }

    /// The error as a diagnostic (with its source position for a syntax error).
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            FmtError::Syntax { path, error } => error.to_diagnostic(&path.display().to_string()),
            FmtError::Io { path, message } => {
                Diagnostic::error("Failed to format", format!("{}: {message}", path.display()))
            }
        }
    }

    fn io(path: &Path, e: impl std::fmt::Display) -> FmtError {
        FmtError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

/// One file read and formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatOutcome {
    pub path: PathBuf,
    pub original: String,
    pub formatted: String,
}

impl FormatOutcome {
    pub fn changed(&self) -> bool {
        self.original != self.formatted
    }
}

/// Reads and formats one file (without writing it).
pub fn format_file(path: &Path) -> Result<FormatOutcome, FmtError> {
    let bytes = std::fs::read(path).map_err(|e| FmtError::io(path, e))?;
    let original = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let valid = String::from_utf8_lossy(&e.as_bytes()[..offset]);
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let error = FormatError {
            message: "invalid UTF-8".to_string(),
            line,
            column,
            offset,
        };
        FmtError::Syntax {
            path: path.to_path_buf(),
            error,
        }
    })?;
    let formatted = format_source(&original).map_err(|error| FmtError::Syntax {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(FormatOutcome {
        path: path.to_path_buf(),
        original,
        formatted,
    })
}

/// A unified diff from `old` to `new`, headed `--- old/PATH` / `+++ new/PATH` as
/// `terraform fmt -diff` prints it; empty when they are equal.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    // Patience keeps diffs of large, much-changed files fast (Myers' is quadratic there);
    // the timeout bounds what remains (the diff is then less minimal, never wrong).
    similar::TextDiff::configure()
        .algorithm(similar::Algorithm::Patience)
        .timeout(std::time::Duration::from_secs(5))
        .diff_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{path}"), &format!("new/{path}"))
        .missing_newline_hint(true)
        .to_string()
}

/// Runs `flinkform fmt` over `paths` (files, or directories whose `*.hcl` and `*.auto.vars`
/// files are taken; subdirectories too with `recursive`; `.` when `paths` is empty). Prints
/// the name of each file whose formatting changes, then its diff with `diff`; rewrites it
/// with `write` unless `check`. Stops at the first file that cannot be read or parsed.
pub fn run_fmt(
    paths: &[PathBuf],
    opts: &FmtOptions,
    out: &mut dyn Write,
) -> Result<FmtSummary, FmtError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    let mut summary = FmtSummary::default();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| FmtError::io(path, format!("no file or directory at this path ({e})")))?;
        let files = if meta.is_dir() {
            discover(path, opts.recursive)?
        } else {
            vec![path.clone()]
        };
        for file in files {
            let outcome = format_file(&file)?;
            if outcome.changed() {
                let shown = file.display().to_string();
                writeln!(out, "{shown}").map_err(|e| FmtError::io(&file, e))?;
                if opts.write && !opts.check {
                    std::fs::write(&file, &outcome.formatted)
                        .map_err(|e| FmtError::io(&file, e))?;
                }
                if opts.diff {
                    let diff = unified_diff(&shown, &outcome.original, &outcome.formatted);
                    out.write_all(diff.as_bytes())
                        .map_err(|e| FmtError::io(&file, e))?;
                }
                summary.changed_files.push(file.clone());
            }
            summary.files.push(file);
        }
    }
    Ok(summary)
}

/// The files `fmt` takes in `dir`, in name order; hidden files and directories and editor
/// backups (`x~`, `#x#`) are skipped, as Terraform skips them.
fn discover(dir: &Path, recursive: bool) -> Result<Vec<PathBuf>, FmtError> {
    let ignored = |name: &str| {
        name.starts_with('.')
            || name.ends_with('~')
            || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
    };
    let walk = walkdir::WalkDir::new(dir)
        .min_depth(1)
        .max_depth(if recursive { usize::MAX } else { 1 })
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !ignored(&e.file_name().to_string_lossy()));
    let mut files = Vec::new();
    for entry in walk {
        let entry = entry.map_err(|e| FmtError::io(e.path().unwrap_or(dir), &e))?;
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && FORMATTED_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            // `./main.hcl` shows as `main.hcl`, as Terraform (Go's `filepath.Join`) shows it.
            let path: PathBuf = entry
                .path()
                .components()
                .filter(|c| *c != Component::CurDir)
                .collect();
            files.push(path);
        }
    }
    Ok(files)
}
