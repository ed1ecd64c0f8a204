//! The built-in provider through the `Provider` interface, as the executor drives it:
//! validate, configure, plan (from ProposedNew), apply, read, import.

use std::sync::Arc;
use std::time::{Duration, Instant};

use flinkform::lang::{Type, Value};
use flinkform::providers::{
    self, ApplyRequest, AttrPath, PlanRequest, PlanResponse, Provider, ProviderError, ReadRequest,
};

async fn provider() -> Arc<dyn Provider> {
    let p = providers::instantiate("flinkform").expect("the built-in provider exists");
    p.configure(&Value::empty_object())
        .await
        .expect("configures");
    p
}

/// A configuration object as the decoder produces it: every schema attribute, null unless given.
fn config(p: &dyn Provider, type_name: &str, given: &[(&str, Value)]) -> Value {
    let schema = p.resource_schema(type_name).expect("known type");
    let mut attrs: std::collections::BTreeMap<String, Value> = schema
        .attributes
        .iter()
        .map(|(name, a)| (name.clone(), Value::null_of(a.ty.clone())))
        .collect();
    for (name, v) in given {
        assert!(
            attrs.contains_key(*name),
            "{type_name} has no attribute {name}"
        );
        attrs.insert(name.to_string(), v.clone());
    }
    Value::object(attrs)
}

fn plan(p: &dyn Provider, type_name: &str, prior: Option<&Value>, config: &Value) -> PlanResponse {
    let proposed = p
        .resource_schema(type_name)
        .expect("known type")
        .proposed_new(prior, config);
    p.plan_resource_change(PlanRequest {
        type_name,
        prior_state: prior,
        proposed_new_state: Some(&proposed),
        config: Some(config),
    })
    .expect("plans")
}

async fn apply(
    p: &dyn Provider,
    type_name: &str,
    prior: Option<&Value>,
    planned: Option<&Value>,
) -> Option<Value> {
    apply_result(p, type_name, prior, planned)
        .await
        .expect("applies")
}

async fn apply_result(
    p: &dyn Provider,
    type_name: &str,
    prior: Option<&Value>,
    planned: Option<&Value>,
) -> Result<Option<Value>, ProviderError> {
    let address = format!("{type_name}.test").parse().expect("an address");
    p.apply_resource_change(ApplyRequest {
        type_name,
        address: &address,
        prior_state: prior,
        planned_state: planned,
        config: planned,
        checkpoint: None,
        report: None,
    })
    .await
}

/// Plans a create and applies it.
async fn create(p: &dyn Provider, type_name: &str, config: &Value) -> Value {
    let planned = plan(p, type_name, None, config)
        .planned_state
        .expect("a planned state");
    apply(p, type_name, None, Some(&planned))
        .await
        .expect("a new state")
}

async fn read(p: &dyn Provider, type_name: &str, prior: &Value) -> Option<Value> {
    p.read_resource(ReadRequest {
        type_name,
        prior_state: prior,
        pending_operation: None,
    })
    .await
    .expect("reads")
}

fn attr<'v>(v: &'v Value, name: &str) -> &'v Value {
    v.get_attr(name)
        .unwrap_or_else(|| panic!("no attribute {name} in {v}"))
}

