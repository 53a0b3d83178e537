//! The Rust DSL: build a [`Blueprint`] in code. Kinds, runtimes and access levels are types,
//! so a typo is a compile error; names are checked by the same validation as TOML.
//!
//! ```
//! use bulwark::blueprint::{Access, Blueprint, Ingress, KeyVault, Runtime, Storage, WebApp};
//!
//! let blueprint = Blueprint::builder("shop", ["dev", "prod"])
//!     .component(
//!         "web",
//!         WebApp::new(Runtime::Node22)
//!             .ingress(Ingress::Public)
//!             .uses("media.images", Access::Read)
//!             .uses("vault.stripe-key", Access::Read)
//!             .sku_in("prod", "P1v3"),
//!     )
//!     .component("media", Storage::new().containers(["images"]))
//!     .component("vault", KeyVault::new().secrets(["stripe-key"]))
//!     .build();
//! assert!(bulwark::blueprint::validate(&blueprint).is_empty());
//! ```

use super::model::*;
use std::collections::BTreeMap;

/// Builds a [`Blueprint`] step by step; start with [`Blueprint::builder`], end with
/// [`build`](Self::build). Nothing is checked until validation or generation, which report
/// problems with the same diagnostics (and paths) as a TOML blueprint.
pub struct BlueprintBuilder {
    blueprint: Blueprint,
}

impl Blueprint {
    /// Start a blueprint: the app's name (2-16 lowercase letters, digits and hyphens) and its
    /// environments, e.g. `["dev", "prod"]`.
    pub fn builder<E: Into<String>>(
        name: impl Into<String>,
        environments: impl IntoIterator<Item = E>,
    ) -> BlueprintBuilder {
        BlueprintBuilder {
            blueprint: Blueprint {
                app: App {
                    name: name.into(),
                    environments: environments.into_iter().map(Into::into).collect(),
                    defaults: None,
                },
                network: Network::default(),
                components: Vec::new(),
                libraries: BTreeMap::new(),
                governance: Default::default(),
                monitoring: Default::default(),
                deployment: Default::default(),
                tags: BTreeMap::new(),
                waivers: Vec::new(),
            },
        }
    }
}

impl BlueprintBuilder {
    /// The address space of the VNet the blueprint creates, e.g. `10.40.0.0/16` (default
    /// `10.0.0.0/16`).
    pub fn address_space(mut self, cidr: impl Into<String>) -> Self {
        self.blueprint.network.address_space = cidr.into();
        self
    }

    /// Add subnets to an existing VNet (in every environment) instead of creating one.
    pub fn existing_network<R: Into<String>>(
        mut self,
        vnet_id: impl Into<String>,
        address_ranges: impl IntoIterator<Item = R>,
    ) -> Self {
        self.blueprint.network.existing = Some(ExistingNetwork {
            vnet_id: vnet_id.into(),
            address_ranges: address_ranges.into_iter().map(Into::into).collect(),
            route_table_id: None,
        });
        self
    }

    /// Peer the created VNet with a hub VNet.
    pub fn peer_with(mut self, hub_vnet_id: impl Into<String>) -> Self {
        self.blueprint.network.peer_with = Some(hub_vnet_id.into());
        self
    }

    /// DNS servers of the created VNet, e.g. the hub's DNS resolver (IPv4 addresses).
    pub fn dns_servers<S: Into<String>>(mut self, servers: impl IntoIterator<Item = S>) -> Self {
        self.blueprint.network.dns_servers = servers.into_iter().map(Into::into).collect();
        self
    }

    /// Send compute outbound traffic to the hub's firewall (its private IPv4 address) through
    /// a route table, instead of a NAT gateway.
    pub fn egress_through_firewall(mut self, firewall_ip: impl Into<String>) -> Self {
        self.blueprint.network.egress = Some(crate::blueprint::Egress {
            firewall: firewall_ip.into(),
        });
        self
    }

    /// Pin a subnet's range, e.g. `("web-integration", "10.0.8.0/24")`.
    pub fn pin_subnet(mut self, subnet: impl Into<String>, range: impl Into<String>) -> Self {
        self.blueprint
            .network
            .subnets
            .insert(subnet.into(), range.into());
        self
    }

