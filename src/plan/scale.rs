//! Scale rules a container app derives from its own `receive` connections: the event sources
//! that can wake it from zero replicas, read by the Container Apps KEDA scalers with the app's
//! user-assigned identity (never a connection string).

use crate::blueprint::{Access, Component, ComponentSpec, ContainerApp, Kind, PartKind};
use std::collections::BTreeMap;

/// An event source a container app receives from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScaleSource {
    /// A Service Bus queue: KEDA `azure-servicebus` with `queueName`.
    ServiceBusQueue { namespace: String, queue: String },
    /// A topic subscription: KEDA `azure-servicebus` with `topicName` and `subscriptionName`.
    ServiceBusSubscription {
        namespace: String,
        topic: String,
        subscription: String,
    },
    /// A storage queue: KEDA `azure-queue` with `accountName` and `queueName`.
    StorageQueue { account: String, queue: String },
    /// An event hub. KEDA's `azure-eventhub` scaler counts unprocessed events from the
    /// consumer's checkpoints in a blob container (`storageAccountName`, `blobContainer`:
    /// keda.sh/docs/2.21/scalers/azure-event-hub), which the blueprint does not describe, so
    /// bulwark derives no rule from it.
    EventHub { namespace: String, hub: String },
}

impl ScaleSource {
    /// Whether bulwark can derive a scale rule for it.
    pub fn scalable(&self) -> bool {
        !matches!(self, ScaleSource::EventHub { .. })
    }
}

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

/// The event sources `app` receives from, in the order of its `uses`. Connections to
/// components missing from `lookup` (a validation error elsewhere) are skipped.
pub fn sources(
    name: &str,
    app: &ContainerApp,
    lookup: &BTreeMap<&str, &Component>,
) -> Vec<ScaleRulePlan> {
    let mut rules: Vec<ScaleRulePlan> = Vec::new();
    for (index, connection) in app.uses.iter().enumerate() {
        if !matches!(connection.access, Access::Receive | Access::SendReceive) {
            continue;
        }
        let Some(target) = lookup.get(connection.to.component.as_str()) else {
            continue;
        };
        let Some(part) = connection
            .to
            .part
            .as_deref()
            .and_then(|part| target.spec.part(part))
        else {
            continue;
        };
        let component = target.name.clone();
        let source = match (target.kind(), part.kind) {
            (Kind::ServiceBus, PartKind::Queue) => ScaleSource::ServiceBusQueue {
                namespace: component,
                queue: part.name.clone(),
            },
            (Kind::ServiceBus, PartKind::Subscription) => {
                let Some((topic, subscription)) = part.name.split_once('/') else {
                    continue;
                };
                ScaleSource::ServiceBusSubscription {
                    namespace: component,
                    topic: topic.to_string(),
                    subscription: subscription.to_string(),
                }
            }
            (Kind::Storage, PartKind::Queue)
                if matches!(target.spec, ComponentSpec::Storage(_)) =>
            {
                ScaleSource::StorageQueue {
                    account: component,
                    queue: part.name.clone(),
                }
            }
            (Kind::EventHubs, PartKind::EventHub) => ScaleSource::EventHub {
                namespace: component,
                hub: part.name.clone(),
            },
            _ => continue,
        };
        let base = rule_name(&connection.to.component, &part.name);
        let mut name_candidate = base.clone();
        let mut n = 2;
        while rules.iter().any(|rule| rule.name == name_candidate) {
            name_candidate = format!("{base}-{n}");
            n += 1;
        }
        rules.push(ScaleRulePlan {
            name: name_candidate,
            source,
            access: connection.access,
            because: format!("components.{name}.uses[{index}]"),
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
