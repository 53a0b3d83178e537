//! Private endpoints: one per group id of a component's resource, with the DNS zone group
//! that registers it (unless the estate's policy does), and the parameters naming the zones.

use super::{PRIVATE_ENDPOINT_SUBNET_ID, env_suffixed_for, regional};
use crate::bicep::{Expr, Item, Resource, Statement, obj};
use crate::catalog::{naming, types};
use crate::emit::{Context, Module};
use crate::plan::{ComponentPlan, PrivateEndpoint};

/// The module parameter (and dns.bicep output) carrying a private DNS zone's id:
/// `privatelink.blob.core.windows.net` → `blobCoreWindowsNetZoneId`.
pub fn zone_param(zone: &str) -> String {
    let trimmed = zone.trim_start_matches("privatelink.");
    format!(
        "{}ZoneId",
        naming::component_symbol(&trimmed.replace('.', "-"))
    )
}

/// A private endpoint for one group id of a resource in the module, and its DNS zone group
/// registering it in every zone the group needs (none when the estate's policy does that).
pub fn private_endpoint(
    endpoint: &PrivateEndpoint,
    name_prefix: &str,
    zone_group: bool,
) -> (Resource, Option<Resource>) {
    let group = endpoint.group_id.to_lowercase();
    let symbol = format!("{group}PrivateEndpoint");
    let pe = regional(
        Resource::new(
            &symbol,
            types::PRIVATE_ENDPOINT.name,
            types::PRIVATE_ENDPOINT.api_version,
        ),
        env_suffixed_for(
            types::PRIVATE_ENDPOINT.name,
            &format!("pe-{name_prefix}-{group}"),
        ),
    )
    .prop(
        "properties",
        obj([
            (
                "subnet",
                obj([("id", Expr::ident(PRIVATE_ENDPOINT_SUBNET_ID))]),
            ),
            (
                "privateLinkServiceConnections",
                Expr::array([Item::from(obj([
                    ("name", endpoint.group_id.into()),
                    (
                        "properties",
                        obj([
                            (
                                "privateLinkServiceId",
                                Expr::path(&format!("{}.id", endpoint.target)),
                            ),
                            ("groupIds", Expr::array([Item::from(endpoint.group_id)])),
                        ]),
                    ),
                ]))]),
            ),
        ]),
    );
    let configs = endpoint.zones.iter().map(|zone| {
        Item::from(obj([
            ("name", zone.replace('.', "-").into()),
            (
                "properties",
                obj([("privateDnsZoneId", Expr::ident(zone_param(zone)))]),
            ),
        ]))
    });
    let zone_group_resource = Resource::new(
        format!("{symbol}DnsZoneGroup"),
        types::PRIVATE_DNS_ZONE_GROUP.name,
        types::PRIVATE_DNS_ZONE_GROUP.api_version,
    )
    .prop("parent", Expr::ident(&symbol))
    .prop("name", "default")
    .prop(
        "properties",
        obj([("privateDnsZoneConfigs", Expr::array(configs))]),
    );
    (pe, zone_group.then_some(zone_group_resource))
}

/// The resource to wait for until a private endpoint resolves: its zone group, or the
/// endpoint itself when the estate's policy registers it.
pub fn endpoint_ready_symbol(ctx: &Context, endpoint: &PrivateEndpoint) -> String {
    let group = endpoint.group_id.to_lowercase();
    if ctx.plan.network.dns.registers() {
        format!("{group}PrivateEndpointDnsZoneGroup")
    } else {
        format!("{group}PrivateEndpoint")
    }
}

/// Every private endpoint of the component, each with its zone group.
pub fn push_private_endpoints(ctx: &Context, component: &ComponentPlan, module: &mut Module) {
    let prefix = format!("{}-{}", ctx.plan.app, component.name);
    for endpoint in &component.private_endpoints {
        let registers = ctx.plan.network.dns.registers();
        let (pe, group) = private_endpoint(endpoint, &prefix, registers);
        let comment = if registers {
            format!(
                "Private endpoint for {} ({}), registered in {}",
                endpoint.group_id,
                component.name,
                endpoint.zones.join(", ")
            )
        } else {
            format!(
                "Private endpoint for {} ({}); the estate's policy registers it in {}",
                endpoint.group_id,
                component.name,
                endpoint.zones.join(", ")
            )
        };
        module.push(Statement::from(pe).with_comment(comment));
        if let Some(group) = group {
            module.push(group);
        }
    }
}
