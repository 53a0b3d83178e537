//! What bulwark knows per component kind, as data: which connections each kind accepts and
//! the narrowest built-in role for each access level, its private-link groups, its policies
//! and the resource types and API versions it emits. Facts (GUIDs, zones, categories) are
//! looked up in [`facts`], never written here.

pub mod facts;
pub mod naming;
pub mod types;

use crate::blueprint::{Access, Kind};
use std::fmt;

/// A named part of a component that a connection can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PartKind {
    Container,
    Queue,
    Secret,
}

impl PartKind {
    pub fn noun(self) -> &'static str {
        match self {
            PartKind::Container => "blob container",
            PartKind::Queue => "queue",
            PartKind::Secret => "secret",
        }
    }

    /// The blueprint field that declares parts of this kind.
    pub fn field(self) -> &'static str {
        match self {
            PartKind::Container => "containers",
            PartKind::Queue => "queues",
            PartKind::Secret => "secrets",
        }
    }
}

impl fmt::Display for PartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// One access level a target accepts and the built-in role (by exact name) it grants.
#[derive(Debug, Clone, Copy)]
pub struct Grant {
    pub access: Access,
    pub role: &'static str,
}

/// What a connection to a component (`part: None`) or to one of its parts may ask for. The
/// role assignment is scoped to exactly that resource.
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
}

impl KindSpec {
    pub fn target(&self, part: Option<PartKind>) -> Option<&TargetSpec> {
        self.targets.iter().find(|target| target.part == part)
    }
}

const fn grant(access: Access, role: &'static str) -> Grant {
    Grant { access, role }
}

const WEB_APP: KindSpec = KindSpec {
    kind: Kind::WebApp,
    summary: "App Service on Linux with its own plan, user-assigned identity and VNet integration",
    compute: true,
    targets: &[],
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
};

/// Assigned only when no web app is public: a public app is non-compliant by design.
pub const WEB_APP_PRIVATE_POLICY: &str = "1b5ef780-c53c-4a64-87f3-bb9c8c8094ba";

const STORAGE: KindSpec = KindSpec {
    kind: Kind::Storage,
    summary: "StorageV2 account with private blob containers and queues, Entra ID only",
    compute: false,
    targets: &[
        TargetSpec {
            part: Some(PartKind::Container),
            grants: &[
                grant(Access::Read, "Storage Blob Data Reader"),
                grant(Access::ReadWrite, "Storage Blob Data Contributor"),
            ],
        },
        TargetSpec {
            part: Some(PartKind::Queue),
            grants: &[
                grant(Access::Read, "Storage Queue Data Reader"),
                grant(Access::Send, "Storage Queue Data Message Sender"),
                grant(Access::Receive, "Storage Queue Data Message Processor"),
                grant(Access::SendReceive, "Storage Queue Data Contributor"),
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
};

const KEY_VAULT: KindSpec = KindSpec {
    kind: Kind::KeyVault,
    summary: "Key Vault in RBAC mode with purge protection and named secrets set at deploy time",
    compute: false,
    targets: &[
        TargetSpec {
            part: None,
            grants: &[
                grant(Access::Read, "Key Vault Secrets User"),
                grant(Access::ReadWrite, "Key Vault Secrets Officer"),
            ],
        },
        TargetSpec {
            part: Some(PartKind::Secret),
            grants: &[
                grant(Access::Read, "Key Vault Secrets User"),
                grant(Access::ReadWrite, "Key Vault Secrets Officer"),
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
};

/// Policies for what every blueprint gets: the network and the monitoring workspace.
pub const BASELINE_POLICIES: &[&str] = &[
    "e71308d3-144b-4262-b144-efdc3cc90517", // subnets have an NSG
    "e15effd4-2278-4c65-a0da-4d6f6d1890e2", // Log Analytics: Entra-only ingestion
    "199d5677-e4d9-4264-9465-efe1839c06bd", // Application Insights: Entra-only ingestion
];

pub const KINDS: [KindSpec; 3] = [WEB_APP, STORAGE, KEY_VAULT];

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

/// App Service plan SKUs that support both VNet integration and private endpoints.
pub const APP_SERVICE_SKUS: &[&str] = &[
    "B1", "B2", "B3", "S1", "S2", "S3", "P0v3", "P1v3", "P2v3", "P3v3", "P1mv3", "P2mv3", "P3mv3",
    "P4mv3", "P5mv3",
];

/// SKUs that cannot meet the baseline, and why.
pub const APP_SERVICE_SKUS_REJECTED: &[(&str, &str)] = &[
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
        "| target kind | connection `to` | access | built-in role | scoped to |\n| --- | --- | --- | --- | --- |\n",
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
            for grant in target.grants {
                out.push_str(&format!(
                    "| {} | {to} | `{}` | {} (`{}`) | {scope} |\n",
                    spec.kind,
                    grant.access,
                    grant.role,
                    facts::role(grant.role).guid
                ));
            }
        }
    }
    let compute: Vec<String> = compute_kinds()
        .iter()
        .map(|kind| format!("`{kind}`"))
        .collect();
    out.push_str(&format!(
        "\nCompute kinds ({}) are not connection targets; each gets its own user-assigned identity, which also receives Monitoring Metrics Publisher (`{}`) on the app's Application Insights.\n",
        compute.join(", "),
        facts::role("Monitoring Metrics Publisher").guid
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_named_in_the_catalogue_is_a_verified_fact() {
        for spec in KINDS {
            for target in spec.targets {
                for grant in target.grants {
                    let role = facts::role(grant.role);
                    assert!(!PRIVILEGED_ROLES.contains(&role.name));
                    assert!(!role.name.ends_with("Data Owner"), "{}", role.name);
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
            .chain([&WEB_APP_PRIVATE_POLICY]);
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
    fn every_kind_has_exactly_one_entry() {
        for kind in Kind::ALL {
            assert_eq!(KINDS.iter().filter(|spec| spec.kind == kind).count(), 1);
        }
    }
}
