//! One module per component: every hardened value is a literal in it, and every role
//! assignment on it is spelled out with the connection that caused it.

use super::common::{self, PRIVATE_ENDPOINT_SUBNET_ID, WORKSPACE_ID, param, regional};
use super::{Context, Module, identity_symbol, module_symbol};
use crate::bicep::{Expr, Item, Param, Property, Resource, Statement, Type, interp, obj, text};
use crate::blueprint::{ComponentSpec, Ingress, KeyVault, Storage, WebApp};
use crate::catalog::naming::{self, part_symbol};
use crate::catalog::{PartKind, types};
use crate::plan::{ComponentPlan, RoleAssignment, Scope, SettingValue};

pub fn emit(ctx: &Context, component: &ComponentPlan) -> Module {
    let mut module = Module::new(ctx, component);
    module.param(common::location_param(), Expr::ident("location"));
    module.param(common::tags_param(), Expr::ident("tags"));
    module.param(
        param(
            "environmentName",
            Type::String,
            "Environment being deployed.",
        ),
        Expr::ident("environmentName"),
    );
    module.param(
        common::workspace_param(),
        Expr::path("monitoring.outputs.workspaceId"),
    );
    if !component.private_endpoints.is_empty() {
        module.param(
            param(
                PRIVATE_ENDPOINT_SUBNET_ID,
                Type::String,
                "Subnet that holds private endpoints.",
            ),
            Expr::path("network.outputs.privateEndpointsSubnetId"),
        );
        for endpoint in &component.private_endpoints {
            module.param(
                param(
                    &common::dns_zone_param_name(endpoint.group_id),
                    Type::String,
                    &format!("Private DNS zone {}.", endpoint.zone),
                ),
                Expr::path(&format!(
                    "dns.outputs.{}",
                    super::infra::zone_output(endpoint.zone)
                )),
            );
        }
    }
    match &component.spec {
        ComponentSpec::WebApp(web) => web_app(ctx, component, web, &mut module),
        ComponentSpec::Storage(storage) => self::storage(ctx, component, storage, &mut module),
        ComponentSpec::KeyVault(vault) => key_vault(ctx, component, vault, &mut module),
    }
    module
}

/// Add one principal parameter per distinct principal, then the role assignments.
fn grant_roles(
    ctx: &Context,
    component: &ComponentPlan,
    module: &mut Module,
    scope_symbol: impl Fn(&Scope) -> String,
) {
    let assignments: &[&RoleAssignment] = ctx
        .inbound
        .get(component.name.as_str())
        .map_or(&[], Vec::as_slice);
    let mut principals: Vec<&str> = assignments.iter().map(|a| a.principal.as_str()).collect();
    principals.sort_unstable();
    principals.dedup();
    for principal in principals {
        module.param(
            param(
                &common::principal_param(principal),
                Type::String,
                &format!("Principal id of the managed identity of {principal}."),
            ),
            Expr::path(&format!(
                "{}.properties.principalId",
                identity_symbol(principal)
            )),
        );
    }
    for assignment in assignments {
        let scope = scope_symbol(&assignment.scope);
        let symbol = naming::role_symbol(&scope, &assignment.principal);
        let what = match &assignment.scope {
            Scope::Part { kind, name, .. } => format!("{kind} {name}"),
            _ => format!("{} {}", component.kind(), component.name),
        };
        let access = assignment.access.map(|a| a.verb()).unwrap_or("uses");
        let comment = format!(
            "{} {access} {what}: {} ({})",
            assignment.principal, assignment.role.name, assignment.because
        );
        module.file.push(
            Statement::from(common::role_assignment(
                symbol,
                &scope,
                &common::principal_param(&assignment.principal),
                assignment.role,
            ))
            .with_comment(comment),
        );
    }
}

fn push_private_endpoints(
    ctx: &Context,
    component: &ComponentPlan,
    target_symbol: &str,
    module: &mut Module,
) {
    let prefix = format!("{}-{}", ctx.plan.app, component.name);
    for endpoint in &component.private_endpoints {
        let [pe, group] = common::private_endpoint(target_symbol, endpoint, &prefix);
        module.file.push(Statement::from(pe).with_comment(format!(
            "Private endpoint for {} ({}), registered in {}",
            endpoint.group_id, component.name, endpoint.zone
        )));
        module.file.push(group);
    }
}

