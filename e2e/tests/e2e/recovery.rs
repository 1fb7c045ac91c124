//! Mailed links end to end, with a real SMTP server: "forgot your
//! password?" (the mail, its single-use link, the new password, nothing
//! for unknown names) and the confirmation of e-mail addresses.

use portunus_e2e::peers::SmtpSink;
use portunus_e2e::{Api, PASSWORD, Stack, require, token_login};
use serde_json::{Value, json};

/// `POST /api/v1/PATH` with a JSON body, unauthenticated: status and body.
pub fn post(stack: &Stack, path: &str, body: Value) -> (u16, String) {
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

/// The page a password link opens.
pub const RESET: &str = "/reset-password";
/// The page an address confirmation link opens.
pub const CONFIRM: &str = "/confirm-email";

/// The secret of the link to `page` in `mail`.
pub fn token_in(mail: &str, page: &str) -> String {
    let link = link_in(mail, page);
    link.split("#token=").nth(1).unwrap_or_default().to_owned()
}

/// The link to `page` in `mail`, whole.
pub fn link_in(mail: &str, page: &str) -> String {
    let text = readable(mail);
    let marker = format!("{page}#token=");
    let end = text
        .find(&marker)
        .unwrap_or_else(|| panic!("no link to {page}: {text}"))
        + marker.len();
    let start = text[..end].rfind("http").expect("an absolute link");
    let secret: String = text[end..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    format!("{}{secret}", &text[start..end])
}

/// A stack sending mail to an SMTP sink in `dir`, with the administrator
/// root (signed in) and alice (password [`PASSWORD`], alice@example.org,
/// unconfirmed: the mail asking her to confirm it is taken away); `None`
/// when a tool is missing outside CI.
pub fn mail_stack(dir: &tempfile::TempDir) -> Option<(SmtpSink, Stack, Api)> {
    let smtp = SmtpSink::start(&dir.path().join("mail"))?;
    let stack = Stack::start_with(&smtp.settings());
    stack.create_user("root");
    let root = Api::sign_in(&stack, "root");
    create_with_address(&root, "alice", "alice@example.org");
    let mails = smtp.take(1);
    assert!(
        is_confirmation_to(&mails[0], "alice@example.org"),
        "{}",
        mails[0]
    );
    Some((smtp, stack, root))
}

/// Creates `name` (password [`PASSWORD`]) with `email`, as `admin`.
pub fn create_with_address(admin: &Api, name: &str, email: &str) {
    admin.call(
        "POST",
        "/users",
        Some(json!({"username": name, "password": PASSWORD, "email": email})),
    );
}

/// Whether `mail` asks `to` to confirm their address.
pub fn is_confirmation_to(mail: &str, to: &str) -> bool {
    mail.contains(&format!("X-Envelope-To: {to}"))
        && mail.contains("Subject: Confirm your e-mail address for Portunus")
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
    let token = token_in(&mails[0], RESET);
    assert_eq!(token.len(), 64, "{}", mails[0]);
    assert_eq!(
        root.call("GET", "/users/alice", None)["email_verified"],
        false
    );

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
    // The link went to her address: following it proved that too.
    assert_eq!(
        root.call("GET", "/users/alice", None)["email_verified"],
        true
    );

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
        json!({"token": token_in(&mails[0], RESET), "new_password": "doras-own-password"}),
    );
    assert_eq!(status, 204, "{body}");
    assert_eq!(token_login(&stack, "dora", "doras-own-password").0, 200);
    let chosen = root.call("GET", "/activities?key=user.choose_password", None);
    assert_eq!(chosen["total"], 1, "{chosen}");
    assert_eq!(
        root.call("GET", "/users/dora", None)["email_verified"],
        true,
        "the link went to her address"
    );
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

#[test]
fn an_address_is_confirmed_once_by_the_link_mailed_to_it() {
    if !require("docker-registry") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let Some((smtp, stack, root)) = mail_stack(&dir) else {
        return;
    };
    create_with_address(&root, "erin", "erin@example.org");
    let mails = smtp.take(1);
    assert!(
        is_confirmation_to(&mails[0], "erin@example.org"),
        "{}",
        mails[0]
    );
    let first = token_in(&mails[0], CONFIRM);
    assert_eq!(first.len(), 64, "{}", mails[0]);
    let erin = Api::sign_in(&stack, "erin");
    assert_eq!(erin.call("GET", "/me", None)["email_verified"], false);

    let confirm = |token: &str| {
        post(
            &stack,
            "/email-confirmation/complete",
            json!({"token": token}),
        )
    };
    assert_eq!(confirm("not-a-link").0, 400);
    let (status, body) = confirm(&first);
    assert_eq!(status, 204, "{body}");
    let (status, body) = confirm(&first);
    assert_eq!(status, 400, "once only: {body}");
    assert!(body.contains("unknown, used or expired"), "{body}");
    assert_eq!(erin.call("GET", "/me", None)["email_verified"], true);
    let (status, body) = erin.answer("POST", "/users/erin/email-confirmation", None);
    assert_eq!(status, 409, "confirmed already: {body}");

    // A new address is unconfirmed, and gets a link of its own; changing
    // it again voids that link.
    let changed = erin.call(
        "PATCH",
        "/users/erin",
        Some(json!({"email": "erin@other.example.org"})),
    );
    assert_eq!(changed["email_verified"], false, "{changed}");
    let mails = smtp.take(1);
    assert!(
        is_confirmation_to(&mails[0], "erin@other.example.org"),
        "{}",
        mails[0]
    );
    let voided = token_in(&mails[0], CONFIRM);
    erin.call(
        "PATCH",
        "/users/erin",
        Some(json!({"email": "erin@third.example.org"})),
    );
    smtp.take(1);
    let (status, body) = confirm(&voided);
    assert_eq!(status, 400, "the address changed since: {body}");
    let me = erin.call("GET", "/me", None);
    assert_eq!(
        (&me["email"], &me["email_verified"]),
        (&json!("erin@third.example.org"), &json!(false)),
        "{me}"
    );

    // Asking again: the account itself or an administrator, five links an
    // hour (the one the change sent counts).
    let (status, body) = post(&stack, "/users/erin/email-confirmation", json!({}));
    assert_eq!(status, 401, "anonymous: {body}");
    let (status, body) =
        Api::sign_in(&stack, "alice").answer("POST", "/users/erin/email-confirmation", None);
    assert_eq!(status, 404, "someone else: {body}");
    let (status, body) = root.answer("POST", "/users/erin/email-confirmation", None);
    assert_eq!(status, 202, "an administrator: {body}");
    for _ in 0..3 {
        let (status, body) = erin.answer("POST", "/users/erin/email-confirmation", None);
        assert_eq!(status, 202, "{body}");
    }
    let (status, body) = erin.answer("POST", "/users/erin/email-confirmation", None);
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("in the last hour"), "{body}");
    let mails = smtp.take(4);
    assert!(
        mails
            .iter()
            .all(|m| is_confirmation_to(m, "erin@third.example.org")),
        "{mails:?}"
    );
    let (status, body) = confirm(&token_in(&mails[3], CONFIRM));
    assert_eq!(status, 204, "the newest works: {body}");
    let confirmed = root.call("GET", "/activities?key=user.confirm_email", None);
    assert_eq!(confirmed["total"], 2, "{confirmed}");
}
