//! `flinkform fmt [--check] [--diff] [--recursive] [PATH...]`

use std::path::PathBuf;

use crate::cli::Printer;
use crate::diagnostics::{SourceFile, SourceMap};
use crate::fmt::{run_fmt, FmtError, FmtOptions};

/// Exit code of `--check` when a file is not formatted, as Terraform's.
const CHECK_FAILED: i32 = 3;

/// With no paths, formats the configuration directory, which `--chdir` made the working
/// directory: `run_fmt` takes it as ".", so file names print relative, as Terraform's do.
pub fn run(
    check: bool,
    diff: bool,
    recursive: bool,
    paths: &[PathBuf],
    printer: &mut Printer,
) -> i32 {
    let opts = FmtOptions {
        check,
        diff,
        recursive,
        write: !check,
    };
    match run_fmt(paths, &opts, printer.out_writer()) {
        Ok(summary) if check && summary.changed() => CHECK_FAILED,
        Ok(_) => 0,
        Err(e) => {
            let mut sources = SourceMap::new();
            if let FmtError::Syntax { path, .. } = &e {
                if let Ok(text) = std::fs::read_to_string(path) {
                    sources.insert(SourceFile::new(path.display().to_string(), text));
                }
            }
            printer.diagnostics(&e.to_diagnostic().into(), &sources);
            1
        }
    }
}
