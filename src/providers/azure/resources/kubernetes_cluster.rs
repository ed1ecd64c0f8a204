//! `azure_kubernetes_cluster` (Microsoft.ContainerService/managedClusters).
//!
//! What replaces the cluster and what is updated in place follows AKS: the name, location,
//! resource group, DNS prefix, node resource group, RBAC switch, the default pool's name, and
//! the network plugin, service CIDR, DNS service IP, pod CIDR and load balancer SKU replace it
//! — except the migrations AKS does in place (kubenet to Azure CNI Overlay, a data plane change
//! to Cilium, any network policy change). Settings of the default node pool that AKS cannot
//! change on a pool (`vm_size`, `os_disk_size_gb`, `max_pods`, `vnet_subnet_id`, `zones`)
//! cycle the pool through `temporary_name_for_rotation`, as azurerm does, and the plan says
//! so. Everything else is updated in place: cluster settings with a PUT of the cluster,
//! pool settings with a PUT of the agent pool.
//!
//! Supported: `default_node_pool`, `identity` (system- or user-assigned; no service principal),
//! `network_profile`, `oms_agent`, `linux_profile`, Kubernetes RBAC, `sku_tier`, `tags`.
//! Settings flinkform does not manage (Entra ID integration, API server access, autoscaler
//! profile, other addons) are sent back as Azure has them on every update.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value as Json};

use super::virtual_network::resource_group_of;
use super::{
    id_attr, location_attr, remote_error, resource_group_attr, tags_attr, tags_json, AzureResource,
    Checks, Env, Planned,
};
use crate::lang::value::with_attrs;
use crate::lang::{Type, Value};
use crate::providers::azure::ids::ArmId;
use crate::providers::azure::json::{
    at, block, jbool, jmap, jnum, jstr, jstrings, object, set, vbool, vint, vmap_json, vnum, vstr,
    vstrings,
};
use crate::providers::azure::kubeconfig;
use crate::providers::azure::normalize::{Semantic, Semantics};
use crate::providers::azure::validate::{
    canonical, check_enum, check_pattern, check_range, cidr_attr, known_str, AGENT_POOL_RULE,
    CLUSTER_RULE, DNS_PREFIX_RULE,
};
use crate::providers::schema::{AttributeSchema, NestedBlockSchema, Nesting};
use crate::providers::{AttrPath, Checkpoint, ProviderError, Schema};

pub const API_VERSION: &str = "2025-10-01";

pub struct KubernetesCluster;

const SEMANTICS: Semantics = &[
    ("name", Semantic::CaseInsensitive),
    ("resource_group_name", Semantic::CaseInsensitive),
    ("location", Semantic::Location),
    ("tags", Semantic::TagKeys),
    ("id", Semantic::ArmId),
    ("node_resource_group", Semantic::CaseInsensitive),
    ("kubernetes_version", Semantic::KubernetesVersion),
    ("sku_tier", Semantic::CaseInsensitive),
    ("default_node_pool.vm_size", Semantic::CaseInsensitive),
    ("default_node_pool.vnet_subnet_id", Semantic::ArmId),
    (
        "default_node_pool.orchestrator_version",
        Semantic::KubernetesVersion,
    ),
    ("default_node_pool.type", Semantic::CaseInsensitive),
    ("identity.type", Semantic::CaseInsensitive),
    ("identity.identity_ids", Semantic::ArmId),
    ("network_profile.network_plugin", Semantic::CaseInsensitive),
    (
        "network_profile.network_plugin_mode",
        Semantic::CaseInsensitive,
    ),
    ("network_profile.network_policy", Semantic::CaseInsensitive),
    (
        "network_profile.network_data_plane",
        Semantic::CaseInsensitive,
    ),
    ("network_profile.outbound_type", Semantic::CaseInsensitive),
    (
        "network_profile.load_balancer_sku",
        Semantic::CaseInsensitive,
    ),
    ("oms_agent.log_analytics_workspace_id", Semantic::ArmId),
];

/// Enumerations of the 2025-10-01 specification (and the spelling sent).
const NETWORK_PLUGINS: &[&str] = &["azure", "kubenet", "none"];
const PLUGIN_MODES: &[&str] = &["overlay"];
const NETWORK_POLICIES: &[&str] = &["azure", "calico", "cilium", "none"];
const DATA_PLANES: &[&str] = &["azure", "cilium"];
const OUTBOUND_TYPES: &[&str] = &[
    "loadBalancer",
    "userDefinedRouting",
    "managedNATGateway",
    "userAssignedNATGateway",
    "none",
];
const LOAD_BALANCER_SKUS: &[&str] = &["standard", "basic"];
const SKU_TIERS: &[&str] = &["Free", "Standard", "Premium"];
const IDENTITY_TYPES: &[&str] = &["SystemAssigned", "UserAssigned"];

/// Default pool settings AKS cannot change on an existing pool: changing them cycles the pool.
pub const ROTATION_ATTRIBUTES: &[&str] = &[
    "vm_size",
    "os_disk_size_gb",
    "max_pods",
    "vnet_subnet_id",
    "zones",
];

/// Attributes left out when deciding whether the cluster itself changes: Azure's own, and the
/// default pool (updated through its agent pool).
const NOT_CLUSTER_SETTINGS: &[&str] = &[
    "id",
    "fqdn",
    "current_kubernetes_version",
    "kubelet_identity",
    "kube_config",
    "kube_config_raw",
    "default_node_pool",
];

pub fn pool_schema(default_pool: bool) -> Schema {
    let mut s = Schema::new("A node pool.")
        .attribute(
            "name",
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("1 to 12 lowercase letters and digits, starting with a letter."),
        )
        .attribute(
            "vm_size",
            AttributeSchema::required(Type::String)
                .describe("The VM size, e.g. \"Standard_D4s_v5\"."),
        )
        .attribute(
            "node_count",
            AttributeSchema::optional_computed(Type::Number)
                .describe("The number of nodes; ignored while auto_scaling_enabled."),
        )
        .attribute(
            "auto_scaling_enabled",
            AttributeSchema::optional(Type::Bool)
                .describe("Whether the cluster autoscaler sizes the pool (default false)."),
        )
        .attribute(
            "min_count",
            AttributeSchema::optional(Type::Number).describe("The autoscaler's minimum."),
        )
        .attribute(
            "max_count",
            AttributeSchema::optional(Type::Number).describe("The autoscaler's maximum."),
        )
        .attribute(
            "max_pods",
            AttributeSchema::optional_computed(Type::Number).describe("The most pods a node runs."),
        )
        .attribute(
            "os_disk_size_gb",
            AttributeSchema::optional_computed(Type::Number)
                .describe("The OS disk size of each node."),
        )
        .attribute(
            "vnet_subnet_id",
            AttributeSchema::optional(Type::String)
                .describe("The subnet of the nodes (Azure CNI)."),
        )
        .attribute(
            "zones",
            AttributeSchema::optional(Type::list(Type::String))
                .describe("Availability zones, e.g. [\"1\", \"2\", \"3\"]."),
        )
        .attribute(
            "orchestrator_version",
            AttributeSchema::optional_computed(Type::String)
                .describe("The pool's Kubernetes version (the cluster's when unset)."),
        )
        .attribute(
            "node_labels",
            AttributeSchema::optional(Type::map(Type::String))
                .describe("Kubernetes labels of the nodes."),
        );
    if default_pool {
        s = s
            .attribute(
                "temporary_name_for_rotation",
                AttributeSchema::optional(Type::String).describe(
                    "The name of the temporary pool used to cycle the default pool when a setting that AKS cannot change in place changes.",
                ),
            )
            .attribute(
                "type",
                AttributeSchema::optional_computed(Type::String)
                    .force_new()
                    .describe("\"VirtualMachineScaleSets\" (default) or \"AvailabilitySet\"."),
            );
    }
    s
}

