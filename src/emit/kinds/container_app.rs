//! `container-app`: a container app in an internal, VNet-integrated Container Apps environment
//! (the app's shared one, or a dedicated one created here), with its own identity for image
//! pulls, Key Vault secrets and telemetry.

use super::app_service;
use super::common::{
    env_suffixed, identity_params, param, push_diagnostics, setting_expr, user_assigned_identity,
};
use crate::bicep::{self, Expr, Item, Property, Resource, Statement, Type, interp, obj, text};
use crate::blueprint::{
    Access, ComponentSpec, ContainerApp, ContainerEnvironment, Image, Ingress, Kind, SizingValue,
};
use crate::catalog::{naming, types};
use crate::emit::{Context, Module, infra, module_symbol};
use crate::plan::scale::ScaleSource;
use crate::plan::{ComponentPlan, DnsPlan, PerEnvironment, SettingValue};

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::ContainerApp(spec) = &component.spec else {
        unreachable!("container_app::emit is called for container-app components only")
    };
    identity_params(component, module);
    module.param(
        param(
            "appInsightsName",
            Type::String,
            "Application Insights component that receives telemetry.",
        ),
        Expr::path("monitoring.outputs.appInsightsName"),
    );
    app_service::app_insights(module);
    let environment_id = environment_id(ctx, component, spec, module);

    let (secrets, secret_env) = key_vault_secrets(component, module);
    module.param(
        param("env", Type::Array, "Environment variables from the app's connections and the blueprint, as name/value pairs."),
        plain_env(component),
    );
    let registries = registries(ctx, component, spec, module);
    let image = image(component, spec, module);

    let configuration = configuration(spec, secrets, registries);

    let cpu = module.sized(component, "cpu");
    let memory = module.sized(component, "memory");
    let min_replicas = module.sized(component, "min_replicas");
    let max_replicas = module.sized(component, "max_replicas");
    let container = obj([
        ("name", component.name.as_str().into()),
        ("image", image),
        (
            "env",
            Expr::call(
                "concat",
                vec![Expr::array(standard_env(secret_env)), Expr::ident("env")],
            ),
        ),
        // vCPUs are a number; json() turns the catalogue's text ('0.5') into one.
        (
            "resources",
            obj([("cpu", Expr::call("json", vec![cpu])), ("memory", memory)]),
        ),
    ]);
    let app = regional_app(&component.name)
        .prop("identity", user_assigned_identity())
        .prop(
            "properties",
            obj([
                ("environmentId", environment_id),
                ("workloadProfileName", "Consumption".into()),
                ("configuration", configuration),
                (
                    "template",
                    obj([
                        ("containers", Expr::array([Item::from(container)])),
                        (
                            "scale",
                            scale(component, spec, module, min_replicas, max_replicas),
                        ),
                    ]),
                ),
            ]),
        );
    let exposure = match spec.ingress {
        Ingress::None => "No ingress (blueprint: ingress = \"none\"): a background worker",
        _ => {
            "Private ingress: HTTPS through the environment's internal load balancer, inside the VNet only"
        }
    };
    module.push(Statement::from(app).with_comment(exposure));
    crate::emit::calls::push_receiver(ctx, component, module);
    push_diagnostics(module, "app", types::CONTAINER_APP);
    if spec.ingress != Ingress::None {
        module.output(
            "fqdn",
            Expr::path("app.properties.configuration.ingress.fqdn"),
        );
    }
}

/// The Container Apps environment the app runs in: the app's shared one, or a dedicated one
/// this module creates.
fn environment_id(
    ctx: &Context,
    component: &ComponentPlan,
    spec: &ContainerApp,
    module: &mut Module,
) -> Expr {
    match spec.environment {
        ContainerEnvironment::Shared => {
            module.param(
                param(
                    "environmentId",
                    Type::String,
                    "The app's shared, internal Container Apps environment.",
                ),
                Expr::path("containerApps.outputs.environmentId"),
            );
            Expr::ident("environmentId")
        }
        ContainerEnvironment::Dedicated => {
            dedicated_environment(ctx, component, module);
            Expr::path("environment.id")
        }
    }
}

/// `properties.configuration`: single revision, private HTTPS ingress (unless a worker),
/// Key Vault secrets and registries.
fn configuration(spec: &ContainerApp, secrets: Vec<Item>, registries: Vec<Item>) -> Expr {
    let mut configuration = vec![Property::new("activeRevisionsMode", "Single")];
    if spec.ingress != Ingress::None {
        configuration.push(
            Property::new(
                "ingress",
                obj([
                    ("external", true.into()),
                    (
                        "targetPort",
                        spec.effective_target_port()
                            .expect("validated: an app with ingress has a target port")
                            .into(),
                    ),
                    ("transport", "auto".into()),
                    ("allowInsecure", false.into()),
                ]),
            )
            .with_comment("`external` on an internal environment: reachable from the VNet, never from the internet. HTTPS only"),
        );
    }
    if !secrets.is_empty() {
        configuration.push(Property::new("secrets", Expr::array(secrets)));
    }
    if !registries.is_empty() {
        configuration.push(Property::new("registries", Expr::array(registries)));
    }
    Expr::Object(configuration)
}

