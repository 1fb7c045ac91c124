//! Whether a registry behind the gateway is exposed: reachable at a public
//! address, where clients could use their tokens on it directly and pass
//! by every rule of the gateway. Said at start and by `/ready`.

use std::net::IpAddr;

use crate::webhooks::target::is_public;

/// The public addresses the host of `url` resolves to (none when it is
/// loopback or private, or does not resolve).
pub async fn public_addresses(url: &str) -> Vec<IpAddr> {
    let Ok(parsed) = url::Url::parse(url) else {
        return Vec::new();
    };
    let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
        return Vec::new();
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(addresses) = tokio::net::lookup_host((host, port)).await else {
        return Vec::new();
    };
    let mut public: Vec<IpAddr> = addresses
        .map(|a| a.ip())
        .filter(|ip| is_public(*ip))
        .collect();
    public.sort();
    public.dedup();
    public
}

/// The warning for a registry at `url` whose host resolves to `public`.
pub fn warning(url: &str, public: &[IpAddr]) -> Option<String> {
    let first = public.first()?;
    Some(format!(
        "the registry at {url} listens on the public address {first}: clients could use their tokens there and pass by the gateway's rules; bind it to loopback or a private address (portunus registry-config writes registry.url's address)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loopback_and_private_registries_are_not_exposed() {
        for url in [
            "http://127.0.0.1:5001",
            "http://[::1]:5001",
            "http://10.1.2.3:5000",
            "http://192.168.0.9",
            "http://localhost:5001",
        ] {
            assert_eq!(public_addresses(url).await, Vec::<IpAddr>::new(), "{url}");
        }
        let exposed = public_addresses("http://1.1.1.1:5000").await;
        assert_eq!(exposed, vec!["1.1.1.1".parse::<IpAddr>().unwrap()]);
        let said = warning("http://1.1.1.1:5000", &exposed).unwrap();
        assert!(said.contains("public address 1.1.1.1"), "{said}");
        assert_eq!(warning("http://127.0.0.1:5001", &[]), None);
    }
}
