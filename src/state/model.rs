//! The state document and its in-memory form.
//!
//! On disk a state is one JSON object:
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "serial": 3,
//!   "lineage": "6f1c1c9e-2c4b-4d7e-9a53-0b8c7d5e4f21",
//!   "flinkform_version": "0.1.0",
//!   "outputs": { "url": { "value": "https://x", "type": "string", "sensitive": false } },
//!   "resources": [
//!     {
//!       "address": "module.a.flinkform_data.x",
//!       "mode": "managed", "type": "flinkform_data", "name": "x", "module": "module.a",
//!       "provider": "provider.flinkform",
//!       "instances": [
//!         { "index_key": "eu", "status": "ready", "schema_version": 0,
//!           "attributes": { "id": "x-1", "secret": "s" },
//!           "sensitive_paths": [[{ "attr": "secret" }]],
//!           "dependencies": ["flinkform_data.y"] }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! - `serial` grows by one each time a changed state is written; `lineage` is a UUID fixed when
//!   the state is first created, so two unrelated states are never mistaken for versions of one.
//! - `index_key` is `null` (no `count`/`for_each`), a number (`count`) or a string (`for_each`).
//! - `status` is `"ready"`, `"tainted"` (must be replaced) or `"pending"` (an operation was started
//!   and not confirmed; `pending_operation` then holds what is needed to resume it, e.g. the URL
//!   of an Azure long-running operation).
//! - A sensitive path is a JSON array of steps, each `{"attr": NAME}` (object attribute),
//!   `{"key": KEY}` (map element) or `{"index": N}` (list or tuple element, or set element in
//!   the set's canonical order): `[{"attr":"tags"},{"key":"x"}]` is `tags["x"]`. This is simpler
//!   to read than Terraform's `{"type":"get_attr","value":...}` steps and holds the same paths.
//! - Output `type` uses cty's JSON type syntax (`"string"`, `["list","number"]`,
//!   `["object",{"a":"bool"}]`), as Terraform does, so list/map/object outputs decode back to
//!   the same type.
//!
//! In memory, resources are kept in a map keyed by [`AbsResource`] and instances in a map
//! keyed by [`InstanceKey`], so lookups and updates cost O(log n) and the document is always
//! written in the same order: by module instance, then mode (managed before data), type, name,
//! and instance key.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::addrs::{AbsResource, AbsResourceInstance, InstanceKey, ResourceMode};
use crate::providers::schema::AttrPath;

use super::values::{key_serde, paths_serde};

/// The newest state document format this version reads and the one it writes.
pub const FORMAT_VERSION: u64 = 1;

/// A whole state: outputs of the root module and every resource instance.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub format_version: u64,
    pub serial: u64,
    pub lineage: String,
    pub flinkform_version: String,
    pub outputs: BTreeMap<String, OutputState>,
    resources: BTreeMap<AbsResource, ResourceState>,
}

/// A root module output value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    /// The value's type in cty's JSON type syntax (see [`super::type_to_json`]).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub ty: Option<serde_json::Value>,
    #[serde(default)]
    pub sensitive: bool,
}

/// One resource (all its instances) in one module instance.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceState {
    addr: AbsResource,
    /// The provider configuration that manages it, e.g. `provider.flinkform` or
    /// `module.a.provider.azure.westeu`.
    pub provider: String,
    instances: BTreeMap<InstanceKey, InstanceState>,
}

/// Where an instance stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceStatus {
    /// The object exists and matches `attributes`.
    #[default]
    Ready,
    /// The object exists but must be replaced (a create failed half-way, or `taint`).
    Tainted,
    /// An operation was started and not confirmed; see `pending_operation`.
    Pending,
}

/// One instance of a resource: the attributes of the real object as the provider last
/// returned them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    #[serde(default)]
    pub status: InstanceStatus,
    /// The version of the resource type's schema `attributes` were written with.
    #[serde(default)]
    pub schema_version: u64,
    pub attributes: serde_json::Value,
    /// Parts of `attributes` that are sensitive (see the module documentation for the format).
    #[serde(default, with = "paths_serde")]
    pub sensitive_paths: Vec<AttrPath>,
    /// Addresses of the resources this one depended on when last applied, so that destroying
    /// it after its configuration is removed still happens in the right order.
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// What an interrupted apply needs to resume an operation (status `pending`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_operation: Option<serde_json::Value>,
}