fn identity_schema() -> Schema {
    Schema::new("The cluster's managed identity.")
        .attribute(
            "type",
            AttributeSchema::required(Type::String)
                .describe("\"SystemAssigned\" or \"UserAssigned\"."),
        )
        .attribute(
            "identity_ids",
            AttributeSchema::optional(Type::set(Type::String))
                .describe("User-assigned identities (with type = \"UserAssigned\")."),
        )
        .attribute(
            "principal_id",
            AttributeSchema::computed(Type::String)
                .describe("The system-assigned identity's principal."),
        )
        .attribute(
            "tenant_id",
            AttributeSchema::computed(Type::String)
                .describe("The system-assigned identity's tenant."),
        )
}

fn network_schema() -> Schema {
    Schema::new("Cluster networking.")
        .attribute(
            "network_plugin",
            AttributeSchema::required(Type::String).describe("\"azure\", \"kubenet\" or \"none\"."),
        )
        .attribute(
            "network_plugin_mode",
            AttributeSchema::optional(Type::String).describe("\"overlay\" for Azure CNI Overlay."),
        )
        .attribute(
            "network_policy",
            AttributeSchema::optional(Type::String).describe("\"azure\", \"calico\" or \"cilium\"."),
        )
        .attribute(
            "network_data_plane",
            AttributeSchema::optional_computed(Type::String).describe("\"azure\" or \"cilium\"."),
        )
        .attribute(
            "service_cidr",
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("The range of Kubernetes service IPs."),
        )
        .attribute(
            "dns_service_ip",
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("The cluster DNS service's IP, inside service_cidr."),
        )
        .attribute(
            "pod_cidr",
            AttributeSchema::optional_computed(Type::String)
                .describe("The range of pod IPs (kubenet and overlay)."),
        )
        .attribute(
            "outbound_type",
            AttributeSchema::optional_computed(Type::String)
                .describe("\"loadBalancer\" (default), \"userDefinedRouting\", \"managedNATGateway\", \"userAssignedNATGateway\" or \"none\"."),
        )
        .attribute(
            "load_balancer_sku",
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("\"standard\" (default) or \"basic\"."),
        )
}

fn linux_profile_schema() -> Schema {
    Schema::new("The nodes' Linux administrator.")
        .attribute(
            "admin_username",
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("The administrator's name. Changing it replaces the cluster."),
        )
        .block(
            "ssh_key",
            NestedBlockSchema::new(
                Nesting::List,
                Schema::new("The administrator's SSH public key.").attribute(
                    "key_data",
                    AttributeSchema::required(Type::String)
                        .describe("The public key (\"ssh-rsa AAAA...\"); AKS updates it in place."),
                ),
            )
            .min_items(1)
            .max_items(1),
        )
}

fn oms_agent_schema() -> Schema {
    Schema::new("The monitoring addon (Container Insights).")
        .attribute(
            "log_analytics_workspace_id",
            AttributeSchema::required(Type::String).describe("The workspace the addon sends to."),
        )
        .attribute(
            "msi_auth_for_monitoring_enabled",
            AttributeSchema::optional(Type::Bool)
                .describe("Whether the addon authenticates with the cluster's managed identity (default false)."),
        )
}

fn kubelet_identity_type() -> Type {
    Type::list(Type::Object(
        ["client_id", "object_id", "user_assigned_identity_id"]
            .iter()
            .map(|a| (a.to_string(), Type::String))
            .collect(),
    ))
}

/// The pool's AgentPool properties from a pool value (`mode` for the default pool: System).
pub fn pool_properties(pool: &Value, mode: Option<&str>) -> Map<String, Json> {
    let mut p = Map::new();
    let autoscaling = vbool(pool, "auto_scaling_enabled").unwrap_or(false);
    let count = vint(pool, "node_count").or_else(|| {
        if autoscaling {
            vint(pool, "min_count")
        } else {
            Some(json!(1))
        }
    });
    set(&mut p, "count", count);
    set(&mut p, "vmSize", vstr(pool, "vm_size").map(|s| json!(s)));
    set(&mut p, "osDiskSizeGB", vint(pool, "os_disk_size_gb"));
    set(
        &mut p,
        "vnetSubnetID",
        vstr(pool, "vnet_subnet_id").map(|s| json!(s)),
    );
    set(&mut p, "maxPods", vint(pool, "max_pods"));
    p.insert("enableAutoScaling".into(), json!(autoscaling));
    if autoscaling {
        set(&mut p, "minCount", vint(pool, "min_count"));
        set(&mut p, "maxCount", vint(pool, "max_count"));
    }
    set(
        &mut p,
        "availabilityZones",
        vstrings(pool, "zones")
            .filter(|z| !z.is_empty())
            .map(|z| json!(z)),
    );
    set(
        &mut p,
        "orchestratorVersion",
        vstr(pool, "orchestrator_version").map(|s| json!(s)),
    );
    set(&mut p, "nodeLabels", vmap_json(pool, "node_labels"));
    set(&mut p, "mode", mode.map(|m| json!(m)));
    set(&mut p, "osType", Some(json!("Linux")));
    p.insert(
        "type".into(),
        json!(vstr(pool, "type").unwrap_or("VirtualMachineScaleSets")),
    );
    p
}

/// A pool value from AKS's pool profile (`agentPoolProfiles[i]` or an agent pool's
/// `properties`); `reference` is the prior or planned pool.
pub fn parse_pool(
    profile: &Json,
    name: Value,
    reference: Option<&Value>,
) -> Vec<(&'static str, Value)> {
    let autoscaling = profile
        .get("enableAutoScaling")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    let mut count = jnum(profile, "/count");
    // While the autoscaler sizes the pool, its node count is not configuration: keep the
    // reference's, so that scaling is neither drift nor a change.
    if autoscaling {
        if let Some(n) = reference
            .and_then(|r| r.get_attr("node_count"))
            .filter(|n| n.is_known() && !n.is_null())
        {
            count = n.clone();
        }
    }
    let (min, max) = if autoscaling {
        (jnum(profile, "/minCount"), jnum(profile, "/maxCount"))
    } else {
        (Value::null_of(Type::Number), Value::null_of(Type::Number))
    };
    vec![
        ("name", name),
        ("vm_size", jstr(profile, "/vmSize")),
        ("node_count", count),
        ("auto_scaling_enabled", Value::bool(autoscaling)),
        ("min_count", min),
        ("max_count", max),
        ("max_pods", jnum(profile, "/maxPods")),
        ("os_disk_size_gb", jnum(profile, "/osDiskSizeGB")),
        ("vnet_subnet_id", jstr(profile, "/vnetSubnetID")),
        ("zones", jstrings(profile, "/availabilityZones")),
        (
            "orchestrator_version",
            jstr(profile, "/orchestratorVersion"),
        ),
        ("node_labels", jmap(profile, "/nodeLabels")),
    ]
}

