//! A validator for the subset of Swagger 2.0 / JSON Schema the official Azure REST API
//! specifications use: `$ref` across files, `type`, `required`, `enum` (extensible when
//! `x-ms-enum.modelAsString`), `properties`, `items`, `additionalProperties`, `allOf`,
//! `pattern`, `minimum`/`maximum`, and `readOnly` (a request must not send it). Requests are
//! matched to their operation by method, path template and api-version.
//!
//! `strict` also reports properties no schema declares (ARM ignores most unknown properties
//! silently, so a misspelt one would otherwise go unnoticed) and values outside extensible
//! enumerations (`x-ms-enum.modelAsString`), which ARM may accept but flinkform should not send.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

/// What is checked beyond the specification's rules.
#[derive(Clone, Copy, Debug)]
pub struct Strict {
    /// Properties no schema declares are problems.
    pub properties: bool,
    /// Values outside extensible enumerations are problems.
    pub enums: bool,
}

impl Strict {
    /// The specification's rules and undeclared properties (for official examples, which use
    /// values of extensible enumerations the specification does not list).
    pub const PROPERTIES: Strict = Strict {
        properties: true,
        enums: false,
    };
    /// Everything: for what flinkform sends.
    pub const ALL: Strict = Strict {
        properties: true,
        enums: true,
    };
}

/// The specification files, by file name.
pub struct Specs {
    files: BTreeMap<String, Value>,
}

/// A schema with the file its `$ref`s are relative to.
#[derive(Clone, Copy)]
struct At<'a> {
    file: &'a str,
    schema: &'a Value,
}

const MAX_DEPTH: usize = 64;

