//! The three plan renderings (human, JSON, Markdown) of hand-built plans: every action and
//! reason, nested values, multi-line strings, unknown and sensitive values, notes, drift,
//! outputs and the plan modes. Human and Markdown renderings and the JSON are snapshotted; the
//! JSON encodings of unknown and sensitive values are asserted exactly; no secret appears in
//! any rendering.

use std::collections::BTreeMap;

use flinkform::addrs::AbsResourceInstance;
use flinkform::diagnostics::Diagnostic;
use flinkform::lang::{Type, Value};
use flinkform::plan::render::human::{render_plan, HumanOptions};
use flinkform::plan::render::json::plan_json;
use flinkform::plan::render::markdown::plan_markdown;
use flinkform::plan::{Action, ActionReason, OutputChange, Plan, PlanMode, ResourceChange};
use flinkform::providers::schema::{AttrPath, PathStep};
use serde_json::json;

/// Secrets planted in the plans: none may appear in any rendering.
const SECRETS: [&str; 6] = [
    "hunter2-old-password",
    "correct-horse-new-password",
    "nested-token-value",
    "secret-list-element",
    "output-secret-value",
    "SECRET SQL LINE",
];

fn addr(s: &str) -> AbsResourceInstance {
    s.parse().expect("test address")
}

fn s(text: &str) -> Value {
    Value::string(text)
}

fn n(x: f64) -> Value {
    Value::number(x)
}

