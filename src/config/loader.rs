//! Reading `*.hcl` files with hcl-edit and decoding their blocks; loading the modules they call.

use std::collections::btree_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use super::decode::{decode_file, FileItems};
use super::{Config, Module, ModuleCall};
use crate::addrs::{ModulePath, ResourceMode};
use crate::diagnostics::{
    did_you_mean, Diagnostic, Diagnostics, SourceFile, SourceMap, SourceRange,
};

/// Module calls nested deeper than this are an error (a safety net: cycles are detected anyway).
const MAX_MODULE_DEPTH: usize = 64;

/// Files are read, parsed and decoded by up to this many threads.
const MAX_THREADS: usize = 2;

/// Loads the configuration rooted at `dir`, with every local module it calls.
/// Always returns what could be loaded, with every diagnostic found.
pub fn load_config(dir: &Path) -> (Config, Diagnostics) {
    let mut loader = Loader {
        cwd: std::env::current_dir().ok(),
        sources: SourceMap::new(),
        diags: Diagnostics::new(),
        read_dirs: HashMap::new(),
        stack: Vec::new(),
    };
    let root_dir = normalize(dir);
    let root = match std::fs::canonicalize(dir) {
        Ok(canonical) if canonical.is_dir() => {
            loader.load_module(root_dir, ModulePath::root(), canonical)
        }
        _ => {
            loader.diags.push(Diagnostic::error(
                "Failed to read module directory",
                format!(
                    "Module directory {} does not exist or cannot be read.",
                    loader.display(&root_dir)
                ),
            ));
            Module {
                dir: root_dir,
                ..Module::default()
            }
        }
    };
    let diags = dedup(loader.diags);
    (
        Config {
            root,
            sources: loader.sources,
        },
        diags,
    )
}

struct Loader {
    cwd: Option<PathBuf>,
    sources: SourceMap,
    diags: Diagnostics,
    /// The files of each directory already read, by canonical path: a directory called from
    /// several places is read once (and decoded once per call).
    read_dirs: HashMap<PathBuf, Vec<Arc<SourceFile>>>,
    /// Canonical directories of the modules being loaded, outermost first.
    stack: Vec<PathBuf>,
}

/// A file to decode: still to be read, or read for an earlier call of the same directory.
enum Input {
    Path(PathBuf),
    Read(Arc<SourceFile>),
}

impl Loader {
    fn display(&self, path: &Path) -> String {
        display_path_from(path, self.cwd.as_deref())
    }

