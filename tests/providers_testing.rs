//! The testing provider through the `Provider` interface: injected failures and their counting
//! across provider instances, delays, the files under `state_dir`, drift, planning, the data
//! source, and availability only under FLINKFORM_TESTING_PROVIDER=1.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use flinkform::lang::{Type, Value};
use flinkform::providers::testing::{TestingProvider, ENABLE_VAR};
use flinkform::providers::{
    self, ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderError, ReadRequest,
};

const RESOURCE: &str = "testing_resource";

async fn provider() -> Arc<dyn Provider> {
    let p: Arc<dyn Provider> = Arc::new(TestingProvider::new());
    p.configure(&Value::empty_object())
        .await
        .expect("configures");
    p
}

/// A configuration object as the decoder produces it: every schema attribute, null unless given.
fn config(p: &dyn Provider, given: &[(&str, Value)]) -> Value {
    let schema = p.resource_schema(RESOURCE).expect("known type");
    let mut attrs: BTreeMap<String, Value> = schema
        .attributes
        .iter()
        .map(|(name, a)| (name.clone(), Value::null_of(a.ty.clone())))
        .collect();
    for (name, v) in given {
        assert!(attrs.contains_key(*name), "no attribute {name}");
        attrs.insert(name.to_string(), v.clone());
    }
    Value::object(attrs)
}

fn plan_result(
    p: &dyn Provider,
    prior: Option<&Value>,
    config: &Value,
) -> Result<PlanResponse, ProviderError> {
    let proposed = p
        .resource_schema(RESOURCE)
        .expect("known type")
        .proposed_new(prior, config);
    p.plan_resource_change(PlanRequest {
        type_name: RESOURCE,
        prior_state: prior,
        proposed_new_state: Some(&proposed),
        config: Some(config),
    })
}

fn planned(p: &dyn Provider, prior: Option<&Value>, config: &Value) -> Value {
    plan_result(p, prior, config)
        .expect("plans")
        .planned_state
        .expect("a planned state")
}

async fn apply(
    p: &dyn Provider,
    prior: Option<&Value>,
    planned: Option<&Value>,
) -> Result<Option<Value>, ProviderError> {
    let address = format!("{RESOURCE}.test").parse().expect("an address");
    p.apply_resource_change(ApplyRequest {
        type_name: RESOURCE,
        address: &address,
        prior_state: prior,
        planned_state: planned,
        config: planned,
        checkpoint: None,
        report: None,
    })
    .await
}

async fn create_result(p: &dyn Provider, config: &Value) -> Result<Value, ProviderError> {
    let planned = planned(p, None, config);
    apply(p, None, Some(&planned))
        .await
        .map(|s| s.expect("a new state"))
}

async fn create(p: &dyn Provider, config: &Value) -> Value {
    create_result(p, config).await.expect("creates")
}

async fn update_result(
    p: &dyn Provider,
    prior: &Value,
    config: &Value,
) -> Result<Value, ProviderError> {
    let planned = planned(p, Some(prior), config);
    apply(p, Some(prior), Some(&planned))
        .await
        .map(|s| s.expect("a new state"))
}

async fn delete_result(p: &dyn Provider, prior: &Value) -> Result<(), ProviderError> {
    apply(p, Some(prior), None)
        .await
        .map(|s| assert_eq!(s, None))
}

async fn read_result(p: &dyn Provider, prior: &Value) -> Result<Option<Value>, ProviderError> {
    p.read_resource(ReadRequest {
        type_name: RESOURCE,
        prior_state: prior,
        pending_operation: None,
    })
    .await
}

fn attr<'v>(v: &'v Value, name: &str) -> &'v Value {
    v.get_attr(name)
        .unwrap_or_else(|| panic!("no attribute {name} in {v}"))
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn n(x: f64) -> Value {
    Value::number(x)
}

fn dir_value(dir: &Path) -> Value {
    s(dir.to_str().expect("a UTF-8 temporary path"))
}

fn id_of(state: &Value) -> String {
    attr(state, "id").as_str().expect("a known id").to_string()
}

