//! The kubeconfig AKS returns from `listClusterUserCredential`: base64 of a YAML document, kept
//! whole as `kube_config_raw` and taken apart into `kube_config` (as azurerm does), both
//! sensitive.

use std::collections::BTreeMap;

use base64::Engine;

use crate::lang::{Type, Value};

/// The attributes of one `kube_config` element, all strings.
pub const KUBE_CONFIG_ATTRIBUTES: &[&str] = &[
    "host",
    "username",
    "password",
    "client_certificate",
    "client_key",
    "cluster_ca_certificate",
];

/// The type of `kube_config`: a list of objects, as azurerm's `kube_config[0].host`.
pub fn kube_config_type() -> Type {
    Type::list(Type::Object(
        KUBE_CONFIG_ATTRIBUTES
            .iter()
            .map(|a| (a.to_string(), Type::String))
            .collect(),
    ))
}

/// The kubeconfig text from the credential results
/// (`{"kubeconfigs":[{"name":"clusterUser","value":"<base64>"}]}`).
pub fn raw_from_credentials(results: &serde_json::Value) -> Result<String, String> {
    let value = results
        .get("kubeconfigs")
        .and_then(|k| k.as_array())
        .and_then(|a| a.first())
        .and_then(|c| c.get("value"))
        .and_then(|v| v.as_str())
        .ok_or("the credential results hold no kubeconfig")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value.trim())
        .map_err(|e| format!("the kubeconfig is not valid base64: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "the kubeconfig is not UTF-8 text".to_string())
}

/// `kube_config` from the kubeconfig text: one element for the first cluster and user; an
/// empty list when the text is not a kubeconfig.
pub fn parse(raw: &str) -> Value {
    let Ok(doc) = serde_yaml::from_str::<serde_yaml::Value>(raw) else {
        return Value::list(Vec::new());
    };
    let first = |key: &str, inner: &str| -> Option<serde_yaml::Value> {
        doc.get(key)?.as_sequence()?.first()?.get(inner).cloned()
    };
    let cluster = first("clusters", "cluster");
    let user = first("users", "user");
    let user_name = doc
        .get("users")
        .and_then(|u| u.as_sequence())
        .and_then(|s| s.first())
        .and_then(|u| u.get("name"))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let text = |v: &Option<serde_yaml::Value>, key: &str| -> Value {
        match v.as_ref().and_then(|m| m.get(key)).and_then(|s| s.as_str()) {
            Some(s) => Value::string(s),
            None => Value::null_of(Type::String),
        }
    };
    let mut attrs = BTreeMap::new();
    attrs.insert("host".to_string(), text(&cluster, "server"));
    attrs.insert(
        "cluster_ca_certificate".to_string(),
        text(&cluster, "certificate-authority-data"),
    );
    attrs.insert(
        "client_certificate".to_string(),
        text(&user, "client-certificate-data"),
    );
    attrs.insert("client_key".to_string(), text(&user, "client-key-data"));
    attrs.insert("password".to_string(), text(&user, "token"));
    attrs.insert(
        "username".to_string(),
        user_name
            .map(Value::string)
            .unwrap_or_else(|| Value::null_of(Type::String)),
    );
    Value::list(vec![Value::object(attrs)])
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://aks-flink-abc.hcp.westeurope.azmk8s.io:443
  name: aks-flink
contexts:
- context:
    cluster: aks-flink
    user: clusterUser_rg_aks-flink
  name: aks-flink
current-context: aks-flink
kind: Config
users:
- name: clusterUser_rg_aks-flink
  user:
    client-certificate-data: Q0VSVA==
    client-key-data: S0VZ
    token: secret-token
";

    #[test]
    fn parses_kubeconfig() {
        let v = parse(KUBECONFIG);
        let kc = &v.as_seq().unwrap()[0];
        assert_eq!(
            kc.get_attr("host").unwrap().as_str(),
            Some("https://aks-flink-abc.hcp.westeurope.azmk8s.io:443")
        );
        assert_eq!(kc.get_attr("client_key").unwrap().as_str(), Some("S0VZ"));
        assert_eq!(
            kc.get_attr("password").unwrap().as_str(),
            Some("secret-token")
        );
        assert_eq!(
            kc.get_attr("username").unwrap().as_str(),
            Some("clusterUser_rg_aks-flink")
        );
        assert!(parse(": not yaml [").as_seq().unwrap().is_empty());
    }

    #[test]
    fn credential_results() {
        // The official example's value decodes to "credentialValue1".
        let results = serde_json::json!({"kubeconfigs": [{"name": "credentialName1", "value": "Y3JlZGVudGlhbFZhbHVlMQ=="}]});
        assert_eq!(raw_from_credentials(&results).unwrap(), "credentialValue1");
        assert!(raw_from_credentials(&serde_json::json!({})).is_err());
        assert!(
            raw_from_credentials(&serde_json::json!({"kubeconfigs": [{"value": "%%"}]})).is_err()
        );
    }
}
