//! Components: a named `[components.<name>]` with its kind-specific settings, its
//! connections, and the named parts (containers, queues, secrets, …) a connection can target.

use super::super::kinds::*;
use super::{Connection, Overrides, SizingValue};
use crate::vocabulary::{Kind, PartKind};
use serde::Serialize;
use std::collections::BTreeMap;

/// A named component: `[components.<name>]` with its kind-specific settings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// Its name: part of its resources' names, and what connections name.
    pub name: String,
    /// Its kind and the kind's settings.
    #[serde(flatten)]
    pub spec: ComponentSpec,
}

impl Component {
    /// Its kind, e.g. [`Kind::WebApp`].
    pub fn kind(&self) -> Kind {
        self.spec.kind()
    }

    /// Who can reach a compute component; `None` for other kinds.
    pub fn ingress(&self) -> Option<Ingress> {
        match &self.spec {
            ComponentSpec::WebApp(spec) => Some(spec.ingress),
            ComponentSpec::FunctionApp(spec) => Some(spec.ingress),
            ComponentSpec::ContainerApp(spec) => Some(spec.ingress),
            _ => None,
        }
    }

    /// The app registrations a platform team created for this compute component, per
    /// environment; empty when the deployment creates its registration (or for other kinds).
    pub fn registration(&self) -> &BTreeMap<String, Registration> {
        self.spec.registration()
    }

    /// The connections this component makes; only compute kinds make any.
    pub fn uses(&self) -> &[Connection] {
        self.spec.uses()
    }
}

impl ComponentSpec {
    /// The app registrations a platform team created for this compute kind, per environment.
    pub fn registration(&self) -> &BTreeMap<String, Registration> {
        static NONE: BTreeMap<String, Registration> = BTreeMap::new();
        match self {
            ComponentSpec::WebApp(spec) => &spec.registration,
            ComponentSpec::FunctionApp(spec) => &spec.registration,
            ComponentSpec::ContainerApp(spec) => &spec.registration,
            _ => &NONE,
        }
    }

    /// The connections this component makes; only compute kinds make any.
    pub fn uses(&self) -> &[Connection] {
        match self {
            ComponentSpec::WebApp(spec) => &spec.uses,
            ComponentSpec::FunctionApp(spec) => &spec.uses,
            ComponentSpec::ContainerApp(spec) => &spec.uses,
            _ => &[],
        }
    }
}

/// Kind-specific settings; `kind = "…"` in TOML selects the variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ComponentSpec {
    /// App Service on Linux with its own plan, identity and VNet integration.
    WebApp(WebApp),
    /// Azure Functions on a plan with VNet integration and identity-based host storage.
    FunctionApp(FunctionApp),
    /// A container app in an internal, VNet-integrated Container Apps environment.
    ContainerApp(ContainerApp),
    /// A storage account with blob containers and queues.
    Storage(Storage),
    /// A Key Vault in RBAC mode holding named secrets whose values are set at deploy time.
    KeyVault(KeyVault),
    /// A Premium container registry with admin user and anonymous pull off.
    ContainerRegistry(ContainerRegistry),
    /// An Azure SQL logical server with Entra-only auth, and its database.
    SqlDatabase(SqlDatabase),
    /// A PostgreSQL flexible server with Entra auth, and its databases.
    Postgres(Postgres),
    /// A Cosmos DB for NoSQL account with its databases and containers.
    CosmosDb(CosmosDb),
    /// A Premium Service Bus namespace with queues, topics and subscriptions.
    ServiceBus(ServiceBus),
    /// An Event Hubs namespace and its hubs.
    EventHubs(EventHubs),
    /// Azure Managed Redis with Entra auth and access keys off.
    Redis(Redis),
    /// An App Configuration store with local auth off.
    AppConfiguration(AppConfiguration),
    /// An Azure OpenAI account with named model deployments.
    #[serde(rename = "openai")]
    OpenAi(OpenAi),
    /// An Azure AI Search service with local auth off.
    AiSearch(AiSearch),
    /// A third-party service reached over the internet with a secret kept in Key Vault.
    External(External),
}

