//! `function-app`: Azure Functions on Flex Consumption (`FC1`) or Elastic Premium (`EP1`-`EP3`)
//! on Linux, VNet-integrated, with a host storage account of its own that the Functions host
//! reaches with the app's identity: no storage key or connection string anywhere.

use super::app_service;
use super::common::{
    compact_prefix, endpoint_ready_symbol, env_suffixed, param, principal_param, push_diagnostics,
    regional, role_assignment, role_symbol, unique_name,
};
use super::storage::{blob_service, hardened_account};
use crate::bicep::{Expr, Item, Key, Property, Resource, Statement, Type, interp, obj, text};
use crate::blueprint::{ComponentSpec, FunctionApp};
use crate::catalog::{Role, facts, types};
use crate::emit::{Context, Module, identity_symbol};
use crate::plan::ComponentPlan;

/// The blob container in the host storage that holds the deployment package.
const PACKAGE_CONTAINER: &str = "app-package";
/// The package blob an Elastic Premium app runs from (Flex Consumption names its own).
const PACKAGE_BLOB: &str = "app.zip";
use crate::catalog::FUNCTION_HOST_STORAGE_ROLES as HOST_STORAGE_ROLES;
const HOST_STORAGE: &str = "hostStorage";
const PACKAGE_CONTAINER_SYMBOL: &str = "packageContainer";

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::FunctionApp(function) = &component.spec else {
        unreachable!("function_app::emit is called for function-app components only")
    };
    let flex = function.is_flex_consumption();
    app_service::params(component, module);
    let principal = principal_param(&component.name);
    module.param(
        param(
            &principal,
            Type::String,
            "Principal id of the app's user-assigned identity.",
        ),
        Expr::path(&format!(
            "{}.properties.principalId",
            identity_symbol(&component.name)
        )),
    );
    app_service::app_insights(module);
    let app = &ctx.plan.app;
    let name = &component.name;

    let role_symbols = host_storage(ctx, component, module, &principal);
    let maximum_instances = module.sized(component, "maximum_instances");
    module.push(plan(app, name, function, flex, maximum_instances.clone()));

    let mut properties: Vec<Property> = app_service::site_properties()
        .into_iter()
        // Flex Consumption routes outbound traffic through its integration subnet itself; the
        // App Service routing switch is on its list of deprecated site properties.
        .filter(|property| !(flex && has_key(property, "outboundVnetRouting")))
        .collect();
    let mut site_config: Vec<Property> = Vec::new();
    if !flex {
        site_config.push(Property::new(
            "linuxFxVersion",
            function.runtime.linux_fx_version(),
        ));
        // The scale controller cannot see event sources behind private endpoints; the runtime
        // reports its own scale needs instead.
        site_config.push(Property::new(
            "functionsRuntimeScaleMonitoringEnabled",
            true,
        ));
    }
    site_config.extend(
        app_service::site_config(None)
            .into_iter()
            // Flex Consumption has no FTP(S) at all; `ftpsState` is a deprecated property there.
            .filter(|property| !(flex && has_key(property, "ftpsState"))),
    );
    site_config.push(Property::new(
        "appSettings",
        app_service::all_settings(host_settings(function, flex)),
    ));
    properties.push(Property::new("siteConfig", Expr::Object(site_config)));
    if flex {
        properties.push(Property::new(
            "functionAppConfig",
            function_app_config(function, maximum_instances),
        ));
    }

    let mut depends_on: Vec<Item> = role_symbols
        .into_iter()
        .chain([PACKAGE_CONTAINER_SYMBOL.to_string()])
        .map(|symbol| Item::from(Expr::ident(symbol)))
        .collect();
    depends_on.extend(
        component
            .private_endpoints
            .iter()
            .filter(|endpoint| endpoint.target == HOST_STORAGE)
            .map(|endpoint| Item::from(Expr::ident(endpoint_ready_symbol(ctx, endpoint)))),
    );
    let site = regional(
        Resource::new("site", types::WEB_SITE.name, types::WEB_SITE.api_version),
        unique_name(format!("func-{app}-{name}-"), name),
    )
    .prop("kind", "functionapp,linux")
    .prop("identity", super::common::user_assigned_identity())
    .prop("properties", Expr::Object(properties))
    // The host starts only once it can reach its storage privately and is allowed to use it.
    .prop("dependsOn", Expr::array(depends_on));
    module
        .push(Statement::from(site).with_comment(app_service::exposure_comment(function.ingress)));
    app_service::finish_site(ctx, component, function.ingress, module);
    if !flex {
        // Elastic Premium runs from the package blob (WEBSITE_RUN_FROM_PACKAGE): code is
        // delivered by writing that blob, through the host storage's blob endpoint in the VNet.
        module.push(
            Statement::from(super::common::deployer_role_assignment(
                "packageWriter",
                PACKAGE_CONTAINER_SYMBOL,
                "Storage Blob Data Contributor",
            ))
            .with_comment(format!(
                "The deploying identity writes {PACKAGE_CONTAINER}/{PACKAGE_BLOB}, and nothing else of the host storage: code delivery ({})",
                component.path()
            )),
        );
        module.output(
            "packageUrl",
            Expr::interp([
                interp(Expr::path(&format!(
                    "{HOST_STORAGE}.properties.primaryEndpoints.blob"
                ))),
                text(format!("{PACKAGE_CONTAINER}/{PACKAGE_BLOB}")),
            ]),
        );
    }
}

