//! `event-hubs`: a Standard or Premium namespace (the tiers with private endpoints), Entra ID
//! only, and its event hubs; each connection's role is scoped to its one hub.

use super::common::{
    grant_arm_roles, principal_params, push_diagnostics, push_private_endpoints, regional,
    unique_name,
};
use super::service_bus::{fully_qualified_namespace, namespace_prefix};
use crate::bicep::{Expr, Resource, Statement, obj};
use crate::blueprint::ComponentSpec;
use crate::catalog::naming::part_symbol;
use crate::catalog::{PartKind, types};
use crate::emit::{Context, Module};
use crate::plan::{ComponentPlan, Scope};

/// Days a hub keeps events: enough to replay a consumer outage, available on every tier.
const RETENTION_DAYS: i64 = 1;

pub fn emit(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let ComponentSpec::EventHubs(hubs) = &component.spec else {
        unreachable!("event_hubs::emit is called for event-hubs components only")
    };
    principal_params(ctx, component, module);
    let sku = module.sized(component, "sku");
    let capacity = module.sized(component, "capacity");
    let prefix = namespace_prefix("evhns", &ctx.plan.app, &component.name);
    module.push(
        Statement::from(
            regional(
                Resource::new(
                    "namespace",
                    types::EVENT_HUBS_NAMESPACE.name,
                    types::EVENT_HUBS_NAMESPACE.api_version,
                ),
                unique_name(prefix, &component.name),
            )
            .prop(
                "sku",
                obj([("name", sku.clone()), ("tier", sku), ("capacity", capacity)]),
            )
            .prop(
                "properties",
                obj([
                    ("disableLocalAuth", true.into()),
                    ("minimumTlsVersion", "1.2".into()),
                    ("publicNetworkAccess", "Disabled".into()),
                    ("isAutoInflateEnabled", false.into()),
                    ("maximumThroughputUnits", 0i64.into()),
                    ("zoneRedundant", true.into()),
                ]),
            ),
        )
        .with_comment(
            "Standard or Premium: the tiers with private endpoints. No SAS keys (Entra ID roles \
             only), TLS 1.2, private network access only, fixed capacity (no auto-inflate), \
             zone redundant",
        ),
    );
    push_diagnostics(module, "namespace", types::EVENT_HUBS_NAMESPACE);
    let partitions = i64::from(hubs.partitions);
    for (index, hub) in hubs.hubs.iter().enumerate() {
        let mut statement = Statement::from(
            Resource::new(
                part_symbol("hub", hub),
                types::EVENT_HUB.name,
                types::EVENT_HUB.api_version,
            )
            .prop("parent", Expr::ident("namespace"))
            .prop("name", hub.as_str())
            .prop(
                "properties",
                obj([
                    ("partitionCount", partitions.into()),
                    ("messageRetentionInDays", RETENTION_DAYS.into()),
                ]),
            ),
        );
        if index == 0 {
            statement = statement.with_comment(format!(
                "{partitions} partitions per hub; events kept {RETENTION_DAYS} day, \
                 enough to replay a consumer outage"
            ));
        }
        module.push(statement);
    }
    grant_arm_roles(ctx, component, module, |scope| match scope {
        Scope::Part {
            kind: PartKind::EventHub,
            name,
            ..
        } => part_symbol("hub", name),
        _ => "namespace".to_string(),
    });
    push_private_endpoints(ctx, component, module);
    module.output(
        "fullyQualifiedNamespace",
        fully_qualified_namespace("namespace"),
    );
}
