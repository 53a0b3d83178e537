//! The catalogue's messaging, cache, configuration, AI and external kinds: Service Bus, Event
//! Hubs, Redis, App Configuration, OpenAI, AI Search and third-party services.

use super::{Allowed, CustomRole, KindSpec, Role, SizingSpec, TargetSpec, grant};
use crate::vocabulary::{Access, Kind, PartKind};

pub(super) const SERVICE_BUS_SEND_RECEIVE: &[Role] = &[
    Role::Arm("Azure Service Bus Data Sender"),
    Role::Arm("Azure Service Bus Data Receiver"),
];

pub(super) const SERVICE_BUS: KindSpec = KindSpec {
    kind: Kind::ServiceBus,
    summary: "Premium Service Bus namespace (the tier with private endpoints), local auth off, with queues, topics and subscriptions",
    compute: false,
    targets: &[
        TargetSpec {
            part: Some(PartKind::Queue),
            grants: &[
                arm!(Access::Send, "Azure Service Bus Data Sender"),
                arm!(Access::Receive, "Azure Service Bus Data Receiver"),
                grant(Access::SendReceive, SERVICE_BUS_SEND_RECEIVE),
            ],
        },
        TargetSpec {
            part: Some(PartKind::Topic),
            grants: &[arm!(Access::Send, "Azure Service Bus Data Sender")],
        },
        TargetSpec {
            part: Some(PartKind::Subscription),
            grants: &[arm!(Access::Receive, "Azure Service Bus Data Receiver")],
        },
    ],
    policies: &[
        "cbd11fd3-3002-4907-b6c8-579f0e700e13", // disable public network access
        "cfb11c26-f069-4c14-8e36-56c394dae5af", // local auth off
        "1c06e275-d63d-4540-b761-71f364c2111d", // private link
        "f8d36e2f-389b-4ee4-898d-21aeb69a0f45", // resource logs
    ],
    sizing: &[SizingSpec {
        field: "capacity",
        allowed: Allowed::Values(&[1, 2, 4, 8, 16]),
        rejected: &[],
    }],
};

pub(super) const EVENT_HUBS_SEND_RECEIVE: &[Role] = &[
    Role::Arm("Azure Event Hubs Data Sender"),
    Role::Arm("Azure Event Hubs Data Receiver"),
];

pub(super) const EVENT_HUBS: KindSpec = KindSpec {
    kind: Kind::EventHubs,
    summary: "Event Hubs namespace (Standard or Premium, the tiers with private endpoints), local auth off, and its hubs",
    compute: false,
    targets: &[TargetSpec {
        part: Some(PartKind::EventHub),
        grants: &[
            arm!(Access::Send, "Azure Event Hubs Data Sender"),
            arm!(Access::Receive, "Azure Event Hubs Data Receiver"),
            grant(Access::SendReceive, EVENT_HUBS_SEND_RECEIVE),
        ],
    }],
    policies: &[
        "0602787f-9896-402a-a6e1-39ee63ee435e", // disable public network access
        "5d4e3c65-4873-47be-94f3-6f8b953a3598", // local auth off
        "83a214f7-d01a-484b-91a9-ed54470c9a6a", // resource logs
    ],
    sizing: &[
        SizingSpec {
            field: "sku",
            allowed: Allowed::Text(&["Standard", "Premium"]),
            rejected: &[("Basic", "the Basic tier has no private endpoints")],
        },
        SizingSpec {
            field: "capacity",
            allowed: Allowed::Range(1, 40),
            rejected: &[],
        },
    ],
};

pub(super) const REDIS: KindSpec = KindSpec {
    kind: Kind::Redis,
    summary: "Azure Managed Redis (not the retiring Azure Cache for Redis) with Entra auth, access keys off, TLS only",
    compute: false,
    targets: &[TargetSpec {
        part: None,
        grants: &[grant(
            Access::ReadWrite,
            &[Role::RedisAccessPolicy("default")],
        )],
    }],
    policies: &[],
    sizing: &[SizingSpec {
        field: "sku",
        allowed: Allowed::Text(&[
            "Balanced_B0",
            "Balanced_B1",
            "Balanced_B3",
            "Balanced_B5",
            "Balanced_B10",
            "MemoryOptimized_M10",
            "MemoryOptimized_M20",
            "ComputeOptimized_X3",
            "ComputeOptimized_X5",
        ]),
        rejected: &[],
    }],
};

