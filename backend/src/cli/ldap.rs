//! `portunus ldap`: trying the LDAP settings, and checking every
//! directory account now.

use clap::Subcommand;
use portunus::config::Config;
use portunus::directory::ldap::Ldap;

use crate::describe;
use crate::input::read_password_once;

#[derive(Subcommand)]
pub enum LdapCommand {
    /// Connect, bind, find USER, and show their groups and the teams and
    /// roles those give; says which step failed and why.
    Check {
        /// The user name as people type it to sign in.
        user: String,
        /// Also check USER's password (read from standard input, or prompted for).
        #[arg(long)]
        password: bool,
    },
    /// Check every directory account now, as the server does every
    /// `ldap.sync_interval_seconds`: groups to teams, and accounts the
    /// directory no longer knows are disabled.
    Sync,
}

/// `portunus ldap check USER` and `portunus ldap sync`
pub async fn run(config: Config, command: LdapCommand) -> Result<(), String> {
    let Some(ldap) = Ldap::from_settings(&config.ldap)? else {
        return Err("LDAP is off: set ldap.url (see config.example.toml)".into());
    };
    match command {
        LdapCommand::Check { user, password } => {
            let password = match password {
                true => Some(
                    read_password_once().map_err(|e| format!("cannot read the password: {e}"))?,
                ),
                false => None,
            };
            let diagnosis = ldap.diagnose(&user, password.as_deref()).await;
            for (what, outcome) in &diagnosis.steps {
                match outcome {
                    Ok(detail) => println!("ok      {what}: {detail}"),
                    Err(why) => println!("FAILED  {what}: {why}"),
                }
            }
            let Some(person) = diagnosis.person else {
                return Err("the check failed; see the step above".into());
            };
            println!("user name:    {}", person.username);
            println!(
                "e-mail:       {}",
                person.email.as_deref().unwrap_or("(none)")
            );
            println!(
                "display name: {}",
                person.display_name.as_deref().unwrap_or("(none)")
            );
            let groups: Vec<&str> = person.groups.iter().map(|g| g.name.as_str()).collect();
            println!(
                "groups:       {}",
                if groups.is_empty() {
                    "(none)".to_owned()
                } else {
                    groups.join(", ")
                }
            );
            let mapping = &config.ldap.groups;
            if !mapping.admin_group.is_empty() {
                let admin = person.groups.iter().any(|g| g.is(&mapping.admin_group));
                println!("administrator: {}", if admin { "yes" } else { "no" });
            }
            let roles = portunus::accounts::directory::roles_from(mapping, &person.groups);
            for (team, role) in &roles {
                println!("team:         {team} as {role}");
            }
            if roles.is_empty() && !mapping.teams.is_empty() {
                println!("team:         (none of the mapped groups)");
            }
            match ldap.ambiguous_groups().await {
                Ok(ambiguous) => {
                    for (name, dns) in ambiguous {
                        println!("WARNING {}", Ldap::ambiguity(&name, &dns));
                    }
                }
                Err(e) => println!(
                    "WARNING cannot tell whether the mapped groups are ambiguous: {}",
                    e.0
                ),
            }
            Ok(())
        }
        LdapCommand::Sync => {
            let state = portunus::app::init(config).await.map_err(describe)?;
            let now = chrono::Utc::now();
            let pass = portunus::accounts::ldap::check_all(&state.db, &ldap, now)
                .await
                .map_err(describe)?;
            println!(
                "checked {} directory accounts; {} disabled because the directory no longer knows them",
                pass.checked, pass.suspended
            );
            Ok(())
        }
    }
}
