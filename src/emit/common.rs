//! Pieces every module uses: standard parameters, names, diagnostic settings, private
//! endpoints and role assignments, each built the same way wherever it appears.

use super::{Context, Module, identity_symbol};
use crate::bicep::{Expr, Item, Param, Property, Resource, Statement, Type, interp, obj, text};
use crate::catalog::naming;
use crate::catalog::types::{self, ResourceType};
use crate::catalog::{Role, facts};
use crate::plan::{ComponentPlan, DnsPlan, PerEnvironment, PrivateEndpoint, RoleAssignment, Scope};
use std::collections::BTreeMap;

pub const WORKSPACE_ID: &str = "workspaceId";
pub const PRIVATE_ENDPOINT_SUBNET_ID: &str = "privateEndpointSubnetId";

pub fn param(name: &str, ty: Type, description: &str) -> Param {
    Param::new(name, ty).description(description)
}

pub fn location_param() -> Param {
    param("location", Type::String, "Azure region of the resources.")
}

pub fn tags_param() -> Param {
    param("tags", Type::Object, "Tags applied to every resource.")
}

pub fn workspace_param() -> Param {
    param(
        WORKSPACE_ID,
        Type::String,
        "Log Analytics workspace that receives diagnostics.",
    )
}

/// The parameters every component module takes: location, tags, environment, workspace,
/// and the private-endpoint subnet and DNS zones when the component has endpoints.
pub fn standard_params(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    module.param(location_param(), Expr::ident("location"));
    module.param(tags_param(), Expr::ident("tags"));
    module.param(
        param(
            "environmentName",
            Type::String,
            "Environment being deployed.",
        ),
        Expr::ident("environmentName"),
    );
    module.param(
        workspace_param(),
        Expr::path("monitoring.outputs.workspaceId"),
    );
    if component.private_endpoints.is_empty() {
        return;
    }
    module.param(
        param(
            PRIVATE_ENDPOINT_SUBNET_ID,
            Type::String,
            "Subnet that holds private endpoints.",
        ),
        Expr::path("network.outputs.privateEndpointsSubnetId"),
    );
    for endpoint in &component.private_endpoints {
        for zone in &endpoint.zones {
            let name = zone_param(zone);
            let value = match &ctx.plan.network.dns {
                DnsPlan::Create => Expr::path(&format!("dns.outputs.{name}")),
                DnsPlan::Central(ids) => match ids.get(zone) {
                    Some(id) => Expr::str(id.as_str()),
                    // The estate's policy registers endpoints: no zone ids to pass.
                    None => continue,
                },
            };
            if !module.has_param(&name) {
                module.param(
                    param(&name, Type::String, &format!("Private DNS zone {zone}.")),
                    value,
                );
            }
        }
    }
}

/// A module's per-environment table: values that differ between environments live in one
/// `var` indexed by `environmentName`; values every environment shares stay literals.
pub struct ByEnvironment {
    name: &'static str,
    comment: &'static str,
    entries: Vec<(String, BTreeMap<String, Expr>)>,
}

impl ByEnvironment {
    pub fn new(name: &'static str, comment: &'static str) -> Self {
        ByEnvironment {
            name,
            comment,
            entries: Vec::new(),
        }
    }

    pub fn value(&mut self, key: &str, values: PerEnvironment<Expr>) -> Expr {
        match values {
            PerEnvironment::Same(value) => value,
            PerEnvironment::Each(values) => {
                self.entries.push((key.to_string(), values));
                Expr::ident(self.name)
                    .index(Expr::ident("environmentName"))
                    .member(key)
            }
        }
    }

    /// The `var` holding the table, if any value differs.
    pub fn statement(self) -> Option<Statement> {
        let (_, first) = self.entries.first()?;
        let environments: Vec<String> = first.keys().cloned().collect();
        let table =
            Expr::object(environments.iter().map(|environment| {
                Property::new(
                    environment.clone(),
                    Expr::object(self.entries.iter().map(|(key, values)| {
                        Property::new(key.clone(), values[environment].clone())
                    })),
                )
            }));
        Some(
            Statement::from(crate::bicep::StatementKind::Var {
                name: self.name.into(),
                value: table,
            })
            .with_comment(self.comment),
        )
    }
}