    /// Use the platform's private DNS zones (zone name → resource id); an empty list leaves
    /// registration to the estate's policy.
    pub fn central_dns<Z: Into<String>, I: Into<String>>(
        mut self,
        zones: impl IntoIterator<Item = (Z, I)>,
    ) -> Self {
        self.blueprint.network.dns = DnsMode::Central;
        self.blueprint.network.dns_zones = zones
            .into_iter()
            .map(|(zone, id)| (zone.into(), id.into()))
            .collect();
        self
    }

    /// Network settings that differ in one environment.
    pub fn network_in(mut self, environment: impl Into<String>, over: NetworkOverride) -> Self {
        self.blueprint
            .network
            .environments
            .insert(environment.into(), over);
        self
    }

    /// How policy is enforced and what is locked (`[governance]`).
    pub fn governance(mut self, governance: super::Governance) -> Self {
        self.blueprint.governance = governance;
        self
    }

    /// Central logging, retention and daily cap (`[monitoring]`).
    pub fn monitoring(mut self, monitoring: super::Monitoring) -> Self {
        self.blueprint.monitoring = monitoring;
        self
    }

    /// How the workflow deploys and what a deployment recovers (`[deployment]`).
    pub fn deployment(mut self, deployment: super::Deployment) -> Self {
        self.blueprint.deployment = deployment;
        self
    }

    /// A tag on every resource that takes tags.
    pub fn tag(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.blueprint.tags.insert(name.into(), value.into());
        self
    }

    /// Weaken one control of one component, for a reason, until a date.
    pub fn waiver(mut self, waiver: super::Waiver) -> Self {
        self.blueprint.waivers.push(waiver);
        self
    }

    /// Add a component under `name`: a kind's builder such as `WebApp::new(Runtime::Node22)`.
    pub fn component(mut self, name: impl Into<String>, spec: impl Into<ComponentSpec>) -> Self {
        self.blueprint.components.push(Component {
            name: name.into(),
            spec: spec.into(),
        });
        self
    }

    /// The blueprint, ready for [`validate`](crate::blueprint::validate) or
    /// [`generate`](crate::generate).
    pub fn build(self) -> Blueprint {
        self.blueprint
    }
}

macro_rules! into_spec {
    ($($kind:ident),*) => {$(
        impl From<$kind> for ComponentSpec {
            fn from(value: $kind) -> Self {
                ComponentSpec::$kind(value)
            }
        }
    )*};
}
into_spec!(
    WebApp,
    FunctionApp,
    ContainerApp,
    Storage,
    KeyVault,
    ContainerRegistry,
    SqlDatabase,
    Postgres,
    CosmosDb,
    ServiceBus,
    EventHubs,
    Redis,
    AppConfiguration,
    OpenAi,
    AiSearch,
    External
);

/// Builder methods every compute kind shares: settings, connections and sizing per
/// environment.
macro_rules! compute_methods {
    ($($kind:ident),*) => {$(
        impl $kind {
            /// A plain, non-secret app setting.
            pub fn setting(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.settings.insert(name.into(), value.into());
                self
            }

            /// Connect to `component` or `component.part` with an access level.
            pub fn uses(mut self, to: impl Into<Target>, access: Access) -> Self {
                self.uses.push(Connection::new(to, access));
                self
            }

            /// Call another compute component (`"api"`) or one of its app roles
            /// (`"api.orders-read"`): `uses(to, Access::Call)`.
            pub fn calls(self, to: impl Into<Target>) -> Self {
                self.uses(to, Access::Call)
            }

            /// Entra app roles callers of this app can be granted, e.g. `["orders-read"]`.
            pub fn app_roles<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
                self.app_roles.extend(names.into_iter().map(Into::into));
                self
            }

            /// The app registration a platform team created for `environment` (instead of the
            /// deployment creating it): its client id and Application ID URI.
            pub fn registration(
                mut self,
                environment: impl Into<String>,
                client_id: impl Into<String>,
                identifier_uri: impl Into<String>,
            ) -> Self {
                self.registration.insert(
                    environment.into(),
                    Registration {
                        client_id: client_id.into(),
                        identifier_uri: identifier_uri.into(),
                    },
                );
                self
            }
        }
    )*};
}
compute_methods!(WebApp, FunctionApp, ContainerApp);

