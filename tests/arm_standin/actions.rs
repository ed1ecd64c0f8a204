//! POST actions on resources: `listClusterUserCredential`, `listClusterAdminCredential`,
//! `listCredentials` (container registries), and any registered by a test.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Value};

use super::resources::ResourceId;
use super::world::{ActionHook, Reply, World};

pub fn defaults() -> HashMap<String, ActionHook> {
    let mut actions: HashMap<String, ActionHook> = HashMap::new();
    actions.insert(
        "listclusterusercredential".to_string(),
        Arc::new(|cluster| kubeconfigs(cluster, "clusterUser")),
    );
    actions.insert(
        "listclusteradmincredential".to_string(),
        Arc::new(|cluster| kubeconfigs(cluster, "clusterAdmin")),
    );
    actions.insert(
        "listcredentials".to_string(),
        Arc::new(|registry| {
            json!({
                "username": registry.get("name").cloned().unwrap_or(Value::Null),
                "passwords": [
                    { "name": "password", "value": "standin-registry-password-1" },
                    { "name": "password2", "value": "standin-registry-password-2" },
                ],
            })
        }),
    );
    actions
}

/// Answers `POST {resource id}/{action}`; `None` when the path is not an action on a
/// resource.
pub fn call(world: &mut World, method: &str, path: &str) -> Option<Reply> {
    if method != "POST" {
        return None;
    }
    let (resource_path, action) = path.rsplit_once('/')?;
    let hook = world.actions.get(&action.to_ascii_lowercase())?.clone();
    let id = ResourceId::parse(resource_path)?;
    Some(match world.resources.get(&id.key()) {
        Some(resource) => Reply::json(200, hook(resource)),
        None => Reply::error(
            404,
            "ResourceNotFound",
            &format!(
                "The Resource '{}/{}' was not found.",
                id.resource_type, id.name
            ),
        ),
    })
}

/// The `CredentialResults` of a managed cluster: one base64 kubeconfig.
pub fn kubeconfigs(cluster: &Value, kind: &str) -> Value {
    let name = cluster
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or("cluster");
    let properties = cluster.get("properties");
    let fqdn = properties
        .and_then(|p| p.get("fqdn"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            let prefix = properties
                .and_then(|p| p.get("dnsPrefix"))
                .and_then(Value::as_str)
                .unwrap_or(name);
            let location = cluster
                .get("location")
                .and_then(Value::as_str)
                .unwrap_or("westeurope");
            format!("{prefix}-standin.hcp.{location}.azmk8s.io")
        });
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let user = format!("{kind}_{name}");
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: https://{fqdn}:443\n  name: {name}\ncontexts:\n- context:\n    cluster: {name}\n    user: {user}\n  name: {name}\ncurrent-context: {name}\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n    token: standin-kube-token-{name}\n",
        ca = b64("stand-in cluster CA"),
        cert = b64("stand-in client certificate"),
        key = b64("stand-in client key"),
    );
    json!({ "kubeconfigs": [ { "name": kind, "value": b64(&kubeconfig) } ] })
}
