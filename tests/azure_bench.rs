//! The Azure benchmark (ignored by `cargo test`; run by `bench/azure-refresh.sh`):
//!
//! 1. flinkform's own cost per resource: 100 and N resource groups planned (empty state, no
//!    call), applied, planned again (one read each) and destroyed, with the stand-in answering
//!    at once; the cost per resource is the slope between the two sizes;
//! 2. refreshing 200 resources at the default parallelism (10) with the stand-in answering
//!    every call after 100 ms: the floor is 200 / 10 × 100 ms = 2.0 s, the target 2.5 s.
//!
//! `AZURE_BENCH_N` sets N for part 1 (default 500); `AZURE_BENCH_RUNS` the runs of each
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
    let n = env_usize("AZURE_BENCH_N", 500);
    let runs = env_usize("AZURE_BENCH_RUNS", 5).max(1);
    let s = StandIn::start();
    azure_support::azure_like::install(&s);

    // 1. Per-resource cost with instant answers: the slope between two sizes, so that the
    //    process's start (configuration, provider, token) cancels out.
    let sizes = [100, n.max(200)];
    let steps = [
        "plan, empty state (no call)",
        "apply (1 PUT each)",
        "plan after apply (1 GET each)",
        "destroy (1 DELETE each)",
    ];
    let mut walls = Vec::new();
    for size in sizes {
        let dir = config(&groups(size));
        let d = dir.path();
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); steps.len()];
        for _ in 0..runs {
            times[0].push(timed(d, &s, &["plan"]));
            times[1].push(timed(d, &s, &["apply", "--auto-approve"]));
            times[2].push(timed(d, &s, &["plan"]));
            times[3].push(timed(d, &s, &["destroy", "--auto-approve"]));
        }
        walls.push(times.into_iter().map(median).collect::<Vec<_>>());
    }
    let (small, large) = (sizes[0], sizes[1]);
    println!(
        "\nflinkform's own cost per resource: resource groups, the stand-in answering at once, median of {runs}; per resource = (wall at {large} - wall at {small}) / {}\n",
        large - small
    );
    println!("| step | wall at {small} | wall at {large} | per resource |");
    println!("| --- | ---: | ---: | ---: |");
    for (i, name) in steps.iter().enumerate() {
        let (a, b) = (walls[0][i], walls[1][i]);
        let per = b.saturating_sub(a).as_secs_f64() * 1000.0 / (large - small) as f64;
        println!("| {name} | {} | {} | {per:.2} ms |", ms(a), ms(b));
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