fn obj(entries: Vec<(&str, Value)>) -> Value {
    Value::object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn unknown() -> Value {
    Value::unknown(Type::String)
}

fn change(
    address: &str,
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> ResourceChange {
    ResourceChange {
        addr: addr(address),
        provider: "provider.flinkform".to_string(),
        action,
        before,
        after,
        replace_paths: Vec::new(),
        reason: None,
        notes: BTreeMap::new(),
    }
}

fn output(name: &str, action: Action, before: Option<Value>, after: Option<Value>) -> OutputChange {
    OutputChange {
        name: name.to_string(),
        action,
        before,
        after,
        sensitive: false,
    }
}

fn plain(plan: &Plan) -> String {
    render_plan(plan, &HumanOptions { color: false })
}

const OLD_SQL: &str =
    "INSERT INTO orders_enriched\nSELECT o.id, o.amount\nFROM orders o\nWHERE o.amount > 0\n";
const NEW_SQL: &str = "INSERT INTO orders_enriched\nSELECT o.id, o.amount, c.country\nFROM orders o\nJOIN customers c ON o.customer = c.id\nWHERE o.amount > 0\n";

/// A job updated in place: scalar changes with a provider note, unchanged attributes (hidden,
/// except `id` and `name`), map and list element changes, a nested object, a multi-line SQL
/// diff, a value becoming unknown, and sensitive values (changed, nested, in a list).
fn job_update() -> ResourceChange {
    let before = obj(vec![
        ("id", s("payments")),
        ("name", s("payments")),
        ("parallelism", n(2.0)),
        ("checkpointing", Value::bool(true)),
        ("restart_attempts", n(3.0)),
        ("savepoint_dir", s("abfss://savepoints/payments")),
        ("version", s("v1")),
        ("removed_flag", Value::bool(false)),
        ("sql", s(OLD_SQL)),
        ("password", s("hunter2-old-password").mark_sensitive()),
        (
            "labels",
            map(vec![
                ("team", s("payments")),
                ("tier", s("gold")),
                ("old", s("x")),
            ]),
        ),
        (
            "sinks",
            Value::list(vec![
                s("kafka://a"),
                s("kafka://b"),
                s("kafka://c"),
                s("kafka://d"),
            ]),
        ),
        (
            "resources",
            obj(vec![
                ("cpu", n(1.0)),
                ("memory", s("2g")),
                (
                    "auth",
                    obj(vec![("token", s("nested-token-value").mark_sensitive())]),
                ),
            ]),
        ),
        (
            "secrets",
            Value::list(vec![
                s("secret-list-element").mark_sensitive(),
                s("visible"),
            ]),
        ),
    ]);
    let after = obj(vec![
        ("id", s("payments")),
        ("name", s("payments")),
        ("parallelism", n(4.0)),
        ("checkpointing", Value::bool(true)),
        ("restart_attempts", n(3.0)),
        ("savepoint_dir", s("abfss://savepoints/payments")),
        ("version", unknown()),
        ("added_flag", Value::bool(true)),
        ("sql", s(NEW_SQL)),
        ("password", s("correct-horse-new-password").mark_sensitive()),
        (
            "labels",
            map(vec![
                ("team", s("payments")),
                ("tier", s("platinum")),
                ("new-key", s("y")),
            ]),
        ),
        (
            "sinks",
            Value::list(vec![
                s("kafka://a"),
                s("kafka://b"),
                s("kafka://x"),
                s("kafka://c"),
                s("kafka://d"),
            ]),
        ),
        (
            "resources",
            obj(vec![
                ("cpu", n(2.0)),
                ("memory", s("2g")),
                (
                    "auth",
                    obj(vec![("token", s("nested-token-value").mark_sensitive())]),
                ),
            ]),
        ),
        (
            "secrets",
            Value::list(vec![
                s("secret-list-element").mark_sensitive(),
                s("visible"),
            ]),
        ),
    ]);
    let mut c = change(
        r#"flink_job.etl["payments"]"#,
        Action::Update,
        Some(before),
        Some(after),
    );
    c.notes.insert(
        AttrPath::attr("parallelism"),
        "restart from savepoint".into(),
    );
    c.notes.insert(
        AttrPath::attr("resources").child_attr("cpu"),
        "rescale task managers".into(),
    );
    // A note on an unchanged attribute is not shown.
    c.notes
        .insert(AttrPath::attr("checkpointing"), "never shown".into());
    c
}

/// A job created: known, unknown, null (omitted) and nested attributes, and a multi-line SQL.
fn job_create() -> ResourceChange {
    let after = obj(vec![
        ("id", unknown()),
        ("name", s("orders")),
        ("parallelism", n(2.0)),
        ("description", Value::null_of(Type::String)),
        ("sql", s(OLD_SQL)),
        (
            "labels",
            map(vec![("team", s("orders")), ("cost-center", s("42"))]),
        ),
        ("sinks", Value::list(vec![s("kafka://orders"), unknown()])),
        (
            "resources",
            obj(vec![("cpu", n(1.0)), ("memory", unknown())]),
        ),
        ("empty_list", Value::list(vec![])),
        ("zones", Value::set(vec![s("2"), s("1")])),
    ]);
    change(
        r#"flink_job.etl["orders"]"#,
        Action::Create,
        None,
        Some(after),
    )
}

fn cluster(image: &str) -> Value {
    obj(vec![
        ("id", s("cl-1")),
        ("image", s(image)),
        ("nodes", n(3.0)),
    ])
}

fn replacements() -> Vec<ResourceChange> {
    let mut forced = change(
        "flink_cluster.main",
        Action::DeleteThenCreate,
        Some(cluster("flink:1.17")),
        Some(obj(vec![
            ("id", unknown()),
            ("image", s("flink:1.18")),
            ("nodes", n(3.0)),
        ])),
    );
    forced.replace_paths.push(AttrPath::attr("image"));

    let mut tainted = change(
        r#"module.platform["eu"].flink_cluster.edge"#,
        Action::CreateThenDelete,
        Some(cluster("flink:1.18")),
        Some(obj(vec![
            ("id", unknown()),
            ("image", s("flink:1.18")),
            ("nodes", n(3.0)),
        ])),
    );
    tainted.provider = r#"module.platform["eu"].provider.flinkform"#.into();
    tainted.reason = Some(ActionReason::Tainted);

    let mut requested = change(
        "flink_cluster.requested",
        Action::DeleteThenCreate,
        Some(cluster("flink:1.18")),
        Some(obj(vec![
            ("id", unknown()),
            ("image", s("flink:1.18")),
            ("nodes", n(3.0)),
        ])),
    );
    requested.reason = Some(ActionReason::ReplaceByRequest);

    let mut triggered = change(
        "flink_cluster.triggered",
        Action::DeleteThenCreate,
        Some(cluster("flink:1.18")),
        Some(obj(vec![
            ("id", unknown()),
            ("image", s("flink:1.18")),
            ("nodes", n(3.0)),
        ])),
    );
    triggered.reason = Some(ActionReason::ReplaceByTriggers);
    vec![forced, tainted, requested, triggered]
}

fn data_obj(input: &str) -> Value {
    obj(vec![
        ("id", s("d-1")),
        ("input", s(input)),
        ("output", s(input)),
        ("tags", map(vec![("env", s("dev"))])),
    ])
}

fn deletions() -> Vec<ResourceChange> {
    let mut gone = change(
        "flinkform_data.old",
        Action::Delete,
        Some(data_obj("x")),
        None,
    );
    gone.reason = Some(ActionReason::DeleteBecauseNoResourceConfig);
    let mut count = change(
        "flinkform_data.workers[3]",
        Action::Delete,
        Some(data_obj("w3")),
        None,
    );
    count.reason = Some(ActionReason::DeleteBecauseCountIndex);
    let mut each = change(
        r#"flinkform_data.by_key["x"]"#,
        Action::Delete,
        Some(data_obj("kx")),
        None,
    );
    each.reason = Some(ActionReason::DeleteBecauseEachKey);
    let mut module = change(
        "module.gone.flinkform_data.y",
        Action::Delete,
        Some(data_obj("y")),
        None,
    );
    module.provider = "module.gone.provider.flinkform".into();
    module.reason = Some(ActionReason::DeleteBecauseNoModule);
    vec![gone, count, each, module]
}

fn read_and_noop() -> Vec<ResourceChange> {
    let read = change(
        "data.flinkform_data.lookup",
        Action::Read,
        None,
        Some(obj(vec![("input", s("q")), ("output", unknown())])),
    );
    let noop = change(
        "flinkform_data.same",
        Action::NoOp,
        Some(data_obj("same")),
        Some(data_obj("same")),
    );
    // Removing a data resource from state is not shown (as in Terraform).
    let data_delete = change(
        "data.flinkform_data.stale",
        Action::Delete,
        Some(obj(vec![("input", s("z"))])),
        None,
    );
    vec![read, noop, data_delete]
}

fn drift() -> Vec<ResourceChange> {
    let changed = change(
        r#"flink_job.etl["payments"]"#,
        Action::Update,
        Some(obj(vec![
            ("id", s("payments")),
            ("parallelism", n(2.0)),
            ("password", s("hunter2-old-password").mark_sensitive()),
        ])),
        Some(obj(vec![
            ("id", s("payments")),
            ("parallelism", n(8.0)),
            ("password", s("hunter2-old-password").mark_sensitive()),
        ])),
    );
    let deleted = change(
        "flinkform_data.vanished",
        Action::Delete,
        Some(data_obj("v")),
        None,
    );
    vec![changed, deleted]
}

fn outputs() -> Vec<OutputChange> {
    let mut secret = output(
        "db_password",
        Action::Create,
        None,
        Some(s("output-secret-value")),
    );
    secret.sensitive = true;
    let mut secret_changed = output(
        "api_key",
        Action::Update,
        Some(s("output-secret-value")),
        Some(s("output-secret-value-2")),
    );
    secret_changed.sensitive = true;
    vec![
        output(
            "endpoint",
            Action::Create,
            None,
            Some(s("https://flink.example")),
        ),
        output(
            "job_ids",
            Action::Update,
            Some(Value::tuple(vec![s("a")])),
            Some(Value::tuple(vec![s("a"), unknown()])),
        ),
        output("version", Action::Update, Some(s("1")), Some(s("2"))),
        output("retired", Action::Delete, Some(s("x")), None),
        output("same", Action::NoOp, Some(s("y")), Some(s("y"))),
        output(
            "settings",
            Action::Create,
            None,
            Some(obj(vec![("a", n(1.0)), ("b", s("two"))])),
        ),
        secret,
        secret_changed,
    ]
}

fn full_plan() -> Plan {
    let mut changes = vec![job_create(), job_update()];
    changes.extend(replacements());
    changes.extend(deletions());
    changes.extend(read_and_noop());
    changes.sort_by(|a, b| a.addr.cmp(&b.addr));
    Plan {
        mode: PlanMode::Normal,
        changes,
        drift: drift(),
        output_changes: outputs(),
    }
}

/// Every rendering of a plan, for the secret check.
fn all_renderings(plan: &Plan) -> Vec<String> {
    vec![
        plain(plan),
        render_plan(plan, &HumanOptions { color: true }),
        plan_markdown(plan),
        serde_json::to_string_pretty(&plan_json(plan, &[])).expect("json"),
    ]
}

#[test]
fn human_full_plan() {
    insta::assert_snapshot!("human_full", plain(&full_plan()));
}

#[test]
fn markdown_full_plan() {
    insta::assert_snapshot!("markdown_full", plan_markdown(&full_plan()));
}

#[test]
fn json_full_plan() {
    let errors = [Diagnostic::warning(
        "Deprecated attribute",
        "Use \"x\" instead.",
    )];
    insta::assert_json_snapshot!("json_full", plan_json(&full_plan(), &errors));
}

#[test]
fn secrets_never_rendered() {
    let mut plan = full_plan();
    // A sensitive multi-line value and a wholly sensitive object, for good measure.
    plan.changes.push(change(
        "flinkform_data.secret_sql",
        Action::Update,
        Some(obj(vec![(
            "sql",
            s("SELECT 1\nSECRET SQL LINE\n").mark_sensitive(),
        )])),
        Some(obj(vec![(
            "sql",
            s("SELECT 2\nSECRET SQL LINE\n").mark_sensitive(),
        )])),
    ));
    plan.changes.push(change(
        "flinkform_data.secret_object",
        Action::Create,
        None,
        Some(obj(vec![(
            "auth",
            obj(vec![("token", s("nested-token-value"))]).mark_sensitive(),
        )])),
    ));
    for rendering in all_renderings(&plan) {
        for secret in SECRETS {
            assert!(
                !rendering.contains(secret),
                "{secret:?} leaked into:\n{rendering}"
            );
        }
        assert!(rendering.contains("(sensitive value)") || rendering.contains("after_sensitive"));
    }
}

#[test]
fn colour_only_when_asked() {
    let plan = full_plan();
    let coloured = render_plan(&plan, &HumanOptions { color: true });
    assert!(coloured.contains("\x1b[32m+\x1b[0m"), "green +");
    assert!(coloured.contains("\x1b[33m~\x1b[0m"), "yellow ~");
    assert!(coloured.contains("\x1b[31m-\x1b[0m"), "red -");
    assert!(coloured.contains("\x1b[1mPlan:\x1b[0m"), "bold Plan:");
    let plain_text = plain(&plan);
    assert!(!plain_text.contains('\x1b'));
    assert!(!plan_markdown(&plan).contains('\x1b'));
    // Colour changes nothing but the escapes.
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .expect("regex")
        .replace_all(&coloured, "");
    assert_eq!(stripped, plain_text);
}

#[test]
fn human_nested_and_collections() {
    let before = obj(vec![
        ("id", s("n-1")),
        (
            "rules",
            Value::list(vec![
                obj(vec![("port", n(80.0)), ("proto", s("tcp"))]),
                obj(vec![("port", n(443.0)), ("proto", s("tcp"))]),
            ]),
        ),
        (
            "matrix",
            Value::list(vec![Value::list(vec![n(1.0), n(2.0)])]),
        ),
        ("kind", s("single")),
        (
            "by_region",
            map(vec![
                ("eu", obj(vec![("size", n(1.0))])),
                ("us", obj(vec![("size", n(2.0))])),
            ]),
        ),
        ("ports", Value::set(vec![n(80.0), n(443.0)])),
        ("old_map", map(vec![("a", s("1"))])),
        (
            "settings",
            obj(vec![("mode", s("fast")), ("level", n(1.0))]),
        ),
        ("becomes_secret", s("plain-before")),
        ("was_secret", s("shown-after").mark_sensitive()),
    ]);
    let after = obj(vec![
        ("id", s("n-1")),
        (
            "rules",
            Value::list(vec![
                obj(vec![("port", n(80.0)), ("proto", s("tcp"))]),
                obj(vec![("port", n(8443.0)), ("proto", s("tcp"))]),
            ]),
        ),
        (
            "matrix",
            Value::list(vec![Value::list(vec![n(1.0), n(3.0)])]),
        ),
        ("kind", Value::list(vec![s("a"), s("b")])),
        (
            "by_region",
            map(vec![
                ("eu", obj(vec![("size", n(3.0))])),
                ("us", obj(vec![("size", n(2.0))])),
            ]),
        ),
        ("ports", Value::set(vec![n(443.0), n(8443.0)])),
        (
            "new_obj",
            obj(vec![("x", n(1.0)), ("y", Value::list(vec![s("z")]))]),
        ),
        ("settings", Value::unknown(Type::Dynamic)),
        ("becomes_secret", s("plain-before").mark_sensitive()),
        ("was_secret", s("shown-after")),
    ]);
    let mut c = change(
        "flinkform_data.net",
        Action::Update,
        Some(before),
        Some(after),
    );
    c.notes.insert(
        AttrPath(vec![
            PathStep::Attr("rules".into()),
            PathStep::Index(1),
            PathStep::Attr("port".into()),
        ]),
        "reopens the listener".into(),
    );
    let plan = Plan {
        changes: vec![c],
        ..Plan::default()
    };
    insta::assert_snapshot!("human_nested", plain(&plan));
}

#[test]
fn human_multiline_string_diff() {
    let mut c = change(
        "flink_job.sql",
        Action::Update,
        Some(obj(vec![
            ("id", s("j")),
            ("sql", s(OLD_SQL)),
            ("yaml", s("a: 1\nb:\n  - x\n")),
        ])),
        Some(obj(vec![
            ("id", s("j")),
            ("sql", s(NEW_SQL)),
            ("yaml", s("a: 1\nb:\n  - y\n")),
        ])),
    );
    c.notes.insert(
        AttrPath::attr("sql"),
        "stop with savepoint, then resubmit".into(),
    );
    let plan = Plan {
        changes: vec![c],
        ..Plan::default()
    };
    let text = plain(&plan);
    // The line diff as Terraform shows it: context lines, then - old, + new, then EOT.
    assert!(text.contains(
        "      ~ sql  = <<-EOT  (stop with savepoint, then resubmit)\n            INSERT INTO orders_enriched\n          - SELECT o.id, o.amount\n          + SELECT o.id, o.amount, c.country\n            FROM orders o\n          + JOIN customers c ON o.customer = c.id\n            WHERE o.amount > 0\n        EOT\n"
    ), "{text}");
    insta::assert_snapshot!("human_multiline", text);
}

#[test]
fn human_drift_then_changes() {
    let plan = Plan {
        changes: vec![job_update()],
        drift: drift(),
        ..Plan::default()
    };
    let text = plain(&plan);
    let rule = "─".repeat(77);
    let drift_at = text.find("has changed").expect("drift shown");
    let rule_at = text.find(&rule).expect("rule");
    let plan_at = text.find("will be updated in-place").expect("change shown");
    assert!(drift_at < rule_at && rule_at < plan_at);
    insta::assert_snapshot!("human_drift", text);
}

#[test]
fn drift_hidden_when_nothing_to_do() {
    // As Terraform: drift alone does not make a normal plan show anything but "No changes."
    let plan = Plan {
        drift: drift(),
        ..Plan::default()
    };
    let text = plain(&plan);
    assert!(!text.contains("has changed"), "{text}");
    assert!(text.contains("No changes. Your infrastructure matches the configuration."));
}

#[test]
fn human_no_changes() {
    let plan = Plan {
        changes: read_and_noop()
            .into_iter()
            .filter(|c| c.action == Action::NoOp)
            .collect(),
        output_changes: vec![output("same", Action::NoOp, Some(s("y")), Some(s("y")))],
        ..Plan::default()
    };
    let text = plain(&plan);
    assert_eq!(
        text,
        "\nNo changes. Your infrastructure matches the configuration.\n\nflinkform has compared your real infrastructure against your configuration and found no differences, so no changes are needed.\n"
    );
    let md = plan_markdown(&plan);
    assert!(md.starts_with("### No changes.\n"), "{md}");
    insta::assert_snapshot!("markdown_no_changes", md);
}

#[test]
fn human_destroy_mode() {
    let mut changes = deletions();
    for c in &mut changes {
        c.reason = None;
    }
    let plan = Plan {
        mode: PlanMode::Destroy,
        changes,
        output_changes: vec![output(
            "endpoint",
            Action::Delete,
            Some(s("https://flink.example")),
            None,
        )],
        ..Plan::default()
    };
    let text = plain(&plan);
    assert!(text.contains("Plan: 0 to add, 0 to change, 4 to destroy."));
    insta::assert_snapshot!("human_destroy", text);

    let empty = Plan {
        mode: PlanMode::Destroy,
        ..Plan::default()
    };
    assert_eq!(
        plain(&empty),
        "\nNo changes. No objects need to be destroyed.\n\nEither you have not created any objects yet or the existing objects were already deleted outside of flinkform.\n"
    );
}

#[test]
fn human_refresh_only_mode() {
    let plan = Plan {
        mode: PlanMode::RefreshOnly,
        drift: drift(),
        ..Plan::default()
    };
    let text = plain(&plan);
    assert!(text.contains("This is a refresh-only plan"));
    assert!(!text.contains("Plan:"), "{text}");
    insta::assert_snapshot!("human_refresh_only", text);
    insta::assert_snapshot!("markdown_refresh_only", plan_markdown(&plan));

    let unchanged = Plan {
        mode: PlanMode::RefreshOnly,
        ..Plan::default()
    };
    assert_eq!(
        plain(&unchanged),
        "\nNo changes. Your infrastructure still matches the configuration.\n\nflinkform has checked that the real remote objects still match the result of your most recent changes, and found no differences.\n"
    );
}

#[test]
fn human_outputs_only() {
    let plan = Plan {
        output_changes: vec![output(
            "version",
            Action::Update,
            Some(s("1")),
            Some(s("2")),
        )],
        ..Plan::default()
    };
    assert_eq!(
        plain(&plan),
        "\nChanges to Outputs:\n  ~ version = \"1\" -> \"2\"\n\nYou can apply this plan to save these new output values to the flinkform state, without changing any real infrastructure.\n"
    );
}

#[test]
fn human_block_details() {
    let text = plain(&full_plan());
    // Aligned `=`, hidden unchanged attributes, important ones shown.
    assert!(
        text.contains("      ~ parallelism      = 2 -> 4  (restart from savepoint)\n"),
        "{text}"
    );
    assert!(
        text.contains("        id               = \"payments\"\n"),
        "{text}"
    );
    assert!(
        text.contains("        # (4 unchanged attributes hidden)\n"),
        "{text}"
    );
    assert!(!text.contains("never shown"));
    // Replacement.
    assert!(
        text.contains(
            "  # flink_cluster.main must be replaced\n-/+ resource \"flink_cluster\" \"main\" {\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("      ~ image = \"flink:1.17\" -> \"flink:1.18\" # forces replacement\n"),
        "{text}"
    );
    assert!(text.contains("  # module.platform[\"eu\"].flink_cluster.edge is tainted, so it must be replaced\n+/- resource"), "{text}");
    assert!(text.contains("will be replaced, as requested"));
    assert!(text.contains("will be replaced due to changes in replace_triggered_by"));
    // Deletions and their reasons.
    assert!(text.contains("  # flinkform_data.old will be destroyed\n  # (because flinkform_data.old is not in configuration)\n  - resource"), "{text}");
    assert!(text.contains("  # (because index [3] is out of range for count)\n"));
    assert!(text.contains("  # (because key [\"x\"] is not in for_each map)\n"));
    assert!(text.contains("  # (because module.gone is not in configuration)\n"));
    assert!(text.contains("      - input  = \"x\" -> null\n"), "{text}");
    // Reads, no-ops, data-source removals.
    assert!(text.contains("  # data.flinkform_data.lookup will be read during apply\n  # (config refers to values not yet known)\n <= data \"flinkform_data\" \"lookup\" {\n"), "{text}");
    assert!(!text.contains("flinkform_data.same"));
    assert!(!text.contains("flinkform_data.stale"));
    // Legend in Terraform's order, only the symbols used.
    assert!(text.contains(
        "symbols:\n  + create\n  ~ update in-place\n  - destroy\n-/+ destroy and then create replacement\n+/- create replacement and then destroy\n <= read (data resources)\n"
    ), "{text}");
    assert!(
        text.contains("Plan: 5 to add, 1 to change, 8 to destroy."),
        "{text}"
    );
}

#[test]
fn json_unknown_encoding() {
    let after = obj(vec![
        ("id", unknown()),
        ("name", s("x")),
        ("list", Value::list(vec![s("a"), unknown()])),
        ("nested", obj(vec![("known", n(1.0)), ("later", unknown())])),
        ("all_known", obj(vec![("k", n(1.0))])),
        ("whole_list", Value::unknown(Type::list(Type::String))),
        ("empty", Value::list(vec![])),
        ("nothing", Value::null()),
    ]);
    let plan = Plan {
        changes: vec![change(
            "flinkform_data.u",
            Action::Create,
            None,
            Some(after),
        )],
        ..Plan::default()
    };
    let j = plan_json(&plan, &[]);
    let c = &j["resource_changes"][0]["change"];
    assert_eq!(
        c["after_unknown"],
        // Known leaves are left out of objects; known collections stay (`{}`, `[]`), as in
        // Terraform's unknownAsBool.
        json!({
            "id": true,
            "list": [false, true],
            "nested": {"later": true},
            "all_known": {},
            "whole_list": true,
            "empty": [],
        })
    );
    // Unknown attributes are left out of `after`, unknown elements are null.
    assert_eq!(
        c["after"],
        json!({
            "name": "x",
            "list": ["a", null],
            "nested": {"known": 1},
            "all_known": {"k": 1},
            "empty": [],
            "nothing": null,
        })
    );
    assert_eq!(c["before"], json!(null));
    assert_eq!(c["before_sensitive"], json!(false));
    // Likewise for sensitivity: known collections keep their shape, an unknown list is `[]`.
    assert_eq!(
        c["after_sensitive"],
        json!({
            "list": [false, false],
            "nested": {},
            "all_known": {},
            "whole_list": [],
            "empty": [],
        })
    );
    assert_eq!(c["actions"], json!(["create"]));

    // Nothing unknown: `{}`; deleting: `after` null, `{}`, not sensitive.
    let plan = Plan {
        changes: vec![change(
            "flinkform_data.d",
            Action::Delete,
            Some(obj(vec![("a", n(1.0))])),
            None,
        )],
        ..Plan::default()
    };
    let c = &plan_json(&plan, &[])["resource_changes"][0]["change"];
    assert_eq!(c["after"], json!(null));
    assert_eq!(c["after_unknown"], json!({}));
    assert_eq!(c["after_sensitive"], json!(false));
    assert_eq!(c["before_sensitive"], json!({}));
    assert_eq!(c["before"], json!({"a": 1}));
}

#[test]
fn json_sensitive_encoding() {
    let before = obj(vec![
        ("password", s("hunter2-old-password").mark_sensitive()),
        ("plain", s("p")),
        (
            "list",
            Value::list(vec![s("secret-list-element").mark_sensitive(), s("v")]),
        ),
        (
            "map",
            map(vec![
                ("t", s("nested-token-value").mark_sensitive()),
                ("u", s("ok")),
            ]),
        ),
        (
            "whole",
            obj(vec![("x", s("nested-token-value"))]).mark_sensitive(),
        ),
    ]);
    let plan = Plan {
        changes: vec![change(
            "flinkform_data.s",
            Action::Update,
            Some(before.clone()),
            Some(before),
        )],
        output_changes: {
            let mut o = output("pw", Action::Create, None, Some(s("output-secret-value")));
            o.sensitive = true;
            vec![o, output("plain", Action::Create, None, Some(s("v")))]
        },
        ..Plan::default()
    };
    let j = plan_json(&plan, &[]);
    let c = &j["resource_changes"][0]["change"];
    let marks = json!({
        "password": true,
        "list": [true, false],
        "map": {"t": true},
        "whole": true,
    });
    assert_eq!(c["before_sensitive"], marks);
    assert_eq!(c["after_sensitive"], marks);
    assert_eq!(
        c["before"],
        json!({
            "password": null,
            "plain": "p",
            "list": [null, "v"],
            "map": {"t": null, "u": "ok"},
            "whole": null,
        })
    );
    assert_eq!(
        j["output_changes"]["pw"],
        json!({
            "actions": ["create"],
            "before": null,
            "after": null,
            "after_unknown": false,
            "before_sensitive": true,
            "after_sensitive": true,
        })
    );
    assert_eq!(j["output_changes"]["plain"]["after"], json!("v"));
    assert_eq!(
        j["output_changes"]["plain"]["after_sensitive"],
        json!(false)
    );
}

#[test]
fn json_addresses_reasons_and_paths() {
    let j = plan_json(&full_plan(), &[]);
    let changes = j["resource_changes"].as_array().expect("array");
    let find = |address: &str| {
        changes
            .iter()
            .find(|c| c["address"] == json!(address))
            .unwrap_or_else(|| panic!("{address} missing"))
    };
    // No-ops are included, as in Terraform.
    assert_eq!(
        find("flinkform_data.same")["change"]["actions"],
        json!(["no-op"])
    );
    let edge = find(r#"module.platform["eu"].flink_cluster.edge"#);
    assert_eq!(edge["module_address"], json!(r#"module.platform["eu"]"#));
    assert_eq!(edge["action_reason"], json!("replace_because_tainted"));
    assert_eq!(edge["change"]["actions"], json!(["create", "delete"]));
    assert_eq!(edge["provider_name"], json!("flinkform"));
    let main = find("flink_cluster.main");
    assert!(main.get("module_address").is_none() && main.get("index").is_none());
    assert_eq!(main["change"]["replace_paths"], json!([["image"]]));
    assert_eq!(main["change"]["actions"], json!(["delete", "create"]));
    assert!(main.get("action_reason").is_none());
    assert_eq!(find("flinkform_data.workers[3]")["index"], json!(3));
    assert_eq!(
        find("flinkform_data.workers[3]")["action_reason"],
        json!("delete_because_count_index")
    );
    assert_eq!(find(r#"flinkform_data.by_key["x"]"#)["index"], json!("x"));
    assert_eq!(find("data.flinkform_data.lookup")["mode"], json!("data"));
    for (address, reason) in [
        ("flinkform_data.old", "delete_because_no_resource_config"),
        (r#"flinkform_data.by_key["x"]"#, "delete_because_each_key"),
        ("module.gone.flinkform_data.y", "delete_because_no_module"),
        ("flink_cluster.requested", "replace_by_request"),
        ("flink_cluster.triggered", "replace_by_triggers"),
    ] {
        assert_eq!(find(address)["action_reason"], json!(reason), "{address}");
    }
    assert_eq!(j["resource_drift"].as_array().map(Vec::len), Some(2));
    assert_eq!(j["errored"], json!(false));

    let mut nested = change("flinkform_data.n", Action::DeleteThenCreate, None, None);
    nested.replace_paths.push(AttrPath(vec![
        PathStep::Attr("rule".into()),
        PathStep::Index(0),
        PathStep::Key("k".into()),
    ]));
    let plan = Plan {
        changes: vec![nested],
        ..Plan::default()
    };
    let errors = [Diagnostic::error("Provider failed", "boom")];
    let j = plan_json(&plan, &errors);
    assert_eq!(
        j["resource_changes"][0]["change"]["replace_paths"],
        json!([["rule", 0, "k"]])
    );
    assert_eq!(j["errored"], json!(true));
    assert_eq!(
        j["errors"],
        json!([{"severity": "error", "summary": "Provider failed", "detail": "boom"}])
    );
}

#[test]
fn markdown_rows_and_escaping() {
    let md = plan_markdown(&full_plan());
    assert!(
        md.starts_with("### Plan: 5 to add, 1 to change, 8 to destroy.\n"),
        "{md}"
    );
    assert!(md.contains("| `~` | `flink_job.etl[\"payments\"]` | update in-place: `added_flag`, `labels`, `parallelism`, `password`, `removed_flag`, and 4 more (restart from savepoint; rescale task managers) |"), "{md}");
    assert!(
        md.contains("| `-/+` | `flink_cluster.main` | replace (forced by `image`) |"),
        "{md}"
    );
    assert!(md
        .contains("> **Note:** 2 objects have changed outside of flinkform since the last apply."));
    // Diff markers in the first column, heredoc content untouched.
    assert!(
        md.contains("\n+   resource \"flink_job\" \"etl\" {\n"),
        "{md}"
    );
    assert!(md.contains("\n-           SELECT o.id, o.amount\n"), "{md}");
    assert!(md.contains("<details><summary>Show plan</summary>\n\n```diff\n"));

    // A key holding a pipe and backticks stays inside its cell and code span.
    let plan = Plan {
        changes: vec![change(
            r#"flinkform_data.k["a|b`c"]"#,
            Action::Create,
            None,
            Some(obj(vec![("content", s("```\ncode\n```\n"))])),
        )],
        ..Plan::default()
    };
    let md = plan_markdown(&plan);
    assert!(
        md.contains("| `+` | ``flinkform_data.k[\"a\\|b`c\"]`` | create |"),
        "{md}"
    );
    // The fence is longer than any run of backticks in the rendering.
    assert!(md.contains("````diff\n"), "{md}");
}

mod arbitrary_values {
    use super::*;
    use proptest::prelude::*;

    /// Values of every kind, with unknowns and sensitive parts; only sensitive strings hold
    /// "SECRET", so any "SECRET" in a rendering is a leak.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            "[ab \n]{0,12}".prop_map(Value::string),
            (-3i32..3).prop_map(|n| Value::number(f64::from(n) / 2.0)),
            any::<bool>().prop_map(Value::bool),
            Just(Value::null()),
            Just(Value::unknown(Type::String)),
            Just(Value::unknown(Type::list(Type::String))),
            (0u8..10).prop_map(|n| Value::string(format!("x\nSECRET{n}\n")).mark_sensitive()),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            let entries = prop::collection::btree_map("[a-c]{1,2}", inner.clone(), 0..4);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::list),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::tuple),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::set),
                entries.clone().prop_map(Value::map),
                entries.clone().prop_map(Value::object),
                (entries, any::<bool>()).prop_map(|(m, s)| Value::object(m).mark_sensitive_if(s)),
            ]
        })
    }

    fn object() -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[a-e]{1,3}", value(), 0..6).prop_map(Value::object)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn renderings_never_panic_nor_leak(
            before in object(),
            after in object(),
            output_before in value(),
            output_after in value(),
            replace in any::<bool>(),
        ) {
            let mut update = change("flinkform_data.u", Action::Update, Some(before.clone()), Some(after.clone()));
            if replace {
                update.action = Action::DeleteThenCreate;
                update.replace_paths = before.as_map().into_iter().flat_map(|m| m.keys()).map(AttrPath::attr).collect();
                update.notes = after.as_map().into_iter().flat_map(|m| m.keys()).map(|k| (AttrPath::attr(k), "a note".to_string())).collect();
            }
            let plan = Plan {
                mode: PlanMode::Normal,
                changes: vec![
                    update,
                    change("flinkform_data.c", Action::Create, None, Some(after.clone())),
                    change("flinkform_data.d", Action::Delete, Some(before.clone()), None),
                ],
                drift: vec![change("flinkform_data.u", Action::Update, Some(after), Some(before))],
                output_changes: vec![output("o", Action::Update, Some(output_before), Some(output_after))],
            };
            for rendering in all_renderings(&plan) {
                prop_assert!(!rendering.contains("SECRET"), "{}", rendering);
            }
        }
    }
}
