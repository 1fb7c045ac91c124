//! `Allow` on every 405 of the API: the methods its path takes, as the API
//! description lists them (RFC 9110 requires the header), so a client that
//! used the wrong method learns the right ones.

use std::sync::Arc;

use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// Every path of the API description with the methods it takes.
pub struct AllowedMethods(Vec<(Vec<Segment>, String)>);

#[derive(Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: any one segment.
    Parameter,
}

const METHODS: [&str; 7] = ["get", "head", "post", "put", "patch", "delete", "options"];

impl AllowedMethods {
    /// Reads the paths and methods of an OpenAPI document (JSON).
    pub fn of(spec_json: &str) -> AllowedMethods {
        let spec: serde_json::Value = serde_json::from_str(spec_json).unwrap_or_default();
        let paths = spec["paths"].as_object().cloned().unwrap_or_default();
        AllowedMethods(
            paths
                .into_iter()
                .map(|(path, operations)| {
                    let methods: Vec<String> = METHODS
                        .iter()
                        .filter(|m| operations.get(**m).is_some())
                        .map(|m| m.to_uppercase())
                        .collect();
                    (segments(&path), methods.join(", "))
                })
                .collect(),
        )
    }

    /// The methods `path` takes, if it is a path of the API. A literal
    /// segment wins over a parameter (`/users/me` before `/users/{name}`).
    fn allowed(&self, path: &str) -> Option<&str> {
        let asked: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.0
            .iter()
            .filter(|(template, _)| {
                template.len() == asked.len()
                    && template.iter().zip(&asked).all(|(t, a)| match t {
                        Segment::Literal(l) => l == a,
                        Segment::Parameter => !a.is_empty(),
                    })
            })
            .max_by_key(|(template, _)| {
                template
                    .iter()
                    .filter(|s| matches!(s, Segment::Literal(_)))
                    .count()
            })
            .map(|(_, methods)| methods.as_str())
    }
}

fn segments(path: &str) -> Vec<Segment> {
    path.trim_matches('/')
        .split('/')
        .map(|s| match s.starts_with('{') && s.ends_with('}') {
            true => Segment::Parameter,
            false => Segment::Literal(s.to_owned()),
        })
        .collect()
}

/// The middleware: a 405 gets `Allow`.
pub async fn add_allow<E: Endpoint>(
    endpoint: Arc<E>,
    request: Request,
    allowed: Arc<AllowedMethods>,
) -> poem::Result<Response> {
    let path = request.uri().path().to_owned();
    let mut response = match endpoint.call(request).await {
        Ok(response) => response.into_response(),
        Err(e) if e.status() == StatusCode::METHOD_NOT_ALLOWED => super::error::to_json(e).await,
        Err(e) => return Err(e),
    };
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && let Some(methods) = allowed.allowed(&path)
        && let Ok(value) = HeaderValue::from_str(methods)
    {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_matched_to_its_template_literals_first() {
        let allowed = AllowedMethods::of(
            r#"{"paths": {
                "/users/{username}": {"get": {}, "patch": {}, "delete": {}},
                "/users/me": {"get": {}},
                "/webhooks/{id}/ping": {"post": {}}
            }}"#,
        );
        assert_eq!(allowed.allowed("/users/alice"), Some("GET, PATCH, DELETE"));
        assert_eq!(allowed.allowed("/users/me"), Some("GET"));
        assert_eq!(allowed.allowed("/webhooks/7/ping"), Some("POST"));
        assert_eq!(allowed.allowed("/webhooks/7"), None);
        assert_eq!(allowed.allowed("/users//"), None);
    }
}
