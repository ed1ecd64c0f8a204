//! `flinkform show [--json] [PATH]`: the current state in human form (every instance as
//! `state show` renders it, then the root outputs) or as JSON in the shape of Terraform's
//! `show -json`, which never includes sensitive values.
//!
//! Also the renderers other state commands share: [`render_instance`] (one instance as an
//! HCL-like block) and [`render_value`] (a value over several lines, in the layout of
//! Terraform's state output or of its `output` command).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Map, Value as Json};

use super::Context;
use crate::addrs::{AbsResource, InstanceKey, ModuleInstance};
use crate::cli::backend::{backend_for_command, load_state, StateFlags};
use crate::cli::Printer;
use crate::diagnostics::SourceMap;
use crate::graph::walk::ProviderSet;
use crate::lang::value::{format_number, is_identifier, quote_string};
use crate::lang::{Type, Value, ValueKind};
use crate::plan::file::PlanFile;
use crate::plan::render::human::{render_plan, HumanOptions};
use crate::plan::render::json::plan_json;
use crate::plan::render::markdown::plan_markdown;
use crate::providers::provider_for_type;
use crate::providers::schema::{Nesting, Schema};
use crate::state::{InstanceState, InstanceStatus, LocalBackend, ResourceState, State};

/// The `format_version` of the JSON form.
const JSON_FORMAT_VERSION: &str = "1.0";

pub fn run(
    ctx: &Context,
    path: Option<&Path>,
    json: bool,
    markdown: bool,
    printer: &mut Printer,
) -> i32 {
    if let Some(path) = path {
        if let Ok(file) = PlanFile::read(path) {
            return show_plan(&file, json, markdown, printer);
        }
        if markdown {
            printer.error(
                "Not a plan file",
                &format!(
                    "{} is not a flinkform plan file: --markdown shows plans.",
                    path.display()
                ),
            );
            return 1;
        }
        return show_file(path, json, printer);
    }
    let backend = match backend_for_command(ctx, &StateFlags::read_only(None)) {
        Ok(b) => b,
        Err((diags, sources)) => {
            printer.diagnostics(&diags, &sources);
            return 1;
        }
    };
    show_backend(&backend, json, printer)
}

/// `show PATH` for a file that is not a plan: a state file, or an error.
fn show_file(path: &Path, json: bool, printer: &mut Printer) -> i32 {
    // Relative to the working directory, which is the process's.
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            printer.error(
                "Failed to read the file",
                &format!("Cannot read {}: {e}.", path.display()),
            );
            return 1;
        }
    };
    if !looks_like_state(&bytes) {
        // Plan files were tried before coming here.
        printer.error(
            "Failed to read the file",
            &format!(
                "{} is neither a flinkform state nor a plan file.",
                path.display()
            ),
        );
        return 1;
    }
    show_backend(&LocalBackend::new(path), json, printer)
}

/// A saved plan: as `plan` shows it, as JSON (docs/plan-json.md), or as a pull-request comment.
fn show_plan(file: &PlanFile, json: bool, markdown: bool, printer: &mut Printer) -> i32 {
    if json {
        printer.out(&format!("{:#}\n", plan_json(&file.plan, &[])));
    } else if markdown {
        printer.out(&plan_markdown(&file.plan));
    } else {
        printer.out(&render_plan(
            &file.plan,
            &HumanOptions {
                color: printer.color,
            },
        ));
    }
    0
}

/// Whether a file is a state document (a JSON object with a lineage), as opposed to anything
/// else `show` might be given.
fn looks_like_state(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Head {
        #[allow(dead_code)]
        lineage: String,
    }
    serde_json::from_slice::<Head>(bytes).is_ok()
}

