//! The security report: what a reviewer needs to sign off the generated infrastructure
//! without reading Bicep. Built from the plan (pure data, `--format json`), rendered to
//! Markdown by `templates/security-report.md.tera`; every line that exists because of the
//! blueprint names the blueprint key that caused it.

use crate::blueprint::{
    Blueprint, ComponentSpec, ContainerEnvironment, Control, Ingress, Kind, PartKind, PolicyMode,
    SourceMap,
};
use crate::catalog::{self, types};
use crate::emit::component_module_path;
use crate::plan::{ComponentPlan, DnsPlan, Plan, Scope};
use serde::Serialize;
use std::collections::BTreeMap;

pub mod diagram;

/// The blueprint text and where each path is in it, to cite keys.
pub struct Source<'a> {
    /// How the report names the blueprint, e.g. `bulwark.toml`.
    pub label: &'a str,
    /// The blueprint's text, as loaded.
    pub text: &'a str,
    /// Where each logical path is in `text`, from [`Loaded`](crate::blueprint::Loaded).
    pub map: &'a SourceMap,
}

impl Source<'_> {
    /// The blueprint path behind a row, as the file spells it (`path` itself or its nearest
    /// parent the file spells out), and its 1-based line.
    fn cite(&self, path: &str) -> Option<Cite> {
        let mut path = path.to_string();
        loop {
            if let Some(span) = self
                .map
                .key_span(&path)
                .or_else(|| self.map.value_span(&path))
            {
                return Some(Cite {
                    line: self.map.line_of(self.text, span.start),
                    key: path,
                });
            }
            let cut = path.rfind(['.', '['])?;
            path.truncate(cut);
        }
    }
}

/// Where in the blueprint a row comes from. The Markdown report cites the key path only, so
/// a comment or a blank line added to the blueprint changes nothing in it; the line is
/// extra data for `explain --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cite {
    /// The key path, e.g. `components.web.ingress` or `waivers[0]`.
    pub key: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub app: String,
    pub blueprint: String,
    pub generator: String,
    pub environments: Vec<EnvironmentRow>,
    pub tags: BTreeMap<String, String>,
    pub components: Vec<ComponentRow>,
    /// How the internet reaches the app, one row per public component.
    pub entry_points: Vec<EntryRow>,
    pub access: Vec<AccessRow>,
    pub private_endpoints: Vec<EndpointRow>,
    pub subnets: Vec<SubnetRow>,
    pub waivers: Vec<WaiverRow>,
    /// The SAS authorization rules of `local-auth` waivers, one per granted entity.
    pub sas_keys: Vec<SasKeyRow>,
    /// Every resource with a public-network setting, and what that setting lets in.
    pub exposure: Vec<ExposureRow>,
    /// What the platform (the hub's owner) must provide for the network to resolve and route.
    pub platform: Vec<PlatformRow>,
    /// The app creates its own Log Analytics workspace (else logs go to a central one).
    pub own_workspace: bool,
    pub policies: Vec<PolicyRow>,
    pub benchmark: bool,
    /// The roles `bulwark deployer` grants the identity that runs the deployment.
    pub deployer: Vec<DeployerRow>,
    /// Microsoft Graph application permissions the deploying identity needs besides (an Entra
    /// administrator grants them; Azure RBAC cannot).
    pub graph_permissions: Vec<GraphPermissionRow>,
    /// Who may call whom, with which app role, and how the call stays private.
    pub calls: Vec<CallRow>,
    /// How the workflow deploys: a deployment stack with deny settings, or not.
    pub deployment: DeploymentRow,
    /// How code reaches each compute component, public network access staying off.
    pub code_delivery: Vec<DeliveryRow>,
    /// The network security perimeter; `None` with `[network] perimeter = false`.
    pub perimeter: Option<PerimeterReport>,
    /// The architecture as a Mermaid flowchart (`explain --format mermaid`).
    pub diagram: String,
}

