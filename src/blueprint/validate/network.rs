//! `[network]` and its per-environment overrides: address spaces and ranges that parse,
//! resource ids of the right type, an existing perimeter's profile, DNS and egress settings
//! that fit the VNet bulwark creates or uses, and one network design in every environment;
//! and the Front Door endpoints public apps take.

use super::names::unknown_environment;
use super::waivers::validate_perimeter_openings;
use crate::address::{Cidr, parse_cidr, parse_cidr_within, parse_resource_id};
use crate::blueprint::diagnostic::{Diagnostic, shown};
use crate::blueprint::model::{Blueprint, Component, Ingress};
use std::collections::BTreeSet;

/// `[network]`: ranges that parse, ids of the right type, modes that fit together.
pub(super) fn validate_network(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    let network = &blueprint.network;
    let environments = &blueprint.app.environments;
    check_space(
        &network.address_space,
        "network.address_space".into(),
        diagnostics,
    );
    if let Some(existing) = &network.existing {
        check_existing(existing, "network.existing", diagnostics);
        if network.address_space != crate::blueprint::Network::DEFAULT_ADDRESS_SPACE {
            diagnostics.push(
                Diagnostic::error(
                    "address-space-with-existing-network",
                    "`address_space` is for a VNet bulwark creates, but `existing` names a VNet to use",
                )
                .at("network.address_space")
                .expected("either `address_space` or `existing`")
                .help("with an existing VNet, list the ranges bulwark may use in `existing.address_ranges`"),
            );
        }
        if network.peer_with.is_some() {
            diagnostics.push(
                Diagnostic::error(
                    "peering-with-existing-network",
                    "`peer_with` peers a VNet bulwark creates; an existing VNet is peered by its owner",
                )
                .at("network.peer_with")
                .expected("no `peer_with` with `existing`")
                .help("remove `peer_with`; the platform team's VNet keeps its own peerings"),
            );
        }
    }
    if let Some(peer) = &network.peer_with {
        check_id(
            peer,
            "Microsoft.Network/virtualNetworks",
            "network.peer_with".into(),
            diagnostics,
        );
    }
    validate_perimeter(blueprint, diagnostics);
    validate_dns(network, diagnostics);
    validate_environment_networks(network, environments, diagnostics);
    validate_same_design(network, environments, diagnostics);
}

/// An address space for a VNet bulwark creates: a CIDR block from /8 to /24.
fn check_space(text: &str, path: String, diagnostics: &mut Vec<Diagnostic>) {
    if let Err(problem) = parse_cidr(text) {
        diagnostics.push(
            Diagnostic::error(
                "invalid-address-space",
                format!("`{}` is not a usable address space: {problem}", shown(text)),
            )
            .at(path)
            .expected("an IPv4 CIDR block from /8 to /24, e.g. \"10.20.0.0/16\"")
            .help("pick a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) that does not overlap networks you peer with"),
        );
    }
}

/// A resource id of type `ty`.
fn check_id(text: &str, ty: &str, path: String, diagnostics: &mut Vec<Diagnostic>) {
    if let Err(problem) = parse_resource_id(text, ty) {
        diagnostics.push(
            Diagnostic::error(
                "invalid-resource-id",
                format!("`{}` is not a resource id of a {ty}: {problem}", shown(text)),
            )
            .at(path)
            .expected(format!(
                "/subscriptions/<subscription id>/resourceGroups/<group>/providers/{ty}/<name>"
            ))
            .help("copy it from the resource's JSON view in the portal, or `az resource show --query id`"),
        );
    }
}