/// Pool checks shared with `azure_kubernetes_cluster_node_pool`; `at` is the pool's path.
pub fn validate_pool(
    pool: &Value,
    at: &AttrPath,
    checks: &Checks<'_>,
    out: &mut Vec<ProviderError>,
) {
    check_pattern(
        pool,
        at.child_attr("name"),
        "name",
        &checks.patterns.agent_pool,
        AGENT_POOL_RULE,
        out,
    );
    check_range(
        pool,
        at.child_attr("node_count"),
        "node_count",
        0.0,
        1000.0,
        out,
    );
    check_range(
        pool,
        at.child_attr("min_count"),
        "min_count",
        0.0,
        1000.0,
        out,
    );
    check_range(
        pool,
        at.child_attr("max_count"),
        "max_count",
        0.0,
        1000.0,
        out,
    );
    check_range(
        pool,
        at.child_attr("max_pods"),
        "max_pods",
        10.0,
        250.0,
        out,
    );
    check_range(
        pool,
        at.child_attr("os_disk_size_gb"),
        "os_disk_size_gb",
        30.0,
        2048.0,
        out,
    );
    let autoscaling_value = pool.get_attr("auto_scaling_enabled");
    let autoscaling = autoscaling_value.and_then(Value::as_bool);
    let (min, max) = (vnum(pool, "min_count"), vnum(pool, "max_count"));
    let set_at = |n: &str| pool.get_attr(n).is_some_and(|v| !v.is_null());
    if autoscaling == Some(true) {
        for n in ["min_count", "max_count"] {
            if !set_at(n) {
                out.push(ProviderError::invalid(
                    at.child_attr(n),
                    "Missing autoscaler bound",
                    format!("{n} is required while auto_scaling_enabled is true."),
                ));
            }
        }
        if let (Some(min), Some(max)) = (min, max) {
            if min > max {
                out.push(ProviderError::invalid(
                    at.child_attr("min_count"),
                    "Invalid autoscaler bounds",
                    format!("min_count ({min}) is greater than max_count ({max})."),
                ));
            }
            if let Some(n) = vnum(pool, "node_count") {
                if n < min || n > max {
                    out.push(ProviderError::invalid(
                        at.child_attr("node_count"),
                        "Node count outside the autoscaler's bounds",
                        format!("node_count ({n}) must be from min_count ({min}) to max_count ({max}); it is the initial size, then the autoscaler decides."),
                    ));
                }
            }
        }
    } else if autoscaling_value.is_none_or(Value::is_known) {
        for n in ["min_count", "max_count"] {
            if set_at(n) {
                out.push(ProviderError::invalid(
                    at.child_attr(n),
                    "Autoscaler bound without autoscaling",
                    format!("{n} can only be set with auto_scaling_enabled = true."),
                ));
            }
        }
    }
}

impl KubernetesCluster {
    fn pool_of(state: &Value) -> Option<&Value> {
        block(state, "default_node_pool")
    }

    /// Whether anything but the default pool and Azure's own attributes differs.
    fn cluster_changed(prior: &Value, planned: &Value) -> bool {
        let (Some(p), Some(n)) = (prior.as_map(), planned.as_map()) else {
            return true;
        };
        n.iter()
            .filter(|(k, _)| !NOT_CLUSTER_SETTINGS.contains(&k.as_str()))
            .any(|(k, v)| p.get(k).map(Value::to_json) != Some(v.to_json()))
    }

    fn rotation_changes(prior: &Value, planned: &Value) -> Vec<&'static str> {
        let (Some(p), Some(n)) = (Self::pool_of(prior), Self::pool_of(planned)) else {
            return Vec::new();
        };
        ROTATION_ATTRIBUTES
            .iter()
            .copied()
            .filter(|a| {
                let before = p.get_attr(a).cloned().unwrap_or_else(Value::null);
                let after = n.get_attr(a).cloned().unwrap_or_else(Value::null);
                before.equals(&after) != Some(true)
            })
            .collect()
    }

    fn agent_pool_id(cluster_id: &str, pool: &str) -> String {
        format!("{cluster_id}/agentPools/{pool}")
    }

    /// The cluster body: `pool` is the default pool's profile to send.
    fn cluster_body(&self, planned: &Value, pool: Json, existing: Option<&Json>) -> Json {
        let mut props = Map::new();
        // Settings flinkform does not manage are sent back as Azure has them.
        if let Some(e) = existing.and_then(|e| e.get("properties")) {
            for key in [
                "linuxProfile",
                "windowsProfile",
                "autoScalerProfile",
                "apiServerAccessProfile",
                "aadProfile",
                "autoUpgradeProfile",
                "disableLocalAccounts",
                "supportPlan",
                "publicNetworkAccess",
            ] {
                if let Some(v) = e.get(key) {
                    props.insert(key.into(), v.clone());
                }
            }
        }
        if let Some(linux) = block(planned, "linux_profile") {
            let key = block(linux, "ssh_key").and_then(|k| vstr(k, "key_data"));
            props.insert(
                "linuxProfile".into(),
                json!({
                    "adminUsername": vstr(linux, "admin_username").unwrap_or_default(),
                    "ssh": { "publicKeys": [{ "keyData": key.unwrap_or_default() }] },
                }),
            );
        }
        set(
            &mut props,
            "kubernetesVersion",
            vstr(planned, "kubernetes_version").map(|s| json!(s)),
        );
        set(
            &mut props,
            "dnsPrefix",
            vstr(planned, "dns_prefix").map(|s| json!(s)),
        );
        set(
            &mut props,
            "nodeResourceGroup",
            vstr(planned, "node_resource_group").map(|s| json!(s)),
        );
        props.insert(
            "enableRBAC".into(),
            json!(vbool(planned, "role_based_access_control_enabled").unwrap_or(true)),
        );
        props.insert("agentPoolProfiles".into(), json!([pool]));
        if let Some(net) = block(planned, "network_profile") {
            let mut n = Map::new();
            for (attr, prop, allowed) in [
                ("network_plugin", "networkPlugin", NETWORK_PLUGINS),
                ("network_plugin_mode", "networkPluginMode", PLUGIN_MODES),
                ("network_policy", "networkPolicy", NETWORK_POLICIES),
                ("network_data_plane", "networkDataplane", DATA_PLANES),
                ("service_cidr", "serviceCidr", &[]),
                ("dns_service_ip", "dnsServiceIP", &[]),
                ("pod_cidr", "podCidr", &[]),
                ("outbound_type", "outboundType", OUTBOUND_TYPES),
                ("load_balancer_sku", "loadBalancerSku", LOAD_BALANCER_SKUS),
            ] {
                set(
                    &mut n,
                    prop,
                    vstr(net, attr).map(|s| json!(canonical(s, allowed))),
                );
            }
            if let Some(lb) =
                existing.and_then(|e| at(e, "/properties/networkProfile/loadBalancerProfile"))
            {
                // Outbound settings chosen outside flinkform stay (not the read-only effective IPs).
                let mut lb = lb.as_object().cloned().unwrap_or_default();
                lb.remove("effectiveOutboundIPs");
                n.insert("loadBalancerProfile".into(), Json::Object(lb));
            }
            props.insert("networkProfile".into(), Json::Object(n));
        }
        let mut addons = Map::new();
        if let Some(existing_addons) = existing
            .and_then(|e| at(e, "/properties/addonProfiles"))
            .and_then(Json::as_object)
        {
            for (name, addon) in existing_addons {
                if name.eq_ignore_ascii_case("omsagent") {
                    continue;
                }
                let mut a = Map::new();
                a.insert(
                    "enabled".into(),
                    addon.get("enabled").cloned().unwrap_or(json!(false)),
                );
                if let Some(c) = addon.get("config") {
                    a.insert("config".into(), c.clone());
                }
                addons.insert(name.clone(), Json::Object(a));
            }
        }
        match block(planned, "oms_agent") {
            Some(oms) => {
                let mut config = Map::new();
                set(
                    &mut config,
                    "logAnalyticsWorkspaceResourceID",
                    vstr(oms, "log_analytics_workspace_id").map(|s| json!(s)),
                );
                if let Some(msi) = vbool(oms, "msi_auth_for_monitoring_enabled") {
                    config.insert("useAADAuth".into(), json!(msi.to_string()));
                }
                addons.insert(
                    "omsagent".into(),
                    json!({ "enabled": true, "config": config }),
                );
            }
            None => {
                if existing.is_some() {
                    addons.insert("omsagent".into(), json!({ "enabled": false }));
                }
            }
        }
        props.insert("addonProfiles".into(), Json::Object(addons));
        let identity = match block(planned, "identity") {
            Some(i) if vstr(i, "type").is_some_and(|t| t.eq_ignore_ascii_case("UserAssigned")) => {
                let ids: Map<String, Json> = vstrings(i, "identity_ids")
                    .unwrap_or_default()
                    .into_iter()
                    .map(|id| (id, json!({})))
                    .collect();
                json!({ "type": "UserAssigned", "userAssignedIdentities": ids })
            }
            _ => json!({ "type": "SystemAssigned" }),
        };
        json!({
            "location": vstr(planned, "location").unwrap_or_default(),
            "tags": tags_json(planned),
            "sku": { "name": "Base", "tier": canonical(vstr(planned, "sku_tier").unwrap_or("Free"), SKU_TIERS) },
            "identity": identity,
            "properties": props,
        })
    }

    /// The cluster, with the default pool's profile as its agent pool has it: AKS keeps
    /// pools as sub-resources of their own, and azurerm reads the default pool there too.
    /// `pool` is the default pool's name (else the cluster's System pool).
    async fn get_cluster(
        &self,
        env: &Env<'_>,
        id: &str,
        pool: Option<&str>,
        what: &str,
    ) -> Result<Option<Json>, ProviderError> {
        let Some(mut cluster) = env
            .client
            .get(id, API_VERSION)
            .await
            .map_err(|e| remote_error("reading", what, e))?
        else {
            return Ok(None);
        };
        let profiles = at(&cluster, "/properties/agentPoolProfiles")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let name = pool.map(str::to_string).or_else(|| {
            profiles
                .iter()
                .find(|p| p.get("mode").and_then(Json::as_str) == Some("System"))
                .and_then(|p| p.get("name").and_then(Json::as_str))
                .map(str::to_string)
        });
        let Some(name) = name else {
            return Ok(Some(cluster));
        };
        let agent_pool = env
            .client
            .get(&Self::agent_pool_id(id, &name), API_VERSION)
            .await
            .map_err(|e| remote_error("reading the default node pool of", what, e))?;
        let Some(props) = agent_pool
            .as_ref()
            .and_then(|a| a.get("properties"))
            .and_then(Json::as_object)
        else {
            return Ok(Some(cluster));
        };
        let mut profile = props.clone();
        profile.insert("name".into(), json!(name));
        let mut profiles: Vec<Json> = profiles
            .into_iter()
            .filter(|p| {
                !p.get("name")
                    .and_then(Json::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(&name))
            })
            .collect();
        profiles.insert(0, Json::Object(profile));
        if let Some(props) = cluster.get_mut("properties").and_then(Json::as_object_mut) {
            props.insert("agentPoolProfiles".into(), Json::Array(profiles));
        }
        Ok(Some(cluster))
    }
}

