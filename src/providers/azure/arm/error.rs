//! ARM errors and the typed models of ARM error bodies.

use serde::Deserialize;

/// Why an ARM call failed. No variant carries a credential or a token: messages come from
/// ARM's error bodies, from the client's own checks, or from the HTTP stack with the URL only.
#[derive(Debug, thiserror::Error)]
pub enum ArmError {
    /// ARM answered with an error status.
    #[error("{}", remote_message(*.status, .code, .message, .target.as_deref()))]
    Remote {
        status: u16,
        code: String,
        message: String,
        target: Option<String>,
    },
    /// A long-running operation ended `Failed` or `Canceled`.
    #[error("the operation ended {status}: {code}: {message}")]
    OperationFailed {
        /// `Failed` or `Canceled`.
        status: String,
        code: String,
        message: String,
    },
    /// No token could be obtained (wrong credentials, no Azure CLI login, ...).
    #[error("authentication failed: {0}")]
    Auth(String),
    /// The request did not get an answer (connection refused, TLS failure, timeout).
    #[error("request failed: {0}")]
    Transport(String),
    /// The provider configuration cannot be used.
    #[error("invalid Azure provider configuration: {0}")]
    Config(String),
    /// ARM answered something the client cannot understand.
    #[error("unexpected response from Azure Resource Manager: {0}")]
    InvalidResponse(String),
    /// A recorded operation (checkpoint) cannot be resumed.
    #[error("cannot resume the recorded operation: {0}")]
    InvalidCheckpoint(String),
    /// A long-running operation did not finish within the client's bound.
    #[error("the operation {operation} did not finish within {seconds} s")]
    Timeout { operation: String, seconds: u64 },
    /// A retryable error persisted past the retry bound; `last` is the last answer.
    #[error("{last} (gave up after {attempts} attempts)")]
    Exhausted { attempts: u32, last: Box<ArmError> },
}

fn remote_message(status: u16, code: &str, message: &str, target: Option<&str>) -> String {
    let mut text = format!("HTTP {status}");
    if !code.is_empty() {
        text.push_str(": ");
        text.push_str(code);
    }
    if !message.is_empty() {
        text.push_str(": ");
        text.push_str(message);
    }
    if let Some(target) = target.filter(|t| !t.is_empty()) {
        text.push_str(&format!(" (target: {target})"));
    }
    text
}

impl ArmError {
    /// The HTTP status ARM answered, if the error is such an answer (also the last one of an
    /// exhausted retry).
    pub fn status(&self) -> Option<u16> {
        match self {
            ArmError::Remote { status, .. } => Some(*status),
            ArmError::Exhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// ARM's error code (`ResourceNotFound`, `OperationNotAllowed`, ...), if any.
    pub fn code(&self) -> Option<&str> {
        match self {
            ArmError::Remote { code, .. } | ArmError::OperationFailed { code, .. } => Some(code),
            ArmError::Exhausted { last, .. } => last.code(),
            _ => None,
        }
    }

    /// Whether ARM said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// The error for an error answer: the parsed body if it is one of ARM's shapes, else the
    /// status with the start of the body.
    pub(crate) fn from_response(status: u16, body: &[u8]) -> ArmError {
        match ErrorDetail::parse(body) {
            Some(detail) => ArmError::Remote {
                status,
                code: detail.code,
                message: detail.message,
                target: detail.target,
            },
            None => ArmError::Remote {
                status,
                code: String::new(),
                message: body_excerpt(body),
                target: None,
            },
        }
    }
}

/// At most 300 characters of a body that is not an ARM error, for the message.
fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// ARM's error detail (common-types `ErrorDetail`): also the error of a failed operation.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct ErrorDetail {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub target: Option<String>,
    #[serde(default)]
    pub details: Vec<ErrorDetail>,
    #[serde(default, rename = "additionalInfo")]
    pub additional_info: Vec<serde_json::Value>,
}

/// An ARM error body: `{"error": {code, message, ...}}` (common-types `ErrorResponse`), or the
/// flat `{code, message}` some resource providers (AKS) answer.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ErrorBody {
    Wrapped { error: ErrorDetail },
    Flat(ErrorDetail),
}

impl ErrorDetail {
    /// The error in an error body of either shape; `None` when the body is no ARM error.
    pub fn parse(body: &[u8]) -> Option<ErrorDetail> {
        let detail = match serde_json::from_slice::<ErrorBody>(body).ok()? {
            ErrorBody::Wrapped { error } => error,
            ErrorBody::Flat(detail) => detail,
        };
        if detail.code.is_empty() && detail.message.is_empty() {
            None
        } else {
            Some(detail.with_inner_message())
        }
    }

    /// ARM often puts the useful text in the first detail (`DeploymentFailed` → the real
    /// reason): keep the outer code, append the inner messages.
    fn with_inner_message(mut self) -> ErrorDetail {
        let inner: Vec<String> = self
            .details
            .iter()
            .filter(|d| !d.message.is_empty() && d.message != self.message)
            .take(3)
            .map(|d| {
                if d.code.is_empty() {
                    d.message.clone()
                } else {
                    format!("{}: {}", d.code, d.message)
                }
            })
            .collect();
        if !inner.is_empty() {
            if !self.message.is_empty() {
                self.message.push_str(" — ");
            }
            self.message.push_str(&inner.join("; "));
        }
        self
    }
}
