//! One emitter per component kind. Each builds its module: every hardened value a literal,
//! every role on the component spelled out with the connection that caused it.

mod ai_search;
mod app_configuration;
pub mod app_service;
mod container_app;
mod container_registry;
mod cosmos_db;
mod event_hubs;
mod function_app;
mod key_vault;
mod openai;
mod postgres;
mod redis;
mod service_bus;
mod sql_database;
mod storage;
mod web_app;

use super::common;
use super::{Context, Module};
use crate::blueprint::ComponentSpec;
use crate::plan::ComponentPlan;

/// The component's module, or `None` for kinds that deploy nothing of their own (an
/// `external` service's secret lives in its vault's module).
pub fn emit(ctx: &Context, component: &ComponentPlan) -> Option<Module> {
    let mut module = Module::new(ctx, component);
    common::standard_params(ctx, component, &mut module);
    let m = &mut module;
    match &component.spec {
        ComponentSpec::WebApp(spec) => web_app::emit(ctx, component, spec, m),
        ComponentSpec::FunctionApp(_) => function_app::emit(ctx, component, m),
        ComponentSpec::ContainerApp(_) => container_app::emit(ctx, component, m),
        ComponentSpec::Storage(spec) => storage::emit(ctx, component, spec, m),
        ComponentSpec::KeyVault(_) => key_vault::emit(ctx, component, m),
        ComponentSpec::ContainerRegistry(_) => container_registry::emit(ctx, component, m),
        ComponentSpec::SqlDatabase(_) => sql_database::emit(ctx, component, m),
        ComponentSpec::Postgres(_) => postgres::emit(ctx, component, m),
        ComponentSpec::CosmosDb(_) => cosmos_db::emit(ctx, component, m),
        ComponentSpec::ServiceBus(_) => service_bus::emit(ctx, component, m),
        ComponentSpec::EventHubs(_) => event_hubs::emit(ctx, component, m),
        ComponentSpec::Redis(_) => redis::emit(ctx, component, m),
        ComponentSpec::AppConfiguration(_) => app_configuration::emit(ctx, component, m),
        ComponentSpec::OpenAi(_) => openai::emit(ctx, component, m),
        ComponentSpec::AiSearch(_) => ai_search::emit(ctx, component, m),
        ComponentSpec::External(_) => return None,
    }
    common::push_lock(ctx, component, m);
    crate::emit::waivers::apply(ctx, component, m);
    crate::emit::waivers::push_outputs(ctx, component, m);
    push_perimeter_outputs(ctx, component, m);
    Some(module)
}

/// The id of each of the component's resources that joins the network security perimeter,
/// for `modules/perimeter.bicep`.
fn push_perimeter_outputs(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    use crate::blueprint::Kind;
    let Some(perimeter) = &ctx.plan.perimeter else {
        return;
    };
    for association in perimeter.associations_of(&component.name) {
        let symbol = match (component.kind(), association.output) {
            (Kind::FunctionApp, "hostStorageId") => "hostStorage",
            (Kind::Storage | Kind::CosmosDb | Kind::OpenAi, "id") => "account",
            (Kind::KeyVault, "id") => "vault",
            (Kind::EventHubs, "id") => "namespace",
            (Kind::SqlDatabase, "id") => "server",
            (Kind::AiSearch, "id") => "service",
            (kind, output) => {
                panic!("bulwark bug: no resource for the perimeter output {output} of a {kind}")
            }
        };
        module.output(
            association.output,
            crate::bicep::Expr::ident(symbol).member("id"),
        );
    }
}
