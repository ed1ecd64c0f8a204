//! `flinkform state list|show|rm|mv`: reading and editing the state by address, with
//! Terraform's behaviour and wording.
//!
//! Addresses are what `--target` takes: a module instance (`module.a["x"]`, everything in it and
//! below it), a resource (`flinkform_data.x`, all its instances) or one instance
//! (`flinkform_data.x[0]`).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use super::show::{decode_instance, render_instance};
use super::Context;
use crate::addrs::{AbsResource, AbsResourceInstance, InstanceKey, ModuleInstance, Targetable};
use crate::cli::backend::{
    backend_for_command, load_state, lock_for_write, lock_state, StateFlags,
};
use crate::cli::Printer;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap};
use crate::graph::walk::ProviderSet;
use crate::state::{LocalBackend, State};

#[derive(Debug, clap::Subcommand)]
pub enum StateCommand {
    /// List the resource instances in the state, optionally only those under ADDRESSes.
    List {
        /// Module, resource or instance addresses to filter by.
        #[arg(value_name = "ADDRESS")]
        addresses: Vec<String>,
        /// Only instances whose "id" attribute is ID.
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// Use the state file at PATH instead of the configured backend's.
        #[arg(long = "state", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Show the attributes of one resource instance in the state.
    Show {
        #[arg(value_name = "ADDRESS")]
        address: String,
        /// Use the state file at PATH instead of the configured backend's.
        #[arg(long = "state", value_name = "PATH")]
        state: Option<PathBuf>,
    },
    /// Forget instances without destroying them: a resource address removes all its
    /// instances, a module address everything in the module.
    Rm {
        #[arg(value_name = "ADDRESS", required = true)]
        addresses: Vec<String>,
        /// Print what would be removed without changing the state.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        flags: StateFlags,
    },
    /// Move an instance, a whole resource or a module's contents to another address.
    Mv {
        #[arg(value_name = "SOURCE")]
        source: String,
        #[arg(value_name = "DESTINATION")]
        destination: String,
        /// Print what would be moved without changing the state.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        flags: StateFlags,
    },
}

pub fn run(ctx: &Context, command: &StateCommand, printer: &mut Printer) -> i32 {
    let outcome = match command {
        StateCommand::List {
            addresses,
            id,
            state,
        } => with_state(
            ctx,
            &StateFlags::read_only(state.clone()),
            printer,
            |s, p| list(s, addresses, id.as_deref(), p),
        ),
        StateCommand::Show { address, state } => with_state(
            ctx,
            &StateFlags::read_only(state.clone()),
            printer,
            |s, p| show(s, address, p),
        ),
        StateCommand::Rm {
            addresses,
            dry_run,
            flags,
        } => edit_state(ctx, flags, "state-rm", *dry_run, printer, |s, p| {
            rm(s, addresses, *dry_run, p)
        }),
        StateCommand::Mv {
            source,
            destination,
            dry_run,
            flags,
        } => edit_state(ctx, flags, "state-mv", *dry_run, printer, |s, p| {
            mv(s, source, destination, *dry_run, p)
        }),
    };
    match outcome {
        Ok(()) => 0,
        Err(diags) => {
            printer.diagnostics(&diags, &SourceMap::new());
            1
        }
    }
}

/// Opens the backend; configuration errors are printed here (they need their sources).
fn open(ctx: &Context, flags: &StateFlags, printer: &mut Printer) -> Option<LocalBackend> {
    match backend_for_command(ctx, flags) {
        Ok(b) => Some(b),
        Err((diags, sources)) => {
            printer.diagnostics(&diags, &sources);
            None
        }
    }
}

/// Loads the state, which must exist: state commands on a state never written are a mistake.
fn load_existing(backend: &LocalBackend, printer: &mut Printer) -> Result<State, Diagnostics> {
    let (loaded, warnings) = load_state(backend)?;
    printer.diagnostics(&warnings, &SourceMap::new());
    if !backend.path().exists() && loaded.recovery.is_none() {
        return Err(Diagnostic::error(
            "No state file was found",
            format!(
                "State management commands require a state file, and there is none at {}. Run this \
                 command in a directory where flinkform has been applied, or use the --state flag to \
                 point it to a state file.",
                backend.path().display()
            ),
        )
        .into());
    }
    Ok(loaded.state)
}

/// Runs a read-only command on the state.
fn with_state(
    ctx: &Context,
    flags: &StateFlags,
    printer: &mut Printer,
    f: impl FnOnce(&State, &mut Printer) -> Result<(), Diagnostics>,
) -> Result<(), Diagnostics> {
    let Some(backend) = open(ctx, flags, printer) else {
        return Err(Diagnostics::new());
    };
    let state = load_existing(&backend, printer)?;
    f(&state, printer)
}

/// Runs a command that edits the state under the lock, and writes the result unless it is a
/// dry run. `f` returns whether it changed anything.
fn edit_state(
    ctx: &Context,
    flags: &StateFlags,
    operation: &str,
    dry_run: bool,
    printer: &mut Printer,
    f: impl FnOnce(&mut State, &mut Printer) -> Result<bool, Diagnostics>,
) -> Result<(), Diagnostics> {
    let Some(backend) = open(ctx, flags, printer) else {
        return Err(Diagnostics::new());
    };
    // Lock before reading, so that the state edited is the latest version.
    let lock = lock_state(&backend, operation, flags)?;
    let mut state = load_existing(&backend, printer)?;
    let changed = f(&mut state, printer)?;
    if dry_run || !changed {
        return Ok(());
    }
    let lock = lock_for_write(&backend, operation, lock)?;
    backend.write(&mut state, &lock).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Error saving the state",
            format!(
                "{e}\n\nThe state was not saved: the state file is unchanged. Please resolve the issue \
                 above and try again."
            ),
        ))
    })?;
    Ok(())
}

