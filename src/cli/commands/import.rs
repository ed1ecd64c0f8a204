//! `flinkform import ADDRESS ID`: brings an existing object under management, as Terraform's
//! `import`. The resource block must exist in the configuration; the provider is configured
//! as for a plan (from what its configuration needs, resources at their recorded values); the
//! provider turns the ID into a state and reads the object; the state records it under the
//! lock. An address already in the state is refused. A `plan` against a configuration that
//! matches the object then has nothing to change.

use super::plan::runtime;
use super::{load_and_build, resolve_root_variables, Context};
use crate::addrs::{AbsResourceInstance, InstanceKey, ResourceMode};
use crate::cli::backend::{
    load_state, lock_for_write, lock_state, open_backend, state_error, StateFlags,
};
use crate::cli::{Printer, VarFlags};
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap};
use crate::graph::deps::dependency_closure;
use crate::graph::walk::{walk, InstanceValues, ProviderSet, WalkInput};
use crate::graph::NodeKey;
use crate::lang::{FuncContext, Value};
use crate::plan::planner::recorded_value;
use crate::providers::schema::Schema;
use crate::providers::{provider_for_type, Provider, ReadRequest};
use crate::state::{InstanceState, State};

/// The arguments of `flinkform import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The resource instance to import into, e.g. `azure_resource_group.main`.
    #[arg(value_name = "ADDRESS")]
    pub address: String,
    /// The object's ID, as its provider knows it (an Azure resource ID).
    #[arg(value_name = "ID")]
    pub id: String,
    #[command(flatten)]
    pub vars: VarFlags,
    #[command(flatten)]
    pub state: StateFlags,
}

/// For the walk that configures providers: resources at their recorded values, others as
/// their configuration with computed attributes unknown.
struct Recorded<'a> {
    providers: &'a ProviderSet,
    state: &'a State,
}

impl InstanceValues for Recorded<'_> {
    fn instance_value(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        _: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        Ok(match self.state.instance(addr) {
            Some(_) => recorded_value(self.providers, addr, self.state)
                .unwrap_or_else(|_| schema.proposed_new(None, config)),
            None => schema.proposed_new(None, config),
        })
    }
}

pub fn run(ctx: &Context, args: &ImportArgs, printer: &mut Printer) -> i32 {
    match import(ctx, args, printer) {
        Ok(()) => 0,
        Err((diags, sources)) => {
            printer.diagnostics(&diags, &sources);
            1
        }
    }
}

