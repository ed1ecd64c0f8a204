//! Long-running operations: what a checkpoint records, and the typed models of what ARM
//! answers while one runs.

use serde::{Deserialize, Serialize};

use super::error::{ArmError, ErrorDetail};

/// How the end of an operation is observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OperationKind {
    /// Poll the `Azure-AsyncOperation` URL: an operation status document.
    AsyncOperation,
    /// Poll the `Location` URL: 202 while running, then 200/204 (or an error).
    Location,
    /// Neither header: poll the resource until its `provisioningState` is terminal.
    ProvisioningState,
}

/// An operation in flight, as recorded by a checkpoint and passed back to
/// [`super::ArmClient::resume`]: the operation URL, its kind, and the resource it is about.
/// Holds no credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingOperation {
    pub kind: OperationKind,
    pub operation_url: String,
    /// The HTTP method that started it (`PUT`, `PATCH`, `DELETE`, `POST`).
    pub method: String,
    pub resource_id: String,
    pub api_version: String,
}

impl PendingOperation {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn from_json(value: &serde_json::Value) -> Result<PendingOperation, ArmError> {
        PendingOperation::deserialize(value)
            .map_err(|e| ArmError::InvalidCheckpoint(format!("not an ARM operation record: {e}")))
    }
}

/// The status document of an `Azure-AsyncOperation` URL (common-types `OperationStatusResult`,
/// with the flat error some resource providers put at the top level).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct OperationStatus {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    pub status: String,
    #[serde(default, rename = "percentComplete")]
    pub percent_complete: Option<f64>,
    #[serde(default, rename = "startTime")]
    pub start_time: Option<String>,
    #[serde(default, rename = "endTime")]
    pub end_time: Option<String>,
    #[serde(default)]
    pub error: Option<ErrorDetail>,
}

/// Where an operation stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    Running,
    Succeeded,
    /// `Failed` or `Canceled`, with ARM's error.
    Ended {
        status: String,
        error: ErrorDetail,
    },
}

impl Progress {
    /// The progress a status word means: `Succeeded`, `Failed`, `Canceled` are terminal,
    /// everything else (`InProgress`, `Accepted`, `Creating`, `Updating`, `Deleting`, ...)
    /// is still running.
    pub fn of_status(status: &str, error: Option<ErrorDetail>) -> Progress {
        if status.eq_ignore_ascii_case("Succeeded") {
            Progress::Succeeded
        } else if status.eq_ignore_ascii_case("Failed") || status.eq_ignore_ascii_case("Canceled") {
            let status = if status.eq_ignore_ascii_case("Failed") {
                "Failed"
            } else {
                "Canceled"
            };
            Progress::Ended {
                status: status.to_string(),
                error: error.unwrap_or_default(),
            }
        } else {
            Progress::Running
        }
    }

    /// The error of an ended operation.
    pub fn into_error(self) -> Option<ArmError> {
        match self {
            Progress::Ended { status, error } => Some(ArmError::OperationFailed {
                status,
                code: if error.code.is_empty() {
                    "OperationFailed".to_string()
                } else {
                    error.code
                },
                message: error.message,
            }),
            _ => None,
        }
    }
}

impl OperationStatus {
    /// Parses a status document; a flat `{code, message}` next to `status` counts as its error.
    pub fn parse(body: &[u8]) -> Result<OperationStatus, ArmError> {
        let mut status: OperationStatus = serde_json::from_slice(body).map_err(|e| {
            ArmError::InvalidResponse(format!("operation status is not a status document: {e}"))
        })?;
        if status.error.is_none() {
            status.error = ErrorDetail::parse(body);
        }
        Ok(status)
    }

    pub fn progress(self) -> Progress {
        Progress::of_status(&self.status, self.error)
    }
}

/// The `properties.provisioningState` of a resource body, if it has one.
pub fn provisioning_state(resource: &serde_json::Value) -> Option<&str> {
    resource
        .get("properties")?
        .get("provisioningState")?
        .as_str()
}