fn parse_target(text: &str) -> Result<Targetable, Diagnostic> {
    // An empty argument would parse as the root module, which holds everything.
    if text.trim().is_empty() {
        return Err(Diagnostic::error(
            "Invalid address",
            "An empty string is not an address. Use \"flinkform state list\" to see the addresses in the state.",
        ));
    }
    text.parse().map_err(|e: crate::addrs::ParseAddrError| {
        Diagnostic::error("Invalid address", e.to_string())
    })
}

/// The instances `target` names, in address order; an error naming what is missing when there
/// are none.
fn lookup(state: &State, target: &Targetable) -> Result<Vec<AbsResourceInstance>, Diagnostic> {
    let found: Vec<AbsResourceInstance> = match target {
        Targetable::Instance(i) => state.instance(i).map(|_| i.clone()).into_iter().collect(),
        Targetable::Resource(r) => state
            .resource(r)
            .map(|rs| rs.instances().map(|(k, _)| r.instance(k.clone())).collect())
            .unwrap_or_default(),
        Targetable::Module(_) => state
            .instances()
            .map(|(r, k, _)| r.instance(k.clone()))
            .filter(|a| target.contains(a))
            .collect(),
    };
    if !found.is_empty() {
        return Ok(found);
    }
    let (summary, detail) = match target {
        Targetable::Module(m) => (
            "Unknown module",
            format!(
                "The current state contains no module at {m}. If you've just added this module to the \
                 configuration, you must run \"flinkform apply\" first to create the module's entry in the state."
            ),
        ),
        Targetable::Resource(r) => (
            "Unknown resource",
            format!(
                "The current state contains no resource {r}. If you've just added this resource to the \
                 configuration, you must run \"flinkform apply\" first to create the resource's entry in the state."
            ),
        ),
        Targetable::Instance(i) => (
            "Unknown resource instance",
            format!(
                "The current state contains no resource instance {i}. If you've just added its resource \
                 to the configuration or have changed the count or for_each arguments, you must run \
                 \"flinkform apply\" first to update the resource's entry in the state."
            ),
        ),
    };
    Err(Diagnostic::error(summary, detail))
}

