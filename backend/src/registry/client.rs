//! The client of one registry's HTTP API: catalog, tags, manifests,
//! blobs, deletes. Each call carries a token Portunus signs for its own
//! internal identity with just the access that call needs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, LINK};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::manifest::{self, ConfigFacts, Descriptor, Manifest, Platform, strings};
use crate::config::TokenConfig;
use crate::crypto::mint::{AccessEntry, issue};
use crate::crypto::signing::TokenSigner;
use crate::error::Error;

/// The subject of Portunus's own registry tokens.
pub const INTERNAL_IDENTITY: &str = "portunus";
/// Most platforms of one index that Portunus looks into.
const MAX_INDEX_CHILDREN: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("the registry at {0} cannot be reached: {1}")]
    Unreachable(String, String),
    #[error("the registry has no {0}")]
    NotFound(String),
    #[error("the registry answered {status} to {what}: {body}")]
    Status {
        status: u16,
        what: String,
        body: String,
    },
    #[error("the registry sent something Portunus cannot read: {0}")]
    Invalid(String),
}

/// How a registry failure reaches people, in one place: what the registry
/// does not have is "not found"; anything else means it is unavailable.
impl From<RegistryError> for Error {
    fn from(e: RegistryError) -> Error {
        match e {
            RegistryError::NotFound(what) => Error::NotFound(format!("the registry has no {what}")),
            other => {
                // The registry's address and answer are for the log, not for clients.
                tracing::warn!(error = %other, "the registry failed");
                Error::Unavailable(
                    "the registry cannot be reached or failed; retry later (the server log has details)"
                        .into(),
                )
            }
        }
    }
}

#[derive(Clone)]
pub struct RegistryClient {
    http: reqwest::Client,
    base: String,
    signer: Arc<TokenSigner>,
    token: TokenConfig,
    /// Internal tokens by scope, reused while they have a minute left:
    /// signing costs far more than a registry request.
    tokens: Arc<Mutex<HashMap<String, (String, Instant)>>>,
    /// Whether the registry deletes tags by name (learnt on first try).
    tag_delete: Arc<AtomicU8>,
}

const TAG_DELETE_UNSUPPORTED: u8 = 2;

/// Most internal tokens kept at once.
const TOKEN_CACHE_SIZE: usize = 4096;

/// A fetched manifest.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    pub digest: String,
    pub media_type: String,
    pub size: i64,
    pub manifest: Manifest,
    pub body: Vec<u8>,
}

/// What Portunus records about a tagged manifest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImageMetadata {
    pub digest: String,
    pub media_type: String,
    /// Configuration plus layers; for an index, the sum over its images.
    pub size: i64,
    pub layers: i32,
    pub image_id: Option<String>,
    pub created: Option<DateTime<Utc>>,
    pub labels: Option<Value>,
    pub platforms: Vec<PlatformImage>,
    /// For an artifact (signature, SBOM): the digest of the manifest it is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// For an artifact: its `artifactType`, or else its config media type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
}

/// One image of an index.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
pub struct PlatformImage {
    #[serde(flatten)]
    pub platform: Platform,
    pub digest: String,
    pub size: i64,
}

impl RegistryClient {
    pub fn new(base: &str, signer: Arc<TokenSigner>, token: TokenConfig) -> RegistryClient {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("portunus/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        RegistryClient {
            http,
            base: base.trim_end_matches('/').to_owned(),
            signer,
            token,
            tokens: Arc::new(Mutex::new(HashMap::new())),
            tag_delete: Arc::new(AtomicU8::new(0)),
        }
    }

