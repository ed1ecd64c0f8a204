//! `flinkform apply [FILE]`, `flinkform destroy`, `flinkform refresh`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

use super::plan::{make_plan, prepare, runtime, PlanFlags, Prepared};
use super::Context;
use crate::addrs::AbsResourceInstance;
use crate::apply::{apply, ApplyInput, ApplyOutcome, Interrupt};
use crate::cli::backend::{lock_for_write, state_error};
use crate::cli::views::progress::ProgressView;
use crate::cli::Printer;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap};
use crate::plan::file::PlanFile;
use crate::plan::planner::Planned;
use crate::plan::render::human::{render_plan, HumanOptions};
use crate::plan::{Plan, PlanMode};
use crate::state::{LocalBackend, StateError, SyncPolicy};

/// Which command is applying.
#[derive(Clone, Copy, PartialEq)]
pub enum Verb {
    Apply,
    Destroy,
    Refresh,
}

/// `apply`, `destroy` and `refresh`: plan (or read the plan file), show, confirm, apply.
pub fn run(
    ctx: &Context,
    verb: Verb,
    flags: &PlanFlags,
    plan_file: Option<&PathBuf>,
    auto_approve: bool,
    printer: &mut Printer,
) -> i32 {
    let mut diags = Diagnostics::new();
    let fail = |printer: &mut Printer, diags: &Diagnostics, sources: &SourceMap| {
        printer.diagnostics(diags, sources);
        1
    };
    let saved = match plan_file.map(|p| PlanFile::read(p)) {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => {
            return fail(
                printer,
                &Diagnostic::error("Failed to read the plan file", e.to_string()).into(),
                &SourceMap::new(),
            )
        }
    };
    let mut flags = flags.clone();
    if let Some(f) = &saved {
        flags.targets = f.targets.clone();
        flags.replace = f.replace.clone();
    }
    let opts = match flags.options(verb == Verb::Destroy) {
        Ok(mut o) => {
            if verb == Verb::Refresh {
                o.mode = PlanMode::RefreshOnly;
            }
            o
        }
        Err(d) => return fail(printer, &d, &SourceMap::new()),
    };
    let operation = match verb {
        Verb::Apply => "apply",
        Verb::Destroy => "destroy",
        Verb::Refresh => "refresh",
    };
    let prepared = match prepare(
        ctx,
        &flags,
        saved.as_ref().map(|f| f.variables.clone()),
        operation,
        &mut diags,
    ) {
        Ok(p) => p,
        Err(sources) => return fail(printer, &diags, &sources),
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            return fail(
                printer,
                &Diagnostic::error("Cannot start", e.to_string()).into(),
                &SourceMap::new(),
            )
        }
    };
    let planned = match saved {
        Some(f) => {
            if let Err(d) = check_not_stale(&f, &prepared) {
                return fail(printer, &d, &prepared.config.sources);
            }
            Planned {
                plan: f.plan,
                refreshed: f.refreshed,
            }
        }
        None => match make_plan(ctx, &prepared, &opts, &rt) {
            Ok((planned, d)) => {
                diags.extend(d);
                planned
            }
            Err(d) => {
                diags.extend(d);
                return fail(printer, &diags, &prepared.config.sources);
            }
        },
    };
    printer.diagnostics(&diags, &prepared.config.sources);
    let from_file = plan_file.is_some();
    if !from_file {
        printer.out(&render_plan(
            &planned.plan,
            &HumanOptions {
                color: printer.color,
            },
        ));
        if !planned.plan.has_changes() && planned.plan.drift.is_empty() {
            return 0;
        }
        if !auto_approve && !confirm(verb, printer) {
            printer.error(&format!("{} cancelled.", title(verb)), "");
            return 1;
        }
    }
    execute(ctx, verb, &flags, prepared, planned, &rt, printer)
}

/// Refuses a plan file made against another configuration or state.
fn check_not_stale(f: &PlanFile, p: &Prepared) -> Result<(), Diagnostics> {
    if f.config_digest != p.config_digest {
        return Err(Diagnostic::error(
            "Saved plan is stale",
            "The configuration has changed since this plan was made. Make a new plan with \"flinkform plan --out FILE\".",
        )
        .into());
    }
    // A plan made against no state at all applies while there still is none.
    let both_empty =
        f.prior_serial == 0 && p.state.serial == 0 && p.state.is_empty() && f.refreshed.is_empty();
    if !both_empty && (f.prior_lineage != p.state.lineage || f.prior_serial != p.state.serial) {
        return Err(Diagnostic::error(
            "Saved plan is stale",
            format!(
                "The state has changed since this plan was made (it was made against serial {} of lineage {}; the state is now at serial {} of lineage {}). Make a new plan with \"flinkform plan --out FILE\".",
                f.prior_serial, f.prior_lineage, p.state.serial, p.state.lineage
            ),
        )
        .into());
    }
    Ok(())
}

fn title(verb: Verb) -> &'static str {
    match verb {
        Verb::Apply => "Apply",
        Verb::Destroy => "Destroy",
        Verb::Refresh => "Refresh",
    }
}

/// Asks for `yes` on standard input, as Terraform does.
fn confirm(verb: Verb, printer: &mut Printer) -> bool {
    let question = match verb {
        Verb::Destroy => "Do you really want to destroy all resources?\n  flinkform will destroy all your managed infrastructure, as shown above.\n  There is no undo. Only 'yes' will be accepted to confirm.",
        _ => "Do you want to perform these actions?\n  flinkform will perform the actions described above.\n  Only 'yes' will be accepted to approve.",
    };
    printer.out(&format!("\n{question}\n\n  Enter a value: "));
    let mut answer = String::new();
    let read = std::io::stdin().lock().read_line(&mut answer);
    if !std::io::stdin().is_terminal() {
        printer.out("\n");
    }
    read.is_ok() && answer.trim() == "yes"
}

