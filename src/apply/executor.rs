//! The executor's three phases (see the module documentation).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use petgraph::stable_graph::NodeIndex;
use petgraph::Direction;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::hooks::{ApplyHooks, Interrupt, OpKind};
use crate::addrs::{AbsResourceInstance, ModulePath, Resource};
use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::graph::deps::resource_dependencies;
use crate::graph::walk::{read_data_source_now, InstanceValues, ProviderSet, WalkInput, Walker};
use crate::graph::{ConfigGraph, NodeKey};
use crate::lang::{FuncContext, Value};
use crate::plan::planner::{apply_ignore_changes, provider_plan, recorded_value, ProviderPlan};
use crate::plan::{Action, Plan, ResourceChange};
use crate::providers::schema::Schema;
use crate::providers::{provider_for_type, ApplyRequest, Provider};
use crate::state::{Change, InstanceState, OutputState, State, StateWriter};

/// Everything an apply needs.
pub struct ApplyInput<'a> {
    pub config: &'a Config,
    pub graph: &'a ConfigGraph,
    pub root_variables: &'a BTreeMap<String, Value>,
    pub providers: &'a ProviderSet,
    pub plan: &'a Plan,
    /// The state the plan was made against (as refreshed).
    pub prior: &'a State,
    pub cwd: PathBuf,
    pub parallelism: usize,
    pub writer: &'a StateWriter,
    pub hooks: Arc<dyn ApplyHooks>,
    pub interrupt: Arc<Interrupt>,
}

/// What an apply did.
#[derive(Debug, Default)]
pub struct ApplyOutcome {
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
    /// Operations that failed (their errors are in the diagnostics).
    pub failed: Vec<AbsResourceInstance>,
    /// Planned operations not run because something they depend on failed, or because of an
    /// interrupt.
    pub skipped: Vec<AbsResourceInstance>,
    pub interrupted: bool,
}

/// One provider operation.
struct Job {
    addr: AbsResourceInstance,
    op: OpKind,
    prior: Option<Value>,
    planned: Option<Value>,
    config: Option<Value>,
    provider: Arc<dyn Provider>,
    /// What the result changes in the state.
    record: Record,
    /// The provider configuration, as recorded in state.
    provider_addr: String,
}

/// An operation in flight that a provider said how to resume (see [`Checkpoint`]).
struct Pending {
    addr: AbsResourceInstance,
    provider_addr: String,
    /// The object as known before the operation ends (prior, or planned for a create).
    base: Option<Value>,
    operation: serde_json::Value,
}

/// How a finished operation changes the state.
#[derive(Clone, Copy, PartialEq)]
enum Record {
    /// Store the new object.
    Set,
    /// Remove the instance (a plain delete, or the first half of delete-then-create).
    Remove,
    /// Nothing: the old object of a create-before-destroy replacement, whose address already
    /// holds the new object.
    Nothing,
}

struct Finished {
    job_id: usize,
    addr: AbsResourceInstance,
    op: OpKind,
    record: Record,
    result: Result<Option<Value>, Diagnostic>,
    elapsed: Duration,
    /// The object's id, for the progress line.
    id: Option<String>,
}

/// `v` with unknown parts null: what of a planned object can be recorded before it exists.
fn known_parts(v: &Value) -> Value {
    use crate::lang::ValueKind;
    let out = match v.kind() {
        ValueKind::Unknown(t) => Value::null_of(t.clone()),
        ValueKind::List(e) => Value::list(e.iter().map(known_parts).collect()),
        ValueKind::Set(e) => Value::set(e.iter().map(known_parts).collect()),
        ValueKind::Tuple(e) => Value::tuple(e.iter().map(known_parts).collect()),
        ValueKind::Map(m) => {
            Value::map(m.iter().map(|(k, v)| (k.clone(), known_parts(v))).collect())
        }
        ValueKind::Object(m) => {
            Value::object(m.iter().map(|(k, v)| (k.clone(), known_parts(v))).collect())
        }
        _ => v.clone(),
    };
    out.mark_sensitive_if(v.is_sensitive())
}

/// The static address a resource's dependencies are recorded by: `module.a.flink_job.etl`.
fn static_key(module: &ModulePath, resource: &Resource) -> String {
    if module.is_root() {
        resource.to_string()
    } else {
        format!("{module}.{resource}")
    }
}