impl Specs {
    /// Every `*.json` in `dir` that is a specification (has `swagger`).
    pub fn load(dir: &Path) -> Specs {
        let mut files = BTreeMap::new();
        for entry in std::fs::read_dir(dir).expect("spec directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                let text = std::fs::read_to_string(&path).expect("spec file");
                let json: Value = serde_json::from_str(&text).expect("spec JSON");
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                files.insert(name, json);
            }
        }
        Specs { files }
    }

    pub fn file(&self, name: &str) -> &Value {
        &self.files[name]
    }

    /// The file a `$ref`'s file part names: the copies here are flattened
    /// (`.../common-types/resource-management/v6/types.json` -> `common-types-v6-types.json`).
    fn ref_file(&self, from: &str, file_part: &str) -> Option<String> {
        if file_part.is_empty() {
            return Some(from.to_string());
        }
        if file_part.ends_with("common-types/resource-management/v6/types.json") {
            return Some("common-types-v6-types.json".to_string());
        }
        let base = file_part.rsplit('/').next()?;
        self.files
            .keys()
            .find(|k| k.ends_with(&format!("-{base}")) || *k == base)
            .cloned()
    }

    fn resolve<'a>(&'a self, from: &'a str, reference: &str) -> Result<At<'a>, String> {
        let (file_part, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let file = self
            .ref_file(from, file_part)
            .ok_or_else(|| format!("unresolvable $ref {reference:?} (from {from})"))?;
        let (name, doc) = self
            .files
            .get_key_value(&file)
            .ok_or_else(|| format!("unresolvable $ref {reference:?}: no file {file}"))?;
        let schema = doc
            .pointer(pointer)
            .ok_or_else(|| format!("unresolvable $ref {reference:?}: no {pointer} in {file}"))?;
        Ok(At {
            file: name.as_str(),
            schema,
        })
    }

    /// The body schema of the operation a request is for: `None` when no specification here
    /// has the path (Microsoft.Network and Microsoft.OperationalInsights are not included).
    /// An error when the path is known but not the method or api-version.
    fn body_schema<'a>(
        &'a self,
        method: &str,
        path: &str,
        api_version: Option<&str>,
    ) -> Option<Result<Option<At<'a>>, String>> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        // The most specific template wins; the generic resource operations
        // (`.../providers/{resourceProviderNamespace}/...`) describe no type's body.
        let literals = |t: &str| t.split('/').filter(|p| !p.starts_with('{')).count();
        let mut best: Option<(&String, &String, &Value)> = None;
        for (file, doc) in &self.files {
            let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
                continue;
            };
            for (template, ops) in paths {
                if template.contains("{resourceProviderNamespace}")
                    || !template_matches(template, &segments)
                {
                    continue;
                }
                if best.is_none_or(|(_, t, _)| literals(template) > literals(t)) {
                    best = Some((file, template, ops));
                }
            }
        }
        let (file, template, ops) = best?;
        let doc = &self.files[file];
        let version = doc.pointer("/info/version").and_then(Value::as_str);
        if api_version.is_some() && api_version != version {
            return Some(Err(format!(
                "{method} {path}: api-version {api_version:?}, the specification {file} is {version:?}"
            )));
        }
        let Some(op) = ops.get(method.to_ascii_lowercase()) else {
            return Some(Err(format!("{method} {path}: {template} has no {method}")));
        };
        let params = op.get("parameters").and_then(Value::as_array);
        for p in params.into_iter().flatten() {
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(r) => match self.resolve(file, r) {
                    Ok(at) => at,
                    // Shared parameters of files not copied here (api-version...).
                    Err(_) => continue,
                },
                None => At { file, schema: p },
            };
            if p.schema.get("in").and_then(Value::as_str) == Some("body") {
                return Some(Ok(p.schema.get("schema").map(|s| At {
                    file: p.file,
                    schema: s,
                })));
            }
        }
        Some(Ok(None))
    }

    /// Problems of a request body (empty when it conforms); `None` when no specification here
    /// covers the request.
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        api_version: Option<&str>,
        body: Option<&Value>,
        strict: Strict,
    ) -> Option<Vec<String>> {
        let schema = match self.body_schema(method, path, api_version)? {
            Err(e) => return Some(vec![e]),
            Ok(s) => s,
        };
        let mut problems = Vec::new();
        match (schema, body) {
            (Some(schema), Some(body)) => {
                self.check(schema, body, "$", true, strict, 0, &mut problems)
            }
            (Some(_), None) => {}
            (None, Some(_)) => {
                problems.push(format!("{method} {path}: the operation takes no body"))
            }
            (None, None) => {}
        }
        Some(problems)
    }

    /// Problems of `value` against the definition `definition` of `file` (a response: read-only
    /// properties allowed).
    pub fn check_definition(
        &self,
        file: &str,
        definition: &str,
        value: &Value,
        strict: Strict,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        match self.resolve(file, &format!("#/definitions/{definition}")) {
            Ok(at) => self.check(at, value, "$", false, strict, 0, &mut problems),
            Err(e) => problems.push(e),
        }
        problems
    }

    /// The properties a schema declares, through `allOf` and `$ref`s, with their schemas;
    /// and the `additionalProperties` schema if any.
    fn declared<'a>(
        &'a self,
        at: At<'a>,
        props: &mut Map<String, Value>,
        owners: &mut BTreeMap<String, &'a str>,
        additional: &mut Option<At<'a>>,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err("schema nesting too deep".into());
        }
        if let Some(r) = at.schema.get("$ref").and_then(Value::as_str) {
            let target = self.resolve(at.file, r)?;
            return self.declared(target, props, owners, additional, depth + 1);
        }
        if let Some(p) = at.schema.get("properties").and_then(Value::as_object) {
            for (k, v) in p {
                props.insert(k.clone(), v.clone());
                owners.insert(k.clone(), at.file);
            }
        }
        if let Some(a) = at.schema.get("additionalProperties") {
            if a.is_object() {
                *additional = Some(At {
                    file: at.file,
                    schema: a,
                });
            }
        }
        for part in at
            .schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.declared(
                At {
                    file: at.file,
                    schema: part,
                },
                props,
                owners,
                additional,
                depth + 1,
            )?;
        }
        Ok(())
    }

    fn required(&self, at: At<'_>, out: &mut Vec<String>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        if let Some(r) = at.schema.get("$ref").and_then(Value::as_str) {
            if let Ok(target) = self.resolve(at.file, r) {
                self.required(target, out, depth + 1);
            }
            return;
        }
        for r in at
            .schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(s) = r.as_str() {
                out.push(s.to_string());
            }
        }
        for part in at
            .schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.required(
                At {
                    file: at.file,
                    schema: part,
                },
                out,
                depth + 1,
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        at: At<'_>,
        value: &Value,
        path: &str,
        request: bool,
        strict: Strict,
        depth: usize,
        problems: &mut Vec<String>,
    ) {
        if depth > MAX_DEPTH {
            problems.push(format!("{path}: nesting too deep"));
            return;
        }
        // Answers carry nulls for unset properties; requests should not send them.
        if value.is_null() {
            let nullable = at.schema.get("x-nullable").and_then(Value::as_bool) == Some(true);
            if request && !nullable {
                problems.push(format!("{path}: null sent"));
            }
            return;
        }
        if let Some(r) = at.schema.get("$ref").and_then(Value::as_str) {
            match self.resolve(at.file, r) {
                Ok(target) => self.check(target, value, path, request, strict, depth + 1, problems),
                Err(e) => problems.push(format!("{path}: {e}")),
            }
            // Siblings of a $ref (readOnly, description) are checked by the caller.
            return;
        }
        let ty = at.schema.get("type").and_then(Value::as_str);
        let object_like = ty == Some("object")
            || at.schema.get("properties").is_some()
            || at.schema.get("allOf").is_some();
        match ty {
            Some("string") if !value.is_string() => {
                problems.push(format!("{path}: expected a string, found {value}"))
            }
            Some("boolean") if !value.is_boolean() => {
                problems.push(format!("{path}: expected a boolean, found {value}"))
            }
            Some("integer") if !(value.is_i64() || value.is_u64()) => {
                problems.push(format!("{path}: expected an integer, found {value}"))
            }
            Some("number") if !value.is_number() => {
                problems.push(format!("{path}: expected a number, found {value}"))
            }
            Some("array") if !value.is_array() => {
                problems.push(format!("{path}: expected an array, found {value}"))
            }
            Some("object") if !value.is_object() => {
                problems.push(format!("{path}: expected an object, found {value}"))
            }
            _ => {}
        }
        if let (Some(allowed), Some(s)) = (
            at.schema.get("enum").and_then(Value::as_array),
            value.as_str(),
        ) {
            let extensible = at
                .schema
                .pointer("/x-ms-enum/modelAsString")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            // Extensible enums accept more values, but what flinkform sends should be documented.
            if (strict.enums || !extensible) && !allowed.iter().any(|a| a.as_str() == Some(s)) {
                problems.push(format!(
                    "{path}: {s:?} is not one of {}",
                    Value::Array(allowed.clone())
                ));
            }
        }
        if let (Some(pattern), Some(s)) = (
            at.schema.get("pattern").and_then(Value::as_str),
            value.as_str(),
        ) {
            if let Ok(re) = regex::Regex::new(pattern) {
                if !re.is_match(s) {
                    problems.push(format!("{path}: {s:?} does not match {pattern}"));
                }
            }
        }
        if let Some(n) = value.as_f64() {
            if let Some(min) = at.schema.get("minimum").and_then(Value::as_f64) {
                if n < min {
                    problems.push(format!("{path}: {n} is below the minimum {min}"));
                }
            }
            if let Some(max) = at.schema.get("maximum").and_then(Value::as_f64) {
                if n > max {
                    problems.push(format!("{path}: {n} is above the maximum {max}"));
                }
            }
        }
        if let (Some(items), Some(elems)) = (at.schema.get("items"), value.as_array()) {
            for (i, e) in elems.iter().enumerate() {
                self.check(
                    At {
                        file: at.file,
                        schema: items,
                    },
                    e,
                    &format!("{path}[{i}]"),
                    request,
                    strict,
                    depth + 1,
                    problems,
                );
            }
        }
        let Some(obj) = value.as_object() else {
            return;
        };
        if !object_like && at.schema.get("additionalProperties").is_none() {
            return;
        }
        let mut props = Map::new();
        let mut owners = BTreeMap::new();
        let mut additional = None;
        if let Err(e) = self.declared(at, &mut props, &mut owners, &mut additional, depth) {
            problems.push(format!("{path}: {e}"));
            return;
        }
        let mut required = Vec::new();
        self.required(at, &mut required, depth);
        for r in required {
            if !obj.contains_key(&r) {
                problems.push(format!("{path}: missing required property {r:?}"));
            }
        }
        for (k, v) in obj {
            let child = format!("{path}.{k}");
            match props.get(k) {
                Some(schema) => {
                    let file = owners.get(k).copied().unwrap_or(at.file);
                    if request && self.read_only(At { file, schema }, depth) {
                        problems.push(format!("{child}: read-only, must not be sent"));
                    }
                    self.check(
                        At { file, schema },
                        v,
                        &child,
                        request,
                        strict,
                        depth + 1,
                        problems,
                    );
                }
                None => match additional {
                    Some(a) => self.check(a, v, &child, request, strict, depth + 1, problems),
                    None if strict.properties && !props.is_empty() => {
                        problems.push(format!("{child}: not a property of this object"))
                    }
                    None => {}
                },
            }
        }
    }

    /// Whether a property schema is read-only (itself, or the definition it refers to).
    fn read_only(&self, at: At<'_>, depth: usize) -> bool {
        if at.schema.get("readOnly").and_then(Value::as_bool) == Some(true) {
            return true;
        }
        match at.schema.get("$ref").and_then(Value::as_str) {
            Some(r) if depth < MAX_DEPTH => self
                .resolve(at.file, r)
                .is_ok_and(|t| t.schema.get("readOnly").and_then(Value::as_bool) == Some(true)),
            _ => false,
        }
    }
}

