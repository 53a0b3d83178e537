//! Pieces every module uses: standard parameters, diagnostic settings, private endpoints and
//! role assignments, each built the same way wherever it appears.

use crate::bicep::{Expr, Item, Param, Property, Resource, Type, interp, obj, text};
use crate::catalog::facts::{self, Role};
use crate::catalog::types::{self, ResourceType};
use crate::plan::PrivateEndpoint;

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

/// The first properties of every regional resource.
pub fn regional(resource: Resource, name: Expr) -> Resource {
    resource
        .prop("name", name)
        .prop("location", Expr::ident("location"))
        .prop("tags", Expr::ident("tags"))
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

/// Parameter holding the resource id of the private DNS zone a group id registers in.
pub fn dns_zone_param_name(group_id: &str) -> String {
    crate::catalog::naming::prefixed_symbol(&group_id.to_lowercase(), "dns-zone-id")
}

/// A private endpoint for one group id of `target_symbol`, and its DNS zone group.
pub fn private_endpoint(
    target_symbol: &str,
    endpoint: &PrivateEndpoint,
    name_prefix: &str,
) -> [Resource; 2] {
    let symbol = format!("{}PrivateEndpoint", endpoint.group_id.to_lowercase());
    let pe = Resource::new(
        &symbol,
        types::PRIVATE_ENDPOINT.name,
        types::PRIVATE_ENDPOINT.api_version,
    );
    let pe = regional(
        pe,
        Expr::interp([
            text(format!("pe-{name_prefix}-{}-", endpoint.group_id)),
            interp(Expr::ident("environmentName")),
        ]),
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
                                Expr::path(&format!("{target_symbol}.id")),
                            ),
                            ("groupIds", Expr::array([Item::from(endpoint.group_id)])),
                        ]),
                    ),
                ]))]),
            ),
        ]),
    );
    let zone_group = Resource::new(
        format!("{symbol}DnsZoneGroup"),
        types::PRIVATE_DNS_ZONE_GROUP.name,
        types::PRIVATE_DNS_ZONE_GROUP.api_version,
    )
    .prop("parent", Expr::ident(&symbol))
    .prop("name", "default")
    .prop(
        "properties",
        obj([(
            "privateDnsZoneConfigs",
            Expr::array([Item::from(obj([
                ("name", endpoint.zone.replace('.', "-").into()),
                (
                    "properties",
                    obj([(
                        "privateDnsZoneId",
                        Expr::ident(dns_zone_param_name(endpoint.group_id)),
                    )]),
                ),
            ]))]),
        )]),
    );
    [pe, zone_group]
}

/// A role assignment named `guid(scope, principal, role)` so redeploying never duplicates it.
pub fn role_assignment(
    symbol: String,
    scope_symbol: &str,
    principal_param: &str,
    role: &Role,
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
                Expr::ident(principal_param),
                role.guid.into(),
            ],
        ),
    )
    .prop("scope", Expr::ident(scope_symbol))
    .prop(
        "properties",
        obj([
            ("principalId", Expr::ident(principal_param)),
            ("principalType", "ServicePrincipal".into()),
            (
                "roleDefinitionId",
                Expr::call(
                    "subscriptionResourceId",
                    vec![
                        "Microsoft.Authorization/roleDefinitions".into(),
                        role.guid.into(),
                    ],
                ),
            ),
        ]),
    )
}

/// `<principal>PrincipalId`, the module parameter carrying a compute identity's principal.
pub fn principal_param(component: &str) -> String {
    format!(
        "{}PrincipalId",
        crate::catalog::naming::component_symbol(component)
    )
}
