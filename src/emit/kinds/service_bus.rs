//! `service-bus`: a Premium namespace (the tier with private endpoints), Entra ID only, with
//! its queues, topics and subscriptions; each connection's role is scoped to its one entity.

use super::common::{
    grant_arm_roles, principal_params, push_diagnostics, push_private_endpoints, regional,
    unique_name,
};
use crate::bicep::{Expr, Resource, Statement, obj};
use crate::blueprint::{ComponentSpec, ServiceBus};
use crate::catalog::naming::part_symbol;
use crate::catalog::{PartKind, types};
use crate::emit::{Context, Module};
use crate::plan::{ComponentPlan, Scope};

/// Namespace names are 6-50 characters: the prefix keeps 13 for the hash.
const NAME_PREFIX_MAX: usize = 37;

/// Deliveries before a message that keeps failing moves to the dead-letter queue.
const MAX_DELIVERY_COUNT: i64 = 10;

/// `sbns-<app>-<name>-`, cut to leave room for the hash; never two hyphens in a row.
pub fn namespace_prefix(abbreviation: &str, app: &str, component: &str) -> String {
    let stem: String = format!("{abbreviation}-{app}-{component}")
        .chars()
        .take(NAME_PREFIX_MAX - 1)
        .collect();
    format!("{}-", stem.trim_end_matches('-'))
}

/// The namespace's host name, `<name>.servicebus.windows.net` in the public cloud, from its
/// endpoint `https://<host>:443/` so no cloud suffix is written here (as .NET Aspire does).
pub fn fully_qualified_namespace(symbol: &str) -> Expr {
    let endpoint = Expr::path(&format!("{symbol}.properties.serviceBusEndpoint"));
    let without_scheme = Expr::call("replace", vec![endpoint, "https://".into(), "".into()]);
    Expr::call(
        "first",
        vec![Expr::call("split", vec![without_scheme, ":".into()])],
    )
}

/// The module symbol of a subscription, named `topic/subscription` in the plan. Blueprint
/// names never hold `--`, so `events/audit` → `subscription_events__audit` meets no other.
fn subscription_symbol(name: &str) -> String {
    part_symbol("subscription", &name.replace('/', "--"))
}

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::ServiceBus(bus) = &component.spec else {
        unreachable!("service_bus::emit is called for service-bus components only")
    };
    principal_params(ctx, component, module);
    let capacity = module.sized(component, "capacity");
    let prefix = namespace_prefix("sbns", &ctx.plan.app, &component.name);
    module.push(
        Statement::from(
            regional(
                Resource::new(
                    "namespace",
                    types::SERVICE_BUS_NAMESPACE.name,
                    types::SERVICE_BUS_NAMESPACE.api_version,
                ),
                unique_name(prefix, &component.name),
            )
            .prop(
                "sku",
                obj([
                    ("name", "Premium".into()),
                    ("tier", "Premium".into()),
                    ("capacity", capacity),
                ]),
            )
            .prop(
                "properties",
                obj([
                    ("disableLocalAuth", true.into()),
                    ("minimumTlsVersion", "1.2".into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    ("zoneRedundant", true.into()),
                ]),
            ),
        )
        .with_comment(
            "Premium: the tier with private endpoints. No SAS keys (Entra ID roles only), \
             TLS 1.2, private network access only, zone redundant",
        ),
    );
    push_diagnostics(module, "namespace", types::SERVICE_BUS_NAMESPACE);
    entities(bus, module);
    grant_arm_roles(ctx, component, module, |scope| match scope {
        Scope::Part {
            kind: PartKind::Queue,
            name,
            ..
        } => part_symbol("queue", name),
        Scope::Part {
            kind: PartKind::Topic,
            name,
            ..
        } => part_symbol("topic", name),
        Scope::Part {
            kind: PartKind::Subscription,
            name,
            ..
        } => subscription_symbol(name),
        _ => "namespace".to_string(),
    });
    push_private_endpoints(ctx, component, module);
    module.output(
        "fullyQualifiedNamespace",
        fully_qualified_namespace("namespace"),
    );
    if ctx.plan.scaled_on(&component.name) {
        // KEDA's azure-servicebus scaler takes the namespace name (keda.sh/docs/2.21/scalers/azure-service-bus).
        module.output("namespaceName", Expr::path("namespace.name"));
    }
}

/// Queues, topics and subscriptions. Expired and undeliverable messages go to the
/// dead-letter queue, where they can be inspected, instead of disappearing.
fn entities(bus: &ServiceBus, module: &mut Module) {
    let receiving = || {
        obj([
            ("deadLetteringOnMessageExpiration", true.into()),
            ("maxDeliveryCount", MAX_DELIVERY_COUNT.into()),
        ])
    };
    // Said once, above the first entity that receives.
    let mut explained = false;
    let mut explain = |resource: Resource| {
        let statement = Statement::from(resource);
        if std::mem::replace(&mut explained, true) {
            statement
        } else {
            statement.with_comment(format!(
                "Expired messages, and messages failing {MAX_DELIVERY_COUNT} deliveries, \
                 go to the dead-letter queue"
            ))
        }
    };
    for queue in &bus.queues {
        module.push(explain(
            Resource::new(
                part_symbol("queue", queue),
                types::SERVICE_BUS_QUEUE.name,
                types::SERVICE_BUS_QUEUE.api_version,
            )
            .prop("parent", Expr::ident("namespace"))
            .prop("name", queue.as_str())
            .prop("properties", receiving()),
        ));
    }
    for (topic, subscriptions) in &bus.topics {
        let topic_symbol = part_symbol("topic", topic);
        module.push(
            Resource::new(
                &topic_symbol,
                types::SERVICE_BUS_TOPIC.name,
                types::SERVICE_BUS_TOPIC.api_version,
            )
            .prop("parent", Expr::ident("namespace"))
            .prop("name", topic.as_str()),
        );
        for subscription in subscriptions {
            module.push(explain(
                Resource::new(
                    subscription_symbol(&format!("{topic}/{subscription}")),
                    types::SERVICE_BUS_SUBSCRIPTION.name,
                    types::SERVICE_BUS_SUBSCRIPTION.api_version,
                )
                .prop("parent", Expr::ident(&topic_symbol))
                .prop("name", subscription.as_str())
                .prop("properties", receiving()),
            ));
        }
    }
}
