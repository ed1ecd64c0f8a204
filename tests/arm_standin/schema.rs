//! Validation of request bodies against the official ARM specifications (Swagger 2.0) in
//! `reference/`: the operation is found by method and path, its body parameter's schema is
//! checked (types, required, enums, patterns, bounds, unknown and read-only properties).
//! References to files not copied here are not followed (their part is not checked).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

use super::log::LoggedRequest;

/// The directory of the specification copies.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/arm_standin/reference")
}

/// A reference file by name (`aks-2025-10-01-managedClusters.json`).
pub fn reference(name: &str) -> Value {
    let text = std::fs::read_to_string(reference_dir().join(name)).expect("reference file");
    serde_json::from_str(&text).expect("reference JSON")
}

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Valid,
    Invalid(Vec<String>),
    /// No specification here covers the request.
    NoSpec,
}

pub struct Specs {
    /// Swagger files by name.
    files: HashMap<String, Value>,
}

/// The specifications, loaded once per test binary.
pub fn specs() -> &'static Specs {
    static SPECS: OnceLock<Specs> = OnceLock::new();
    SPECS.get_or_init(Specs::load)
}

const MAX_DEPTH: usize = 64;

impl Specs {
    pub fn load() -> Specs {
        let mut files = HashMap::new();
        for entry in std::fs::read_dir(reference_dir()).expect("reference dir") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            if !name.ends_with(".json") || name.contains("example") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("spec file");
            files.insert(name, serde_json::from_str(&text).expect("spec JSON"));
        }
        Specs { files }
    }

    /// Checks a request body against the operation `method path` of the specifications.
    pub fn validate(
        &self,
        method: &str,
        path: &str,
        api_version: Option<&str>,
        body: &Value,
    ) -> Verdict {
        let Some((file, operation)) = self.find_operation(method, path) else {
            return Verdict::NoSpec;
        };
        let mut problems = Vec::new();
        let spec_version = self.files[file]["info"]["version"]
            .as_str()
            .unwrap_or_default();
        if api_version != Some(spec_version) {
            problems.push(format!(
                "api-version {api_version:?} but the specification is {spec_version}"
            ));
        }
        let body_schema = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| self.resolve(file, p))
            .find(|(_, p)| p["in"] == "body");
        match body_schema {
            Some((param_file, param)) => {
                self.check(param_file, &param["schema"], body, "body", &mut problems, 0)
            }
            None => problems.push(format!("{method} {path} takes no body")),
        }
        if problems.is_empty() {
            Verdict::Valid
        } else {
            Verdict::Invalid(problems)
        }
    }

    /// Checks a value against a definition of a file.
    pub fn validate_definition(&self, file: &str, definition: &str, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let schema = serde_json::json!({ "$ref": format!("#/definitions/{definition}") });
        self.check(file, &schema, value, definition, &mut problems, 0);
        problems
    }

    /// The most specific operation whose path template matches.
    fn find_operation(&self, method: &str, path: &str) -> Option<(&str, &Value)> {
        let method = method.to_ascii_lowercase();
        let mut best: Option<(usize, &str, &Value)> = None;
        for (file, spec) in &self.files {
            for (template, item) in spec["paths"].as_object().into_iter().flatten() {
                // Generic operations on any resource (`providers/{namespace}`, `/{resourceId}`)
                // say nothing about a particular type.
                let generic = template.contains("/providers/{")
                    || template
                        .split('/')
                        .all(|s| s.is_empty() || s.starts_with('{'));
                let Some(operation) = item.get(&method).filter(|_| !generic) else {
                    continue;
                };
                // ARM's names for path parameters that span segments (their definitions may
                // be in files not copied here).
                let conventional = ["scope", "resourceId", "resourceUri", "parentResourcePath"];
                let multi: HashSet<String> = conventional
                    .iter()
                    .map(|s| s.to_string())
                    .chain(
                        operation["parameters"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .chain(item["parameters"].as_array().into_iter().flatten())
                            .filter_map(|p| self.resolve(file, p))
                            .filter(|(_, p)| {
                                p["in"] == "path" && p["x-ms-skip-url-encoding"] == true
                            })
                            .filter_map(|(_, p)| p["name"].as_str().map(str::to_string)),
                    )
                    .collect();
                let Some(score) = template_matches(template, path, &multi) else {
                    continue;
                };
                if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                    best = Some((score, file.as_str(), operation));
                }
            }
        }
        best.map(|(_, file, operation)| (file, operation))
    }

    /// Follows a `$ref` (to this file or another copied one); the value itself otherwise.
    fn resolve<'a>(&'a self, file: &'a str, value: &Value) -> Option<(&'a str, Value)> {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return Some((file, value.clone()));
        };
        let (target, pointer) = reference.split_once('#')?;
        let target_file = if target.is_empty() {
            file
        } else {
            self.file_for(target)?
        };
        let mut resolved = self.files.get(target_file)?.pointer(pointer)?.clone();
        // Siblings of `$ref` (readOnly, description) apply too.
        if let (Value::Object(out), Value::Object(siblings)) = (&mut resolved, value) {
            for (k, v) in siblings {
                if k != "$ref" {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Some((target_file, resolved))
    }

    /// The copied file an upstream relative reference means.
    fn file_for(&self, target: &str) -> Option<&str> {
        let name = if target.ends_with("common-types/resource-management/v6/types.json") {
            "common-types-v6-types.json"
        } else {
            return None;
        };
        self.files.get_key_value(name).map(|(k, _)| k.as_str())
    }

    fn check(
        &self,
        file: &str,
        schema: &Value,
        value: &Value,
        at: &str,
        problems: &mut Vec<String>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some((file, schema)) = self.resolve(file, schema) else {
            return; // a file not copied here
        };
        let object = self.object_schema(file, &schema, depth);
        let ty = schema["type"].as_str().or(if object.properties.is_empty() {
            None
        } else {
            Some("object")
        });
        match (ty, value) {
            (Some("object"), Value::Object(map)) => {
                for name in &object.required {
                    if !map.contains_key(name) {
                        problems.push(format!("{at}: required property {name:?} is missing"));
                    }
                }
                for (key, v) in map {
                    let here = format!("{at}.{key}");
                    match object.properties.get(key) {
                        Some((pfile, pschema)) => {
                            let read_only = pschema["readOnly"] == true
                                || pschema["x-ms-mutability"].as_array().is_some_and(|m| {
                                    !m.iter().any(|x| x == "create" || x == "update")
                                });
                            if read_only {
                                problems.push(format!("{here}: read-only property sent"));
                            }
                            self.check(pfile, pschema, v, &here, problems, depth + 1);
                        }
                        None => match &object.additional {
                            Some(Some((afile, aschema))) => {
                                self.check(afile, aschema, v, &here, problems, depth + 1)
                            }
                            Some(None) => {}
                            None if object.polymorphic => {}
                            None => problems.push(format!("{here}: unknown property")),
                        },
                    }
                }
            }
            (Some("object"), _) => problems.push(format!("{at}: expected an object, got {value}")),
            (Some("array"), Value::Array(items)) => {
                bound(
                    at,
                    "items",
                    items.len() as f64,
                    &schema["minItems"],
                    &schema["maxItems"],
                    problems,
                );
                for (i, item) in items.iter().enumerate() {
                    self.check(
                        file,
                        &schema["items"],
                        item,
                        &format!("{at}[{i}]"),
                        problems,
                        depth + 1,
                    );
                }
            }
            (Some("array"), _) => problems.push(format!("{at}: expected an array, got {value}")),
            (Some("string"), Value::String(s)) => {
                bound(
                    at,
                    "length",
                    s.chars().count() as f64,
                    &schema["minLength"],
                    &schema["maxLength"],
                    problems,
                );
                if let Some(pattern) = schema["pattern"].as_str() {
                    if let Ok(re) = regex::Regex::new(pattern) {
                        if !re.is_match(s) {
                            problems.push(format!("{at}: {s:?} does not match {pattern}"));
                        }
                    }
                }
            }
            (Some("string"), _) => problems.push(format!("{at}: expected a string, got {value}")),
            (Some("integer"), Value::Number(n)) if n.is_i64() || n.is_u64() => {
                bound(
                    at,
                    "value",
                    n.as_f64().unwrap_or_default(),
                    &schema["minimum"],
                    &schema["maximum"],
                    problems,
                );
            }
            (Some("integer"), _) => {
                problems.push(format!("{at}: expected an integer, got {value}"))
            }
            (Some("number"), Value::Number(n)) => {
                bound(
                    at,
                    "value",
                    n.as_f64().unwrap_or_default(),
                    &schema["minimum"],
                    &schema["maximum"],
                    problems,
                );
            }
            (Some("number"), _) => problems.push(format!("{at}: expected a number, got {value}")),
            (Some("boolean"), Value::Bool(_)) => {}
            (Some("boolean"), _) => problems.push(format!("{at}: expected a boolean, got {value}")),
            _ => {}
        }
        if let Some(allowed) = schema["enum"].as_array() {
            let ok = allowed.iter().any(|a| match (a, value) {
                (Value::String(a), Value::String(v)) => a.eq_ignore_ascii_case(v),
                (a, v) => a == v,
            });
            if !ok {
                problems.push(format!(
                    "{at}: {value} is not one of {}",
                    Value::Array(allowed.clone())
                ));
            }
        }
    }

    /// Properties, required names and additional properties of a schema and its `allOf`.
    fn object_schema<'a>(
        &'a self,
        file: &'a str,
        schema: &Value,
        depth: usize,
    ) -> ObjectSchema<'a> {
        let mut out = ObjectSchema::default();
        self.collect_object(file, schema, depth, &mut out);
        out
    }

    fn collect_object<'a>(
        &'a self,
        file: &'a str,
        schema: &Value,
        depth: usize,
        out: &mut ObjectSchema<'a>,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        for (name, property) in schema["properties"].as_object().into_iter().flatten() {
            out.properties
                .insert(name.clone(), (file, property.clone()));
        }
        for name in schema["required"].as_array().into_iter().flatten() {
            if let Some(name) = name.as_str() {
                out.required.insert(name.to_string());
            }
        }
        match &schema["additionalProperties"] {
            Value::Bool(true) => out.additional = Some(None),
            Value::Object(_) => {
                out.additional = Some(Some((file, schema["additionalProperties"].clone())))
            }
            _ => {}
        }
        if schema.get("discriminator").is_some() {
            out.polymorphic = true;
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            match self.resolve(file, part) {
                Some((part_file, part)) => self.collect_object(part_file, &part, depth + 1, out),
                // A base in a file not copied here: its properties are unknown.
                None => out.polymorphic = true,
            }
        }
    }
}

