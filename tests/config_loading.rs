//! Loading configuration directories (`tests/cases/config/<name>/`) and resolving root input
//! variables.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flinkform::addrs::{ModulePath, Resource};
use flinkform::config::variables::{collect_raw_variables, resolve_root_variables, VarArg};
use flinkform::config::{load_config, Config, IgnoreChanges};
use flinkform::diagnostics::{render_diagnostic, Diagnostic, Diagnostics, Severity};
use flinkform::lang::{Type, Value};

fn case_dir(name: &str) -> PathBuf {
    Path::new("tests/cases/config").join(name)
}

fn load(name: &str) -> (Config, Diagnostics) {
    load_config(&case_dir(name))
}

/// The one diagnostic with this summary.
fn find<'a>(diags: &'a Diagnostics, summary: &str) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = diags.iter().filter(|d| d.summary == summary).collect();
    assert_eq!(found.len(), 1, "expected one {summary:?} in {diags:#?}");
    found[0]
}

/// Asserts the diagnostic's subject starts at `file:line:column`.
fn assert_at(d: &Diagnostic, file: &str, line: usize, column: usize) {
    let subject = d
        .subject
        .as_ref()
        .unwrap_or_else(|| panic!("no subject: {d:#?}"));
    assert_eq!(
        (
            subject.file.as_ref(),
            subject.start.line,
            subject.start.column
        ),
        (file, line, column),
        "subject of {d:#?}"
    );
}

