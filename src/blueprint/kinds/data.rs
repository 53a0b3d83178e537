//! The kinds compute connects to: storage, secrets, registries, databases, messaging,
//! caches, configuration, AI services, and external services reached over the internet.

use super::one;
use crate::blueprint::Overrides;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    #[schemars(regex(pattern = crate::blueprint::schema::GUID))]
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
    #[schemars(transform = crate::blueprint::schema::partition_keys)]
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
