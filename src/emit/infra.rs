//! Modules per concern: monitoring, network, private DNS, the shared Container Apps
//! environment and policy.

use super::common::{self, env_suffixed, param, regional, role_assignment, zone_param};
use super::{Context, identity_symbol};
use crate::bicep::{
    Expr, File, Item, Param, Property, Resource, Statement, StatementKind, Type, obj,
};
use crate::catalog::naming::{self, prefixed_symbol};
use crate::catalog::{Role, facts, types};
use crate::plan::{PerEnvironment, Scope};

pub use super::network::{network, subnet_id};

/// A concern module: its file and the arguments main.bicep passes it.
pub struct ConcernModule {
    pub file: File,
    pub args: Vec<(Param, Expr)>,
}

pub(super) fn environment_param() -> (Param, Expr) {
    (
        param(
            "environmentName",
            Type::String,
            "Environment being deployed.",
        ),
        Expr::ident("environmentName"),
    )
}

/// What a concern module with regional resources and diagnostics takes from main.bicep:
/// location, tags, the environment and the workspace.
pub(super) fn regional_args() -> Vec<(Param, Expr)> {
    vec![
        (common::location_param(), Expr::ident("location")),
        (common::tags_param(), Expr::ident("tags")),
        environment_param(),
        (
            common::workspace_param(),
            Expr::path("monitoring.outputs.workspaceId"),
        ),
    ]
}

/// The monitoring module's parameter with the principal ids of the apps that publish telemetry.
const PUBLISHER_PRINCIPAL_IDS: &str = "publisherPrincipalIds";

pub(super) fn output(name: &str, value: Expr) -> Statement {
    StatementKind::Output {
        name: name.to_string(),
        ty: Type::String,
        value,
    }
    .into()
}

/// Ingestion and query stay on public endpoints, written out so SECURITY.md's claim is a
/// literal here. Closing them needs an Azure Monitor Private Link Scope, whose private
/// endpoint rewrites the DNS of every Azure Monitor endpoint for every network sharing that
/// DNS, so it belongs to the platform's hub, one per DNS (MicrosoftDocs/azure-monitor-docs
/// articles/azure-monitor/fundamentals/private-link-design.md, ms.date 10/23/2024).
fn public_monitoring_endpoints() -> [crate::bicep::Property; 2] {
    [
        crate::bicep::Property::new("publicNetworkAccessForIngestion", "Enabled").with_comment(
            "Public ingestion and query (Entra ID ingestion only): a private link scope would change DNS for Azure Monitor's shared endpoints in every network using this DNS",
        ),
        crate::bicep::Property::new("publicNetworkAccessForQuery", "Enabled"),
    ]
}

/// The app's own Log Analytics workspace and its diagnostics into `statements`; its id.
fn created_workspace(
    app: &str,
    monitoring: &crate::plan::governance::MonitoringPlan,
    by_environment: &mut common::ByEnvironment,
    statements: &mut Vec<Statement>,
) -> Expr {
    let retention = by_environment.value(
        "retentionInDays",
        PerEnvironment::from_map(
            monitoring
                .retention_days
                .iter()
                .map(|(e, days)| (e.clone(), Expr::Int(i64::from(*days))))
                .collect(),
        ),
    );
    let mut properties = vec![
        ("sku", obj([("name", "PerGB2018".into())])),
        ("retentionInDays", retention),
    ];
    if monitoring.daily_cap_gb.values().any(Option::is_some) {
        // -1 is Log Analytics' "no cap".
        let cap = by_environment.value(
            "dailyQuotaGb",
            PerEnvironment::from_map(
                monitoring
                    .daily_cap_gb
                    .iter()
                    .map(|(e, cap)| (e.clone(), Expr::Int(cap.map_or(-1, i64::from))))
                    .collect(),
            ),
        );
        properties.push(("workspaceCapping", obj([("dailyQuotaGb", cap)])));
    }
    properties.push(("features", obj([("disableLocalAuth", true.into())])));
    let mut properties: Vec<crate::bicep::Property> = properties
        .into_iter()
        .map(|(key, value)| crate::bicep::Property::new(key, value))
        .collect();
    properties.extend(public_monitoring_endpoints());
    statements.push(
        Statement::from(
            regional(
                Resource::new(
                    "workspace",
                    types::LOG_ANALYTICS_WORKSPACE.name,
                    types::LOG_ANALYTICS_WORKSPACE.api_version,
                ),
                env_suffixed(format!("log-{app}-")),
            )
            .prop("properties", Expr::object(properties)),
        )
        .with_comment("Log Analytics: Entra ID ingestion only"),
    );
    statements.extend(
        common::diagnostic_setting(
            "workspace",
            types::LOG_ANALYTICS_WORKSPACE,
            Expr::path("workspace.id"),
        )
        .map(Statement::from),
    );
    Expr::path("workspace.id")
}