fn assert_injected(result: Result<impl std::fmt::Debug, ProviderError>, op: &str) {
    match result {
        Err(ProviderError::Remote { message }) => {
            assert_eq!(
                message,
                format!("testing_resource: injected failure on {op}")
            )
        }
        other => panic!("expected the injected failure on {op}, got {other:?}"),
    }
}

fn creates_log(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("creates.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

// ---- schema and validation ----

#[tokio::test]
async fn schema_and_validation() {
    let p = provider().await;
    assert_eq!(p.schema().internal_validate(), Vec::<String>::new());
    let names = |m: &BTreeMap<String, _>| m.keys().cloned().collect::<Vec<String>>();
    assert_eq!(names(&p.schema().resources), ["testing_resource"]);
    assert_eq!(names(&p.schema().data_sources), ["testing_data"]);
    let schema = p.resource_schema(RESOURCE).expect("known");
    assert!(schema.attributes["replace_value"].force_new);
    assert!(!schema.attributes["value"].force_new);

    let messages = |c: &Value| -> Vec<String> {
        p.validate_resource_config(RESOURCE, c)
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(messages(&config(p.as_ref(), &[])), Vec::<String>::new());
    assert_eq!(
        messages(&config(p.as_ref(), &[("fail_on", s("creat"))])),
        ["fail_on: Invalid operation: fail_on must be one of \"create\", \"update\", \"delete\", \"read\", \"plan\". Did you mean \"create\"?"]
    );
    assert_eq!(
        messages(&config(p.as_ref(), &[("fail_on", s("create")), ("fail_times", n(1.0))])),
        ["fail_times: Missing state_dir: fail_times counts attempts in files under state_dir, which must be set."]
    );
    assert_eq!(
        messages(&config(
            p.as_ref(),
            &[("fail_times", n(1.5)), ("state_dir", s("d")), ("delay", s("1"))]
        )),
        [
            "fail_times: Invalid number of failures: fail_times must be a whole number, 0 or more.",
            "delay: Invalid duration: The value is not a valid duration: missing unit in duration \"1\"."
        ]
    );
    assert_eq!(
        messages(&config(p.as_ref(), &[("state_dir", s(""))])),
        ["state_dir: Invalid directory: state_dir must not be empty."]
    );
    // Unknown values pass validation.
    let unknowns = config(
        p.as_ref(),
        &[
            ("fail_on", Value::unknown(Type::String)),
            ("fail_times", Value::unknown(Type::Number)),
            ("delay", Value::unknown(Type::String)),
            ("state_dir", Value::unknown(Type::String)),
        ],
    );
    assert_eq!(messages(&unknowns), Vec::<String>::new());
    // The data source validates too, and unknown types get a hint.
    assert!(p
        .validate_resource_config("testing_data", &Value::empty_object())
        .is_empty());
    assert_eq!(
        messages_of(p.validate_resource_config("testing_resourc", &Value::empty_object())),
        ["the provider \"testing\" does not support resource type \"testing_resourc\". Did you mean \"testing_resource\"?"]
    );
}

fn messages_of(errors: Vec<ProviderError>) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn operations_need_configuration() {
    let p = TestingProvider::new();
    let c = config(&p, &[]);
    let err = plan_result(&p, None, &c).unwrap_err();
    assert!(matches!(err, ProviderError::NotConfigured { .. }), "{err}");
}

// ---- planning and applying ----

#[tokio::test]
async fn lifecycle_and_planning() {
    let p = provider().await;
    let c1 = config(p.as_ref(), &[("value", s("a")), ("replace_value", n(1.0))]);

    let plan = planned(p.as_ref(), None, &c1);
    assert!(!attr(&plan, "id").is_known());
    assert_eq!(attr(&plan, "generation"), &n(1.0));
    let created = apply(p.as_ref(), None, Some(&plan))
        .await
        .expect("creates")
        .expect("a state");
    let id = id_of(&created);
    assert!(uuid_v4(&id), "{id}");
    assert_eq!(attr(&created, "generation"), &n(1.0));
    assert_eq!(attr(&created, "value"), &s("a"));

    // Nothing changed: the plan is the prior state.
    assert_eq!(planned(p.as_ref(), Some(&created), &c1), created);

    // `value` changes in place; the generation is known at plan time.
    let c2 = config(p.as_ref(), &[("value", s("b")), ("replace_value", n(1.0))]);
    let response = plan_result(p.as_ref(), Some(&created), &c2).expect("plans");
    assert!(response.requires_replace.is_empty());
    let plan = response.planned_state.expect("planned");
    assert_eq!(attr(&plan, "generation"), &n(2.0));
    assert_eq!(attr(&plan, "id"), &s(&id));
    let updated = apply(p.as_ref(), Some(&created), Some(&plan))
        .await
        .expect("updates")
        .expect("a state");
    assert_eq!(updated, plan);

    // A value not known until apply: the generation still is.
    let c3 = config(
        p.as_ref(),
        &[
            ("value", Value::unknown(Type::String)),
            ("replace_value", n(1.0)),
        ],
    );
    assert_eq!(
        attr(&planned(p.as_ref(), Some(&updated), &c3), "generation"),
        &n(3.0)
    );

    // `replace_value` replaces: the plan is that of a new object.
    let c4 = config(p.as_ref(), &[("value", s("b")), ("replace_value", n(2.0))]);
    let response = plan_result(p.as_ref(), Some(&updated), &c4).expect("plans");
    assert_eq!(
        response
            .requires_replace
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["replace_value"]
    );
    let plan = response.planned_state.expect("planned");
    assert!(!attr(&plan, "id").is_known());
    assert_eq!(attr(&plan, "generation"), &n(1.0));

    // A destroy plans to nothing, and deleting returns no state.
    let response = p
        .plan_resource_change(PlanRequest {
            type_name: RESOURCE,
            prior_state: Some(&updated),
            proposed_new_state: None,
            config: None,
        })
        .expect("plans");
    assert_eq!(response.planned_state, None);
    delete_result(p.as_ref(), &updated).await.expect("deletes");

    // Import: the ID, everything else null until the next apply.
    let imported = p.import_resource(RESOURCE, "abc-1").await.expect("imports");
    assert_eq!(attr(&imported, "id"), &s("abc-1"));
    assert!(attr(&imported, "value").is_null());
    assert!(attr(&imported, "generation").is_null());
    let in_place = config(p.as_ref(), &[("value", s("a"))]);
    let plan = planned(p.as_ref(), Some(&imported), &in_place);
    assert_eq!(attr(&plan, "generation"), &n(1.0));
    assert_eq!(attr(&plan, "id"), &s("abc-1"));
    // ... while setting replace_value (null when imported) replaces it.
    let plan = planned(p.as_ref(), Some(&imported), &c1);
    assert!(!attr(&plan, "id").is_known());
}

fn uuid_v4(id: &str) -> bool {
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12] && id.as_bytes().get(14) == Some(&b'4')
}

#[tokio::test]
async fn data_source_echoes_input() {
    let p = provider().await;
    let input = Value::object([("a".to_string(), n(1.0))].into());
    let c = Value::object(
        [
            ("input".to_string(), input.clone()),
            ("output".to_string(), Value::null()),
        ]
        .into(),
    );
    let state = p.read_data_source("testing_data", &c).await.expect("reads");
    assert_eq!(attr(&state, "output"), &input);
    assert_eq!(attr(&state, "input"), &input);
    let err = p.read_data_source("testing_date", &c).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the provider \"testing\" does not support data source \"testing_date\". Did you mean \"testing_data\"?"
    );
}

// ---- injected failures ----

#[tokio::test]
async fn each_operation_fails_when_asked() {
    let p = provider().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let plain = config(p.as_ref(), &[("value", s("a"))]);
    let fail_on = |op: &str, value: &str| {
        config(
            p.as_ref(),
            &[
                ("value", s(value)),
                ("fail_on", s(op)),
                ("state_dir", dir_value(dir.path())),
            ],
        )
    };

    // plan: of a create and of an update, not of a destroy (the delete can fail instead).
    assert_injected(plan_result(p.as_ref(), None, &fail_on("plan", "a")), "plan");
    let existing = create(p.as_ref(), &plain).await;
    assert_injected(
        plan_result(p.as_ref(), Some(&existing), &fail_on("plan", "b")),
        "plan",
    );

    // create: nothing is created.
    assert_injected(
        create_result(p.as_ref(), &fail_on("create", "a")).await,
        "create",
    );
    assert_eq!(creates_log(dir.path()), Vec::<String>::new());

    // update: the configuration asks for the failure.
    let existing = create(p.as_ref(), &fail_on("update", "a")).await;
    assert_injected(
        update_result(p.as_ref(), &existing, &fail_on("update", "b")).await,
        "update",
    );

    // delete and read: the prior state asks for the failure.
    let existing = create(p.as_ref(), &fail_on("delete", "a")).await;
    assert_injected(delete_result(p.as_ref(), &existing).await, "delete");
    let file = dir.path().join(format!("{}.json", id_of(&existing)));
    assert!(file.exists(), "a failed delete leaves the object");
    let existing = create(p.as_ref(), &fail_on("read", "a")).await;
    assert_injected(read_result(p.as_ref(), &existing).await, "read");

    // Other operations are unaffected.
    let existing = create(p.as_ref(), &fail_on("read", "c")).await;
    let updated = update_result(p.as_ref(), &existing, &fail_on("read", "d"))
        .await
        .expect("updates");
    delete_result(p.as_ref(), &updated).await.expect("deletes");
}

#[tokio::test]
async fn fail_times_counts_across_provider_instances() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = provider().await;
    let second = provider().await;
    let c = |value: &str, times: f64| {
        config(
            first.as_ref(),
            &[
                ("value", s(value)),
                ("fail_on", s("create")),
                ("fail_times", n(times)),
                ("state_dir", dir_value(dir.path())),
            ],
        )
    };
    // Two failures in all, whichever instance (as whichever process) makes the attempt.
    assert_injected(create_result(first.as_ref(), &c("a", 2.0)).await, "create");
    assert_injected(create_result(second.as_ref(), &c("a", 2.0)).await, "create");
    let created = create(second.as_ref(), &c("a", 2.0)).await;
    create(first.as_ref(), &c("a", 2.0)).await;
    // Another value is another object, counted apart; no failure asked, none injected.
    assert_injected(create_result(first.as_ref(), &c("b", 1.0)).await, "create");
    create(second.as_ref(), &c("b", 1.0)).await;
    create(first.as_ref(), &c("c", 0.0)).await;
    // The second create of "a" found the object of the first and adopted it: objects are
    // identified by their arguments, so a retried create makes nothing twice.
    assert_eq!(creates_log(dir.path()).len(), 3);

    // Deletes are counted apart from creates, with the prior state's settings.
    let doomed = with(&created, "fail_on", s("delete"));
    assert_injected(delete_result(first.as_ref(), &doomed).await, "delete");
    assert_injected(delete_result(second.as_ref(), &doomed).await, "delete");
    delete_result(first.as_ref(), &doomed)
        .await
        .expect("deletes");
}

