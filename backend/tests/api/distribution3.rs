//! Tokens as Distribution 3 checks them, configured by the 3.x form of
//! `portunus registry-config`. No 3.x binary installs on these machines, so
//! [`Registry3`], a verifier that follows its rules as
//! `../shared/reference/registry-auth.md` gives them, stands in for it.

use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use portunus::config::KeyAlgorithm;
use portunus::registry::config_file::{Distribution, Target, render};
use serde_json::Value;
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

use crate::kit::{Kit, PASSWORD, basic, kits_with};

/// What a Distribution 3 registry trusts, read from its configuration file.
struct Registry3 {
    issuer: String,
    service: String,
    algorithms: Vec<Algorithm>,
    /// The DER certificates of `rootcertbundle`.
    bundle: Vec<Vec<u8>>,
}

/// The value of `key:` in the rendered configuration: a JSON-quoted scalar
/// or flow list as `registry-config` writes most, or a plain word.
fn setting(yaml: &str, key: &str) -> Value {
    let prefix = format!("{key}: ");
    let line = yaml
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {key} in\n{yaml}"));
    let value = &line[prefix.len()..];
    serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()))
}

fn pem_certificates(pem: &str) -> Vec<Vec<u8>> {
    let mut certificates = Vec::new();
    let mut body = None::<String>;
    for line in pem.lines() {
        match (line, &mut body) {
            ("-----BEGIN CERTIFICATE-----", _) => body = Some(String::new()),
            ("-----END CERTIFICATE-----", Some(text)) => {
                certificates.push(data_encoding::BASE64.decode(text.as_bytes()).unwrap());
                body = None;
            }
            (line, Some(text)) => text.push_str(line.trim()),
            _ => {}
        }
    }
    certificates
}

/// The public key of a DER certificate, as a JWK (for thumbprints) and for
/// verifying signatures.
fn certificate_key(der: &[u8]) -> Result<(Jwk, DecodingKey), String> {
    let (_, certificate) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
    let b64 = |bytes: &[u8]| data_encoding::BASE64URL_NOPAD.encode(bytes);
    let strip = |bytes: &[u8]| {
        let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
        bytes[start..].to_vec()
    };
    let spki = certificate.public_key();
    let jwk = match spki.parsed().map_err(|e| e.to_string())? {
        PublicKey::RSA(rsa) => serde_json::json!({
            "kty": "RSA", "n": b64(&strip(rsa.modulus)), "e": b64(&strip(rsa.exponent)),
        }),
        PublicKey::EC(point) => {
            let data = point.data();
            assert_eq!(data.len(), 65, "an uncompressed P-256 point");
            serde_json::json!({
                "kty": "EC", "crv": "P-256", "x": b64(&data[1..33]), "y": b64(&data[33..]),
            })
        }
        other => return Err(format!("unsupported key {other:?}")),
    };
    let jwk: Jwk = serde_json::from_value(jwk).map_err(|e| e.to_string())?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    Ok((jwk, key))
}

impl Registry3 {
    /// Reads the configuration as the registry would.
    fn configured_by(yaml: &str) -> Registry3 {
        let algorithms = setting(yaml, "signingalgorithms")
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().parse::<Algorithm>().unwrap())
            .collect();
        let bundle_path = setting(yaml, "rootcertbundle");
        let bundle = std::fs::read_to_string(bundle_path.as_str().unwrap()).unwrap();
        Registry3 {
            issuer: setting(yaml, "issuer").as_str().unwrap().into(),
            service: setting(yaml, "service").as_str().unwrap().into(),
            algorithms,
            bundle: pem_certificates(&bundle),
        }
    }

    /// The key that signed the token, found the way 3.x looks for it: the
    /// first JOSE header's `x5c` is verified against `rootcertbundle` and,
    /// when it verifies, `kid` is never looked at; without `x5c`, `kid` must
    /// name a key of the JWKS file or be the RFC 7638 thumbprint of a bundle
    /// certificate's key (the libtrust ids of 2.x are not recognised).
    fn signing_key(&self, header: &Header) -> Result<DecodingKey, String> {
        if let Some(chain) = &header.x5c {
            let leaf = chain.first().ok_or("an empty x5c")?;
            let leaf = data_encoding::BASE64
                .decode(leaf.as_bytes())
                .map_err(|e| format!("x5c is not base64: {e}"))?;
            let (_, certificate) = X509Certificate::from_der(&leaf).map_err(|e| e.to_string())?;
            // Go refuses negative serial numbers since 1.23.
            if certificate.raw_serial().first().is_some_and(|b| *b >= 0x80) {
                return Err("negative serial number".into());
            }
            if !certificate.validity().is_valid() {
                return Err("certificate outside its validity".into());
            }
            // Portunus's certificate is self-signed: its chain is itself,
            // and it verifies when the bundle holds it.
            if !self.bundle.contains(&leaf) {
                return Err("x509: certificate signed by unknown authority".into());
            }
            return certificate_key(&leaf).map(|(_, key)| key);
        }
        let kid = header
            .kid
            .as_deref()
            .ok_or("unable to get token signing key")?;
        for der in &self.bundle {
            let (jwk, key) = certificate_key(der)?;
            if jwk.thumbprint(ThumbprintHash::SHA256) == kid {
                return Ok(key);
            }
        }
        Err(format!("token signed by untrusted key with ID: {kid:?}"))
    }

    /// The token's claims if 3.x accepts it: the algorithm must be one of
    /// `signingalgorithms`; `iss` is the issuer, `aud` holds the service,
    /// `exp` and `nbf` allow 60 s of skew.
    fn verify(&self, token: &str) -> Result<Value, String> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
        if !self.algorithms.contains(&header.alg) {
            return Err(format!("unexpected signature algorithm {:?}", header.alg));
        }
        let key = self.signing_key(&header)?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = 60;
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.service]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        jsonwebtoken::decode::<Value>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| e.to_string())
    }
}