#[test]
fn full_configuration_loads() {
    let (config, diags) = load("full");
    assert!(diags.is_empty(), "{diags:#?}");
    let root = &config.root;
    assert!(root.path.is_root());
    assert_eq!(root.dir, case_dir("full"));

    // Variables.
    assert_eq!(
        root.variables.keys().collect::<Vec<_>>(),
        ["jobs", "region", "subscription"]
    );
    let region = &root.variables["region"];
    assert_eq!(region.type_constraint.ty, Type::String);
    assert_eq!(
        region.description.as_deref(),
        Some("Azure region for every resource.")
    );
    assert!(region.default.is_some() && region.nullable && !region.sensitive);
    assert_eq!(
        region.decl_range.to_string(),
        "tests/cases/config/full/main.hcl:18:1"
    );
    let subscription = &root.variables["subscription"];
    assert!(subscription.sensitive && subscription.default.is_none());
    let jobs = &root.variables["jobs"];
    assert!(!jobs.nullable);
    assert_eq!(
        jobs.type_constraint.to_string(),
        "map(object({jar=string,parallelism=optional(number, 1)}))"
    );
    assert_eq!(jobs.validations.len(), 1);
    assert_eq!(
        jobs.validations[0].condition.range().to_string(),
        "tests/cases/config/full/main.hcl:38:21"
    );

    // Locals from both files.
    assert_eq!(
        root.locals.keys().collect::<Vec<_>>(),
        ["job_count", "name_prefix", "tags"]
    );
    assert_eq!(
        root.locals["job_count"].decl_range.to_string(),
        "tests/cases/config/full/locals.hcl:2:3"
    );

    // Resources.
    let keys: Vec<String> = root.resources.keys().map(ToString::to_string).collect();
    assert_eq!(
        keys,
        [
            "flinkform_data.all",
            "flinkform_data.settings",
            "flinkform_data.trigger",
            "data.flinkform_data.lookup"
        ]
    );
    let settings = &root.resources[&Resource::managed("flinkform_data", "settings")];
    assert!(settings.lifecycle.prevent_destroy && settings.lifecycle.create_before_destroy);
    match &settings.lifecycle.ignore_changes {
        IgnoreChanges::Paths(paths) => {
            let lines: Vec<String> = paths.iter().map(|p| p.range().to_string()).collect();
            assert_eq!(
                lines,
                [
                    "tests/cases/config/full/main.hcl:54:30",
                    "tests/cases/config/full/main.hcl:54:45"
                ]
            );
        }
        other => panic!("ignore_changes: {other:?}"),
    }
    assert_eq!(settings.lifecycle.replace_triggered_by.len(), 1);
    assert_eq!(
        settings
            .body
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["input"]
    );
    assert!(
        settings.body.blocks.is_empty(),
        "lifecycle is not part of the body"
    );
    assert!(settings.count.is_none() && settings.for_each.is_none() && settings.provider.is_none());
    assert_eq!(
        settings.decl_range.to_string(),
        "tests/cases/config/full/main.hcl:48:1"
    );

    let trigger = &root.resources[&Resource::managed("flinkform_data", "trigger")];
    assert!(trigger.count.is_some() && trigger.for_each.is_none());
    let provider = trigger.provider.as_ref().expect("provider reference");
    assert_eq!(
        (provider.name.as_str(), provider.alias.as_deref()),
        ("azure", Some("westeu"))
    );
    assert_eq!(
        trigger
            .body
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["input"]
    );
    assert_eq!(trigger.body.blocks.len(), 1);
    assert_eq!(trigger.body.blocks[0].type_name, "nested");
    assert!(!trigger.lifecycle.prevent_destroy);

    let lookup = &root.resources[&Resource::data("flinkform_data", "lookup")];
    assert!(lookup.for_each.is_some() && lookup.count.is_none());
    assert_eq!(lookup.depends_on.len(), 2);

    let all = &root.resources[&Resource::managed("flinkform_data", "all")];
    assert!(matches!(all.lifecycle.ignore_changes, IgnoreChanges::All));
    assert_eq!(all.file.path.as_ref(), "tests/cases/config/full/locals.hcl");

    // Providers.
    let providers: Vec<(String, Option<String>)> = root.providers.keys().cloned().collect();
    assert_eq!(
        providers,
        [
            ("azure".to_string(), None),
            ("azure".to_string(), Some("westeu".to_string()))
        ]
    );
    let westeu = &root.providers[&("azure".to_string(), Some("westeu".to_string()))];
    assert_eq!(
        westeu
            .body
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["location"]
    );

    // Outputs.
    assert_eq!(
        root.outputs.keys().collect::<Vec<_>>(),
        ["prefix", "subscription"]
    );
    assert_eq!(
        root.outputs["prefix"].description.as_deref(),
        Some("The name prefix.")
    );
    assert!(!root.outputs["prefix"].sensitive);
    assert!(root.outputs["subscription"].sensitive);
    assert_eq!(root.outputs["subscription"].depends_on.len(), 1);

    // Module call and tree.
    let call = &root.module_calls["platform"];
    assert_eq!(call.source, "./modules/platform");
    assert_eq!(call.inputs.keys().collect::<Vec<_>>(), ["prefix", "region"]);
    assert_eq!(call.providers.len(), 1);
    assert_eq!(call.providers[0].in_child.name, "azure");
    assert_eq!(call.providers[0].in_parent.alias.as_deref(), Some("westeu"));
    assert_eq!(root.children.keys().collect::<Vec<_>>(), ["platform"]);
    let platform = &root.children["platform"];
    assert_eq!(platform.path, ModulePath(vec!["platform".into()]));
    assert_eq!(platform.dir, case_dir("full/modules/platform"));
    assert_eq!(
        platform.variables.keys().collect::<Vec<_>>(),
        ["prefix", "region"]
    );
    assert!(platform.module_calls["network"].for_each.is_some());
    let network = config
        .module(&ModulePath(vec!["platform".into(), "network".into()]))
        .expect("nested module");
    assert_eq!(network.dir, case_dir("full/modules/network"));
    assert_eq!(
        network
            .resources
            .keys()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["flinkform_data.vnet"]
    );
    assert!(network.children.is_empty());

    // Settings.
    let settings = root.settings.as_ref().expect("flinkform block");
    assert_eq!(settings.required_version.as_deref(), Some(">= 0.1, < 2.0"));
    let backend = settings.backend.as_ref().expect("backend");
    assert_eq!(backend.type_name, "local");
    assert_eq!(backend.body.attributes[0].name, "path");

    // Every file read is in the source map, under its display path.
    for file in [
        "tests/cases/config/full/main.hcl",
        "tests/cases/config/full/locals.hcl",
        "tests/cases/config/full/modules/platform/main.hcl",
        "tests/cases/config/full/modules/network/main.hcl",
    ] {
        assert!(config.sources.get(file).is_some(), "{file} in sources");
    }
    assert!(config
        .sources
        .get("tests/cases/config/full/defaults.auto.vars")
        .is_none());
}

