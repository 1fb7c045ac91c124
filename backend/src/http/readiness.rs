//! What `/ready` says of one registry (`http::health` asks them; the
//! application state remembers the last answers for a few seconds).

use serde::Serialize;

/// How one registry answered. What is past `reachable` is shown only to
/// administrators and holders of `metrics_token`.
#[derive(Serialize, Clone)]
pub struct RegistryCheck {
    name: String,
    reachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    /// The `Docker-Distribution-Api-Version` it answered with.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    /// How long it took, or why it did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    answer: Option<String>,
    /// In gateway mode, when clients could reach it directly.
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<String>,
}

impl RegistryCheck {
    /// What asking registry `name` at `url` came to.
    pub fn answered(
        name: String,
        url: String,
        reachable: bool,
        api_version: Option<String>,
        answer: String,
    ) -> RegistryCheck {
        RegistryCheck {
            name,
            reachable,
            url: Some(url),
            api_version,
            answer: Some(answer),
            warning: None,
        }
    }

    /// With a warning an administrator should act on.
    pub fn warning(self, warning: Option<String>) -> RegistryCheck {
        RegistryCheck { warning, ..self }
    }

    /// The name and whether it answered, nothing more.
    pub fn outline(self) -> RegistryCheck {
        RegistryCheck {
            url: None,
            api_version: None,
            answer: None,
            warning: None,
            ..self
        }
    }
}