/// `existing` (at `path`): the VNet and route table ids, and address ranges to carve subnets
/// from that parse and do not overlap.
fn check_existing(
    existing: &crate::blueprint::ExistingNetwork,
    path: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    check_id(
        &existing.vnet_id,
        "Microsoft.Network/virtualNetworks",
        format!("{path}.vnet_id"),
        diagnostics,
    );
    if let Some(table) = &existing.route_table_id {
        check_id(
            table,
            "Microsoft.Network/routeTables",
            format!("{path}.route_table_id"),
            diagnostics,
        );
    }
    if existing.address_ranges.is_empty() {
        diagnostics.push(
                Diagnostic::error("no-address-ranges", "no address ranges to carve subnets from")
                    .at(format!("{path}.address_ranges"))
                    .expected("the VNet ranges bulwark may use, e.g. [\"10.20.4.0/23\"]")
                    .help("ask the VNet's owner for free ranges; bulwark creates its subnets only inside them"),
            );
    }
    let mut seen: Vec<Cidr> = Vec::new();
    for (index, range) in existing.address_ranges.iter().enumerate() {
        let range_path = format!("{path}.address_ranges[{index}]");
        match parse_cidr_within(range, 8, 28) {
            Ok(cidr) => {
                if let Some(other) = seen.iter().find(|other| other.overlaps(cidr)) {
                    diagnostics.push(
                        Diagnostic::error(
                            "overlapping-address-ranges",
                            format!("{cidr} overlaps {other}, listed before it"),
                        )
                        .at(range_path)
                        .expected("address ranges that do not overlap")
                        .help("list each free range once"),
                    );
                } else {
                    seen.push(cidr);
                }
            }
            Err(problem) => diagnostics.push(
                Diagnostic::error(
                    "invalid-address-space",
                    format!(
                        "`{}` is not a usable address range: {problem}",
                        shown(range)
                    ),
                )
                .at(range_path)
                .expected("an IPv4 CIDR block from /8 to /28, e.g. \"10.20.4.0/23\""),
            ),
        }
    }
}

/// `[network] perimeter = { id, profile }`: the platform's perimeter id, a profile name it
/// can hold, and no waiver that would open the whole profile.
fn validate_perimeter(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    let network = &blueprint.network;
    if let crate::blueprint::PerimeterSetting::Existing(existing) = &network.perimeter {
        check_id(
            &existing.id,
            crate::catalog::types::NETWORK_SECURITY_PERIMETER.name,
            "network.perimeter.id".into(),
            diagnostics,
        );
        // Azure/bicep-types-az generated/network/microsoft.network/2025-05-01/types.json:
        // profile names have at most 80 characters, pattern
        // (^[a-zA-Z0-9]+[a-zA-Z0-9_.-]*[a-zA-Z0-9_]+$)|(^[a-zA-Z0-9]$).
        let profile = existing.profile.as_str();
        let well_formed = (1..=80).contains(&profile.len())
            && profile
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            && profile.starts_with(|c: char| c.is_ascii_alphanumeric())
            && profile.ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_');
        if !well_formed {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-perimeter-profile",
                    format!("`{}` is not a profile name", shown(&existing.profile)),
                )
                .at("network.perimeter.profile")
                .expected("a profile name of 1-80 letters, digits, `_`, `.` and `-`, starting with a letter or digit, e.g. \"apps\"")
                .help("list them with `az network perimeter profile list --perimeter-name <name> -g <group>`"),
            );
        }
        validate_perimeter_openings(blueprint, &existing.profile, diagnostics);
    }
}

/// DNS: the hub settings of `[network]`, hub DNS servers only with the platform's zones, and
/// `dns_zones` ids that name their zones.
fn validate_dns(network: &crate::blueprint::Network, diagnostics: &mut Vec<Diagnostic>) {
    check_hub_settings(
        &network.dns_servers,
        network.egress.as_ref(),
        "network",
        network.existing.is_some(),
        diagnostics,
    );
    // Zones resolve through Azure-provided DNS from the VNets they are linked to; a spoke
    // asking the hub's resolver gets answers from the hub's links, not the spoke's
    // (Microsoft Learn azure/private-link/private-endpoint-dns-integration, "Virtual network
    // workloads without Azure Private Resolver"; azure/dns/private-resolver-endpoints-rulesets).
    let any_servers = !network.dns_servers.is_empty()
        || network
            .environments
            .values()
            .any(|o| o.dns_servers.as_ref().is_some_and(|s| !s.is_empty()));
    if any_servers && network.dns == crate::blueprint::DnsMode::Create {
        let path = if network.dns_servers.is_empty() {
            network
                .environments
                .iter()
                .find(|(_, o)| o.dns_servers.as_ref().is_some_and(|s| !s.is_empty()))
                .map(|(environment, _)| format!("network.environments.{environment}.dns_servers"))
                .unwrap_or_else(|| "network.dns_servers".to_string())
        } else {
            "network.dns_servers".to_string()
        };
        diagnostics.push(
            Diagnostic::error(
                "dns-servers-with-created-zones",
                "the hub's DNS servers cannot see the private DNS zones bulwark creates and links to this VNet",
            )
            .at(path)
            .expected("`dns = \"central\"` with `dns_servers`: the hub's resolver answers from the platform's zones")
            .help("add `dns = \"central\"` (and `dns_zones`) to [network], or remove `dns_servers` to use the created zones through Azure-provided DNS"),
        );
    }
    match network.dns {
        crate::blueprint::DnsMode::Create if !network.dns_zones.is_empty() => {
            diagnostics.push(
                Diagnostic::error(
                    "dns-zones-without-central-dns",
                    "`dns_zones` names the platform's zones, but `dns` creates the app's own",
                )
                .at_key("network.dns_zones")
                .expected("`dns = \"central\"` with `dns_zones`")
                .help("add `dns = \"central\"` to [network], or remove `dns_zones`"),
            );
        }
        _ => {}
    }
    for (zone, id) in &network.dns_zones {
        let path = format!("network.dns_zones.{zone}");
        match parse_resource_id(id, "Microsoft.Network/privateDnsZones") {
            Ok(parsed) if !parsed.name.eq_ignore_ascii_case(zone) => diagnostics.push(
                Diagnostic::error(
                    "dns-zone-mismatch",
                    format!(
                        "the id names zone `{}`, not `{}`",
                        shown(&parsed.name),
                        shown(zone)
                    ),
                )
                .at(path)
                .expected(format!("the id of the private DNS zone {}", shown(zone)))
                .help("each key is a zone name and its value that zone's resource id"),
            ),
            Ok(_) => {}
            Err(_) => check_id(id, "Microsoft.Network/privateDnsZones", path, diagnostics),
        }
    }
}

