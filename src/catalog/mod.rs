//! What bulwark knows per component kind, as data: which connections each kind accepts and
//! the narrowest role for each access level, its policies and its sizing fields with their
//! allowed values. Facts (GUIDs, zones, categories) are looked up in [`facts`], never
//! written here.

pub mod controls;
pub mod facts;
pub mod naming;
pub mod perimeter;
pub mod types;

pub use crate::vocabulary::PartKind;
use crate::vocabulary::{Access, Kind};

/// How a grant is carried out. Most are Azure RBAC role assignments; a few services have a
/// data plane with its own authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A built-in Azure RBAC role, by its exact name in `facts/roles.tsv`.
    Arm(&'static str),
    /// A Cosmos DB for NoSQL built-in data-plane role (`sqlRoleAssignments`), by name.
    CosmosData(&'static str),
    /// Database roles granted inside SQL Database or PostgreSQL by the generated grant script.
    Database(&'static [&'static str]),
    /// An Azure Managed Redis access policy (`accessPolicyAssignments`).
    RedisAccessPolicy(&'static str),
    /// A custom role definition bulwark creates, for when the only built-in role is too wide.
    Custom(&'static CustomRole),
    /// An Entra app role of the target app's registration, assigned to the caller's identity
    /// through Microsoft Graph (`appRoleAssignedTo`): the role the connection names, or the
    /// app's `call` role.
    AppRole,
}

impl Role {
    pub fn name(&self) -> String {
        match self {
            Role::Arm(name) | Role::CosmosData(name) => (*name).to_string(),
            Role::Database(roles) => roles.join(" + "),
            Role::RedisAccessPolicy(name) => format!("access policy `{name}`"),
            Role::Custom(role) => role.name.to_string(),
            Role::AppRole => "Entra app role".to_string(),
        }
    }
}

/// A role definition bulwark creates itself, limited to the data actions listed.
#[derive(Debug, PartialEq, Eq)]
pub struct CustomRole {
    pub name: &'static str,
    pub description: &'static str,
    pub data_actions: &'static [&'static str],
}

/// One access level a target accepts and the roles it grants (usually one).
#[derive(Debug, Clone, Copy)]
pub struct Grant {
    pub access: Access,
    pub roles: &'static [Role],
}

/// What a connection to a component (`part: None`) or to one of its parts may ask for. The
/// role is scoped to exactly that resource.
#[derive(Debug, Clone, Copy)]
pub struct TargetSpec {
    pub part: Option<PartKind>,
    pub grants: &'static [Grant],
}

impl TargetSpec {
    pub fn grant(&self, access: Access) -> Option<&Grant> {
        self.grants.iter().find(|grant| grant.access == access)
    }

    pub fn accesses(&self) -> impl Iterator<Item = Access> + '_ {
        self.grants.iter().map(|grant| grant.access)
    }
}

/// A sizing field: its allowed values (text) or range (counts), and values that exist in
/// Azure but cannot meet the baseline, with the reason.
#[derive(Debug, Clone, Copy)]
pub struct SizingSpec {
    pub field: &'static str,
    pub allowed: Allowed,
    pub rejected: &'static [(&'static str, &'static str)],
}

#[derive(Debug, Clone, Copy)]
pub enum Allowed {
    Text(&'static [&'static str]),
    Range(i64, i64),
    Values(&'static [i64]),
}

#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    pub kind: Kind,
    pub summary: &'static str,
    /// Compute kinds get their own identity and may `use` other components.
    pub compute: bool,
    pub targets: &'static [TargetSpec],
    /// Built-in policy definitions (GUIDs in `facts/policies.tsv`) assigned when the kind is
    /// present, in audit mode.
    pub policies: &'static [&'static str],
    pub sizing: &'static [SizingSpec],
}

impl KindSpec {
    pub fn target(&self, part: Option<PartKind>) -> Option<&TargetSpec> {
        self.targets.iter().find(|target| target.part == part)
    }

    pub fn sizing_spec(&self, field: &str) -> Option<&SizingSpec> {
        self.sizing.iter().find(|spec| spec.field == field)
    }
}