fn show_backend(backend: &LocalBackend, json: bool, printer: &mut Printer) -> i32 {
    let (loaded, warnings) = match load_state(backend) {
        Ok(l) => l,
        Err(diags) => {
            printer.diagnostics(&diags, &SourceMap::new());
            return 1;
        }
    };
    printer.diagnostics(&warnings, &SourceMap::new());
    let providers = ProviderSet::available();
    if json {
        printer.out(&format!("{:#}\n", state_json(&loaded.state, &providers)));
    } else {
        printer.out(&render_state(&loaded.state, &providers));
    }
    0
}

/// The whole state in human form: every instance, then the root outputs.
pub fn render_state(state: &State, providers: &ProviderSet) -> String {
    if state.is_empty() {
        return "No state.\n".to_string();
    }
    let mut out = String::new();
    for resource in state.resources() {
        for (key, instance) in resource.instances() {
            if !out.is_empty() {
                out.push('\n');
            }
            let decoded = decode_instance(providers, resource.addr(), instance);
            out.push_str(&render_instance(
                resource.addr(),
                key,
                instance,
                &decoded.value,
                decoded.schema,
            ));
        }
    }
    if !state.outputs.is_empty() {
        out.push_str(if out.is_empty() {
            "Outputs:\n\n"
        } else {
            "\n\nOutputs:\n\n"
        });
        for (name, output) in &state.outputs {
            let value = match output.value() {
                Ok(v) => v,
                // Undecodable with its stored type: still show what is stored.
                Err(_) => Value::from_json(&output.value).mark_sensitive_if(output.sensitive),
            };
            out.push_str(&format!(
                "{name} = {}\n",
                render_value(&value, Layout::State, 0)
            ));
        }
    }
    out
}

/// An instance's attributes as a value, and the schema they were decoded with.
pub struct DecodedInstance<'p> {
    /// Sensitive parts (from the state's sensitive paths and the schema) are marked.
    pub value: Value,
    /// `None` when the resource type's provider is unknown or the attributes do not match the
    /// schema: the value is then the stored JSON as it is.
    pub schema: Option<&'p Schema>,
}

/// Decodes an instance's attributes with its resource type's schema, falling back to the
/// stored JSON when there is no schema or the attributes do not match it.
pub fn decode_instance<'p>(
    providers: &'p ProviderSet,
    resource: &AbsResource,
    instance: &InstanceState,
) -> DecodedInstance<'p> {
    if let Ok((_, schema)) = providers.resource_schema(&resource.resource) {
        if let Ok(value) = instance.value(&schema.value_type()) {
            return DecodedInstance {
                value: schema.mark_sensitive_attributes(value),
                schema: Some(schema),
            };
        }
    }
    let value = instance
        .value(&Type::Dynamic)
        .unwrap_or_else(|_| Value::from_json(&instance.attributes));
    DecodedInstance {
        value,
        schema: None,
    }
}

/// One instance as Terraform's `state show` prints it:
///
/// ```text
/// # flinkform_data.x:
/// resource "flinkform_data" "x" {
///     id     = "4c1d…"
///     input  = "hello"
///     output = "hello"
/// }
/// ```
pub fn render_instance(
    resource: &AbsResource,
    key: &InstanceKey,
    instance: &InstanceState,
    value: &Value,
    schema: Option<&Schema>,
) -> String {
    let addr = resource.instance(key.clone());
    let status = match instance.status {
        InstanceStatus::Ready => "",
        InstanceStatus::Tainted => " (tainted)",
        InstanceStatus::Pending => " (pending: an operation on it did not finish)",
    };
    let keyword = match resource.resource.mode {
        crate::addrs::ResourceMode::Managed => "resource",
        crate::addrs::ResourceMode::Data => "data",
    };
    format!(
        "# {addr}:{status}\n{keyword} {} {} {}\n",
        quote_string(&resource.resource.type_name),
        quote_string(&resource.resource.name),
        render_block(value, schema, 0)
    )
}