fn import(
    ctx: &Context,
    args: &ImportArgs,
    printer: &mut Printer,
) -> Result<(), (Diagnostics, SourceMap)> {
    let fail = |d: Diagnostic| (Diagnostics::from(d), SourceMap::new());
    let addr: AbsResourceInstance =
        args.address
            .parse()
            .map_err(|e: crate::addrs::ParseAddrError| {
                fail(Diagnostic::error(
                    "Invalid address",
                    format!("{:?}: {}", args.address, e.reason),
                ))
            })?;
    if addr.resource.resource.mode == ResourceMode::Data {
        return Err(fail(Diagnostic::error(
            "Invalid address",
            format!("{addr} is a data source: only managed resources can be imported."),
        )));
    }

    let (mut config, graph, mut diags) = load_and_build(ctx);
    let Some(graph) = graph.filter(|_| !diags.has_errors()) else {
        return Err((diags, config.sources));
    };
    let (variables, d) = resolve_root_variables(&mut config, &args.vars);
    diags.extend(d);
    let Some(variables) = variables else {
        return Err((diags, config.sources));
    };

    // The resource block must exist, and the key must fit its count / for_each.
    let module_path = addr.resource.module.module_path();
    let Some(rc) = config
        .module(&module_path)
        .and_then(|m| m.resources.get(&addr.resource.resource))
    else {
        diags.push(Diagnostic::error(
            "Configuration for import target does not exist",
            format!(
                "The configuration does not contain {}. Before importing this resource, please create its configuration, e.g.:\n\nresource \"{}\" \"{}\" {{\n  # (resource arguments)\n}}",
                addr.resource, addr.resource.resource.type_name, addr.resource.resource.name
            ),
        ));
        return Err((diags, config.sources));
    };
    let key_problem = match (&addr.key, rc.count.is_some(), rc.for_each.is_some()) {
        (InstanceKey::None, true, _) => {
            Some("has \"count\" set: give the instance's index, e.g. [0]")
        }
        (InstanceKey::None, _, true) => {
            Some("has \"for_each\" set: give the instance's key, e.g. [\"a\"]")
        }
        (InstanceKey::Int(_), false, _) => Some("has no \"count\": give no index"),
        (InstanceKey::Str(_), _, false) => Some("has no \"for_each\": give no key"),
        _ => None,
    };
    if let Some(problem) = key_problem {
        diags.push(
            Diagnostic::error(
                "Invalid import address",
                format!("The resource {} {problem}.", addr.resource),
            )
            .with_subject(rc.decl_range.clone()),
        );
        return Err((diags, config.sources));
    }

    let backend = match open_backend(ctx, config.root.settings.as_ref(), &args.state) {
        Ok(b) => b,
        Err(d) => {
            diags.extend(d);
            return Err((diags, config.sources));
        }
    };
    let lock = match lock_state(&backend, "import", &args.state) {
        Ok(l) => l,
        Err(d) => {
            diags.extend(d);
            return Err((diags, config.sources));
        }
    };
    let mut state = match load_state(&backend) {
        Ok((loaded, warnings)) => {
            diags.extend(warnings);
            loaded.state
        }
        Err(d) => {
            diags.extend(d);
            return Err((diags, config.sources));
        }
    };
    if state.instance(&addr).is_some() {
        diags.push(Diagnostic::error(
            "Resource already managed by flinkform",
            format!(
                "flinkform is already managing a remote object for {addr}. To import to this address you must first remove the existing object from the state (flinkform state rm {addr})."
            ),
        ));
        return Err((diags, config.sources));
    }

    let type_name = addr.resource.resource.type_name.clone();
    let providers = ProviderSet::available();
    let provider = match providers.resource_schema(&addr.resource.resource) {
        Ok((p, _)) => p.clone(),
        Err(d) => {
            diags.push(d.with_subject(rc.decl_range.clone()));
            return Err((diags, config.sources));
        }
    };
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(e) => {
            diags.push(Diagnostic::error("Cannot start", e.to_string()));
            return Err((diags, config.sources));
        }
    };
    printer.info(&format!("{addr}: Importing from ID {:?}...", args.id));
    let imported = rt.block_on(async {
        // Configure the providers from what their configurations need.
        let provider_nodes: Vec<_> = graph
            .graph
            .node_indices()
            .filter(|&ix| matches!(graph.graph[ix].key, NodeKey::Provider(_)))
            .collect();
        let needed = dependency_closure(&graph, provider_nodes);
        let input = WalkInput {
            config: &config,
            graph: &graph,
            root_variables: &variables,
            providers: &providers,
            func: FuncContext {
                base_dir: ctx.cwd.clone(),
                plan_time: true,
            },
            cwd: ctx.cwd.clone(),
            validate_only: false,
            only: Some(&needed),
        };
        let (_, walk_diags) = walk(
            &input,
            &mut Recorded {
                providers: &providers,
                state: &state,
            },
        );
        if walk_diags.has_errors() {
            return Err(walk_diags);
        }
        let skeleton = provider
            .import_resource(&type_name, &args.id)
            .await
            .map_err(|e| Diagnostics::from(e.to_diagnostic().with_address(addr.to_string())))?;
        let read = provider
            .read_resource(ReadRequest {
                type_name: &type_name,
                prior_state: &skeleton,
                pending_operation: None,
            })
            .await
            .map_err(|e| Diagnostics::from(e.to_diagnostic().with_address(addr.to_string())))?;
        read.ok_or_else(|| {
            Diagnostics::from(Diagnostic::error(
                "Cannot import non-existent remote object",
                format!(
                    "While attempting to import an existing object to {addr}, the provider detected that no object exists with the given id. Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or use \"flinkform apply\" to create a new remote object for this resource."
                ),
            ))
        })
        .map(|v| (v, walk_diags))
    });
    let value = match imported {
        Ok((value, walk_diags)) => {
            diags.extend(walk_diags);
            value
        }
        Err(d) => {
            diags.extend(d);
            return Err((diags, config.sources));
        }
    };
    printer.info(&format!(
        "{addr}: Import prepared!\n  Prepared {type_name} for import"
    ));
    let id = value
        .get_attr("id")
        .filter(|v| !v.is_sensitive())
        .and_then(Value::as_str)
        .map(|id| format!(" [id={id}]"))
        .unwrap_or_default();
    printer.info(&format!("{addr}: Refreshing state...{id}"));

    let instance = match InstanceState::from_value(&value) {
        Ok(i) => i,
        Err(e) => {
            diags.push(Diagnostic::error(
                "Provider returned an invalid object",
                format!("The object read for {addr} cannot be recorded: {e}."),
            ));
            return Err((diags, config.sources));
        }
    };
    state.set_instance(
        addr.clone(),
        format!("provider.{}", provider_for_type(&type_name)),
        instance,
    );
    let lock = match lock_for_write(&backend, "import", lock) {
        Ok(l) => l,
        Err(d) => {
            diags.extend(d);
            return Err((diags, config.sources));
        }
    };
    if let Err(e) = backend.write(&mut state, &lock) {
        diags.extend(state_error("Failed to write the state", &e));
        return Err((diags, config.sources));
    }
    printer.diagnostics(&diags, &config.sources);
    printer.success("\nImport successful!");
    printer.info(
        "\nThe resources that were imported are shown above. These resources are now in\nyour flinkform state and will henceforth be managed by flinkform.",
    );
    Ok(())
}
