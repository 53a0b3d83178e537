//! The words every stage shares, on the ground floor so every import points down: the
//! component kinds, the access levels a connection asks for, the kinds of named parts a
//! connection can target, the controls a waiver can weaken, and values that are the same in
//! every environment or differ. The blueprint, the catalogue, the plan and the emitters all
//! speak them; `blueprint` and `plan` re-export each under its old path.
//!
//! The doc comments and serde/schemars derives of `Access` and `Control` feed the blueprint's
//! JSON schema (`bulwark schema`): change them as schema changes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Component kinds bulwark knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `web-app`: App Service on Linux.
    WebApp,
    /// `function-app`: Azure Functions.
    FunctionApp,
    /// `container-app`: Azure Container Apps.
    ContainerApp,
    /// `storage`: a StorageV2 account.
    Storage,
    /// `key-vault`: Azure Key Vault.
    KeyVault,
    /// `container-registry`: Azure Container Registry.
    ContainerRegistry,
    /// `sql-database`: Azure SQL Database on its own logical server.
    SqlDatabase,
    /// `postgres`: Azure Database for PostgreSQL flexible server.
    Postgres,
    /// `cosmos-db`: Azure Cosmos DB for NoSQL.
    CosmosDb,
    /// `service-bus`: an Azure Service Bus namespace.
    ServiceBus,
    /// `event-hubs`: an Azure Event Hubs namespace.
    EventHubs,
    /// `redis`: Azure Managed Redis.
    Redis,
    /// `app-configuration`: Azure App Configuration.
    AppConfiguration,
    /// `openai`: Azure OpenAI.
    OpenAi,
    /// `ai-search`: Azure AI Search.
    AiSearch,
    /// `external`: a third-party service reached over the internet, its secret in Key Vault.
    External,
}

impl Kind {
    /// Every kind, in the order the catalogue and the README list them.
    pub const ALL: [Kind; 16] = [
        Kind::WebApp,
        Kind::FunctionApp,
        Kind::ContainerApp,
        Kind::Storage,
        Kind::KeyVault,
        Kind::ContainerRegistry,
        Kind::SqlDatabase,
        Kind::Postgres,
        Kind::CosmosDb,
        Kind::ServiceBus,
        Kind::EventHubs,
        Kind::Redis,
        Kind::AppConfiguration,
        Kind::OpenAi,
        Kind::AiSearch,
        Kind::External,
    ];

    /// The kind as a blueprint spells it: `web-app`, `key-vault`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::WebApp => "web-app",
            Kind::FunctionApp => "function-app",
            Kind::ContainerApp => "container-app",
            Kind::Storage => "storage",
            Kind::KeyVault => "key-vault",
            Kind::ContainerRegistry => "container-registry",
            Kind::SqlDatabase => "sql-database",
            Kind::Postgres => "postgres",
            Kind::CosmosDb => "cosmos-db",
            Kind::ServiceBus => "service-bus",
            Kind::EventHubs => "event-hubs",
            Kind::Redis => "redis",
            Kind::AppConfiguration => "app-configuration",
            Kind::OpenAi => "openai",
            Kind::AiSearch => "ai-search",
            Kind::External => "external",
        }
    }

    /// The kind a blueprint's `kind = "…"` names, if any.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kinds of named parts components declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartKind {
    /// A blob container of a storage account (`containers`).
    Container,
    /// A queue of a storage account or a Service Bus namespace (`queues`).
    Queue,
    /// A secret of a key vault (`secrets`).
    Secret,
    /// A database of a PostgreSQL server or a Cosmos DB account (`databases`).
    Database,
    /// A container of a Cosmos DB database, named `database/container`.
    CosmosContainer,
    /// A topic of a Service Bus namespace (`topics`).
    Topic,
    /// A subscription of a Service Bus topic, named `topic/subscription`.
    Subscription,
    /// An event hub of an Event Hubs namespace (`hubs`).
    EventHub,
    /// An Entra app role a compute component declares (`app_roles`), named by its callers.
    AppRole,
}

impl PartKind {
    /// The part kind as diagnostics and the report name it, e.g. `blob container`.
    pub fn noun(self) -> &'static str {
        match self {
            PartKind::Container => "blob container",
            PartKind::Queue => "queue",
            PartKind::Secret => "secret",
            PartKind::Database => "database",
            PartKind::CosmosContainer => "container",
            PartKind::Topic => "topic",
            PartKind::Subscription => "subscription",
            PartKind::EventHub => "event hub",
            PartKind::AppRole => "app role",
        }
    }
}

