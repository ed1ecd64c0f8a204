//! Generic ARM resources by id, for any provider namespace and type.

use serde_json::{json, Map, Value};

use super::operations::{self, Outcome};
use super::world::{HookContext, LroStyle, Reply, World};

/// What an ARM resource id says.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceId {
    /// The id as given.
    pub id: String,
    pub subscription: String,
    /// `/subscriptions/{s}/resourceGroups/{rg}`, if the resource is in one.
    pub resource_group: Option<String>,
    pub resource_group_name: Option<String>,
    /// `Microsoft.Network/virtualNetworks/subnets`.
    pub resource_type: String,
    pub namespace: String,
    pub name: String,
    /// The parent resource of a child type (a VNet for a subnet).
    pub parent: Option<String>,
}

impl ResourceId {
    pub fn parse(id: &str) -> Option<ResourceId> {
        let segments: Vec<&str> = id.strip_prefix('/')?.split('/').collect();
        if segments.len() < 4
            || !segments[0].eq_ignore_ascii_case("subscriptions")
            || segments.iter().any(|s| s.is_empty())
        {
            return None;
        }
        let subscription = segments[1].to_string();
        let in_group = segments[2].eq_ignore_ascii_case("resourceGroups");
        let resource_group = in_group
            .then(|| segments[..4].join("/"))
            .map(|g| format!("/{g}"));
        let resource_group_name = in_group.then(|| segments[3].to_string());
        if in_group && segments.len() == 4 {
            return Some(ResourceId {
                id: id.to_string(),
                subscription,
                resource_group,
                resource_group_name,
                resource_type: "Microsoft.Resources/resourceGroups".to_string(),
                namespace: "Microsoft.Resources".to_string(),
                name: segments[3].to_string(),
                parent: None,
            });
        }
        // The last `providers/{namespace}` followed by type/name pairs.
        let p = (0..segments.len()).rev().find(|&i| {
            segments[i].eq_ignore_ascii_case("providers")
                && segments.len() > i + 3
                && (segments.len() - i - 2).is_multiple_of(2)
        })?;
        let namespace = segments[p + 1].to_string();
        let pairs = &segments[p + 2..];
        let types: Vec<&str> = pairs.iter().step_by(2).copied().collect();
        let name = pairs.last()?.to_string();
        let parent =
            (pairs.len() > 2).then(|| format!("/{}", segments[..segments.len() - 2].join("/")));
        Some(ResourceId {
            id: id.to_string(),
            subscription,
            resource_group,
            resource_group_name,
            resource_type: format!("{namespace}/{}", types.join("/")),
            namespace,
            name,
            parent,
        })
    }

    pub fn key(&self) -> String {
        self.id.to_ascii_lowercase()
    }

    /// The managed cluster (lower-cased id) of a cluster or one of its agent pools.
    pub fn cluster_key(&self) -> Option<String> {
        let lower = self.key();
        let marker = "/providers/microsoft.containerservice/managedclusters/";
        let start = lower.find(marker)? + marker.len();
        let end = lower[start..].find('/').map_or(lower.len(), |i| start + i);
        Some(lower[..end].to_string())
    }
}

fn not_found(world: &World, id: &ResourceId) -> Reply {
    if let Some(group) = &id.resource_group {
        if id.resource_type != "Microsoft.Resources/resourceGroups"
            && !world.resources.contains_key(&group.to_ascii_lowercase())
        {
            return Reply::error(
                404,
                "ResourceGroupNotFound",
                &format!(
                    "Resource group '{}' could not be found.",
                    id.resource_group_name.as_deref().unwrap_or_default()
                ),
            );
        }
    }
    Reply::error(
        404,
        "ResourceNotFound",
        &format!(
            "The Resource '{}/{}' under resource group '{}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix",
            id.resource_type,
            id.name,
            id.resource_group_name.as_deref().unwrap_or_default()
        ),
    )
}

fn invalid_id(path: &str) -> Reply {
    Reply::error(
        400,
        "InvalidResourceId",
        &format!("'{path}' is not a valid resource id."),
    )
}

pub fn get(world: &mut World, path: &str) -> Reply {
    let Some(id) = ResourceId::parse(path) else {
        return list(world, path);
    };
    operations::advance_on_read(world, &id.key());
    match world.resources.get(&id.key()) {
        Some(resource) => Reply::json(200, resource.clone()),
        None => not_found(world, &id),
    }
}

/// A collection (`.../managedClusters/{name}/agentPools`): `{"value": [...]}` of the
/// resources directly in it.
fn list(world: &World, path: &str) -> Reply {
    if ResourceId::parse(&format!("{path}/x")).is_none() {
        return invalid_id(path);
    }
    let prefix = format!("{}/", path.to_ascii_lowercase());
    let mut items: Vec<(&String, &Value)> = world
        .resources
        .iter()
        .filter(|(key, _)| {
            key.strip_prefix(&prefix)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(b.0));
    let value: Vec<Value> = items.into_iter().map(|(_, v)| v.clone()).collect();
    Reply::json(200, json!({ "value": value }))
}

/// 409 while an operation runs on the resource or on its managed cluster.
fn busy(world: &World, id: &ResourceId) -> Option<Reply> {
    let running = operations::running_on(world, &id.key(), id.cluster_key().as_deref())?;
    Some(Reply::error(
        409,
        "OperationNotAllowed",
        &format!(
            "Operation is not allowed because there's an in progress {} operation on '{}'.",
            running.method.to_ascii_lowercase(),
            running.resource_id
        ),
    ))
}

/// The resource group and the parent must exist before a resource is created in them.
fn missing_container(world: &World, id: &ResourceId) -> Option<Reply> {
    if id.resource_type != "Microsoft.Resources/resourceGroups" {
        if let Some(group) = &id.resource_group {
            if !world.resources.contains_key(&group.to_ascii_lowercase()) {
                return Some(not_found(world, id));
            }
        }
    }
    let parent = id.parent.as_ref()?;
    if world.resources.contains_key(&parent.to_ascii_lowercase()) {
        return None;
    }
    Some(Reply::error(
        404,
        "ParentResourceNotFound",
        &format!("Can not perform requested operation on nested resource. Parent resource '{parent}' not found."),
    ))
}

fn parse_object(body: &[u8]) -> Result<Map<String, Value>, Reply> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Reply::error(
            400,
            "InvalidRequestContent",
            "The request content was invalid and could not be deserialized.",
        )),
    }
}