/// How [`render_value`] lays a value out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Terraform's state and plan output: 4-space indentation, `=` aligned, object keys bare
    /// when they are identifiers, `<<-EOT` for multi-line strings.
    State,
    /// Terraform's `output` command (its console format): 2-space indentation, keys quoted,
    /// collections named by their type (`tolist([...])`, `toset`, `tomap`).
    Console,
}

impl Layout {
    fn indent(self, level: usize) -> String {
        let width = match self {
            Layout::State => 4,
            Layout::Console => 2,
        };
        " ".repeat(width * level)
    }
}

/// A block's attributes (null ones left out) and nested blocks, between braces, with the
/// closing brace at `level`. Without a schema every attribute is shown as one.
fn render_block(value: &Value, schema: Option<&Schema>, level: usize) -> String {
    let (value, whole_sensitive) = value.clone().unmark();
    let Some(attrs) = value.as_map() else {
        return render_value(
            &value.mark_sensitive_if(whole_sensitive),
            Layout::State,
            level,
        );
    };
    let is_block = |name: &str| schema.is_some_and(|s| s.blocks.contains_key(name));
    let shown: Vec<(&String, Value)> = attrs
        .iter()
        .filter(|(name, v)| !v.is_null() && !is_block(name))
        .map(|(name, v)| (name, v.clone().mark_sensitive_if(whole_sensitive)))
        .collect();
    let mut out = String::from("{\n");
    let width = shown.iter().map(|(n, _)| key_text(n).len()).max();
    for (name, v) in &shown {
        out.push_str(&format!(
            "{}{:<width$} = {}\n",
            Layout::State.indent(level + 1),
            key_text(name),
            render_value(v, Layout::State, level + 1),
            width = width.unwrap_or(0)
        ));
    }
    if let Some(schema) = schema {
        let mut first_block = true;
        for (name, block) in &schema.blocks {
            let Some(v) = attrs.get(name) else { continue };
            let elements: Vec<&Value> = match block.nesting {
                Nesting::Single if v.is_null() => Vec::new(),
                Nesting::Single => vec![v],
                Nesting::List | Nesting::Set => {
                    v.as_seq().map(|s| s.iter().collect()).unwrap_or_default()
                }
            };
            for element in elements {
                if first_block && !shown.is_empty() {
                    out.push('\n');
                }
                first_block = false;
                let element = element.clone().mark_sensitive_if(whole_sensitive);
                out.push_str(&format!(
                    "{}{} {}\n",
                    Layout::State.indent(level + 1),
                    name,
                    render_block(&element, Some(&block.block), level + 1)
                ));
            }
        }
    }
    out.push_str(&Layout::State.indent(level));
    out.push('}');
    out
}

/// An object attribute name as written in the State layout.
fn key_text(name: &str) -> String {
    if is_identifier(name) {
        name.to_string()
    } else {
        quote_string(name)
    }
}

/// A value over several lines, continuing at indentation `level` (the first line is not
/// indented: it follows `name = `). Sensitive parts show as `(sensitive value)`.
pub fn render_value(value: &Value, layout: Layout, level: usize) -> String {
    if value.is_sensitive() {
        return "(sensitive value)".to_string();
    }
    match value.kind() {
        ValueKind::Null(_) => "null".to_string(),
        ValueKind::Unknown(_) => "(known after apply)".to_string(),
        ValueKind::Bool(b) => b.to_string(),
        ValueKind::Number(n) => format_number(*n),
        ValueKind::String(s) if s.contains('\n') => heredoc(s, layout, level),
        ValueKind::String(s) => quote_string(s),
        ValueKind::List(v) => wrap(layout, "tolist", render_seq(v, layout, level)),
        ValueKind::Set(v) => wrap(layout, "toset", render_seq(v, layout, level)),
        ValueKind::Tuple(v) => render_seq(v, layout, level),
        ValueKind::Map(m) => wrap(layout, "tomap", render_mapping(m, true, layout, level)),
        ValueKind::Object(m) => render_mapping(m, false, layout, level),
    }
}