fn id_of(v: Option<&Value>) -> Option<String> {
    let id = v?.get_attr("id")?;
    if id.is_sensitive() {
        return None;
    }
    id.as_str().map(str::to_string)
}

/// Runs one operation, reporting progress; holds a parallelism permit while it runs.
async fn run_job(
    job_id: usize,
    job: Job,
    permits: Arc<Semaphore>,
    hooks: Arc<dyn ApplyHooks>,
    checkpoints: UnboundedSender<Pending>,
) -> Finished {
    let _permit = permits.acquire_owned().await;
    let id = id_of(job.prior.as_ref());
    hooks.starting(&job.addr, job.op, id.as_deref());
    let start = Instant::now();
    let type_name = job.addr.resource.resource.type_name.clone();
    let (addr, provider_addr, base) = (
        job.addr.clone(),
        job.provider_addr.clone(),
        job.prior.clone().or(job.planned.clone()),
    );
    let report = {
        let (hooks, addr) = (hooks.clone(), job.addr.clone());
        move |text: String| hooks.message(&addr, &text)
    };
    let checkpoint = move |operation: serde_json::Value| {
        let _ = checkpoints.send(Pending {
            addr: addr.clone(),
            provider_addr: provider_addr.clone(),
            base: base.clone(),
            operation,
        });
    };
    let address = job.addr.clone();
    let fut = async {
        match job.op {
            OpKind::Read => job
                .provider
                .read_data_source(&type_name, job.config.as_ref().unwrap_or(&Value::null()))
                .await
                .map(Some),
            _ => {
                job.provider
                    .apply_resource_change(ApplyRequest {
                        type_name: &type_name,
                        address: &address,
                        prior_state: job.prior.as_ref(),
                        planned_state: job.planned.as_ref(),
                        config: job.config.as_ref(),
                        checkpoint: Some(&checkpoint),
                        report: Some(&report),
                    })
                    .await
            }
        }
    };
    tokio::pin!(fut);
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(10),
        Duration::from_secs(10),
    );
    let result = loop {
        tokio::select! {
            r = &mut fut => break r,
            _ = tick.tick() => hooks.still_running(&job.addr, job.op, start.elapsed()),
        }
    };
    let result = result.map_err(|e| e.to_diagnostic().with_address(job.addr.to_string()));
    let new_id = match &result {
        Ok(v) => id_of(v.as_ref()).or(id),
        Err(_) => id,
    };
    // The "complete" line is printed by the scheduler once the result is recorded, so that
    // what the output calls complete is in the state.
    Finished {
        job_id,
        addr: job.addr,
        op: job.op,
        record: job.record,
        result,
        elapsed: start.elapsed(),
        id: new_id,
    }
}

/// The state of one apply across its phases.
struct Run<'a> {
    input: &'a ApplyInput<'a>,
    permits: Arc<Semaphore>,
    outcome: ApplyOutcome,
    diags: Diagnostics,
    /// Static resource key → the resources it depended on, for recording in state.
    dependencies: HashMap<String, Vec<String>>,
    checkpoint_tx: UnboundedSender<Pending>,
    checkpoint_rx: UnboundedReceiver<Pending>,
}

