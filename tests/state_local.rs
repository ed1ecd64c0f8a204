//! The local state backend: loading, atomic writes, backups, and the journal that persists an
//! apply's operations.

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use flinkform::addrs::AbsResourceInstance;
use flinkform::lang::{Type, Value};
use flinkform::state::{
    Change, InstanceState, InstanceStatus, LocalBackend, OutputState, State, StateError, StateLock,
    StateWriter, SyncPolicy,
};

fn addr(s: &str) -> AbsResourceInstance {
    s.parse().unwrap()
}

fn instance(n: usize) -> InstanceState {
    let mut i = InstanceState::new(serde_json::json!({
        "id": format!("res-{n}"),
        "name": format!("job-{n}"),
        "parallelism": n % 8 + 1,
        "tags": {"env": "test", "n": n.to_string()},
    }));
    i.dependencies = vec!["flinkform_data.base".to_string()];
    i
}

fn set(n: usize) -> Change {
    Change::SetInstance {
        address: addr(&format!("flinkform_data.r[{n}]")),
        provider: "provider.flinkform".into(),
        instance: instance(n),
    }
}

fn files_in(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A writer on the state as loaded now, with the default flush policy.
fn writer_on_loaded(b: &LocalBackend, lock: &StateLock) -> StateWriter {
    b.writer(b.load().unwrap().state, lock, SyncPolicy::default())
        .unwrap()
}

fn backend(dir: &Path) -> LocalBackend {
    LocalBackend::new(LocalBackend::default_path(dir))
}

/// A state with resources in and out of modules, keyed and not, data, and outputs.
fn sample_state() -> State {
    let mut state = State::new();
    let secret = Value::object(
        [
            ("id".to_string(), Value::string("kv-1")),
            (
                "password".to_string(),
                Value::string("hunter2").mark_sensitive(),
            ),
        ]
        .into(),
    );
    state.set_instance(
        addr("module.platform[\"eu\"].flinkform_data.vault"),
        "provider.flinkform",
        InstanceState::from_value(&secret).unwrap(),
    );
    for n in 0..3 {
        state.set_instance(
            addr(&format!("flinkform_data.r[{n}]")),
            "provider.flinkform",
            instance(n),
        );
    }
    let mut pending = instance(9);
    pending.status = InstanceStatus::Pending;
    pending.pending_operation =
        Some(serde_json::json!({"url": "https://management.azure.com/op/1"}));
    state.set_instance(
        addr("flinkform_data.slow[\"a\"]"),
        "provider.flinkform",
        pending,
    );
    state.set_instance(
        addr("data.flinkform_data.lookup"),
        "provider.flinkform",
        instance(7),
    );
    state.set_output(
        "url",
        OutputState::from_value(&Value::string("https://x")).unwrap(),
    );
    state
}

#[test]
fn missing_state_file_loads_as_an_empty_state_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let first = b.load().unwrap();
    assert!(first.state.is_empty());
    assert_eq!(first.state.serial, 0);
    assert!(first.recovery.is_none());
    let second = b.load().unwrap();
    assert_ne!(
        first.state.lineage, second.state.lineage,
        "each empty state gets a fresh lineage"
    );
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn state_round_trips_through_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut state = sample_state();
    let bytes = b.write(&mut state, &lock).unwrap();
    assert_eq!(state.serial, 1);
    assert_eq!(bytes, fs::metadata(b.path()).unwrap().len());
    let loaded = b.load().unwrap();
    assert_eq!(loaded.state, state);
    assert!(loaded.recovery.is_none());

    // Values come back with their sensitive marks.
    let vault = loaded
        .state
        .instance(&addr("module.platform[\"eu\"].flinkform_data.vault"))
        .unwrap();
    let ty = Type::Object(
        [
            ("id".to_string(), Type::String),
            ("password".to_string(), Type::String),
        ]
        .into(),
    );
    let value = vault.value(&ty).unwrap();
    assert_eq!(
        value.get_attr("password").unwrap().to_string(),
        "(sensitive value)"
    );
    assert_eq!(value.get_attr("id").unwrap().as_str(), Some("kv-1"));

    // Writing the same content again gives the same text but for the serial.
    let text1 = fs::read_to_string(b.path()).unwrap();
    let mut again = loaded.state;
    b.write(&mut again, &lock).unwrap();
    let text2 = fs::read_to_string(b.path()).unwrap();
    assert_eq!(text1.replace("\"serial\": 1", "\"serial\": 2"), text2);
}

