//! The planner: refresh, evaluate, let providers plan, derive actions.
//!
//! 1. **Providers.** The part of the graph provider configurations depend on is walked first,
//!    with resources at their recorded values, and every provider is configured.
//! 2. **Refresh.** Every instance in state is read through its provider, concurrently
//!    (bounded by `parallelism`). Differences are the plan's drift.
//! 3. **Plan walk.** The whole graph (or what `--target` needs) is walked with a hook that,
//!    for each instance, applies `ignore_changes`, forms the proposed new state, asks the
//!    provider to plan it, and decides the action; the planned value flows on to dependents,
//!    unknowns included.
//! 4. **Orphans and outputs.** Instances in state that the walk did not visit are deleted;
//!    root outputs are compared with the recorded ones.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Semaphore;

use super::{Action, ActionReason, OutputChange, Plan, PlanMode, ResourceChange};
use crate::addrs::{
    AbsResourceInstance, InstanceKey, ModuleInstance, ModulePath, Referenceable, Resource,
    ResourceMode, Targetable,
};
use crate::config::{Config, IgnoreChanges, ResourceConfig};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::graph::deps::dependency_closure;
use crate::graph::walk::{read_data_source_now, walk, InstanceValues, ProviderSet, WalkInput};
use crate::graph::{ConfigGraph, NodeKey};
use crate::lang::{FuncContext, Value};
use crate::providers::schema::{AttrPath, PathStep, Schema};
use crate::providers::{provider_for_type, PlanRequest, Provider, ReadRequest};
use crate::state::{InstanceStatus, State};

/// What to plan.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    pub mode: PlanMode,
    /// Read every recorded object before planning (`--refresh=false` turns it off).
    pub refresh: bool,
    pub targets: Vec<Targetable>,
    pub replace: Vec<AbsResourceInstance>,
    pub parallelism: usize,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            mode: PlanMode::Normal,
            refresh: true,
            targets: Vec::new(),
            replace: Vec::new(),
            parallelism: 10,
        }
    }
}

/// Everything the planner reads.
pub struct PlanInput<'a> {
    pub config: &'a Config,
    pub graph: &'a ConfigGraph,
    pub root_variables: &'a BTreeMap<String, Value>,
    pub providers: &'a ProviderSet,
    pub state: &'a State,
    pub cwd: PathBuf,
}

/// A plan, and the state as refresh found it (what `apply` starts from).
pub struct Planned {
    pub plan: Plan,
    pub refreshed: State,
}

/// The value of a recorded instance, decoded with its resource type's schema.
pub fn recorded_value(
    providers: &ProviderSet,
    addr: &AbsResourceInstance,
    state: &State,
) -> Result<Value, Diagnostic> {
    let inst = state.instance(addr).ok_or_else(|| {
        Diagnostic::error("Missing instance", format!("{addr} is not in the state."))
    })?;
    let (_, schema) = providers.resource_schema(&addr.resource.resource)?;
    inst.value(&schema.value_type()).map_err(|e| {
        Diagnostic::error(
            "Invalid state",
            format!("The recorded attributes of {addr} cannot be read: {e}."),
        )
        .with_address(addr.to_string())
    })
}

