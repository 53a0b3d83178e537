//! The report's component table: per component what it is, its identity, exposure,
//! outbound path, authentication, encryption in transit, logging, locks, policies and
//! waivers.

use super::{Cite, Source, authentication, cite, exposure};
use crate::blueprint::Kind;
use crate::catalog;
use crate::plan::Plan;
use crate::plan::governance::PlannedWaiver;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentRow {
    pub name: String,
    pub kind: String,
    pub what: String,
    pub identity: String,
    pub exposure: String,
    pub outbound: String,
    pub authentication: String,
    pub transport: String,
    pub logging: String,
    pub locked: String,
    pub policies: Vec<String>,
    pub waived: Vec<String>,
    pub from: Option<Cite>,
}

/// One row per component, in plan order.
pub(super) fn component_rows(plan: &Plan, source: Option<&Source>) -> Vec<ComponentRow> {
    let governance = &plan.governance;
    let central = governance.monitoring.central.is_some();
    let locked_environments: Vec<&str> = governance
        .locks
        .iter()
        .filter(|(_, locked)| **locked)
        .map(|(e, _)| e.as_str())
        .collect();
    let egress = egress(plan);
    plan.components
        .iter()
        .map(|component| {
            let kind = component.kind();
            let path = component.path();
            let waivers: Vec<&PlannedWaiver> = governance.waivers_of(&component.name).collect();
            let compute = component.is_compute();
            let stateful = !compute && !component.private_endpoints.is_empty();
            // Spelt once per component, not once per policy compared.
            let kind_policies = format!("{kind} components");
            let policies: Vec<String> = plan
                .policies
                .iter()
                .filter(|p| p.because == kind_policies)
                .map(|p| p.policy.display_name.trim_end_matches('.').to_string())
                .collect();
            ComponentRow {
                name: component.name.clone(),
                kind: kind.to_string(),
                what: catalog::kind_spec(kind).summary.to_string(),
                identity: if compute {
                    format!("user-assigned `id-{}-{}-<env>`", plan.app, component.name)
                } else {
                    "none (it is called, it calls nothing)".to_string()
                },
                exposure: exposure::component_exposure(component, &waivers),
                outbound: if compute {
                    egress.to_string()
                } else {
                    "-".to_string()
                },
                authentication: authentication::component_authentication(plan, component, &waivers),
                transport: transport(kind).to_string(),
                logging: logging(kind, central),
                locked: if stateful && !locked_environments.is_empty() {
                    format!("CanNotDelete in {}", locked_environments.join(", "))
                } else {
                    "-".to_string()
                },
                policies,
                waived: waivers.iter().map(|w| w.control.to_string()).collect(),
                from: cite(source, &path),
            }
        })
        .collect()
}

/// How compute's outbound traffic leaves: the platform's route table, the hub's firewall,
/// or the NAT gateway bulwark creates.
fn egress(plan: &Plan) -> &'static str {
    if plan.network.existing
        && plan
            .network
            .environments
            .values()
            .all(|v| v.existing.as_ref().is_some_and(|e| e.route_table.is_some()))
    {
        "all outbound through the VNet and the platform's route table"
    } else if plan
        .network
        .environments
        .values()
        .all(|v| v.firewall.is_some())
    {
        "all outbound through the VNet and the hub's firewall"
    } else {
        "all outbound through the VNet and its NAT gateway's static IP"
    }
}

fn logging(kind: Kind, central: bool) -> String {
    if kind == Kind::External {
        "-".to_string()
    } else {
        format!(
            "diagnostic settings (allLogs, AllMetrics where supported) to {}",
            if central {
                "the central workspace"
            } else {
                "the app's workspace"
            }
        )
    }
}

fn transport(kind: Kind) -> &'static str {
    match kind {
        Kind::WebApp | Kind::FunctionApp => "HTTPS only, TLS 1.2 minimum, HTTP/2",
        Kind::ContainerApp => "HTTPS ingress inside the VNet",
        Kind::Storage => "HTTPS only, TLS 1.2 minimum",
        Kind::SqlDatabase => "TLS 1.2 minimum",
        Kind::Postgres => "TLS required, 1.2 minimum",
        Kind::CosmosDb => "TLS 1.2 minimum",
        Kind::ServiceBus | Kind::EventHubs => "TLS 1.2 minimum",
        Kind::Redis => "TLS only, 1.2 minimum",
        Kind::External => "HTTPS to the provider",
        _ => "HTTPS (TLS 1.2)",
    }
}