fn push_diagnostics(module: &mut Module, scope_symbol: &str, resource_type: types::ResourceType) {
    if let Some(setting) =
        common::diagnostic_setting(scope_symbol, resource_type, Expr::ident(WORKSPACE_ID))
    {
        module.file.push(setting);
    }
}

fn env_suffixed(prefix: String) -> Expr {
    Expr::interp([text(prefix), interp(Expr::ident("environmentName"))])
}

/// Globally unique names: a readable literal prefix and a hash of the resource group.
fn unique_name(prefix: String, component: &str) -> Expr {
    Expr::interp([
        text(prefix),
        interp(Expr::call(
            "uniqueString",
            vec![Expr::path("resourceGroup().id"), component.into()],
        )),
    ])
}

fn web_app(ctx: &Context, component: &ComponentPlan, web: &WebApp, module: &mut Module) {
    let identity = identity_symbol(&component.name);
    module.param(
        param(
            "identityId",
            Type::String,
            "Resource id of the app's user-assigned identity.",
        ),
        Expr::path(&format!("{identity}.id")),
    );
    module.param(
        param(
            "identityClientId",
            Type::String,
            "Client id of the app's user-assigned identity.",
        ),
        Expr::path(&format!("{identity}.properties.clientId")),
    );
    module.param(
        param(
            "appInsightsName",
            Type::String,
            "Application Insights component that receives telemetry.",
        ),
        Expr::path("monitoring.outputs.appInsightsName"),
    );
    module.param(
        param(
            "integrationSubnetId",
            Type::String,
            "Delegated subnet for outbound VNet integration.",
        ),
        Expr::path(&format!(
            "network.outputs.{}",
            super::infra::integration_subnet_output(&component.name)
        )),
    );
    let settings = connection_settings(component);
    module.param(
        param(
            "appSettings",
            Type::Array,
            "Settings from the app's connections and the blueprint, as name/value pairs.",
        ),
        settings,
    );

    let app = &ctx.plan.app;
    let name = &component.name;
    module.file.push(
        Statement::from(
            Resource::new(
                "appInsights",
                types::APP_INSIGHTS.name,
                types::APP_INSIGHTS.api_version,
            )
            .existing()
            .prop("name", Expr::ident("appInsightsName")),
        )
        .with_comment(
            "Telemetry goes to the app's workspace-based Application Insights with Entra ID auth",
        ),
    );
    module.file.push(
        regional(
            Resource::new(
                "plan",
                types::APP_SERVICE_PLAN.name,
                types::APP_SERVICE_PLAN.api_version,
            ),
            env_suffixed(format!("asp-{app}-{name}-")),
        )
        .prop("kind", "linux")
        .prop("sku", obj([("name", web.sku.as_str().into())]))
        .prop("properties", obj([("reserved", true.into())])),
    );

    let public = web.ingress == Ingress::Public;
    let mut site_config = vec![
        Property::new("linuxFxVersion", web.runtime.linux_fx_version()),
        Property::new("alwaysOn", true),
        Property::new("http20Enabled", true),
        Property::new("minTlsVersion", "1.2"),
        Property::new("scmMinTlsVersion", "1.2"),
        Property::new("ftpsState", "Disabled"),
        Property::new("remoteDebuggingEnabled", false),
        Property::new("httpLoggingEnabled", true),
        Property::new("detailedErrorLoggingEnabled", true),
        Property::new("requestTracingEnabled", true),
    ];
    if let Some(path) = &web.health_check_path {
        site_config.push(Property::new("healthCheckPath", path.as_str()));
    }
    site_config.push(Property::new(
        "appSettings",
        Expr::call(
            "concat",
            vec![
                Expr::array([
                    Item::from(obj([
                        ("name", "AZURE_CLIENT_ID".into()),
                        ("value", Expr::ident("identityClientId")),
                    ])),
                    Item::from(obj([
                        ("name", "APPLICATIONINSIGHTS_CONNECTION_STRING".into()),
                        (
                            "value",
                            Expr::path("appInsights.properties.ConnectionString"),
                        ),
                    ])),
                    Item::from(obj([
                        ("name", "APPLICATIONINSIGHTS_AUTHENTICATION_STRING".into()),
                        (
                            "value",
                            Expr::interp([
                                text("Authorization=AAD;ClientId="),
                                interp(Expr::ident("identityClientId")),
                            ]),
                        ),
                    ])),
                ]),
                Expr::ident("appSettings"),
            ],
        ),
    ));
    let site = regional(
        Resource::new("site", types::WEB_SITE.name, types::WEB_SITE.api_version),
        unique_name(format!("app-{app}-{name}-"), name),
    )
    .prop("kind", "app,linux")
    .prop(
        "identity",
        obj([
            ("type", "UserAssigned".into()),
            (
                "userAssignedIdentities",
                Expr::object([Property::interpolated(
                    [interp(Expr::ident("identityId"))],
                    obj([]),
                )]),
            ),
        ]),
    );
    let site = site.prop(
        "properties",
        Expr::object([
            Property::new("serverFarmId", Expr::path("plan.id")),
            Property::new("httpsOnly", true),
            Property::new(
                "publicNetworkAccess",
                if public { "Enabled" } else { "Disabled" },
            ),
            Property::new("clientAffinityEnabled", false),
            Property::new("keyVaultReferenceIdentity", Expr::ident("identityId")),
            Property::new("virtualNetworkSubnetId", Expr::ident("integrationSubnetId")),
            Property::new("outboundVnetRouting", obj([("allTraffic", true.into())])),
            Property::new("siteConfig", Expr::Object(site_config)),
        ]),
    );
    let exposure = if public {
        "Public ingress (blueprint: ingress = \"public\"): HTTPS only, TLS 1.2+"
    } else {
        "Private ingress: reachable only through its private endpoint"
    };
    module
        .file
        .push(Statement::from(site).with_comment(exposure));
    for (symbol, policy) in [("ftpPublishing", "ftp"), ("scmPublishing", "scm")] {
        module.file.push(
            Statement::from(
                Resource::new(
                    symbol,
                    types::WEB_PUBLISHING_CREDENTIALS.name,
                    types::WEB_PUBLISHING_CREDENTIALS.api_version,
                )
                .prop("parent", Expr::ident("site"))
                .prop("name", policy)
                .prop("properties", obj([("allow", false.into())])),
            )
            .with_comment(format!(
                "No basic-auth {} publishing: deploy with Entra ID",
                policy.to_uppercase()
            )),
        );
    }
    push_private_endpoints(ctx, component, "site", module);
    push_diagnostics(module, "site", types::WEB_SITE);
    push_diagnostics(module, "plan", types::APP_SERVICE_PLAN);
    module.output("hostName", Expr::path("site.properties.defaultHostName"));
}