const fn grant(access: Access, roles: &'static [Role]) -> Grant {
    Grant { access, roles }
}

/// A grant of one built-in Azure RBAC role.
macro_rules! arm {
    ($access:expr, $role:literal) => {
        grant($access, &[Role::Arm($role)])
    };
}

const APP_SERVICE_REJECTED: &[(&str, &str)] = &[
    (
        "F1",
        "Free plans have no VNet integration or private endpoints",
    ),
    (
        "D1",
        "Shared plans have no VNet integration or private endpoints",
    ),
    (
        "Y1",
        "Consumption plans have no VNet integration or private endpoints",
    ),
];

/// App Service plan SKUs that support both VNet integration and private endpoints.
pub const APP_SERVICE_SKUS: &[&str] = &[
    "B1", "B2", "B3", "S1", "S2", "S3", "P0v3", "P1v3", "P2v3", "P3v3", "P1mv3", "P2mv3", "P3mv3",
    "P4mv3", "P5mv3",
];

/// Function app plans that integrate with a VNet: Flex Consumption and Elastic Premium.
pub const FUNCTION_APP_SKUS: &[&str] = &["FC1", "EP1", "EP2", "EP3"];

pub const FUNCTION_APP_REJECTED: &[(&str, &str)] = &[(
    "Y1",
    "the Consumption plan cannot integrate with a VNet or reach private endpoints; Flex Consumption (`FC1`) can",
)];

/// The name of the app role every app that receives calls has; a connection to the app as a
/// whole assigns it.
pub const CALL_ROLE: &str = "call";

/// What a compute component accepts: calls to the app as a whole (its `call` app role) or
/// to one app role it declares, each carried by an Entra token for its audience.
const CALL_TARGETS: &[TargetSpec] = &[
    TargetSpec {
        part: None,
        grants: &[grant(Access::Call, &[Role::AppRole])],
    },
    TargetSpec {
        part: Some(PartKind::AppRole),
        grants: &[grant(Access::Call, &[Role::AppRole])],
    },
];

const WEB_APP: KindSpec = KindSpec {
    kind: Kind::WebApp,
    summary: "App Service on Linux with its own plan, user-assigned identity and VNet integration",
    compute: true,
    targets: CALL_TARGETS,
    policies: &[
        "a4af4a39-4135-47fb-b175-47fbdf85311d", // only accessible over HTTPS
        "f0e6e85b-9b9f-4a4b-b67b-f730d42f1b0b", // latest TLS version
        "4d24b6d4-5e53-4a4f-a7f4-618fa573ee4b", // FTPS only
        "cb510bfd-1cba-4d9f-a230-cb0976f4bb71", // remote debugging off
        "871b205b-57cf-4e1e-a234-492616998bf7", // no local auth for FTP
        "aede300b-d67f-480a-ae26-4b3dfb1a1fdc", // no local auth for SCM
        "2b9ad585-36bc-4615-b300-fd4435808332", // managed identity
        "546fe8d2-368d-4029-a418-6af48a7f61e5", // plan SKU supports private link
    ],
    sizing: &[
        SizingSpec {
            field: "sku",
            allowed: Allowed::Text(APP_SERVICE_SKUS),
            rejected: APP_SERVICE_REJECTED,
        },
        SizingSpec {
            field: "instances",
            allowed: Allowed::Range(1, 30),
            rejected: &[],
        },
    ],
};

/// Assigned only when no web app is public: a public app is non-compliant by design.
pub const WEB_APP_PRIVATE_POLICY: &str = "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba";
/// The function-app twin of [`WEB_APP_PRIVATE_POLICY`].
pub const FUNCTION_APP_PRIVATE_POLICY: &str = "969ac98b-88a8-449f-883c-2e9adb123127";
/// What the Functions host needs on its own storage: blobs (keys, leases, packages), queues
/// (blob-trigger and internal queues) and tables (timers, Durable Functions). Never an Owner role.
pub const FUNCTION_HOST_STORAGE_ROLES: [&str; 3] = [
    "Storage Blob Data Contributor",
    "Storage Queue Data Contributor",
    "Storage Table Data Contributor",
];

