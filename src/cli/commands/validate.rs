//! `flinkform validate [--json]`: every diagnostic at once, without needing variable values.

use std::collections::BTreeMap;

use super::{load_and_build, Context};
use crate::cli::Printer;
use crate::diagnostics::{Diagnostics, Severity};
use crate::graph::walk::{walk, ConfigOnly, ProviderSet, WalkInput};
use crate::lang::{FuncContext, Value};

pub fn run(ctx: &Context, json: bool, printer: &mut Printer) -> i32 {
    let (config, graph, mut diags) = load_and_build(ctx);
    if let (Some(graph), false) = (&graph, diags.has_errors()) {
        // As Terraform's validate: root variables are unknown values of their declared types.
        let root_variables: BTreeMap<String, Value> = config
            .root
            .variables
            .values()
            .map(|v| {
                (
                    v.name.clone(),
                    Value::unknown(v.type_constraint.ty.clone()).mark_sensitive_if(v.sensitive),
                )
            })
            .collect();
        let providers = ProviderSet::available();
        let input = WalkInput {
            config: &config,
            graph,
            root_variables: &root_variables,
            providers: &providers,
            func: FuncContext {
                base_dir: ctx.cwd.clone(),
                plan_time: true,
            },
            cwd: ctx.cwd.clone(),
            validate_only: true,
            only: None,
        };
        let (_, walk_diags) = walk(&input, &mut ConfigOnly);
        diags.extend(walk_diags);
    }
    let valid = !diags.has_errors();
    if json {
        printer.out(&format!("{:#}\n", validate_json(&diags, valid)));
    } else {
        printer.diagnostics(&diags, &config.sources);
        if valid {
            printer.success("Success! The configuration is valid.");
        }
    }
    if valid {
        0
    } else {
        1
    }
}

/// The machine-readable result, in the shape of Terraform's `validate -json`.
pub fn validate_json(diags: &Diagnostics, valid: bool) -> serde_json::Value {
    let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
    serde_json::json!({
        "format_version": "1.0",
        "valid": valid,
        "error_count": count(Severity::Error),
        "warning_count": count(Severity::Warning),
        "diagnostics": diags,
    })
}
