//! `app-configuration`: an App Configuration store on a tier with private endpoints, Entra ID
//! only, purge protection on. Readers get the built-in Data Reader role; writers get a
//! custom role limited to key-values, because the only built-in writer (Data Owner) can
//! also change the store's data-plane permissions.

use super::common::{
    bounded_prefix, create_mode, grant_arm_roles, inbound, principal_param, principal_params,
    push_diagnostics, push_private_endpoints, regional, role_assignment, role_comment, role_symbol,
    unique_name, with_property,
};
use crate::bicep::{Expr, Item, Resource, Statement, interp, obj, text};
use crate::catalog::{Role, types};
use crate::emit::{Context, Module};
use crate::plan::ComponentPlan;

/// Store names: 5-50 characters; `unique_name` appends 13.
const MAX_PREFIX: usize = 50 - 13;

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    principal_params(ctx, component, module);
    let app = &ctx.plan.app;
    let name = &component.name;
    let sku = module.sized(component, "sku");
    // App Configuration `properties.createMode`: 'Recover' | 'Default' (bicep-types-az
    // microsoft.appconfiguration/2024-06-01; learn.microsoft.com/azure/azure-app-configuration/concept-soft-delete).
    let recover = create_mode(ctx, component, module, "Recover", "Default");
    module.push(
        Statement::from(
            regional(
                Resource::new("store", types::APP_CONFIGURATION_STORE.name, types::APP_CONFIGURATION_STORE.api_version),
                unique_name(bounded_prefix(&format!("appcs-{app}-{name}"), MAX_PREFIX), name),
            )
            .prop("sku", obj([("name", sku)]))
            .prop(
                "properties",
                with_property(obj([
                    ("disableLocalAuth", true.into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    ("enablePurgeProtection", true.into()),
                    ("softDeleteRetentionInDays", 7i64.into()),
                    (
                        "dataPlaneProxy",
                        obj([
                            ("authenticationMode", "Pass-through".into()),
                            ("privateLinkDelegation", "Disabled".into()),
                        ]),
                    ),
                ]), recover),
            ),
        )
        .with_comment("Entra ID only (access keys off), purge protection, private network access only")
        .with_comment("Data-plane calls through Azure Resource Manager use the caller's identity, never keys, and cannot reach the private store"),
    );
    push_diagnostics(module, "store", types::APP_CONFIGURATION_STORE);
    grant_arm_roles(ctx, component, module, |_| "store".to_string());
    custom_role_assignments(ctx, component, module);
    push_private_endpoints(ctx, component, module);
    module.output("endpoint", Expr::path("store.properties.endpoint"));
}

/// The custom writer role, created once when a connection needs it, and one assignment of
/// it on the store per principal.
fn custom_role_assignments(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let assignments: Vec<_> = inbound(ctx, component)
        .iter()
        .filter_map(|assignment| match assignment.role {
            Role::Custom(role) => Some((*assignment, role)),
            _ => None,
        })
        .collect();
    let Some((_, role)) = assignments.first() else {
        return;
    };
    let app = &ctx.plan.app;
    let name = &component.name;
    let data_actions = role.data_actions.iter().map(|action| Item::from(*action));
    module.push(
        Statement::from(
            Resource::new("customRole", types::ROLE_DEFINITION.name, types::ROLE_DEFINITION.api_version)
                .prop(
                    "name",
                    Expr::call(
                        "guid",
                        vec![Expr::path("resourceGroup().id"), app.as_str().into(), name.as_str().into(), role.name.into()],
                    ),
                )
                .prop(
                    "properties",
                    obj([
                        // Role names are unique in the tenant: name the app, store,
                        // environment and resource group.
                        (
                            "roleName",
                            Expr::interp([
                                text(format!("{} ({app} {name}, ", role.name)),
                                interp(Expr::ident("environmentName")),
                                text(", "),
                                interp(Expr::path("resourceGroup().name")),
                                text(")"),
                            ]),
                        ),
                        ("description", role.description.into()),
                        ("type", "CustomRole".into()),
                        (
                            "permissions",
                            Expr::array([Item::from(obj([
                                ("actions", Expr::array([])),
                                ("notActions", Expr::array([])),
                                ("dataActions", Expr::array(data_actions)),
                                ("notDataActions", Expr::array([])),
                            ]))]),
                        ),
                        ("assignableScopes", Expr::array([Item::from(Expr::path("resourceGroup().id"))])),
                    ]),
                ),
        )
        .with_comment(format!(
            "{}: key-values only, because the built-in App Configuration Data Owner also manages data-plane permissions",
            role.name
        )),
    );
    let role_definition = Expr::call(
        "subscriptionResourceId",
        vec![
            "Microsoft.Authorization/roleDefinitions".into(),
            Expr::path("customRole.name"),
        ],
    );
    for (assignment, _) in assignments {
        module.push(
            Statement::from(role_assignment(
                role_symbol("store", &assignment.principal, &assignment.role),
                "store",
                Expr::ident(principal_param(&assignment.principal)),
                role_definition.clone(),
                Expr::path("customRole.name"),
            ))
            .with_comment(role_comment(component, assignment)),
        );
    }
}
