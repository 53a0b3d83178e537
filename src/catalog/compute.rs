//! The catalogue's compute kinds: web apps, function apps and container apps, the SKUs and
//! plans that meet the baseline, the calls they accept and the policies they bring.

use super::{Allowed, KindSpec, Role, SizingSpec, TargetSpec, grant};
use crate::vocabulary::{Access, Kind, PartKind};

pub(super) const APP_SERVICE_REJECTED: &[(&str, &str)] = &[
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
pub(super) const CALL_TARGETS: &[TargetSpec] = &[
    TargetSpec {
        part: None,
        grants: &[grant(Access::Call, &[Role::AppRole])],
    },
    TargetSpec {
        part: Some(PartKind::AppRole),
        grants: &[grant(Access::Call, &[Role::AppRole])],
    },
];

pub(super) const WEB_APP: KindSpec = KindSpec {
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

pub(super) const FUNCTION_APP: KindSpec = KindSpec {
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

pub(super) const CONTAINER_APP: KindSpec = KindSpec {
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