// ---- list ----

fn list(
    state: &State,
    patterns: &[String],
    id: Option<&str>,
    printer: &mut Printer,
) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut targets = Vec::new();
    for p in patterns {
        match parse_target(p) {
            Ok(t) => targets.push(t),
            Err(d) => diags.push(d),
        }
    }
    // Every pattern must match something, as in Terraform.
    for t in &targets {
        if let Err(d) = lookup(state, t) {
            diags.push(d);
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let mut out = String::new();
    for (resource, key, instance) in state.instances() {
        let addr = resource.instance(key.clone());
        let selected = targets.is_empty() || targets.iter().any(|t| t.contains(&addr));
        let id_matches =
            id.is_none_or(|id| instance.attributes.get("id").and_then(|v| v.as_str()) == Some(id));
        if selected && id_matches {
            out.push_str(&addr.to_string());
            out.push('\n');
        }
    }
    printer.out(&out);
    Ok(())
}

// ---- show ----

fn show(state: &State, address: &str, printer: &mut Printer) -> Result<(), Diagnostics> {
    let single_instance = "This command requires that the address references one specific instance. \
                           To view the available instances, use \"flinkform state list\". Please modify \
                           the address to reference a specific instance.";
    let addr: AbsResourceInstance = address.parse().map_err(|e| {
        Diagnostic::error(
            "Error parsing instance address",
            format!("{e}.\n\n{single_instance}"),
        )
    })?;
    let Some(resource) = state.resource(&addr.resource) else {
        return Err(no_instance(&addr, single_instance));
    };
    let Some(instance) = resource.instance(&addr.key) else {
        // `t.x` for a resource with count or for_each: name the instances there are.
        if addr.key == InstanceKey::None && resource.instance_count() > 0 {
            let instances: Vec<String> = resource
                .instances()
                .map(|(k, _)| addr.resource.instance(k.clone()).to_string())
                .collect();
            return Err(Diagnostic::error(
                "Multiple instances found for the given address",
                format!(
                    "{} has {} instances: {}. {single_instance}",
                    addr.resource,
                    instances.len(),
                    instances.join(", ")
                ),
            )
            .into());
        }
        return Err(no_instance(&addr, single_instance));
    };
    let providers = ProviderSet::available();
    let decoded = decode_instance(&providers, &addr.resource, instance);
    printer.out(&render_instance(
        &addr.resource,
        &addr.key,
        instance,
        &decoded.value,
        decoded.schema,
    ));
    Ok(())
}

fn no_instance(addr: &AbsResourceInstance, single_instance: &str) -> Diagnostics {
    Diagnostic::error(
        "No instance found for the given address",
        format!("The state holds no instance {addr}. {single_instance}"),
    )
    .into()
}

// ---- rm ----

fn rm(
    state: &mut State,
    addresses: &[String],
    dry_run: bool,
    printer: &mut Printer,
) -> Result<bool, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut targets = Vec::new();
    for a in addresses {
        match parse_target(a) {
            Ok(t) => targets.push(t),
            Err(d) => diags.push(d),
        }
    }
    if diags.has_errors() {
        return Err(diags);
    }
    // Each argument's instances in address order, each instance once.
    let mut seen = HashSet::new();
    let mut removing = Vec::new();
    for t in &targets {
        for addr in lookup(state, t).unwrap_or_default() {
            if seen.insert(addr.clone()) {
                removing.push(addr);
            }
        }
    }
    let prefix = if dry_run { "Would remove" } else { "Removed" };
    let mut out = String::new();
    for addr in &removing {
        out.push_str(&format!("{prefix} {addr}\n"));
        if !dry_run {
            state.remove_instance(addr);
        }
    }
    if dry_run {
        if removing.is_empty() {
            out.push_str("Would have removed nothing.\n");
        }
        printer.out(&out);
        return Ok(false);
    }
    if removing.is_empty() {
        return Err(Diagnostic::error(
            "Invalid target address",
            "No matching objects found. To view the available instances, use \"flinkform state list\". \
             Please modify the address to reference a specific instance.",
        )
        .into());
    }
    printer.out(&out);
    forget_dependencies_on_removed(state, &removing);
    printer.success(&format!(
        "Successfully removed {} resource instance(s).",
        removing.len()
    ));
    Ok(true)
}

