//! The request log: what the client sent and what the stand-in answered.

use std::time::Instant;

#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    /// The path, without the query.
    pub path: String,
    pub api_version: Option<String>,
    /// The body as JSON (`None` when empty or not JSON; token requests are not kept).
    pub body: Option<serde_json::Value>,
    pub status: u16,
    pub received: Instant,
    pub answered: Instant,
}

impl LoggedRequest {
    /// Whether this is `method` on a path equal (ignoring case) to `path`.
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method == method && self.path.eq_ignore_ascii_case(path)
    }
}