fn with(state: &Value, name: &str, v: Value) -> Value {
    let mut attrs = state.as_map().cloned().unwrap_or_default();
    attrs.insert(name.to_string(), v);
    Value::object(attrs)
}

// ---- delay ----

#[tokio::test]
async fn delay_applies_to_create_update_and_delete() {
    let p = provider().await;
    let wait = Duration::from_millis(150);
    let c = |value: &str| config(p.as_ref(), &[("value", s(value)), ("delay", s("150ms"))]);

    let start = Instant::now();
    let created = create(p.as_ref(), &c("a")).await;
    assert!(start.elapsed() >= wait, "create took {:?}", start.elapsed());

    let start = Instant::now();
    let updated = update_result(p.as_ref(), &created, &c("b"))
        .await
        .expect("updates");
    assert!(start.elapsed() >= wait, "update took {:?}", start.elapsed());

    // Reads do not wait.
    let start = Instant::now();
    read_result(p.as_ref(), &updated).await.expect("reads");
    assert!(start.elapsed() < wait, "read took {:?}", start.elapsed());

    let start = Instant::now();
    delete_result(p.as_ref(), &updated).await.expect("deletes");
    assert!(start.elapsed() >= wait, "delete took {:?}", start.elapsed());
}

// ---- state_dir ----