/// Whether a path template (`/subscriptions/{subscriptionId}/...`) matches the segments; a
/// leading `{scope}`-like parameter takes one or more segments.
fn template_matches(template: &str, segments: &[&str]) -> bool {
    let parts: Vec<&str> = template.trim_matches('/').split('/').collect();
    let is_param = |p: &str| p.starts_with('{') && p.ends_with('}');
    let matches_from = |parts: &[&str], segs: &[&str]| {
        parts.len() == segs.len()
            && parts.iter().zip(segs).all(|(p, s)| {
                if is_param(p) {
                    !s.is_empty()
                } else {
                    p.eq_ignore_ascii_case(s)
                }
            })
    };
    match parts.first() {
        Some(first) if is_param(first) && parts.len() > 1 => {
            let rest = &parts[1..];
            // The scope takes everything before the rest.
            segments.len() > rest.len()
                && matches_from(rest, &segments[segments.len() - rest.len()..])
                && !segments[..segments.len() - rest.len()].is_empty()
        }
        Some(first) if is_param(first) => false,
        _ => matches_from(&parts, segments),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let segs: Vec<&str> = "subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Authorization/roleAssignments/g"
            .split('/')
            .collect();
        assert!(template_matches(
            "/{scope}/providers/Microsoft.Authorization/roleAssignments/{roleAssignmentName}",
            &segs
        ));
        assert!(!template_matches(
            "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
            &segs
        ));
        assert!(template_matches(
            "/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}",
            &["subscriptions", "s", "resourceGroups", "rg"]
        ));
    }
}