impl InstanceState {
    /// A ready instance with these attributes and nothing else.
    pub fn new(attributes: serde_json::Value) -> InstanceState {
        InstanceState {
            status: InstanceStatus::Ready,
            schema_version: 0,
            attributes,
            sensitive_paths: Vec::new(),
            dependencies: Vec::new(),
            pending_operation: None,
        }
    }
}

/// One change to a state, as recorded in the journal during apply. Each carries the whole
/// new instance (or output), never a delta, so applying a change twice is the same as once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    SetInstance {
        #[serde(with = "addr_serde")]
        address: AbsResourceInstance,
        provider: String,
        instance: InstanceState,
    },
    RemoveInstance {
        #[serde(with = "addr_serde")]
        address: AbsResourceInstance,
    },
    SetOutput {
        name: String,
        output: OutputState,
    },
    RemoveOutput {
        name: String,
    },
    /// What a destroyed object left behind (a Flink job's final savepoint), for the state
    /// backup: the state itself is not changed (the object's removal is its own change); the
    /// instance is written into the backup when the apply ends (see
    /// [`StateWriter::finish`](super::StateWriter::finish)).
    KeepInBackup {
        #[serde(with = "addr_serde")]
        address: AbsResourceInstance,
        provider: String,
        instance: InstanceState,
    },
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    /// An empty state with a fresh lineage and serial 0.
    pub fn new() -> State {
        State {
            format_version: FORMAT_VERSION,
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            flinkform_version: env!("CARGO_PKG_VERSION").to_string(),
            outputs: BTreeMap::new(),
            resources: BTreeMap::new(),
        }
    }

    /// Whether the state holds no resources and no outputs.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty()
    }

    /// All resources, in address order.
    pub fn resources(&self) -> impl Iterator<Item = &ResourceState> {
        self.resources.values()
    }

    /// Every instance with its address parts, in address order.
    pub fn instances(&self) -> impl Iterator<Item = (&AbsResource, &InstanceKey, &InstanceState)> {
        self.resources
            .values()
            .flat_map(|r| r.instances.iter().map(move |(k, i)| (&r.addr, k, i)))
    }

    pub fn resource(&self, addr: &AbsResource) -> Option<&ResourceState> {
        self.resources.get(addr)
    }

    pub fn instance(&self, addr: &AbsResourceInstance) -> Option<&InstanceState> {
        self.resources.get(&addr.resource)?.instances.get(&addr.key)
    }

    /// For commands that edit a state as a whole (e.g. `taint`); during apply, changes go
    /// through a [`StateWriter`](super::StateWriter) so that they are persisted.
    pub fn instance_mut(&mut self, addr: &AbsResourceInstance) -> Option<&mut InstanceState> {
        self.resources
            .get_mut(&addr.resource)?
            .instances
            .get_mut(&addr.key)
    }

    /// Number of instances of all resources.
    pub fn instance_count(&self) -> usize {
        self.resources.values().map(|r| r.instances.len()).sum()
    }

    /// Stores an instance, replacing any previous one at that address (returned).
    pub fn set_instance(
        &mut self,
        addr: AbsResourceInstance,
        provider: impl Into<String>,
        instance: InstanceState,
    ) -> Option<InstanceState> {
        let provider = provider.into();
        let AbsResourceInstance { resource, key } = addr;
        match self.resources.get_mut(&resource) {
            Some(r) => {
                r.provider = provider;
                r.instances.insert(key, instance)
            }
            None => {
                let mut instances = BTreeMap::new();
                instances.insert(key, instance);
                self.resources.insert(
                    resource.clone(),
                    ResourceState {
                        addr: resource,
                        provider,
                        instances,
                    },
                );
                None
            }
        }
    }

    /// Removes an instance; a resource left without instances is removed too.
    pub fn remove_instance(&mut self, addr: &AbsResourceInstance) -> Option<InstanceState> {
        let resource = self.resources.get_mut(&addr.resource)?;
        let removed = resource.instances.remove(&addr.key);
        if resource.instances.is_empty() {
            self.resources.remove(&addr.resource);
        }
        removed
    }

    pub fn set_output(
        &mut self,
        name: impl Into<String>,
        output: OutputState,
    ) -> Option<OutputState> {
        self.outputs.insert(name.into(), output)
    }

    pub fn remove_output(&mut self, name: &str) -> Option<OutputState> {
        self.outputs.remove(name)
    }

    /// Applies one recorded change.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::SetInstance {
                address,
                provider,
                instance,
            } => {
                self.set_instance(address, provider, instance);
            }
            Change::RemoveInstance { address } => {
                self.remove_instance(&address);
            }
            Change::SetOutput { name, output } => {
                self.set_output(name, output);
            }
            Change::RemoveOutput { name } => {
                self.remove_output(&name);
            }
            Change::KeepInBackup { .. } => {}
        }
    }
}

