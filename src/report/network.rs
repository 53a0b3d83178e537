//! The report's network sections: each component's private endpoints, with the DNS zones
//! they register in, and the subnets bulwark plans, with what each lets in.

use super::{Cite, Source, cite};
use crate::plan::{DnsPlan, PerEnvironment, Plan, SubnetPurpose};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointRow {
    pub component: String,
    pub group: String,
    pub zones: Vec<String>,
    pub registration: String,
    pub because: String,
    pub from: Option<Cite>,
}

/// Every component's private endpoints, in plan order.
pub(super) fn endpoint_rows(plan: &Plan, source: Option<&Source>) -> Vec<EndpointRow> {
    let registration = match &plan.network.dns {
        DnsPlan::Create => "zone group in the app's private DNS zone",
        DnsPlan::Central(zones) if zones.is_empty() => "registered by the estate's DNS policy",
        DnsPlan::Central(_) => "zone group in the platform's private DNS zone",
    };
    let mut rows = Vec::new();
    for component in &plan.components {
        let path = component.path();
        for endpoint in &component.private_endpoints {
            rows.push(EndpointRow {
                component: component.name.clone(),
                group: endpoint.group_id.to_string(),
                zones: endpoint.zones.iter().map(|z| z.to_string()).collect(),
                registration: registration.to_string(),
                because: path.clone(),
                from: cite(source, &path),
            });
        }
    }
    rows
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubnetRow {
    pub name: String,
    pub ranges: Vec<String>,
    pub purpose: String,
}

pub(super) fn subnet_rows(plan: &Plan) -> Vec<SubnetRow> {
    plan.subnets
        .iter()
        .map(|subnet| SubnetRow {
            name: subnet.name.clone(),
            ranges: match subnet.prefix() {
                PerEnvironment::Same(range) => vec![range.to_string()],
                PerEnvironment::Each(_) => plan
                    .environments
                    .iter()
                    .map(|e| format!("{e}: {}", subnet.prefix_in(e)))
                    .collect(),
            },
            purpose: match &subnet.purpose {
                SubnetPurpose::PrivateEndpoints => {
                    "private endpoints; inbound only on their ports, from the VNet".to_string()
                }
                SubnetPurpose::Integration { component, .. } => {
                    format!("outbound of {component}; no inbound")
                }
                SubnetPurpose::ContainerEnvironment { component } => format!(
                    "Container Apps environment{}; HTTPS from the VNet, load-balancer probes and traffic within the subnet",
                    component
                        .as_ref()
                        .map(|c| format!(" of {c}"))
                        .unwrap_or_default()
                ),
            },
        })
        .collect()
}