fn has_key(property: &Property, key: &str) -> bool {
    matches!(&property.key, Key::Name(name) if name == key)
}

/// The hosting plan: Flex Consumption scales per app (its limit is on the site), Elastic
/// Premium per plan.
fn plan(
    app: &str,
    name: &str,
    function: &FunctionApp,
    flex: bool,
    maximum_instances: Expr,
) -> Statement {
    let resource = regional(
        Resource::new(
            "plan",
            types::APP_SERVICE_PLAN.name,
            types::APP_SERVICE_PLAN.api_version,
        ),
        env_suffixed(format!("asp-{app}-{name}-")),
    );
    if flex {
        Statement::from(
            resource
                .prop("kind", "functionapp")
                .prop("sku", obj([("name", "FC1".into()), ("tier", "FlexConsumption".into())]))
                .prop("properties", obj([("reserved", true.into())])),
        )
        .with_comment("Flex Consumption: serverless, VNet-integrated, deployment package in blob storage read with the app's identity")
    } else {
        Statement::from(
            resource
                .prop("kind", "elastic")
                .prop("sku", obj([("name", function.sku.as_str().into()), ("tier", "ElasticPremium".into())]))
                .prop("properties", obj([("reserved", true.into()), ("maximumElasticWorkerCount", maximum_instances)])),
        )
        .with_comment("Elastic Premium on Linux: VNet-integrated, no Azure Files content share (it would need a storage key)")
    }
}

/// The host storage account, its services, the package container, and the app identity's
/// data roles on it. Returns the role assignment symbols.
fn host_storage(
    ctx: &Context,
    component: &ComponentPlan,
    module: &mut Module,
    principal: &str,
) -> Vec<String> {
    let prefix = compact_prefix(ctx, "stfn", &component.name, 11);
    module.push(
        Statement::from(hardened_account(HOST_STORAGE, unique_name(prefix, &component.name), "Standard_ZRS".into()))
            .with_comment("The Functions host's own storage: Entra ID only (no shared keys), TLS 1.2, private network access only"),
    );
    push_diagnostics(module, HOST_STORAGE, types::STORAGE_ACCOUNT);
    module.push(blob_service("hostBlobService", HOST_STORAGE));
    push_diagnostics(module, "hostBlobService", types::BLOB_SERVICE);
    module.push(
        Statement::from(
            Resource::new(
                PACKAGE_CONTAINER_SYMBOL,
                types::BLOB_CONTAINER.name,
                types::BLOB_CONTAINER.api_version,
            )
            .prop("parent", Expr::ident("hostBlobService"))
            .prop("name", PACKAGE_CONTAINER)
            .prop("properties", obj([("publicAccess", "None".into())])),
        )
        .with_comment("Deployment packages, read by the platform with the app's identity"),
    );
    for (symbol, ty) in [
        ("hostQueueService", types::QUEUE_SERVICE),
        ("hostTableService", types::TABLE_SERVICE),
    ] {
        module.push(
            Resource::new(symbol, ty.name, ty.api_version)
                .prop("parent", Expr::ident(HOST_STORAGE))
                .prop("name", "default"),
        );
        push_diagnostics(module, symbol, ty);
    }
    HOST_STORAGE_ROLES
        .iter()
        .map(|name| {
            let role = Role::Arm(name);
            let guid = facts::role(name).guid;
            let symbol = role_symbol(HOST_STORAGE, &component.name, &role);
            module.push(
                Statement::from(role_assignment(
                    symbol.clone(),
                    HOST_STORAGE,
                    Expr::ident(principal),
                    super::common::built_in_role(guid),
                    guid.into(),
                ))
                .with_comment(format!(
                    "{} runs its Functions host on its own storage: {name} ({})",
                    component.name,
                    component.path()
                )),
            );
            symbol
        })
        .collect()
}

