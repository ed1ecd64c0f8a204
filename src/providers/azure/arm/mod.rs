//! A client for Azure Resource Manager on azure_core and azure_identity, with typed models of
//! its own for what it parses (error bodies, operation status).
//!
//! It speaks ARM's contract: long-running operations polled through `Azure-AsyncOperation`,
//! else `Location`, else the resource's `provisioningState`, honouring `Retry-After`; retries
//! with backoff and jitter for throttling, server errors, "another operation in progress" and
//! principals not yet replicated; operations on one AKS cluster and its node pools run one at
//! a time. Credentials stay inside the azure_identity credential: neither they nor tokens
//! appear in errors, Debug output, or the checkpoints recorded in state.

mod auth;
mod error;
mod lro;
mod retry;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_core::http::headers::{HeaderName, Headers};
use azure_core::http::policies::auth::BearerTokenAuthorizationPolicy;
use azure_core::http::policies::Policy;
use azure_core::http::{Context, Method, Pipeline, PipelineSendOptions, Request, Url};

pub use error::{ArmError, ErrorBody, ErrorDetail};
pub use lro::{provisioning_state, OperationKind, OperationStatus, PendingOperation, Progress};
pub use retry::{is_retryable, parse_retry_after, PollPolicy, RetryPolicy};

use crate::providers::Checkpoint;

/// A credential or token: kept out of Debug output (and it has no Display).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, to hand to the credential; never to format.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("(sensitive value)")
    }
}

/// The Azure cloud: its Resource Manager endpoint, its Entra ID authority, the token audience.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AzureEnvironment {
    #[default]
    Public,
    China,
    UsGovernment,
}

impl AzureEnvironment {
    /// `public`, `china`, `usgovernment` (azurerm's names, any case).
    pub fn parse(name: &str) -> Option<AzureEnvironment> {
        match name.to_ascii_lowercase().as_str() {
            "public" | "azurecloud" => Some(AzureEnvironment::Public),
            "china" | "azurechinacloud" => Some(AzureEnvironment::China),
            "usgovernment" | "azureusgovernmentcloud" => Some(AzureEnvironment::UsGovernment),
            _ => None,
        }
    }

    pub const NAMES: [&'static str; 3] = ["public", "china", "usgovernment"];

    pub fn resource_manager_endpoint(self) -> &'static str {
        match self {
            AzureEnvironment::Public => "https://management.azure.com",
            AzureEnvironment::China => "https://management.chinacloudapi.cn",
            AzureEnvironment::UsGovernment => "https://management.usgovcloudapi.net",
        }
    }

    pub fn authority_host(self) -> &'static str {
        match self {
            AzureEnvironment::Public => "https://login.microsoftonline.com",
            AzureEnvironment::China => "https://login.chinacloudapi.cn",
            AzureEnvironment::UsGovernment => "https://login.microsoftonline.us",
        }
    }

    /// The audience of Resource Manager tokens in this cloud.
    pub fn token_audience(self) -> &'static str {
        self.resource_manager_endpoint()
    }
}

/// How to reach and authenticate to Resource Manager: the `provider "azure"` block merged
/// with the environment (see [`ArmConfig::from_env_and`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArmConfig {
    pub subscription_id: String,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub use_cli: bool,
    pub use_msi: bool,
    pub use_oidc: bool,
    /// The federated token itself (`ARM_OIDC_TOKEN`).
    pub oidc_token: Option<Secret>,
    /// A file holding the federated token (`ARM_OIDC_TOKEN_FILE_PATH`,
    /// `AZURE_FEDERATED_TOKEN_FILE`).
    pub oidc_token_file_path: Option<PathBuf>,
    /// GitHub Actions' token request endpoint and its bearer
    /// (`ARM_OIDC_REQUEST_URL`/`ACTIONS_ID_TOKEN_REQUEST_URL`, `..._TOKEN`).
    pub oidc_request_url: Option<String>,
    pub oidc_request_token: Option<Secret>,
    pub environment: AzureEnvironment,
    /// Overrides the environment's endpoint (Azure Stack, a test stand-in).
    pub resource_manager_endpoint: Option<String>,
    /// Overrides the environment's Entra ID authority.
    pub authority_host: Option<String>,
    /// A PEM file of CA certificates trusted besides the system's.
    pub ca_cert_file: Option<PathBuf>,
}