    fn load_module(&mut self, dir: PathBuf, path: ModulePath, canonical: PathBuf) -> Module {
        let mut module = Module {
            path,
            dir,
            ..Module::default()
        };
        let inputs = match self.read_dirs.get(&canonical) {
            Some(files) => files.iter().cloned().map(Input::Read).collect(),
            None => match list_hcl_files(&module.dir) {
                Ok(paths) => paths.into_iter().map(Input::Path).collect(),
                Err(_) => {
                    self.diags.push(Diagnostic::error(
                        "Failed to read module directory",
                        format!(
                            "Module directory {} does not exist or cannot be read.",
                            self.display(&module.dir)
                        ),
                    ));
                    Vec::new()
                }
            },
        };
        let mut files = Vec::with_capacity(inputs.len());
        let mut first_settings = None;
        for result in read_and_decode(inputs, self.cwd.as_deref()) {
            match result {
                Ok((file, items)) => {
                    self.sources.insert(file.clone());
                    files.push(file);
                    merge(&mut module, items, &mut self.diags, &mut first_settings);
                }
                Err(d) => self.diags.extend(d),
            }
        }
        self.read_dirs.entry(canonical.clone()).or_insert(files);
        if !module.path.is_root() {
            if let Some(backend) = module.settings.as_mut().and_then(|s| s.backend.take()) {
                self.diags.push(
                    Diagnostic::warning(
                        "Backend configuration ignored",
                        "Any selected backend applies to the entire configuration, so flinkform expects backend \
                         configurations only in the root module.\n\nThis is a warning rather than an error because \
                         it's sometimes convenient to temporarily call a root module as a child module for testing \
                         purposes, but this backend configuration block will have no effect.",
                    )
                    .with_subject(backend.decl_range),
                );
            }
        }

        self.stack.push(canonical);
        let calls: Vec<(String, PathBuf, SourceRange)> = module
            .module_calls
            .values()
            .map(|c| {
                (
                    c.name.clone(),
                    normalize(&module.dir.join(&c.source)),
                    c.source_range.clone(),
                )
            })
            .collect();
        for (name, child_dir, source_range) in calls {
            let context = format!("module \"{name}\"");
            let canonical = match std::fs::canonicalize(&child_dir) {
                Ok(c) if c.is_dir() => c,
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            "Unreadable module directory",
                            format!(
                                "The directory {} does not exist or cannot be read.",
                                self.display(&child_dir)
                            ),
                        )
                        .with_subject(source_range)
                        .with_context(context),
                    );
                    continue;
                }
            };
            if let Some(depth) = self.stack.iter().position(|c| *c == canonical) {
                let loading = ModulePath(module.path.0.iter().take(depth).cloned().collect());
                let loading = if loading.is_root() {
                    "the root module".to_string()
                } else {
                    loading.to_string()
                };
                self.diags.push(
                    Diagnostic::error(
                        "Recursive module call",
                        format!(
                            "The module call \"{name}\" loads {}, which is already being loaded as {loading}: a \
                             module cannot call itself, directly or indirectly.",
                            self.display(&child_dir)
                        ),
                    )
                    .with_subject(source_range)
                    .with_context(context),
                );
                continue;
            }
            if self.stack.len() >= MAX_MODULE_DEPTH {
                self.diags.push(
                    Diagnostic::error(
                        "Module nesting too deep",
                        format!("Modules may be nested at most {MAX_MODULE_DEPTH} levels deep."),
                    )
                    .with_subject(source_range)
                    .with_context(context),
                );
                continue;
            }
            let child = self.load_module(child_dir, module.path.child(&name), canonical);
            if let Some(call) = module.module_calls.get(&name) {
                check_inputs(call, &child, &mut self.diags);
            }
            module.children.insert(name, child);
        }
        self.stack.pop();
        module
    }
}

/// A module call's inputs must be the child's variables, and set every required one.
fn check_inputs(call: &ModuleCall, child: &Module, diags: &mut Diagnostics) {
    let context = format!("module \"{}\"", call.name);
    for (name, input) in &call.inputs {
        if !child.variables.contains_key(name) {
            let hint = did_you_mean(name, child.variables.keys().map(String::as_str));
            diags.push(
                Diagnostic::error(
                    "Unsupported argument",
                    format!("An argument named \"{name}\" is not expected here.{hint}"),
                )
                .with_subject(input.name_range.clone())
                .with_context(context.clone()),
            );
        }
    }
    for (name, var) in &child.variables {
        if var.default.is_none() && !call.inputs.contains_key(name) {
            diags.push(
                Diagnostic::error(
                    "Missing required argument",
                    format!("The argument \"{name}\" is required, but no definition was found."),
                )
                .with_subject(call.decl_range.clone())
                .with_context(context.clone()),
            );
        }
    }
}

/// The `*.hcl` files of `dir`, sorted by name; hidden and editor backup files are skipped.
fn list_hcl_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.ends_with(".hcl") || name.starts_with('.') || name.starts_with('#') {
            continue;
        }
        let path = entry.path();
        if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

type Decoded = Result<(Arc<SourceFile>, FileItems), Diagnostics>;

fn read_and_decode_one(input: &Input, cwd: Option<&Path>) -> Decoded {
    let file = match input {
        Input::Read(file) => file.clone(),
        Input::Path(path) => {
            let shown = display_path_from(path, cwd);
            let text = std::fs::read(path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| "it is not valid UTF-8 text".to_string())
                })
                .map_err(|reason| {
                    Diagnostics::from(Diagnostic::error(
                        "Failed to read file",
                        format!("The file {shown} could not be read: {reason}."),
                    ))
                })?;
            SourceFile::new(shown, text)
        }
    };
    let items = match hcl_edit::parser::parse_body(&file.text) {
        Ok(body) => decode_file(body, &file),
        Err(e) => FileItems {
            diags: syntax_error(&file, &e).into(),
            ..FileItems::default()
        },
    };
    Ok((file, items))
}

