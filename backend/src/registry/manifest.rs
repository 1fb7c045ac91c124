//! Reading manifests of every media type the registry serves: Docker v2
//! schema 2 images and manifest lists, OCI images and indexes. Pure parsing;
//! fetching lives in the client.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_SCHEMA1: &str = "application/vnd.docker.distribution.manifest.v1+prettyjws";

/// Every manifest type Portunus asks for, for the `Accept` header.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.docker.distribution.manifest.v1+prettyjws;q=0.5";

/// A blob a manifest points at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Descriptor {
    #[serde(rename = "mediaType", default)]
    pub media_type: String,
    pub digest: String,
    #[serde(default)]
    pub size: i64,
    pub platform: Option<Platform>,
}

/// Where an image of an index runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Platform {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// What a manifest is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    /// A single image: its configuration and layers.
    Image {
        config: Descriptor,
        layers: Vec<Descriptor>,
        /// The manifest this one refers to (signatures, SBOMs).
        subject: Option<Box<Descriptor>>,
        /// What kind of artifact this is (OCI `artifactType`).
        artifact_type: Option<String>,
    },
    /// An index (manifest list) of images, one per platform.
    Index { manifests: Vec<Descriptor> },
    /// Docker schema 1 or something else Portunus does not look into.
    Other,
}

impl Manifest {
    /// The blobs an image stores in its repository: configuration, then layers.
    pub fn blobs(&self) -> Vec<&str> {
        match self {
            Manifest::Image { config, layers, .. } => std::iter::once(config)
                .chain(layers)
                .map(|d| d.digest.as_str())
                .collect(),
            Manifest::Index { .. } | Manifest::Other => Vec::new(),
        }
    }

    /// The manifests an index lists (one per platform).
    pub fn children(&self) -> Vec<&str> {
        match self {
            Manifest::Index { manifests } => manifests.iter().map(|d| d.digest.as_str()).collect(),
            Manifest::Image { .. } | Manifest::Other => Vec::new(),
        }
    }
}

#[derive(Deserialize)]
struct Raw {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    manifests: Option<Vec<Descriptor>>,
    subject: Option<Descriptor>,
    #[serde(rename = "artifactType")]
    artifact_type: Option<String>,
}

/// Parses a manifest. `content_type` is the registry's `Content-Type`, used
/// when the body does not name its own media type (OCI allows that).
pub fn parse(content_type: &str, body: &[u8]) -> Result<(String, Manifest), String> {
    let raw: Raw =
        serde_json::from_slice(body).map_err(|e| format!("the manifest is not valid JSON: {e}"))?;
    let media_type = raw
        .media_type
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned()
        });
    let manifest = match (media_type.as_str(), raw.config, raw.manifests) {
        (DOCKER_LIST | OCI_INDEX, _, Some(manifests)) => Manifest::Index { manifests },
        (DOCKER_MANIFEST | OCI_MANIFEST, Some(config), _) => Manifest::Image {
            config,
            layers: raw.layers,
            subject: raw.subject.map(Box::new),
            artifact_type: raw.artifact_type.clone(),
        },
        (_, None, Some(manifests)) => Manifest::Index { manifests },
        (t, Some(config), None) if t != DOCKER_SCHEMA1 => Manifest::Image {
            config,
            layers: raw.layers,
            subject: raw.subject.map(Box::new),
            artifact_type: raw.artifact_type.clone(),
        },
        _ => Manifest::Other,
    };
    Ok((media_type, manifest))
}

/// What the image configuration says about the image.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFacts {
    pub created: Option<chrono::DateTime<chrono::Utc>>,
    pub labels: Option<Value>,
    pub platform: Option<Platform>,
}

/// Reads creation time, labels and platform from an image configuration.
pub fn config_facts(config: &Value) -> ConfigFacts {
    let created = config
        .get("created")
        .and_then(Value::as_str)
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&chrono::Utc));
    let labels = config
        .get("config")
        .and_then(|c| c.get("Labels"))
        .filter(|l| l.as_object().is_some_and(|o| !o.is_empty()))
        .cloned();
    let platform = config
        .get("architecture")
        .and_then(Value::as_str)
        .map(|arch| Platform {
            os: config
                .get("os")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            architecture: arch.to_owned(),
            variant: config
                .get("variant")
                .and_then(Value::as_str)
                .map(str::to_owned),
        });
    ConfigFacts {
        created,
        labels,
        platform,
    }
}

/// The strings of the array `body[key]` (none when it is missing).
pub fn strings(body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// How an image runs and how its layers were made, from its configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuntimeFacts {
    /// `created_by` of each history entry that made a layer, in order.
    pub layer_history: Vec<Option<String>>,
    pub command: Option<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub exposed_ports: Vec<String>,
}