/// The first properties of every regional resource.
pub fn regional(resource: Resource, name: Expr) -> Resource {
    resource
        .prop("name", name)
        .prop("location", Expr::ident("location"))
        .prop("tags", Expr::ident("tags"))
}

/// `'<prefix>${environmentName}'`: names unique within the resource group.
pub fn env_suffixed(prefix: impl Into<String>) -> Expr {
    Expr::interp([text(prefix), interp(Expr::ident("environmentName"))])
}

/// `'<prefix>-${environmentName}'` for a resource type whose names Azure limits: the prefix is
/// shortened (see [`fitted`]) so the name fits naming.tsv's maximum for the type with the
/// longest environment name validation accepts.
pub fn env_suffixed_for(resource_type: &str, prefix: &str) -> Expr {
    let max = facts::name_limits(resource_type)
        .and_then(|limits| limits.max)
        .unwrap_or_else(|| panic!("bulwark bug: naming.tsv has no maximum for {resource_type}"));
    let room = max - 1 - naming::ENVIRONMENT_NAME.max;
    env_suffixed(format!("{}-", fitted(prefix, room)))
}

/// `text` if it has at most `max` characters; otherwise its first characters and four hex
/// digits of its SHA-256, so two long names that share a beginning stay distinct and the
/// same blueprint always gives the same name.
pub fn fitted(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let hash: String = digest[..2]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let mut head: String = text.chars().take(max - hash.len() - 1).collect();
    while head.ends_with('-') {
        head.pop();
    }
    format!("{head}-{hash}")
}

/// `'<prefix>${uniqueString(resourceGroup().id, '<component>')}'`: names that must be
/// globally unique, with a readable prefix and 13 characters of hash.
pub fn unique_name(prefix: impl Into<String>, component: &str) -> Expr {
    Expr::interp([
        text(prefix),
        interp(Expr::call(
            "uniqueString",
            vec![Expr::path("resourceGroup().id"), component.into()],
        )),
    ])
}

/// The comment heading a database grant script: the generated-file header, what the script
/// does, and how a member of the admin group runs it (`commands`), then a blank line.
pub fn grant_script_header(
    ctx: &Context,
    about: &[String],
    admin_group: &str,
    commands: &[String],
) -> String {
    let mut lines = vec![ctx.header(), String::new()];
    lines.extend(about.iter().cloned());
    lines.push(String::new());
    lines.push(
        "Run it after each deployment that adds a connection, as a member of the Entra group"
            .into(),
    );
    lines.push(format!(
        "{admin_group}, from a network that reaches the server's private endpoint:"
    ));
    lines.extend(commands.iter().map(|command| format!("  {command}")));
    let mut out: String = lines
        .iter()
        .map(|line| {
            if line.is_empty() {
                "--\n".to_string()
            } else {
                format!("-- {line}\n")
            }
        })
        .collect();
    out.push('\n');
    out
}

/// `'<text>-'` cut to at most `max` characters, ending in one hyphen (before a hash).
pub fn bounded_prefix(text: &str, max: usize) -> String {
    let mut prefix: String = text.chars().take(max - 1).collect();
    while prefix.ends_with('-') {
        prefix.pop();
    }
    prefix.push('-');
    prefix
}

/// A lowercase alphanumeric prefix of at most `max` characters, for names without hyphens.
pub fn compact_prefix(ctx: &Context, abbreviation: &str, component: &str, max: usize) -> String {
    naming::compact(&[abbreviation, &ctx.plan.app, component], max)
}

/// A diagnostic setting sending what `resource_type` supports to the workspace, or `None`
/// when the facts list no diagnostic support for the type.
pub fn diagnostic_setting(
    scope_symbol: &str,
    resource_type: ResourceType,
    workspace: Expr,
) -> Option<Resource> {
    let support = facts::diagnostic_support(resource_type.name)?;
    let mut properties = vec![Property::new("workspaceId", workspace)];
    if support.all_logs {
        properties.push(Property::new(
            "logs",
            Expr::array([Item::from(obj([
                ("categoryGroup", "allLogs".into()),
                ("enabled", true.into()),
            ]))]),
        ));
    }
    if support.all_metrics {
        properties.push(Property::new(
            "metrics",
            Expr::array([Item::from(obj([
                ("category", "AllMetrics".into()),
                ("enabled", true.into()),
            ]))]),
        ));
    }
    if properties.len() == 1 {
        return None;
    }
    Some(
        Resource::new(
            format!("{scope_symbol}Diagnostics"),
            types::DIAGNOSTIC_SETTING.name,
            types::DIAGNOSTIC_SETTING.api_version,
        )
        .prop("name", "to-log-analytics")
        .prop("scope", Expr::ident(scope_symbol))
        .prop("properties", Expr::Object(properties)),
    )
}