/// Each app's telemetry role on Application Insights, its principal passed in one object.
fn publishers(ctx: &Context, file: &mut File, args: &mut Vec<(Param, Expr)>) {
    // Every compute component's principal in one object parameter: one parameter however
    // many apps publish telemetry (ARM allows 256 per template; limits.tsv).
    let mut publishers = Vec::new();
    for assignment in ctx
        .plan
        .role_assignments
        .iter()
        .filter(|a| a.scope == Scope::ApplicationInsights)
    {
        let key = naming::component_symbol(&assignment.principal);
        publishers.push(Property::new(
            key.as_str(),
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
                Expr::ident(PUBLISHER_PRINCIPAL_IDS).member(key),
                common::built_in_role(guid),
                guid.into(),
            ))
            .with_comment(format!(
                "{} publishes telemetry: {name} ({})",
                assignment.principal, assignment.because
            )),
        );
    }
    if !publishers.is_empty() {
        args.push((
            param(
                PUBLISHER_PRINCIPAL_IDS,
                Type::Object,
                "Principal ids of the apps' managed identities, by component.",
            ),
            Expr::object(publishers),
        ));
    }
}

pub fn monitoring(ctx: &Context) -> ConcernModule {
    let app = &ctx.plan.app;
    let monitoring = &ctx.plan.governance.monitoring;
    let mut args = vec![
        (common::location_param(), Expr::ident("location")),
        (common::tags_param(), Expr::ident("tags")),
        environment_param(),
    ];
    let mut by_environment = common::ByEnvironment::new(
        "logging",
        "What differs between environments: where logs go and how long they stay",
    );
    let mut statements: Vec<Statement> = Vec::new();
    let workspace = match &monitoring.central {
        Some(ids) => {
            let id = by_environment.value(
                "workspaceId",
                PerEnvironment::from_map(
                    ids.iter()
                        .map(|(e, id)| (e.clone(), Expr::str(id.as_str())))
                        .collect(),
                ),
            );
            statements.push(
                Statement::from(StatementKind::Var {
                    name: "workspaceId".into(),
                    value: id,
                })
                .with_comment("Central logging (blueprint: [monitoring] workspace_id): the platform's workspace, its retention and cap"),
            );
            Expr::ident("workspaceId")
        }
        None => created_workspace(app, monitoring, &mut by_environment, &mut statements),
    };
    let mut file = ctx.module_file();
    if let Some(table) = by_environment.statement() {
        file.push(table);
    }
    for statement in statements {
        file.push(statement);
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
                Expr::object(
                    [
                        crate::bicep::Property::new("Application_Type", "web"),
                        crate::bicep::Property::new("WorkspaceResourceId", workspace.clone()),
                        crate::bicep::Property::new("DisableLocalAuth", true),
                    ]
                    .into_iter()
                    .chain(public_monitoring_endpoints()),
                ),
            ),
        )
        .with_comment(
            "Workspace-based Application Insights; apps send telemetry with their identity",
        ),
    );
    if let Some(setting) =
        common::diagnostic_setting("appInsights", types::APP_INSIGHTS, workspace.clone())
    {
        file.push(setting);
    }
    publishers(ctx, &mut file, &mut args);
    file.push(output("workspaceId", workspace));
    file.push(output("appInsightsName", Expr::path("appInsights.name")));
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
    let mut args = regional_args();
    args.extend([(
        param(
            "infrastructureSubnetId",
            Type::String,
            "Subnet delegated to the environment.",
        ),
        Expr::path("network.outputs.containerAppsSubnetId"),
    )]);
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

