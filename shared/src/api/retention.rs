//! Retention rules and their previews.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// Which tags of a repository retention deletes. A tag goes when it matches
/// `tag_pattern` (all tags when unset), is not among the `keep_newest`
/// newest matching tags, was pushed more than `older_than_days` ago, and was
/// not pulled within `keep_pulled_within_days`. At least one of
/// `keep_newest` and `older_than_days` must be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionRule {
    /// Whether the scheduled runs apply it (a preview works either way).
    pub enabled: bool,
    /// Keep this many newest tags (1 to 100000). A rule needs this,
    /// `older_than_days`, or both.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "100000")))
    )]
    pub keep_newest: Option<i32>,
    /// Delete tags pushed more than this many days ago (1 to 36500).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "36500")))
    )]
    pub older_than_days: Option<i32>,
    /// A regular expression the whole tag name must match, e.g. `pr-.*`.
    #[cfg_attr(feature = "openapi", oai(validator(max_length = 255)))]
    pub tag_pattern: Option<String>,
    /// Keep tags pulled within this many days (1 to 36500).
    #[cfg_attr(
        feature = "openapi",
        oai(validator(minimum(value = "1"), maximum(value = "36500")))
    )]
    pub keep_pulled_within_days: Option<i32>,
}

/// A stored rule and when it last ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionSetting {
    pub rule: RetentionRule,
    /// Whether a rule is stored (otherwise `rule` is the empty default).
    pub stored: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<String>,
    pub last_run_at: Option<String>,
}

/// What a retention rule decides for one tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionVerdict {
    pub tag: String,
    pub digest: String,
    pub pushed_at: String,
    pub pulled_at: Option<String>,
    pub delete: bool,
    /// Why, in words: "among the 5 newest", "pulled 2 days ago", ...
    pub reason: String,
}

/// Every tag of a repository with what a rule decides for it: those to
/// delete first, then those kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct RetentionPreview {
    pub repository: String,
    pub delete: u64,
    pub keep: u64,
    pub tags: Vec<RetentionVerdict>,
}
