//! What the platform (the hub's owner) must provide for the app's network to resolve and
//! route: DNS for the private endpoints, a firewall for outbound traffic, the peering back
//! from the hub, and pre-created app registrations with their app role assignments.

use super::{Cite, Source, cite};
use crate::blueprint::Blueprint;
use crate::plan::{DnsPlan, Plan};
use serde::Serialize;

/// One thing bulwark cannot deploy from the app's resource group and the platform must.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformRow {
    pub need: String,
    pub what: String,
    /// The blueprint path that makes it necessary, and its line.
    pub because: String,
    pub from: Option<Cite>,
}

/// What the hub's owner must provide, from the network the blueprint describes.
pub(super) fn platform_needs(
    blueprint: &Blueprint,
    plan: &Plan,
    source: Option<&Source<'_>>,
) -> Vec<PlatformRow> {
    let mut needs = Needs {
        rows: Vec::new(),
        source,
    };
    dns(&mut needs, blueprint, plan);
    firewall(&mut needs, blueprint, plan);
    peering(&mut needs, blueprint, plan);
    registrations(&mut needs, plan);
    needs.rows
}

/// The rows so far, and the blueprint they cite.
struct Needs<'a> {
    rows: Vec<PlatformRow>,
    source: Option<&'a Source<'a>>,
}

impl Needs<'_> {
    fn add(&mut self, need: &str, what: String, because: &str) {
        self.rows.push(PlatformRow {
            need: need.to_string(),
            what,
            because: because.to_string(),
            from: cite(self.source, because),
        });
    }
}

/// The values sorted, without repeats, each in backticks, comma-separated.
fn listed(values: Vec<String>) -> String {
    let mut values = values;
    values.sort();
    values.dedup();
    values
        .iter()
        .map(|v| format!("`{v}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// With the platform's DNS: who resolves the private endpoints' zones.
fn dns(needs: &mut Needs, blueprint: &Blueprint, plan: &Plan) {
    let net = &plan.network;
    let zones = listed(plan.dns_zones.iter().map(|z| z.to_string()).collect());
    let central = matches!(net.dns, DnsPlan::Central(_));
    if central && !plan.dns_zones.is_empty() {
        let servers: Vec<String> = net
            .environments
            .values()
            .flat_map(|v| v.dns_servers.iter().map(ToString::to_string))
            .collect();
        // A spoke resolves privatelink zones through Azure-provided DNS only where the zones
        // are linked to it, or through a resolver in a VNet they are linked to (Microsoft Learn
        // azure/private-link/private-endpoint-dns-integration; azure/dns/
        // private-resolver-endpoints-rulesets).
        if net.existing {
            needs.add(
                "DNS",
                format!(
                    "the VNet's DNS (its DNS servers, or zones linked to it) resolves {zones} to the private endpoints; without it their names resolve to public addresses, which refuse connections"
                ),
                "network.dns",
            );
        } else if servers.is_empty() {
            needs.add(
                "DNS",
                format!(
                    "the VNet uses Azure-provided DNS, so the platform links its zones {zones} to every spoke VNet (`vnetId` of `modules/network.bicep`); without the links the endpoints' names resolve to public addresses, which refuse connections"
                ),
                "network.dns",
            );
        } else {
            needs.add(
                "DNS",
                format!(
                    "the DNS servers {} resolve {zones} from the platform's zones (e.g. a DNS Private Resolver inbound endpoint in a VNet the zones are linked to) and every other name through Azure DNS",
                    listed(servers)
                ),
                if blueprint.network.dns_servers.is_empty() {
                    "network.dns"
                } else {
                    "network.dns_servers"
                },
            );
        }
    }
}

/// Compute's outbound traffic through the hub's firewall, or the platform's route table.
fn firewall(needs: &mut Needs, blueprint: &Blueprint, plan: &Plan) {
    let net = &plan.network;
    let firewalls: Vec<String> = net
        .environments
        .values()
        .filter_map(|v| v.firewall.map(|ip| ip.to_string()))
        .collect();
    let compute = plan
        .subnets
        .iter()
        .any(|s| s.purpose != crate::plan::SubnetPurpose::PrivateEndpoints);
    let egress_needs = "Microsoft Entra ID (managed-identity tokens, `AzureActiveDirectory`), Azure Monitor (`AzureMonitor`)";
    // Container Apps' own outbound dependencies (MicrosoftDocs/azure-docs articles/
    // container-apps/firewall-integration.md, ms.date 04/01/2026, "Outbound").
    let containers = plan.subnets.iter().any(|s| {
        matches!(
            s.purpose,
            crate::plan::SubnetPurpose::ContainerEnvironment { .. }
        )
    });
    let container_needs = if containers {
        ", for Container Apps `MicrosoftContainerRegistry` and `AzureFrontDoor.FirstParty` on 443"
    } else {
        ""
    };
    if compute && !firewalls.is_empty() {
        needs.add(
            "Firewall",
            format!(
                "the firewall at {} allows the app's outbound traffic on 443: {egress_needs}{container_needs}, and any third party the app calls; compute subnets send 0.0.0.0/0 to it and have no NAT gateway",
                listed(firewalls)
            ),
            if blueprint.network.egress.is_some() {
                "network.egress"
            } else {
                "network.environments"
            },
        );
    } else if compute
        && net.existing
        && net
            .environments
            .values()
            .all(crate::plan::EnvironmentVnet::platform_egress)
    {
        needs.add(
            "Firewall",
            format!(
                "the route table in `existing.route_table_id` sends the app's outbound traffic to a firewall that allows it on 443: {egress_needs}{container_needs}, and any third party the app calls"
            ),
            "network.existing",
        );
    }
}

/// A peering with the hub needs its twin from the hub.
fn peering(needs: &mut Needs, blueprint: &Blueprint, plan: &Plan) {
    if plan
        .network
        .environments
        .values()
        .any(|v| v.peer_with.is_some())
    {
        // A peering connects only once both VNets have one to the other (MicrosoftDocs/
        // azure-docs articles/virtual-network/virtual-network-manage-peering.md).
        needs.add(
            "Peering back",
            "the hub's owner adds a peering from the hub to each spoke VNet (`vnetId` of `modules/network.bicep`); until then the peering stays Initiated and no traffic flows".to_string(),
            if blueprint.network.peer_with.is_some() { "network.peer_with" } else { "network.environments" },
        );
    }
}

/// A pre-created registration is the platform team's, and so are its callers' app role
/// assignments: the deployment holds no Microsoft Graph rights to make them.
fn registrations(needs: &mut Needs, plan: &Plan) {
    for component in &plan.components {
        let registration = component.spec.registration();
        if registration.is_empty() {
            continue;
        }
        let because = format!("components.{}.registration", component.name);
        let roles = crate::plan::app_roles(&component.spec);
        let clients: Vec<String> = registration
            .iter()
            .map(|(environment, r)| format!("{environment} `{}`", r.client_id))
            .collect();
        needs.add(
            "App registration",
            format!(
                "the registration of {} ({}) exposes the app roles {} to applications, and its service principal requires assignment (`appRoleAssignmentRequired`), so Entra issues tokens only to assigned identities",
                component.name,
                clients.join(", "),
                listed(roles),
            ),
            &because,
        );
        for call in plan.calls_to(&component.name) {
            needs.add(
                "App role assignment",
                format!(
                    "assign {}'s identity (its `principalId` in main.bicep's `appRoleAssignments` output) the app role `{}` of {}'s registration, after the deployment that creates the identity; until then it gets no token for {}",
                    call.caller, call.role, component.name, component.name
                ),
                &because,
            );
        }
    }
}