/// Add the diagnostic setting of a resource in the module, if its type has one.
pub fn push_diagnostics(module: &mut Module, scope_symbol: &str, resource_type: ResourceType) {
    if let Some(setting) =
        diagnostic_setting(scope_symbol, resource_type, Expr::ident(WORKSPACE_ID))
    {
        module.push(setting);
    }
}

/// The module parameter (and dns.bicep output) carrying a private DNS zone's id:
/// `privatelink.blob.core.windows.net` → `blobCoreWindowsNetZoneId`.
pub fn zone_param(zone: &str) -> String {
    let trimmed = zone.trim_start_matches("privatelink.");
    format!(
        "{}ZoneId",
        naming::component_symbol(&trimmed.replace('.', "-"))
    )
}

/// A private endpoint for one group id of a resource in the module, and its DNS zone group
/// registering it in every zone the group needs (none when the estate's policy does that).
pub fn private_endpoint(
    endpoint: &PrivateEndpoint,
    name_prefix: &str,
    zone_group: bool,
) -> (Resource, Option<Resource>) {
    let group = endpoint.group_id.to_lowercase();
    let symbol = format!("{group}PrivateEndpoint");
    let pe = regional(
        Resource::new(
            &symbol,
            types::PRIVATE_ENDPOINT.name,
            types::PRIVATE_ENDPOINT.api_version,
        ),
        env_suffixed_for(
            types::PRIVATE_ENDPOINT.name,
            &format!("pe-{name_prefix}-{group}"),
        ),
    )
    .prop(
        "properties",
        obj([
            (
                "subnet",
                obj([("id", Expr::ident(PRIVATE_ENDPOINT_SUBNET_ID))]),
            ),
            (
                "privateLinkServiceConnections",
                Expr::array([Item::from(obj([
                    ("name", endpoint.group_id.into()),
                    (
                        "properties",
                        obj([
                            (
                                "privateLinkServiceId",
                                Expr::path(&format!("{}.id", endpoint.target)),
                            ),
                            ("groupIds", Expr::array([Item::from(endpoint.group_id)])),
                        ]),
                    ),
                ]))]),
            ),
        ]),
    );
    let configs = endpoint.zones.iter().map(|zone| {
        Item::from(obj([
            ("name", zone.replace('.', "-").into()),
            (
                "properties",
                obj([("privateDnsZoneId", Expr::ident(zone_param(zone)))]),
            ),
        ]))
    });
    let zone_group_resource = Resource::new(
        format!("{symbol}DnsZoneGroup"),
        types::PRIVATE_DNS_ZONE_GROUP.name,
        types::PRIVATE_DNS_ZONE_GROUP.api_version,
    )
    .prop("parent", Expr::ident(&symbol))
    .prop("name", "default")
    .prop(
        "properties",
        obj([("privateDnsZoneConfigs", Expr::array(configs))]),
    );
    (pe, zone_group.then_some(zone_group_resource))
}

/// The resource to wait for until a private endpoint resolves: its zone group, or the
/// endpoint itself when the estate's policy registers it.
pub fn endpoint_ready_symbol(ctx: &Context, endpoint: &PrivateEndpoint) -> String {
    let group = endpoint.group_id.to_lowercase();
    if ctx.plan.network.dns.registers() {
        format!("{group}PrivateEndpointDnsZoneGroup")
    } else {
        format!("{group}PrivateEndpoint")
    }
}

