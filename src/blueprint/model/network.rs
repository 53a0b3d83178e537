//! `[network]`: the app's address space or an existing VNet, its hub (peering, DNS servers,
//! firewall egress), private DNS zones, pinned subnets, the network security perimeter, and
//! each environment's overrides, resolved per environment with the path of every value.

use super::is_default;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The app's network. By default bulwark creates a VNet from `address_space`; with
/// `existing` it adds its subnets to a VNet the platform team owns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// The VNet address space every subnet is carved from (IPv4 CIDR, /8 to /24).
    #[serde(default = "Network::default_address_space")]
    #[schemars(regex(pattern = crate::blueprint::schema::ADDRESS_SPACE))]
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
    #[schemars(inner(regex(pattern = crate::blueprint::schema::IPV4)))]
    pub dns_servers: Vec<String>,
    /// How compute traffic leaves the created VNet: without it, through a NAT gateway
    /// bulwark creates; `{ firewall = "10.0.0.4" }`, through a route table sending
    /// 0.0.0.0/0 to the hub firewall's private IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    /// Subnet ranges pinned by subnet name, e.g. `web-integration = "10.0.8.0/24"`; the rest
    /// are laid out by bulwark.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = crate::blueprint::schema::subnet_pins)]
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
    #[schemars(transform = crate::blueprint::schema::perimeter_id)]
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

/// An existing VNet bulwark adds its subnets to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExistingNetwork {
    /// `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>`.
    #[schemars(transform = crate::blueprint::schema::vnet_id)]
    pub vnet_id: String,
    /// The ranges of the VNet bulwark may carve its subnets from.
    #[schemars(inner(regex(pattern = crate::blueprint::schema::CIDR)))]
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
    #[schemars(regex(pattern = crate::blueprint::schema::IPV4))]
    pub firewall: String,
}

/// Network settings of one environment that differ from the `[network]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkOverride {
    /// The created VNet's address space in this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = crate::blueprint::schema::ADDRESS_SPACE))]
    pub address_space: Option<String>,
    /// An existing VNet this environment adds its subnets to, instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<ExistingNetwork>,
    /// The hub VNet this environment's VNet peers with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_with: Option<String>,
    /// DNS servers of this environment's VNet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(pattern = crate::blueprint::schema::IPV4)))]
    pub dns_servers: Option<Vec<String>>,
    /// The firewall this environment's outbound traffic goes through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Egress>,
    /// Pins added to (or replacing) those of `[network.subnets]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(transform = crate::blueprint::schema::subnet_pins)]
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

    pub(super) fn is_default(&self) -> bool {
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
