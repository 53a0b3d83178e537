//! The network security perimeter: one per environment (or the platform's), every generated
//! resource whose type Microsoft lists as onboarded associated with it (facts/perimeter.tsv),
//! its access mode per environment following the policy mode, and access rules derived from
//! the blueprint's waivers and nothing else.

use super::network::{ResourceId, parse_resource_id};
use crate::blueprint::{Blueprint, Component, Control, PerimeterSetting, PolicyMode, Waiver};
pub use crate::catalog::perimeter::{associates, kind_joins, paas_resources};
use crate::catalog::{facts, types};
use std::collections::BTreeMap;

/// An association's access mode. The API still spells transition mode `Learning`
/// (Azure/bicep-types-az generated/network/microsoft.network/2025-05-01: accessMode
/// 'Learning' | 'Enforced' | 'Audit'; MicrosoftDocs/azure-docs articles/private-link/
/// network-security-perimeter-concepts.md: "Transition mode (formerly Learning mode)").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AccessMode {
    /// Transition: public access the perimeter's rules do not allow falls back to the
    /// resource's own network settings, and is logged.
    Learning,
    /// Everything from outside the perimeter is denied unless an access rule allows it.
    Enforced,
}

impl AccessMode {
    pub fn for_policy(mode: PolicyMode) -> Self {
        match mode {
            PolicyMode::Audit => AccessMode::Learning,
            PolicyMode::Deny => AccessMode::Enforced,
        }
    }

