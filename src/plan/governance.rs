//! Governance in the plan: each policy assignment's effect per environment, locks, tags,
//! the monitoring workspace, and the waivers with the exemptions they need.

use super::PerEnvironment;
use crate::blueprint::{Blueprint, Control, Date, PartKind, PolicyMode, SasRight};
use crate::catalog::controls;
use crate::catalog::facts::{self, Policy};
use std::collections::BTreeMap;

/// The effect parameter of a built-in policy and the effects it allows, from the facts; the
/// one definition whose rule reads another parameter is named here (see its source below).
pub fn effect_parameter(policy: &Policy) -> (&'static str, Vec<&'static str>) {
    // "Azure Key Vaults should use private link": the rule reads `audit_effect` (Audit or
    // Disabled); its deprecated `effect` parameter allows Deny but is never read.
    // Azure/azure-policy built-in-policies/policyDefinitions/Key Vault/
    // AzureKeyVault_Should_Use_PrivateEndpoint_Audit.json.
    if policy.guid == "a6abeaec-4d90-4a02-805f-6b26c4d3fbe9" {
        return ("audit_effect", vec!["Audit", "Disabled"]);
    }
    ("effect", policy.effects.clone())
}

/// The strongest effect the definition allows for the environment's mode: `Deny` only where
/// the environment asks for it and the definition allows it, else the definition's audit.
pub fn effect_for(policy: &Policy, mode: PolicyMode) -> &'static str {
    let (_, allowed) = effect_parameter(policy);
    let has = |effect: &str| allowed.iter().any(|e| e.eq_ignore_ascii_case(effect));
    if mode == PolicyMode::Deny && has("Deny") {
        "Deny"
    } else if has("Audit") {
        "Audit"
    } else {
        "AuditIfNotExists"
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GovernancePlan {
    /// Environment → policy mode.
    pub policy: BTreeMap<String, PolicyMode>,
    /// Environment → whether stateful resources get a `CanNotDelete` lock.
    pub locks: BTreeMap<String, bool>,
    pub benchmark: bool,
    /// The blueprint's tags (besides `app`, `environment`, `managed-by`).
    pub tags: BTreeMap<String, String>,
    pub required_tags: Vec<String>,
    /// In blueprint order.
    pub waivers: Vec<PlannedWaiver>,
    pub monitoring: MonitoringPlan,
    /// Positions in `waivers`, sorted by component, then position: one component's
    /// waivers are one run of it, found by bisection (see [`GovernancePlan::waivers_of`]).
    by_component: Vec<usize>,
}

impl GovernancePlan {
    pub fn locks(&self) -> PerEnvironment<bool> {
        PerEnvironment::from_map(self.locks.clone())
    }

    pub fn deny_environments(&self) -> Vec<&str> {
        self.policy
            .iter()
            .filter(|(_, mode)| **mode == PolicyMode::Deny)
            .map(|(environment, _)| environment.as_str())
            .collect()
    }

    pub fn waiver(&self, component: &str, control: Control) -> Option<&PlannedWaiver> {
        self.waivers_of(component).find(|w| w.control == control)
    }

    /// The waivers of `component`, in blueprint order: looked up, not a scan of every
    /// waiver for every component.
    pub fn waivers_of(&self, component: &str) -> impl Iterator<Item = &PlannedWaiver> {
        super::sorted_run(&self.by_component, |position| {
            self.waivers[*position].component.as_str().cmp(component)
        })
        .iter()
        .map(|position| &self.waivers[*position])
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedWaiver {
    pub control: Control,
    pub component: String,
    pub reason: String,
    pub expires: Date,
    pub allow_from: Vec<String>,
    pub hardened: &'static str,
    pub weakened: &'static str,
    /// The policies the weaker setting violates: each gets an exemption.
    pub policies: Vec<&'static Policy>,
    /// `waivers[<index>]`.
    pub because: String,
    /// For `local-auth`: the SAS authorization rules, each scoped to one entity.
    pub grants: Vec<PlannedGrant>,
}

/// A SAS authorization rule on one queue, topic or event hub, with only the rights granted.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedGrant {
    /// Queue, topic or event hub.
    pub kind: PartKind,
    pub entity: String,
    /// Sorted, without repeats; never Manage.
    pub rights: Vec<SasRight>,
    /// The rule's name (the SAS key name a client presents).
    pub rule: &'static str,
    /// `waivers[<index>].grants[<index>]`.
    pub because: String,
}

impl PlannedGrant {
    /// `Send`, `Listen` or `Send, Listen`.
    pub fn rights_text(&self) -> String {
        self.rights
            .iter()
            .map(|r| r.azure_name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonitoringPlan {
    /// Environment → central workspace id, when logs go to one.
    pub central: Option<BTreeMap<String, String>>,
    pub retention_days: BTreeMap<String, u32>,
    pub daily_cap_gb: BTreeMap<String, Option<u32>>,
}

/// `lookup`: the blueprint's components by name, for each waiver to find its own.
pub fn plan_governance(blueprint: &Blueprint, lookup: &super::ByName<'_>) -> GovernancePlan {
    let environments = &blueprint.app.environments;
    let per = |f: &dyn Fn(&str) -> PolicyMode| -> BTreeMap<String, PolicyMode> {
        environments.iter().map(|e| (e.clone(), f(e))).collect()
    };
    let monitoring: BTreeMap<&String, _> = environments
        .iter()
        .map(|e| (e, blueprint.monitoring.in_environment(e)))
        .collect();
    let central = monitoring
        .values()
        .all(|m| m.workspace_id.is_some())
        .then(|| {
            monitoring
                .iter()
                .map(|(e, m)| ((*e).clone(), m.workspace_id.clone().unwrap_or_default()))
                .collect()
        });
    let waivers: Vec<PlannedWaiver> = blueprint
        .waivers
        .iter()
        .enumerate()
        .filter_map(|(index, waiver)| {
            let component = lookup.get(waiver.component.as_str())?;
            let kind = component.kind();
            let waivable = controls::waivable(waiver.control, kind)?;
            let parts = component.spec.parts();
            let grants = waiver
                .grants
                .iter()
                .enumerate()
                .filter(|_| waiver.control == Control::LocalAuth)
                .filter_map(|(grant_index, grant)| {
                    let part = parts.iter().find(|part| {
                        part.name == grant.to
                            && matches!(
                                part.kind,
                                PartKind::Queue | PartKind::Topic | PartKind::EventHub
                            )
                    })?;
                    let mut rights = grant.rights.clone();
                    rights.sort();
                    rights.dedup();
                    Some(PlannedGrant {
                        kind: part.kind,
                        entity: part.name.clone(),
                        rights,
                        rule: controls::SAS_RULE_NAME,
                        because: format!("waivers[{index}].grants[{grant_index}]"),
                    })
                })
                .collect();
            Some(PlannedWaiver {
                control: waiver.control,
                component: waiver.component.clone(),
                reason: waiver.reason.clone(),
                expires: waiver.expires,
                allow_from: waiver.allow_from.clone(),
                hardened: waivable.hardened,
                weakened: waivable.weakened,
                policies: waivable.policies.iter().map(|g| facts::policy(g)).collect(),
                because: format!("waivers[{index}]"),
                grants,
            })
        })
        .collect();
    let mut by_component: Vec<usize> = (0..waivers.len()).collect();
    by_component.sort_by(|a, b| waivers[*a].component.cmp(&waivers[*b].component));
    GovernancePlan {
        policy: per(&|e| blueprint.governance.policy_in(e)),
        locks: environments
            .iter()
            .map(|e| (e.clone(), blueprint.governance.locks_in(e)))
            .collect(),
        benchmark: blueprint.governance.benchmark,
        tags: blueprint.tags.clone(),
        required_tags: blueprint.governance.required_tags.clone(),
        waivers,
        by_component,
        monitoring: MonitoringPlan {
            central,
            retention_days: monitoring
                .iter()
                .map(|(e, m)| ((*e).clone(), m.retention_days))
                .collect(),
            daily_cap_gb: monitoring
                .iter()
                .map(|(e, m)| ((*e).clone(), m.daily_cap_gb))
                .collect(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_only_where_the_definition_allows_it() {
        for policy in facts::FACTS.policies.values() {
            let (_, allowed) = effect_parameter(policy);
            let assignable = allowed.iter().all(|e| !e.contains(' '));
            if allowed.is_empty() || !assignable {
                continue; // initiatives and fixed-effect definitions take no effect parameter
            }
            for mode in [PolicyMode::Audit, PolicyMode::Deny] {
                let effect = effect_for(policy, mode);
                assert!(
                    allowed.iter().any(|e| e.eq_ignore_ascii_case(effect)),
                    "{}: {effect} not in {allowed:?}",
                    policy.display_name
                );
            }
        }
    }
}
