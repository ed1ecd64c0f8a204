//! `flinkform plan`, and what `apply`, `destroy` and `refresh` share with it: loading,
//! variables, the state, and making the plan.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{load_and_build, resolve_root_variables, Context};
use crate::addrs::{AbsResourceInstance, Targetable};
use crate::cli::backend::{load_state, lock_state, open_backend, StateFlags};
use crate::cli::{Printer, VarFlags};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap};
use crate::graph::walk::ProviderSet;
use crate::graph::ConfigGraph;
use crate::lang::Value;
use crate::plan::file::{config_digest, PlanFile};
use crate::plan::planner::{plan, PlanInput, PlanOptions, Planned};
use crate::plan::render::human::{render_plan, HumanOptions};
use crate::plan::render::json::plan_json;
use crate::plan::PlanMode;
use crate::state::{LocalBackend, State, StateLock};

/// The flags of every command that plans.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PlanFlags {
    #[command(flatten)]
    pub vars: VarFlags,
    #[command(flatten)]
    pub state: StateFlags,
    /// Plan only this resource, instance or module and what it depends on. Repeatable.
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,
    /// Plan to replace this resource instance even if nothing changed. Repeatable.
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,
    /// Read the real objects before planning (`--refresh=false` uses the state as recorded).
    #[arg(long, value_name = "BOOL", default_value_t = true, num_args = 0..=1, require_equals = true,
          default_missing_value = "true", action = clap::ArgAction::Set)]
    pub refresh: bool,
    /// Only update the state to match the real objects; change nothing.
    #[arg(long)]
    pub refresh_only: bool,
    /// Plan to destroy every object in the state.
    #[arg(long)]
    pub destroy: bool,
    /// How many operations run at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
}

impl PlanFlags {
    /// The planner's options, with addresses parsed.
    pub fn options(&self, destroy: bool) -> Result<PlanOptions, Diagnostics> {
        let mut diags = Diagnostics::new();
        let mut parse_err = |flag: &str, text: &str, e: String| {
            diags.push(Diagnostic::error(
                format!("Invalid {flag} address"),
                format!("{text:?}: {e}"),
            ));
        };
        let mut targets = Vec::new();
        for t in &self.targets {
            match t.parse::<Targetable>() {
                Ok(a) => targets.push(a),
                Err(e) => parse_err("--target", t, e.reason),
            }
        }
        let mut replace = Vec::new();
        for r in &self.replace {
            match r.parse::<AbsResourceInstance>() {
                Ok(a) => replace.push(a),
                Err(e) => parse_err("--replace", r, e.reason),
            }
        }
        if self.refresh_only && (destroy || self.destroy) {
            diags.push(Diagnostic::error(
                "Incompatible plan options",
                "--refresh-only and --destroy cannot be used together.",
            ));
        }
        if self.parallelism == 0 {
            diags.push(Diagnostic::error(
                "Invalid --parallelism",
                "The parallelism must be at least 1.",
            ));
        }
        if diags.has_errors() {
            return Err(diags);
        }
        let mode = if self.refresh_only {
            PlanMode::RefreshOnly
        } else if destroy || self.destroy {
            PlanMode::Destroy
        } else {
            PlanMode::Normal
        };
        Ok(PlanOptions {
            mode,
            refresh: self.refresh,
            targets,
            replace,
            parallelism: self.parallelism,
        })
    }
}

/// A configuration, its graph and variables, the providers and the state, ready to plan.
pub struct Prepared {
    pub config: Config,
    pub graph: ConfigGraph,
    pub root_variables: BTreeMap<String, Value>,
    pub providers: ProviderSet,
    pub backend: LocalBackend,
    pub state: State,
    /// Held from planning until the apply finished (absent with `--lock=false`).
    pub lock: Option<StateLock>,
    pub config_digest: String,
}