/// The app settings main.bicep passes: connection endpoints, Key Vault references and the
/// blueprint's plain settings, each with the blueprint path that caused it.
fn connection_settings(component: &ComponentPlan) -> Expr {
    let items = component
        .app_settings
        .iter()
        .filter_map(|setting| {
            let value = match &setting.value {
                SettingValue::IdentityClientId
                | SettingValue::AppInsightsConnectionString
                | SettingValue::AppInsightsAuthentication => return None,
                SettingValue::Literal(value) => Expr::str(value.as_str()),
                SettingValue::BlobContainerUrl {
                    component,
                    container,
                } => Expr::interp([
                    interp(Expr::path(&format!(
                        "{}.outputs.blobEndpoint",
                        module_symbol(component)
                    ))),
                    text(container.as_str()),
                ]),
                SettingValue::QueueUrl { component, queue } => Expr::interp([
                    interp(Expr::path(&format!(
                        "{}.outputs.queueEndpoint",
                        module_symbol(component)
                    ))),
                    text(queue.as_str()),
                ]),
                SettingValue::VaultUri { component } => {
                    Expr::path(&format!("{}.outputs.vaultUri", module_symbol(component)))
                }
                SettingValue::SecretReference { component, secret } => Expr::interp([
                    text("@Microsoft.KeyVault(VaultName="),
                    interp(Expr::path(&format!(
                        "{}.outputs.name",
                        module_symbol(component)
                    ))),
                    text(format!(";SecretName={secret})")),
                ]),
            };
            let mut item = Item::from(obj([
                ("name", setting.name.as_str().into()),
                ("value", value),
            ]));
            if let Some((path, purpose)) = &setting.because {
                item = item.with_comment(format!("{purpose} ({path})"));
            }
            Some(item)
        })
        .collect::<Vec<_>>();
    Expr::array(items)
}

