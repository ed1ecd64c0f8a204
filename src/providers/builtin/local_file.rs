//! `local_file`, as hashicorp/local's: a file with the given content. Every argument forces
//! replacement; `id` is the SHA-1 of the content. The file is written atomically (a temporary
//! file renamed over it), missing parent directories are created, and permissions are applied
//! before the umask as in Terraform. A file changed or removed outside flinkform is noticed
//! when refreshing.
//!
//! Not supported from hashicorp/local: `content_base64` and `source`.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use base64::Engine;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

use crate::lang::{Type, Value};
use crate::providers::schema::{AttrPath, AttributeSchema, Schema};
use crate::providers::ProviderError;

use super::{is_set, known_str, with_attrs};

const DEFAULT_PERMISSION: &str = "0777";

/// The computed checksum attributes, `id` first.
const CHECKSUM_ATTRIBUTES: [&str; 7] = [
    "id",
    "content_md5",
    "content_sha1",
    "content_sha256",
    "content_base64sha256",
    "content_sha512",
    "content_base64sha512",
];

pub(super) fn schema() -> Schema {
    let permission = |what: &str| {
        AttributeSchema::optional_computed(Type::String).force_new().describe(format!(
            "Permissions of {what}, before the umask, in octal notation such as \"0644\". Default \"0777\"."
        ))
    };
    let mut schema = Schema::new("A file on the local file system with the given content.")
        .attribute(
            "filename",
            AttributeSchema::required(Type::String)
                .force_new()
                .describe("Path of the file; missing parent directories are created."),
        )
        .attribute(
            "content",
            AttributeSchema::optional(Type::String)
                .force_new()
                .describe("Content of the file, as UTF-8. Exactly one of content or sensitive_content is required."),
        )
        .attribute(
            "sensitive_content",
            AttributeSchema::optional(Type::String)
                .force_new()
                .sensitive()
                .describe("Content of the file, hidden in plans. Exactly one of content or sensitive_content is required."),
        )
        .attribute("file_permission", permission("the file"))
        .attribute("directory_permission", permission("the directories created"));
    for name in CHECKSUM_ATTRIBUTES {
        let description = match name {
            "id" => "The hexadecimal SHA-1 checksum of the content.".to_string(),
            _ => format!(
                "{} of the content.",
                name.trim_start_matches("content_").to_uppercase()
            ),
        };
        schema = schema.attribute(
            name,
            AttributeSchema::computed(Type::String).describe(description),
        );
    }
    schema
}

pub(super) fn validate(config: &Value) -> Vec<ProviderError> {
    let mut problems = Vec::new();
    if known_str(config, "filename") == Some("") {
        problems.push(ProviderError::invalid(
            AttrPath::attr("filename"),
            "Invalid file name",
            "The file name must not be empty.",
        ));
    }
    match (
        is_set(config, "content"),
        is_set(config, "sensitive_content"),
    ) {
        (false, false) => problems.push(ProviderError::invalid(
            AttrPath::root(),
            "Missing file content",
            "Exactly one of \"content\" or \"sensitive_content\" must be set.",
        )),
        (true, true) => problems.push(ProviderError::invalid(
            AttrPath::attr("sensitive_content"),
            "Conflicting file content",
            "Only one of \"content\" or \"sensitive_content\" may be set.",
        )),
        _ => {}
    }
    for name in ["file_permission", "directory_permission"] {
        if let Some(v) = config
            .get_attr(name)
            .filter(|v| v.is_known() && !v.is_null())
        {
            if v.as_str().and_then(parse_permission).is_none() {
                // Display shows "(sensitive value)" for a marked value.
                problems.push(ProviderError::invalid(
                    AttrPath::attr(name),
                    "Invalid file permission",
                    format!("The value {v} is not a permission: use 3 or 4 octal digits up to \"0777\", such as \"0644\"."),
                ));
            }
        }
    }
    problems
}

/// A permission in octal notation, 3 or 4 digits, at most 0777.
fn parse_permission(text: &str) -> Option<u32> {
    if !(3..=4).contains(&text.len()) {
        return None;
    }
    u32::from_str_radix(text, 8)
        .ok()
        .filter(|mode| *mode <= 0o777)
}