/// Every private endpoint of the component, each with its zone group.
pub fn push_private_endpoints(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let prefix = format!("{}-{}", ctx.plan.app, component.name);
    for endpoint in &component.private_endpoints {
        let registers = ctx.plan.network.dns.registers();
        let (pe, group) = private_endpoint(endpoint, &prefix, registers);
        let comment = if registers {
            format!(
                "Private endpoint for {} ({}), registered in {}",
                endpoint.group_id,
                component.name,
                endpoint.zones.join(", ")
            )
        } else {
            format!(
                "Private endpoint for {} ({}); the estate's policy registers it in {}",
                endpoint.group_id,
                component.name,
                endpoint.zones.join(", ")
            )
        };
        module.push(Statement::from(pe).with_comment(comment));
        if let Some(group) = group {
            module.push(group);
        }
    }
}

/// The main.bicep variable saying whether this environment locks stateful resources.
pub const LOCK_VARIABLE: &str = "lockStatefulResources";

/// A `CanNotDelete` lock on a stateful component's main resource (the one its private
/// endpoints attach to), in the environments whose blueprint asks for locks.
pub fn push_lock(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    if component.is_compute() {
        return;
    }
    let Some(target) = component.private_endpoints.first().map(|e| e.target) else {
        return;
    };
    let condition = match ctx.plan.governance.locks() {
        PerEnvironment::Same(false) => return,
        PerEnvironment::Same(true) => None,
        PerEnvironment::Each(_) => {
            module.param(
                param(
                    LOCK_VARIABLE,
                    Type::Bool,
                    "Whether this environment locks stateful resources against deletion.",
                ),
                Expr::ident(LOCK_VARIABLE),
            );
            Some(Expr::ident(LOCK_VARIABLE))
        }
    };
    let mut lock = Resource::new(
        "deleteLock",
        types::MANAGEMENT_LOCK.name,
        types::MANAGEMENT_LOCK.api_version,
    )
    .prop("scope", Expr::ident(target))
    .prop("name", "do-not-delete")
    .prop(
        "properties",
        obj([
            ("level", "CanNotDelete".into()),
            (
                "notes",
                format!(
                    "{} holds state; bulwark locks it (blueprint: [governance] locks). Remove the lock deliberately before deleting.",
                    component.name
                )
                .into(),
            ),
        ]),
    );
    if let Some(condition) = condition {
        lock = lock.only_if(condition);
    }
    module.push(
        Statement::from(lock)
            .with_comment("Stateful: a CanNotDelete lock guards it against accidental deletion"),
    );
}

/// `<principal>PrincipalId`, the module parameter carrying a compute identity's principal.
pub fn principal_param(component: &str) -> String {
    format!("{}PrincipalId", naming::component_symbol(component))
}

/// A role assignment named `guid(scope, principal, role)` so redeploying never duplicates it.
pub fn role_assignment(
    symbol: String,
    scope_symbol: &str,
    principal: Expr,
    role_definition: Expr,
    role_key: Expr,
) -> Resource {
    Resource::new(
        symbol,
        types::ROLE_ASSIGNMENT.name,
        types::ROLE_ASSIGNMENT.api_version,
    )
    .prop(
        "name",
        Expr::call(
            "guid",
            vec![
                Expr::path(&format!("{scope_symbol}.id")),
                principal.clone(),
                role_key,
            ],
        ),
    )
    .prop("scope", Expr::ident(scope_symbol))
    .prop(
        "properties",
        obj([
            ("principalId", principal),
            ("principalType", "ServicePrincipal".into()),
            ("roleDefinitionId", role_definition),
        ]),
    )
}

/// `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '<guid>')`.
/// A data role for the identity that runs the deployment (`deployer()`), so the workflow's
/// code delivery, run as that identity, can write code where the platform reads it. The
/// identity is the CI's service principal or managed identity (the deploying identity's ABAC
/// condition allows service principals only).
pub fn deployer_role_assignment(symbol: &str, scope_symbol: &str, role_name: &str) -> Resource {
    let guid = crate::catalog::facts::role(role_name).guid;
    role_assignment(
        symbol.to_string(),
        scope_symbol,
        Expr::path("deployer().objectId"),
        built_in_role(guid),
        guid.into(),
    )
}

pub fn built_in_role(guid: &str) -> Expr {
    Expr::call(
        "subscriptionResourceId",
        vec![
            "Microsoft.Authorization/roleDefinitions".into(),
            guid.into(),
        ],
    )
}