#[async_trait::async_trait]
impl AzureResource for KubernetesCluster {
    fn type_name(&self) -> &'static str {
        "azure_kubernetes_cluster"
    }

    fn api_version(&self) -> &'static str {
        API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn config_only(&self) -> &'static [&'static str] {
        &["default_node_pool.temporary_name_for_rotation"]
    }

    fn schema(&self) -> Schema {
        Schema::new("A managed Kubernetes cluster (AKS).")
            .attribute(
                "name",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The name. Changing it replaces the cluster."),
            )
            .attribute("resource_group_name", resource_group_attr())
            .attribute("location", location_attr())
            .attribute(
                "dns_prefix",
                AttributeSchema::required(Type::String)
                    .force_new()
                    .describe("The prefix of the API server's host name. Changing it replaces the cluster."),
            )
            .attribute(
                "kubernetes_version",
                AttributeSchema::optional_computed(Type::String)
                    .describe("\"1.33\" (the latest patch) or \"1.33.2\"; AKS's default when unset."),
            )
            .attribute(
                "sku_tier",
                AttributeSchema::optional_computed(Type::String)
                    .describe("\"Free\" (default), \"Standard\" or \"Premium\"."),
            )
            .attribute(
                "node_resource_group",
                AttributeSchema::optional_computed(Type::String)
                    .force_new()
                    .describe("The resource group AKS creates for the nodes."),
            )
            .attribute(
                "role_based_access_control_enabled",
                AttributeSchema::optional_computed(Type::Bool)
                    .force_new()
                    .describe("Kubernetes RBAC (default true). Changing it replaces the cluster."),
            )
            .attribute("tags", tags_attr())
            .block(
                "default_node_pool",
                NestedBlockSchema::new(Nesting::List, pool_schema(true))
                    .min_items(1)
                    .max_items(1),
            )
            .block(
                "identity",
                NestedBlockSchema::new(Nesting::List, identity_schema())
                    .min_items(1)
                    .max_items(1),
            )
            .block(
                "network_profile",
                NestedBlockSchema::new(Nesting::List, network_schema()).max_items(1),
            )
            .block(
                "oms_agent",
                NestedBlockSchema::new(Nesting::List, oms_agent_schema()).max_items(1),
            )
            .block(
                "linux_profile",
                NestedBlockSchema::new(Nesting::List, linux_profile_schema()).max_items(1),
            )
            .attribute("id", id_attr())
            .attribute(
                "fqdn",
                AttributeSchema::computed(Type::String).describe("The API server's host name."),
            )
            .attribute(
                "current_kubernetes_version",
                AttributeSchema::computed(Type::String).describe("The version running now."),
            )
            .attribute(
                "kubelet_identity",
                AttributeSchema::computed(kubelet_identity_type())
                    .describe("The nodes' identity: client_id, object_id (grant it AcrPull), user_assigned_identity_id."),
            )
            .attribute(
                "kube_config_raw",
                AttributeSchema::computed(Type::String)
                    .sensitive()
                    .describe("The cluster user's kubeconfig."),
            )
            .attribute(
                "kube_config",
                AttributeSchema::computed(kubeconfig::kube_config_type())
                    .sensitive()
                    .describe("The kubeconfig taken apart: host, username, password, client_certificate, client_key, cluster_ca_certificate."),
            )
    }

    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        check_pattern(
            config,
            AttrPath::attr("name"),
            "name",
            &checks.patterns.cluster,
            CLUSTER_RULE,
            &mut out,
        );
        check_pattern(
            config,
            AttrPath::attr("dns_prefix"),
            "dns_prefix",
            &checks.patterns.dns_prefix,
            DNS_PREFIX_RULE,
            &mut out,
        );
        check_enum(
            config,
            AttrPath::attr("sku_tier"),
            "sku_tier",
            SKU_TIERS,
            true,
            &mut out,
        );
        if let Some(v) = known_str(config, "kubernetes_version") {
            let ok = v.split('.').count() <= 3
                && v.split('.').count() >= 2
                && v.split('.')
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
            if !ok {
                out.push(ProviderError::invalid(
                    AttrPath::attr("kubernetes_version"),
                    "Invalid Kubernetes version",
                    format!("{v:?} is not a version like \"1.33\" or \"1.33.2\"."),
                ));
            }
        }
        let pool_at = AttrPath::attr("default_node_pool").child_index(0);
        if let Some(pool) = block(config, "default_node_pool") {
            validate_pool(pool, &pool_at, checks, &mut out);
            check_enum(
                pool,
                pool_at.child_attr("type"),
                "type",
                &["VirtualMachineScaleSets", "AvailabilitySet"],
                false,
                &mut out,
            );
            check_pattern(
                pool,
                pool_at.child_attr("temporary_name_for_rotation"),
                "temporary_name_for_rotation",
                &checks.patterns.agent_pool,
                AGENT_POOL_RULE,
                &mut out,
            );
            if let (Some(t), Some(n)) = (
                vstr(pool, "temporary_name_for_rotation"),
                vstr(pool, "name"),
            ) {
                if t == n {
                    out.push(ProviderError::invalid(
                        pool_at.child_attr("temporary_name_for_rotation"),
                        "Invalid temporary pool name",
                        "temporary_name_for_rotation must differ from the pool's name.",
                    ));
                }
            }
            if vnum(pool, "node_count") == Some(0.0) {
                out.push(ProviderError::invalid(
                    pool_at.child_attr("node_count"),
                    "Invalid node count",
                    "The default (system) node pool needs at least one node.",
                ));
            }
        }
        let id_at = AttrPath::attr("identity").child_index(0);
        if let Some(identity) = block(config, "identity") {
            check_enum(
                identity,
                id_at.child_attr("type"),
                "type",
                IDENTITY_TYPES,
                false,
                &mut out,
            );
            let user = vstr(identity, "type") == Some("UserAssigned");
            let has_ids = identity
                .get_attr("identity_ids")
                .is_some_and(|v| !v.is_null() && v.as_seq().is_none_or(|s| !s.is_empty()));
            if user
                && !has_ids
                && identity
                    .get_attr("identity_ids")
                    .is_some_and(Value::is_known)
            {
                out.push(ProviderError::invalid(
                    id_at.child_attr("identity_ids"),
                    "Missing identities",
                    "identity_ids is required with type = \"UserAssigned\".",
                ));
            }
            if vstr(identity, "type") == Some("SystemAssigned") && has_ids {
                out.push(ProviderError::invalid(
                    id_at.child_attr("identity_ids"),
                    "Unexpected identities",
                    "identity_ids can only be set with type = \"UserAssigned\".",
                ));
            }
        }
        let net_at = AttrPath::attr("network_profile").child_index(0);
        if let Some(net) = block(config, "network_profile") {
            check_enum(
                net,
                net_at.child_attr("network_plugin"),
                "network_plugin",
                NETWORK_PLUGINS,
                true,
                &mut out,
            );
            check_enum(
                net,
                net_at.child_attr("network_plugin_mode"),
                "network_plugin_mode",
                PLUGIN_MODES,
                true,
                &mut out,
            );
            check_enum(
                net,
                net_at.child_attr("network_policy"),
                "network_policy",
                NETWORK_POLICIES,
                true,
                &mut out,
            );
            check_enum(
                net,
                net_at.child_attr("network_data_plane"),
                "network_data_plane",
                DATA_PLANES,
                true,
                &mut out,
            );
            check_enum(
                net,
                net_at.child_attr("outbound_type"),
                "outbound_type",
                OUTBOUND_TYPES,
                true,
                &mut out,
            );
            check_enum(
                net,
                net_at.child_attr("load_balancer_sku"),
                "load_balancer_sku",
                LOAD_BALANCER_SKUS,
                true,
                &mut out,
            );
            let lower = |n: &str| vstr(net, n).map(str::to_ascii_lowercase);
            let plugin = lower("network_plugin");
            if lower("network_plugin_mode").as_deref() == Some("overlay")
                && plugin.as_deref().is_some_and(|p| p != "azure")
            {
                out.push(ProviderError::invalid(
                    net_at.child_attr("network_plugin_mode"),
                    "Invalid network plugin mode",
                    "network_plugin_mode = \"overlay\" needs network_plugin = \"azure\".",
                ));
            }
            if lower("network_policy").as_deref() == Some("cilium")
                && lower("network_data_plane").as_deref() != Some("cilium")
                && net
                    .get_attr("network_data_plane")
                    .is_some_and(Value::is_known)
            {
                out.push(ProviderError::invalid(
                    net_at.child_attr("network_policy"),
                    "Invalid network policy",
                    "network_policy = \"cilium\" needs network_data_plane = \"cilium\".",
                ));
            }
            if lower("network_policy").as_deref() == Some("azure")
                && plugin.as_deref().is_some_and(|p| p != "azure")
            {
                out.push(ProviderError::invalid(
                    net_at.child_attr("network_policy"),
                    "Invalid network policy",
                    "network_policy = \"azure\" needs network_plugin = \"azure\".",
                ));
            }
            let overlay_or_kubenet = plugin.as_deref() == Some("kubenet")
                || lower("network_plugin_mode").as_deref() == Some("overlay");
            if net
                .get_attr("pod_cidr")
                .is_some_and(|v| v.as_str().is_some())
                && !overlay_or_kubenet
                && net.get_attr("network_plugin").is_some_and(Value::is_known)
                && net
                    .get_attr("network_plugin_mode")
                    .is_some_and(Value::is_known)
            {
                out.push(ProviderError::invalid(
                    net_at.child_attr("pod_cidr"),
                    "Unexpected pod CIDR",
                    "pod_cidr is only used with network_plugin = \"kubenet\" or network_plugin_mode = \"overlay\": with Azure CNI, pods take IPs from the node subnet.",
                ));
            }
            let service = cidr_attr(
                net,
                net_at.child_attr("service_cidr"),
                "service_cidr",
                &mut out,
            );
            let pods = cidr_attr(net, net_at.child_attr("pod_cidr"), "pod_cidr", &mut out);
            if let Some(dns) = known_str(net, "dns_service_ip") {
                if dns.parse::<std::net::IpAddr>().is_err() {
                    out.push(ProviderError::invalid(
                        net_at.child_attr("dns_service_ip"),
                        "Invalid IP address",
                        format!("{dns:?} is not an IP address."),
                    ));
                } else if let Some(s) = &service {
                    if !s.contains_ip(dns) {
                        out.push(ProviderError::invalid(
                            net_at.child_attr("dns_service_ip"),
                            "DNS service IP outside the service CIDR",
                            format!("dns_service_ip {dns} must be inside service_cidr."),
                        ));
                    }
                }
            }
            if let (Some(s), Some(p)) = (&service, &pods) {
                if s.overlaps(p) {
                    out.push(ProviderError::invalid(
                        net_at.child_attr("pod_cidr"),
                        "Overlapping cluster ranges",
                        "pod_cidr overlaps service_cidr.",
                    ));
                }
            }
        }
        if let Some(oms) = block(config, "oms_agent") {
            if let Some(id) = vstr(oms, "log_analytics_workspace_id") {
                let ok = ArmId::parse(id)
                    .is_ok_and(|p| p.is_type("Microsoft.OperationalInsights", &["workspaces"]));
                if !ok {
                    out.push(ProviderError::invalid(
                        AttrPath::attr("oms_agent").child_index(0).child_attr("log_analytics_workspace_id"),
                        "Invalid resource ID",
                        "log_analytics_workspace_id must be a Log Analytics workspace's ID (azure_log_analytics_workspace.x.id).",
                    ));
                }
            }
        }
        out
    }

    fn plan(
        &self,
        prior: Option<&Value>,
        planned: Value,
        config: &Value,
        _subscription: &str,
    ) -> Result<Planned, ProviderError> {
        let _ = config;
        let mut planned = planned;
        // Unset booleans with a default are planned as the default AKS applies.
        if let Some(pool) = Self::pool_of(&planned) {
            let mut pool = pool.clone();
            if pool
                .get_attr("auto_scaling_enabled")
                .is_some_and(Value::is_null)
            {
                pool = with_attrs(&pool, [("auto_scaling_enabled", Value::bool(false))]);
            }
            // While autoscaling, the node count is the autoscaler's: keep what it is.
            let autoscaling = vbool(&pool, "auto_scaling_enabled") == Some(true);
            if let (true, Some(prior_pool)) = (autoscaling, prior.and_then(Self::pool_of)) {
                if let Some(n) = prior_pool.get_attr("node_count").filter(|n| !n.is_null()) {
                    pool = with_attrs(&pool, [("node_count", n.clone())]);
                }
            }
            planned = with_attrs(&planned, [("default_node_pool", Value::list(vec![pool]))]);
        }
        if let Some(oms) = block(&planned, "oms_agent") {
            if oms
                .get_attr("msi_auth_for_monitoring_enabled")
                .is_some_and(Value::is_null)
            {
                let oms = with_attrs(
                    oms,
                    [("msi_auth_for_monitoring_enabled", Value::bool(false))],
                );
                planned = with_attrs(&planned, [("oms_agent", Value::list(vec![oms]))]);
            }
        }
        let Some(prior) = prior else {
            return Ok(Planned::plain(planned));
        };
        // Without a network_profile block, the network stays as AKS set it up.
        let no_network = planned
            .get_attr("network_profile")
            .and_then(Value::as_seq)
            .is_some_and(<[Value]>::is_empty);
        if no_network {
            if let Some(n) = prior.get_attr("network_profile") {
                planned = with_attrs(&planned, [("network_profile", n.clone())]);
            }
        }
        let mut notes = BTreeMap::new();
        let rotating = Self::rotation_changes(prior, &planned);
        if !rotating.is_empty() {
            let pool = Self::pool_of(&planned);
            let name = pool.and_then(|p| vstr(p, "name")).unwrap_or("default");
            let tmp_at = AttrPath::attr("default_node_pool")
                .child_index(0)
                .child_attr("temporary_name_for_rotation");
            let tmp = pool.and_then(|p| p.get_attr("temporary_name_for_rotation"));
            match tmp.and_then(Value::as_str) {
                Some(tmp) => {
                    for attr in &rotating {
                        notes.insert(
                            AttrPath::attr("default_node_pool").child_index(0).child_attr(*attr),
                            format!(
                                "cycles the default node pool: a temporary pool \"{tmp}\" takes over, \"{name}\" is deleted and re-created with the new settings, then \"{tmp}\" is deleted"
                            ),
                        );
                    }
                }
                None if tmp.is_some_and(|t| !t.is_known()) => {}
                None => {
                    return Err(ProviderError::invalid(
                        tmp_at,
                        "Missing temporary_name_for_rotation",
                        format!(
                            "Changing {} of the default node pool cycles the pool through a temporary one, as AKS cannot change it on an existing pool: set temporary_name_for_rotation (e.g. \"{name}tmp\") in default_node_pool.",
                            rotating.join(", ")
                        ),
                    ));
                }
            }
        }
        if let (Some(before), Some(after)) = (
            vstr(prior, "kubernetes_version"),
            vstr(&planned, "kubernetes_version"),
        ) {
            if before != after {
                notes.insert(
                    AttrPath::attr("kubernetes_version"),
                    "upgrades the control plane, then the node pools that follow it".to_string(),
                );
            }
        }
        Ok(Planned {
            value: planned,
            notes,
        })
    }

    fn requires_replace(&self, prior: &Value, planned: &Value) -> Vec<AttrPath> {
        let (Some(before), Some(after)) = (
            block(prior, "network_profile"),
            block(planned, "network_profile"),
        ) else {
            return Vec::new();
        };
        let at = AttrPath::attr("network_profile").child_index(0);
        // None: not known yet (which counts as a change); Some(None): null.
        let get = |v: &Value, n: &str| -> Option<Option<String>> {
            match v.get_attr(n) {
                None => Some(None),
                Some(a) if !a.is_known() => None,
                Some(a) => Some(a.as_str().map(str::to_ascii_lowercase)),
            }
        };
        let changed = |n: &str| match (get(before, n), get(after, n)) {
            (_, None) => true,
            (b, a) => b != a,
        };
        let plugin_before = get(before, "network_plugin").flatten();
        let plugin_after = get(after, "network_plugin").flatten();
        let mode_after = get(after, "network_plugin_mode").flatten();
        // kubenet -> Azure CNI Overlay is a migration AKS does in place.
        let to_overlay = mode_after.as_deref() == Some("overlay")
            && plugin_after.as_deref() == Some("azure")
            && (plugin_before.as_deref() == Some("kubenet")
                || get(before, "network_plugin_mode").flatten().as_deref() != Some("overlay"));
        let mut out = Vec::new();
        if changed("network_plugin") && !to_overlay {
            out.push(at.child_attr("network_plugin"));
        }
        if changed("network_plugin_mode") && !to_overlay {
            out.push(at.child_attr("network_plugin_mode"));
        }
        if changed("pod_cidr")
            && !to_overlay
            && !after.get_attr("pod_cidr").is_some_and(Value::is_null)
        {
            out.push(at.child_attr("pod_cidr"));
        }
        if changed("network_data_plane")
            && get(after, "network_data_plane").flatten().as_deref() != Some("cilium")
        {
            out.push(at.child_attr("network_data_plane"));
        }
        out
    }

    fn arm_type(&self) -> Option<(&'static str, &'static str)> {
        Some(("Microsoft.ContainerService", "managedClusters"))
    }

    fn body(&self, planned: &Value, existing: Option<&Json>) -> Json {
        let pool = Self::pool_of(planned)
            .map(|p| {
                let mut props = pool_properties(p, Some("System"));
                props.insert("name".into(), json!(vstr(p, "name").unwrap_or_default()));
                Json::Object(props)
            })
            .unwrap_or(Json::Null);
        self.cluster_body(planned, pool, existing)
    }

    fn parse(&self, remote: &Json, reference: &Value) -> Value {
        let reference_pool = Self::pool_of(reference);
        let wanted = reference_pool.and_then(|p| vstr(p, "name"));
        let profiles = at(remote, "/properties/agentPoolProfiles")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let profile = profiles
            .iter()
            .find(|p| {
                wanted.is_some_and(|w| {
                    p.get("name")
                        .and_then(Json::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(w))
                })
            })
            .or_else(|| {
                profiles
                    .iter()
                    .find(|p| p.get("mode").and_then(Json::as_str) == Some("System"))
            })
            .or_else(|| profiles.first());
        let pools = match profile {
            Some(p) => {
                let mut attrs = parse_pool(p, jstr(p, "/name"), reference_pool);
                attrs.push((
                    "temporary_name_for_rotation",
                    reference_pool
                        .and_then(|r| r.get_attr("temporary_name_for_rotation"))
                        .filter(|t| t.is_known())
                        .cloned()
                        .unwrap_or_else(|| Value::null_of(Type::String)),
                ));
                attrs.push(("type", jstr(p, "/type")));
                vec![object(attrs)]
            }
            None => Vec::new(),
        };
        let identity = match at(remote, "/identity") {
            Some(i) => {
                let ids: Vec<Value> = i
                    .get("userAssignedIdentities")
                    .and_then(Json::as_object)
                    .map(|m| m.keys().map(|k| Value::string(k.clone())).collect())
                    .unwrap_or_default();
                vec![object([
                    ("type", jstr(i, "/type")),
                    ("identity_ids", Value::set(ids)),
                    ("principal_id", jstr(i, "/principalId")),
                    ("tenant_id", jstr(i, "/tenantId")),
                ])]
            }
            None => Vec::new(),
        };
        let network = match at(remote, "/properties/networkProfile") {
            Some(n) => vec![object([
                ("network_plugin", jstr(n, "/networkPlugin")),
                ("network_plugin_mode", jstr(n, "/networkPluginMode")),
                ("network_policy", jstr(n, "/networkPolicy")),
                ("network_data_plane", jstr(n, "/networkDataplane")),
                ("service_cidr", jstr(n, "/serviceCidr")),
                ("dns_service_ip", jstr(n, "/dnsServiceIP")),
                ("pod_cidr", jstr(n, "/podCidr")),
                ("outbound_type", jstr(n, "/outboundType")),
                ("load_balancer_sku", jstr(n, "/loadBalancerSku")),
            ])],
            None => Vec::new(),
        };
        let oms = at(remote, "/properties/addonProfiles")
            .and_then(Json::as_object)
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("omsagent"))
                    .map(|(_, v)| v)
            })
            .filter(|a| a.get("enabled").and_then(Json::as_bool) == Some(true));
        let oms = match oms {
            Some(a) => {
                let config = a.get("config").and_then(Json::as_object);
                let get = |key: &str| {
                    config.and_then(|c| {
                        c.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case(key))
                            .and_then(|(_, v)| v.as_str())
                    })
                };
                vec![object([
                    (
                        "log_analytics_workspace_id",
                        get("logAnalyticsWorkspaceResourceID")
                            .map(Value::string)
                            .unwrap_or_else(|| Value::null_of(Type::String)),
                    ),
                    (
                        "msi_auth_for_monitoring_enabled",
                        Value::bool(
                            get("useAADAuth").is_some_and(|s| s.eq_ignore_ascii_case("true")),
                        ),
                    ),
                ])]
            }
            None => Vec::new(),
        };
        let linux = match at(remote, "/properties/linuxProfile") {
            Some(l) => vec![object([
                ("admin_username", jstr(l, "/adminUsername")),
                (
                    "ssh_key",
                    Value::list(vec![object([(
                        "key_data",
                        jstr(l, "/ssh/publicKeys/0/keyData"),
                    )])]),
                ),
            ])],
            None => Vec::new(),
        };
        let kubelet = match at(remote, "/properties/identityProfile/kubeletidentity") {
            Some(k) => vec![object([
                ("client_id", jstr(k, "/clientId")),
                ("object_id", jstr(k, "/objectId")),
                ("user_assigned_identity_id", jstr(k, "/resourceId")),
            ])],
            None => Vec::new(),
        };
        object([
            ("id", jstr(remote, "/id")),
            ("name", jstr(remote, "/name")),
            ("resource_group_name", resource_group_of(remote)),
            ("location", jstr(remote, "/location")),
            ("dns_prefix", jstr(remote, "/properties/dnsPrefix")),
            (
                "kubernetes_version",
                jstr(remote, "/properties/kubernetesVersion"),
            ),
            (
                "current_kubernetes_version",
                jstr(remote, "/properties/currentKubernetesVersion"),
            ),
            ("sku_tier", jstr(remote, "/sku/tier")),
            (
                "node_resource_group",
                jstr(remote, "/properties/nodeResourceGroup"),
            ),
            (
                "role_based_access_control_enabled",
                jbool(remote, "/properties/enableRBAC"),
            ),
            ("tags", jmap(remote, "/tags")),
            ("fqdn", jstr(remote, "/properties/fqdn")),
            ("default_node_pool", Value::list(pools)),
            ("identity", Value::list(identity)),
            ("network_profile", Value::list(network)),
            ("oms_agent", Value::list(oms)),
            ("linux_profile", Value::list(linux)),
            ("kubelet_identity", Value::list(kubelet)),
        ])
    }

    async fn extras(&self, env: &Env<'_>, id: &str, state: Value) -> Result<Value, ProviderError> {
        let results = env
            .client
            .post(
                &format!("{id}/listClusterUserCredential"),
                API_VERSION,
                None,
            )
            .await
            .map_err(|e| {
                remote_error("reading the user credentials of", &self.describe(&state), e)
            })?;
        let (raw, parsed) = match kubeconfig::raw_from_credentials(&results) {
            Ok(raw) => {
                let parsed = kubeconfig::parse(&raw);
                (Value::string(raw), parsed)
            }
            Err(_) => (Value::null_of(Type::String), Value::list(Vec::new())),
        };
        Ok(with_attrs(
            &state,
            [("kube_config_raw", raw), ("kube_config", parsed)],
        ))
    }

    async fn read(&self, env: &Env<'_>, prior: &Value) -> Result<Option<Value>, ProviderError> {
        let id = self.arm_id(prior, env.subscription)?;
        let pool = Self::pool_of(prior).and_then(|p| vstr(p, "name"));
        let Some(remote) = self
            .get_cluster(env, &id, pool, &self.describe(prior))
            .await?
        else {
            return Ok(None);
        };
        let state = self.parse(&remote, prior);
        self.extras(env, &id, state).await.map(Some)
    }

    async fn update(
        &self,
        env: &Env<'_>,
        prior: &Value,
        planned: &Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Value, ProviderError> {
        let id = self.arm_id(prior, env.subscription)?;
        let what = self.describe(planned);
        let (Some(prior_pool), Some(planned_pool)) = (Self::pool_of(prior), Self::pool_of(planned))
        else {
            return Err(ProviderError::invalid(
                AttrPath::attr("default_node_pool"),
                "Missing default node pool",
                "A cluster needs its default_node_pool block.",
            ));
        };
        let pool_name = vstr(prior_pool, "name").unwrap_or_default().to_string();
        // 1. The cluster's own settings, with the pool as it is now.
        if Self::cluster_changed(prior, planned) {
            let existing = self
                .get_cluster(env, &id, Some(&pool_name), &what)
                .await?
                .ok_or_else(|| ProviderError::Remote {
                    message: format!("Error updating {what}: the cluster no longer exists."),
                })?;
            let current_pool = at(&existing, "/properties/agentPoolProfiles")
                .and_then(Json::as_array)
                .and_then(|a| {
                    a.iter().find(|p| {
                        p.get("name")
                            .and_then(Json::as_str)
                            .is_some_and(|n| n.eq_ignore_ascii_case(&pool_name))
                    })
                })
                .map(|p| {
                    let mut props = pool_properties(
                        &object(parse_pool(
                            p,
                            Value::string(pool_name.clone()),
                            Some(prior_pool),
                        )),
                        Some("System"),
                    );
                    props.insert("name".into(), json!(pool_name));
                    Json::Object(props)
                })
                .unwrap_or(Json::Null);
            let body = self.cluster_body(planned, current_pool, Some(&existing));
            env.client
                .put(&id, API_VERSION, &body, checkpoint)
                .await
                .map_err(|e| remote_error("updating", &what, e))?;
        }
        // 2. The default pool: cycled through the temporary pool, or updated in place.
        let rotating = Self::rotation_changes(prior, planned);
        let new_pool = {
            let mut p = pool_properties(planned_pool, Some("System"));
            p.remove("name");
            json!({ "properties": p })
        };
        if !rotating.is_empty() {
            let tmp = vstr(planned_pool, "temporary_name_for_rotation").ok_or_else(|| {
                ProviderError::invalid(
                    AttrPath::attr("default_node_pool")
                        .child_index(0)
                        .child_attr("temporary_name_for_rotation"),
                    "Missing temporary_name_for_rotation",
                    "Cycling the default node pool needs temporary_name_for_rotation.",
                )
            })?;
            let what_ref = &what;
            let step = |action: &'static str| move |e| remote_error(action, what_ref, e);
            let tmp_id = Self::agent_pool_id(&id, tmp);
            let pool_id = Self::agent_pool_id(&id, &pool_name);
            env.client
                .put(&tmp_id, API_VERSION, &new_pool, checkpoint)
                .await
                .map_err(step("creating the temporary node pool of"))?;
            env.client
                .delete(&pool_id, API_VERSION, checkpoint)
                .await
                .map_err(step("deleting the default node pool (to re-create it) of"))?;
            env.client
                .put(&pool_id, API_VERSION, &new_pool, checkpoint)
                .await
                .map_err(step("re-creating the default node pool of"))?;
            env.client
                .delete(&tmp_id, API_VERSION, checkpoint)
                .await
                .map_err(step("deleting the temporary node pool of"))?;
        } else if prior_pool.to_json() != planned_pool.to_json() {
            let differs_beyond_config_only = {
                let a = with_attrs(prior_pool, [("temporary_name_for_rotation", Value::null())]);
                let b = with_attrs(
                    planned_pool,
                    [("temporary_name_for_rotation", Value::null())],
                );
                a.to_json() != b.to_json()
            };
            if differs_beyond_config_only {
                env.client
                    .put(
                        &Self::agent_pool_id(&id, &pool_name),
                        API_VERSION,
                        &new_pool,
                        checkpoint,
                    )
                    .await
                    .map_err(|e| remote_error("updating the default node pool of", &what, e))?;
            }
        }
        let remote = self
            .get_cluster(env, &id, Some(&pool_name), &what)
            .await?
            .ok_or_else(|| ProviderError::Remote {
                message: format!("Error updating {what}: the cluster is gone."),
            })?;
        let state = self.parse(&remote, planned);
        self.extras(env, &id, state).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::azure::validate::{NetworkRegistry, Patterns};

    fn example() -> Json {
        serde_json::from_str(include_str!(
            "../../../../tests/arm_standin/reference/aks-2025-10-01-example-ManagedClustersCreate_Update.json"
        ))
        .unwrap()
    }

    #[test]
    fn parses_the_official_example_response() {
        let ex = example();
        let state = KubernetesCluster.parse(&ex["responses"]["200"]["body"], &Value::null());
        assert_eq!(vstr(&state, "name"), Some("clustername1"));
        assert_eq!(vstr(&state, "resource_group_name"), Some("rg1"));
        assert_eq!(
            vstr(&state, "fqdn"),
            Some("dnsprefix1-abcd1234.hcp.eastus.azmk8s.io")
        );
        let pool = block(&state, "default_node_pool").unwrap();
        assert_eq!(vstr(pool, "name"), Some("nodepool1"));
        assert_eq!(vnum(pool, "node_count"), Some(3.0));
        assert_eq!(
            pool.get_attr("zones").unwrap().to_json(),
            json!(["1", "2", "3"])
        );
        let identity = block(&state, "identity").unwrap();
        assert_eq!(vstr(identity, "type"), Some("UserAssigned"));
        let net = block(&state, "network_profile").unwrap();
        assert_eq!(vstr(net, "network_plugin"), Some("kubenet"));
        assert_eq!(vstr(net, "dns_service_ip"), Some("10.0.0.10"));
        assert!(state
            .get_attr("oms_agent")
            .unwrap()
            .as_seq()
            .unwrap()
            .is_empty());
    }

    fn config(extra: Json) -> Value {
        let mut base = json!({
            "name": "aks-flink", "resource_group_name": "rg", "location": "westeurope",
            "dns_prefix": "aks-flink", "kubernetes_version": "1.33", "sku_tier": null,
            "node_resource_group": null, "role_based_access_control_enabled": null, "tags": null,
            "default_node_pool": [{"name": "system", "vm_size": "Standard_D4s_v5", "node_count": 3,
                "auto_scaling_enabled": null, "min_count": null, "max_count": null, "max_pods": null,
                "os_disk_size_gb": null, "vnet_subnet_id": null, "zones": null, "orchestrator_version": null,
                "node_labels": null, "temporary_name_for_rotation": null, "type": null}],
            "identity": [{"type": "SystemAssigned", "identity_ids": null}],
            "network_profile": [], "oms_agent": [],
        });
        if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        Value::from_json(&base)
    }

    fn errors(c: &Value) -> Vec<String> {
        let patterns = Patterns::new();
        let network = NetworkRegistry::default();
        let checks = Checks {
            patterns: &patterns,
            network: &network,
        };
        KubernetesCluster
            .validate(c, &checks)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn bad_names_and_network_settings() {
        assert!(
            errors(&config(json!({}))).is_empty(),
            "{:?}",
            errors(&config(json!({})))
        );
        let e = errors(&config(json!({
            "name": "-aks", "dns_prefix": "aks_flink",
            "default_node_pool": [{"name": "System-Pool", "vm_size": "x", "auto_scaling_enabled": true, "min_count": 3}],
            "network_profile": [{"network_plugin": "kubenet", "network_plugin_mode": "overlay",
                "service_cidr": "10.0.0.0/16", "dns_service_ip": "10.1.0.10", "pod_cidr": "10.0.128.0/17"}],
        })));
        let has = |p: &str| e.iter().any(|m| m.starts_with(p));
        assert!(has("name: Invalid name"), "{e:?}");
        assert!(has("dns_prefix: Invalid dns prefix"), "{e:?}");
        assert!(has("default_node_pool[0].name: Invalid name"), "{e:?}");
        assert!(
            has("default_node_pool[0].max_count: Missing autoscaler bound"),
            "{e:?}"
        );
        assert!(
            has("network_profile[0].network_plugin_mode: Invalid network plugin mode"),
            "{e:?}"
        );
        assert!(
            has("network_profile[0].dns_service_ip: DNS service IP outside"),
            "{e:?}"
        );
        assert!(
            has("network_profile[0].pod_cidr: Overlapping cluster ranges"),
            "{e:?}"
        );
    }

    #[test]
    fn rotation_needs_a_temporary_pool_and_says_so() {
        let prior = with_attrs(&config(json!({})), []);
        let mut bigger = config(json!({}));
        let pool = with_attrs(
            block(&bigger, "default_node_pool").unwrap(),
            [("vm_size", Value::string("Standard_D8s_v5"))],
        );
        bigger = with_attrs(
            &bigger,
            [("default_node_pool", Value::list(vec![pool.clone()]))],
        );
        let e = KubernetesCluster
            .plan(Some(&prior), bigger.clone(), &bigger, "s")
            .err()
            .unwrap();
        assert_eq!(
            e.attribute_path().unwrap().to_string(),
            "default_node_pool[0].temporary_name_for_rotation"
        );
        let pool = with_attrs(
            &pool,
            [("temporary_name_for_rotation", Value::string("systemtmp"))],
        );
        let with_tmp = with_attrs(&bigger, [("default_node_pool", Value::list(vec![pool]))]);
        let planned = KubernetesCluster
            .plan(Some(&prior), with_tmp.clone(), &with_tmp, "s")
            .unwrap();
        let note = &planned.notes[&AttrPath::attr("default_node_pool")
            .child_index(0)
            .child_attr("vm_size")];
        assert!(note.contains("\"systemtmp\" takes over"), "{note}");
        assert!(KubernetesCluster
            .requires_replace(&prior, &planned.value)
            .is_empty());
    }

    #[test]
    fn network_changes_that_replace_and_those_that_do_not() {
        let net = |v: Json| config(json!({ "network_profile": [v] }));
        let kubenet = net(
            json!({"network_plugin": "kubenet", "network_plugin_mode": null, "network_policy": null,
            "network_data_plane": "azure", "service_cidr": "10.0.0.0/16", "dns_service_ip": "10.0.0.10",
            "pod_cidr": "10.244.0.0/16", "outbound_type": "loadBalancer", "load_balancer_sku": "standard"}),
        );
        let overlay = net(
            json!({"network_plugin": "azure", "network_plugin_mode": "overlay", "network_policy": null,
            "network_data_plane": "azure", "service_cidr": "10.0.0.0/16", "dns_service_ip": "10.0.0.10",
            "pod_cidr": "10.244.0.0/16", "outbound_type": "loadBalancer", "load_balancer_sku": "standard"}),
        );
        let cni = net(
            json!({"network_plugin": "azure", "network_plugin_mode": null, "network_policy": "calico",
            "network_data_plane": "azure", "service_cidr": "10.0.0.0/16", "dns_service_ip": "10.0.0.10",
            "pod_cidr": null, "outbound_type": "loadBalancer", "load_balancer_sku": "standard"}),
        );
        assert!(KubernetesCluster
            .requires_replace(&kubenet, &overlay)
            .is_empty());
        let paths: Vec<String> = KubernetesCluster
            .requires_replace(&cni, &kubenet)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(
            paths.contains(&"network_profile[0].network_plugin".to_string()),
            "{paths:?}"
        );
    }
}