/// Replica limits and the KEDA rules the app's receiving connections imply, each read with the
/// app's user-assigned identity: a scale rule's `identity` takes the resource id of a
/// user-assigned identity assigned to the app, instead of `auth` secrets
/// (learn.microsoft.com/azure/container-apps/managed-identity#scale-rules; `identity` on
/// `CustomScaleRule` in Microsoft.App/containerApps@2026-01-01, bicep-types-az).
fn scale(
    component: &ComponentPlan,
    spec: &ContainerApp,
    module: &mut Module,
    min_replicas: Expr,
    max_replicas: Expr,
) -> Expr {
    let mut properties = vec![
        Property::new("minReplicas", min_replicas),
        Property::new("maxReplicas", max_replicas),
    ];
    if component.scale_rules.is_empty() {
        return Expr::Object(properties);
    }
    let mut rules: Vec<Item> = Vec::new();
    if spec.ingress != Ingress::None {
        // Rules of its own replace the default HTTP rule (10 concurrent requests), so it is
        // written out to keep requests waking the app (learn.microsoft.com/azure/container-apps/
        // scale-app, "Default scale rule" and "HTTP").
        rules.push(
            Item::from(obj([
                ("name", "http".into()),
                (
                    "http",
                    obj([("metadata", obj([("concurrentRequests", "10".into())]))]),
                ),
            ]))
            .with_comment("Requests start the app too: the default HTTP rule, written out because the rules below replace it"),
        );
    }
    for rule in &component.scale_rules {
        let (scaler, metadata, comment) = match &rule.source {
            // azure-servicebus: `namespace` is required with an identity, then `queueName`, or
            // `topicName` and `subscriptionName`; `messageCount` defaults to 5
            // (keda.sh/docs/2.21/scalers/azure-service-bus).
            ScaleSource::ServiceBusQueue { namespace, queue } => (
                "azure-servicebus",
                vec![
                    ("namespace", Expr::ident(namespace_param(namespace, module))),
                    ("queueName", queue.as_str().into()),
                    ("messageCount", "5".into()),
                ],
                format!("Service Bus queue {namespace}.{queue}"),
            ),
            ScaleSource::ServiceBusSubscription {
                namespace,
                topic,
                subscription,
            } => (
                "azure-servicebus",
                vec![
                    ("namespace", Expr::ident(namespace_param(namespace, module))),
                    ("topicName", topic.as_str().into()),
                    ("subscriptionName", subscription.as_str().into()),
                    ("messageCount", "5".into()),
                ],
                format!("Service Bus subscription {namespace}.{topic}/{subscription}"),
            ),
            // azure-queue: `accountName` with an identity, `queueName`, `queueLength` defaults
            // to 5 (keda.sh/docs/2.21/scalers/azure-storage-queue).
            ScaleSource::StorageQueue { account, queue } => (
                "azure-queue",
                vec![
                    ("accountName", Expr::ident(account_param(account, module))),
                    ("queueName", queue.as_str().into()),
                    ("queueLength", "5".into()),
                ],
                format!("storage queue {account}.{queue}"),
            ),
            ScaleSource::EventHub { .. } => {
                unreachable!("bulwark bug: event hubs give no scale rule")
            }
        };
        rules.push(
            Item::from(obj([
                ("name", rule.name.as_str().into()),
                (
                    "custom",
                    obj([
                        ("type", scaler.into()),
                        (
                            "metadata",
                            Expr::object(metadata.into_iter().map(|(k, v)| Property::new(k, v))),
                        ),
                        ("identity", Expr::ident("identityId")),
                    ]),
                ),
            ]))
            .with_comment(format!(
                "Messages in {comment} ({}) start and scale the app; KEDA reads the count with the app's identity",
                rule.because
            )),
        );
    }
    properties.push(Property::new("rules", Expr::array(rules)));
    Expr::Object(properties)
}

/// The module parameter holding a Service Bus namespace's name, from its module's output.
fn namespace_param(namespace: &str, module: &mut Module) -> String {
    name_param(
        namespace,
        "NamespaceName",
        "namespaceName",
        "Name of Service Bus namespace",
        module,
    )
}

/// The module parameter holding a storage account's name, from its module's output.
fn account_param(account: &str, module: &mut Module) -> String {
    name_param(
        account,
        "AccountName",
        "accountName",
        "Name of storage account",
        module,
    )
}