#[test]
fn atomic_write_leaves_no_temporary_files_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let state_dir = dir.path().join("state");
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut state = sample_state();
    b.write(&mut state, &lock).unwrap();
    b.write(&mut state, &lock).unwrap();
    drop(lock);
    assert_eq!(files_in(&state_dir), ["default.json".to_string()].into());
    assert_eq!(mode(b.path()), 0o600);
    assert_eq!(mode(&state_dir), 0o700);
}

#[test]
fn the_state_before_the_command_is_kept_as_backup() {
    let dir = tempfile::tempdir().unwrap();
    {
        let b = backend(dir.path());
        let lock = b.lock("apply", Duration::ZERO).unwrap();
        let mut state = sample_state();
        b.write(&mut state, &lock).unwrap();
        b.write(&mut state, &lock).unwrap();
        assert!(
            !b.backup_path().exists(),
            "no state existed before this command"
        );
    }
    // A later command: its first write keeps serial 2 as the backup, its second write does not
    // replace that backup.
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut state = b.load().unwrap().state;
    assert_eq!(state.serial, 2);
    state.remove_instance(&addr("flinkform_data.r[0]"));
    b.write(&mut state, &lock).unwrap();
    b.write(&mut state, &lock).unwrap();
    let backup = LocalBackend::new(b.backup_path()).load().unwrap().state;
    assert_eq!(backup.serial, 2);
    assert!(backup.instance(&addr("flinkform_data.r[0]")).is_some());
    assert_eq!(b.load().unwrap().state.serial, 4);
    assert_eq!(mode(&b.backup_path()), 0o600);
    drop(lock);
    assert_eq!(
        files_in(b.path().parent().unwrap()),
        [
            "default.json".to_string(),
            "default.json.backup".to_string()
        ]
        .into()
    );
}

#[test]
fn corrupt_state_is_refused_naming_the_file_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    fs::create_dir_all(b.path().parent().unwrap()).unwrap();
    for (content, expected) in [
        (&b"{\"format_version\": 1, \"serial\": 3, \"lineage\": \"x\", \"resources\": [{"[..], "EOF while parsing"),
        (b"", "the file is empty"),
        (b"{\"format_version\": 7, \"serial\": 1, \"lineage\": \"x\", \"new\": {}}", "format version 7"),
        (b"{\"format_version\": 1, \"serial\": 1, \"lineage\": \"x\", \"resources\": [{\"address\": \"x\"}]}", "missing field"),
    ] {
        fs::write(b.path(), content).unwrap();
        let err = b.load().unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&b.path().display().to_string()), "{message}");
        assert!(message.contains(expected), "{message}");
        assert_eq!(fs::read(b.path()).unwrap(), content, "the file must be left as it was");
    }
}

#[test]
fn journal_of_an_interrupted_apply_is_replayed_on_load() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut base = sample_state();
    b.write(&mut base, &lock).unwrap();

    let writer = writer_on_loaded(&b, &lock);
    for n in 0..50 {
        writer.record(set(n)).unwrap();
    }
    writer
        .record(Change::RemoveInstance {
            address: addr("data.flinkform_data.lookup"),
        })
        .unwrap();
    writer
        .record(Change::RemoveOutput { name: "url".into() })
        .unwrap();
    writer
        .record(Change::SetOutput {
            name: "count".into(),
            output: OutputState::from_value(&Value::number(50.0)).unwrap(),
        })
        .unwrap();
    let expected = writer.with_state(Clone::clone);
    assert_eq!(mode(&b.journal_path()), 0o600);
    // The apply dies: no finish.
    drop(writer);
    drop(lock);

    let loaded = backend(dir.path()).load().unwrap();
    let recovery = loaded.recovery.expect("the journal is replayed");
    assert_eq!(recovery.changes, 53);
    assert_eq!(recovery.ignored_tail_bytes, 0);
    assert_eq!(recovery.journal, b.journal_path());
    assert_eq!(loaded.state, expected);
    assert_eq!(loaded.state.serial, 1, "replaying does not write anything");
    assert!(loaded
        .state
        .instance(&addr("data.flinkform_data.lookup"))
        .is_none());
    assert_eq!(loaded.state.outputs.keys().collect::<Vec<_>>(), ["count"]);

    // A write cut half-way through a line: that line is ignored, the others are kept.
    let half = serde_json::to_string(&set(99)).unwrap();
    let half = &half[..half.len() / 2];
    let mut journal = fs::read(b.journal_path()).unwrap();
    journal.extend_from_slice(half.as_bytes());
    fs::write(b.journal_path(), &journal).unwrap();
    let loaded = backend(dir.path()).load().unwrap();
    assert_eq!(loaded.state, expected);
    assert_eq!(loaded.recovery.unwrap().ignored_tail_bytes, half.len());
}