/// Typed sizing per environment: one `<field>_in(environment, value)` method per sizing field
/// of the kind in the catalogue (`.sku_in("prod", "P1v3")`, `.instances_in("prod", 3)`), so a
/// misspelt field is a compile error; a test checks the lists against the catalogue. The
/// string-keyed [`WebApp::environment`] form stays for fields chosen at run time.
macro_rules! sizing_methods {
    ($($kind:ident { $($method:ident($field:literal): $value:ident),* $(,)? })*) => {$(
        impl $kind {
            /// The sizing fields `<field>_in` methods set, as the catalogue names them.
            #[cfg(test)]
            const SIZING_FIELDS: &'static [&'static str] = &[$($field),*];

            $(
                #[doc = concat!(
                    "`", $field, "` in one environment (`[components.<name>.environments.<env>]` in ",
                    "TOML): other environments keep the component's own value. Validation checks ",
                    "the value against the catalogue's allowed values for the field."
                )]
                pub fn $method(
                    self,
                    environment: impl Into<String>,
                    value: sizing_type!($value),
                ) -> Self {
                    self.environment(environment, $field, sizing_value!($value, value))
                }
            )*

            /// A sizing field's value in one environment by name, e.g.
            /// `.environment("prod", "sku", "P1v3")`: for fields chosen at run time. The typed
            /// `<field>_in` methods are the checked form.
            pub fn environment(
                mut self,
                environment: impl Into<String>,
                field: impl Into<String>,
                value: impl Into<SizingValue>,
            ) -> Self {
                self.environments.entry(environment.into()).or_default().insert(field.into(), value.into());
                self
            }
        }
    )*};
}

/// The parameter type of a typed sizing method: a SKU-like string, a count, or a
/// replication.
macro_rules! sizing_type {
    (text) => { impl Into<String> };
    (count) => { u32 };
    (replication) => { Replication };
}

macro_rules! sizing_value {
    (text, $value:ident) => {
        SizingValue::Text($value.into())
    };
    (count, $value:ident) => {
        SizingValue::from($value)
    };
    (replication, $value:ident) => {
        SizingValue::from($value.as_str())
    };
}

sizing_methods! {
    WebApp {
        sku_in("sku"): text,
        instances_in("instances"): count,
    }
    FunctionApp {
        maximum_instances_in("maximum_instances"): count,
    }
    ContainerApp {
        cpu_in("cpu"): text,
        memory_in("memory"): text,
        min_replicas_in("min_replicas"): count,
        max_replicas_in("max_replicas"): count,
    }
    Storage {
        replication_in("replication"): replication,
    }
    SqlDatabase {
        sku_in("sku"): text,
        max_size_gb_in("max_size_gb"): count,
    }
    Postgres {
        sku_in("sku"): text,
        storage_gb_in("storage_gb"): count,
        version_in("version"): text,
    }
    ServiceBus {
        capacity_in("capacity"): count,
    }
    EventHubs {
        sku_in("sku"): text,
        capacity_in("capacity"): count,
    }
    Redis {
        sku_in("sku"): text,
    }
    AppConfiguration {
        sku_in("sku"): text,
    }
    AiSearch {
        sku_in("sku"): text,
        replicas_in("replicas"): count,
        partitions_in("partitions"): count,
    }
}

impl WebApp {
    /// A private web app on `runtime` with the default plan (`P0v3`, one instance).
    pub fn new(runtime: Runtime) -> Self {
        WebApp {
            runtime,
            ingress: Ingress::default(),
            sku: WebApp::default_sku(),
            instances: 1,
            health_check_path: None,
            settings: BTreeMap::new(),
            app_roles: Vec::new(),
            registration: BTreeMap::new(),
            uses: Vec::new(),
            environments: Overrides::new(),
        }
    }