/// What a `provider "azure"` block sets; every field left `None` comes from the environment.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ArmSettings {
    pub subscription_id: Option<String>,
    pub tenant_id: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<Secret>,
    pub use_cli: Option<bool>,
    pub use_msi: Option<bool>,
    pub use_oidc: Option<bool>,
    pub oidc_token: Option<Secret>,
    pub oidc_token_file_path: Option<PathBuf>,
    pub oidc_request_url: Option<String>,
    pub oidc_request_token: Option<Secret>,
    /// `public`, `china` or `usgovernment`.
    pub environment: Option<String>,
    pub resource_manager_endpoint: Option<String>,
    pub authority_host: Option<String>,
    pub ca_cert_file: Option<PathBuf>,
}

impl ArmConfig {
    /// The configuration from `settings`, each unset one taken from the environment variables
    /// azurerm reads (`ARM_*`, then `AZURE_*`): `ARM_SUBSCRIPTION_ID`, `ARM_TENANT_ID`,
    /// `ARM_CLIENT_ID` (or `ARM_CLIENT_ID_FILE_PATH`), `ARM_CLIENT_SECRET` (or
    /// `ARM_CLIENT_SECRET_FILE_PATH`), `ARM_USE_CLI` (default true), `ARM_USE_MSI`,
    /// `ARM_USE_OIDC`, `ARM_OIDC_TOKEN`, `ARM_OIDC_TOKEN_FILE_PATH`, `ARM_OIDC_REQUEST_URL`,
    /// `ARM_OIDC_REQUEST_TOKEN`, `ARM_ENVIRONMENT`; and flinkform's
    /// `ARM_RESOURCE_MANAGER_ENDPOINT`, `ARM_AUTHORITY_HOST` (or `AZURE_AUTHORITY_HOST`),
    /// `ARM_CA_CERT_FILE`.
    pub fn from_env_and(settings: ArmSettings) -> Result<ArmConfig, ArmError> {
        ArmConfig::from_lookup_and(|name| std::env::var(name).ok(), settings)
    }

