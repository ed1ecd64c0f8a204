//! `flinkform force-unlock [--force] ID`: removes a state lock left by a run that can no longer
//! release it, after confirmation (`yes` on stdin) unless `--force`.

use std::io::BufRead;
use std::path::PathBuf;

use super::Context;
use crate::cli::backend::{backend_for_command, StateFlags};
use crate::cli::Printer;
use crate::state::lock::read_lock;
use crate::state::StateError;

pub fn run(
    ctx: &Context,
    id: &str,
    force: bool,
    state: Option<PathBuf>,
    printer: &mut Printer,
) -> i32 {
    let backend = match backend_for_command(ctx, &StateFlags::read_only(state)) {
        Ok(b) => b,
        Err((diags, sources)) => {
            printer.diagnostics(&diags, &sources);
            return 1;
        }
    };
    // Refuse a wrong ID or a missing lock before asking anything.
    let holder = match read_lock(&backend.lock_path()) {
        Ok(Some(holder)) if holder.id == id => holder,
        Ok(Some(holder)) => {
            return failed(
                printer,
                &StateError::LockIdMismatch {
                    path: backend.lock_path(),
                    given: id.to_string(),
                    actual: holder.id,
                },
            )
        }
        Ok(None) => {
            return failed(
                printer,
                &StateError::NotLocked {
                    path: backend.lock_path(),
                },
            )
        }
        Err(e) => return failed(printer, &e),
    };
    if !force {
        let stale = if holder.is_stale() {
            " That process is no longer running."
        } else {
            ""
        };
        printer.out(&format!(
            "Do you really want to force-unlock?\n  flinkform will remove the lock on the state, held by {} \
             (pid {} on {}) for {:?} since {}.{stale}\n  This will allow flinkform commands to modify this \
             state, even though it may still be in use.\n  Only 'yes' will be accepted to confirm.\n\n  \
             Enter a value: ",
            holder.who, holder.pid, holder.host, holder.operation, holder.created
        ));
        let mut answer = String::new();
        if let Err(e) = std::io::stdin().lock().read_line(&mut answer) {
            printer.error("Error asking for confirmation", &e.to_string());
            return 1;
        }
        printer.out("\n");
        if answer.trim() != "yes" {
            printer.info("force-unlock cancelled.");
            return 1;
        }
    }
    match backend.force_unlock(id) {
        Ok(_) => {
            printer.success("flinkform state has been successfully unlocked!");
            printer.info(
                "\nThe state has been unlocked, and flinkform commands should now be able to\nobtain a new lock on the state.",
            );
            0
        }
        Err(e) => failed(printer, &e),
    }
}

fn failed(printer: &mut Printer, e: &StateError) -> i32 {
    printer.error("Failed to unlock state", &e.to_string());
    1
}
