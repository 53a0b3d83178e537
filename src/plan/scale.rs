//! Scale rules a container app derives from its own `receive` connections: the event sources
//! that can wake it from zero replicas, read by the Container Apps KEDA scalers with the app's
//! user-assigned identity (never a connection string).

pub use crate::blueprint::scale::ScaleSource;
use crate::blueprint::scale::event_sources;
use crate::blueprint::{Access, Component, ContainerApp};
use std::collections::BTreeMap;

/// One receiving connection of a container app, with the index of the connection in `uses`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleRulePlan {
    /// Rule name: lowercase letters, digits and hyphens, unique within the app.
    pub name: String,
    pub source: ScaleSource,
    pub access: Access,
    /// `components.<app>.uses[<index>]`.
    pub because: String,
}

/// The scale rules `app` derives from the event sources it receives from
/// (`blueprint::scale::event_sources`), in the order of its `uses`, each with a name unique
/// within the app.
pub fn sources(
    name: &str,
    app: &ContainerApp,
    lookup: &BTreeMap<&str, &Component>,
) -> Vec<ScaleRulePlan> {
    let mut rules: Vec<ScaleRulePlan> = Vec::new();
    for received in event_sources(app, lookup) {
        let base = rule_name(&received.component, &received.part);
        let mut name_candidate = base.clone();
        let mut n = 2;
        while rules.iter().any(|rule| rule.name == name_candidate) {
            name_candidate = format!("{base}-{n}");
            n += 1;
        }
        rules.push(ScaleRulePlan {
            name: name_candidate,
            source: received.source,
            access: received.access,
            because: format!("components.{name}.uses[{}]", received.index),
        });
    }
    rules
}

/// `<component>-<part>` as a DNS label (lowercase letters, digits and single hyphens, starting
/// with a letter, at most 63 characters): bulwark's choice, the form every name in a
/// Kubernetes-backed service accepts.
fn rule_name(component: &str, part: &str) -> String {
    let mut name = String::new();
    for c in format!("{component}-{part}").chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let mut name: String = name.chars().take(60).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "q-");
    }
    name
}

/// Whether a role assignment is one a scale rule adds (see `scaler_roles` in the plan): the
/// only Data Owner bulwark assigns, or a queue reader for a connection that only receives.
pub fn is_scaler_role(assignment: &super::RoleAssignment) -> bool {
    match assignment.role {
        crate::catalog::Role::Arm("Azure Service Bus Data Owner") => true,
        crate::catalog::Role::Arm("Storage Queue Data Reader") => {
            assignment.access == Some(Access::Receive)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::rule_name;

    #[test]
    fn rule_names_are_lowercase_alphanumerics_and_single_hyphens() {
        assert_eq!(rule_name("bus", "events/indexer"), "bus-events-indexer");
        assert_eq!(rule_name("assets", "jobs"), "assets-jobs");
        assert_eq!(rule_name("Bus_1", "a--b"), "bus-1-a-b");
        assert_eq!(rule_name("9bus", "q"), "q-9bus-q");
    }
}
