//! A small client for Flink's REST API (v1), as a JobManager serves it on plain http.
//!
//! Flink answers errors with `{"errors": ["<Java stack trace>", ...]}`; [`RestError`] keeps
//! only what a person needs from it: the innermost `Caused by:` line (the root cause), e.g.
//! `java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory ...`.

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;

/// Why a REST call failed.
#[derive(Debug, Clone, PartialEq)]
pub enum RestError {
    /// No answer: connection refused, reset or timed out (the cluster is not running).
    Unreachable(String),
    /// Flink answered with an error status; `message` is the root cause of its stack trace.
    Status { status: u16, message: String },
    /// The answer was not the JSON expected.
    Decode(String),
}

impl std::fmt::Display for RestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RestError::Unreachable(m) => write!(f, "the Flink REST API did not answer: {m}"),
            RestError::Status { status, message } => write!(f, "HTTP {status}: {message}"),
            RestError::Decode(m) => write!(f, "unexpected answer from Flink: {m}"),
        }
    }
}

impl RestError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, RestError::Status { status: 404, .. })
    }
}

/// The client: one connection pool for every cluster, no proxy (the clusters flinkform starts
/// listen on localhost, and a proxy set for package registries must not see these calls).
#[derive(Clone)]
pub struct Rest {
    client: reqwest::Client,
}

impl Rest {
    pub fn new() -> Result<Rest, String> {
        let client = crate::providers::http::client_builder()
            .no_proxy()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Rest { client })
    }

    /// GET `path` (starting with `/`) of the cluster at `base`.
    pub async fn get(&self, base: &str, path: &str) -> Result<Json, RestError> {
        let request = self.client.get(url(base, path));
        send(request).await
    }

    /// GET, with `None` for 404 (a job or jar the cluster does not know).
    pub async fn get_opt(&self, base: &str, path: &str) -> Result<Option<Json>, RestError> {
        match self.get(base, path).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn post(&self, base: &str, path: &str, body: &Json) -> Result<Json, RestError> {
        let request = self
            .client
            .post(url(base, path))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        send(request).await
    }

    pub async fn patch(&self, base: &str, path: &str) -> Result<Json, RestError> {
        send(self.client.patch(url(base, path))).await
    }

    pub async fn delete(&self, base: &str, path: &str) -> Result<Json, RestError> {
        send(self.client.delete(url(base, path))).await
    }

    /// Uploads a jar (`POST /jars/upload`, multipart field `jarfile`); returns the jar id.
    pub async fn upload_jar(
        &self,
        base: &str,
        jar: &Path,
        bytes: Vec<u8>,
    ) -> Result<String, RestError> {
        let file_name = jar
            .file_name()
            .map(|n| n.to_string_lossy().replace(['"', '\r', '\n'], "_"))
            .unwrap_or_else(|| "job.jar".to_string());
        let boundary = format!("flinkform-{}", uuid::Uuid::new_v4().simple());
        let mut body = Vec::with_capacity(bytes.len() + 256);
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"{file_name}\"\r\nContent-Type: application/x-java-archive\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(url(base, "/jars/upload"))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        let answer = send(request).await?;
        let filename = answer
            .get("filename")
            .and_then(Json::as_str)
            .ok_or_else(|| RestError::Decode(format!("the jar upload answered {answer}")))?;
        // The jar id is the base name of the stored file.
        let id = filename.rsplit('/').next().unwrap_or(filename);
        if id.is_empty() {
            return Err(RestError::Decode(format!(
                "the jar upload answered {answer}"
            )));
        }
        Ok(id.to_string())
    }
}

fn url(base: &str, path: &str) -> String {
    format!("{}/v1{path}", base.trim_end_matches('/'))
}

async fn send(request: reqwest::RequestBuilder) -> Result<Json, RestError> {
    let response = request.send().await.map_err(|e| {
        // reqwest's Display says only "error sending request"; the source says why.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message = format!("{message}: {s}");
            source = s.source();
        }
        RestError::Unreachable(message)
    })?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|e| RestError::Unreachable(e.to_string()))?;
    let json: Option<Json> = if text.trim().is_empty() {
        Some(Json::Object(Default::default()))
    } else {
        serde_json::from_str(&text).ok()
    };
    if (200..300).contains(&status) {
        return json.ok_or_else(|| RestError::Decode(format!("not JSON: {}", excerpt(&text))));
    }
    let message = json
        .as_ref()
        .and_then(|j| j.get("errors"))
        .and_then(Json::as_array)
        .map(|errors| {
            let causes: Vec<String> = errors
                .iter()
                .filter_map(Json::as_str)
                .map(root_cause)
                .collect();
            // Flink puts a generic line before the stack trace that says why.
            let specific: Vec<&String> = causes
                .iter()
                .filter(|c| c.as_str() != "Internal server error.")
                .collect();
            if specific.is_empty() {
                causes.join("; ")
            } else {
                specific.into_iter().cloned().collect::<Vec<_>>().join("; ")
            }
        })
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| excerpt(&text));
    Err(RestError::Status { status, message })
}

/// At most 300 characters of `text` on one line, for error messages.
pub fn excerpt(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect();
    one_line.trim().to_string()
}

/// The root cause of a Java stack trace: its last `Caused by:` line, or its first line when it
/// has none, without the `Caused by: ` prefix and without the wrapping exceptions that repeat
/// it (`java.lang.RuntimeException: java.io.FileNotFoundException: ...`).
pub fn root_cause(trace: &str) -> String {
    let mut cause = trace.lines().next().unwrap_or("").trim();
    for line in trace.lines() {
        if let Some(rest) = line.trim_start().strip_prefix("Caused by: ") {
            cause = rest.trim();
        }
    }
    excerpt(cause)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_cause_of_a_java_stack_trace() {
        let trace = "org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1(JarRunHandler.java:114)\nCaused by: java.util.concurrent.CompletionException: org.apache.flink.util.FlinkRuntimeException: Could not execute application.\n\t... 1 more\nCaused by: java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory 'file:/tmp/sp/nope' on file system 'file'.\n\t... 5 more\n";
        assert_eq!(
            root_cause(trace),
            "java.io.FileNotFoundException: Cannot find checkpoint or savepoint file/directory 'file:/tmp/sp/nope' on file system 'file'."
        );
        assert_eq!(
            root_cause("org.apache.flink.runtime.rest.NotFoundException: Job 00 not found\n\tat x"),
            "org.apache.flink.runtime.rest.NotFoundException: Job 00 not found"
        );
        assert_eq!(root_cause(""), "");
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt("a\nb\tc"), "a b c");
        assert_eq!(excerpt(&"x".repeat(1000)).len(), 300);
    }

    #[test]
    fn urls_are_under_v1() {
        assert_eq!(
            url("http://localhost:8081/", "/overview"),
            "http://localhost:8081/v1/overview"
        );
        assert_eq!(
            url("http://localhost:8081", "/jobs/x"),
            "http://localhost:8081/v1/jobs/x"
        );
    }
}