#[test]
fn absolute_directory_under_cwd_is_shown_relative() {
    let dir = std::env::current_dir()
        .unwrap()
        .join("tests/cases/config/unknown_block");
    let (_, diags) = load_config(&dir);
    assert_at(
        find(&diags, "Unsupported block type"),
        "tests/cases/config/unknown_block/main.hcl",
        3,
        1,
    );
}

#[test]
fn syntax_error_points_at_the_error() {
    let (config, diags) = load("syntax_error");
    let d = find(&diags, "Invalid syntax");
    assert_at(d, "tests/cases/config/syntax_error/main.hcl", 7, 1);
    assert!(!d.detail.is_empty());
    // The other file is still loaded.
    assert!(config.root.variables.contains_key("still_loaded"));
    let text = render_diagnostic(d, &config.sources, false);
    assert!(text.contains("   7: }\n      ^\n"), "{text}");
}

#[test]
fn unknown_block_type_with_hint() {
    let (_, diags) = load("unknown_block");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = find(&diags, "Unsupported block type");
    assert_eq!(
        d.detail,
        "Blocks of type \"resourse\" are not expected here. Did you mean \"resource\"?"
    );
    assert_at(d, "tests/cases/config/unknown_block/main.hcl", 3, 1);
    // An unknown block is no context of its own.
    assert_eq!(d.context, None);
}

#[test]
fn unknown_arguments_with_hints() {
    let (config, diags) = load("unknown_argument");
    let file = "tests/cases/config/unknown_argument/main.hcl";
    let args: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.summary == "Unsupported argument")
        .collect();
    assert_eq!(args.len(), 2, "{diags:#?}");
    assert_eq!(
        args[0].detail,
        "An argument named \"defualt\" is not expected here. Did you mean \"default\"?"
    );
    assert_at(args[0], file, 3, 3);
    assert_eq!(args[0].context.as_deref(), Some("variable \"region\""));
    assert_eq!(
        args[1].detail,
        "An argument named \"prevent_destory\" is not expected here. Did you mean \"prevent_destroy\"?"
    );
    assert_at(args[1], file, 8, 5);
    assert_eq!(
        args[1].context.as_deref(),
        Some("resource \"flinkform_data\" \"x\"")
    );
    let block = find(&diags, "Unsupported block type");
    assert_eq!(
        block.detail,
        "Blocks of type \"validation\" are not expected here."
    );
    assert_at(block, file, 14, 3);
    assert_eq!(diags.len(), 3);
    // What was valid is still loaded.
    assert_eq!(
        config.root.variables["region"].type_constraint.ty,
        Type::String
    );
    assert!(config.root.outputs.contains_key("o"));

    let text = render_diagnostic(args[0], &config.sources, false);
    assert_eq!(
        text,
        "Error: Unsupported argument\n\n  on tests/cases/config/unknown_argument/main.hcl line 3, in variable \
         \"region\":\n   3:   defualt = \"westeurope\"\n        ^^^^^^^\n\nAn argument named \"defualt\" is not \
         expected here. Did you mean \"default\"?\n"
    );
}

#[test]
fn duplicate_declarations_name_the_first() {
    let (config, diags) = load("duplicates");
    let a = "tests/cases/config/duplicates/a.hcl";
    let b = "tests/cases/config/duplicates/b.hcl";

    let d = find(&diags, "Duplicate variable declaration");
    assert_at(d, b, 1, 1);
    assert!(
        d.detail.contains(&format!("already declared at {a}:1:1")),
        "{}",
        d.detail
    );

    let d = find(&diags, "Duplicate local value definition");
    assert_at(d, b, 5, 3);
    assert!(
        d.detail.contains(&format!("already defined at {a}:4:3")),
        "{}",
        d.detail
    );

    let d = find(
        &diags,
        "Duplicate resource \"flinkform_data\" configuration",
    );
    assert_at(d, b, 8, 1);
    assert!(
        d.detail.contains(&format!("already declared at {a}:7:1")),
        "{}",
        d.detail
    );
    assert_eq!(
        d.context.as_deref(),
        Some("resource \"flinkform_data\" \"x\"")
    );

    let d = find(&diags, "Duplicate provider configuration");
    assert_at(d, b, 10, 1);
    assert!(
        d.detail
            .contains(&format!("with alias \"west\" was already given at {a}:9:1")),
        "{}",
        d.detail
    );

    let d = find(&diags, "Duplicate module call");
    assert_at(d, b, 14, 1);
    assert!(
        d.detail.contains(&format!("already defined at {a}:13:1")),
        "{}",
        d.detail
    );

    let d = find(&diags, "Duplicate output definition");
    assert_at(d, b, 22, 1);
    assert!(
        d.detail.contains(&format!("already defined at {b}:18:1")),
        "{}",
        d.detail
    );

    assert_eq!(diags.len(), 6, "{diags:#?}");
    // The first declarations win.
    assert_eq!(config.root.locals["prefix"].decl_range.file.as_ref(), a);
    assert!(config.root.locals.contains_key("other"));
    assert_eq!(config.root.children.len(), 1);
}