/// `[network.environments.<env>]`: a known environment, and the same checks as `[network]`
/// with the modes of `[network]`.
fn validate_environment_networks(
    network: &crate::blueprint::Network,
    environments: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (environment, over) in &network.environments {
        let path = format!("network.environments.{environment}");
        if !environments.contains(environment) {
            diagnostics.push(unknown_environment(environment, path.clone(), environments));
            continue;
        }
        if let Some(space) = &over.address_space {
            check_space(space, format!("{path}.address_space"), diagnostics);
            if network.existing.is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        "address-space-with-existing-network",
                        "`address_space` is for a VNet bulwark creates, but [network] names an existing VNet",
                    )
                    .at(format!("{path}.address_space"))
                    .expected("`existing` here too, with its own `address_ranges`")
                    .help("an app uses existing VNets in every environment or in none"),
                );
            }
        }
        if let Some(existing) = &over.existing {
            check_existing(existing, &format!("{path}.existing"), diagnostics);
            if network.existing.is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        "mixed-network-modes",
                        format!("{environment} uses an existing VNet, but the other environments get one bulwark creates"),
                    )
                    .at_key(format!("{path}.existing"))
                    .expected("`existing` in [network] too (its values serve the other environments)")
                    .help("an app uses existing VNets in every environment or in none"),
                );
            }
        }
        check_hub_settings(
            over.dns_servers.as_deref().unwrap_or_default(),
            over.egress.as_ref(),
            &path,
            network.existing.is_some() || over.existing.is_some(),
            diagnostics,
        );
        if let Some(peer) = &over.peer_with {
            check_id(
                peer,
                "Microsoft.Network/virtualNetworks",
                format!("{path}.peer_with"),
                diagnostics,
            );
            if network.existing.is_some() || over.existing.is_some() {
                diagnostics.push(
                    Diagnostic::error(
                        "peering-with-existing-network",
                        "`peer_with` peers a VNet bulwark creates; an existing VNet is peered by its owner",
                    )
                    .at(format!("{path}.peer_with"))
                    .expected("no `peer_with` with `existing`")
                    .help("remove `peer_with`; the platform team's VNet keeps its own peerings"),
                );
            }
        }
    }
}

/// A route table, a hub peering and egress through a firewall: in every environment or in
/// none, so that environments differ in values but not in design.
fn validate_same_design(
    network: &crate::blueprint::Network,
    environments: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut with_route_table = Vec::new();
    let mut with_peering = Vec::new();
    let mut with_firewall = Vec::new();
    for environment in environments {
        let settings = network.in_environment(environment);
        with_firewall.push(settings.egress.is_some());
        with_route_table.push(
            settings
                .existing
                .as_ref()
                .is_some_and(|e| e.route_table_id.is_some()),
        );
        with_peering.push(settings.peer_with.is_some());
    }
    for (flags, what, path) in [
        (&with_route_table, "a route table", "route_table_id"),
        (&with_peering, "a hub peering", "peer_with"),
        (&with_firewall, "egress through a firewall", "egress"),
    ] {
        if flags.iter().any(|f| *f) && !flags.iter().all(|f| *f) {
            diagnostics.push(
                Diagnostic::error(
                    "network-differs-in-kind",
                    format!("some environments have {what} and others do not"),
                )
                .at_key("network")
                .expected(format!("`{path}` in every environment or in none"))
                .help("environments may use different values, but the same network design"),
            );
        }
    }
}