    /// [`ArmConfig::from_env_and`] with `lookup` in place of the process environment.
    pub fn from_lookup_and(
        lookup: impl Fn(&str) -> Option<String>,
        settings: ArmSettings,
    ) -> Result<ArmConfig, ArmError> {
        let var = |names: &[&str]| -> Option<String> {
            names
                .iter()
                .find_map(|name| lookup(name).filter(|v| !v.is_empty()))
        };
        let from_file = |name: &str| -> Result<Option<String>, ArmError> {
            match var(&[name]) {
                Some(path) => std::fs::read_to_string(&path)
                    .map(|v| Some(v.trim().to_string()))
                    .map_err(|e| ArmError::Config(format!("cannot read {name} {path}: {e}"))),
                None => Ok(None),
            }
        };
        let flag = |name: &str, default: bool| -> Result<bool, ArmError> {
            match var(&[name]) {
                None => Ok(default),
                Some(v) => match v.to_ascii_lowercase().as_str() {
                    "true" | "1" => Ok(true),
                    "false" | "0" => Ok(false),
                    _ => Err(ArmError::Config(format!(
                        "{name} must be true or false, not {v:?}"
                    ))),
                },
            }
        };

        let client_id = match settings.client_id {
            Some(id) => Some(id),
            None => match var(&["ARM_CLIENT_ID", "AZURE_CLIENT_ID"]) {
                Some(id) => Some(id),
                None => from_file("ARM_CLIENT_ID_FILE_PATH")?,
            },
        };
        let client_secret = match settings.client_secret {
            Some(secret) => Some(secret),
            None => match var(&["ARM_CLIENT_SECRET", "AZURE_CLIENT_SECRET"]) {
                Some(secret) => Some(Secret::new(secret)),
                None => from_file("ARM_CLIENT_SECRET_FILE_PATH")?.map(Secret::new),
            },
        };
        let environment_name = settings
            .environment
            .or_else(|| var(&["ARM_ENVIRONMENT", "AZURE_ENVIRONMENT"]));
        let environment = match environment_name {
            None => AzureEnvironment::Public,
            Some(name) => AzureEnvironment::parse(&name).ok_or_else(|| {
                ArmError::Config(format!(
                    "unknown environment {name:?}: expected one of {}",
                    AzureEnvironment::NAMES.join(", ")
                ))
            })?,
        };
        Ok(ArmConfig {
            subscription_id: settings
                .subscription_id
                .or_else(|| var(&["ARM_SUBSCRIPTION_ID", "AZURE_SUBSCRIPTION_ID"]))
                .unwrap_or_default(),
            tenant_id: settings
                .tenant_id
                .or_else(|| var(&["ARM_TENANT_ID", "AZURE_TENANT_ID"])),
            client_id,
            client_secret,
            use_cli: match settings.use_cli {
                Some(b) => b,
                None => flag("ARM_USE_CLI", true)?,
            },
            use_msi: match settings.use_msi {
                Some(b) => b,
                None => flag("ARM_USE_MSI", false)?,
            },
            use_oidc: match settings.use_oidc {
                Some(b) => b,
                None => flag("ARM_USE_OIDC", false)?,
            },
            oidc_token: settings
                .oidc_token
                .or_else(|| var(&["ARM_OIDC_TOKEN"]).map(Secret::new)),
            oidc_token_file_path: settings.oidc_token_file_path.or_else(|| {
                var(&["ARM_OIDC_TOKEN_FILE_PATH", "AZURE_FEDERATED_TOKEN_FILE"]).map(PathBuf::from)
            }),
            oidc_request_url: settings
                .oidc_request_url
                .or_else(|| var(&["ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"])),
            oidc_request_token: settings.oidc_request_token.or_else(|| {
                var(&["ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]).map(Secret::new)
            }),
            environment,
            resource_manager_endpoint: settings
                .resource_manager_endpoint
                .or_else(|| var(&["ARM_RESOURCE_MANAGER_ENDPOINT"])),
            authority_host: settings
                .authority_host
                .or_else(|| var(&["ARM_AUTHORITY_HOST", "AZURE_AUTHORITY_HOST"])),
            ca_cert_file: settings
                .ca_cert_file
                .or_else(|| var(&["ARM_CA_CERT_FILE"]).map(PathBuf::from)),
        })
    }

    /// The Resource Manager endpoint, without a trailing slash.
    pub fn resource_manager_endpoint(&self) -> String {
        self.resource_manager_endpoint
            .as_deref()
            .unwrap_or(self.environment.resource_manager_endpoint())
            .trim_end_matches('/')
            .to_string()
    }

    /// The Entra ID authority host, without a trailing slash.
    pub fn authority_host(&self) -> String {
        self.authority_host
            .as_deref()
            .unwrap_or(self.environment.authority_host())
            .trim_end_matches('/')
            .to_string()
    }

    /// The scope of Resource Manager tokens: the cloud's audience, or the custom endpoint's.
    pub fn token_scope(&self) -> String {
        let audience = match &self.resource_manager_endpoint {
            Some(endpoint) => endpoint.trim_end_matches('/').to_string(),
            None => self.environment.token_audience().to_string(),
        };
        format!("{audience}/.default")
    }
}

/// The managed cluster an ARM id belongs to (the cluster itself or one of its agent pools),
/// lower-cased: operations with the same key are serialised, as AKS refuses a second one
/// while one runs. `None` for anything else.
pub fn serialize_key(id: &str) -> Option<String> {
    let segments: Vec<&str> = id.split('/').collect();
    let expected = [
        (1, "subscriptions"),
        (3, "resourcegroups"),
        (5, "providers"),
        (6, "microsoft.containerservice"),
        (7, "managedclusters"),
    ];
    let matches = segments.len() >= 9
        && segments.first() == Some(&"")
        && expected.iter().all(|(i, name)| {
            segments
                .get(*i)
                .is_some_and(|s| s.eq_ignore_ascii_case(name))
        })
        && [2, 4, 8]
            .iter()
            .all(|i| segments.get(*i).is_some_and(|s| !s.is_empty()));
    if !matches {
        return None;
    }
    Some(segments.get(..9)?.join("/").to_ascii_lowercase())
}

/// A Resource Manager client. Cheap to clone: clones share the connection pool, the token
/// cache and the per-cluster locks.
#[derive(Clone)]
pub struct ArmClient {
    inner: Arc<Inner>,
}

struct Inner {
    pipeline: Pipeline,
    endpoint: Url,
    subscription_id: String,
    retry: RetryPolicy,
    poll: PollPolicy,
    locks: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

impl std::fmt::Debug for ArmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArmClient")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("subscription_id", &self.inner.subscription_id)
            .finish_non_exhaustive()
    }
}

/// An answer of ARM, body read.
struct Answer {
    status: u16,
    headers: Headers,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &'static str) -> Option<String> {
        self.headers
            .get_optional_str(&HeaderName::from_static(name))
            .map(str::to_string)
    }

