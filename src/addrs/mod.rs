//! Typed addresses: modules, resources, instances, and the things an expression can refer to.
//!
//! Every address displays in Terraform's syntax and parses back from it:
//!
//! ```
//! use flinkform::addrs::AbsResourceInstance;
//! let a: AbsResourceInstance = r#"module.platform["eu"].flink_job.etl["orders"]"#.parse().unwrap();
//! assert_eq!(a.to_string(), r#"module.platform["eu"].flink_job.etl["orders"]"#);
//! assert_eq!(a.resource.resource.type_name, "flink_job");
//! ```

mod parse;
pub use parse::Targetable;

use std::fmt;

use crate::lang::value::quote_string;

/// The key of one instance of a `count` (int) or `for_each` (string) expansion.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    /// The single instance of something without `count` or `for_each`.
    None,
    Int(i64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    /// `""`, `[1]` or `["key"]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote_string(s)),
        }
    }
}

/// One step of a module instance path: `module.NAME[KEY]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleInstanceStep {
    pub name: String,
    pub key: InstanceKey,
}

/// A module instance: the root is the empty path.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleInstance(pub Vec<ModuleInstanceStep>);

impl ModuleInstance {
    pub fn root() -> Self {
        ModuleInstance(Vec::new())
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    pub fn child(&self, name: &str, key: InstanceKey) -> ModuleInstance {
        let mut steps = self.0.clone();
        steps.push(ModuleInstanceStep {
            name: name.to_string(),
            key,
        });
        ModuleInstance(steps)
    }
    /// The static module path this is an instance of.
    pub fn module_path(&self) -> ModulePath {
        ModulePath(self.0.iter().map(|s| s.name.clone()).collect())
    }
    pub fn parent(&self) -> Option<ModuleInstance> {
        let (_, rest) = self.0.split_last()?;
        Some(ModuleInstance(rest.to_vec()))
    }
}

impl fmt::Display for ModuleInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}{}", step.name, step.key)?;
        }
        Ok(())
    }
}

/// A static module path, as declared in configuration (no instance keys).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModulePath(pub Vec<String>);

impl ModulePath {
    pub fn root() -> Self {
        ModulePath(Vec::new())
    }
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
    pub fn child(&self, name: &str) -> ModulePath {
        let mut v = self.0.clone();
        v.push(name.to_string());
        ModulePath(v)
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{name}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceMode {
    Managed,
    Data,
}

/// A resource in one module, without instance key: `flink_job.etl` or `data.flink_cluster.shared`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource {
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
}

impl Resource {
    pub fn managed(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Resource {
            mode: ResourceMode::Managed,
            type_name: type_name.into(),
            name: name.into(),
        }
    }
    pub fn data(type_name: impl Into<String>, name: impl Into<String>) -> Self {
        Resource {
            mode: ResourceMode::Data,
            type_name: type_name.into(),
            name: name.into(),
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == ResourceMode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// A resource in a module instance: `module.a[0].flink_job.etl`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbsResource {
    pub module: ModuleInstance,
    pub resource: Resource,
}

impl AbsResource {
    pub fn instance(&self, key: InstanceKey) -> AbsResourceInstance {
        AbsResourceInstance {
            resource: self.clone(),
            key,
        }
    }
}

impl fmt::Display for AbsResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}", self.resource)
    }
}

/// One instance of a resource: `module.a[0].flink_job.etl["orders"]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbsResourceInstance {
    pub resource: AbsResource,
    pub key: InstanceKey,
}

impl fmt::Display for AbsResourceInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.resource, self.key)
    }
}

/// A provider configuration: `provider.azure` or `provider.azure.westeu`, in a module path.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderConfigAddr {
    pub module: ModulePath,
    pub name: String,
    pub alias: Option<String>,
}

impl fmt::Display for ProviderConfigAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "provider.{}", self.name)?;
        if let Some(a) = &self.alias {
            write!(f, ".{a}")?;
        }
        Ok(())
    }
}

/// The `path.*` attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathAttr {
    Module,
    Root,
    Cwd,
}

/// What the first steps of a reference in an expression name, as OpenTofu's `addrs.Referenceable`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Referenceable {
    InputVariable(String),
    LocalValue(String),
    /// `module.NAME`: the call's outputs (an object, or a collection of them under count/for_each).
    ModuleCall(String),
    /// A resource in the same module (all its instances).
    Resource(Resource),
    CountIndex,
    EachKey,
    EachValue,
    Path(PathAttr),
    /// `self`, inside conditions and provisioner-like contexts.
    SelfRef,
}

impl fmt::Display for Referenceable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Referenceable::InputVariable(n) => write!(f, "var.{n}"),
            Referenceable::LocalValue(n) => write!(f, "local.{n}"),
            Referenceable::ModuleCall(n) => write!(f, "module.{n}"),
            Referenceable::Resource(r) => write!(f, "{r}"),
            Referenceable::CountIndex => f.write_str("count.index"),
            Referenceable::EachKey => f.write_str("each.key"),
            Referenceable::EachValue => f.write_str("each.value"),
            Referenceable::Path(PathAttr::Module) => f.write_str("path.module"),
            Referenceable::Path(PathAttr::Root) => f.write_str("path.root"),
            Referenceable::Path(PathAttr::Cwd) => f.write_str("path.cwd"),
            Referenceable::SelfRef => f.write_str("self"),
        }
    }
}

/// An error parsing an address from text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid address {input:?}: {reason}")]
pub struct ParseAddrError {
    pub input: String,
    pub reason: String,
}
