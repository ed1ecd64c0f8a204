//! The command-line layer: argument parsing and dispatch to library code. Every command
//! returns its exit code; all output goes through one [`Printer`].

pub mod backend;
pub mod commands;
pub mod env;
pub mod printer;
pub mod views;

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

pub use printer::Printer;

use crate::config::variables::VarArg;

#[derive(Debug, Parser)]
#[command(
    name = "flinkform",
    version,
    about = "Plan and apply Flink-on-AKS streaming platforms from one HCL configuration"
)]
pub struct Cli {
    /// Switch to DIR before doing anything else (the configuration directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,
    /// Never use colour.
    #[arg(long, global = true)]
    pub no_color: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// `--var` and `--var-file`, in the order given.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct VarFlags {
    /// Set an input variable: NAME=VALUE. Repeatable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Read input variables from a file. Repeatable.
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
    /// Both kinds in command-line order (later ones win), filled in after parsing.
    #[arg(skip)]
    pub ordered: Vec<VarArg>,
}

impl VarFlags {
    /// Orders `--var` and `--var-file` as they were given, from clap's argument indices.
    fn order_from(&mut self, matches: &clap::ArgMatches) {
        let mut all: Vec<(usize, VarArg)> = Vec::new();
        if let Some(ix) = matches.indices_of("vars") {
            all.extend(ix.zip(&self.vars).map(|(i, v)| (i, VarArg::Var(v.clone()))));
        }
        if let Some(ix) = matches.indices_of("var_files") {
            all.extend(
                ix.zip(&self.var_files)
                    .map(|(i, f)| (i, VarArg::VarFile(f.clone()))),
            );
        }
        all.sort_by_key(|(i, _)| *i);
        self.ordered = all.into_iter().map(|(_, a)| a).collect();
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration: syntax, references, types, schemas.
    Validate {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Rewrite configuration files in the canonical format.
    Fmt {
        /// Only check: exit 3 if any file is not formatted.
        #[arg(long)]
        check: bool,
        /// Print the changes as a unified diff.
        #[arg(long)]
        diff: bool,
        /// Also format files in subdirectories.
        #[arg(long)]
        recursive: bool,
        /// Files or directories (default: the configuration directory).
        paths: Vec<PathBuf>,
    },
    /// Print the dependency graph in DOT format.
    Graph {
        #[command(flatten)]
        vars: VarFlags,
    },
    /// Show what applying the configuration would change.
    Plan {
        #[command(flatten)]
        flags: commands::plan::PlanFlags,
        /// Write the plan to FILE, for `flinkform apply FILE`.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print the plan as JSON (see docs/plan-json.md).
        #[arg(long)]
        json: bool,
        /// Exit 0 when nothing would change, 1 on errors, 2 when something would change.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Make the changes: plan, show, ask, apply (or apply a saved plan without asking).
    Apply {
        #[command(flatten)]
        flags: commands::plan::PlanFlags,
        /// Apply without asking for confirmation.
        #[arg(long)]
        auto_approve: bool,
        /// A plan saved with `plan --out FILE`.
        plan_file: Option<PathBuf>,
    },
    /// Destroy every object the state records.
    Destroy {
        #[command(flatten)]
        flags: commands::plan::PlanFlags,
        #[arg(long)]
        auto_approve: bool,
    },
    /// Update the state to match the real objects, changing nothing.
    Refresh {
        #[command(flatten)]
        flags: commands::plan::PlanFlags,
    },
    /// Print the flinkform version.
    Version {
        #[arg(long)]
        json: bool,
    },
    /// Read and edit the state: list, show, rm, mv.
    State {
        #[command(subcommand)]
        command: commands::state::StateCommand,
    },
    /// Print the root module's output values from the state.
    Output(commands::output::OutputArgs),
    /// Show the current state (or a saved state file) in human form or as JSON.
    Show {
        /// Print as JSON (sensitive values left out).
        #[arg(long)]
        json: bool,
        /// Print a saved plan as a compact Markdown summary for a pull-request comment.
        #[arg(long, conflicts_with = "json")]
        markdown: bool,
        /// A saved plan (`plan --out FILE`) or a state file to show instead of the configured state.
        #[arg(value_name = "PATH")]
        path: Option<PathBuf>,
    },
    /// Bring an existing object under management: record it in the state at ADDRESS.
    Import(commands::import::ImportArgs),
    /// Remove a state lock that its holder can no longer release.
    ForceUnlock {
        /// Do not ask for confirmation.
        #[arg(long)]
        force: bool,
        /// The lock's ID, as the error that reported the lock shows it.
        #[arg(value_name = "LOCK_ID")]
        id: String,
        /// Use the state file at PATH instead of the configured backend's.
        #[arg(long = "state", value_name = "PATH")]
        state: Option<PathBuf>,
    },
}

impl Command {
    /// The variable flags of commands that take them.
    fn var_flags(&mut self) -> Option<&mut VarFlags> {
        match self {
            Command::Graph { vars } => Some(vars),
            Command::Plan { flags, .. }
            | Command::Apply { flags, .. }
            | Command::Destroy { flags, .. }
            | Command::Refresh { flags } => Some(&mut flags.vars),
            Command::Import(args) => Some(&mut args.vars),
            _ => None,
        }
    }
}

/// Parses arguments and runs the command; returns the process exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let cli = match parsed {
        Ok((mut cli, matches)) => {
            if let (Some(vars), Some((_, sub))) = (cli.command.var_flags(), matches.subcommand()) {
                vars.order_from(sub);
            }
            cli
        }
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let color = !cli.no_color
        && std::env::var_os(env::NO_COLOR).is_none()
        && std::io::stdout().is_terminal();
    let mut printer = Printer::stdio(color);
    run_with(cli, &mut printer)
}

/// Runs a parsed command line with the given printer (tests pass a capturing printer).
pub fn run_with(cli: Cli, printer: &mut Printer) -> i32 {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            printer.error("Cannot read the working directory", &e.to_string());
            return 1;
        }
    };
    // As Terraform's -chdir: everything after this, relative paths included, is as if the
    // command had been started in DIR.
    let cwd = match &cli.chdir {
        Some(d) => match std::env::set_current_dir(d).and_then(|_| std::env::current_dir()) {
            Ok(d) => d,
            Err(e) => {
                printer.error(
                    "Invalid --chdir",
                    &format!("Cannot change to {}: {e}.", d.display()),
                );
                return 1;
            }
        },
        None => cwd,
    };
    let ctx = commands::Context {
        dir: cwd.clone(),
        cwd,
    };
    match cli.command {
        Command::Validate { json } => commands::validate::run(&ctx, json, printer),
        Command::Fmt {
            check,
            diff,
            recursive,
            paths,
        } => commands::fmt::run(check, diff, recursive, &paths, printer),
        Command::Graph { vars } => commands::graph::run(&ctx, &vars, printer),
        Command::Version { json } => commands::version::run(json, printer),
        Command::Plan {
            flags,
            out,
            json,
            detailed_exitcode,
        } => commands::plan::run(&ctx, &flags, out.as_ref(), json, detailed_exitcode, printer),
        Command::Apply {
            flags,
            auto_approve,
            plan_file,
        } => commands::apply::run(
            &ctx,
            commands::apply::Verb::Apply,
            &flags,
            plan_file.as_ref(),
            auto_approve,
            printer,
        ),
        Command::Destroy {
            flags,
            auto_approve,
        } => commands::apply::run(
            &ctx,
            commands::apply::Verb::Destroy,
            &flags,
            None,
            auto_approve,
            printer,
        ),
        Command::Refresh { flags } => commands::apply::run(
            &ctx,
            commands::apply::Verb::Refresh,
            &flags,
            None,
            true,
            printer,
        ),
        Command::State { command } => commands::state::run(&ctx, &command, printer),
        Command::Output(args) => commands::output::run(&ctx, &args, printer),
        Command::Show {
            json,
            markdown,
            path,
        } => commands::show::run(&ctx, path.as_deref(), json, markdown, printer),
        Command::Import(args) => commands::import::run(&ctx, &args, printer),
        Command::ForceUnlock { force, id, state } => {
            commands::force_unlock::run(&ctx, &id, force, state, printer)
        }
    }
}
