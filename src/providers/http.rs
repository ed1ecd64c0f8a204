//! The one way providers get an HTTP client.

/// A reqwest client builder. reqwest is built without a default rustls crypto provider
/// (aws-lc-rs is a heavy C build), so ring's is installed first; installing it again fails
/// harmlessly.
pub(crate) fn client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}
