//! The inbound rules of each subnet's NSG, from its service's networking documentation.

use super::super::Context;
use crate::bicep::{Expr, Item, Property, obj};
use crate::plan::{Subnet, SubnetPurpose};

/// One inbound allow (or the final deny) rule of a subnet's NSG. `source` and `destination`
/// are address prefixes or service tags; `destination` is the subnet's own range for allows.
pub(super) struct Rule {
    name: &'static str,
    priority: i64,
    access: &'static str,
    protocol: &'static str,
    source: Expr,
    destination: Expr,
    ports: Vec<String>,
}

pub(super) fn nsg_rule(rule: &Rule) -> Item {
    let mut properties = vec![
        Property::new("priority", rule.priority),
        Property::new("direction", "Inbound"),
        Property::new("access", rule.access),
        Property::new("protocol", rule.protocol),
        Property::new("sourceAddressPrefix", rule.source.clone()),
        Property::new("sourcePortRange", "*"),
        Property::new("destinationAddressPrefix", rule.destination.clone()),
    ];
    match rule.ports.as_slice() {
        [one] => properties.push(Property::new("destinationPortRange", one.as_str())),
        many => properties.push(Property::new(
            "destinationPortRanges",
            Expr::array(many.iter().map(|port| Item::from(port.as_str()))),
        )),
    }
    Item::from(obj([
        ("name", rule.name.into()),
        ("properties", Expr::Object(properties)),
    ]))
}

/// Last rule of every NSG. It outranks Azure's default rules at 65000-65001
/// (AllowVnetInBound, AllowAzureLoadBalancerInBound), so every flow a subnet's service needs
/// is allowed above it explicitly (MicrosoftDocs/azure-docs articles/virtual-network/
/// network-security-groups-overview.md, "Default security rules").
fn deny_all() -> Rule {
    Rule {
        name: "deny-all-inbound",
        priority: 4096,
        access: "Deny",
        protocol: "*",
        source: Expr::str("*"),
        destination: Expr::str("*"),
        ports: vec!["*".into()],
    }
}

/// Ports the private endpoints in the subnet listen on, from the groups present.
fn endpoint_ports(ctx: &Context) -> Vec<String> {
    let mut ports: Vec<&str> = ctx
        .plan
        .components
        .iter()
        .flat_map(|component| {
            component
                .private_endpoints
                .iter()
                .flat_map(|endpoint| private_endpoint_ports(endpoint.group_id))
        })
        .copied()
        .collect();
    ports.sort_by_key(|port| {
        port.split('-')
            .next()
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    });
    ports.dedup();
    ports.into_iter().map(str::to_string).collect()
}

/// What each private-link group serves on: HTTPS everywhere, plus the service's own protocol.
fn private_endpoint_ports(group_id: &str) -> &'static [&'static str] {
    match group_id {
        "sqlServer" => &["443", "1433", "11000-11999"],
        "postgresqlServer" => &["5432"],
        // Cosmos DB gateway mode on 443, direct mode on 10250-10255.
        "Sql" => &["443", "10250-10255"],
        // AMQP and Kafka besides HTTPS for Service Bus and Event Hubs.
        "namespace" => &["443", "5671-5672", "9093"],
        // Azure Managed Redis: 10000, and 85xx for the OSS cluster policy.
        "redisEnterprise" => &["10000", "8500-8599"],
        _ => &["443"],
    }
}

/// The inbound rules of a subnet's NSG, from its service's networking documentation, and
/// why. `range` is the subnet's own address prefix (an expression: it may differ per
/// environment).
pub(super) fn nsg_rules(ctx: &Context, subnet: &Subnet, range: &Expr) -> (Vec<Rule>, String) {
    match &subnet.purpose {
        SubnetPurpose::PrivateEndpoints => (
            vec![
                // Clients in the VNet, peered VNets and connected networks (the VirtualNetwork
                // tag) reach the endpoints on their services' ports; with
                // privateEndpointNetworkPolicies enabled the NSG applies to endpoint traffic
                // (MicrosoftDocs/azure-docs articles/private-link/
                // disable-private-endpoint-network-policy.md). Endpoints start no connections.
                Rule {
                    name: "allow-vnet-to-endpoints",
                    priority: 100,
                    access: "Allow",
                    protocol: "Tcp",
                    source: Expr::str("VirtualNetwork"),
                    destination: range.clone(),
                    ports: endpoint_ports(ctx),
                },
                deny_all(),
            ],
            "Private endpoints accept their services' ports from inside the VNet only".to_string(),
        ),
        // "The inbound rules in an NSG don't apply to your app because virtual network
        // integration affects only outbound traffic from your app" (MicrosoftDocs/azure-docs
        // articles/app-service/overview-vnet-integration.md, "Network security groups"): the
        // subnet needs no inbound rule, and nothing else may be placed in it (delegation).
        SubnetPurpose::Integration { component, .. } => (
            vec![deny_all()],
            format!("Outbound integration subnet of {component}: nothing may connect in"),
        ),
        // Workload profiles environment, inbound NSG rules: HTTPS from clients on 443 and the
        // edge proxy's 31443, Azure Load Balancer probes on 30000-32767 (MicrosoftDocs/
        // azure-docs articles/container-apps/firewall-integration.md, ms.date 04/01/2026,
        // "Inbound"); and "communication between IPs in your container app's subnet" (its
        // "Outbound" table), which the deny-all would stop at the receiving end: the edge
        // proxy reaching the apps' target ports and the replicas reaching each other. HTTP on
        // 80/31080 is not needed: ingress sets allowInsecure false, so clients use HTTPS.
        SubnetPurpose::ContainerEnvironment { component } => (
            vec![
                Rule {
                    name: "allow-vnet-https-to-ingress",
                    priority: 100,
                    access: "Allow",
                    protocol: "Tcp",
                    source: Expr::str("VirtualNetwork"),
                    destination: range.clone(),
                    ports: ["443", "31443"].map(String::from).to_vec(),
                },
                Rule {
                    name: "allow-load-balancer-probes",
                    priority: 110,
                    access: "Allow",
                    protocol: "Tcp",
                    source: Expr::str("AzureLoadBalancer"),
                    destination: range.clone(),
                    ports: vec!["30000-32767".to_string()],
                },
                Rule {
                    name: "allow-within-subnet",
                    priority: 120,
                    access: "Allow",
                    protocol: "*",
                    source: range.clone(),
                    destination: range.clone(),
                    ports: vec!["*".to_string()],
                },
                deny_all(),
            ],
            match component {
                Some(component) => format!(
                    "Container Apps environment of {component}: HTTPS ingress from inside the VNet only"
                ),
                None => {
                    "The shared Container Apps environment: HTTPS ingress from inside the VNet only"
                        .to_string()
                }
            },
        ),
    }
}
