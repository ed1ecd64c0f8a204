//! Building the configuration graph by small transforms:
//!
//! 1. [`add_declarations`]: a node for every declared variable, local, output, resource,
//!    module call (expand and close) and provider configuration, in every module.
//! 2. [`add_reference_edges`]: edges from each node to what its expressions refer to;
//!    references to undeclared things are diagnostics with hints.
//! 3. [`add_module_edges`]: everything in a child module waits for its call's expansion, and the
//!    call's close waits for the child's outputs.
//! 4. [`add_provider_edges`]: each resource depends on its provider configuration (implied
//!    configurations are added at the root where none is declared).
//! 5. [`check_cycles`]: a cycle is an error naming every member with its declaration.

use std::collections::HashSet;

use petgraph::algo::tarjan_scc;

use super::{ConfigGraph, NodeKey};
use crate::addrs::{ModulePath, ProviderConfigAddr, Referenceable, ResourceMode};
use crate::config::{Body, Config, Expr, Module, ResourceConfig};
use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics};
use crate::lang::refs::{references, Reference};
use crate::providers::provider_for_type;

/// Builds the configuration graph, returning it with every diagnostic found.
pub fn build_config_graph(config: &Config) -> (ConfigGraph, Diagnostics) {
    let mut g = ConfigGraph::default();
    let mut diags = Diagnostics::new();
    add_declarations(&mut g, &config.root);
    add_reference_edges(&mut g, config, &mut diags);
    add_module_edges(&mut g);
    add_provider_edges(&mut g, config, &config.root, &mut diags);
    diags.extend(check_cycles(&g));
    (g, diags)
}

fn add_declarations(g: &mut ConfigGraph, m: &Module) {
    let p = &m.path;
    for v in m.variables.values() {
        g.add_node(
            NodeKey::Variable(p.clone(), v.name.clone()),
            Some(v.decl_range.clone()),
        );
    }
    for l in m.locals.values() {
        g.add_node(
            NodeKey::Local(p.clone(), l.name.clone()),
            Some(l.decl_range.clone()),
        );
    }
    for o in m.outputs.values() {
        g.add_node(
            NodeKey::Output(p.clone(), o.name.clone()),
            Some(o.decl_range.clone()),
        );
    }
    for r in m.resources.values() {
        g.add_node(
            NodeKey::Resource(p.clone(), r.addr.clone()),
            Some(r.decl_range.clone()),
        );
    }
    for pc in m.providers.values() {
        let addr = ProviderConfigAddr {
            module: p.clone(),
            name: pc.name.clone(),
            alias: pc.alias.clone(),
        };
        g.add_node(NodeKey::Provider(addr), Some(pc.decl_range.clone()));
    }
    for call in m.module_calls.values() {
        let child = p.child(&call.name);
        g.add_node(
            NodeKey::ModuleExpand(child.clone()),
            Some(call.decl_range.clone()),
        );
        g.add_node(NodeKey::ModuleClose(child), Some(call.decl_range.clone()));
    }
    for child in m.children.values() {
        add_declarations(g, child);
    }
}

/// Every expression a node evaluates, for reference extraction.
fn node_expressions<'a>(m: &'a Module, key: &NodeKey) -> Vec<&'a Expr> {
    let mut out = Vec::new();
    match key {
        // A default is a constant and a validation may refer only to its own variable: both
        // are checked where the variable is resolved, and give no edges.
        NodeKey::Variable(..) => {}
        NodeKey::Local(_, name) => out.extend(m.locals.get(name).map(|l| &l.expr)),
        NodeKey::Output(_, name) => {
            if let Some(o) = m.outputs.get(name) {
                out.push(&o.value);
                out.extend(o.depends_on.iter());
            }
        }
        NodeKey::Resource(_, addr) => {
            if let Some(r) = m.resources.get(addr) {
                resource_expressions(r, &mut out);
            }
        }
        NodeKey::ModuleExpand(child) => {
            if let Some(call) = child.0.last().and_then(|n| m.module_calls.get(n)) {
                out.extend(call.count.iter());
                out.extend(call.for_each.iter());
                out.extend(call.inputs.values().map(|a| &a.expr));
                out.extend(call.depends_on.iter());
            }
        }
        NodeKey::ModuleClose(_) => {}
        NodeKey::Provider(p) => {
            if let Some(pc) = m.providers.get(&(p.name.clone(), p.alias.clone())) {
                body_expressions(&pc.body, &mut out);
            }
        }
    }
    out
}

fn resource_expressions<'a>(r: &'a ResourceConfig, out: &mut Vec<&'a Expr>) {
    out.extend(r.count.iter());
    out.extend(r.for_each.iter());
    out.extend(r.depends_on.iter());
    out.extend(r.lifecycle.replace_triggered_by.iter());
    body_expressions(&r.body, out);
}

