//! Hub and spoke: the created VNet uses the hub's DNS servers, compute subnets send 0.0.0.0/0
//! to the hub's firewall through a route table (and then no NAT gateway or public IP exists),
//! and each subnet's NSG admits exactly what its service documents before the deny-all.

mod common;

use bulwark::blueprint::{Access, Blueprint, ContainerApp, Egress, NetworkOverride, WebApp};
use bulwark::blueprint::{KeyVault, Runtime};

fn network_bicep(blueprint: &Blueprint) -> String {
    let generated = bulwark::generate(blueprint, &bulwark::Options::default())
        .unwrap_or_else(|d| panic!("does not generate: {d:#?}"));
    generated
        .files
        .get("modules/network.bicep")
        .expect("a network module")
        .to_string()
}

/// The text of the resource declared as `resource <symbol> ` up to the next resource.
fn resource<'a>(text: &'a str, symbol: &str) -> &'a str {
    let start = text
        .find(&format!("resource {symbol} "))
        .unwrap_or_else(|| panic!("no resource {symbol} in\n{text}"));
    let rest = &text[start..];
    let end = rest[1..].find("\nresource ").map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// The `properties` block of the subnet named `name` inside the VNet resource.
fn subnet<'a>(vnet: &'a str, name: &str) -> &'a str {
    let start = vnet
        .find(&format!("name: '{name}'"))
        .unwrap_or_else(|| panic!("no subnet {name} in\n{vnet}"));
    let rest = &vnet[start..];
    let end = rest[1..]
        .find("        name: '")
        .map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// Rule names of an NSG resource, in order.
fn rule_names(nsg: &str) -> Vec<&str> {
    nsg.lines()
        .filter_map(|line| line.trim().strip_prefix("name: '"))
        .filter_map(|rest| rest.strip_suffix('\''))
        .filter(|name| !name.starts_with("nsg-"))
        .collect()
}

fn hub_blueprint() -> Blueprint {
    Blueprint::builder("claims", ["dev", "prod"])
        .address_space("10.110.0.0/20")
        .peer_with("/subscriptions/00000000-0000-0000-0000-00000000a1b2/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub")
        .central_dns(Vec::<(String, String)>::new())
        .dns_servers(["10.100.0.68", "10.100.0.69"])
        .egress_through_firewall("10.100.0.4")
        .component(
            "api",
            WebApp::new(Runtime::Node22).uses("vault.key", Access::Read),
        )
        .component(
            "worker",
            ContainerApp::new("mcr.microsoft.com/k8se/quickstart:latest")
                .uses("vault.key", Access::Read),
        )
        .component("vault", KeyVault::new().secrets(["key"]))
        .build()
}

#[test]
fn the_vnet_uses_the_hubs_dns_servers() {
    let text = network_bicep(&hub_blueprint());
    let vnet = resource(&text, "vnet");
    assert!(
        vnet.contains("dhcpOptions: {\n      dnsServers: [\n        '10.100.0.68'\n        '10.100.0.69'\n      ]\n    }"),
        "{vnet}"
    );
}

#[test]
fn without_dns_servers_the_vnet_keeps_azure_provided_dns() {
    let blueprint = Blueprint::builder("shop", ["dev"])
        .component(
            "api",
            WebApp::new(Runtime::Node22).uses("vault.key", Access::Read),
        )
        .component("vault", KeyVault::new().secrets(["key"]))
        .build();
    let text = network_bicep(&blueprint);
    assert!(!text.contains("dhcpOptions"), "{text}");
    assert!(!text.contains("routeTable"), "{text}");
    assert!(text.contains("resource natGateway "), "{text}");
    assert!(text.contains("resource egressIp "), "{text}");
}

#[test]
fn egress_through_the_firewall_is_a_route_table_on_every_compute_subnet_and_no_nat_gateway() {
    let text = network_bicep(&hub_blueprint());
    let table = resource(&text, "routeTable");
    assert!(
        table.contains("'Microsoft.Network/routeTables@2025-05-01'"),
        "{table}"
    );
    assert!(table.contains("name: 'rt-claims-${environmentName}'"));
    assert!(table.contains("disableBgpRoutePropagation: true"));
    assert!(table.contains("addressPrefix: '0.0.0.0/0'"), "{table}");
    assert!(table.contains("nextHopType: 'VirtualAppliance'"), "{table}");
    assert!(table.contains("nextHopIpAddress: '10.100.0.4'"), "{table}");

    assert!(!text.contains("Microsoft.Network/natGateways"), "{text}");
    assert!(
        !text.contains("Microsoft.Network/publicIPAddresses"),
        "{text}"
    );
    assert!(!text.contains("natGateway"), "{text}");

    let vnet = resource(&text, "vnet");
    for compute in ["api-integration", "container-apps"] {
        let body = subnet(vnet, compute);
        assert!(
            body.contains("routeTable: {\n            id: routeTable.id\n          }"),
            "{compute}: {body}"
        );
    }
    // Endpoints start no connections and a 0.0.0.0/0 route would not override their /32s.
    let endpoints = subnet(vnet, "private-endpoints");
    assert!(!endpoints.contains("routeTable"), "{endpoints}");
    assert!(endpoints.contains("privateEndpointNetworkPolicies: 'Enabled'"));
}

