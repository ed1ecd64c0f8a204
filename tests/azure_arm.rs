//! The ARM client against the ARM stand-in over HTTPS: tokens, reads and writes, long-running
//! operations to success and failure, Retry-After, retries and their bound, both error shapes,
//! checkpoints and resuming without a second PUT, per-cluster serialisation, TLS and secrets.

#[path = "arm_standin/mod.rs"]
mod arm_standin;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use arm_standin::{Fault, LroStyle, StandIn};
use flinkform::providers::azure::arm::{
    provisioning_state, ArmClient, ArmConfig, ArmError, ErrorDetail, OperationStatus,
    PendingOperation, PollPolicy, Progress, RetryPolicy, Secret,
};
use flinkform::providers::Checkpoint;

const RG_API: &str = "2025-04-01";
const NET_API: &str = "2024-05-01";
const AKS_API: &str = "2025-10-01";

fn rg_id(s: &StandIn) -> String {
    format!(
        "/subscriptions/{}/resourceGroups/rg-flink",
        s.subscription_id
    )
}

fn vnet_id(s: &StandIn) -> String {
    format!(
        "{}/providers/Microsoft.Network/virtualNetworks/vnet-flink",
        rg_id(s)
    )
}

fn cluster_id(s: &StandIn) -> String {
    format!(
        "{}/providers/Microsoft.ContainerService/managedClusters/aks-flink",
        rg_id(s)
    )
}

async fn client(s: &StandIn) -> ArmClient {
    ArmClient::new(s.arm_config())
        .await
        .expect("client for the stand-in")
        .with_policies(RetryPolicy::fast(), PollPolicy::fast())
}

/// A client and an existing resource group.
async fn with_group(s: &StandIn) -> ArmClient {
    let c = client(s).await;
    c.put(&rg_id(s), RG_API, &json!({"location": "westeurope"}), None)
        .await
        .expect("resource group");
    c
}

fn vnet_body() -> Value {
    json!({
        "location": "westeurope",
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}},
        "tags": {"env": "test"}
    })
}

/// What a checkpoint was given, and when.
type Recorded = Arc<Mutex<Vec<(Instant, Value)>>>;

/// A checkpoint that keeps what it is given.
fn recorder() -> (Recorded, Box<Checkpoint>) {
    let seen: Recorded = Arc::default();
    let sink = seen.clone();
    let checkpoint: Box<Checkpoint> = Box::new(move |v: Value| {
        sink.lock().expect("lock").push((Instant::now(), v));
    });
    (seen, checkpoint)
}

fn statuses(s: &StandIn, method: &str, path: &str) -> Vec<u16> {
    s.requests()
        .iter()
        .filter(|r| r.is(method, path))
        .map(|r| r.status)
        .collect()
}

fn operation_polls(s: &StandIn) -> usize {
    s.requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.contains("/locations/"))
        .count()
}

#[tokio::test]
async fn token_then_get_put_patch_delete() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    let id = vnet_id(&s);

    assert_eq!(c.get(&id, NET_API).await.expect("get"), None);

    let created = c.put(&id, NET_API, &vnet_body(), None).await.expect("put");
    assert_eq!(created["id"], json!(id));
    assert_eq!(provisioning_state(&created), Some("Succeeded"));
    assert_eq!(
        created["properties"]["addressSpace"]["addressPrefixes"][0],
        "10.0.0.0/16"
    );
    // Creating → Succeeded over the stand-in's two InProgress polls and the final one.
    assert_eq!(statuses(&s, "PUT", &id), vec![201]);
    assert_eq!(operation_polls(&s), 3);

    let read = c.get(&id, NET_API).await.expect("get").expect("exists");
    assert_eq!(read, created);

    let patched = c
        .patch(&id, NET_API, &json!({"tags": {"env": "prod"}}), None)
        .await
        .expect("patch");
    assert_eq!(patched["tags"], json!({"env": "prod"}));
    assert_eq!(patched["location"], "westeurope");
    assert_eq!(statuses(&s, "PATCH", &id), vec![200]);

    c.delete(&id, NET_API, None).await.expect("delete");
    assert_eq!(statuses(&s, "DELETE", &id), vec![202]);
    assert_eq!(c.get(&id, NET_API).await.expect("get"), None);
    assert_eq!(statuses(&s, "GET", &id).last(), Some(&404));
    // Deleting what is gone is success.
    c.delete(&id, NET_API, None).await.expect("second delete");
    assert_eq!(statuses(&s, "DELETE", &id), vec![202, 204]);

    // One token for all of it, and every call carried it (none was refused).
    assert_eq!(s.tokens_issued(), 1);
    assert!(s.requests().iter().all(|r| r.status != 401));
    // The api-version is sent on every call.
    assert!(s
        .requests()
        .iter()
        .filter(|r| !r.path.ends_with("/token"))
        .all(|r| r.api_version.is_some()));
}

