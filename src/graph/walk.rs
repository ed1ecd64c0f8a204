//! The evaluation walk: visits the configuration graph in dependency order, evaluates every
//! expression in every module instance, expands `count`/`for_each` into instances, and asks an
//! [`InstanceValues`] hook for each resource instance's value (its configuration with computed
//! attributes unknown when validating; the provider's planned state when planning).
//!
//! Values are kept per module instance in one store; a scope for evaluating one node borrows
//! the store and names the node's module instance and repetition (`count.index`, `each.*`), so
//! nothing is cloned per node but the values actually referenced.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::body::{conversion_message, eval_body, eval_body_hinting, path_range};
use petgraph::stable_graph::NodeIndex;

use super::{ConfigGraph, NodeKey};
use crate::addrs::{
    AbsResource, AbsResourceInstance, InstanceKey, ModuleInstance, ModulePath, PathAttr,
    ProviderConfigAddr, Referenceable, Resource, ResourceMode,
};
use crate::config::{variables, Body, Config, Expr, Module, RESOURCE_META_ATTRS};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, SourceRange};
use crate::lang::{eval_expr, EvalScope, FuncContext, Type, Value, ValueKind};
use crate::providers::schema::Schema;
use crate::providers::{self, provider_for_type, PlanRequest, Provider};

/// The providers a walk can use, by name, with their schemas.
pub struct ProviderSet {
    providers: BTreeMap<String, Arc<dyn Provider>>,
    /// Providers already configured in this run (a second walk does not configure again).
    configured: std::sync::Mutex<HashSet<String>>,
}

impl ProviderSet {
    /// Every provider this build of flinkform knows.
    pub fn available() -> Self {
        let providers = providers::available()
            .iter()
            .filter_map(|name| providers::instantiate(name).map(|p| (name.to_string(), p)))
            .collect();
        ProviderSet {
            providers,
            configured: Default::default(),
        }
    }

    /// Records that `name` is configured; false if it already was.
    fn mark_configured(&self, name: &str) -> bool {
        self.configured
            .lock()
            .map(|mut c| c.insert(name.to_string()))
            .unwrap_or(false)
    }

    pub fn get(&self, name: &str) -> Option<&Arc<dyn Provider>> {
        self.providers.get(name)
    }