#[test]
fn a_new_writer_first_compacts_a_leftover_journal() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    {
        let lock = b.lock("apply", Duration::ZERO).unwrap();
        let writer = writer_on_loaded(&b, &lock);
        for n in 0..5 {
            writer.record(set(n)).unwrap();
        }
        drop(writer);
    }
    assert!(
        !b.path().exists(),
        "the first apply died before writing any state file"
    );
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let loaded = b.load().unwrap();
    assert_eq!(loaded.state.instance_count(), 5);
    let lineage = loaded.state.lineage.clone();
    let writer = b
        .writer(loaded.state, &lock, SyncPolicy::default())
        .unwrap();
    // The recovered changes are now in the state file, and the journal is a fresh one.
    let on_disk = LocalBackend::new(b.path()).load().unwrap();
    assert!(on_disk.recovery.is_none());
    assert_eq!(on_disk.state.instance_count(), 5);
    assert_eq!(on_disk.state.lineage, lineage);
    assert_eq!(on_disk.state.serial, 1);
    let finished = writer.finish().unwrap();
    assert_eq!(finished.stats.records, 0);
    assert_eq!(
        finished.state.serial, 1,
        "nothing changed, so nothing is written"
    );
    assert!(!b.journal_path().exists());
}

#[test]
fn finish_writes_the_state_once_and_removes_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let writer = writer_on_loaded(&b, &lock);
    for n in 0..100 {
        writer.record(set(n)).unwrap();
    }
    writer
        .record(Change::RemoveInstance {
            address: addr("flinkform_data.r[7]"),
        })
        .unwrap();
    let finished = writer.finish().unwrap();
    assert_eq!(finished.state.serial, 1);
    assert_eq!(finished.state.instance_count(), 99);
    assert_eq!(finished.stats.records, 101);
    assert_eq!(
        finished.stats.state_bytes,
        fs::metadata(b.path()).unwrap().len()
    );
    assert!(!b.journal_path().exists());
    drop(lock);
    assert_eq!(
        files_in(b.path().parent().unwrap()),
        ["default.json".to_string()].into()
    );
    let loaded = b.load().unwrap();
    assert_eq!(loaded.state, finished.state);
    assert_eq!(
        loaded.state.instance(&addr("flinkform_data.r[42]")),
        Some(&instance(42))
    );
}

#[test]
fn a_journal_already_compacted_is_not_replayed_again() {
    // Simulates a crash between writing the compacted state and removing the journal.
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let writer = writer_on_loaded(&b, &lock);
    writer.record(set(1)).unwrap();
    writer.sync().unwrap();
    let journal = fs::read(b.journal_path()).unwrap();
    let mut state = writer.finish().unwrap().state;
    // A later version of the state removes the instance; then the old journal reappears.
    state.remove_instance(&addr("flinkform_data.r[1]"));
    b.write(&mut state, &lock).unwrap();
    fs::write(b.journal_path(), &journal).unwrap();
    let loaded = b.load().unwrap();
    assert!(loaded.recovery.is_none());
    assert!(loaded
        .state
        .instance(&addr("flinkform_data.r[1]"))
        .is_none());
}

#[test]
fn a_journal_of_another_state_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let writer = writer_on_loaded(&b, &lock);
    writer.record(set(1)).unwrap();
    drop(writer);
    let journal = fs::read(b.journal_path()).unwrap();
    // Another state file is put in place.
    let mut other = sample_state();
    other.serial = 0;
    fs::write(b.path(), serde_json::to_vec(&other).unwrap()).unwrap();
    let err = b.load().unwrap_err();
    assert!(matches!(err, StateError::JournalMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains("lineage"), "{err}");
    assert!(err.to_string().contains("default.json.journal"), "{err}");
    assert_eq!(fs::read(b.journal_path()).unwrap(), journal);
}

#[test]
fn a_writer_needs_the_lock_of_its_own_state() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let other = LocalBackend::new(dir.path().join("other.json"));
    let lock = other.lock("apply", Duration::ZERO).unwrap();
    let err = b
        .writer(State::new(), &lock, SyncPolicy::default())
        .unwrap_err();
    assert!(matches!(err, StateError::WrongLock { .. }), "{err:?}");
    let err = b.write(&mut State::new(), &lock).unwrap_err();
    assert!(matches!(err, StateError::WrongLock { .. }), "{err:?}");
}

