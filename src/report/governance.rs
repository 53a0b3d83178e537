//! The governance sections of the security report: each environment's policy mode, locks
//! and logs; the waivers and the shared access keys `local-auth` waivers create; the
//! built-in policies assigned, with their effects and exemptions.

use super::{Cite, Source, cell, cite};
use crate::blueprint::{PartKind, PolicyMode};
use crate::emit::component_module_path;
use crate::plan::Plan;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentRow {
    pub name: String,
    pub policy: String,
    pub locks: bool,
    pub logs: String,
}

pub(super) fn environment_rows(plan: &Plan) -> Vec<EnvironmentRow> {
    let governance = &plan.governance;
    let central = governance.monitoring.central.as_ref();
    plan.environments
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
        .collect()
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

pub(super) fn waiver_rows(plan: &Plan, source: Option<&Source>) -> Vec<WaiverRow> {
    plan.governance
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
        .collect()
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

/// The template's SAS keys text: Azure creates RootManageSharedAccessKey (Manage on the
/// whole namespace) with every namespace (MicrosoftDocs/azure-docs service-bus-messaging/
/// service-bus-sas.md, 11/01/2022; event-hubs/authorize-access-shared-access-signature.md,
/// 03/13/2023); Owner and Contributor "manage all resources" (roles.tsv), listKeys included.
pub(super) fn sas_key_rows(plan: &Plan, source: Option<&Source>) -> Vec<SasKeyRow> {
    plan.governance
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
        .collect()
}

/// `` `waiver-local-auth` on queue `invoices` (Send) `` for each grant.
pub(super) fn grant_words(grants: &[crate::plan::governance::PlannedGrant]) -> Vec<String> {
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyRow {
    pub name: String,
    pub guid: String,
    pub effects: Vec<String>,
    pub because: String,
    pub exempted_for: Vec<String>,
}

pub(super) fn policy_rows(plan: &Plan) -> Vec<PolicyRow> {
    plan.policies
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
                exempted_for: plan
                    .governance
                    .waivers
                    .iter()
                    .filter(|w| w.policies.iter().any(|p| p.guid == assignment.policy.guid))
                    .map(|w| format!("{} until {}", w.component, w.expires))
                    .collect(),
            }
        })
        .collect()
}