#[test]
fn count_and_for_each_together() {
    let (_, diags) = load("count_and_for_each");
    let d = find(&diags, "Invalid combination of \"count\" and \"for_each\"");
    assert!(d.detail.contains("mutually-exclusive"));
    assert_at(d, "tests/cases/config/count_and_for_each/main.hcl", 3, 3);
    assert_eq!(diags.len(), 1);
}

#[test]
fn missing_module_directory() {
    let (config, diags) = load("missing_module");
    let d = find(&diags, "Unreadable module directory");
    assert_eq!(
        d.detail,
        "The directory tests/cases/config/missing_module/modules/nope does not exist or cannot be read."
    );
    assert_at(d, "tests/cases/config/missing_module/main.hcl", 2, 12);
    assert_eq!(d.context.as_deref(), Some("module \"platform\""));
    assert!(config.root.children.is_empty());
    assert!(config.root.module_calls.contains_key("platform"));
}

#[test]
fn module_cycle_is_detected() {
    let (config, diags) = load("module_cycle");
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = find(&diags, "Recursive module call");
    assert_at(d, "tests/cases/config/module_cycle/b/main.hcl", 2, 12);
    assert!(
        d.detail.contains(
            "tests/cases/config/module_cycle/a, which is already being loaded as module.a"
        ),
        "{}",
        d.detail
    );
    let b = config
        .module(&ModulePath(vec!["a".into(), "b".into()]))
        .expect("module.a.module.b");
    assert!(b.children.is_empty());
}

#[test]
fn required_version_mismatch() {
    let (config, diags) = load("bad_required_version");
    let d = find(&diags, "Unsupported flinkform version");
    assert!(d.detail.contains(&format!(
        "does not support flinkform version {}",
        env!("CARGO_PKG_VERSION")
    )));
    assert_at(d, "tests/cases/config/bad_required_version/main.hcl", 2, 22);
    assert_eq!(d.context.as_deref(), Some("flinkform"));
    assert_eq!(diags.len(), 1);
    assert!(config.root.settings.is_some());
}

#[test]
fn labels_names_and_block_counts() {
    let (_, diags) = load("bad_labels");
    let file = "tests/cases/config/bad_labels/main.hcl";
    let d = find(&diags, "Missing name for resource");
    assert_eq!(
        d.detail,
        "All resource blocks must have 2 labels (type, name)."
    );
    assert_at(d, file, 1, 27);
    let names: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.summary == "Invalid variable name")
        .collect();
    assert_eq!(names.len(), 1);
    assert!(names[0].detail.contains("\"count\" is reserved"));
    assert_at(names[0], file, 4, 10);
    let d = find(&diags, "Invalid resource name");
    assert_at(d, file, 6, 27);
    let d = find(&diags, "Extraneous label for variable");
    assert_eq!(
        d.detail,
        "Only 1 labels (name) are expected for variable blocks."
    );
    assert_at(d, file, 8, 14);
    let d = find(&diags, "Unsupported module source");
    assert_at(d, file, 11, 12);
    let d = find(&diags, "Duplicate backend configuration");
    assert_at(d, file, 16, 3);
    assert!(d
        .detail
        .contains(&format!("previously configured at {file}:15:3")));
    let d = find(&diags, "Duplicate flinkform block");
    assert_at(d, file, 19, 1);
    let d = find(&diags, "Unexpected \"nested\" block");
    assert_at(d, file, 23, 3);
    assert_eq!(diags.len(), 8, "{diags:#?}");
}

