//! Service-to-service calls: the Entra app registration of a compute component that receives
//! calls, its app roles, the role each caller's identity is assigned, and the platform
//! authentication that rejects every request without a valid token for its audience.
//!
//! The registration, its service principal and the assignments are Microsoft Graph resources
//! declared through the Microsoft Graph Bicep extension, so one deployment creates them with
//! the app (learn.microsoft.com/graph/templates/bicep/overview-bicep-templates-for-graph).

use super::common::{param, principal_param};
use super::{Context, Module, identity_symbol};
use crate::bicep::{
    Expr, Item, Property, Resource, Statement, StatementKind, Type, interp, obj, text,
};
use crate::catalog::types;
use crate::plan::{CallHost, ComponentPlan};

/// The extension alias the modules declare (`extension microsoftGraphV1`) and bicepconfig.json
/// maps to the registry reference below (learn.microsoft.com/graph/templates/bicep/
/// how-to-dynamic-types; microsoftgraph/msgraph-bicep-types quickstart-templates/
/// application-serviceprincipal-create-client-resource/bicepconfig.json).
pub const GRAPH_EXTENSION: &str = "microsoftGraphV1";
/// Microsoft Graph Bicep types v1.0.0, the generally available release (July 2025, Bicep
/// v0.36.1 or later; learn.microsoft.com/graph/templates/bicep/whats-new).
pub const GRAPH_EXTENSION_REFERENCE: &str =
    "br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0";

/// Microsoft Graph Bicep resource types (learn.microsoft.com/graph/templates/reference/
/// overview: applications, servicePrincipals, appRoleAssignedTo), all at `v1.0`.
pub const GRAPH_APPLICATION: &str = "Microsoft.Graph/applications";
pub const GRAPH_SERVICE_PRINCIPAL: &str = "Microsoft.Graph/servicePrincipals";
pub const GRAPH_APP_ROLE_ASSIGNMENT: &str = "Microsoft.Graph/appRoleAssignedTo";
pub const GRAPH_API_VERSION: &str = "v1.0";

/// The registration's `uniqueName`, a client-provided key unique in the tenant: one
/// registration per app, component and resource group (so per environment).
pub fn registration_name(app: &str, component: &str) -> Expr {
    Expr::interp([
        text(format!("{app}-{component}-")),
        interp(Expr::call(
            "uniqueString",
            vec![Expr::path("resourceGroup().id")],
        )),
    ])
}

/// The App ID URI callers request tokens for: `api://<tenantId>/<string>` is one of the
/// formats Entra accepts for new identifier URIs (learn.microsoft.com/entra/identity-platform/
/// identifier-uri-restrictions), and needs no verified domain. `suffix` is `/.default` for the
/// scope.
pub fn audience(app: &str, component: &str, suffix: &str) -> Expr {
    let mut parts = vec![
        text("api://"),
        interp(Expr::path("tenant().tenantId")),
        text(format!("/{app}-{component}-")),
        interp(Expr::call(
            "uniqueString",
            vec![Expr::path("resourceGroup().id")],
        )),
    ];
    if !suffix.is_empty() {
        parts.push(text(suffix));
    }
    Expr::interp(parts)
}

/// The receiving module's parameters holding a pre-created registration's client id and
/// Application ID URI; main.bicep sets each per environment from the blueprint.
pub const PRE_CREATED_CLIENT_ID: &str = "registrationClientId";
pub const PRE_CREATED_IDENTIFIER_URI: &str = "registrationIdentifierUri";

/// main.bicep's per-environment parameter for a receiving module's parameter `name`, as
/// [`Module::sized_as`] names it.
fn pre_created_main_param(component: &str, name: &str) -> String {
    format!(
        "{}_{name}",
        crate::catalog::naming::component_symbol(component)
    )
}

/// The audience callers of an app with a pre-created registration request tokens for: the
/// Application ID URI the blueprint gives for the environment being deployed.
pub fn pre_created_audience(component: &str, suffix: &str) -> Expr {
    let uri = Expr::ident(pre_created_main_param(
        component,
        PRE_CREATED_IDENTIFIER_URI,
    ));
    if suffix.is_empty() {
        uri
    } else {
        Expr::interp([interp(uri), text(suffix)])
    }
}

/// An App Service site's name: `<prefix><uniqueString(resourceGroup().id, component)>`. The
/// site's module and its callers' settings both use this, so they always agree.
pub fn site_name(name_prefix: &str, component: &str) -> Expr {
    super::common::unique_name(name_prefix, component)
}