/// The network security perimeter, its mode per environment, its rules and its members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerimeterReport {
    /// `nsp-<app>-<env>` (created) or the platform's perimeter id.
    pub perimeter: String,
    pub created: bool,
    /// The platform's profile the app's resources join (bring-your-own only).
    pub profile: Option<String>,
    /// The `[network] perimeter` line, when the blueprint sets it.
    pub from: Option<Cite>,
    pub modes: Vec<PerimeterModeRow>,
    pub rules: Vec<PerimeterRuleRow>,
    pub associations: Vec<PerimeterAssociationRow>,
    pub kept_out: Vec<PerimeterKeptOutRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerimeterModeRow {
    pub environment: String,
    pub mode: String,
    pub because: String,
    pub from: Option<Cite>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerimeterRuleRow {
    pub profile: String,
    pub rule: String,
    pub direction: String,
    pub allows: Vec<String>,
    pub component: String,
    pub from: Option<Cite>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerimeterAssociationRow {
    pub resource: String,
    pub resource_type: String,
    pub profile: String,
    pub availability: String,
    pub from: Option<Cite>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerimeterKeptOutRow {
    pub resource: String,
    pub resource_type: String,
    pub reason: String,
}

fn perimeter_report(
    blueprint: &Blueprint,
    plan: &Plan,
    source: Option<&Source>,
) -> Option<PerimeterReport> {
    use crate::plan::perimeter::PerimeterMode;
    let perimeter = plan.perimeter.as_ref()?;
    let (name, created, profile) = match &perimeter.mode {
        PerimeterMode::Create => (format!("nsp-{}-<environment>", plan.app), true, None),
        PerimeterMode::Existing { id, profile } => (id.id.clone(), false, Some(profile.clone())),
    };
    let set = blueprint.network.perimeter != crate::blueprint::PerimeterSetting::default();
    Some(PerimeterReport {
        perimeter: cell(&name),
        created,
        profile: profile.as_deref().map(cell),
        from: if set {
            cite(source, "network.perimeter")
        } else {
            None
        },
        modes: perimeter
            .access
            .iter()
            .map(|(environment, mode)| {
                let per_environment = blueprint
                    .governance
                    .environments
                    .get(environment)
                    .is_some_and(|o| o.policy.is_some());
                let because = if per_environment {
                    format!("governance.environments.{environment}.policy")
                } else {
                    "governance.policy".to_string()
                };
                let written = per_environment
                    || blueprint.governance.policy != crate::blueprint::PolicyMode::default();
                PerimeterModeRow {
                    environment: environment.clone(),
                    mode: mode.words().to_string(),
                    from: if written {
                        cite(source, &because)
                    } else {
                        None
                    },
                    because: if written {
                        because
                    } else {
                        "policy audits by default".to_string()
                    },
                }
            })
            .collect(),
        rules: perimeter
            .profiles
            .iter()
            .flat_map(|profile| {
                profile.rules.iter().map(|rule| PerimeterRuleRow {
                    profile: profile.name.clone(),
                    rule: rule.name.clone(),
                    direction: "inbound".into(),
                    allows: rule.address_prefixes.clone(),
                    component: rule.component.clone(),
                    from: cite(source, &rule.because),
                })
            })
            .collect(),
        associations: perimeter
            .associations
            .iter()
            .map(|association| PerimeterAssociationRow {
                resource: association.label.clone(),
                resource_type: association.resource_type.to_string(),
                profile: cell(&association.profile),
                availability: association.availability.to_lowercase(),
                from: cite(source, &association.because),
            })
            .collect(),
        kept_out: perimeter
            .kept_out
            .iter()
            .map(|kept| PerimeterKeptOutRow {
                resource: kept.label.clone(),
                resource_type: kept.resource_type.to_string(),
                reason: kept.reason.to_string(),
            })
            .collect(),
    })
}

/// How the generated workflow deploys each environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentRow {
    /// Through a deployment stack with deny settings (`[deployment] stacks`).
    pub stacks: bool,
    /// The stack's name in each environment's resource group, `<app>-<environment>`.
    pub stack_name: String,
    /// The deployment's stages when one ARM deployment cannot hold it (`main`, `main-2`, …);
    /// empty when it is one. Each stage has its own stack, `<stack_name>-<stage>`.
    pub stages: Vec<String>,
    /// Components the next deployment recovers from soft delete: `component (environments)`.
    pub recover: Vec<String>,
}

fn deployment_row(plan: &Plan) -> DeploymentRow {
    DeploymentRow {
        stacks: plan.deployment.stacks,
        stack_name: format!("{}-<environment>", plan.app),
        stages: Vec::new(),
        recover: plan
            .components
            .iter()
            .filter_map(|component| {
                let environments = plan.deployment.recovering(&component.name);
                (!environments.is_empty())
                    .then(|| format!("{} ({})", component.name, environments.join(", ")))
            })
            .collect(),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeliveryRow {
    pub component: String,
    pub kind: String,
    pub path: String,
    pub from: Option<Cite>,
}

fn delivery_rows(plan: &Plan, source: Option<&Source>) -> Vec<DeliveryRow> {
    crate::emit::deliveries(plan)
        .iter()
        .map(|delivery| {
            let kind = plan
                .components
                .iter()
                .find(|component| component.name == delivery.component)
                .map(|component| component.kind().to_string())
                .unwrap_or_default();
            DeliveryRow {
                component: delivery.component.clone(),
                kind,
                path: cell(&delivery.describe()),
                from: cite(source, &format!("components.{}", delivery.component)),
            }
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeployerRow {
    pub role: String,
    pub scope: String,
    pub environments: String,
    pub reason: String,
    /// For role-assignment rights: what the ABAC condition allows.
    pub condition: Option<String>,
}

fn deployer_rows(plan: &Plan) -> Vec<DeployerRow> {
    crate::deployer::grants(plan)
        .into_iter()
        .map(|grant| DeployerRow {
            role: cell(grant.role.name()),
            scope: cell(&grant.scope.describe()),
            environments: grant.environments.join(", "),
            reason: cell(&grant.reason),
            condition: grant.condition.map(|roles| {
                format!(
                    "assigns only {} role definition(s), to service principals only",
                    roles.built_in.len() + roles.custom.len()
                )
            }),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphPermissionRow {
    pub permission: String,
    pub reason: String,
}

fn graph_permission_rows(plan: &Plan) -> Vec<GraphPermissionRow> {
    crate::deployer::graph_permissions(plan)
        .iter()
        .map(|permission| GraphPermissionRow {
            permission: permission.name.to_string(),
            reason: cell(permission.reason),
        })
        .collect()
}

/// One caller allowed to call one app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRow {
    pub caller: String,
    pub target: String,
    /// The app role its identity is assigned.
    pub role: String,
    /// How the call stays inside the VNet.
    pub route: String,
    /// The caller's settings naming the target (URL, audience, scope).
    pub settings: String,
    pub because: String,
    pub from: Option<Cite>,
}

fn call_rows(plan: &Plan, source: Option<&Source>) -> Vec<CallRow> {
    plan.calls
        .iter()
        .map(|call| {
            let route = match plan.component(&call.target).map(|target| &target.spec) {
                Some(ComponentSpec::ContainerApp(app)) => match app.environment {
                    ContainerEnvironment::Shared => {
                        "the shared internal Container Apps environment, resolved by its private DNS zone"
                    }
                    ContainerEnvironment::Dedicated => {
                        "the target's internal Container Apps environment, resolved by its private DNS zone"
                    }
                },
                _ => "the target's private endpoint (sites), resolved by privatelink.azurewebsites.net",
            };
            let settings: Vec<String> = ["url", "audience", "scope"]
                .iter()
                .map(|word| format!("`{}`", catalog::naming::setting_name(&[&call.target, word])))
                .collect();
            CallRow {
                caller: call.caller.clone(),
                target: call.target.clone(),
                role: if plan.pre_created_registration(call) {
                    format!("`{}` (assigned by the platform team)", call.role)
                } else {
                    format!("`{}`", call.role)
                },
                route: route.to_string(),
                settings: settings.join(", "),
                because: call.because.clone(),
                from: cite(source, &call.because),
            }
        })
        .collect()
}

/// One thing bulwark cannot deploy from the app's resource group and the platform must.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlatformRow {
    pub need: String,
    pub what: String,
    /// The blueprint path that makes it necessary, and its line.
    pub because: String,
    pub from: Option<Cite>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentRow {
    pub name: String,
    pub policy: String,
    pub locks: bool,
    pub logs: String,
}

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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryRow {
    pub component: String,
    pub path: String,
    pub protection: String,
    pub output: String,
    pub from: Option<Cite>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccessRow {
    pub principal: String,
    pub scope: String,
    pub role: String,
    pub access: String,
    pub because: String,
    pub from: Option<Cite>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointRow {
    pub component: String,
    pub group: String,
    pub zones: Vec<String>,
    pub registration: String,
    pub because: String,
    pub from: Option<Cite>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubnetRow {
    pub name: String,
    pub ranges: Vec<String>,
    pub purpose: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WaiverRow {
    pub control: String,
    pub component: String,
    pub reason: String,
    pub expires: String,
    pub hardened: String,
    pub weakened: String,
    pub allow_from: Vec<String>,
    /// `local-auth`: the SAS rules it creates, e.g. `waiver-local-auth` on queue `invoices` (Send).
    pub grants: Vec<String>,
    pub exemptions: Vec<String>,
    pub because: String,
    pub from: Option<Cite>,
}

/// A SAS authorization rule a `local-auth` waiver creates on one entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SasKeyRow {
    pub component: String,
    /// `queue`, `topic` or `event hub`.
    pub entity_kind: String,
    pub entity: String,
    pub rule: String,
    /// As Azure spells them: `Send`, `Listen`.
    pub rights: Vec<String>,
    pub module: String,
    pub expires: String,
    /// The Azure CLI command that reads this rule's keys (and only this rule's).
    pub keys_command: String,
    pub because: String,
    pub from: Option<Cite>,
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRow {
    pub name: String,
    pub guid: String,
    pub effects: Vec<String>,
    pub because: String,
    pub exempted_for: Vec<String>,
}

const TEMPLATE: &str = include_str!("../templates/security-report.md.tera");

impl Report {
    pub fn render_markdown(&self) -> String {
        let context = tera::Context::from_serialize(self).expect("a report serializes");
        let text = tera::Tera::one_off(TEMPLATE, &context, false)
            .expect("the embedded report template renders");
        let mut text = escape_html(&text);
        // One trailing newline, however the template ends.
        while text.ends_with("\n\n") {
            text.pop();
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text
    }
}

fn authentication(kind: Kind) -> &'static str {
    match kind {
        Kind::WebApp | Kind::FunctionApp => {
            "Calls other services as its managed identity; FTP and SCM basic auth off"
        }
        Kind::ContainerApp => "Calls other services and pulls images as its managed identity",
        Kind::Storage => "Entra ID only: shared keys, local users and SFTP off",
        Kind::KeyVault => "Entra ID with Azure RBAC (no access policies)",
        Kind::ContainerRegistry => "Entra ID only: admin user and anonymous pull off",
        Kind::SqlDatabase => "Microsoft Entra-only authentication; SQL logins off",
        Kind::Postgres => "Microsoft Entra authentication; password authentication off",
        Kind::CosmosDb => "Entra ID data-plane roles; keys and key-based metadata writes off",
        Kind::ServiceBus | Kind::EventHubs => "Entra ID only: local (SAS) authentication off",
        Kind::Redis => "Entra ID access policies; access keys off",
        Kind::AppConfiguration => "Entra ID only: access keys off",
        Kind::OpenAi | Kind::AiSearch => "Entra ID only: API keys off",
        Kind::External => "Its secret, kept in Key Vault, read by the components that use it",
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

/// The report with every `<` that Markdown could read as HTML (a tag, a comment, an
/// autolink) written as `&lt;`, so text from the blueprint (a tag value, a waiver's reason)
/// cannot put markup into SECURITY.md. A `<` is left as it is only inside a code span that
/// closes on the same line and in the same table cell (`` `id-app-<env>` ``), where Markdown
/// shows it as text; a span a backtick in the text could unbalance is not trusted.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let table_row = line.starts_with('|');
        let mut rest = line;
        while !rest.is_empty() {
            // One table cell (up to an unescaped `|`), or the whole line.
            let end = if table_row {
                cell_end(rest)
            } else {
                rest.len()
            };
            escape_segment(&rest[..end], &mut out);
            rest = &rest[end..];
        }
    }
    out
}

/// The length of `text` up to and including its first unescaped `|` after the first byte.
fn cell_end(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut index = 1;
    while index < bytes.len() {
        match bytes[index] {
            b'\\' => index += 2,
            b'|' => return index + 1,
            _ => index += 1,
        }
    }
    text.len()
}

fn escape_segment(segment: &str, out: &mut String) {
    let mut rest = segment;
    while let Some(open) = rest.find('`') {
        let run = rest[open..].bytes().take_while(|b| *b == b'`').count();
        let after = &rest[open + run..];
        // The closing run: exactly as many backticks.
        let mut close = None;
        let mut search = 0;
        while let Some(found) = after[search..].find('`') {
            let at = search + found;
            let length = after[at..].bytes().take_while(|b| *b == b'`').count();
            if length == run {
                close = Some(at);
                break;
            }
            search = at + length;
        }
        match close {
            Some(close) => {
                push_escaped(&rest[..open], out);
                out.push_str(&rest[open..open + run + close + run]);
                rest = &after[close + run..];
            }
            None => {
                push_escaped(&rest[..open + run], out);
                rest = after;
            }
        }
    }
    push_escaped(rest, out);
}

fn push_escaped(text: &str, out: &mut String) {
    out.push_str(&text.replace('<', "&lt;"));
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn cite(source: Option<&Source>, path: &str) -> Option<Cite> {
    source.and_then(|source| source.cite(path))
}

fn scope_words(scope: &Scope) -> String {
    match scope {
        Scope::ApplicationInsights => "Application Insights".to_string(),
        Scope::Component(component) => component.clone(),
        Scope::Part {
            component,
            kind,
            name,
        } => format!("{component}.{name} ({kind})"),
    }
}

pub fn build(
    blueprint: &Blueprint,
    plan: &Plan,
    blueprint_label: &str,
    source: Option<&Source>,
) -> Report {
    let governance = &plan.governance;
    let central = governance.monitoring.central.as_ref();
    let environments = plan
        .environments
        .iter()
        .map(|environment| EnvironmentRow {
            name: environment.clone(),
            policy: match governance.policy[environment] {
                PolicyMode::Audit => "audit".to_string(),
                PolicyMode::Deny => "deny".to_string(),
            },
            locks: governance.locks[environment],
            logs: match central {
                Some(ids) => format!(
                    "central workspace `{}`",
                    ids[environment].rsplit('/').next().unwrap_or_default()
                ),
                None => format!(
                    "the app's workspace, {} days",
                    governance.monitoring.retention_days[environment]
                ),
            },
        })
        .collect();
    let locked_environments: Vec<&str> = governance
        .locks
        .iter()
        .filter(|(_, locked)| **locked)
        .map(|(e, _)| e.as_str())
        .collect();
    let egress = if plan.network.existing
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
    };
    let registration = match &plan.network.dns {
        DnsPlan::Create => "zone group in the app's private DNS zone",
        DnsPlan::Central(zones) if zones.is_empty() => "registered by the estate's DNS policy",
        DnsPlan::Central(_) => "zone group in the platform's private DNS zone",
    };

    let mut components = Vec::new();
    let mut entry_points = Vec::new();
    let mut private_endpoints = Vec::new();
    for component in &plan.components {
        let kind = component.kind();
        let path = component.path();
        let waivers: Vec<_> = governance
            .waivers
            .iter()
            .filter(|w| w.component == component.name)
            .collect();
        let waived = |control: Control| waivers.iter().find(|w| w.control == control);
        let groups: Vec<&str> = component
            .private_endpoints
            .iter()
            .map(|e| e.group_id)
            .collect();
        let exposure = match &component.spec {
            crate::blueprint::ComponentSpec::WebApp(web) => app_exposure(web.ingress, &groups),
            crate::blueprint::ComponentSpec::FunctionApp(function) => {
                app_exposure(function.ingress, &groups)
            }
            crate::blueprint::ComponentSpec::ContainerApp(app) => match app.ingress {
                Ingress::None => "No inbound traffic".to_string(),
                _ => "Internal Container Apps environment: reachable inside the VNet only"
                    .to_string(),
            },
            crate::blueprint::ComponentSpec::External(external) => format!(
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
        let exposure = match waived(Control::DirectPublicIngress) {
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
        };
        let mut authentication = authentication(kind).to_string();
        let mut callers: Vec<&str> = plan
            .calls_to(&component.name)
            .map(|call| call.caller.as_str())
            .collect();
        callers.dedup();
        if !callers.is_empty() {
            authentication = format!(
                "{authentication}; receives calls only with an Entra token for its app registration's audience, from {} (app role assignment required; others get 401)",
                callers.join(", ")
            );
        }
        if let Some(w) = waived(Control::SharedKeyAccess).or(waived(Control::LocalAuth)) {
            authentication = format!(
                "{authentication}; WAIVED until {}: {}",
                w.expires, w.weakened
            );
            if !w.grants.is_empty() {
                authentication = format!(
                    "{authentication}, SAS keys only through {}; the namespace's RootManageSharedAccessKey is handed to no one (see SAS keys)",
                    grant_words(&w.grants).join(", ")
                );
            }
        }
        let ingress = match &component.spec {
            crate::blueprint::ComponentSpec::WebApp(web) => Some(web.ingress),
            crate::blueprint::ComponentSpec::FunctionApp(function) => Some(function.ingress),
            _ => None,
        };
        let url = format!(
            "`urls.{}` output of main.bicep (of the last stage when the deployment is split)",
            catalog::naming::component_symbol(&component.name)
        );
        match (ingress, waived(Control::DirectPublicIngress)) {
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
        let compute = component.is_compute();
        let stateful = !compute && !component.private_endpoints.is_empty();
        let policies: Vec<String> = plan
            .policies
            .iter()
            .filter(|p| p.because == format!("{kind} components"))
            .map(|p| p.policy.display_name.trim_end_matches('.').to_string())
            .collect();
        components.push(ComponentRow {
            name: component.name.clone(),
            kind: kind.to_string(),
            what: catalog::kind_spec(kind).summary.to_string(),
            identity: if compute {
                format!("user-assigned `id-{}-{}-<env>`", plan.app, component.name)
            } else {
                "none (it is called, it calls nothing)".to_string()
            },
            exposure,
            outbound: if compute {
                egress.to_string()
            } else {
                "-".to_string()
            },
            authentication,
            transport: transport(kind).to_string(),
            logging: if kind == Kind::External {
                "-".to_string()
            } else {
                format!(
                    "diagnostic settings (allLogs, AllMetrics where supported) to {}",
                    if central.is_some() {
                        "the central workspace"
                    } else {
                        "the app's workspace"
                    }
                )
            },
            locked: if stateful && !locked_environments.is_empty() {
                format!("CanNotDelete in {}", locked_environments.join(", "))
            } else {
                "-".to_string()
            },
            policies,
            waived: waivers.iter().map(|w| w.control.to_string()).collect(),
            from: cite(source, &path),
        });
        for endpoint in &component.private_endpoints {
            private_endpoints.push(EndpointRow {
                component: component.name.clone(),
                group: endpoint.group_id.to_string(),
                zones: endpoint.zones.iter().map(|z| z.to_string()).collect(),
                registration: registration.to_string(),
                because: path.clone(),
                from: cite(source, &path),
            });
        }
    }

    let mut access: Vec<AccessRow> = plan
        .role_assignments
        .iter()
        .map(|assignment| AccessRow {
            principal: assignment.principal.clone(),
            scope: scope_words(&assignment.scope),
            role: assignment.role.name(),
            access: assignment
                .access
                .map(|a| a.to_string())
                .unwrap_or_else(|| "telemetry".to_string()),
            because: assignment.because.clone(),
            from: cite(source, &assignment.because),
        })
        .collect();
    for component in plan
        .components
        .iter()
        .filter(|c| c.kind() == Kind::FunctionApp)
    {
        let path = component.path();
        access.extend(
            catalog::FUNCTION_HOST_STORAGE_ROLES
                .iter()
                .map(|role| AccessRow {
                    principal: component.name.clone(),
                    scope: format!("{} host storage (its own account)", component.name),
                    role: role.to_string(),
                    access: "host runtime".to_string(),
                    because: path.clone(),
                    from: cite(source, &path),
                }),
        );
    }
    access.extend(plan.database_grants.iter().map(|grant| AccessRow {
        principal: grant.principal.clone(),
        scope: format!("{}.{} (database)", grant.server, grant.database),
        role: grant.roles.join(" + "),
        access: grant.access.to_string(),
        because: grant.because.clone(),
        from: cite(source, &grant.because),
    }));
    access
        .sort_by(|a, b| (&a.principal, &a.scope, &a.role).cmp(&(&b.principal, &b.scope, &b.role)));

    let waivers = governance
        .waivers
        .iter()
        .map(|w| WaiverRow {
            control: w.control.to_string(),
            component: w.component.clone(),
            reason: cell(&w.reason),
            expires: w.expires.to_string(),
            hardened: w.hardened.to_string(),
            weakened: w.weakened.to_string(),
            allow_from: w.allow_from.clone(),
            grants: grant_words(&w.grants),
            exemptions: w
                .policies
                .iter()
                .map(|p| p.display_name.trim_end_matches('.').to_string())
                .collect(),
            because: w.because.clone(),
            from: cite(source, &w.because),
        })
        .collect();

    let policies = plan
        .policies
        .iter()
        .map(|assignment| {
            let mut by_effect: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (environment, effect) in &assignment.effects {
                by_effect.entry(effect).or_default().push(environment);
            }
            let effects = if by_effect.len() == 1 {
                by_effect.keys().map(|e| e.to_string()).collect()
            } else {
                by_effect
                    .iter()
                    .map(|(effect, envs)| format!("{effect} ({})", envs.join(", ")))
                    .collect()
            };
            PolicyRow {
                name: assignment
                    .policy
                    .display_name
                    .trim_end_matches('.')
                    .to_string(),
                guid: assignment.policy.guid.to_string(),
                effects,
                because: assignment.because.clone(),
                exempted_for: governance
                    .waivers
                    .iter()
                    .filter(|w| w.policies.iter().any(|p| p.guid == assignment.policy.guid))
                    .map(|w| format!("{} until {}", w.component, w.expires))
                    .collect(),
            }
        })
        .collect();

    let subnets = plan
        .subnets
        .iter()
        .map(|subnet| SubnetRow {
            name: subnet.name.clone(),
            ranges: match subnet.prefix() {
                crate::plan::PerEnvironment::Same(range) => vec![range.to_string()],
                crate::plan::PerEnvironment::Each(_) => plan
                    .environments
                    .iter()
                    .map(|e| format!("{e}: {}", subnet.prefix_in(e)))
                    .collect(),
            },
            purpose: match &subnet.purpose {
                crate::plan::SubnetPurpose::PrivateEndpoints => {
                    "private endpoints; inbound only on their ports, from the VNet".to_string()
                }
                crate::plan::SubnetPurpose::Integration { component, .. } => {
                    format!("outbound of {component}; no inbound")
                }
                crate::plan::SubnetPurpose::ContainerEnvironment { component } => format!(
                    "Container Apps environment{}; HTTPS from the VNet, load-balancer probes and traffic within the subnet",
                    component
                        .as_ref()
                        .map(|c| format!(" of {c}"))
                        .unwrap_or_default()
                ),
            },
        })
        .collect();

    // The template's SAS keys text: Azure creates RootManageSharedAccessKey (Manage on the
    // whole namespace) with every namespace (MicrosoftDocs/azure-docs service-bus-messaging/
    // service-bus-sas.md, 11/01/2022; event-hubs/authorize-access-shared-access-signature.md,
    // 03/13/2023); Owner and Contributor "manage all resources" (roles.tsv), listKeys included.
    let sas_keys = governance
        .waivers
        .iter()
        .flat_map(|w| w.grants.iter().map(move |g| (w, g)))
        .filter_map(|(w, grant)| {
            let component = plan.component(&w.component)?;
            Some(SasKeyRow {
                component: w.component.clone(),
                entity_kind: grant.kind.to_string(),
                entity: grant.entity.clone(),
                rule: grant.rule.to_string(),
                rights: grant
                    .rights
                    .iter()
                    .map(|r| r.azure_name().to_string())
                    .collect(),
                module: component_module_path(component),
                expires: w.expires.to_string(),
                keys_command: keys_command(grant.kind, &w.component, &grant.entity, grant.rule),
                because: grant.because.clone(),
                from: cite(source, &grant.because),
            })
        })
        .collect();

    Report {
        app: plan.app.clone(),
        blueprint: blueprint_label.to_string(),
        generator: crate::emit::GENERATOR.to_string(),
        environments,
        tags: blueprint
            .tags
            .iter()
            .map(|(name, value)| (cell(name), cell(value)))
            .collect(),
        components,
        entry_points,
        access,
        private_endpoints,
        subnets,
        waivers,
        sas_keys,
        exposure: exposure(plan, source),
        platform: platform_needs(blueprint, plan, source),
        // The template's "What stays public": one Private Link Scope per DNS, on the hub, as it
        // rewrites DNS for Azure Monitor's shared endpoints in every network sharing it; resource
        // logs from diagnostic settings bypass these network settings (MicrosoftDocs/
        // azure-monitor-docs articles/azure-monitor/fundamentals/private-link-design.md, 10/23/2024).
        own_workspace: central.is_none(),
        policies,
        benchmark: governance.benchmark,
        deployer: deployer_rows(plan),
        graph_permissions: graph_permission_rows(plan),
        calls: call_rows(plan, source),
        deployment: deployment_row(plan),
        code_delivery: delivery_rows(plan, source),
        perimeter: perimeter_report(blueprint, plan, source),
        diagram: diagram::mermaid(plan),
    }
}

/// What the hub's owner must provide, from the network the blueprint describes.
fn platform_needs(
    blueprint: &Blueprint,
    plan: &Plan,
    source: Option<&Source<'_>>,
) -> Vec<PlatformRow> {
    let net = &plan.network;
    let mut rows = Vec::new();
    let mut row = |need: &str, what: String, because: &str| {
        rows.push(PlatformRow {
            need: need.to_string(),
            what,
            because: because.to_string(),
            from: cite(source, because),
        });
    };
    let listed = |values: Vec<String>| {
        let mut values = values;
        values.sort();
        values.dedup();
        values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
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
            row(
                "DNS",
                format!(
                    "the VNet's DNS (its DNS servers, or zones linked to it) resolves {zones} to the private endpoints; without it their names resolve to public addresses, which refuse connections"
                ),
                "network.dns",
            );
        } else if servers.is_empty() {
            row(
                "DNS",
                format!(
                    "the VNet uses Azure-provided DNS, so the platform links its zones {zones} to every spoke VNet (`vnetId` of `modules/network.bicep`); without the links the endpoints' names resolve to public addresses, which refuse connections"
                ),
                "network.dns",
            );
        } else {
            row(
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
        row(
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
        row(
            "Firewall",
            format!(
                "the route table in `existing.route_table_id` sends the app's outbound traffic to a firewall that allows it on 443: {egress_needs}{container_needs}, and any third party the app calls"
            ),
            "network.existing",
        );
    }
    if net.environments.values().any(|v| v.peer_with.is_some()) {
        // A peering connects only once both VNets have one to the other (MicrosoftDocs/
        // azure-docs articles/virtual-network/virtual-network-manage-peering.md).
        row(
            "Peering back",
            "the hub's owner adds a peering from the hub to each spoke VNet (`vnetId` of `modules/network.bicep`); until then the peering stays Initiated and no traffic flows".to_string(),
            if blueprint.network.peer_with.is_some() { "network.peer_with" } else { "network.environments" },
        );
    }
    // A pre-created registration is the platform team's, and so are its callers' app role
    // assignments: the deployment holds no Microsoft Graph rights to make them.
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
        row(
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
            row(
                "App role assignment",
                format!(
                    "assign {}'s identity (its `principalId` in main.bicep's `appRoleAssignments` output) the app role `{}` of {}'s registration, after the deployment that creates the identity; until then it gets no token for {}",
                    call.caller, call.role, component.name, component.name
                ),
                &because,
            );
        }
    }
    rows
}

/// `` `waiver-local-auth` on queue `invoices` (Send) `` for each grant.
fn grant_words(grants: &[crate::plan::governance::PlannedGrant]) -> Vec<String> {
    grants
        .iter()
        .map(|g| {
            format!(
                "rule `{}` on {} `{}` ({})",
                g.rule,
                g.kind,
                g.entity,
                g.rights_text()
            )
        })
        .collect()
}

/// The Azure CLI command that lists one entity rule's keys (Microsoft Learn, Azure CLI
/// reference: `az servicebus queue|topic authorization-rule keys list`, `az eventhubs
/// eventhub authorization-rule keys list`).
fn keys_command(kind: PartKind, component: &str, entity: &str, rule: &str) -> String {
    let (group, flag) = match kind {
        PartKind::Topic => ("servicebus topic", "--topic-name"),
        PartKind::EventHub => ("eventhubs eventhub", "--eventhub-name"),
        _ => ("servicebus queue", "--queue-name"),
    };
    format!(
        "az {group} authorization-rule keys list -g <resource group> --namespace-name <namespace of {component}> {flag} {entity} --name {rule}"
    )
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
fn exposure(plan: &Plan, source: Option<&Source>) -> Vec<ExposureRow> {
    let governance = &plan.governance;
    let app = &plan.app;
    let mut rows = Vec::new();
    for component in &plan.components {
        let module = component_module_path(component);
        let from = cite(source, &component.path());
        let waiver = governance.waivers.iter().find(|w| {
            w.component == component.name
                && matches!(
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

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn markup_is_escaped_outside_code_spans_only() {
        assert_eq!(
            escape_html("a <img src=x onerror=alert(1)> `id-<env>` b\n"),
            "a &lt;img src=x onerror=alert(1)> `id-<env>` b\n"
        );
        // A backtick in the text that leaves a span unclosed does not hide markup.
        assert_eq!(escape_html("`x <b>\n"), "`x &lt;b>\n");
        // A span does not reach across table cells.
        assert_eq!(escape_html("| `a | <b> ` |\n"), "| `a | &lt;b> ` |\n");
        assert_eq!(
            escape_html("| `<env>` | <!-- x --> |\n"),
            "| `<env>` | &lt;!-- x --> |\n"
        );
    }
}
