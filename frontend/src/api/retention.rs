//! A repository's retention rule: reading, setting, previewing, running it.

use gloo_net::http::Request;
use portunus_shared::api::{RetentionPreview, RetentionRule, RetentionSetting};

use super::{ApiError, NO_BODY, call, url};

pub async fn retention(id: i64) -> Result<RetentionSetting, ApiError> {
    call(
        Request::get(&url(&format!("/repositories/{id}/retention"))),
        NO_BODY,
    )
    .await
}

pub async fn set_retention(id: i64, rule: RetentionRule) -> Result<RetentionSetting, ApiError> {
    call(
        Request::put(&url(&format!("/repositories/{id}/retention"))),
        Some(&rule),
    )
    .await
}

/// What `rule` would delete now; changes nothing.
pub async fn preview_retention(id: i64, rule: RetentionRule) -> Result<RetentionPreview, ApiError> {
    call(
        Request::post(&url(&format!("/repositories/{id}/retention/preview"))),
        Some(&rule),
    )
    .await
}

pub async fn run_retention(id: i64) -> Result<RetentionPreview, ApiError> {
    call(
        Request::post(&url(&format!("/repositories/{id}/retention/run"))),
        NO_BODY,
    )
    .await
}