fn storage(ctx: &Context, component: &ComponentPlan, storage: &Storage, module: &mut Module) {
    let app = &ctx.plan.app;
    let name = &component.name;
    let prefix = naming::compact(&["st", app, name], 11);
    module.file.push(
        Statement::from(
            regional(
                Resource::new(
                    "account",
                    types::STORAGE_ACCOUNT.name,
                    types::STORAGE_ACCOUNT.api_version,
                ),
                unique_name(prefix, name),
            )
            .prop("kind", "StorageV2")
            .prop(
                "sku",
                obj([("name", storage.replication.sku_name().into())]),
            )
            .prop(
                "properties",
                obj([
                    ("accessTier", "Hot".into()),
                    ("allowBlobPublicAccess", false.into()),
                    ("allowCrossTenantReplication", false.into()),
                    ("allowSharedKeyAccess", false.into()),
                    ("defaultToOAuthAuthentication", true.into()),
                    ("minimumTlsVersion", "TLS1_2".into()),
                    ("supportsHttpsTrafficOnly", true.into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    ("isLocalUserEnabled", false.into()),
                    ("isSftpEnabled", false.into()),
                    (
                        "networkAcls",
                        obj([
                            ("defaultAction", "Deny".into()),
                            ("bypass", "AzureServices".into()),
                        ]),
                    ),
                    (
                        "encryption",
                        obj([
                            ("keySource", "Microsoft.Storage".into()),
                            ("requireInfrastructureEncryption", true.into()),
                            (
                                "services",
                                obj([
                                    (
                                        "blob",
                                        obj([
                                            ("enabled", true.into()),
                                            ("keyType", "Account".into()),
                                        ]),
                                    ),
                                    (
                                        "file",
                                        obj([
                                            ("enabled", true.into()),
                                            ("keyType", "Account".into()),
                                        ]),
                                    ),
                                    (
                                        "queue",
                                        obj([
                                            ("enabled", true.into()),
                                            ("keyType", "Account".into()),
                                        ]),
                                    ),
                                    (
                                        "table",
                                        obj([
                                            ("enabled", true.into()),
                                            ("keyType", "Account".into()),
                                        ]),
                                    ),
                                ]),
                            ),
                        ]),
                    ),
                ]),
            ),
        )
        .with_comment(
            "Entra ID only (no shared keys, no local users), TLS 1.2, private network access only",
        ),
    );
    push_diagnostics(module, "account", types::STORAGE_ACCOUNT);

    if !storage.containers.is_empty() {
        module.file.push(
            Resource::new(
                "blobService",
                types::BLOB_SERVICE.name,
                types::BLOB_SERVICE.api_version,
            )
            .prop("parent", Expr::ident("account"))
            .prop("name", "default")
            .prop(
                "properties",
                obj([
                    (
                        "deleteRetentionPolicy",
                        obj([("enabled", true.into()), ("days", 7i64.into())]),
                    ),
                    (
                        "containerDeleteRetentionPolicy",
                        obj([("enabled", true.into()), ("days", 7i64.into())]),
                    ),
                ]),
            ),
        );
        push_diagnostics(module, "blobService", types::BLOB_SERVICE);
        for container in &storage.containers {
            module.file.push(
                Resource::new(
                    part_symbol("container", container),
                    types::BLOB_CONTAINER.name,
                    types::BLOB_CONTAINER.api_version,
                )
                .prop("parent", Expr::ident("blobService"))
                .prop("name", container.as_str())
                .prop("properties", obj([("publicAccess", "None".into())])),
            );
        }
        module.output(
            "blobEndpoint",
            Expr::path("account.properties.primaryEndpoints.blob"),
        );
    }
    if !storage.queues.is_empty() {
        module.file.push(
            Resource::new(
                "queueService",
                types::QUEUE_SERVICE.name,
                types::QUEUE_SERVICE.api_version,
            )
            .prop("parent", Expr::ident("account"))
            .prop("name", "default"),
        );
        push_diagnostics(module, "queueService", types::QUEUE_SERVICE);
        for queue in &storage.queues {
            module.file.push(
                Resource::new(
                    part_symbol("queue", queue),
                    types::QUEUE.name,
                    types::QUEUE.api_version,
                )
                .prop("parent", Expr::ident("queueService"))
                .prop("name", queue.as_str()),
            );
        }
        module.output(
            "queueEndpoint",
            Expr::path("account.properties.primaryEndpoints.queue"),
        );
    }
    grant_roles(ctx, component, module, |scope| match scope {
        Scope::Part {
            kind: PartKind::Container,
            name,
            ..
        } => part_symbol("container", name),
        Scope::Part {
            kind: PartKind::Queue,
            name,
            ..
        } => part_symbol("queue", name),
        _ => "account".to_string(),
    });
    push_private_endpoints(ctx, component, "account", module);
}

fn key_vault(ctx: &Context, component: &ComponentPlan, vault: &KeyVault, module: &mut Module) {
    let app = &ctx.plan.app;
    let name = &component.name;
    let prefix = naming::compact(&["kv", app, name], 11);
    module.file.push(
        Statement::from(
            regional(
                Resource::new("vault", types::KEY_VAULT.name, types::KEY_VAULT.api_version),
                unique_name(prefix, name),
            )
            .prop(
                "properties",
                obj([
                    ("tenantId", Expr::path("subscription().tenantId")),
                    (
                        "sku",
                        obj([("family", "A".into()), ("name", "standard".into())]),
                    ),
                    ("enableRbacAuthorization", true.into()),
                    ("enablePurgeProtection", true.into()),
                    ("enableSoftDelete", true.into()),
                    ("softDeleteRetentionInDays", 90i64.into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    (
                        "networkAcls",
                        obj([
                            ("defaultAction", "Deny".into()),
                            ("bypass", "AzureServices".into()),
                        ]),
                    ),
                ]),
            ),
        )
        .with_comment(
            "RBAC authorization, purge protection, 90-day soft delete, private network access only",
        ),
    );
    push_diagnostics(module, "vault", types::KEY_VAULT);
    if !vault.secrets.is_empty() {
        module.param(
            param(
                "secretExpiry",
                Type::Int,
                "Expiry of the secrets this deployment sets, as Unix time.",
            ),
            Expr::ident("secretExpiry"),
        );
    }
    for secret in &vault.secrets {
        let input = ctx.secret_inputs[&(component.name.as_str(), secret.as_str())];
        let value_param = format!("{}__value", part_symbol("secret", secret));
        module.param(
            Param::new(&value_param, Type::String)
                .secure()
                .description(format!(
                    "Value of secret {secret}, read from environment variable {} at deploy time.",
                    input.variable
                )),
            Expr::ident(&input.param),
        );
        module.file.push(
            Resource::new(
                part_symbol("secret", secret),
                types::KEY_VAULT_SECRET.name,
                types::KEY_VAULT_SECRET.api_version,
            )
            .prop("parent", Expr::ident("vault"))
            .prop("name", secret.as_str())
            .prop(
                "properties",
                obj([
                    ("value", Expr::ident(&value_param)),
                    ("contentType", "text/plain".into()),
                    (
                        "attributes",
                        obj([
                            ("enabled", true.into()),
                            ("exp", Expr::ident("secretExpiry")),
                        ]),
                    ),
                ]),
            ),
        );
    }
    grant_roles(ctx, component, module, |scope| match scope {
        Scope::Part { name, .. } => part_symbol("secret", name),
        _ => "vault".to_string(),
    });
    push_private_endpoints(ctx, component, "vault", module);
    module.output("name", Expr::path("vault.name"));
    module.output("vaultUri", Expr::path("vault.properties.vaultUri"));
}