/// The narrowest writer for App Configuration: the only built-in with write access is Data
/// Owner, which also manages the store's data-plane permissions.
pub const APP_CONFIGURATION_WRITER: CustomRole = CustomRole {
    name: "App Configuration Key-Value Writer",
    description: "Read, write and delete key-values and read snapshots; nothing else (created by bulwark).",
    data_actions: &[
        "Microsoft.AppConfiguration/configurationStores/keyValues/read",
        "Microsoft.AppConfiguration/configurationStores/keyValues/write",
        "Microsoft.AppConfiguration/configurationStores/keyValues/delete",
        "Microsoft.AppConfiguration/configurationStores/snapshots/read",
    ],
};

pub(super) const APP_CONFIGURATION: KindSpec = KindSpec {
    kind: Kind::AppConfiguration,
    summary: "App Configuration store (a tier with private endpoints), local auth off, purge protection on",
    compute: false,
    targets: &[TargetSpec {
        part: None,
        grants: &[
            arm!(Access::Read, "App Configuration Data Reader"),
            grant(
                Access::ReadWrite,
                &[Role::Custom(&APP_CONFIGURATION_WRITER)],
            ),
        ],
    }],
    policies: &[
        "3d9f5e4c-9947-4579-9539-2a7695fbc187", // disable public network access
        "89c8a434-18f0-402c-8147-630a8dea54e0", // SKU supports private link
        "b08ab3ca-1062-4db3-8803-eec9cae605d6", // local auth off
    ],
    sizing: &[SizingSpec {
        field: "sku",
        allowed: Allowed::Text(&["standard", "premium"]),
        rejected: &[("free", "the free tier has no private endpoints")],
    }],
};

pub(super) const OPENAI: KindSpec = KindSpec {
    kind: Kind::OpenAi,
    summary: "Azure OpenAI account with a custom subdomain, local auth off, and named model deployments",
    compute: false,
    targets: &[TargetSpec {
        part: None,
        grants: &[arm!(Access::Use, "Cognitive Services OpenAI User")],
    }],
    policies: &[
        "037eea7a-bd0a-46c5-9a66-03aea78705d3", // restrict network access
        "71ef260a-8f18-47b7-abcb-62d0673d94dc", // key access off
        "d6759c02-b87f-42b7-892e-71b3f471d782", // private link
    ],
    sizing: &[],
};

pub(super) const AI_SEARCH: KindSpec = KindSpec {
    kind: Kind::AiSearch,
    summary: "Azure AI Search service (a tier with private endpoints), local auth off",
    compute: false,
    targets: &[TargetSpec {
        part: None,
        grants: &[
            arm!(Access::Read, "Search Index Data Reader"),
            arm!(Access::ReadWrite, "Search Index Data Contributor"),
        ],
    }],
    policies: &[
        "ee980b6d-0eca-4501-8d54-f6290fd512c3", // disable public network access
        "6300012e-e9a4-4649-b41f-a85f5c43be91", // local auth off
        "a049bf77-880b-470f-ba6d-9f21c530cf83", // SKU supports private link
        "b4330a05-a843-4bc8-bf9a-cacce50c67f4", // resource logs
    ],
    sizing: &[
        SizingSpec {
            field: "sku",
            allowed: Allowed::Text(&["basic", "standard", "standard2", "standard3"]),
            rejected: &[("free", "the free tier has no private endpoints")],
        },
        SizingSpec {
            field: "replicas",
            allowed: Allowed::Range(1, 12),
            rejected: &[],
        },
        SizingSpec {
            field: "partitions",
            allowed: Allowed::Values(&[1, 2, 3, 4, 6, 12]),
            rejected: &[],
        },
    ],
};

pub(super) const EXTERNAL: KindSpec = KindSpec {
    kind: Kind::External,
    summary: "a third-party service reached over the internet; its secret lives in Key Vault",
    compute: false,
    targets: &[TargetSpec {
        part: None,
        grants: &[arm!(Access::Use, "Key Vault Secrets User")],
    }],
    policies: &[],
    sizing: &[],
};
