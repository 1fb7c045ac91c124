//! A fresh installation belongs to its operator: the server logs a setup
//! code at start, and only a sign-up that presents it becomes the first
//! administrator.

use portunus_e2e::{PASSWORD, Stack, require};
use serde_json::{Value, json};

fn sign_up(stack: &Stack, body: Value) -> (u16, Value) {
    let answer = reqwest::blocking::Client::new()
        .post(format!("{}/api/v1/signup", stack.portunus_url()))
        .json(&body)
        .send()
        .expect("sign up");
    let status = answer.status().as_u16();
    (status, answer.json().unwrap_or(Value::Null))
}

#[test]
fn the_setup_code_from_the_log_makes_the_first_administrator() {
    if !require("docker-registry") {
        return;
    }
    let stack = Stack::start(&[]);
    let log = stack.portunus_log();
    let code = log
        .split("setup_code=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no setup code in the log:\n{log}"))
        .to_owned();

    let (status, early) = sign_up(&stack, json!({"username": "early", "password": PASSWORD}));
    assert_eq!(
        (status, early["user"]["admin"].clone()),
        (201, json!(false)),
        "{early}"
    );
    let body = json!({"username": "owner", "password": PASSWORD, "setup_code": code});
    let (status, owner) = sign_up(&stack, body);
    assert_eq!(
        (status, owner["user"]["admin"].clone()),
        (201, json!(true)),
        "{owner}"
    );
    assert!(
        !stack.portunus_log().contains(PASSWORD),
        "passwords never reach the log"
    );
}
