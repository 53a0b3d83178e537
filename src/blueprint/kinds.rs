//! The settings of each component kind, as written under `[components.<name>]`.
//!
//! Sizing fields (SKUs, capacity, replicas, …) have inexpensive defaults that meet the
//! baseline and can be overridden per environment in `[components.<name>.environments.<env>]`;
//! the catalogue lists which fields each kind sizes and which values are allowed.

use super::model::{Connection, Overrides};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A pre-created Entra app registration of a compute component that receives calls, in one
/// environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// The registration's application (client) id, a GUID.
    pub client_id: String,
    /// Its Application ID URI, the audience callers request tokens for, e.g.
    /// `api://contoso.onmicrosoft.com/orders-api-prod`.
    pub identifier_uri: String,
}

/// Who can reach a compute component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Ingress {
    /// Reachable only inside the VNet, through a private endpoint (or the environment's
    /// internal load balancer for container apps).
    #[default]
    Private,
    /// Reachable from the internet through Azure Front Door Premium: a WAF in prevention
    /// mode and a private link to the app, whose own public network access stays disabled.
    Public,
    /// Reachable from the internet directly (HTTPS only, TLS 1.2, access restrictions); needs
    /// a `direct-public-ingress` waiver.
    Direct,
    /// No inbound traffic at all (background workers).
    None,
}

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
    #[schemars(regex(pattern = super::schema::HEALTH_CHECK_PATH), length(max = 512))]
    pub health_check_path: Option<String>,
    /// Plain, non-secret app settings. Secrets belong in a key-vault component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = super::schema::setting_names)]
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

fn one() -> u32 {
    1
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
    #[schemars(transform = super::schema::setting_names)]
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

/// Which Container Apps environment a container app runs in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerEnvironment {
    /// The app's one internal, VNet-integrated environment (default).
    #[default]
    Shared,
    /// An environment of its own, with its own subnet.
    Dedicated,
}

/// `kind = "container-app"`: a container app in an internal, VNet-integrated Container Apps
/// environment, pulling its image with its identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerApp {
    /// Where the image comes from: a full reference that names its registry host
    /// (`mcr.microsoft.com/k8se/quickstart:latest`), or an image in a container-registry
    /// component of the blueprint, `{ registry = "images", repository = "api", tag = "1.4.2" }`,
    /// pulled with the app's identity (which gets `pull` on that registry). The tag may differ
    /// per environment: `image_tag = "…"` in `[components.<name>.environments.<env>]`.
    pub image: Image,
    /// `private` (default): reachable inside the VNet; `none`: no ingress (workers).
    #[serde(default)]
    pub ingress: Ingress,
    /// Port the container listens on. Required with ingress, unless the image is a sample
    /// whose port bulwark knows (`mcr.microsoft.com/k8se/quickstart` listens on 80).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
    /// vCPUs per replica, e.g. `"0.5"`.
    #[serde(default = "ContainerApp::default_cpu")]
    pub cpu: String,
    /// Memory per replica, e.g. `"1Gi"` (twice the vCPUs, in Gi).
    #[serde(default = "ContainerApp::default_memory")]
    pub memory: String,
    /// Replicas kept running when idle; `0` (default) scales to zero.
    #[serde(default)]
    pub min_replicas: u32,
    /// The most replicas the scale rules may run.
    #[serde(default = "ContainerApp::default_max_replicas")]
    pub max_replicas: u32,
    /// `shared` (default) or `dedicated`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub environment: ContainerEnvironment,
    /// Plain, non-secret environment variables. Secrets belong in a key-vault component.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = super::schema::setting_names)]
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
    /// Sizing per environment, e.g. `prod = { cpu = "1.0", memory = "2Gi", max_replicas = 10 }`,
    /// and `image_tag` for a registry image.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl ContainerApp {
    /// The per-environment field that overrides the tag of a registry image.
    pub const IMAGE_TAG: &'static str = "image_tag";

    /// Sample images and the port they listen on: the Container Apps quickstart image
    /// serves on 80 (learn.microsoft.com/azure/container-apps/get-started: `az containerapp up
    /// --image mcr.microsoft.com/k8se/quickstart:latest --target-port 80`).
    pub const KNOWN_IMAGE_PORTS: &'static [(&'static str, u32)] =
        &[("mcr.microsoft.com/k8se/quickstart", 80)];

    /// The port ingress sends traffic to: the blueprint's `target_port`, or the known port of
    /// a sample image. `None` when neither says (a diagnostic when the app has ingress).
    pub fn effective_target_port(&self) -> Option<u32> {
        self.target_port.or_else(|| match &self.image {
            Image::Reference(reference) => {
                let repository = reference
                    .split_once('@')
                    .map_or(reference.as_str(), |(name, _)| name);
                let repository = match repository.rsplit_once(':') {
                    Some((name, tag)) if !tag.contains('/') => name,
                    _ => repository,
                };
                Self::KNOWN_IMAGE_PORTS
                    .iter()
                    .find(|(image, _)| *image == repository)
                    .map(|(_, port)| *port)
            }
            Image::Registry(_) => None,
        })
    }

    pub(crate) fn default_cpu() -> String {
        "0.5".to_string()
    }

    pub(crate) fn default_memory() -> String {
        "1Gi".to_string()
    }

    pub(crate) fn default_max_replicas() -> u32 {
        3
    }
}