/// A container app's name: `take('ca-<name>-<environment>', 32)` (at most 32 characters).
pub fn container_app_name(component: &str) -> Expr {
    Expr::call(
        "take",
        vec![
            super::common::env_suffixed(format!("ca-{component}-")),
            Expr::Int(32),
        ],
    )
}

/// The private URL a caller's setting holds, as main.bicep computes it.
///
/// - Sites: `https://<name>.azurewebsites.net`. Callers resolve that name through the
///   `privatelink.azurewebsites.net` zone to the site's private endpoint (facts/
///   private_endpoints.tsv). The host is written out: the Microsoft Graph extension these calls
///   need deploys to the public cloud only (learn.microsoft.com/graph/templates/limitations).
/// - Container apps: `https://<name>.<environment default domain>`, the FQDN of an app with
///   `external` ingress (learn.microsoft.com/azure/container-apps/ingress-overview), resolved
///   inside the VNet by the environment's private DNS zone.
pub fn call_url(component: &str, host: &CallHost) -> Expr {
    match host {
        CallHost::Site { name_prefix } => {
            let host = super::common::prefixed("https://", site_name(name_prefix, component));
            match host {
                Expr::Str(mut parts) => {
                    parts.push(text(".azurewebsites.net"));
                    Expr::Str(parts)
                }
                other => Expr::interp([interp(other), text(".azurewebsites.net")]),
            }
        }
        CallHost::SharedEnvironment => Expr::interp([
            text("https://"),
            interp(container_app_name(component)),
            text("."),
            interp(Expr::path("containerApps.outputs.defaultDomain")),
        ]),
        CallHost::DedicatedEnvironment => Expr::interp([
            text("https://"),
            interp(Expr::path(&format!(
                "{}.outputs.fqdn",
                super::module_symbol(component)
            ))),
        ]),
    }
}

/// Checkov checks suppressed inline on an App Service `authsettingsV2` resource, and why.
pub const CHECKOV_INLINE: &[(&str, &str)] = &[
    (
        "CKV_AZURE_13",
        "authsettingsV2 enables authentication in platform.enabled; Checkov reads only the legacy authsettings",
    ),
    (
        "CKV_AZURE_63",
        "a site's web config setting, checked on the site's siteConfig",
    ),
    (
        "CKV_AZURE_65",
        "a site's web config setting, checked on the site's siteConfig",
    ),
    (
        "CKV_AZURE_66",
        "a site's web config setting, checked on the site's siteConfig",
    ),
    (
        "CKV_AZURE_80",
        "a site's web config setting, checked on the site's siteConfig",
    ),
    (
        "CKV_AZURE_88",
        "a site's web config setting, checked on the site's siteConfig",
    ),
    (
        "CKV_AZURE_222",
        "a site property, checked on the site itself, where public network access is off",
    ),
];

/// `<caller>CallerClientId`, the module parameter carrying a caller identity's client id
/// (`Caller` keeps it apart from the module's own `identityClientId`).
fn client_id_param(caller: &str) -> String {
    format!(
        "{}CallerClientId",
        crate::catalog::naming::component_symbol(caller)
    )
}

/// The id of one app role: stable across deployments, unique within the registration.
fn app_role_id(component: &str, role: &str) -> Expr {
    Expr::call(
        "guid",
        vec![
            Expr::path("resourceGroup().id"),
            component.into(),
            "app-role".into(),
            role.into(),
        ],
    )
}

/// What a component that receives calls needs: its app registration (unless a platform team
/// created it: `registration` in the blueprint), its service principal, the app role of each
/// caller, and the platform authentication of `site` (App Service and Functions) or `app`
/// (Container Apps). Nothing when no connection calls it.
pub fn push_receiver(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let calls: Vec<&crate::plan::Call> = ctx.plan.calls_to(&component.name).collect();
    if calls.is_empty() {
        return;
    }
    let app = ctx.plan.app.as_str();
    let name = component.name.as_str();
    let pre_created = component.spec.registration();
    if pre_created.is_empty() {
        module.push(StatementKind::Extension(GRAPH_EXTENSION.into()));
    }
    caller_params(&calls, pre_created.is_empty(), module);

    let (client_id, identifier_uri) = if pre_created.is_empty() {
        push_registration(ctx, component, &calls, module);
        (Expr::path("registration.appId"), audience(app, name, ""))
    } else {
        pre_created_registration(component, pre_created, module)
    };

    let mut callers: Vec<&str> = calls.iter().map(|call| call.caller.as_str()).collect();
    callers.sort_unstable();
    callers.dedup();
    push_authentication(
        component,
        entra_provider(client_id, identifier_uri, &callers),
        module,
    );
}

