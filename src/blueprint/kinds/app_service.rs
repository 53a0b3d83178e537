//! The App Service kinds: web apps and function apps, with their runtimes.

use super::{Ingress, Registration, one};
use crate::blueprint::{Connection, Overrides};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `kind = "web-app"`: a web app on App Service for Linux, with its own plan, identity and
/// VNet integration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebApp {
    /// Language runtime and major version.
    pub runtime: Runtime,
    /// `private` (default), `public` (through Front Door) or `direct` (with a waiver).
    #[serde(default)]
    pub ingress: Ingress,
    /// App Service plan SKU; only SKUs with VNet integration and private endpoints.
    #[serde(default = "WebApp::default_sku")]
    pub sku: String,
    /// Instances of the plan.
    #[serde(default = "one")]
    pub instances: u32,
    /// Path App Service probes to take unhealthy instances out of rotation, e.g. `/healthz`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = crate::blueprint::schema::HEALTH_CHECK_PATH), length(max = 512))]
    pub health_check_path: Option<String>,
    /// Plain, non-secret app settings. Secrets belong in a key-vault component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = crate::blueprint::schema::setting_names)]
    pub settings: BTreeMap<String, String>,
    /// Entra app roles callers can be granted, e.g. `["orders-read", "orders-write"]`: a
    /// connection `{ to = "<name>.orders-read", access = "call" }` assigns one to the caller's
    /// identity. Every app that receives calls also has the role `call`, which a connection to
    /// the app as a whole assigns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_roles: Vec<String>,
    /// An app registration a platform team created, per environment, for a CI identity
    /// without Microsoft Graph rights: `[components.<name>.registration.<env>]` with
    /// `client_id` and `identifier_uri`. Without it, the deployment creates the registration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub registration: BTreeMap<String, Registration>,
    /// Connections to other components, each with the access it needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<Connection>,
    /// Sizing per environment, e.g. `prod = { sku = "P1v3", instances = 2 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl WebApp {
    /// The plan SKU when the blueprint sets none: the smallest Premium v3 plan.
    pub const DEFAULT_SKU: &'static str = "P0v3";

    pub(crate) fn default_sku() -> String {
        Self::DEFAULT_SKU.to_string()
    }
}

/// Language runtimes App Service on Linux offers, written `stack:version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Runtime {
    /// Node.js 20.
    #[serde(rename = "node:20")]
    Node20,
    /// Node.js 22.
    #[serde(rename = "node:22")]
    Node22,
    /// Python 3.11.
    #[serde(rename = "python:3.11")]
    Python311,
    /// Python 3.12.
    #[serde(rename = "python:3.12")]
    Python312,
    /// Python 3.13.
    #[serde(rename = "python:3.13")]
    Python313,
    /// .NET 8.
    #[serde(rename = "dotnet:8.0")]
    Dotnet8,
    /// .NET 9.
    #[serde(rename = "dotnet:9.0")]
    Dotnet9,
    /// Java 17.
    #[serde(rename = "java:17")]
    Java17,
    /// Java 21.
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

