//! The key that signs registry tokens: generated on first start (RSA-2048 or
//! ECDSA P-256, mode 0600) with a self-signed certificate beside it, and the
//! two ways a registry identifies it: the libtrust `kid` (distribution 2.x)
//! and the certificate chain in `x5c` (checked against `rootcertbundle`).
//! Everything is prepared at start, so signing a token is one signature and
//! two base64 encodings.

use std::path::Path;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _,
    RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey,
};
use jsonwebtoken::{Algorithm, Header};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PublicKeyData};
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::{Config, KeyAlgorithm};
use crate::crypto::secrets::create_private_file;

#[derive(Debug, thiserror::Error)]
pub enum SigningError {
    #[error("cannot read or write {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the signing key in {path} is not usable: {reason}")]
    BadKey { path: String, reason: String },
    #[error("could not sign a token: {0}")]
    Sign(String),
}

/// An ES256 signature: r and s, 32 bytes each.
const ES256_SIGNATURE_LEN: usize = 64;

/// The private key, ready to sign.
enum SigningKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// Signs tokens with one key; holds everything precomputed so signing is the
/// only work per token. The key is parsed once, at start, into an aws-lc key
/// pair, and the JWT header is encoded once (jsonwebtoken's `encode` parses
/// the key again for every token, which for ECDSA costs as much as the
/// signature itself).
pub struct TokenSigner {
    key: SigningKey,
    /// The JWT header, base64url-encoded once.
    encoded_header: String,
    algorithm: Algorithm,
    key_id: String,
    certificate_pem: String,
    random: SystemRandom,
}

impl TokenSigner {
    /// Loads the configured key and certificate, generating either when absent.
    pub fn load_or_generate(config: &Config) -> Result<TokenSigner, SigningError> {
        let key_path = config.key_path();
        let cert_path = config.certificate_path();
        if !key_path.exists() {
            let pem = generate_private_key(config.token.algorithm)?;
            create_private_file(&key_path, pem.as_bytes()).map_err(io_error(&key_path))?;
            tracing::info!(path = %key_path.display(), "generated a new token signing key");
        }
        let key_pem = std::fs::read_to_string(&key_path).map_err(io_error(&key_path))?;
        let key_pair = parse_key_pair(&key_pem, &key_path)?;
        if !cert_path.exists() {
            let pem = self_signed_certificate(&key_pair, &config.token.issuer, &key_path)?;
            create_private_file(&cert_path, pem.as_bytes()).map_err(io_error(&cert_path))?;
        }
        let certificate_pem = std::fs::read_to_string(&cert_path).map_err(io_error(&cert_path))?;
        let certificate_der = pem_body(&certificate_pem).ok_or_else(|| SigningError::BadKey {
            path: cert_path.display().to_string(),
            reason: "no PEM CERTIFICATE block".into(),
        })?;
        Self::from_parts(
            &key_pem,
            &key_pair,
            &certificate_der,
            certificate_pem.clone(),
            &key_path,
        )
    }

