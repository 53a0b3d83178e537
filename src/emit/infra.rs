//! Modules per concern: monitoring, network, private DNS, the shared Container Apps
//! environment and policy.

use super::common::{
    self, env_suffixed, param, principal_param, regional, role_assignment, zone_param,
};
use super::{Context, identity_symbol};
use crate::bicep::{
    Expr, File, Item, Param, Property, Resource, Statement, StatementKind, Type, obj,
};
use crate::catalog::naming::{self, prefixed_symbol};
use crate::catalog::{Role, facts, types};
use crate::plan::{Scope, Subnet, SubnetPurpose};

/// A concern module: its file and the arguments main.bicep passes it.
pub struct ConcernModule {
    pub file: File,
    pub args: Vec<(Param, Expr)>,
}

fn environment_param() -> (Param, Expr) {
    (
        param(
            "environmentName",
            Type::String,
            "Environment being deployed.",
        ),
        Expr::ident("environmentName"),
    )
}

fn output(name: &str, value: Expr) -> Statement {
    StatementKind::Output {
        name: name.to_string(),
        ty: Type::String,
        value,
    }
    .into()
}

pub fn monitoring(ctx: &Context) -> ConcernModule {
    let app = &ctx.plan.app;
    let mut args = vec![
        (common::location_param(), Expr::ident("location")),
        (common::tags_param(), Expr::ident("tags")),
        environment_param(),
    ];
    let mut file = ctx.module_file();
    file.push(
        Statement::from(
            regional(
                Resource::new(
                    "workspace",
                    types::LOG_ANALYTICS_WORKSPACE.name,
                    types::LOG_ANALYTICS_WORKSPACE.api_version,
                ),
                env_suffixed(format!("log-{app}-")),
            )
            .prop(
                "properties",
                obj([
                    ("sku", obj([("name", "PerGB2018".into())])),
                    ("retentionInDays", 30i64.into()),
                    ("features", obj([("disableLocalAuth", true.into())])),
                ]),
            ),
        )
        .with_comment("Log Analytics: Entra ID ingestion only"),
    );
    if let Some(setting) = common::diagnostic_setting(
        "workspace",
        types::LOG_ANALYTICS_WORKSPACE,
        Expr::path("workspace.id"),
    ) {
        file.push(setting);
    }
    file.push(
        Statement::from(
            regional(
                Resource::new(
                    "appInsights",
                    types::APP_INSIGHTS.name,
                    types::APP_INSIGHTS.api_version,
                ),
                env_suffixed(format!("appi-{app}-")),
            )
            .prop("kind", "web")
            .prop(
                "properties",
                obj([
                    ("Application_Type", "web".into()),
                    ("WorkspaceResourceId", Expr::path("workspace.id")),
                    ("DisableLocalAuth", true.into()),
                ]),
            ),
        )
        .with_comment(
            "Workspace-based Application Insights; apps send telemetry with their identity",
        ),
    );
    if let Some(setting) = common::diagnostic_setting(
        "appInsights",
        types::APP_INSIGHTS,
        Expr::path("workspace.id"),
    ) {
        file.push(setting);
    }
    for assignment in ctx
        .plan
        .role_assignments
        .iter()
        .filter(|a| a.scope == Scope::ApplicationInsights)
    {
        let principal = principal_param(&assignment.principal);
        args.push((
            param(
                &principal,
                Type::String,
                &format!(
                    "Principal id of the managed identity of {}.",
                    assignment.principal
                ),
            ),
            Expr::path(&format!(
                "{}.properties.principalId",
                identity_symbol(&assignment.principal)
            )),
        ));
        let Role::Arm(name) = assignment.role else {
            continue;
        };
        let guid = facts::role(name).guid;
        file.push(
            Statement::from(role_assignment(
                common::role_symbol("appInsights", &assignment.principal, &assignment.role),
                "appInsights",
                &principal,
                common::built_in_role(guid),
                guid.into(),
            ))
            .with_comment(format!(
                "{} publishes telemetry: {name} ({})",
                assignment.principal, assignment.because
            )),
        );
    }
    file.push(output("workspaceId", Expr::path("workspace.id")));
    file.push(output("appInsightsName", Expr::path("appInsights.name")));
    ConcernModule { file, args }
}