#[tokio::test]
async fn state_dir_records_objects_and_creates() {
    let p = provider().await;
    let base = tempfile::tempdir().expect("temp dir");
    // Missing directories are created.
    let dir = base.path().join("objects");
    let c = |value: Value| {
        config(
            p.as_ref(),
            &[("value", value), ("state_dir", dir_value(&dir))],
        )
    };
    let list = Value::tuple(vec![n(1.0), s("x")]);
    let a = create(p.as_ref(), &c(list)).await;
    let b = create(p.as_ref(), &c(s("b"))).await;
    let (id_a, id_b) = (id_of(&a), id_of(&b));
    assert_eq!(
        creates_log(&dir),
        [format!("{id_a} [1,\"x\"]"), format!("{id_b} \"b\"")]
    );
    let object = |id: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(format!("{id}.json"))).expect("object file");
        serde_json::from_str(&text).expect("JSON")
    };
    assert_eq!(
        object(&id_b),
        serde_json::json!({"id": id_b, "generation": 1, "value": "b", "replace_value": null})
    );

    // An update rewrites the object's file; it is no create.
    let b2 = update_result(p.as_ref(), &b, &c(s("b2")))
        .await
        .expect("updates");
    assert_eq!(object(&id_b)["generation"], 2);
    assert_eq!(object(&id_b)["value"], "b2");
    assert_eq!(creates_log(&dir).len(), 2);

    // A delete removes the file; only the files of existing objects remain (no temporaries).
    delete_result(p.as_ref(), &b2).await.expect("deletes");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("lists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected = vec![format!("{id_a}.json"), "creates.log".to_string()];
    expected.sort();
    assert_eq!(files, expected);
    // Deleting again (an object already gone) is no error.
    delete_result(p.as_ref(), &b2).await.expect("deletes again");
}

