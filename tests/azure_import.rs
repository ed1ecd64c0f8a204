//! `flinkform import ADDRESS ID`: what it refuses, and importing into counted instances.

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use arm_standin::StandIn;
use azure_support::{assert_no_changes, attributes, config, flinkform, ok, PROVIDER};
use serde_json::json;

const GROUPS: &str = r#"
resource "azure_resource_group" "g" {
  count    = 2
  name     = "rg-import-${count.index}"
  location = "West Europe"
}
"#;

#[test]
fn import_refuses_what_it_cannot_do_and_fills_counted_instances() {
    let s = StandIn::start();
    azure_support::azure_like::install(&s);
    let dir = config(&format!("{PROVIDER}{GROUPS}"));
    let d = dir.path();
    let id = |n: usize| {
        format!(
            "/subscriptions/{}/resourceGroups/rg-import-{n}",
            s.subscription_id
        )
    };
    for n in 0..2 {
        s.seed(&id(n), json!({"location": "westeurope", "tags": {}}));
    }

    let no_block = flinkform(d, &s, &["import", "azure_resource_group.other", &id(0)]);
    assert_eq!(no_block.code, 1);
    assert!(
        no_block
            .stderr
            .contains("Configuration for import target does not exist"),
        "{}",
        no_block.stderr
    );

    let no_index = flinkform(d, &s, &["import", "azure_resource_group.g", &id(0)]);
    assert_eq!(no_index.code, 1);
    assert!(
        no_index.stderr.contains("has \"count\" set"),
        "{}",
        no_index.stderr
    );

    let bad_id = flinkform(
        d,
        &s,
        &["import", "azure_resource_group.g[0]", "rg-import-0"],
    );
    assert_eq!(bad_id.code, 1);
    assert!(
        bad_id.stderr.contains("Invalid import ID"),
        "{}",
        bad_id.stderr
    );

    let wrong_type = flinkform(
        d,
        &s,
        &[
            "import",
            "azure_resource_group.g[0]",
            &format!("{}/providers/Microsoft.Network/virtualNetworks/v", id(0)),
        ],
    );
    assert_eq!(wrong_type.code, 1);
    assert!(
        wrong_type.stderr.contains("expected an ID like"),
        "{}",
        wrong_type.stderr
    );

    let missing = flinkform(
        d,
        &s,
        &[
            "import",
            "azure_resource_group.g[0]",
            &format!("/subscriptions/{}/resourceGroups/nope", s.subscription_id),
        ],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("Cannot import non-existent remote object"),
        "{}",
        missing.stderr
    );
    assert!(
        !d.join("state/default.json").exists()
            || !azure_support::state_text(d).contains("azure_resource_group")
    );

    for n in 0..2 {
        let out = ok(
            d,
            &s,
            &["import", &format!("azure_resource_group.g[{n}]"), &id(n)],
        );
        assert!(out.stdout.contains("Import successful!"), "{}", out.stdout);
    }
    assert_eq!(
        attributes(d, "azure_resource_group.g[1]")["location"],
        "westeurope"
    );
    assert_no_changes(d, &s);
}
