//! How the app is deployed, for the report: the deployment (stacks, stages, recoveries),
//! how code reaches each compute component, and the deploying identity's roles and
//! Microsoft Graph permissions (from [`crate::deployer`]).

use super::{Cite, Source, cell, cite};
use crate::plan::Plan;
use serde::Serialize;

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

pub(super) fn deployment_row(plan: &Plan) -> DeploymentRow {
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

pub(super) fn delivery_rows(plan: &Plan, source: Option<&Source>) -> Vec<DeliveryRow> {
    crate::emit::deliveries(plan)
        .iter()
        .map(|delivery| {
            // A binary search: a scan of the components per delivery grew with their square.
            let kind = plan
                .component(&delivery.component)
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

pub(super) fn deployer_rows(plan: &Plan) -> Vec<DeployerRow> {
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

pub(super) fn graph_permission_rows(plan: &Plan) -> Vec<GraphPermissionRow> {
    crate::deployer::graph_permissions(plan)
        .iter()
        .map(|permission| GraphPermissionRow {
            permission: permission.name.to_string(),
            reason: cell(permission.reason),
        })
        .collect()
}