#[tokio::test]
async fn read_notices_objects_deleted_outside() {
    let p = provider().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let c = config(
        p.as_ref(),
        &[("value", s("a")), ("state_dir", dir_value(dir.path()))],
    );
    let state = create(p.as_ref(), &c).await;
    assert_eq!(
        read_result(p.as_ref(), &state).await.expect("reads"),
        Some(state.clone())
    );
    std::fs::remove_file(dir.path().join(format!("{}.json", id_of(&state)))).expect("removes");
    assert_eq!(read_result(p.as_ref(), &state).await.expect("reads"), None);

    // Without state_dir there is nothing to notice.
    let plain = create(p.as_ref(), &config(p.as_ref(), &[("value", s("a"))])).await;
    assert_eq!(
        read_result(p.as_ref(), &plain).await.expect("reads"),
        Some(plain.clone())
    );

    // An ID that is not a plain name leads nowhere outside state_dir.
    let strange = with(&state, "id", s("../x"));
    let err = read_result(p.as_ref(), &strange).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "id: Invalid object ID: A testing_resource ID must consist of letters, digits, '-' and '_'."
    );
}

// ---- availability ----

/// The only test that touches the environment variable, so that no other test races with it.
#[test]
fn available_only_when_enabled() {
    assert_eq!(ENABLE_VAR, "FLINKFORM_TESTING_PROVIDER");
    std::env::remove_var(ENABLE_VAR);
    assert_eq!(providers::available(), ["flinkform", "azure", "flink"]);
    assert!(providers::instantiate("testing").is_none());

    std::env::set_var(ENABLE_VAR, "0");
    assert_eq!(providers::available(), ["flinkform", "azure", "flink"]);
    assert!(providers::instantiate("testing").is_none());

    std::env::set_var(ENABLE_VAR, "1");
    assert_eq!(
        providers::available(),
        ["flinkform", "azure", "flink", "testing"]
    );
    let p = providers::instantiate("testing").expect("the testing provider");
    assert_eq!(p.name(), "testing");
    assert_eq!(providers::provider_for_type("testing_resource"), "testing");
    assert_eq!(providers::provider_for_type("testing_data"), "testing");

    std::env::remove_var(ENABLE_VAR);
    assert!(providers::instantiate("testing").is_none());
}
