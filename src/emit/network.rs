//! The network module: subnets with their NSGs, outbound through a NAT gateway, a route to
//! the hub's firewall or the platform's route table, in a VNet bulwark creates (optionally
//! peered with a hub and using its DNS servers) or in an existing one.

use super::Context;
use super::common::{self, ByEnvironment, env_suffixed, regional};
use super::infra::{ConcernModule, output, regional_args};
use crate::bicep::{Expr, Item, Property, Resource, Statement, StatementKind, Type, obj};
use crate::catalog::{naming, types};
use crate::plan::{PerEnvironment, Subnet, SubnetPurpose};

mod nsg;
use nsg::{nsg_rule, nsg_rules};

fn strings(values: PerEnvironment<String>) -> PerEnvironment<Expr> {
    match values {
        PerEnvironment::Same(value) => PerEnvironment::Same(Expr::str(value)),
        PerEnvironment::Each(values) => PerEnvironment::Each(
            values
                .into_iter()
                .map(|(environment, value)| (environment, Expr::str(value)))
                .collect(),
        ),
    }
}

/// The network module's object output holding the compute subnets' ids by subnet name: one
/// output however many subnets there are (ARM allows 64 outputs per template; limits.tsv).
pub const SUBNET_IDS: &str = "subnetIds";

/// The single output of a subnet every blueprint of its kind shares, if it has one.
fn fixed_subnet_output(subnet: &Subnet) -> Option<&'static str> {
    match &subnet.purpose {
        SubnetPurpose::PrivateEndpoints => Some("privateEndpointsSubnetId"),
        SubnetPurpose::ContainerEnvironment { component: None } => Some("containerAppsSubnetId"),
        _ => None,
    }
}

/// `network.outputs.subnetIds['<subnet>']`: the id of a compute component's own subnet.
pub fn subnet_id(subnet_name: &str) -> Expr {
    Expr::path(&format!("network.outputs.{SUBNET_IDS}")).index(subnet_name)
}

fn nsg_symbol(subnet: &Subnet) -> String {
    format!("{}Nsg", naming::component_symbol(&subnet.name))
}

fn subnet_symbol(subnet: &Subnet) -> String {
    format!("{}Subnet", naming::component_symbol(&subnet.name))
}

pub fn network(ctx: &Context) -> ConcernModule {
    let plan = ctx.plan;
    let net = &plan.network;
    let args = regional_args();
    let mut by_environment = ByEnvironment::new(
        "addressPlan",
        "What differs between environments: address ranges and the networks they belong to",
    );
    let mut statements: Vec<Statement> = Vec::new();
    let route_table = outbound(ctx, &mut by_environment, &mut statements);

    // The VNet's own per-environment values come first in the table, then the subnets'.
    let vnet_name = net.existing.then(|| {
        let name = net.per_environment(|vnet| {
            vnet.existing
                .as_ref()
                .map(|e| e.vnet.name.clone())
                .unwrap_or_default()
        });
        by_environment.value("vnetName", strings(name))
    });
    let space = (!net.existing).then(|| {
        net.per_environment(|vnet| {
            Expr::array(
                vnet.ranges
                    .iter()
                    .map(|range| Item::from(range.to_string())),
            )
        })
    });
    let space_comment = match &space {
        Some(PerEnvironment::Each(_)) => {
            "Address plan per environment in addressPlan (every subnet has an NSG)".to_string()
        }
        _ => {
            let ranges: Vec<String> = plan
                .address_ranges_in(&plan.environments[0])
                .iter()
                .map(ToString::to_string)
                .collect();
            format!(
                "Address plan: {} (every subnet has an NSG)",
                ranges.join(", ")
            )
        }
    };
    let space = space.map(|space| by_environment.value("addressSpace", space));
    let dns_servers = net.per_environment(|vnet| vnet.dns_servers.clone());
    let dns_servers = (!net.existing
        && dns_servers
            .values()
            .iter()
            .any(|servers| !servers.is_empty()))
    .then(|| {
        by_environment.value(
            "dnsServers",
            dns_servers
                .map(|servers| Expr::array(servers.iter().map(|ip| Item::from(ip.to_string())))),
        )
    });

    let subnet_bodies = subnet_bodies(ctx, &mut by_environment, &mut statements, &route_table);
    match vnet_name {
        Some(name) => existing_subnets(&plan.app, name, subnet_bodies, &mut statements),
        None => created_vnet(
            ctx,
            &mut by_environment,
            &mut statements,
            subnet_bodies,
            (space, space_comment, dns_servers),
        ),
    }
    finish(ctx, by_environment, statements, args)
}