/// Plans. Diagnostics with errors mean no plan.
pub async fn plan(
    input: &PlanInput<'_>,
    opts: &PlanOptions,
) -> Result<(Planned, Diagnostics), Diagnostics> {
    let mut diags = Diagnostics::new();
    let func = FuncContext {
        base_dir: input.cwd.clone(),
        plan_time: true,
    };

    // 1. Providers, configured from what their configurations need.
    let provider_nodes: Vec<_> = input
        .graph
        .graph
        .node_indices()
        .filter(|&ix| matches!(input.graph.graph[ix].key, NodeKey::Provider(_)))
        .collect();
    let needed = dependency_closure(input.graph, provider_nodes);
    let recorded = recorded_values(input, &mut diags);
    {
        let walk_input = WalkInput {
            config: input.config,
            graph: input.graph,
            root_variables: input.root_variables,
            providers: input.providers,
            func: func.clone(),
            cwd: input.cwd.clone(),
            validate_only: false,
            only: Some(&needed),
        };
        let (_, d) = walk(
            &walk_input,
            &mut RecordedValues {
                recorded: &recorded,
            },
        );
        diags.extend(d);
    }
    if diags.has_errors() {
        return Err(diags);
    }

    // 2. Refresh.
    let mut refreshed_state = input.state.clone();
    let mut refreshed = recorded.clone();
    let mut drift = Vec::new();
    if opts.refresh && opts.mode != PlanMode::Destroy || opts.mode == PlanMode::RefreshOnly {
        let reads = refresh_all(input, &recorded, opts.parallelism).await;
        for (addr, result) in reads {
            let Some(before) = recorded.get(&addr) else {
                continue;
            };
            let provider = input
                .state
                .resource(&addr.resource)
                .map(|r| r.provider.clone())
                .unwrap_or_default();
            match result {
                Err(d) => diags.push(d),
                Ok(None) => {
                    refreshed.remove(&addr);
                    refreshed_state.remove_instance(&addr);
                    drift.push(change(
                        addr,
                        provider,
                        Action::Delete,
                        Some(before.clone()),
                        None,
                    ));
                }
                Ok(Some(after)) => {
                    // A pending operation resumed by the read is over: the object is as read.
                    let was_pending = input
                        .state
                        .instance(&addr)
                        .is_some_and(|i| i.status == InstanceStatus::Pending);
                    if was_pending {
                        if let Some(inst) = refreshed_state.instance_mut(&addr) {
                            inst.status = InstanceStatus::Ready;
                            inst.pending_operation = None;
                        }
                    }
                    if was_pending || !same_object(before, &after) {
                        if let Some(inst) = refreshed_state.instance_mut(&addr) {
                            if let Ok(new) = crate::state::InstanceState::from_value(&after) {
                                inst.attributes = new.attributes;
                                inst.sensitive_paths = new.sensitive_paths;
                            }
                        }
                        drift.push(change(
                            addr.clone(),
                            provider,
                            Action::Update,
                            Some(before.clone()),
                            Some(after.clone()),
                        ));
                    }
                    refreshed.insert(addr, after);
                }
            }
        }
        if diags.has_errors() {
            return Err(diags);
        }
    }

    let mut plan = Plan {
        mode: opts.mode,
        drift,
        ..Plan::default()
    };
    if opts.mode == PlanMode::RefreshOnly {
        plan.output_changes = Vec::new();
        return Ok((
            Planned {
                plan,
                refreshed: refreshed_state,
            },
            diags,
        ));
    }

    // 3. The plan walk (not for destroy: everything recorded goes).
    let mut hook = PlanHook::new(input, opts, &refreshed);
    let mut root_outputs = BTreeMap::new();
    if opts.mode == PlanMode::Normal {
        let targeted_nodes =
            (!opts.targets.is_empty()).then(|| target_closure(input.graph, &opts.targets));
        if let Some(nodes) = &targeted_nodes {
            // Resources the targets depend on are planned whole.
            hook.dependency_resources = nodes
                .iter()
                .filter_map(|&ix| match &input.graph.graph[ix].key {
                    NodeKey::Resource(path, res) if !is_target_root(&opts.targets, path, res) => {
                        Some((path.clone(), res.clone()))
                    }
                    _ => None,
                })
                .collect();
        }
        let walk_input = WalkInput {
            config: input.config,
            graph: input.graph,
            root_variables: input.root_variables,
            providers: input.providers,
            func,
            cwd: input.cwd.clone(),
            validate_only: false,
            only: targeted_nodes.as_ref(),
        };
        let (expansion, d) = walk(&walk_input, &mut hook);
        diags.extend(d);
        root_outputs = expansion.root_outputs;
        hook.module_instances = expansion.module_instances.into_values().flatten().collect();
    }
    diags.extend(std::mem::take(&mut hook.diags));

    // 4. Orphans, then outputs.
    let mut changes = std::mem::take(&mut hook.changes);
    for (addr, before) in &refreshed {
        if hook.visited.contains(addr) || !hook.is_targeted(addr) {
            continue;
        }
        let reason = (opts.mode == PlanMode::Normal).then(|| hook.orphan_reason(addr));
        if let Some(rc) = hook.resource_config(addr) {
            if rc.lifecycle.prevent_destroy {
                diags.push(prevent_destroy_error(addr, rc));
                continue;
            }
        }
        let provider = input
            .state
            .resource(&addr.resource)
            .map(|r| r.provider.clone())
            .unwrap_or_default();
        let mut c = change(
            addr.clone(),
            provider,
            Action::Delete,
            Some(before.clone()),
            None,
        );
        c.reason = reason;
        c.notes = destroy_notes(input, addr, before);
        changes.push(c);
    }
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    plan.changes = changes;
    if opts.targets.is_empty() {
        plan.output_changes = output_changes(input, opts.mode, &root_outputs, &mut diags);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok((
        Planned {
            plan,
            refreshed: refreshed_state,
        },
        diags,
    ))
}

fn change(
    addr: AbsResourceInstance,
    provider: String,
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> ResourceChange {
    ResourceChange {
        addr,
        provider,
        action,
        before,
        after,
        replace_paths: Vec::new(),
        reason: None,
        notes: BTreeMap::new(),
    }
}

/// Whether two values describe the same object: equal once collection kinds are set aside
/// (a recorded tuple and a configured list are the same), and wholly known.
pub fn same_object(a: &Value, b: &Value) -> bool {
    a.is_wholly_known() && b.is_wholly_known() && a.to_json() == b.to_json()
}

/// Every recorded instance's value, decoded with its schema.
fn recorded_values(
    input: &PlanInput<'_>,
    diags: &mut Diagnostics,
) -> BTreeMap<AbsResourceInstance, Value> {
    let mut out = BTreeMap::new();
    for (res, key, _) in input.state.instances() {
        let addr = res.instance(key.clone());
        match recorded_value(input.providers, &addr, input.state) {
            Ok(v) => {
                out.insert(addr, v);
            }
            Err(d) => diags.push(d),
        }
    }
    out
}

/// Reads every recorded object concurrently, at most `parallelism` at a time.
async fn refresh_all(
    input: &PlanInput<'_>,
    recorded: &BTreeMap<AbsResourceInstance, Value>,
    parallelism: usize,
) -> Vec<(AbsResourceInstance, Result<Option<Value>, Diagnostic>)> {
    let permits = Arc::new(Semaphore::new(parallelism.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (addr, prior) in recorded {
        let Some(provider) = input
            .providers
            .get(provider_for_type(&addr.resource.resource.type_name))
            .cloned()
        else {
            continue;
        };
        if addr.resource.resource.mode == ResourceMode::Data {
            continue;
        }
        let (addr, prior, permits) = (addr.clone(), prior.clone(), permits.clone());
        let pending = input
            .state
            .instance(&addr)
            .and_then(|i| i.pending_operation.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let type_name = addr.resource.resource.type_name.clone();
            let result = provider
                .read_resource(ReadRequest {
                    type_name: &type_name,
                    prior_state: &prior,
                    pending_operation: pending.as_ref(),
                })
                .await
                .map_err(|e| {
                    e.to_diagnostic()
                        .with_address(addr.to_string())
                        .with_context(format!("refreshing {addr}"))
                });
            (addr, result)
        });
    }
    let mut out = Vec::with_capacity(recorded.len());
    while let Some(joined) = tasks.join_next().await {
        if let Ok(r) = joined {
            out.push(r);
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// For walks that only need values: recorded instances at their recorded values, others as
/// their configuration with computed attributes unknown.
struct RecordedValues<'a> {
    recorded: &'a BTreeMap<AbsResourceInstance, Value>,
}

impl InstanceValues for RecordedValues<'_> {
    fn instance_value(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        _: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        Ok(self
            .recorded
            .get(addr)
            .cloned()
            .unwrap_or_else(|| schema.proposed_new(None, config)))
    }
}

/// Whether a resource block is (in) what a target names.
fn is_target_root(targets: &[Targetable], path: &ModulePath, res: &Resource) -> bool {
    targets.iter().any(|t| match t {
        Targetable::Module(m) => path.0.starts_with(&m.module_path().0),
        Targetable::Resource(r) => &r.module.module_path() == path && &r.resource == res,
        Targetable::Instance(i) => {
            &i.resource.module.module_path() == path && &i.resource.resource == res
        }
    })
}

/// Targeted resource nodes and everything they depend on.
fn target_closure(
    g: &ConfigGraph,
    targets: &[Targetable],
) -> HashSet<petgraph::stable_graph::NodeIndex> {
    let roots = g.graph.node_indices().filter(|&ix| match &g.graph[ix].key {
        NodeKey::Resource(path, res) => is_target_root(targets, path, res),
        _ => false,
    });
    dependency_closure(g, roots.collect::<Vec<_>>())
}

/// The plan walk's hook.
struct PlanHook<'a> {
    input: &'a PlanInput<'a>,
    opts: &'a PlanOptions,
    refreshed: &'a BTreeMap<AbsResourceInstance, Value>,
    changes: Vec<ResourceChange>,
    /// Planned actions so far, for `replace_triggered_by`.
    actions: HashMap<AbsResourceInstance, Action>,
    visited: HashSet<AbsResourceInstance>,
    module_instances: HashSet<ModuleInstance>,
    /// Under `--target`: resources the targets depend on (planned whole).
    dependency_resources: HashSet<(ModulePath, Resource)>,
    diags: Diagnostics,
}

impl<'a> PlanHook<'a> {
    fn new(
        input: &'a PlanInput<'a>,
        opts: &'a PlanOptions,
        refreshed: &'a BTreeMap<AbsResourceInstance, Value>,
    ) -> Self {
        PlanHook {
            input,
            opts,
            refreshed,
            changes: Vec::new(),
            actions: HashMap::new(),
            visited: HashSet::new(),
            module_instances: HashSet::new(),
            dependency_resources: HashSet::new(),
            diags: Diagnostics::new(),
        }
    }

    fn resource_config(&self, addr: &AbsResourceInstance) -> Option<&'a ResourceConfig> {
        self.input
            .config
            .module(&addr.resource.module.module_path())?
            .resources
            .get(&addr.resource.resource)
    }

    /// Whether `--target` (if any) covers this instance: targeted instances, and everything
    /// targeted resources depend on (whole resources), are planned.
    fn is_targeted(&self, addr: &AbsResourceInstance) -> bool {
        self.opts.targets.is_empty()
            || self.opts.targets.iter().any(|t| t.contains(addr))
            || self.dependency_resources.contains(&(
                addr.resource.module.module_path(),
                addr.resource.resource.clone(),
            ))
    }

    fn orphan_reason(&self, addr: &AbsResourceInstance) -> ActionReason {
        let module = addr.resource.module.module_path();
        if !addr.resource.module.is_root() && !self.module_instances.contains(&addr.resource.module)
        {
            return ActionReason::DeleteBecauseNoModule;
        }
        let Some(rc) = self
            .input
            .config
            .module(&module)
            .and_then(|m| m.resources.get(&addr.resource.resource))
        else {
            return ActionReason::DeleteBecauseNoResourceConfig;
        };
        match (&addr.key, rc.count.is_some(), rc.for_each.is_some()) {
            (InstanceKey::Int(_), true, _) => ActionReason::DeleteBecauseCountIndex,
            (InstanceKey::Str(_), _, true) => ActionReason::DeleteBecauseEachKey,
            _ => ActionReason::DeleteBecauseNoResourceConfig,
        }
    }

    /// Whether a resource that `replace_triggered_by` names has a planned change.
    fn triggered(&self, addr: &AbsResourceInstance, rc: &ResourceConfig) -> bool {
        rc.lifecycle.replace_triggered_by.iter().any(|expr| {
            let Ok(refs) = crate::lang::refs::references(&expr.expr, &expr.file) else {
                return false;
            };
            refs.iter().any(|r| match &r.subject {
                Referenceable::Resource(res) => self.actions.iter().any(|(a, action)| {
                    a.resource.module == addr.resource.module
                        && &a.resource.resource == res
                        && *action != Action::NoOp
                }),
                _ => false,
            })
        })
    }

    /// A data source is read while planning when it can be; otherwise the plan says it will be
    /// read during apply, and its value is unknown until then.
    fn plan_data_read(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        provider: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        if let Some(value) = read_data_source_now(addr, config, provider, schema)? {
            return Ok(value);
        }
        let planned = schema.mark_sensitive_attributes(schema.proposed_new(None, config));
        let mut c = change(
            addr.clone(),
            format!(
                "provider.{}",
                provider_for_type(&addr.resource.resource.type_name)
            ),
            Action::Read,
            None,
            Some(planned.clone()),
        );
        c.reason = None;
        self.changes.push(c);
        Ok(planned)
    }

    fn plan_instance(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        provider: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        let type_name = &addr.resource.resource.type_name;
        let prior = self.refreshed.get(addr);
        let rc = self.resource_config(addr);
        let config = match (prior, rc) {
            (Some(prior), Some(rc)) => {
                apply_ignore_changes(config, prior, &rc.lifecycle.ignore_changes)
            }
            _ => config.clone(),
        };
        let ProviderPlan {
            mut planned,
            requires_replace: mut replace_paths,
            mut notes,
        } = provider_plan(addr, prior, &config, provider, schema)?;
        let tainted = self
            .input
            .state
            .instance(addr)
            .is_some_and(|i| i.status == InstanceStatus::Tainted);
        let (action, reason) = match prior {
            None => (Action::Create, None),
            Some(prior) => {
                let forced = if tainted {
                    Some(ActionReason::Tainted)
                } else if self.opts.replace.contains(addr) {
                    Some(ActionReason::ReplaceByRequest)
                } else if rc.is_some_and(|rc| self.triggered(addr, rc)) {
                    Some(ActionReason::ReplaceByTriggers)
                } else {
                    None
                };
                if forced.is_none() && replace_paths.is_empty() {
                    let action = if same_object(prior, &planned) {
                        Action::NoOp
                    } else {
                        Action::Update
                    };
                    (action, None)
                } else {
                    if replace_paths.is_empty() {
                        // Forced: plan the replacement as the create it will be.
                        let create = provider_plan(addr, None, &config, provider, schema)?;
                        (planned, replace_paths, notes) =
                            (create.planned, create.requires_replace, create.notes);
                    }
                    let cbd = rc.is_some_and(|rc| rc.lifecycle.create_before_destroy);
                    (
                        if cbd {
                            Action::CreateThenDelete
                        } else {
                            Action::DeleteThenCreate
                        },
                        forced,
                    )
                }
            }
        };
        if action.is_replace() {
            if let Some(rc) = rc.filter(|rc| rc.lifecycle.prevent_destroy) {
                return Err(prevent_destroy_error(addr, rc).into());
            }
        }
        let planned = schema.mark_sensitive_attributes(planned);
        let provider_addr = format!("provider.{}", provider_for_type(type_name));
        self.actions.insert(addr.clone(), action);
        self.changes.push(ResourceChange {
            addr: addr.clone(),
            provider: provider_addr,
            action,
            before: prior.cloned(),
            after: Some(planned.clone()),
            replace_paths,
            reason,
            notes,
        });
        Ok(planned)
    }
}

impl InstanceValues for PlanHook<'_> {
    fn instance_value(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        provider: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        self.visited.insert(addr.clone());
        if addr.resource.resource.mode == ResourceMode::Data {
            return self.plan_data_read(addr, config, provider, schema);
        }
        if !self.is_targeted(addr) {
            // Untargeted instances keep what they are; nothing is planned for them.
            return Ok(self
                .refreshed
                .get(addr)
                .cloned()
                .unwrap_or_else(|| schema.proposed_new(None, config)));
        }
        self.plan_instance(addr, config, provider, schema)
    }
}

/// What [`provider_plan`] returns.
pub(crate) struct ProviderPlan {
    pub planned: Value,
    pub requires_replace: Vec<AttrPath>,
    pub notes: BTreeMap<AttrPath, String>,
}

/// The provider's plan for one instance: the proposed new state (ProposedNew of prior and
/// configuration) planned by the provider; the planned value, the paths forcing replacement
/// and the provider's notes on how the change will run.
pub(crate) fn provider_plan(
    addr: &AbsResourceInstance,
    prior: Option<&Value>,
    config: &Value,
    provider: &dyn Provider,
    schema: &Schema,
) -> Result<ProviderPlan, Diagnostics> {
    let proposed = schema.proposed_new(prior, config);
    let resp = provider
        .plan_resource_change(PlanRequest {
            type_name: &addr.resource.resource.type_name,
            prior_state: prior,
            proposed_new_state: Some(&proposed),
            config: Some(config),
        })
        .map_err(|e| Diagnostics::from(e.to_diagnostic().with_address(addr.to_string())))?;
    Ok(ProviderPlan {
        planned: resp.planned_state.unwrap_or(proposed),
        requires_replace: resp.requires_replace,
        notes: resp.notes,
    })
}

/// How the provider says a destroy will run (PlanResourceChange without a proposed state:
/// "stop with savepoint"); nothing when it has nothing to say.
fn destroy_notes(
    input: &PlanInput<'_>,
    addr: &AbsResourceInstance,
    prior: &Value,
) -> BTreeMap<AttrPath, String> {
    let type_name = &addr.resource.resource.type_name;
    let provider = input.providers.get(provider_for_type(type_name));
    match provider {
        Some(provider) if addr.resource.resource.mode == ResourceMode::Managed => provider
            .plan_resource_change(PlanRequest {
                type_name,
                prior_state: Some(prior),
                proposed_new_state: None,
                config: None,
            })
            .map(|r| r.notes)
            .unwrap_or_default(),
        _ => BTreeMap::new(),
    }
}

fn prevent_destroy_error(addr: &AbsResourceInstance, rc: &ResourceConfig) -> Diagnostic {
    Diagnostic::error(
        "Instance cannot be destroyed",
        format!(
            "Resource {addr} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the --target flag."
        ),
    )
    .with_subject(rc.decl_range.clone())
    .with_address(addr.to_string())
}

/// The configuration with ignored attributes taken from the prior object.
pub(crate) fn apply_ignore_changes(config: &Value, prior: &Value, ignore: &IgnoreChanges) -> Value {
    match ignore {
        IgnoreChanges::None => config.clone(),
        IgnoreChanges::All => {
            // Every configurable attribute keeps its prior value.
            let (Some(c), Some(p)) = (config.as_map(), prior.as_map()) else {
                return config.clone();
            };
            let merged = c
                .iter()
                .map(|(k, v)| (k.clone(), p.get(k).cloned().unwrap_or_else(|| v.clone())))
                .collect();
            Value::object(merged)
        }
        IgnoreChanges::Paths(exprs) => {
            let mut out = config.clone();
            for expr in exprs {
                if let Ok(steps) = crate::lang::refs::attribute_path(&expr.expr, &expr.file) {
                    let path = AttrPath(steps);
                    if let Some(prior_value) = path.get(prior) {
                        out = set_path(out, &path.0, prior_value.clone());
                    }
                }
            }
            out
        }
    }
}

/// `value` with the part at `path` replaced (missing intermediate parts are left alone).
fn set_path(value: Value, path: &[PathStep], new: Value) -> Value {
    let Some((first, rest)) = path.split_first() else {
        return new;
    };
    let sensitive = value.is_sensitive();
    let out = match (value.into_kind(), first) {
        (crate::lang::ValueKind::Object(mut m), PathStep::Attr(k) | PathStep::Key(k)) => {
            if let Some(v) = m.remove(k) {
                m.insert(k.clone(), set_path(v, rest, new));
            } else if rest.is_empty() {
                m.insert(k.clone(), new);
            }
            Value::object(m)
        }
        (crate::lang::ValueKind::Map(mut m), PathStep::Attr(k) | PathStep::Key(k)) => {
            match m.remove(k) {
                Some(v) => {
                    m.insert(k.clone(), set_path(v, rest, new));
                }
                None if rest.is_empty() => {
                    m.insert(k.clone(), new);
                }
                None => {}
            }
            Value::map(m)
        }
        (crate::lang::ValueKind::List(mut v), PathStep::Index(i)) => {
            if let Some(slot) = usize::try_from(*i).ok().and_then(|i| v.get_mut(i)) {
                let old = std::mem::replace(slot, Value::null());
                *slot = set_path(old, rest, new);
            }
            Value::list(v)
        }
        (crate::lang::ValueKind::Tuple(mut v), PathStep::Index(i)) => {
            if let Some(slot) = usize::try_from(*i).ok().and_then(|i| v.get_mut(i)) {
                let old = std::mem::replace(slot, Value::null());
                *slot = set_path(old, rest, new);
            }
            Value::tuple(v)
        }
        (kind, _) => Value::from(kind),
    };
    out.mark_sensitive_if(sensitive)
}

/// Root output changes against the recorded outputs.
fn output_changes(
    input: &PlanInput<'_>,
    mode: PlanMode,
    outputs: &BTreeMap<String, Value>,
    diags: &mut Diagnostics,
) -> Vec<OutputChange> {
    let mut out = Vec::new();
    let recorded: BTreeMap<&String, Option<Value>> = input
        .state
        .outputs
        .iter()
        .map(|(k, o)| match o.value() {
            Ok(v) => (k, Some(v)),
            Err(e) => {
                diags.push(Diagnostic::warning(
                    "Invalid recorded output",
                    format!("Output \"{k}\" in the state cannot be read: {e}."),
                ));
                (k, None)
            }
        })
        .collect();
    let declared = &input.config.root.outputs;
    if mode == PlanMode::Normal {
        for (name, after) in outputs {
            let sensitive =
                declared.get(name).is_some_and(|o| o.sensitive) || after.contains_sensitive();
            let before = recorded.get(name).cloned().flatten();
            let action = match &before {
                None => Action::Create,
                Some(b) if same_object(b, after) => Action::NoOp,
                Some(_) => Action::Update,
            };
            out.push(OutputChange {
                name: name.clone(),
                action,
                before,
                after: Some(after.clone()),
                sensitive,
            });
        }
    }
    for (name, before) in &recorded {
        if mode == PlanMode::Destroy || !outputs.contains_key(*name) {
            let sensitive = input.state.outputs.get(*name).is_some_and(|o| o.sensitive);
            out.push(OutputChange {
                name: (*name).clone(),
                action: Action::Delete,
                before: before.clone(),
                after: None,
                sensitive,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_path_replaces_nested_parts() {
        let v = Value::object(BTreeMap::from([(
            "tags".to_string(),
            Value::map(BTreeMap::from([
                ("a".to_string(), Value::string("1")),
                ("b".to_string(), Value::string("2")),
            ])),
        )]));
        let out = set_path(
            v,
            &[PathStep::Attr("tags".into()), PathStep::Key("a".into())],
            Value::string("x"),
        );
        assert_eq!(out.to_string(), r#"{ tags = { a = "x", b = "2" } }"#);
    }

    #[test]
    fn same_object_ignores_collection_kinds_but_not_unknowns() {
        let a = Value::tuple(vec![Value::string("x")]);
        let b = Value::list(vec![Value::string("x")]);
        assert!(same_object(&a, &b));
        let c = Value::list(vec![Value::unknown(crate::lang::Type::String)]);
        assert!(!same_object(&a, &c));
    }
}