/// The principal id (for the app role assignment, unless a platform team makes it) and the
/// client id (for the allowed applications) of each caller's identity.
fn caller_params(calls: &[&crate::plan::Call], assigns_roles: bool, module: &mut Module) {
    for call in calls {
        let principal = principal_param(&call.caller);
        let client_id = client_id_param(&call.caller);
        if assigns_roles && !module.has_param(&principal) {
            module.param(
                param(
                    &principal,
                    Type::String,
                    &format!("Principal id of the managed identity of {}.", call.caller),
                ),
                Expr::path(&format!(
                    "{}.properties.principalId",
                    identity_symbol(&call.caller)
                )),
            );
        }
        if !module.has_param(&client_id) {
            module.param(
                param(
                    &client_id,
                    Type::String,
                    &format!("Client id of the managed identity of {}.", call.caller),
                ),
                Expr::path(&format!(
                    "{}.properties.clientId",
                    identity_symbol(&call.caller)
                )),
            );
        }
    }
}

/// The client id and identifier URI of a registration a platform team created, set per
/// environment from the blueprint's `registration`.
fn pre_created_registration(
    component: &ComponentPlan,
    pre_created: &std::collections::BTreeMap<String, crate::blueprint::Registration>,
    module: &mut Module,
) -> (Expr, Expr) {
    // A platform team created the registration, its app roles and (after the first
    // deployment) the callers' assignments: nothing here needs Microsoft Graph rights.
    let per_environment = |value: fn(&crate::blueprint::Registration) -> &String| {
        crate::plan::PerEnvironment::Each(
            pre_created
                .iter()
                .map(|(environment, registration)| {
                    (
                        environment.clone(),
                        crate::blueprint::SizingValue::Text(value(registration).clone()),
                    )
                })
                .collect(),
        )
    };
    (
        module.sized_as(
            component,
            PRE_CREATED_CLIENT_ID,
            &per_environment(|r| &r.client_id),
        ),
        module.sized_as(
            component,
            PRE_CREATED_IDENTIFIER_URI,
            &per_environment(|r| &r.identifier_uri),
        ),
    )
}

/// The Microsoft Entra identity provider: tokens for the registration's audience, from the
/// callers' identities only.
fn entra_provider(client_id: Expr, identifier_uri: Expr, callers: &[&str]) -> Expr {
    obj([
        ("enabled", true.into()),
        (
            "registration",
            obj([
                ("clientId", client_id.clone()),
                (
                    "openIdIssuer",
                    Expr::interp([
                        interp(Expr::path("environment().authentication.loginEndpoint")),
                        interp(Expr::path("tenant().tenantId")),
                        text("/v2.0"),
                    ]),
                ),
            ]),
        ),
        (
            "validation",
            obj([
                (
                    "allowedAudiences",
                    Expr::array([Item::from(client_id), Item::from(identifier_uri)]),
                ),
                // Only the callers' identities, even if another principal got a role.
                (
                    "defaultAuthorizationPolicy",
                    obj([(
                        "allowedApplications",
                        Expr::array(
                            callers
                                .iter()
                                .map(|caller| Item::from(Expr::ident(client_id_param(caller)))),
                        ),
                    )]),
                ),
            ]),
        ),
    ])
}

