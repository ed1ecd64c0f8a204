//! Schemas of provider configuration, resources and data sources, and the plan-time helpers that
//! only need a schema: Terraform's ProposedNew, RequiresReplace and sensitive attribute paths.
//!
//! A block's value is an object with one attribute per schema attribute and one per nested block
//! type ([`Schema::value_type`]). Attributes are exactly one of: required, optional,
//! optional+computed (the provider fills it when the configuration leaves it null), or
//! computed-only ([`Schema::internal_validate`] checks this).
//!
//! ```
//! use flinkform::lang::{Type, Value};
//! use flinkform::providers::schema::{AttributeSchema, Schema};
//! let schema = Schema::new("A file.")
//!     .attribute("filename", AttributeSchema::required(Type::String).force_new())
//!     .attribute("id", AttributeSchema::computed(Type::String));
//! let config = Value::object([("filename".to_string(), Value::string("a.txt")), ("id".to_string(), Value::null())].into());
//! // On create, computed attributes the configuration leaves null are unknown.
//! assert_eq!(schema.proposed_new(None, &config).get_attr("id").unwrap().to_string(), "(known after apply)");
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::lang::value::{is_identifier, quote_string};
use crate::lang::{Type, Value, ValueKind};

pub use crate::lang::refs::PathStep;

/// A path from the root of a resource's value to one of its parts: `tags["x"]`, `rule[0].port`.
/// The empty path means the whole object (the block itself).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrPath(pub Vec<PathStep>);

impl AttrPath {
    /// The empty path: the whole value.
    pub fn root() -> AttrPath {
        AttrPath(Vec::new())
    }
    /// A path of one attribute step: `name`.
    pub fn attr(name: impl Into<String>) -> AttrPath {
        AttrPath(vec![PathStep::Attr(name.into())])
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    pub fn steps(&self) -> &[PathStep] {
        &self.0
    }
    /// This path extended by `.name`.
    pub fn child_attr(&self, name: impl Into<String>) -> AttrPath {
        self.child(PathStep::Attr(name.into()))
    }
    /// This path extended by `["key"]`.
    pub fn child_key(&self, key: impl Into<String>) -> AttrPath {
        self.child(PathStep::Key(key.into()))
    }
    /// This path extended by `[index]`.
    pub fn child_index(&self, index: i64) -> AttrPath {
        self.child(PathStep::Index(index))
    }
    fn child(&self, step: PathStep) -> AttrPath {
        let mut steps = Vec::with_capacity(self.0.len() + 1);
        steps.extend_from_slice(&self.0);
        steps.push(step);
        AttrPath(steps)
    }

    /// The part of `value` this path leads to, if it exists. Set elements are addressed by their
    /// position in the set's canonical order.
    pub fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        let mut current = value;
        for step in &self.0 {
            current = match step {
                PathStep::Attr(name) | PathStep::Key(name) => current.get_attr(name)?,
                PathStep::Index(i) => current.as_seq()?.get(usize::try_from(*i).ok()?)?,
            };
        }
        Some(current)
    }
}

impl From<Vec<PathStep>> for AttrPath {
    fn from(steps: Vec<PathStep>) -> Self {
        AttrPath(steps)
    }
}

/// Displays the path as written in configuration: `tags["x"]`, `a.b[0]`.
impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                PathStep::Attr(name) if i == 0 => f.write_str(name)?,
                PathStep::Attr(name) => write!(f, ".{name}")?,
                PathStep::Key(key) => write!(f, "[{}]", quote_string(key))?,
                PathStep::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// The schema of one attribute.
#[derive(Clone, Debug, PartialEq)]
pub struct AttributeSchema {
    pub ty: Type,
    pub required: bool,
    pub optional: bool,
    /// Set by the provider: alone, the attribute is read-only; with `optional`, the provider
    /// fills it when the configuration leaves it null.
    pub computed: bool,
    /// Changing the attribute cannot be done in place: the object must be replaced.
    pub force_new: bool,
    /// The value is hidden in plan output and marked sensitive wherever it flows.
    pub sensitive: bool,
    pub description: String,
}

impl AttributeSchema {
    fn with_flags(ty: Type, required: bool, optional: bool, computed: bool) -> Self {
        AttributeSchema {
            ty,
            required,
            optional,
            computed,
            force_new: false,
            sensitive: false,
            description: String::new(),
        }
    }
    pub fn required(ty: Type) -> Self {
        Self::with_flags(ty, true, false, false)
    }
    pub fn optional(ty: Type) -> Self {
        Self::with_flags(ty, false, true, false)
    }
    /// Optional, with a value chosen by the provider when the configuration leaves it null.
    pub fn optional_computed(ty: Type) -> Self {
        Self::with_flags(ty, false, true, true)
    }
    /// Read-only: set by the provider.
    pub fn computed(ty: Type) -> Self {
        Self::with_flags(ty, false, false, true)
    }
    pub fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub fn describe(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }
    /// Whether only the provider sets this attribute (it cannot appear in configuration).
    pub fn is_computed_only(&self) -> bool {
        self.computed && !self.optional && !self.required
    }
}