    /// Who can reach the app: private (default), public through Front Door, or directly from
    /// the internet (with a `direct-public-ingress` waiver).
    pub fn ingress(mut self, ingress: Ingress) -> Self {
        self.ingress = ingress;
        self
    }

    /// The App Service plan SKU in every environment, e.g. `P1v3`; see [`sku_in`](Self::sku_in)
    /// for one environment.
    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.sku = sku.into();
        self
    }

    /// The path App Service probes, e.g. `/healthz`.
    pub fn health_check_path(mut self, path: impl Into<String>) -> Self {
        self.health_check_path = Some(path.into());
        self
    }
}

impl FunctionApp {
    /// A private function app on `runtime`, on Flex Consumption (`FC1`).
    pub fn new(runtime: FunctionRuntime) -> Self {
        FunctionApp {
            runtime,
            ingress: Ingress::default(),
            sku: FunctionApp::default_sku(),
            maximum_instances: FunctionApp::default_maximum_instances(),
            settings: BTreeMap::new(),
            app_roles: Vec::new(),
            registration: BTreeMap::new(),
            uses: Vec::new(),
            environments: Overrides::new(),
        }
    }

    /// Who can reach the app: private (default), public through Front Door, or directly from
    /// the internet (with a `direct-public-ingress` waiver).
    pub fn ingress(mut self, ingress: Ingress) -> Self {
        self.ingress = ingress;
        self
    }

    /// The hosting plan: `FC1` (Flex Consumption) or Elastic Premium `EP1`-`EP3`, in every
    /// environment.
    pub fn sku(mut self, sku: impl Into<String>) -> Self {
        self.sku = sku.into();
        self
    }
}

impl ContainerApp {
    /// A container app running `image`: a reference that names its registry host
    /// (`"mcr.microsoft.com/k8se/quickstart:latest"`) or a [`RegistryImage`] in one of the
    /// blueprint's container-registry components.
    pub fn new(image: impl Into<Image>) -> Self {
        ContainerApp {
            image: image.into(),
            ingress: Ingress::default(),
            target_port: None,
            cpu: ContainerApp::default_cpu(),
            memory: ContainerApp::default_memory(),
            min_replicas: 0,
            max_replicas: ContainerApp::default_max_replicas(),
            environment: ContainerEnvironment::default(),
            settings: BTreeMap::new(),
            app_roles: Vec::new(),
            registration: BTreeMap::new(),
            uses: Vec::new(),
            environments: Overrides::new(),
        }
    }

    /// Who can reach the app: private (default), inside the VNet, or nobody (`None`, for
    /// workers); container apps run in an internal environment.
    pub fn ingress(mut self, ingress: Ingress) -> Self {
        self.ingress = ingress;
        self
    }

    /// The port the container listens on; required with ingress unless the image is a sample
    /// whose port bulwark knows.
    pub fn target_port(mut self, port: u32) -> Self {
        self.target_port = Some(port);
        self
    }

    /// Run in a Container Apps environment of its own instead of the app's shared one.
    pub fn dedicated_environment(mut self) -> Self {
        self.environment = ContainerEnvironment::Dedicated;
        self
    }

    /// The tag of the registry image in one environment (`image_tag` in
    /// `[components.<name>.environments.<env>]`); other environments keep the image's `tag`.
    pub fn image_tag_in(self, environment: impl Into<String>, tag: impl Into<String>) -> Self {
        let tag: String = tag.into();
        self.environment(environment, ContainerApp::IMAGE_TAG, tag.as_str())
    }
}

impl RegistryImage {
    /// `repository:tag` in the container-registry component `registry`, e.g.
    /// `RegistryImage::new("images", "payroll/runs", "1.8.2")`.
    pub fn new(
        registry: impl Into<String>,
        repository: impl Into<String>,
        tag: impl Into<String>,
    ) -> Self {
        RegistryImage {
            registry: registry.into(),
            repository: repository.into(),
            tag: tag.into(),
        }
    }
}

impl Default for Storage {
    fn default() -> Self {
        Self::new()
    }
}

impl Storage {
    /// A storage account with no containers or queues yet, zone-redundant.
    pub fn new() -> Self {
        Storage {
            containers: Vec::new(),
            queues: Vec::new(),
            replication: Replication::default(),
            environments: Overrides::new(),
        }
    }

