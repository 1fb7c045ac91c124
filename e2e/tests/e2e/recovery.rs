//! "Forgot your password?" end to end, with a real SMTP server: the mail,
//! its single-use link, the new password, and nothing for unknown names.

use portunus_e2e::peers::SmtpSink;
use portunus_e2e::{Api, PASSWORD, Stack, require, token_login};
use serde_json::{Value, json};

/// `POST /api/v1/PATH` with a JSON body, unauthenticated: status and body.
fn post(stack: &Stack, path: &str, body: Value) -> (u16, String) {
    let response = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1{path}", stack.portunus_url()))
        .json(&body)
        .send()
        .expect("request");
    (
        response.status().as_u16(),
        response.text().unwrap_or_default(),
    )
}

/// The text of a mail with quoted-printable soft line breaks undone.
fn readable(mail: &str) -> String {
    mail.replace("=\r\n", "").replace("=3D", "=")
}

/// The secret of the reset link in `mail`.
fn token_in(mail: &str) -> String {
    let link = link_in(mail);
    link.split("#token=").nth(1).unwrap_or_default().to_owned()
}

/// The reset link in `mail`, whole.
pub fn link_in(mail: &str) -> String {
    let text = readable(mail);
    let marker = "/reset-password#token=";
    let end = text.find(marker).expect("a reset link") + marker.len();
    let start = text[..end].rfind("http").expect("an absolute link");
    let secret: String = text[end..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    format!("{}{secret}", &text[start..end])
}

/// A stack sending mail to an SMTP sink in `dir`, with the administrator
/// root (signed in) and alice (password [`PASSWORD`], alice@example.org);
/// `None` when a tool is missing outside CI.
pub fn mail_stack(dir: &tempfile::TempDir) -> Option<(SmtpSink, Stack, Api)> {
    let smtp = SmtpSink::start(&dir.path().join("mail"))?;
    let stack = Stack::start_with(&smtp.settings());
    stack.create_user("root");
    let root = Api::sign_in(&stack, "root");
    root.call(
        "POST",
        "/users",
        Some(json!({"username": "alice", "password": PASSWORD, "email": "alice@example.org"})),
    );
    Some((smtp, stack, root))
}

#[test]
fn a_forgotten_password_is_reset_once_by_the_mailed_link() {
    if !require("docker-registry") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((smtp, stack, root)) = mail_stack(&dir) else {
        return;
    };
    let info: Value = reqwest::blocking::get(format!("{}/api/v1/info", stack.portunus_url()))
        .and_then(|r| r.json())
        .expect("info");
    assert_eq!(info["password_reset"], true);

    // A name that is no account and one that is: the same answer.
    let unknown = post(
        &stack,
        "/password-reset",
        json!({"user": "nobody@example.org"}),
    );
    let known = post(
        &stack,
        "/password-reset",
        json!({"user": "alice@example.org"}),
    );
    assert_eq!(unknown.0, 202, "{}", unknown.1);
    assert_eq!(unknown, known);
    // Once both requests are handled (the audit log says so), one mail went out.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let page = root.call("GET", "/activities?key=user.password_reset_requested", None);
        if page["total"] == 2 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{page}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mails = smtp.wait_for(1);
    assert_eq!(mails.len(), 1, "no mail for a name that is no account");
    assert!(
        mails[0].contains("X-Envelope-To: alice@example.org"),
        "{}",
        mails[0]
    );
    assert!(
        mails[0].contains("Subject: Reset your Portunus password"),
        "{}",
        mails[0]
    );
    let token = token_in(&mails[0]);
    assert_eq!(token.len(), 64, "{}", mails[0]);

    let session = Api::sign_in(&stack, "alice");
    let complete = |password: &str| {
        post(
            &stack,
            "/password-reset/complete",
            json!({"token": token, "new_password": password}),
        )
    };
    // A password against the rules leaves the link usable.
    let (status, body) = complete("short");
    assert_eq!(status, 400, "{body}");
    let (status, body) = complete("brand-new-password-1");
    assert_eq!(status, 204, "{body}");
    let (status, body) = complete("another-password-2");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown, used or expired"), "{body}");

    assert_eq!(token_login(&stack, "alice", PASSWORD).0, 401);
    assert_eq!(token_login(&stack, "alice", "brand-new-password-1").0, 200);
    assert_eq!(session.status("GET", "/me"), 401, "her sessions ended");
    let mails = smtp.wait_for(2);
    assert!(
        mails[1].contains("Subject: Your Portunus password was changed"),
        "{}",
        mails[1]
    );
    let reset = root.call("GET", "/activities?key=user.reset_password", None);
    assert_eq!(reset["total"], 1, "{reset}");

    // Five requests an hour from one address (rate_limits.password_resets_per_hour).
    for _ in 0..3 {
        assert_eq!(
            post(&stack, "/password-reset", json!({"user": "nobody"})).0,
            202
        );
    }
    let (status, body) = post(&stack, "/password-reset", json!({"user": "nobody"}));
    assert_eq!(status, 429, "{body}");
}

#[test]
fn an_account_made_without_a_password_gets_a_link_to_choose_one() {
    if !require("docker-registry") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((smtp, stack, root)) = mail_stack(&dir) else {
        return;
    };
    // Without an address there is nowhere to send the link.
    let (status, body) = root.answer("POST", "/users", Some(json!({"username": "dora"})));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("e-mail address"), "{body}");
    root.call(
        "POST",
        "/users",
        Some(json!({"username": "dora", "email": "dora@example.org"})),
    );
    assert_eq!(token_login(&stack, "dora", "").0, 401, "no password yet");
    let mails = smtp.wait_for(1);
    assert!(
        mails[0].contains("Subject: Your Portunus account"),
        "{}",
        mails[0]
    );
    assert!(readable(&mails[0]).contains(&format!("docker login {} -u dora", stack.registry())));
    let (status, body) = post(
        &stack,
        "/password-reset/complete",
        json!({"token": token_in(&mails[0]), "new_password": "doras-own-password"}),
    );
    assert_eq!(status, 204, "{body}");
    assert_eq!(token_login(&stack, "dora", "doras-own-password").0, 200);
    let chosen = root.call("GET", "/activities?key=user.choose_password", None);
    assert_eq!(chosen["total"], 1, "{chosen}");
}

#[test]
fn directory_accounts_are_told_where_their_password_lives() {
    if !require("docker-registry") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some(smtp) = SmtpSink::start(&dir.path().join("mail")) else {
        return;
    };
    let Some(slapd) = portunus_e2e::peers::Slapd::start(&dir.path().join("ldap")) else {
        return;
    };
    let mut settings = smtp.settings();
    settings.extend(slapd.settings());
    let stack = Stack::start_with(&settings);
    assert_eq!(
        token_login(&stack, "carol", "carolpw").0,
        200,
        "her account"
    );
    let (status, _) = post(&stack, "/password-reset", json!({"user": "carol"}));
    assert_eq!(status, 202);
    let mails = smtp.wait_for(1);
    let text = readable(&mails[0]);
    assert!(text.contains("X-Envelope-To: carol@example.org"), "{text}");
    assert!(text.contains("LDAP directory"), "{text}");
    assert!(
        !text.contains("#token="),
        "no link for a directory account: {text}"
    );
}