impl ComponentSpec {
    /// The kind this spec is for.
    pub fn kind(&self) -> Kind {
        match self {
            ComponentSpec::WebApp(_) => Kind::WebApp,
            ComponentSpec::FunctionApp(_) => Kind::FunctionApp,
            ComponentSpec::ContainerApp(_) => Kind::ContainerApp,
            ComponentSpec::Storage(_) => Kind::Storage,
            ComponentSpec::KeyVault(_) => Kind::KeyVault,
            ComponentSpec::ContainerRegistry(_) => Kind::ContainerRegistry,
            ComponentSpec::SqlDatabase(_) => Kind::SqlDatabase,
            ComponentSpec::Postgres(_) => Kind::Postgres,
            ComponentSpec::CosmosDb(_) => Kind::CosmosDb,
            ComponentSpec::ServiceBus(_) => Kind::ServiceBus,
            ComponentSpec::EventHubs(_) => Kind::EventHubs,
            ComponentSpec::Redis(_) => Kind::Redis,
            ComponentSpec::AppConfiguration(_) => Kind::AppConfiguration,
            ComponentSpec::OpenAi(_) => Kind::OpenAi,
            ComponentSpec::AiSearch(_) => Kind::AiSearch,
            ComponentSpec::External(_) => Kind::External,
        }
    }

    /// Per-environment sizing overrides, for kinds that size anything.
    pub fn overrides(&self) -> Option<&Overrides> {
        match self {
            ComponentSpec::WebApp(spec) => Some(&spec.environments),
            ComponentSpec::FunctionApp(spec) => Some(&spec.environments),
            ComponentSpec::ContainerApp(spec) => Some(&spec.environments),
            ComponentSpec::Storage(spec) => Some(&spec.environments),
            ComponentSpec::SqlDatabase(spec) => Some(&spec.environments),
            ComponentSpec::Postgres(spec) => Some(&spec.environments),
            ComponentSpec::ServiceBus(spec) => Some(&spec.environments),
            ComponentSpec::EventHubs(spec) => Some(&spec.environments),
            ComponentSpec::Redis(spec) => Some(&spec.environments),
            ComponentSpec::AppConfiguration(spec) => Some(&spec.environments),
            ComponentSpec::AiSearch(spec) => Some(&spec.environments),
            _ => None,
        }
    }

    /// The base (all-environment) value of every sizing field.
    pub fn sizing(&self) -> Vec<(&'static str, SizingValue)> {
        use super::SizingValue::{Int, Text};
        let int = |value: u32| Int(i64::from(value));
        match self {
            ComponentSpec::WebApp(spec) => vec![
                ("sku", Text(spec.sku.clone())),
                ("instances", int(spec.instances)),
            ],
            ComponentSpec::FunctionApp(spec) => {
                vec![("maximum_instances", int(spec.maximum_instances))]
            }
            ComponentSpec::ContainerApp(spec) => vec![
                ("cpu", Text(spec.cpu.clone())),
                ("memory", Text(spec.memory.clone())),
                ("min_replicas", int(spec.min_replicas)),
                ("max_replicas", int(spec.max_replicas)),
            ],
            ComponentSpec::Storage(spec) => {
                vec![("replication", Text(spec.replication.as_str().to_string()))]
            }
            ComponentSpec::SqlDatabase(spec) => vec![
                ("sku", Text(spec.sku.clone())),
                ("max_size_gb", int(spec.max_size_gb)),
            ],
            ComponentSpec::Postgres(spec) => vec![
                ("sku", Text(spec.sku.clone())),
                ("storage_gb", int(spec.storage_gb)),
                ("version", Text(spec.version.clone())),
            ],
            ComponentSpec::ServiceBus(spec) => vec![("capacity", int(spec.capacity))],
            ComponentSpec::EventHubs(spec) => vec![
                ("sku", Text(spec.sku.clone())),
                ("capacity", int(spec.capacity)),
            ],
            ComponentSpec::Redis(spec) => vec![("sku", Text(spec.sku.clone()))],
            ComponentSpec::AppConfiguration(spec) => vec![("sku", Text(spec.sku.clone()))],
            ComponentSpec::AiSearch(spec) => vec![
                ("sku", Text(spec.sku.clone())),
                ("replicas", int(spec.replicas)),
                ("partitions", int(spec.partitions)),
            ],
            _ => Vec::new(),
        }
    }

