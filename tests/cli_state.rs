//! The state commands (`state list|show|rm|mv`, `output`, `show`, `force-unlock`) run as the
//! real binary against state files written with the state library, in a copy of the fixture
//! configurations in `tests/cases/state/`.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flinkform::addrs::AbsResourceInstance;
use flinkform::lang::Value;
use flinkform::providers::schema::{AttrPath, PathStep};
use flinkform::state::lock::LockInfo;
use flinkform::state::{InstanceState, LocalBackend, OutputState, State};
use serde_json::{json, Value as Json};

/// The secrets in the sample state: none may ever be printed by `state show` or `show`.
const FILE_SECRET: &str = "hunter2-top-secret";
const NESTED_SECRET: &str = "eu-api-key-9f8e";
const OUTPUT_SECRET: &str = "s3cr3t-output";

/// A copy of a fixture configuration in a temporary directory.
fn fixture(case: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases/state")
            .join(case),
        dir.path(),
    );
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn addr(s: &str) -> AbsResourceInstance {
    s.parse().unwrap()
}

fn data(id: &str, input: Json) -> InstanceState {
    InstanceState::new(json!({"id": id, "input": input, "output": input, "triggers_replace": null}))
}

/// The state of `basic/main.hcl` after an apply.
fn sample_state() -> State {
    let mut state = State::new();
    let provider = "provider.flinkform";
    state.set_instance(
        addr("time_sleep.wait"),
        provider,
        InstanceState::new(json!({
            "id": "2024-05-01T10:00:00Z", "create_duration": "30s",
            "destroy_duration": null, "triggers": null
        })),
    );
    let mut app = data("app-1", json!("hello"));
    app.dependencies = vec!["time_sleep.wait".into()];
    state.set_instance(addr("flinkform_data.app"), provider, app);
    for i in 0..2 {
        state.set_instance(
            addr(&format!("flinkform_data.multi[{i}]")),
            provider,
            data(
                &format!("multi-{i}"),
                json!({"index": i, "lines": "first\nsecond\n"}),
            ),
        );
    }
    for region in ["eu", "us"] {
        let mut each = data(
            &format!("each-{region}"),
            json!({"region": region, "tags": ["a", "b"], "api_key": format!("{region}-api-key-9f8e")}),
        );
        // Sensitive through the recorded paths only (the schema cannot know).
        for top in ["input", "output"] {
            each.sensitive_paths.push(AttrPath(vec![
                PathStep::Attr(top.into()),
                PathStep::Attr("api_key".into()),
            ]));
        }
        state.set_instance(
            addr(&format!("flinkform_data.each[\"{region}\"]")),
            provider,
            each,
        );
    }
    // Sensitive through the schema only: no sensitive paths recorded.
    state.set_instance(
        addr("local_file.secret"),
        provider,
        InstanceState::new(json!({
            "filename": "out/secret.txt", "content": null, "sensitive_content": FILE_SECRET,
            "file_permission": "0600", "directory_permission": "0777",
            "id": "0b1c2d", "content_sha1": "0b1c2d", "content_sha256": "9a8b",
            "content_base64sha256": "mos=", "content_sha512": "77", "content_base64sha512": "dw=="
        })),
    );
    let mut cidr = data("cidr-1", json!({"cidr": "10.0.0.0/16", "app": "app-1"}));
    cidr.dependencies = vec!["flinkform_data.app".into()];
    state.set_instance(addr("module.net.flinkform_data.cidr"), provider, cidr);
    state.set_instance(
        addr("module.net.module.sub.flinkform_data.inner"),
        provider,
        data("inner-1", json!("inner")),
    );
    // A resource type of a provider this build does not have: shown as stored.
    state.set_instance(
        addr("google_storage_bucket.rg"),
        "provider.google",
        InstanceState::new(
            json!({"id": "/subscriptions/1/rg", "location": "westeurope", "tags": {"env": "prod"}}),
        ),
    );
    let outputs = [
        ("url", Value::string("https://flink.example.com")),
        ("replicas", Value::number(3.0)),
        (
            "tags",
            Value::map(
                [
                    ("env".to_string(), Value::string("prod")),
                    ("team".to_string(), Value::string("data")),
                ]
                .into(),
            ),
        ),
        ("password", Value::string(OUTPUT_SECRET).mark_sensitive()),
    ];
    for (name, value) in outputs {
        state.set_output(name, OutputState::from_value(&value).unwrap());
    }
    state
}