/// Drops dependencies on resources that no longer have any instance: nothing is left to order
/// a destroy against.
fn forget_dependencies_on_removed(state: &mut State, removed: &[AbsResourceInstance]) {
    let gone: HashSet<String> = removed
        .iter()
        .filter(|a| state.resource(&a.resource).is_none())
        .map(|a| a.resource.to_string())
        .collect();
    rewrite_dependencies(state, |dep| {
        if gone.contains(dep) {
            Vec::new()
        } else {
            vec![dep.to_string()]
        }
    });
}

/// Replaces every instance's dependencies through `f` (each dependency becomes zero or more),
/// keeping the first occurrence of each.
fn rewrite_dependencies(state: &mut State, f: impl Fn(&str) -> Vec<String>) {
    let to_change: Vec<(AbsResourceInstance, Vec<String>)> = state
        .instances()
        .filter_map(|(r, k, i)| {
            let mut seen = HashSet::new();
            let new: Vec<String> = i
                .dependencies
                .iter()
                .flat_map(|d| f(d))
                .filter(|d| seen.insert(d.clone()))
                .collect();
            (new != i.dependencies).then(|| (r.instance(k.clone()), new))
        })
        .collect();
    for (addr, deps) in to_change {
        if let Some(instance) = state.instance_mut(&addr) {
            instance.dependencies = deps;
        }
    }
}

// ---- mv ----

fn mv(
    state: &mut State,
    source_text: &str,
    destination_text: &str,
    dry_run: bool,
    printer: &mut Printer,
) -> Result<bool, Diagnostics> {
    let mut diags = Diagnostics::new();
    let source = parse_target(source_text).map_err(|d| diags.push(d)).ok();
    let destination = parse_target(destination_text)
        .map_err(|d| diags.push(d))
        .ok();
    let (Some(source), Some(destination)) = (source, destination) else {
        return Err(diags);
    };
    let prefix = if dry_run { "Would move" } else { "Move" };
    // As Terraform: a resource without count or for_each is moved as its single instance, so
    // that `t.a` can move to `t.b[1]`.
    let source = match source {
        Targetable::Resource(r)
            if state
                .resource(&r)
                .is_some_and(|rs| rs.instance(&InstanceKey::None).is_some()) =>
        {
            Targetable::Instance(r.instance(InstanceKey::None))
        }
        other => other,
    };
    let moves = match &source {
        Targetable::Module(from) => plan_module_move(state, from, &destination)?,
        Targetable::Resource(from) => plan_resource_move(state, from, &destination)?,
        Targetable::Instance(from) => plan_instance_move(state, from, &destination)?,
    };
    let mut out = String::new();
    for m in &moves.lines {
        out.push_str(&format!("{prefix} {:?} to {:?}\n", m.0, m.1));
    }
    if dry_run {
        printer.out(&out);
        return Ok(false);
    }
    printer.out(&out);
    apply_moves(state, &moves);
    printer.success(&format!(
        "Successfully moved {} object(s).",
        moves.lines.len()
    ));
    Ok(true)
}

/// What a move does: the instances to move (from, to, provider of the destination resource),
/// the lines to print (one per object: module instance, resource or instance), and how
/// dependencies on the moved resources change.
struct Moves {
    instances: Vec<(AbsResourceInstance, AbsResourceInstance, String)>,
    lines: Vec<(String, String)>,
    /// Resources moved (from, to), for dependencies on them.
    resources: Vec<(AbsResource, AbsResource)>,
}