/// Outbound for compute subnets: the hub firewall's route table, the platform's, or a NAT
/// gateway with one public address. The route table's id, if the subnets take one.
fn outbound(
    ctx: &Context,
    by_environment: &mut ByEnvironment,
    statements: &mut Vec<Statement>,
) -> Option<Expr> {
    let plan = ctx.plan;
    let app = &plan.app;
    let net = &plan.network;
    let compute = plan
        .subnets
        .iter()
        .any(|s| s.purpose != SubnetPurpose::PrivateEndpoints);
    let route_table = net.per_environment(|vnet| {
        vnet.existing
            .as_ref()
            .and_then(|existing| existing.route_table.as_ref())
            .map(|table| table.id.clone())
    });
    // Every environment routes through the hub firewall or none does (validation).
    let firewall = net.per_environment(|vnet| vnet.firewall.map(|ip| ip.to_string()));
    let firewall = match firewall {
        PerEnvironment::Same(None) => None,
        PerEnvironment::Same(Some(ip)) => Some(Expr::str(ip)),
        PerEnvironment::Each(ips) => Some(
            by_environment.value(
                "firewallIp",
                PerEnvironment::Each(
                    ips.into_iter()
                        .map(|(environment, ip)| (environment, Expr::str(ip.unwrap_or_default())))
                        .collect(),
                ),
            ),
        ),
    };
    let route_table = match route_table {
        PerEnvironment::Same(Some(id)) => Some(Expr::str(id)),
        PerEnvironment::Same(None) => None,
        PerEnvironment::Each(ids) => Some(
            by_environment.value(
                "routeTableId",
                PerEnvironment::Each(
                    ids.into_iter()
                        .map(|(environment, id)| (environment, Expr::str(id.unwrap_or_default())))
                        .collect(),
                ),
            ),
        ),
    };
    let route_table = match (&firewall, route_table) {
        (Some(firewall), _) if compute => {
            statements.push(
                Statement::from(
                    regional(
                        Resource::new(
                            "routeTable",
                            types::ROUTE_TABLE.name,
                            types::ROUTE_TABLE.api_version,
                        ),
                        env_suffixed(format!("rt-{app}-")),
                    )
                    .prop(
                        "properties",
                        obj([
                            // Routes learned by BGP (a hub gateway's on-premises prefixes)
                            // would take that traffic past the firewall (schema:
                            // RouteTablePropertiesFormat.disableBgpRoutePropagation).
                            ("disableBgpRoutePropagation", true.into()),
                            (
                                "routes",
                                Expr::array([Item::from(obj([
                                    ("name", "to-hub-firewall".into()),
                                    (
                                        "properties",
                                        obj([
                                            ("addressPrefix", "0.0.0.0/0".into()),
                                            // nextHopIpAddress is only allowed with next hop
                                            // type VirtualAppliance (schema:
                                            // RoutePropertiesFormat.nextHopIpAddress).
                                            ("nextHopType", "VirtualAppliance".into()),
                                            ("nextHopIpAddress", firewall.clone()),
                                        ]),
                                    ),
                                ]))]),
                            ),
                        ]),
                    ),
                )
                .with_comment(
                    "Compute outbound (the internet, other spokes) goes to the hub's firewall; the VNet's own and the peered hub's ranges keep their more specific system routes",
                ),
            );
            Some(Expr::path("routeTable.id"))
        }
        (Some(_), _) => None,
        (None, table) => table,
    };
    if compute && route_table.is_none() {
        nat_gateway(app, statements);
    }
    route_table
}

