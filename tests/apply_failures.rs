//! Failures during apply, with the `testing` provider: a failed operation skips what depends
//! on it and lets independent branches finish; a kill -9 in the middle of a 500-resource apply
//! leaves a state that parses and says what completed, and applying again converges without
//! creating anything twice.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flinkform"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("FLINKFORM_TESTING_PROVIDER", "1");
    c
}

fn flinkform(dir: &Path, args: &[&str]) -> Run {
    let out = command(dir, args).output().expect("run flinkform");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn state_list(dir: &Path) -> Vec<String> {
    let r = flinkform(dir, &["state", "list"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    r.stdout.lines().map(str::to_string).collect()
}

#[test]
fn a_failure_skips_dependents_and_independent_branches_finish() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |fail: bool| {
        let fail_on = if fail { "fail_on = \"create\"" } else { "" };
        std::fs::write(
            d.join("main.hcl"),
            format!(
                r#"
resource "testing_resource" "bad" {{
  value = "bad"
  {fail_on}
}}

resource "testing_resource" "dep" {{
  value = testing_resource.bad.id
}}

resource "testing_resource" "indep" {{
  value = "indep"
}}

resource "testing_resource" "after_indep" {{
  value = testing_resource.indep.id
}}
"#
            ),
        )
        .unwrap();
    };
    write(true);
    let r = flinkform(d, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("testing_resource: injected failure on create"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("Failed:\n  testing_resource.bad\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  testing_resource.dep\n"),
        "dependents listed as not applied: {}",
        r.stdout
    );
    assert!(r.stdout.contains("Resources: 2 added"), "{}", r.stdout);
    assert_eq!(
        state_list(d),
        ["testing_resource.after_indep", "testing_resource.indep"]
    );

    write(false);
    let r = flinkform(d, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("Resources: 2 added, 0 changed, 0 destroyed."),
        "{}",
        r.stdout
    );
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 0);
}

#[test]
fn kill_9_in_the_middle_of_a_500_resource_apply_then_apply_again_converges() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let objects = d.join("objects");
    std::fs::create_dir_all(&objects).unwrap();
    std::fs::write(
        d.join("main.hcl"),
        format!(
            r#"
resource "testing_resource" "first" {{
  count     = 250
  value     = "first-${{count.index}}"
  delay     = "10ms"
  state_dir = "{dir}"
}}

resource "testing_resource" "second" {{
  count     = 250
  value     = "second-${{testing_resource.first[count.index].value}}"
  delay     = "10ms"
  state_dir = "{dir}"
}}
"#,
            dir = objects.display()
        ),
    )
    .unwrap();

    let mut child = command(d, &["apply", "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut confirmed = Vec::new();
    let reader = BufReader::new(child.stdout.take().unwrap());
    for line in reader.lines() {
        let Ok(line) = line else { break };
        if let Some((addr, _)) = line.split_once(": Creation complete") {
            confirmed.push(addr.to_string());
            if confirmed.len() == 120 {
                child.kill().unwrap(); // SIGKILL
                break;
            }
        }
    }
    child.wait().unwrap();
    assert_eq!(
        confirmed.len(),
        120,
        "the apply ended before it could be killed"
    );

    // The state parses and holds every operation the output called complete.
    let listed = state_list(d);
    for addr in &confirmed {
        assert!(
            listed.contains(addr),
            "{addr} was reported complete but is not in the state"
        );
    }
    assert!(listed.len() < 500, "the kill came before the end");

    // The dead run's lock is reported as stale; remove it, then apply again.
    let r = flinkform(d, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("stale"), "{}", r.stderr);
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("state/default.json.lock")).unwrap())
            .unwrap();
    let id = lock["id"].as_str().unwrap();
    let r = flinkform(d, &["force-unlock", "--force", id]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let r = flinkform(d, &["apply", "--auto-approve"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(state_list(d).len(), 500);
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 0);

    // Nothing was created twice: one create per object.
    let log = std::fs::read_to_string(objects.join("creates.log")).unwrap();
    let mut per_value: HashMap<&str, usize> = HashMap::new();
    for line in log.lines() {
        let value = line.split_once(' ').map(|(_, v)| v).unwrap_or_default();
        *per_value.entry(value).or_default() += 1;
    }
    // (A kill between writing an object and logging it leaves it unlogged: the count of
    // objects comes from their files.)
    let objects_on_disk = std::fs::read_dir(&objects)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .count();
    assert_eq!(objects_on_disk, 500);
    assert!(
        per_value.values().all(|&n| n == 1),
        "created twice: {:?}",
        per_value
            .iter()
            .filter(|(_, n)| **n > 1)
            .collect::<Vec<_>>()
    );
}

#[test]
fn data_sources_are_read_while_planning_or_during_apply() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("main.hcl"),
        r#"
data "testing_data" "known" {
  input = "known now"
}

resource "testing_resource" "r" {
  value = data.testing_data.known.output
}

# Depends on an id known only after apply: read during apply.
data "testing_data" "later" {
  input = testing_resource.r.id
}

output "later" {
  value = data.testing_data.later.output
}
"#,
    )
    .unwrap();
    let plan = flinkform(d, &["plan"]);
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("value      = \"known now\"")
            || plan.stdout.contains("value = \"known now\""),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("# data.testing_data.later will be read during apply"),
        "{}",
        plan.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&flinkform(d, &["plan", "--json"]).stdout).unwrap();
    let later = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "data.testing_data.later")
        .unwrap();
    assert_eq!(later["change"]["actions"][0], "read");
    let apply = flinkform(d, &["apply", "--auto-approve"]);
    assert_eq!(apply.code, 0, "{}{}", apply.stdout, apply.stderr);
    let id = flinkform(d, &["state", "show", "testing_resource.r"]).stdout;
    let output = flinkform(d, &["output", "--raw", "later"]).stdout;
    assert!(
        !output.is_empty() && id.contains(output.trim()),
        "the read saw the created id: {output} / {id}"
    );
    // Data sources are read each run and never recorded.
    assert_eq!(state_list(d), ["testing_resource.r"]);
    assert_eq!(flinkform(d, &["plan", "--detailed-exitcode"]).code, 0);
}
