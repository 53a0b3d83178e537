//! The Azure Policy assignments a blueprint implies: the baseline, each kind's, and Front
//! Door's when an app is public, each with its effect per environment.

use super::governance;
use crate::blueprint::{Blueprint, Component, ComponentSpec, Ingress, Kind};
use crate::catalog;
use crate::catalog::facts::{self, Policy};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct PolicyAssignment {
    pub name: String,
    pub policy: &'static Policy,
    /// Why it is assigned: the kinds (or baseline concern) it guards.
    pub because: String,
    /// Environment → the effect it is assigned with.
    pub effects: BTreeMap<String, &'static str>,
}

pub(super) fn plan_policies(blueprint: &Blueprint) -> Vec<PolicyAssignment> {
    let mut kinds: Vec<Kind> = blueprint.components.iter().map(Component::kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut guids: Vec<(&'static str, String)> = catalog::BASELINE_POLICIES
        .iter()
        .map(|guid| {
            (
                *guid,
                "every blueprint (network and monitoring)".to_string(),
            )
        })
        .collect();
    let public = blueprint.components.iter().any(|c| {
        matches!(&c.spec, ComponentSpec::WebApp(web) if web.ingress == Ingress::Public)
            || matches!(&c.spec, ComponentSpec::FunctionApp(f) if f.ingress == Ingress::Public)
    });
    for kind in kinds {
        let because = format!("{kind} components");
        guids.extend(
            catalog::kind_spec(kind)
                .policies
                .iter()
                .map(|guid| (*guid, because.clone())),
        );
        // Public apps are reached through Front Door's private link, so every app keeps
        // public network access disabled.
        if kind == Kind::WebApp {
            guids.push((catalog::WEB_APP_PRIVATE_POLICY, because.clone()));
        }
        if kind == Kind::FunctionApp {
            guids.push((catalog::FUNCTION_APP_PRIVATE_POLICY, because.clone()));
        }
    }
    if public {
        guids.extend(
            catalog::FRONT_DOOR_POLICIES
                .iter()
                .map(|guid| (*guid, "public ingress through Front Door".to_string())),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    guids
        .into_iter()
        .filter(|(guid, _)| seen.insert(*guid))
        .map(|(guid, because)| {
            let policy = facts::policy(guid);
            PolicyAssignment {
                name: format!("{}-{}", blueprint.app.name, &guid[..8]),
                policy,
                because,
                effects: blueprint
                    .app
                    .environments
                    .iter()
                    .map(|e| {
                        let mode = blueprint.governance.policy_in(e);
                        (e.clone(), governance::effect_for(policy, mode))
                    })
                    .collect(),
            }
        })
        .collect()
}
