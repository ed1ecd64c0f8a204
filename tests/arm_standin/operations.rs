//! Long-running operations: started by PUT/PATCH/DELETE, they end after a number of polls of
//! their `Azure-AsyncOperation` or `Location` URL.

use serde_json::{json, Value};

use super::resources::{self, set_provisioning_state, ResourceId};
use super::world::{LroStyle, Reply, World};

/// How an operation ends.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Succeed,
    /// `status` is `Failed` or `Canceled`.
    Fail {
        status: String,
        code: String,
        message: String,
    },
}

#[derive(Clone, Debug)]
pub struct Operation {
    pub name: String,
    pub resource_id: String,
    pub resource_key: String,
    pub cluster_key: Option<String>,
    pub method: String,
    pub polls_left: u32,
    pub outcome: Outcome,
    pub done: bool,
    pub start_time: String,
    pub end_time: Option<String>,
    /// The `Location` URL (for `operationresults`).
    pub result_url: String,
}

/// The operation running on the resource, or on its managed cluster.
pub fn running_on<'w>(world: &'w World, key: &str, cluster: Option<&str>) -> Option<&'w Operation> {
    world.operations.values().find(|op| {
        !op.done
            && (op.resource_key == key
                || (cluster.is_some() && op.cluster_key.as_deref() == cluster))
    })
}

/// Records an operation and adds its URL (and `Retry-After`) to `reply`.
#[allow(clippy::too_many_arguments)]
pub fn start(
    world: &mut World,
    id: &ResourceId,
    method: &str,
    api_version: &str,
    style: LroStyle,
    outcome: Outcome,
    resource: &Value,
    reply: Reply,
) -> Reply {
    world.next_operation += 1;
    let name = format!(
        "{}-{:04}",
        uuid::Uuid::new_v4().simple(),
        world.next_operation
    );
    let location = resource
        .get("location")
        .and_then(Value::as_str)
        .map(|l| l.to_ascii_lowercase().replace(' ', ""))
        .unwrap_or_else(|| "global".to_string());
    let base = format!(
        "{}/subscriptions/{}/providers/{}/locations/{location}",
        world.endpoint, id.subscription, id.namespace
    );
    let async_url = format!("{base}/operations/{name}?api-version={api_version}");
    let result_url = format!("{base}/operationresults/{name}?api-version={api_version}");
    world.operations.insert(
        name.clone(),
        Operation {
            name,
            resource_id: id.id.clone(),
            resource_key: id.key(),
            cluster_key: id.cluster_key(),
            method: method.to_string(),
            polls_left: world.settings.polls,
            outcome,
            done: false,
            start_time: chrono::Utc::now().to_rfc3339(),
            end_time: None,
            result_url: result_url.clone(),
        },
    );
    let reply = match style {
        LroStyle::Location => Reply::empty(202).with_header("location", result_url),
        _ => reply.with_header("azure-asyncoperation", async_url),
    };
    reply.with_header("retry-after", world.settings.retry_after.to_string())
}

/// Answers a GET of an operation URL; `None` when the path is not one.
pub fn poll(world: &mut World, method: &str, path: &str) -> Option<Reply> {
    let segments: Vec<&str> = path.split('/').collect();
    let [.., locations, _, kind, name] = segments.as_slice() else {
        return None;
    };
    let is_result = kind.eq_ignore_ascii_case("operationresults");
    if method != "GET"
        || !locations.eq_ignore_ascii_case("locations")
        || !(is_result || kind.eq_ignore_ascii_case("operations"))
    {
        return None;
    }
    if !world.operations.contains_key(*name) {
        return Some(Reply::error(
            404,
            "OperationNotFound",
            &format!("The operation '{name}' was not found."),
        ));
    }
    advance(world, name);
    let op = world.operations.get(*name)?;
    Some(if is_result {
        location_reply(world, op)
    } else {
        status_reply(world, op, path)
    })
}

/// One poll of a running operation: it ends after `polls` of them.
pub fn advance(world: &mut World, name: &str) {
    let Some(op) = world.operations.get_mut(name) else {
        return;
    };
    if op.done {
        return;
    }
    if op.polls_left > 0 {
        op.polls_left -= 1;
        return;
    }
    op.done = true;
    op.end_time = Some(chrono::Utc::now().to_rfc3339());
    let op = op.clone();
    finish(world, &op);
}

/// A GET of a resource counts as a poll of the operation running on it (clients without an
/// operation URL poll the resource's provisioningState).
pub fn advance_on_read(world: &mut World, key: &str) {
    let running: Vec<String> = world
        .operations
        .values()
        .filter(|op| !op.done && op.resource_key == key)
        .map(|op| op.name.clone())
        .collect();
    for name in running {
        advance(world, &name);
    }
}

/// The resource as the operation leaves it.
fn finish(world: &mut World, op: &Operation) {
    match (&op.outcome, op.method.as_str()) {
        (Outcome::Succeed, "DELETE") => resources::remove(world, &op.resource_key),
        (outcome, _) => {
            let state = match outcome {
                Outcome::Succeed => "Succeeded",
                Outcome::Fail { .. } => "Failed",
            };
            if let Some(resource) = world.resources.get_mut(&op.resource_key) {
                set_provisioning_state(resource, state);
            }
        }
    }
}

/// An `Azure-AsyncOperation` status document.
fn status_reply(world: &World, op: &Operation, path: &str) -> Reply {
    let status = match (&op.outcome, op.done) {
        (_, false) => "InProgress",
        (Outcome::Succeed, true) => "Succeeded",
        (Outcome::Fail { status, .. }, true) => status.as_str(),
    };
    let mut body = json!({
        "id": path,
        "name": op.name,
        "status": status,
        "startTime": op.start_time,
    });
    if let Some(end) = &op.end_time {
        body["endTime"] = json!(end);
    }
    if let (Outcome::Fail { code, message, .. }, true) = (&op.outcome, op.done) {
        body["error"] = json!({ "code": code, "message": message });
    }
    let reply = Reply::json(200, body);
    if op.done {
        reply
    } else {
        reply.with_header("retry-after", world.settings.retry_after.to_string())
    }
}

/// A `Location` answer: 202 while running, then the result or the error.
fn location_reply(world: &World, op: &Operation) -> Reply {
    if !op.done {
        return Reply::empty(202)
            .with_header("location", op.result_url.clone())
            .with_header("retry-after", world.settings.retry_after.to_string());
    }
    match &op.outcome {
        Outcome::Fail { code, message, .. } => Reply::error(400, code, message),
        Outcome::Succeed if op.method == "DELETE" => Reply::empty(204),
        Outcome::Succeed => match world.resources.get(&op.resource_key) {
            Some(resource) => Reply::json(200, resource.clone()),
            None => Reply::empty(204),
        },
    }
}