    fn from_parts(
        key_pem: &str,
        key_pair: &KeyPair,
        certificate_der: &[u8],
        certificate_pem: String,
        key_path: &Path,
    ) -> Result<TokenSigner, SigningError> {
        let bad = |reason: String| SigningError::BadKey {
            path: key_path.display().to_string(),
            reason,
        };
        let pkcs8 = pem_body(key_pem).ok_or_else(|| bad("no PEM PRIVATE KEY block".into()))?;
        let (algorithm, key) = if key_pair.algorithm() == &rcgen::PKCS_ECDSA_P256_SHA256 {
            let parsed = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8);
            let parsed = parsed.map_err(|e| bad(e.to_string()))?;
            (Algorithm::ES256, SigningKey::Ecdsa(parsed))
        } else if key_pair.algorithm() == &rcgen::PKCS_RSA_SHA256 {
            let parsed = RsaKeyPair::from_pkcs8(&pkcs8).map_err(|e| bad(e.to_string()))?;
            (Algorithm::RS256, SigningKey::Rsa(parsed))
        } else {
            return Err(bad("only RSA and ECDSA P-256 keys are supported".into()));
        };
        let key_id = libtrust_key_id(&key_pair.subject_public_key_info());
        let mut header = Header::new(algorithm);
        header.typ = Some("JWT".into());
        header.kid = Some(key_id.clone());
        header.x5c = Some(vec![data_encoding::BASE64.encode(certificate_der)]);
        let header_json = serde_json::to_vec(&header).map_err(|e| bad(e.to_string()))?;
        Ok(TokenSigner {
            key,
            encoded_header: data_encoding::BASE64URL_NOPAD.encode(&header_json),
            algorithm,
            key_id,
            certificate_pem,
            random: SystemRandom::new(),
        })
    }

    /// Signs `claims` as a JWT carrying `typ`, `kid` and `x5c`. The token is
    /// written into one buffer of its final size.
    pub fn sign(&self, claims: &impl Serialize) -> Result<String, SigningError> {
        let failed = |e: &dyn std::fmt::Display| SigningError::Sign(e.to_string());
        let claims = serde_json::to_vec(claims).map_err(|e| failed(&e))?;
        let b64 = data_encoding::BASE64URL_NOPAD;
        let signature_len = match &self.key {
            SigningKey::Ecdsa(_) => ES256_SIGNATURE_LEN,
            SigningKey::Rsa(key) => key.public_modulus_len(),
        };
        let mut token = String::with_capacity(
            self.encoded_header.len()
                + b64.encode_len(claims.len())
                + b64.encode_len(signature_len)
                + 2,
        );
        token.push_str(&self.encoded_header);
        token.push('.');
        b64.encode_append(&claims, &mut token);
        let signature = match &self.key {
            SigningKey::Ecdsa(key) => key
                .sign(&self.random, token.as_bytes())
                .map_err(|e| failed(&e))?
                .as_ref()
                .to_vec(),
            SigningKey::Rsa(key) => {
                let mut signature = vec![0; signature_len];
                key.sign(
                    &RSA_PKCS1_SHA256,
                    &self.random,
                    token.as_bytes(),
                    &mut signature,
                )
                .map_err(|e| failed(&e))?;
                signature
            }
        };
        token.push('.');
        b64.encode_append(&signature, &mut token);
        Ok(token)
    }

    /// The claims (JSON) of `token` when this key signed it: its header is
    /// this signer's, byte for byte, and the signature holds. `None` for
    /// any other token, including one of an earlier key.
    pub fn verify(&self, token: &str) -> Option<Vec<u8>> {
        let b64 = data_encoding::BASE64URL_NOPAD;
        let (signed, signature) = token.rsplit_once('.')?;
        let (header, claims) = signed.split_once('.')?;
        if header != self.encoded_header {
            return None;
        }
        let signature = b64.decode(signature.as_bytes()).ok()?;
        let holds = match &self.key {
            SigningKey::Ecdsa(key) => {
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.public_key().as_ref())
                    .verify(signed.as_bytes(), &signature)
            }
            SigningKey::Rsa(key) => {
                UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, key.public_key().as_ref())
                    .verify(signed.as_bytes(), &signature)
            }
        };
        holds.ok()?;
        b64.decode(claims.as_bytes()).ok()
    }

    /// The JWT algorithm of the key (`RS256` or `ES256`), as registries name it.
    pub fn algorithm(&self) -> &'static str {
        match self.algorithm {
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The PEM certificate to give the registry as `rootcertbundle`.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> SigningError + '_ {
    move |source| SigningError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn generate_private_key(algorithm: KeyAlgorithm) -> Result<String, SigningError> {
    let failed = |reason: String| SigningError::BadKey {
        path: "(new key)".into(),
        reason,
    };
    match algorithm {
        KeyAlgorithm::Rs256 => {
            let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048)
                .map_err(|e| failed(e.to_string()))?;
            let pem = key
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| failed(e.to_string()))?;
            Ok(pem.to_string())
        }
        KeyAlgorithm::Es256 => {
            let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
                .map_err(|e| failed(e.to_string()))?;
            Ok(key.serialize_pem())
        }
    }
}

fn parse_key_pair(pem: &str, path: &Path) -> Result<KeyPair, SigningError> {
    let bad = |e: rcgen::Error| SigningError::BadKey {
        path: path.display().to_string(),
        reason: format!("{e} (expected a PKCS#8 'PRIVATE KEY' PEM, RSA or ECDSA P-256)"),
    };
    // ring cannot guess RSA from PKCS#8 alone; try the algorithms we support.
    KeyPair::from_pem(pem)
        .or_else(|_| KeyPair::from_pkcs8_pem_and_sign_algo(pem, &rcgen::PKCS_RSA_SHA256))
        .map_err(bad)
}

fn self_signed_certificate(
    key: &KeyPair,
    issuer: &str,
    path: &Path,
) -> Result<String, SigningError> {
    let bad = |e: rcgen::Error| SigningError::BadKey {
        path: path.display().to_string(),
        reason: format!("cannot make its certificate: {e}"),
    };
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(bad)?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("{issuer} token signing"));
    params.distinguished_name = name;
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2099, 12, 31);
    Ok(params.self_signed(key).map_err(bad)?.pem())
}

