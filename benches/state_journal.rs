//! Benchmark: persisting the state after every operation of an apply of N resources.
//!
//! - journal: what flinkform does: each operation appends one line to the journal (flushes to
//!   disk grouped by the writer's policy), then `finish` writes the whole state once.
//! - rewrite: the naive approach (OpenTofu 1.6): after each operation the whole state is
//!   written again (temporary file, fsync, rename).
//!   Its cost grows with N², so by default it only runs for N up to 2,000 (5,000 takes minutes
//!   and writes gigabytes).
//!
//! Prints the wall time, the bytes written and the flushes to disk for each, and the time to
//! load the resulting state. Run:
//! `cargo bench --bench state_journal` (optionally `-- N1 N2 ... [--rewrite-max N]`).

use std::fs::{self, File};
use std::io::BufWriter;
use std::time::{Duration, Instant};

use flinkform::addrs::AbsResourceInstance;
use flinkform::state::{Change, InstanceState, LocalBackend, State, SyncPolicy};

/// A small, realistic instance: an id, a name, a few settings and tags (≈ 450 bytes of JSON).
fn instance(n: usize) -> InstanceState {
    let mut i = InstanceState::new(serde_json::json!({
        "id": format!("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-bench/providers/Microsoft.Flink/jobs/job-{n:05}"),
        "name": format!("job-{n:05}"),
        "location": "westeurope",
        "parallelism": n % 16 + 1,
        "savepoint_dir": format!("abfss://savepoints@stbench.dfs.core.windows.net/job-{n:05}"),
        "restart_strategy": {"type": "fixed-delay", "attempts": 3, "delay": "10 s"},
        "tags": {"env": "bench", "owner": "platform", "cost_center": "4711"},
    }));
    i.dependencies = vec!["flinkform_data.cluster".to_string()];
    i
}

fn address(n: usize) -> AbsResourceInstance {
    format!("flinkform_data.job[{n}]")
        .parse()
        .expect("a valid address")
}

struct Run {
    time: Duration,
    bytes: u64,
    syncs: u64,
    /// Time to load the resulting state file.
    load: Duration,
}

fn journal_run(n: usize) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let backend = LocalBackend::new(LocalBackend::default_path(dir.path()));
    let start = Instant::now();
    let lock = backend.lock("apply", Duration::ZERO).expect("the lock");
    let state = backend.load().expect("an empty state").state;
    let writer = backend
        .writer(state, &lock, SyncPolicy::default())
        .expect("a writer");
    for i in 0..n {
        writer
            .record(Change::SetInstance {
                address: address(i),
                provider: "provider.flinkform".into(),
                instance: instance(i),
            })
            .expect("recorded");
    }
    let finished = writer.finish().expect("finished");
    let time = start.elapsed();
    assert_eq!(finished.state.instance_count(), n);
    drop(lock);
    let start = Instant::now();
    let loaded = backend.load().expect("the written state");
    let load = start.elapsed();
    assert_eq!(loaded.state, finished.state);
    Run {
        load,
        time,
        bytes: finished.stats.journal_bytes + finished.stats.state_bytes,
        // The journal's flushes, plus the final state file and its directory.
        syncs: finished.stats.journal_syncs + 2,
    }
}

/// The naive approach, written out plainly (no backup, no checks): after each operation,
/// serialise the whole state to a temporary file, fsync it, rename it over the state file.
fn rewrite_run(n: usize) -> Run {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("default.json");
    let temp = dir.path().join("default.json.tmp");
    let start = Instant::now();
    let mut state = State::new();
    let mut bytes = 0;
    for i in 0..n {
        state.set_instance(address(i), "provider.flinkform", instance(i));
        state.serial += 1;
        let mut out = BufWriter::new(File::create(&temp).expect("a temporary file"));
        serde_json::to_writer_pretty(&mut out, &state).expect("written");
        let file = out.into_inner().expect("flushed");
        file.sync_all().expect("synced");
        bytes += file.metadata().expect("metadata").len();
        fs::rename(&temp, &path).expect("renamed");
    }
    Run {
        time: start.elapsed(),
        bytes,
        syncs: n as u64,
        load: Duration::ZERO,
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

fn main() {
    let mut sizes = Vec::new();
    let mut rewrite_max = 2_000;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rewrite-max" => {
                rewrite_max = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(rewrite_max)
            }
            "--bench" => {}
            other => {
                if let Ok(n) = other.parse() {
                    sizes.push(n);
                }
            }
        }
    }
    if sizes.is_empty() {
        sizes = vec![1_000, 5_000, 10_000];
    }
    let instance_bytes = serde_json::to_vec(&instance(0))
        .map(|v| v.len())
        .unwrap_or(0);
    println!(
        "Persisting the state after each operation; instances of ~{instance_bytes} bytes of JSON."
    );
    println!(
        "{:>9} | {:>10} {:>10} {:>7} {:>9} | {:>10} {:>11} {:>7} | {:>7}",
        "instances",
        "journal",
        "written",
        "fsyncs",
        "load",
        "rewrite",
        "written",
        "fsyncs",
        "speedup"
    );
    for n in sizes {
        let journal = journal_run(n);
        let (rewrite_time, rewrite_bytes, rewrite_syncs, speedup) = if n <= rewrite_max {
            let r = rewrite_run(n);
            let speedup = format!(
                "{:.0}x",
                r.time.as_secs_f64() / journal.time.as_secs_f64().max(1e-9)
            );
            (
                format!("{:.2} s", r.time.as_secs_f64()),
                megabytes(r.bytes),
                r.syncs.to_string(),
                speedup,
            )
        } else {
            ("skipped".into(), "-".into(), "-".into(), "-".into())
        };
        println!(
            "{:>9} | {:>10} {:>10} {:>7} {:>9} | {:>10} {:>11} {:>7} | {:>7}",
            n,
            format!("{:.3} s", journal.time.as_secs_f64()),
            megabytes(journal.bytes),
            journal.syncs,
            format!("{:.3} s", journal.load.as_secs_f64()),
            rewrite_time,
            rewrite_bytes,
            rewrite_syncs,
            speedup
        );
    }
}