fn wrap(layout: Layout, function: &str, inner: String) -> String {
    match layout {
        Layout::State => inner,
        Layout::Console => format!("{function}({inner})"),
    }
}

fn render_seq(elements: &[Value], layout: Layout, level: usize) -> String {
    if elements.is_empty() {
        return "[]".to_string();
    }
    let mut out = String::from("[\n");
    for e in elements {
        out.push_str(&format!(
            "{}{},\n",
            layout.indent(level + 1),
            render_value(e, layout, level + 1)
        ));
    }
    out.push_str(&layout.indent(level));
    out.push(']');
    out
}

fn render_mapping(
    entries: &BTreeMap<String, Value>,
    is_map: bool,
    layout: Layout,
    level: usize,
) -> String {
    if entries.is_empty() {
        return "{}".to_string();
    }
    let key = |k: &str| match layout {
        Layout::State if !is_map => key_text(k),
        _ => quote_string(k),
    };
    let width = match layout {
        Layout::State => entries.keys().map(|k| key(k).len()).max().unwrap_or(0),
        Layout::Console => 0,
    };
    let mut out = String::from("{\n");
    for (k, v) in entries {
        out.push_str(&format!(
            "{}{:<width$} = {}\n",
            layout.indent(level + 1),
            key(k),
            render_value(v, layout, level + 1)
        ));
    }
    out.push_str(&layout.indent(level));
    out.push('}');
    out
}

/// A multi-line string as a heredoc whose delimiter appears on no line.
fn heredoc(s: &str, layout: Layout, level: usize) -> String {
    let lines: Vec<&str> = s.split('\n').collect();
    let mut delimiter = String::from("EOT");
    while lines.iter().any(|l| l.trim() == delimiter) {
        delimiter.push('_');
    }
    let (operator, line_indent) = match layout {
        Layout::State => ("<<-", layout.indent(level + 1)),
        Layout::Console if level == 0 => ("<<", String::new()),
        Layout::Console => ("<<-", layout.indent(level)),
    };
    let mut out = format!("{operator}{delimiter}\n");
    for line in lines {
        if !line.is_empty() {
            out.push_str(&line_indent);
            out.push_str(line);
        }
        out.push('\n');
    }
    out.push_str(&layout.indent(level));
    out.push_str(&delimiter);
    out
}

// ---- JSON ----

/// The state as Terraform's `show -json` shapes it. Sensitive values are never included:
/// they are null in `values`, and `sensitive_values` says where they were.
pub fn state_json(state: &State, providers: &ProviderSet) -> Json {
    let mut doc = json!({
        "format_version": JSON_FORMAT_VERSION,
        "flinkform_version": env!("CARGO_PKG_VERSION"),
    });
    if state.is_empty() {
        return doc;
    }
    let outputs: Map<String, Json> = state
        .outputs
        .iter()
        .map(|(name, o)| {
            let mut entry = json!({
                "sensitive": o.sensitive,
                "value": if o.sensitive { Json::Null } else { o.value.clone() },
            });
            if let Some(ty) = &o.ty {
                entry["type"] = ty.clone();
            }
            (name.clone(), entry)
        })
        .collect();
    let mut modules: BTreeMap<ModuleInstance, Vec<Json>> = BTreeMap::new();
    for resource in state.resources() {
        let list = modules.entry(resource.addr().module.clone()).or_default();
        for (key, instance) in resource.instances() {
            list.push(resource_json(providers, resource, key, instance));
        }
    }
    doc["values"] = json!({
        "outputs": outputs,
        "root_module": module_json(&ModuleInstance::root(), &mut modules),
    });
    doc
}

