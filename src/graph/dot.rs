//! DOT rendering of the graph, for `flinkform graph`.

use std::fmt::Write;

use petgraph::visit::{EdgeRef, IntoEdgeReferences};

use super::{ConfigGraph, NodeKey};
use crate::addrs::{AbsResource, AbsResourceInstance, ModuleInstance};

/// Renders the configuration graph and the resource instances each resource expanded into
/// (each instance points at its resource's expansion node). Node and edge order is sorted, so
/// the output is stable.
pub fn render_dot(g: &ConfigGraph, instances: &[AbsResourceInstance]) -> String {
    let mut out = String::from(
        "digraph {\n  compound = \"true\"\n  newrank = \"true\"\n  subgraph \"root\" {\n",
    );
    let mut nodes: Vec<(String, &'static str)> = g
        .graph
        .node_weights()
        .map(|n| {
            let shape = match n.key {
                NodeKey::Provider(_) => "diamond",
                NodeKey::Resource(..) => "box",
                NodeKey::ModuleExpand(_) | NodeKey::ModuleClose(_) => "component",
                _ => "note",
            };
            (n.key.to_string(), shape)
        })
        .collect();
    let mut edges: Vec<(String, String)> = g
        .graph
        .edge_references()
        .map(|e| {
            (
                g.graph[e.source()].key.to_string(),
                g.graph[e.target()].key.to_string(),
            )
        })
        .collect();
    for inst in instances {
        let name = inst.to_string();
        nodes.push((name.clone(), "box"));
        edges.push((name, expand_node_name(&inst.resource)));
    }
    nodes.sort();
    edges.sort();
    for (name, shape) in &nodes {
        let _ = writeln!(
            out,
            "    \"[root] {}\" [label = \"{}\", shape = \"{shape}\"]",
            escape(name),
            escape(name)
        );
    }
    for (from, to) in &edges {
        let _ = writeln!(
            out,
            "    \"[root] {}\" -> \"[root] {}\"",
            escape(from),
            escape(to)
        );
    }
    out.push_str("  }\n}\n");
    out
}

/// The name of the configuration node a resource instance belongs to.
fn expand_node_name(res: &AbsResource) -> String {
    let path = ModuleInstance::module_path(&res.module);
    NodeKey::Resource(path, res.resource.clone()).to_string()
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
