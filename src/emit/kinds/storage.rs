//! `storage`: a StorageV2 account with blob containers and queues, Entra ID only.

use super::common::{
    compact_prefix, grant_arm_roles, prefixed, principal_params, push_diagnostics,
    push_private_endpoints, regional, unique_name,
};
use crate::bicep::{Expr, Resource, Statement, obj};
use crate::blueprint::Storage;
use crate::catalog::naming::part_symbol;
use crate::catalog::{PartKind, types};
use crate::emit::{Context, Module};
use crate::plan::{ComponentPlan, Scope};

/// The account resource every storage account bulwark creates shares, for the `storage`
/// kind and a function app's host storage alike.
pub fn hardened_account(symbol: &str, name: Expr, sku: Expr) -> Resource {
    regional(
        Resource::new(
            symbol,
            types::STORAGE_ACCOUNT.name,
            types::STORAGE_ACCOUNT.api_version,
        ),
        name,
    )
    .prop("kind", "StorageV2")
    .prop("sku", obj([("name", sku)]))
    .prop(
        "properties",
        obj([
            ("accessTier", "Hot".into()),
            ("allowBlobPublicAccess", false.into()),
            ("allowCrossTenantReplication", false.into()),
            ("allowSharedKeyAccess", false.into()),
            ("defaultToOAuthAuthentication", true.into()),
            ("minimumTlsVersion", "TLS1_2".into()),
            ("supportsHttpsTrafficOnly", true.into()),
            ("publicNetworkAccess", "Disabled".into()),
            ("isLocalUserEnabled", false.into()),
            ("isSftpEnabled", false.into()),
            (
                "networkAcls",
                obj([
                    ("defaultAction", "Deny".into()),
                    ("bypass", "AzureServices".into()),
                ]),
            ),
            (
                "encryption",
                obj([
                    ("keySource", "Microsoft.Storage".into()),
                    ("requireInfrastructureEncryption", true.into()),
                    (
                        "services",
                        obj([
                            (
                                "blob",
                                obj([("enabled", true.into()), ("keyType", "Account".into())]),
                            ),
                            (
                                "file",
                                obj([("enabled", true.into()), ("keyType", "Account".into())]),
                            ),
                            (
                                "queue",
                                obj([("enabled", true.into()), ("keyType", "Account".into())]),
                            ),
                            (
                                "table",
                                obj([("enabled", true.into()), ("keyType", "Account".into())]),
                            ),
                        ]),
                    ),
                ]),
            ),
        ]),
    )
}

/// A blob service with soft delete for blobs and containers.
pub fn blob_service(symbol: &str, account: &str) -> Resource {
    Resource::new(
        symbol,
        types::BLOB_SERVICE.name,
        types::BLOB_SERVICE.api_version,
    )
    .prop("parent", Expr::ident(account))
    .prop("name", "default")
    .prop(
        "properties",
        obj([
            (
                "deleteRetentionPolicy",
                obj([("enabled", true.into()), ("days", 7i64.into())]),
            ),
            (
                "containerDeleteRetentionPolicy",
                obj([("enabled", true.into()), ("days", 7i64.into())]),
            ),
        ]),
    )
}

pub fn emit(ctx: &Context, component: &ComponentPlan, storage: &Storage, module: &mut Module) {
    principal_params(ctx, component, module);
    let prefix = compact_prefix(ctx, "st", &component.name, 11);
    let sku = prefixed("Standard_", module.sized(component, "replication"));
    module.push(
        Statement::from(hardened_account(
            "account",
            unique_name(prefix, &component.name),
            sku,
        ))
        .with_comment(
            "Entra ID only (no shared keys, no local users), TLS 1.2, private network access only",
        ),
    );
    push_diagnostics(module, "account", types::STORAGE_ACCOUNT);

    if !storage.containers.is_empty() {
        module.push(blob_service("blobService", "account"));
        push_diagnostics(module, "blobService", types::BLOB_SERVICE);
        for container in &storage.containers {
            module.push(
                Resource::new(
                    part_symbol("container", container),
                    types::BLOB_CONTAINER.name,
                    types::BLOB_CONTAINER.api_version,
                )
                .prop("parent", Expr::ident("blobService"))
                .prop("name", container.as_str())
                .prop("properties", obj([("publicAccess", "None".into())])),
            );
        }
        module.output(
            "blobEndpoint",
            Expr::path("account.properties.primaryEndpoints.blob"),
        );
    }
    if !storage.queues.is_empty() {
        module.push(
            Resource::new(
                "queueService",
                types::QUEUE_SERVICE.name,
                types::QUEUE_SERVICE.api_version,
            )
            .prop("parent", Expr::ident("account"))
            .prop("name", "default"),
        );
        push_diagnostics(module, "queueService", types::QUEUE_SERVICE);
        for queue in &storage.queues {
            module.push(
                Resource::new(
                    part_symbol("queue", queue),
                    types::QUEUE.name,
                    types::QUEUE.api_version,
                )
                .prop("parent", Expr::ident("queueService"))
                .prop("name", queue.as_str()),
            );
        }
        module.output(
            "queueEndpoint",
            Expr::path("account.properties.primaryEndpoints.queue"),
        );
        if ctx.plan.scaled_on(&component.name) {
            // KEDA's azure-queue scaler takes the account name (keda.sh/docs/2.21/scalers/azure-storage-queue).
            module.output("accountName", Expr::path("account.name"));
        }
    }
    grant_arm_roles(ctx, component, module, |scope| match scope {
        Scope::Part {
            kind: PartKind::Container,
            name,
            ..
        } => part_symbol("container", name),
        Scope::Part {
            kind: PartKind::Queue,
            name,
            ..
        } => part_symbol("queue", name),
        _ => "account".to_string(),
    });
    push_private_endpoints(ctx, component, module);
}