/// A container app's image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Image {
    /// A full image reference whose first part is the registry host, e.g.
    /// `mcr.microsoft.com/k8se/quickstart:latest` or `ghcr.io/org/app@sha256:…`.
    Reference(String),
    /// An image in a container-registry component of this blueprint.
    Registry(RegistryImage),
}

/// An image in a container-registry component: bulwark writes the registry's login server
/// in front of it and grants the app `pull` on exactly that registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryImage {
    /// The container-registry component the image is in.
    pub registry: String,
    /// The repository inside it, e.g. `payroll/runs` (lowercase, `/`-separated).
    pub repository: String,
    /// The tag in every environment without its own `image_tag`, e.g. `1.8.2`.
    pub tag: String,
}

impl Image {
    /// The image in a container-registry component, when it is one.
    pub fn registry(&self) -> Option<&RegistryImage> {
        match self {
            Image::Registry(image) => Some(image),
            Image::Reference(_) => None,
        }
    }
}

impl From<&str> for Image {
    fn from(reference: &str) -> Self {
        Image::Reference(reference.to_string())
    }
}

impl From<String> for Image {
    fn from(reference: String) -> Self {
        Image::Reference(reference)
    }
}

impl From<RegistryImage> for Image {
    fn from(image: RegistryImage) -> Self {
        Image::Registry(image)
    }
}

impl<'de> Deserialize<'de> for Image {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Image;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "`registry-host/repository:tag` or a table { registry, repository, tag }",
                )
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Image, E> {
                Ok(Image::Reference(text.to_string()))
            }

            // Delegating to the struct keeps its unknown-field and missing-field errors, with
            // the TOML spans of the table's own keys.
            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<Image, M::Error> {
                RegistryImage::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(Image::Registry)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `kind = "storage"`: a StorageV2 account with private blob containers and queues, reached
/// with Entra ID only.
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
    /// Sizing per environment, e.g. `prod = { replication = "GZRS" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

/// Storage redundancy. ZRS keeps data through a zone outage; GZRS also through a region's
/// (learn.microsoft.com/azure/storage/common/storage-redundancy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Replication {
    /// `LRS`: three copies in one datacenter of the region.
    #[serde(rename = "LRS")]
    Lrs,
    /// `ZRS`: copies across the region's availability zones (the default).
    #[default]
    #[serde(rename = "ZRS")]
    Zrs,
    /// `GRS`: LRS, also copied to a secondary region.
    #[serde(rename = "GRS")]
    Grs,
    /// `GZRS`: ZRS, also copied to a secondary region.
    #[serde(rename = "GZRS")]
    Gzrs,
}