    /// Private blob containers to create.
    pub fn containers<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.containers.extend(names.into_iter().map(Into::into));
        self
    }

    /// Storage queues to create.
    pub fn queues<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.queues.extend(names.into_iter().map(Into::into));
        self
    }

    /// The account's redundancy in every environment; see
    /// [`replication_in`](Self::replication_in) for one environment.
    pub fn replication(mut self, replication: Replication) -> Self {
        self.replication = replication;
        self
    }
}

impl Default for KeyVault {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyVault {
    /// A key vault with no secrets yet.
    pub fn new() -> Self {
        KeyVault {
            secrets: Vec::new(),
        }
    }

    /// Secret names; their values are read from environment variables at deploy time.
    pub fn secrets<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.secrets.extend(names.into_iter().map(Into::into));
        self
    }
}

impl ContainerRegistry {
    /// A Premium container registry keeping untagged manifests for 7 days.
    pub fn new() -> Self {
        ContainerRegistry {
            retention_days: ContainerRegistry::default_retention_days(),
        }
    }
}

impl AdminGroup {
    /// The Entra group `name` with object id `object_id` (a GUID).
    pub fn new(name: impl Into<String>, object_id: impl Into<String>) -> Self {
        AdminGroup {
            name: name.into(),
            object_id: object_id.into(),
        }
    }
}

impl SqlDatabase {
    /// A serverless database (`GP_S_Gen5_1`, 32 GB) whose server `admin_group` administers.
    pub fn new(admin_group: AdminGroup) -> Self {
        SqlDatabase {
            admin_group,
            sku: SqlDatabase::default_sku(),
            max_size_gb: SqlDatabase::default_max_size_gb(),
            environments: Overrides::new(),
        }
    }
}

impl Postgres {
    /// A PostgreSQL 16 server (`Standard_B1ms`, 32 GB) whose admin is `admin_group`, with no
    /// databases yet.
    pub fn new(admin_group: AdminGroup) -> Self {
        Postgres {
            admin_group,
            databases: Vec::new(),
            version: Postgres::default_version(),
            sku: Postgres::default_sku(),
            storage_gb: Postgres::default_storage_gb(),
            environments: Overrides::new(),
        }
    }

    /// Databases to create; connections name one as `<server>.<database>`.
    pub fn databases<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.databases.extend(names.into_iter().map(Into::into));
        self
    }
}

impl CosmosDb {
    /// A Cosmos DB account with no databases yet.
    pub fn new() -> Self {
        CosmosDb::default()
    }

    /// A container in a database, with its partition key path.
    pub fn container(
        mut self,
        database: impl Into<String>,
        container: impl Into<String>,
        partition_key: impl Into<String>,
    ) -> Self {
        self.databases
            .entry(database.into())
            .or_default()
            .containers
            .insert(container.into(), partition_key.into());
        self
    }
}

impl ServiceBus {
    /// A Service Bus namespace with one messaging unit and no entities yet.
    pub fn new() -> Self {
        ServiceBus {
            queues: Vec::new(),
            topics: BTreeMap::new(),
            capacity: 1,
            environments: Overrides::new(),
        }
    }

    /// Queues to create.
    pub fn queues<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.queues.extend(names.into_iter().map(Into::into));
        self
    }

    /// A topic and its subscriptions; connections name a subscription `topic/subscription`.
    pub fn topic<S: Into<String>>(
        mut self,
        topic: impl Into<String>,
        subscriptions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.topics
            .entry(topic.into())
            .or_default()
            .extend(subscriptions.into_iter().map(Into::into));
        self
    }
}

impl EventHubs {
    /// A Standard Event Hubs namespace (one unit, two partitions per hub) with no hubs yet.
    pub fn new() -> Self {
        EventHubs {
            hubs: Vec::new(),
            partitions: EventHubs::default_partitions(),
            sku: EventHubs::default_sku(),
            capacity: 1,
            environments: Overrides::new(),
        }
    }

    /// Event hubs to create.
    pub fn hubs<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.hubs.extend(names.into_iter().map(Into::into));
        self
    }
}