/// A NAT gateway with one static public address: compute subnets' explicit outbound.
fn nat_gateway(app: &str, statements: &mut Vec<Statement>) {
    statements.push(
        Statement::from(
            regional(
                Resource::new(
                    "egressIp",
                    types::PUBLIC_IP_ADDRESS.name,
                    types::PUBLIC_IP_ADDRESS.api_version,
                ),
                env_suffixed(format!("pip-{app}-egress-")),
            )
            .prop(
                "sku",
                obj([("name", "Standard".into()), ("tier", "Regional".into())]),
            )
            .prop(
                "properties",
                obj([
                    ("publicIPAllocationMethod", "Static".into()),
                    ("publicIPAddressVersion", "IPv4".into()),
                ]),
            ),
        )
        .with_comment(
            "The one address compute traffic leaves the VNet from (allow-list it at third parties)",
        ),
    );
    statements.extend(common::diagnostics_statements(
        "egressIp",
        types::PUBLIC_IP_ADDRESS,
    ));
    statements.push(
        Statement::from(
            regional(
                Resource::new(
                    "natGateway",
                    types::NAT_GATEWAY.name,
                    types::NAT_GATEWAY.api_version,
                ),
                env_suffixed(format!("ng-{app}-")),
            )
            .prop("sku", obj([("name", "Standard".into())]))
            .prop(
                "properties",
                obj([
                    ("idleTimeoutInMinutes", 4i64.into()),
                    (
                        "publicIpAddresses",
                        Expr::array([Item::from(obj([("id", Expr::path("egressIp.id"))]))]),
                    ),
                ]),
            ),
        )
        .with_comment(
            "Explicit outbound for compute subnets, which have no default outbound access",
        ),
    );
}

/// Each subnet's NSG (with its diagnostics) into `statements`, and the subnet's properties.
fn subnet_bodies<'p>(
    ctx: &Context<'p>,
    by_environment: &mut ByEnvironment,
    statements: &mut Vec<Statement>,
    route_table: &Option<Expr>,
) -> Vec<(&'p Subnet, Vec<Property>)> {
    let plan = ctx.plan;
    let app = &plan.app;
    let mut subnet_bodies = Vec::new();
    for subnet in &plan.subnets {
        let nsg = nsg_symbol(subnet);
        let prefix = match subnet.prefix() {
            PerEnvironment::Same(cidr) => PerEnvironment::Same(cidr.to_string()),
            PerEnvironment::Each(cidrs) => {
                PerEnvironment::Each(cidrs.into_iter().map(|(e, c)| (e, c.to_string())).collect())
            }
        };
        let range = by_environment.value(&subnet.name, strings(prefix));
        let (rules, why) = nsg_rules(ctx, subnet, &range);
        statements.push(
            Statement::from(
                regional(
                    Resource::new(
                        &nsg,
                        types::NETWORK_SECURITY_GROUP.name,
                        types::NETWORK_SECURITY_GROUP.api_version,
                    ),
                    env_suffixed(format!("nsg-{app}-{}-", subnet.name)),
                )
                .prop(
                    "properties",
                    obj([("securityRules", Expr::array(rules.iter().map(nsg_rule)))]),
                ),
            )
            .with_comment(why),
        );
        statements.extend(common::diagnostics_statements(
            &nsg,
            types::NETWORK_SECURITY_GROUP,
        ));
        let mut properties = vec![
            Property::new("addressPrefix", range),
            Property::new(
                "networkSecurityGroup",
                obj([("id", Expr::path(&format!("{nsg}.id")))]),
            ),
            Property::new("defaultOutboundAccess", false),
        ];
        if subnet.purpose == SubnetPurpose::PrivateEndpoints {
            // No route table here: endpoints start no connections, and a 0.0.0.0/0 route
            // would not override their /32 routes anyway (MicrosoftDocs/azure-docs articles/
            // private-link/disable-private-endpoint-network-policy.md).
            properties.push(Property::new("privateEndpointNetworkPolicies", "Enabled"));
        } else {
            match &route_table {
                Some(id) => properties.push(Property::new("routeTable", obj([("id", id.clone())]))),
                None => properties.push(Property::new(
                    "natGateway",
                    obj([("id", Expr::path("natGateway.id"))]),
                )),
            }
        }
        if let Some(delegation) = subnet.purpose.delegation() {
            properties.push(Property::new(
                "delegations",
                Expr::array([Item::from(obj([
                    ("name", "delegation".into()),
                    ("properties", obj([("serviceName", delegation.into())])),
                ]))]),
            ));
        }
        subnet_bodies.push((subnet, properties));
    }
    subnet_bodies
}

