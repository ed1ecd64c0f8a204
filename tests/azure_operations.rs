//! Azure Resource Manager's operational behaviour through the binary against the stand-in:
//! long-running operations to success (both polling styles) and to failure, an apply killed
//! while the cluster's creation polls and resumed without a second PUT, throttling, server
//! errors, conflicts and unreplicated principals retried, both error body shapes, and secrets
//! kept out of output and logs.

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use arm_standin::{Fault, LroStyle, StandIn};
use azure_support::{
    assert_bodies_conform, assert_no_changes, attributes, command, config, flinkform, ok,
    state_text, PROVIDER,
};

fn standin() -> StandIn {
    let s = StandIn::start();
    azure_support::azure_like::install(&s);
    s
}

const CLUSTER: &str = r#"
resource "azure_resource_group" "main" {
  name     = "rg-ops"
  location = "westeurope"
}

resource "azure_kubernetes_cluster" "main" {
  name                = "aks-ops"
  location            = azure_resource_group.main.location
  resource_group_name = azure_resource_group.main.name
  dns_prefix          = "aks-ops"

  default_node_pool {
    name       = "system"
    vm_size    = "Standard_D4s_v5"
    node_count = 1
  }

  identity {
    type = "SystemAssigned"
  }
}
"#;

fn cluster_path(s: &StandIn) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-ops/providers/Microsoft.ContainerService/managedClusters/aks-ops",
        s.subscription_id
    )
}

#[test]
fn operations_polled_through_both_headers() {
    let s = standin();
    s.set_polls(3);
    s.set_style(
        "Microsoft.ContainerService/managedClusters",
        LroStyle::Location,
    );
    let dir = config(&format!("{PROVIDER}{CLUSTER}"));
    let d = dir.path();
    ok(d, &s, &["apply", "--auto-approve"]);
    let polls = s
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/operationresults/"))
        .count();
    assert!(polls >= 3, "{polls} polls of the Location URL");
    assert_no_changes(d, &s);
    // Deleting answers 202 with Location, then 404.
    ok(d, &s, &["destroy", "--auto-approve"]);
    assert!(s.resource_ids().is_empty());
    assert_bodies_conform(&s);
}