fn name_param(
    component: &str,
    suffix: &str,
    output: &str,
    description: &str,
    module: &mut Module,
) -> String {
    let name = format!("{}{suffix}", naming::component_symbol(component));
    if !module.has_param(&name) {
        module.param(
            param(
                &name,
                Type::String,
                &format!("{description} {component}, which the app's scale rules read."),
            ),
            Expr::path(&format!("{}.outputs.{output}", module_symbol(component))),
        );
    }
    name
}

/// `take('ca-<name>-<environment>', 32)`: container app names are at most 32 characters. The
/// literal part is at most 24, so a cut falls inside the environment name (letters and digits)
/// and never leaves a trailing hyphen.
fn regional_app(name: &str) -> Resource {
    super::common::regional(
        Resource::new(
            "app",
            types::CONTAINER_APP.name,
            types::CONTAINER_APP.api_version,
        ),
        Expr::call(
            "take",
            vec![env_suffixed(format!("ca-{name}-")), Expr::Int(32)],
        ),
    )
}

/// An environment of the component's own, on its own subnet, with its diagnostics and the
/// private DNS zone that resolves its apps inside the VNet.
fn dedicated_environment(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    module.param(
        param(
            "infrastructureSubnetId",
            Type::String,
            "Subnet delegated to the app's dedicated environment.",
        ),
        infra::subnet_id(&format!("{}-environment", component.name)),
    );
    module.push(
        Statement::from(infra::container_apps_environment(
            "environment",
            env_suffixed(format!("cae-{}-{}-", ctx.plan.app, component.name)),
        ))
        .with_comment("A dedicated environment (blueprint: environment = \"dedicated\"), internal: reachable only inside the VNet"),
    );
    push_diagnostics(module, "environment", types::CONTAINER_APPS_ENVIRONMENT);
    if ctx.plan.network.dns != DnsPlan::Create {
        // Central DNS: the platform registers the environment's domain in its own DNS.
        module.output(
            "defaultDomain",
            Expr::path("environment.properties.defaultDomain"),
        );
        module.output("staticIp", Expr::path("environment.properties.staticIp"));
        let symbol = naming::component_symbol(&component.name);
        for (output, suffix) in [("defaultDomain", "Domain"), ("staticIp", "StaticIp")] {
            module.main_output(
                crate::emit::ENVIRONMENT_DNS,
                format!("{symbol}{suffix}"),
                Expr::path(&format!("{}.outputs.{output}", module.symbol)),
            );
        }
        return;
    }
    module.param(
        param(
            "vnetId",
            Type::String,
            "VNet the environment's DNS zone resolves for.",
        ),
        Expr::path("network.outputs.vnetId"),
    );
    module.push(
        Statement::from(
            bicep::Module::new("environmentDns", "./container-apps-dns.bicep")
                .prop("name", format!("{}-{}.dns", ctx.plan.app, component.name))
                .prop(
                    "params",
                    obj([
                        ("tags", Expr::ident("tags")),
                        ("vnetId", Expr::ident("vnetId")),
                        ("defaultDomain", Expr::path("environment.properties.defaultDomain")),
                        ("staticIp", Expr::path("environment.properties.staticIp")),
                    ]),
                ),
        )
        .with_comment("DNS for the environment's apps, inside the VNet (a module: the zone is named after the environment's domain)"),
    );
}

/// Key Vault references become Container Apps secrets the app's identity reads from the vault,
/// one module parameter per vault for its URI. Returns the secrets and their env entries.
fn key_vault_secrets(component: &ComponentPlan, module: &mut Module) -> (Vec<Item>, Vec<Item>) {
    let mut secrets = Vec::new();
    let mut env = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for setting in &component.app_settings {
        let SettingValue::SecretReference { vault, secret } = &setting.value else {
            continue;
        };
        let vault_param = format!("{}VaultUri", naming::component_symbol(vault));
        if !module.has_param(&vault_param) {
            module.param(
                param(
                    &vault_param,
                    Type::String,
                    &format!("URI of key vault {vault}, which holds the app's secrets."),
                ),
                Expr::path(&format!("{}.outputs.vaultUri", module_symbol(vault))),
            );
        }
        let name = secret_name(vault, secret);
        let (path, purpose) = &setting.because;
        if !seen.contains(&name) {
            seen.push(name.clone());
            secrets.push(
                Item::from(obj([
                    ("name", name.as_str().into()),
                    (
                        "keyVaultUrl",
                        Expr::interp([
                            interp(Expr::ident(&vault_param)),
                            text(format!("secrets/{secret}")),
                        ]),
                    ),
                    ("identity", Expr::ident("identityId")),
                ]))
                .with_comment(format!(
                    "{purpose} ({path}): read from Key Vault with the app's identity"
                )),
            );
        }
        env.push(Item::from(obj([
            ("name", setting.name.as_str().into()),
            ("secretRef", name.as_str().into()),
        ])));
    }
    (secrets, env)
}

