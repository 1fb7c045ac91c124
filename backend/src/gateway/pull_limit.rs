//! Pull limits at the gateway: a manifest GET spends one pull of its
//! account (`rate_limits.pulls_per_minute`) or, without one, of its
//! address (`rate_limits.anonymous_pulls_per_minute`); beyond them a 429
//! in the registry's error format says when to try again.

use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Request, Response};

use super::caller::Caller;
use super::path::Route;
use crate::accounts::rate_limit::{Limited, RateLimits};
use crate::error::Error;

/// The 429 for a manifest GET over its allowance; `None` for any other
/// request, or one within it.
pub fn refusal(
    limits: &RateLimits,
    request: &Request,
    route: &Route,
    caller: Option<&Caller>,
    address: &str,
) -> Option<Response> {
    if request.method() != Method::GET || !matches!(route, Route::Manifest { .. }) {
        return None;
    }
    let now = std::time::Instant::now();
    let account = caller.map(|c| c.subject.as_str()).filter(|s| !s.is_empty());
    let (kind, spent) = match account {
        Some(name) => (Limited::PullOfAccount, limits.spend_pull_of(name, now)),
        None => (
            Limited::AnonymousPull,
            limits.spend(Limited::AnonymousPull, address, now),
        ),
    };
    let Err(Error::RateLimited {
        message,
        retry_after,
    }) = spent
    else {
        return None;
    };
    let mut refusal =
        super::registry_error(StatusCode::TOO_MANY_REQUESTS, "TOOMANYREQUESTS", &message);
    let limit = limits.limit_of(kind).to_string();
    let wait = retry_after.to_string();
    for (name, value) in [
        ("retry-after", wait.as_str()),
        ("ratelimit-limit", limit.as_str()),
        ("ratelimit-remaining", "0"),
        ("ratelimit-reset", wait.as_str()),
    ] {
        if let Ok(value) = HeaderValue::from_str(value) {
            refusal.headers_mut().insert(name, value);
        }
    }
    Some(refusal)
}
