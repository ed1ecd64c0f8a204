//! An Azure Resource Manager stand-in for tests, over HTTPS with a throwaway CA: an Entra ID
//! token endpoint (client credentials) and generic ARM resources by id, with long-running
//! operations, conflicts, injectable faults, latency, a request log, and hooks that make it
//! echo resources the way Azure does.
//!
//! Use from an integration test with
//! `#[path = "arm_standin/mod.rs"] mod arm_standin;`.
#![allow(dead_code)]

pub mod actions;
pub mod faults;
pub mod log;
pub mod operations;
pub mod resources;
pub mod schema;
pub mod server;
pub mod tls;
pub mod token;
pub mod world;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use flinkform::providers::azure::arm::{ArmConfig, AzureEnvironment, Secret};

pub use faults::Fault;
pub use log::LoggedRequest;
pub use resources::ResourceId;
pub use world::{HookContext, LroStyle, Settings};

use server::Shared;
use token::Identity;
use world::World;

pub const SUBSCRIPTION_ID: &str = "00000000-0000-0000-0000-0000000000a1";
pub const TENANT_ID: &str = "00000000-0000-0000-0000-0000000000b2";
pub const CLIENT_ID: &str = "00000000-0000-0000-0000-0000000000c3";

/// A running stand-in; stops when dropped.
pub struct StandIn {
    /// `https://127.0.0.1:PORT`: both the Resource Manager endpoint and the authority host.
    pub endpoint: String,
    /// The PEM of the CA that signed the server's certificate.
    pub ca_cert_file: PathBuf,
    pub subscription_id: String,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    dir: tempfile::TempDir,
}

impl StandIn {
    pub fn start() -> StandIn {
        StandIn::start_with(Settings::default())
    }