    fn retry_after(&self) -> Option<Duration> {
        retry::retry_after(|name| {
            self.headers
                .iter()
                .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str().to_string())
        })
    }

    fn is_error(&self) -> bool {
        self.status >= 400
    }

    fn error(&self) -> ArmError {
        ArmError::from_response(self.status, &self.body)
    }

    /// The body as JSON; `None` when empty.
    fn json(&self) -> Result<Option<serde_json::Value>, ArmError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        serde_json::from_slice(&self.body).map(Some).map_err(|e| {
            ArmError::InvalidResponse(format!("HTTP {}: body is not JSON: {e}", self.status))
        })
    }
}

impl ArmClient {
    /// A client for the configuration. Checks it (an https endpoint, a readable CA file, a
    /// way to authenticate); the first token is requested with the first call.
    pub async fn new(config: ArmConfig) -> Result<ArmClient, ArmError> {
        if config.subscription_id.trim().is_empty() {
            return Err(ArmError::Config(
                "subscription_id is required (or ARM_SUBSCRIPTION_ID)".to_string(),
            ));
        }
        let endpoint_text = config.resource_manager_endpoint();
        let endpoint = Url::parse(&endpoint_text).map_err(|e| {
            ArmError::Config(format!(
                "resource_manager_endpoint {endpoint_text:?} is not a URL: {e}"
            ))
        })?;
        for (what, url) in [
            ("resource_manager_endpoint", endpoint_text.as_str()),
            ("authority_host", config.authority_host().as_str()),
        ] {
            if !url.starts_with("https://") {
                return Err(ArmError::Config(format!(
                    "{what} must use https (tokens are never sent in clear): {url:?}"
                )));
            }
        }
        let http = auth::http_client(config.ca_cert_file.as_deref())?;
        let credential = auth::credential(&config, &http)?;
        let bearer: Arc<dyn Policy> = Arc::new(BearerTokenAuthorizationPolicy::new(
            credential,
            [config.token_scope()],
        ));
        let pipeline = Pipeline::new(
            option_env!("CARGO_PKG_NAME"),
            option_env!("CARGO_PKG_VERSION"),
            auth::client_options(&http, None),
            Vec::new(),
            vec![bearer],
            None,
        );
        Ok(ArmClient {
            inner: Arc::new(Inner {
                pipeline,
                endpoint,
                subscription_id: config.subscription_id,
                retry: RetryPolicy::default(),
                poll: PollPolicy::default(),
                locks: Arc::default(),
            }),
        })
    }

    /// The same client with other retry and polling policies (tests use the `fast` ones).
    pub fn with_policies(&self, retry: RetryPolicy, poll: PollPolicy) -> ArmClient {
        ArmClient {
            inner: Arc::new(Inner {
                pipeline: self.inner.pipeline.clone(),
                endpoint: self.inner.endpoint.clone(),
                subscription_id: self.inner.subscription_id.clone(),
                retry,
                poll,
                locks: self.inner.locks.clone(),
            }),
        }
    }

    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub fn poll_policy(&self) -> &PollPolicy {
        &self.inner.poll
    }

    pub fn subscription_id(&self) -> &str {
        &self.inner.subscription_id
    }

