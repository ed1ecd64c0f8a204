//! `azure_kubernetes_cluster_node_pool` (managedClusters/agentPools): a further node pool,
//! e.g. for Flink task managers. Settings AKS cannot change on a pool replace it.

use serde_json::{json, Value as Json};

use super::kubernetes_cluster::{
    parse_pool, pool_properties, pool_schema, validate_pool, API_VERSION, ROTATION_ATTRIBUTES,
};
use super::{id_attr, tags_attr, AzureResource, Checks, Planned};
use crate::lang::value::with_attrs;
use crate::lang::{Type, Value};
use crate::providers::azure::ids::{parse_import_id, ArmId};
use crate::providers::azure::json::{jmap, jstr, object, vbool, vmap_json, vstr};
use crate::providers::azure::normalize::{Semantic, Semantics};
use crate::providers::azure::validate::check_enum;
use crate::providers::schema::AttributeSchema;
use crate::providers::{AttrPath, ProviderError, Schema};

pub struct KubernetesClusterNodePool;

const SEMANTICS: Semantics = &[
    ("name", Semantic::CaseInsensitive),
    ("id", Semantic::ArmId),
    ("kubernetes_cluster_id", Semantic::ArmId),
    ("vm_size", Semantic::CaseInsensitive),
    ("vnet_subnet_id", Semantic::ArmId),
    ("orchestrator_version", Semantic::KubernetesVersion),
    ("mode", Semantic::CaseInsensitive),
    ("os_type", Semantic::CaseInsensitive),
    ("tags", Semantic::TagKeys),
];

impl KubernetesClusterNodePool {
    fn cluster_id<'v>(&self, state: &'v Value) -> Result<&'v str, ProviderError> {
        vstr(state, "kubernetes_cluster_id").ok_or_else(|| {
            ProviderError::invalid(
                AttrPath::attr("kubernetes_cluster_id"),
                "Missing value",
                "The node pool needs a known kubernetes_cluster_id.",
            )
        })
    }
}

