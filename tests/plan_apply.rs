//! plan / apply / destroy end to end through the real binary, with the built-in resources.

use std::path::Path;
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn flinkform(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_flinkform"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("FLINKFORM_TESTING_PROVIDER")
        .output()
        .expect("run flinkform");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let r = flinkform(dir, args);
    assert_eq!(
        r.code, 0,
        "flinkform {args:?} failed:\n{}\n{}",
        r.stdout, r.stderr
    );
    r.stdout
}

/// A temporary configuration directory with `main.hcl`.
fn config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), text);
    dir
}

fn write(dir: &Path, text: &str) {
    std::fs::write(dir.join("main.hcl"), text).unwrap();
}

fn state_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("state/default.json")).unwrap()).unwrap()
}

fn addresses(state: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for r in state["resources"].as_array().unwrap() {
        for i in r["instances"].as_array().unwrap() {
            let key = match &i["index_key"] {
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) => format!("[{n}]"),
                serde_json::Value::String(s) => format!("[\"{s}\"]"),
                other => panic!("bad key {other}"),
            };
            out.push(format!("{}{key}", r["address"].as_str().unwrap()));
        }
    }
    out.sort();
    out
}

const BASE: &str = r#"
variable "n" {
  type    = number
  default = 2
}

resource "flinkform_data" "a" {
  count = var.n
  input = "a-${count.index}"
}

resource "flinkform_data" "b" {
  input = [for a in flinkform_data.a : a.output]
}

output "b" {
  value = flinkform_data.b.output
}
"#;