/// Role assignments whose scope is this component or one of its parts.
pub fn inbound<'a>(ctx: &'a Context<'_>, component: &ComponentPlan) -> &'a [&'a RoleAssignment] {
    ctx.inbound
        .get(component.name.as_str())
        .map_or(&[], Vec::as_slice)
}

/// One principal parameter per distinct principal with a role on this component.
pub fn principal_params(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let mut principals: Vec<&str> = inbound(ctx, component)
        .iter()
        .map(|a| a.principal.as_str())
        .collect();
    principals.sort_unstable();
    principals.dedup();
    for principal in principals {
        module.param(
            param(
                &principal_param(principal),
                Type::String,
                &format!("Principal id of the managed identity of {principal}."),
            ),
            Expr::path(&format!(
                "{}.properties.principalId",
                identity_symbol(principal)
            )),
        );
    }
}

/// `container_images__web__storage_blob_data_reader`: unique per scope, principal and role.
pub fn role_symbol(scope_symbol: &str, principal: &str, role: &Role) -> String {
    let words: Vec<String> = role
        .name()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    format!(
        "{scope_symbol}__{}__{}",
        principal.replace('-', "_"),
        words.join("_")
    )
}

/// The comment above a role assignment: who, what, which role, and the blueprint line.
pub fn role_comment(component: &ComponentPlan, assignment: &RoleAssignment) -> String {
    let what = match &assignment.scope {
        Scope::Part { kind, name, .. } => format!("{kind} {name}"),
        _ => format!("{} {}", component.kind(), component.name),
    };
    let access = assignment.access.map(|a| a.verb()).unwrap_or("uses");
    let why = if crate::plan::scale::is_scaler_role(assignment) {
        ", for its KEDA scale rule, which reads the message count"
    } else {
        ""
    };
    format!(
        "{} {access} {what}: {}{why} ({})",
        assignment.principal,
        assignment.role.name(),
        assignment.because
    )
}

/// Azure RBAC role assignments on the component, each scoped to the symbol `scope_symbol`
/// returns for it. Other grant mechanisms (Cosmos DB, Redis, databases) are the kind's own.
pub fn grant_arm_roles(
    ctx: &Context,
    component: &ComponentPlan,
    module: &mut Module,
    scope_symbol: impl Fn(&Scope) -> String,
) {
    for assignment in inbound(ctx, component) {
        let Role::Arm(name) = assignment.role else {
            continue;
        };
        let guid = facts::role(name).guid;
        let scope = scope_symbol(&assignment.scope);
        module.push(
            Statement::from(role_assignment(
                role_symbol(&scope, &assignment.principal, &assignment.role),
                &scope,
                Expr::ident(principal_param(&assignment.principal)),
                built_in_role(guid),
                guid.into(),
            ))
            .with_comment(role_comment(component, assignment)),
        );
    }
}

/// Module parameters of a compute component's identity.
pub fn identity_params(component: &ComponentPlan, module: &mut Module) {
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
}

/// `identity: { type: 'UserAssigned', userAssignedIdentities: { '${identityId}': {} } }`.
pub fn user_assigned_identity() -> Expr {
    obj([
        ("type", "UserAssigned".into()),
        (
            "userAssignedIdentities",
            Expr::object([Property::interpolated(
                [interp(Expr::ident("identityId"))],
                obj([]),
            )]),
        ),
    ])
}

/// The value main.bicep passes for a connection setting of `app`. Key Vault references are
/// the caller's: App Service and Container Apps spell them differently.
pub fn setting_expr(app: &ComponentPlan, value: &crate::plan::SettingValue) -> Expr {
    use crate::plan::SettingValue;
    match value {
        SettingValue::Literal(text) => Expr::str(text.as_str()),
        SettingValue::IdentityClientId => Expr::path(&format!(
            "{}.properties.clientId",
            identity_symbol(&app.name)
        )),
        SettingValue::IdentityName => Expr::path(&format!("{}.name", identity_symbol(&app.name))),
        SettingValue::Output {
            component,
            output,
            suffix,
        } => {
            let value = Expr::path(&format!(
                "{}.outputs.{output}",
                super::module_symbol(component)
            ));
            if suffix.is_empty() {
                value
            } else {
                Expr::interp([interp(value), text(suffix.as_str())])
            }
        }
        SettingValue::SecretReference { vault, secret } => Expr::interp([
            text("@Microsoft.KeyVault(VaultName="),
            interp(Expr::path(&format!(
                "{}.outputs.name",
                super::module_symbol(vault)
            ))),
            text(format!(";SecretName={secret})")),
        ]),
        SettingValue::CallUrl { component, host } => super::calls::call_url(component, host),
        SettingValue::CallAudience {
            app,
            component,
            suffix,
            pre_created: false,
        } => super::calls::audience(app, component, suffix),
        SettingValue::CallAudience {
            component,
            suffix,
            pre_created: true,
            ..
        } => super::calls::pre_created_audience(component, suffix),
    }
}