/// Subnets in the platform's existing VNet, one resource each, one after another.
fn existing_subnets(
    app: &str,
    name: Expr,
    subnet_bodies: Vec<(&Subnet, Vec<Property>)>,
    statements: &mut Vec<Statement>,
) {
    statements.push(
        Statement::from(
            Resource::new(
                "vnet",
                types::VIRTUAL_NETWORK.name,
                types::VIRTUAL_NETWORK.api_version,
            )
            .existing()
            .prop("name", name),
        )
        .with_comment("The platform's VNet; this module deploys into its resource group"),
    );
    let mut previous: Option<String> = None;
    for (subnet, properties) in subnet_bodies {
        let symbol = subnet_symbol(subnet);
        let mut resource = Resource::new(&symbol, types::SUBNET.name, types::SUBNET.api_version)
            .prop("parent", Expr::ident("vnet"))
            .prop("name", env_suffixed(format!("snet-{app}-{}-", subnet.name)))
            .prop("properties", Expr::Object(properties));
        if let Some(previous) = &previous {
            resource = resource.prop(
                "dependsOn",
                Expr::array([Item::from(Expr::ident(previous))]),
            );
        }
        let comment = if previous.is_none() {
            "Subnets of a VNet change one at a time, so each waits for the one before".to_string()
        } else {
            format!("{} ({})", subnet.name, purpose_comment(&subnet.purpose))
        };
        statements.push(Statement::from(resource).with_comment(comment));
        previous = Some(symbol);
    }
}