    /// The provider serving a resource type, and the type's schema; or a diagnostic (without
    /// subject) saying why there is none.
    pub fn resource_schema(
        &self,
        r: &Resource,
    ) -> Result<(&Arc<dyn Provider>, &Schema), Diagnostic> {
        let provider_name = provider_for_type(&r.type_name);
        let Some(p) = self.providers.get(provider_name) else {
            return Err(Diagnostic::error(
                "Unknown provider",
                format!(
                    "The resource type \"{}\" belongs to provider \"{provider_name}\", which is not available. Available providers: {}.",
                    r.type_name,
                    self.providers.keys().cloned().collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        let schema = match r.mode {
            ResourceMode::Managed => p.resource_schema(&r.type_name),
            ResourceMode::Data => p.data_source_schema(&r.type_name),
        };
        schema.map(|s| (p, s)).map_err(|e| e.to_diagnostic())
    }
}

/// Decides the value of each resource instance from its evaluated configuration.
pub trait InstanceValues {
    fn instance_value(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        provider: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics>;
}

/// For validation: an instance's value is its configuration, with computed attributes unknown.
pub struct ConfigOnly;

impl InstanceValues for ConfigOnly {
    fn instance_value(
        &mut self,
        _: &AbsResourceInstance,
        config: &Value,
        _: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        Ok(schema.proposed_new(None, config))
    }
}

/// A data source's value, read now when its configuration is wholly known; `None` when it
/// must wait for apply (its configuration depends on values not known yet).
pub fn read_data_source_now(
    addr: &AbsResourceInstance,
    config: &Value,
    provider: &dyn Provider,
    schema: &Schema,
) -> Result<Option<Value>, Diagnostics> {
    if !config.is_wholly_known() {
        return Ok(None);
    }
    match block_on(provider.read_data_source(&addr.resource.resource.type_name, config)) {
        Ok(v) => Ok(Some(schema.mark_sensitive_attributes(v))),
        Err(e) => Err(e.to_diagnostic().with_address(addr.to_string()).into()),
    }
}

/// For `graph`: every instance's value is what its provider plans for creating it, so values
/// the provider can tell before apply (`flinkform_data.output`) flow on. Records every
/// instance with its configuration and value.
#[derive(Default)]
pub struct PlannedCreate {
    pub instances: Vec<InstanceResult>,
}

impl InstanceValues for PlannedCreate {
    fn instance_value(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        provider: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        let proposed = schema.proposed_new(None, config);
        if addr.resource.resource.mode == ResourceMode::Data {
            let value = read_data_source_now(addr, config, provider, schema)?.unwrap_or(proposed);
            self.instances.push(InstanceResult {
                addr: addr.clone(),
                config: config.clone(),
                value: value.clone(),
            });
            return Ok(value);
        }
        let req = PlanRequest {
            type_name: &addr.resource.resource.type_name,
            prior_state: None,
            proposed_new_state: Some(&proposed),
            config: Some(config),
        };
        let value = match provider.plan_resource_change(req) {
            Ok(resp) => resp.planned_state.unwrap_or(proposed),
            Err(e) => return Err(e.to_diagnostic().with_address(addr.to_string()).into()),
        };
        self.instances.push(InstanceResult {
            addr: addr.clone(),
            config: config.clone(),
            value: value.clone(),
        });
        Ok(value)
    }
}

/// What a walk needs besides the graph.
pub struct WalkInput<'a> {
    pub config: &'a Config,
    pub graph: &'a ConfigGraph,
    /// Root module variables, already resolved and validated (see [`variables`]).
    pub root_variables: &'a BTreeMap<String, Value>,
    pub providers: &'a ProviderSet,
    pub func: FuncContext,
    /// The directory `path.root` is relative to: the working directory of the run.
    pub cwd: PathBuf,
    /// Validation only: an unknown `count`/`for_each` is no error; the body is checked once
    /// with `count.index` and `each.*` unknown, and the resource's value is unknown.
    pub validate_only: bool,
    /// Visit only these nodes (`--target`, or what provider configurations need).
    pub only: Option<&'a HashSet<NodeIndex>>,
}

/// One resource instance found by a walk, as a hook records it.
#[derive(Debug, Clone)]
pub struct InstanceResult {
    pub addr: AbsResourceInstance,
    /// The evaluated configuration.
    pub config: Value,
    /// The value the hook decided.
    pub value: Value,
}

/// The result of a walk.
#[derive(Debug, Default)]
pub struct Expansion {
    /// Root module outputs.
    pub root_outputs: BTreeMap<String, Value>,
    /// The instances of every module path.
    pub module_instances: BTreeMap<ModulePath, Vec<ModuleInstance>>,
}

/// How a resource or module call repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Collection {
    Single,
    Count,
    ForEach,
    /// `count`/`for_each` not known yet (validation only).
    Unknown,
}

/// The repetition data of one instance: what `count.index` and `each.*` mean in it.
#[derive(Debug, Clone)]
enum Repetition {
    None,
    Count(i64),
    Each {
        key: String,
        value: Value,
    },
    /// Under an unknown `count`/`for_each`: `count.index` and `each.*` are unknown.
    Unknown,
}

#[derive(Debug, Default)]
struct ResourceValues {
    collection: Option<Collection>,
    instances: BTreeMap<InstanceKey, Value>,
}

#[derive(Debug)]
struct CallExpansion {
    collection: Collection,
    children: Vec<(InstanceKey, ModuleInstance)>,
}

/// Everything known about one module instance so far.
#[derive(Debug, Default)]
struct ModuleValues {
    vars: HashMap<String, Value>,
    /// Input values given by the call, with where each was written.
    inputs: HashMap<String, (Value, SourceRange)>,
    locals: HashMap<String, Value>,
    outputs: HashMap<String, Value>,
    resources: HashMap<Resource, ResourceValues>,
    calls: HashMap<String, CallExpansion>,
    call_outputs: HashMap<String, Value>,
}

/// A scope for evaluating one node in one module instance.
struct Scope<'a> {
    values: &'a ModuleValues,
    module: &'a Module,
    rep: &'a Repetition,
    func: &'a FuncContext,
    cwd: &'a Path,
}

impl EvalScope for Scope<'_> {
    fn get(&self, subject: &Referenceable, range: &SourceRange) -> Result<Value, Diagnostic> {
        let err = |summary: &str, detail: String| {
            Diagnostic::error(summary, detail).with_subject(range.clone())
        };
        // Declared but not evaluated means an earlier error: unknown keeps errors from cascading.
        let missing = || Value::unknown(Type::Dynamic);
        match subject {
            Referenceable::InputVariable(n) => match self.values.vars.get(n) {
                Some(v) => Ok(v.clone()),
                None if self.module.variables.contains_key(n) => Ok(missing()),
                None => Err(err(
                    "Reference to undeclared input variable",
                    format!("An input variable with the name \"{n}\" has not been declared.{}", did_you_mean(n, self.module.variables.keys().map(String::as_str))),
                )),
            },
            Referenceable::LocalValue(n) => match self.values.locals.get(n) {
                Some(v) => Ok(v.clone()),
                None if self.module.locals.contains_key(n) => Ok(missing()),
                None => Err(err(
                    "Reference to undeclared local value",
                    format!("A local value with the name \"{n}\" has not been declared.{}", did_you_mean(n, self.module.locals.keys().map(String::as_str))),
                )),
            },
            Referenceable::ModuleCall(n) => match self.values.call_outputs.get(n) {
                Some(v) => Ok(v.clone()),
                None if self.module.module_calls.contains_key(n) => Ok(missing()),
                None => Err(err("Reference to undeclared module", format!("No module call named \"{n}\" is declared."))),
            },
            Referenceable::Resource(r) => match self.values.resources.get(r) {
                Some(rv) => Ok(resource_value(rv)),
                None if self.module.resources.contains_key(r) => Ok(missing()),
                None => Err(err("Reference to undeclared resource", format!("A resource \"{r}\" has not been declared."))),
            },
            Referenceable::CountIndex => match self.rep {
                Repetition::Count(i) => Ok(Value::number(*i as f64)),
                Repetition::Unknown => Ok(Value::unknown(Type::Number)),
                _ => Err(err(
                    "Reference to \"count\" in non-counted context",
                    "The \"count\" object can only be used in \"module\", \"resource\", and \"data\" blocks, and only when the \"count\" argument is set.".into(),
                )),
            },
            Referenceable::EachKey | Referenceable::EachValue => match self.rep {
                Repetition::Each { key, value } => Ok(if *subject == Referenceable::EachKey {
                    Value::string(key.clone())
                } else {
                    value.clone()
                }),
                Repetition::Unknown => Ok(Value::unknown(if *subject == Referenceable::EachKey {
                    Type::String
                } else {
                    Type::Dynamic
                })),
                _ => Err(err(
                    "each.value cannot be used in this context",
                    "A reference to \"each\" has been used in a context in which it is unavailable, such as when the configuration no longer contains the value in its \"for_each\" expression. Remove this reference to each in your configuration to work around this error.".into(),
                )),
            },
            Referenceable::Path(PathAttr::Module) => Ok(Value::string(display_dir(&self.module.dir, self.cwd))),
            Referenceable::Path(PathAttr::Root) => Ok(Value::string(".")),
            Referenceable::Path(PathAttr::Cwd) => Ok(Value::string(self.cwd.to_string_lossy())),
            Referenceable::SelfRef => Err(err("Invalid \"self\" reference", "The \"self\" object is not available in this context.".into())),
        }
    }

    fn func_context(&self) -> &FuncContext {
        self.func
    }

    fn get_element(
        &self,
        subject: &Referenceable,
        key: &Value,
        _: &SourceRange,
    ) -> Option<Result<Value, Diagnostic>> {
        let Referenceable::Resource(r) = subject else {
            return None;
        };
        let rv = self.values.resources.get(r)?;
        let key = match (rv.collection?, key.kind()) {
            (Collection::Count, ValueKind::Number(n)) if n.fract() == 0.0 => {
                InstanceKey::Int(*n as i64)
            }
            (Collection::ForEach, ValueKind::String(s)) => InstanceKey::Str(s.clone()),
            _ => return None,
        };
        rv.instances.get(&key).map(|v| Ok(v.clone()))
    }
}

/// A directory as `path.module` shows it: relative to the working directory when inside it.
fn display_dir(dir: &Path, cwd: &Path) -> String {
    let rel = dir.strip_prefix(cwd).unwrap_or(dir);
    let s = rel.to_string_lossy();
    if s.is_empty() {
        ".".to_string()
    } else {
        s.into_owned()
    }
}

/// The value a reference to a whole resource sees: one object, a tuple (count) or an
/// object keyed by for_each key.
fn resource_value(rv: &ResourceValues) -> Value {
    match rv.collection {
        None | Some(Collection::Unknown) => Value::unknown(Type::Dynamic),
        Some(Collection::Single) => rv
            .instances
            .get(&InstanceKey::None)
            .cloned()
            .unwrap_or_else(|| Value::unknown(Type::Dynamic)),
        Some(Collection::Count) => Value::tuple(rv.instances.values().cloned().collect()),
        Some(Collection::ForEach) => Value::object(
            rv.instances
                .iter()
                .filter_map(|(k, v)| match k {
                    InstanceKey::Str(s) => Some((s.clone(), v.clone())),
                    _ => None,
                })
                .collect(),
        ),
    }
}

/// The evaluation state of a walk. [`walk`] drives it in dependency order; the apply executor
/// drives it itself, visiting a resource node when its dependencies' operations are done and
/// filling in the instances' final values with [`Walker::set_instance_value`].
pub struct Walker<'a> {
    input: &'a WalkInput<'a>,
    modules: HashMap<ModuleInstance, ModuleValues>,
    instances_of: HashMap<ModulePath, Vec<ModuleInstance>>,
    diags: Diagnostics,
}