#[test]
fn plan_apply_plan_again_reports_no_changes() {
    let dir = config(BASE);
    let d = dir.path();
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 2);
    let out = ok(d, &["apply", "--auto-approve"]);
    assert!(
        out.contains("Apply complete! Resources: 3 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    assert!(out.contains(r#"b = ["a-0", "a-1"]"#), "{out}");
    let again = flinkform(d, &["plan", "--detailed-exitcode"]);
    assert_eq!(again.code, 0, "{}{}", again.stdout, again.stderr);
    assert!(again.stdout.contains("No changes."), "{}", again.stdout);
    assert_eq!(
        addresses(&state_json(d)),
        [
            "flinkform_data.a[0]",
            "flinkform_data.a[1]",
            "flinkform_data.b"
        ]
    );
    // Mode 0600, with a backup of the previous version kept after the second write.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("state/default.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn every_action_kind() {
    let dir = config(BASE);
    let d = dir.path();
    ok(d, &["apply", "--auto-approve"]);
    write(
        d,
        r#"
resource "flinkform_data" "a" {
  count = 1
  input = "a-${count.index}-changed"
}

resource "flinkform_data" "b" {
  input            = [for a in flinkform_data.a : a.output]
  triggers_replace = "v2"
}

resource "flinkform_data" "c" {
  input            = "new"
  triggers_replace = "v1"
  lifecycle {
    create_before_destroy = true
  }
}
"#,
    );
    let plan = ok(d, &["plan"]);
    assert!(
        plan.contains("# flinkform_data.a[0] will be updated in-place"),
        "{plan}"
    );
    assert!(
        plan.contains("# flinkform_data.a[1] will be destroyed"),
        "{plan}"
    );
    assert!(plan.contains("is out of range for count"), "{plan}");
    assert!(
        plan.contains("# flinkform_data.b must be replaced"),
        "{plan}"
    );
    assert!(
        plan.contains("-/+ resource \"flinkform_data\" \"b\""),
        "{plan}"
    );
    assert!(plan.contains("# forces replacement"), "{plan}");
    assert!(
        plan.contains("# flinkform_data.c will be created"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 2 to add, 1 to change, 2 to destroy."),
        "{plan}"
    );
    assert!(
        plan.contains("- b = [") || plan.contains("- b ="),
        "output removal shown: {plan}"
    );

    let json: serde_json::Value = serde_json::from_str(&ok(d, &["plan", "--json"])).unwrap();
    let actions: Vec<(String, Vec<String>)> = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["change"]["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let find = |a: &str| {
        actions
            .iter()
            .find(|(x, _)| x == a)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(find("flinkform_data.a[0]"), ["update"]);
    assert_eq!(find("flinkform_data.a[1]"), ["delete"]);
    assert_eq!(find("flinkform_data.b"), ["delete", "create"]);
    assert_eq!(find("flinkform_data.c"), ["create"]);

    ok(d, &["apply", "--auto-approve"]);
    assert_eq!(
        addresses(&state_json(d)),
        [
            "flinkform_data.a[0]",
            "flinkform_data.b",
            "flinkform_data.c"
        ]
    );

    // create_before_destroy: the new object exists before the old one is destroyed.
    write(
        d,
        r#"
resource "flinkform_data" "c" {
  input            = "new"
  triggers_replace = "v2"
  lifecycle {
    create_before_destroy = true
  }
}
"#,
    );
    let plan = ok(d, &["plan"]);
    assert!(
        plan.contains("+/- resource \"flinkform_data\" \"c\""),
        "{plan}"
    );
    let out = ok(d, &["apply", "--auto-approve", "--parallelism", "1"]);
    let created = out
        .find("flinkform_data.c: Creation complete")
        .expect("created");
    let destroyed = out
        .find("flinkform_data.c: Destruction complete")
        .expect("destroyed");
    assert!(created < destroyed, "{out}");
    // The deleted resources (a and b) go before nothing else depends on them... and in reverse
    // dependency order: b (which used a) before a.
    let b_gone = out
        .find("flinkform_data.b: Destruction complete")
        .expect("b destroyed");
    let a_gone = out
        .find("flinkform_data.a[0]: Destruction complete")
        .expect("a destroyed");
    assert!(b_gone < a_gone, "{out}");
    assert_eq!(addresses(&state_json(d)), ["flinkform_data.c"]);
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn drift_is_reported_apart_and_repaired() {
    let dir = config(
        r#"
resource "local_file" "f" {
  filename = "${path.module}/out/f.txt"
  content  = "managed"
}
"#,
    );
    let d = dir.path();
    ok(d, &["apply", "--auto-approve"]);
    std::fs::write(d.join("out/f.txt"), "edited by hand").unwrap();
    let plan = flinkform(d, &["plan", "--detailed-exitcode"]);
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout
            .contains("Objects have changed outside of flinkform"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("# local_file.f has changed"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("# local_file.f must be replaced"),
        "{}",
        plan.stdout
    );
    ok(d, &["apply", "--auto-approve"]);
    assert_eq!(
        std::fs::read_to_string(d.join("out/f.txt")).unwrap(),
        "managed"
    );

    // Deleted outside: drift says so, and the plan creates it again.
    std::fs::remove_file(d.join("out/f.txt")).unwrap();
    let plan = ok(d, &["plan"]);
    assert!(plan.contains("# local_file.f has been deleted"), "{plan}");
    assert!(plan.contains("# local_file.f will be created"), "{plan}");
    // refresh-only records the deletion without changing anything.
    ok(d, &["refresh"]);
    assert!(addresses(&state_json(d)).is_empty());
}

#[test]
fn ignore_changes_and_prevent_destroy() {
    let dir = config(
        r#"
resource "flinkform_data" "x" {
  input = { name = "a", tags = { owner = "me" } }
  lifecycle {
    ignore_changes = [input]
  }
}

resource "flinkform_data" "keep" {
  input = "precious"
  lifecycle {
    prevent_destroy = true
  }
}
"#,
    );
    let d = dir.path();
    ok(d, &["apply", "--auto-approve"]);
    write(
        d,
        r#"
resource "flinkform_data" "x" {
  input = { name = "b", tags = { owner = "you" } }
  lifecycle {
    ignore_changes = [input]
  }
}

resource "flinkform_data" "keep" {
  input            = "precious"
  triggers_replace = "now"
  lifecycle {
    prevent_destroy = true
  }
}
"#,
    );
    let r = flinkform(d, &["plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Instance cannot be destroyed"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("flinkform_data.keep"), "{}", r.stderr);
    // Removing the block is a destroy too, and refused likewise while the block says so...
    write(
        d,
        r#"
resource "flinkform_data" "x" {
  input = { name = "b", tags = { owner = "you" } }
  lifecycle {
    ignore_changes = [input]
  }
}

resource "flinkform_data" "keep" {
  input = "precious"
  lifecycle {
    prevent_destroy = true
  }
}
"#,
    );
    let r = flinkform(d, &["plan", "--detailed-exitcode"]);
    assert_eq!(
        r.code, 0,
        "ignore_changes hides the input change: {}{}",
        r.stdout, r.stderr
    );
    let r = flinkform(d, &["destroy", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("Instance cannot be destroyed"),
        "{}",
        r.stderr
    );
}

#[test]
fn target_and_replace() {
    let dir = config(
        r#"
resource "flinkform_data" "base" {
  input = "base"
}

resource "flinkform_data" "dep" {
  input = flinkform_data.base.output
}

resource "flinkform_data" "other" {
  input = "other"
}
"#,
    );
    let d = dir.path();
    let out = ok(
        d,
        &["apply", "--auto-approve", "--target", "flinkform_data.dep"],
    );
    assert!(out.contains("Resources: 2 added"), "{out}");
    assert_eq!(
        addresses(&state_json(d)),
        ["flinkform_data.base", "flinkform_data.dep"]
    );
    ok(d, &["apply", "--auto-approve"]);
    let id_of = |name: &str| {
        let state = state_json(d);
        let r = state["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["address"] == name)
            .unwrap()
            .clone();
        r["instances"][0]["attributes"]["id"].clone()
    };
    let id_before = id_of("flinkform_data.other");
    let dep_before = id_of("flinkform_data.dep");
    let plan = ok(d, &["plan", "--replace", "flinkform_data.other"]);
    assert!(
        plan.contains("# flinkform_data.other will be replaced, as requested"),
        "{plan}"
    );
    assert!(
        plan.contains("Plan: 1 to add, 0 to change, 1 to destroy."),
        "{plan}"
    );
    ok(
        d,
        &[
            "apply",
            "--auto-approve",
            "--replace",
            "flinkform_data.other",
        ],
    );
    assert_ne!(id_before, id_of("flinkform_data.other"));
    assert_eq!(
        dep_before,
        id_of("flinkform_data.dep"),
        "only the requested instance is replaced"
    );
    let bad = flinkform(d, &["plan", "--target", "flinkform_data"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("Invalid --target address"),
        "{}",
        bad.stderr
    );
}

#[test]
fn saved_plans_apply_exactly_and_stale_ones_are_refused() {
    let dir = config(BASE);
    let d = dir.path();
    let out = ok(d, &["plan", "--out", "tf.plan"]);
    assert!(out.contains("flinkform apply \"tf.plan\""), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(d.join("tf.plan"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
    // Applying a saved plan asks nothing.
    let out = ok(d, &["apply", "tf.plan"]);
    assert!(out.contains("3 added"), "{out}");
    // The state moved on: the same plan is stale now.
    let r = flinkform(d, &["apply", "tf.plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Saved plan is stale") && r.stderr.contains("state has changed"),
        "{}",
        r.stderr
    );
    // A plan whose configuration changed afterwards is refused too.
    write(d, &BASE.replace("default = 2", "default = 3"));
    ok(d, &["plan", "--out", "next.plan"]);
    write(d, &BASE.replace("default = 2", "default = 4"));
    let r = flinkform(d, &["apply", "next.plan"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("configuration has changed"),
        "{}",
        r.stderr
    );
}

#[test]
fn detailed_exit_codes() {
    let dir = config(BASE);
    let d = dir.path();
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 2);
    ok(d, &["apply", "--auto-approve"]);
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 0);
    // An output-only change counts as a change.
    write(
        d,
        &format!("{BASE}\noutput \"extra\" {{\n  value = 1\n}}\n"),
    );
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 2);
    write(
        d,
        "resource \"flinkform_data\" \"x\" {\n  input = var.nope\n}\n",
    );
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 1);
}

#[test]
fn a_second_writer_is_stopped_by_the_lock() {
    let dir = config(
        r#"
resource "time_sleep" "slow" {
  create_duration = "3s"
}
"#,
    );
    let d = dir.path();
    let mut first = Command::new(env!("CARGO_BIN_EXE_flinkform"))
        .args(["apply", "--auto-approve"])
        .current_dir(d)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the first run holds the lock.
    let lock = d.join("state/default.json.lock");
    for _ in 0..200 {
        if lock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert!(lock.exists(), "the first apply never took the lock");
    let second = flinkform(d, &["apply", "--auto-approve"]);
    assert_eq!(second.code, 1);
    assert!(
        second.stderr.contains("Error acquiring the state lock"),
        "{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("apply"),
        "names the holder's operation: {}",
        second.stderr
    );
    assert!(first.wait().unwrap().success());
    // With a timeout long enough, the second one waits and goes through.
    let waited = flinkform(d, &["apply", "--auto-approve", "--lock-timeout", "30s"]);
    assert_eq!(waited.code, 0, "{}", waited.stderr);
}

#[test]
fn rendered_and_json_plan_snapshots() {
    let dir = config(
        r#"
variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}

resource "flinkform_data" "config" {
  input = {
    sql      = "SELECT *\nFROM orders\nWHERE amount > 10"
    replicas = 2
  }
}

resource "local_file" "secret" {
  filename          = "${path.module}/out/secret.txt"
  sensitive_content = var.secret
}

output "config_id" {
  value = flinkform_data.config.id
}
"#,
    );
    let d = dir.path();
    ok(d, &["apply", "--auto-approve"]);
    std::fs::write(
        d.join("main.hcl"),
        r#"
variable "secret" {
  type      = string
  default   = "hunter3"
  sensitive = true
}

resource "flinkform_data" "config" {
  input = {
    sql      = "SELECT *\nFROM orders\nWHERE amount > 100"
    replicas = 3
  }
}

resource "local_file" "secret" {
  filename          = "${path.module}/out/secret.txt"
  sensitive_content = var.secret
}

output "config_id" {
  value = flinkform_data.config.id
}
"#,
    )
    .unwrap();
    let human = ok(d, &["plan"]);
    assert!(!human.contains("hunter"), "a secret in the plan:\n{human}");
    let json = ok(d, &["plan", "--json"]);
    assert!(
        !json.contains("hunter"),
        "a secret in the JSON plan:\n{json}"
    );
    // Ids and hashes differ per run: keep the shape, not the random parts.
    let id = state_json(d)["resources"][0]["instances"][0]["attributes"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    insta::assert_snapshot!("plan_human", human.replace(&id, "<id>"));
    let mut doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let text = serde_json::to_string_pretty(&doc.take())
        .unwrap()
        .replace(&id, "<id>");
    insta::assert_snapshot!("plan_json", text);
}

#[test]
fn replace_triggered_by_replaces_on_a_change_of_what_it_names() {
    let dir = config(
        r#"
resource "flinkform_data" "cluster" {
  input = "v1"
}

resource "flinkform_data" "job" {
  input = "job"
  lifecycle {
    replace_triggered_by = [flinkform_data.cluster]
  }
}
"#,
    );
    let d = dir.path();
    ok(d, &["apply", "--auto-approve"]);
    let text = std::fs::read_to_string(d.join("main.hcl"))
        .unwrap()
        .replace("\"v1\"", "\"v2\"");
    write(d, &text);
    let plan = ok(d, &["plan"]);
    assert!(
        plan.contains("# flinkform_data.cluster will be updated in-place"),
        "{plan}"
    );
    assert!(
        plan.contains(
            "# flinkform_data.job will be replaced due to changes in replace_triggered_by"
        ),
        "{plan}"
    );
    ok(d, &["apply", "--auto-approve"]);
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn saved_plans_show_as_text_json_and_markdown() {
    let dir = config(BASE);
    let d = dir.path();
    ok(d, &["plan", "--out", "p.plan"]);
    let text = ok(d, &["show", "p.plan"]);
    assert!(
        text.contains("Plan: 3 to add, 0 to change, 0 to destroy."),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(d, &["show", "--json", "p.plan"])).unwrap();
    assert_eq!(json["format_version"], "1.0");
    assert_eq!(json["resource_changes"].as_array().unwrap().len(), 3);
    let md = ok(d, &["show", "--markdown", "p.plan"]);
    assert!(
        md.contains("<details>") && md.contains("| Action | Resource |"),
        "{md}"
    );
    assert!(md.contains("flinkform_data.a[0]"), "{md}");
}

#[cfg(unix)]
#[test]
fn one_interrupt_finishes_running_operations_and_starts_nothing_new() {
    let dir = config(
        r#"
resource "time_sleep" "first" {
  create_duration = "2s"
}

resource "time_sleep" "second" {
  create_duration = "1s"
  triggers = {
    after = time_sleep.first.id
  }
}
"#,
    );
    let d = dir.path();
    let child = Command::new(env!("CARGO_BIN_EXE_flinkform"))
        .args(["apply", "--auto-approve"])
        .current_dir(d)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once while the first operation runs.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("Interrupt received"), "{stderr}");
    assert!(
        stdout.contains("time_sleep.first: Creation complete"),
        "the running operation finished: {stdout}"
    );
    assert!(
        !stdout.contains("time_sleep.second: Creating"),
        "nothing new started: {stdout}"
    );
    assert!(stdout.contains("Apply interrupted."), "{stdout}");
    assert_eq!(addresses(&state_json(d)), ["time_sleep.first"]);
}