/// Writes `state` as the state file at `path` (relative to `dir`).
fn write_state(dir: &Path, path: &str, state: &mut State) {
    let backend = LocalBackend::new(dir.join(path));
    let lock = backend.lock("test", Duration::ZERO).unwrap();
    backend.write(state, &lock).unwrap();
}

const DEFAULT_STATE: &str = "state/default.json";

/// The basic fixture with the sample state at the default path.
fn basic() -> tempfile::TempDir {
    let dir = fixture("basic");
    write_state(dir.path(), DEFAULT_STATE, &mut sample_state());
    dir
}

fn read_state(path: &Path) -> State {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn addresses(state: &State) -> Vec<String> {
    state
        .instances()
        .map(|(r, k, _)| r.instance(k.clone()).to_string())
        .collect()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// Both, with the temporary directory's path replaced by `[DIR]`, for snapshots.
    transcript: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    run_with_input(dir, args, None)
}

fn run_with_input(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flinkform"))
        .arg("--chdir")
        .arg(dir)
        .arg("--no-color")
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run flinkform");
    {
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    let dir_text = dir.display().to_string();
    let transcript = format!("exit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
        .replace(&dir_text, "[DIR]");
    Run {
        code,
        stdout,
        stderr,
        transcript,
    }
}

fn assert_no_secret(r: &Run) {
    for secret in [FILE_SECRET, NESTED_SECRET, OUTPUT_SECRET] {
        assert!(
            !r.stdout.contains(secret) && !r.stderr.contains(secret),
            "{secret} printed:\n{}",
            r.transcript
        );
    }
}

// ---- state list ----

#[test]
fn state_list_prints_every_instance_in_address_order() {
    let dir = basic();
    let r = run(dir.path(), &["state", "list"]);
    insta::assert_snapshot!("state_list", r.transcript);
}

#[test]
fn state_list_filters_by_module_resource_and_instance() {
    let dir = basic();
    let lines = |args: &[&str]| {
        let mut all = vec!["state", "list"];
        all.extend_from_slice(args);
        let r = run(dir.path(), &all);
        assert_eq!(r.code, 0, "{}", r.transcript);
        r.stdout.lines().map(String::from).collect::<Vec<_>>()
    };
    assert_eq!(
        lines(&["module.net"]),
        [
            "module.net.flinkform_data.cidr",
            "module.net.module.sub.flinkform_data.inner"
        ]
    );
    assert_eq!(
        lines(&["module.net.module.sub"]),
        ["module.net.module.sub.flinkform_data.inner"]
    );
    assert_eq!(
        lines(&["flinkform_data.multi"]),
        ["flinkform_data.multi[0]", "flinkform_data.multi[1]"]
    );
    assert_eq!(
        lines(&[r#"flinkform_data.each["us"]"#]),
        [r#"flinkform_data.each["us"]"#]
    );
    // Several patterns: the union, in address order, each instance once.
    assert_eq!(
        lines(&[
            "module.net.module.sub",
            "flinkform_data.app",
            "flinkform_data.multi[1]",
            "flinkform_data.app"
        ]),
        [
            "flinkform_data.app",
            "flinkform_data.multi[1]",
            "module.net.module.sub.flinkform_data.inner"
        ]
    );
    assert_eq!(lines(&["--id", "multi-1"]), ["flinkform_data.multi[1]"]);
    assert!(lines(&["--id", "nothing-has-this-id"]).is_empty());
}

#[test]
fn state_list_refuses_patterns_that_match_nothing() {
    let dir = basic();
    let r = run(
        dir.path(),
        &[
            "state",
            "list",
            "module.nope",
            "flinkform_data.nope",
            "flinkform_data.multi[7]",
            "not an address",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    insta::assert_snapshot!("state_list_unknown", r.transcript);
}

#[test]
fn state_commands_need_a_state_file() {
    let dir = fixture("basic");
    let r = run(dir.path(), &["state", "list"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("No state file was found") && r.stderr.contains(DEFAULT_STATE),
        "{}",
        r.transcript
    );
    assert!(!dir.path().join("state").exists(), "nothing was created");
}

// ---- state show ----

#[test]
fn state_show_hides_sensitive_attributes() {
    let dir = basic();
    let r = run(dir.path(), &["state", "show", "local_file.secret"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_no_secret(&r);
    assert!(r
        .stdout
        .contains("sensitive_content    = (sensitive value)"));
    insta::assert_snapshot!("state_show_local_file", r.transcript);

    let r = run(
        dir.path(),
        &["state", "show", r#"flinkform_data.each["eu"]"#],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_no_secret(&r);
    insta::assert_snapshot!("state_show_nested_sensitive", r.transcript);
}

#[test]
fn state_show_renders_nested_values_and_multi_line_strings() {
    let dir = basic();
    let r = run(dir.path(), &["state", "show", "flinkform_data.multi[1]"]);
    insta::assert_snapshot!("state_show_multi_line", r.transcript);
    let r = run(
        dir.path(),
        &["state", "show", "module.net.flinkform_data.cidr"],
    );
    insta::assert_snapshot!("state_show_in_module", r.transcript);
}

#[test]
fn state_show_without_a_schema_shows_the_stored_attributes() {
    let dir = basic();
    let r = run(dir.path(), &["state", "show", "google_storage_bucket.rg"]);
    insta::assert_snapshot!("state_show_unknown_provider", r.transcript);
}

#[test]
fn state_show_needs_one_existing_instance() {
    let dir = basic();
    let r = run(dir.path(), &["state", "show", "flinkform_data.multi"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("state_show_multiple", r.transcript);
    let r = run(dir.path(), &["state", "show", "flinkform_data.nope"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("state_show_absent", r.transcript);
    let r = run(dir.path(), &["state", "show", "module.net"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Error parsing instance address"),
        "{}",
        r.transcript
    );
}

// ---- state rm ----

#[test]
fn state_rm_removes_instances_resources_and_modules() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let before = fs::read(&path).unwrap();
    let serial = read_state(&path).serial;
    let r = run(
        dir.path(),
        &[
            "state",
            "rm",
            "flinkform_data.multi",
            "module.net",
            r#"flinkform_data.each["eu"]"#,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    insta::assert_snapshot!("state_rm", r.transcript);
    let after = read_state(&path);
    assert_eq!(
        addresses(&after),
        [
            "flinkform_data.app",
            r#"flinkform_data.each["us"]"#,
            "google_storage_bucket.rg",
            "local_file.secret",
            "time_sleep.wait"
        ]
    );
    assert_eq!(after.serial, serial + 1);
    assert_eq!(after.outputs.len(), 4, "outputs are kept");
    // The state before the command is kept as the backup; both files are private.
    let backup = dir.path().join("state/default.json.backup");
    assert_eq!(fs::read(&backup).unwrap(), before);
    for file in [&path, &backup] {
        assert_eq!(
            fs::metadata(file).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            file.display()
        );
    }
    assert!(
        !dir.path().join("state/default.json.lock").exists(),
        "the lock is released"
    );
}

#[test]
fn state_rm_dry_run_changes_nothing() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let before = fs::read(&path).unwrap();
    let r = run(
        dir.path(),
        &["state", "rm", "--dry-run", "module.net.module.sub"],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_eq!(
        r.stdout,
        "Would remove module.net.module.sub.flinkform_data.inner\n"
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    assert!(!dir.path().join("state/default.json.backup").exists());
    let r = run(
        dir.path(),
        &["state", "rm", "--dry-run", "flinkform_data.nope"],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_eq!(r.stdout, "Would have removed nothing.\n");
}

#[test]
fn state_rm_of_nothing_is_an_error() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let before = fs::read(&path).unwrap();
    let r = run(dir.path(), &["state", "rm", "flinkform_data.nope"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("state_rm_nothing", r.transcript);
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn state_rm_forgets_dependencies_on_removed_resources() {
    let dir = basic();
    let r = run(dir.path(), &["state", "rm", "flinkform_data.app"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    let after = read_state(&dir.path().join(DEFAULT_STATE));
    let cidr = after
        .instance(&addr("module.net.flinkform_data.cidr"))
        .unwrap();
    assert!(cidr.dependencies.is_empty(), "{:?}", cidr.dependencies);
}

// ---- state mv ----

#[test]
fn state_mv_moves_one_instance_and_its_dependents_follow() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let original = read_state(&path);
    let r = run(
        dir.path(),
        &[
            "state",
            "mv",
            "flinkform_data.app",
            "flinkform_data.renamed",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    insta::assert_snapshot!("state_mv_instance", r.transcript);
    let after = read_state(&path);
    assert!(after.instance(&addr("flinkform_data.app")).is_none());
    assert_eq!(
        after.instance(&addr("flinkform_data.renamed")),
        original.instance(&addr("flinkform_data.app"))
    );
    assert_eq!(
        after
            .instance(&addr("module.net.flinkform_data.cidr"))
            .unwrap()
            .dependencies,
        ["flinkform_data.renamed"]
    );
    assert!(dir.path().join("state/default.json.backup").exists());
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn state_mv_moves_an_instance_into_a_keyed_address() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let r = run(
        dir.path(),
        &[
            "state",
            "mv",
            "flinkform_data.app",
            "flinkform_data.multi[2]",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_eq!(
        r.stdout,
        "Move \"flinkform_data.app\" to \"flinkform_data.multi[2]\"\nSuccessfully moved 1 object(s).\n"
    );
    let after = read_state(&path);
    assert_eq!(
        after
            .resource(&addr("flinkform_data.multi").resource)
            .unwrap()
            .instance_count(),
        3
    );
}

#[test]
fn state_mv_moves_a_whole_resource() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let r = run(
        dir.path(),
        &[
            "state",
            "mv",
            "flinkform_data.multi",
            "module.net.flinkform_data.many",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_eq!(
        r.stdout,
        "Move \"flinkform_data.multi\" to \"module.net.flinkform_data.many\"\nSuccessfully moved 1 object(s).\n"
    );
    let list = addresses(&read_state(&path));
    assert!(list.contains(&"module.net.flinkform_data.many[0]".to_string()));
    assert!(list.contains(&"module.net.flinkform_data.many[1]".to_string()));
    assert!(!list.iter().any(|a| a.starts_with("flinkform_data.multi")));
}

#[test]
fn state_mv_moves_a_module_with_its_children() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let r = run(dir.path(), &["state", "mv", "module.net", "module.network"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    insta::assert_snapshot!("state_mv_module", r.transcript);
    let list = addresses(&read_state(&path));
    assert!(list.contains(&"module.network.flinkform_data.cidr".to_string()));
    assert!(list.contains(&"module.network.module.sub.flinkform_data.inner".to_string()));
    assert!(!list.iter().any(|a| a.starts_with("module.net.")));
}

#[test]
fn state_mv_refuses_bad_moves_and_changes_nothing() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let before = fs::read(&path).unwrap();
    for (name, from, to) in [
        (
            "state_mv_destination_exists",
            "flinkform_data.app",
            "time_sleep.wait",
        ),
        (
            "state_mv_source_absent",
            "flinkform_data.nope",
            "flinkform_data.other",
        ),
        (
            "state_mv_instance_exists",
            "flinkform_data.multi[0]",
            "flinkform_data.multi[1]",
        ),
        (
            "state_mv_module_exists",
            "module.net.module.sub",
            "module.net",
        ),
        (
            "state_mv_resource_to_instance",
            "flinkform_data.multi",
            "flinkform_data.x[0]",
        ),
    ] {
        let r = run(dir.path(), &["state", "mv", from, to]);
        assert_eq!(r.code, 1, "{}", r.transcript);
        insta::assert_snapshot!(name, r.transcript);
    }
    assert_eq!(fs::read(&path).unwrap(), before);
}

#[test]
fn state_mv_dry_run_changes_nothing() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let before = fs::read(&path).unwrap();
    let r = run(
        dir.path(),
        &[
            "state",
            "mv",
            "--dry-run",
            "flinkform_data.app",
            "flinkform_data.b",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_eq!(
        r.stdout,
        "Would move \"flinkform_data.app\" to \"flinkform_data.b\"\n"
    );
    assert_eq!(fs::read(&path).unwrap(), before);
}

// ---- locking ----

#[test]
fn a_held_lock_makes_state_rm_fail_at_once_naming_the_holder() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let before = fs::read(&path).unwrap();
    let held = LocalBackend::new(&path)
        .lock("apply", Duration::ZERO)
        .unwrap();
    let start = Instant::now();
    let r = run(dir.path(), &["state", "rm", "flinkform_data.app"]);
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(r.code, 1);
    let info = held.info();
    for part in [
        "Error acquiring the state lock",
        info.who.as_str(),
        info.id.as_str(),
        &format!("pid {}", info.pid),
        "\"apply\"",
        "--lock-timeout",
    ] {
        assert!(
            r.stderr.contains(part),
            "{part:?} missing:\n{}",
            r.transcript
        );
    }
    assert!(!r.stderr.contains("stale"), "{}", r.transcript);
    assert_eq!(fs::read(&path).unwrap(), before);
    drop(held);
}

#[test]
fn lock_timeout_waits_for_a_lock_released_meanwhile() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let held = LocalBackend::new(&path)
        .lock("apply", Duration::ZERO)
        .unwrap();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(1));
        drop(held);
    });
    let start = Instant::now();
    let r = run(
        dir.path(),
        &["state", "rm", "--lock-timeout", "2s", "flinkform_data.app"],
    );
    let waited = start.elapsed();
    releaser.join().unwrap();
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert!(read_state(&path)
        .instance(&addr("flinkform_data.app"))
        .is_none());
}

#[test]
fn lock_timeout_gives_up_and_says_how_long_it_waited() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let _held = LocalBackend::new(&path)
        .lock("apply", Duration::ZERO)
        .unwrap();
    let r = run(
        dir.path(),
        &[
            "state",
            "mv",
            "--lock-timeout=300ms",
            "flinkform_data.app",
            "flinkform_data.b",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Gave up after waiting"),
        "{}",
        r.transcript
    );
    let r = run(
        dir.path(),
        &[
            "state",
            "rm",
            "--lock-timeout",
            "soon",
            "flinkform_data.app",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("invalid duration \"soon\""),
        "{}",
        r.transcript
    );
}

#[test]
fn lock_false_edits_without_holding_the_lock_for_the_operation() {
    let dir = basic();
    let path = dir.path().join(DEFAULT_STATE);
    let r = run(
        dir.path(),
        &["state", "rm", "--lock=false", "flinkform_data.app"],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert!(read_state(&path)
        .instance(&addr("flinkform_data.app"))
        .is_none());
    assert!(!dir.path().join("state/default.json.lock").exists());
}

/// A lock left by a process that has exited, on this host.
fn stale_lock(dir: &Path) -> LockInfo {
    let mut child = Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let mut info = LockInfo::for_this_process("apply");
    info.pid = pid;
    let lock_path = dir.join("state/default.json.lock");
    fs::write(&lock_path, serde_json::to_vec(&info).unwrap()).unwrap();
    info
}

#[test]
fn a_stale_lock_is_reported_as_such_and_force_unlock_removes_it() {
    let dir = basic();
    let lock_path: PathBuf = dir.path().join("state/default.json.lock");
    let info = stale_lock(dir.path());
    let r = run(dir.path(), &["state", "rm", "flinkform_data.app"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("stale")
            && r.stderr
                .contains(&format!("flinkform force-unlock {}", info.id)),
        "{}",
        r.transcript
    );

    // A wrong ID: refused before any question, the lock stays.
    let r = run(dir.path(), &["force-unlock", "--force", "not-the-id"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Failed to unlock state") && r.stderr.contains(&info.id),
        "{}",
        r.transcript
    );
    assert!(lock_path.exists());

    // Anything but "yes" cancels.
    let r = run_with_input(dir.path(), &["force-unlock", &info.id], Some("no\n"));
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("Do you really want to force-unlock?"));
    assert!(r.stdout.contains("force-unlock cancelled."));
    assert!(lock_path.exists());

    let r = run_with_input(dir.path(), &["force-unlock", &info.id], Some("yes\n"));
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert!(r.stdout.contains("That process is no longer running."));
    assert!(r
        .stdout
        .contains("flinkform state has been successfully unlocked!"));
    assert!(!lock_path.exists());

    let r = run(dir.path(), &["state", "rm", "flinkform_data.app"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
}

#[test]
fn force_unlock_with_force_does_not_ask() {
    let dir = basic();
    let info = stale_lock(dir.path());
    let r = run(dir.path(), &["force-unlock", "--force", &info.id]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    insta::assert_snapshot!("force_unlock", r.transcript);
    let r = run(dir.path(), &["force-unlock", "--force", &info.id]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not locked"), "{}", r.transcript);
}

// ---- output ----

#[test]
fn output_lists_every_output_hiding_sensitive_ones() {
    let dir = basic();
    let r = run(dir.path(), &["output"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_no_secret(&r);
    insta::assert_snapshot!("output_list", r.transcript);
}

#[test]
fn output_by_name_prints_the_value_even_when_sensitive() {
    let dir = basic();
    let r = run(dir.path(), &["output", "password"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_eq!(r.stdout, format!("\"{OUTPUT_SECRET}\"\n"));
    let r = run(dir.path(), &["output", "tags"]);
    assert_eq!(
        r.stdout,
        "tomap({\n  \"env\" = \"prod\"\n  \"team\" = \"data\"\n})\n"
    );
}

#[test]
fn output_raw_prints_primitives_as_they_are() {
    let dir = basic();
    let r = run(dir.path(), &["output", "--raw", "url"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "https://flink.example.com")
    );
    let r = run(dir.path(), &["output", "--raw", "replicas"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "3"));
    let r = run(dir.path(), &["output", "--raw", "tags"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("output_raw_map", r.transcript);
    let r = run(dir.path(), &["output", "--raw"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Output name required"),
        "{}",
        r.transcript
    );
}

#[test]
fn output_json_gives_sensitivity_type_and_value() {
    let dir = basic();
    let r = run(dir.path(), &["output", "--json"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    let doc: Json = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        doc,
        json!({
            "password": {"sensitive": true, "type": "string", "value": OUTPUT_SECRET},
            "replicas": {"sensitive": false, "type": "number", "value": 3},
            "tags": {"sensitive": false, "type": ["map", "string"], "value": {"env": "prod", "team": "data"}},
            "url": {"sensitive": false, "type": "string", "value": "https://flink.example.com"}
        })
    );
    let r = run(dir.path(), &["output", "--json", "tags"]);
    assert_eq!(r.stdout, "{\"env\":\"prod\",\"team\":\"data\"}\n");
}

#[test]
fn output_reports_missing_outputs() {
    let dir = basic();
    let r = run(dir.path(), &["output", "nope"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("output_not_found", r.transcript);

    let empty = fixture("basic");
    let r = run(empty.path(), &["output"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    insta::assert_snapshot!("output_none", r.transcript);
    let r = run(empty.path(), &["output", "--json"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "{}\n"));
}

// ---- show ----

#[test]
fn show_prints_every_instance_and_the_outputs_without_secrets() {
    let dir = basic();
    let r = run(dir.path(), &["show"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_no_secret(&r);
    insta::assert_snapshot!("show", r.transcript);
}

#[test]
fn show_of_no_state() {
    let dir = fixture("basic");
    let r = run(dir.path(), &["show"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, "No state.\n"));
}

#[test]
fn show_json_never_includes_sensitive_values() {
    let dir = basic();
    let r = run(dir.path(), &["show", "--json"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_no_secret(&r);
    let doc: Json = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["format_version"], "1.0");
    assert_eq!(doc["flinkform_version"], env!("CARGO_PKG_VERSION"));
    let values = &doc["values"];
    assert_eq!(
        values["outputs"]["password"],
        json!({"sensitive": true, "type": "string", "value": null})
    );
    assert_eq!(
        values["outputs"]["url"],
        json!({"sensitive": false, "type": "string", "value": "https://flink.example.com"})
    );
    let root = values["root_module"]["resources"].as_array().unwrap();
    let find = |address: &str| {
        root.iter()
            .find(|r| r["address"] == address)
            .unwrap_or_else(|| panic!("{address} missing"))
    };
    let file = find("local_file.secret");
    assert_eq!(file["mode"], "managed");
    assert_eq!(file["type"], "local_file");
    assert_eq!(file["name"], "secret");
    assert_eq!(file["provider_name"], "flinkform");
    assert!(file.get("index").is_none());
    assert_eq!(file["values"]["sensitive_content"], Json::Null);
    assert_eq!(file["values"]["filename"], "out/secret.txt");
    assert_eq!(file["sensitive_values"], json!({"sensitive_content": true}));
    let eu = find(r#"flinkform_data.each["eu"]"#);
    assert_eq!(eu["index"], "eu");
    assert_eq!(eu["values"]["input"]["api_key"], Json::Null);
    assert_eq!(eu["values"]["input"]["region"], "eu");
    assert_eq!(
        eu["sensitive_values"],
        // As Terraform: sequences keep an entry per element, objects only their sensitive parts.
        json!({
            "input": {"api_key": true, "tags": [false, false]},
            "output": {"api_key": true, "tags": [false, false]}
        })
    );
    assert_eq!(find("flinkform_data.multi[1]")["index"], 1);
    assert_eq!(
        find("flinkform_data.app")["depends_on"],
        json!(["time_sleep.wait"])
    );
    let children = values["root_module"]["child_modules"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["address"], "module.net");
    assert_eq!(
        children[0]["resources"][0]["address"],
        "module.net.flinkform_data.cidr"
    );
    assert_eq!(
        children[0]["child_modules"][0]["address"],
        "module.net.module.sub"
    );
    assert_eq!(
        children[0]["child_modules"][0]["resources"][0]["address"],
        "module.net.module.sub.flinkform_data.inner"
    );
}

#[test]
fn show_path_shows_a_state_file_and_refuses_anything_else() {
    let dir = fixture("basic");
    write_state(dir.path(), "saved.json", &mut sample_state());
    let r = run(dir.path(), &["show", "saved.json"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert!(
        r.stdout.starts_with("# flinkform_data.app:\n"),
        "{}",
        r.transcript
    );
    let r = run(dir.path(), &["show", "main.hcl"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("is neither a flinkform state nor a plan file"),
        "{}",
        r.transcript
    );
    let r = run(dir.path(), &["show", "missing.json"]);
    assert_eq!(r.code, 1);
}

// ---- choosing the state ----

#[test]
fn state_flag_wins_over_the_default_path() {
    let dir = fixture("basic");
    let mut state = State::new();
    state.set_instance(
        addr("flinkform_data.elsewhere"),
        "provider.flinkform",
        data("e-1", json!(1)),
    );
    write_state(dir.path(), "other/other.json", &mut state);
    let r = run(
        dir.path(),
        &["state", "list", "--state", "other/other.json"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "flinkform_data.elsewhere\n")
    );
    let r = run(
        dir.path(),
        &[
            "state",
            "rm",
            "--state",
            "other/other.json",
            "flinkform_data.elsewhere",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert_eq!(
        read_state(&dir.path().join("other/other.json")).instance_count(),
        0
    );
    assert!(dir.path().join("other/other.json.backup").exists());
    assert!(!dir.path().join("state").exists());
}

#[test]
fn a_local_backend_block_chooses_the_state_file() {
    let dir = fixture("backend_local");
    write_state(dir.path(), "custom/flink.json", &mut sample_state());
    let r = run(dir.path(), &["state", "list", "module.net.module.sub"]);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "module.net.module.sub.flinkform_data.inner\n"),
        "{}",
        r.transcript
    );
    let r = run(dir.path(), &["state", "rm", "flinkform_data.app"]);
    assert_eq!(r.code, 0, "{}", r.transcript);
    assert!(read_state(&dir.path().join("custom/flink.json"))
        .instance(&addr("flinkform_data.app"))
        .is_none());
    assert!(dir.path().join("custom/flink.json.backup").exists());
    assert!(!dir.path().join("state").exists());
    let r = run(dir.path(), &["output", "--raw", "url"]);
    assert_eq!(r.stdout, "https://flink.example.com");
    // --state still wins.
    let r = run(dir.path(), &["state", "list", "--state", "none.json"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("none.json"), "{}", r.transcript);
}

#[test]
fn backend_configuration_errors() {
    let dir = fixture("backend_unknown");
    let r = run(dir.path(), &["state", "list"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("backend_unknown", r.transcript);
    let dir = fixture("backend_invalid");
    let r = run(dir.path(), &["show"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("backend_invalid", r.transcript);
}