/// Walks the graph (or, with `input.only`, part of it), evaluating everything and expanding
/// instances.
pub fn walk(input: &WalkInput<'_>, hook: &mut dyn InstanceValues) -> (Expansion, Diagnostics) {
    let mut w = Walker::new(input);
    // Every node is visited even after errors: a value that failed to evaluate reads as
    // unknown in its dependents, so one walk reports every independent problem.
    for ix in input.graph.dependency_order() {
        if input.only.is_none_or(|only| only.contains(&ix)) {
            w.visit(&input.graph.graph[ix].key, hook);
        }
    }
    w.finish()
}

impl<'a> Walker<'a> {
    pub fn new(input: &'a WalkInput<'a>) -> Self {
        let mut w = Walker {
            input,
            modules: HashMap::new(),
            instances_of: HashMap::new(),
            diags: Diagnostics::new(),
        };
        w.modules
            .insert(ModuleInstance::root(), ModuleValues::default());
        w.instances_of
            .insert(ModulePath::root(), vec![ModuleInstance::root()]);
        w
    }

    /// The root outputs and module instances found, with every diagnostic.
    pub fn finish(mut self) -> (Expansion, Diagnostics) {
        let mut out = Expansion {
            module_instances: self.instances_of.into_iter().collect(),
            ..Expansion::default()
        };
        if let Some(root) = self.modules.remove(&ModuleInstance::root()) {
            out.root_outputs = root.outputs.into_iter().collect();
        }
        (out, self.diags)
    }