impl Redis {
    /// An Azure Managed Redis instance of the default SKU (`Balanced_B0`).
    pub fn new() -> Self {
        Redis {
            sku: Redis::default_sku(),
            environments: Overrides::new(),
        }
    }
}

impl AppConfiguration {
    /// A `standard` App Configuration store.
    pub fn new() -> Self {
        AppConfiguration {
            sku: AppConfiguration::default_sku(),
            environments: Overrides::new(),
        }
    }
}

impl OpenAi {
    /// An Azure OpenAI account with no model deployments yet.
    pub fn new() -> Self {
        OpenAi::default()
    }

    /// A model deployment `name` of `model` at `version`, with the default SKU (`Standard`)
    /// and capacity (10 thousand tokens per minute).
    pub fn deployment(
        mut self,
        name: impl Into<String>,
        model: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        self.deployments.insert(
            name.into(),
            OpenAiDeployment {
                model: model.into(),
                version: version.into(),
                sku: OpenAiDeployment::default_sku(),
                capacity: OpenAiDeployment::default_capacity(),
            },
        );
        self
    }
}

impl AiSearch {
    /// A `basic` AI Search service with one replica and one partition.
    pub fn new() -> Self {
        AiSearch {
            sku: AiSearch::default_sku(),
            replicas: 1,
            partitions: 1,
            environments: Overrides::new(),
        }
    }
}

impl External {
    /// A service at `url` (https) whose secret the key-vault component `vault` keeps.
    pub fn new(url: impl Into<String>, vault: impl Into<String>) -> Self {
        External {
            url: url.into(),
            vault: vault.into(),
        }
    }
}

macro_rules! default_from_new {
    ($($kind:ident),*) => {$(
        impl Default for $kind {
            fn default() -> Self {
                Self::new()
            }
        }
    )*};
}
default_from_new!(
    ContainerRegistry,
    ServiceBus,
    EventHubs,
    Redis,
    AppConfiguration,
    AiSearch
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::kind_spec;

    /// The typed `<field>_in` methods cover exactly the catalogue's sizing fields, kind by
    /// kind, so a field added to the catalogue needs its method.
    #[test]
    fn every_sizing_field_of_the_catalogue_has_a_typed_method() {
        let typed: &[(Kind, &[&str])] = &[
            (Kind::WebApp, WebApp::SIZING_FIELDS),
            (Kind::FunctionApp, FunctionApp::SIZING_FIELDS),
            (Kind::ContainerApp, ContainerApp::SIZING_FIELDS),
            (Kind::Storage, Storage::SIZING_FIELDS),
            (Kind::SqlDatabase, SqlDatabase::SIZING_FIELDS),
            (Kind::Postgres, Postgres::SIZING_FIELDS),
            (Kind::ServiceBus, ServiceBus::SIZING_FIELDS),
            (Kind::EventHubs, EventHubs::SIZING_FIELDS),
            (Kind::Redis, Redis::SIZING_FIELDS),
            (Kind::AppConfiguration, AppConfiguration::SIZING_FIELDS),
            (Kind::AiSearch, AiSearch::SIZING_FIELDS),
        ];
        for kind in Kind::ALL {
            let catalogue: Vec<&str> = kind_spec(kind).sizing.iter().map(|s| s.field).collect();
            let methods = typed
                .iter()
                .find(|(typed_kind, _)| *typed_kind == kind)
                .map_or(&[][..], |(_, fields)| fields);
            assert_eq!(methods, catalogue, "{kind:?}");
        }
    }

    #[test]
    fn a_typed_sizing_method_sets_what_the_string_form_sets() {
        let typed = WebApp::new(Runtime::Node22)
            .sku_in("prod", "P1v3")
            .instances_in("prod", 3);
        let named = WebApp::new(Runtime::Node22)
            .environment("prod", "sku", "P1v3")
            .environment("prod", "instances", 3);
        assert_eq!(typed, named);
        let storage = Storage::new().replication_in("prod", Replication::Gzrs);
        assert_eq!(
            storage.environments["prod"]["replication"],
            SizingValue::from("GZRS")
        );
    }
}