/// The platform authentication of `app` (Container Apps) or `site` (App Service and
/// Functions), answering 401 to every request without a valid token.
fn push_authentication(component: &ComponentPlan, azure_ad: Expr, module: &mut Module) {
    let app_service = component.kind() != crate::blueprint::Kind::ContainerApp;
    let (resource, validation) = match component.kind() {
        crate::blueprint::Kind::ContainerApp => (
            Resource::new(
                "authentication",
                types::CONTAINER_APP_AUTH_CONFIG.name,
                types::CONTAINER_APP_AUTH_CONFIG.api_version,
            )
            .prop("parent", Expr::ident("app"))
            .prop("name", "current"),
            obj([("unauthenticatedClientAction", "Return401".into())]),
        ),
        _ => (
            Resource::new(
                "authentication",
                types::WEB_SITE_CONFIG.name,
                types::WEB_SITE_CONFIG.api_version,
            )
            .prop("parent", Expr::ident("site"))
            .prop("name", "authsettingsV2"),
            obj([
                ("requireAuthentication", true.into()),
                ("unauthenticatedClientAction", "Return401".into()),
            ]),
        ),
    };
    let mut platform = Property::new("platform", obj([("enabled", true.into())]));
    if app_service {
        // Checkov reads every `Microsoft.Web/sites/config` as the site's `web` config, and
        // knows only the legacy `authsettings`: suppressed here, on this resource alone, with
        // the reasons the README lists (checkov-inline).
        for (check, reason) in CHECKOV_INLINE {
            platform = platform.with_comment(format!("checkov:skip={check}: {reason}"));
        }
    }
    module.push(
        Statement::from(resource.prop(
            "properties",
            Expr::Object(vec![
                platform,
                Property::new("globalValidation", validation),
                Property::new(
                    "identityProviders",
                    obj([("azureActiveDirectory", azure_ad)]),
                ),
                Property::new("httpSettings", obj([("requireHttps", true.into())])),
            ]),
        ))
        .with_comment(
            "Every request needs a valid Entra token for the registration's audience from one of its callers; others get 401",
        ),
    );
}

/// The app registration of a component that receives calls, its service principal and the
/// app role assignment of each caller, declared through the Microsoft Graph extension.
fn push_registration(
    ctx: &Context,
    component: &ComponentPlan,
    calls: &[&crate::plan::Call],
    module: &mut Module,
) {
    let app = ctx.plan.app.as_str();
    let name = component.name.as_str();
    let roles = crate::plan::app_roles(&component.spec);
    let app_roles = roles.iter().map(|role| {
        let description = if role == crate::catalog::CALL_ROLE {
            format!("Call {name} (blueprint: a connection to `{name}` with access `call`).")
        } else {
            format!("The `{role}` role of {name} (blueprint: components.{name}.app_roles).")
        };
        Item::from(obj([
            ("id", app_role_id(name, role)),
            // Only applications (managed identities): no user can hold these roles.
            (
                "allowedMemberTypes",
                Expr::array([Item::from("Application")]),
            ),
            ("displayName", role.as_str().into()),
            ("value", role.as_str().into()),
            ("description", description.into()),
            ("isEnabled", true.into()),
        ]))
    });
    module.push(
        Statement::from(
            Resource::new("registration", GRAPH_APPLICATION, GRAPH_API_VERSION)
                .prop("uniqueName", registration_name(app, name))
                .prop(
                    "displayName",
                    Expr::interp([
                        text(format!("{app} {name} (")),
                        interp(Expr::ident("environmentName")),
                        text(")"),
                    ]),
                )
                .prop("signInAudience", "AzureADMyOrg")
                .prop(
                    "identifierUris",
                    Expr::array([Item::from(audience(app, name, ""))]),
                )
                // v2.0 access tokens: `aud` is the app's client id, the issuer is the v2.0
                // endpoint the authentication below trusts (learn.microsoft.com/entra/
                // identity-platform/access-tokens#token-formats).
                .prop("api", obj([("requestedAccessTokenVersion", Expr::Int(2))]))
                .prop("appRoles", Expr::array(app_roles)),
        )
        .with_comment(format!(
            "{name} receives calls: its Entra app registration, whose app roles callers are assigned"
        )),
    );
    module.push(
        Statement::from(
            Resource::new(
                "servicePrincipal",
                GRAPH_SERVICE_PRINCIPAL,
                GRAPH_API_VERSION,
            )
            .prop("appId", Expr::path("registration.appId"))
            // Entra issues tokens for the app only to principals assigned one of its app
            // roles (servicePrincipal `appRoleAssignmentRequired`, Microsoft Graph v1.0).
            .prop("appRoleAssignmentRequired", true),
        )
        .with_comment("Only identities assigned an app role get a token for it"),
    );
    for call in calls {
        let symbol = format!(
            "{}__{}",
            call.caller.replace('-', "_"),
            call.role.replace('-', "_")
        );
        module.push(
            Statement::from(
                Resource::new(
                    format!("call__{symbol}"),
                    GRAPH_APP_ROLE_ASSIGNMENT,
                    GRAPH_API_VERSION,
                )
                .prop("appRoleId", app_role_id(name, &call.role))
                .prop("principalId", Expr::ident(principal_param(&call.caller)))
                .prop("resourceId", Expr::path("servicePrincipal.id")),
            )
            .with_comment(format!(
                "{} calls {name} with app role `{}` ({})",
                call.caller, call.role, call.because
            )),
        );
    }
}