    /// The API value.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessMode::Learning => "Learning",
            AccessMode::Enforced => "Enforced",
        }
    }

    /// How the report names it.
    pub fn words(self) -> &'static str {
        match self {
            AccessMode::Learning => {
                "transition (Learning): logs, falls back to each resource's own network settings"
            }
            AccessMode::Enforced => "enforced: denies what no access rule allows",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum PerimeterMode {
    /// `nsp-<app>-<environment>` in the app's resource group.
    Create,
    /// The platform's perimeter and one of its profiles.
    Existing { id: ResourceId, profile: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PerimeterPlan {
    pub mode: PerimeterMode,
    /// Environment → access mode of every association.
    pub access: BTreeMap<String, AccessMode>,
    /// In component order (by name, as the plan's components); a function app's host
    /// storage after nothing else of its own.
    pub associations: Vec<Association>,
    /// Created perimeters only: the app's profile first, then one per waived component.
    pub profiles: Vec<ProfilePlan>,
    /// Generated resources whose type is onboarded but that bulwark keeps out, and why.
    pub kept_out: Vec<KeptOut>,
}

impl PerimeterPlan {
    /// The name of the created perimeter's shared profile.
    pub const APP_PROFILE: &'static str = "app";

    pub fn access_in(&self, environment: &str) -> AccessMode {
        self.access[environment]
    }

    /// The associations of one component: one run of `associations`, which are sorted by
    /// component.
    pub fn associations_of(&self, component: &str) -> &[Association] {
        super::sorted_run(&self.associations, |a| a.component.as_str().cmp(component))
    }
}

/// One resource joined to the perimeter.
#[derive(Debug, Clone, PartialEq)]
pub struct Association {
    pub component: String,
    /// `scans`, or `matcher host storage`.
    pub label: String,
    pub resource_type: &'static str,
    /// The output of the component's module carrying the resource's id.
    pub output: &'static str,
    /// The profile it joins.
    pub profile: String,
    /// `Generally available` or `Public preview` (perimeter.tsv).
    pub availability: &'static str,
    /// `components.<name>`.
    pub because: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProfilePlan {
    pub name: String,
    pub rules: Vec<AccessRulePlan>,
}

/// An inbound rule letting public address ranges in.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessRulePlan {
    pub name: String,
    pub address_prefixes: Vec<String>,
    /// `waivers[<index>]`.
    pub because: String,
    pub component: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KeptOut {
    pub label: String,
    pub resource_type: &'static str,
    pub reason: &'static str,
}

fn label(component: &str, part: &str) -> String {
    if part.is_empty() {
        component.to_string()
    } else {
        format!("{component} {part}")
    }
}

/// By component, its public-network-access waiver and that waiver's position (the first,
/// if several): its ranges become the inbound rule of the component's own profile. Gathered
/// once, not looked for among all the waivers for each component.
fn openings(blueprint: &Blueprint) -> BTreeMap<&str, (usize, &Waiver)> {
    let mut openings = BTreeMap::new();
    for (index, waiver) in blueprint.waivers.iter().enumerate() {
        if waiver.control == Control::PublicNetworkAccess {
            openings
                .entry(waiver.component.as_str())
                .or_insert((index, waiver));
        }
    }
    openings
}

/// The perimeter a valid blueprint asks for; `None` with `perimeter = false`.
pub fn plan_perimeter(
    blueprint: &Blueprint,
    components: &[&Component],
    policy: &BTreeMap<String, PolicyMode>,
    own_workspace: bool,
) -> Option<PerimeterPlan> {
    let mode = match &blueprint.network.perimeter {
        PerimeterSetting::Off => return None,
        PerimeterSetting::Create => PerimeterMode::Create,
        PerimeterSetting::Existing(existing) => PerimeterMode::Existing {
            id: parse_resource_id(&existing.id, types::NETWORK_SECURITY_PERIMETER.name)
                .expect("validated perimeter id"),
            profile: existing.profile.clone(),
        },
    };
    let shared_profile = match &mode {
        PerimeterMode::Create => PerimeterPlan::APP_PROFILE.to_string(),
        PerimeterMode::Existing { profile, .. } => profile.clone(),
    };
    let mut associations = Vec::new();
    let mut profiles = vec![ProfilePlan {
        name: shared_profile.clone(),
        rules: Vec::new(),
    }];
    let mut kept_out = Vec::new();
    let openings = openings(blueprint);
    for component in components {
        for (part, ty, output) in paas_resources(component.kind()) {
            let Some(fact) = facts::perimeter_fact(ty.name) else {
                continue;
            };
            let label = label(&component.name, part);
            if let Some(reason) = fact.kept_out {
                kept_out.push(KeptOut {
                    label,
                    resource_type: fact.resource_type,
                    reason,
                });
                continue;
            }
            // A waiver's ranges go on a profile of the waived resource's own, so they open
            // that resource and nothing else the perimeter holds.
            crate::counters::add(crate::counters::Counter::AppWideScans, 1);
            let opening = openings.get(component.name.as_str()).copied();
            let profile = match (part.is_empty(), opening, &mode) {
                (true, Some((index, waiver)), PerimeterMode::Create) => {
                    let name = format!("waiver-{}", component.name);
                    profiles.push(ProfilePlan {
                        name: name.clone(),
                        rules: vec![AccessRulePlan {
                            name: "allow-from-waiver".into(),
                            address_prefixes: waiver.allow_from.clone(),
                            because: format!("waivers[{index}]"),
                            component: component.name.clone(),
                        }],
                    });
                    name
                }
                _ => shared_profile.clone(),
            };
            associations.push(Association {
                component: component.name.clone(),
                label,
                resource_type: ty.name,
                output,
                profile,
                availability: fact.availability,
                because: format!("components.{}", component.name),
            });
        }
    }
    if own_workspace
        && let Some(fact) = facts::perimeter_fact(types::LOG_ANALYTICS_WORKSPACE.name)
        && let Some(reason) = fact.kept_out
    {
        kept_out.push(KeptOut {
            label: format!("Log Analytics workspace `log-{}-<env>`", blueprint.app.name),
            resource_type: fact.resource_type,
            reason,
        });
    }
    if !matches!(mode, PerimeterMode::Create) {
        profiles.clear();
    }
    // `associations_of` bisects: the components came sorted by name.
    debug_assert!(
        (associations.windows(2)).all(|pair| pair[0].component <= pair[1].component),
        "perimeter associations out of component order"
    );
    Some(PerimeterPlan {
        mode,
        access: policy
            .iter()
            .map(|(environment, mode)| (environment.clone(), AccessMode::for_policy(*mode)))
            .collect(),
        associations,
        profiles,
        kept_out,
    })
}