/// Loads everything a plan needs and takes the state lock for `operation`. On failure, the
/// diagnostics and the sources they point into.
pub fn prepare(
    ctx: &Context,
    flags: &PlanFlags,
    variables: Option<BTreeMap<String, Value>>,
    operation: &str,
    diags: &mut Diagnostics,
) -> Result<Prepared, SourceMap> {
    let (mut config, graph, load_diags) = load_and_build(ctx);
    diags.extend(load_diags);
    let Some(graph) = graph.filter(|_| !diags.has_errors()) else {
        return Err(config.sources);
    };
    let digest = config_digest(&config);
    let root_variables = match variables {
        Some(v) => v,
        None => {
            let (values, d) = resolve_root_variables(&mut config, &flags.vars);
            diags.extend(d);
            match values {
                Some(v) => v,
                None => return Err(config.sources),
            }
        }
    };
    let backend = match open_backend(ctx, config.root.settings.as_ref(), &flags.state) {
        Ok(b) => b,
        Err(d) => {
            diags.extend(d);
            return Err(config.sources);
        }
    };
    let lock = match lock_state(&backend, operation, &flags.state) {
        Ok(l) => l,
        Err(d) => {
            diags.extend(d);
            return Err(config.sources);
        }
    };
    let state = match load_state(&backend) {
        Ok((loaded, warnings)) => {
            diags.extend(warnings);
            loaded.state
        }
        Err(d) => {
            diags.extend(d);
            return Err(config.sources);
        }
    };
    Ok(Prepared {
        config,
        graph,
        root_variables,
        providers: ProviderSet::available(),
        backend,
        state,
        lock,
        config_digest: digest,
    })
}

/// A runtime for provider calls: two workers, as the machines this runs on have.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// Makes the plan.
pub fn make_plan(
    ctx: &Context,
    p: &Prepared,
    opts: &PlanOptions,
    rt: &tokio::runtime::Runtime,
) -> Result<(Planned, Diagnostics), Diagnostics> {
    let input = PlanInput {
        config: &p.config,
        graph: &p.graph,
        root_variables: &p.root_variables,
        providers: &p.providers,
        state: &p.state,
        cwd: ctx.cwd.clone(),
    };
    rt.block_on(plan(&input, opts))
}

/// `flinkform plan [--out FILE] [--json] [--detailed-exitcode]`
pub fn run(
    ctx: &Context,
    flags: &PlanFlags,
    out: Option<&PathBuf>,
    json: bool,
    detailed_exitcode: bool,
    printer: &mut Printer,
) -> i32 {
    let mut diags = Diagnostics::new();
    let fail = |printer: &mut Printer, diags: &Diagnostics, sources: &SourceMap| {
        if json {
            let doc = serde_json::json!({ "format_version": "1.0", "errors": diags });
            printer.out(&format!("{doc:#}\n"));
        } else {
            printer.diagnostics(diags, sources);
        }
        1
    };
    let opts = match flags.options(false) {
        Ok(o) => o,
        Err(d) => return fail(printer, &d, &SourceMap::new()),
    };
    let prepared = match prepare(ctx, flags, None, "plan", &mut diags) {
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
    let planned = match make_plan(ctx, &prepared, &opts, &rt) {
        Ok((planned, d)) => {
            diags.extend(d);
            planned
        }
        Err(d) => {
            diags.extend(d);
            return fail(printer, &diags, &prepared.config.sources);
        }
    };
    if json {
        printer.out(&format!("{:#}\n", plan_json(&planned.plan, &diags.0)));
    } else {
        printer.diagnostics(&diags, &prepared.config.sources);
        printer.out(&render_plan(
            &planned.plan,
            &HumanOptions {
                color: printer.color,
            },
        ));
    }
    if let Some(path) = out {
        let file = PlanFile {
            plan: planned.plan.clone(),
            variables: prepared.root_variables.clone(),
            targets: flags.targets.clone(),
            replace: flags.replace.clone(),
            parallelism: flags.parallelism,
            refreshed: planned.refreshed,
            config_digest: prepared.config_digest.clone(),
            prior_lineage: prepared.state.lineage.clone(),
            prior_serial: prepared.state.serial,
        };
        if let Err(e) = file.write(path) {
            printer.error("Failed to write the plan file", &e.to_string());
            return 1;
        }
        if !json {
            printer.info(&format!(
                "\nSaved the plan to: {}\n\nTo perform exactly these actions, run the following command to apply:\n    flinkform apply {:?}",
                path.display(),
                path.display().to_string()
            ));
        }
    }
    if detailed_exitcode && planned.plan.has_changes() {
        2
    } else {
        0
    }
}
