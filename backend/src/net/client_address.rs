//! Where a request comes from: the connection's address, or, behind a
//! trusted reverse proxy, the address the proxy names in the header
//! `client_address_header`. Lockouts and rate limits are kept per address.

use std::sync::Arc;

use poem::{Endpoint, Request, Response};

/// The client address of a request, in the request's extensions (read it
/// with `Data<&ClientAddress>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

impl ClientAddress {
    /// The address of `request`, trusting `header` when it is not empty.
    pub fn of(request: &Request, header: &str) -> ClientAddress {
        // The proxy adds its own line after any the client sent, and
        // X-Forwarded-For lists every hop: the last entry of the last line.
        let claimed = (!header.is_empty())
            .then(|| request.headers().get_all(header).iter().next_back())
            .flatten()
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.rsplit(',').next())
            .map(str::trim)
            .filter(|value| !value.is_empty());
        ClientAddress(match claimed {
            Some(address) => address.chars().take(64).collect(),
            None => match request.remote_addr().as_socket_addr() {
                Some(socket) => socket.ip().to_string(),
                None => "unknown".into(),
            },
        })
    }
}

/// Middleware: records each request's [`ClientAddress`].
pub async fn record<E: Endpoint>(
    endpoint: Arc<E>,
    mut request: Request,
    header: Arc<str>,
) -> poem::Result<Response> {
    let address = ClientAddress::of(&request, &header);
    request.extensions_mut().insert(address);
    endpoint
        .call(request)
        .await
        .map(poem::IntoResponse::into_response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(header: Option<(&str, &str)>) -> Request {
        let mut builder = Request::builder();
        if let Some((name, value)) = header {
            builder = builder.header(name, value);
        }
        builder.finish()
    }

    #[test]
    fn header_counts_only_when_configured() {
        let forwarded = Some(("X-Forwarded-For", "203.0.113.9, 10.0.0.1"));
        assert_eq!(
            ClientAddress::of(&request(forwarded), "X-Forwarded-For"),
            ClientAddress("10.0.0.1".into()),
            "the last hop is the one the trusted proxy added"
        );
        assert_eq!(
            ClientAddress::of(&request(forwarded), ""),
            ClientAddress("unknown".into()),
            "without configuration a client cannot claim an address"
        );
        assert_eq!(
            ClientAddress::of(&request(Some(("X-Real-IP", " 198.51.100.7 "))), "x-real-ip"),
            ClientAddress("198.51.100.7".into())
        );
        let two_lines = Request::builder()
            .header("X-Forwarded-For", "198.51.100.1")
            .header("X-Forwarded-For", "203.0.113.9")
            .finish();
        assert_eq!(
            ClientAddress::of(&two_lines, "X-Forwarded-For"),
            ClientAddress("203.0.113.9".into()),
            "a line the client sent before the proxy's counts for nothing"
        );
        assert_eq!(
            ClientAddress::of(&request(None), "X-Real-IP"),
            ClientAddress("unknown".into()),
            "a missing header falls back to the connection"
        );
    }
}
