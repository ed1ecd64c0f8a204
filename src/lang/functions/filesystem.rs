//! Filesystem functions: abspath basename dirname file filebase64 fileexists fileset pathexpand.
//! Relative paths are resolved against the context's base directory (Terraform's working
//! directory); `~` is expanded from `$HOME`.

use std::path::{Path, PathBuf};

use base64::Engine;

use super::{arg_err, err, ret_bool, ret_string, Args, FuncError, Spec, STR};
use crate::lang::{Type, Value};

pub(super) const SPECS: &[Spec] = &[
    Spec::new("abspath", &[STR], ret_string, abspath),
    Spec::new("basename", &[STR], ret_string, |a| {
        Ok(Value::string(basename(a.str(0))))
    }),
    Spec::new("dirname", &[STR], ret_string, |a| {
        Ok(Value::string(dirname(a.str(0))))
    }),
    Spec::new("pathexpand", &[STR], ret_string, |a| {
        expand_home(a.str(0)).map(Value::string).map_err(err)
    }),
    Spec::new("file", &[STR], ret_string, file),
    Spec::new("filebase64", &[STR], ret_string, |a| {
        Ok(Value::string(
            super::encoding::BASE64.encode(read_file_bytes(&a)?),
        ))
    }),
    Spec::new("fileexists", &[STR], ret_bool, fileexists),
    Spec::new("fileset", &[STR, STR], ret_fileset, fileset),
];

fn ret_fileset(_: &[Value]) -> Type {
    Type::set(Type::String)
}

