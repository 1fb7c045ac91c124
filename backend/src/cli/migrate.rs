//! `portunus migrate [--dry-run]`: says which migrations the database lacks
//! and applies them, each as it goes, so that operators can upgrade the
//! database before they start the servers of a new release.

use portunus::config::Config;
use portunus::db::migrate;

pub async fn run(config: Config, dry_run: bool) -> Result<(), String> {
    let url = config.database_url();
    println!("database: {}", where_it_is(&url));
    let known = migrate::known().len();
    let plan = migrate::plan(&url)
        .await
        .map_err(|e| format!("cannot read the database's migrations: {e}"))?;
    if !plan.unknown.is_empty() {
        return Err(format!(
            "a newer Portunus migrated this database: it has had {}, which this release does not know; run that release or a newer one (or restore the backup taken before the upgrade)",
            plan.unknown.join(", ")
        ));
    }
    if plan.pending.is_empty() {
        println!("up to date: it has had all {known} migrations this release knows");
        return Ok(());
    }
    let had = known - plan.pending.len();
    if dry_run {
        println!(
            "it has had {had} of {known} migrations; {} would run:",
            plan.pending.len()
        );
        for name in &plan.pending {
            println!("  {name}");
        }
        println!("dry run: nothing was changed; run `portunus migrate` to apply them");
        return Ok(());
    }
    println!(
        "it has had {had} of {known} migrations; applying {} in one transaction (if one fails, nothing changes):",
        plan.pending.len()
    );
    let began = std::time::Instant::now();
    let mut say = |step: &migrate::Step| {
        println!(
            "  [{}/{}] {} ({} ms)",
            step.number,
            step.of,
            step.name,
            step.took.as_millis()
        )
    };
    let applied = portunus::app::migrate(&config, &mut say)
        .await
        .map_err(|e| format!("{e}; the database was left as it was"))?;
    println!(
        "done in {:.1} s: {} applied, the database has had all {known} migrations; start the servers of this release",
        began.elapsed().as_secs_f64(),
        applied.len()
    );
    Ok(())
}

/// The database's URL without its password, to print.
fn where_it_is(url: &str) -> String {
    if url.starts_with("sqlite:") {
        return match migrate::sqlite_file(url) {
            Ok(file) => format!("SQLite, {}", file.display()),
            Err(_) => url.to_owned(),
        };
    }
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("***"));
            }
            format!("PostgreSQL, {parsed}")
        }
        Err(_) => "PostgreSQL (the URL does not parse)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printed_url_keeps_no_password() {
        assert_eq!(
            where_it_is("postgres://portunus:s3cret@db.example:5432/portunus"),
            "PostgreSQL, postgres://portunus:***@db.example:5432/portunus"
        );
        assert_eq!(
            where_it_is("sqlite:///var/lib/portunus/portunus.db?mode=rwc"),
            "SQLite, /var/lib/portunus/portunus.db"
        );
    }
}