impl fmt::Display for PartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// Access levels a connection can ask for. Which ones a target supports, and the role each
/// grants, is in the catalogue (and the README's table).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Read the target's data without changing it.
    Read,
    /// Read and change the target's data.
    ReadWrite,
    /// Send messages or events to a queue, topic or event hub.
    Send,
    /// Receive messages or events.
    Receive,
    /// Send and receive messages.
    SendReceive,
    /// Pull images from a container registry.
    Pull,
    /// Push images to a container registry.
    Push,
    /// Use a service as a client: call an OpenAI account's models, read an external
    /// service's secret.
    Use,
    /// Call a compute component's HTTP endpoints with an Entra token for its audience.
    Call,
}

impl Access {
    /// Every access level, in the order the README's table lists them.
    pub const ALL: [Access; 9] = [
        Access::Read,
        Access::ReadWrite,
        Access::Send,
        Access::Receive,
        Access::SendReceive,
        Access::Pull,
        Access::Push,
        Access::Use,
        Access::Call,
    ];

    /// The access level as a blueprint spells it: `read`, `read-write`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::ReadWrite => "read-write",
            Access::Send => "send",
            Access::Receive => "receive",
            Access::SendReceive => "send-receive",
            Access::Pull => "pull",
            Access::Push => "push",
            Access::Use => "use",
            Access::Call => "call",
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
            Access::Pull => "pulls images from",
            Access::Push => "pushes images to",
            Access::Use => "uses",
            Access::Call => "calls",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Controls of the baseline a waiver can weaken.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    /// Public network access on a data service (storage, key-vault, container-registry),
    /// limited to `allow_from`.
    PublicNetworkAccess,
    /// Shared-key (account key and SAS) access on a storage account.
    SharedKeyAccess,
    /// Local (SAS key) authentication on a Service Bus or Event Hubs namespace, through
    /// authorization rules scoped to the entities and rights in `grants`.
    LocalAuth,
    /// A web or function app reachable directly from the internet (`ingress = "direct"`)
    /// instead of through Front Door.
    DirectPublicIngress,
}

impl Control {
    /// Every control a waiver can name, in the order diagnostics list them.
    pub const ALL: &'static [Control] = &[
        Control::PublicNetworkAccess,
        Control::SharedKeyAccess,
        Control::LocalAuth,
        Control::DirectPublicIngress,
    ];

    /// The control as a blueprint spells it, e.g. `public-network-access`.
    pub fn as_str(self) -> &'static str {
        match self {
            Control::PublicNetworkAccess => "public-network-access",
            Control::SharedKeyAccess => "shared-key-access",
            Control::LocalAuth => "local-auth",
            Control::DirectPublicIngress => "direct-public-ingress",
        }
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that is the same in every environment, or differs.
#[derive(Debug, Clone, PartialEq)]
pub enum PerEnvironment<T> {
    Same(T),
    Each(BTreeMap<String, T>),
}

impl<T: PartialEq + Clone> PerEnvironment<T> {
    /// `Same` when every environment agrees, else `Each`.
    pub fn from_map(values: BTreeMap<String, T>) -> Self {
        let mut iter = values.values();
        match iter.next() {
            Some(first) if iter.all(|value| value == first) => PerEnvironment::Same(first.clone()),
            _ => PerEnvironment::Each(values),
        }
    }

    pub fn value_in(&self, environment: &str) -> &T {
        match self {
            PerEnvironment::Same(value) => value,
            PerEnvironment::Each(values) => &values[environment],
        }
    }

    /// A value derived per environment (a tier from a SKU); the same again when every
    /// environment agrees after the mapping.
    pub fn map<U: PartialEq + Clone>(&self, map: impl Fn(&T) -> U) -> PerEnvironment<U> {
        match self {
            PerEnvironment::Same(value) => PerEnvironment::Same(map(value)),
            PerEnvironment::Each(values) => PerEnvironment::from_map(
                values
                    .iter()
                    .map(|(environment, value)| (environment.clone(), map(value)))
                    .collect(),
            ),
        }
    }

    /// Every value it takes across the environments.
    pub fn values(&self) -> Vec<&T> {
        match self {
            PerEnvironment::Same(value) => vec![value],
            PerEnvironment::Each(values) => values.values().collect(),
        }
    }
}
