//! `flinkform output [NAME] [--json | --raw]`: the root module's outputs from the state, as
//! Terraform prints them. Listed all together, sensitive outputs show as `<sensitive>`; asked
//! for by name, or with `--json`/`--raw`, the value is printed as it is (as Terraform does: those
//! forms are for scripts that need it).

use std::path::PathBuf;

use serde_json::{json, Map, Value as Json};

use super::show::{render_value, Layout};
use super::Context;
use crate::cli::backend::{backend_for_command, load_state, StateFlags};
use crate::cli::Printer;
use crate::diagnostics::{Diagnostic, Diagnostics, SourceMap};
use crate::lang::value::format_number;
use crate::lang::ValueKind;
use crate::state::{type_to_json, OutputState, State};

/// The flags of `flinkform output`.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputArgs {
    /// Print only this output's value.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Print as JSON.
    #[arg(long, conflicts_with = "raw")]
    pub json: bool,
    /// Print a string, number or bool output's value as it is, without quotes or newline.
    #[arg(long)]
    pub raw: bool,
    /// Use the state file at PATH instead of the configured backend's.
    #[arg(long = "state", value_name = "PATH")]
    pub state: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: &OutputArgs, printer: &mut Printer) -> i32 {
    let backend = match backend_for_command(ctx, &StateFlags::read_only(args.state.clone())) {
        Ok(b) => b,
        Err((diags, sources)) => {
            printer.diagnostics(&diags, &sources);
            return 1;
        }
    };
    let result = load_state(&backend).and_then(|(loaded, warnings)| {
        printer.diagnostics(&warnings, &SourceMap::new());
        print_outputs(&loaded.state, args, printer)
    });
    match result {
        Ok(warnings) => {
            printer.diagnostics(&warnings, &SourceMap::new());
            0
        }
        Err(diags) => {
            printer.diagnostics(&diags, &SourceMap::new());
            1
        }
    }
}

/// Prints what `args` ask for; warnings come back for printing.
fn print_outputs(
    state: &State,
    args: &OutputArgs,
    printer: &mut Printer,
) -> Result<Diagnostics, Diagnostics> {
    let Some(name) = &args.name else {
        if args.raw {
            return Err(Diagnostic::error(
                "Output name required",
                "You must give the name of a single output value when using the --raw option.",
            )
            .into());
        }
        if args.json {
            let all: Map<String, Json> = state
                .outputs
                .iter()
                .map(|(name, o)| (name.clone(), output_json(o)))
                .collect();
            printer.out(&format!("{:#}\n", Json::Object(all)));
            return Ok(Diagnostics::new());
        }
        if state.outputs.is_empty() {
            return Ok(no_outputs().into());
        }
        let mut out = String::new();
        for (name, o) in &state.outputs {
            if o.sensitive {
                out.push_str(&format!("{name} = <sensitive>\n"));
            } else {
                out.push_str(&format!("{name} = {}\n", render(o)?));
            }
        }
        printer.out(&out);
        return Ok(Diagnostics::new());
    };
    let Some(output) = state.outputs.get(name) else {
        return Err(Diagnostic::error(
            format!("Output {name:?} not found"),
            "The output variable requested could not be found in the state file. If you recently added \
             this to your configuration, be sure to run `flinkform apply`, since the state won't be \
             updated with new output variables until that command is run.",
        )
        .into());
    };
    if args.json {
        printer.out(&format!("{}\n", output.value));
    } else if args.raw {
        printer.out(&raw(name, output)?);
    } else {
        printer.out(&format!("{}\n", render(output)?));
    }
    Ok(Diagnostics::new())
}

/// `{"sensitive": ..., "type": ..., "value": ...}`, as Terraform's `output -json`.
fn output_json(o: &OutputState) -> Json {
    let ty = match &o.ty {
        Some(t) => t.clone(),
        None => o
            .value()
            .map(|v| type_to_json(&v.ty()))
            .unwrap_or_else(|_| json!("dynamic")),
    };
    json!({"sensitive": o.sensitive, "type": ty, "value": o.value})
}

/// The value in Terraform's console layout, sensitive or not.
fn render(o: &OutputState) -> Result<String, Diagnostics> {
    let (value, _) = o.value().map_err(|e| decode_error(&e))?.unmark_deep();
    Ok(render_value(&value, Layout::Console, 0))
}

fn decode_error(e: &crate::state::StateError) -> Diagnostics {
    Diagnostic::error("Invalid output value in the state", e.to_string()).into()
}

/// A primitive value as it is: strings without quotes, and no newline after it.
fn raw(name: &str, o: &OutputState) -> Result<String, Diagnostics> {
    let (value, _) = o.value().map_err(|e| decode_error(&e))?.unmark_deep();
    let unsupported = |detail: String| -> Diagnostics {
        Diagnostic::error("Unsupported value for raw output", detail).into()
    };
    match value.kind() {
        ValueKind::String(s) => Ok(s.clone()),
        ValueKind::Number(n) => Ok(format_number(*n)),
        ValueKind::Bool(b) => Ok(b.to_string()),
        ValueKind::Null(_) => Err(unsupported(format!(
            "The value for output value {name:?} is null, so --raw mode cannot print it."
        ))),
        _ => Err(unsupported(format!(
            "The --raw option only supports strings, numbers, and boolean values, but output value \
             {name:?} is of type {}.\n\nUse the --json option for machine-readable representations of \
             output values that have complex types.",
            value.ty()
        ))),
    }
}

fn no_outputs() -> Diagnostic {
    Diagnostic::warning(
        "No outputs found",
        "The state file either has no outputs defined, or all the defined outputs are empty. Please \
         define an output in your configuration with the `output` keyword and run `flinkform apply` \
         for it to become available.",
    )
}