/// How many blocks of a nested block type may appear, and how their values are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one block; the value is an object, or null when absent.
    Single,
    /// Any number of blocks, in order; the value is a list of objects.
    List,
    /// Any number of blocks, unordered and unique; the value is a set of objects.
    Set,
}

/// The schema of a nested block type.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlockSchema {
    pub nesting: Nesting,
    pub block: Schema,
    pub min_items: usize,
    /// 0 means no limit.
    pub max_items: usize,
}

impl NestedBlockSchema {
    pub fn new(nesting: Nesting, block: Schema) -> Self {
        let max_items = if nesting == Nesting::Single { 1 } else { 0 };
        NestedBlockSchema {
            nesting,
            block,
            min_items: 0,
            max_items,
        }
    }
    pub fn min_items(mut self, n: usize) -> Self {
        self.min_items = n;
        self
    }
    pub fn max_items(mut self, n: usize) -> Self {
        self.max_items = n;
        self
    }

    /// The type of this block type's value in its parent object.
    pub fn value_type(&self) -> Type {
        let object = self.block.value_type();
        match self.nesting {
            Nesting::Single => object,
            Nesting::List => Type::list(object),
            Nesting::Set => Type::set(object),
        }
    }

    /// The value when no block of this type is written: null for single, else empty.
    pub fn empty_value(&self) -> Value {
        match self.nesting {
            Nesting::Single => Value::null_of(self.block.value_type()),
            Nesting::List => Value::list(Vec::new()),
            Nesting::Set => Value::set(Vec::new()),
        }
    }
}

/// The schema of a block: a resource, a data source, a provider configuration or a nested block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    pub attributes: BTreeMap<String, AttributeSchema>,
    pub blocks: BTreeMap<String, NestedBlockSchema>,
    pub description: String,
}

/// Everything a provider accepts: its own configuration, its resource types and data sources.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProviderSchema {
    pub provider: Schema,
    pub resources: BTreeMap<String, Schema>,
    pub data_sources: BTreeMap<String, Schema>,
}

/// Names a resource block uses for meta-arguments, which no resource schema may use.
const RESOURCE_META_ARGUMENTS: &[&str] = &[
    "count",
    "for_each",
    "depends_on",
    "provider",
    "lifecycle",
    "connection",
    "provisioner",
];

impl ProviderSchema {
    /// Schema mistakes, for providers' own tests: see [`Schema::internal_validate`]; resource and
    /// data source schemas must also leave the meta-argument names free.
    pub fn internal_validate(&self) -> Vec<String> {
        let mut problems = self.provider.internal_validate();
        for (kind, schemas) in [
            ("resource", &self.resources),
            ("data source", &self.data_sources),
        ] {
            for (type_name, schema) in schemas {
                for p in schema.internal_validate() {
                    problems.push(format!("{kind} {type_name}: {p}"));
                }
                for name in schema.attributes.keys().chain(schema.blocks.keys()) {
                    if RESOURCE_META_ARGUMENTS.contains(&name.as_str()) {
                        problems.push(format!(
                            "{kind} {type_name}: \"{name}\" is a meta-argument name"
                        ));
                    }
                }
            }
        }
        problems
    }
}

impl Schema {
    pub fn new(description: impl Into<String>) -> Self {
        Schema {
            description: description.into(),
            ..Schema::default()
        }
    }
    pub fn attribute(mut self, name: impl Into<String>, attr: AttributeSchema) -> Self {
        self.attributes.insert(name.into(), attr);
        self
    }
    pub fn block(mut self, name: impl Into<String>, block: NestedBlockSchema) -> Self {
        self.blocks.insert(name.into(), block);
        self
    }