pub fn subnet_output(subnet: &Subnet) -> String {
    match &subnet.purpose {
        SubnetPurpose::PrivateEndpoints => "privateEndpointsSubnetId".to_string(),
        SubnetPurpose::Integration { component, .. } => integration_subnet_output(component),
        SubnetPurpose::ContainerEnvironment { component: None } => {
            "containerAppsSubnetId".to_string()
        }
        SubnetPurpose::ContainerEnvironment {
            component: Some(component),
        } => environment_subnet_output(component),
    }
}

pub fn integration_subnet_output(component: &str) -> String {
    format!("{}IntegrationSubnetId", naming::component_symbol(component))
}

pub fn environment_subnet_output(component: &str) -> String {
    format!("{}EnvironmentSubnetId", naming::component_symbol(component))
}

struct Rule<'a> {
    name: &'a str,
    priority: i64,
    access: &'a str,
    protocol: &'a str,
    source: &'a str,
    ports: Vec<String>,
}

fn nsg_rule(rule: &Rule<'_>) -> Item {
    let mut properties = vec![
        Property::new("priority", rule.priority),
        Property::new("direction", "Inbound"),
        Property::new("access", rule.access),
        Property::new("protocol", rule.protocol),
        Property::new("sourceAddressPrefix", rule.source),
        Property::new("sourcePortRange", "*"),
        Property::new(
            "destinationAddressPrefix",
            if rule.source == "*" {
                "*"
            } else {
                "VirtualNetwork"
            },
        ),
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

fn deny_all() -> Rule<'static> {
    Rule {
        name: "deny-all-inbound",
        priority: 4096,
        access: "Deny",
        protocol: "*",
        source: "*",
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

pub fn network(ctx: &Context) -> ConcernModule {
    let app = &ctx.plan.app;
    let args = vec![
        (common::location_param(), Expr::ident("location")),
        (common::tags_param(), Expr::ident("tags")),
        environment_param(),
        (
            common::workspace_param(),
            Expr::path("monitoring.outputs.workspaceId"),
        ),
    ];
    let mut file = ctx.module_file();
    let egress = ctx
        .plan
        .subnets
        .iter()
        .any(|s| s.purpose != SubnetPurpose::PrivateEndpoints);
    if egress {
        file.push(
            Statement::from(
                regional(
                    Resource::new("egressIp", types::PUBLIC_IP_ADDRESS.name, types::PUBLIC_IP_ADDRESS.api_version),
                    env_suffixed(format!("pip-{app}-egress-")),
                )
                .prop("sku", obj([("name", "Standard".into()), ("tier", "Regional".into())]))
                .prop("properties", obj([("publicIPAllocationMethod", "Static".into()), ("publicIPAddressVersion", "IPv4".into())])),
            )
            .with_comment("The one address compute traffic leaves the VNet from (allow-list it at third parties)"),
        );
        common::push_diagnostics_file(&mut file, "egressIp", types::PUBLIC_IP_ADDRESS);
        file.push(
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
    let mut subnets = Vec::new();
    for subnet in &ctx.plan.subnets {
        let nsg_symbol = format!("{}Nsg", naming::component_symbol(&subnet.name));
        let (rules, why) = match &subnet.purpose {
            SubnetPurpose::PrivateEndpoints => (
                vec![
                    Rule {
                        name: "allow-vnet-to-endpoints",
                        priority: 100,
                        access: "Allow",
                        protocol: "Tcp",
                        source: "VirtualNetwork",
                        ports: endpoint_ports(ctx),
                    },
                    deny_all(),
                ],
                "Private endpoints accept their services' ports from inside the VNet only"
                    .to_string(),
            ),
            SubnetPurpose::Integration { component, .. } => (
                vec![deny_all()],
                format!("Outbound integration subnet of {component}: nothing may connect in"),
            ),
            SubnetPurpose::ContainerEnvironment { component } => (
                vec![
                    Rule {
                        name: "allow-vnet-to-ingress",
                        priority: 100,
                        access: "Allow",
                        protocol: "Tcp",
                        source: "VirtualNetwork",
                        ports: ["80", "443", "31080", "31443"].map(String::from).to_vec(),
                    },
                    Rule {
                        name: "allow-load-balancer-probes",
                        priority: 110,
                        access: "Allow",
                        protocol: "Tcp",
                        source: "AzureLoadBalancer",
                        ports: vec!["30000-32767".to_string()],
                    },
                    deny_all(),
                ],
                match component {
                    Some(component) => format!(
                        "Container Apps environment of {component}: ingress from inside the VNet only"
                    ),
                    None => {
                        "The shared Container Apps environment: ingress from inside the VNet only"
                            .to_string()
                    }
                },
            ),
        };
        file.push(
            Statement::from(
                regional(
                    Resource::new(
                        &nsg_symbol,
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
        common::push_diagnostics_file(&mut file, &nsg_symbol, types::NETWORK_SECURITY_GROUP);
        let mut properties = vec![
            Property::new("addressPrefix", subnet.prefix.to_string()),
            Property::new(
                "networkSecurityGroup",
                obj([("id", Expr::path(&format!("{nsg_symbol}.id")))]),
            ),
            Property::new("defaultOutboundAccess", false),
        ];
        if subnet.purpose == SubnetPurpose::PrivateEndpoints {
            properties.push(Property::new("privateEndpointNetworkPolicies", "Enabled"));
        } else {
            properties.push(Property::new(
                "natGateway",
                obj([("id", Expr::path("natGateway.id"))]),
            ));
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
        subnets.push(Item::from(obj([
            ("name", subnet.name.as_str().into()),
            ("properties", Expr::Object(properties)),
        ])));
    }
    file.push(
        Statement::from(
            regional(
                Resource::new(
                    "vnet",
                    types::VIRTUAL_NETWORK.name,
                    types::VIRTUAL_NETWORK.api_version,
                ),
                env_suffixed(format!("vnet-{app}-")),
            )
            .prop(
                "properties",
                obj([
                    (
                        "addressSpace",
                        obj([(
                            "addressPrefixes",
                            Expr::array([Item::from(ctx.plan.address_space.to_string())]),
                        )]),
                    ),
                    ("subnets", Expr::array(subnets)),
                ]),
            ),
        )
        .with_comment(format!(
            "Address plan: {} (every subnet has an NSG)",
            ctx.plan.address_space
        )),
    );
    common::push_diagnostics_file(&mut file, "vnet", types::VIRTUAL_NETWORK);
    file.push(output("vnetId", Expr::path("vnet.id")));
    for subnet in &ctx.plan.subnets {
        file.push(output(
            &subnet_output(subnet),
            Expr::call(
                "resourceId",
                vec![
                    "Microsoft.Network/virtualNetworks/subnets".into(),
                    Expr::path("vnet.name"),
                    subnet.name.as_str().into(),
                ],
            ),
        ));
    }
    ConcernModule { file, args }
}

/// `privatelink.blob.core.windows.net` → `blobCoreWindowsNet`.
fn zone_symbol(zone: &str) -> String {
    let trimmed = zone.trim_start_matches("privatelink.");
    naming::component_symbol(&trimmed.replace('.', "-"))
}

pub fn dns(ctx: &Context) -> ConcernModule {
    let args = vec![
        (common::tags_param(), Expr::ident("tags")),
        (
            param("vnetId", Type::String, "VNet the zones resolve for."),
            Expr::path("network.outputs.vnetId"),
        ),
    ];
    let mut file = ctx.module_file();
    for zone in &ctx.plan.dns_zones {
        let symbol = format!("{}Zone", zone_symbol(zone));
        file.push(
            Statement::from(
                Resource::new(
                    &symbol,
                    types::PRIVATE_DNS_ZONE.name,
                    types::PRIVATE_DNS_ZONE.api_version,
                )
                .prop("name", *zone)
                .prop("location", "global")
                .prop("tags", Expr::ident("tags")),
            )
            .with_comment(format!("Private DNS zone {zone}, linked to the app's VNet")),
        );
        file.push(vnet_link(
            &format!("{symbol}Link"),
            &symbol,
            &format!("{}-vnet", ctx.plan.app),
        ));
    }
    for zone in &ctx.plan.dns_zones {
        file.push(output(
            &zone_param(zone),
            Expr::path(&format!("{}Zone.id", zone_symbol(zone))),
        ));
    }
    ConcernModule { file, args }
}

fn vnet_link(symbol: &str, zone_symbol: &str, name: &str) -> Resource {
    Resource::new(
        symbol,
        types::PRIVATE_DNS_ZONE_LINK.name,
        types::PRIVATE_DNS_ZONE_LINK.api_version,
    )
    .prop("parent", Expr::ident(zone_symbol))
    .prop("name", name)
    .prop("location", "global")
    .prop("tags", Expr::ident("tags"))
    .prop(
        "properties",
        obj([
            ("registrationEnabled", false.into()),
            ("virtualNetwork", obj([("id", Expr::ident("vnetId"))])),
        ]),
    )
}

/// An internal, VNet-injected Container Apps environment on the Consumption workload
/// profile, logging through a diagnostic setting rather than a shared key.
pub fn container_apps_environment(symbol: &str, name: Expr) -> Resource {
    regional(
        Resource::new(
            symbol,
            types::CONTAINER_APPS_ENVIRONMENT.name,
            types::CONTAINER_APPS_ENVIRONMENT.api_version,
        ),
        name,
    )
    .prop(
        "properties",
        obj([
            (
                "appLogsConfiguration",
                obj([("destination", "azure-monitor".into())]),
            ),
            (
                "vnetConfiguration",
                obj([
                    (
                        "infrastructureSubnetId",
                        Expr::ident("infrastructureSubnetId"),
                    ),
                    ("internal", true.into()),
                ]),
            ),
            ("publicNetworkAccess", "Disabled".into()),
            (
                "workloadProfiles",
                Expr::array([Item::from(obj([
                    ("name", "Consumption".into()),
                    ("workloadProfileType", "Consumption".into()),
                ]))]),
            ),
            (
                "peerTrafficConfiguration",
                obj([("encryption", obj([("enabled", true.into())]))]),
            ),
            ("zoneRedundant", false.into()),
        ]),
    )
}

/// The app's shared Container Apps environment.
pub fn shared_container_environment(ctx: &Context) -> ConcernModule {
    let args = vec![
        (common::location_param(), Expr::ident("location")),
        (common::tags_param(), Expr::ident("tags")),
        environment_param(),
        (
            common::workspace_param(),
            Expr::path("monitoring.outputs.workspaceId"),
        ),
        (
            param(
                "infrastructureSubnetId",
                Type::String,
                "Subnet delegated to the environment.",
            ),
            Expr::path("network.outputs.containerAppsSubnetId"),
        ),
    ];
    let mut file = ctx.module_file();
    file.push(
        Statement::from(container_apps_environment(
            "environment",
            env_suffixed(format!("cae-{}-", ctx.plan.app)),
        ))
        .with_comment(
            "Internal: reachable only inside the VNet, through its internal load balancer",
        ),
    );
    common::push_diagnostics_file(&mut file, "environment", types::CONTAINER_APPS_ENVIRONMENT);
    file.push(output("environmentId", Expr::path("environment.id")));
    file.push(output(
        "defaultDomain",
        Expr::path("environment.properties.defaultDomain"),
    ));
    file.push(output(
        "staticIp",
        Expr::path("environment.properties.staticIp"),
    ));
    ConcernModule { file, args }
}

/// A private DNS zone for an internal environment's default domain, resolving every app to
/// the environment's internal load balancer. A module of its own because the zone's name is
/// known only once the environment exists.
pub fn container_apps_dns(ctx: &Context) -> ConcernModule {
    let args = vec![
        (common::tags_param(), Expr::ident("tags")),
        (
            param("vnetId", Type::String, "VNet the zone resolves for."),
            Expr::path("network.outputs.vnetId"),
        ),
        (
            param(
                "defaultDomain",
                Type::String,
                "The environment's default domain.",
            ),
            Expr::path("containerApps.outputs.defaultDomain"),
        ),
        (
            param(
                "staticIp",
                Type::String,
                "The environment's internal load balancer address.",
            ),
            Expr::path("containerApps.outputs.staticIp"),
        ),
    ];
    let mut file = ctx.module_file();
    file.push(
        Statement::from(
            Resource::new(
                "zone",
                types::PRIVATE_DNS_ZONE.name,
                types::PRIVATE_DNS_ZONE.api_version,
            )
            .prop("name", Expr::ident("defaultDomain"))
            .prop("location", "global")
            .prop("tags", Expr::ident("tags")),
        )
        .with_comment(
            "Every container app of the environment resolves to its internal load balancer",
        ),
    );
    file.push(
        Resource::new(
            "wildcard",
            types::PRIVATE_DNS_A_RECORD.name,
            types::PRIVATE_DNS_A_RECORD.api_version,
        )
        .prop("parent", Expr::ident("zone"))
        .prop("name", "*")
        .prop(
            "properties",
            obj([
                ("ttl", 300i64.into()),
                (
                    "aRecords",
                    Expr::array([Item::from(obj([("ipv4Address", Expr::ident("staticIp"))]))]),
                ),
            ]),
        ),
    );
    file.push(vnet_link(
        "zoneLink",
        "zone",
        &format!("{}-vnet", ctx.plan.app),
    ));
    ConcernModule { file, args }
}

pub fn policy(ctx: &Context) -> ConcernModule {
    let mut file = ctx.module_file();
    for assignment in &ctx.plan.policies {
        let policy = assignment.policy;
        let symbol = prefixed_symbol("policy", &policy.guid[..8]);
        file.push(
            Statement::from(
                Resource::new(&symbol, types::POLICY_ASSIGNMENT.name, types::POLICY_ASSIGNMENT.api_version)
                    .prop("name", assignment.name.as_str())
                    .prop(
                        "properties",
                        obj([
                            ("displayName", format!("{}: {}", ctx.plan.app, policy.display_name).into()),
                            (
                                "policyDefinitionId",
                                Expr::call(
                                    "tenantResourceId",
                                    vec!["Microsoft.Authorization/policyDefinitions".into(), policy.guid.into()],
                                ),
                            ),
                            ("enforcementMode", "Default".into()),
                            (
                                "nonComplianceMessages",
                                Expr::array([Item::from(obj([(
                                    "message",
                                    format!(
                                        "{}. bulwark generates the compliant setting for {}: change the blueprint and regenerate instead of editing the resource.",
                                        policy.display_name.trim_end_matches('.'),
                                        ctx.plan.app
                                    )
                                    .into(),
                                )]))]),
                            ),
                        ]),
                    ),
            )
            .with_comment(format!("{} ({}, default effect {})", policy.display_name, assignment.because, policy.default_effect)),
        );
    }
    ConcernModule {
        file,
        args: Vec::new(),
    }
}