fn resource_json(
    providers: &ProviderSet,
    resource: &ResourceState,
    key: &InstanceKey,
    instance: &InstanceState,
) -> Json {
    let addr = resource.addr();
    let decoded = decode_instance(providers, addr, instance);
    let mut entry = Map::new();
    entry.insert(
        "address".into(),
        json!(addr.instance(key.clone()).to_string()),
    );
    entry.insert("mode".into(), json!(resource.mode()));
    entry.insert("type".into(), json!(addr.resource.type_name));
    entry.insert("name".into(), json!(addr.resource.name));
    match key {
        InstanceKey::None => {}
        InstanceKey::Int(i) => {
            entry.insert("index".into(), json!(i));
        }
        InstanceKey::Str(s) => {
            entry.insert("index".into(), json!(s));
        }
    }
    entry.insert(
        "provider_name".into(),
        json!(provider_name(&resource.provider, &addr.resource.type_name)),
    );
    entry.insert("schema_version".into(), json!(instance.schema_version));
    entry.insert("values".into(), redacted_json(&decoded.value));
    entry.insert(
        "sensitive_values".into(),
        match sensitive_as_bool(&decoded.value) {
            Json::Bool(false) => json!({}),
            other => other,
        },
    );
    if !instance.dependencies.is_empty() {
        entry.insert("depends_on".into(), json!(instance.dependencies));
    }
    if instance.status == InstanceStatus::Tainted {
        entry.insert("tainted".into(), json!(true));
    }
    Json::Object(entry)
}

/// The provider's name from a provider configuration address such as `provider.azure.westeu`
/// or `module.a.provider.azure`.
fn provider_name<'a>(config_addr: &'a str, type_name: &'a str) -> &'a str {
    let mut parts = config_addr.split('.');
    while let Some(part) = parts.next() {
        if part == "provider" {
            if let Some(name) = parts.next().filter(|n| !n.is_empty()) {
                return name;
            }
        }
    }
    provider_for_type(type_name)
}

/// The module `addr` with its resources and, nested, every module below it that has
/// resources (taking them out of `modules`). Module instances sort before their children, so
/// the children of `addr` are the entries right after it that start with it.
fn module_json(addr: &ModuleInstance, modules: &mut BTreeMap<ModuleInstance, Vec<Json>>) -> Json {
    let resources = modules.remove(addr).unwrap_or_default();
    let mut entry = Map::new();
    if !addr.is_root() {
        entry.insert("address".into(), json!(addr.to_string()));
    }
    if !resources.is_empty() {
        entry.insert("resources".into(), Json::Array(resources));
    }
    let mut children = Vec::new();
    // Modules below `addr` sort right after it. Each pass takes the first one left, whose next
    // step names a child of `addr`; the child's own call removes everything below it. The
    // recursion is as deep as the module addresses in the state, which the state file's JSON
    // nesting limit bounds.
    while let Some(next) = modules
        .range::<ModuleInstance, _>((std::ops::Bound::Excluded(addr), std::ops::Bound::Unbounded))
        .map(|(m, _)| m)
        .next()
        .filter(|m| m.0.starts_with(&addr.0))
        .cloned()
    {
        let Some(step) = next.0.get(addr.0.len()) else {
            break;
        };
        let child = addr.child(&step.name, step.key.clone());
        children.push(module_json(&child, modules));
    }
    if !children.is_empty() {
        entry.insert("child_modules".into(), Json::Array(children));
    }
    Json::Object(entry)
}

/// `value` as JSON with every sensitive part replaced by null.
pub fn redacted_json(value: &Value) -> Json {
    if value.is_sensitive() {
        return Json::Null;
    }
    match value.kind() {
        ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => {
            Json::Array(v.iter().map(redacted_json).collect())
        }
        ValueKind::Map(m) | ValueKind::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), redacted_json(v)))
                .collect(),
        ),
        _ => value.to_json(),
    }
}