#[tokio::test]
async fn get_of_a_resource_in_a_missing_group_is_none() {
    let s = StandIn::start();
    let c = client(&s).await;
    assert_eq!(c.get(&vnet_id(&s), NET_API).await.expect("get"), None);
    let err = c
        .put(&vnet_id(&s), NET_API, &vnet_body(), None)
        .await
        .expect_err("no group");
    assert_eq!(err.code(), Some("ResourceGroupNotFound"));
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn failed_and_canceled_operations_surface_code_and_message() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.inject(Fault::fail_operation(
        "QuotaExceeded",
        "Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota.",
    ));
    let err = c
        .put(
            &cluster_id(&s),
            AKS_API,
            &json!({"location": "westeurope"}),
            None,
        )
        .await
        .expect_err("fails");
    match &err {
        ArmError::OperationFailed {
            status,
            code,
            message,
        } => {
            assert_eq!(status, "Failed");
            assert_eq!(code, "QuotaExceeded");
            assert!(message.contains("standardDSv3Family"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("Failed: QuotaExceeded"), "{err}");
    let stored = s.resource(&cluster_id(&s)).expect("stays, failed");
    assert_eq!(provisioning_state(&stored), Some("Failed"));

    s.inject(Fault::cancel_operation());
    let err = c
        .put(&vnet_id(&s), NET_API, &vnet_body(), None)
        .await
        .expect_err("canceled");
    assert!(
        matches!(&err, ArmError::OperationFailed { status, code, .. } if status == "Canceled" && code == "OperationCanceled"),
        "{err:?}"
    );
}

#[tokio::test]
async fn location_based_operations() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.set_style("Microsoft.Network/virtualNetworks", LroStyle::Location);
    let created = c
        .put(&vnet_id(&s), NET_API, &vnet_body(), None)
        .await
        .expect("put");
    assert_eq!(provisioning_state(&created), Some("Succeeded"));
    let results: Vec<u16> = s
        .requests()
        .iter()
        .filter(|r| r.path.contains("/operationresults/"))
        .map(|r| r.status)
        .collect();
    assert_eq!(results, vec![202, 202, 200]);

    // A failure through Location.
    s.inject(Fault::fail_operation(
        "InvalidAddressPrefix",
        "10.0.0.0/33 is not valid",
    ));
    let err = c
        .put(&vnet_id(&s), NET_API, &vnet_body(), None)
        .await
        .expect_err("fails");
    assert_eq!(err.code(), Some("InvalidAddressPrefix"), "{err:?}");
    assert!(matches!(err, ArmError::OperationFailed { .. }), "{err:?}");
}

#[tokio::test]
async fn retry_after_is_honoured_and_capped() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.set_polls(1);
    s.set_retry_after(1);
    // The cap (2 s) is above the stand-in's 1 s: both waits are honoured in full.
    let patient = c.with_policies(
        RetryPolicy::fast(),
        PollPolicy {
            retry_after_cap: Duration::from_secs(2),
            ..PollPolicy::fast()
        },
    );
    let started = Instant::now();
    patient
        .put(&vnet_id(&s), NET_API, &vnet_body(), None)
        .await
        .expect("put");
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");

    // 429 with Retry-After: 1 waits a second before the retry.
    s.set_polls(0);
    s.inject(Fault::throttle(1));
    let retrying = c.with_policies(
        RetryPolicy {
            retry_after_cap: Duration::from_secs(5),
            ..RetryPolicy::fast()
        },
        PollPolicy::fast(),
    );
    let started = Instant::now();
    retrying
        .get(&vnet_id(&s), NET_API)
        .await
        .expect("get")
        .expect("exists");
    assert!(started.elapsed() >= Duration::from_secs(1));

    // A long Retry-After is capped by the policy.
    s.set_polls(1);
    s.set_retry_after(100);
    let started = Instant::now();
    c.patch(&vnet_id(&s), NET_API, &json!({"tags": {}}), None)
        .await
        .expect("patch");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn throttling_server_errors_and_conflicts_are_retried() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    let id = vnet_id(&s);
    for fault in [
        Fault::throttle(0),
        Fault::server_error(500),
        Fault::server_error(503),
        Fault::conflict(),
    ] {
        s.inject(fault.on("PUT", "virtualNetworks"));
    }
    c.put(&id, NET_API, &vnet_body(), None)
        .await
        .expect("put after retries");
    assert_eq!(statuses(&s, "PUT", &id), vec![429, 500, 503, 409, 201]);

    // Polls are retried too.
    s.inject(Fault::server_error(503).on("GET", "/operations/"));
    c.patch(&id, NET_API, &json!({"tags": {"a": "b"}}), None)
        .await
        .expect("patch after a failed poll");
    assert!(s
        .requests()
        .iter()
        .any(|r| r.status == 503 && r.path.contains("/operations/")));
}

#[tokio::test]
async fn retries_stop_at_the_bound() {
    let s = StandIn::start();
    let c = with_group(&s).await.with_policies(
        RetryPolicy {
            max_attempts: 3,
            ..RetryPolicy::fast()
        },
        PollPolicy::fast(),
    );
    let id = vnet_id(&s);
    for _ in 0..5 {
        s.inject(Fault::server_error(503).on("PUT", "virtualNetworks"));
    }
    let err = c
        .put(&id, NET_API, &vnet_body(), None)
        .await
        .expect_err("gives up");
    match &err {
        ArmError::Exhausted { attempts, last } => {
            assert_eq!(*attempts, 3);
            assert_eq!(last.status(), Some(503));
            assert_eq!(last.code(), Some("ServiceUnavailable"));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        err.to_string().contains("gave up after 3 attempts"),
        "{err}"
    );
    assert_eq!(statuses(&s, "PUT", &id), vec![503, 503, 503]);

    // The time bound stops retries too.
    s.clear_faults();
    for _ in 0..10 {
        s.inject(Fault::server_error(503).on("PUT", "virtualNetworks"));
    }
    let c = c.with_policies(
        RetryPolicy {
            max_attempts: 100,
            max_elapsed: Duration::from_millis(300),
            base_delay: Duration::from_millis(100),
            ..RetryPolicy::fast()
        },
        PollPolicy::fast(),
    );
    let started = Instant::now();
    let err = c
        .put(&id, NET_API, &vnet_body(), None)
        .await
        .expect_err("gives up");
    assert!(matches!(err, ArmError::Exhausted { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // Errors that will not change are not retried.
    s.clear_faults();
    s.inject(Fault::error(
        400,
        "InvalidParameter",
        "dnsPrefix is invalid",
    ));
    s.clear_log();
    let err = c
        .put(&id, NET_API, &vnet_body(), None)
        .await
        .expect_err("400");
    assert_eq!(err.code(), Some("InvalidParameter"));
    assert_eq!(statuses(&s, "PUT", &id), vec![400]);
}

#[tokio::test]
async fn principal_not_found_is_retried() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    let id = format!(
        "{}/providers/Microsoft.Authorization/roleAssignments/6d5a3b1c-7e0f-4c39-9f52-2b3c1d0e8a11",
        rg_id(&s)
    );
    s.inject(Fault::principal_not_found());
    s.inject(Fault::principal_not_found());
    let body = json!({"properties": {
        "roleDefinitionId": format!("/subscriptions/{}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", s.subscription_id),
        "principalId": "0b0e0c59-b4d3-4f4e-9a2c-2b9c0e0f1a22",
        "principalType": "ServicePrincipal"
    }});
    let created = c
        .put(&id, "2022-04-01", &body, None)
        .await
        .expect("role assignment");
    assert_eq!(created["properties"]["principalType"], "ServicePrincipal");
    assert_eq!(statuses(&s, "PUT", &id), vec![400, 400, 201]);
    // Three role assignment bodies and the resource group's, by the official specifications.
    assert_eq!(s.validate_requests(), Ok(4));
}

#[tokio::test]
async fn both_error_shapes() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.inject(Fault::flat_error(
        400,
        "InvalidParameter",
        "The value of parameter agentPoolProfile.name is invalid.",
    ));
    let err = c
        .put(
            &cluster_id(&s),
            AKS_API,
            &json!({"location": "westeurope"}),
            None,
        )
        .await
        .expect_err("flat");
    match &err {
        ArmError::Remote {
            status,
            code,
            message,
            ..
        } => {
            assert_eq!(*status, 400);
            assert_eq!(code, "InvalidParameter");
            assert!(message.contains("agentPoolProfile.name"));
        }
        other => panic!("unexpected {other:?}"),
    }
    s.inject(Fault::error(
        400,
        "InvalidParameter",
        "The value of parameter dnsPrefix is invalid.",
    ));
    let err = c
        .put(
            &cluster_id(&s),
            AKS_API,
            &json!({"location": "westeurope"}),
            None,
        )
        .await
        .expect_err("wrapped");
    assert_eq!(err.code(), Some("InvalidParameter"));
    assert!(err.to_string().contains("dnsPrefix"), "{err}");
}

#[tokio::test]
async fn checkpoint_before_polling_and_resume_without_a_second_put() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.set_polls(5);
    s.set_retry_after(1);
    let id = cluster_id(&s);
    let (seen, checkpoint) = recorder();

    // The apply is interrupted while it polls: the task is dropped after the checkpoint.
    let body = json!({"location": "westeurope", "properties": {"dnsPrefix": "aks-flink"}});
    let interrupted = {
        let c = c.clone();
        let id = id.clone();
        let body = body.clone();
        tokio::spawn(async move { c.put(&id, AKS_API, &body, Some(&*checkpoint)).await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.lock().expect("lock").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    interrupted.abort();
    let _ = interrupted.await;

    let recorded = seen.lock().expect("lock").clone();
    assert_eq!(recorded.len(), 1);
    let (at, pending) = &recorded[0];
    // Recorded before the first poll.
    let first_poll = s
        .requests()
        .iter()
        .find(|r| r.path.contains("/operations/"))
        .map(|r| r.received);
    assert!(first_poll.is_none_or(|p| p > *at));
    // Only what resuming needs: no credential, no token.
    let keys: Vec<&str> = pending
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        vec![
            "kind",
            "operation_url",
            "method",
            "resource_id",
            "api_version"
        ]
    );
    assert_eq!(pending["kind"], "async-operation");
    assert_eq!(pending["method"], "PUT");
    assert_eq!(pending["resource_id"], json!(id));
    let text = pending.to_string();
    assert!(
        !text.contains(&s.client_secret) && !text.contains("standin-token"),
        "{text}"
    );
    assert!(text.contains("/operations/"));

    // A later run (a new client) resumes: polls to the end and reads the cluster.
    let later = client(&s).await;
    s.set_retry_after(0);
    let resumed = later
        .resume(pending)
        .await
        .expect("resumes")
        .expect("exists");
    assert_eq!(provisioning_state(&resumed), Some("Succeeded"));
    assert_eq!(resumed["properties"]["dnsPrefix"], "aks-flink");
    assert_eq!(s.count("PUT", &id), 1, "no second PUT");

    // A resumed delete ends with nothing to read.
    let (seen, checkpoint) = recorder();
    s.set_retry_after(1);
    let interrupted = {
        let c = c.clone();
        let id = id.clone();
        tokio::spawn(async move { c.delete(&id, AKS_API, Some(&*checkpoint)).await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.lock().expect("lock").is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    interrupted.abort();
    let _ = interrupted.await;
    let pending = seen.lock().expect("lock")[0].1.clone();
    assert_eq!(pending["kind"], "location");
    assert_eq!(later.resume(&pending).await.expect("resumes"), None);
    assert_eq!(s.count("DELETE", &id), 1, "no second DELETE");
    assert!(s.resource(&id).is_none());

    // A record that is not one, or points away from the endpoint, is refused.
    let err = later
        .resume(&json!({"url": "x"}))
        .await
        .expect_err("invalid");
    assert!(matches!(err, ArmError::InvalidCheckpoint(_)), "{err:?}");
    let mut elsewhere = PendingOperation::from_json(&pending).expect("record");
    elsewhere.operation_url = "https://attacker.example/steal".to_string();
    let err = later
        .resume(&elsewhere.to_json())
        .await
        .expect_err("elsewhere");
    assert!(err.to_string().contains("points away"), "{err}");
}

#[tokio::test]
async fn operations_on_one_cluster_are_serialised() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    let cluster = cluster_id(&s);
    c.put(&cluster, AKS_API, &json!({"location": "westeurope"}), None)
        .await
        .expect("cluster");
    s.set_polls(3);
    let pool = |name: &str| format!("{cluster}/agentPools/{name}");
    let body = json!({"properties": {"count": 1, "vmSize": "Standard_D4s_v5", "mode": "User"}});
    let (pool1, pool2) = (pool("pool1"), pool("pool2"));
    let (a, b) = tokio::join!(
        c.put(&pool1, AKS_API, &body, None),
        c.put(&pool2, AKS_API, &body, None)
    );
    a.expect("pool1");
    b.expect("pool2");
    assert_eq!(s.validate_requests(), Ok(4), "group, cluster, two pools");
    let log = s.requests();
    assert!(log.iter().all(|r| r.status != 409), "no conflict answered");
    // One ran after the other: the second PUT arrived after the first's last poll.
    let puts: Vec<_> = log
        .iter()
        .filter(|r| r.method == "PUT" && r.path.contains("agentPools"))
        .collect();
    assert_eq!(puts.len(), 2);
    let first_done = log
        .iter()
        .filter(|r| {
            r.path.contains("/operations/")
                && r.received > puts[0].received
                && r.received < puts[1].received
        })
        .count();
    assert_eq!(
        first_done, 4,
        "the first operation was polled to its end before the second PUT"
    );

    // The control: clients that do not share their locks do collide, and the stand-in says so
    // (the client then retries the 409 until the other operation ends).
    let patient = RetryPolicy {
        max_attempts: 50,
        ..RetryPolicy::fast()
    };
    let c = c.with_policies(patient.clone(), PollPolicy::fast());
    let other = client(&s).await.with_policies(patient, PollPolicy::fast());
    other.get(&cluster, AKS_API).await.expect("token first");
    // Operations long enough to overlap: 4 polls, 200 ms apart.
    s.set_retry_after(1);
    s.clear_log();
    let (pool3, pool4) = (pool("pool3"), pool("pool4"));
    let (a, b) = tokio::join!(
        c.put(&pool3, AKS_API, &body, None),
        other.put(&pool4, AKS_API, &body, None)
    );
    a.expect("pool3");
    b.expect("pool4");
    assert!(s
        .requests()
        .iter()
        .any(|r| r.status == 409 && r.method == "PUT"));

    // The collection lists the pools.
    let pools = c
        .get(&format!("{cluster}/agentPools"), AKS_API)
        .await
        .expect("list")
        .expect("collection");
    let names: Vec<&str> = pools["value"]
        .as_array()
        .expect("value")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, vec!["pool1", "pool2", "pool3", "pool4"]);

    // Pools of one cluster share its key.
    assert_eq!(
        flinkform::providers::azure::arm::serialize_key(&pool("pool1")),
        flinkform::providers::azure::arm::serialize_key(&cluster.to_uppercase())
    );
}

#[tokio::test]
async fn list_cluster_user_credential_returns_a_kubeconfig() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    let cluster = cluster_id(&s);
    c.put(
        &cluster,
        AKS_API,
        &json!({"location": "westeurope", "properties": {"dnsPrefix": "flink"}}),
        None,
    )
    .await
    .expect("cluster");
    let result = c
        .post(
            &format!("{cluster}/listClusterUserCredential"),
            AKS_API,
            None,
        )
        .await
        .expect("credentials");
    let value = result["kubeconfigs"][0]["value"].as_str().expect("value");
    let yaml = base64::engine::general_purpose::STANDARD
        .decode(value)
        .expect("base64");
    let yaml = String::from_utf8(yaml).expect("utf-8");
    assert!(
        yaml.contains("server: https://flink-standin.hcp.westeurope.azmk8s.io:443"),
        "{yaml}"
    );
    assert_eq!(result["kubeconfigs"][0]["name"], "clusterUser");

    // The same shape as the official example.
    let example =
        reference("aks-2025-10-01-example-ManagedClustersListClusterUserCredentials.json");
    let official = &example["responses"]["200"]["body"]["kubeconfigs"][0];
    let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
    assert_eq!(keys(official), keys(&result["kubeconfigs"][0]));

    let err = c
        .post(
            &format!("{}/listClusterUserCredential", vnet_id(&s)),
            AKS_API,
            None,
        )
        .await
        .expect_err("no such resource");
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn plain_http_is_refused() {
    let s = StandIn::start();
    let mut config = s.arm_config();
    config.resource_manager_endpoint = Some(s.endpoint.replace("https://", "http://"));
    let err = ArmClient::new(config).await.expect_err("http endpoint");
    assert!(
        matches!(&err, ArmError::Config(m) if m.contains("must use https")),
        "{err:?}"
    );

    let mut config = s.arm_config();
    config.authority_host = Some("http://login.example".to_string());
    let err = ArmClient::new(config).await.expect_err("http authority");
    assert!(
        err.to_string().contains("authority_host must use https"),
        "{err}"
    );
    assert!(s.requests().is_empty());
}

#[tokio::test]
async fn a_server_certificate_from_another_ca_is_refused() {
    let s = StandIn::start();
    let other = arm_standin::tls::TestCa::generate("some other CA");
    let other_pem = s.dir().join("other-ca.pem");
    other.write_pem(&other_pem);
    let mut config = s.arm_config();
    config.ca_cert_file = Some(other_pem);
    let c = ArmClient::new(config)
        .await
        .expect("configures")
        .with_policies(RetryPolicy::fast(), PollPolicy::fast());
    let started = Instant::now();
    let err = c.get(&rg_id(&s), RG_API).await.expect_err("untrusted");
    let text = err.to_string();
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    // Not retried: a certificate will not become trusted.
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(s.requests().is_empty(), "nothing reached the server");

    // No CA file at all: the system roots do not know the stand-in either.
    let mut config = s.arm_config();
    config.ca_cert_file = None;
    let c = ArmClient::new(config).await.expect("configures");
    let err = c.get(&rg_id(&s), RG_API).await.expect_err("untrusted");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );

    // A CA file that is not one.
    let mut config = s.arm_config();
    let junk = s.dir().join("junk.pem");
    std::fs::write(&junk, "not a certificate").expect("write");
    config.ca_cert_file = Some(junk);
    let err = ArmClient::new(config).await.expect_err("junk CA file");
    assert!(matches!(err, ArmError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn secrets_and_tokens_never_show() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.inject(Fault::error(400, "InvalidParameter", "bad"));
    let arm_err = c
        .put(&vnet_id(&s), NET_API, &vnet_body(), None)
        .await
        .expect_err("400");

    let mut config = s.arm_config();
    let wrong = "wrong-secret-0123456789";
    config.client_secret = Some(Secret::new(wrong));
    let bad = ArmClient::new(config.clone()).await.expect("configures");
    let auth_err = bad.get(&rg_id(&s), RG_API).await.expect_err("wrong secret");
    assert!(matches!(auth_err, ArmError::Auth(_)), "{auth_err:?}");
    assert!(
        auth_err.to_string().contains("Invalid client secret"),
        "{auth_err}"
    );

    let shown = [
        format!("{arm_err} {arm_err:?}"),
        format!("{auth_err} {auth_err:?}"),
        format!("{c:?} {bad:?}"),
        format!("{:?} {config:?}", s.arm_config()),
    ];
    for text in &shown {
        assert!(!text.contains(&s.client_secret), "{text}");
        assert!(!text.contains(wrong), "{text}");
        assert!(!text.contains("standin-token"), "{text}");
    }
    assert!(shown[3].contains("(sensitive value)"));
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused_by_the_stand_in() {
    let s = StandIn::start();
    let _ = with_group(&s).await;
    // The stand-in's contract: no bearer, or an unknown one, is 401.
    let http = reqwest_client(&s);
    let url = format!("{}{}?api-version={RG_API}", s.endpoint, rg_id(&s));
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(http.get(&url).send().await.expect("send")), 401);
    let forged = http
        .get(&url)
        .bearer_auth("forged")
        .send()
        .await
        .expect("send");
    assert_eq!(status(forged), 401);
}

fn reqwest_client(s: &StandIn) -> reqwest::Client {
    let pem = std::fs::read(&s.ca_cert_file).expect("CA");
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&pem).expect("PEM"))
        .build()
        .expect("client")
}

#[tokio::test]
async fn every_stand_in_answer_parses_through_the_client_models() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.set_polls(1);
    s.inject(Fault::fail_operation("Conflict", "boom"));
    let _ = c.put(&vnet_id(&s), NET_API, &vnet_body(), None).await;
    // Operation status documents and error bodies are valid by the official common types.
    let common = reference("common-types-v6-types.json");
    let http = reqwest_client(&s);
    let token_url = format!("{}/{}/oauth2/v2.0/token", s.endpoint, s.tenant_id);
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}&scope={}%2F.default",
        s.client_id,
        s.client_secret,
        s.endpoint.replace(':', "%3A").replace('/', "%2F")
    );
    let token = http
        .post(&token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("token");
    let token: Value = serde_json::from_slice(&token.bytes().await.expect("body")).expect("json");
    let bearer = token["access_token"].as_str().expect("token").to_string();
    for r in s
        .requests()
        .iter()
        .filter(|r| r.path.contains("/operations/"))
    {
        let url = format!("{}{}?api-version={NET_API}", s.endpoint, r.path);
        let answer = http
            .get(&url)
            .bearer_auth(&bearer)
            .send()
            .await
            .expect("get");
        let body: Value =
            serde_json::from_slice(&answer.bytes().await.expect("body")).expect("json");
        let status = OperationStatus::parse(body.to_string().as_bytes()).expect("status model");
        assert!(
            ["Failed", "InProgress"].contains(&status.status.as_str())
                || status.status == "Succeeded"
        );
        let allowed = definition_properties(&common, "OperationStatusResult");
        for key in body.as_object().expect("object").keys() {
            assert!(allowed.contains(key), "{key} not in OperationStatusResult");
        }
    }
    let err_body = json!({"error": {"code": "X", "message": "y", "target": "t", "details": [{"code": "Z", "message": "w"}], "additionalInfo": [{"type": "PolicyViolation", "info": {}}]}});
    let detail = ErrorDetail::parse(err_body.to_string().as_bytes()).expect("error model");
    assert_eq!(detail.code, "X");
    let allowed = definition_properties(&common, "ErrorDetail");
    for key in err_body["error"].as_object().expect("object").keys() {
        assert!(allowed.contains(key), "{key} not in ErrorDetail");
    }
}

#[test]
fn official_example_responses_parse() {
    let mut checked = 0;
    for entry in std::fs::read_dir(reference_dir()).expect("reference dir") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !name.contains("example") || !name.ends_with(".json") {
            continue;
        }
        let example = reference(&name);
        for (code, response) in example["responses"].as_object().expect("responses") {
            let status: u16 = code.parse().expect("status code");
            // Operation URLs in the headers: the client follows them only on its endpoint.
            for (header, url) in response["headers"].as_object().into_iter().flatten() {
                assert!(
                    ["location", "azure-asyncoperation"].contains(&header.to_lowercase().as_str())
                );
                let url = url.as_str().expect("url");
                assert!(url.starts_with("https://management.azure.com/"), "{url}");
                let pending = PendingOperation {
                    kind: flinkform::providers::azure::arm::OperationKind::Location,
                    operation_url: url.to_string(),
                    method: "DELETE".to_string(),
                    resource_id: "/subscriptions/x".to_string(),
                    api_version: "2025-10-01".to_string(),
                };
                assert_eq!(
                    PendingOperation::from_json(&pending.to_json()).expect("round trip"),
                    pending
                );
            }
            let Some(body) = response.get("body") else {
                continue;
            };
            let bytes = body.to_string();
            if status >= 400 {
                assert!(
                    ErrorDetail::parse(bytes.as_bytes()).is_some(),
                    "{name} {code}"
                );
            } else if body.get("properties").is_some() {
                // A resource: its provisioning state is what polling reads; a 201 is still
                // running, a 200 has succeeded.
                let state = provisioning_state(body).expect("provisioningState");
                let expected = if status == 201 {
                    Progress::Running
                } else {
                    Progress::Succeeded
                };
                assert_eq!(Progress::of_status(state, None), expected, "{name} {code}");
                assert!(body["id"]
                    .as_str()
                    .is_some_and(|id| id.starts_with("/subscriptions/")));
            } else {
                assert!(body.get("kubeconfigs").is_some(), "{name} {code}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "{checked}");
    // No error example ships with these files; the common ErrorResponse is the reference.
    let wrapped = json!({"error": {"code": "c", "message": "m"}});
    assert!(ErrorDetail::parse(wrapped.to_string().as_bytes()).is_some());
}

/// Copies of the official specifications and examples (see its README.md).
use arm_standin::schema::{reference, reference_dir, specs, Verdict};

fn definition_properties(spec: &Value, name: &str) -> Vec<String> {
    spec["definitions"][name]["properties"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn configuration_errors_are_clear() {
    let err = ArmClient::new(ArmConfig::default())
        .await
        .expect_err("no subscription");
    assert!(err.to_string().contains("subscription_id"), "{err}");
    let err = ArmClient::new(ArmConfig {
        subscription_id: "s".to_string(),
        client_secret: Some(Secret::new("x")),
        ..ArmConfig::default()
    })
    .await
    .expect_err("no tenant");
    assert!(err.to_string().contains("tenant_id"), "{err}");
    let err = ArmClient::new(ArmConfig {
        subscription_id: "s".to_string(),
        ..ArmConfig::default()
    })
    .await
    .expect_err("no way to authenticate");
    assert!(err.to_string().contains("no way to authenticate"), "{err}");
}

#[test]
fn request_bodies_are_checked_against_the_official_specifications() {
    let specs = specs();
    let sub = "/subscriptions/00000000-0000-0000-0000-000000000001";
    let aks_path = format!("{sub}/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1");
    let acr_path = format!("{sub}/resourceGroups/myResourceGroup/providers/Microsoft.ContainerRegistry/registries/myRegistry");

    // The official example requests are valid (the validator does not cry wolf).
    let aks = reference("aks-2025-10-01-example-ManagedClustersCreate_Update.json");
    let body = &aks["parameters"]["parameters"];
    // Except one stale value upstream: the example's sku name "Basic" is no longer in the
    // specification's enum (`Base`, `Automatic`); enums are checked strictly.
    assert_eq!(
        specs.validate("PUT", &aks_path, Some(AKS_API), body),
        Verdict::Invalid(vec![
            "body.sku.name: \"Basic\" is not one of [\"Base\",\"Automatic\"]".to_string()
        ])
    );
    let mut body = body.clone();
    body["sku"]["name"] = json!("Base");
    assert_eq!(
        specs.validate("PUT", &aks_path, Some(AKS_API), &body),
        Verdict::Valid
    );
    let acr = reference("acr-2025-11-01-example-RegistryCreate.json");
    assert_eq!(
        specs.validate(
            "PUT",
            &acr_path,
            Some("2025-11-01"),
            &acr["parameters"]["registry"]
        ),
        Verdict::Valid
    );

    // Mistakes are found, each at its path.
    let mut wrong = body.clone();
    wrong["properties"]["dnsPrefx"] = json!("typo");
    wrong["properties"]["provisioningState"] = json!("Succeeded");
    wrong["properties"]["agentPoolProfiles"][0]["count"] = json!("3");
    wrong["properties"]["networkProfile"]["outboundType"] = json!("sideways");
    wrong["sku"]["tier"] = json!(7);
    wrong.as_object_mut().expect("object").remove("location");
    let Verdict::Invalid(problems) = specs.validate("PUT", &aks_path, Some("2024-01-01"), &wrong)
    else {
        panic!("invalid body accepted");
    };
    let text = problems.join("\n");
    for expected in [
        "api-version Some(\"2024-01-01\") but the specification is 2025-10-01",
        "body.properties.dnsPrefx: unknown property",
        "body.properties.provisioningState: read-only property sent",
        "body.properties.agentPoolProfiles[0].count: expected an integer",
        "body.properties.networkProfile.outboundType: \"sideways\" is not one of",
        "body.sku.tier: expected a string",
        "body: required property \"location\" is missing",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // ACR name pattern and bounds come from the path parameters, not the body; the body's
    // own patterns are checked.
    let mut registry = acr["parameters"]["registry"].clone();
    registry["sku"]["name"] = json!("Platinum");
    assert!(
        matches!(specs.validate("PUT", &acr_path, Some("2025-11-01"), &registry), Verdict::Invalid(p) if p[0].contains("sku.name"))
    );

    // Role assignments at any scope (a multi-segment path parameter), resource groups.
    let role = format!("{acr_path}/providers/Microsoft.Authorization/roleAssignments/6d5a3b1c-7e0f-4c39-9f52-2b3c1d0e8a11");
    let assignment = json!({"properties": {"roleDefinitionId": "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d", "principalId": "0b0e0c59-b4d3-4f4e-9a2c-2b9c0e0f1a22", "principalType": "ServicePrincipal"}});
    assert_eq!(
        specs.validate("PUT", &role, Some("2022-04-01"), &assignment),
        Verdict::Valid
    );
    let mut no_principal = assignment.clone();
    no_principal["properties"]
        .as_object_mut()
        .expect("object")
        .remove("principalId");
    assert!(matches!(
        specs.validate("PUT", &role, Some("2022-04-01"), &no_principal),
        Verdict::Invalid(_)
    ));
    let group = format!("{sub}/resourcegroups/rg1");
    assert_eq!(
        specs.validate(
            "PUT",
            &group,
            Some(RG_API),
            &json!({"location": "westeurope"})
        ),
        Verdict::Valid
    );
    assert!(matches!(
        specs.validate("PUT", &group, Some(RG_API), &json!({"tags": {}})),
        Verdict::Invalid(_)
    ));
    // No specification copied for networks.
    let vnet = format!("{sub}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v");
    assert_eq!(
        specs.validate("PUT", &vnet, Some(NET_API), &json!({})),
        Verdict::NoSpec
    );
}

/// The refresh benchmark's shape at the client level: 200 reads at a parallelism of 10, each
/// answered after 100 ms. The floor is 2.0 s; the client may add little to it.
#[tokio::test]
async fn two_hundred_reads_at_parallelism_ten_with_100ms_latency() {
    let s = StandIn::start();
    let c = with_group(&s).await;
    s.set_polls(0);
    let ids: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "{}/providers/Microsoft.Network/virtualNetworks/v{i}",
                rg_id(&s)
            )
        })
        .collect();
    for id in &ids {
        c.put(id, NET_API, &vnet_body(), None).await.expect("put");
    }
    s.set_latency(Duration::from_millis(100));
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(10));
    let mut tasks = tokio::task::JoinSet::new();
    for id in ids {
        let c = c.clone();
        let semaphore = semaphore.clone();
        tasks.spawn(async move {
            let _permit = semaphore.acquire().await.expect("semaphore");
            c.get(&id, NET_API).await
        });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(result.expect("task").expect("get").is_some());
    }
    let elapsed = started.elapsed();
    eprintln!("200 reads, parallelism 10, 100 ms each: {elapsed:?}");
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

#[tokio::test]
async fn token_failures_that_may_pass_are_retried() {
    let s = StandIn::start();
    s.inject(Fault::server_error(503).at_token_endpoint());
    s.inject(Fault::throttle(0).at_token_endpoint());
    let c = client(&s).await;
    assert_eq!(
        c.get(&rg_id(&s), RG_API).await.expect("after retries"),
        None
    );
    let token_statuses: Vec<u16> = s
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/v2.0/token"))
        .map(|r| r.status)
        .collect();
    assert_eq!(token_statuses, vec![503, 429, 200]);

    // A token ARM refuses is an answer, not retried (azure_identity's cache would hand out
    // the same token again).
    s.inject(Fault::error(
        401,
        "InvalidAuthenticationToken",
        "The access token is invalid.",
    ));
    let err = c.get(&rg_id(&s), RG_API).await.expect_err("refused");
    assert_eq!(err.code(), Some("InvalidAuthenticationToken"));
    assert_eq!(statuses(&s, "GET", &rg_id(&s)), vec![404, 401]);
    assert_eq!(s.tokens_issued(), 1);
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn echo_hooks_answer_the_way_azure_normalises() {
    let s = StandIn::start();
    s.on_type(
        "Microsoft.ContainerService/managedClusters",
        |cluster, ctx| {
            if let Some(location) = cluster["location"].as_str() {
                cluster["location"] = json!(arm_standin::azure_location(location));
            }
            // "1.29" is served as the latest patch; server defaults for what was not set.
            if cluster["properties"]["kubernetesVersion"] == "1.29" {
                cluster["properties"]["kubernetesVersion"] = json!("1.29.7");
            }
            let properties = &mut cluster["properties"];
            if properties.get("nodeResourceGroup").is_none() {
                properties["nodeResourceGroup"] = json!("MC_rg-flink_aks-flink_westeurope");
            }
            // ARM echoes the resource group segment in lower case.
            cluster["id"] = json!(ctx.id.replace("/resourceGroups/", "/resourcegroups/"));
            assert!(ctx.method == "PUT" || ctx.method == "PATCH");
        },
    );
    let c = with_group(&s).await;
    let id = cluster_id(&s);
    let body = json!({"location": "West Europe", "properties": {"kubernetesVersion": "1.29", "dnsPrefix": "flink"}});
    let created = c.put(&id, AKS_API, &body, None).await.expect("put");
    assert_eq!(created["location"], "westeurope");
    assert_eq!(created["properties"]["kubernetesVersion"], "1.29.7");
    assert_eq!(
        created["properties"]["nodeResourceGroup"],
        "MC_rg-flink_aks-flink_westeurope"
    );
    assert_eq!(
        created["id"],
        json!(id.replace("/resourceGroups/", "/resourcegroups/"))
    );
    // Ids are case-insensitive: the original casing reads the same resource.
    assert_eq!(c.get(&id, AKS_API).await.expect("get"), Some(created));
}