impl Replication {
    /// Every replication as a blueprint spells it.
    pub const ALL: [&'static str; 4] = ["LRS", "ZRS", "GRS", "GZRS"];

    /// The replication as a blueprint (and Azure's SKU name) spells it, e.g. `ZRS`.
    pub fn as_str(self) -> &'static str {
        match self {
            Replication::Lrs => "LRS",
            Replication::Zrs => "ZRS",
            Replication::Grs => "GRS",
            Replication::Gzrs => "GZRS",
        }
    }
}

/// `kind = "key-vault"`: a key vault in RBAC mode with purge protection, holding named secrets
/// set at deploy time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyVault {
    /// Secret names. Values never live in the blueprint: each is read from an environment
    /// variable when the deployment runs (see the generated `.bicepparam` files).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<String>,
}

/// `kind = "container-registry"`: a Premium registry, admin user and anonymous pull off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerRegistry {
    /// Days untagged manifests are kept before they are purged.
    #[serde(default = "ContainerRegistry::default_retention_days")]
    pub retention_days: u32,
}

impl ContainerRegistry {
    pub(crate) fn default_retention_days() -> u32 {
        7
    }
}

/// A Microsoft Entra group that administers a database server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdminGroup {
    /// The group's display name.
    pub name: String,
    /// The group's object id (a GUID).
    #[schemars(regex(pattern = super::schema::GUID))]
    pub object_id: String,
}

/// `kind = "sql-database"`: an Azure SQL logical server with Entra-only authentication, and
/// its database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SqlDatabase {
    /// The Entra group that administers the logical server; SQL logins are disabled.
    pub admin_group: AdminGroup,
    /// Database SKU, e.g. `GP_S_Gen5_1` (serverless, default), `S0`, `GP_Gen5_2`.
    #[serde(default = "SqlDatabase::default_sku")]
    pub sku: String,
    /// Maximum size in GB.
    #[serde(default = "SqlDatabase::default_max_size_gb")]
    pub max_size_gb: u32,
    /// Sizing per environment, e.g. `prod = { sku = "GP_Gen5_2", max_size_gb = 256 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl SqlDatabase {
    pub(crate) fn default_sku() -> String {
        "GP_S_Gen5_1".to_string()
    }

    pub(crate) fn default_max_size_gb() -> u32 {
        32
    }
}

/// `kind = "postgres"`: a PostgreSQL flexible server with Entra authentication only, and its
/// databases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Postgres {
    /// The Entra group that administers the server; password authentication is disabled.
    pub admin_group: AdminGroup,
    /// Databases to create; connections name one (`<server>.<database>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub databases: Vec<String>,
    /// PostgreSQL major version.
    #[serde(default = "Postgres::default_version")]
    pub version: String,
    /// Compute SKU, e.g. `Standard_B1ms` (Burstable, default) or `Standard_D2ds_v5`.
    #[serde(default = "Postgres::default_sku")]
    pub sku: String,
    /// Storage in GB.
    #[serde(default = "Postgres::default_storage_gb")]
    pub storage_gb: u32,
    /// Sizing per environment, e.g. `prod = { sku = "Standard_D2ds_v5", storage_gb = 128 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl Postgres {
    pub(crate) fn default_version() -> String {
        "16".to_string()
    }

    pub(crate) fn default_sku() -> String {
        "Standard_B1ms".to_string()
    }

    pub(crate) fn default_storage_gb() -> u32 {
        32
    }
}

/// `kind = "cosmos-db"`: a serverless Cosmos DB for NoSQL account with local auth off, and
/// its databases and containers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CosmosDb {
    /// Databases and their containers: `databases.<db>.containers.<container> = "/partitionKey"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub databases: BTreeMap<String, CosmosDatabase>,
}

/// One Cosmos DB database: its containers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CosmosDatabase {
    /// Container name → partition key path, e.g. `orders = "/customerId"`.
    #[serde(default)]
    #[schemars(transform = super::schema::partition_keys)]
    pub containers: BTreeMap<String, String>,
}

