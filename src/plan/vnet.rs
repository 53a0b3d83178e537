//! The VNet of each environment: its address ranges, an existing VNet and route table to
//! join, a hub to peer with, DNS servers, egress through a hub firewall, and where private
//! DNS zones live.

use super::{PerEnvironment, network};
use crate::blueprint::{Blueprint, Diagnostic};
use network::Cidr;
use std::collections::BTreeMap;

/// Environment → subnet name → range, as an earlier generation laid them out.
pub type AddressRecord = BTreeMap<String, BTreeMap<String, String>>;

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkPlan {
    /// The VNet of each environment.
    pub environments: BTreeMap<String, EnvironmentVnet>,
    /// Whether bulwark adds subnets to existing VNets (in every environment) rather than
    /// creating one.
    pub existing: bool,
    pub dns: DnsPlan,
}

impl NetworkPlan {
    /// One value per environment, or the value when every environment agrees.
    pub fn per_environment<T: PartialEq + Clone>(
        &self,
        value: impl Fn(&EnvironmentVnet) -> T,
    ) -> PerEnvironment<T> {
        PerEnvironment::from_map(
            self.environments
                .iter()
                .map(|(environment, vnet)| (environment.clone(), value(vnet)))
                .collect(),
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentVnet {
    pub ranges: Vec<Cidr>,
    pub existing: Option<ExistingVnet>,
    /// A hub VNet the created VNet peers with.
    pub peer_with: Option<network::ResourceId>,
    /// DNS servers of the created VNet (the hub's resolvers); empty: Azure-provided DNS.
    pub dns_servers: Vec<std::net::Ipv4Addr>,
    /// The hub firewall the created VNet's compute subnets route 0.0.0.0/0 to, instead of a
    /// NAT gateway.
    pub firewall: Option<std::net::Ipv4Addr>,
}

impl EnvironmentVnet {
    /// Whether compute traffic leaves through the platform (its route table in an existing
    /// VNet, or a route to the hub firewall) rather than a NAT gateway bulwark creates.
    pub fn platform_egress(&self) -> bool {
        self.firewall.is_some()
            || self
                .existing
                .as_ref()
                .is_some_and(|existing| existing.route_table.is_some())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExistingVnet {
    pub vnet: network::ResourceId,
    pub route_table: Option<network::ResourceId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DnsPlan {
    /// Zones in the app's resource group, linked to its VNet.
    Create,
    /// Zones the platform owns, by zone name; empty when the estate's policy registers
    /// private endpoints in them (then endpoints get no zone group).
    Central(BTreeMap<&'static str, String>),
}

impl DnsPlan {
    /// Whether private endpoints get a DNS zone group (not when the estate's policy
    /// registers them).
    pub fn registers(&self) -> bool {
        match self {
            DnsPlan::Create => true,
            DnsPlan::Central(zones) => !zones.is_empty(),
        }
    }
}

pub(super) fn plan_network(blueprint: &Blueprint) -> Result<NetworkPlan, Vec<Diagnostic>> {
    let mut diagnostics = Vec::new();
    let mut environments = BTreeMap::new();
    for environment in &blueprint.app.environments {
        let settings = blueprint.network.in_environment(environment);
        let mut ranges = Vec::new();
        for (index, range) in settings.ranges.iter().enumerate() {
            match network::parse_cidr_within(range, 8, 28) {
                Ok(cidr) => ranges.push(cidr),
                Err(problem) => diagnostics.push(
                    Diagnostic::error("invalid-address-space", problem)
                        .at(format!("{}[{index}]", settings.ranges_path)),
                ),
            }
        }
        let id = |text: &str, ty: &str, path: String, diagnostics: &mut Vec<Diagnostic>| {
            network::parse_resource_id(text, ty)
                .map_err(|problem| {
                    diagnostics.push(Diagnostic::error("invalid-resource-id", problem).at(path));
                })
                .ok()
        };
        let existing = settings.existing.as_ref().and_then(|existing| {
            let vnet = id(
                &existing.vnet_id,
                "Microsoft.Network/virtualNetworks",
                format!("{}.vnet_id", settings.existing_path),
                &mut diagnostics,
            )?;
            let route_table = match &existing.route_table_id {
                Some(text) => Some(id(
                    text,
                    "Microsoft.Network/routeTables",
                    format!("{}.route_table_id", settings.existing_path),
                    &mut diagnostics,
                )?),
                None => None,
            };
            Some(ExistingVnet { vnet, route_table })
        });
        let peer_with = settings.peer_with.as_ref().and_then(|text| {
            id(
                text,
                "Microsoft.Network/virtualNetworks",
                settings.peer_with_path.clone(),
                &mut diagnostics,
            )
        });
        let address = |text: &str, path: String, diagnostics: &mut Vec<Diagnostic>| {
            text.parse::<std::net::Ipv4Addr>()
                .map_err(|_| {
                    diagnostics.push(
                        Diagnostic::error(
                            "invalid-ip-address",
                            format!("`{text}` is not an IPv4 address"),
                        )
                        .at(path),
                    );
                })
                .ok()
        };
        let dns_servers = settings
            .dns_servers
            .iter()
            .enumerate()
            .filter_map(|(index, server)| {
                address(
                    server,
                    format!("{}[{index}]", settings.dns_servers_path),
                    &mut diagnostics,
                )
            })
            .collect();
        let firewall = settings.egress.as_ref().and_then(|egress| {
            address(
                &egress.firewall,
                format!("{}.firewall", settings.egress_path),
                &mut diagnostics,
            )
        });
        environments.insert(
            environment.clone(),
            EnvironmentVnet {
                ranges,
                existing,
                peer_with,
                dns_servers,
                firewall,
            },
        );
    }
    // Central zone ids are filled in once the plan knows which zones its endpoints use.
    let dns = match blueprint.network.dns {
        crate::blueprint::DnsMode::Create => DnsPlan::Create,
        crate::blueprint::DnsMode::Central => DnsPlan::Central(BTreeMap::new()),
    };
    if diagnostics.is_empty() {
        Ok(NetworkPlan {
            existing: blueprint.network.existing.is_some(),
            environments,
            dns,
        })
    } else {
        Err(diagnostics)
    }
}