/// `environmentName == 'prod'` or `contains(['prod', 'staging'], environmentName)`.
pub fn environment_in(environments: &[&str]) -> Expr {
    match environments {
        [one] => Expr::ident("environmentName").equals(*one),
        many => Expr::call(
            "contains",
            vec![
                Expr::array(many.iter().map(|e| Item::from(*e))),
                Expr::ident("environmentName"),
            ],
        ),
    }
}

pub fn policy(ctx: &Context) -> ConcernModule {
    let governance = &ctx.plan.governance;
    let mut file = ctx.module_file();
    let deny = governance.deny_environments();
    let mixed = !deny.is_empty() && deny.len() < ctx.plan.environments.len();
    if mixed {
        file.push(
            Statement::from(StatementKind::Var {
                name: "enforce".into(),
                value: environment_in(&deny),
            })
            .with_comment("Environments whose blueprint says policy = \"deny\": policies that allow it block non-compliant changes"),
        );
    }
    for assignment in &ctx.plan.policies {
        let policy = assignment.policy;
        let symbol = prefixed_symbol("policy", &policy.guid[..8]);
        let (parameter, _) = crate::plan::governance::effect_parameter(policy);
        let mut effects: Vec<&str> = assignment.effects.values().copied().collect();
        effects.sort_unstable();
        effects.dedup();
        let effect = match effects.as_slice() {
            [one] => Expr::str(*one),
            _ => Expr::ident("enforce").ternary("Deny", "Audit"),
        };
        let effect_words = match effects.as_slice() {
            [one] => one.to_string(),
            _ => format!("Deny in {}, else Audit", deny.join(", ")),
        };
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
                                "parameters",
                                Expr::object([crate::bicep::Property::new(parameter, obj([("value", effect)]))]),
                            ),
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
            .with_comment(format!("{} ({}; effect {effect_words})", policy.display_name, assignment.because)),
        );
    }
    if governance.benchmark {
        let initiative = facts::policy(crate::catalog::BENCHMARK_INITIATIVE);
        file.push(
            Statement::from(
                Resource::new("benchmark", types::POLICY_ASSIGNMENT.name, types::POLICY_ASSIGNMENT.api_version)
                    .prop("name", format!("{}-mcsb", ctx.plan.app))
                    .prop(
                        "properties",
                        obj([
                            ("displayName", format!("{}: {}", ctx.plan.app, initiative.display_name).into()),
                            (
                                "policyDefinitionId",
                                Expr::call(
                                    "tenantResourceId",
                                    vec!["Microsoft.Authorization/policySetDefinitions".into(), initiative.guid.into()],
                                ),
                            ),
                            ("enforcementMode", "Default".into()),
                            (
                                "nonComplianceMessages",
                                Expr::array([Item::from(obj([(
                                    "message",
                                    format!("Microsoft cloud security benchmark finding in {}: see Defender for Cloud's recommendations.", ctx.plan.app).into(),
                                )]))]),
                            ),
                        ]),
                    ),
            )
            .with_comment("The Microsoft cloud security benchmark initiative (blueprint: benchmark = true), with each member's default effect, mostly audit"),
        );
    }
    ConcernModule {
        file,
        args: if mixed {
            vec![environment_param()]
        } else {
            Vec::new()
        },
    }
}
