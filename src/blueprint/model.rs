//! The typed blueprint: what the TOML loader and the Rust builder both produce.
//!
//! Field names and their TOML spellings are the same (`snake_case`), and the JSON Schema that
//! `bulwark schema` prints is derived from these types.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use super::kinds::*;
pub use crate::vocabulary::{Access, Kind, PartKind};
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

/// The app's network. By default bulwark creates a VNet from `address_space`; with
/// `existing` it adds its subnets to a VNet the platform team owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The VNet address space every subnet is carved from (IPv4 CIDR, /8 to /24).
    #[serde(default = "Network::default_address_space")]
    #[schemars(regex(pattern = super::schema::ADDRESS_SPACE))]
    pub address_space: String,
    /// Deploy into an existing VNet instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<ExistingNetwork>,
    /// Resource id of a hub VNet to peer the created VNet with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_with: Option<String>,
    /// DNS servers of the created VNet (IPv4), e.g. the hub's DNS resolver or its firewall's
    /// DNS proxy, which resolve the platform's private DNS zones; empty: Azure-provided DNS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = super::schema::IPV4)))]
    pub dns_servers: Vec<String>,
    /// How compute traffic leaves the created VNet: without it, through a NAT gateway
    /// bulwark creates; `{ firewall = "10.0.0.4" }`, through a route table sending
    /// 0.0.0.0/0 to the hub firewall's private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    /// Subnet ranges pinned by subnet name, e.g. `web-integration = "10.0.8.0/24"`; the rest
    /// are laid out by bulwark.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = super::schema::subnet_pins)]
    pub subnets: BTreeMap<String, String>,
    /// `create` (default): private DNS zones in the app's resource group, linked to the VNet;
    /// `central`: zones owned by the platform (see `dns_zones`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub dns: DnsMode,
    /// With `dns = "central"`: the resource id of each private DNS zone, by zone name. Leave
    /// it out when the estate's policy registers private endpoints in its zones.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub dns_zones: BTreeMap<String, String>,
    /// What differs per environment: `address_space`, `existing`, `peer_with`, `dns_servers`,
    /// `egress`, `subnets`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, NetworkOverride>,
    /// The network security perimeter around the app's PaaS resources: `true` (default), one
    /// per environment; `false`, none (the platform runs its own);
    /// `{ id = "<perimeter id>", profile = "<profile name>" }`, the platform's perimeter.
    #[serde(default, skip_serializing_if = "is_default")]
    pub perimeter: PerimeterSetting,
}

/// `[network] perimeter`: whether bulwark creates a network security perimeter, leaves it to
/// the platform, or associates the app's resources with the platform's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum PerimeterSetting {
    /// One perimeter per environment, created with the app (the default).
    #[default]
    Create,
    /// No perimeter: the platform runs its own, or none.
    Off,
    /// The app's resources join a profile of the platform's perimeter.
    Existing(ExistingPerimeter),
}

/// A perimeter the platform owns, and the profile of it the app's resources join.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExistingPerimeter {
    /// `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/networkSecurityPerimeters/<name>`.
    #[schemars(transform = super::schema::perimeter_id)]
    pub id: String,
    /// The name of the perimeter's profile whose access rules apply to the app's resources.
    pub profile: String,
}

impl Serialize for PerimeterSetting {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PerimeterSetting::Create => serializer.serialize_bool(true),
            PerimeterSetting::Off => serializer.serialize_bool(false),
            PerimeterSetting::Existing(existing) => existing.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for PerimeterSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PerimeterSetting;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "`true`, `false` or { id = \"<perimeter id>\", profile = \"<profile name>\" }",
                )
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(if value {
                    PerimeterSetting::Create
                } else {
                    PerimeterSetting::Off
                })
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                ExistingPerimeter::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(PerimeterSetting::Existing)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for PerimeterSetting {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PerimeterSetting".into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let existing = generator.subschema_for::<ExistingPerimeter>();
        schemars::json_schema!({
            "description": "`true` (default): a network security perimeter per environment; `false`: none; or the platform's perimeter and profile.",
            "type": ["boolean", "object"],
            "if": { "type": "object" },
            "then": existing
        })
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// An existing VNet bulwark adds its subnets to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExistingNetwork {
    /// `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>`.
    #[schemars(transform = super::schema::vnet_id)]
    pub vnet_id: String,
    /// The ranges of the VNet bulwark may carve its subnets from.
    #[schemars(inner(regex(pattern = super::schema::CIDR)))]
    pub address_ranges: Vec<String>,
    /// A route table (e.g. to the hub firewall) for the compute subnets' outbound traffic;
    /// without one bulwark adds a NAT gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<String>,
}

/// Outbound through the hub's firewall instead of a NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    /// The private IPv4 address of the hub's firewall (or other network virtual appliance).
    #[schemars(regex(pattern = super::schema::IPV4))]
    pub firewall: String,
}

