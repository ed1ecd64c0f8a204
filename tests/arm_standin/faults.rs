//! Faults to inject: each applies once, to the next request it matches.

use serde_json::json;

#[derive(Clone, Debug)]
pub enum FaultKind {
    /// 429 with `Retry-After: {0}` (seconds).
    Throttle(u64),
    /// An error answer: status, code, message; `flat` answers `{code, message}` (as AKS
    /// sometimes does) instead of `{"error": {...}}`.
    Error {
        status: u16,
        code: String,
        message: String,
        flat: bool,
    },
    /// The operation the request starts ends `Failed` (or `Canceled`) with this error.
    FailOperation {
        status: String,
        code: String,
        message: String,
    },
}

#[derive(Clone, Debug)]
pub struct Fault {
    pub kind: FaultKind,
    /// Only requests with this method (any when `None`).
    pub method: Option<String>,
    /// Only requests whose path contains this, ignoring case (any when `None`).
    pub path_contains: Option<String>,
}

impl Fault {
    fn of(kind: FaultKind) -> Fault {
        Fault {
            kind,
            method: None,
            path_contains: None,
        }
    }

    pub fn throttle(retry_after_seconds: u64) -> Fault {
        Fault::of(FaultKind::Throttle(retry_after_seconds))
    }

    /// 500 `InternalServerError` or 503 `ServiceUnavailable` (or another 5xx).
    pub fn server_error(status: u16) -> Fault {
        let code = match status {
            503 => "ServiceUnavailable",
            502 => "BadGateway",
            504 => "GatewayTimeout",
            _ => "InternalServerError",
        };
        Fault::error(status, code, "The server encountered an internal error.")
    }

    pub fn error(status: u16, code: &str, message: &str) -> Fault {
        Fault::of(FaultKind::Error {
            status,
            code: code.to_string(),
            message: message.to_string(),
            flat: false,
        })
    }

    /// An error in the flat `{code, message}` shape.
    pub fn flat_error(status: u16, code: &str, message: &str) -> Fault {
        Fault::of(FaultKind::Error {
            status,
            code: code.to_string(),
            message: message.to_string(),
            flat: true,
        })
    }

    /// 409 `OperationNotAllowed`, as AKS answers while another operation runs.
    pub fn conflict() -> Fault {
        Fault::error(
            409,
            "OperationNotAllowed",
            "Operation is not allowed because there's an in progress operation on the managed cluster.",
        )
    }

    /// 400 `PrincipalNotFound` on the next role assignment PUT, as for a fresh identity.
    pub fn principal_not_found() -> Fault {
        Fault::error(
            400,
            "PrincipalNotFound",
            "Principal 00000000000000000000000000000000 does not exist in the directory.",
        )
        .on("PUT", "/providers/Microsoft.Authorization/roleAssignments/")
    }

    /// The next operation started ends `Failed` with `code` and `message`.
    pub fn fail_operation(code: &str, message: &str) -> Fault {
        Fault::of(FaultKind::FailOperation {
            status: "Failed".to_string(),
            code: code.to_string(),
            message: message.to_string(),
        })
    }

    /// The next operation started ends `Canceled`.
    pub fn cancel_operation() -> Fault {
        Fault::of(FaultKind::FailOperation {
            status: "Canceled".to_string(),
            code: "OperationCanceled".to_string(),
            message: "The operation was canceled.".to_string(),
        })
    }

    /// A fault of the token endpoint (`Fault::server_error(503).at_token_endpoint()`).
    pub fn at_token_endpoint(self) -> Fault {
        self.on("POST", "/oauth2/v2.0/token")
    }

    /// Restricts the fault to `method` requests whose path contains `path_part`.
    pub fn on(mut self, method: &str, path_part: &str) -> Fault {
        self.method = Some(method.to_string());
        self.path_contains = Some(path_part.to_ascii_lowercase());
        self
    }

    pub(crate) fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = match &self.method {
            Some(m) => m == method,
            None => match self.kind {
                FaultKind::FailOperation { .. } => matches!(method, "PUT" | "PATCH" | "DELETE"),
                _ => true,
            },
        };
        method_ok
            && self
                .path_contains
                .as_ref()
                .is_none_or(|part| path.to_ascii_lowercase().contains(part.as_str()))
    }
}

/// An ARM error body of either shape.
pub fn error_body(code: &str, message: &str, flat: bool) -> serde_json::Value {
    if flat {
        json!({ "code": code, "message": message })
    } else {
        json!({ "error": { "code": code, "message": message } })
    }
}