#[test]
fn many_files_load_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for f in 0..1000 {
        let mut text = String::new();
        for r in 0..10 {
            let name = format!("r{f:04}_{r}");
            text.push_str(&format!(
                "resource \"flinkform_data\" \"{name}\" {{\n  input = {{ index = {r}, tags = {{ file = \"{f}\" }} }}\n  \
                 count = 1\n  lifecycle {{\n    create_before_destroy = true\n  }}\n}}\n\n"
            ));
            expected.push(name);
        }
        std::fs::write(dir.path().join(format!("f{f:04}.hcl")), text).unwrap();
    }
    let start = std::time::Instant::now();
    let (config, diags) = load_config(dir.path());
    let elapsed = start.elapsed();
    assert!(diags.is_empty(), "{diags:#?}");
    assert_eq!(config.root.resources.len(), 10_000);
    let names: Vec<&str> = config
        .root
        .resources
        .keys()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, expected);
    assert!(config
        .root
        .resources
        .values()
        .all(|r| r.lifecycle.create_before_destroy));
    eprintln!("loaded 10,000 resources from 1,000 files in {elapsed:?}");
}

// ---- variables ----

struct VarCase {
    dir: tempfile::TempDir,
}

impl VarCase {
    fn new(files: &[(&str, &str)]) -> VarCase {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        VarCase { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Loads the directory and resolves its variables; every diagnostic on the way is returned.
    fn resolve(
        &self,
        env: &[(&str, &str)],
        args: &[VarArg],
    ) -> (Result<BTreeMap<String, Value>, Diagnostics>, Diagnostics) {
        let (mut config, diags) = load_config(self.dir.path());
        assert!(!diags.has_errors(), "{diags:#?}");
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        let (raw, collect_diags) =
            collect_raw_variables(&config.root, env, args, &mut config.sources);
        (resolve_root_variables(&config.root, &raw), collect_diags)
    }

    fn values(&self, env: &[(&str, &str)], args: &[VarArg]) -> BTreeMap<String, Value> {
        let (values, diags) = self.resolve(env, args);
        assert!(diags.is_empty(), "{diags:#?}");
        values.unwrap_or_else(|d| panic!("{d:#?}"))
    }

    fn errors(&self, env: &[(&str, &str)], args: &[VarArg]) -> Diagnostics {
        let (values, mut diags) = self.resolve(env, args);
        if let Err(d) = values {
            diags.extend(d);
        }
        diags
    }
}

fn var(s: &str) -> VarArg {
    VarArg::Var(s.to_string())
}

fn string(s: &str) -> Value {
    Value::string(s)
}

fn object(attrs: &[(&str, Value)]) -> Value {
    Value::object(
        attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    )
}

#[test]
fn variable_sources_precedence() {
    let case = VarCase::new(&[
        (
            "main.hcl",
            "variable \"a\" {}\nvariable \"b\" {}\nvariable \"c\" {}\nvariable \"d\" {}\nvariable \"e\" {}\n\
             variable \"f\" {\n  default = \"default\"\n}\n",
        ),
        ("2.auto.vars", "c = \"auto2\"\nd = \"auto2\"\n"),
        ("1.auto.vars", "b = \"auto1\"\nc = \"auto1\"\nd = \"auto1\"\n"),
        ("extra.vars", "d = \"file\"\ne = \"file\"\n"),
    ]);
    let env = [
        ("FLINKFORM_VAR_a", "env"),
        ("FLINKFORM_VAR_b", "env"),
        ("FLINKFORM_VAR_c", "env"),
        ("FLINKFORM_VAR_d", "env"),
        ("FLINKFORM_VAR_e", "env"),
        ("FLINKFORM_VAR_undeclared", "ignored"),
        ("OTHER", "ignored"),
    ];
    let args = [
        var("d=cli"),
        VarArg::VarFile(case.path("extra.vars")),
        var("e=cli"),
    ];
    let values = case.values(&env, &args);
    let got: Vec<(&str, &str)> = values
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "env"),
            ("b", "auto1"),
            ("c", "auto2"),
            ("d", "file"),
            ("e", "cli"),
            ("f", "default")
        ]
    );
}

