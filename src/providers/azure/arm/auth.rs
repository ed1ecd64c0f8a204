//! Credentials: which azure_identity credential the configuration selects, the way azurerm
//! chooses (client secret, then OIDC, then managed identity, then the Azure CLI), and the
//! HTTP transport they and the client share.

use std::path::Path;
use std::sync::Arc;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::TokenCredential;
use azure_core::http::{ClientMethodOptions, ClientOptions, RetryOptions, Transport};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientAssertion, ClientAssertionCredential,
    ClientAssertionCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
};

use super::error::ArmError;
use super::{ArmConfig, Secret};

/// The reqwest client every request goes through: rustls (ring), the system's roots plus
/// `ca_cert_file`, no redirects (ARM does not use them; following one would carry the
/// bearer token elsewhere).
pub(crate) fn http_client(ca_cert_file: Option<&Path>) -> Result<reqwest::Client, ArmError> {
    let mut builder = crate::providers::http::client_builder()
        .connect_timeout(std::time::Duration::from_secs(20))
        .read_timeout(std::time::Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(path) = ca_cert_file {
        let pem = std::fs::read(path).map_err(|e| {
            ArmError::Config(format!("cannot read ca_cert_file {}: {e}", path.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            ArmError::Config(format!(
                "ca_cert_file {} holds no PEM certificate: {e}",
                path.display()
            ))
        })?;
        if certs.is_empty() {
            return Err(ArmError::Config(format!(
                "ca_cert_file {} holds no PEM certificate",
                path.display()
            )));
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| ArmError::Config(format!("cannot set up the HTTP client: {e}")))
}

/// Client options for azure_core pipelines: our transport, no retries of azure_core's own
/// (the client retries, knowing ARM's conflict codes), the authority host of the cloud.
pub(crate) fn client_options(
    http: &reqwest::Client,
    authority_host: Option<&str>,
) -> ClientOptions {
    let mut options = ClientOptions {
        retry: RetryOptions::none(),
        transport: Some(Transport::new(Arc::new(http.clone()))),
        ..ClientOptions::default()
    };
    if let Some(host) = authority_host {
        let mut custom = CustomConfiguration::default();
        custom.authority_host = host.to_string();
        options.cloud = Some(Arc::new(CloudConfiguration::Custom(custom)));
    }
    options
}

/// The credential the configuration selects.
pub(crate) fn credential(
    config: &ArmConfig,
    http: &reqwest::Client,
) -> Result<Arc<dyn TokenCredential>, ArmError> {
    let authority_host = config.authority_host();
    let options = || client_options(http, Some(&authority_host));
    let auth_error = |e: azure_core::Error| ArmError::Auth(super::describe(&e));

    if let Some(secret) = &config.client_secret {
        let (tenant, client) = tenant_and_client(config, "client_secret")?;
        let credential = ClientSecretCredential::new(
            tenant,
            client.to_string(),
            azure_core::credentials::Secret::new(secret.expose().to_string()),
            Some(ClientSecretCredentialOptions {
                client_options: options(),
            }),
        )
        .map_err(auth_error)?;
        return Ok(credential);
    }
    if config.use_oidc {
        let (tenant, client) = tenant_and_client(config, "use_oidc")?;
        let assertion = OidcAssertion::from_config(config, http.clone())?;
        let credential = ClientAssertionCredential::new(
            tenant.to_string(),
            client.to_string(),
            assertion,
            Some(ClientAssertionCredentialOptions {
                client_options: options(),
            }),
        )
        .map_err(auth_error)?;
        return Ok(credential);
    }
    if config.use_msi {
        let credential = ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
            user_assigned_id: config.client_id.clone().map(UserAssignedId::ClientId),
            client_options: options(),
        }))
        .map_err(auth_error)?;
        return Ok(credential);
    }
    if config.use_cli {
        let credential = AzureCliCredential::new(Some(AzureCliCredentialOptions {
            tenant_id: config.tenant_id.clone(),
            ..AzureCliCredentialOptions::default()
        }))
        .map_err(auth_error)?;
        return Ok(credential);
    }
    Err(ArmError::Config(
        "no way to authenticate: set client_id and client_secret (ARM_CLIENT_SECRET), or use_oidc, use_msi or use_cli"
            .to_string(),
    ))
}

fn tenant_and_client<'a>(
    config: &'a ArmConfig,
    method: &str,
) -> Result<(&'a str, &'a str), ArmError> {
    let tenant = config
        .tenant_id
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ArmError::Config(format!("{method} needs tenant_id (ARM_TENANT_ID)")))?;
    let client = config
        .client_id
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or_else(|| ArmError::Config(format!("{method} needs client_id (ARM_CLIENT_ID)")))?;
    Ok((tenant, client))
}