#[test]
fn firewall_and_dns_servers_that_differ_per_environment_live_in_the_address_plan() {
    let mut blueprint = hub_blueprint();
    blueprint.network.environments.insert(
        "prod".into(),
        NetworkOverride {
            address_space: Some("10.120.0.0/20".into()),
            dns_servers: Some(vec!["10.200.0.68".into()]),
            egress: Some(Egress {
                firewall: "10.200.0.4".into(),
            }),
            ..NetworkOverride::default()
        },
    );
    let text = network_bicep(&blueprint);
    let plan = &text[text.find("var addressPlan").expect("an address plan")..];
    let plan = &plan[..plan.find("\n}\n").unwrap()];
    assert!(plan.contains("firewallIp: '10.100.0.4'"), "{plan}");
    assert!(plan.contains("firewallIp: '10.200.0.4'"), "{plan}");
    assert!(plan.contains("'10.200.0.68'"), "{plan}");
    assert!(
        resource(&text, "routeTable")
            .contains("nextHopIpAddress: addressPlan[environmentName].firewallIp")
    );
    assert!(
        resource(&text, "vnet").contains("dnsServers: addressPlan[environmentName].dnsServers")
    );
}

#[test]
fn integration_subnets_admit_nothing() {
    let text = network_bicep(&hub_blueprint());
    let nsg = resource(&text, "apiIntegrationNsg");
    assert_eq!(rule_names(nsg), ["deny-all-inbound"], "{nsg}");
}

#[test]
fn private_endpoint_subnets_admit_their_ports_from_the_vnet_into_the_subnet() {
    let text = network_bicep(&hub_blueprint());
    let nsg = resource(&text, "privateEndpointsNsg");
    assert_eq!(
        rule_names(nsg),
        ["allow-vnet-to-endpoints", "deny-all-inbound"],
        "{nsg}"
    );
    assert!(nsg.contains("sourceAddressPrefix: 'VirtualNetwork'"));
    // The key vault's endpoint serves HTTPS only.
    assert!(nsg.contains("destinationPortRange: '443'"), "{nsg}");
    // The destination is the endpoint subnet itself, not the whole VNet.
    assert!(
        nsg.contains("destinationAddressPrefix: '10.110.0.0/24'"),
        "{nsg}"
    );
}

#[test]
fn container_apps_subnets_admit_https_probes_and_their_own_subnet() {
    let text = network_bicep(&hub_blueprint());
    let nsg = resource(&text, "containerAppsNsg");
    assert_eq!(
        rule_names(nsg),
        [
            "allow-vnet-https-to-ingress",
            "allow-load-balancer-probes",
            "allow-within-subnet",
            "deny-all-inbound"
        ],
        "{nsg}"
    );
    let vnet = resource(&text, "vnet");
    let range = subnet(vnet, "container-apps")
        .lines()
        .find_map(|l| l.trim().strip_prefix("addressPrefix: "))
        .expect("a prefix")
        .to_string();
    let https = &nsg[nsg.find("allow-vnet-https-to-ingress").unwrap()..];
    let https = &https[..https.find("allow-load-balancer-probes").unwrap()];
    assert!(
        https.contains("'443'\n") && https.contains("'31443'\n"),
        "{https}"
    );
    assert!(!https.contains("'80'"), "{https}");
    let probes = &nsg[nsg.find("allow-load-balancer-probes").unwrap()..];
    let probes = &probes[..probes.find("allow-within-subnet").unwrap()];
    assert!(probes.contains("sourceAddressPrefix: 'AzureLoadBalancer'"));
    assert!(probes.contains("destinationPortRange: '30000-32767'"));
    let within = &nsg[nsg.find("allow-within-subnet").unwrap()..];
    let within = &within[..within.find("deny-all-inbound").unwrap()];
    assert!(
        within.contains(&format!("sourceAddressPrefix: {range}")),
        "{within}"
    );
    assert!(
        within.contains(&format!("destinationAddressPrefix: {range}")),
        "{within}"
    );
    assert!(within.contains("protocol: '*'"), "{within}");
    let deny = &nsg[nsg.find("deny-all-inbound").unwrap()..];
    assert!(deny.contains("priority: 4096") && deny.contains("access: 'Deny'"));
}

#[test]
fn the_claims_blueprint_routes_through_the_hub_and_resolves_through_its_dns() {
    let files = common::generate_file(&common::repo().join("blueprints/claims.toml"));
    let network = files.get("modules/network.bicep").unwrap();
    assert!(
        network.contains("dnsServers: [\n        '10.100.0.68'\n        '10.100.0.69'\n      ]")
    );
    assert!(network.contains("nextHopIpAddress: '10.100.0.4'"));
    assert!(!network.contains("natGateway"));
    let path = common::repo().join("blueprints/claims.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = bulwark::blueprint::load::from_str(&text).unwrap();
    let generated = common::generate_full(&path);
    let report = bulwark::report::build(&loaded.blueprint, &generated.plan, "claims.toml", None);
    let needs: Vec<&str> = report.platform.iter().map(|p| p.need.as_str()).collect();
    assert_eq!(needs, ["DNS", "Firewall", "Peering back"]);
    assert!(report.platform[0].what.contains("`10.100.0.68`"));
    assert!(report.platform[1].what.contains("`10.100.0.4`"));
    let markdown = report.render_markdown();
    assert!(
        markdown.contains("## What the platform must provide"),
        "{markdown}"
    );
}
