//! The objects' trace on disk under `state_dir`: one `<id>.json` per existing object (written
//! at create and update, removed at delete) and `creates.log`, one line `<id> <value-json>` per
//! create, so that a test can tell whether an object was created twice, also across a kill -9
//! of flinkform. Files are replaced atomically (written aside, then renamed), which is enough
//! for a killed process; nothing is flushed to the device, as no test cuts the power.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::lang::Value;
use crate::providers::schema::AttrPath;
use crate::providers::ProviderError;

/// The append-only record of creates.
pub const CREATES_LOG: &str = "creates.log";

/// The `state_dir` argument, when set and known.
pub(super) fn state_dir(settings: &Value) -> Option<PathBuf> {
    settings
        .get_attr("state_dir")
        .and_then(Value::as_str)
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
}

/// The file of the object `id` under `dir`. Ids are UUIDs, but an imported one could be any
/// text: only plain names are accepted, so that no path leads outside `dir`.
pub(super) fn object_path(dir: &Path, id: &str) -> Result<PathBuf, ProviderError> {
    let plain = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain {
        return Err(ProviderError::invalid(
            AttrPath::attr("id"),
            "Invalid object ID",
            "A testing_resource ID must consist of letters, digits, '-' and '_'.",
        ));
    }
    Ok(dir.join(format!("{id}.json")))
}

/// Writes the object's file: its id, generation, value and replace_value.
pub(super) async fn write_object(dir: &Path, state: &Value) -> Result<(), ProviderError> {
    let id = state.get_attr("id").and_then(Value::as_str).unwrap_or("");
    let path = object_path(dir, id)?;
    let mut object = serde_json::Map::new();
    for name in ["id", "generation", "value", "replace_value"] {
        let v = state.get_attr(name).map(Value::to_json).unwrap_or_default();
        object.insert(name.to_string(), v);
    }
    let mut bytes = serde_json::Value::Object(object).to_string().into_bytes();
    bytes.push(b'\n');
    let action = format!("writing {}", path.display());
    blocking(action, move || write_atomically(&path, &bytes)).await
}

/// Appends `<id> <value-json>` to `creates.log`, in one write so that lines never interleave.
pub(super) async fn log_create(dir: &Path, id: &str, value: &Value) -> Result<(), ProviderError> {
    let dir = dir.to_path_buf();
    let path = dir.join(CREATES_LOG);
    let line = format!("{id} {}\n", value.to_json());
    let action = format!("appending to {}", path.display());
    blocking(action, move || {
        fs::create_dir_all(&dir)?;
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?;
        file.write_all(line.as_bytes())
    })
    .await
}

/// Removes the object's file; one already gone is no error.
pub(super) async fn remove_object(dir: &Path, id: &str) -> Result<(), ProviderError> {
    let path = object_path(dir, id)?;
    match tokio::fs::remove_file(&path).await {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            Err(ProviderError::io(format!("removing {}", path.display()), e))
        }
        _ => Ok(()),
    }
}

/// Whether the object's file exists.
pub(super) async fn object_exists(dir: &Path, id: &str) -> Result<bool, ProviderError> {
    let path = object_path(dir, id)?;
    tokio::fs::try_exists(&path)
        .await
        .map_err(|e| ProviderError::io(format!("reading {}", path.display()), e))
}

/// Writes `bytes` to a fresh file next to `path` and renames it over `path`, creating the
/// directory if needed, so that readers see the old content or the new, never a part.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the path does not name a file",
        ));
    };
    fs::create_dir_all(dir)?;
    let temp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        uuid::Uuid::new_v4().simple()
    ));
    let result = fs::write(&temp, bytes).and_then(|()| fs::rename(&temp, path));
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Runs file system work off the async threads.
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
