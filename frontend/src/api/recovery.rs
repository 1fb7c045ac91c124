//! Password recovery and e-mail confirmation.

use gloo_net::http::Request;
use portunus_shared::api::{Accepted, EmailConfirmation, PasswordReset, PasswordResetRequest};

use super::{ApiError, NO_BODY, call, send_empty, url};

/// "Forgot your password?": the server's neutral answer.
pub async fn request_password_reset(user: String) -> Result<Accepted, ApiError> {
    let request = PasswordResetRequest { user };
    call(Request::post(&url("/password-reset")), Some(&request)).await
}

/// Sets a new password with the secret of a mailed link.
pub async fn complete_password_reset(token: String, new_password: String) -> Result<(), ApiError> {
    let reset = PasswordReset {
        token,
        new_password,
    };
    send_empty(Request::post(&url("/password-reset/complete")), &reset).await
}

/// Mails `username`'s address a new link that confirms it.
pub async fn send_email_confirmation(username: &str) -> Result<Accepted, ApiError> {
    let path = format!("/users/{username}/email-confirmation");
    call(Request::post(&url(&path)), NO_BODY).await
}

/// Confirms an e-mail address with the secret of a mailed link.
pub async fn confirm_email(token: String) -> Result<(), ApiError> {
    let confirmation = EmailConfirmation { token };
    send_empty(
        Request::post(&url("/email-confirmation/complete")),
        &confirmation,
    )
    .await
}
