//! What web apps and function apps share: App Service hardening, telemetry with Entra ID,
//! app settings from connections, and basic-auth publishing off.

use super::common::{identity_params, param, setting_expr};
use crate::bicep::{Expr, Item, Property, Resource, Statement, Type, interp, obj, text};
use crate::catalog::types;
use crate::emit::{Module, infra};
use crate::plan::ComponentPlan;

/// Identity, telemetry, integration subnet and app-settings parameters of an App Service app.
pub fn params(component: &ComponentPlan, module: &mut Module) {
    identity_params(component, module);
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
        infra::subnet_id(&format!("{}-integration", component.name)),
    );
    module.param(
        param(
            "appSettings",
            Type::Array,
            "Settings from the app's connections and the blueprint, as name/value pairs.",
        ),
        app_settings(component),
    );
}

/// The app settings main.bicep passes: connection endpoints, Key Vault references and the
/// blueprint's plain settings, each with the blueprint path that caused it.
pub fn app_settings(component: &ComponentPlan) -> Expr {
    Expr::array(component.app_settings.iter().map(|setting| {
        let (path, purpose) = &setting.because;
        Item::from(obj([
            ("name", setting.name.as_str().into()),
            ("value", setting_expr(component, &setting.value)),
        ]))
        .with_comment([purpose.as_str(), " (", path, ")"].concat())
    }))
}

/// `existing` Application Insights, so its connection string never passes through outputs.
pub fn app_insights(module: &mut Module) {
    module.push(
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
}

/// What every app's environment starts with: its identity's client id and
/// Entra-authenticated telemetry, as `name`/`value` pairs.
pub fn identity_and_telemetry() -> Vec<Item> {
    vec![
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
    ]
}

/// The settings every App Service app gets first: its identity and Entra-authenticated
/// telemetry, then `extra` (host settings), then the module's `appSettings` parameter.
pub fn all_settings(extra: Vec<Item>) -> Expr {
    let mut items = identity_and_telemetry();
    items.extend(extra);
    Expr::call(
        "concat",
        vec![Expr::array(items), Expr::ident("appSettings")],
    )
}

/// Transport and access hardening of `siteConfig`, before kind-specific properties.
pub fn site_config(health_check_path: Option<&str>) -> Vec<Property> {
    let mut config = vec![
        Property::new("http20Enabled", true),
        Property::new("minTlsVersion", "1.2"),
        Property::new("scmMinTlsVersion", "1.2"),
        Property::new("ftpsState", "Disabled"),
        Property::new("remoteDebuggingEnabled", false),
        Property::new("httpLoggingEnabled", true),
        Property::new("detailedErrorLoggingEnabled", true),
        Property::new("requestTracingEnabled", true),
    ];
    if let Some(path) = health_check_path {
        config.push(Property::new("healthCheckPath", path));
    }
    config
}

/// Site properties every App Service app has, before `siteConfig`. Public network access is
/// off whatever the ingress: public apps are reached through Front Door's private link.
pub fn site_properties() -> Vec<Property> {
    vec![
        Property::new("serverFarmId", Expr::path("plan.id")),
        Property::new("httpsOnly", true),
        Property::new("publicNetworkAccess", "Disabled"),
        Property::new("clientAffinityEnabled", false),
        Property::new("keyVaultReferenceIdentity", Expr::ident("identityId")),
        Property::new("virtualNetworkSubnetId", Expr::ident("integrationSubnetId")),
        Property::new("outboundVnetRouting", obj([("allTraffic", true.into())])),
    ]
}

pub fn exposure_comment(ingress: crate::blueprint::Ingress) -> &'static str {
    use crate::blueprint::Ingress;
    match ingress {
        Ingress::Public => {
            "Public ingress (blueprint: ingress = \"public\") only through Front Door Premium's WAF and a private link: public network access stays disabled; code is deployed through its private endpoint in the VNet"
        }
        Ingress::Direct => {
            "Direct public ingress (blueprint: ingress = \"direct\", waived): HTTPS only, TLS 1.2+, access restrictions; its private endpoint serves the VNet and deployments"
        }
        Ingress::Private => "Private ingress: reachable only through its private endpoint",
        Ingress::None => {
            "No ingress (blueprint: ingress = \"none\"): public network access off; its private endpoint, in the VNet only, is there to deploy code"
        }
    }
}

/// What follows every App Service site: basic-auth publishing off, its private endpoints,
/// diagnostics on the site and its plan, and the outputs its ingress needs.
pub fn finish_site(
    ctx: &crate::emit::Context,
    component: &ComponentPlan,
    ingress: crate::blueprint::Ingress,
    module: &mut Module,
) {
    use crate::blueprint::Ingress;
    publishing_policies(module);
    crate::emit::calls::push_receiver(ctx, component, module);
    super::common::push_private_endpoints(ctx, component, module);
    super::common::push_diagnostics(module, "site", types::WEB_SITE);
    super::common::push_diagnostics(module, "plan", types::APP_SERVICE_PLAN);
    module.output("hostName", Expr::path("site.properties.defaultHostName"));
    // The CI workflow's code delivery deploys to the site by name.
    module.output("siteName", Expr::path("site.name"));
    match ingress {
        Ingress::Public => front_door_outputs(module),
        Ingress::Direct => direct_outputs(component, module),
        Ingress::Private | Ingress::None => {}
    }
    // The CI workflow refreshes the site's Key Vault references after each deployment.
    if ingress != Ingress::Public && has_key_vault_references(component) {
        module.output("siteId", Expr::path("site.id"));
    }
}

/// Whether any app setting of the site is a Key Vault reference.
pub fn has_key_vault_references(component: &ComponentPlan) -> bool {
    component.app_settings.iter().any(|setting| {
        matches!(
            setting.value,
            crate::plan::SettingValue::SecretReference { .. }
        )
    })
}

/// The URL of an app reached directly from the internet (`ingress = "direct"`, waived).
fn direct_outputs(component: &ComponentPlan, module: &mut Module) {
    module.main_output(
        crate::emit::URLS,
        crate::catalog::naming::component_symbol(&component.name),
        Expr::interp([
            crate::bicep::text("https://"),
            crate::bicep::interp(Expr::path(&format!("{}.outputs.hostName", module.symbol))),
        ]),
    );
}

/// What Front Door needs of a public app: the site to open a private link to. `hostName`, its
/// origin, every app outputs anyway.
fn front_door_outputs(module: &mut Module) {
    module.output("siteId", Expr::path("site.id"));
}

/// FTP and SCM basic-auth publishing off: deployments authenticate with Entra ID.
pub fn publishing_policies(module: &mut Module) {
    for (symbol, policy, comment) in [
        (
            "ftpPublishing",
            "ftp",
            "No basic-auth FTP publishing: deploy with Entra ID",
        ),
        (
            "scmPublishing",
            "scm",
            "No basic-auth SCM publishing: deploy with Entra ID",
        ),
    ] {
        module.push(
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
            .with_comment(comment),
        );
    }
}