impl AzureResource for KubernetesClusterNodePool {
    fn type_name(&self) -> &'static str {
        "azure_kubernetes_cluster_node_pool"
    }

    fn api_version(&self) -> &'static str {
        API_VERSION
    }

    fn semantics(&self) -> Semantics {
        SEMANTICS
    }

    fn schema(&self) -> Schema {
        let mut s = pool_schema(false);
        s.description = "A further node pool of an AKS cluster.".into();
        // A pool cannot change these: a new pool replaces it.
        for a in ROTATION_ATTRIBUTES {
            if let Some(attr) = s.attributes.get_mut(*a) {
                attr.force_new = true;
            }
        }
        s.attribute(
            "kubernetes_cluster_id",
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("The cluster's ID. Changing it replaces the pool."),
        )
        .attribute(
            "mode",
            AttributeSchema::optional_computed(Type::String)
                .describe("\"User\" (default) or \"System\"."),
        )
        .attribute(
            "os_type",
            AttributeSchema::optional_computed(Type::String)
                .force_new()
                .describe("\"Linux\" (default) or \"Windows\"."),
        )
        .attribute(
            "node_taints",
            AttributeSchema::optional(Type::list(Type::String))
                .describe("Taints of the nodes, e.g. [\"workload=flink:NoSchedule\"]."),
        )
        .attribute("tags", tags_attr())
        .attribute("id", id_attr())
    }

    fn validate(&self, config: &Value, checks: &Checks<'_>) -> Vec<ProviderError> {
        let mut out = Vec::new();
        validate_pool(config, &AttrPath::root(), checks, &mut out);
        check_enum(
            config,
            AttrPath::attr("mode"),
            "mode",
            &["User", "System"],
            false,
            &mut out,
        );
        check_enum(
            config,
            AttrPath::attr("os_type"),
            "os_type",
            &["Linux", "Windows"],
            false,
            &mut out,
        );
        if vstr(config, "os_type") == Some("Windows")
            && vstr(config, "name").is_some_and(|n| n.len() > 6)
        {
            out.push(ProviderError::invalid(
                AttrPath::attr("name"),
                "Invalid name",
                "The name of a Windows node pool has at most 6 characters.",
            ));
        }
        if let Some(id) = vstr(config, "kubernetes_cluster_id") {
            let ok = ArmId::parse(id)
                .is_ok_and(|p| p.is_type("Microsoft.ContainerService", &["managedClusters"]));
            if !ok {
                out.push(ProviderError::invalid(
                    AttrPath::attr("kubernetes_cluster_id"),
                    "Invalid resource ID",
                    "kubernetes_cluster_id must be an AKS cluster's ID (azure_kubernetes_cluster.x.id).",
                ));
            }
        }
        out
    }

    fn plan(
        &self,
        prior: Option<&Value>,
        planned: Value,
        _config: &Value,
        _subscription: &str,
    ) -> Result<Planned, ProviderError> {
        let mut planned = planned;
        if planned
            .get_attr("auto_scaling_enabled")
            .is_some_and(Value::is_null)
        {
            planned = with_attrs(&planned, [("auto_scaling_enabled", Value::bool(false))]);
        }
        if vbool(&planned, "auto_scaling_enabled") == Some(true) {
            if let Some(n) = prior
                .and_then(|p| p.get_attr("node_count"))
                .filter(|n| !n.is_null())
            {
                planned = with_attrs(&planned, [("node_count", n.clone())]);
            }
        }
        Ok(Planned::plain(planned))
    }

    fn id_from_names(&self, state: &Value, _subscription: &str) -> Result<String, ProviderError> {
        let cluster = self.cluster_id(state)?;
        let name = vstr(state, "name").ok_or_else(|| {
            ProviderError::invalid(
                AttrPath::attr("name"),
                "Missing value",
                "The node pool needs a known name.",
            )
        })?;
        Ok(format!("{cluster}/agentPools/{name}"))
    }

    fn import(&self, id: &str) -> Result<Value, ProviderError> {
        let p = parse_import_id(
            self.type_name(),
            id,
            "Microsoft.ContainerService",
            &["managedClusters", "agentPools"],
            "/subscriptions/.../resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks/agentPools/flink",
        )?;
        let cluster = ArmId::in_group(
            &p.subscription,
            p.resource_group.as_deref().unwrap_or_default(),
            p.namespace.as_deref().unwrap_or_default(),
            &[(
                "managedClusters",
                p.name_of("managedClusters").unwrap_or_default(),
            )],
        );
        Ok(object([
            ("id", Value::string(id)),
            (
                "name",
                Value::string(p.name_of("agentPools").unwrap_or_default()),
            ),
            ("kubernetes_cluster_id", Value::string(cluster)),
        ]))
    }

    fn body(&self, planned: &Value, _existing: Option<&Json>) -> Json {
        let mut p = pool_properties(planned, Some(vstr(planned, "mode").unwrap_or("User")));
        p.insert(
            "osType".into(),
            json!(vstr(planned, "os_type").unwrap_or("Linux")),
        );
        if let Some(taints) = crate::providers::azure::json::vstrings(planned, "node_taints") {
            p.insert("nodeTaints".into(), json!(taints));
        }
        if let Some(tags) = vmap_json(planned, "tags") {
            p.insert("tags".into(), tags);
        }
        json!({ "properties": p })
    }

    fn parse(&self, remote: &Json, reference: &Value) -> Value {
        let props = remote.get("properties").cloned().unwrap_or(Json::Null);
        let mut attrs = parse_pool(&props, jstr(remote, "/name"), Some(reference));
        let cluster = jstr(remote, "/id")
            .as_str()
            .and_then(|id| {
                let lower = id.to_ascii_lowercase();
                lower.rfind("/agentpools/").map(|i| id[..i].to_string())
            })
            .map(Value::string)
            .unwrap_or_else(|| Value::null_of(Type::String));
        attrs.push(("id", jstr(remote, "/id")));
        attrs.push(("kubernetes_cluster_id", cluster));
        attrs.push(("mode", jstr(&props, "/mode")));
        attrs.push(("os_type", jstr(&props, "/osType")));
        attrs.push((
            "node_taints",
            crate::providers::azure::json::jstrings(&props, "/nodeTaints"),
        ));
        attrs.push(("tags", jmap(&props, "/tags")));
        object(attrs)
    }
}