/// Where a federated (OIDC) token comes from, as azurerm reads it: the token itself, a file
/// holding it (also AKS workload identity's `AZURE_FEDERATED_TOKEN_FILE`), or GitHub Actions'
/// token request endpoint.
#[derive(Clone)]
enum OidcSource {
    Token(Secret),
    File(std::path::PathBuf),
    Request { url: String, bearer: Secret },
}

#[derive(Clone)]
struct OidcAssertion {
    source: OidcSource,
    http: reqwest::Client,
}

impl std::fmt::Debug for OidcAssertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OidcAssertion")
    }
}

impl OidcAssertion {
    fn from_config(config: &ArmConfig, http: reqwest::Client) -> Result<OidcAssertion, ArmError> {
        let source = if let Some(token) = &config.oidc_token {
            OidcSource::Token(token.clone())
        } else if let Some(path) = &config.oidc_token_file_path {
            OidcSource::File(path.clone())
        } else if let (Some(url), Some(bearer)) =
            (&config.oidc_request_url, &config.oidc_request_token)
        {
            OidcSource::Request {
                url: url.clone(),
                bearer: bearer.clone(),
            }
        } else {
            return Err(ArmError::Config(
                "use_oidc needs oidc_token, oidc_token_file_path, or oidc_request_url with oidc_request_token (ARM_OIDC_*)"
                    .to_string(),
            ));
        };
        Ok(OidcAssertion { source, http })
    }
}

#[derive(serde::Deserialize)]
struct OidcRequestAnswer {
    value: String,
}

#[async_trait::async_trait]
impl ClientAssertion for OidcAssertion {
    async fn secret(
        &self,
        _options: Option<ClientMethodOptions<'_>>,
    ) -> azure_core::Result<String> {
        let failed = |message: String| {
            azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, message)
        };
        match &self.source {
            OidcSource::Token(token) => Ok(token.expose().to_string()),
            OidcSource::File(path) => std::fs::read_to_string(path)
                .map(|t| t.trim().to_string())
                .map_err(|e| {
                    failed(format!(
                        "cannot read the OIDC token file {}: {e}",
                        path.display()
                    ))
                }),
            OidcSource::Request { url, bearer } => {
                let mut url = reqwest::Url::parse(url)
                    .map_err(|e| failed(format!("invalid OIDC request URL: {e}")))?;
                url.query_pairs_mut()
                    .append_pair("audience", "api://AzureADTokenExchange");
                let answer = self
                    .http
                    .get(url)
                    .bearer_auth(bearer.expose())
                    .send()
                    .await
                    .map_err(|e| {
                        failed(format!("OIDC token request failed: {}", e.without_url()))
                    })?;
                if !answer.status().is_success() {
                    return Err(failed(format!(
                        "OIDC token request answered HTTP {}",
                        answer.status().as_u16()
                    )));
                }
                let bytes = answer.bytes().await.map_err(|e| {
                    failed(format!("OIDC token request failed: {}", e.without_url()))
                })?;
                let answer: OidcRequestAnswer = serde_json::from_slice(&bytes)
                    .map_err(|_| failed("OIDC token request answered no token".to_string()))?;
                Ok(answer.value)
            }
        }
    }
}
