//! Where a webhook may post: an http(s) URL without credentials in it, to
//! a public address unless `webhooks.allow_private_targets` says otherwise.
//! Names are checked when they are resolved, for every connection (a name
//! that resolves to a public address when the webhook is saved and to a
//! private one later is refused then), and IP addresses in URLs when the
//! webhook is saved and again before each attempt.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Checks a webhook URL as given by a person; the message says what to fix.
pub fn check_url(text: &str, allow_private: bool) -> Result<url::Url, String> {
    if text.len() > 2000 {
        return Err("the URL is longer than 2000 characters".into());
    }
    let url = url::Url::parse(text.trim()).map_err(|e| {
        format!("{text:?} is not a URL ({e}); give one like https://ci.example.org/hooks/portunus")
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "a webhook URL must start with https:// or http://, not {}:",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "put no user name or password in the URL: give them as the webhook's basic authentication, which is stored sealed"
                .into(),
        );
    }
    match url.host() {
        None => return Err(format!("{text:?} names no host")),
        Some(url::Host::Ipv4(ip)) => check_address(IpAddr::V4(ip), allow_private)?,
        Some(url::Host::Ipv6(ip)) => check_address(IpAddr::V6(ip), allow_private)?,
        Some(url::Host::Domain(name)) => {
            if !allow_private && (name == "localhost" || name.ends_with(".localhost")) {
                return Err(private_refusal(name));
            }
        }
    }
    Ok(url)
}

fn private_refusal(what: &str) -> String {
    format!(
        "{what} is a loopback, private or otherwise non-public address, which webhooks may not reach here; an administrator can allow it with webhooks.allow_private_targets = true"
    )
}

/// Refuses a non-public address unless allowed.
pub fn check_address(ip: IpAddr, allow_private: bool) -> Result<(), String> {
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(private_refusal(&ip.to_string()))
    }
}

/// Whether `ip` is an ordinary address on the internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            // IPv4-compatible (::a.b.c.d), deprecated but still routed by some.
            None if v6.segments()[..6] == [0; 6] => {
                v6.to_ipv4().is_some_and(is_public_v4) && !v6.is_loopback()
            }
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        // Benchmarking, 198.18.0.0/15; reserved, 240.0.0.0/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let [first, second, ..] = ip.segments();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, site-local fec0::/10,
        // documentation 2001:db8::/32, NAT64 64:ff9b::/96 and 64:ff9b:1::/48
        // (they reach IPv4 addresses), 6to4 2002::/16, discard 100::/64,
        // IETF assignments 2001::/23.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || (first == 0x2001 && second == 0x0db8)
        || (first == 0x0064 && second == 0xff9b)
        || (first == 0x0064 && second == 0xff9b + 1)
        || first == 0x2002
        || (first == 0x0100 && ip.segments()[1..4] == [0, 0, 0])
        || (first == 0x2001 && second < 0x0200))
}

/// Resolves names for the webhook client, keeping only the addresses a
/// webhook may reach: a connection never goes anywhere else.
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                // Without the address: its receiver's owners read this.
                let reason = if found.is_empty() {
                    format!("{host} resolves to no address")
                } else {
                    private_refusal(&host)
                };
                return Err(reason.into());
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_with_reasons() {
        assert!(check_url("https://ci.example.org/hook", false).is_ok());
        assert!(check_url("http://8.8.8.8/hook", false).is_ok());
        for private in [
            "http://127.0.0.1:9000/",
            "http://10.1.2.3/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://203.0.113.9/hook",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::127.0.0.1]/",
            "http://[::10.0.0.1]/",
            "http://[64:ff9b::a00:1]/",
            "http://[2002:a00:1::1]/",
            "http://[fec0::1]/",
            "http://192.0.0.8/",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://localhost:8080/",
            "http://api.localhost/",
        ] {
            let refused = check_url(private, false).unwrap_err();
            assert!(
                refused.contains("allow_private_targets"),
                "{private}: {refused}"
            );
            assert!(check_url(private, true).is_ok(), "{private} when allowed");
        }
        let refused = check_url("ftp://example.org/", true).unwrap_err();
        assert!(refused.contains("https://"), "{refused}");
        let refused = check_url("https://u:p@example.org/", true).unwrap_err();
        assert!(refused.contains("basic authentication"), "{refused}");
        let refused = check_url("not a url", true).unwrap_err();
        assert!(refused.contains("not a URL"), "{refused}");
        let long = format!("https://example.org/{}", "a".repeat(2000));
        assert!(check_url(&long, true).is_err());
    }

    #[tokio::test]
    async fn the_resolver_drops_what_webhooks_may_not_reach() {
        let guarded = GuardedResolver {
            allow_private: false,
        };
        let refused = match guarded.resolve("localhost".parse().unwrap()).await {
            Ok(_) => panic!("localhost resolved for a webhook"),
            Err(e) => e.to_string(),
        };
        assert!(refused.contains("allow_private_targets"), "{refused}");
        let open = GuardedResolver {
            allow_private: true,
        };
        let addrs: Vec<SocketAddr> = open
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(!addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()));
    }
}