/// The Microsoft cloud security benchmark initiative, assigned with `benchmark = true`.
pub const BENCHMARK_INITIATIVE: &str = "1f3afdf9-d0c9-4c3d-847f-89da613e70a8";
/// Assigned when any component is public: the Premium tier (managed WAF rules and private
/// link origins) and TLS 1.2 on custom domains.
pub const FRONT_DOOR_POLICIES: &[&str] = &[
    "dfc212af-17ea-423a-9dcb-91e2cb2caa6b",
    "679da822-78a7-4eff-8fff-a899454a9970",
];

const FUNCTION_APP: KindSpec = KindSpec {
    kind: Kind::FunctionApp,
    summary: "Azure Functions on Flex Consumption or Elastic Premium, VNet-integrated, with identity-based host storage",
    compute: true,
    targets: CALL_TARGETS,
    policies: &[
        "6d555dd1-86f2-4f1c-8ed7-5abae7c6cbab", // only accessible over HTTPS
        "f9d614c5-c173-4d56-95a7-b4437057d193", // latest TLS version
        "399b2637-a50f-4f95-96f8-3a145476eb15", // FTPS only
        "0e60b895-3786-45da-8377-9c6b4b6ac5f9", // remote debugging off
    ],
    sizing: &[SizingSpec {
        field: "maximum_instances",
        allowed: Allowed::Range(1, 1000),
        rejected: &[],
    }],
};

/// Container Apps vCPU/memory pairs on the Consumption workload profile.
pub const CONTAINER_APP_CPU: &[&str] = &[
    "0.25", "0.5", "0.75", "1.0", "1.25", "1.5", "1.75", "2.0", "2.5", "3.0", "3.5", "4.0",
];
pub const CONTAINER_APP_MEMORY: &[&str] = &[
    "0.5Gi", "1Gi", "1.5Gi", "2Gi", "2.5Gi", "3Gi", "3.5Gi", "4Gi", "5Gi", "6Gi", "7Gi", "8Gi",
];

const CONTAINER_APP: KindSpec = KindSpec {
    kind: Kind::ContainerApp,
    summary: "a container app in an internal, VNet-integrated Container Apps environment, pulling images with its identity",
    compute: true,
    targets: CALL_TARGETS,
    policies: &[
        "0e80e269-43a4-4ae9-b5bc-178126b8a5cb", // only accessible over HTTPS
        "b874ab2d-72dd-47f1-8cb5-4a306478a4e7", // managed identity
        "8b346db6-85af-419b-8557-92cee2c0f9bb", // environment uses network injection
        "d074ddf8-01a5-4b5e-a2b8-964aed452c0a", // environment is internal
    ],
    sizing: &[
        SizingSpec {
            field: "cpu",
            allowed: Allowed::Text(CONTAINER_APP_CPU),
            rejected: &[],
        },
        SizingSpec {
            field: "memory",
            allowed: Allowed::Text(CONTAINER_APP_MEMORY),
            rejected: &[],
        },
        SizingSpec {
            field: "min_replicas",
            allowed: Allowed::Range(0, 300),
            rejected: &[],
        },
        SizingSpec {
            field: "max_replicas",
            allowed: Allowed::Range(1, 300),
            rejected: &[],
        },
    ],
};

const STORAGE: KindSpec = KindSpec {
    kind: Kind::Storage,
    summary: "StorageV2 account with private blob containers and queues, Entra ID only",
    compute: false,
    targets: &[
        TargetSpec {
            part: Some(PartKind::Container),
            grants: &[
                arm!(Access::Read, "Storage Blob Data Reader"),
                arm!(Access::ReadWrite, "Storage Blob Data Contributor"),
            ],
        },
        TargetSpec {
            part: Some(PartKind::Queue),
            grants: &[
                arm!(Access::Read, "Storage Queue Data Reader"),
                arm!(Access::Send, "Storage Queue Data Message Sender"),
                arm!(Access::Receive, "Storage Queue Data Message Processor"),
                arm!(Access::SendReceive, "Storage Queue Data Contributor"),
            ],
        },
    ],
    policies: &[
        "b2982f36-99f2-4db5-8eff-283140c09693", // disable public network access
        "8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54", // prevent shared key access
        "4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", // no public blob access
        "404c3081-a854-4457-ae30-26a93ef643f9", // secure transfer
        "fe83a0eb-a853-422d-aac2-1bffd182c5d0", // minimum TLS version
        "6edd7eda-6dd8-40f7-810d-67160c639cd9", // private link
    ],
    sizing: &[SizingSpec {
        field: "replication",
        allowed: Allowed::Text(&["LRS", "ZRS", "GRS", "GZRS"]),
        rejected: &[],
    }],
};

