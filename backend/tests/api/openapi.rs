//! `openapi.yaml` must be exactly what `portunus openapi` prints.

#[test]
fn checked_in_spec_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let checked_in = std::fs::read_to_string(path).expect("openapi.yaml at the repository root");
    let generated = portunus::http::rest::spec_yaml();
    assert!(
        checked_in == generated,
        "openapi.yaml is out of date: run `just openapi` (cargo run -p portunus -- openapi > openapi.yaml) and commit it"
    );
}

/// The values of `schema` as the spec lists them under `enum:`.
fn enum_values(spec: &str, schema: &str) -> Vec<String> {
    let head = format!("\n    {schema}:\n");
    let Some(at) = spec.find(&head) else {
        return Vec::new();
    };
    spec[at + head.len()..]
        .lines()
        .take_while(|l| l.starts_with("      "))
        .skip_while(|l| *l != "      enum:")
        .skip(1)
        .map_while(|l| l.strip_prefix("      - "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn closed_sets_are_enums_in_the_spec() {
    let spec = portunus::http::rest::spec_yaml();
    for (schema, values) in [
        ("Role", &["viewer", "contributor", "owner"][..]),
        ("Visibility", &["private", "protected", "public"]),
        ("TokenAccess", &["read", "write", "delete"]),
        ("RepositorySort", &["name", "recent", "stars"]),
        ("EventState", &["all", "pending", "failed", "held"]),
    ] {
        assert_eq!(enum_values(&spec, schema), values, "{schema}");
    }
    // Every field and parameter of those kinds refers to them.
    for field in ["role", "visibility", "access", "sort"] {
        let untyped = format!("        {field}:\n          type: string\n");
        assert!(
            !spec.contains(&untyped),
            "{field} is a plain string somewhere"
        );
    }
    let sort_parameters = spec.matches("- name: sort\n").count();
    let typed = spec
        .matches(
            "- name: sort\n        schema:\n          $ref: '#/components/schemas/RepositorySort'",
        )
        .count();
    assert!(
        sort_parameters >= 2 && typed == sort_parameters,
        "{typed} of {sort_parameters} sort parameters are typed"
    );
}

#[test]
fn every_pattern_of_the_description_is_explained_in_words() {
    use portunus::http::rest::error::PATTERNS;
    let spec = include_str!("../../../openapi.yaml");
    let patterns: std::collections::BTreeSet<String> = spec
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pattern: "))
        .map(
            |p| match p.strip_prefix('\'').and_then(|p| p.strip_suffix('\'')) {
                Some(quoted) => quoted.replace("''", "'"),
                None => p.to_owned(),
            },
        )
        .collect();
    assert_eq!(patterns.len(), PATTERNS.len(), "{patterns:?}");
    for pattern in patterns {
        assert!(
            PATTERNS.iter().any(|(known, _)| *known == pattern),
            "openapi.yaml has the pattern {pattern}, which refusals cannot put in words: add it to PATTERNS"
        );
    }
}