/// `kind = "function-app"`: an Azure Functions app, VNet-integrated, its host storage reached
/// with its identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FunctionApp {
    /// Functions worker runtime and version.
    pub runtime: FunctionRuntime,
    /// `private` (default) or `public`.
    #[serde(default)]
    pub ingress: Ingress,
    /// Hosting plan: `FC1` (Flex Consumption, default) or Elastic Premium `EP1`-`EP3`; both
    /// integrate with the VNet. Fixed for all environments.
    #[serde(default = "FunctionApp::default_sku")]
    pub sku: String,
    /// Upper bound on instances the platform may scale out to.
    #[serde(default = "FunctionApp::default_maximum_instances")]
    pub maximum_instances: u32,
    /// Plain, non-secret app settings. Secrets belong in a key-vault component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = crate::blueprint::schema::setting_names)]
    pub settings: BTreeMap<String, String>,
    /// Entra app roles callers can be granted, e.g. `["orders-read", "orders-write"]`: a
    /// connection `{ to = "<name>.orders-read", access = "call" }` assigns one to the caller's
    /// identity. Every app that receives calls also has the role `call`, which a connection to
    /// the app as a whole assigns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_roles: Vec<String>,
    /// An app registration a platform team created, per environment, for a CI identity
    /// without Microsoft Graph rights: `[components.<name>.registration.<env>]` with
    /// `client_id` and `identifier_uri`. Without it, the deployment creates the registration.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub registration: BTreeMap<String, Registration>,
    /// Connections to other components, each with the access it needs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uses: Vec<Connection>,
    /// Sizing per environment, e.g. `prod = { maximum_instances = 100 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl FunctionApp {
    /// The hosting plan when the blueprint sets none: Flex Consumption.
    pub const DEFAULT_SKU: &'static str = "FC1";

    pub(crate) fn default_sku() -> String {
        Self::DEFAULT_SKU.to_string()
    }

    pub(crate) fn default_maximum_instances() -> u32 {
        40
    }

    /// Whether the app runs on Flex Consumption (`FC1`) rather than Elastic Premium.
    pub fn is_flex_consumption(&self) -> bool {
        self.sku == "FC1"
    }
}

/// Azure Functions runtimes, written `stack:version`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum FunctionRuntime {
    /// Node.js 20.
    #[serde(rename = "node:20")]
    Node20,
    /// Node.js 22.
    #[serde(rename = "node:22")]
    Node22,
    /// Python 3.11.
    #[serde(rename = "python:3.11")]
    Python311,
    /// Python 3.12.
    #[serde(rename = "python:3.12")]
    Python312,
    /// .NET 8 in the isolated worker model.
    #[serde(rename = "dotnet-isolated:8.0")]
    DotnetIsolated8,
    /// .NET 9 in the isolated worker model.
    #[serde(rename = "dotnet-isolated:9.0")]
    DotnetIsolated9,
    /// Java 17.
    #[serde(rename = "java:17")]
    Java17,
    /// Java 21.
    #[serde(rename = "java:21")]
    Java21,
    /// PowerShell 7.4.
    #[serde(rename = "powershell:7.4")]
    PowerShell74,
}

impl FunctionRuntime {
    /// The runtime name and version as Flex Consumption's `functionAppConfig.runtime` and
    /// `FUNCTIONS_WORKER_RUNTIME` spell them.
    pub fn name_and_version(self) -> (&'static str, &'static str) {
        match self {
            FunctionRuntime::Node20 => ("node", "20"),
            FunctionRuntime::Node22 => ("node", "22"),
            FunctionRuntime::Python311 => ("python", "3.11"),
            FunctionRuntime::Python312 => ("python", "3.12"),
            FunctionRuntime::DotnetIsolated8 => ("dotnet-isolated", "8.0"),
            FunctionRuntime::DotnetIsolated9 => ("dotnet-isolated", "9.0"),
            FunctionRuntime::Java17 => ("java", "17"),
            FunctionRuntime::Java21 => ("java", "21"),
            FunctionRuntime::PowerShell74 => ("powershell", "7.4"),
        }
    }

    /// `siteConfig.linuxFxVersion` on an Elastic Premium plan.
    pub fn linux_fx_version(self) -> &'static str {
        match self {
            FunctionRuntime::Node20 => "Node|20",
            FunctionRuntime::Node22 => "Node|22",
            FunctionRuntime::Python311 => "Python|3.11",
            FunctionRuntime::Python312 => "Python|3.12",
            FunctionRuntime::DotnetIsolated8 => "DOTNET-ISOLATED|8.0",
            FunctionRuntime::DotnetIsolated9 => "DOTNET-ISOLATED|9.0",
            FunctionRuntime::Java17 => "Java|17",
            FunctionRuntime::Java21 => "Java|21",
            FunctionRuntime::PowerShell74 => "PowerShell|7.4",
        }
    }
}