#[test]
fn variable_type_conversion_and_optional_defaults() {
    let case = VarCase::new(&[
        (
            "main.hcl",
            r#"
variable "replicas" {
  type = number
}

variable "cluster" {
  type = object({
    name     = string
    replicas = optional(number, 2)
    tags     = optional(map(string))
  })
}

variable "jobs" {
  type = list(object({
    jar         = string
    parallelism = optional(number, 1)
    limits      = optional(object({ cpu = optional(string, "500m") }), {})
  }))
}

variable "raw" {}
"#,
        ),
        (
            "jobs.auto.vars",
            r#"
jobs = [
  { jar = "a.jar" },
  { jar = "b.jar", parallelism = "4", limits = { cpu = "2" } },
]
"#,
        ),
    ]);
    let values = case.values(
        &[],
        &[
            var("replicas=5"),
            var(r#"cluster={ name = "main" }"#),
            var("raw=[1, 2]"),
        ],
    );
    assert_eq!(values["replicas"], Value::number(5.0));
    assert_eq!(
        values["cluster"],
        object(&[
            ("name", string("main")),
            ("replicas", Value::number(2.0)),
            ("tags", Value::null_of(Type::map(Type::String))),
        ])
    );
    let limits = |cpu: &str| object(&[("cpu", string(cpu))]);
    assert_eq!(
        values["jobs"],
        Value::list(vec![
            object(&[
                ("jar", string("a.jar")),
                ("limits", limits("500m")),
                ("parallelism", Value::number(1.0))
            ]),
            object(&[
                ("jar", string("b.jar")),
                ("limits", limits("2")),
                ("parallelism", Value::number(4.0))
            ]),
        ])
    );
    // No type: the raw text is the value.
    assert_eq!(values["raw"], string("[1, 2]"));
}

#[test]
fn variable_conversion_failures() {
    let case = VarCase::new(&[
        ("main.hcl", "variable \"replicas\" {\n  type = number\n}\n\nvariable \"names\" {\n  type = list(string)\n}\n"),
        ("bad.auto.vars", "names = [\"a\", [\"nested\"]]\n"),
    ]);
    let diags = case.errors(&[], &[var("replicas=five")]);
    let failures: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.summary == "Invalid value for input variable")
        .collect();
    assert_eq!(failures.len(), 2, "{diags:#?}");
    let (names, replicas) = (failures[0], failures[1]);
    assert!(
        replicas
            .detail
            .starts_with("Unsuitable value for var.replicas set using --var=\"replicas=...\": "),
        "{}",
        replicas.detail
    );
    assert!(
        replicas.detail.contains("a number is required"),
        "{}",
        replicas.detail
    );
    assert_eq!(replicas.subject.as_ref().unwrap().start.line, 1);
    assert!(replicas
        .subject
        .as_ref()
        .unwrap()
        .file
        .ends_with("main.hcl"));
    assert!(
        names
            .detail
            .starts_with("The given value is not suitable for var.names declared at "),
        "{}",
        names.detail
    );
    let subject = names.subject.as_ref().unwrap();
    assert!(subject.file.ends_with("bad.auto.vars"));
    assert_eq!((subject.start.line, subject.start.column), (1, 9));
    assert_eq!(replicas.context.as_deref(), Some("variable \"replicas\""));
}

#[test]
fn required_variable_without_value() {
    let case = VarCase::new(&[(
        "main.hcl",
        "variable \"optional\" {\n  default = 1\n}\n\nvariable \"needed\" {}\n",
    )]);
    let diags = case.errors(&[], &[]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = find(&diags, "No value for required variable");
    assert!(
        d.detail.contains("variable \"needed\" is not set"),
        "{}",
        d.detail
    );
    let subject = d.subject.as_ref().unwrap();
    assert_eq!((subject.start.line, subject.start.column), (5, 1));
}

#[test]
fn sensitive_variables_are_marked() {
    let case = VarCase::new(&[(
        "main.hcl",
        "variable \"secret\" {\n  sensitive = true\n  default = \"hunter2\"\n}\n\nvariable \"open\" {\n  default = \"x\"\n}\n",
    )]);
    let values = case.values(&[], &[]);
    assert!(values["secret"].is_sensitive());
    assert_eq!(values["secret"].to_string(), "(sensitive value)");
    assert!(!values["open"].contains_sensitive());
    let values = case.values(&[("FLINKFORM_VAR_secret", "from-env")], &[]);
    assert!(values["secret"].is_sensitive());
    assert_eq!(values["secret"].clone().unmark().0, string("from-env"));
}

#[test]
fn validation_rules() {
    let case = VarCase::new(&[(
        "main.hcl",
        r#"variable "parallelism" {
  type = number
  validation {
    condition     = var.parallelism > 0
    error_message = "Parallelism must be positive, got ${var.parallelism}."
  }
}
"#,
    )]);
    let values = case.values(&[], &[var("parallelism=4")]);
    assert_eq!(values["parallelism"], Value::number(4.0));
    let diags = case.errors(&[], &[var("parallelism=-1")]);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = find(&diags, "Invalid value for variable");
    assert_eq!(d.detail, "Parallelism must be positive, got -1.");
    let subject = d.subject.as_ref().unwrap();
    assert_eq!((subject.start.line, subject.start.column), (4, 21));
    assert_eq!(d.context.as_deref(), Some("variable \"parallelism\""));
}