/// The content attribute in use and its value (`sensitive_content` wins, as in hashicorp/local).
fn content_of(value: &Value) -> Option<(&'static str, &Value)> {
    ["sensitive_content", "content"]
        .into_iter()
        .find_map(|name| {
            value
                .get_attr(name)
                .filter(|v| !v.is_null())
                .map(|v| (name, v))
        })
}

/// Permissions default to "0777" when the configuration leaves them null; checksums are known
/// when the content is.
pub(super) fn plan(proposed: &Value, config: &Value) -> Value {
    let mut updates: Vec<(&str, Value)> = Vec::new();
    for name in ["file_permission", "directory_permission"] {
        if config.get_attr(name).is_none_or(Value::is_null) {
            updates.push((name, Value::string(DEFAULT_PERMISSION)));
        }
    }
    let sensitive = content_of(proposed).is_some_and(|(name, _)| name == "sensitive_content");
    match content_of(proposed).and_then(|(_, v)| v.as_str()) {
        Some(text) => updates.extend(checksums(text.as_bytes(), sensitive)),
        None => {
            updates.extend(CHECKSUM_ATTRIBUTES.map(|name| (name, Value::unknown(Type::String))))
        }
    }
    with_attrs(proposed, updates)
}

/// The id and checksums of a content. Of a sensitive content they are sensitive too: a hash of
/// a short secret gives the secret away.
fn checksums(bytes: &[u8], sensitive: bool) -> [(&'static str, Value); 7] {
    let b64 = base64::engine::general_purpose::STANDARD;
    let sha1 = hex(&Sha1::digest(bytes));
    let sha256 = Sha256::digest(bytes);
    let sha512 = Sha512::digest(bytes);
    [
        ("id", Value::string(sha1.clone())),
        ("content_md5", Value::string(hex(&Md5::digest(bytes)))),
        ("content_sha1", Value::string(sha1)),
        ("content_sha256", Value::string(hex(&sha256))),
        ("content_base64sha256", Value::string(b64.encode(sha256))),
        ("content_sha512", Value::string(hex(&sha512))),
        ("content_base64sha512", Value::string(b64.encode(sha512))),
    ]
    .map(|(name, v)| (name, v.mark_sensitive_if(sensitive)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The file name in a state or plan.
fn filename_of(value: &Value) -> Result<&str, ProviderError> {
    known_str(value, "filename").ok_or_else(|| {
        ProviderError::invalid(
            AttrPath::attr("filename"),
            "Invalid file name",
            "The file name is not a known string.",
        )
    })
}

fn permission_of(value: &Value, name: &str) -> Result<u32, ProviderError> {
    let text = known_str(value, name).unwrap_or(DEFAULT_PERMISSION);
    parse_permission(text).ok_or_else(|| {
        ProviderError::invalid(
            AttrPath::attr(name),
            "Invalid file permission",
            "The permission is not in octal notation.",
        )
    })
}

/// Create or update: writes the planned content and returns the state with its checksums.
pub(super) async fn write(planned: &Value) -> Result<Value, ProviderError> {
    let filename = filename_of(planned)?;
    let Some((content_name, content)) = content_of(planned) else {
        return Err(ProviderError::invalid(
            AttrPath::root(),
            "Missing file content",
            "Exactly one of \"content\" or \"sensitive_content\" must be set.",
        ));
    };
    let Some(text) = content.as_str() else {
        return Err(ProviderError::invalid(
            AttrPath::attr(content_name),
            "Invalid file content",
            "The content is not a known string.",
        ));
    };
    let file_mode = permission_of(planned, "file_permission")?;
    let dir_mode = permission_of(planned, "directory_permission")?;
    let path = PathBuf::from(filename);
    let bytes = text.as_bytes().to_vec();
    let sensitive = content_of(planned).is_some_and(|(name, _)| name == "sensitive_content");
    let state = with_attrs(planned, checksums(&bytes, sensitive));
    blocking(format!("writing file {filename:?}"), move || {
        write_atomically(&path, &bytes, file_mode, dir_mode)
    })
    .await?;
    Ok(state)
}

/// Removes the file; one already gone is fine.
pub(super) async fn delete(prior: &Value) -> Result<(), ProviderError> {
    let filename = filename_of(prior)?;
    match tokio::fs::remove_file(filename).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(ProviderError::io(format!("deleting file {filename:?}"), e)),
    }
}

/// Refresh: `None` when the file is gone; when its content changed, the state with the content
/// found and its checksums, so that the next plan shows the difference.
pub(super) async fn read(prior: &Value) -> Result<Option<Value>, ProviderError> {
    let filename = filename_of(prior)?;
    let bytes = match tokio::fs::read(filename).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(ProviderError::io(format!("reading file {filename:?}"), e)),
    };
    let content_name = content_of(prior).map_or("content", |(name, _)| name);
    let sums = checksums(&bytes, content_name == "sensitive_content");
    let [(_, found_id), ..] = &sums;
    let unchanged = prior
        .get_attr("id")
        .is_some_and(|recorded| found_id.equals(recorded) == Some(true));
    if unchanged {
        return Ok(Some(prior.clone()));
    }
    let found = Value::string(String::from_utf8_lossy(&bytes).into_owned());
    let mut updates = vec![(content_name, found)];
    updates.extend(sums);
    Ok(Some(with_attrs(prior, updates)))
}

/// Import by file name: the file's content (which must be UTF-8) with default permissions,
/// since the permissions before the umask cannot be read back.
pub(super) async fn import(filename: &str) -> Result<Value, ProviderError> {
    let invalid = |message: String| ProviderError::InvalidImportId {
        type_name: "local_file".to_string(),
        id: filename.to_string(),
        message,
    };
    let bytes = match tokio::fs::read(filename).await {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(invalid("no such file".into()))
        }
        Err(e) => return Err(ProviderError::io(format!("reading file {filename:?}"), e)),
    };
    let sums = checksums(&bytes, false);
    let text =
        String::from_utf8(bytes).map_err(|_| invalid("the file is not UTF-8 text".into()))?;
    let mut attrs = vec![
        ("filename", Value::string(filename)),
        ("content", Value::string(text)),
        ("sensitive_content", Value::null_of(Type::String)),
        ("file_permission", Value::string(DEFAULT_PERMISSION)),
        ("directory_permission", Value::string(DEFAULT_PERMISSION)),
    ];
    attrs.extend(sums);
    Ok(with_attrs(&Value::empty_object(), attrs))
}

/// Runs blocking file system work off the async executor.
async fn blocking(
    action: String,
    work: impl FnOnce() -> io::Result<()> + Send + 'static,
) -> Result<(), ProviderError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(|e| ProviderError::io(action, e)),
        Err(join_error) => Err(ProviderError::io(
            action,
            io::Error::other(join_error.to_string()),
        )),
    }
}