/// Applies the plan. Every completed operation is recorded through `input.writer`; the
/// caller finishes the writer.
pub async fn apply(input: &ApplyInput<'_>) -> (ApplyOutcome, Diagnostics) {
    let dependencies = resource_dependencies(input.graph)
        .into_iter()
        .filter_map(|(ix, deps)| match &input.graph.graph[ix].key {
            NodeKey::Resource(m, r) => Some((
                static_key(m, r),
                deps.iter()
                    .filter_map(|k| match k {
                        NodeKey::Resource(m, r) => Some(static_key(m, r)),
                        _ => None,
                    })
                    .collect(),
            )),
            _ => None,
        })
        .collect();
    let (checkpoint_tx, checkpoint_rx) = unbounded_channel();
    let mut run = Run {
        input,
        permits: Arc::new(Semaphore::new(input.parallelism.max(1))),
        outcome: ApplyOutcome::default(),
        diags: Diagnostics::new(),
        dependencies,
        checkpoint_tx,
        checkpoint_rx,
    };
    let changes = &input.plan.changes;

    // What refresh found is recorded first, so the state says it even if nothing else runs.
    for d in &input.plan.drift {
        let change = match (&d.action, &d.after) {
            (Action::Delete, _) => Some(Change::RemoveInstance {
                address: d.addr.clone(),
            }),
            (_, Some(after)) => InstanceState::from_value(after).ok().map(|mut inst| {
                if let Some(prior) = input.prior.instance(&d.addr) {
                    inst.dependencies = prior.dependencies.clone();
                }
                Change::SetInstance {
                    address: d.addr.clone(),
                    provider: d.provider.clone(),
                    instance: inst,
                }
            }),
            _ => None,
        };
        if let Some(change) = change {
            if let Err(e) = input.writer.record(change) {
                run.diags
                    .push(Diagnostic::error("Failed to persist state", e.to_string()));
            }
        }
    }

    // Phase 1: deletes, and the first half of delete-then-create.
    let early: Vec<&ResourceChange> = changes
        .iter()
        .filter(|c| matches!(c.action, Action::Delete | Action::DeleteThenCreate))
        .collect();
    let failed_deletes = run.deletes(&early).await;

    // Phase 2: the configuration walk. A replacement whose delete failed is not created.
    let mut walked = HashSet::new();
    if input.plan.mode == crate::plan::PlanMode::Normal {
        walked = run.configuration_walk(&failed_deletes).await;
    } else {
        run.record_outputs(&BTreeMap::new());
    }

    // Phase 3: old objects of create-before-destroy replacements whose create succeeded.
    let late: Vec<&ResourceChange> = changes
        .iter()
        .filter(|c| c.action == Action::CreateThenDelete && walked.contains(&c.addr))
        .collect();
    run.deletes(&late).await;

    (run.outcome, run.diags)
}