fn body_expressions<'a>(body: &'a Body, out: &mut Vec<&'a Expr>) {
    out.extend(body.attributes.iter().map(|a| &a.expr));
    for b in &body.blocks {
        body_expressions(&b.body, out);
    }
}

fn add_reference_edges(g: &mut ConfigGraph, config: &Config, diags: &mut Diagnostics) {
    let nodes: Vec<_> = g
        .graph
        .node_indices()
        .map(|ix| (ix, g.graph[ix].key.clone()))
        .collect();
    for (from, key) in nodes {
        let Some(m) = config.module(&key.module()) else {
            continue;
        };
        let context = node_context(&key);
        for expr in node_expressions(m, &key) {
            let refs = match references(&expr.expr, &expr.file) {
                Ok(r) => r,
                Err(d) => {
                    diags.extend(d.in_context(&context));
                    continue;
                }
            };
            for r in refs {
                match resolve_reference(m, &r) {
                    Ok(Some(target)) => {
                        if let Some(to) = g.node(&target) {
                            g.add_edge(from, to);
                        }
                    }
                    Ok(None) => {}
                    Err(d) => diags.push(d.with_context(context.clone())),
                }
            }
        }
    }
}

/// The "in ..." label of a node's diagnostics.
fn node_context(key: &NodeKey) -> String {
    match key {
        NodeKey::Variable(_, n) => format!("variable \"{n}\""),
        NodeKey::Local(..) => "locals".to_string(),
        NodeKey::Output(_, n) => format!("output \"{n}\""),
        NodeKey::Resource(_, r) => {
            let kind = if r.mode == ResourceMode::Data {
                "data"
            } else {
                "resource"
            };
            format!("{kind} \"{}\" \"{}\"", r.type_name, r.name)
        }
        NodeKey::ModuleExpand(c) | NodeKey::ModuleClose(c) => {
            format!(
                "module \"{}\"",
                c.0.last().map(String::as_str).unwrap_or("")
            )
        }
        NodeKey::Provider(p) => format!("provider \"{}\"", p.name),
    }
}

fn module_description(path: &ModulePath) -> String {
    if path.is_root() {
        "the root module".to_string()
    } else {
        path.to_string()
    }
}

/// The node a reference points at, `None` for references with no node (count.index, path.*),
/// or a diagnostic for an undeclared target.
fn resolve_reference(m: &Module, r: &Reference) -> Result<Option<NodeKey>, Diagnostic> {
    let p = &m.path;
    let undeclared = |summary: &str, detail: String| {
        Diagnostic::error(summary, detail).with_subject(r.range.clone())
    };
    match &r.subject {
        Referenceable::InputVariable(name) => {
            if m.variables.contains_key(name) {
                Ok(Some(NodeKey::Variable(p.clone(), name.clone())))
            } else {
                Err(undeclared(
                    "Reference to undeclared input variable",
                    format!(
                        "An input variable with the name \"{name}\" has not been declared. This variable can be declared with a variable \"{name}\" {{}} block.{}",
                        did_you_mean(name, m.variables.keys().map(String::as_str))
                    ),
                ))
            }
        }
        Referenceable::LocalValue(name) => {
            if m.locals.contains_key(name) {
                Ok(Some(NodeKey::Local(p.clone(), name.clone())))
            } else {
                Err(undeclared(
                    "Reference to undeclared local value",
                    format!(
                        "A local value with the name \"{name}\" has not been declared.{}",
                        did_you_mean(name, m.locals.keys().map(String::as_str))
                    ),
                ))
            }
        }
        Referenceable::ModuleCall(name) => {
            if m.module_calls.contains_key(name) {
                Ok(Some(NodeKey::ModuleClose(p.child(name))))
            } else {
                Err(undeclared(
                    "Reference to undeclared module",
                    format!(
                        "No module call named \"{name}\" is declared in {}.{}",
                        module_description(p),
                        did_you_mean(name, m.module_calls.keys().map(String::as_str))
                    ),
                ))
            }
        }
        Referenceable::Resource(res) => {
            if m.resources.contains_key(res) {
                Ok(Some(NodeKey::Resource(p.clone(), res.clone())))
            } else {
                let kind = if res.mode == ResourceMode::Data {
                    "data resource"
                } else {
                    "managed resource"
                };
                let names: Vec<String> = m
                    .resources
                    .keys()
                    .filter(|k| k.mode == res.mode)
                    .map(|k| format!("{}.{}", k.type_name, k.name))
                    .collect();
                let given = format!("{}.{}", res.type_name, res.name);
                Err(undeclared(
                    "Reference to undeclared resource",
                    format!(
                        "A {kind} \"{}\" \"{}\" has not been declared in {}.{}",
                        res.type_name,
                        res.name,
                        module_description(p),
                        did_you_mean(&given, names.iter().map(String::as_str))
                    ),
                ))
            }
        }
        Referenceable::CountIndex
        | Referenceable::EachKey
        | Referenceable::EachValue
        | Referenceable::Path(_)
        | Referenceable::SelfRef => Ok(None),
    }
}