    /// The named parts a connection can target: containers, queues, secrets, databases, …
    pub fn parts(&self) -> Vec<Part> {
        let mut parts = Vec::new();
        let mut add = |kind: PartKind, names: &mut dyn Iterator<Item = String>, field: &str| {
            for (index, name) in names.enumerate() {
                parts.push(Part {
                    kind,
                    name,
                    path: format!("{field}[{index}]"),
                });
            }
        };
        match self {
            ComponentSpec::Storage(spec) => {
                add(
                    PartKind::Container,
                    &mut spec.containers.iter().cloned(),
                    "containers",
                );
                add(PartKind::Queue, &mut spec.queues.iter().cloned(), "queues");
            }
            ComponentSpec::KeyVault(spec) => add(
                PartKind::Secret,
                &mut spec.secrets.iter().cloned(),
                "secrets",
            ),
            ComponentSpec::Postgres(spec) => add(
                PartKind::Database,
                &mut spec.databases.iter().cloned(),
                "databases",
            ),
            ComponentSpec::ServiceBus(spec) => {
                add(PartKind::Queue, &mut spec.queues.iter().cloned(), "queues");
                for (topic, subscriptions) in &spec.topics {
                    parts.push(Part {
                        kind: PartKind::Topic,
                        name: topic.clone(),
                        path: format!("topics.{topic}"),
                    });
                    for (index, subscription) in subscriptions.iter().enumerate() {
                        parts.push(Part {
                            kind: PartKind::Subscription,
                            name: format!("{topic}/{subscription}"),
                            path: format!("topics.{topic}[{index}]"),
                        });
                    }
                }
            }
            ComponentSpec::EventHubs(spec) => {
                add(PartKind::EventHub, &mut spec.hubs.iter().cloned(), "hubs")
            }
            ComponentSpec::WebApp(WebApp { app_roles, .. })
            | ComponentSpec::FunctionApp(FunctionApp { app_roles, .. })
            | ComponentSpec::ContainerApp(ContainerApp { app_roles, .. }) => add(
                PartKind::AppRole,
                &mut app_roles.iter().cloned(),
                "app_roles",
            ),
            ComponentSpec::CosmosDb(spec) => {
                for (database, body) in &spec.databases {
                    parts.push(Part {
                        kind: PartKind::Database,
                        name: database.clone(),
                        path: format!("databases.{database}"),
                    });
                    for container in body.containers.keys() {
                        parts.push(Part {
                            kind: PartKind::CosmosContainer,
                            name: format!("{database}/{container}"),
                            path: format!("databases.{database}.containers.{container}"),
                        });
                    }
                }
            }
            _ => {}
        }
        parts
    }

    /// The part a connection names `name` (`images`, `events/billing`), if the component
    /// declares one.
    pub fn part(&self, name: &str) -> Option<Part> {
        // The same answer as the first of `parts()` named `name`, formatting only its path:
        // building every part to find one was most of looking a connection's target up.
        let first = |lists: &[(PartKind, &[String], &str)]| {
            lists.iter().find_map(|(kind, names, field)| {
                let index = names.iter().position(|declared| declared == name)?;
                Some(Part {
                    kind: *kind,
                    name: name.to_string(),
                    path: format!("{field}[{index}]"),
                })
            })
        };
        match self {
            ComponentSpec::Storage(spec) => first(&[
                (PartKind::Container, &spec.containers, "containers"),
                (PartKind::Queue, &spec.queues, "queues"),
            ]),
            ComponentSpec::KeyVault(spec) => first(&[(PartKind::Secret, &spec.secrets, "secrets")]),
            ComponentSpec::Postgres(spec) => {
                first(&[(PartKind::Database, &spec.databases, "databases")])
            }
            ComponentSpec::EventHubs(spec) => first(&[(PartKind::EventHub, &spec.hubs, "hubs")]),
            ComponentSpec::WebApp(WebApp { app_roles, .. })
            | ComponentSpec::FunctionApp(FunctionApp { app_roles, .. })
            | ComponentSpec::ContainerApp(ContainerApp { app_roles, .. }) => {
                first(&[(PartKind::AppRole, app_roles, "app_roles")])
            }
            _ => self.parts().into_iter().find(|part| part.name == name),
        }
    }
}

/// A named part of a component that a connection can target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// What kind of part it is, which decides the roles a connection can get.
    pub kind: PartKind,
    /// As a connection names it: `images`, `events/billing`, `shop/orders`.
    pub name: String,
    /// Where it is declared, relative to the component.
    pub path: String,
}