/// Reads what [`RuntimeFacts`] holds from an image configuration.
pub fn runtime_facts(config: &Value) -> RuntimeFacts {
    let run = config.get("config");
    let text = |key: &str| {
        run.and_then(|c| c.get(key))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let words = |key: &str| run.map(|c| strings(c, key)).unwrap_or_default();
    let mut command = words("Entrypoint");
    command.extend(words("Cmd"));
    let layer_history = config
        .get("history")
        .and_then(Value::as_array)
        .map(|h| {
            h.iter()
                .filter(|e| {
                    !e.get("empty_layer")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                })
                .map(|e| {
                    e.get("created_by")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    let mut exposed_ports: Vec<String> = run
        .and_then(|c| c.get("ExposedPorts"))
        .and_then(Value::as_object)
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    exposed_ports.sort();
    RuntimeFacts {
        layer_history,
        command: (!command.is_empty()).then(|| command.join(" ")),
        working_dir: text("WorkingDir"),
        user: text("User"),
        exposed_ports,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_and_oci_images() {
        let docker = br#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
            "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":100,"digest":"sha256:c"},
            "layers":[{"mediaType":"x","size":1000,"digest":"sha256:l1"},{"mediaType":"x","size":24,"digest":"sha256:l2"}]}"#;
        let (media_type, manifest) = parse("text/plain", docker).unwrap();
        assert_eq!(media_type, DOCKER_MANIFEST);
        let Manifest::Image {
            config,
            layers,
            subject,
            ..
        } = manifest
        else {
            panic!("an image")
        };
        assert_eq!((config.size, layers.len(), subject), (100, 2, None));
        let (_, manifest) = parse("text/plain", docker).unwrap();
        assert_eq!(manifest.blobs(), ["sha256:c", "sha256:l1", "sha256:l2"]);
        assert!(manifest.children().is_empty());

        // OCI without mediaType in the body: the Content-Type decides.
        let oci = br#"{"schemaVersion":2,"config":{"digest":"sha256:c","size":5},"layers":[],
            "subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:s","size":9}}"#;
        let (media_type, manifest) = parse(
            "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
            oci,
        )
        .unwrap();
        assert_eq!(media_type, OCI_MANIFEST);
        assert!(matches!(
            manifest,
            Manifest::Image {
                subject: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn indexes_and_others() {
        let index = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:a","size":10,"platform":{"os":"linux","architecture":"amd64"}},
            {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:b","size":11,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}"#;
        let (_, manifest) = parse("", index).unwrap();
        assert_eq!(manifest.children(), ["sha256:a", "sha256:b"]);
        assert!(manifest.blobs().is_empty());
        let Manifest::Index { manifests } = manifest else {
            panic!("an index")
        };
        assert_eq!(
            manifests[1].platform.as_ref().unwrap().variant.as_deref(),
            Some("v8")
        );
        let (_, other) = parse(
            DOCKER_SCHEMA1,
            br#"{"schemaVersion":1,"name":"a","fsLayers":[]}"#,
        )
        .unwrap();
        assert_eq!(other, Manifest::Other);
        assert!(parse("", b"not json").is_err());
    }

    #[test]
    fn runtime_facts_and_layer_history() {
        let config: Value = serde_json::json!({
            "config": {"Entrypoint": ["/bin/app"], "Cmd": ["--serve"], "WorkingDir": "/srv",
                       "User": "1000", "ExposedPorts": {"8080/tcp": {}, "443/tcp": {}}},
            "history": [
                {"created_by": "ADD rootfs.tar /"},
                {"created_by": "ENV A=1", "empty_layer": true},
                {"created_by": "COPY app /bin/app"},
            ]
        });
        let facts = runtime_facts(&config);
        assert_eq!(facts.command.as_deref(), Some("/bin/app --serve"));
        assert_eq!(facts.working_dir.as_deref(), Some("/srv"));
        assert_eq!(facts.user.as_deref(), Some("1000"));
        assert_eq!(facts.exposed_ports, ["443/tcp", "8080/tcp"]);
        assert_eq!(
            facts.layer_history,
            [
                Some("ADD rootfs.tar /".to_owned()),
                Some("COPY app /bin/app".to_owned())
            ]
        );
        assert_eq!(
            runtime_facts(&serde_json::json!({})),
            RuntimeFacts::default()
        );
    }

    #[test]
    fn configuration_facts() {
        let config: Value = serde_json::json!({
            "created": "2026-01-02T03:04:05.123Z", "os": "linux", "architecture": "arm64", "variant": "v8",
            "config": {"Labels": {"org.opencontainers.image.source": "https://example.org/app"}}
        });
        let facts = config_facts(&config);
        assert_eq!(
            facts.created.unwrap().to_rfc3339(),
            "2026-01-02T03:04:05.123+00:00"
        );
        assert_eq!(
            facts.labels.unwrap()["org.opencontainers.image.source"],
            "https://example.org/app"
        );
        assert_eq!(facts.platform.unwrap().variant.as_deref(), Some("v8"));
        assert_eq!(config_facts(&serde_json::json!({})), ConfigFacts::default());
    }
}
