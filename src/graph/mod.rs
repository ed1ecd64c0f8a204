//! The dependency graph of a configuration.
//!
//! [`build::build_config_graph`] turns a loaded [`Config`](crate::config::Config) into a DAG of
//! configuration-level nodes (variables, locals, outputs, resources, module calls, providers)
//! by a sequence of small transforms, as OpenTofu's graph builders do. Edges point from a node
//! to what it depends on. [`walk::expand`] then walks that DAG in dependency order, evaluating
//! `count`/`for_each` and every expression, and yields the resource instances with their
//! addresses and values; [`dot`] renders either graph.

pub mod body;
pub mod build;
pub mod deps;
pub mod dot;
pub mod walk;

use std::collections::HashMap;
use std::fmt;

use petgraph::stable_graph::{NodeIndex, StableDiGraph};

use crate::addrs::{ModulePath, ProviderConfigAddr, Resource};
use crate::diagnostics::SourceRange;

/// Identity of a configuration-level graph node.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeKey {
    Variable(ModulePath, String),
    Local(ModulePath, String),
    Output(ModulePath, String),
    /// A resource block, before expansion into instances.
    Resource(ModulePath, Resource),
    /// A module call's `count`/`for_each` and inputs, evaluated before anything in the child.
    /// The path is the child module's path.
    ModuleExpand(ModulePath),
    /// A module call's outputs, gathered after the child's outputs are known.
    ModuleClose(ModulePath),
    Provider(ProviderConfigAddr),
}

impl NodeKey {
    /// The module the node's expressions are evaluated in.
    pub fn module(&self) -> ModulePath {
        match self {
            NodeKey::Variable(m, _)
            | NodeKey::Local(m, _)
            | NodeKey::Output(m, _)
            | NodeKey::Resource(m, _) => m.clone(),
            NodeKey::ModuleExpand(child) | NodeKey::ModuleClose(child) => {
                ModulePath(child.0[..child.0.len().saturating_sub(1)].to_vec())
            }
            NodeKey::Provider(p) => p.module.clone(),
        }
    }
}

impl fmt::Display for NodeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = |f: &mut fmt::Formatter<'_>, m: &ModulePath| {
            if m.is_root() {
                Ok(())
            } else {
                write!(f, "{m}.")
            }
        };
        match self {
            NodeKey::Variable(m, n) => {
                prefix(f, m)?;
                write!(f, "var.{n}")
            }
            NodeKey::Local(m, n) => {
                prefix(f, m)?;
                write!(f, "local.{n}")
            }
            NodeKey::Output(m, n) => {
                prefix(f, m)?;
                write!(f, "output.{n}")
            }
            NodeKey::Resource(m, r) => {
                prefix(f, m)?;
                write!(f, "{r} (expand)")
            }
            NodeKey::ModuleExpand(m) => write!(f, "{m} (expand)"),
            NodeKey::ModuleClose(m) => write!(f, "{m} (close)"),
            NodeKey::Provider(p) => write!(f, "{p}"),
        }
    }
}

/// A node: its key and where it is declared (absent for implied provider configurations).
#[derive(Clone, Debug)]
pub struct Node {
    pub key: NodeKey,
    pub decl_range: Option<SourceRange>,
}

/// The configuration-level dependency graph. Edges go from a node to what it depends on.
#[derive(Debug, Default)]
pub struct ConfigGraph {
    pub graph: StableDiGraph<Node, ()>,
    index: HashMap<NodeKey, NodeIndex>,
}

impl ConfigGraph {
    pub fn add_node(&mut self, key: NodeKey, decl_range: Option<SourceRange>) -> NodeIndex {
        if let Some(&ix) = self.index.get(&key) {
            return ix;
        }
        let ix = self.graph.add_node(Node {
            key: key.clone(),
            decl_range,
        });
        self.index.insert(key, ix);
        ix
    }

    pub fn node(&self, key: &NodeKey) -> Option<NodeIndex> {
        self.index.get(key).copied()
    }

    /// Adds `from -> to` ("from depends on to") once.
    pub fn add_edge(&mut self, from: NodeIndex, to: NodeIndex) {
        if self.graph.find_edge(from, to).is_none() {
            self.graph.add_edge(from, to, ());
        }
    }

    /// Nodes in an order where every node comes after all it depends on.
    /// Ties are broken by key, so the order is deterministic.
    pub fn dependency_order(&self) -> Vec<NodeIndex> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        let mut pending: HashMap<NodeIndex, usize> = HashMap::new();
        let mut ready = BinaryHeap::new();
        for ix in self.graph.node_indices() {
            let deps = self
                .graph
                .neighbors_directed(ix, petgraph::Direction::Outgoing)
                .count();
            if deps == 0 {
                ready.push(Reverse((self.graph[ix].key.clone(), ix)));
            } else {
                pending.insert(ix, deps);
            }
        }
        let mut order = Vec::with_capacity(self.graph.node_count());
        while let Some(Reverse((_, ix))) = ready.pop() {
            order.push(ix);
            for dependent in self
                .graph
                .neighbors_directed(ix, petgraph::Direction::Incoming)
            {
                if let Some(n) = pending.get_mut(&dependent) {
                    *n -= 1;
                    if *n == 0 {
                        pending.remove(&dependent);
                        ready.push(Reverse((self.graph[dependent].key.clone(), dependent)));
                    }
                }
            }
        }
        order
    }
}
