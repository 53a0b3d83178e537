//! Private endpoints: one per group id of a component's resource, with the DNS zone group
//! that registers it (unless the estate's policy does), and the parameters naming the zones.

use super::{PRIVATE_ENDPOINT_SUBNET_ID, env_suffixed_for, regional};
use crate::bicep::{Expr, Item, Resource, Statement, Text, obj};
use crate::catalog::{naming, types};
use crate::emit::{Context, Module};
use crate::plan::{ComponentPlan, PrivateEndpoint};
use std::cell::RefCell;

/// The module parameter (and dns.bicep output) carrying a private DNS zone's id:
/// `privatelink.blob.core.windows.net` → `blobCoreWindowsNetZoneId`.
pub fn zone_param(zone: &str) -> String {
    zone_param_text(zone).to_string()
}

thread_local! {
    /// [`zone_param`] by zone, for this thread. Every module with a private endpoint names
    /// its zones twice (parameter and zone group), 2,000 symbol conversions at 790
    /// components for the few zones of the catalog (privatelink.tsv), so each is made once.
    static ZONE_PARAMS: RefCell<Vec<(Box<str>, Text)>> = const { RefCell::new(Vec::new()) };
}

/// [`zone_param`] as syntax text, made once per zone and thread and shared after.
pub fn zone_param_text(zone: &str) -> Text {
    ZONE_PARAMS.with_borrow_mut(|known| {
        if let Some((_, name)) = known.iter().find(|(known, _)| **known == *zone) {
            return name.clone();
        }
        let trimmed = zone.trim_start_matches("privatelink.");
        let name = Text::from(format!(
            "{}ZoneId",
            naming::component_symbol(&trimmed.replace('.', "-"))
        ));
        known.push((zone.into(), name.clone()));
        name
    })
}

/// A private endpoint for one group id of a resource in the module, and its DNS zone group
/// registering it in every zone the group needs (none when the estate's policy does that).
pub fn private_endpoint(
    endpoint: &PrivateEndpoint,
    name_prefix: &str,
    zone_group: bool,
) -> (Resource, Option<Resource>) {
    let group = endpoint.group_id.to_lowercase();
    let symbol = [group.as_str(), "PrivateEndpoint"].concat();
    let pe = regional(
        Resource::new(
            &symbol,
            types::PRIVATE_ENDPOINT.name,
            types::PRIVATE_ENDPOINT.api_version,
        ),
        env_suffixed_for(
            types::PRIVATE_ENDPOINT.name,
            &["pe-", name_prefix, "-", &group].concat(),
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
                                Expr::path(endpoint.target).member("id"),
                            ),
                            ("groupIds", Expr::array([Item::from(endpoint.group_id)])),
                        ]),
                    ),
                ]))]),
            ),
        ]),
    );
    // Built only when it is kept (not where the estate's policy registers endpoints).
    let zone_group_resource = zone_group.then(|| {
        let configs = endpoint.zones.iter().map(|zone| {
            Item::from(obj([
                ("name", zone.replace('.', "-").into()),
                (
                    "properties",
                    obj([("privateDnsZoneId", Expr::ident(zone_param_text(zone)))]),
                ),
            ]))
        });
        Resource::new(
            [symbol.as_str(), "DnsZoneGroup"].concat(),
            types::PRIVATE_DNS_ZONE_GROUP.name,
            types::PRIVATE_DNS_ZONE_GROUP.api_version,
        )
        .prop("parent", Expr::ident(&symbol))
        .prop("name", "default")
        .prop(
            "properties",
            obj([("privateDnsZoneConfigs", Expr::array(configs))]),
        )
    });
    (pe, zone_group_resource)
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
    let prefix = [ctx.plan.app.as_str(), "-", &component.name].concat();
    let registers = ctx.plan.network.dns.registers();
    let registered = if registers {
        ", registered in"
    } else {
        "; the estate's policy registers it in"
    };
    for endpoint in &component.private_endpoints {
        let (pe, group) = private_endpoint(endpoint, &prefix, registers);
        let comment = format!(
            "Private endpoint for {} ({}){registered} {}",
            endpoint.group_id,
            component.name,
            endpoint.zones.join(", ")
        );
        module.push(Statement::from(pe).with_comment(comment));
        if let Some(group) = group {
            module.push(group);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_params_are_made_once_per_zone_and_read_as_computed() {
        let zones = [
            "privatelink.blob.core.windows.net",
            "privatelink.vaultcore.azure.net",
            "privatelink.blob.core.windows.net",
            "privatelink.azurewebsites.net",
        ];
        for zone in zones {
            let trimmed = zone.trim_start_matches("privatelink.");
            let computed = format!(
                "{}ZoneId",
                naming::component_symbol(&trimmed.replace('.', "-"))
            );
            assert_eq!(zone_param(zone), computed);
        }
        assert_eq!(zone_param(zones[0]), "blobCoreWindowsNetZoneId");
        // Each zone made once on this thread, however often it was asked for.
        ZONE_PARAMS.with_borrow(|known| {
            for zone in zones {
                let made = known.iter().filter(|(known, _)| **known == *zone).count();
                assert_eq!(made, 1, "{zone}");
            }
        });
    }
}