#[test]
fn validation_messages_do_not_reveal_sensitive_values() {
    let case = VarCase::new(&[(
        "main.hcl",
        r#"variable "token" {
  sensitive = true
  validation {
    condition     = length(var.token) >= 8
    error_message = "Token ${var.token} is too short."
  }
  validation {
    condition     = var.other == 1
    error_message = "Unreachable."
  }
}
"#,
    )]);
    let diags = case.errors(&[("FLINKFORM_VAR_token", "abc")], &[]);
    let d = find(&diags, "Invalid value for variable");
    assert_eq!(
        d.detail,
        "The error message included a sensitive value, so it will not be displayed."
    );
    let d = find(&diags, "Invalid reference in variable validation");
    assert_eq!(d.subject.as_ref().unwrap().start.line, 8);
    assert_eq!(diags.len(), 2, "{diags:#?}");
}

#[test]
fn undeclared_values() {
    let case = VarCase::new(&[
        ("main.hcl", "variable \"known\" {\n  default = 1\n}\n"),
        ("x.auto.vars", "unknown_in_file = 1\n"),
    ]);
    let diags = case.errors(
        &[("FLINKFORM_VAR_unknown_env", "1")],
        &[var("unknown_cli=1")],
    );
    let file_warning: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect();
    assert_eq!(file_warning.len(), 1, "{diags:#?}");
    assert!(file_warning[0].detail.contains("\"unknown_in_file\""));
    let cli = diags
        .iter()
        .find(|d| d.is_error())
        .expect("error for --var");
    assert_eq!(cli.summary, "Value for undeclared variable");
    assert!(cli
        .detail
        .contains("\"unknown_cli\" was assigned on the command line"));
    assert_eq!(diags.len(), 2);
}

#[test]
fn nullable_false_takes_the_default_for_null() {
    let case = VarCase::new(&[
        (
            "main.hcl",
            "variable \"with_default\" {\n  nullable = false\n  default  = \"d\"\n}\n\n\
             variable \"without\" {\n  type     = string\n  nullable = false\n}\n\n\
             variable \"nullable\" {\n  default = \"d\"\n}\n",
        ),
        ("null.auto.vars", "with_default = null\nnullable = null\n"),
    ]);
    let diags = case.errors(&[], &[VarArg::VarFile(case.path("null.vars"))]);
    let d = find(&diags, "Failed to read variables file");
    assert!(d.detail.contains("does not exist"));
    std::fs::write(case.path("null.vars"), "without = null\n").unwrap();
    let diags = case.errors(&[], &[VarArg::VarFile(case.path("null.vars"))]);
    let d = find(&diags, "Required variable not set");
    assert!(
        d.detail
            .contains("required variable may not be set to null"),
        "{}",
        d.detail
    );
    let values = case.values(&[], &[var("without=x")]);
    assert_eq!(values["with_default"], string("d"));
    assert!(values["nullable"].is_null());
}