fn registry_for(kit: &Kit) -> Registry3 {
    let yaml = render(
        &kit.state.config,
        &Target::configured(&kit.state.config).expect("target"),
        None,
        Distribution::V3,
    )
    .expect("config renders");
    Registry3::configured_by(&yaml)
}

async fn push_token(kit: &Kit) -> String {
    kit.create_user("alice").await;
    let answer = kit
        .send(
            kit.client
                .get("/v2/token?service=registry&scope=repository:alice/app:pull,push")
                .header("Authorization", basic("alice", PASSWORD)),
        )
        .await;
    answer.assert_status(200, kit.backend);
    answer.json()["token"].as_str().unwrap().to_owned()
}

fn kits_signing(algorithm: KeyAlgorithm) -> impl Future<Output = Vec<Kit>> {
    kits_with(move |c| c.token.algorithm = algorithm)
}

#[tokio::test]
async fn distribution_3_accepts_the_tokens_by_their_certificate() {
    for (algorithm, name) in [
        (KeyAlgorithm::Es256, Algorithm::ES256),
        (KeyAlgorithm::Rs256, Algorithm::RS256),
    ] {
        for kit in kits_signing(algorithm).await {
            let registry = registry_for(&kit);
            assert_eq!(registry.algorithms, [name], "{}", kit.backend);
            let token = push_token(&kit).await;
            let claims = registry
                .verify(&token)
                .unwrap_or_else(|e| panic!("{} {name:?}: refused: {e}", kit.backend));
            assert_eq!(claims["sub"], "alice");
            assert_eq!(claims["access"][0]["name"], "alice/app");
            assert_eq!(
                claims["access"][0]["actions"],
                serde_json::json!(["pull", "push"])
            );
        }
    }
}

#[tokio::test]
async fn distribution_3_refuses_what_its_bundle_and_settings_do_not_vouch_for() {
    let other = kits_signing(KeyAlgorithm::Es256).await.remove(0);
    let stranger = registry_for(&other);
    for kit in kits_signing(KeyAlgorithm::Es256).await {
        let registry = registry_for(&kit);
        let token = push_token(&kit).await;
        registry.verify(&token).expect("the genuine token");

        // Another installation's registry does not know this certificate.
        let refused = stranger.verify(&token).unwrap_err();
        assert!(refused.contains("unknown authority"), "{refused}");

        // A token altered after signing.
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let (header, claims) = signed.split_once('.').unwrap();
        let mut forged: Value = serde_json::from_slice(
            &data_encoding::BASE64URL_NOPAD
                .decode(claims.as_bytes())
                .unwrap(),
        )
        .unwrap();
        forged["access"][0]["name"] = "bob/app".into();
        let forged = format!(
            "{header}.{}.{signature}",
            data_encoding::BASE64URL_NOPAD.encode(forged.to_string().as_bytes())
        );
        let refused = registry.verify(&forged).unwrap_err();
        assert!(refused.contains("InvalidSignature"), "{refused}");

        // A registry that only accepts RSA.
        let rsa_only = Registry3 {
            algorithms: vec![Algorithm::RS256],
            ..registry_for(&kit)
        };
        let refused = rsa_only.verify(&token).unwrap_err();
        assert!(refused.contains("algorithm"), "{refused}");
    }
}

/// Without `x5c`, 3.x resolves `kid` only among thumbprints: the verifier
/// above follows that rule (checked here with tokens signed by the same key
/// but carrying only a `kid`), so its acceptance of Portunus's tokens rests
/// on their certificate, as it would in the registry.
#[tokio::test]
async fn without_a_certificate_only_the_thumbprint_kid_is_resolved() {
    for kit in kits_signing(KeyAlgorithm::Es256).await {
        let registry = registry_for(&kit);
        let genuine = push_token(&kit).await;
        let claims = registry.verify(&genuine).unwrap();
        let pem = std::fs::read(kit.state.config.key_path()).unwrap();
        let key = EncodingKey::from_ec_pem(&pem).unwrap();
        let (thumbprint_jwk, _) = certificate_key(&registry.bundle[0]).unwrap();
        let sign_with_kid = |kid: &str| {
            let mut header = Header::new(Algorithm::ES256);
            header.kid = Some(kid.into());
            jsonwebtoken::encode(&header, &claims, &key).unwrap()
        };

        let libtrust = sign_with_kid(kit.state.signer.key_id());
        let refused = registry.verify(&libtrust).unwrap_err();
        assert!(refused.contains("untrusted key"), "{refused}");

        let thumbprint = thumbprint_jwk.thumbprint(ThumbprintHash::SHA256);
        let accepted = registry.verify(&sign_with_kid(&thumbprint)).unwrap();
        assert_eq!(accepted["sub"], "alice");
    }
}