/// `dns_servers` and `egress` of `[network]` or of one environment's override (`table`):
/// IPv4 addresses, for a VNet bulwark creates.
fn check_hub_settings(
    dns_servers: &[String],
    egress: Option<&crate::blueprint::Egress>,
    table: &str,
    existing: bool,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen = BTreeSet::new();
    for (index, server) in dns_servers.iter().enumerate() {
        let path = format!("{table}.dns_servers[{index}]");
        match parse_ipv4(server) {
            Ok(address) if !seen.insert(address) => diagnostics.push(
                Diagnostic::error(
                    "duplicate-dns-server",
                    format!("{address} is listed twice"),
                )
                .at(path)
                .expected("each DNS server once")
                .help("list the hub's resolvers in the order the VNet should try them"),
            ),
            Ok(_) => {}
            Err(problem) => diagnostics.push(
                Diagnostic::error(
                    "invalid-ip-address",
                    format!("`{}` is not a DNS server address: {problem}", shown(server)),
                )
                .at(path)
                .expected("the IPv4 address of the hub's DNS resolver or firewall DNS proxy, e.g. \"10.0.0.4\"")
                .help("it must resolve the platform's private DNS zones (privatelink.*) for the spoke"),
            ),
        }
    }
    if let Some(firewall) = egress.map(|e| &e.firewall)
        && let Err(problem) = parse_ipv4(firewall)
    {
        diagnostics.push(
            Diagnostic::error(
                "invalid-ip-address",
                format!("`{}` is not a firewall address: {problem}", shown(firewall)),
            )
            .at(format!("{table}.egress.firewall"))
            .expected("the private IPv4 address of the hub's firewall, e.g. \"10.0.0.4\"")
            .help("Azure Firewall shows it as its private IP; for another appliance, its internal load balancer's or NIC's private IP"),
        );
    }
    if existing {
        if !dns_servers.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "dns-servers-with-existing-network",
                    "`dns_servers` sets the DNS of a VNet bulwark creates; an existing VNet's DNS belongs to its owner",
                )
                .at(format!("{table}.dns_servers"))
                .expected("no `dns_servers` with `existing`")
                .help("remove `dns_servers`; the platform team sets the DNS servers of its VNet"),
            );
        }
        if egress.is_some() {
            diagnostics.push(
                Diagnostic::error(
                    "egress-with-existing-network",
                    "`egress` creates a route table in a VNet bulwark creates; in an existing VNet use the platform's route table",
                )
                .at_key(format!("{table}.egress"))
                .expected("`existing.route_table_id` instead of `egress`")
                .help("name the route table that sends 0.0.0.0/0 to the hub firewall in `existing.route_table_id`"),
            );
        }
    }
}

/// A unicast IPv4 address a VNet can use as a DNS server or next hop.
fn parse_ipv4(text: &str) -> Result<std::net::Ipv4Addr, String> {
    let address: std::net::Ipv4Addr = text
        .parse()
        .map_err(|_| "expected four decimal numbers 0-255 separated by dots".to_string())?;
    if address.is_unspecified()
        || address.is_broadcast()
        || address.is_loopback()
        || address.is_multicast()
        || address.is_link_local()
    {
        return Err(format!(
            "{address} is not a unicast address a host in a VNet can have"
        ));
    }
    Ok(address)
}

/// Every public app gets its own endpoint in the app's one Front Door Premium profile, and a
/// profile holds at most 25 endpoints (limits.tsv; the profile usage API reports the same
/// limit): a 26th public app would fail at deployment, so it is refused here.
pub(super) fn validate_front_door_endpoints(
    blueprint: &Blueprint,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let most = crate::catalog::facts::limit("Front Door Premium", "endpoints per profile")
        .expect("limits.tsv has Front Door Premium endpoints per profile") as usize;
    let public: Vec<&Component> = blueprint
        .components
        .iter()
        .filter(|component| component.ingress() == Some(Ingress::Public))
        .collect();
    if let Some(first_over) = public.get(most) {
        diagnostics.push(
            Diagnostic::error(
                "too-many-public-apps",
                format!(
                    "{} apps have `ingress = \"public\"`, but one Front Door Premium profile holds at most {most} endpoints",
                    public.len()
                ),
            )
            .at(format!("components.{}.ingress", first_over.name))
            .expected(format!("at most {most} public apps in one blueprint"))
            .help("make the apps that only other apps call `private` (they reach each other inside the VNet), or split the application into several blueprints, each with its own Front Door"),
        );
    }
}