impl ResourceState {
    pub fn addr(&self) -> &AbsResource {
        &self.addr
    }
    /// `"managed"` or `"data"`.
    pub fn mode(&self) -> &'static str {
        mode_name(self.addr.resource.mode)
    }
    /// Instances in key order.
    pub fn instances(&self) -> impl Iterator<Item = (&InstanceKey, &InstanceState)> {
        self.instances.iter()
    }
    pub fn instance(&self, key: &InstanceKey) -> Option<&InstanceState> {
        self.instances.get(key)
    }
    pub fn instance_count(&self) -> usize {
        self.instances.len()
    }
}

fn mode_name(mode: ResourceMode) -> &'static str {
    match mode {
        ResourceMode::Managed => "managed",
        ResourceMode::Data => "data",
    }
}

// ---- serialisation ----

#[derive(Serialize)]
struct StateOut<'a> {
    format_version: u64,
    serial: u64,
    lineage: &'a str,
    flinkform_version: &'a str,
    outputs: &'a BTreeMap<String, OutputState>,
    resources: ResourcesOut<'a>,
}

struct ResourcesOut<'a>(&'a BTreeMap<AbsResource, ResourceState>);

impl Serialize for ResourcesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.values())
    }
}

#[derive(Serialize)]
struct ResourceOut<'a> {
    address: String,
    mode: &'static str,
    #[serde(rename = "type")]
    type_name: &'a str,
    name: &'a str,
    module: String,
    provider: &'a str,
    instances: InstancesOut<'a>,
}

struct InstancesOut<'a>(&'a BTreeMap<InstanceKey, InstanceState>);

impl Serialize for InstancesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|(key, instance)| InstanceOut {
            index_key: key,
            instance,
        }))
    }
}

#[derive(Serialize)]
struct InstanceOut<'a> {
    #[serde(with = "key_serde")]
    index_key: &'a InstanceKey,
    #[serde(flatten)]
    instance: &'a InstanceState,
}

impl Serialize for ResourceState {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ResourceOut {
            address: self.addr.to_string(),
            mode: self.mode(),
            type_name: &self.addr.resource.type_name,
            name: &self.addr.resource.name,
            module: self.addr.module.to_string(),
            provider: &self.provider,
            instances: InstancesOut(&self.instances),
        }
        .serialize(s)
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StateOut {
            format_version: self.format_version,
            serial: self.serial,
            lineage: &self.lineage,
            flinkform_version: &self.flinkform_version,
            outputs: &self.outputs,
            resources: ResourcesOut(&self.resources),
        }
        .serialize(s)
    }
}

#[derive(Deserialize)]
struct StateIn {
    format_version: u64,
    serial: u64,
    lineage: String,
    #[serde(default)]
    flinkform_version: String,
    #[serde(default)]
    outputs: BTreeMap<String, OutputState>,
    #[serde(default)]
    resources: Vec<ResourceIn>,
}

#[derive(Deserialize)]
struct ResourceIn {
    address: String,
    mode: String,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    #[serde(default)]
    module: String,
    provider: String,
    #[serde(default)]
    instances: Vec<InstanceIn>,
}

#[derive(Deserialize)]
struct InstanceIn {
    #[serde(with = "key_serde")]
    index_key: InstanceKey,
    #[serde(flatten)]
    instance: InstanceState,
}

/// Why a document is not a valid state, beyond its JSON syntax.
#[derive(Debug)]
pub(crate) struct InvalidState(pub String);