    /// The Resource Manager endpoint, e.g. `https://management.azure.com/`.
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint.as_str()
    }

    /// The resource, or `None` when ARM answers 404.
    pub async fn get(
        &self,
        id: &str,
        api_version: &str,
    ) -> Result<Option<serde_json::Value>, ArmError> {
        let url = self.resource_url(id, api_version)?;
        let answer = self.send(Method::Get, &url, None).await?;
        if answer.status == 404 {
            return Ok(None);
        }
        if answer.is_error() {
            return Err(answer.error());
        }
        answer
            .json()?
            .map(Some)
            .ok_or_else(|| ArmError::InvalidResponse(format!("GET {id} answered an empty body")))
    }

    /// Creates or replaces the resource; waits for the operation to end and returns the
    /// resource as then read. `checkpoint` is called with the [`PendingOperation`] (as JSON)
    /// before polling.
    pub async fn put(
        &self,
        id: &str,
        api_version: &str,
        body: &serde_json::Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<serde_json::Value, ArmError> {
        self.write(Method::Put, id, api_version, body, checkpoint)
            .await
    }

    /// Updates part of the resource (tags, ...), like [`ArmClient::put`].
    pub async fn patch(
        &self,
        id: &str,
        api_version: &str,
        body: &serde_json::Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<serde_json::Value, ArmError> {
        self.write(Method::Patch, id, api_version, body, checkpoint)
            .await
    }

    /// Deletes the resource and waits until it is gone; a resource already gone (404) is
    /// success.
    pub async fn delete(
        &self,
        id: &str,
        api_version: &str,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<(), ArmError> {
        let _serialised = self.serialise(id).await;
        let url = self.resource_url(id, api_version)?;
        let answer = self.send(Method::Delete, &url, None).await?;
        if answer.status == 404 {
            return Ok(());
        }
        if answer.is_error() {
            return Err(answer.error());
        }
        let Some(operation) = self.operation_of(&answer, "DELETE", id, api_version, &url)? else {
            return Ok(());
        };
        if let Some(checkpoint) = checkpoint {
            checkpoint(operation.to_json());
        }
        self.poll(&operation, Some(answer.retry_after())).await?;
        Ok(())
    }

    /// Calls an action (`.../listClusterUserCredential`); waits for it when ARM answers 202,
    /// and returns its result (`null` when it has none).
    pub async fn post(
        &self,
        id_and_action: &str,
        api_version: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value, ArmError> {
        let url = self.resource_url(id_and_action, api_version)?;
        let bytes = body.map(serde_json::to_vec).transpose().map_err(|e| {
            ArmError::InvalidResponse(format!("cannot serialise the request body: {e}"))
        })?;
        let answer = self
            .send(Method::Post, &url, Some(bytes.unwrap_or_default()))
            .await?;
        if answer.is_error() {
            return Err(answer.error());
        }
        // An action's result is at Location (when it gives one) once it ends.
        let location = answer.header("location");
        let operation = if answer.status == 202 && location.is_some() {
            Some(PendingOperation {
                kind: OperationKind::Location,
                operation_url: self
                    .operation_url(location.as_deref().unwrap_or_default())?
                    .to_string(),
                method: "POST".to_string(),
                resource_id: id_and_action.to_string(),
                api_version: api_version.to_string(),
            })
        } else {
            self.operation_of(&answer, "POST", id_and_action, api_version, &url)?
        };
        match operation {
            None => Ok(answer.json()?.unwrap_or(serde_json::Value::Null)),
            Some(operation) => Ok(self
                .poll(&operation, Some(answer.retry_after()))
                .await?
                .unwrap_or(serde_json::Value::Null)),
        }
    }

    /// Finishes an operation a checkpoint recorded: polls it to its end, then reads the
    /// resource (`None` when it is gone, as after a delete). An operation ARM no longer
    /// knows (its record expired) is taken as ended: the resource tells the outcome.
    pub async fn resume(
        &self,
        pending: &serde_json::Value,
    ) -> Result<Option<serde_json::Value>, ArmError> {
        let operation = PendingOperation::from_json(pending)?;
        {
            let _serialised = self.serialise(&operation.resource_id).await;
            match self.poll(&operation, None).await {
                // An action's result is what the operation produced, not a resource.
                Ok(result) if operation.method == "POST" => return Ok(result),
                Ok(_) => {}
                Err(e)
                    if e.is_not_found() && operation.kind != OperationKind::ProvisioningState => {}
                Err(e) => return Err(e),
            }
        }
        self.get(&operation.resource_id, &operation.api_version)
            .await
    }

    async fn write(
        &self,
        method: Method,
        id: &str,
        api_version: &str,
        body: &serde_json::Value,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<serde_json::Value, ArmError> {
        let method_name = if method == Method::Put {
            "PUT"
        } else {
            "PATCH"
        };
        let bytes = serde_json::to_vec(body).map_err(|e| {
            ArmError::InvalidResponse(format!("cannot serialise the request body: {e}"))
        })?;
        {
            let _serialised = self.serialise(id).await;
            let url = self.resource_url(id, api_version)?;
            let answer = self.send(method, &url, Some(bytes)).await?;
            if answer.is_error() {
                return Err(answer.error());
            }
            match self.operation_of(&answer, method_name, id, api_version, &url)? {
                None => {
                    if let Some(resource) = answer.json()? {
                        return Ok(resource);
                    }
                }
                Some(operation) => {
                    if let Some(checkpoint) = checkpoint {
                        checkpoint(operation.to_json());
                    }
                    self.poll(&operation, Some(answer.retry_after())).await?;
                }
            }
        }
        self.get(id, api_version).await?.ok_or_else(|| {
            ArmError::InvalidResponse(format!(
                "{method_name} {id} succeeded but the resource is not found"
            ))
        })
    }

    /// The operation an answer started, if it did not complete at once.
    fn operation_of(
        &self,
        answer: &Answer,
        method: &str,
        id: &str,
        api_version: &str,
        resource_url: &Url,
    ) -> Result<Option<PendingOperation>, ArmError> {
        let pending = |kind, url: String| PendingOperation {
            kind,
            operation_url: url,
            method: method.to_string(),
            resource_id: id.to_string(),
            api_version: api_version.to_string(),
        };
        if let Some(url) = answer.header("azure-asyncoperation") {
            let url = self.operation_url(&url)?;
            return Ok(Some(pending(
                OperationKind::AsyncOperation,
                url.to_string(),
            )));
        }
        // As azcore does: a Location header makes any success answer an operation.
        if answer.status != 204 {
            if let Some(url) = answer.header("location") {
                let url = self.operation_url(&url)?;
                return Ok(Some(pending(OperationKind::Location, url.to_string())));
            }
        }
        let running = match method {
            "DELETE" => answer.status == 202,
            "PUT" | "PATCH" => answer
                .json()
                .ok()
                .flatten()
                .as_ref()
                .and_then(provisioning_state)
                .is_some_and(|s| Progress::of_status(s, None) == Progress::Running),
            _ => false,
        };
        Ok(running.then(|| pending(OperationKind::ProvisioningState, resource_url.to_string())))
    }

    /// Polls an operation to its end; the final body of a `Location` operation (an action's
    /// result), else `None`. `first_wait` is the `Retry-After` of the answer that started it
    /// (`None` when resuming: poll at once).
    async fn poll(
        &self,
        operation: &PendingOperation,
        first_wait: Option<Option<Duration>>,
    ) -> Result<Option<serde_json::Value>, ArmError> {
        let policy = &self.inner.poll;
        let url = self.operation_url(&operation.operation_url)?;
        let started = Instant::now();
        let mut wait = first_wait.map(|w| policy.interval(w)).unwrap_or_default();
        let deleting = operation.method == "DELETE";
        loop {
            if started.elapsed() + wait > policy.timeout {
                return Err(ArmError::Timeout {
                    operation: format!("{} {}", operation.method, operation.resource_id),
                    seconds: policy.timeout.as_secs(),
                });
            }
            tokio::time::sleep(wait).await;
            let answer = self.send(Method::Get, &url, None).await?;
            match operation.kind {
                OperationKind::AsyncOperation => {
                    if answer.is_error() {
                        return Err(answer.error());
                    }
                    let progress = OperationStatus::parse(&answer.body)?.progress();
                    if progress == Progress::Succeeded {
                        return Ok(None);
                    }
                    if let Some(error) = progress.into_error() {
                        return Err(error);
                    }
                }
                OperationKind::Location => match answer.status {
                    202 => {}
                    404 if deleting => return Ok(None),
                    200..=299 => return answer.json(),
                    _ => {
                        let detail = ErrorDetail::parse(&answer.body).unwrap_or_default();
                        return Err(ArmError::OperationFailed {
                            status: "Failed".to_string(),
                            code: if detail.code.is_empty() {
                                format!("HTTP{}", answer.status)
                            } else {
                                detail.code
                            },
                            message: detail.message,
                        });
                    }
                },
                OperationKind::ProvisioningState => {
                    if answer.status == 404 && deleting {
                        return Ok(None);
                    }
                    if answer.is_error() {
                        return Err(answer.error());
                    }
                    if !deleting {
                        let resource = answer.json()?;
                        let state = resource.as_ref().and_then(provisioning_state);
                        let progress = Progress::of_status(state.unwrap_or("Succeeded"), None);
                        if progress == Progress::Succeeded {
                            return Ok(None);
                        }
                        if let Progress::Ended { status, .. } = progress {
                            return Err(ArmError::OperationFailed {
                                code: "ProvisioningStateFailed".to_string(),
                                message: format!(
                                    "{} ended with provisioningState {status}",
                                    operation.resource_id
                                ),
                                status,
                            });
                        }
                    }
                }
            }
            wait = policy.interval(answer.retry_after());
        }
    }

    /// Sends a request, retrying what [`is_retryable`] allows within the retry policy.
    /// Answers with other error statuses are returned for the caller to judge.
    async fn send(
        &self,
        method: Method,
        url: &Url,
        body: Option<Vec<u8>>,
    ) -> Result<Answer, ArmError> {
        let policy = &self.inner.retry;
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let result = self.send_once(method, url, body.as_deref()).await;
            let (retry, retry_after) = match &result {
                Ok(answer) if answer.is_error() => {
                    let code = ErrorDetail::parse(&answer.body)
                        .map(|d| d.code)
                        .unwrap_or_default();
                    (is_retryable(answer.status, &code), answer.retry_after())
                }
                Ok(_) => (false, None),
                Err(ArmError::Transport(message)) => {
                    (!message.to_ascii_lowercase().contains("certificate"), None)
                }
                Err(_) => (false, None),
            };
            if !retry {
                return result;
            }
            let delay = policy.delay(attempt, retry_after);
            if attempt >= policy.max_attempts || started.elapsed() + delay > policy.max_elapsed {
                let last = match result {
                    Ok(answer) => answer.error(),
                    Err(e) => e,
                };
                return Err(ArmError::Exhausted {
                    attempts: attempt,
                    last: Box::new(last),
                });
            }
            tokio::time::sleep(delay).await;
        }
    }

    async fn send_once(
        &self,
        method: Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<Answer, ArmError> {
        let mut request = Request::new(url.clone(), method);
        request.insert_header("accept", "application/json");
        if let Some(body) = body {
            request.insert_header("content-type", "application/json");
            request.set_body(body.to_vec());
        }
        let response = self
            .inner
            .pipeline
            .send(
                &Context::new(),
                &mut request,
                Some(PipelineSendOptions {
                    skip_checks: true,
                    ..PipelineSendOptions::default()
                }),
            )
            .await
            .map_err(|e| match e.kind() {
                // Entra ID unreachable or failing (5xx, 429) is worth a retry; a refusal is not.
                azure_core::error::ErrorKind::Credential if !transient_credential_failure(&e) => {
                    ArmError::Auth(describe(&e))
                }
                _ => ArmError::Transport(describe(&e)),
            })?;
        let (status, headers, body) = response.deconstruct();
        Ok(Answer {
            status: u16::from(status),
            headers,
            body: body.to_vec(),
        })
    }

    /// `{endpoint}{id}?api-version={api_version}`, for a well-formed id.
    fn resource_url(&self, id: &str, api_version: &str) -> Result<Url, ArmError> {
        let malformed = !id.starts_with('/')
            || id.contains(['?', '#'])
            || id.chars().any(char::is_control)
            || id
                .split('/')
                .skip(1)
                .any(|s| s.is_empty() || s == "." || s == "..");
        if malformed {
            return Err(ArmError::Config(format!(
                "{id:?} is not an ARM resource id"
            )));
        }
        let base = self.inner.endpoint.as_str().trim_end_matches('/');
        let mut url = Url::parse(&format!("{base}{id}"))
            .map_err(|e| ArmError::Config(format!("{id:?} is not an ARM resource id: {e}")))?;
        url.query_pairs_mut()
            .append_pair("api-version", api_version);
        Ok(url)
    }

    /// An operation URL ARM gave (or a checkpoint recorded), only if it points at the same
    /// endpoint: the bearer token goes nowhere else.
    fn operation_url(&self, text: &str) -> Result<Url, ArmError> {
        let url = self
            .inner
            .endpoint
            .join(text)
            .map_err(|e| ArmError::InvalidResponse(format!("invalid operation URL: {e}")))?;
        let endpoint = &self.inner.endpoint;
        if url.scheme() != endpoint.scheme()
            || url.host_str() != endpoint.host_str()
            || url.port_or_known_default() != endpoint.port_or_known_default()
        {
            return Err(ArmError::InvalidResponse(format!(
                "the operation URL points away from {}: {}",
                endpoint.as_str(),
                url.origin().ascii_serialization()
            )));
        }
        Ok(url)
    }

    /// Waits for the lock of the cluster `id` belongs to, if it belongs to one.
    async fn serialise(&self, id: &str) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        let key = serialize_key(id)?;
        let lock = {
            let mut locks = self
                .inner
                .locks
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            locks.entry(key).or_default().clone()
        };
        Some(lock.lock_owned().await)
    }
}

/// Whether a credential failed for a reason that may pass: the authority could not be
/// reached, or answered 429 or a server error.
fn transient_credential_failure(error: &azure_core::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut depth = 0;
    while let Some(e) = current {
        if let Some(core) = e.downcast_ref::<azure_core::Error>() {
            match core.kind() {
                azure_core::error::ErrorKind::Connection | azure_core::error::ErrorKind::Io => {
                    return true
                }
                azure_core::error::ErrorKind::HttpResponse { status, .. } => {
                    let status = u16::from(*status);
                    return status == 429 || status >= 500;
                }
                _ => {}
            }
        }
        current = e.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    false
}

/// An azure_core error with its causes, for messages.
pub(crate) fn describe(error: &azure_core::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    let mut depth = 0;
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
        depth += 1;
        if depth > 8 {
            break;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialize_key_names_the_cluster() {
        let cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks";
        let key = serialize_key(cluster);
        assert_eq!(
            key.as_deref(),
            Some("/subscriptions/s/resourcegroups/rg/providers/microsoft.containerservice/managedclusters/aks")
        );
        let pool = format!("{}/agentPools/pool1", cluster.to_uppercase());
        assert_eq!(serialize_key(&pool), key);
        assert_eq!(
            serialize_key(
                "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v"
            ),
            None
        );
        assert_eq!(serialize_key("/subscriptions/s/resourceGroups/rg"), None);
        assert_eq!(
            serialize_key("/subscriptions//resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"),
            None
        );
    }

    #[test]
    fn config_from_environment_and_settings() {
        let env = |name: &str| match name {
            "ARM_SUBSCRIPTION_ID" => Some("sub-env".to_string()),
            "AZURE_TENANT_ID" => Some("tenant-env".to_string()),
            "ARM_CLIENT_SECRET" => Some("s3cr3t".to_string()),
            "ARM_USE_MSI" => Some("true".to_string()),
            "ARM_ENVIRONMENT" => Some("china".to_string()),
            _ => None,
        };
        let config = ArmConfig::from_lookup_and(
            env,
            ArmSettings {
                subscription_id: Some("sub-config".to_string()),
                ..ArmSettings::default()
            },
        )
        .unwrap_or_default();
        assert_eq!(config.subscription_id, "sub-config");
        assert_eq!(config.tenant_id.as_deref(), Some("tenant-env"));
        assert!(config.use_cli && config.use_msi && !config.use_oidc);
        assert_eq!(config.environment, AzureEnvironment::China);
        assert_eq!(
            config.resource_manager_endpoint(),
            "https://management.chinacloudapi.cn"
        );
        assert_eq!(config.authority_host(), "https://login.chinacloudapi.cn");
        assert_eq!(
            config.token_scope(),
            "https://management.chinacloudapi.cn/.default"
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("(sensitive value)"));

        let bad = ArmConfig::from_lookup_and(
            |n| (n == "ARM_ENVIRONMENT").then(|| "mars".to_string()),
            ArmSettings::default(),
        );
        assert!(
            matches!(bad, Err(ArmError::Config(m)) if m.contains("public, china, usgovernment"))
        );
        let gov = ArmConfig::from_lookup_and(
            |_| None,
            ArmSettings {
                environment: Some("USGovernment".to_string()),
                ..ArmSettings::default()
            },
        )
        .unwrap_or_default();
        assert_eq!(gov.authority_host(), "https://login.microsoftonline.us");
        assert_eq!(
            gov.token_scope(),
            "https://management.usgovcloudapi.net/.default"
        );
    }

    #[test]
    fn error_bodies_of_both_shapes() {
        let wrapped = br#"{"error":{"code":"ResourceNotFound","message":"gone","target":"x"}}"#;
        let flat = br#"{"code":"OperationNotAllowed","message":"busy"}"#;
        let e = ArmError::from_response(404, wrapped);
        assert_eq!(e.code(), Some("ResourceNotFound"));
        assert_eq!(
            e.to_string(),
            "HTTP 404: ResourceNotFound: gone (target: x)"
        );
        let e = ArmError::from_response(409, flat);
        assert_eq!(e.code(), Some("OperationNotAllowed"));
        let e = ArmError::from_response(502, b"<html>Bad gateway</html>");
        assert_eq!(e.to_string(), "HTTP 502: <html>Bad gateway</html>");
        let nested = br#"{"error":{"code":"DeploymentFailed","message":"failed","details":[{"code":"QuotaExceeded","message":"no cores"}]}}"#;
        assert!(ArmError::from_response(400, nested)
            .to_string()
            .contains("QuotaExceeded: no cores"));
    }
}
