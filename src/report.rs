//! The security report: what a reviewer needs to sign off the generated infrastructure
//! without reading Bicep. Built from the plan (pure data, `--format json`), rendered to
//! Markdown by `templates/security-report.md.tera`; every line that exists because of the
//! blueprint names the blueprint key that caused it.
//!
//! This file holds the report's shape ([`Report`]), how a row cites the blueprint
//! ([`Source`], [`Cite`]) and [`build`], which fills each section from the file that owns it:
//! components, exposure and entry points, authentication, access and calls, governance
//! (environments, waivers, shared access keys, policies), the network (subnets, private
//! endpoints, the perimeter), the platform's part, and the deployment; `markdown` renders it.

use crate::blueprint::{Blueprint, SourceMap};
use crate::plan::Plan;
use serde::Serialize;
use std::collections::BTreeMap;

mod access;
mod authentication;
mod components;
mod deployment;
pub mod diagram;
mod exposure;
mod governance;
mod markdown;
mod network;
mod perimeter;
mod platform;

pub use access::{AccessRow, CallRow};
pub use components::ComponentRow;
pub use deployment::{DeliveryRow, DeployerRow, DeploymentRow, GraphPermissionRow};
pub use exposure::{EntryRow, ExposureRow, PublicAccess};
pub use governance::{EnvironmentRow, PolicyRow, SasKeyRow, WaiverRow};
pub use markdown::Prepared;
pub use network::{EndpointRow, SubnetRow};
pub use perimeter::{
    PerimeterAssociationRow, PerimeterKeptOutRow, PerimeterModeRow, PerimeterReport,
    PerimeterRuleRow,
};
pub use platform::PlatformRow;

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

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn cite(source: Option<&Source>, path: &str) -> Option<Cite> {
    source.and_then(|source| source.cite(path))
}

/// The report of a plan; `source` (the blueprint's text and source map) lets rows cite the
/// line behind them.
pub fn build(
    blueprint: &Blueprint,
    plan: &Plan,
    blueprint_label: &str,
    source: Option<&Source>,
) -> Report {
    Report {
        diagram: diagram::mermaid(plan),
        ..build_rows(blueprint, plan, blueprint_label, source)
    }
}

/// [`build`] without the diagram (left empty), which [`markdown_of`] draws on its helper.
fn build_rows(
    blueprint: &Blueprint,
    plan: &Plan,
    blueprint_label: &str,
    source: Option<&Source>,
) -> Report {
    Report {
        app: plan.app.clone(),
        blueprint: blueprint_label.to_string(),
        generator: crate::emit::GENERATOR.to_string(),
        environments: governance::environment_rows(plan),
        tags: blueprint
            .tags
            .iter()
            .map(|(name, value)| (cell(name), cell(value)))
            .collect(),
        components: components::component_rows(plan, source),
        entry_points: exposure::entry_rows(plan, source),
        access: access::access_rows(plan, source),
        private_endpoints: network::endpoint_rows(plan, source),
        subnets: network::subnet_rows(plan),
        waivers: governance::waiver_rows(plan, source),
        sas_keys: governance::sas_key_rows(plan, source),
        exposure: exposure::exposure(plan, source),
        platform: platform::platform_needs(blueprint, plan, source),
        // The template's "What stays public": one Private Link Scope per DNS, on the hub, as it
        // rewrites DNS for Azure Monitor's shared endpoints in every network sharing it; resource
        // logs from diagnostic settings bypass these network settings (MicrosoftDocs/
        // azure-monitor-docs articles/azure-monitor/fundamentals/private-link-design.md, 10/23/2024).
        own_workspace: plan.governance.monitoring.central.is_none(),
        policies: governance::policy_rows(plan),
        benchmark: plan.governance.benchmark,
        deployer: deployment::deployer_rows(plan),
        graph_permissions: deployment::graph_permission_rows(plan),
        calls: access::call_rows(plan, source),
        deployment: deployment::deployment_row(plan),
        code_delivery: deployment::delivery_rows(plan, source),
        perimeter: perimeter::perimeter_report(blueprint, plan, source),
        diagram: String::new(),
    }
}

/// [`markdown_of`] but for the deployment's stages, which only the stage split decides:
/// the template parsed, the diagram drawn, the rows built and written, all on this thread,
/// so that a caller can prepare the report on a core the split leaves idle and
/// [`Prepared::finish`] it once the stages are known.
pub fn prepare(
    blueprint: &Blueprint,
    plan: &Plan,
    blueprint_label: &str,
    source: Option<&Source>,
) -> Prepared {
    let template = markdown::Template::parse();
    build(blueprint, plan, blueprint_label, source).into_prepared(template)
}

/// The report's Markdown, as [`build`] and [`Report::into_markdown`] make it, with
/// `stages` (the deployment's stage templates, when it has more than one) in its deployment
/// row. With `threads` above 1, a helper thread parses the template and draws the diagram
/// (together about half the report's work at a few hundred components, and needing neither
/// the rows nor each other) while this thread builds the rows: the report is rendered after
/// generation, when the component workers are done and the other core is free. The helper
/// holds only the parsed template and the diagram's text; its counters come back here.
pub fn markdown_of(
    blueprint: &Blueprint,
    plan: &Plan,
    blueprint_label: &str,
    source: Option<&Source>,
    stages: Vec<String>,
    threads: usize,
) -> String {
    let with_stages = |mut report: Report| {
        if stages.len() > 1 {
            report.deployment.stages = stages;
        }
        report
    };
    if threads < 2 {
        let report = build(blueprint, plan, blueprint_label, source);
        return with_stages(report).into_markdown();
    }
    std::thread::scope(|scope| {
        let helper = crate::counters::spawn_counted(scope, || {
            (markdown::Template::parse(), diagram::mermaid(plan))
        });
        let report = build_rows(blueprint, plan, blueprint_label, source);
        let (template, diagram) = crate::counters::join_counted(helper);
        let report = Report {
            diagram,
            ..with_stages(report)
        };
        report.into_markdown_with(&template)
    })
}