impl fmt::Display for InvalidState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<StateIn> for State {
    type Error = InvalidState;
    fn try_from(doc: StateIn) -> Result<State, InvalidState> {
        if doc.format_version > FORMAT_VERSION {
            return Err(newer_format(doc.format_version));
        }
        if doc.lineage.is_empty() {
            return Err(InvalidState("\"lineage\" is empty".into()));
        }
        let mut resources = BTreeMap::new();
        for r in doc.resources {
            let addr = resource_addr(&r)?;
            let mut instances = BTreeMap::new();
            for i in r.instances {
                if instances.contains_key(&i.index_key) {
                    return Err(InvalidState(format!(
                        "resource {:?} has two instances with index_key {}",
                        r.address,
                        key_json(&i.index_key)
                    )));
                }
                instances.insert(i.index_key, i.instance);
            }
            if resources.contains_key(&addr) {
                return Err(InvalidState(format!(
                    "resource {:?} appears twice",
                    r.address
                )));
            }
            resources.insert(
                addr.clone(),
                ResourceState {
                    addr,
                    provider: r.provider,
                    instances,
                },
            );
        }
        Ok(State {
            format_version: FORMAT_VERSION,
            serial: doc.serial,
            lineage: doc.lineage,
            flinkform_version: doc.flinkform_version,
            outputs: doc.outputs,
            resources,
        })
    }
}

pub(crate) fn newer_format(version: u64) -> InvalidState {
    InvalidState(format!(
        "it has format version {version}, written by a newer flinkform; this version ({}) reads format {FORMAT_VERSION}",
        env!("CARGO_PKG_VERSION")
    ))
}

fn key_json(key: &InstanceKey) -> String {
    match key {
        InstanceKey::None => "null".into(),
        InstanceKey::Int(i) => i.to_string(),
        InstanceKey::Str(s) => serde_json::Value::String(s.clone()).to_string(),
    }
}

/// The resource's address, checked against its separate mode/type/name/module fields.
fn resource_addr(r: &ResourceIn) -> Result<AbsResource, InvalidState> {
    let parsed: AbsResourceInstance = r
        .address
        .parse()
        .map_err(|e| InvalidState(format!("resource address: {e}")))?;
    if parsed.key != InstanceKey::None {
        return Err(InvalidState(format!(
            "resource address {:?} must not have an instance key (keys go in \"index_key\")",
            r.address
        )));
    }
    let addr = parsed.resource;
    let consistent = mode_name(addr.resource.mode) == r.mode
        && addr.resource.type_name == r.type_name
        && addr.resource.name == r.name
        && addr.module.to_string() == r.module;
    if !consistent {
        return Err(InvalidState(format!(
            "resource {:?} has mode {:?}, type {:?}, name {:?} and module {:?}, which do not match its address",
            r.address, r.mode, r.type_name, r.name, r.module
        )));
    }
    Ok(addr)
}

impl<'de> Deserialize<'de> for State {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<State, D::Error> {
        let doc = StateIn::deserialize(d)?;
        State::try_from(doc).map_err(serde::de::Error::custom)
    }
}

/// Addresses as their text form.
mod addr_serde {
    use super::*;

