//! The typed blueprint: what the TOML loader and the Rust builder both produce.
//!
//! Field names and their TOML spellings are the same (`snake_case`), and the JSON Schema that
//! `bulwark schema` prints is derived from these types.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::kinds::*;
pub use crate::vocabulary::{Access, Kind, PartKind};

mod component;
mod network;

pub use component::*;
pub use network::*;
use std::fmt;

/// A whole application: its settings, environments and components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blueprint {
    /// `[app]`: the name in every resource name, and the environments.
    pub app: App,
    /// `[network]`: address space, subnets, DNS, peering and egress; derived from the
    /// components unless set.
    #[serde(skip_serializing_if = "Network::is_default")]
    pub network: Network,
    /// In declaration order; generation sorts by name, so order never changes the output.
    pub components: Vec<Component>,
    /// Blueprint libraries it was resolved against: name → version (for the manifest).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub libraries: BTreeMap<String, String>,
    /// `[governance]`: policy effects, locks and required tags.
    #[serde(skip_serializing_if = "is_default")]
    pub governance: super::Governance,
    /// `[monitoring]`: the app's own Log Analytics workspace or a central one.
    #[serde(skip_serializing_if = "is_default")]
    pub monitoring: super::Monitoring,
    /// How the workflow deploys (deployment stacks or not) and what a deployment recovers.
    #[serde(skip_serializing_if = "is_default")]
    pub deployment: super::Deployment,
    /// Tags on every resource that takes tags, besides `app`, `environment` and `managed-by`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Controls weakened on purpose, each with a reason and an expiry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waivers: Vec<super::Waiver>,
}

/// `[app]`: what the application is called and where it is deployed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = super::schema::app_rules)]
pub struct App {
    /// Short application name used in every resource name: 2-16 lowercase letters, digits
    /// and hyphens, starting with a letter.
    pub name: String,
    /// Environments to generate a parameter file for, e.g. `["dev", "prod"]`.
    pub environments: Vec<String>,
    /// A library (declared in `[libraries]`) whose organisation defaults apply, e.g. its
    /// address space; the blueprint's own values win.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defaults: Option<String>,
}

pub(super) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// Per-environment sizing: environment name → field → value.
pub type Overrides = BTreeMap<String, BTreeMap<String, SizingValue>>;

/// A sizing value: a SKU-like string or a count.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SizingValue {
    /// A count, e.g. `instances = 3`.
    Int(i64),
    /// A SKU-like string, e.g. `sku = "P1v3"`.
    Text(String),
}

impl fmt::Display for SizingValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizingValue::Int(value) => write!(f, "{value}"),
            SizingValue::Text(value) => f.write_str(value),
        }
    }
}

impl From<&str> for SizingValue {
    fn from(value: &str) -> Self {
        SizingValue::Text(value.to_string())
    }
}

impl From<u32> for SizingValue {
    fn from(value: u32) -> Self {
        SizingValue::Int(i64::from(value))
    }
}

/// A connection from a compute component to a target component or a named part of one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// `component` or `component.part` (a container, queue or secret it declares).
    pub to: Target,
    /// What the connection needs to do; each access level maps to the narrowest built-in role.
    pub access: Access,
}

impl Connection {
    /// A connection to `to` (`"media"` or `"media.images"`) with an access level.
    pub fn new(to: impl Into<Target>, access: Access) -> Self {
        Self {
            to: to.into(),
            access,
        }
    }
}

/// `component` or `component.part`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// The component connected to.
    pub component: String,
    /// The part of it, when the connection names one (`images` in `media.images`).
    pub part: Option<String>,
}

impl Target {
    /// Split `component.part` at the first dot.
    pub fn parse(text: &str) -> Target {
        match text.split_once('.') {
            Some((component, part)) => Target {
                component: component.to_string(),
                part: Some(part.to_string()),
            },
            None => Target {
                component: text.to_string(),
                part: None,
            },
        }
    }
}

impl From<&str> for Target {
    fn from(text: &str) -> Self {
        Target::parse(text)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.part {
            Some(part) => write!(f, "{}.{}", self.component, part),
            None => f.write_str(&self.component),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|text| Target::parse(&text))
    }
}

impl JsonSchema for Target {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Target".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A component name, or `component.part` for one of its parts: a container, queue, secret, database, app role, `topic/subscription` or `database/container`.",
            "pattern": super::schema::TARGET,
            "examples": ["media.images", "bus.events/billing", "vault"]
        })
    }
}
