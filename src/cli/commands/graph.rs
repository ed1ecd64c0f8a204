//! `flinkform graph`: the dependency graph, with every resource's instances, in DOT.

use super::{load_and_build, Context};
use crate::cli::{Printer, VarFlags};
use crate::graph::dot::render_dot;
use crate::graph::walk::{walk, PlannedCreate, ProviderSet, WalkInput};
use crate::lang::FuncContext;

pub fn run(ctx: &Context, vars: &VarFlags, printer: &mut Printer) -> i32 {
    let (mut config, graph, mut diags) = load_and_build(ctx);
    let Some(graph) = graph.filter(|_| !diags.has_errors()) else {
        printer.diagnostics(&diags, &config.sources);
        return 1;
    };
    let (root_variables, var_diags) = super::resolve_root_variables(&mut config, vars);
    diags.extend(var_diags);
    let Some(root_variables) = root_variables else {
        printer.diagnostics(&diags, &config.sources);
        return 1;
    };
    let providers = ProviderSet::available();
    let input = WalkInput {
        config: &config,
        graph: &graph,
        root_variables: &root_variables,
        providers: &providers,
        func: FuncContext {
            base_dir: ctx.cwd.clone(),
            plan_time: true,
        },
        cwd: ctx.cwd.clone(),
        validate_only: false,
        only: None,
    };
    let mut hook = PlannedCreate::default();
    let (_, walk_diags) = walk(&input, &mut hook);
    diags.extend(walk_diags);
    printer.diagnostics(&diags, &config.sources);
    if diags.has_errors() {
        return 1;
    }
    let instances: Vec<_> = hook.instances.into_iter().map(|i| i.addr).collect();
    printer.out(&render_dot(&graph, &instances));
    0
}