#[test]
fn a_failed_operation_reports_azure_s_error_and_the_next_apply_provisions_again() {
    let s = standin();
    s.inject(
        Fault::fail_operation("QuotaExceeded", "Operation could not be completed as it results in exceeding approved standardDSv5Family Cores quota.")
            .on("PUT", "/managedClusters/aks-ops"),
    );
    let dir = config(&format!("{PROVIDER}{CLUSTER}"));
    let d = dir.path();
    let r = flinkform(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stderr.contains("QuotaExceeded"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("exceeding approved standardDSv5Family Cores quota"),
        "{}",
        r.stderr
    );
    // The failed cluster is left in Azure, Failed; the next plan creates it again, and the
    // apply provisions the leftover anew instead of refusing it as someone else's.
    let plan = ok(d, &s, &["plan"]);
    assert!(
        plan.stdout
            .contains("azure_kubernetes_cluster.main will be created"),
        "{}",
        plan.stdout
    );
    ok(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(
        s.resource(&cluster_path(&s)).unwrap()["properties"]["provisioningState"],
        "Succeeded"
    );
    assert_no_changes(d, &s);
}

#[test]
fn a_killed_apply_resumes_the_cluster_creation_without_a_second_put() {
    let s = standin();
    // The cluster's creation polls for a long time, one second apart.
    s.set_polls(600);
    s.set_retry_after(1);
    let dir = config(&format!("{PROVIDER}{CLUSTER}"));
    let d = dir.path();
    let mut child = command(d, &s, &["apply", "--auto-approve"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start apply");
    let cluster = cluster_path(&s);
    let deadline = Instant::now() + Duration::from_secs(60);
    // Kill once the operation is recorded in the journal and polled at least once.
    loop {
        assert!(
            Instant::now() < deadline,
            "the cluster's creation never started polling"
        );
        let polled = s
            .requests()
            .iter()
            .any(|r| r.method == "GET" && r.path.contains("/operations/"));
        let journal = std::fs::read_dir(d.join("state"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .any(|t| t.contains("pending_operation") && t.contains("operations/"));
        if polled && journal {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    assert_eq!(s.count("PUT", &cluster), 1);

    // The killed run's lock is stale: the operator removes it, as the error says.
    let locked = flinkform(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(locked.code, 1);
    let lock_id = locked
        .stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Lock ID: "))
        .expect("the lock's ID")
        .to_string();
    ok(d, &s, &["force-unlock", "--force", &lock_id]);

    // The operation goes on in Azure; the next run polls it to its end and creates nothing.
    s.set_retry_after(0);
    let out = ok(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(
        s.count("PUT", &cluster),
        1,
        "a second PUT of the cluster:\n{}",
        out.all()
    );
    assert!(out.stdout.contains("0 added"), "{}", out.stdout);
    let a = attributes(d, "azure_kubernetes_cluster.main");
    assert!(a["fqdn"].as_str().unwrap().starts_with("aks-ops-"), "{a}");
    assert!(
        !state_text(d).contains("pending_operation\": {"),
        "{}",
        state_text(d)
    );
    assert_no_changes(d, &s);
}

#[test]
fn throttling_server_errors_conflicts_and_fresh_principals_are_retried() {
    let s = standin();
    s.inject(Fault::throttle(1).on("PUT", "/resourceGroups/rg-ops"));
    s.inject(Fault::server_error(503).on("GET", "/managedClusters/aks-ops"));
    s.inject(Fault::conflict().on("PUT", "/managedClusters/aks-ops"));
    let text = format!(
        "{PROVIDER}{CLUSTER}{}",
        r#"
resource "azure_role_assignment" "reader" {
  scope                = azure_resource_group.main.id
  role_definition_name = "Reader"
  principal_id         = azure_kubernetes_cluster.main.identity[0].principal_id
  principal_type       = "ServicePrincipal"
}
"#
    );
    s.inject(Fault::principal_not_found());
    let dir = config(&text);
    let d = dir.path();
    let started = Instant::now();
    ok(d, &s, &["apply", "--auto-approve"]);
    let statuses: Vec<(String, u16)> = s
        .requests()
        .iter()
        .filter(|r| !r.path.ends_with("/token"))
        .map(|r| (format!("{} {}", r.method, r.path), r.status))
        .collect();
    for code in [429, 503, 409, 400] {
        assert!(
            statuses.iter().any(|(_, c)| *c == code),
            "no {code} answered: {statuses:#?}"
        );
    }
    // Each was followed by the same request succeeding.
    let rg = format!("/subscriptions/{}/resourceGroups/rg-ops", s.subscription_id);
    assert_eq!(s.count("PUT", &rg), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_no_changes(d, &s);
    assert_bodies_conform(&s);
}

#[test]
fn both_error_shapes_show_azure_s_code_and_message() {
    let s = standin();
    let dir = config(&format!("{PROVIDER}{CLUSTER}"));
    let d = dir.path();
    s.inject(
        Fault::flat_error(
            400,
            "InvalidParameter",
            "The value of parameter agentPoolProfile.vmSize is invalid.",
        )
        .on("PUT", "/managedClusters/"),
    );
    let r = flinkform(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("InvalidParameter")
            && r.stderr.contains("agentPoolProfile.vmSize is invalid"),
        "{}",
        r.stderr
    );
    s.inject(
        Fault::error(
            400,
            "InvalidParameter",
            "Required parameter dnsPrefix is missing.",
        )
        .on("PUT", "/managedClusters/"),
    );
    let r = flinkform(d, &s, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("InvalidParameter") && r.stderr.contains("dnsPrefix is missing"),
        "{}",
        r.stderr
    );
}

#[test]
fn credentials_and_secrets_stay_out_of_output_logs_and_plain_state() {
    let s = standin();
    let text = format!(
        "provider \"azure\" {{\n  client_secret = \"{}\"\n}}\n{CLUSTER}{}",
        s.client_secret,
        r#"
output "kubeconfig" {
  value     = azure_kubernetes_cluster.main.kube_config_raw
  sensitive = true
}
"#
    );
    let dir = config(&text);
    let d = dir.path();
    let mut everything = String::new();
    for args in [
        vec!["plan"],
        vec!["apply", "--auto-approve"],
        vec!["plan"],
        vec!["show"],
        vec!["show", "--json"],
        vec!["state", "show", "azure_kubernetes_cluster.main"],
        vec!["output"],
    ] {
        everything.push_str(&ok(d, &s, &args).all());
    }
    let plan_json = ok(d, &s, &["plan", "--json"]).all();
    everything.push_str(&plan_json);
    for secret in [
        s.client_secret.as_str(),
        "standin-kube-token",
        "c3RhbmQtaW4gY2xpZW50IGtleQ==",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret:?} shown:\n{everything}"
        );
    }
    // The state holds the kubeconfig (marked sensitive), never the provider's credentials.
    let state = state_text(d);
    assert!(!state.contains(&s.client_secret));
    let json: serde_json::Value = serde_json::from_str(&state).unwrap();
    let cluster = json["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "azure_kubernetes_cluster")
        .unwrap();
    let sensitive = cluster["instances"][0]["sensitive_paths"].to_string();
    assert!(
        sensitive.contains("kube_config_raw") && sensitive.contains("kube_config"),
        "{sensitive}"
    );
    // The raw output is there on request only.
    let raw = ok(d, &s, &["output", "--raw", "kubeconfig"]);
    assert!(
        raw.stdout.contains("standin-kube-token-aks-ops"),
        "{}",
        raw.stdout
    );
}
