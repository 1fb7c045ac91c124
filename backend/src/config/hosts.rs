//! Whether a registry event came from the registry Portunus manages, judged
//! by the host its client used (`request.host`). Names are compared the way
//! people write them, loosely. A host that still matches nothing is not
//! dropped: the processor asks the registry itself before holding the event
//! (Portus #579 lost events to a too-strict comparison).

/// Whether `host` (as in an event's `request.host`) is one of `known`.
/// Case and a trailing dot do not matter, all loopback names are one
/// machine, and a name without a port matches that name on any port (a
/// proxy in front of the registry usually hides the port).
pub fn is_known(host: &str, known: &[String]) -> bool {
    let given = Name::parse(host);
    known.iter().any(|k| given.matches(&Name::parse(k)))
}

/// `host[:port]` of `url`, as people type it in `docker login`; the text
/// itself when it is no URL.
pub fn of_url(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

/// Checks a configured name: a host, or host:port, without scheme or path.
pub fn check(entry: &str) -> Result<(), String> {
    let name = Name::parse(entry);
    let plain = !entry.contains("://") && !entry.contains('/') && !entry.trim().is_empty();
    if plain && name.valid {
        Ok(())
    } else {
        Err(format!(
            "registry.hostnames entry {entry:?} is not a host name or host:port (like \"registry.example.org\" or \"10.0.0.5:5000\")"
        ))
    }
}

struct Name {
    host: String,
    port: Option<u16>,
    /// False when a port was given but is no number: such a name matches nothing.
    valid: bool,
}

impl Name {
    fn parse(text: &str) -> Name {
        let text = text.trim().to_ascii_lowercase();
        let (host, port) = match text.strip_prefix('[') {
            // [::1]:5000
            Some(rest) => match rest.split_once(']') {
                Some((host, after)) => (host.to_owned(), after.strip_prefix(':')),
                None => (rest.to_owned(), None),
            },
            None => match text.rsplit_once(':') {
                Some((host, port)) if !host.contains(':') => (host.to_owned(), Some(port)),
                _ => (text.clone(), None),
            },
        };
        let host = host.trim_end_matches('.').to_owned();
        let host = if is_loopback(&host) {
            "localhost".to_owned()
        } else {
            host
        };
        let parsed = port.map(str::parse::<u16>);
        Name {
            valid: !host.is_empty() && parsed.as_ref().is_none_or(Result::is_ok),
            host,
            port: parsed.and_then(Result::ok),
        }
    }

    fn matches(&self, other: &Name) -> bool {
        self.valid
            && other.valid
            && self.host == other.host
            && match (self.port, other.port) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configured_names_are_checked() {
        for good in [
            "registry.example.org",
            "10.0.0.5:5000",
            "[::1]:5000",
            "localhost",
        ] {
            assert!(check(good).is_ok(), "{good}");
        }
        for bad in [
            "https://registry.example.org",
            "host/path",
            "host:abc",
            "",
            ":5000",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }

    fn known() -> Vec<String> {
        vec!["127.0.0.1:5000".into(), "Registry.Example.org".into()]
    }

    #[test]
    fn names_people_use_for_the_same_registry() {
        for host in [
            "127.0.0.1:5000",
            "localhost:5000",
            "[::1]:5000",
            "127.0.0.2:5000",
            "localhost",
            "registry.example.org",
            "registry.example.org.:443",
            "REGISTRY.example.org:5000",
        ] {
            assert!(is_known(host, &known()), "{host} should be known");
        }
    }

    #[test]
    fn other_registries() {
        for host in [
            "127.0.0.1:5001",
            "localhost:6000",
            "registry.example.com",
            "example.org",
            "evil-registry.example.org",
            "",
            "localhost:abc",
            "registry.example.org:99999",
        ] {
            assert!(!is_known(host, &known()), "{host} should be unknown");
        }
    }
}
