//! Questions about dependencies: what a set of nodes needs (for `--target` and provider
//! configuration), and which resources each resource depends on (recorded in state so that
//! destroying in the right order works after the configuration is gone).

use std::collections::{BTreeSet, HashMap, HashSet};

use petgraph::stable_graph::NodeIndex;
use petgraph::Direction;

use super::{ConfigGraph, NodeKey};

/// `roots` and everything they depend on, transitively.
pub fn dependency_closure(
    g: &ConfigGraph,
    roots: impl IntoIterator<Item = NodeIndex>,
) -> HashSet<NodeIndex> {
    let mut seen = HashSet::new();
    let mut stack: Vec<NodeIndex> = roots.into_iter().collect();
    while let Some(ix) = stack.pop() {
        if seen.insert(ix) {
            stack.extend(g.graph.neighbors_directed(ix, Direction::Outgoing));
        }
    }
    seen
}

/// For every resource node, the resource nodes it depends on: directly, or through
/// variables, locals, outputs and module calls, stopping at the first resource on each path.
/// Each node's answer is computed once (in dependency order), so the cost is linear in the
/// graph's edges times the size of the answers.
pub fn resource_dependencies(g: &ConfigGraph) -> HashMap<NodeIndex, BTreeSet<NodeKey>> {
    // What a dependent sees through each node: a resource shows itself; anything else shows
    // the resources it reaches.
    let mut through: HashMap<NodeIndex, BTreeSet<NodeKey>> = HashMap::new();
    let mut out = HashMap::new();
    for ix in g.dependency_order() {
        let mut reached = BTreeSet::new();
        for dep in g.graph.neighbors_directed(ix, Direction::Outgoing) {
            if let Some(r) = through.get(&dep) {
                reached.extend(r.iter().cloned());
            }
        }
        let key = &g.graph[ix].key;
        if matches!(key, NodeKey::Resource(..)) {
            out.insert(ix, reached);
            through.insert(ix, BTreeSet::from([key.clone()]));
        } else if !matches!(key, NodeKey::Provider(_)) {
            through.insert(ix, reached);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addrs::{ModulePath, Resource};

    #[test]
    fn resources_seen_through_locals_but_not_beyond_resources() {
        let mut g = ConfigGraph::default();
        let r =
            |n: &str| NodeKey::Resource(ModulePath::root(), Resource::managed("flinkform_data", n));
        let a = g.add_node(r("a"), None);
        let b = g.add_node(r("b"), None);
        let c = g.add_node(r("c"), None);
        let l = g.add_node(NodeKey::Local(ModulePath::root(), "x".into()), None);
        // c -> local.x -> b -> a
        g.add_edge(c, l);
        g.add_edge(l, b);
        g.add_edge(b, a);
        let deps = resource_dependencies(&g);
        assert_eq!(deps[&c], BTreeSet::from([r("b")]));
        assert_eq!(deps[&b], BTreeSet::from([r("a")]));
        assert!(deps[&a].is_empty());
        assert_eq!(dependency_closure(&g, [l]), HashSet::from([l, b, a]));
    }
}