/// The VNet bulwark creates, its subnets inline, and the peering to the hub.
fn created_vnet(
    ctx: &Context,
    by_environment: &mut ByEnvironment,
    statements: &mut Vec<Statement>,
    subnet_bodies: Vec<(&Subnet, Vec<Property>)>,
    (space, space_comment, dns_servers): (Option<Expr>, String, Option<Expr>),
) {
    let app = &ctx.plan.app;
    let net = &ctx.plan.network;
    let space = space.expect("a created VNet has an address space");
    let subnets = subnet_bodies.into_iter().map(|(subnet, properties)| {
        Item::from(obj([
            ("name", subnet.name.as_str().into()),
            ("properties", Expr::Object(properties)),
        ]))
    });
    let mut vnet_properties = vec![Property::new(
        "addressSpace",
        obj([("addressPrefixes", space)]),
    )];
    if let Some(servers) = dns_servers {
        // The hub's resolvers instead of Azure-provided DNS, so names of private endpoints
        // resolve through the platform's zones (schema: VirtualNetworkPropertiesFormat.
        // dhcpOptions.dnsServers).
        vnet_properties.push(Property::new("dhcpOptions", obj([("dnsServers", servers)])));
    }
    vnet_properties.push(Property::new("subnets", Expr::array(subnets)));
    statements.push(
        Statement::from(
            regional(
                Resource::new(
                    "vnet",
                    types::VIRTUAL_NETWORK.name,
                    types::VIRTUAL_NETWORK.api_version,
                ),
                env_suffixed(format!("vnet-{app}-")),
            )
            .prop("properties", Expr::Object(vnet_properties)),
        )
        .with_comment(space_comment),
    );
    statements.extend(common::diagnostics_statements(
        "vnet",
        types::VIRTUAL_NETWORK,
    ));
    let hub = net.per_environment(|vnet| vnet.peer_with.as_ref().map(|hub| hub.id.clone()));
    let hub = match hub {
        PerEnvironment::Same(Some(id)) => Some(Expr::str(id)),
        PerEnvironment::Same(None) => None,
        PerEnvironment::Each(ids) => Some(
            by_environment.value(
                "hubVnetId",
                PerEnvironment::Each(
                    ids.into_iter()
                        .map(|(environment, id)| (environment, Expr::str(id.unwrap_or_default())))
                        .collect(),
                ),
            ),
        ),
    };
    if let Some(hub) = hub {
        statements.push(
            Statement::from(
                Resource::new(
                    "hubPeering",
                    types::VNET_PEERING.name,
                    types::VNET_PEERING.api_version,
                )
                .prop("parent", Expr::ident("vnet"))
                .prop("name", "to-hub")
                .prop(
                    "properties",
                    obj([
                        ("remoteVirtualNetwork", obj([("id", hub)])),
                        ("allowVirtualNetworkAccess", true.into()),
                        ("allowForwardedTraffic", true.into()),
                        ("allowGatewayTransit", false.into()),
                        ("useRemoteGateways", false.into()),
                    ]),
                ),
            )
            .with_comment("Peering to the hub; the hub's owner adds the peering back to vnetId"),
        );
    }
}

/// The module file: the per-environment table, the statements, and the ids other modules read.
fn finish(
    ctx: &Context,
    by_environment: ByEnvironment,
    statements: Vec<Statement>,
    args: Vec<(crate::bicep::Param, Expr)>,
) -> ConcernModule {
    let plan = ctx.plan;
    let net = &plan.network;
    let mut file = ctx.module_file();
    if let Some(table) = by_environment.statement() {
        file.push(table);
    }
    for statement in statements {
        file.push(statement);
    }
    file.push(output("vnetId", Expr::path("vnet.id")));
    let mut subnet_ids = Vec::new();
    for subnet in &plan.subnets {
        let id = if net.existing {
            Expr::path(&format!("{}.id", subnet_symbol(subnet)))
        } else {
            Expr::call(
                "resourceId",
                vec![
                    "Microsoft.Network/virtualNetworks/subnets".into(),
                    Expr::path("vnet.name"),
                    subnet.name.as_str().into(),
                ],
            )
        };
        match fixed_subnet_output(subnet) {
            Some(name) => file.push(output(name, id)),
            None => subnet_ids.push(Property::new(subnet.name.as_str(), id)),
        }
    }
    if !subnet_ids.is_empty() {
        file.push(StatementKind::Output {
            name: SUBNET_IDS.into(),
            ty: Type::Object,
            value: Expr::object(subnet_ids),
        });
    }
    ConcernModule { file, args }
}

fn purpose_comment(purpose: &SubnetPurpose) -> String {
    match purpose {
        SubnetPurpose::PrivateEndpoints => "private endpoints".to_string(),
        SubnetPurpose::Integration { component, .. } => {
            format!("outbound integration of {component}")
        }
        SubnetPurpose::ContainerEnvironment {
            component: Some(component),
        } => {
            format!("Container Apps environment of {component}")
        }
        SubnetPurpose::ContainerEnvironment { component: None } => {
            "the shared Container Apps environment".to_string()
        }
    }
}
