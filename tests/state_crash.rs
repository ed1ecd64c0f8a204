//! A real `kill -9` in the middle of an apply: every operation the writer had confirmed is in
//! the state loaded afterwards.
//!
//! The test re-runs its own test binary as the writer process: with `CHILD_ENV` set,
//! [`writer_process`] records operations in a loop and prints `recorded N` after each
//! `record` returns.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use flinkform::addrs::AbsResourceInstance;
use flinkform::state::{Change, InstanceState, LocalBackend, StateError, SyncPolicy};

const CHILD_ENV: &str = "FLINKFORM_STATE_CRASH_WRITER_DIR";

fn addr(n: usize) -> AbsResourceInstance {
    format!("module.m.flinkform_data.r[\"k{n}\"]")
        .parse()
        .unwrap()
}

fn instance(n: usize) -> InstanceState {
    // Sizes vary so the kill can land in lines of different lengths.
    InstanceState::new(serde_json::json!({
        "id": format!("res-{n}"),
        "payload": "x".repeat(n % 97 * 13),
        "n": n,
    }))
}

/// Not a test on its own: the body of the child process (returns at once without `CHILD_ENV`).
#[test]
fn writer_process() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let backend = LocalBackend::new(LocalBackend::default_path(Path::new(&dir)));
    let lock = backend.lock("apply", Duration::ZERO).unwrap();
    let state = backend.load().unwrap().state;
    let writer = backend.writer(state, &lock, SyncPolicy::default()).unwrap();
    for n in 0.. {
        let change = if n % 50 == 49 {
            // Now and then an operation removes an earlier instance.
            Change::RemoveInstance {
                address: addr(n - 40),
            }
        } else {
            Change::SetInstance {
                address: addr(n),
                provider: "provider.flinkform".into(),
                instance: instance(n),
            }
        };
        writer.record(change).unwrap();
        println!("recorded {n}");
    }
}

#[test]
fn kill_9_during_apply_loses_no_confirmed_operation() {
    let dir = tempfile::tempdir().unwrap();
    let backend = LocalBackend::new(LocalBackend::default_path(dir.path()));
    // An earlier apply left a state with one instance.
    {
        let lock = backend.lock("apply", Duration::ZERO).unwrap();
        let mut state = backend.load().unwrap().state;
        state.set_instance(addr(1_000_000), "provider.flinkform", instance(0));
        backend.write(&mut state, &lock).unwrap();
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "writer_process",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id().to_string();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut confirmed = 0usize;
    let mut killer = None;
    // Everything printed was confirmed before the kill, including lines read after it.
    while let Some(Ok(line)) = lines.next() {
        // libtest may print its own "test writer_process ... " before the first line.
        if let Some((_, n)) = line.split_once("recorded ") {
            let n: usize = n.parse().unwrap();
            assert_eq!(n, confirmed, "operations are confirmed in order");
            confirmed = n + 1;
            if confirmed == 1000 && killer.is_none() {
                // Kill from another thread after a varying delay, so that the kill lands
                // anywhere in the writer's work, not just after a line was read.
                let pid = pid.clone();
                let delay = Duration::from_micros(u64::from(std::process::id() % 7) * 700 + 100);
                killer = Some(std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    Command::new("kill").args(["-9", &pid]).status().unwrap()
                }));
            }
        }
    }
    let status = child.wait().unwrap();
    let kill_status = killer
        .expect("the writer stopped by itself")
        .join()
        .unwrap();
    assert!(kill_status.success());
    assert!(!status.success());

    let loaded = backend.load().unwrap();
    let recovery = loaded.recovery.expect("the journal is replayed");
    let state = loaded.state;
    // The record in flight when the kill landed may or may not have been written.
    assert!(
        recovery.changes == confirmed || recovery.changes == confirmed + 1,
        "{} changes replayed, {confirmed} confirmed",
        recovery.changes
    );
    assert_eq!(state.serial, 1);
    assert_eq!(
        state.instance(&addr(1_000_000)),
        Some(&instance(0)),
        "the earlier state is kept"
    );
    for n in 0..confirmed {
        let removed_later = (n + 40) % 50 == 49 && n + 40 < recovery.changes;
        let expected = (n % 50 != 49 && !removed_later).then(|| instance(n));
        assert_eq!(state.instance(&addr(n)), expected.as_ref(), "operation {n}");
    }

    // The killed writer's lock is left behind and reported as stale.
    let err = backend.lock("apply", Duration::from_secs(30)).unwrap_err();
    let StateError::Locked {
        stale: true,
        holder: Some(holder),
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(
        err.to_string()
            .contains(&format!("flinkform force-unlock {}", holder.id)),
        "{err}"
    );

    // After force-unlock, the next apply starts by compacting what was recovered.
    backend.force_unlock(&holder.id).unwrap();
    let lock = backend.lock("apply", Duration::ZERO).unwrap();
    let recovered = backend.load().unwrap().state;
    let finished = backend
        .writer(recovered.clone(), &lock, SyncPolicy::default())
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(finished.state.serial, 2);
    let reloaded = backend.load().unwrap();
    assert!(reloaded.recovery.is_none());
    assert_eq!(reloaded.state.instance_count(), recovered.instance_count());
}