    pub fn serialize<S: Serializer>(addr: &AbsResourceInstance, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(addr)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<AbsResourceInstance, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::schema::PathStep;

    fn addr(s: &str) -> AbsResourceInstance {
        s.parse().unwrap()
    }

    #[test]
    fn resources_are_written_in_address_order_whatever_the_insertion_order() {
        let mut state = State::new();
        for a in [
            "module.b.t.x",
            "t.z",
            "data.t.a",
            "t.a[\"k\"]",
            "t.a[\"b\"]",
            "module.a[1].t.x",
            "module.a[0].t.x",
        ] {
            state.set_instance(
                addr(a),
                "provider.t",
                InstanceState::new(serde_json::json!({})),
            );
        }
        let json = serde_json::to_value(&state).unwrap();
        let addresses: Vec<&str> = json["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["address"].as_str().unwrap())
            .collect();
        assert_eq!(
            addresses,
            [
                "t.a",
                "t.z",
                "data.t.a",
                "module.a[0].t.x",
                "module.a[1].t.x",
                "module.b.t.x"
            ]
        );
        let keys: Vec<&str> = json["resources"][0]["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["index_key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["b", "k"]);
    }

    #[test]
    fn instance_document_has_the_documented_fields() {
        let mut state = State::new();
        let mut instance = InstanceState::new(serde_json::json!({"id": "1", "secret": "s"}));
        instance.sensitive_paths = vec![AttrPath(vec![
            PathStep::Attr("tags".into()),
            PathStep::Key("x".into()),
            PathStep::Index(0),
        ])];
        instance.dependencies = vec!["t.y".into()];
        instance.status = InstanceStatus::Pending;
        instance.pending_operation = Some(serde_json::json!({"url": "https://op"}));
        state.set_instance(addr("module.m[\"eu\"].t.x[3]"), "provider.t", instance);
        let json = serde_json::to_value(&state).unwrap();
        assert_eq!(
            json["resources"][0],
            serde_json::json!({
                "address": "module.m[\"eu\"].t.x",
                "mode": "managed",
                "type": "t",
                "name": "x",
                "module": "module.m[\"eu\"]",
                "provider": "provider.t",
                "instances": [{
                    "index_key": 3,
                    "status": "pending",
                    "schema_version": 0,
                    "attributes": {"id": "1", "secret": "s"},
                    "sensitive_paths": [[{"attr": "tags"}, {"key": "x"}, {"index": 0}]],
                    "dependencies": ["t.y"],
                    "pending_operation": {"url": "https://op"}
                }]
            })
        );
    }

    #[test]
    fn inconsistent_resource_fields_are_refused() {
        let doc = serde_json::json!({
            "format_version": 1, "serial": 1, "lineage": "l",
            "resources": [{"address": "t.x", "mode": "managed", "type": "t", "name": "y", "module": "",
                           "provider": "provider.t", "instances": []}]
        });
        let err = serde_json::from_value::<State>(doc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("do not match its address"), "{err}");
    }

    #[test]
    fn duplicate_instance_keys_are_refused() {
        let doc = serde_json::json!({
            "format_version": 1, "serial": 1, "lineage": "l",
            "resources": [{"address": "t.x", "mode": "managed", "type": "t", "name": "x", "module": "",
                           "provider": "provider.t",
                           "instances": [{"index_key": "a", "attributes": {}}, {"index_key": "a", "attributes": {}}]}]
        });
        let err = serde_json::from_value::<State>(doc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("two instances with index_key \"a\""), "{err}");
    }

    #[test]
    fn newer_format_is_refused() {
        let doc = serde_json::json!({"format_version": 2, "serial": 1, "lineage": "l"});
        let err = serde_json::from_value::<State>(doc)
            .unwrap_err()
            .to_string();
        assert!(err.contains("format version 2"), "{err}");
    }

    #[test]
    fn removing_the_last_instance_removes_the_resource() {
        let mut state = State::new();
        state.set_instance(
            addr("t.x[0]"),
            "provider.t",
            InstanceState::new(serde_json::json!({})),
        );
        state.set_instance(
            addr("t.x[1]"),
            "provider.t",
            InstanceState::new(serde_json::json!({})),
        );
        assert!(state.remove_instance(&addr("t.x[0]")).is_some());
        assert_eq!(
            state
                .resource(&addr("t.x").resource)
                .unwrap()
                .instance_count(),
            1
        );
        assert!(state.remove_instance(&addr("t.x[1]")).is_some());
        assert!(state.resource(&addr("t.x").resource).is_none());
        assert!(state.remove_instance(&addr("t.x[1]")).is_none());
    }

    #[test]
    fn change_records_round_trip() {
        let change = Change::SetInstance {
            address: addr("module.a.t.x[\"k\"]"),
            provider: "provider.t".into(),
            instance: InstanceState::new(serde_json::json!({"id": "1"})),
        };
        let line = serde_json::to_string(&change).unwrap();
        assert!(
            line.starts_with(r#"{"op":"set_instance","address":"module.a.t.x[\"k\"]""#),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<Change>(&line).unwrap(), change);
        let removal = Change::RemoveInstance {
            address: addr("t.x"),
        };
        let line = serde_json::to_string(&removal).unwrap();
        assert_eq!(line, r#"{"op":"remove_instance","address":"t.x"}"#);
        assert_eq!(serde_json::from_str::<Change>(&line).unwrap(), removal);
    }
}