/// Where `value` is sensitive, as Terraform's `sensitive_values`: `true` for a sensitive part,
/// `false` for anything else that is not a collection; sequences keep one entry per element,
/// objects and maps only their entries that are not `false`.
pub fn sensitive_as_bool(value: &Value) -> Json {
    if value.is_sensitive() {
        return Json::Bool(true);
    }
    match value.kind() {
        ValueKind::List(v) | ValueKind::Set(v) | ValueKind::Tuple(v) => {
            Json::Array(v.iter().map(sensitive_as_bool).collect())
        }
        ValueKind::Map(m) | ValueKind::Object(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), sensitive_as_bool(v)))
                .filter(|(_, s)| *s != Json::Bool(false))
                .collect(),
        ),
        _ => Json::Bool(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(entries: &[(&str, Value)]) -> Value {
        Value::object(
            entries
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn state_layout_aligns_and_nests() {
        let v = obj(&[
            ("a", Value::string("x")),
            ("long_name", Value::list(vec![Value::number(1.0)])),
            (
                "tags",
                Value::map([("k".to_string(), Value::string("v").mark_sensitive())].into()),
            ),
        ]);
        assert_eq!(
            render_value(&v, Layout::State, 0),
            "{\n    a         = \"x\"\n    long_name = [\n        1,\n    ]\n    tags      = {\n        \"k\" = (sensitive value)\n    }\n}"
        );
    }

    #[test]
    fn console_layout_names_collection_types() {
        let v = obj(&[
            ("l", Value::list(vec![Value::string("a")])),
            ("s", Value::set(vec![])),
        ]);
        assert_eq!(
            render_value(&v, Layout::Console, 0),
            "{\n  \"l\" = tolist([\n    \"a\",\n  ])\n  \"s\" = toset([])\n}"
        );
    }

    #[test]
    fn heredocs_pick_a_delimiter_absent_from_the_text() {
        assert_eq!(
            render_value(&Value::string("a\nEOT\n"), Layout::Console, 0),
            "<<EOT_\na\nEOT\n\nEOT_"
        );
        assert_eq!(
            render_value(&Value::string("a\nb"), Layout::State, 1),
            "<<-EOT\n        a\n        b\n    EOT"
        );
    }

    #[test]
    fn sensitive_values_are_nulled_and_located() {
        let v = obj(&[
            ("id", Value::string("1")),
            ("secret", Value::string("s").mark_sensitive()),
            (
                "list",
                Value::tuple(vec![
                    Value::string("a"),
                    Value::string("b").mark_sensitive(),
                ]),
            ),
        ]);
        assert_eq!(
            redacted_json(&v),
            json!({"id": "1", "secret": null, "list": ["a", null]})
        );
        assert_eq!(
            sensitive_as_bool(&v),
            json!({"secret": true, "list": [false, true]})
        );
    }

    #[test]
    fn provider_names_come_from_the_configuration_address() {
        assert_eq!(
            provider_name("provider.flinkform", "flinkform_data"),
            "flinkform"
        );
        assert_eq!(
            provider_name("module.a.provider.azure.westeu", "azure_x"),
            "azure"
        );
        assert_eq!(provider_name("", "azure_x"), "azure");
    }

    #[test]
    fn child_modules_nest_under_their_parents() {
        let mut modules: BTreeMap<ModuleInstance, Vec<Json>> = BTreeMap::new();
        for m in ["module.a.module.b", "module.c[0]", "module.a"] {
            modules.insert(m.parse().unwrap(), vec![json!(m)]);
        }
        // A module without resources of its own between the root and a grandchild.
        modules.insert("module.x.module.y".parse().unwrap(), vec![json!("y")]);
        let doc = module_json(&ModuleInstance::root(), &mut modules);
        assert_eq!(
            doc,
            json!({"child_modules": [
                {"address": "module.a", "resources": ["module.a"], "child_modules": [
                    {"address": "module.a.module.b", "resources": ["module.a.module.b"]}
                ]},
                {"address": "module.c[0]", "resources": ["module.c[0]"]},
                {"address": "module.x", "child_modules": [
                    {"address": "module.x.module.y", "resources": ["y"]}
                ]}
            ]})
        );
    }
}
