//! The catalogue's data kinds: storage, key vaults, container registries, SQL Database,
//! PostgreSQL and Cosmos DB, with the access levels they accept and the roles each grants.

use super::{Allowed, KindSpec, Role, SizingSpec, TargetSpec, grant};
use crate::vocabulary::{Access, Kind, PartKind};

pub(super) const STORAGE: KindSpec = KindSpec {
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

pub(super) const KEY_VAULT: KindSpec = KindSpec {
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

pub(super) const CONTAINER_REGISTRY: KindSpec = KindSpec {
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

pub(super) const SQL_READ: &[Role] = &[Role::Database(&["db_datareader"])];
pub(super) const SQL_READ_WRITE: &[Role] = &[Role::Database(&["db_datareader", "db_datawriter"])];

pub(super) const SQL_DATABASE: KindSpec = KindSpec {
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

pub(super) const PG_READ: &[Role] = &[Role::Database(&["SELECT"])];
pub(super) const PG_READ_WRITE: &[Role] =
    &[Role::Database(&["SELECT", "INSERT", "UPDATE", "DELETE"])];

pub(super) const POSTGRES: KindSpec = KindSpec {
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

pub(super) const COSMOS_READ: &[Role] = &[Role::CosmosData("Cosmos DB Built-in Data Reader")];
pub(super) const COSMOS_READ_WRITE: &[Role] =
    &[Role::CosmosData("Cosmos DB Built-in Data Contributor")];

pub(super) const COSMOS_DB: KindSpec = KindSpec {
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