/// `'<prefix><value>'`: a literal when the value is one, an interpolation when it is a
/// parameter.
pub fn prefixed(prefix: &str, value: Expr) -> Expr {
    use crate::bicep::StrPart;
    match value {
        Expr::Str(parts) => {
            let mut all = vec![StrPart::Text(prefix.to_string())];
            all.extend(parts);
            // Merge adjacent literal text so the printer emits one plain string.
            let mut merged: Vec<StrPart> = Vec::new();
            for part in all {
                match (merged.last_mut(), part) {
                    (Some(StrPart::Text(last)), StrPart::Text(next)) => last.push_str(&next),
                    (_, part) => merged.push(part),
                }
            }
            Expr::Str(merged)
        }
        other => Expr::interp([text(prefix), interp(other)]),
    }
}

/// [`push_diagnostics`] for a concern module's file.
/// The diagnostic setting of a resource as a statement, if its type has one.
pub fn diagnostics_statements(
    scope_symbol: &str,
    resource_type: ResourceType,
) -> Option<Statement> {
    diagnostic_setting(scope_symbol, resource_type, Expr::ident(WORKSPACE_ID)).map(Statement::from)
}

pub fn push_diagnostics_file(
    file: &mut crate::bicep::File,
    scope_symbol: &str,
    resource_type: ResourceType,
) {
    if let Some(setting) =
        diagnostic_setting(scope_symbol, resource_type, Expr::ident(WORKSPACE_ID))
    {
        file.push(setting);
    }
}

/// `properties.createMode` of a kind that can recover a soft-deleted predecessor of the same
/// name, when `[deployment.environments.<env>] recover` names the component: `recover` in
/// those environments and `default` in the others (a parameter each `.bicepparam` sets when
/// they differ). None when no environment recovers it, so the property stays unset.
pub fn create_mode(
    ctx: &Context,
    component: &ComponentPlan,
    module: &mut Module,
    recover: &str,
    default: &str,
) -> Option<Property> {
    let recovering = ctx.plan.deployment.recovering(&component.name);
    if recovering.is_empty() {
        return None;
    }
    let modes = PerEnvironment::from_map(
        ctx.plan
            .environments
            .iter()
            .map(|environment| {
                let mode = if recovering.contains(environment) {
                    recover
                } else {
                    default
                };
                (
                    environment.clone(),
                    crate::blueprint::SizingValue::Text(mode.to_string()),
                )
            })
            .collect(),
    );
    let value = module.sized_as(component, "createMode", &modes);
    Some(
        Property::new("createMode", value).with_comment(format!(
            "`{recover}` recovers the soft-deleted {} of this name ([deployment.environments.<env>] recover)",
            component.kind()
        )),
    )
}

/// `object` with `property` appended, when there is one.
pub fn with_property(object: Expr, property: Option<Property>) -> Expr {
    match (object, property) {
        (Expr::Object(mut properties), Some(property)) => {
            properties.push(property);
            Expr::Object(properties)
        }
        (object, _) => object,
    }
}

#[cfg(test)]
mod tests {
    use super::fitted;

    #[test]
    fn short_names_stay_and_long_ones_keep_a_distinguishing_hash() {
        assert_eq!(fitted("pe-shop-media-blob", 51), "pe-shop-media-blob");
        let long = |group: &str| format!("pe-{}-{group}", "x".repeat(40));
        let a = fitted(&long("configurationstores"), 51);
        let b = fitted(&long("searchservice"), 51);
        assert_eq!(a.chars().count(), 51);
        assert_ne!(a, b);
        assert_eq!(a, fitted(&long("configurationstores"), 51));
    }
}
