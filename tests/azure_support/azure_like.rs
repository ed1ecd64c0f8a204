//! Makes the stand-in echo resources the way Azure does, so that tests show a plan after an
//! apply stays empty against Azure's real answers: locations in their short form
//! ("West Europe" -> "westeurope"), IDs in other casing (`resourcegroups`,
//! `microsoft.operationalinsights`), tag keys in lower case, "1.33" answered as "1.33.2",
//! a single subnet prefix answered as `addressPrefix`, enumerations in Azure's case, empty
//! arrays for unset lists, server defaults for what was not sent (network profile, pool
//! sizes, node resource group, registry policies, workspace retention), and read-only
//! attributes (FQDNs, identities, GUIDs, login servers, provisioning states).

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::arm_standin::{HookContext, StandIn};

/// A GUID derived from `seed`, stable across runs.
pub fn guid(seed: &str) -> String {
    let hex = format!("{:x}", Sha256::digest(seed.as_bytes()));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn location(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An ID in the casing ARM often answers with.
pub fn recased(id: &str) -> String {
    id.replace("/resourceGroups/", "/resourcegroups/")
        .replace(
            "/Microsoft.OperationalInsights/",
            "/microsoft.operationalinsights/",
        )
        .replace("/Microsoft.Network/", "/Microsoft.network/")
}

fn props(r: &mut Value) -> &mut Map<String, Value> {
    if !r.get("properties").is_some_and(Value::is_object) {
        r["properties"] = json!({});
    }
    r["properties"].as_object_mut().expect("properties object")
}

/// Location in short form and tag keys in lower case, as tracked resources come back.
fn tracked(r: &mut Value) {
    if let Some(l) = r.get("location").and_then(Value::as_str) {
        r["location"] = json!(location(l));
    }
    if let Some(tags) = r.get("tags").and_then(Value::as_object) {
        let lowered: Map<String, Value> = tags
            .iter()
            .map(|(k, v)| (k.to_lowercase(), v.clone()))
            .collect();
        r["tags"] = Value::Object(lowered);
    }
}

fn default(p: &mut Map<String, Value>, key: &str, value: Value) {
    if !p.contains_key(key) || p[key].is_null() {
        p.insert(key.to_string(), value);
    }
}

fn previous_str(ctx: &HookContext<'_>, ptr: &str) -> Option<String> {
    ctx.previous?.pointer(ptr)?.as_str().map(str::to_string)
}

/// Registers the hooks and actions on `standin`.
pub fn install(standin: &StandIn) {
    standin.on_type("Microsoft.Resources/resourceGroups", |r, _| tracked(r));

    standin.on_type("Microsoft.Network/virtualNetworks", |r, ctx| {
        tracked(r);
        let guid = previous_str(ctx, "/properties/resourceGuid").unwrap_or_else(|| guid(ctx.id));
        let p = props(r);
        p.insert("resourceGuid".into(), json!(guid));
        default(p, "enableDdosProtection", json!(false));
    });

    standin.on_type("Microsoft.Network/virtualNetworks/subnets", |r, ctx| {
        let p = props(r);
        // One prefix comes back as `addressPrefix` alone.
        let single = p
            .get("addressPrefixes")
            .and_then(Value::as_array)
            .filter(|a| a.len() == 1)
            .and_then(|a| a[0].as_str())
            .map(str::to_string);
        if let Some(prefix) = single {
            p.remove("addressPrefixes");
            p.insert("addressPrefix".into(), json!(prefix));
        }
        default(p, "privateEndpointNetworkPolicies", json!("Disabled"));
        default(p, "privateLinkServiceNetworkPolicies", json!("Enabled"));
        if let Some(id) = p
            .get("networkSecurityGroup")
            .and_then(|g| g.get("id"))
            .and_then(Value::as_str)
        {
            let id = recased(id);
            p.insert("networkSecurityGroup".into(), json!({ "id": id }));
        }
        if let Some(eps) = p.get_mut("serviceEndpoints").and_then(Value::as_array_mut) {
            for e in eps {
                e["locations"] = json!(["*"]);
                e["provisioningState"] = json!("Succeeded");
            }
        }
        let _ = ctx;
    });

    standin.on_type("Microsoft.Network/networkSecurityGroups", |r, ctx| {
        tracked(r);
        let id = ctx.id.to_string();
        let p = props(r);
        if let Some(rules) = p.get_mut("securityRules").and_then(Value::as_array_mut) {
            for rule in rules.iter_mut() {
                let name = rule.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
                rule["id"] = json!(format!("{id}/securityRules/{name}"));
                let rp = props(rule);
                // Protocols in Azure's case; both the single and the plural forms.
                if let Some(proto) = rp.get("protocol").and_then(Value::as_str) {
                    let canonical = match proto.to_ascii_lowercase().as_str() {
                        "tcp" => "Tcp".to_string(),
                        "udp" => "Udp".to_string(),
                        "icmp" => "Icmp".to_string(),
                        _ => proto.to_string(),
                    };
                    rp.insert("protocol".into(), json!(canonical));
                }
                for plural in ["sourcePortRanges", "destinationPortRanges", "sourceAddressPrefixes", "destinationAddressPrefixes"] {
                    default(rp, plural, json!([]));
                }
                rp.insert("provisioningState".into(), json!("Succeeded"));
            }
        }
        p.insert(
            "defaultSecurityRules".into(),
            json!([{ "name": "AllowVnetInBound", "properties": { "priority": 65000, "direction": "Inbound", "access": "Allow", "protocol": "*" } }]),
        );
    });

    standin.on_type("Microsoft.OperationalInsights/workspaces", |r, ctx| {
        tracked(r);
        let customer = previous_str(ctx, "/properties/customerId").unwrap_or_else(|| guid(ctx.id));
        let p = props(r);
        p.insert("customerId".into(), json!(customer));
        default(p, "retentionInDays", json!(30));
        if let Some(sku) = p
            .get("sku")
            .and_then(|k| k.get("name"))
            .and_then(Value::as_str)
        {
            let lowered = sku.to_lowercase();
            p.insert("sku".into(), json!({ "name": lowered }));
        }
    });
    standin.on_action("sharedKeys", |w| {
        let name = w.get("name").and_then(Value::as_str).unwrap_or_default();
        json!({ "primarySharedKey": format!("standin-primary-key-{name}"), "secondarySharedKey": format!("standin-secondary-key-{name}") })
    });

    standin.on_type("Microsoft.ContainerRegistry/registries", |r, _| {
        tracked(r);
        let name = r
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_lowercase();
        if let Some(sku) = r
            .pointer("/sku/name")
            .and_then(Value::as_str)
            .map(str::to_string)
        {
            r["sku"] = json!({ "name": sku, "tier": sku });
        }
        let p = props(r);
        p.insert("loginServer".into(), json!(format!("{name}.azurecr.io")));
        p.insert("creationDate".into(), json!("2026-11-20T12:00:00Z"));
        default(p, "adminUserEnabled", json!(false));
        default(p, "publicNetworkAccess", json!("Enabled"));
        default(p, "zoneRedundancy", json!("Disabled"));
        default(p, "anonymousPullEnabled", json!(false));
        default(p, "dataEndpointEnabled", json!(false));
        default(p, "networkRuleBypassOptions", json!("AzureServices"));
        let mut policies = p
            .get("policies")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        default(
            &mut policies,
            "quarantinePolicy",
            json!({ "status": "disabled" }),
        );
        default(
            &mut policies,
            "trustPolicy",
            json!({ "type": "Notary", "status": "disabled" }),
        );
        default(
            &mut policies,
            "retentionPolicy",
            json!({ "days": 7, "status": "disabled" }),
        );
        default(
            &mut policies,
            "exportPolicy",
            json!({ "status": "enabled" }),
        );
        p.insert("policies".into(), Value::Object(policies));
    });
    standin.on_type(
        "Microsoft.ContainerRegistry/registries/replications",
        |r, _| {
            tracked(r);
            let p = props(r);
            default(p, "regionEndpointEnabled", json!(true));
            default(p, "zoneRedundancy", json!("Disabled"));
        },
    );

    standin.on_type("Microsoft.ContainerService/managedClusters", |r, ctx| {
        managed_cluster(r, ctx)
    });
    standin.on_type(
        "Microsoft.ContainerService/managedClusters/agentPools",
        |r, ctx| {
            let version = "1.33.2".to_string();
            let p = props(r);
            agent_pool_defaults(p, &version);
            let _ = ctx;
        },
    );

    standin.on_type("Microsoft.Authorization/roleAssignments", |r, ctx| {
        let lower = ctx.id.to_ascii_lowercase();
        let scope = lower
            .rfind("/providers/microsoft.authorization/roleassignments/")
            .map(|i| ctx.id[..i].to_string())
            .unwrap_or_default();
        let p = props(r);
        p.insert("scope".into(), json!(scope));
        default(p, "principalType", json!("User"));
        p.insert("createdOn".into(), json!("2026-11-20T12:00:00Z"));
        p.insert("updatedOn".into(), json!("2026-11-20T12:00:00Z"));
        p.remove("provisioningState");
    });
}

/// The version a "1.33"-style request gets: its latest patch.
fn patch_version(v: &str) -> String {
    if v.split('.').count() == 2 {
        format!("{v}.2")
    } else {
        v.to_string()
    }
}

fn agent_pool_defaults(p: &mut Map<String, Value>, version: &str) {
    let orchestrator = p
        .get("orchestratorVersion")
        .and_then(Value::as_str)
        .map(patch_version)
        .unwrap_or_else(|| version.to_string());
    p.insert("orchestratorVersion".into(), json!(orchestrator));
    p.insert("currentOrchestratorVersion".into(), json!(orchestrator));
    default(p, "maxPods", json!(30));
    default(p, "osDiskSizeGB", json!(128));
    default(p, "osDiskType", json!("Managed"));
    default(p, "osSKU", json!("Ubuntu"));
    default(p, "type", json!("VirtualMachineScaleSets"));
    default(p, "osType", json!("Linux"));
    default(p, "mode", json!("User"));
    default(p, "enableAutoScaling", json!(false));
    p.insert(
        "nodeImageVersion".into(),
        json!("AKSUbuntu-2204gen2containerd-202511.01.0"),
    );
    p.insert("powerState".into(), json!({ "code": "Running" }));
    if let Some(subnet) = p.get("vnetSubnetID").and_then(Value::as_str) {
        let s = recased(subnet);
        p.insert("vnetSubnetID".into(), json!(s));
    }
}

fn managed_cluster(r: &mut Value, ctx: &HookContext<'_>) {
    tracked(r);
    let name = r
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let loc = r
        .get("location")
        .and_then(Value::as_str)
        .unwrap_or("westeurope")
        .to_string();
    let rg = ctx.id.split('/').nth(4).unwrap_or("rg").to_string();
    if !r.get("sku").is_some_and(Value::is_object) {
        r["sku"] = json!({ "name": "Base", "tier": "Free" });
    }
    if r.pointer("/identity/type").and_then(Value::as_str) == Some("SystemAssigned") {
        r["identity"]["principalId"] = json!(guid(&format!("{}/principal", ctx.id.to_lowercase())));
        r["identity"]["tenantId"] = json!(crate::arm_standin::TENANT_ID);
    }
    let p = props(r);
    let version = p
        .get("kubernetesVersion")
        .and_then(Value::as_str)
        .map(patch_version)
        .unwrap_or_else(|| "1.33.2".to_string());
    p.insert("kubernetesVersion".into(), json!(version));
    p.insert("currentKubernetesVersion".into(), json!(version));
    let prefix = p
        .get("dnsPrefix")
        .and_then(Value::as_str)
        .unwrap_or(&name)
        .to_string();
    p.insert(
        "fqdn".into(),
        json!(format!(
            "{prefix}-{}.hcp.{loc}.azmk8s.io",
            &guid(&name)[..8]
        )),
    );
    p.insert(
        "azurePortalFQDN".into(),
        json!(format!("{prefix}-portal.hcp.{loc}.azmk8s.io")),
    );
    default(
        p,
        "nodeResourceGroup",
        json!(format!("MC_{rg}_{name}_{loc}")),
    );
    default(p, "enableRBAC", json!(true));
    p.insert("maxAgentPools".into(), json!(100));
    p.insert("powerState".into(), json!({ "code": "Running" }));
    let node_rg = p
        .get("nodeResourceGroup")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if let Some(pools) = p.get_mut("agentPoolProfiles").and_then(Value::as_array_mut) {
        for pool in pools.iter_mut() {
            if let Some(pp) = pool.as_object_mut() {
                agent_pool_defaults(pp, &version);
            }
        }
    }
    let mut net = p
        .get("networkProfile")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    default(&mut net, "networkPlugin", json!("kubenet"));
    let overlay_or_kubenet = net.get("networkPlugin").and_then(Value::as_str) == Some("kubenet")
        || net.get("networkPluginMode").and_then(Value::as_str) == Some("overlay");
    if overlay_or_kubenet {
        default(&mut net, "podCidr", json!("10.244.0.0/16"));
    }
    default(&mut net, "serviceCidr", json!("10.0.0.0/16"));
    default(&mut net, "dnsServiceIP", json!("10.0.0.10"));
    default(&mut net, "outboundType", json!("loadBalancer"));
    default(&mut net, "networkDataplane", json!("azure"));
    if let Some(sku) = net.get("loadBalancerSku").and_then(Value::as_str) {
        let lowered = sku.to_lowercase();
        net.insert("loadBalancerSku".into(), json!(lowered));
    } else {
        net.insert("loadBalancerSku".into(), json!("standard"));
    }
    default(
        &mut net,
        "loadBalancerProfile",
        json!({ "managedOutboundIPs": { "count": 1 }, "effectiveOutboundIPs": [{ "id": format!("/subscriptions/x/resourceGroups/{node_rg}/providers/Microsoft.Network/publicIPAddresses/out") }] }),
    );
    net.insert("ipFamilies".into(), json!(["IPv4"]));
    p.insert("networkProfile".into(), Value::Object(net));
    if let Some(addons) = p.get_mut("addonProfiles").and_then(Value::as_object_mut) {
        if let Some(oms) = addons.get_mut("omsagent").and_then(Value::as_object_mut) {
            if let Some(config) = oms.get_mut("config").and_then(Value::as_object_mut) {
                if let Some(id) = config
                    .get("logAnalyticsWorkspaceResourceID")
                    .and_then(Value::as_str)
                {
                    let id = recased(id);
                    config.insert("logAnalyticsWorkspaceResourceID".into(), json!(id));
                }
            }
            oms.insert("identity".into(), json!({ "resourceId": format!("/subscriptions/x/resourcegroups/{node_rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/omsagent-{name}"), "clientId": guid(&format!("{name}/oms/client")), "objectId": guid(&format!("{name}/oms/object")) }));
        }
    }
    let kubelet_seed = ctx.id.to_lowercase();
    p.insert(
        "identityProfile".into(),
        json!({ "kubeletidentity": {
            "resourceId": format!("/subscriptions/x/resourcegroups/{node_rg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}-agentpool"),
            "clientId": guid(&format!("{kubelet_seed}/kubelet/client")),
            "objectId": guid(&format!("{kubelet_seed}/kubelet/object")),
        } }),
    );
}
