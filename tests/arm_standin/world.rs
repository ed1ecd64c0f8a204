//! The stand-in's state and the routing of one ARM request (under the state's lock).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::faults::{error_body, Fault, FaultKind};
use super::log::LoggedRequest;
use super::operations::{Operation, Outcome};
use super::{actions, operations, resources};

/// How PUT and PATCH of a resource type answer: with `Azure-AsyncOperation` (most), with
/// `Location`, or at once (resource groups, role assignments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LroStyle {
    AsyncOperation,
    Location,
    Synchronous,
}

/// What a response hook is told: the id as requested, the method, the object before.
pub struct HookContext<'a> {
    pub id: &'a str,
    pub method: &'a str,
    pub previous: Option<&'a Value>,
}

/// Rewrites a resource as Azure would echo it (normalised values, server defaults,
/// read-only attributes) before it is stored and answered.
pub type Hook = Arc<dyn Fn(&mut Value, &HookContext<'_>) + Send + Sync>;

/// Computes an action's result (`listClusterUserCredential`, ...) from the resource.
pub type ActionHook = Arc<dyn Fn(&Value) -> Value + Send + Sync>;

#[derive(Clone, Debug)]
pub struct Settings {
    /// `InProgress` answers before an operation ends.
    pub polls: u32,
    /// The `Retry-After` of operation answers, in seconds.
    pub retry_after: u64,
    /// Every answer waits this long.
    pub latency: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            polls: 2,
            retry_after: 0,
            latency: Duration::ZERO,
        }
    }
}

/// An answer: status, headers, JSON body.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Option<Value>,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(status, error_body(code, message, false))
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

pub struct World {
    pub settings: Settings,
    /// By lower-cased id.
    pub resources: HashMap<String, Value>,
    pub operations: HashMap<String, Operation>,
    pub faults: VecDeque<Fault>,
    pub log: Vec<LoggedRequest>,
    /// By lower-cased resource type (`microsoft.network/virtualnetworks/subnets`).
    pub hooks: HashMap<String, Vec<Hook>>,
    pub styles: HashMap<String, LroStyle>,
    /// By lower-cased action name.
    pub actions: HashMap<String, ActionHook>,
    pub tokens: Vec<String>,
    /// `https://127.0.0.1:PORT`.
    pub endpoint: String,
    pub next_operation: u64,
}

impl World {
    pub fn new(endpoint: String, settings: Settings) -> World {
        let mut styles = HashMap::new();
        styles.insert(
            "microsoft.resources/resourcegroups".to_string(),
            LroStyle::Synchronous,
        );
        styles.insert(
            "microsoft.authorization/roleassignments".to_string(),
            LroStyle::Synchronous,
        );
        World {
            settings,
            resources: HashMap::new(),
            operations: HashMap::new(),
            faults: VecDeque::new(),
            log: Vec::new(),
            hooks: HashMap::new(),
            styles,
            actions: actions::defaults(),
            tokens: Vec::new(),
            endpoint,
            next_operation: 0,
        }
    }

    pub fn style(&self, resource_type: &str) -> LroStyle {
        self.styles
            .get(&resource_type.to_ascii_lowercase())
            .copied()
            .unwrap_or(LroStyle::AsyncOperation)
    }

    /// The first queued fault matching the request, removed from the queue.
    fn take_fault(&mut self, method: &str, path: &str) -> Option<Fault> {
        let index = self.faults.iter().position(|f| f.matches(method, path))?;
        self.faults.remove(index)
    }

    /// The answer of a fault aimed at the token endpoint (one with a path), if one is queued.
    pub fn token_fault(&mut self, path: &str) -> Option<Reply> {
        let index = self
            .faults
            .iter()
            .position(|f| f.path_contains.is_some() && f.matches("POST", path))?;
        match self.faults.remove(index)?.kind {
            FaultKind::Throttle(seconds) => Some(
                Reply::json(429, serde_json::json!({"error": "temporarily_unavailable"}))
                    .with_header("retry-after", seconds.to_string()),
            ),
            FaultKind::Error {
                status,
                code,
                message,
                ..
            } => Some(Reply::json(
                status,
                serde_json::json!({"error": code, "error_description": message}),
            )),
            FaultKind::FailOperation { .. } => None,
        }
    }

    /// Answers an authenticated ARM request.
    pub fn handle(
        &mut self,
        method: &str,
        path: &str,
        api_version: Option<&str>,
        body: &[u8],
    ) -> Reply {
        let mut outcome = Outcome::Succeed;
        if let Some(fault) = self.take_fault(method, path) {
            match fault.kind {
                FaultKind::Throttle(seconds) => {
                    return Reply::error(
                        429,
                        "TooManyRequests",
                        "The request is being throttled as the limit has been reached.",
                    )
                    .with_header("retry-after", seconds.to_string());
                }
                FaultKind::Error {
                    status,
                    code,
                    message,
                    flat,
                } => return Reply::json(status, error_body(&code, &message, flat)),
                FaultKind::FailOperation {
                    status,
                    code,
                    message,
                } => {
                    outcome = Outcome::Fail {
                        status,
                        code,
                        message,
                    }
                }
            }
        }
        let Some(api_version) = api_version else {
            return Reply::error(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            );
        };
        if let Some(reply) = operations::poll(self, method, path) {
            return reply;
        }
        if let Some(reply) = actions::call(self, method, path) {
            return reply;
        }
        match method {
            "GET" => resources::get(self, path),
            "PUT" => resources::put(self, path, api_version, body, outcome),
            "PATCH" => resources::patch(self, path, api_version, body, outcome),
            "DELETE" => resources::delete(self, path, api_version, outcome),
            _ => Reply::error(
                405,
                "MethodNotAllowed",
                &format!("{method} is not supported here."),
            ),
        }
    }
}
