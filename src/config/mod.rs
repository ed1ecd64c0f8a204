//! Configuration: a directory of `*.hcl` files (and the local modules it calls) loaded into typed
//! structures. Expressions stay raw ([`Expr`]) until the graph walk evaluates them.

mod decode;
pub use decode::RESOURCE_META_ATTRS;
mod loader;
pub mod typeexpr;
pub mod variables;
mod version;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use hcl_edit::expr::Expression;
use hcl_edit::Span;

use crate::addrs::{ModulePath, Resource};
use crate::diagnostics::{SourceFile, SourceMap, SourceRange};
pub use loader::load_config;
pub use typeexpr::TypeConstraint;

/// A raw expression and the file it came from (for spans).
#[derive(Clone, Debug)]
pub struct Expr {
    pub expr: Expression,
    pub file: Arc<SourceFile>,
}

impl Expr {
    pub fn range(&self) -> SourceRange {
        self.file.range(self.expr.span().unwrap_or(0..0))
    }
}

/// An attribute `name = expr` in a block body.
#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub name_range: SourceRange,
    pub expr: Expr,
}

/// A nested block `type "label" { ... }`.
#[derive(Clone, Debug)]
pub struct Block {
    pub type_name: String,
    pub labels: Vec<String>,
    pub type_range: SourceRange,
    pub body: Body,
}

/// A block body kept raw: decoded later against a provider's schema.
#[derive(Clone, Debug, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

/// The whole configuration: the root module (with its children) and every source file read.
#[derive(Debug, Default)]
pub struct Config {
    pub root: Module,
    pub sources: SourceMap,
}

impl Config {
    /// The module at a static path, if declared.
    pub fn module(&self, path: &ModulePath) -> Option<&Module> {
        let mut m = &self.root;
        for name in &path.0 {
            m = m.children.get(name)?;
        }
        Some(m)
    }
}

/// One module: the root, or a local module called with `module "NAME" { source = ... }`.
#[derive(Debug, Default)]
pub struct Module {
    pub path: ModulePath,
    /// Directory the module's files were read from.
    pub dir: PathBuf,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Local>,
    pub outputs: BTreeMap<String, Output>,
    pub resources: BTreeMap<Resource, ResourceConfig>,
    /// Keyed by `(name, alias)`.
    pub providers: BTreeMap<(String, Option<String>), ProviderConfig>,
    pub module_calls: BTreeMap<String, ModuleCall>,
    /// Child modules by call name.
    pub children: BTreeMap<String, Module>,
    /// The `flinkform { ... }` block (root module only).
    pub settings: Option<Settings>,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub type_constraint: TypeConstraint,
    pub default: Option<Expr>,
    pub description: Option<String>,
    pub sensitive: bool,
    pub nullable: bool,
    pub validations: Vec<Validation>,
    pub decl_range: SourceRange,
}

/// `validation { condition = ..., error_message = ... }`
#[derive(Debug, Clone)]
pub struct Validation {
    pub condition: Expr,
    pub error_message: Expr,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub name: String,
    pub expr: Expr,
    pub decl_range: SourceRange,
}

#[derive(Debug, Clone)]
pub struct Output {
    pub name: String,
    pub value: Expr,
    pub description: Option<String>,
    pub sensitive: bool,
    pub depends_on: Vec<Expr>,
    pub decl_range: SourceRange,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone)]
pub struct ResourceConfig {
    pub addr: Resource,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    pub provider: Option<ProviderRef>,
    pub lifecycle: Lifecycle,
    /// The body without meta-arguments and without the `lifecycle` block.
    pub body: Body,
    /// The block header, `resource "TYPE" "NAME"`.
    pub decl_range: SourceRange,
    /// The file the block is in (for evaluating `body`).
    pub file: Arc<SourceFile>,
}

/// `provider = azure.westeu`
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderRef {
    pub name: String,
    pub alias: Option<String>,
    pub range: SourceRange,
}

#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub prevent_destroy: bool,
    pub create_before_destroy: bool,
    pub ignore_changes: IgnoreChanges,
    pub replace_triggered_by: Vec<Expr>,
}

#[derive(Debug, Clone, Default)]
pub enum IgnoreChanges {
    #[default]
    None,
    /// `ignore_changes = all`
    All,
    /// Attribute paths, as traversal expressions relative to the resource (`tags["x"]`).
    Paths(Vec<Expr>),
}

#[derive(Debug, Clone)]
pub struct ProviderConfig {
    pub name: String,
    pub alias: Option<String>,
    pub body: Body,
    pub decl_range: SourceRange,
}

#[derive(Debug, Clone)]
pub struct ModuleCall {
    pub name: String,
    /// The local path as written (`"../../modules/aks-platform"`).
    pub source: String,
    pub source_range: SourceRange,
    /// Input variables: every attribute that is not a meta-argument.
    pub inputs: BTreeMap<String, Attribute>,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    pub depends_on: Vec<Expr>,
    /// `providers = { azure = azure.westeu }`: provider configurations passed to the child.
    pub providers: Vec<PassedProvider>,
    pub decl_range: SourceRange,
}

/// One entry of a module call's `providers` map: `in_child = in_parent`.
#[derive(Debug, Clone, PartialEq)]
pub struct PassedProvider {
    pub in_child: ProviderRef,
    pub in_parent: ProviderRef,
}

/// The `flinkform { required_version, backend "TYPE" { ... } }` block.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub required_version: Option<String>,
    pub backend: Option<Backend>,
}

#[derive(Debug, Clone)]
pub struct Backend {
    pub type_name: String,
    pub body: Body,
    pub decl_range: SourceRange,
}