/// Everything declared in a child module (including its own module calls' expansion) waits for
/// the call's expansion; the call's close waits for the child's outputs. Depending on the
/// immediate module's expansion is enough: that one depends on its parent's, transitively.
fn add_module_edges(g: &mut ConfigGraph) {
    let nodes: Vec<_> = g
        .graph
        .node_indices()
        .map(|ix| (ix, g.graph[ix].key.clone()))
        .collect();
    for (ix, key) in nodes {
        match &key {
            NodeKey::ModuleClose(child) => {
                if let Some(expand) = g.node(&NodeKey::ModuleExpand(child.clone())) {
                    g.add_edge(ix, expand);
                }
            }
            NodeKey::Output(m, _) if !m.is_root() => {
                if let Some(close) = g.node(&NodeKey::ModuleClose(m.clone())) {
                    g.add_edge(close, ix);
                }
            }
            _ => {}
        }
        let m = key.module();
        if !m.is_root() {
            if let Some(expand) = g.node(&NodeKey::ModuleExpand(m)) {
                g.add_edge(ix, expand);
            }
        }
    }
}

/// The provider configuration a resource in `m` uses: explicit `provider = x.y`, else the
/// implied one by type, looked up in this module then its ancestors, else an implied empty
/// configuration at the root.
fn add_provider_edges(g: &mut ConfigGraph, config: &Config, m: &Module, diags: &mut Diagnostics) {
    for r in m.resources.values() {
        let (name, alias) = match &r.provider {
            Some(pr) => (pr.name.clone(), pr.alias.clone()),
            None => (provider_for_type(&r.addr.type_name).to_string(), None),
        };
        let mut found = None;
        let mut path = m.path.clone();
        loop {
            if config
                .module(&path)
                .is_some_and(|pm| pm.providers.contains_key(&(name.clone(), alias.clone())))
            {
                found = Some(ProviderConfigAddr {
                    module: path.clone(),
                    name: name.clone(),
                    alias: alias.clone(),
                });
                break;
            }
            if path.0.pop().is_none() {
                break;
            }
        }
        let addr = match (found, &alias) {
            (Some(a), _) => a,
            (None, None) => ProviderConfigAddr {
                module: ModulePath::root(),
                name: name.clone(),
                alias: None,
            },
            (None, Some(a)) => {
                let range = r.provider.as_ref().map(|p| p.range.clone());
                diags.push(
                    Diagnostic::error(
                        "Provider configuration not present",
                        format!("There is no provider \"{name}\" configuration with alias \"{a}\" declared for {}.", r.addr),
                    )
                    .with_subject_opt(range),
                );
                continue;
            }
        };
        let from = g
            .node(&NodeKey::Resource(m.path.clone(), r.addr.clone()))
            .expect("declared");
        let to = g.add_node(NodeKey::Provider(addr), None);
        g.add_edge(from, to);
    }
    for child in m.children.values() {
        add_provider_edges(g, config, child, diags);
    }
}

/// Every strongly connected component of more than one node (or a node depending on itself)
/// is a cycle; one error per cycle names every member with where it is declared.
pub fn check_cycles(g: &ConfigGraph) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let mut seen = HashSet::new();
    for scc in tarjan_scc(&g.graph) {
        let is_cycle = scc.len() > 1 || g.graph.find_edge(scc[0], scc[0]).is_some();
        if !is_cycle || !seen.insert(scc.clone()) {
            continue;
        }
        let mut members: Vec<_> = scc.iter().map(|&ix| &g.graph[ix]).collect();
        members.sort_by(|a, b| a.key.cmp(&b.key));
        let names: Vec<String> = members.iter().map(|n| n.key.to_string()).collect();
        let mut detail = format!(
            "The following objects depend on each other: {}.\n",
            names.join(", ")
        );
        for n in &members {
            match &n.decl_range {
                Some(r) => detail.push_str(&format!("\n  {} (declared at {r})", n.key)),
                None => detail.push_str(&format!("\n  {}", n.key)),
            }
        }
        diags.push(
            Diagnostic::error("Cycle in the configuration", detail)
                .with_subject_opt(members.first().and_then(|n| n.decl_range.clone())),
        );
    }
    diags
}
