//! The gateway (`[gateway]`): Portunus in the path of the registry API.
//! Clients push and pull through it; it reads each path as the registry
//! will (`path`), picks the registry by the host name the client used,
//! learns who asks (`caller`), holds what the rules and limits forbid
//! (`immutable`, `pull_limit`), passes the rest on (`forward`) and notes
//! who pulled what (`pull_log`).

pub mod caller;
pub mod exposure;
pub mod forward;
pub mod immutable;
pub mod path;
pub mod pull_limit;
pub mod pull_log;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use poem::http::StatusCode;
use poem::http::header::{AUTHORIZATION, HOST};
use poem::{Endpoint, Request, Response};

use crate::accounts::rate_limit::RateLimits;
use crate::config::{Config, hosts};
use crate::crypto::signing::TokenSigner;
use crate::net::client_address::ClientAddress;
use crate::registries::{Registries, Served};
use caller::Callers;
use pull_log::{PullLog, Pulled};

/// What the gateway answered, counted since start (`/metrics`).
#[derive(Default)]
pub struct Counters {
    /// Passed to a registry, whatever it answered.
    pub forwarded: AtomicU64,
    /// Refused: an immutable tag would have moved or gone.
    pub refused_immutable: AtomicU64,
    /// Refused: over a pull limit.
    pub refused_pull_limit: AtomicU64,
    /// Refused: a path that cannot be read.
    pub refused_bad_path: AtomicU64,
    /// The registry did not answer (502).
    pub registry_unreachable: AtomicU64,
}

/// What the gateway needs for every request.
pub struct Gateway {
    /// What it answered, counted.
    pub counters: Counters,
    registries: Arc<Registries>,
    callers: Callers,
    /// Where pulls are noted; `None` when they are not recorded.
    pulls: Option<Arc<PullLog>>,
    client: reqwest::Client,
    /// The pull limits (`rate_limits.pulls_per_minute`, ...).
    limits: RateLimits,
    /// The header a proxy in front names the client in
    /// (`client_address_header`); empty: no proxy.
    address_header: String,
}

impl Gateway {
    /// Serves the `registries` as `config` says, with the key tokens are
    /// signed with; pulls are noted in `pulls`, when given.
    pub fn new(
        registries: Arc<Registries>,
        signer: Arc<TokenSigner>,
        config: &Config,
        pulls: Option<Arc<PullLog>>,
    ) -> Gateway {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // Storage redirects and the registry's own go to the client.
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .unwrap_or_default();
        Gateway {
            counters: Counters::default(),
            registries,
            callers: Callers::new(signer, &config.token.issuer),
            pulls,
            client,
            limits: RateLimits::new(config),
            address_header: config.client_address_header.clone(),
        }
    }

    /// The record of pulls, when pulls are recorded.
    pub fn pull_log(&self) -> Option<&PullLog> {
        self.pulls.as_deref()
    }

    /// Whether a proxy in front names the client.
    fn behind_proxy(&self) -> bool {
        !self.address_header.is_empty()
    }

    /// Answers one request of the registry API.
    pub async fn answer(&self, mut request: Request) -> Response {
        let Ok(read) = path::read(request.uri().path()) else {
            count(&self.counters.refused_bad_path);
            return registry_error(
                StatusCode::BAD_REQUEST,
                "UNSUPPORTED",
                "the request path cannot be read: it is not valid percent-encoded UTF-8, or holds a control character",
            );
        };
        let host = client_host(&request, self.behind_proxy());
        let served = self.registry_for(&host);
        let now = chrono::Utc::now().timestamp();
        let caller = self
            .callers
            .of(request.header(AUTHORIZATION), &served.service, now);
        let ClientAddress(client_address) = ClientAddress::of(&request, &self.address_header);
        let limited = pull_limit::refusal(
            &self.limits,
            &request,
            &read.route,
            caller.as_deref(),
            &client_address,
        );
        if let Some(refusal) = limited {
            count(&self.counters.refused_pull_limit);
            return refusal;
        }
        let held = immutable::judge(
            &served.catalog,
            caller.as_deref(),
            &read.route,
            &mut request,
        )
        .await;
        if let Some(refusal) = held {
            if refusal.status() == StatusCode::FORBIDDEN {
                count(&self.counters.refused_immutable);
            }
            return refusal;
        }
        let scheme = self
            .behind_proxy()
            .then(|| request.header("x-forwarded-proto"))
            .flatten()
            .unwrap_or("http");
        let client_origin = format!("{scheme}://{host}");
        let hop = forward::Hop {
            upstream: served.url.trim_end_matches('/'),
            path: &read.encoded,
            client_origin: &client_origin,
            client_address: &client_address,
            behind_proxy: self.behind_proxy(),
        };
        let pulled = self
            .pulls
            .is_some()
            .then(|| Pulled::of(&request, &read.route, caller.as_deref()))
            .flatten();
        let response = match forward::forward(&self.client, &hop, request).await {
            Ok(response) => {
                count(&self.counters.forwarded);
                response
            }
            Err(unanswered) => {
                count(&self.counters.registry_unreachable);
                return unanswered;
            }
        };
        if let (Some(pulled), Some(pulls)) = (pulled, &self.pulls)
            && response.status().is_success()
        {
            pulls.note(pulled.answered(served.id, &client_address, &response));
        }
        response
    }

    /// The added registry one of whose host names the client used, or
    /// else the configured one.
    fn registry_for(&self, host: &str) -> Arc<Served> {
        let all = self.registries.all();
        all.iter()
            .find(|s| !s.configured && hosts::is_known(host, &s.hostnames))
            .cloned()
            .unwrap_or_else(|| self.registries.configured())
    }
}

/// The host the client used: the proxy's `X-Forwarded-Host` behind one,
/// else `Host`.
fn client_host(request: &Request, behind_proxy: bool) -> String {
    behind_proxy
        .then(|| request.header("x-forwarded-host"))
        .flatten()
        .and_then(|v| v.split(',').next())
        .or_else(|| request.header(HOST))
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .unwrap_or("localhost")
        .trim()
        .to_owned()
}

fn count(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// An answer in the registry's error format, which clients print.
pub fn registry_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "code": code, "message": message }] });
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body.to_string())
}

/// The gateway as a poem endpoint.
pub fn endpoint(gateway: Arc<Gateway>) -> impl Endpoint {
    poem::endpoint::make(move |request| {
        let gateway = gateway.clone();
        async move { gateway.answer(request).await }
    })
}