/// Settings the Functions host reads: identity-based host storage, and on Elastic Premium the
/// runtime and the package to run from.
fn host_settings(function: &FunctionApp, flex: bool) -> Vec<Item> {
    let setting =
        |name: &str, value: Expr| Item::from(obj([("name", name.into()), ("value", value)]));
    let endpoint = |service: &str| {
        Expr::path(&format!(
            "{HOST_STORAGE}.properties.primaryEndpoints.{service}"
        ))
    };
    let mut settings = vec![
        setting("AzureWebJobsStorage__credential", "managedidentity".into()).with_comment(
            "Host storage through the app's identity: never a key or connection string",
        ),
        setting(
            "AzureWebJobsStorage__clientId",
            Expr::ident("identityClientId"),
        ),
        setting("AzureWebJobsStorage__blobServiceUri", endpoint("blob")),
        setting("AzureWebJobsStorage__queueServiceUri", endpoint("queue")),
        setting("AzureWebJobsStorage__tableServiceUri", endpoint("table")),
    ];
    if flex {
        // The Flex Consumption platform (scaling, deployment) looks the account up by name.
        settings.push(setting(
            "AzureWebJobsStorage__accountName",
            Expr::path(&format!("{HOST_STORAGE}.name")),
        ));
    } else {
        let (runtime, _) = function.runtime.name_and_version();
        settings.push(setting("FUNCTIONS_EXTENSION_VERSION", "~4".into()));
        settings.push(setting("FUNCTIONS_WORKER_RUNTIME", runtime.into()));
        settings.push(
            setting(
                "WEBSITE_RUN_FROM_PACKAGE",
                Expr::interp([interp(endpoint("blob")), text(format!("{PACKAGE_CONTAINER}/{PACKAGE_BLOB}"))]),
            )
            .with_comment(format!(
                "Runs from the package the deployment uploads to {PACKAGE_CONTAINER}/{PACKAGE_BLOB}, read with the app's identity"
            )),
        );
        settings.push(setting(
            "WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID",
            Expr::ident("identityId"),
        ));
    }
    settings
}

/// Flex Consumption's runtime, scale limit and deployment storage (authenticated with the
/// app's user-assigned identity).
fn function_app_config(function: &FunctionApp, maximum_instances: Expr) -> Expr {
    let (runtime, version) = function.runtime.name_and_version();
    obj([
        (
            "deployment",
            obj([(
                "storage",
                obj([
                    ("type", "blobContainer".into()),
                    (
                        "value",
                        Expr::interp([
                            interp(Expr::path(&format!(
                                "{HOST_STORAGE}.properties.primaryEndpoints.blob"
                            ))),
                            text(PACKAGE_CONTAINER),
                        ]),
                    ),
                    (
                        "authentication",
                        obj([
                            ("type", "UserAssignedIdentity".into()),
                            ("userAssignedIdentityResourceId", Expr::ident("identityId")),
                        ]),
                    ),
                ]),
            )]),
        ),
        (
            "runtime",
            obj([("name", runtime.into()), ("version", version.into())]),
        ),
        (
            "scaleAndConcurrency",
            obj([("maximumInstanceCount", maximum_instances)]),
        ),
    ])
}