const KEY_VAULT: KindSpec = KindSpec {
    kind: Kind::KeyVault,
    summary: "Key Vault in RBAC mode with purge protection and named secrets set at deploy time",
    compute: false,
    targets: &[
        TargetSpec {
            part: None,
            grants: &[
                arm!(Access::Read, "Key Vault Secrets User"),
                arm!(Access::ReadWrite, "Key Vault Secrets Officer"),
            ],
        },
        TargetSpec {
            part: Some(PartKind::Secret),
            grants: &[
                arm!(Access::Read, "Key Vault Secrets User"),
                arm!(Access::ReadWrite, "Key Vault Secrets Officer"),
            ],
        },
    ],
    policies: &[
        "405c5871-3e91-4644-8a63-58e19d68ff5b", // disable public network access
        "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", // deletion (purge) protection
        "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d", // soft delete
        "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", // RBAC permission model
        "a6abeaec-4d90-4a02-805f-6b26c4d3fbe9", // private link
        "cf820ca0-f99e-4f3e-84fb-66e913812d21", // resource logs
        "98728c90-32c7-4049-8429-847dc0f4fe37", // secrets expire
    ],
    sizing: &[],
};

const CONTAINER_REGISTRY: KindSpec = KindSpec {
    kind: Kind::ContainerRegistry,
    summary: "Premium container registry (the SKU with private endpoints), admin user and anonymous pull off",
    compute: false,
    targets: &[TargetSpec {
        part: None,
        grants: &[arm!(Access::Pull, "AcrPull"), arm!(Access::Push, "AcrPush")],
    }],
    policies: &[
        "0fdf0491-d080-4575-b627-ad0e843cba0f", // disable public network access
        "9f2dea28-e834-476c-99c5-3507b4728395", // anonymous pull off
        "bd560fc0-3c69-498a-ae9f-aa8eb7de0e13", // SKU supports private link
        "d0793b48-0edc-4296-a390-4c75d1bdfd71", // no unrestricted network access
        "dc921057-6b28-4fbe-9b83-f7bec05db6c2", // admin account off
        "e8eef0a8-67cf-4eb4-9386-14b0e78733d4", // private link
    ],
    sizing: &[],
};

const SQL_READ: &[Role] = &[Role::Database(&["db_datareader"])];
const SQL_READ_WRITE: &[Role] = &[Role::Database(&["db_datareader", "db_datawriter"])];

const SQL_DATABASE: KindSpec = KindSpec {
    kind: Kind::SqlDatabase,
    summary: "Azure SQL logical server with Microsoft Entra-only auth, auditing to Log Analytics, and its database",
    compute: false,
    targets: &[TargetSpec {
        part: None,
        grants: &[
            grant(Access::Read, SQL_READ),
            grant(Access::ReadWrite, SQL_READ_WRITE),
        ],
    }],
    policies: &[
        "1b8ca024-1d5c-4dec-8995-b1a932b41780", // disable public network access
        "32e6bbec-16b6-44c2-be37-c5b672d103cf", // TLS 1.2
        "a6fb4358-5bf4-4ad7-ba82-2cd2f41ce5e9", // auditing
        "abda6d70-9778-44e7-84a8-06713e6db027", // Entra-only at creation
        "b3a22bc9-66de-45fb-98fa-00f5df42f41a", // Entra-only
    ],
    sizing: &[
        SizingSpec {
            field: "sku",
            allowed: Allowed::Text(&[
                "Basic",
                "S0",
                "S1",
                "S2",
                "S3",
                "P1",
                "P2",
                "GP_S_Gen5_1",
                "GP_S_Gen5_2",
                "GP_S_Gen5_4",
                "GP_Gen5_2",
                "GP_Gen5_4",
                "GP_Gen5_8",
                "BC_Gen5_2",
                "BC_Gen5_4",
                "HS_Gen5_2",
                "HS_Gen5_4",
            ]),
            rejected: &[],
        },
        SizingSpec {
            field: "max_size_gb",
            allowed: Allowed::Range(1, 4096),
            rejected: &[],
        },
    ],
};