/// The contents of the first PEM block, decoded.
fn pem_body(pem: &str) -> Option<Vec<u8>> {
    let base64: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    data_encoding::BASE64.decode(base64.trim().as_bytes()).ok()
}

/// The key id libtrust (Docker Distribution 2.x) derives from a public key:
/// SHA-256 of the DER SubjectPublicKeyInfo, first 240 bits, base32 without
/// padding, in 12 groups of 4 characters joined by `:`.
pub fn libtrust_key_id(subject_public_key_info_der: &[u8]) -> String {
    let digest = Sha256::digest(subject_public_key_info_der);
    let encoded = data_encoding::BASE32_NOPAD.encode(&digest[..30]);
    encoded
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
    use x509_parser::prelude::*;

    fn config_in(dir: &Path, algorithm: KeyAlgorithm) -> Config {
        let mut config = Config {
            data_dir: dir.to_owned(),
            ..Config::default()
        };
        config.token.algorithm = algorithm;
        config
    }

    #[test]
    fn key_id_has_libtrust_shape() {
        let kid = libtrust_key_id(b"anything");
        assert_eq!(kid.len(), 12 * 4 + 11);
        assert!(kid.split(':').all(|g| g.len() == 4));
    }

    fn check_round_trip(algorithm: KeyAlgorithm) {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path(), algorithm);
        let signer = TokenSigner::load_or_generate(&config).unwrap();
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(config.key_path()).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);

        #[derive(Serialize, serde::Deserialize)]
        struct Claims {
            sub: String,
            exp: i64,
        }
        let exp = chrono::Utc::now().timestamp() + 600;
        let token = signer
            .sign(&Claims {
                sub: "alice".into(),
                exp,
            })
            .unwrap();

        // The header names the certificate's key both ways the registry looks.
        let header = decode_header(&token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        let x5c = header.x5c.clone().unwrap();
        let cert_der = data_encoding::BASE64.decode(x5c[0].as_bytes()).unwrap();
        let (_, cert) = X509Certificate::from_der(&cert_der).unwrap();
        let spki = cert.public_key();
        assert_eq!(
            header.kid.as_deref(),
            Some(libtrust_key_id(spki.raw).as_str())
        );
        let pem_der = pem_body(signer.certificate_pem()).unwrap();
        assert_eq!(
            pem_der, cert_der,
            "x5c[0] is the certificate given to the registry"
        );

        // And the certificate's key verifies the signature.
        let key_bits = &spki.subject_public_key.data;
        let decoding = match algorithm {
            KeyAlgorithm::Rs256 => DecodingKey::from_rsa_der(key_bits),
            KeyAlgorithm::Es256 => DecodingKey::from_ec_der(key_bits),
        };
        let data = decode::<Claims>(&token, &decoding, &Validation::new(header.alg)).unwrap();
        assert_eq!(data.claims.sub, "alice");

        // The signer reads its own tokens back, and nothing else.
        let claims: Claims = serde_json::from_slice(&signer.verify(&token).unwrap()).unwrap();
        assert_eq!((claims.sub.as_str(), claims.exp), ("alice", exp));
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let (header_part, _) = signed.split_once('.').unwrap();
        let forged_claims = data_encoding::BASE64URL_NOPAD.encode(b"{\"sub\":\"root\"}");
        for forged in [
            format!("{header_part}.{forged_claims}.{signature}"),
            format!("{signed}.{}", &signature[1..]),
            format!("eyJhbGciOiJub25lIn0.{forged_claims}."),
            token.replacen('.', "..", 1),
        ] {
            assert_eq!(signer.verify(&forged), None, "{forged}");
        }
        let other_dir = tempfile::tempdir().unwrap();
        let other = TokenSigner::load_or_generate(&config_in(other_dir.path(), algorithm)).unwrap();
        assert_eq!(other.verify(&token), None, "another key's token");

        // Loading again reuses the same key.
        let again = TokenSigner::load_or_generate(&config).unwrap();
        assert_eq!(again.key_id(), signer.key_id());
    }

    #[test]
    fn rsa_key_round_trip() {
        check_round_trip(KeyAlgorithm::Rs256);
    }

    #[test]
    fn ecdsa_key_round_trip() {
        check_round_trip(KeyAlgorithm::Es256);
    }

    #[test]
    fn garbage_key_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let config = config_in(dir.path(), KeyAlgorithm::Rs256);
        std::fs::write(config.key_path(), "not a key").unwrap();
        let err = TokenSigner::load_or_generate(&config)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("not usable"), "{err}");
    }
}