#[test]
fn flushes_are_grouped_and_durability_can_be_awaited() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let policy = SyncPolicy {
        max_delay: Duration::from_millis(20),
        max_pending: 1_000_000,
    };
    let writer = b.writer(b.load().unwrap().state, &lock, policy).unwrap();
    let start = Instant::now();
    let mut last = 0;
    for n in 0..2000 {
        last = writer.record(set(n)).unwrap();
    }
    writer.wait_durable(last).unwrap();
    let elapsed = start.elapsed();
    assert!(writer.durable_seq() >= last);
    let stats = writer.stats();
    // At most one flush per max_delay, plus the one asked for.
    let bound = elapsed.as_millis() as u64 / 20 + 2;
    assert!(
        stats.journal_syncs <= bound,
        "{} flushes in {elapsed:?}",
        stats.journal_syncs
    );

    // Without waiting, a record becomes durable within about max_delay.
    let seq = writer.record(set(5000)).unwrap();
    let start = Instant::now();
    while writer.durable_seq() < seq {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the flusher never flushed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    writer.finish().unwrap();
}

#[test]
fn recording_costs_the_size_of_the_change_not_of_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut big = State::new();
    for n in 0..3000 {
        big.set_instance(
            addr(&format!("flinkform_data.big[{n}]")),
            "provider.flinkform",
            instance(n),
        );
    }
    b.write(&mut big, &lock).unwrap();
    let state_size = fs::metadata(b.path()).unwrap().len();
    let writer = writer_on_loaded(&b, &lock);
    let before = writer.stats().journal_bytes;
    writer.record(set(1)).unwrap();
    let line = serde_json::to_vec(&set(1)).unwrap().len() as u64 + 1;
    assert_eq!(writer.stats().journal_bytes - before, line);
    assert!(line * 100 < state_size);
    assert_eq!(
        fs::metadata(b.path()).unwrap().len(),
        state_size,
        "the state file is not rewritten"
    );
    writer.finish().unwrap();
}

#[test]
fn several_threads_can_record_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let writer = writer_on_loaded(&b, &lock);
    std::thread::scope(|s| {
        for t in 0..4 {
            let writer = &writer;
            s.spawn(move || {
                for n in 0..100 {
                    writer.record_durable(set(t * 1000 + n)).unwrap();
                }
            });
        }
    });
    let finished = writer.finish().unwrap();
    assert_eq!(finished.state.instance_count(), 400);
    assert_eq!(b.load().unwrap().state.instance_count(), 400);
}

#[test]
fn writing_never_replaces_a_state_it_was_not_loaded_from() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut first = sample_state();
    b.write(&mut first, &lock).unwrap();

    // Another state (another lineage) is not overwritten.
    let mut unrelated = sample_state();
    let err = b.write(&mut unrelated, &lock).unwrap_err();
    assert!(matches!(err, StateError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("lineage"), "{err}");
    assert_eq!(
        unrelated.serial, 0,
        "the serial is not increased by a refused write"
    );

    // Nor is a newer version written since this one was loaded.
    let mut stale = b.load().unwrap().state;
    let mut newer = b.load().unwrap().state;
    b.write(&mut newer, &lock).unwrap();
    let err = b.write(&mut stale, &lock).unwrap_err();
    assert!(
        err.to_string()
            .contains("changed (to serial 2) since serial 1 was loaded"),
        "{err}"
    );

    // Nor a file that cannot be read: it stays for the user to repair.
    fs::write(b.path(), b"{\"serial\": ").unwrap();
    let err = b.write(&mut newer, &lock).unwrap_err();
    assert!(matches!(err, StateError::Corrupt { .. }), "{err:?}");
    assert_eq!(fs::read(b.path()).unwrap(), b"{\"serial\": ");
    let err = b.writer(newer, &lock, SyncPolicy::default()).and_then(|w| {
        w.record(set(1))?;
        w.finish()
    });
    assert!(matches!(err, Err(StateError::Corrupt { .. })), "{err:?}");
    assert_eq!(fs::read(b.path()).unwrap(), b"{\"serial\": ");
}

/// What a destroyed object left behind: the instance as the provider returned it from delete.
fn left_behind(n: usize) -> Change {
    let mut left = instance(n);
    left.attributes["last_savepoint"] = serde_json::json!(format!("file:/sp/savepoint-{n}"));
    Change::KeepInBackup {
        address: addr(&format!("flinkform_data.r[{n}]")),
        provider: "provider.flinkform".into(),
        instance: left,
    }
}