const PG_READ: &[Role] = &[Role::Database(&["SELECT"])];
const PG_READ_WRITE: &[Role] = &[Role::Database(&["SELECT", "INSERT", "UPDATE", "DELETE"])];

const POSTGRES: KindSpec = KindSpec {
    kind: Kind::Postgres,
    summary: "PostgreSQL flexible server with Microsoft Entra auth, password auth off, TLS 1.2, and its databases",
    compute: false,
    targets: &[TargetSpec {
        part: Some(PartKind::Database),
        grants: &[
            grant(Access::Read, PG_READ),
            grant(Access::ReadWrite, PG_READ_WRITE),
        ],
    }],
    policies: &[
        "5e1de0e3-42cb-4ebc-a86d-61d0c619ca48", // disable public network access
        "a43d5475-c569-45ce-a268-28fa79f4e87a", // TLS 1.2
        "c29c38cb-74a7-4505-9a06-e588ab86620a", // enforce SSL
        "ce39a96d-bf09-4b60-8c32-e85d52abea0f", // Entra administrator
    ],
    sizing: &[
        SizingSpec {
            field: "sku",
            allowed: Allowed::Text(&[
                "Standard_B1ms",
                "Standard_B2s",
                "Standard_B2ms",
                "Standard_D2ds_v5",
                "Standard_D4ds_v5",
                "Standard_D8ds_v5",
                "Standard_E2ds_v5",
                "Standard_E4ds_v5",
                "Standard_E8ds_v5",
            ]),
            rejected: &[],
        },
        SizingSpec {
            field: "storage_gb",
            allowed: Allowed::Values(&[32, 64, 128, 256, 512, 1024, 2048]),
            rejected: &[],
        },
        SizingSpec {
            field: "version",
            allowed: Allowed::Text(&["14", "15", "16", "17"]),
            rejected: &[],
        },
    ],
};

const COSMOS_READ: &[Role] = &[Role::CosmosData("Cosmos DB Built-in Data Reader")];
const COSMOS_READ_WRITE: &[Role] = &[Role::CosmosData("Cosmos DB Built-in Data Contributor")];

const COSMOS_DB: KindSpec = KindSpec {
    kind: Kind::CosmosDb,
    summary: "Cosmos DB for NoSQL account (serverless), local auth and key-based metadata writes off",
    compute: false,
    targets: &[
        TargetSpec {
            part: Some(PartKind::Database),
            grants: &[
                grant(Access::Read, COSMOS_READ),
                grant(Access::ReadWrite, COSMOS_READ_WRITE),
            ],
        },
        TargetSpec {
            part: Some(PartKind::CosmosContainer),
            grants: &[
                grant(Access::Read, COSMOS_READ),
                grant(Access::ReadWrite, COSMOS_READ_WRITE),
            ],
        },
    ],
    policies: &[
        "797b37f7-06b8-444c-b1ad-fc62867f335a", // disable public network access
        "5450f5bd-9c72-4390-a9c4-a7aba4edfdd2", // local auth off
        "58440f8a-10c5-4151-bdce-dfbaad4a20b7", // private link
    ],
    sizing: &[],
};

const SERVICE_BUS_SEND_RECEIVE: &[Role] = &[
    Role::Arm("Azure Service Bus Data Sender"),
    Role::Arm("Azure Service Bus Data Receiver"),
];

