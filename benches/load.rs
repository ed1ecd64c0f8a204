//! Benchmark: load and validate 10,000 resources spread over 1,000 files, as `flinkform
//! validate` does (parse, decode, graph, evaluation walk). Prints the median wall time of
//! several runs and the peak resident memory of one run.
//!
//! Run: `cargo bench --bench load` (optionally `-- FILES RESOURCES_PER_FILE`); with `PHASES=1`
//! in the environment it also prints the time and peak memory after each phase.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

use flinkform::addrs::AbsResourceInstance;
use flinkform::config::load_config;
use flinkform::diagnostics::Diagnostics;
use flinkform::graph::build::build_config_graph;
use flinkform::graph::walk::{walk, ConfigOnly, InstanceValues, ProviderSet, WalkInput};
use flinkform::lang::{FuncContext, Value};
use flinkform::providers::schema::Schema;
use flinkform::providers::Provider;

/// Writes `files` files of `per_file` resources each: chains of `flinkform_data` resources
/// whose inputs reference the previous one, a variable and a local, with a few expressions.
fn generate(dir: &Path, files: usize, per_file: usize) {
    let mut vars = String::from("variable \"env\" {\n  type    = string\n  default = \"bench\"\n}\n\nlocals {\n  prefix = \"p-${var.env}\"\n}\n");
    vars.push_str("output \"count\" {\n  value = 1\n}\n");
    std::fs::write(dir.join("variables.hcl"), vars).unwrap();
    for f in 0..files {
        let mut text = String::new();
        for r in 0..per_file {
            let _ = writeln!(text, "resource \"flinkform_data\" \"r{f}_{r}\" {{");
            if r == 0 {
                let _ = writeln!(text, "  input = {{\n    name = \"${{local.prefix}}-{f}-{r}\"\n    size = {r} * 2 + 1\n    tags = {{ env = var.env, file = \"{f}\" }}\n  }}");
            } else {
                let _ = writeln!(
                    text,
                    "  input = {{\n    name   = \"${{local.prefix}}-{f}-{r}\"\n    parent = flinkform_data.r{f}_{}.id\n    size   = length(\"abc\") + {r}\n    tags   = {{ env = upper(var.env), file = \"{f}\" }}\n  }}",
                    r - 1
                );
            }
            text.push_str("}\n\n");
        }
        std::fs::write(dir.join(format!("f{f:04}.hcl")), text).unwrap();
    }
}

/// What `flinkform validate` does, minus printing.
fn load_and_validate(dir: &Path) -> usize {
    let t = Instant::now();
    let (config, diags) = load_config(dir);
    if std::env::var_os("PHASES").is_some() {
        eprintln!("load {:?} rss {:?}", t.elapsed(), peak_rss_mib());
    }
    let t = Instant::now();
    assert!(!diags.has_errors(), "{diags:?}");
    let (graph, diags) = build_config_graph(&config);
    assert!(!diags.has_errors(), "{diags:?}");
    if std::env::var_os("PHASES").is_some() {
        eprintln!("graph {:?} rss {:?}", t.elapsed(), peak_rss_mib());
    }
    let t = Instant::now();
    let root_variables: BTreeMap<String, Value> = BTreeMap::new();
    let providers = ProviderSet::available();
    let input = WalkInput {
        config: &config,
        graph: &graph,
        root_variables: &root_variables,
        providers: &providers,
        func: FuncContext {
            base_dir: dir.to_path_buf(),
            plan_time: true,
        },
        cwd: dir.to_path_buf(),
        validate_only: true,
        only: None,
    };
    let mut hook = Counting(0);
    let (_, diags) = walk(&input, &mut hook);
    if std::env::var_os("PHASES").is_some() {
        eprintln!("walk {:?} rss {:?}", t.elapsed(), peak_rss_mib());
    }
    assert!(!diags.has_errors(), "{diags:?}");
    hook.0
}

/// `validate`'s hook, counting the instances it is asked about.
struct Counting(usize);

impl InstanceValues for Counting {
    fn instance_value(
        &mut self,
        addr: &AbsResourceInstance,
        config: &Value,
        provider: &dyn Provider,
        schema: &Schema,
    ) -> Result<Value, Diagnostics> {
        self.0 += 1;
        ConfigOnly.instance_value(addr, config, provider, schema)
    }
}

/// Peak resident set size so far, in MiB (Linux), after resetting it where possible.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let files: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000);
    let per_file: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let dir = tempfile::tempdir().unwrap();
    generate(dir.path(), files, per_file);

    reset_peak_rss();
    let before = peak_rss_mib();
    let start = Instant::now();
    let n = load_and_validate(dir.path());
    let first = start.elapsed();
    let peak = peak_rss_mib();
    assert_eq!(n, files * per_file);

    let mut times = vec![first];
    for _ in 0..4 {
        let start = Instant::now();
        load_and_validate(dir.path());
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "load+validate {} resources in {files} files: median {:.1} ms over {} runs (min {:.1} ms); peak RSS {} MiB (process baseline {} MiB)",
        files * per_file,
        median.as_secs_f64() * 1e3,
        times.len(),
        times[0].as_secs_f64() * 1e3,
        peak.map(|p| format!("{p:.0}")).unwrap_or_else(|| "?".into()),
        before.map(|p| format!("{p:.0}")).unwrap_or_else(|| "?".into()),
    );
}
