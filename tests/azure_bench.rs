//! The Azure benchmark (ignored by `cargo test`; run by `bench/azure-refresh.sh`):
//!
//! 1. flinkform's own cost per resource: N resource groups planned (empty state, no call),
//!    applied, planned again (N reads) and destroyed, with the stand-in answering at once;
//! 2. refreshing 200 resources at the default parallelism (10) with the stand-in answering
//!    every call after 100 ms: the floor is 200 / 10 × 100 ms = 2.0 s, the target 2.5 s.
//!
//! `AZURE_BENCH_N` sets N for part 1 (default 200); `AZURE_BENCH_RUNS` the runs of each
//! measurement (default 5; the median is reported).

#[path = "arm_standin/mod.rs"]
mod arm_standin;
#[path = "azure_support/mod.rs"]
mod azure_support;

use std::path::Path;
use std::time::{Duration, Instant};

use arm_standin::StandIn;
use azure_support::{command, config, PROVIDER};

fn groups(n: usize) -> String {
    format!(
        "{PROVIDER}resource \"azure_resource_group\" \"g\" {{\n  count    = {n}\n  name     = \"rg-bench-${{count.index}}\"\n  location = \"West Europe\"\n  tags     = {{ bench = \"azure\" }}\n}}\n"
    )
}

/// Runs the binary; the wall time. Panics on failure.
fn timed(dir: &Path, s: &StandIn, args: &[&str]) -> Duration {
    let start = Instant::now();
    let out = command(dir, s, args).output().expect("run flinkform");
    let elapsed = start.elapsed();
    assert!(
        out.status.success(),
        "flinkform {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    elapsed
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

#[test]
#[ignore = "a benchmark: bench/azure-refresh.sh runs it"]
fn azure_refresh_and_overhead() {
    let n = env_usize("AZURE_BENCH_N", 200);
    let runs = env_usize("AZURE_BENCH_RUNS", 5).max(1);
    let s = StandIn::start();
    azure_support::azure_like::install(&s);

    // Startup: a command that configures the provider and does nothing else.
    let empty = config(PROVIDER);
    let startup = median(
        (0..runs)
            .map(|_| timed(empty.path(), &s, &["plan"]))
            .collect(),
    );

    // 1. Per-resource cost with instant answers.
    let dir = config(&groups(n));
    let d = dir.path();
    let mut plan_empty = Vec::new();
    let mut apply = Vec::new();
    let mut plan_read = Vec::new();
    let mut destroy = Vec::new();
    for _ in 0..runs {
        plan_empty.push(timed(d, &s, &["plan"]));
        apply.push(timed(d, &s, &["apply", "--auto-approve"]));
        plan_read.push(timed(d, &s, &["plan"]));
        destroy.push(timed(d, &s, &["destroy", "--auto-approve"]));
    }
    let per = |d: Duration| {
        let own = d.saturating_sub(startup);
        format!("{:.2} ms", own.as_secs_f64() * 1000.0 / n as f64)
    };
    println!("\nflinkform's own cost per resource ({n} resource groups, instant answers, median of {runs}, startup {} subtracted):\n", ms(startup));
    println!("| step | wall | per resource |");
    println!("| --- | ---: | ---: |");
    for (name, v) in [
        ("plan, empty state (no call)", plan_empty),
        ("apply (1 PUT each)", apply),
        ("plan after apply (1 GET each)", plan_read),
        ("destroy (1 DELETE each)", destroy),
    ] {
        let m = median(v);
        println!("| {name} | {} | {} |", ms(m), per(m));
    }

    // 2. Refreshing 200 with every answer 100 ms late.
    let dir = config(&groups(200));
    let d = dir.path();
    timed(d, &s, &["apply", "--auto-approve"]);
    s.set_latency(Duration::from_millis(100));
    let mut refresh = Vec::new();
    let mut plan = Vec::new();
    for _ in 0..runs {
        s.clear_log();
        refresh.push(timed(d, &s, &["refresh"]));
        let gets = s.requests().iter().filter(|r| r.method == "GET").count();
        assert_eq!(gets, 200, "one read per resource");
        plan.push(timed(d, &s, &["plan"]));
    }
    let refresh_m = median(refresh.clone());
    println!("\nRefreshing 200 resource groups, every answer after 100 ms, parallelism 10 (floor 2.0 s), {runs} runs:\n");
    println!("| command | median | min | max |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, v) in [("refresh", refresh), ("plan (refresh + plan)", plan)] {
        let (min, max) = (*v.iter().min().unwrap(), *v.iter().max().unwrap());
        println!("| {name} | {} | {} | {} |", ms(median(v)), ms(min), ms(max));
    }
    s.set_latency(Duration::ZERO);
    timed(d, &s, &["destroy", "--auto-approve"]);
    assert!(
        refresh_m < Duration::from_millis(2500),
        "refresh took {}",
        ms(refresh_m)
    );
}