/// A Container Apps secret name (lowercase letters, digits and hyphens) unique per vault and
/// secret.
fn secret_name(vault: &str, secret: &str) -> String {
    format!("{vault}-{secret}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The non-secret settings main.bicep passes, each with the blueprint path that caused it.
fn plain_env(component: &ComponentPlan) -> Expr {
    Expr::array(
        component
            .app_settings
            .iter()
            .filter(|s| !matches!(s.value, SettingValue::SecretReference { .. }))
            .map(|setting| {
                let (path, purpose) = &setting.because;
                Item::from(obj([
                    ("name", setting.name.as_str().into()),
                    ("value", setting_expr(component, &setting.value)),
                ]))
                .with_comment(format!("{purpose} ({path})"))
            }),
    )
}

/// The identity and Entra-authenticated telemetry every app gets, then its Key Vault secrets.
fn standard_env(secret_env: Vec<Item>) -> Vec<Item> {
    let mut items = app_service::identity_and_telemetry();
    items.extend(secret_env);
    items
}

/// The container's image: a reference as the blueprint writes it, or the registry
/// component's login server in front of the repository and the environment's tag.
fn image(component: &ComponentPlan, spec: &ContainerApp, module: &mut Module) -> Expr {
    let (Image::Registry(_), Some(plan)) = (&spec.image, &component.registry_image) else {
        return match &spec.image {
            Image::Reference(reference) => reference.as_str().into(),
            Image::Registry(_) => unreachable!("bulwark bug: a registry image without its plan"),
        };
    };
    let login = Expr::ident(login_server_param(&plan.registry));
    let repository = format!("/{}:", plan.repository);
    match &plan.tag {
        PerEnvironment::Same(tag) => {
            Expr::interp([interp(login), text(format!("{repository}{tag}"))])
        }
        PerEnvironment::Each(tags) => {
            let tags = PerEnvironment::Each(
                tags.iter()
                    .map(|(environment, tag)| (environment.clone(), SizingValue::Text(tag.clone())))
                    .collect(),
            );
            let tag = module.sized_as(component, ContainerApp::IMAGE_TAG, &tags);
            Expr::interp([interp(login), text(repository), interp(tag)])
        }
    }
}

fn login_server_param(registry: &str) -> String {
    format!("{}LoginServer", naming::component_symbol(registry))
}

/// Registries the app pulls from with its identity: the one its image comes from, then one
/// per `pull` (or `push`, whose AcrPush role also pulls) connection to a container-registry
/// component. The login server comes from the registry's module, so the app deploys after
/// that module and the role assignments in it (an implicit dependency: Bicep docs,
/// learn.microsoft.com/azure/azure-resource-manager/bicep/resource-dependencies).
fn registries(
    ctx: &Context,
    component: &ComponentPlan,
    spec: &ContainerApp,
    module: &mut Module,
) -> Vec<Item> {
    let pushes = |target: &str| {
        spec.uses
            .iter()
            .any(|c| c.to.component == target && c.access == Access::Push)
    };
    let mut sources: Vec<(&str, String)> = Vec::new();
    if let Some(image) = &component.registry_image {
        let role = if pushes(&image.registry) {
            "AcrPush"
        } else {
            "AcrPull"
        };
        sources.push((
            image.registry.as_str(),
            format!(
                "The image comes from {} ({}.image): pulled with the app's identity ({role}), never a password",
                image.registry,
                component.path()
            ),
        ));
    }
    for connection in spec
        .uses
        .iter()
        .filter(|c| matches!(c.access, Access::Pull | Access::Push))
    {
        let target = connection.to.component.as_str();
        if ctx.plan.component(target).map(ComponentPlan::kind) != Some(Kind::ContainerRegistry) {
            continue;
        }
        let role = if connection.access == Access::Push {
            "AcrPush"
        } else {
            "AcrPull"
        };
        sources.push((
            target,
            format!(
                "Images from {target} are pulled with the app's identity ({role}), never a password"
            ),
        ));
    }
    let mut registries = Vec::new();
    for (target, comment) in sources {
        let login_param = login_server_param(target);
        if module.has_param(&login_param) {
            continue;
        }
        module.param(
            param(
                &login_param,
                Type::String,
                &format!("Login server of registry {target}."),
            ),
            Expr::path(&format!("{}.outputs.loginServer", module_symbol(target))),
        );
        // `registries[].identity` takes the user-assigned identity's resource id (learn.microsoft.com/azure/container-apps/managed-identity-image-pull).
        registries.push(
            Item::from(obj([
                ("server", Expr::ident(&login_param)),
                ("identity", Expr::ident("identityId")),
            ]))
            .with_comment(comment),
        );
    }
    registries
}