pub fn put(
    world: &mut World,
    path: &str,
    api_version: &str,
    body: &[u8],
    outcome: Outcome,
) -> Reply {
    let Some(id) = ResourceId::parse(path) else {
        return invalid_id(path);
    };
    if let Some(reply) = missing_container(world, &id).or_else(|| busy(world, &id)) {
        return reply;
    }
    let object = match parse_object(body) {
        Ok(object) => object,
        Err(reply) => return reply,
    };
    let previous = world.resources.get(&id.key()).cloned();
    // ARM keeps the casing of the id the resource was created with.
    let stored_id = previous
        .as_ref()
        .and_then(|p| p.get("id"))
        .and_then(Value::as_str)
        .unwrap_or(&id.id)
        .to_string();
    let resource = server_fields(Value::Object(object), &stored_id, &id);
    write(world, &id, "PUT", api_version, resource, previous, outcome)
}

pub fn patch(
    world: &mut World,
    path: &str,
    api_version: &str,
    body: &[u8],
    outcome: Outcome,
) -> Reply {
    let Some(id) = ResourceId::parse(path) else {
        return invalid_id(path);
    };
    let Some(previous) = world.resources.get(&id.key()).cloned() else {
        return not_found(world, &id);
    };
    if let Some(reply) = busy(world, &id) {
        return reply;
    }
    let object = match parse_object(body) {
        Ok(object) => object,
        Err(reply) => return reply,
    };
    let mut resource = previous.clone();
    merge_patch(&mut resource, &Value::Object(object));
    let stored_id = previous
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or(&id.id)
        .to_string();
    let resource = server_fields(resource, &stored_id, &id);
    write(
        world,
        &id,
        "PATCH",
        api_version,
        resource,
        Some(previous),
        outcome,
    )
}

/// Stores a written resource (through the type's hooks) and answers: at once for a
/// synchronous type, else with the operation to poll.
fn write(
    world: &mut World,
    id: &ResourceId,
    method: &str,
    api_version: &str,
    mut resource: Value,
    previous: Option<Value>,
    outcome: Outcome,
) -> Reply {
    let hooks = world
        .hooks
        .get(&id.resource_type.to_ascii_lowercase())
        .cloned()
        .unwrap_or_default();
    let context = HookContext {
        id: &id.id,
        method,
        previous: previous.as_ref(),
    };
    for hook in &hooks {
        hook(&mut resource, &context);
    }
    let status = if previous.is_some() { 200 } else { 201 };
    let style = world.style(&id.resource_type);
    let immediate =
        style == LroStyle::Synchronous || world.settings.polls == 0 && outcome == Outcome::Succeed;
    if immediate {
        set_provisioning_state(&mut resource, "Succeeded");
        world.resources.insert(id.key(), resource.clone());
        return Reply::json(status, resource);
    }
    let running = if previous.is_some() {
        "Updating"
    } else {
        "Creating"
    };
    set_provisioning_state(&mut resource, running);
    world.resources.insert(id.key(), resource.clone());
    let reply = Reply::json(status, resource.clone());
    operations::start(
        world,
        id,
        method,
        api_version,
        style,
        outcome,
        &resource,
        reply,
    )
}

/// `id`, `name`, `type` as ARM sets them.
fn server_fields(mut resource: Value, stored_id: &str, id: &ResourceId) -> Value {
    if let Value::Object(map) = &mut resource {
        map.insert("id".to_string(), json!(stored_id));
        map.insert("name".to_string(), json!(id.name));
        map.insert("type".to_string(), json!(id.resource_type));
    }
    resource
}

pub fn set_provisioning_state(resource: &mut Value, state: &str) {
    if let Value::Object(map) = resource {
        let properties = map
            .entry("properties")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(properties) = properties {
            properties.insert("provisioningState".to_string(), json!(state));
        }
    }
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

pub fn delete(world: &mut World, path: &str, api_version: &str, outcome: Outcome) -> Reply {
    let Some(id) = ResourceId::parse(path) else {
        return invalid_id(path);
    };
    let Some(mut resource) = world.resources.get(&id.key()).cloned() else {
        return Reply::empty(204);
    };
    if let Some(reply) = busy(world, &id) {
        return reply;
    }
    if world.style(&id.resource_type) == LroStyle::Synchronous && outcome == Outcome::Succeed {
        remove(world, &id.key());
        return Reply::empty(200);
    }
    set_provisioning_state(&mut resource, "Deleting");
    world.resources.insert(id.key(), resource.clone());
    let reply = Reply::empty(202);
    operations::start(
        world,
        &id,
        "DELETE",
        api_version,
        LroStyle::Location,
        outcome,
        &resource,
        reply,
    )
}

/// Removes a resource and everything inside it (a resource group's resources, a VNet's
/// subnets).
pub fn remove(world: &mut World, key: &str) {
    let prefix = format!("{key}/");
    world
        .resources
        .retain(|k, _| k != key && !k.starts_with(&prefix));
}
