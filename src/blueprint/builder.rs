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

mod apps;
mod data;

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