    fn bearer(
        &self,
        resource_type: &str,
        name: &str,
        actions: &[&str],
    ) -> Result<String, RegistryError> {
        let key = format!("{resource_type}:{name}:{}", actions.join(","));
        let now = Instant::now();
        if let Ok(cache) = self.tokens.lock()
            && let Some((token, fresh_until)) = cache.get(&key)
            && *fresh_until > now
        {
            return Ok(token.clone());
        }
        let access = vec![AccessEntry {
            resource_type: resource_type.into(),
            name: name.into(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
        }];
        let token = issue(
            &self.signer,
            &self.token,
            INTERNAL_IDENTITY,
            access,
            Utc::now(),
        )
        .map(|t| t.token)
        .map_err(|e| RegistryError::Invalid(format!("cannot sign an internal token: {e}")))?;
        let reuse_for = Duration::from_secs(self.token.lifetime_seconds.saturating_sub(60));
        if let Ok(mut cache) = self.tokens.lock() {
            if cache.len() >= TOKEN_CACHE_SIZE {
                cache.retain(|_, (_, until)| *until > now);
                if cache.len() >= TOKEN_CACHE_SIZE {
                    cache.clear();
                }
            }
            cache.insert(key, (token.clone(), now + reuse_for));
        }
        Ok(token)
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<reqwest::Response, RegistryError> {
        let response = request
            .send()
            .await
            .map_err(|e| RegistryError::Unreachable(self.base.clone(), e.to_string()))?;
        match response.status() {
            s if s.is_success() => Ok(response),
            StatusCode::NOT_FOUND => Err(RegistryError::NotFound(what.to_owned())),
            s => {
                let body = response
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(500)
                    .collect();
                Err(RegistryError::Status {
                    status: s.as_u16(),
                    what: what.to_owned(),
                    body,
                })
            }
        }
    }

    /// One page of a paginated registry list (`_catalog`, `tags/list`): the
    /// strings under `key` after `last`, and where the next page starts when
    /// the registry's `Link` header says there is one.
    async fn list_page(
        &self,
        path: &str,
        key: &str,
        token: &str,
        what: &str,
        last: Option<&str>,
        n: u32,
    ) -> Result<(Vec<String>, Option<String>), RegistryError> {
        let mut url = format!("{}{path}?n={n}", self.base);
        if let Some(last) = last {
            url.push_str(&format!(
                "&last={}",
                form_urlencoded::byte_serialize(last.as_bytes()).collect::<String>()
            ));
        }
        let response = self
            .send(self.http.get(url).bearer_auth(token), what)
            .await?;
        let more = response.headers().get(LINK).is_some();
        let body: Value = response
            .json()
            .await
            .map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let names = strings(&body, key);
        let next = if more { names.last().cloned() } else { None };
        Ok((names, next))
    }

    /// Every page of a paginated registry list, one after the other.
    async fn list_all(
        &self,
        path: &str,
        key: &str,
        token: &str,
        what: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let mut all = Vec::new();
        let mut last: Option<String> = None;
        loop {
            let (names, next) = self
                .list_page(path, key, token, what, last.as_deref(), 1000)
                .await?;
            all.extend(names);
            match next {
                Some(n) => last = Some(n),
                None => return Ok(all),
            }
        }
    }

    /// Asks the registry's base endpoint (`GET /v2/`) with a token: its API
    /// version header (`registry/2.0`) and how long it took to answer.
    pub async fn probe(&self) -> Result<(Option<String>, std::time::Duration), RegistryError> {
        let token = self.bearer("registry", "catalog", &["*"])?;
        let began = Instant::now();
        let response = self
            .send(
                self.http
                    .get(format!("{}/v2/", self.base))
                    .bearer_auth(token),
                "the base endpoint",
            )
            .await?;
        Ok((
            header(&response, "docker-distribution-api-version"),
            began.elapsed(),
        ))
    }

    /// Asks the base endpoint without a token, as a client's first request
    /// does (a registry answers 401, or 200, with its API version header):
    /// for checking an address before Portunus signs anything for it.
    pub async fn answers_unsigned(&self) -> Result<String, RegistryError> {
        let response = self
            .http
            .get(format!("{}/v2/", self.base))
            .send()
            .await
            .map_err(|e| RegistryError::Unreachable(self.base.clone(), e.to_string()))?;
        let status = response.status().as_u16();
        match (status, header(&response, "docker-distribution-api-version")) {
            (200 | 401, Some(version)) => Ok(version),
            (status, _) => Err(RegistryError::Status {
                status,
                what: "GET /v2/ without a token (a registry answers 401 or 200 with a Docker-Distribution-Api-Version header)".into(),
                body: String::new(),
            }),
        }
    }

    /// The URL Portunus reaches the registry at.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// One page of the catalog after `last`; returns the names and whether more follow.
    pub async fn catalog_page(
        &self,
        last: Option<&str>,
        n: u32,
    ) -> Result<(Vec<String>, Option<String>), RegistryError> {
        let token = self.bearer("registry", "catalog", &["*"])?;
        self.list_page("/v2/_catalog", "repositories", &token, "catalog", last, n)
            .await
    }

    /// Every repository of the catalog.
    pub async fn catalog(&self) -> Result<Vec<String>, RegistryError> {
        let token = self.bearer("registry", "catalog", &["*"])?;
        self.list_all("/v2/_catalog", "repositories", &token, "catalog")
            .await
    }

    /// Every tag of a repository.
    pub async fn tags(&self, repository: &str) -> Result<Vec<String>, RegistryError> {
        let token = self.bearer("repository", repository, &["pull"])?;
        self.list_all(
            &format!("/v2/{repository}/tags/list"),
            "tags",
            &token,
            &format!("repository {repository}"),
        )
        .await
    }

    /// `method` (GET or HEAD) on the manifest `repository:reference`,
    /// accepting every manifest kind Portunus reads.
    async fn manifest_request(
        &self,
        method: reqwest::Method,
        repository: &str,
        reference: &str,
    ) -> Result<reqwest::Response, RegistryError> {
        let token = self.bearer("repository", repository, &["pull"])?;
        let url = format!("{}/v2/{repository}/manifests/{reference}", self.base);
        let what = format!("manifest {repository}:{reference}");
        let request = self
            .http
            .request(method, url)
            .bearer_auth(token)
            .header(ACCEPT, manifest::ACCEPT);
        self.send(request, &what).await
    }

    /// A manifest by tag or digest, with its digest and parsed form.
    pub async fn manifest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<FetchedManifest, RegistryError> {
        let response = self
            .manifest_request(reqwest::Method::GET, repository, reference)
            .await?;
        let content_type = header(&response, CONTENT_TYPE.as_str()).unwrap_or_default();
        let header_digest = header(&response, "docker-content-digest");
        let body = response
            .bytes()
            .await
            .map_err(|e| RegistryError::Invalid(e.to_string()))?
            .to_vec();
        let digest = header_digest.unwrap_or_else(|| {
            format!(
                "sha256:{}",
                data_encoding::HEXLOWER.encode(&Sha256::digest(&body))
            )
        });
        let (media_type, manifest) =
            manifest::parse(&content_type, &body).map_err(RegistryError::Invalid)?;
        Ok(FetchedManifest {
            digest,
            media_type,
            size: body.len() as i64,
            manifest,
            body,
        })
    }

    /// The digest `reference` resolves to, from a HEAD request.
    pub async fn manifest_digest(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<String, RegistryError> {
        let response = self
            .manifest_request(reqwest::Method::HEAD, repository, reference)
            .await?;
        match header(&response, "docker-content-digest") {
            Some(digest) => Ok(digest),
            None => Ok(self.manifest(repository, reference).await?.digest),
        }
    }

    /// A JSON blob (an image configuration).
    pub async fn blob_json(&self, repository: &str, digest: &str) -> Result<Value, RegistryError> {
        let token = self.bearer("repository", repository, &["pull"])?;
        let url = format!("{}/v2/{repository}/blobs/{digest}", self.base);
        let response = self
            .send(
                self.http.get(url).bearer_auth(token),
                &format!("blob {digest}"),
            )
            .await?;
        response
            .json()
            .await
            .map_err(|e| RegistryError::Invalid(e.to_string()))
    }

    /// Deletes a manifest by digest (every tag pointing at it goes with it).
    pub async fn delete_manifest(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<(), RegistryError> {
        self.delete(repository, "manifests", digest).await
    }

    /// Unlinks a blob from `repository`: it can no longer be pulled or
    /// mounted from there (the garbage collector frees its storage once no
    /// repository links it).
    pub async fn delete_blob(&self, repository: &str, digest: &str) -> Result<(), RegistryError> {
        self.delete(repository, "blobs", digest).await
    }

    /// `DELETE /v2/REPOSITORY/KIND/DIGEST`.
    async fn delete(
        &self,
        repository: &str,
        kind: &str,
        digest: &str,
    ) -> Result<(), RegistryError> {
        let token = self.bearer("repository", repository, &["delete"])?;
        let url = format!("{}/v2/{repository}/{kind}/{digest}", self.base);
        self.send(
            self.http.delete(url).bearer_auth(token),
            &format!("{kind} {repository}@{digest}"),
        )
        .await?;
        Ok(())
    }

    /// Uploads a small blob into `repository`; returns its digest.
    pub async fn upload_blob(
        &self,
        repository: &str,
        content: &[u8],
    ) -> Result<String, RegistryError> {
        let token = self.bearer("repository", repository, &["pull", "push"])?;
        let digest = format!(
            "sha256:{}",
            data_encoding::HEXLOWER.encode(&Sha256::digest(content))
        );
        let start = format!("{}/v2/{repository}/blobs/uploads/", self.base);
        let response = self
            .send(self.http.post(start).bearer_auth(&token), "blob upload")
            .await?;
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RegistryError::Invalid("blob upload without a Location".into()))?
            .to_owned();
        let location = if location.starts_with("http") {
            location
        } else {
            format!("{}{location}", self.base)
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let put = format!("{location}{separator}digest={digest}");
        self.send(
            self.http
                .put(put)
                .bearer_auth(&token)
                .header(CONTENT_TYPE, "application/octet-stream")
                .body(content.to_vec()),
            "blob upload",
        )
        .await?;
        Ok(digest)
    }

    /// Puts a manifest under `reference`; returns its digest.
    pub async fn put_manifest(
        &self,
        repository: &str,
        reference: &str,
        media_type: &str,
        body: Vec<u8>,
    ) -> Result<String, RegistryError> {
        let token = self.bearer("repository", repository, &["pull", "push"])?;
        let digest = format!(
            "sha256:{}",
            data_encoding::HEXLOWER.encode(&Sha256::digest(&body))
        );
        let url = format!("{}/v2/{repository}/manifests/{reference}", self.base);
        self.send(
            self.http
                .put(url)
                .bearer_auth(token)
                .header(CONTENT_TYPE, media_type)
                .body(body),
            "manifest upload",
        )
        .await?;
        Ok(digest)
    }

    /// Deletes exactly one tag. A tag alone on its image goes with its
    /// manifest. Otherwise registries that delete tags (Distribution 3, the
    /// OCI spec's `DELETE /v2/NAME/manifests/TAG`) do just that; 2.x deletes
    /// manifests only, and a manifest delete takes every tag on that digest
    /// with it, so there the tag is first pointed at a throwaway manifest of
    /// its own, which is then deleted.
    pub async fn delete_tag(
        &self,
        repository: &str,
        tag: &str,
        digest: &str,
        shared: bool,
    ) -> Result<(), RegistryError> {
        if !shared {
            return self.delete_manifest(repository, digest).await;
        }
        if self.tag_delete.load(Ordering::Relaxed) != TAG_DELETE_UNSUPPORTED {
            let token = self.bearer("repository", repository, &["delete"])?;
            let url = format!("{}/v2/{repository}/manifests/{tag}", self.base);
            match self
                .send(
                    self.http.delete(url).bearer_auth(token),
                    &format!("tag {repository}:{tag}"),
                )
                .await
            {
                Ok(_) => return Ok(()),
                // 2.x: "DIGEST_INVALID" (it reads the tag as a digest); others say 405 or UNSUPPORTED.
                Err(RegistryError::Status { status, .. }) if status == 400 || status == 405 => {
                    self.tag_delete
                        .store(TAG_DELETE_UNSUPPORTED, Ordering::Relaxed);
                }
                Err(e) => return Err(e),
            }
        }
        let marker = format!(
            "{{\"portunus\":\"deleting tag {tag}\",\"nonce\":\"{}\"}}",
            crate::crypto::secrets::random_hex(16)
        );
        let config_digest = self.upload_blob(repository, marker.as_bytes()).await?;
        let throwaway = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": manifest::OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": marker.len()},
            "layers": [],
        });
        let body =
            serde_json::to_vec(&throwaway).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        let throwaway_digest = self
            .put_manifest(repository, tag, manifest::OCI_MANIFEST, body)
            .await?;
        self.delete_manifest(repository, &throwaway_digest).await
    }

    /// Everything Portunus records about `reference` in `repository`.
    pub async fn describe(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<ImageMetadata, RegistryError> {
        let fetched = self.manifest(repository, reference).await?;
        self.describe_fetched(repository, fetched).await
    }

    /// Like [`describe`](Self::describe), but images already in `seen` (by
    /// digest) are not read again: tags that share an image cost one
    /// manifest request each, not a configuration read too.
    pub async fn describe_once(
        &self,
        repository: &str,
        reference: &str,
        seen: &mut Vec<ImageMetadata>,
    ) -> Result<ImageMetadata, RegistryError> {
        let fetched = self.manifest(repository, reference).await?;
        if let Some(known) = seen.iter().find(|m| m.digest == fetched.digest) {
            return Ok(known.clone());
        }
        let meta = self.describe_fetched(repository, fetched).await?;
        seen.push(meta.clone());
        Ok(meta)
    }

    async fn describe_fetched(
        &self,
        repository: &str,
        fetched: FetchedManifest,
    ) -> Result<ImageMetadata, RegistryError> {
        let mut meta = ImageMetadata {
            digest: fetched.digest.clone(),
            media_type: fetched.media_type.clone(),
            ..Default::default()
        };
        match &fetched.manifest {
            Manifest::Image { config, layers, .. } => {
                let facts = self.config_facts(repository, &config.digest).await;
                meta.size = image_size(config, layers);
                meta.layers = i32::try_from(layers.len()).unwrap_or(i32::MAX);
                meta.image_id = Some(config.digest.clone());
                meta.created = facts.created;
                meta.labels = facts.labels;
            }
            Manifest::Index { manifests } => {
                for child in manifests.iter().take(MAX_INDEX_CHILDREN) {
                    let size = match self.manifest(repository, &child.digest).await {
                        Ok(FetchedManifest {
                            manifest: Manifest::Image { config, layers, .. },
                            ..
                        }) => image_size(&config, &layers),
                        _ => child.size,
                    };
                    meta.size = meta.size.saturating_add(size);
                    let platform = child.platform.clone().unwrap_or(Platform {
                        os: "unknown".into(),
                        architecture: "unknown".into(),
                        variant: None,
                    });
                    meta.platforms.push(PlatformImage {
                        platform,
                        digest: child.digest.clone(),
                        size,
                    });
                }
            }
            Manifest::Other => meta.size = fetched.size,
        }
        Ok(meta)
    }

    /// What Portunus records about an untagged manifest that refers to
    /// another through OCI `subject` (a signature, an SBOM); None for any
    /// other manifest (an image of an index, say).
    pub async fn describe_artifact(
        &self,
        repository: &str,
        digest: &str,
    ) -> Result<Option<ImageMetadata>, RegistryError> {
        let fetched = self.manifest(repository, digest).await?;
        let Manifest::Image {
            config,
            layers,
            subject: Some(subject),
            artifact_type,
        } = &fetched.manifest
        else {
            return Ok(None);
        };
        Ok(Some(ImageMetadata {
            digest: fetched.digest.clone(),
            media_type: fetched.media_type.clone(),
            size: fetched.size.saturating_add(image_size(config, layers)),
            layers: i32::try_from(layers.len()).unwrap_or(i32::MAX),
            subject: Some(subject.digest.clone()),
            artifact_type: artifact_type
                .clone()
                .or_else(|| Some(config.media_type.clone())),
            ..Default::default()
        }))
    }

    /// The layers of an image (none for an index) with the runtime facts
    /// of its configuration.
    pub async fn layers(
        &self,
        repository: &str,
        reference: &str,
    ) -> Result<(Vec<Descriptor>, manifest::RuntimeFacts), RegistryError> {
        let fetched = self.manifest(repository, reference).await?;
        match fetched.manifest {
            Manifest::Image { config, layers, .. } => {
                let config = self.blob_json(repository, &config.digest).await?;
                Ok((layers, manifest::runtime_facts(&config)))
            }
            _ => Ok((Vec::new(), manifest::RuntimeFacts::default())),
        }
    }

    async fn config_facts(&self, repository: &str, digest: &str) -> ConfigFacts {
        match self.blob_json(repository, digest).await {
            Ok(config) => manifest::config_facts(&config),
            Err(e) => {
                tracing::warn!(%repository, %digest, error = %e, "cannot read an image configuration");
                ConfigFacts::default()
            }
        }
    }
}

/// Bytes of a configuration and its layers, as the manifest states them
/// (saturating: a manifest may claim anything).
/// A response header as text, if present and readable.
fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn image_size(config: &Descriptor, layers: &[Descriptor]) -> i64 {
    layers
        .iter()
        .map(|l| l.size.max(0))
        .fold(config.size.max(0), i64::saturating_add)
}

#[cfg(test)]
mod tests {
    //! Deleting one tag that shares its image, against a stand-in registry
    //! that answers like Distribution 3 (deletes tags) or 2.x (does not).
    //! The real 2.x registry is exercised end to end in the e2e tests.

    use super::*;
    use poem::listener::{Acceptor, Listener, TcpListener};
    use poem::{EndpointExt, IntoResponse, Request, Response, Route, Server, handler};

    type Log = Arc<Mutex<Vec<String>>>;

    #[handler]
    fn record(req: &Request, poem::web::Data(state): poem::web::Data<&(Log, bool)>) -> Response {
        let (log, deletes_tags) = state;
        let line = format!("{} {}", req.method(), req.uri().path());
        log.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.clone());
        let status = |code: u16| poem::http::StatusCode::from_u16(code).unwrap_or_default();
        match req.method().as_str() {
            "DELETE" if line.ends_with("/manifests/v1") => {
                if *deletes_tags {
                    status(202).into_response()
                } else {
                    r#"{"errors":[{"code":"DIGEST_INVALID"}]}"#
                        .with_status(status(400))
                        .into_response()
                }
            }
            "POST" => Response::builder()
                .status(status(202))
                .header("Location", "/upload/1")
                .finish(),
            _ => status(201).into_response(),
        }
    }

    async fn stand_in(deletes_tags: bool) -> (RegistryClient, Log) {
        let log: Log = Arc::new(Mutex::new(Vec::new()));
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind");
        let port = acceptor.local_addr()[0]
            .as_socket_addr()
            .map(|a| a.port())
            .expect("port");
        let app = Route::new()
            .at("/*path", record)
            .data((log.clone(), deletes_tags));
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        let dir = tempfile::tempdir().expect("temp dir");
        let config = crate::config::Config {
            data_dir: dir.keep(),
            ..Default::default()
        };
        let signer = TokenSigner::load_or_generate(&config).expect("key");
        let client = RegistryClient::new(
            &format!("http://127.0.0.1:{port}"),
            Arc::new(signer),
            config.token.clone(),
        );
        (client, log)
    }

    fn requests(log: &Log) -> Vec<String> {
        log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    #[tokio::test]
    async fn a_registry_that_deletes_tags_is_asked_to_delete_just_the_tag() {
        let (client, log) = stand_in(true).await;
        for _ in 0..2 {
            client
                .delete_tag("app", "v1", "sha256:abc", true)
                .await
                .expect("deleted");
        }
        assert_eq!(
            requests(&log),
            ["DELETE /v2/app/manifests/v1", "DELETE /v2/app/manifests/v1"]
        );
    }

    #[tokio::test]
    async fn on_2x_the_tag_moves_to_a_throwaway_manifest_which_is_deleted() {
        let (client, log) = stand_in(false).await;
        client
            .delete_tag("app", "v1", "sha256:abc", true)
            .await
            .expect("deleted");
        let first = requests(&log);
        assert_eq!(first[0], "DELETE /v2/app/manifests/v1", "{first:?}");
        assert!(
            first[1].starts_with("POST /v2/app/blobs/uploads"),
            "{first:?}"
        );
        assert_eq!(first[3], "PUT /v2/app/manifests/v1", "{first:?}");
        assert!(
            first[4].starts_with("DELETE /v2/app/manifests/sha256:") && !first[4].ends_with("abc"),
            "the throwaway goes, not the shared image: {first:?}"
        );
        // Learnt: the next delete skips the tag request.
        client
            .delete_tag("app", "v1", "sha256:abc", true)
            .await
            .expect("deleted");
        let second = &requests(&log)[first.len()..];
        assert!(
            second[0].starts_with("POST /v2/app/blobs/uploads"),
            "{second:?}"
        );
        // A tag alone on its image goes with its manifest.
        client
            .delete_tag("app", "solo", "sha256:def", false)
            .await
            .expect("deleted");
        assert_eq!(
            requests(&log).last().map(String::as_str),
            Some("DELETE /v2/app/manifests/sha256:def")
        );
    }
}
