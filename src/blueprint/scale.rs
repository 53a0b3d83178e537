//! The event sources a container app receives from: its `receive` connections to Service Bus
//! queues and subscriptions, storage queues and event hubs. Validation asks whether one can
//! wake the app; the planner derives KEDA scale rules from them.

use super::{Access, Component, ComponentSpec, ContainerApp, Kind, PartKind};
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

/// A receiving connection of a container app whose target is an event source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The connection's index in the app's `uses`.
    pub index: usize,
    pub access: Access,
    /// The target component and part as the connection names them.
    pub component: String,
    pub part: String,
    pub source: ScaleSource,
}

/// The event sources `app` receives from, in the order of its `uses`. Connections to
/// components missing from `lookup` (a validation error elsewhere) are skipped.
pub fn event_sources(app: &ContainerApp, lookup: &BTreeMap<&str, &Component>) -> Vec<Received> {
    let mut received = Vec::new();
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
        received.push(Received {
            index,
            access: connection.access,
            component: connection.to.component.clone(),
            part: part.name.clone(),
            source,
        });
    }
    received
}