#[test]
fn invalid_defaults_are_load_errors() {
    let case = VarCase::new(&[(
        "main.hcl",
        "variable \"n\" {\n  type    = number\n  default = \"many\"\n}\n\n\
         variable \"m\" {\n  nullable = false\n  default  = null\n}\n\n\
         variable \"r\" {\n  default = var.n\n}\n",
    )]);
    let (_, diags) = load_config(case.dir.path());
    let invalid: Vec<&Diagnostic> = diags
        .iter()
        .filter(|d| d.summary == "Invalid default value for variable")
        .collect();
    assert_eq!(invalid.len(), 2, "{diags:#?}");
    assert!(invalid[0]
        .detail
        .starts_with("This default value is not compatible with the variable's type constraint"));
    assert_eq!(invalid[0].subject.as_ref().unwrap().start.line, 3);
    assert_eq!(
        invalid[1].detail,
        "A null default value is not valid when nullable=false."
    );
    let d = find(&diags, "Variables not allowed");
    assert_eq!(d.subject.as_ref().unwrap().start.line, 12);
    assert_eq!(diags.len(), 3);
}

#[test]
fn directory_called_twice_is_loaded_per_call_and_reported_once() {
    let (config, diags) = load("shared_module");
    let d = find(&diags, "Unsupported argument");
    assert_eq!(
        d.detail,
        "An argument named \"sensitve\" is not expected here. Did you mean \"sensitive\"?"
    );
    assert_at(d, "tests/cases/config/shared_module/shared/main.hcl", 3, 3);
    assert_eq!(diags.len(), 1);
    for name in ["one", "two"] {
        let child = &config.root.children[name];
        assert_eq!(child.path, ModulePath(vec![name.to_string()]));
        assert_eq!(child.dir, case_dir("shared_module/shared"));
        assert!(child
            .resources
            .contains_key(&Resource::managed("flinkform_data", "x")));
    }
}

#[test]
fn module_inputs_match_the_child_variables() {
    let (_, diags) = load("module_inputs");
    let file = "tests/cases/config/module_inputs/main.hcl";
    let d = find(&diags, "Unsupported argument");
    assert_eq!(
        d.detail,
        "An argument named \"regoin\" is not expected here. Did you mean \"region\"?"
    );
    assert_at(d, file, 3, 3);
    assert_eq!(d.context.as_deref(), Some("module \"child\""));
    let d = find(&diags, "Missing required argument");
    assert_eq!(
        d.detail,
        "The argument \"name\" is required, but no definition was found."
    );
    assert_at(d, file, 1, 1);
    assert_eq!(diags.len(), 2);
}

#[test]
fn variables_file_errors() {
    let case = VarCase::new(&[
        ("main.hcl", "variable \"a\" {\n  default = 1\n}\n"),
        ("w.auto.vars", "settings {\n}\n"),
        ("x.auto.vars", "a = 2\na = 3\n"),
        ("y.auto.vars", "a = [\n"),
    ]);
    let diags = case.errors(&[], &[]);
    let d = find(&diags, "Attribute redefined");
    assert_eq!(
        d.detail,
        "The argument \"a\" was already set in this block. Each argument may be set only once."
    );
    let subject = d.subject.as_ref().unwrap();
    assert_eq!(
        (subject.start.line, subject.start.column, subject.end.column),
        (2, 1, 2)
    );
    let d = find(&diags, "Unexpected \"settings\" block");
    assert_eq!(d.subject.as_ref().unwrap().start.line, 1);
    let d = find(&diags, "Invalid syntax");
    assert!(d.subject.as_ref().unwrap().file.ends_with("y.auto.vars"));
    assert_eq!(diags.len(), 3, "{diags:#?}");
}

#[test]
fn unreadable_directories_and_files() {
    let (config, diags) = load_config(Path::new("tests/cases/config/no_such_dir"));
    let d = find(&diags, "Failed to read module directory");
    assert_eq!(
        d.detail,
        "Module directory tests/cases/config/no_such_dir does not exist or cannot be read."
    );
    assert!(config.root.resources.is_empty());

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.hcl"), b"x = \"\xff\"\n").unwrap();
    std::fs::write(dir.path().join("b.hcl"), "variable \"ok\" {}\n").unwrap();
    let (config, diags) = load_config(dir.path());
    let d = find(&diags, "Failed to read file");
    assert!(
        d.detail
            .ends_with("a.hcl could not be read: it is not valid UTF-8 text."),
        "{}",
        d.detail
    );
    assert_eq!(diags.len(), 1);
    assert!(config.root.variables.contains_key("ok"));
}
