//! The role definitions and role assignments the bootstrap's grant modules declare: symbols,
//! built-in role ids, custom roles scoped to one resource group, and the ABAC condition that
//! limits the role-assignment grant.

use crate::bicep::{self, Expr, Item, Property, Resource, StrPart, interp, obj, text};
use crate::catalog::{naming, types};
use crate::deployer::{AssignableRoles, CustomDeployerRole, DeployerRole, Grant};

/// `grant_<role>` or `grant_<role>_<target>_<environment>`.
pub(super) fn grant_symbol(role: DeployerRole, at: Option<(&str, &str)>) -> String {
    let role = naming::component_symbol(&role.name().to_ascii_lowercase().replace(' ', "-"));
    match at {
        None => format!("grant_{role}"),
        Some((target, environment)) => {
            naming::part_symbol(&format!("grant_{role}_{target}"), environment)
        }
    }
}

pub(super) fn role_symbol(role: &CustomDeployerRole) -> String {
    format!(
        "role_{}",
        naming::component_symbol(&role.name.to_ascii_lowercase().replace(' ', "-"))
    )
}

pub(super) fn built_in(role: DeployerRole) -> Expr {
    subscription_role(Expr::str(role.guid().expect("a built-in role has a GUID")))
}

pub(super) fn subscription_role(guid: Expr) -> Expr {
    Expr::call(
        "subscriptionResourceId",
        vec!["Microsoft.Authorization/roleDefinitions".into(), guid],
    )
}

/// A custom role defined at this resource group, assignable only inside it. Its display
/// name must be unique in the directory ("This display name must be unique at the scope of the
/// directory", learn.microsoft.com/azure/role-based-access-control/custom-roles#custom-role-properties),
/// so it names the app, the group and a hash of the group's id.
pub(super) fn custom_role(
    symbol: &str,
    role: &CustomDeployerRole,
    app: &str,
    scope_id: Expr,
) -> Resource {
    let actions = role.actions.iter().map(|action| Item::from(*action));
    Resource::new(
        symbol,
        types::ROLE_DEFINITION.name,
        types::ROLE_DEFINITION.api_version,
    )
    .prop(
        "name",
        Expr::call("guid", vec![scope_id.clone(), app.into(), role.name.into()]),
    )
    .prop(
        "properties",
        obj([
            (
                "roleName",
                Expr::interp([
                    text(format!("{} ({app}, ", role.name)),
                    interp(Expr::path("resourceGroup().name")),
                    text(", "),
                    interp(Expr::call("uniqueString", vec![scope_id.clone()])),
                    text(")"),
                ]),
            ),
            ("description", role.description.into()),
            ("type", "CustomRole".into()),
            (
                "permissions",
                Expr::array([Item::from(obj([
                    ("actions", Expr::array(actions)),
                    ("notActions", Expr::array([])),
                    ("dataActions", Expr::array([])),
                    ("notDataActions", Expr::array([])),
                ]))]),
            ),
            ("assignableScopes", Expr::array([Item::from(scope_id)])),
        ]),
    )
}

pub(super) fn role_assignment(
    symbol: &str,
    scope_id: Expr,
    principal: &Expr,
    role_definition: &Expr,
    grant: &Grant,
    scope_symbol: Option<&str>,
) -> Resource {
    let mut resource = Resource::new(
        symbol,
        types::ROLE_ASSIGNMENT.name,
        types::ROLE_ASSIGNMENT.api_version,
    )
    .prop(
        "name",
        Expr::call(
            "guid",
            vec![scope_id, principal.clone(), role_definition.clone()],
        ),
    );
    if let Some(scope) = scope_symbol {
        resource = resource.prop("scope", Expr::ident(scope));
    }
    resource.prop(
        "properties",
        obj([
            ("principalId", principal.clone()),
            ("principalType", "ServicePrincipal".into()),
            ("roleDefinitionId", role_definition.clone()),
            ("description", grant.reason.as_str().into()),
        ]),
    )
}

/// Add the ABAC condition [`crate::deployer::condition`] writes, with the custom roles' ids computed
/// the way the app's modules compute them (`guid(resourceGroup().id, app, component, role)`).
/// `conditionVersion` "Currently the only accepted value is '2.0'" (Azure/bicep-types-az
/// generated/authorization/microsoft.authorization/2022-04-01/types.md, RoleAssignmentProperties).
pub(super) fn with_condition(assignment: Resource, roles: &AssignableRoles, app: &str) -> Resource {
    let mut ids: Vec<StrPart> = Vec::new();
    let built_in = roles.built_in.iter().map(|guid| text(*guid));
    let custom = roles.custom.iter().map(|(component, role)| {
        interp(Expr::call(
            "guid",
            vec![
                Expr::path("resourceGroup().id"),
                app.into(),
                component.as_str().into(),
                (*role).into(),
            ],
        ))
    });
    for (index, id) in built_in.chain(custom).enumerate() {
        if index > 0 {
            ids.push(text(", "));
        }
        ids.push(id);
    }
    // The documented condition, with a marker where the list of role ids goes.
    const MARKER: char = '\u{1}';
    let template = crate::deployer::condition(&[MARKER.to_string()]);
    let mut parts = Vec::new();
    for (index, piece) in template.split(MARKER).enumerate() {
        if index > 0 {
            parts.extend(ids.iter().cloned());
        }
        parts.push(text(piece));
    }
    let Resource {
        symbol,
        type_ref,
        existing,
        condition,
        mut body,
    } = assignment;
    if let Some(Property {
        value: Expr::Object(properties),
        ..
    }) = body
        .iter_mut()
        .find(|p| p.key == bicep::Key::Name("properties".into()))
    {
        properties.push(Property::new("condition", Expr::interp(parts)));
        properties.push(Property::new("conditionVersion", "2.0"));
    }
    Resource {
        symbol,
        type_ref,
        existing,
        condition,
        body,
    }
}
