//! A retention rule as a pure function: given a repository's tags and the
//! time, which go and why. A preview and a run both ask it, so a preview
//! lists exactly what a run would delete.

use chrono::{DateTime, Duration, Utc};
use portunus_shared::api;
use regex::Regex;

use crate::catalog::repositories::timestamp;
use crate::db::entities::tag;
use crate::error::{Error, Result};

/// Longest tag pattern accepted.
const MAX_PATTERN: usize = 255;
/// Most days any rule may name (100 years).
const MAX_DAYS: i32 = 36_500;

/// A validated rule, ready to evaluate.
#[derive(Debug)]
pub struct Rule {
    keep_newest: Option<usize>,
    older_than_days: Option<i64>,
    pattern: Option<Regex>,
    keep_pulled_within_days: Option<i64>,
}

impl Rule {
    /// Checks a rule as people write it; errors say what to change.
    pub fn compile(rule: &api::RetentionRule) -> Result<Rule> {
        let invalid = |m: String| Err(Error::InvalidInput(m));
        if rule.keep_newest.is_none() && rule.older_than_days.is_none() {
            return invalid("a retention rule needs keep_newest, older_than_days or both".into());
        }
        if let Some(n) = rule.keep_newest
            && !(1..=100_000).contains(&n)
        {
            return invalid(format!(
                "keep_newest is {n}; keep at least 1 tag (and at most 100000)"
            ));
        }
        for (key, days) in [
            ("older_than_days", rule.older_than_days),
            ("keep_pulled_within_days", rule.keep_pulled_within_days),
        ] {
            if let Some(d) = days
                && !(1..=MAX_DAYS).contains(&d)
            {
                return invalid(format!("{key} is {d}; use 1 to {MAX_DAYS} days"));
            }
        }
        let pattern = match rule.tag_pattern.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) if p.chars().count() > MAX_PATTERN => {
                return invalid(format!(
                    "tag_pattern has {} characters; at most {MAX_PATTERN}",
                    p.chars().count()
                ));
            }
            Some(p) => {
                let build = |text: &str| {
                    regex::RegexBuilder::new(text)
                        .size_limit(1 << 20)
                        .build()
                        .map_err(|e| {
                            Error::InvalidInput(format!(
                                "tag_pattern {p:?} is not a regular expression: {e}"
                            ))
                        })
                };
                // Alone first, so that it cannot close the group that anchors it.
                build(p)?;
                Some(build(&format!("^(?:{p})$"))?)
            }
        };
        Ok(Rule {
            keep_newest: rule.keep_newest.map(|n| n as usize),
            older_than_days: rule.older_than_days.map(i64::from),
            pattern,
            keep_pulled_within_days: rule.keep_pulled_within_days.map(i64::from),
        })
    }

    /// What the rule decides for each tag, those to delete first, then
    /// those kept, each group newest first. Cosign signature, attestation
    /// and SBOM tags (`sha256-HEX.sig`) are not ranked with the others: they
    /// go when the image they are about goes, and stay otherwise.
    pub fn evaluate(&self, tags: &[tag::Model], now: DateTime<Utc>) -> Vec<api::RetentionVerdict> {
        let (about, images): (Vec<&tag::Model>, Vec<&tag::Model>) = tags
            .iter()
            .partition(|t| crate::catalog::images::cosign_tag(&t.name).is_some());
        let mut verdicts = self.evaluate_images(images, now);
        let kept: Vec<String> = verdicts
            .iter()
            .filter(|v| !v.delete)
            .map(|v| v.digest.clone())
            .collect();
        let going: Vec<String> = verdicts
            .iter()
            .filter(|v| v.delete)
            .map(|v| v.digest.clone())
            .collect();
        for t in about {
            let subject = crate::catalog::images::cosign_tag(&t.name)
                .map(|(digest, _)| digest)
                .unwrap_or_default();
            let delete = going.contains(&subject) && !kept.contains(&subject);
            verdicts.push(api::RetentionVerdict {
                tag: t.name.clone(),
                digest: t.digest.clone(),
                pushed_at: timestamp(t.pushed_at),
                pulled_at: t.pulled_at.map(timestamp),
                delete,
                reason: if delete {
                    "about an image whose tags all go".into()
                } else {
                    "about an image that stays (or is not tagged here)".into()
                },
            });
        }
        verdicts.sort_by_key(|v| !v.delete);
        verdicts
    }

    fn evaluate_images(
        &self,
        tags: Vec<&tag::Model>,
        now: DateTime<Utc>,
    ) -> Vec<api::RetentionVerdict> {
        let mut ordered = tags;
        ordered.sort_by(|a, b| b.pushed_at.cmp(&a.pushed_at).then(a.name.cmp(&b.name)));
        let days_ago = |t: DateTime<Utc>| (now - t).num_days();
        let mut matching = 0;
        let verdicts: Vec<api::RetentionVerdict> = ordered
            .into_iter()
            .map(|t| {
                let keep = |reason: String| (false, reason);
                let (delete, reason) =
                    if self.pattern.as_ref().is_some_and(|p| !p.is_match(&t.name)) {
                        keep("does not match the tag pattern".into())
                    } else {
                        matching += 1;
                        let age = days_ago(t.pushed_at);
                        match (
                            self.keep_newest,
                            self.older_than_days,
                            self.keep_pulled_within_days,
                        ) {
                            (Some(n), _, _) if matching <= n => {
                                keep(format!("among the {n} newest"))
                            }
                            (_, Some(d), _) if t.pushed_at > now - Duration::days(d) => {
                                keep(format!("pushed {age} days ago, within {d} days"))
                            }
                            (_, _, Some(p))
                                if t.pulled_at.is_some_and(|at| at > now - Duration::days(p)) =>
                            {
                                let pulled = t.pulled_at.map(days_ago).unwrap_or_default();
                                keep(format!("pulled {pulled} days ago, within {p} days"))
                            }
                            (newest, _, _) => {
                                let rank = newest
                                    .map(|n| format!("not among the {n} newest, "))
                                    .unwrap_or_default();
                                (true, format!("{rank}pushed {age} days ago"))
                            }
                        }
                    };
                api::RetentionVerdict {
                    tag: t.name.clone(),
                    digest: t.digest.clone(),
                    pushed_at: timestamp(t.pushed_at),
                    pulled_at: t.pulled_at.map(timestamp),
                    delete,
                    reason,
                }
            })
            .collect();
        verdicts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(
        name: &str,
        pushed_days_ago: i64,
        pulled_days_ago: Option<i64>,
        now: DateTime<Utc>,
    ) -> tag::Model {
        tag::Model {
            id: 0,
            repository_id: 1,
            name: name.into(),
            digest: format!("sha256:{name}"),
            image_id: None,
            size: 0,
            pushed_by_id: None,
            pushed_at: now - Duration::days(pushed_days_ago),
            pulled_at: pulled_days_ago.map(|d| now - Duration::days(d)),
            media_type: String::new(),
            layers: 0,
            created_at: None,
            labels: None,
            platforms: None,
            updated_at: None,
            sync_generation: 0,
        }
    }

    fn deleted(rule: &api::RetentionRule, tags: &[tag::Model], now: DateTime<Utc>) -> Vec<String> {
        let mut names: Vec<String> = Rule::compile(rule)
            .unwrap()
            .evaluate(tags, now)
            .into_iter()
            .filter(|v| v.delete)
            .map(|v| v.tag)
            .collect();
        names.sort();
        names
    }

    #[test]
    fn keep_newest_older_than_pattern_and_recent_pulls() {
        let now = Utc::now();
        let tags = [
            tag("latest", 0, None, now),
            tag("pr-1", 40, None, now),
            tag("pr-2", 30, Some(1), now),
            tag("pr-3", 20, None, now),
            tag("pr-4", 2, None, now),
            tag("v1.0", 400, None, now),
        ];
        let rule =
            |keep_newest, older_than_days, pattern: Option<&str>, pulled| api::RetentionRule {
                enabled: true,
                keep_newest,
                older_than_days,
                tag_pattern: pattern.map(str::to_owned),
                keep_pulled_within_days: pulled,
            };
        assert_eq!(
            deleted(&rule(Some(3), None, None, None), &tags, now),
            ["pr-1", "pr-2", "v1.0"]
        );
        assert_eq!(
            deleted(&rule(None, Some(25), None, None), &tags, now),
            ["pr-1", "pr-2", "v1.0"]
        );
        assert_eq!(
            deleted(&rule(None, Some(25), None, Some(7)), &tags, now),
            ["pr-1", "v1.0"]
        );
        assert_eq!(
            deleted(&rule(Some(1), Some(10), Some("pr-.*"), None), &tags, now),
            ["pr-1", "pr-2", "pr-3"],
            "pr-4 is the newest matching; latest and v1.0 do not match"
        );
        assert_eq!(
            deleted(&rule(Some(10), None, None, None), &tags, now),
            Vec::<String>::new()
        );
        assert_eq!(
            deleted(&rule(Some(1), None, Some("pr"), None), &tags, now),
            Vec::<String>::new(),
            "the pattern must match the whole name"
        );
        let verdicts = Rule::compile(&rule(Some(3), None, None, None))
            .unwrap()
            .evaluate(&tags, now);
        assert!(
            verdicts[0].delete && verdicts[0].reason.contains("not among the 3 newest"),
            "{verdicts:?}"
        );
        assert!(
            verdicts
                .iter()
                .any(|v| !v.delete && v.reason == "among the 3 newest")
        );
    }

    #[test]
    fn cosign_tags_go_with_their_image_and_do_not_count_as_tags() {
        let now = Utc::now();
        let sig = |image: &str, days| {
            let mut t = tag(&format!("sha256-{}.sig", image.repeat(64)), days, None, now);
            t.digest = format!("sha256:sig-of-{image}");
            t
        };
        let image = |name: &str, hex: &str, days| {
            let mut t = tag(name, days, None, now);
            t.digest = format!("sha256:{}", hex.repeat(64));
            t
        };
        let tags = [
            image("v3", "c", 1),
            sig("c", 0),
            image("v2", "b", 5),
            sig("b", 4),
            image("v1", "a", 9),
            sig("a", 8),
        ];
        let rule = api::RetentionRule {
            keep_newest: Some(2),
            ..Default::default()
        };
        assert_eq!(
            deleted(&rule, &tags, now),
            [
                "sha256-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sig",
                "v1"
            ],
            "signatures neither push v2 out nor stay behind without their image"
        );
    }

    #[test]
    fn rules_that_make_no_sense_are_refused() {
        let bad = [
            api::RetentionRule::default(),
            api::RetentionRule {
                keep_newest: Some(0),
                ..Default::default()
            },
            api::RetentionRule {
                older_than_days: Some(0),
                ..Default::default()
            },
            api::RetentionRule {
                older_than_days: Some(40_000),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                tag_pattern: Some("(".into()),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                tag_pattern: Some("a)|(.*".into()),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                tag_pattern: Some("a".repeat(300)),
                ..Default::default()
            },
            api::RetentionRule {
                keep_newest: Some(1),
                keep_pulled_within_days: Some(-1),
                ..Default::default()
            },
        ];
        for rule in bad {
            assert!(
                matches!(Rule::compile(&rule), Err(Error::InvalidInput(_))),
                "{rule:?}"
            );
        }
    }
}
