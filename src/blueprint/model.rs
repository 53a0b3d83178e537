//! The typed blueprint: what the TOML loader and the Rust builder both produce.
//!
//! Field names and their TOML spellings are the same (`snake_case`), and the JSON Schema that
//! `bulwark schema` prints is derived from these types.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// A whole application: its settings, environments and components.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Blueprint {
    pub app: App,
    #[serde(skip_serializing_if = "Network::is_default")]
    pub network: Network,
    /// In declaration order; generation sorts by name, so order never changes the output.
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct App {
    /// Short application name used in every resource name: 2-16 lowercase letters, digits
    /// and hyphens, starting with a letter.
    pub name: String,
    /// Environments to generate a parameter file for, e.g. `["dev", "prod"]`.
    pub environments: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The VNet address space every subnet is carved from (IPv4 CIDR, /8 to /24).
    #[serde(default = "Network::default_address_space")]
    pub address_space: String,
}

impl Network {
    pub const DEFAULT_ADDRESS_SPACE: &'static str = "10.0.0.0/16";

    fn default_address_space() -> String {
        Self::DEFAULT_ADDRESS_SPACE.to_string()
    }

    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl Default for Network {
    fn default() -> Self {
        Self {
            address_space: Self::default_address_space(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    pub name: String,
    #[serde(flatten)]
    pub spec: ComponentSpec,
}

impl Component {
    pub fn kind(&self) -> Kind {
        self.spec.kind()
    }

    /// The connections this component makes; only compute kinds make any.
    pub fn uses(&self) -> &[Connection] {
        match &self.spec {
            ComponentSpec::WebApp(web) => &web.uses,
            ComponentSpec::Storage(_) | ComponentSpec::KeyVault(_) => &[],
        }
    }
}

/// Kind-specific settings; `kind = "…"` in TOML selects the variant.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ComponentSpec {
    /// App Service on Linux with its own plan, identity and VNet integration.
    WebApp(WebApp),
    /// A storage account with blob containers and queues.
    Storage(Storage),
    /// A Key Vault in RBAC mode holding named secrets whose values are set at deploy time.
    KeyVault(KeyVault),
}

impl ComponentSpec {
    pub fn kind(&self) -> Kind {
        match self {
            ComponentSpec::WebApp(_) => Kind::WebApp,
            ComponentSpec::Storage(_) => Kind::Storage,
            ComponentSpec::KeyVault(_) => Kind::KeyVault,
        }
    }
}

/// Component kinds bulwark knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    WebApp,
    Storage,
    KeyVault,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::WebApp, Kind::Storage, Kind::KeyVault];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::WebApp => "web-app",
            Kind::Storage => "storage",
            Kind::KeyVault => "key-vault",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebApp {
    /// Language runtime and major version.
    pub runtime: Runtime,
    /// `private` (default): reachable only through a private endpoint. `public`: reachable
    /// from the internet over HTTPS with TLS 1.2 or later.
    #[serde(default)]
    pub ingress: Ingress,
    /// App Service plan SKU; only SKUs that support VNet integration and private endpoints.
    #[serde(default = "WebApp::default_sku")]
    pub sku: String,
    /// Path App Service probes to take unhealthy instances out of rotation, e.g. `/healthz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_path: Option<String>,
    /// Plain, non-secret app settings. Secrets belong in a key-vault component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, String>,
    /// Connections to other components, each with the access it needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<Connection>,
}

impl WebApp {
    pub const DEFAULT_SKU: &'static str = "P0v3";

    pub(crate) fn default_sku() -> String {
        Self::DEFAULT_SKU.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// Blob containers to create (private; no anonymous access).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<String>,
    /// Storage queues to create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<String>,
    /// Redundancy of the account's data.
    #[serde(default)]
    pub replication: Replication,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyVault {
    /// Secret names. Values never live in the blueprint: each is read from an environment
    /// variable when the deployment runs (see the generated `.bicepparam` files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Ingress {
    #[default]
    Private,
    Public,
}

/// Storage redundancy. ZRS keeps data through a zone outage; GZRS also through a region's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Replication {
    #[serde(rename = "LRS")]
    Lrs,
    #[default]
    #[serde(rename = "ZRS")]
    Zrs,
    #[serde(rename = "GRS")]
    Grs,
    #[serde(rename = "GZRS")]
    Gzrs,
}

impl Replication {
    pub fn sku_name(self) -> &'static str {
        match self {
            Replication::Lrs => "Standard_LRS",
            Replication::Zrs => "Standard_ZRS",
            Replication::Grs => "Standard_GRS",
            Replication::Gzrs => "Standard_GZRS",
        }
    }
}

/// Language runtimes App Service on Linux offers, written `stack:version` in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Runtime {
    #[serde(rename = "node:20")]
    Node20,
    #[serde(rename = "node:22")]
    Node22,
    #[serde(rename = "python:3.11")]
    Python311,
    #[serde(rename = "python:3.12")]
    Python312,
    #[serde(rename = "python:3.13")]
    Python313,
    #[serde(rename = "dotnet:8.0")]
    Dotnet8,
    #[serde(rename = "dotnet:9.0")]
    Dotnet9,
    #[serde(rename = "java:17")]
    Java17,
    #[serde(rename = "java:21")]
    Java21,
}

impl Runtime {
    /// `siteConfig.linuxFxVersion` for this runtime.
    pub fn linux_fx_version(self) -> &'static str {
        match self {
            Runtime::Node20 => "NODE|20-lts",
            Runtime::Node22 => "NODE|22-lts",
            Runtime::Python311 => "PYTHON|3.11",
            Runtime::Python312 => "PYTHON|3.12",
            Runtime::Python313 => "PYTHON|3.13",
            Runtime::Dotnet8 => "DOTNETCORE|8.0",
            Runtime::Dotnet9 => "DOTNETCORE|9.0",
            Runtime::Java17 => "JAVA|17-java17",
            Runtime::Java21 => "JAVA|21-java21",
        }
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
    pub component: String,
    pub part: Option<String>,
}

impl Target {
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
            "description": "A component name, or `component.part` for one container, queue or secret.",
            "pattern": "^[a-z][a-z0-9-]*(\\.[A-Za-z0-9-]+)?$"
        })
    }
}

/// Access levels a connection can ask for. Which ones a target supports, and the role each
/// grants, is in the catalogue (and the README's table).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    Read,
    ReadWrite,
    Send,
    Receive,
    SendReceive,
}

impl Access {
    pub const ALL: [Access; 5] = [
        Access::Read,
        Access::ReadWrite,
        Access::Send,
        Access::Receive,
        Access::SendReceive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::ReadWrite => "read-write",
            Access::Send => "send",
            Access::Receive => "receive",
            Access::SendReceive => "send-receive",
        }
    }

    /// The verb used in comments and reports: "web reads media.images".
    pub fn verb(self) -> &'static str {
        match self {
            Access::Read => "reads",
            Access::ReadWrite => "reads and writes",
            Access::Send => "sends to",
            Access::Receive => "receives from",
            Access::SendReceive => "sends to and receives from",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