const SERVICE_BUS: KindSpec = KindSpec {
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

const EVENT_HUBS_SEND_RECEIVE: &[Role] = &[
    Role::Arm("Azure Event Hubs Data Sender"),
    Role::Arm("Azure Event Hubs Data Receiver"),
];

const EVENT_HUBS: KindSpec = KindSpec {
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

const REDIS: KindSpec = KindSpec {
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

const APP_CONFIGURATION: KindSpec = KindSpec {
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

const OPENAI: KindSpec = KindSpec {
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

const AI_SEARCH: KindSpec = KindSpec {
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

const EXTERNAL: KindSpec = KindSpec {
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

/// Policies for what every blueprint gets: the network and the monitoring workspace.
pub const BASELINE_POLICIES: &[&str] = &[
    "e71308d3-144b-4262-b144-efdc3cc90517", // subnets have an NSG
    "e15effd4-2278-4c65-a0da-4d6f6d1890e2", // Log Analytics: Entra-only ingestion
    "199d5677-e4d9-4264-9465-efe1839c06bd", // Application Insights: Entra-only ingestion
];

pub const KINDS: [KindSpec; 16] = [
    WEB_APP,
    FUNCTION_APP,
    CONTAINER_APP,
    STORAGE,
    KEY_VAULT,
    CONTAINER_REGISTRY,
    SQL_DATABASE,
    POSTGRES,
    COSMOS_DB,
    SERVICE_BUS,
    EVENT_HUBS,
    REDIS,
    APP_CONFIGURATION,
    OPENAI,
    AI_SEARCH,
    EXTERNAL,
];

pub fn kind_spec(kind: Kind) -> &'static KindSpec {
    KINDS
        .iter()
        .find(|spec| spec.kind == kind)
        .expect("every kind has a catalogue entry")
}

pub fn compute_kinds() -> Vec<Kind> {
    KINDS
        .iter()
        .filter(|spec| spec.compute)
        .map(|spec| spec.kind)
        .collect()
}

/// Role names a generated role assignment must never carry.
pub const PRIVILEGED_ROLES: &[&str] = &[
    "Owner",
    "Contributor",
    "User Access Administrator",
    "Role Based Access Control Administrator",
];

/// The README's table of connection access levels and the role each grants, per kind.
pub fn access_table_markdown() -> String {
    let mut out = String::from(
        "| target kind | connection `to` | access | role | scoped to |\n| --- | --- | --- | --- | --- |\n",
    );
    for spec in KINDS.iter().filter(|spec| !spec.targets.is_empty()) {
        for target in spec.targets {
            let (to, scope) = match target.part {
                None => (
                    format!("`<{}>`", spec.kind),
                    format!("the whole {}", spec.kind),
                ),
                Some(part) => (
                    format!("`<{}>.<{}>`", spec.kind, part.noun().replace(' ', "-")),
                    format!("the one {part}"),
                ),
            };
            let scope = if spec.kind == Kind::External {
                "the service's secret".to_string()
            } else if spec.compute && target.part.is_none() {
                format!("the app's `{CALL_ROLE}` app role")
            } else {
                scope
            };
            for grant in target.grants {
                let roles: Vec<String> = grant.roles.iter().map(role_cell).collect();
                out.push_str(&format!(
                    "| {} | {to} | `{}` | {} | {scope} |\n",
                    spec.kind,
                    grant.access,
                    roles.join(" and ")
                ));
            }
        }
    }
    let compute: Vec<String> = compute_kinds()
        .iter()
        .map(|kind| format!("`{kind}`"))
        .collect();
    out.push_str(&format!(
        "\nCompute kinds ({}) are targets only of `call`: the caller's identity gets an app role of the target's Entra app registration, never an Azure RBAC role (see Service-to-service calls). Each gets its own user-assigned identity, which also receives Monitoring Metrics Publisher (`{}`) on the app's Application Insights.\n",
        compute.join(", "),
        facts::role("Monitoring Metrics Publisher").guid
    ));
    out
}

/// The README's table of component kinds: what each creates, the parts a connection can
/// name and the fields that may differ per environment.
pub fn kinds_table_markdown() -> String {
    let mut out = String::from(
        "| kind | creates | connections may name | sized per environment |\n| --- | --- | --- | --- |\n",
    );
    for spec in KINDS {
        let parts: Vec<String> = spec
            .targets
            .iter()
            .map(|target| match target.part {
                None => "the component".to_string(),
                Some(part) => {
                    let noun = part.noun();
                    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    };
                    format!("{article} {noun}")
                }
            })
            .collect();
        let connect = if spec.compute {
            "(compute: it `uses` others)".to_string()
        } else {
            parts.join(", ")
        };
        let sizing: Vec<String> = spec
            .sizing
            .iter()
            .map(|sizing| match sizing.allowed {
                Allowed::Text(values) => format!("`{}` ({})", sizing.field, values.join(", ")),
                Allowed::Range(min, max) => format!("`{}` ({min}-{max})", sizing.field),
                Allowed::Values(values) => format!(
                    "`{}` ({})",
                    sizing.field,
                    values
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
            .collect();
        let sizing = if sizing.is_empty() {
            "-".to_string()
        } else {
            sizing.join("; ")
        };
        out.push_str(&format!(
            "| `{}` | {} | {connect} | {sizing} |\n",
            spec.kind, spec.summary
        ));
    }
    out
}

fn role_cell(role: &Role) -> String {
    match role {
        Role::Arm(name) => format!("{name} (`{}`)", facts::role(name).guid),
        Role::CosmosData(name) => format!("{name} (data plane, `{}`)", facts::role(name).guid),
        Role::Database(roles) if roles.iter().all(|r| r.starts_with("db_")) => {
            format!(
                "database roles {} (grant script)",
                roles
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Role::Database(privileges) => format!(
            "{} on the database's tables (grant script)",
            privileges
                .iter()
                .map(|r| format!("`{r}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Role::RedisAccessPolicy(name) => format!("access policy `{name}` (data plane)"),
        Role::Custom(role) => format!("custom role {} (key-values only)", role.name),
        Role::AppRole => "Entra app role of the target's app registration (Microsoft Graph `appRoleAssignedTo`); the app requires a token for its audience".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_named_in_the_catalogue_is_a_verified_fact_and_never_privileged() {
        for spec in KINDS {
            for target in spec.targets {
                for grant in target.grants {
                    assert!(
                        !grant.roles.is_empty(),
                        "{} {} grants nothing",
                        spec.kind,
                        grant.access
                    );
                    for role in grant.roles {
                        let name = match role {
                            Role::Arm(name) | Role::CosmosData(name) => facts::role(name).name,
                            Role::Database(roles) => {
                                assert!(!roles.contains(&"db_owner"), "never db_owner");
                                continue;
                            }
                            Role::RedisAccessPolicy(_) | Role::AppRole => continue,
                            Role::Custom(custom) => {
                                assert!(custom.data_actions.iter().all(|a| !a.contains('*')));
                                continue;
                            }
                        };
                        assert!(!PRIVILEGED_ROLES.contains(&name), "{name}");
                        assert!(!name.ends_with("Data Owner"), "{name}");
                    }
                }
            }
        }
    }

    #[test]
    fn every_policy_named_in_the_catalogue_is_a_verified_fact_that_can_audit() {
        let all = KINDS
            .iter()
            .flat_map(|spec| spec.policies.iter())
            .chain(BASELINE_POLICIES)
            .chain([&WEB_APP_PRIVATE_POLICY, &FUNCTION_APP_PRIVATE_POLICY])
            .chain(FRONT_DOOR_POLICIES);
        for guid in all {
            let policy = facts::policy(guid);
            assert!(
                policy.default_effect.starts_with("Audit"),
                "{} defaults to {}",
                policy.display_name,
                policy.default_effect
            );
        }
    }

    #[test]
    fn every_kind_has_exactly_one_entry_and_every_sizing_field_is_a_field() {
        for kind in Kind::ALL {
            assert_eq!(KINDS.iter().filter(|spec| spec.kind == kind).count(), 1);
        }
    }
}
