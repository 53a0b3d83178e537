//! What reaches the app from outside: each component's exposure in words, the internet
//! entry points (Front Door, or a waived direct ingress), and every resource with a
//! public-network setting and what that setting lets in.

use super::{Cite, Source, cite};
use crate::blueprint::{ComponentSpec, ContainerEnvironment, Control, Ingress};
use crate::catalog::{self, types};
use crate::emit::component_module_path;
use crate::plan::governance::PlannedWaiver;
use crate::plan::{ComponentPlan, Plan};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryRow {
    pub component: String,
    pub path: String,
    pub protection: String,
    pub output: String,
    pub from: Option<Cite>,
}

/// How the internet reaches the app, one row per public component (through Front Door) or
/// waived direct ingress.
pub(super) fn entry_rows(plan: &Plan, source: Option<&Source>) -> Vec<EntryRow> {
    let mut entry_points = Vec::new();
    for component in &plan.components {
        let path = component.path();
        let direct = plan
            .governance
            .waiver(&component.name, Control::DirectPublicIngress);
        let ingress = match &component.spec {
            ComponentSpec::WebApp(web) => Some(web.ingress),
            ComponentSpec::FunctionApp(function) => Some(function.ingress),
            _ => None,
        };
        let url = format!(
            "`urls.{}` output of main.bicep (of the last stage when the deployment is split)",
            catalog::naming::component_symbol(&component.name)
        );
        match (ingress, direct) {
            (Some(Ingress::Public), _) => entry_points.push(EntryRow {
                component: component.name.clone(),
                path: format!("Front Door Premium `afd-{}-<env>` → private link → app", plan.app),
                protection: "WAF policy in Prevention mode (Microsoft Default Rule Set, Bot Manager), HTTPS only (HTTP redirected), health probe; the private link connection is approved once per environment".to_string(),
                output: url,
                from: cite(source, &format!("{path}.ingress")),
            }),
            (Some(Ingress::Direct), Some(w)) => entry_points.push(EntryRow {
                component: component.name.clone(),
                path: "directly to the app (WAIVED)".to_string(),
                protection: format!(
                    "HTTPS only, TLS 1.2, {}; no WAF; deployment (SCM) site closed; until {}",
                    if w.allow_from.is_empty() {
                        "open to the internet".to_string()
                    } else {
                        format!("only from {}", w.allow_from.join(", "))
                    },
                    w.expires
                ),
                output: url,
                from: cite(source, &format!("{path}.ingress")),
            }),
            _ => {}
        }
    }
    entry_points
}

/// A component's exposure for the component table; `waivers` are the component's own.
pub(super) fn component_exposure(component: &ComponentPlan, waivers: &[&PlannedWaiver]) -> String {
    let waived = |control: Control| waivers.iter().find(|w| w.control == control);
    let groups: Vec<&str> = component
        .private_endpoints
        .iter()
        .map(|e| e.group_id)
        .collect();
    let exposure = match &component.spec {
        ComponentSpec::WebApp(web) => app_exposure(web.ingress, &groups),
        ComponentSpec::FunctionApp(function) => app_exposure(function.ingress, &groups),
        ComponentSpec::ContainerApp(app) => match app.ingress {
            Ingress::None => "No inbound traffic".to_string(),
            _ => "Internal Container Apps environment: reachable inside the VNet only".to_string(),
        },
        ComponentSpec::External(external) => format!(
            "A third-party service on the internet; its secret lives in `{}`",
            external.vault
        ),
        _ => match waived(Control::PublicNetworkAccess) {
            Some(w) => format!(
                "Private endpoint ({}) and, WAIVED until {}, public network access from {}",
                groups.join(", "),
                w.expires,
                w.allow_from.join(", ")
            ),
            None => format!(
                "Private endpoint only ({}); public network access disabled",
                groups.join(", ")
            ),
        },
    };
    match waived(Control::DirectPublicIngress) {
        Some(w) => format!(
            "Internet, directly (WAIVED until {}): public network access on, HTTPS only, TLS 1.2, {}",
            w.expires,
            if w.allow_from.is_empty() {
                "no IP restriction".to_string()
            } else {
                format!("only from {}", w.allow_from.join(", "))
            }
        ),
        None => exposure,
    }
}

