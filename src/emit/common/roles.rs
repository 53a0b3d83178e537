//! Azure RBAC role assignments: the principal parameters a module takes, the assignments
//! named so redeploying never duplicates them, their symbols and comments, and the
//! user-assigned identity of a compute component.

use super::param;
use crate::bicep::{Expr, Property, Resource, Statement, Type, interp, obj};
use crate::catalog::{Role, facts, naming, types};
use crate::emit::{Context, Module, identity_symbol};
use crate::plan::{ComponentPlan, RoleAssignment, Scope};

/// `<principal>PrincipalId`, the module parameter carrying a compute identity's principal.
pub fn principal_param(component: &str) -> String {
    let mut param = naming::component_symbol(component);
    param.push_str("PrincipalId");
    param
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
                Expr::path(scope_symbol).member("id"),
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

/// `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '<guid>')`.
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
            Expr::path(&identity_symbol(principal))
                .member("properties")
                .member("principalId"),
        );
    }
}

/// `container_images__web__storage_blob_data_reader`: unique per scope, principal and role.
pub fn role_symbol(scope_symbol: &str, principal: &str, role: &Role) -> String {
    let role_name = role.name();
    // Written into one buffer: every role assignment of every module has a symbol.
    let mut symbol =
        String::with_capacity(scope_symbol.len() + principal.len() + role_name.len() + 4);
    symbol.push_str(scope_symbol);
    symbol.push_str("__");
    symbol.extend(principal.chars().map(|c| if c == '-' { '_' } else { c }));
    symbol.push_str("__");
    let words = role_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty());
    for (index, word) in words.enumerate() {
        if index > 0 {
            symbol.push('_');
        }
        symbol.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    symbol
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
        Expr::path(&identity).member("id"),
    );
    module.param(
        param(
            "identityClientId",
            Type::String,
            "Client id of the app's user-assigned identity.",
        ),
        Expr::path(&identity)
            .member("properties")
            .member("clientId"),
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

/// Role symbols as they were written before the single buffer, for the test below.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_symbols_read_as_the_joined_words_did() {
        for (scope, principal, role) in [
            ("account", "web-app", "Storage Blob Data Reader"),
            ("container_images", "api", "AcrPull"),
            ("vault", "a-b-c", "Key Vault Secrets User (preview)"),
        ] {
            let words: Vec<String> = role
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|word| !word.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            let expected = format!(
                "{scope}__{}__{}",
                principal.replace('-', "_"),
                words.join("_")
            );
            assert_eq!(role_symbol(scope, principal, &Role::Arm(role)), expected);
        }
    }
}