    /// The object type of this block's value: one attribute per attribute and nested block type.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|(name, a)| (name.clone(), a.ty.clone()))
            .collect();
        for (name, b) in &self.blocks {
            attrs.insert(name.clone(), b.value_type());
        }
        Type::Object(attrs)
    }

    /// Names of the attributes that may appear in configuration (not computed-only), for
    /// "Did you mean" hints on unsupported arguments.
    pub fn attribute_names(&self) -> impl Iterator<Item = &str> {
        self.attributes
            .iter()
            .filter(|(_, a)| !a.is_computed_only())
            .map(|(name, _)| name.as_str())
    }

    /// Names of the nested block types, for hints on unsupported blocks.
    pub fn block_names(&self) -> impl Iterator<Item = &str> {
        self.blocks.keys().map(String::as_str)
    }

    /// Mistakes in the schema itself, as messages; empty when the schema is sound. Each attribute
    /// must be exactly one of required, optional, optional+computed or computed-only; force_new
    /// makes no sense on a computed-only attribute; names must be identifiers used once; nesting
    /// limits must be consistent.
    pub fn internal_validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        self.internal_validate_into(&AttrPath::root(), &mut problems);
        problems
    }

    fn internal_validate_into(&self, path: &AttrPath, problems: &mut Vec<String>) {
        for (name, a) in &self.attributes {
            let at = path.child_attr(name.clone());
            if !is_identifier(name) {
                problems.push(format!("{at}: attribute name is not an identifier"));
            }
            if self.blocks.contains_key(name) {
                problems.push(format!(
                    "{at}: name used by both an attribute and a block type"
                ));
            }
            let valid_flags = matches!(
                (a.required, a.optional, a.computed),
                (true, false, false)
                    | (false, true, false)
                    | (false, true, true)
                    | (false, false, true)
            );
            if !valid_flags {
                problems.push(format!(
                    "{at}: must be exactly one of required, optional, optional+computed or computed-only \
                     (required={}, optional={}, computed={})",
                    a.required, a.optional, a.computed
                ));
            }
            if a.force_new && a.is_computed_only() {
                problems.push(format!("{at}: force_new on a computed-only attribute"));
            }
        }
        for (name, b) in &self.blocks {
            let at = path.child_attr(name.clone());
            if !is_identifier(name) {
                problems.push(format!("{at}: block type name is not an identifier"));
            }
            if b.nesting == Nesting::Single && b.max_items != 1 {
                problems.push(format!("{at}: a single nested block must have max_items 1"));
            }
            if b.max_items != 0 && b.min_items > b.max_items {
                problems.push(format!("{at}: min_items is greater than max_items"));
            }
            b.block.internal_validate_into(&at, problems);
        }
    }

    /// Paths of every sensitive attribute in `value`, including null ones (as Terraform's
    /// `ValueMarks`): attributes of nested blocks are reached through each block present.
    /// Set elements are numbered in the set's canonical order.
    pub fn sensitive_paths(&self, value: &Value) -> Vec<AttrPath> {
        let mut paths = Vec::new();
        self.sensitive_paths_into(value, &AttrPath::root(), &mut paths);
        paths
    }

    fn sensitive_paths_into(&self, value: &Value, path: &AttrPath, out: &mut Vec<AttrPath>) {
        for (name, a) in &self.attributes {
            if a.sensitive {
                out.push(path.child_attr(name.clone()));
            }
        }
        if value.is_null() || !value.is_known() {
            return;
        }
        for (name, b) in &self.blocks {
            if !b.block.contains_sensitive() {
                continue;
            }
            let Some(block_value) = value.get_attr(name) else {
                continue;
            };
            let at = path.child_attr(name.clone());
            match b.nesting {
                Nesting::Single => {
                    if !block_value.is_null() {
                        b.block.sensitive_paths_into(block_value, &at, out);
                    }
                }
                Nesting::List | Nesting::Set => {
                    for (i, element) in block_value.as_seq().unwrap_or_default().iter().enumerate()
                    {
                        b.block
                            .sensitive_paths_into(element, &at.child_index(i as i64), out);
                    }
                }
            }
        }
    }

    /// Whether any attribute here or in nested blocks is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        self.attributes.values().any(|a| a.sensitive)
            || self.blocks.values().any(|b| b.block.contains_sensitive())
    }

    /// `value` with the sensitive mark set on every sensitive attribute (see [`Self::sensitive_paths`]).
    pub fn mark_sensitive_attributes(&self, value: Value) -> Value {
        if !self.contains_sensitive() || value.is_null() || !value.is_known() {
            return value;
        }
        let (unmarked, was_marked) = value.unmark();
        let mut attrs = match unmarked.into_kind() {
            ValueKind::Object(attrs) => attrs,
            // Not an object: the value does not match the schema, so there is nothing to mark.
            other => return Value::from(other).mark_sensitive_if(was_marked),
        };
        for (name, a) in &self.attributes {
            if a.sensitive {
                if let Some(v) = attrs.remove(name) {
                    attrs.insert(name.clone(), v.mark_sensitive());
                }
            }
        }
        for (name, b) in &self.blocks {
            if !b.block.contains_sensitive() {
                continue;
            }
            let Some(block_value) = attrs.remove(name) else {
                continue;
            };
            let marked = match b.nesting {
                Nesting::Single => b.block.mark_sensitive_attributes(block_value),
                Nesting::List | Nesting::Set => {
                    map_elements(block_value, |e| b.block.mark_sensitive_attributes(e))
                }
            };
            attrs.insert(name.clone(), marked);
        }
        Value::object(attrs).mark_sensitive_if(was_marked)
    }

    /// Terraform's ProposedNew: the new object a plan starts from, combining `config` with the
    /// `prior` state (`None` when creating). Configured values win; a computed attribute the
    /// configuration leaves null keeps its prior value, or is unknown when there is no prior
    /// object (Terraform leaves it null there and SDK providers then mark it unknown: the result
    /// is the same). Nested blocks are merged likewise, list blocks correlated by index and set
    /// blocks by their non-computed attributes.
    pub fn proposed_new(&self, prior: Option<&Value>, config: &Value) -> Value {
        self.proposed_new_object(prior.filter(|p| !p.is_null() && p.is_known()), config)
    }

    fn proposed_new_object(&self, prior: Option<&Value>, config: &Value) -> Value {
        if !config.is_known() {
            // A whole block unknown (a `dynamic` block over an unknown collection).
            return config.clone();
        }
        if config.is_null() {
            return prior.cloned().unwrap_or_else(|| config.clone());
        }
        let mut out = BTreeMap::new();
        for (name, a) in &self.attributes {
            let config_v = config
                .get_attr(name)
                .cloned()
                .unwrap_or_else(|| Value::null_of(a.ty.clone()));
            let v = if a.computed && config_v.is_null() {
                match prior {
                    Some(p) => p
                        .get_attr(name)
                        .cloned()
                        .unwrap_or_else(|| Value::null_of(a.ty.clone())),
                    None => Value::unknown(a.ty.clone()),
                }
            } else {
                config_v
            };
            out.insert(name.clone(), v);
        }
        for (name, b) in &self.blocks {
            let prior_v = prior.and_then(|p| p.get_attr(name));
            let config_v = config
                .get_attr(name)
                .cloned()
                .unwrap_or_else(|| b.empty_value());
            out.insert(name.clone(), b.proposed_new(prior_v, &config_v));
        }
        Value::object(out).mark_sensitive_if(config.is_sensitive())
    }

    /// Paths of force_new attributes whose planned value differs from the prior one, so the
    /// object must be replaced. A planned value not yet known counts as a change. Nested blocks
    /// are compared element by element (lists by index, sets by equal elements); an element
    /// added or removed counts as a change of each force_new attribute it sets.
    pub fn requires_replace(&self, prior: &Value, planned: &Value) -> Vec<AttrPath> {
        if prior.is_null() {
            return Vec::new();
        }
        let mut out = Vec::new();
        self.requires_replace_into(Some(prior), Some(planned), &AttrPath::root(), &mut out);
        out.sort();
        out.dedup();
        out
    }

    fn requires_replace_into(
        &self,
        prior: Option<&Value>,
        planned: Option<&Value>,
        path: &AttrPath,
        out: &mut Vec<AttrPath>,
    ) {
        let null = Value::null();
        for (name, a) in &self.attributes {
            if !a.force_new {
                continue;
            }
            let p = prior.and_then(|v| v.get_attr(name)).unwrap_or(&null);
            let n = planned.and_then(|v| v.get_attr(name)).unwrap_or(&null);
            if p.equals(n) != Some(true) {
                out.push(path.child_attr(name.clone()));
            }
        }
        for (name, b) in &self.blocks {
            if !b.block.contains_force_new() {
                continue;
            }
            let at = path.child_attr(name.clone());
            let p = prior
                .and_then(|v| v.get_attr(name))
                .filter(|v| !v.is_null());
            let n = planned
                .and_then(|v| v.get_attr(name))
                .filter(|v| !v.is_null());
            if n.is_some_and(|n| !n.is_known()) {
                // The whole block is unknown: any force_new attribute in it may change.
                out.push(at);
                continue;
            }
            match b.nesting {
                Nesting::Single => b.block.requires_replace_into(p, n, &at, out),
                Nesting::List => {
                    let ps = p.and_then(Value::as_seq).unwrap_or_default();
                    let ns = n.and_then(Value::as_seq).unwrap_or_default();
                    for i in 0..ps.len().max(ns.len()) {
                        b.block.requires_replace_into(
                            ps.get(i),
                            ns.get(i),
                            &at.child_index(i as i64),
                            out,
                        );
                    }
                }
                Nesting::Set => {
                    let ps = p.and_then(Value::as_seq).unwrap_or_default();
                    let ns = n.and_then(Value::as_seq).unwrap_or_default();
                    let (unmatched_prior, unmatched_planned) = unmatched_set_elements(ps, ns);
                    for i in unmatched_prior {
                        b.block.requires_replace_into(
                            ps.get(i),
                            None,
                            &at.child_index(i as i64),
                            out,
                        );
                    }
                    for i in unmatched_planned {
                        b.block.requires_replace_into(
                            None,
                            ns.get(i),
                            &at.child_index(i as i64),
                            out,
                        );
                    }
                }
            }
        }
    }

    /// Whether any attribute here or in nested blocks is force_new.
    pub fn contains_force_new(&self) -> bool {
        self.attributes.values().any(|a| a.force_new)
            || self.blocks.values().any(|b| b.block.contains_force_new())
    }

    /// The non-computed attributes of `element`, and of its nested blocks, as a string key for
    /// correlating set elements; `None` when something in them is unknown.
    fn config_key(&self, element: &Value) -> Option<String> {
        let projected = self.config_projection(element)?;
        Some(projected.to_json().to_string())
    }

    fn config_projection(&self, element: &Value) -> Option<Value> {
        if !element.is_known() {
            return None;
        }
        if element.is_null() {
            return Some(Value::null());
        }
        let mut out = BTreeMap::new();
        for (name, a) in &self.attributes {
            if a.computed {
                continue;
            }
            let v = element.get_attr(name).cloned().unwrap_or_else(Value::null);
            if !v.is_wholly_known() {
                return None;
            }
            // Nulls and values are told apart from each other, and strings from numbers, by JSON.
            out.insert(name.clone(), v);
        }
        for (name, b) in &self.blocks {
            let v = element
                .get_attr(name)
                .cloned()
                .unwrap_or_else(|| b.empty_value());
            let projected = match b.nesting {
                Nesting::Single => b.block.config_projection(&v)?,
                Nesting::List | Nesting::Set => {
                    if !v.is_known() {
                        return None;
                    }
                    let elems = v.as_seq().unwrap_or_default();
                    let mut keys = elems
                        .iter()
                        .map(|e| b.block.config_projection(e))
                        .collect::<Option<Vec<_>>>()?;
                    if b.nesting == Nesting::Set {
                        keys.sort_by(Value::canonical_cmp);
                    }
                    Value::tuple(keys)
                }
            };
            out.insert(name.clone(), projected);
        }
        Some(Value::object(out))
    }

    /// Whether `prior` could have come from `config`: they differ only where the configuration
    /// leaves a computed attribute null (Terraform's `validPriorFromConfig`).
    fn valid_prior_from_config(&self, prior: &Value, config: &Value) -> bool {
        if prior.equals(config) == Some(true) {
            return true;
        }
        let null = Value::null();
        for (name, a) in &self.attributes {
            let p = prior.get_attr(name).unwrap_or(&null);
            let c = config.get_attr(name).unwrap_or(&null);
            if p.equals(c) == Some(true) || (a.computed && c.is_null()) {
                continue;
            }
            return false;
        }
        for (name, b) in &self.blocks {
            let empty = b.empty_value();
            let p = prior.get_attr(name).unwrap_or(&empty);
            let c = config.get_attr(name).unwrap_or(&empty);
            if p.equals(c) == Some(true) {
                continue;
            }
            let ok = match b.nesting {
                Nesting::Single => {
                    !p.is_null() && !c.is_null() && b.block.valid_prior_from_config(p, c)
                }
                Nesting::List => {
                    let ps = p.as_seq().unwrap_or_default();
                    let cs = c.as_seq().unwrap_or_default();
                    ps.len() == cs.len()
                        && ps
                            .iter()
                            .zip(cs)
                            .all(|(p, c)| b.block.valid_prior_from_config(p, c))
                }
                // Nested sets cannot be correlated further: they must be equal.
                Nesting::Set => false,
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

impl NestedBlockSchema {
    /// ProposedNew for one nested block type's value (see [`Schema::proposed_new`]).
    fn proposed_new(&self, prior: Option<&Value>, config: &Value) -> Value {
        if !config.is_known() {
            return config.clone();
        }
        let prior = prior.filter(|p| !p.is_null() && p.is_known());
        match self.nesting {
            Nesting::Single => {
                if config.is_null() {
                    config.clone()
                } else {
                    self.block.proposed_new_object(prior, config)
                }
            }
            Nesting::List => {
                let prior_elems = prior.and_then(Value::as_seq).unwrap_or_default();
                let sensitive = config.is_sensitive();
                let tuple = matches!(config.kind(), ValueKind::Tuple(_));
                let elems: Vec<Value> = config
                    .as_seq()
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.block.proposed_new_object(prior_elems.get(i), c))
                    .collect();
                let v = if tuple {
                    Value::tuple(elems)
                } else {
                    Value::list(elems)
                };
                v.mark_sensitive_if(sensitive)
            }
            Nesting::Set => {
                let prior_elems = prior.and_then(Value::as_seq).unwrap_or_default();
                // Prior elements by the key of their configurable parts, so that matching is
                // not quadratic; candidates are then checked as Terraform does.
                let mut candidates: HashMap<String, Vec<usize>> = HashMap::new();
                for (i, p) in prior_elems.iter().enumerate().rev() {
                    if let Some(key) = self.block.config_key(p) {
                        candidates.entry(key).or_default().push(i);
                    }
                }
                let elems: Vec<Value> = config
                    .as_seq()
                    .unwrap_or_default()
                    .iter()
                    .map(|c| {
                        let matched = self.block.config_key(c).and_then(|key| {
                            let bucket = candidates.get_mut(&key)?;
                            let pos = bucket.iter().rposition(|&i| {
                                prior_elems
                                    .get(i)
                                    .is_some_and(|p| self.block.valid_prior_from_config(p, c))
                            })?;
                            Some(bucket.remove(pos))
                        });
                        self.block
                            .proposed_new_object(matched.and_then(|i| prior_elems.get(i)), c)
                    })
                    .collect();
                Value::set(elems).mark_sensitive_if(config.is_sensitive())
            }
        }
    }
}

/// Positions of set elements present on only one side (by equality of wholly known elements);
/// elements with unknowns never match.
fn unmatched_set_elements(prior: &[Value], planned: &[Value]) -> (Vec<usize>, Vec<usize>) {
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in prior.iter().enumerate().rev() {
        if p.is_wholly_known() {
            by_key.entry(p.to_json().to_string()).or_default().push(i);
        }
    }
    let mut matched_prior = vec![false; prior.len()];
    let mut unmatched_planned = Vec::new();
    for (j, n) in planned.iter().enumerate() {
        let found = n
            .is_wholly_known()
            .then(|| n.to_json().to_string())
            .and_then(|key| {
                let bucket = by_key.get_mut(&key)?;
                let pos = bucket
                    .iter()
                    .rposition(|&i| prior.get(i).is_some_and(|p| p.equals(n) == Some(true)))?;
                Some(bucket.remove(pos))
            });
        match found.and_then(|i| matched_prior.get_mut(i)) {
            Some(slot) => *slot = true,
            None => unmatched_planned.push(j),
        }
    }
    let unmatched_prior = matched_prior
        .iter()
        .enumerate()
        .filter(|(_, m)| !**m)
        .map(|(i, _)| i)
        .collect();
    (unmatched_prior, unmatched_planned)
}

/// Applies `f` to each element of a list, tuple or set, keeping the collection kind and mark.
fn map_elements(value: Value, f: impl Fn(Value) -> Value) -> Value {
    let (unmarked, was_marked) = value.unmark();
    let rebuilt = match unmarked.into_kind() {
        ValueKind::List(v) => Value::list(v.into_iter().map(f).collect()),
        ValueKind::Tuple(v) => Value::tuple(v.into_iter().map(f).collect()),
        ValueKind::Set(v) => Value::set(v.into_iter().map(f).collect()),
        other => Value::from(other),
    };
    rebuilt.mark_sensitive_if(was_marked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(attrs: &[(&str, Value)]) -> Value {
        Value::object(
            attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }
    fn s(text: &str) -> Value {
        Value::string(text)
    }
    fn n(x: f64) -> Value {
        Value::number(x)
    }
    fn null() -> Value {
        Value::null()
    }
    fn unknown() -> Value {
        Value::unknown(Type::String)
    }
    fn paths(ps: Vec<AttrPath>) -> Vec<String> {
        ps.iter().map(ToString::to_string).collect()
    }

    /// A resource with every kind of attribute and nested block.
    fn schema() -> Schema {
        let rule = Schema::new("")
            .attribute("port", AttributeSchema::required(Type::Number).force_new())
            .attribute("note", AttributeSchema::optional(Type::String))
            .attribute(
                "secret",
                AttributeSchema::optional(Type::String).sensitive(),
            )
            .attribute("rule_id", AttributeSchema::computed(Type::String));
        let network = Schema::new("")
            .attribute("cidr", AttributeSchema::required(Type::String))
            .attribute("gateway", AttributeSchema::computed(Type::String));
        let member = Schema::new("")
            .attribute("name", AttributeSchema::required(Type::String))
            .attribute("role", AttributeSchema::optional_computed(Type::String))
            .attribute("uid", AttributeSchema::computed(Type::String));
        Schema::new("test")
            .attribute("name", AttributeSchema::required(Type::String).force_new())
            .attribute("tags", AttributeSchema::optional(Type::map(Type::String)))
            .attribute("size", AttributeSchema::optional_computed(Type::Number))
            .attribute(
                "password",
                AttributeSchema::optional(Type::String).sensitive(),
            )
            .attribute("id", AttributeSchema::computed(Type::String))
            .block("rule", NestedBlockSchema::new(Nesting::List, rule))
            .block("network", NestedBlockSchema::new(Nesting::Single, network))
            .block("member", NestedBlockSchema::new(Nesting::Set, member))
    }

    fn rule(port: f64, rule_id: Value) -> Value {
        obj(&[
            ("port", n(port)),
            ("note", null()),
            ("secret", null()),
            ("rule_id", rule_id),
        ])
    }
    fn member(name: &str, role: Value, uid: Value) -> Value {
        obj(&[("name", s(name)), ("role", role), ("uid", uid)])
    }

    fn config() -> Value {
        obj(&[
            ("name", s("a")),
            ("tags", null()),
            ("size", null()),
            ("password", null()),
            ("id", null()),
            (
                "rule",
                Value::list(vec![rule(80.0, null()), rule(443.0, null())]),
            ),
            (
                "network",
                obj(&[("cidr", s("10.1.0.0/16")), ("gateway", null())]),
            ),
            (
                "member",
                Value::set(vec![
                    member("y", null(), null()),
                    member("z", null(), null()),
                ]),
            ),
        ])
    }

    fn prior() -> Value {
        obj(&[
            ("name", s("a")),
            ("tags", null()),
            ("size", n(3.0)),
            ("password", null()),
            ("id", s("i-1")),
            ("rule", Value::list(vec![rule(80.0, s("r1"))])),
            (
                "network",
                obj(&[("cidr", s("10.0.0.0/16")), ("gateway", s("10.0.0.1"))]),
            ),
            (
                "member",
                Value::set(vec![
                    member("x", s("admin"), s("u1")),
                    member("y", s("reader"), s("u2")),
                ]),
            ),
        ])
    }

    #[test]
    fn paths_display_as_written() {
        assert_eq!(
            AttrPath::attr("tags").child_key("x").to_string(),
            r#"tags["x"]"#
        );
        assert_eq!(
            AttrPath::attr("a")
                .child_attr("b")
                .child_index(0)
                .to_string(),
            "a.b[0]"
        );
        assert_eq!(
            AttrPath::attr("m").child_key("say \"hi\"").to_string(),
            r#"m["say \"hi\""]"#
        );
        assert_eq!(AttrPath::root().to_string(), "");
        let v = obj(&[("a", obj(&[("b", Value::list(vec![s("first")]))]))]);
        assert_eq!(
            AttrPath::attr("a").child_attr("b").child_index(0).get(&v),
            Some(&s("first"))
        );
        assert_eq!(
            AttrPath::attr("a").child_attr("b").child_index(1).get(&v),
            None
        );
        assert_eq!(
            AttrPath::attr("a").child_attr("b").child_index(-1).get(&v),
            None
        );
    }

    #[test]
    fn value_type_includes_blocks() {
        let t = schema().value_type().to_string();
        assert_eq!(
            t,
            "object({id=string,member=set(object({name=string,role=string,uid=string})),name=string,\
             network=object({cidr=string,gateway=string}),password=string,\
             rule=list(object({note=string,port=number,rule_id=string,secret=string})),size=number,tags=map(string)})"
        );
    }

    #[test]
    fn attribute_names_leave_out_computed_only() {
        let s = schema();
        assert_eq!(
            s.attribute_names().collect::<Vec<_>>(),
            ["name", "password", "size", "tags"]
        );
        assert_eq!(
            s.block_names().collect::<Vec<_>>(),
            ["member", "network", "rule"]
        );
    }

    #[test]
    fn internal_validate_finds_mistakes() {
        assert_eq!(schema().internal_validate(), Vec::<String>::new());
        let mut both = AttributeSchema::required(Type::String);
        both.computed = true;
        let mut neither = AttributeSchema::optional(Type::String);
        neither.optional = false;
        let bad = Schema::new("")
            .attribute("both", both)
            .attribute("neither", neither)
            .attribute("id", AttributeSchema::computed(Type::String).force_new())
            .attribute("x", AttributeSchema::optional(Type::String))
            .block(
                "x",
                NestedBlockSchema::new(Nesting::Single, Schema::new("")).max_items(2),
            )
            .block(
                "l",
                NestedBlockSchema::new(Nesting::List, Schema::new(""))
                    .min_items(3)
                    .max_items(2),
            );
        assert_eq!(
            bad.internal_validate(),
            [
                "both: must be exactly one of required, optional, optional+computed or computed-only (required=true, optional=false, computed=true)",
                "id: force_new on a computed-only attribute",
                "neither: must be exactly one of required, optional, optional+computed or computed-only (required=false, optional=false, computed=false)",
                "x: name used by both an attribute and a block type",
                "l: min_items is greater than max_items",
                "x: a single nested block must have max_items 1",
            ]
        );
        let provider = ProviderSchema {
            resources: [(
                "thing".to_string(),
                Schema::new("").attribute("count", AttributeSchema::optional(Type::Number)),
            )]
            .into(),
            ..ProviderSchema::default()
        };
        assert_eq!(
            provider.internal_validate(),
            ["resource thing: \"count\" is a meta-argument name"]
        );
    }

    #[test]
    fn proposed_new_on_create_makes_computed_unknown() {
        let p = schema().proposed_new(None, &config());
        assert_eq!(p.get_attr("id"), Some(&unknown()));
        assert_eq!(p.get_attr("size"), Some(&Value::unknown(Type::Number)));
        assert_eq!(p.get_attr("name"), Some(&s("a")));
        // Optional attributes stay null.
        assert_eq!(p.get_attr("tags"), Some(&null()));
        let path = |text: &[PathStep]| AttrPath(text.to_vec());
        use PathStep::*;
        let rule_id = path(&[Attr("rule".into()), Index(1), Attr("rule_id".into())]);
        assert_eq!(rule_id.get(&p), Some(&unknown()));
        let gateway = path(&[Attr("network".into()), Attr("gateway".into())]);
        assert_eq!(gateway.get(&p), Some(&unknown()));
        let members = p
            .get_attr("member")
            .and_then(Value::as_seq)
            .unwrap_or_default();
        assert_eq!(members.len(), 2);
        assert!(members.iter().all(
            |m| m.get_attr("uid") == Some(&unknown()) && m.get_attr("role") == Some(&unknown())
        ));
    }

    #[test]
    fn proposed_new_on_update_keeps_prior_computed_values() {
        let p = schema().proposed_new(Some(&prior()), &config());
        assert_eq!(p.get_attr("id"), Some(&s("i-1")));
        assert_eq!(p.get_attr("size"), Some(&n(3.0)));
        // Lists correlate by index: the first rule keeps its id, the new second one has none yet.
        assert_eq!(
            p.get_attr("rule"),
            Some(&Value::list(vec![
                rule(80.0, s("r1")),
                rule(443.0, unknown())
            ]))
        );
        // A single block merges with the prior block even though its configuration changed.
        assert_eq!(
            p.get_attr("network"),
            Some(&obj(&[
                ("cidr", s("10.1.0.0/16")),
                ("gateway", s("10.0.0.1"))
            ]))
        );
        // Sets correlate by non-computed attributes: "y" keeps its role and uid, "z" is new.
        assert_eq!(
            p.get_attr("member"),
            Some(&Value::set(vec![
                member("y", s("reader"), s("u2")),
                member("z", unknown(), unknown())
            ]))
        );
    }

    #[test]
    fn proposed_new_configured_values_win() {
        let mut c = config().as_map().cloned().unwrap_or_default();
        c.insert("size".into(), n(5.0));
        c.insert(
            "member".into(),
            Value::set(vec![
                member("x", s("admin"), null()),
                member("y", Value::unknown(Type::String), null()),
            ]),
        );
        let p = schema().proposed_new(Some(&prior()), &Value::object(c.clone()));
        assert_eq!(p.get_attr("size"), Some(&n(5.0)));
        // "x" configures the role it has: it correlates and keeps its uid; "y" with an unknown
        // role cannot be correlated, as in Terraform.
        assert_eq!(
            p.get_attr("member"),
            Some(&Value::set(vec![
                member("x", s("admin"), s("u1")),
                member("y", unknown(), unknown())
            ]))
        );
        // A configured role that differs from the prior one: not the same element.
        c.insert(
            "member".into(),
            Value::set(vec![member("x", s("owner"), null())]),
        );
        let p = schema().proposed_new(Some(&prior()), &Value::object(c.clone()));
        assert_eq!(
            p.get_attr("member"),
            Some(&Value::set(vec![member("x", s("owner"), unknown())]))
        );
        // An unknown configured value for a computed attribute stays unknown.
        c.insert("size".into(), Value::unknown(Type::Number));
        let p = schema().proposed_new(Some(&prior()), &Value::object(c));
        assert_eq!(p.get_attr("size"), Some(&Value::unknown(Type::Number)));
    }

    #[test]
    fn proposed_new_keeps_marks_and_unknown_blocks() {
        let mut c = config().as_map().cloned().unwrap_or_default();
        c.insert("password".into(), s("hunter2").mark_sensitive());
        c.insert("rule".into(), Value::unknown(Type::list(Type::Dynamic)));
        let p = schema().proposed_new(Some(&prior()), &Value::object(c));
        assert!(p.get_attr("password").is_some_and(Value::is_sensitive));
        assert_eq!(
            p.get_attr("rule"),
            Some(&Value::unknown(Type::list(Type::Dynamic)))
        );
    }

    #[test]
    fn requires_replace_on_force_new_changes() {
        let schema = schema();
        let planned = schema.proposed_new(Some(&prior()), &config());
        // The new second rule sets the force_new `port`.
        assert_eq!(
            paths(schema.requires_replace(&prior(), &planned)),
            ["rule[1].port"]
        );
        assert_eq!(
            paths(schema.requires_replace(&prior(), &prior())),
            Vec::<String>::new()
        );

        let with = |name: &str, v: Value| {
            let mut m = prior().as_map().cloned().unwrap_or_default();
            m.insert(name.into(), v);
            Value::object(m)
        };
        assert_eq!(
            paths(schema.requires_replace(&prior(), &with("name", s("b")))),
            ["name"]
        );
        assert_eq!(
            paths(schema.requires_replace(&prior(), &with("name", unknown()))),
            ["name"]
        );
        // Not force_new: updated in place.
        assert_eq!(
            paths(schema.requires_replace(&prior(), &with("tags", Value::map(BTreeMap::new())))),
            Vec::<String>::new()
        );
        // A changed port, and a removed rule.
        assert_eq!(
            paths(schema.requires_replace(
                &prior(),
                &with("rule", Value::list(vec![rule(8080.0, s("r1"))]))
            )),
            ["rule[0].port"]
        );
        assert_eq!(
            paths(schema.requires_replace(&prior(), &with("rule", Value::list(vec![])))),
            ["rule[0].port"]
        );
        assert_eq!(
            paths(schema.requires_replace(&prior(), &with("rule", Value::unknown(Type::Dynamic)))),
            ["rule"]
        );
        // Marks do not count as changes.
        assert_eq!(
            paths(schema.requires_replace(&prior(), &with("name", s("a").mark_sensitive()))),
            Vec::<String>::new()
        );
    }

    #[test]
    fn requires_replace_in_set_blocks() {
        let key = Schema::new("")
            .attribute("name", AttributeSchema::required(Type::String).force_new())
            .attribute("size", AttributeSchema::optional(Type::Number));
        let schema = Schema::new("").block("key", NestedBlockSchema::new(Nesting::Set, key));
        let k = |name: &str, size: f64| obj(&[("name", s(name)), ("size", n(size))]);
        let v = |keys: Vec<Value>| obj(&[("key", Value::set(keys))]);
        let prior = v(vec![k("a", 1.0), k("b", 1.0)]);
        assert_eq!(
            paths(schema.requires_replace(&prior, &v(vec![k("b", 1.0), k("a", 1.0)]))),
            Vec::<String>::new()
        );
        // Changing a non-force_new attribute of an element still changes the element's identity:
        // both the old "b" and the new "b" carry a force_new name.
        assert_eq!(
            paths(schema.requires_replace(&prior, &v(vec![k("a", 1.0), k("b", 2.0)]))),
            ["key[1].name"]
        );
    }

    #[test]
    fn sensitive_paths_include_nested_and_null() {
        let schema = schema();
        let p = schema.proposed_new(Some(&prior()), &config());
        assert_eq!(
            paths(schema.sensitive_paths(&p)),
            ["password", "rule[0].secret", "rule[1].secret"]
        );
        assert_eq!(paths(schema.sensitive_paths(&Value::null())), ["password"]);
        let marked = schema.mark_sensitive_attributes(p);
        assert!(marked.get_attr("password").is_some_and(Value::is_sensitive));
        assert!(!marked.get_attr("name").is_some_and(Value::is_sensitive));
        let secrets = AttrPath(vec![
            PathStep::Attr("rule".into()),
            PathStep::Index(1),
            PathStep::Attr("secret".into()),
        ]);
        assert!(secrets.get(&marked).is_some_and(Value::is_sensitive));
        assert!(!marked.get_attr("rule").is_some_and(Value::is_sensitive));
    }
}