impl Run<'_> {
    fn provider_for(&self, addr: &AbsResourceInstance) -> Option<Arc<dyn Provider>> {
        self.input
            .providers
            .get(provider_for_type(&addr.resource.resource.type_name))
            .cloned()
    }

    /// The next finished operation, recording operations in flight that checkpoint meanwhile;
    /// `None` when nothing runs.
    async fn next_finished(
        &mut self,
        tasks: &mut JoinSet<Finished>,
    ) -> Option<Result<Finished, tokio::task::JoinError>> {
        loop {
            tokio::select! {
                biased;
                Some(p) = self.checkpoint_rx.recv() => self.record_pending(p),
                joined = tasks.join_next() => {
                    while let Ok(p) = self.checkpoint_rx.try_recv() {
                        self.record_pending(p);
                    }
                    return joined;
                }
            }
        }
    }

    /// Records an operation in flight: the instance, pending, with what resuming it needs.
    fn record_pending(&mut self, p: Pending) {
        let base = p
            .base
            .as_ref()
            .map(known_parts)
            .unwrap_or_else(Value::empty_object);
        let Ok(mut inst) = InstanceState::from_value(&base) else {
            return;
        };
        inst.status = crate::state::InstanceStatus::Pending;
        inst.pending_operation = Some(p.operation);
        let key = static_key(
            &p.addr.resource.module.module_path(),
            &p.addr.resource.resource,
        );
        inst.dependencies = self.dependencies.get(&key).cloned().unwrap_or_default();
        if let Err(e) = self.input.writer.record(Change::SetInstance {
            address: p.addr,
            provider: p.provider_addr,
            instance: inst,
        }) {
            self.diags
                .push(Diagnostic::error("Failed to persist state", e.to_string()));
        }
    }

    /// Applies the state change of a finished operation, then reports it; returns whether it
    /// succeeded.
    fn record(&mut self, f: &Finished, provider_addr: &str) -> bool {
        let ok = self.record_change(f, provider_addr);
        self.input
            .hooks
            .finished(&f.addr, f.op, f.elapsed, f.id.as_deref(), ok);
        ok
    }

    fn record_change(&mut self, f: &Finished, provider_addr: &str) -> bool {
        if let (OpKind::Delete, Ok(Some(left))) = (f.op, &f.result) {
            self.keep_in_backup(f, left, provider_addr);
        }
        let change = match (&f.result, f.record) {
            (Err(d), _) => {
                self.diags.push(d.clone());
                self.outcome.failed.push(f.addr.clone());
                return false;
            }
            (Ok(_), Record::Nothing) => None,
            (Ok(_), Record::Remove) | (Ok(None), Record::Set) => Some(Change::RemoveInstance {
                address: f.addr.clone(),
            }),
            (Ok(Some(value)), Record::Set) => match InstanceState::from_value(value) {
                Ok(mut inst) => {
                    let key = static_key(
                        &f.addr.resource.module.module_path(),
                        &f.addr.resource.resource,
                    );
                    inst.dependencies = self.dependencies.get(&key).cloned().unwrap_or_default();
                    Some(Change::SetInstance {
                        address: f.addr.clone(),
                        provider: provider_addr.to_string(),
                        instance: inst,
                    })
                }
                Err(e) => {
                    self.diags.push(
                        Diagnostic::error(
                            "Provider returned an invalid object",
                            format!(
                                "The object returned for {} cannot be recorded: {e}.",
                                f.addr
                            ),
                        )
                        .with_address(f.addr.to_string()),
                    );
                    self.outcome.failed.push(f.addr.clone());
                    return false;
                }
            },
        };
        if let Some(change) = change {
            if let Err(e) = self.input.writer.record(change) {
                self.diags
                    .push(Diagnostic::error("Failed to persist state", e.to_string()));
            }
        }
        match f.op {
            OpKind::Create => self.outcome.added += 1,
            OpKind::Update => self.outcome.changed += 1,
            OpKind::Delete => self.outcome.destroyed += 1,
            OpKind::Read => {}
        }
        true
    }

    /// Records what a destroyed object left behind, for the state backup.
    fn keep_in_backup(&mut self, f: &Finished, left: &Value, provider_addr: &str) {
        let Ok(mut instance) = InstanceState::from_value(left) else {
            return;
        };
        if let Some(prior) = self.input.prior.instance(&f.addr) {
            instance.dependencies = prior.dependencies.clone();
        }
        if let Err(e) = self.input.writer.record(Change::KeepInBackup {
            address: f.addr.clone(),
            provider: provider_addr.to_string(),
            instance,
        }) {
            self.diags
                .push(Diagnostic::error("Failed to persist state", e.to_string()));
        }
    }

    /// Deletes `changes`' prior objects in reverse dependency order: an object goes only
    /// after every object being deleted that depended on it. Returns the addresses whose
    /// delete failed or was skipped.
    async fn deletes(&mut self, changes: &[&ResourceChange]) -> HashSet<AbsResourceInstance> {
        let mut not_done = HashSet::new();
        if changes.is_empty() {
            return not_done;
        }
        let key_of = |c: &ResourceChange| {
            static_key(
                &c.addr.resource.module.module_path(),
                &c.addr.resource.resource,
            )
        };
        let deps_of = |c: &ResourceChange| -> BTreeSet<String> {
            let own = key_of(c);
            self.input
                .prior
                .instance(&c.addr)
                .map(|i| {
                    i.dependencies
                        .iter()
                        .filter(|d| **d != own)
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        };
        // How many deletes still have to happen before each resource's objects may go.
        let mut waiting_on: HashMap<String, usize> = HashMap::new();
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let deps: Vec<BTreeSet<String>> = changes.iter().map(|c| deps_of(c)).collect();
        for (i, c) in changes.iter().enumerate() {
            by_key.entry(key_of(c)).or_default().push(i);
        }
        for d in &deps {
            for key in d {
                if by_key.contains_key(key) {
                    *waiting_on.entry(key.clone()).or_default() += 1;
                }
            }
        }
        let mut blocked: HashSet<String> = HashSet::new();
        let mut ready: Vec<usize> = by_key
            .iter()
            .filter(|(k, _)| waiting_on.get(*k).copied().unwrap_or(0) == 0)
            .flat_map(|(_, v)| v.iter().copied())
            .collect();
        ready.sort_unstable();
        let mut tasks = JoinSet::new();
        let mut provider_addrs = HashMap::new();
        let mut remaining = changes.len();
        // Called when delete `i` is settled (done, failed or skipped).
        let settle = |i: usize,
                      ok: bool,
                      waiting_on: &mut HashMap<String, usize>,
                      blocked: &mut HashSet<String>,
                      ready: &mut Vec<usize>| {
            for key in &deps[i] {
                if let Some(n) = waiting_on.get_mut(key) {
                    if !ok {
                        blocked.insert(key.clone());
                    }
                    *n -= 1;
                    if *n == 0 {
                        ready.extend(by_key.get(key).into_iter().flatten().copied());
                    }
                }
            }
        };
        while remaining > 0 {
            while let Some(i) = ready.pop() {
                let c = changes[i];
                let skip = blocked.contains(&key_of(c)) || self.input.interrupt.stopping();
                let provider = self.provider_for(&c.addr);
                match (skip, provider) {
                    (false, Some(provider)) => {
                        let record = if c.action == Action::CreateThenDelete {
                            Record::Nothing
                        } else {
                            Record::Remove
                        };
                        let job = Job {
                            addr: c.addr.clone(),
                            op: OpKind::Delete,
                            prior: c.before.clone(),
                            planned: None,
                            config: None,
                            provider,
                            record,
                            provider_addr: c.provider.clone(),
                        };
                        provider_addrs.insert(i, c.provider.clone());
                        tasks.spawn(run_job(
                            i,
                            job,
                            self.permits.clone(),
                            self.input.hooks.clone(),
                            self.checkpoint_tx.clone(),
                        ));
                    }
                    (skip, provider) => {
                        if provider.is_none() && !skip {
                            self.diags.push(Diagnostic::error(
                                "Provider not available",
                                format!("No provider for {}.", c.addr),
                            ));
                            self.outcome.failed.push(c.addr.clone());
                        } else {
                            self.outcome.skipped.push(c.addr.clone());
                            self.outcome.interrupted |= self.input.interrupt.stopping();
                        }
                        not_done.insert(c.addr.clone());
                        remaining -= 1;
                        settle(i, false, &mut waiting_on, &mut blocked, &mut ready);
                    }
                }
            }
            let Some(joined) = self.next_finished(&mut tasks).await else {
                break;
            };
            let Ok(f) = joined else { continue };
            let provider_addr = provider_addrs.remove(&f.job_id).unwrap_or_default();
            let ok = self.record(&f, &provider_addr);
            if !ok {
                not_done.insert(f.addr.clone());
            }
            remaining -= 1;
            settle(f.job_id, ok, &mut waiting_on, &mut blocked, &mut ready);
        }
        not_done
    }

    /// Walks the configuration graph, running each resource node's creates and updates once
    /// its dependencies are done. Returns the instances whose create or update succeeded.
    async fn configuration_walk(
        &mut self,
        failed_deletes: &HashSet<AbsResourceInstance>,
    ) -> HashSet<AbsResourceInstance> {
        let input = self.input;
        let walk_input = WalkInput {
            config: input.config,
            graph: input.graph,
            root_variables: input.root_variables,
            providers: input.providers,
            func: FuncContext {
                base_dir: input.cwd.clone(),
                plan_time: false,
            },
            cwd: input.cwd.clone(),
            validate_only: false,
            only: None,
        };
        let mut walker = Walker::new(&walk_input);
        let changes: HashMap<&AbsResourceInstance, &ResourceChange> =
            input.plan.changes.iter().map(|c| (&c.addr, c)).collect();
        let mut hook = ApplyWalkHook {
            config: input.config,
            run_providers: input.providers,
            prior: input.prior,
            changes: &changes,
            pending: Vec::new(),
        };

        let g = &input.graph.graph;
        let mut waiting: HashMap<NodeIndex, usize> = g
            .node_indices()
            .map(|ix| (ix, g.neighbors_directed(ix, Direction::Outgoing).count()))
            .collect();
        let mut ready: Vec<NodeIndex> = waiting
            .iter()
            .filter(|(_, n)| **n == 0)
            .map(|(ix, _)| *ix)
            .collect();
        ready.sort_by(|a, b| g[*b].key.cmp(&g[*a].key));
        let mut failed_nodes: HashSet<NodeIndex> = HashSet::new();
        let mut in_flight: HashMap<NodeIndex, (usize, bool)> = HashMap::new();
        let mut job_nodes: HashMap<usize, (NodeIndex, String)> = HashMap::new();
        let mut next_job = 0usize;
        let mut tasks = JoinSet::new();
        let mut succeeded = HashSet::new();

        // Marks a node done and releases its dependents.
        fn complete(
            g: &petgraph::stable_graph::StableDiGraph<crate::graph::Node, ()>,
            ix: NodeIndex,
            failed: bool,
            waiting: &mut HashMap<NodeIndex, usize>,
            failed_nodes: &mut HashSet<NodeIndex>,
            ready: &mut Vec<NodeIndex>,
        ) {
            if failed {
                failed_nodes.insert(ix);
            }
            for dependent in g.neighbors_directed(ix, Direction::Incoming) {
                if let Some(n) = waiting.get_mut(&dependent) {
                    *n -= 1;
                    if *n == 0 {
                        ready.push(dependent);
                    }
                }
            }
        }

        loop {
            while let Some(ix) = ready.pop() {
                let key = g[ix].key.clone();
                let upstream_failed = g
                    .neighbors_directed(ix, Direction::Outgoing)
                    .any(|d| failed_nodes.contains(&d));
                if upstream_failed || input.interrupt.stopping() {
                    self.skip_node(&key, &changes);
                    self.outcome.interrupted |= input.interrupt.stopping();
                    complete(g, ix, true, &mut waiting, &mut failed_nodes, &mut ready);
                    continue;
                }
                walker.visit(&key, &mut hook);
                let errors = walker.take_diagnostics();
                let eval_failed = errors.has_errors();
                self.diags.extend(errors);
                let jobs: Vec<Job> = std::mem::take(&mut hook.pending)
                    .into_iter()
                    .filter(|j| {
                        // A replacement whose old object could not be deleted is not created.
                        if failed_deletes.contains(&j.addr) {
                            self.outcome.skipped.push(j.addr.clone());
                            false
                        } else {
                            true
                        }
                    })
                    .collect();
                if jobs.is_empty() || eval_failed {
                    for j in &jobs {
                        self.outcome.skipped.push(j.addr.clone());
                    }
                    complete(
                        g,
                        ix,
                        eval_failed,
                        &mut waiting,
                        &mut failed_nodes,
                        &mut ready,
                    );
                    continue;
                }
                in_flight.insert(ix, (jobs.len(), false));
                for job in jobs {
                    let id = next_job;
                    next_job += 1;
                    let provider_addr = changes
                        .get(&job.addr)
                        .map(|c| c.provider.clone())
                        .unwrap_or_default();
                    job_nodes.insert(id, (ix, provider_addr));
                    tasks.spawn(run_job(
                        id,
                        job,
                        self.permits.clone(),
                        input.hooks.clone(),
                        self.checkpoint_tx.clone(),
                    ));
                }
            }
            let Some(joined) = self.next_finished(&mut tasks).await else {
                break;
            };
            let Ok(f) = joined else { continue };
            let Some((ix, provider_addr)) = job_nodes.remove(&f.job_id) else {
                continue;
            };
            let ok = self.record(&f, &provider_addr);
            if ok {
                succeeded.insert(f.addr.clone());
                if let Ok(Some(value)) = &f.result {
                    let schema = input
                        .providers
                        .resource_schema(&f.addr.resource.resource)
                        .ok()
                        .map(|(_, s)| s);
                    let value = match schema {
                        Some(s) => s.mark_sensitive_attributes(value.clone()),
                        None => value.clone(),
                    };
                    walker.set_instance_value(&f.addr, value);
                }
            }
            if let Some(entry) = in_flight.get_mut(&ix) {
                entry.0 -= 1;
                entry.1 |= !ok;
                if entry.0 == 0 {
                    let failed = entry.1;
                    in_flight.remove(&ix);
                    complete(g, ix, failed, &mut waiting, &mut failed_nodes, &mut ready);
                }
            }
        }

        let (expansion, d) = walker.finish();
        self.diags.extend(d);
        self.record_outputs(&expansion.root_outputs);
        succeeded
    }

    /// Records the plan's output changes: deletions always, new values when the walk computed
    /// them wholly known.
    fn record_outputs(&mut self, computed: &BTreeMap<String, Value>) {
        for oc in &self.input.plan.output_changes {
            let change = match (oc.action, computed.get(&oc.name)) {
                (Action::Delete, _) => Some(Change::RemoveOutput {
                    name: oc.name.clone(),
                }),
                (_, Some(v)) if v.is_wholly_known() => {
                    OutputState::from_value(v).ok().map(|mut output| {
                        output.sensitive |= oc.sensitive;
                        Change::SetOutput {
                            name: oc.name.clone(),
                            output,
                        }
                    })
                }
                _ => None,
            };
            if let Some(change) = change {
                if let Err(e) = self.input.writer.record(change) {
                    self.diags
                        .push(Diagnostic::error("Failed to persist state", e.to_string()));
                }
            }
        }
    }

    /// Lists the planned operations of a node that will not run.
    fn skip_node(
        &mut self,
        key: &NodeKey,
        changes: &HashMap<&AbsResourceInstance, &ResourceChange>,
    ) {
        let NodeKey::Resource(path, res) = key else {
            return;
        };
        for (addr, c) in changes {
            if &addr.resource.module.module_path() == path
                && &addr.resource.resource == res
                && !matches!(c.action, Action::NoOp | Action::Delete)
            {
                self.outcome.skipped.push((*addr).clone());
            }
        }
    }
}

/// The configuration walk's hook: decides each instance's final plan from its configuration
/// as evaluated now (with its dependencies' real values), and queues the operation.
struct ApplyWalkHook<'a> {
    config: &'a Config,
    run_providers: &'a ProviderSet,
    prior: &'a State,
    changes: &'a HashMap<&'a AbsResourceInstance, &'a ResourceChange>,
    pending: Vec<Job>,
}