/// `kind = "service-bus"`: a Premium Service Bus namespace with local auth off, and its queues,
/// topics and subscriptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceBus {
    /// Queues to create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queues: Vec<String>,
    /// Topic name → its subscriptions, e.g. `events = ["billing", "audit"]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub topics: BTreeMap<String, Vec<String>>,
    /// Premium messaging units (1, 2, 4, 8 or 16); Premium is the tier with private endpoints.
    #[serde(default = "one")]
    pub capacity: u32,
    /// Sizing per environment, e.g. `prod = { capacity = 2 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

/// `kind = "event-hubs"`: an Event Hubs namespace with local auth off, and its hubs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventHubs {
    /// Event hubs to create.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hubs: Vec<String>,
    /// Partitions per hub.
    #[serde(default = "EventHubs::default_partitions")]
    pub partitions: u32,
    /// `Standard` (default) or `Premium`; Basic has no private endpoints.
    #[serde(default = "EventHubs::default_sku")]
    pub sku: String,
    /// Throughput (Standard) or processing (Premium) units.
    #[serde(default = "one")]
    pub capacity: u32,
    /// Sizing per environment, e.g. `prod = { sku = "Premium", capacity = 1 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl EventHubs {
    pub(crate) fn default_partitions() -> u32 {
        2
    }

    pub(crate) fn default_sku() -> String {
        "Standard".to_string()
    }
}

/// `kind = "redis"`: an Azure Managed Redis instance with Entra auth, access keys off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redis {
    /// Azure Managed Redis SKU, e.g. `Balanced_B0` (default), `Balanced_B1`, `MemoryOptimized_M10`.
    #[serde(default = "Redis::default_sku")]
    pub sku: String,
    /// Sizing per environment, e.g. `prod = { sku = "Balanced_B1" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl Redis {
    pub(crate) fn default_sku() -> String {
        "Balanced_B0".to_string()
    }
}

/// `kind = "app-configuration"`: an App Configuration store with local auth off and purge
/// protection on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AppConfiguration {
    /// `standard` (default) or `premium`; the free tier has no private endpoints.
    #[serde(default = "AppConfiguration::default_sku")]
    pub sku: String,
    /// Sizing per environment, e.g. `prod = { sku = "premium" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl AppConfiguration {
    pub(crate) fn default_sku() -> String {
        "standard".to_string()
    }
}

/// `kind = "openai"`: an Azure OpenAI account with local auth off, and its model deployments.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenAi {
    /// Model deployments by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deployments: BTreeMap<String, OpenAiDeployment>,
}

/// One model deployment of an Azure OpenAI account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenAiDeployment {
    /// Model name, e.g. `gpt-4o-mini`.
    pub model: String,
    /// Model version, e.g. `2024-07-18`.
    pub version: String,
    /// Deployment SKU: `Standard` (default), `GlobalStandard`, `DataZoneStandard`, …
    #[serde(default = "OpenAiDeployment::default_sku")]
    pub sku: String,
    /// Capacity in thousands of tokens per minute.
    #[serde(default = "OpenAiDeployment::default_capacity")]
    pub capacity: u32,
}

impl OpenAiDeployment {
    pub(crate) fn default_sku() -> String {
        "Standard".to_string()
    }

    pub(crate) fn default_capacity() -> u32 {
        10
    }
}

/// `kind = "ai-search"`: an Azure AI Search service with local auth off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AiSearch {
    /// `basic` (default) or a `standard*` tier; free has no private endpoints.
    #[serde(default = "AiSearch::default_sku")]
    pub sku: String,
    /// Replicas of the search service.
    #[serde(default = "one")]
    pub replicas: u32,
    /// Partitions of the search service.
    #[serde(default = "one")]
    pub partitions: u32,
    /// Sizing per environment, e.g. `prod = { sku = "standard", replicas = 2 }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: Overrides,
}

impl AiSearch {
    pub(crate) fn default_sku() -> String {
        "basic".to_string()
    }
}

/// `kind = "external"`: a third-party service reached over the internet, its secret kept in a
/// key-vault component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct External {
    /// The service's base URL (https).
    pub url: String,
    /// The key-vault component that keeps the service's secret; the secret is named after
    /// this component and set from an environment variable at deploy time.
    pub vault: String,
}