/// Reads, parses and decodes files on up to [`MAX_THREADS`] threads; results in input order.
fn read_and_decode(inputs: Vec<Input>, cwd: Option<&Path>) -> Vec<Decoded> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS);
    if threads < 2 || inputs.len() < 4 {
        return inputs.iter().map(|i| read_and_decode_one(i, cwd)).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = inputs.get(i) else { break };
            done.push((i, read_and_decode_one(input, cwd)));
        }
        done
    };
    let mut results = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut results = work();
        for h in helpers {
            match h.join() {
                Ok(done) => results.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        results
    });
    results.sort_unstable_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// Adds one file's declarations to the module, reporting duplicates against the first one.
fn merge(
    module: &mut Module,
    items: FileItems,
    diags: &mut Diagnostics,
    first_settings: &mut Option<SourceRange>,
) {
    diags.extend(items.diags);
    for v in items.variables {
        match module.variables.entry(v.name.clone()) {
            Entry::Vacant(e) => {
                e.insert(v);
            }
            Entry::Occupied(e) => diags.push(
                Diagnostic::error(
                    "Duplicate variable declaration",
                    format!(
                        "A variable named \"{}\" was already declared at {}. Variable names must be unique within \
                         a module.",
                        v.name,
                        e.get().decl_range
                    ),
                )
                .with_subject(v.decl_range)
                .with_context(format!("variable \"{}\"", v.name)),
            ),
        }
    }
    for l in items.locals {
        match module.locals.entry(l.name.clone()) {
            Entry::Vacant(e) => {
                e.insert(l);
            }
            Entry::Occupied(e) => diags.push(
                Diagnostic::error(
                    "Duplicate local value definition",
                    format!(
                        "A local value named \"{}\" was already defined at {}. Local value names must be unique \
                         within a module.",
                        l.name,
                        e.get().decl_range
                    ),
                )
                .with_subject(l.decl_range)
                .with_context("locals"),
            ),
        }
    }
    for o in items.outputs {
        match module.outputs.entry(o.name.clone()) {
            Entry::Vacant(e) => {
                e.insert(o);
            }
            Entry::Occupied(e) => diags.push(
                Diagnostic::error(
                    "Duplicate output definition",
                    format!(
                        "An output named \"{}\" was already defined at {}. Output names must be unique within a \
                         module.",
                        o.name,
                        e.get().decl_range
                    ),
                )
                .with_subject(o.decl_range)
                .with_context(format!("output \"{}\"", o.name)),
            ),
        }
    }
    for r in items.resources {
        match module.resources.entry(r.addr.clone()) {
            Entry::Vacant(e) => {
                e.insert(r);
            }
            Entry::Occupied(e) => {
                let (kind, what) = match r.addr.mode {
                    ResourceMode::Managed => ("resource", "resource"),
                    ResourceMode::Data => ("data", "data resource"),
                };
                let (ty, name) = (&r.addr.type_name, &r.addr.name);
                diags.push(
                    Diagnostic::error(
                        format!("Duplicate {kind} \"{ty}\" configuration"),
                        format!(
                            "A {ty} {what} named \"{name}\" was already declared at {}. Resource names must be \
                             unique per type in each module.",
                            e.get().decl_range
                        ),
                    )
                    .with_subject(r.decl_range)
                    .with_context(format!("{kind} \"{ty}\" \"{name}\"")),
                );
            }
        }
    }
    for p in items.providers {
        match module.providers.entry((p.name.clone(), p.alias.clone())) {
            Entry::Vacant(e) => {
                e.insert(p);
            }
            Entry::Occupied(e) => {
                let first = &e.get().decl_range;
                let detail = match &p.alias {
                    None => format!(
                        "A default (non-aliased) provider configuration for \"{}\" was already given at {first}. \
                         If multiple configurations are required, set the \"alias\" argument for alternative \
                         configurations.",
                        p.name
                    ),
                    Some(alias) => format!(
                        "A provider configuration for \"{}\" with alias \"{alias}\" was already given at {first}. \
                         Each configuration for the same provider must have a distinct alias.",
                        p.name
                    ),
                };
                diags.push(
                    Diagnostic::error("Duplicate provider configuration", detail)
                        .with_subject(p.decl_range)
                        .with_context(format!("provider \"{}\"", p.name)),
                );
            }
        }
    }
    for m in items.module_calls {
        match module.module_calls.entry(m.name.clone()) {
            Entry::Vacant(e) => {
                e.insert(m);
            }
            Entry::Occupied(e) => diags.push(
                Diagnostic::error(
                    "Duplicate module call",
                    format!(
                        "A module call named \"{}\" was already defined at {}. Module calls must have unique names \
                         within a module.",
                        m.name,
                        e.get().decl_range
                    ),
                )
                .with_subject(m.decl_range)
                .with_context(format!("module \"{}\"", m.name)),
            ),
        }
    }
    for (settings, range) in items.settings {
        match first_settings {
            Some(first) => diags.push(
                Diagnostic::error(
                    "Duplicate flinkform block",
                    format!(
                        "A module may have only one flinkform block. The first one is at {first}."
                    ),
                )
                .with_subject(range)
                .with_context("flinkform"),
            ),
            None => {
                *first_settings = Some(range);
                module.settings = Some(settings);
            }
        }
    }
}