    /// Diagnostics so far, taken out (the executor reports them as it goes).
    pub fn take_diagnostics(&mut self) -> Diagnostics {
        std::mem::take(&mut self.diags)
    }

    /// Replaces an instance's value, e.g. with the object an apply returned, so that what
    /// refers to it from now on sees the real values.
    pub fn set_instance_value(&mut self, addr: &AbsResourceInstance, value: Value) {
        let values = self.values_mut(&addr.resource.module);
        if let Some(rv) = values.resources.get_mut(&addr.resource.resource) {
            rv.instances.insert(addr.key.clone(), value);
        }
    }
}

impl Walker<'_> {
    /// Evaluates one node in every instance of its module.
    pub fn visit(&mut self, key: &NodeKey, hook: &mut dyn InstanceValues) {
        let path = key.module();
        let Some(module) = self.input.config.module(&path) else {
            return;
        };
        let instances = self.instances_of.get(&path).cloned().unwrap_or_default();
        for mi in &instances {
            match key {
                NodeKey::Variable(_, name) => self.visit_variable(module, mi, name),
                NodeKey::Local(_, name) => {
                    if let Some(l) = module.locals.get(name) {
                        if let Some(v) = self.eval(module, mi, &Repetition::None, &l.expr, "locals")
                        {
                            self.values_mut(mi).locals.insert(name.clone(), v);
                        }
                    }
                }
                NodeKey::Output(_, name) => self.visit_output(module, mi, name),
                NodeKey::Resource(_, r) => self.visit_resource(module, mi, r, hook),
                NodeKey::ModuleExpand(child) => self.visit_module_expand(module, mi, child),
                NodeKey::ModuleClose(child) => self.visit_module_close(mi, child),
                NodeKey::Provider(p) => self.visit_provider(module, mi, p),
            }
        }
    }

    /// Evaluates a provider configuration (an implied one is an empty body) and, unless only
    /// validating, configures the provider with it.
    fn visit_provider(&mut self, module: &Module, mi: &ModuleInstance, p: &ProviderConfigAddr) {
        let Some(provider) = self.input.providers.get(&p.name).cloned() else {
            let decl = module
                .providers
                .get(&(p.name.clone(), p.alias.clone()))
                .map(|pc| pc.decl_range.clone());
            self.diags.push(
                Diagnostic::error(
                    "Unknown provider",
                    format!(
                        "There is no provider named \"{}\" in this build of flinkform.",
                        p.name
                    ),
                )
                .with_subject_opt(decl),
            );
            return;
        };
        let empty = Body::default();
        let (body, decl) = match module.providers.get(&(p.name.clone(), p.alias.clone())) {
            Some(pc) => (&pc.body, Some(pc.decl_range.clone())),
            None => (&empty, None),
        };
        let ctx = format!("provider \"{}\"", p.name);
        let result = {
            let values = self.values(mi);
            let scope = self.scope(module, values, &Repetition::None);
            eval_body(body, &provider.schema().provider, &scope, decl.as_ref())
        };
        let config = match result {
            Ok(c) => c,
            Err(d) => {
                self.diags.extend(d.in_context(&ctx));
                return;
            }
        };
        for e in provider.validate_provider_config(&config) {
            self.diags.push(
                e.to_diagnostic()
                    .with_subject_opt(decl.clone())
                    .with_context(ctx.clone()),
            );
        }
        if self.input.validate_only || !self.input.providers.mark_configured(&p.name) {
            return;
        }
        if let Err(e) = block_on(provider.configure(&config)) {
            self.diags
                .push(e.to_diagnostic().with_subject_opt(decl).with_context(ctx));
        }
    }

    fn values(&self, mi: &ModuleInstance) -> &ModuleValues {
        static EMPTY: std::sync::OnceLock<ModuleValues> = std::sync::OnceLock::new();
        self.modules
            .get(mi)
            .unwrap_or_else(|| EMPTY.get_or_init(ModuleValues::default))
    }

    fn values_mut(&mut self, mi: &ModuleInstance) -> &mut ModuleValues {
        self.modules.entry(mi.clone()).or_default()
    }

    fn scope<'s>(
        &'s self,
        module: &'s Module,
        values: &'s ModuleValues,
        rep: &'s Repetition,
    ) -> Scope<'s> {
        Scope {
            values,
            module,
            rep,
            func: &self.input.func,
            cwd: &self.input.cwd,
        }
    }

    /// Evaluates one expression in a module instance, recording diagnostics under `context`.
    fn eval(
        &mut self,
        module: &Module,
        mi: &ModuleInstance,
        rep: &Repetition,
        expr: &Expr,
        context: &str,
    ) -> Option<Value> {
        let result = {
            let values = self.values(mi);
            let scope = self.scope(module, values, rep);
            eval_expr(&expr.expr, &expr.file, &scope)
        };
        match result {
            Ok(v) => Some(v),
            Err(d) => {
                self.diags.extend(d.in_context(context));
                None
            }
        }
    }

    fn visit_variable(&mut self, module: &Module, mi: &ModuleInstance, name: &str) {
        let Some(var) = module.variables.get(name) else {
            return;
        };
        let value = if mi.is_root() {
            self.input
                .root_variables
                .get(name)
                .cloned()
                .unwrap_or_else(|| Value::unknown(Type::Dynamic))
        } else {
            let given = self.values_mut(mi).inputs.remove(name);
            let raw = match given {
                Some((v, _)) => v,
                None => match &var.default {
                    Some(d) => match self.eval(
                        module,
                        mi,
                        &Repetition::None,
                        d,
                        &format!("variable \"{name}\""),
                    ) {
                        Some(v) => v,
                        None => return,
                    },
                    None => Value::null(),
                },
            };
            match var.type_constraint.convert(raw) {
                Ok(v) => {
                    let d = variables::check_validations(var, &v);
                    let bad = d.has_errors();
                    self.diags.extend(d);
                    if bad {
                        return;
                    }
                    v.mark_sensitive_if(var.sensitive)
                }
                Err(e) => {
                    self.diags.push(
                        Diagnostic::error(
                            "Invalid value for input variable",
                            format!(
                                "The given value is not suitable for {}.var.{name} declared at {}: {}.",
                                mi,
                                var.decl_range,
                                conversion_message(&e.path, &e.message)
                            ),
                        )
                        .with_subject(var.decl_range.clone()),
                    );
                    return;
                }
            }
        };
        self.values_mut(mi).vars.insert(name.to_string(), value);
    }

    fn visit_output(&mut self, module: &Module, mi: &ModuleInstance, name: &str) {
        let Some(o) = module.outputs.get(name) else {
            return;
        };
        let ctx = format!("output \"{name}\"");
        let Some(v) = self.eval(module, mi, &Repetition::None, &o.value, &ctx) else {
            return;
        };
        if v.contains_sensitive() && !o.sensitive {
            self.diags.push(
                Diagnostic::error(
                    "Output refers to sensitive values",
                    "To reduce the risk of accidentally exporting sensitive data that was intended to be only internal, flinkform requires that any output containing sensitive data be explicitly marked as sensitive, to confirm your intent.\n\nIf you do intend to export this data, annotate the output value as sensitive by adding the following argument:\n    sensitive = true",
                )
                .with_subject(o.value.range())
                .with_context(ctx),
            );
            return;
        }
        let v = v.mark_sensitive_if(o.sensitive);
        self.values_mut(mi).outputs.insert(name.to_string(), v);
    }

    fn visit_resource(
        &mut self,
        module: &Module,
        mi: &ModuleInstance,
        r: &Resource,
        hook: &mut dyn InstanceValues,
    ) {
        let Some(rc) = module.resources.get(r) else {
            return;
        };
        let kind = if r.mode == ResourceMode::Data {
            "data"
        } else {
            "resource"
        };
        let ctx = format!("{kind} \"{}\" \"{}\"", r.type_name, r.name);
        let (provider, schema) = match self.input.providers.resource_schema(r) {
            Ok(found) => found,
            Err(d) => {
                self.diags
                    .push(d.with_subject(rc.decl_range.clone()).with_context(ctx));
                return;
            }
        };
        let Some((collection, reps)) =
            self.repetitions(module, mi, rc.count.as_ref(), rc.for_each.as_ref(), &ctx)
        else {
            return;
        };
        let abs = AbsResource {
            module: mi.clone(),
            resource: r.clone(),
        };
        let mut instances = BTreeMap::new();
        for (key, rep) in reps {
            let addr = abs.instance(key.clone());
            let result = {
                let values = self.values(mi);
                let scope = self.scope(module, values, &rep);
                eval_body_hinting(
                    &rc.body,
                    schema,
                    &scope,
                    Some(&rc.decl_range),
                    RESOURCE_META_ATTRS,
                )
            };
            let config = match result {
                Ok(c) => c,
                Err(d) => {
                    self.diags.extend(d.in_context(&ctx));
                    continue;
                }
            };
            for e in provider.validate_resource_config(&r.type_name, &config) {
                let subject = e
                    .attribute_path()
                    .and_then(|p| path_range(&rc.body, p))
                    .unwrap_or_else(|| rc.decl_range.clone());
                self.diags.push(
                    e.to_diagnostic()
                        .with_subject(subject)
                        .with_context(ctx.clone())
                        .with_address(addr.to_string()),
                );
            }
            if collection == Collection::Unknown {
                continue;
            }
            match hook.instance_value(&addr, &config, provider.as_ref(), schema) {
                Ok(value) => {
                    instances.insert(key, value);
                }
                Err(d) => self.diags.extend(d.in_context(&ctx)),
            }
        }
        self.values_mut(mi).resources.insert(
            r.clone(),
            ResourceValues {
                collection: Some(collection),
                instances,
            },
        );
    }

    /// Evaluates `count` / `for_each` into the instance keys and their repetition data.
    fn repetitions(
        &mut self,
        module: &Module,
        mi: &ModuleInstance,
        count: Option<&Expr>,
        for_each: Option<&Expr>,
        ctx: &str,
    ) -> Option<(Collection, Vec<(InstanceKey, Repetition)>)> {
        if let Some(expr) = count {
            let v = self.eval(module, mi, &Repetition::None, expr, ctx)?;
            let bad = |detail: &str| {
                Diagnostic::error("Invalid count argument", detail.to_string())
                    .with_subject(expr.range())
                    .with_context(ctx)
            };
            if !v.is_known() && self.input.validate_only {
                return Some((
                    Collection::Unknown,
                    vec![(InstanceKey::None, Repetition::Unknown)],
                ));
            }
            if !v.is_known() {
                self.diags.push(bad("The \"count\" value depends on resource attributes that cannot be determined until apply, so flinkform cannot predict how many instances will be created. To work around this, use the --target argument to first apply only the resources that the count depends on."));
                return None;
            }
            if v.is_sensitive() {
                self.diags.push(bad("Sensitive values, or values derived from sensitive values, cannot be used as count arguments. If used, the sensitive value could be exposed as a resource instance key."));
                return None;
            }
            let n = match crate::lang::convert::convert(v, &Type::Number)
                .ok()
                .and_then(|v| v.as_number())
            {
                Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 1_000_000.0 => n as i64,
                Some(n) if n < 0.0 => {
                    self.diags.push(bad("The given \"count\" argument value is unsuitable: must be greater than or equal to zero."));
                    return None;
                }
                _ => {
                    self.diags.push(bad("The given \"count\" argument value is unsuitable: the given value must be a whole number."));
                    return None;
                }
            };
            return Some((
                Collection::Count,
                (0..n)
                    .map(|i| (InstanceKey::Int(i), Repetition::Count(i)))
                    .collect(),
            ));
        }
        if let Some(expr) = for_each {
            let v = self.eval(module, mi, &Repetition::None, expr, ctx)?;
            let bad = |detail: String| {
                Diagnostic::error("Invalid for_each argument", detail)
                    .with_subject(expr.range())
                    .with_context(ctx)
            };
            if v.is_null() {
                self.diags.push(bad("The given \"for_each\" argument value is unsuitable: the given \"for_each\" argument value is null. A map, or set of strings is allowed.".into()));
                return None;
            }
            if !v.is_wholly_known() && self.input.validate_only {
                return Some((
                    Collection::Unknown,
                    vec![(InstanceKey::None, Repetition::Unknown)],
                ));
            }
            if !v.is_wholly_known() && !matches!(v.kind(), ValueKind::Map(_) | ValueKind::Object(_))
                || !v.is_known()
            {
                self.diags.push(bad("The \"for_each\" set includes values derived from resource attributes that cannot be determined until apply, and so flinkform cannot determine the full set of keys that will identify the instances of this resource.\n\nWhen working with unknown values in for_each, it's better to use a map value where the keys are defined statically in your configuration and where only the values contain apply-time results.".into()));
                return None;
            }
            if v.is_sensitive() {
                self.diags.push(bad("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. If used, the sensitive value could be exposed as a resource instance key.".into()));
                return None;
            }
            let reps = match v.kind() {
                ValueKind::Map(m) | ValueKind::Object(m) => m
                    .iter()
                    .map(|(k, val)| {
                        (
                            InstanceKey::Str(k.clone()),
                            Repetition::Each {
                                key: k.clone(),
                                value: val.clone(),
                            },
                        )
                    })
                    .collect(),
                ValueKind::Set(elems) => {
                    let mut reps = Vec::with_capacity(elems.len());
                    for e in elems {
                        match e.as_str() {
                            Some(s) if !e.is_sensitive() => reps.push((
                                InstanceKey::Str(s.to_string()),
                                Repetition::Each {
                                    key: s.to_string(),
                                    value: e.clone(),
                                },
                            )),
                            _ if e.is_null() => {
                                self.diags.push(bad("The given \"for_each\" argument value is unsuitable: \"for_each\" sets must not contain null values.".into()));
                                return None;
                            }
                            _ => {
                                self.diags.push(bad(format!("The given \"for_each\" argument value is unsuitable: \"for_each\" supports maps and sets of strings, but you have provided a set containing type {}.", e.ty().friendly_name())));
                                return None;
                            }
                        }
                    }
                    reps
                }
                _ => {
                    self.diags.push(bad(format!("The given \"for_each\" argument value is unsuitable: the \"for_each\" argument must be a map, or set of strings, and you have provided a value of type {}.", v.ty().friendly_name())));
                    return None;
                }
            };
            return Some((Collection::ForEach, reps));
        }
        Some((
            Collection::Single,
            vec![(InstanceKey::None, Repetition::None)],
        ))
    }

    fn visit_module_expand(
        &mut self,
        module: &Module,
        mi: &ModuleInstance,
        child_path: &ModulePath,
    ) {
        let Some(name) = child_path.0.last() else {
            return;
        };
        let Some(call) = module.module_calls.get(name) else {
            return;
        };
        let Some(child) = module.children.get(name) else {
            return;
        };
        // Inputs are checked against the child's variables when the configuration is loaded.
        let ctx = format!("module \"{name}\"");
        let Some((collection, reps)) = self.repetitions(
            module,
            mi,
            call.count.as_ref(),
            call.for_each.as_ref(),
            &ctx,
        ) else {
            return;
        };
        let mut children = Vec::with_capacity(reps.len());
        for (key, rep) in reps {
            let child_mi = mi.child(name, key.clone());
            let mut inputs = HashMap::new();
            for (input, attr) in &call.inputs {
                if !child.variables.contains_key(input) {
                    continue;
                }
                if let Some(v) = self.eval(module, mi, &rep, &attr.expr, &ctx) {
                    inputs.insert(input.clone(), (v, attr.expr.range()));
                }
            }
            self.values_mut(&child_mi).inputs = inputs;
            self.instances_of
                .entry(child_path.clone())
                .or_default()
                .push(child_mi.clone());
            children.push((key, child_mi));
        }
        self.values_mut(mi).calls.insert(
            name.clone(),
            CallExpansion {
                collection,
                children,
            },
        );
    }

    fn visit_module_close(&mut self, mi: &ModuleInstance, child_path: &ModulePath) {
        let Some(name) = child_path.0.last() else {
            return;
        };
        let Some(call) = self.values(mi).calls.get(name) else {
            return;
        };
        let object_of = |child: &ModuleInstance| {
            Value::object(
                self.modules
                    .get(child)
                    .map(|mv| {
                        mv.outputs
                            .iter()
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        };
        let value = match call.collection {
            Collection::Unknown => Value::unknown(Type::Dynamic),
            Collection::Single => call
                .children
                .first()
                .map(|(_, c)| object_of(c))
                .unwrap_or_else(Value::empty_object),
            Collection::Count => {
                Value::tuple(call.children.iter().map(|(_, c)| object_of(c)).collect())
            }
            Collection::ForEach => Value::object(
                call.children
                    .iter()
                    .filter_map(|(k, c)| match k {
                        InstanceKey::Str(s) => Some((s.clone(), object_of(c))),
                        _ => None,
                    })
                    .collect(),
            ),
        };
        self.values_mut(mi).call_outputs.insert(name.clone(), value);
    }
}

/// Runs a provider future to completion from the (synchronous) walk: on the current tokio
/// runtime when there is one, else on a small runtime of its own.
pub(crate) fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => tokio::task::block_in_place(|| handle.block_on(fut)),
        Err(_) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime for provider calls")
            .block_on(fut),
    }
}
