//! Mailed links at the domain level, with time passed in: password-reset
//! links (expiry, single use, the rules of a new password) and links that
//! confirm an address (expiry, single use, only the address mailed to);
//! and the endpoints without mail.

use chrono::{Duration, Utc};
use portunus::accounts::{email_confirmation, recovery};
use portunus::crypto::secrets::sha256_hex;
use portunus::db::entities::{email_confirmation as link, password_reset};
use portunus::error::Error;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

use crate::kit::{As, kits};

#[tokio::test]
async fn a_link_works_once_and_only_until_it_expires() {
    for kit in kits().await {
        let alice = kit.create_user("alice").await.user;
        let now = Utc::now();
        for (secret, expires) in [
            ("secret-one", now + Duration::hours(1)),
            ("secret-two", now),
        ] {
            password_reset::ActiveModel {
                token_hash: Set(sha256_hex(secret)),
                user_id: Set(alice.id),
                purpose: Set("reset".into()),
                created_at: Set(now - Duration::minutes(1)),
                expires_at: Set(expires),
            }
            .insert(&kit.state.db)
            .await
            .expect("a link");
        }
        let complete = |secret: &'static str, password: &'static str, at| {
            recovery::complete(&kit.state.db, None, secret, password.into(), at)
        };
        let expired = complete("secret-two", "a-good-new-password", now).await;
        assert!(
            matches!(expired, Err(Error::InvalidInput(ref m)) if m.contains("expired")),
            "{expired:?}"
        );
        let late = complete(
            "secret-one",
            "a-good-new-password",
            now + Duration::hours(2),
        )
        .await;
        assert!(matches!(late, Err(Error::InvalidInput(_))), "{late:?}");
        let weak = complete("secret-one", "short", now).await;
        assert!(
            matches!(weak, Err(Error::InvalidInput(ref m)) if m.contains("8 to 128")),
            "{weak:?}"
        );
        let done = complete("secret-one", "a-good-new-password", now).await;
        assert_eq!(done.expect("set").username, "alice");
        let again = complete("secret-one", "another-good-password", now).await;
        assert!(matches!(again, Err(Error::InvalidInput(_))), "{again:?}");
        let session = kit
            .call(
                &As::Nobody,
                "POST",
                "/api/v1/session",
                Some(json!({"username": "alice", "password": "a-good-new-password"})),
            )
            .await;
        session.assert_status(200, "the new password works");
    }
}

#[tokio::test]
async fn without_mail_settings_there_is_no_recovery() {
    for kit in kits().await {
        let info = kit.call(&As::Nobody, "GET", "/api/v1/info", None).await;
        assert_eq!(info.json()["password_reset"], false);
        let asked = kit
            .call(
                &As::Nobody,
                "POST",
                "/api/v1/password-reset",
                Some(json!({"user": "alice"})),
            )
            .await;
        asked.assert_client_error(404, "recovery is off");
        assert!(asked.text.contains("[mail]"), "{}", asked.text);
        let completed = kit
            .call(
                &As::Nobody,
                "POST",
                "/api/v1/password-reset/complete",
                Some(json!({"token": "x", "new_password": "a-good-new-password"})),
            )
            .await;
        completed.assert_client_error(404, "recovery is off");
    }
}

#[tokio::test]
async fn an_address_link_confirms_once_until_it_expires_and_only_its_address() {
    for kit in kits().await {
        let alice = kit.create_user("alice").await.user;
        let as_alice = kit.sign_in("alice").await;
        let now = Utc::now();
        let changed = kit
            .call(
                &as_alice,
                "PATCH",
                "/api/v1/users/alice",
                Some(json!({"email": "alice@example.org"})),
            )
            .await;
        changed.assert_status(200, "an address");
        assert_eq!(changed.json()["email_verified"], false);
        for (secret, email, expires) in [
            ("fresh", "alice@example.org", now + Duration::hours(1)),
            ("stale", "alice@example.org", now),
            (
                "old-address",
                "alice@old.example.org",
                now + Duration::hours(1),
            ),
        ] {
            link::ActiveModel {
                token_hash: Set(sha256_hex(secret)),
                user_id: Set(alice.id),
                email: Set(email.into()),
                created_at: Set(now - Duration::minutes(1)),
                expires_at: Set(expires),
            }
            .insert(&kit.state.db)
            .await
            .expect("a link");
        }
        let confirm =
            |secret: &'static str, at| email_confirmation::confirm(&kit.state.db, secret, at);
        for (secret, at, why) in [
            ("stale", now, "expired"),
            ("fresh", now + Duration::hours(2), "expired by then"),
            ("old-address", now, "mailed to another address"),
            ("unknown", now, "no such link"),
        ] {
            let refused = confirm(secret, at).await;
            assert!(
                matches!(refused, Err(Error::InvalidInput(ref m)) if m.contains("unknown, used or expired")),
                "{why}: {refused:?}"
            );
        }
        let me = kit.call(&as_alice, "GET", "/api/v1/me", None).await;
        assert_eq!(me.json()["email_verified"], false, "nothing confirmed yet");
        let done = confirm("fresh", now).await.expect("confirmed");
        assert!(done.email_verified_at.is_some());
        let me = kit.call(&as_alice, "GET", "/api/v1/me", None).await;
        assert_eq!(me.json()["email_verified"], true);
        let again = confirm("fresh", now).await;
        assert!(matches!(again, Err(Error::InvalidInput(_))), "{again:?}");
        // A new address is unconfirmed again.
        let changed = kit
            .call(
                &as_alice,
                "PATCH",
                "/api/v1/users/alice",
                Some(json!({"email": "alice@new.example.org"})),
            )
            .await;
        changed.assert_status(200, "another address");
        assert_eq!(changed.json()["email_verified"], false);
        // Without [mail] nothing can be mailed nor confirmed.
        let asked = kit
            .call(
                &as_alice,
                "POST",
                "/api/v1/users/alice/email-confirmation",
                None,
            )
            .await;
        asked.assert_status(409, "no mail here");
        assert!(asked.text.contains("[mail]"), "{}", asked.text);
    }
}