/// What a resource's public-network setting lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PublicAccess {
    /// `publicNetworkAccess: 'Disabled'`.
    Disabled,
    /// `publicNetworkAccess: 'Enabled'` because of a waiver.
    Waived,
    /// Log Analytics and Application Insights: ingestion and query over public endpoints,
    /// Entra ID only.
    IngestionAndQuery,
    /// The NAT gateway's public IP: outbound only.
    OutboundOnly,
    /// Front Door: the internet, through the WAF.
    InternetThroughWaf,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureRow {
    /// The component, or what the resource is (`Log Analytics workspace`).
    pub resource: String,
    pub resource_type: String,
    /// The generated file declaring it.
    pub module: String,
    pub access: PublicAccess,
    /// The setting and what it lets in, in words.
    pub detail: String,
    pub from: Option<Cite>,
}

/// The resources of a component that carry a public-network setting, and what each is.
fn network_resources(component: &ComponentPlan) -> Vec<(String, types::ResourceType)> {
    let name = component.name.clone();
    let one = |ty| vec![(name.clone(), ty)];
    match &component.spec {
        ComponentSpec::WebApp(_) => one(types::WEB_SITE),
        ComponentSpec::FunctionApp(_) => vec![
            (name.clone(), types::WEB_SITE),
            (format!("{name} host storage"), types::STORAGE_ACCOUNT),
        ],
        ComponentSpec::ContainerApp(app) if app.environment == ContainerEnvironment::Dedicated => {
            vec![(
                format!("{name} (its Container Apps environment)"),
                types::CONTAINER_APPS_ENVIRONMENT,
            )]
        }
        ComponentSpec::ContainerApp(_) | ComponentSpec::External(_) => Vec::new(),
        ComponentSpec::Storage(_) => one(types::STORAGE_ACCOUNT),
        ComponentSpec::KeyVault(_) => one(types::KEY_VAULT),
        ComponentSpec::ContainerRegistry(_) => one(types::CONTAINER_REGISTRY),
        ComponentSpec::SqlDatabase(_) => one(types::SQL_SERVER),
        ComponentSpec::Postgres(_) => one(types::POSTGRES_SERVER),
        ComponentSpec::CosmosDb(_) => one(types::COSMOS_ACCOUNT),
        ComponentSpec::ServiceBus(_) => one(types::SERVICE_BUS_NAMESPACE),
        ComponentSpec::EventHubs(_) => one(types::EVENT_HUBS_NAMESPACE),
        ComponentSpec::Redis(_) => one(types::REDIS_CLUSTER),
        ComponentSpec::AppConfiguration(_) => one(types::APP_CONFIGURATION_STORE),
        ComponentSpec::OpenAi(_) => one(types::COGNITIVE_SERVICES_ACCOUNT),
        ComponentSpec::AiSearch(_) => one(types::SEARCH_SERVICE),
    }
}