/// Go's `filepath.Clean`, for `/`-separated paths.
pub(super) fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Base`.
fn basename(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".into();
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

/// Go's `filepath.Dir`.
fn dirname(path: &str) -> String {
    match path.rfind('/') {
        Some(i) => clean(&path[..=i]),
        None => ".".into(),
    }
}

/// `~` or `~/...` becomes the home directory (the result cleaned, as `homedir.Expand` does).
fn expand_home(path: &str) -> Result<String, String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Ok(path.to_string());
    };
    if !rest.is_empty() && !rest.starts_with('/') {
        return Err("cannot expand user-specific home dir".into());
    }
    let home = std::env::var("HOME")
        .map_err(|_| "cannot determine the home directory: $HOME is not set".to_string())?;
    Ok(clean(&format!("{home}/{rest}")))
}

fn path_string(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// The file a path argument names: `~` expanded, relative paths joined to the base directory.
fn resolve(a: &Args, path: &str) -> Result<String, FuncError> {
    let expanded = expand_home(path).map_err(|e| err(format!("failed to expand ~: {e}")))?;
    if expanded.starts_with('/') {
        return Ok(clean(&expanded));
    }
    Ok(clean(&format!(
        "{}/{expanded}",
        path_string(&a.ctx.base_dir)
    )))
}

fn abspath(a: Args) -> Result<Value, FuncError> {
    let path = a.str(0);
    if path.starts_with('/') {
        return Ok(Value::string(clean(path)));
    }
    let base: PathBuf = if a.ctx.base_dir.is_absolute() {
        a.ctx.base_dir.clone()
    } else {
        std::env::current_dir()
            .map_err(|e| err(format!("cannot determine the working directory: {e}")))?
            .join(&a.ctx.base_dir)
    };
    Ok(Value::string(clean(&format!(
        "{}/{path}",
        path_string(&base)
    ))))
}

pub(super) fn read_file_bytes(a: &Args) -> Result<Vec<u8>, FuncError> {
    let path = resolve(a, a.str(0))?;
    std::fs::read(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            err(format!(
                "no file exists at {}; this function works only with files that are distributed as part of the configuration source code, so if this file will be created by a resource in this configuration you must instead obtain this result from an attribute of that resource",
                a.quote(&path)
            ))
        } else {
            err(format!("failed to read file {}", a.quote(&path)))
        }
    })
}

fn file(a: Args) -> Result<Value, FuncError> {
    let bytes = read_file_bytes(&a)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        err(format!(
            "contents of {} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead",
            a.quote(&resolve(&a, a.str(0)).unwrap_or_default())
        ))
    })?;
    Ok(Value::string(text))
}

fn fileexists(a: Args) -> Result<Value, FuncError> {
    let path = resolve(&a, a.str(0))?;
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::bool(false)),
        Err(_) => Err(err(format!("failed to stat {}", a.quote(&path)))),
        Ok(m) if m.is_file() => Ok(Value::bool(true)),
        Ok(m) if m.is_dir() => Err(arg_err(
            0,
            format!("{} is a directory, not a file", a.quote(&path)),
        )),
        Ok(_) => Err(arg_err(
            0,
            format!("{} is not a regular file", a.quote(&path)),
        )),
    }
}

/// The regular files under `path` matching `pattern` (doublestar syntax: `*`, `**`, `?`,
/// `[...]`, `{a,b}`), relative to `path` with `/` separators.
fn fileset(a: Args) -> Result<Value, FuncError> {
    let base = if a.str(0).starts_with('/') {
        clean(a.str(0))
    } else {
        clean(&format!("{}/{}", path_string(&a.ctx.base_dir), a.str(0)))
    };
    let full = clean(&format!("{base}/{}", a.str(1)));
    let bad_pattern = || {
        err(format!(
            "failed to glob pattern {}: syntax error in pattern",
            a.quote(&full)
        ))
    };
    let rel_pattern = if full == base {
        String::new()
    } else if base == "/" {
        full.trim_start_matches('/').to_string()
    } else if base == "." && !full.starts_with("../") && full != ".." && !full.starts_with('/') {
        full.clone()
    } else if let Some(rest) = full.strip_prefix(&format!("{base}/")) {
        rest.to_string()
    } else {
        // The pattern climbs out of the directory: nothing under it can match.
        return Ok(Value::set(vec![]));
    };
    let matcher = globset::GlobBuilder::new(&rel_pattern)
        .literal_separator(true)
        .build()
        .map_err(|_| bad_pattern())?
        .compile_matcher();
    let mut walker = walkdir::WalkDir::new(&base).follow_links(true).min_depth(1);
    if !rel_pattern.contains("**") {
        walker = walker.max_depth(rel_pattern.split('/').count().max(1));
    }
    let mut matches = Vec::new();
    for entry in walker.into_iter().filter_map(Result::ok) {
        let Ok(rel) = entry.path().strip_prefix(&base) else {
            continue;
        };
        let rel = path_string(rel);
        if matcher.is_match(&rel)
            && std::fs::metadata(entry.path())
                .map(|m| m.is_file())
                .unwrap_or(false)
        {
            matches.push(Value::string(rel));
        }
    }
    Ok(Value::set(matches))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{call, FuncContext};
    use super::{basename, clean, dirname};
    use crate::lang::Value;

    fn in_dir(dir: &std::path::Path, name: &str, args: Vec<Value>) -> String {
        let ctx = FuncContext {
            base_dir: dir.to_path_buf(),
            plan_time: false,
        };
        match call(name, args, &ctx) {
            Ok(v) => v.to_string(),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn path_manipulation() {
        assert_eq!(clean("a//b/./c/../d/"), "a/b/d");
        assert_eq!(clean("/../x"), "/x");
        assert_eq!(clean("../../x"), "../../x");
        assert_eq!(clean(""), ".");
        assert_eq!(basename("foo/bar/baz.txt"), "baz.txt");
        assert_eq!(basename("foo/bar/"), "bar");
        assert_eq!(basename(""), ".");
        assert_eq!(basename("/"), "/");
        assert_eq!(dirname("foo/bar/baz.txt"), "foo/bar");
        assert_eq!(dirname("baz.txt"), ".");
        assert_eq!(dirname("/baz.txt"), "/");
        assert_eq!(dirname("foo/bar/"), "foo/bar");
        assert_eq!(show("basename", vec![s("foo/bar/baz.txt")]), r#""baz.txt""#);
        assert_eq!(show("dirname", vec![s("foo/bar/baz.txt")]), r#""foo/bar""#);
        assert_eq!(show("abspath", vec![s("/a/../b")]), r#""/b""#);
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(
            show("abspath", vec![s("x/y")]),
            format!("\"{}/x/y\"", cwd.display())
        );
    }

    #[test]
    fn home_expansion() {
        let home = std::env::var("HOME").unwrap_or_default();
        if home.is_empty() {
            return;
        }
        assert_eq!(
            show("pathexpand", vec![s("~/.ssh/id_rsa")]),
            format!("\"{}/.ssh/id_rsa\"", clean(&home))
        );
        assert_eq!(
            show("pathexpand", vec![s("/etc/resolv.conf")]),
            r#""/etc/resolv.conf""#
        );
        assert_eq!(
            show("pathexpand", vec![s("~user/x")]),
            "error: cannot expand user-specific home dir"
        );
    }

    #[test]
    fn reading_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hello.txt"), "Hello World").unwrap();
        std::fs::write(dir.path().join("bin.dat"), [0xff, 0xfe, 0x00]).unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert_eq!(
            in_dir(dir.path(), "file", vec![s("hello.txt")]),
            r#""Hello World""#
        );
        assert_eq!(
            in_dir(dir.path(), "filebase64", vec![s("hello.txt")]),
            r#""SGVsbG8gV29ybGQ=""#
        );
        assert_eq!(
            in_dir(dir.path(), "filebase64", vec![s("bin.dat")]),
            r#""//4A""#
        );
        let e = in_dir(dir.path(), "file", vec![s("bin.dat")]);
        assert!(
            e.contains("are not valid UTF-8; use the filebase64 function"),
            "{e}"
        );
        let e = in_dir(dir.path(), "file", vec![s("missing.txt")]);
        assert!(
            e.starts_with("error: no file exists at \"")
                && e.contains("missing.txt\"; this function works only"),
            "{e}"
        );
        assert!(!in_dir(dir.path(), "file", vec![secret("missing.txt")]).contains("missing"));
        assert_eq!(
            in_dir(dir.path(), "fileexists", vec![s("hello.txt")]),
            "true"
        );
        assert_eq!(
            in_dir(dir.path(), "fileexists", vec![s("nope.txt")]),
            "false"
        );
        assert!(in_dir(dir.path(), "fileexists", vec![s("sub")])
            .ends_with("is a directory, not a file"));
        assert_eq!(
            in_dir(dir.path(), "file", vec![unknown_str()]),
            "(known after apply)"
        );
    }

    #[test]
    fn fileset_globs() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "a.txt",
            "b.txt",
            "c.md",
            "sub/d.txt",
            "sub/deeper/e.txt",
            ".hidden.txt",
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x").unwrap();
        }
        let fs =
            |path: &str, pattern: &str| in_dir(dir.path(), "fileset", vec![s(path), s(pattern)]);
        assert_eq!(fs(".", "*.txt"), r#"[".hidden.txt", "a.txt", "b.txt"]"#);
        assert_eq!(
            fs(".", "**/*.txt"),
            r#"[".hidden.txt", "a.txt", "b.txt", "sub/d.txt", "sub/deeper/e.txt"]"#
        );
        assert_eq!(fs(".", "*/*.txt"), r#"["sub/d.txt"]"#);
        assert_eq!(fs(".", "{a,c}.*"), r#"["a.txt", "c.md"]"#);
        assert_eq!(fs(".", "?.md"), r#"["c.md"]"#);
        assert_eq!(fs("sub", "**"), r#"["d.txt", "deeper/e.txt"]"#);
        assert_eq!(fs(".", "./sub/*.txt"), r#"["sub/d.txt"]"#);
        assert_eq!(fs(".", "*.none"), "[]");
        assert_eq!(fs("missing", "*"), "[]");
        assert!(fs(".", "[").starts_with("error: failed to glob pattern"));
    }
}
