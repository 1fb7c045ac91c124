//! Creating one's own account, when sign-up is on: who may, and whether
//! the account becomes the first administrator (only with the setup code,
//! see `setup`).

use portunus_shared::api;
use sea_orm::DatabaseConnection;

use crate::accounts::ldap::refuse_directory_name;
use crate::accounts::setup::Setup;
use crate::accounts::users::{CreatedUser, NewUser, create};
use crate::audit::Actor;
use crate::directory::ldap::Ldap;
use crate::error::{Error, Result};

/// Whether people may sign up here (`enabled`: the `signup` setting);
/// asked before anything else, an attempt included, is spent.
pub fn open(enabled: bool) -> Result<()> {
    match enabled {
        true => Ok(()),
        false => Err(Error::Forbidden(
            "sign-up is disabled here; ask an administrator for an account".into(),
        )),
    }
}

/// Someone creating their own account, where sign-up is [`open`]. It
/// becomes the first administrator only with the setup code `setup`
/// accepts; a name the LDAP directory knows is its to sign in with.
pub async fn sign_up(
    db: &DatabaseConnection,
    setup: &Setup,
    ldap: Option<&Ldap>,
    form: api::SignUp,
) -> Result<CreatedUser> {
    let bootstrap = setup.admits(db, form.setup_code.as_deref()).await?;
    refuse_directory_name(ldap, &form.username).await?;
    let actor = Actor {
        id: None,
        name: form.username.clone(),
    };
    let new = NewUser {
        username: form.username,
        password: form.password,
        email: form.email,
        admin: false,
        bot: false,
        bootstrap,
        password_by_mail: false,
    };
    create(db, new, &actor).await
}
