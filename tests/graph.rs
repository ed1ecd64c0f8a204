//! Graph fixtures: `count`, `for_each` and nested modules expand into the expected instance
//! addresses and edges; `flinkform graph` output is snapshotted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use flinkform::config::load_config;
use flinkform::graph::build::build_config_graph;
use flinkform::graph::walk::{
    walk, Expansion, InstanceResult, PlannedCreate, ProviderSet, WalkInput,
};
use flinkform::lang::{FuncContext, Value};

fn case_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases/graph")
        .join(name)
}

/// Loads a fixture and walks it with its default variables.
fn expand(
    name: &str,
) -> (
    flinkform::graph::ConfigGraph,
    Expansion,
    Vec<InstanceResult>,
) {
    let dir = case_dir(name);
    let (config, diags) = load_config(&dir);
    assert!(!diags.has_errors(), "{diags:#?}");
    let (graph, diags) = build_config_graph(&config);
    assert!(!diags.has_errors(), "{diags:#?}");
    let (raw, _) = flinkform::config::variables::collect_raw_variables(
        &config.root,
        Vec::new(),
        &[],
        &mut flinkform::diagnostics::SourceMap::new(),
    );
    let vars: BTreeMap<String, Value> =
        flinkform::config::variables::resolve_root_variables(&config.root, &raw).unwrap();
    let providers = ProviderSet::available();
    let input = WalkInput {
        config: &config,
        graph: &graph,
        root_variables: &vars,
        providers: &providers,
        func: FuncContext {
            base_dir: dir.clone(),
            plan_time: true,
        },
        cwd: dir.clone(),
        validate_only: false,
        only: None,
    };
    let mut hook = PlannedCreate::default();
    let (expansion, diags) = walk(&input, &mut hook);
    assert!(!diags.has_errors(), "{diags:#?}");
    (graph, expansion, hook.instances)
}

fn addresses(instances: &[InstanceResult]) -> Vec<String> {
    let mut v: Vec<String> = instances.iter().map(|i| i.addr.to_string()).collect();
    v.sort();
    v
}

fn depends(g: &flinkform::graph::ConfigGraph, from: &str, to: &str) -> bool {
    let find = |s: &str| {
        g.graph
            .node_indices()
            .find(|&ix| g.graph[ix].key.to_string() == s)
            .unwrap_or_else(|| panic!("no node {s}"))
    };
    g.graph.find_edge(find(from), find(to)).is_some()
}

#[test]
fn count_and_for_each_expand_to_instance_addresses() {
    let (g, e, instances) = expand("count_for_each");
    assert_eq!(
        addresses(&instances),
        [
            r#"flinkform_data.by_set["a"]"#,
            r#"flinkform_data.by_set["b"]"#,
            r#"flinkform_data.job["orders"]"#,
            r#"flinkform_data.job["payments"]"#,
            "flinkform_data.subnet[0]",
            "flinkform_data.subnet[1]",
            "flinkform_data.subnet[2]",
        ]
    );
    let subnet1 = instances
        .iter()
        .find(|i| i.addr.to_string() == "flinkform_data.subnet[1]")
        .unwrap();
    assert_eq!(
        subnet1.config.get_attr("input").unwrap().to_string(),
        r#"{ cidr = "10.0.1.0/24", index = 1 }"#
    );
    let by_set = instances
        .iter()
        .find(|i| i.addr.to_string() == r#"flinkform_data.by_set["b"]"#)
        .unwrap();
    assert_eq!(
        by_set.config.get_attr("input").unwrap().to_string(),
        r#""b=b""#
    );
    assert_eq!(
        e.root_outputs["job_names"].to_string(),
        r#"["orders", "payments"]"#
    );

    assert!(depends(
        &g,
        "flinkform_data.job (expand)",
        "flinkform_data.subnet (expand)"
    ));
    assert!(depends(&g, "flinkform_data.job (expand)", "var.jobs"));
    assert!(depends(&g, "flinkform_data.subnet (expand)", "local.cidrs"));
    assert!(depends(&g, "local.cidrs", "var.subnets"));
    assert!(depends(
        &g,
        "flinkform_data.subnet (expand)",
        "provider.flinkform"
    ));
    assert!(!depends(
        &g,
        "flinkform_data.subnet (expand)",
        "flinkform_data.job (expand)"
    ));
}

#[test]
fn nested_modules_expand_per_instance() {
    let (g, e, instances) = expand("nested_modules");
    assert_eq!(
        addresses(&instances),
        [
            "flinkform_data.summary",
            r#"module.platform["eu"].flinkform_data.network"#,
            r#"module.platform["eu"].module.cluster[0].flinkform_data.cluster"#,
            r#"module.platform["eu"].module.cluster[1].flinkform_data.cluster"#,
            r#"module.platform["us"].flinkform_data.network"#,
            r#"module.platform["us"].module.cluster[0].flinkform_data.cluster"#,
            r#"module.platform["us"].module.cluster[1].flinkform_data.cluster"#,
        ]
    );
    assert_eq!(
        e.root_outputs["clusters"].to_string(),
        r#"{ eu = ["eu-0", "eu-1"], us = ["us-0", "us-1"] }"#
    );
    let cluster = instances
        .iter()
        .find(|i| {
            i.addr.to_string()
                == r#"module.platform["us"].module.cluster[1].flinkform_data.cluster"#
        })
        .unwrap();
    assert_eq!(
        cluster.config.get_attr("input").unwrap().to_string(),
        r#"{ name = "us-1", network = "net-us" }"#
    );

    // The child's variables wait for the call's expansion; the parent reads the call's close.
    assert!(depends(
        &g,
        "module.platform.var.region",
        "module.platform (expand)"
    ));
    assert!(depends(
        &g,
        "module.platform.module.cluster (expand)",
        "module.platform.flinkform_data.network (expand)"
    ));
    assert!(depends(
        &g,
        "module.platform.module.cluster (close)",
        "module.platform.module.cluster.output.name"
    ));
    assert!(depends(
        &g,
        "flinkform_data.summary (expand)",
        "module.platform (close)"
    ));
}

#[test]
fn graph_command_output() {
    let out = Command::new(env!("CARGO_BIN_EXE_flinkform"))
        .args(["--chdir"])
        .arg(case_dir("count_for_each"))
        .args(["graph", "--var", "subnets=2"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}
