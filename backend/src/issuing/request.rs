//! A token request as the exchange reads it, parsed by `http::token`.

use portunus_shared::scope::Scope;

use crate::issuing::issued_tokens::GrantKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

/// How the client proves who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// GET with HTTP Basic credentials, or none (anonymous).
    Basic(Option<Credentials>),
    /// POST `grant_type=password`.
    Password(Credentials),
    /// POST `grant_type=refresh_token`.
    Refresh(String),
}

impl Grant {
    /// Which kind of grant this is, as `/metrics` counts them.
    pub fn kind(&self) -> GrantKind {
        match self {
            Grant::Basic(Some(_)) => GrantKind::Basic,
            Grant::Basic(None) => GrantKind::Anonymous,
            Grant::Password(_) => GrantKind::Password,
            Grant::Refresh(_) => GrantKind::RefreshToken,
        }
    }

    /// An OAuth2 grant (a POST), answered with the scope granted too.
    pub fn is_oauth(&self) -> bool {
        !matches!(self, Grant::Basic(_))
    }
}

#[derive(Debug)]
pub struct TokenRequest {
    pub service: Option<String>,
    pub account: Option<String>,
    pub scopes: Vec<Scope>,
    /// `offline_token=true` (GET) or `access_type=offline` (POST): the client
    /// wants a refresh token.
    pub offline: bool,
    pub client_id: Option<String>,
    pub grant: Grant,
}