fn invalid_source(detail: String) -> Diagnostics {
    Diagnostic::error("Invalid source address", detail).into()
}

fn invalid_target(detail: String) -> Diagnostics {
    Diagnostic::error("Invalid target address", detail).into()
}

fn check_same_kind(from: &AbsResource, to: &AbsResource) -> Result<(), Diagnostics> {
    let mut diags = Diagnostics::new();
    if from.resource.mode != to.resource.mode {
        let what = match from.resource.mode {
            crate::addrs::ResourceMode::Managed => {
                "a managed resource can be moved only to another managed resource address"
            }
            crate::addrs::ResourceMode::Data => {
                "a data resource can be moved only to another data resource address"
            }
        };
        diags.push(Diagnostic::error(
            "Invalid state move request",
            format!("Cannot move {from} to {to}: {what}."),
        ));
    }
    if from.resource.type_name != to.resource.type_name {
        diags.push(Diagnostic::error(
            "Invalid state move request",
            format!("Cannot move {from} to {to}: resource types don't match."),
        ));
    }
    if diags.is_empty() {
        Ok(())
    } else {
        Err(diags)
    }
}

fn plan_module_move(
    state: &State,
    from: &ModuleInstance,
    destination: &Targetable,
) -> Result<Moves, Diagnostics> {
    let Targetable::Module(to) = destination else {
        return Err(invalid_target(format!(
            "Cannot move {} to {destination}: the target must also be a module.",
            display_module(from)
        )));
    };
    if from.is_root() || to.is_root() {
        return Err(invalid_target(
            "The root module cannot be moved, and nothing can be moved into it as a whole: move its \
             resources one by one."
                .to_string(),
        ));
    }
    let remap = |m: &ModuleInstance| -> ModuleInstance {
        let mut steps = to.0.clone();
        steps.extend(m.0.iter().skip(from.0.len()).cloned());
        ModuleInstance(steps)
    };
    let sources: Vec<&AbsResource> = state
        .resources()
        .map(|r| r.addr())
        .filter(|a| a.module.0.starts_with(&from.0))
        .collect();
    if sources.is_empty() {
        return Err(invalid_source(format!(
            "Cannot move {}: does not match anything in the current state.",
            display_module(from)
        )));
    }
    let mut moves = Moves {
        instances: Vec::new(),
        lines: Vec::new(),
        resources: Vec::new(),
    };
    // A module instance is in the state when it holds resources.
    let existing: HashSet<&ModuleInstance> = state.resources().map(|r| &r.addr().module).collect();
    let mut last_module: Option<&ModuleInstance> = None;
    // Resources come in address order, so those of one module instance are together.
    for addr in sources {
        let new_module = remap(&addr.module);
        if last_module != Some(&addr.module) {
            last_module = Some(&addr.module);
            // What is already below the source moves away too.
            if existing.contains(&new_module) && !new_module.0.starts_with(&from.0) {
                return Err(Diagnostics::from(Diagnostic::error(
                    "Error moving state",
                    format!(
                        "Cannot move {} to {}: the destination module already exists in the current state.",
                        addr.module, new_module
                    ),
                )));
            }
            moves
                .lines
                .push((addr.module.to_string(), new_module.to_string()));
        }
        let new_addr = AbsResource {
            module: new_module,
            resource: addr.resource.clone(),
        };
        push_resource_instances(state, addr, &new_addr, &mut moves);
    }
    Ok(moves)
}

/// `module.a` for a module instance, for messages.
fn display_module(m: &ModuleInstance) -> String {
    if m.is_root() {
        "the root module".to_string()
    } else {
        m.to_string()
    }
}

fn push_resource_instances(state: &State, from: &AbsResource, to: &AbsResource, moves: &mut Moves) {
    if let Some(rs) = state.resource(from) {
        for (key, _) in rs.instances() {
            moves.instances.push((
                from.instance(key.clone()),
                to.instance(key.clone()),
                rs.provider.clone(),
            ));
        }
    }
    moves.resources.push((from.clone(), to.clone()));
}