/// Runs the apply and reports it.
fn execute(
    ctx: &Context,
    verb: Verb,
    flags: &PlanFlags,
    prepared: Prepared,
    planned: Planned,
    rt: &tokio::runtime::Runtime,
    printer: &mut Printer,
) -> i32 {
    let Prepared {
        config,
        graph,
        root_variables,
        providers,
        backend,
        lock,
        ..
    } = prepared;
    let lock = match lock_for_write(&backend, title(verb), lock) {
        Ok(l) => l,
        Err(d) => {
            printer.diagnostics(&d, &config.sources);
            return 1;
        }
    };
    let writer = match backend.writer(planned.refreshed.clone(), &lock, SyncPolicy::default()) {
        Ok(w) => w,
        Err(e) => {
            printer.diagnostics(
                &state_error("Failed to open the state for writing", &e),
                &config.sources,
            );
            return 1;
        }
    };
    let interrupt = Arc::new(Interrupt::default());
    // On a terminal, a live status line shows what is running.
    let live = std::io::stdout().is_terminal();
    let hooks = Arc::new(ProgressView::new(
        Box::new(std::io::stdout()),
        printer.color,
        live,
    ));
    let plan: &Plan = &planned.plan;
    let input = ApplyInput {
        config: &config,
        graph: &graph,
        root_variables: &root_variables,
        providers: &providers,
        plan,
        prior: &planned.refreshed,
        cwd: ctx.cwd.clone(),
        parallelism: flags.parallelism,
        writer: &writer,
        hooks: hooks.clone(),
        interrupt: interrupt.clone(),
    };
    printer.out("\n");
    let (outcome, diags) = rt.block_on(async {
        let watcher = tokio::spawn(watch_interrupts(interrupt.clone()));
        let result = apply(&input).await;
        watcher.abort();
        result
    });
    hooks.finish();
    let finished = writer.finish();
    printer.diagnostics(&diags, &config.sources);
    let state = match finished {
        Ok(f) => {
            report_kept(&f.kept_in_backup, &backend, &config.sources, printer);
            f.state
        }
        Err(e) => {
            printer.diagnostics(
                &state_error("Failed to save the state", &e),
                &config.sources,
            );
            return 1;
        }
    };
    drop(lock);
    report(verb, &outcome, printer);
    if outcome.failed.is_empty() && !outcome.interrupted && !diags.has_errors() {
        print_outputs(&state, printer);
        0
    } else {
        1
    }
}

/// Names the objects whose leftovers (a job's final savepoint) were written into the backup.
fn report_kept(
    kept: &Result<Vec<AbsResourceInstance>, StateError>,
    backend: &LocalBackend,
    sources: &SourceMap,
    printer: &mut Printer,
) {
    match kept {
        Ok(kept) if kept.is_empty() => {}
        Ok(kept) => {
            let mut text = format!(
                "\nThe state backup {} keeps what these destroyed objects left behind:\n",
                backend.backup_path().display()
            );
            for a in kept {
                text.push_str(&format!("  {a}\n"));
            }
            printer.out(&text);
        }
        Err(e) => printer.diagnostics(
            &Diagnostic::warning(
                "Failed to keep what destroyed objects left behind in the state backup",
                format!("The state was saved; the backup was not updated: {e}"),
            )
            .into(),
            sources,
        ),
    }
}

/// Ctrl-C once: start nothing new; twice: stop at once (the journal keeps what completed).
async fn watch_interrupts(interrupt: Arc<Interrupt>) {
    loop {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        if interrupt.signal() == 1 {
            eprintln!("\nInterrupt received.\nPlease wait for flinkform to exit or data loss may occur.\nGracefully shutting down...");
        } else {
            eprintln!("\nTwo interrupts received. Exiting immediately. The state records every operation that completed.");
            std::process::exit(130);
        }
    }
}

fn report(verb: Verb, o: &ApplyOutcome, printer: &mut Printer) {
    let counts = match verb {
        Verb::Destroy => format!("Resources: {} destroyed.", o.destroyed),
        _ => format!(
            "Resources: {} added, {} changed, {} destroyed.",
            o.added, o.changed, o.destroyed
        ),
    };
    if o.failed.is_empty() && !o.interrupted {
        let done = match verb {
            Verb::Destroy => "Destroy complete!",
            _ => "Apply complete!",
        };
        printer.success(&format!("\n{done} {counts}"));
        return;
    }
    let mut text = format!(
        "\n{} {}\n",
        if o.interrupted {
            "Apply interrupted."
        } else {
            "Apply failed."
        },
        counts
    );
    if !o.failed.is_empty() {
        text.push_str("\nFailed:\n");
        for a in &o.failed {
            text.push_str(&format!("  {a}\n"));
        }
    }
    if !o.skipped.is_empty() {
        text.push_str(
            "\nNot applied (they depend on a failed operation, or the apply was interrupted):\n",
        );
        let mut skipped = o.skipped.clone();
        skipped.sort();
        skipped.dedup();
        for a in &skipped {
            text.push_str(&format!("  {a}\n"));
        }
    }
    printer.out(&text);
}

fn print_outputs(state: &crate::state::State, printer: &mut Printer) {
    if state.outputs.is_empty() {
        return;
    }
    let mut text = String::from("\nOutputs:\n\n");
    for (name, o) in &state.outputs {
        let shown = if o.sensitive {
            "<sensitive>".to_string()
        } else {
            o.value()
                .map(|v| v.to_string())
                .unwrap_or_else(|_| o.value.to_string())
        };
        text.push_str(&format!("{name} = {shown}\n"));
    }
    printer.out(&text);
}