    /// Starts the server on its own thread and runtime, so that it serves synchronous tests
    /// (running the binary) and async ones alike.
    pub fn start_with(settings: Settings) -> StandIn {
        let dir = tempfile::tempdir().expect("temporary directory");
        let ca = tls::TestCa::generate("flinkform test CA");
        let ca_cert_file = dir.path().join("standin-ca.pem");
        ca.write_pem(&ca_cert_file);
        let tls = ca.server_config();

        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("binding a local port");
        std_listener
            .set_nonblocking(true)
            .expect("non-blocking socket");
        let port = std_listener.local_addr().expect("local address").port();
        let endpoint = format!("https://127.0.0.1:{port}");
        let client_secret = format!("standin-secret-{}", uuid::Uuid::new_v4().simple());
        let shared = Arc::new(Shared {
            world: Mutex::new(World::new(endpoint.clone(), settings)),
            identity: Identity {
                tenant_id: TENANT_ID.to_string(),
                client_id: CLIENT_ID.to_string(),
                client_secret: client_secret.clone(),
                scope: format!("{endpoint}/.default"),
            },
        });

        let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
        let server_shared = shared.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("stand-in runtime");
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
                tokio::select! {
                    _ = server::serve(listener, tls, server_shared) => {}
                    _ = stopped => {}
                }
            });
        });

        StandIn {
            endpoint,
            ca_cert_file,
            subscription_id: SUBSCRIPTION_ID.to_string(),
            tenant_id: TENANT_ID.to_string(),
            client_id: CLIENT_ID.to_string(),
            client_secret,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
            dir,
        }
    }

    /// A temporary directory that lives as long as the stand-in.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A client configuration for the stand-in: client secret, custom endpoint and
    /// authority, the stand-in's CA.
    pub fn arm_config(&self) -> ArmConfig {
        ArmConfig {
            subscription_id: self.subscription_id.clone(),
            tenant_id: Some(self.tenant_id.clone()),
            client_id: Some(self.client_id.clone()),
            client_secret: Some(Secret::new(self.client_secret.clone())),
            use_cli: false,
            environment: AzureEnvironment::Public,
            resource_manager_endpoint: Some(self.endpoint.clone()),
            authority_host: Some(self.endpoint.clone()),
            ca_cert_file: Some(self.ca_cert_file.clone()),
            ..ArmConfig::default()
        }
    }

    /// The environment variables that point flinkform at the stand-in (for running the
    /// binary).
    pub fn env(&self) -> Vec<(String, String)> {
        [
            ("ARM_SUBSCRIPTION_ID", self.subscription_id.as_str()),
            ("ARM_TENANT_ID", self.tenant_id.as_str()),
            ("ARM_CLIENT_ID", self.client_id.as_str()),
            ("ARM_CLIENT_SECRET", self.client_secret.as_str()),
            ("ARM_USE_CLI", "false"),
            ("ARM_RESOURCE_MANAGER_ENDPOINT", self.endpoint.as_str()),
            ("ARM_AUTHORITY_HOST", self.endpoint.as_str()),
            (
                "ARM_CA_CERT_FILE",
                self.ca_cert_file.to_str().unwrap_or_default(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Queues a fault: it applies to the next request it matches.
    pub fn inject(&self, fault: Fault) {
        self.shared.world().faults.push_back(fault);
    }

    /// Validates every PUT/PATCH body sent so far against the official specifications
    /// (those a specification covers): the number validated, or a report of the problems.
    pub fn validate_requests(&self) -> Result<usize, String> {
        schema::check_requests(&self.requests())
    }

    /// Drops the faults not yet applied.
    pub fn clear_faults(&self) {
        self.shared.world().faults.clear();
    }

    /// The requests answered so far, in the order answered.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.world().log.clone()
    }

    /// Requests with `method` on `path` (ignoring case).
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.shared
            .world()
            .log
            .iter()
            .filter(|r| r.is(method, path))
            .count()
    }

    pub fn clear_log(&self) {
        self.shared.world().log.clear();
    }

    /// The tokens granted so far.
    pub fn tokens_issued(&self) -> usize {
        self.shared.world().tokens.len()
    }

    pub fn set_latency(&self, latency: Duration) {
        self.shared.world().settings.latency = latency;
    }

    /// `InProgress` answers before an operation ends (0: writes complete at once).
    pub fn set_polls(&self, polls: u32) {
        self.shared.world().settings.polls = polls;
    }

    /// The `Retry-After` (seconds) of operation answers.
    pub fn set_retry_after(&self, seconds: u64) {
        self.shared.world().settings.retry_after = seconds;
    }

    /// How PUT/PATCH of `resource_type` (`Microsoft.Network/virtualNetworks`) answer.
    pub fn set_style(&self, resource_type: &str, style: LroStyle) {
        self.shared
            .world()
            .styles
            .insert(resource_type.to_ascii_lowercase(), style);
    }

    /// Adds a hook rewriting every written resource of `resource_type` before it is stored
    /// and echoed (normalised values, server defaults, read-only attributes).
    pub fn on_type(
        &self,
        resource_type: &str,
        hook: impl Fn(&mut Value, &HookContext<'_>) + Send + Sync + 'static,
    ) {
        self.shared
            .world()
            .hooks
            .entry(resource_type.to_ascii_lowercase())
            .or_default()
            .push(Arc::new(hook));
    }

    /// Sets what `POST {id}/{action}` answers, from the resource.
    pub fn on_action(&self, action: &str, hook: impl Fn(&Value) -> Value + Send + Sync + 'static) {
        self.shared
            .world()
            .actions
            .insert(action.to_ascii_lowercase(), Arc::new(hook));
    }

    /// The stored resource, as a GET would answer it.
    pub fn resource(&self, id: &str) -> Option<Value> {
        self.shared
            .world()
            .resources
            .get(&id.to_ascii_lowercase())
            .cloned()
    }

    /// The ids of all stored resources.
    pub fn resource_ids(&self) -> Vec<String> {
        let world = self.shared.world();
        let mut ids: Vec<String> = world
            .resources
            .values()
            .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        ids.sort();
        ids
    }

    /// Stores a resource as if it had been created outside (for import and drift tests).
    pub fn seed(&self, id: &str, mut resource: Value) {
        if let (Value::Object(map), Some(parsed)) = (&mut resource, ResourceId::parse(id)) {
            map.insert("id".to_string(), Value::String(id.to_string()));
            map.insert("name".to_string(), Value::String(parsed.name));
            map.insert("type".to_string(), Value::String(parsed.resource_type));
        }
        resources::set_provisioning_state(&mut resource, "Succeeded");
        self.shared
            .world()
            .resources
            .insert(id.to_ascii_lowercase(), resource);
    }

    /// Deletes a resource behind the client's back.
    pub fn remove(&self, id: &str) {
        resources::remove(&mut self.shared.world(), &id.to_ascii_lowercase());
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A location as Azure echoes it: `West Europe` → `westeurope`.
pub fn azure_location(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}