#[derive(Default)]
struct ObjectSchema<'a> {
    properties: BTreeMap<String, (&'a str, Value)>,
    required: HashSet<String>,
    /// `Some(None)`: anything; `Some(Some(schema))`: values of that schema.
    additional: Option<Option<(&'a str, Value)>>,
    /// Unknown properties cannot be judged (discriminated types, bases not copied).
    polymorphic: bool,
}

fn bound(at: &str, what: &str, n: f64, min: &Value, max: &Value, problems: &mut Vec<String>) {
    if let Some(min) = min.as_f64().filter(|m| n < *m) {
        problems.push(format!("{at}: {what} {n} is below the minimum {min}"));
    }
    if let Some(max) = max.as_f64().filter(|m| n > *m) {
        problems.push(format!("{at}: {what} {n} is above the maximum {max}"));
    }
}

/// Whether `path` fits `template` (literal segments ignoring case; `{param}` one segment, or
/// several for the `multi` ones); the number of literal characters matched, to prefer the
/// most specific template.
fn template_matches(template: &str, path: &str, multi: &HashSet<String>) -> Option<usize> {
    let mut pattern = String::from("(?i)^");
    let mut literal = 0;
    for segment in template.split('/').filter(|s| !s.is_empty()) {
        pattern.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) if multi.contains(name) => pattern.push_str(".+"),
            Some(_) => pattern.push_str("[^/]+"),
            None => {
                literal += segment.len();
                pattern.push_str(&regex::escape(segment));
            }
        }
    }
    pattern.push('$');
    let re = regex::Regex::new(&pattern).ok()?;
    re.is_match(path).then_some(literal)
}

/// Validates every logged PUT/PATCH/POST body a specification covers: the number checked, or
/// a report of the problems.
pub fn check_requests(requests: &[LoggedRequest]) -> Result<usize, String> {
    let specs = specs();
    let mut checked = 0;
    let mut report = Vec::new();
    for r in requests {
        if !matches!(r.method.as_str(), "PUT" | "PATCH") {
            continue;
        }
        let Some(body) = &r.body else {
            continue;
        };
        match specs.validate(&r.method, &r.path, r.api_version.as_deref(), body) {
            Verdict::Valid => checked += 1,
            Verdict::NoSpec => {}
            Verdict::Invalid(problems) => {
                checked += 1;
                report.push(format!(
                    "{} {}:\n  {}",
                    r.method,
                    r.path,
                    problems.join("\n  ")
                ));
            }
        }
    }
    if report.is_empty() {
        Ok(checked)
    } else {
        Err(report.join("\n"))
    }
}