/// Drops repeated diagnostics: a directory called from several places reports its problems once.
fn dedup(diags: Diagnostics) -> Diagnostics {
    let mut seen = HashSet::new();
    let mut out = Diagnostics::new();
    for d in diags {
        let key = (
            d.summary.clone(),
            d.detail.clone(),
            d.subject
                .as_ref()
                .map(|r| (r.file.clone(), r.start.byte, r.end.byte)),
        );
        if seen.insert(key) {
            out.push(d);
        }
    }
    out
}

/// A syntax error from hcl-edit, pointing at where parsing stopped.
pub(super) fn syntax_error(file: &Arc<SourceFile>, err: &hcl_edit::parser::Error) -> Diagnostic {
    let at = err.location().offset();
    let end = file
        .text
        .get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8());
    let message = err.message();
    if message.ends_with("found redefined attribute") {
        // Say which argument, as HCL does.
        let name: String = file
            .text
            .get(at..)
            .unwrap_or("")
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        return Diagnostic::error(
            "Attribute redefined",
            format!("The argument \"{name}\" was already set in this block. Each argument may be set only once."),
        )
        .with_subject(file.range(at..at + name.len()));
    }
    let mut detail: String = message
        .chars()
        .take(1)
        .flat_map(char::to_uppercase)
        .chain(message.chars().skip(1))
        .collect();
    if !detail.ends_with('.') {
        detail.push('.');
    }
    Diagnostic::error("Invalid syntax", detail).with_subject(file.range(at..end))
}

/// How a path is shown to the user: relative to the working directory when under it,
/// otherwise as given; `.` and `..` steps resolved lexically.
pub(super) fn display_path(path: &Path) -> String {
    display_path_from(path, std::env::current_dir().ok().as_deref())
}

fn display_path_from(path: &Path, cwd: Option<&Path>) -> String {
    let relative = match cwd {
        Some(cwd) if path.is_absolute() => path.strip_prefix(cwd).unwrap_or(path),
        _ => path,
    };
    normalize(relative).to_string_lossy().into_owned()
}

/// Resolves `.` and `..` steps lexically (`a/./b/../c` is `a/c`); the empty path is `.`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir) | Some(Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_for_display() {
        assert_eq!(normalize(Path::new("./a/./b/../c")), PathBuf::from("a/c"));
        assert_eq!(
            normalize(Path::new("../x/../../y")),
            PathBuf::from("../../y")
        );
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
        assert_eq!(normalize(Path::new("/a/../..")), PathBuf::from("/"));
        let cwd = Path::new("/work/proj");
        assert_eq!(
            display_path_from(Path::new("/work/proj/env/main.hcl"), Some(cwd)),
            "env/main.hcl"
        );
        assert_eq!(
            display_path_from(Path::new("/elsewhere/main.hcl"), Some(cwd)),
            "/elsewhere/main.hcl"
        );
        assert_eq!(
            display_path_from(Path::new("./main.hcl"), Some(cwd)),
            "main.hcl"
        );
    }
}
