//! The report's network security perimeter: created or the platform's, its access mode per
//! environment and why, its inbound rules, the resources associated with it and those kept
//! out.

use super::{Cite, Source, cell, cite};
use crate::blueprint::Blueprint;
use crate::plan::Plan;
use serde::Serialize;

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

pub(super) fn perimeter_report(
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