/// Network settings of one environment that differ from the `[network]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkOverride {
    /// The created VNet's address space in this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::schema::ADDRESS_SPACE))]
    pub address_space: Option<String>,
    /// An existing VNet this environment adds its subnets to, instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<ExistingNetwork>,
    /// The hub VNet this environment's VNet peers with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_with: Option<String>,
    /// DNS servers of this environment's VNet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(pattern = super::schema::IPV4)))]
    pub dns_servers: Option<Vec<String>>,
    /// The firewall this environment's outbound traffic goes through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    /// Pins added to (or replacing) those of `[network.subnets]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = super::schema::subnet_pins)]
    pub subnets: BTreeMap<String, String>,
}

/// Where the private DNS zones of private endpoints live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DnsMode {
    /// Zones in the app's resource group, linked to its VNet (the default).
    #[default]
    Create,
    /// Zones the platform owns (`dns_zones`), or none when the estate's policy registers
    /// private endpoints.
    Central,
}

/// The network of one environment, with its overrides applied, and the blueprint path of
/// each value (for diagnostics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentNetwork {
    /// Address ranges subnets come from: the created VNet's space, or the existing ranges.
    pub ranges: Vec<String>,
    /// The blueprint path `ranges` came from.
    pub ranges_path: String,
    /// The existing VNet subnets are added to, if any.
    pub existing: Option<ExistingNetwork>,
    /// The blueprint path `existing` came from.
    pub existing_path: String,
    /// The hub VNet to peer with, if any.
    pub peer_with: Option<String>,
    /// The blueprint path `peer_with` came from.
    pub peer_with_path: String,
    /// DNS servers of the VNet; empty for Azure's.
    pub dns_servers: Vec<String>,
    /// The blueprint path `dns_servers` came from.
    pub dns_servers_path: String,
    /// The firewall outbound traffic goes through, if any (else a NAT gateway).
    pub egress: Option<Egress>,
    /// The blueprint path `egress` came from.
    pub egress_path: String,
    /// Subnet name → (range, blueprint path).
    pub pins: BTreeMap<String, (String, String)>,
}

impl Network {
    /// The address space of a created VNet when the blueprint sets none.
    pub const DEFAULT_ADDRESS_SPACE: &'static str = "10.0.0.0/16";

    fn default_address_space() -> String {
        Self::DEFAULT_ADDRESS_SPACE.to_string()
    }

    fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// The network of `environment`: the `[network]` values under its overrides.
    pub fn in_environment(&self, environment: &str) -> EnvironmentNetwork {
        let over = self.environments.get(environment);
        let over_path = format!("network.environments.{environment}");
        let existing = over
            .and_then(|o| o.existing.as_ref())
            .map(|e| (e.clone(), format!("{over_path}.existing")))
            .or_else(|| {
                self.existing
                    .clone()
                    .map(|e| (e, "network.existing".to_string()))
            });
        let (ranges, ranges_path) = match &existing {
            Some((existing, path)) => (
                existing.address_ranges.clone(),
                format!("{path}.address_ranges"),
            ),
            None => match over.and_then(|o| o.address_space.as_ref()) {
                Some(space) => (vec![space.clone()], format!("{over_path}.address_space")),
                None => (
                    vec![self.address_space.clone()],
                    "network.address_space".to_string(),
                ),
            },
        };
        let (peer_with, peer_with_path) = match over.and_then(|o| o.peer_with.as_ref()) {
            Some(peer) => (Some(peer.clone()), format!("{over_path}.peer_with")),
            None => (self.peer_with.clone(), "network.peer_with".to_string()),
        };
        let (dns_servers, dns_servers_path) = match over.and_then(|o| o.dns_servers.as_ref()) {
            Some(servers) => (servers.clone(), format!("{over_path}.dns_servers")),
            None => (self.dns_servers.clone(), "network.dns_servers".to_string()),
        };
        let (egress, egress_path) = match over.and_then(|o| o.egress.as_ref()) {
            Some(egress) => (Some(egress.clone()), format!("{over_path}.egress")),
            None => (self.egress.clone(), "network.egress".to_string()),
        };
        let mut pins: BTreeMap<String, (String, String)> = self
            .subnets
            .iter()
            .map(|(name, range)| {
                (
                    name.clone(),
                    (range.clone(), format!("network.subnets.{name}")),
                )
            })
            .collect();
        if let Some(over) = over {
            for (name, range) in &over.subnets {
                pins.insert(
                    name.clone(),
                    (range.clone(), format!("{over_path}.subnets.{name}")),
                );
            }
        }
        let (existing, existing_path) = match existing {
            Some((existing, path)) => (Some(existing), path),
            None => (None, "network.existing".to_string()),
        };
        EnvironmentNetwork {
            ranges,
            ranges_path,
            existing,
            existing_path,
            peer_with,
            peer_with_path,
            dns_servers,
            dns_servers_path,
            egress,
            egress_path,
            pins,
        }
    }
}

impl Default for Network {
    fn default() -> Self {
        Self {
            address_space: Self::default_address_space(),
            existing: None,
            peer_with: None,
            dns_servers: Vec::new(),
            egress: None,
            subnets: BTreeMap::new(),
            dns: DnsMode::default(),
            dns_zones: BTreeMap::new(),
            environments: BTreeMap::new(),
            perimeter: PerimeterSetting::default(),
        }
    }
}

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
        use SizingValue::{Int, Text};
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
        self.parts().into_iter().find(|part| part.name == name)
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
