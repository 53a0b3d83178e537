//! `web-app`: App Service on Linux with its own plan.

use super::app_service;
use super::common::{env_suffixed, regional, unique_name};
use crate::bicep::{Expr, Property, Resource, Statement, obj};
use crate::blueprint::WebApp;
use crate::catalog::types;
use crate::emit::{Context, Module};
use crate::plan::ComponentPlan;

pub fn emit(ctx: &Context, component: &ComponentPlan, web: &WebApp, module: &mut Module) {
    app_service::params(component, module);
    let app = &ctx.plan.app;
    let name = &component.name;
    app_service::app_insights(module);
    let sku = module.sized(component, "sku");
    let instances = module.sized(component, "instances");
    module.push(
        regional(
            Resource::new(
                "plan",
                types::APP_SERVICE_PLAN.name,
                types::APP_SERVICE_PLAN.api_version,
            ),
            env_suffixed(format!("asp-{app}-{name}-")),
        )
        .prop("kind", "linux")
        .prop("sku", obj([("name", sku), ("capacity", instances)]))
        .prop("properties", obj([("reserved", true.into())])),
    );

    let mut site_config = vec![
        Property::new("linuxFxVersion", web.runtime.linux_fx_version()),
        Property::new("alwaysOn", true),
    ];
    site_config.extend(app_service::site_config(web.health_check_path.as_deref()));
    site_config.push(Property::new(
        "appSettings",
        app_service::all_settings(Vec::new()),
    ));
    let mut properties = app_service::site_properties();
    properties.push(Property::new("siteConfig", Expr::Object(site_config)));
    let site = regional(
        Resource::new("site", types::WEB_SITE.name, types::WEB_SITE.api_version),
        unique_name(format!("app-{app}-{name}-"), name),
    )
    .prop("kind", "app,linux")
    .prop("identity", super::common::user_assigned_identity())
    .prop("properties", Expr::Object(properties));
    module.push(Statement::from(site).with_comment(app_service::exposure_comment(web.ingress)));
    app_service::finish_site(ctx, component, web.ingress, module);
}