fn read_state(path: &Path) -> State {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

#[test]
fn what_destroyed_objects_leave_behind_is_kept_in_the_backup() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut base = State::new();
    for n in 0..3 {
        base.apply(set(n));
    }
    b.write(&mut base, &lock).unwrap();

    let b = backend(dir.path());
    let writer = writer_on_loaded(&b, &lock);
    writer.record(left_behind(1)).unwrap();
    writer
        .record(Change::RemoveInstance {
            address: addr("flinkform_data.r[1]"),
        })
        .unwrap();
    writer.record(set(5)).unwrap();
    let finished = writer.finish().unwrap();
    assert_eq!(
        finished.kept_in_backup.unwrap(),
        vec![addr("flinkform_data.r[1]")]
    );

    // The state no longer has the object; the backup is the previous version, with the
    // object as it was left.
    let state = read_state(b.path());
    assert!(state.instance(&addr("flinkform_data.r[1]")).is_none());
    assert!(state.instance(&addr("flinkform_data.r[5]")).is_some());
    let backup = read_state(&b.backup_path());
    assert_eq!(backup.serial, 1);
    assert_eq!(backup.lineage, state.lineage);
    assert!(backup.instance(&addr("flinkform_data.r[5]")).is_none());
    assert_eq!(
        backup
            .instance(&addr("flinkform_data.r[1]"))
            .unwrap()
            .attributes["last_savepoint"],
        "file:/sp/savepoint-1"
    );
    assert_eq!(
        backup.instance(&addr("flinkform_data.r[0]")),
        Some(&instance(0))
    );
    assert_eq!(mode(&b.backup_path()), 0o600);
    drop(lock);
    assert_eq!(
        files_in(dir.path().join("state").as_path()),
        [
            "default.json".to_string(),
            "default.json.backup".to_string()
        ]
        .into()
    );
}

#[test]
fn an_interrupted_apply_keeps_what_it_destroyed_in_the_backup_when_recovered() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut base = State::new();
    base.apply(set(1));
    b.write(&mut base, &lock).unwrap();
    let writer = writer_on_loaded(&b, &lock);
    writer.record(left_behind(1)).unwrap();
    writer
        .record(Change::RemoveInstance {
            address: addr("flinkform_data.r[1]"),
        })
        .unwrap();
    // The apply dies: no finish.
    drop(writer);

    let b = backend(dir.path());
    let loaded = b.load().unwrap();
    assert!(loaded
        .state
        .instance(&addr("flinkform_data.r[1]"))
        .is_none());
    let writer = b
        .writer(loaded.state, &lock, SyncPolicy::default())
        .unwrap();
    let backup = read_state(&b.backup_path());
    assert_eq!(
        backup
            .instance(&addr("flinkform_data.r[1]"))
            .unwrap()
            .attributes["last_savepoint"],
        "file:/sp/savepoint-1"
    );
    let finished = writer.finish().unwrap();
    assert_eq!(finished.kept_in_backup.unwrap(), Vec::new());
    assert!(read_state(&b.backup_path())
        .instance(&addr("flinkform_data.r[1]"))
        .is_some());
}

#[test]
fn without_an_earlier_state_the_backup_holds_only_what_was_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let writer = writer_on_loaded(&b, &lock);
    writer.record(set(2)).unwrap();
    writer.record(left_behind(2)).unwrap();
    writer
        .record(Change::RemoveInstance {
            address: addr("flinkform_data.r[2]"),
        })
        .unwrap();
    let finished = writer.finish().unwrap();
    assert_eq!(finished.state.instance_count(), 0);
    let backup = read_state(&b.backup_path());
    assert_eq!(backup.lineage, finished.state.lineage);
    assert_eq!(backup.serial, finished.state.serial - 1);
    assert_eq!(backup.instance_count(), 1);
}

#[test]
fn an_unreadable_backup_is_not_overwritten_and_the_state_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let lock = b.lock("apply", Duration::ZERO).unwrap();
    let mut base = State::new();
    base.apply(set(1));
    // The first write of this backend: it keeps its backup now (there was no state), so the
    // file damaged below is what the writer finds.
    b.write(&mut base, &lock).unwrap();
    fs::write(b.backup_path(), b"not json").unwrap();
    let writer = writer_on_loaded(&b, &lock);
    writer.record(left_behind(1)).unwrap();
    writer
        .record(Change::RemoveInstance {
            address: addr("flinkform_data.r[1]"),
        })
        .unwrap();
    let finished = writer.finish().unwrap();
    let err = finished.kept_in_backup.unwrap_err().to_string();
    assert!(err.contains("default.json.backup"), "{err}");
    assert!(err.contains("not a state document"), "{err}");
    assert_eq!(fs::read(b.backup_path()).unwrap(), b"not json");
    assert!(read_state(b.path())
        .instance(&addr("flinkform_data.r[1]"))
        .is_none());
}