impl InstanceValues for ApplyWalkHook<'_> {
    fn instance_value(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        provider: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        if addr.resource.resource.mode == crate::addrs::ResourceMode::Data
            && !self.changes.contains_key(addr)
        {
            // Read while planning: read again, for the values as they are now.
            if let Some(v) = read_data_source_now(addr, config, provider, schema)? {
                return Ok(v);
            }
        }
        let Some(change) = self.changes.get(addr) else {
            // Not in the plan (untargeted): it stays as recorded.
            return Ok(match recorded_value(self.run_providers, addr, self.prior) {
                Ok(v) => v,
                Err(_) => schema.proposed_new(None, config),
            });
        };
        let (op, prior) = match change.action {
            Action::NoOp | Action::Delete => {
                return Ok(change.before.clone().unwrap_or_else(Value::null))
            }
            Action::Read => (OpKind::Read, None),
            Action::Update => (OpKind::Update, change.before.as_ref()),
            Action::Create | Action::DeleteThenCreate | Action::CreateThenDelete => {
                (OpKind::Create, None)
            }
        };
        let type_name = &addr.resource.resource.type_name;
        let final_config = match (&change.before, self.config_lifecycle(addr)) {
            (Some(before), Some(ignore)) => apply_ignore_changes(config, before, ignore),
            _ => config.clone(),
        };
        let planned = if op == OpKind::Read {
            final_config.clone()
        } else {
            let ProviderPlan {
                planned,
                requires_replace,
                ..
            } = provider_plan(addr, prior, &final_config, provider, schema)?;
            if op == OpKind::Update && !requires_replace.is_empty() {
                return Err(Diagnostic::error(
                    "Provider produced inconsistent final plan",
                    format!(
                        "When expanding the plan for {addr} to include new values learned so far during apply, the provider now requires replacement, but the plan said update in place. Run plan again."
                    ),
                )
                .with_address(addr.to_string())
                .into());
            }
            schema.mark_sensitive_attributes(planned)
        };
        let Some(arc) = self
            .run_providers
            .get(provider_for_type(type_name))
            .cloned()
        else {
            return Err(Diagnostic::error(
                "Provider not available",
                format!("No provider for {addr}."),
            )
            .into());
        };
        self.pending.push(Job {
            addr: addr.clone(),
            op,
            prior: prior.cloned(),
            planned: Some(planned.clone()),
            config: Some(final_config),
            provider: arc,
            // Data sources are read each run, never recorded.
            record: if op == OpKind::Read {
                Record::Nothing
            } else {
                Record::Set
            },
            provider_addr: change.provider.clone(),
        });
        Ok(planned)
    }
}

impl<'a> ApplyWalkHook<'a> {
    /// The `ignore_changes` of the instance's resource block.
    fn config_lifecycle(
        &self,
        addr: &AbsResourceInstance,
    ) -> Option<&'a crate::config::IgnoreChanges> {
        let module = self.config.module(&addr.resource.module.module_path())?;
        Some(
            &module
                .resources
                .get(&addr.resource.resource)?
                .lifecycle
                .ignore_changes,
        )
    }
}
