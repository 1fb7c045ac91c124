//! Teams, their members and roles, and the people one can add.

use serde::{Deserialize, Serialize};

use super::NamespaceInRegistry;
use crate::domain::Role;

#[cfg(feature = "openapi")]
use poem_openapi::Object;

/// A team: members with roles, owning namespaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Team {
    pub id: i64,
    pub name: String,
    /// Markdown, as written.
    pub description: String,
    /// The description rendered as sanitized HTML (empty in lists).
    pub description_html: String,
    pub members: Vec<TeamMember>,
    /// Names of the namespaces the team owns.
    pub namespaces: Vec<String>,
    /// The same namespaces with the registry each belongs to.
    #[serde(default)]
    pub namespaces_in_registries: Vec<NamespaceInRegistry>,
    /// Whether you may change the team, its members and namespaces (its
    /// owners, administrators).
    pub may_manage: bool,
}

/// A member of a team and their role: `viewer` (pull), `contributor` (pull,
/// push) or `owner` (everything, including managing the team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct TeamMember {
    pub username: String,
    pub display_name: Option<String>,
    pub role: Role,
}

/// Someone as others see them: the display name they chose, shown beside
/// the user name that nobody else can take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct Person {
    pub username: String,
    pub display_name: Option<String>,
}

/// A new team; its creator becomes its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct NewTeam {
    /// 1 to 80 letters, digits, spaces, `.`, `_` and `-`, starting with a
    /// letter or digit.
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", oai(default))]
    pub description: String,
}

/// Changes to a team; absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct TeamUpdate {
    #[cfg_attr(
        feature = "openapi",
        oai(validator(pattern = r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$"))
    )]
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The role to give a member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(Object), oai(skip_serializing_if_is_none))]
pub struct MemberRole {
    pub role: Role,
}
