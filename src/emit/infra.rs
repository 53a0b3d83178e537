//! Modules per concern: monitoring, network, private DNS and policy.

use super::common::{self, param, regional};
use super::{Context, identity_symbol};
use crate::bicep::{
    Expr, File, Item, Param, Property, Resource, Statement, StatementKind, Type, interp, obj, text,
};
use crate::catalog::naming::{self, prefixed_symbol};
use crate::catalog::types;
use crate::plan::{Subnet, SubnetPurpose};

/// A concern module: its file and the arguments main.bicep passes it.
pub struct ConcernModule {
    pub file: File,
    pub args: Vec<(Param, Expr)>,
}

fn env_suffixed(prefix: String) -> Expr {
    Expr::interp([text(prefix), interp(Expr::ident("environmentName"))])
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
        .filter(|a| a.scope == crate::plan::Scope::ApplicationInsights)
    {
        let principal = common::principal_param(&assignment.principal);
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
        file.push(
            Statement::from(common::role_assignment(
                naming::role_symbol("appInsights", &assignment.principal),
                "appInsights",
                &principal,
                assignment.role,
            ))
            .with_comment(format!(
                "{} publishes telemetry: {} ({})",
                assignment.principal, assignment.role.name, assignment.because
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
    }
}

pub fn integration_subnet_output(component: &str) -> String {
    format!("{}IntegrationSubnetId", naming::component_symbol(component))
}

fn nsg_rule(
    name: &str,
    priority: i64,
    access: &str,
    protocol: &str,
    source: &str,
    port: &str,
) -> Item {
    Item::from(obj([
        ("name", name.into()),
        (
            "properties",
            obj([
                ("priority", priority.into()),
                ("direction", "Inbound".into()),
                ("access", access.into()),
                ("protocol", protocol.into()),
                ("sourceAddressPrefix", source.into()),
                ("sourcePortRange", "*".into()),
                ("destinationAddressPrefix", "VirtualNetwork".into()),
                ("destinationPortRange", port.into()),
            ]),
        ),
    ]))
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
    let mut subnets = Vec::new();
    for subnet in &ctx.plan.subnets {
        let name = subnet.name.clone();
        let nsg_symbol = format!("{}Nsg", naming::component_symbol(&name));
        let deny_all = nsg_rule("deny-all-inbound", 4096, "Deny", "*", "*", "*");
        let (rules, why) = match &subnet.purpose {
            SubnetPurpose::PrivateEndpoints => (
                vec![
                    nsg_rule(
                        "allow-vnet-https-inbound",
                        100,
                        "Allow",
                        "Tcp",
                        "VirtualNetwork",
                        "443",
                    ),
                    deny_all,
                ],
                "Private endpoints accept HTTPS from inside the VNet only".to_string(),
            ),
            SubnetPurpose::Integration { component, .. } => (
                vec![deny_all],
                format!("Outbound integration subnet of {component}: nothing may connect in"),
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
                    env_suffixed(format!("nsg-{app}-{name}-")),
                )
                .prop("properties", obj([("securityRules", Expr::array(rules))])),
            )
            .with_comment(why),
        );
        if let Some(setting) = common::diagnostic_setting(
            &nsg_symbol,
            types::NETWORK_SECURITY_GROUP,
            Expr::ident(common::WORKSPACE_ID),
        ) {
            file.push(setting);
        }
        let mut properties = vec![
            Property::new("addressPrefix", subnet.prefix.to_string()),
            Property::new(
                "networkSecurityGroup",
                obj([("id", Expr::path(&format!("{nsg_symbol}.id")))]),
            ),
            Property::new("defaultOutboundAccess", false),
        ];
        match &subnet.purpose {
            SubnetPurpose::PrivateEndpoints => {
                properties.push(Property::new("privateEndpointNetworkPolicies", "Enabled"));
            }
            SubnetPurpose::Integration { delegation, .. } => properties.push(Property::new(
                "delegations",
                Expr::array([Item::from(obj([
                    ("name", "delegation".into()),
                    ("properties", obj([("serviceName", (*delegation).into())])),
                ]))]),
            )),
        }
        subnets.push(Item::from(obj([
            ("name", name.as_str().into()),
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
    if let Some(setting) = common::diagnostic_setting(
        "vnet",
        types::VIRTUAL_NETWORK,
        Expr::ident(common::WORKSPACE_ID),
    ) {
        file.push(setting);
    }
    file.push(output("vnetId", Expr::path("vnet.id")));
    for subnet in &ctx.plan.subnets {
        file.push(output(
            &subnet_output(subnet),
            Expr::call(
                "resourceId",
                vec![
                    "Microsoft.Network/virtualNetworks/subnets".into(),
                    Expr::path("vnet.name"),
                    subnet.name.clone().into(),
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

pub fn zone_output(zone: &str) -> String {
    format!("{}ZoneId", zone_symbol(zone))
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
        file.push(
            Resource::new(
                format!("{symbol}Link"),
                types::PRIVATE_DNS_ZONE_LINK.name,
                types::PRIVATE_DNS_ZONE_LINK.api_version,
            )
            .prop("parent", Expr::ident(&symbol))
            .prop("name", format!("{}-vnet", ctx.plan.app))
            .prop("location", "global")
            .prop("tags", Expr::ident("tags"))
            .prop(
                "properties",
                obj([
                    ("registrationEnabled", false.into()),
                    ("virtualNetwork", obj([("id", Expr::ident("vnetId"))])),
                ]),
            ),
        );
    }
    for zone in &ctx.plan.dns_zones {
        file.push(output(
            &zone_output(zone),
            Expr::path(&format!("{}Zone.id", zone_symbol(zone))),
        ));
    }
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

fn output(name: &str, value: Expr) -> Statement {
    StatementKind::Output {
        name: name.to_string(),
        ty: Type::String,
        value,
    }
    .into()
}