/// Writes `bytes` to a new temporary file next to `path` and renames it over `path`, so that
/// readers see the old content or the new, never a part.
fn write_atomically(path: &Path, bytes: &[u8], file_mode: u32, dir_mode: u32) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        create_dirs(&dir, dir_mode)?;
    }
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file")
    })?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = write_new_file(&temp, bytes, file_mode).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

fn create_dirs(dir: &Path, mode: u32) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    builder.create(dir)
}

fn write_new_file(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions() {
        assert_eq!(parse_permission("0644"), Some(0o644));
        assert_eq!(parse_permission("755"), Some(0o755));
        assert_eq!(parse_permission("0777"), Some(0o777));
        assert_eq!(parse_permission("1777"), None);
        assert_eq!(parse_permission("0999"), None);
        assert_eq!(parse_permission("77"), None);
        assert_eq!(parse_permission("00644"), None);
        assert_eq!(parse_permission("rwx"), None);
    }

    #[test]
    fn checksums_match_known_digests() {
        let sums = checksums(b"hello", false);
        let get = |name: &str| {
            sums.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str().unwrap_or("").to_string())
        };
        assert_eq!(
            get("id").as_deref(),
            Some("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d")
        );
        assert_eq!(
            get("content_md5").as_deref(),
            Some("5d41402abc4b2a76b9719d911017c592")
        );
        assert_eq!(
            get("content_sha256").as_deref(),
            Some("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        );
        assert_eq!(
            get("content_base64sha256").as_deref(),
            Some("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=")
        );
    }
}