/// Every resource with a public-network setting: data services and apps (disabled, or
/// enabled by a waiver), monitoring (public ingestion and query), the NAT gateway's address
/// (outbound only) and Front Door (the internet, through the WAF).
pub(super) fn exposure(plan: &Plan, source: Option<&Source>) -> Vec<ExposureRow> {
    let governance = &plan.governance;
    let app = &plan.app;
    let mut rows = Vec::new();
    for component in &plan.components {
        let module = component_module_path(component);
        let from = cite(source, &component.path());
        let waiver = governance.waivers_of(&component.name).find(|w| {
            matches!(
                w.control,
                Control::PublicNetworkAccess | Control::DirectPublicIngress
            )
        });
        for (index, (resource, ty)) in network_resources(component).into_iter().enumerate() {
            // A waiver opens the component's own resource, never a helper such as host storage.
            let (access, detail, from) = match waiver.filter(|_| index == 0) {
                Some(w) => (
                    PublicAccess::Waived,
                    format!(
                        "WAIVED until {} ({}): `publicNetworkAccess: 'Enabled'`, {}",
                        w.expires,
                        w.control,
                        if w.allow_from.is_empty() {
                            "HTTPS from the whole internet".to_string()
                        } else {
                            format!("only from {}", w.allow_from.join(", "))
                        }
                    ),
                    cite(source, &w.because),
                ),
                None => (
                    PublicAccess::Disabled,
                    "none: `publicNetworkAccess: 'Disabled'`".to_string(),
                    from.clone(),
                ),
            };
            rows.push(ExposureRow {
                resource,
                resource_type: ty.name.to_string(),
                module: module.clone(),
                access,
                detail,
                from,
            });
        }
    }
    if plan.shared_container_environment {
        rows.push(ExposureRow {
            resource: format!("Container Apps environment `cae-{app}-<env>`"),
            resource_type: types::CONTAINER_APPS_ENVIRONMENT.name.to_string(),
            module: "modules/container-apps.bicep".to_string(),
            access: PublicAccess::Disabled,
            detail: "none: `publicNetworkAccess: 'Disabled'`, internal environment".to_string(),
            from: None,
        });
    }
    let monitoring = "modules/monitoring.bicep".to_string();
    if governance.monitoring.central.is_none() {
        rows.push(ExposureRow {
            resource: format!("Log Analytics workspace `log-{app}-<env>`"),
            resource_type: types::LOG_ANALYTICS_WORKSPACE.name.to_string(),
            module: monitoring.clone(),
            access: PublicAccess::IngestionAndQuery,
            detail: "ingestion and query over public endpoints (`publicNetworkAccessForIngestion` and `publicNetworkAccessForQuery`: 'Enabled'); ingestion with Entra ID only (`disableLocalAuth: true`)".to_string(),
            from: None,
        });
    }
    rows.push(ExposureRow {
        resource: format!("Application Insights `appi-{app}-<env>`"),
        resource_type: types::APP_INSIGHTS.name.to_string(),
        module: monitoring,
        access: PublicAccess::IngestionAndQuery,
        detail: "ingestion and query over public endpoints (`publicNetworkAccessForIngestion` and `publicNetworkAccessForQuery`: 'Enabled'); ingestion with Entra ID only (`DisableLocalAuth: true`)".to_string(),
        from: None,
    });
    if nat_gateway(plan) {
        rows.push(ExposureRow {
            resource: format!("NAT gateway address `pip-{app}-egress-<env>`"),
            resource_type: types::PUBLIC_IP_ADDRESS.name.to_string(),
            module: "modules/network.bicep".to_string(),
            access: PublicAccess::OutboundOnly,
            // MicrosoftDocs/azure-docs articles/nat-gateway/nat-overview.md (ms.date 12/06/2022):
            // services outside the VNet can't initiate an inbound connection through it.
            detail: "outbound only: the source address of compute traffic leaving the VNet; nothing outside can start a connection through a NAT gateway".to_string(),
            from: None,
        });
    }
    if let Some(component) = plan.components.iter().find(|c| match &c.spec {
        ComponentSpec::WebApp(web) => web.ingress == Ingress::Public,
        ComponentSpec::FunctionApp(function) => function.ingress == Ingress::Public,
        _ => false,
    }) {
        rows.push(ExposureRow {
            resource: format!("Front Door `afd-{app}-<env>`"),
            resource_type: types::FRONT_DOOR_PROFILE.name.to_string(),
            module: "modules/front-door.bicep".to_string(),
            access: PublicAccess::InternetThroughWaf,
            detail: "the internet, through the WAF in Prevention mode; HTTP is redirected to HTTPS (see Internet entry points)".to_string(),
            from: cite(source, &format!("{}.ingress", component.path())),
        });
    }
    rows
}

/// Compute traffic leaves through a NAT gateway bulwark creates, rather than through the
/// platform's route table (every environment has one or none; validation rejects a mix).
fn nat_gateway(plan: &Plan) -> bool {
    let compute = plan
        .subnets
        .iter()
        .any(|s| s.purpose != crate::plan::SubnetPurpose::PrivateEndpoints);
    let platform = plan
        .network
        .environments
        .values()
        .all(crate::plan::EnvironmentVnet::platform_egress);
    compute && !platform
}

fn app_exposure(ingress: Ingress, groups: &[&str]) -> String {
    match ingress {
        Ingress::Private => format!(
            "Private endpoint only ({}); public network access disabled",
            groups.join(", ")
        ),
        Ingress::Public => format!(
            "Internet through Front Door Premium (WAF in prevention mode) over private link; the app's own public network access is disabled; private endpoint ({}) in the VNet for code deployment",
            groups.join(", ")
        ),
        Ingress::None => format!(
            "No inbound traffic but code deployment, through its private endpoint ({}); public network access disabled",
            groups.join(", ")
        ),
        Ingress::Direct => "Internet, directly".to_string(),
    }
}