fn paths(ps: &[AttrPath]) -> Vec<String> {
    ps.iter().map(ToString::to_string).collect()
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn unknown() -> Value {
    Value::unknown(Type::String)
}

// ---- the interface ----

#[tokio::test]
async fn schemas_are_sound() {
    let p = provider().await;
    assert_eq!(p.schema().internal_validate(), Vec::<String>::new());
    for (type_name, schema) in &p.schema().resources {
        for (name, a) in &schema.attributes {
            let kind = (a.required, a.optional, a.computed);
            assert!(
                matches!(
                    kind,
                    (true, false, false)
                        | (false, true, false)
                        | (false, true, true)
                        | (false, false, true)
                ),
                "{type_name}.{name} is {kind:?}"
            );
        }
    }
    assert!(p.schema().data_sources.is_empty());
}

#[tokio::test]
async fn operations_need_configuration() {
    let p = providers::instantiate("flinkform").expect("exists");
    let c = config(p.as_ref(), "flinkform_data", &[]);
    let err = p
        .plan_resource_change(PlanRequest {
            type_name: "flinkform_data",
            prior_state: None,
            proposed_new_state: Some(&c),
            config: Some(&c),
        })
        .unwrap_err();
    assert!(matches!(err, ProviderError::NotConfigured { .. }), "{err}");
    let err = p
        .read_resource(ReadRequest {
            type_name: "flinkform_data",
            prior_state: &c,
            pending_operation: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, ProviderError::NotConfigured { .. }), "{err}");
    // Validation works on an unconfigured provider.
    assert!(p.validate_resource_config("flinkform_data", &c).is_empty());
}

#[tokio::test]
async fn unknown_types_get_hints() {
    let p = provider().await;
    let errors = p.validate_resource_config("local_fille", &Value::empty_object());
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        "the provider \"flinkform\" does not support resource type \"local_fille\". Did you mean \"local_file\"?"
    );
    let err = p
        .import_resource("flinkform_nothing", "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::UnknownResourceType { .. }),
        "{err}"
    );
    let err = p
        .read_data_source("flinkform_data", &Value::empty_object())
        .await
        .unwrap_err();
    assert_eq!(err.to_diagnostic().summary, "Invalid data source");
    assert!(
        matches!(err, ProviderError::UnknownDataSource { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn destroy_plans_to_nothing() {
    let p = provider().await;
    let state = create(
        p.as_ref(),
        "flinkform_data",
        &config(p.as_ref(), "flinkform_data", &[]),
    )
    .await;
    let response = p
        .plan_resource_change(PlanRequest {
            type_name: "flinkform_data",
            prior_state: Some(&state),
            proposed_new_state: None,
            config: None,
        })
        .expect("plans");
    assert_eq!(
        response,
        PlanResponse {
            planned_state: None,
            requires_replace: vec![],
            notes: Default::default(),
        }
    );
}

// ---- flinkform_data ----

#[tokio::test]
async fn data_create_update_replace_delete() {
    let p = provider().await;
    let p = p.as_ref();
    let t = "flinkform_data";

    let c = config(p, t, &[("input", s("v1"))]);
    let planned = plan(p, t, None, &c);
    let planned_state = planned.planned_state.expect("planned");
    assert_eq!(attr(&planned_state, "output"), &s("v1"));
    assert_eq!(attr(&planned_state, "id"), &unknown());

    let state = apply(p, t, None, Some(&planned_state))
        .await
        .expect("created");
    let id = attr(&state, "id")
        .as_str()
        .expect("id is a string")
        .to_string();
    assert!(uuid_v4_like(&id), "{id}");
    assert_eq!(attr(&state, "output"), &s("v1"));
    assert_eq!(read(p, t, &state).await.as_ref(), Some(&state));

    // No change: the plan is the prior state.
    let same = plan(p, t, Some(&state), &c);
    assert_eq!(same.planned_state.as_ref(), Some(&state));
    assert!(same.requires_replace.is_empty());

    // Changing input updates in place; output follows, known or not.
    let c2 = config(p, t, &[("input", Value::list(vec![s("a"), s("b")]))]);
    let update = plan(p, t, Some(&state), &c2);
    assert!(update.requires_replace.is_empty());
    let updated_plan = update.planned_state.expect("planned");
    assert_eq!(
        attr(&updated_plan, "output"),
        &Value::list(vec![s("a"), s("b")])
    );
    assert_eq!(attr(&updated_plan, "id"), &s(&id));
    let unknown_input = plan(
        p,
        t,
        Some(&state),
        &config(p, t, &[("input", Value::unknown(Type::Dynamic))]),
    );
    let unknown_plan = unknown_input.planned_state.expect("planned");
    assert_eq!(
        attr(&unknown_plan, "output"),
        &Value::unknown(Type::Dynamic)
    );
    assert_eq!(attr(&unknown_plan, "id"), &s(&id));

    let updated = apply(p, t, Some(&state), Some(&updated_plan))
        .await
        .expect("updated");
    assert_eq!(attr(&updated, "id"), &s(&id));
    assert_eq!(attr(&updated, "output"), &Value::list(vec![s("a"), s("b")]));

    // Changing triggers_replace replaces: the plan is that of a new object.
    let c3 = config(
        p,
        t,
        &[("input", s("v1")), ("triggers_replace", Value::number(2.0))],
    );
    let replace = plan(p, t, Some(&updated), &c3);
    assert_eq!(paths(&replace.requires_replace), ["triggers_replace"]);
    let replace_plan = replace.planned_state.expect("planned");
    assert_eq!(attr(&replace_plan, "id"), &unknown());
    assert_eq!(attr(&replace_plan, "output"), &s("v1"));
    // A trigger not yet known may change: replace.
    let c4 = config(p, t, &[("triggers_replace", Value::unknown(Type::Dynamic))]);
    assert_eq!(
        paths(&plan(p, t, Some(&updated), &c4).requires_replace),
        ["triggers_replace"]
    );

    // Replacement is delete then create; the new object has a new id.
    assert_eq!(apply(p, t, Some(&updated), None).await, None);
    let replaced = apply(p, t, None, Some(&replace_plan))
        .await
        .expect("created");
    assert_ne!(attr(&replaced, "id"), &s(&id));
    assert_eq!(attr(&replaced, "triggers_replace"), &Value::number(2.0));
}

fn uuid_v4_like(id: &str) -> bool {
    let groups: Vec<usize> = id.split('-').map(str::len).collect();
    groups == [8, 4, 4, 4, 12]
        && id.chars().nth(14) == Some('4')
        && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn data_import_sets_id() {
    let p = provider().await;
    let state = p
        .import_resource("flinkform_data", "my-id")
        .await
        .expect("imports");
    assert_eq!(attr(&state, "id"), &s("my-id"));
    assert!(attr(&state, "input").is_null());
}

#[tokio::test]
async fn data_keeps_sensitive_input_marked() {
    let p = provider().await;
    let c = config(
        p.as_ref(),
        "flinkform_data",
        &[("input", s("secret").mark_sensitive())],
    );
    let state = create(p.as_ref(), "flinkform_data", &c).await;
    assert!(attr(&state, "output").is_sensitive());
}

// ---- time_sleep ----

#[tokio::test]
async fn sleep_validation_names_the_attribute() {
    let p = provider().await;
    let p = p.as_ref();
    let t = "time_sleep";
    assert!(p
        .validate_resource_config(t, &config(p, t, &[("create_duration", s("1m30s"))]))
        .is_empty());
    assert!(p
        .validate_resource_config(t, &config(p, t, &[("destroy_duration", unknown())]))
        .is_empty());

    let errors = p.validate_resource_config(
        t,
        &config(
            p,
            t,
            &[("create_duration", s("30")), ("destroy_duration", s("5x"))],
        ),
    );
    let found: Vec<(String, String)> = errors
        .iter()
        .map(|e| {
            (
                e.attribute_path()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                e.to_diagnostic().summary,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "create_duration".to_string(),
                "Invalid duration".to_string()
            ),
            (
                "destroy_duration".to_string(),
                "Invalid duration".to_string()
            )
        ]
    );
    assert!(
        errors[0]
            .to_string()
            .contains("missing unit in duration \"30\""),
        "{}",
        errors[0]
    );
    assert!(
        errors[1]
            .to_string()
            .contains("unknown unit \"x\" in duration \"5x\""),
        "{}",
        errors[1]
    );

    let errors = p.validate_resource_config(t, &config(p, t, &[]));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].attribute_path(), None);
    assert_eq!(errors[0].to_diagnostic().summary, "Missing duration");

    // A sensitive duration is not shown.
    let errors = p.validate_resource_config(
        t,
        &config(
            p,
            t,
            &[("create_duration", s("hidden-value").mark_sensitive())],
        ),
    );
    assert_eq!(errors.len(), 1);
    assert!(!format!("{:?} {}", errors[0], errors[0]).contains("hidden-value"));
}

#[tokio::test]
async fn sleep_waits_on_create_and_destroy() {
    let p = provider().await;
    let p = p.as_ref();
    let t = "time_sleep";
    let c = config(
        p,
        t,
        &[
            ("create_duration", s("200ms")),
            ("destroy_duration", s("0.15s")),
        ],
    );
    let planned = plan(p, t, None, &c).planned_state.expect("planned");
    assert_eq!(attr(&planned, "id"), &unknown());

    let started = Instant::now();
    let state = apply(p, t, None, Some(&planned)).await.expect("created");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "slept only {:?}",
        started.elapsed()
    );
    let id = attr(&state, "id").as_str().expect("a string").to_string();
    let created = chrono::DateTime::parse_from_rfc3339(&id).expect("RFC 3339");
    assert!(id.ends_with('Z'), "{id}");
    assert!(
        (chrono::Utc::now() - created.to_utc()).num_seconds().abs() < 60,
        "{id}"
    );
    assert_eq!(read(p, t, &state).await.as_ref(), Some(&state));

    let started = Instant::now();
    assert_eq!(apply(p, t, Some(&state), None).await, None);
    assert!(
        started.elapsed() >= Duration::from_millis(150),
        "slept only {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn sleep_durations_update_in_place_and_triggers_replace() {
    let p = provider().await;
    let p = p.as_ref();
    let t = "time_sleep";
    let triggers = |v: &str| Value::map([("image".to_string(), s(v))].into());
    let c = config(
        p,
        t,
        &[("create_duration", s("1ms")), ("triggers", triggers("v1"))],
    );
    let state = create(p, t, &c).await;

    let c2 = config(
        p,
        t,
        &[("create_duration", s("2ms")), ("triggers", triggers("v1"))],
    );
    let update = plan(p, t, Some(&state), &c2);
    assert!(update.requires_replace.is_empty());
    let update_plan = update.planned_state.expect("planned");
    assert_eq!(attr(&update_plan, "id"), attr(&state, "id"));
    let updated = apply(p, t, Some(&state), Some(&update_plan))
        .await
        .expect("updated");
    assert_eq!(attr(&updated, "create_duration"), &s("2ms"));
    assert_eq!(attr(&updated, "id"), attr(&state, "id"));

    let c3 = config(
        p,
        t,
        &[("create_duration", s("2ms")), ("triggers", triggers("v2"))],
    );
    let replace = plan(p, t, Some(&updated), &c3);
    assert_eq!(paths(&replace.requires_replace), ["triggers"]);
    assert_eq!(
        attr(replace.planned_state.as_ref().expect("planned"), "id"),
        &unknown()
    );
}

#[tokio::test]
async fn sleep_import_parses_durations_and_triggers() {
    let p = provider().await;
    let state = p
        .import_resource("time_sleep", "30s,,reason=dns")
        .await
        .expect("imports");
    assert_eq!(attr(&state, "create_duration"), &s("30s"));
    assert!(attr(&state, "destroy_duration").is_null());
    assert_eq!(
        attr(&state, "triggers"),
        &Value::map([("reason".to_string(), s("dns"))].into())
    );
    assert!(
        chrono::DateTime::parse_from_rfc3339(attr(&state, "id").as_str().unwrap_or("")).is_ok()
    );
    for bad in [",", "30s", "soon,", "1s,,novalue"] {
        let err = p.import_resource("time_sleep", bad).await.unwrap_err();
        assert!(
            matches!(err, ProviderError::InvalidImportId { .. }),
            "{bad}: {err}"
        );
    }
}

// ---- local_file ----

#[tokio::test]
async fn file_validation_names_the_attribute() {
    let p = provider().await;
    let p = p.as_ref();
    let t = "local_file";
    let ok = config(p, t, &[("filename", s("a.txt")), ("content", s("x"))]);
    assert!(p.validate_resource_config(t, &ok).is_empty());

    let missing = p.validate_resource_config(t, &config(p, t, &[("filename", s("a.txt"))]));
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].to_diagnostic().summary, "Missing file content");

    let both = config(
        p,
        t,
        &[
            ("filename", s("")),
            ("content", s("x")),
            ("sensitive_content", s("top-secret").mark_sensitive()),
            ("file_permission", s("0999")),
            ("directory_permission", s("755")),
        ],
    );
    let errors = p.validate_resource_config(t, &both);
    let found: Vec<String> = errors
        .iter()
        .map(|e| {
            e.attribute_path()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    assert_eq!(found, ["filename", "sensitive_content", "file_permission"]);
    assert!(errors[2].to_string().contains("\"0999\""), "{}", errors[2]);
    for e in &errors {
        assert!(!format!("{e:?} {e}").contains("top-secret"));
    }
}

#[tokio::test]
async fn file_plan_computes_checksums_and_defaults() {
    let p = provider().await;
    let p = p.as_ref();
    let t = "local_file";
    let c = config(
        p,
        t,
        &[("filename", s("out/a.txt")), ("content", s("hello"))],
    );
    let planned = plan(p, t, None, &c).planned_state.expect("planned");
    assert_eq!(
        attr(&planned, "id"),
        &s("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
    );
    assert_eq!(
        attr(&planned, "content_sha256"),
        &s("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    );
    assert_eq!(attr(&planned, "file_permission"), &s("0777"));
    assert_eq!(attr(&planned, "directory_permission"), &s("0777"));

    let c = config(
        p,
        t,
        &[
            ("filename", s("out/a.txt")),
            ("content", unknown()),
            ("file_permission", s("0640")),
        ],
    );
    let planned = plan(p, t, None, &c).planned_state.expect("planned");
    assert_eq!(attr(&planned, "id"), &unknown());
    assert_eq!(attr(&planned, "content_sha256"), &unknown());
    assert_eq!(attr(&planned, "file_permission"), &s("0640"));
}

#[tokio::test]
async fn file_create_read_replace_delete() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/deeper/a.txt");
    let filename = path.to_str().expect("utf-8 path");
    let p = provider().await;
    let p = p.as_ref();
    let t = "local_file";

    let c = config(
        p,
        t,
        &[
            ("filename", s(filename)),
            ("content", s("hello\n")),
            ("file_permission", s("0600")),
        ],
    );
    let state = create(p, t, &c).await;
    assert_eq!(std::fs::read_to_string(&path).expect("written"), "hello\n");
    assert_eq!(
        attr(&state, "id"),
        &s("f572d396fae9206628714fb2ce00f72e94f2258f")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    // Only the file: no temporary file left behind.
    let names: Vec<String> = std::fs::read_dir(path.parent().expect("parent"))
        .expect("listable")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.txt"]);

    // Unchanged: refresh returns the state as it was, and the plan is empty.
    assert_eq!(read(p, t, &state).await.as_ref(), Some(&state));
    let same = plan(p, t, Some(&state), &c);
    assert_eq!(same.planned_state.as_ref(), Some(&state));
    assert!(same.requires_replace.is_empty());

    // Changed outside: refresh sees the new content, and the plan replaces the file.
    std::fs::write(&path, "tampered").expect("writable");
    let drifted = read(p, t, &state).await.expect("still exists");
    assert_eq!(attr(&drifted, "content"), &s("tampered"));
    assert_ne!(attr(&drifted, "id"), attr(&state, "id"));
    let repair = plan(p, t, Some(&drifted), &c);
    assert_eq!(paths(&repair.requires_replace), ["content"]);
    let repair_plan = repair.planned_state.expect("planned");
    assert_eq!(attr(&repair_plan, "id"), attr(&state, "id"));
    assert_eq!(apply(p, t, Some(&drifted), None).await, None);
    let state = apply(p, t, None, Some(&repair_plan))
        .await
        .expect("recreated");
    assert_eq!(std::fs::read_to_string(&path).expect("written"), "hello\n");

    // A content change replaces; the new file overwrites in place.
    let c2 = config(
        p,
        t,
        &[
            ("filename", s(filename)),
            ("content", s("bye")),
            ("file_permission", s("0700")),
        ],
    );
    let replace = plan(p, t, Some(&state), &c2);
    assert_eq!(
        paths(&replace.requires_replace),
        ["content", "file_permission"]
    );
    let state = apply(p, t, None, Some(&replace.planned_state.expect("planned")))
        .await
        .expect("created");
    assert_eq!(std::fs::read_to_string(&path).expect("written"), "bye");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
    }

    // Delete removes the file; a file already gone is fine, and refresh reports it gone.
    assert_eq!(apply(p, t, Some(&state), None).await, None);
    assert!(!path.exists());
    assert_eq!(apply(p, t, Some(&state), None).await, None);
    assert_eq!(read(p, t, &state).await, None);
}

#[tokio::test]
async fn file_sensitive_content_stays_hidden() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("secret.txt");
    let p = provider().await;
    let p = p.as_ref();
    let t = "local_file";
    let c = config(
        p,
        t,
        &[
            ("filename", s(path.to_str().expect("utf-8"))),
            ("sensitive_content", s("s3cr3t")),
        ],
    );
    let planned = plan(p, t, None, &c).planned_state.expect("planned");
    // The schema marks it even when the configuration did not.
    assert!(attr(&planned, "sensitive_content").is_sensitive());
    assert!(!planned.to_string().contains("s3cr3t"));
    let state = apply(p, t, None, Some(&planned)).await.expect("created");
    assert_eq!(std::fs::read_to_string(&path).expect("written"), "s3cr3t");
    assert!(attr(&state, "sensitive_content").is_sensitive());
    assert_eq!(
        p.schema().resources["local_file"]
            .sensitive_paths(&state)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["sensitive_content"]
    );

    // Drift keeps the content in the sensitive attribute, still marked.
    std::fs::write(&path, "n3w-s3cr3t").expect("writable");
    let drifted = read(p, t, &state).await.expect("exists");
    assert!(attr(&drifted, "content").is_null());
    assert!(attr(&drifted, "sensitive_content").is_sensitive());
    assert_eq!(
        attr(&drifted, "sensitive_content").as_str(),
        Some("n3w-s3cr3t")
    );

    // A write that fails (the parent is a file) names the file but not the content.
    let blocked = path.join("below.txt");
    let c = config(
        p,
        t,
        &[
            ("filename", s(blocked.to_str().expect("utf-8"))),
            ("sensitive_content", s("s3cr3t")),
        ],
    );
    let planned = plan(p, t, None, &c).planned_state.expect("planned");
    let err = apply_result(p, t, None, Some(&planned)).await.unwrap_err();
    assert!(matches!(err, ProviderError::Io { .. }), "{err}");
    let shown = format!("{err} {err:?} {}", err.to_diagnostic().detail);
    assert!(shown.contains("below.txt"), "{shown}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
}

#[tokio::test]
async fn file_import_by_filename() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("existing.txt");
    std::fs::write(&path, "hello").expect("writable");
    let filename = path.to_str().expect("utf-8");
    let p = provider().await;
    let p = p.as_ref();
    let state = p
        .import_resource("local_file", filename)
        .await
        .expect("imports");
    assert_eq!(attr(&state, "content"), &s("hello"));
    assert_eq!(
        attr(&state, "id"),
        &s("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
    );
    assert_eq!(read(p, "local_file", &state).await.as_ref(), Some(&state));
    // The matching configuration plans no change.
    let c = config(
        p,
        "local_file",
        &[("filename", s(filename)), ("content", s("hello"))],
    );
    let response = plan(p, "local_file", Some(&state), &c);
    assert!(response.requires_replace.is_empty());
    assert_eq!(response.planned_state.as_ref(), Some(&state));

    let err = p
        .import_resource(
            "local_file",
            dir.path().join("none").to_str().expect("utf-8"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, ProviderError::InvalidImportId { .. }),
        "{err}"
    );
}