fn plan_resource_move(
    state: &State,
    from: &AbsResource,
    destination: &Targetable,
) -> Result<Moves, Diagnostics> {
    let Targetable::Resource(to) = destination else {
        return Err(invalid_target(format!(
            "Cannot move {from} to {destination}: the source is a whole resource (not a resource \
             instance) so the target must also be a whole resource."
        )));
    };
    let mut diags = check_same_kind(from, to).err().unwrap_or_default();
    if state.resource(to).is_some() {
        diags.extend(invalid_target(format!(
            "Cannot move to {to}: there is already a resource at that address in the current state."
        )));
    }
    if state.resource(from).is_none() {
        diags.extend(invalid_source(format!(
            "Cannot move {from}: does not match anything in the current state."
        )));
    }
    if diags.has_errors() {
        return Err(diags);
    }
    let mut moves = Moves {
        instances: Vec::new(),
        lines: vec![(from.to_string(), to.to_string())],
        resources: Vec::new(),
    };
    push_resource_instances(state, from, to, &mut moves);
    Ok(moves)
}

fn plan_instance_move(
    state: &State,
    from: &AbsResourceInstance,
    destination: &Targetable,
) -> Result<Moves, Diagnostics> {
    let to = match destination {
        Targetable::Instance(i) => i.clone(),
        Targetable::Resource(r) => r.instance(InstanceKey::None),
        Targetable::Module(_) => {
            return Err(invalid_target(format!(
                "Cannot move {from} to {destination}: the target must also be a resource instance."
            )))
        }
    };
    let mut diags = check_same_kind(&from.resource, &to.resource)
        .err()
        .unwrap_or_default();
    if state.instance(&to).is_some() {
        diags.extend(invalid_target(format!(
            "Cannot move to {to}: there is already a resource instance at that address in the current state."
        )));
    }
    let Some(from_resource) = state.resource(&from.resource) else {
        diags.extend(invalid_source(format!(
            "Cannot move {from}: does not match anything in the current state."
        )));
        return Err(diags);
    };
    if from_resource.instance(&from.key).is_none() {
        diags.extend(invalid_source(format!(
            "The current state does not contain {from}."
        )));
    }
    if diags.has_errors() {
        return Err(diags);
    }
    // Into an existing resource the instance takes that resource's provider; into a new one it
    // brings its own.
    let provider = state
        .resource(&to.resource)
        .map_or_else(|| from_resource.provider.clone(), |r| r.provider.clone());
    let resources = if from.resource == to.resource {
        Vec::new()
    } else {
        vec![(from.resource.clone(), to.resource.clone())]
    };
    Ok(Moves {
        instances: vec![(from.clone(), to.clone(), provider)],
        lines: vec![(from.to_string(), destination.to_string())],
        resources,
    })
}

fn apply_moves(state: &mut State, moves: &Moves) {
    // Take every instance out first, so that moves within one module (`module.a` to
    // `module.a.module.b`) never overwrite what is still to be moved.
    let taken: Vec<_> = moves
        .instances
        .iter()
        .filter_map(|(from, to, provider)| {
            state
                .remove_instance(from)
                .map(|i| (to.clone(), provider.clone(), i))
        })
        .collect();
    for (to, provider, instance) in taken {
        state.set_instance(to, provider, instance);
    }
    // Dependencies on a moved resource follow it; while the old resource still has instances
    // (one instance of several moved), they name both.
    let renames: HashMap<String, (String, bool)> = moves
        .resources
        .iter()
        .map(|(from, to)| {
            (
                from.to_string(),
                (to.to_string(), state.resource(from).is_some()),
            )
        })
        .collect();
    if renames.is_empty() {
        return;
    }
    rewrite_dependencies(state, |dep| match renames.get(dep) {
        Some((to, true)) => vec![dep.to_string(), to.clone()],
        Some((to, false)) => vec![to.clone()],
        None => vec![dep.to_string()],
    });
}
