//! The state lock: one holder at a time, waiting with a timeout, stale locks, force-unlock.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use flinkform::state::lock::{self, LockInfo};
use flinkform::state::{LocalBackend, StateError};

fn backend(dir: &Path) -> LocalBackend {
    LocalBackend::new(LocalBackend::default_path(dir))
}

#[test]
fn the_lock_file_names_its_holder_and_is_private() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let held = b.lock("apply", Duration::ZERO).unwrap();
    let path = b.lock_path();
    assert_eq!(held.path(), path);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let on_disk: LockInfo = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(&on_disk, held.info());
    assert_eq!(on_disk.operation, "apply");
    assert_eq!(on_disk.pid, std::process::id());
    assert_eq!(on_disk.version, env!("CARGO_PKG_VERSION"));
    assert!(
        chrono::DateTime::parse_from_rfc3339(&on_disk.created).is_ok(),
        "{}",
        on_disk.created
    );
    assert_eq!(
        uuid::Uuid::parse_str(&on_disk.id)
            .unwrap()
            .get_version_num(),
        4
    );
    drop(held);
    assert!(!path.exists(), "dropping the lock releases it");
}

#[test]
fn a_second_run_fails_at_once_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let held = b.lock("apply", Duration::ZERO).unwrap();
    let start = Instant::now();
    let err = b.lock("plan", Duration::ZERO).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    let StateError::Locked { holder, stale, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(!stale, "the holder is this very process, which is running");
    assert_eq!(holder.as_deref(), Some(held.info()));
    let message = err.to_string();
    let info = held.info();
    for part in [
        &info.id,
        &info.who,
        "\"apply\"",
        &info.created,
        &b.lock_path().display().to_string(),
    ] {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    assert!(message.contains("--lock-timeout"), "{message}");
    assert!(!message.contains("force-unlock"), "{message}");
}

#[test]
fn a_timeout_waits_for_the_holder_to_release() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let held = b.lock("apply", Duration::ZERO).unwrap();
    let start = Instant::now();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
    });
    let second = b.lock("apply", Duration::from_secs(20)).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(second.info().operation, "apply");
    releaser.join().unwrap();
}

#[test]
fn a_timeout_that_expires_says_how_long_it_waited() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let _held = b.lock("apply", Duration::ZERO).unwrap();
    let start = Instant::now();
    let err = b.lock("apply", Duration::from_millis(400)).unwrap_err();
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    assert!(err.to_string().contains("Gave up after waiting"), "{err}");
}

/// The pid of a process that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn a_lock_left_by_a_dead_process_on_this_host_is_reported_stale_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    // Take a real lock for its contents, then make its holder a dead process.
    let held = b.lock("apply", Duration::ZERO).unwrap();
    let mut info = held.info().clone();
    std::mem::forget(held);
    info.pid = dead_pid();
    fs::write(b.lock_path(), serde_json::to_vec(&info).unwrap()).unwrap();

    let start = Instant::now();
    let err = b.lock("apply", Duration::from_secs(30)).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "a stale lock is not waited for"
    );
    assert!(
        matches!(err, StateError::Locked { stale: true, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("no longer running"), "{message}");
    assert!(
        message.contains(&format!("flinkform force-unlock {}", info.id)),
        "{message}"
    );

    // The same lock from another host cannot be judged: it is reported as held.
    info.host = "elsewhere.invalid".into();
    fs::write(b.lock_path(), serde_json::to_vec(&info).unwrap()).unwrap();
    let err = b.lock("apply", Duration::ZERO).unwrap_err();
    assert!(
        matches!(err, StateError::Locked { stale: false, .. }),
        "{err:?}"
    );
}

#[test]
fn force_unlock_needs_the_right_id() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let held = b.lock("apply", Duration::ZERO).unwrap();
    let id = held.info().id.clone();
    std::mem::forget(held);

    let err = b.force_unlock("not-the-id").unwrap_err();
    assert!(matches!(err, StateError::LockIdMismatch { .. }), "{err:?}");
    assert!(err.to_string().contains(&id), "{err}");
    assert!(b.lock_path().exists(), "a wrong ID removes nothing");

    let removed = b.force_unlock(&id).unwrap();
    assert_eq!(removed.id, id);
    assert!(!b.lock_path().exists());
    let err = b.force_unlock(&id).unwrap_err();
    assert!(matches!(err, StateError::NotLocked { .. }), "{err:?}");
}

#[test]
fn releasing_a_lock_that_was_forced_away_leaves_the_new_holder_alone() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    let first = b.lock("apply", Duration::ZERO).unwrap();
    b.force_unlock(&first.info().id.clone()).unwrap();
    let second = b.lock("apply", Duration::ZERO).unwrap();
    first.release().unwrap();
    assert_eq!(
        lock::read_lock(&b.lock_path()).unwrap().as_ref(),
        Some(second.info())
    );
}

#[test]
fn an_unreadable_lock_file_is_reported_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let b = backend(dir.path());
    fs::create_dir_all(b.lock_path().parent().unwrap()).unwrap();
    fs::write(b.lock_path(), "garbage").unwrap();
    let err = b.lock("apply", Duration::ZERO).unwrap_err();
    assert!(
        matches!(err, StateError::Locked { holder: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("cannot be read"), "{err}");
    let err = b.force_unlock("x").unwrap_err();
    assert!(matches!(err, StateError::LockUnreadable { .. }), "{err:?}");
}
