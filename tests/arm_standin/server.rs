//! The HTTPS server: TLS, HTTP/1.1, authentication, latency, the request log.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use super::log::LoggedRequest;
use super::token::{self, Identity};
use super::world::{Reply, World};

pub struct Shared {
    pub world: Mutex<World>,
    pub identity: Identity,
}

impl Shared {
    pub fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Accepts connections until the task is dropped.
pub async fn serve(listener: TcpListener, tls: Arc<rustls::ServerConfig>, shared: Arc<Shared>) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            // A client that refuses our certificate ends here.
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(answer(&shared, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(shared: &Shared, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let received = Instant::now();
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let api_version = request.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("api-version="))
            .map(str::to_string)
    });
    let bearer = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let body = match request.into_body().collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };

    let token_tenant = path
        .strip_prefix('/')
        .and_then(|p| p.strip_suffix("/oauth2/v2.0/token"))
        .filter(|tenant| !tenant.contains('/'));
    let (reply, latency) = {
        let mut world = shared.world();
        let reply = match token_tenant {
            Some(tenant) if method == "POST" => match world.token_fault(&path) {
                Some(reply) => reply,
                None => {
                    let mut tokens = std::mem::take(&mut world.tokens);
                    let reply = token::answer(&shared.identity, tenant, &body, &mut tokens);
                    world.tokens = tokens;
                    reply
                }
            },
            _ => match bearer {
                Some(token) if world.tokens.contains(&token) => {
                    world.handle(&method, &path, api_version.as_deref(), &body)
                }
                Some(_) => Reply::error(
                    401,
                    "InvalidAuthenticationToken",
                    "The access token is invalid.",
                ),
                None => Reply::error(
                    401,
                    "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.",
                ),
            },
        };
        (reply, world.settings.latency)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let logged_body = match token_tenant {
        Some(_) => None,
        None => serde_json::from_slice(&body).ok(),
    };
    shared.world().log.push(LoggedRequest {
        method,
        path,
        api_version,
        body: logged_body,
        status: reply.status,
        received,
        answered: Instant::now(),
    });
    to_response(reply)
}

fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let body = match &reply.body {
        Some(json) => {
            builder = builder.header("content-type", "application/json; charset=utf-8");
            Bytes::from(serde_json::to_vec(json).unwrap_or_default())
        }
        None => Bytes::new(),
    };
    builder
        .body(Full::new(body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}
