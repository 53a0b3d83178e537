//! What bulwark knows per component kind, as data: which connections each kind accepts and
//! the narrowest role for each access level, its policies and its sizing fields with their
//! allowed values. Facts (GUIDs, zones, categories) are looked up in [`facts`], never
//! written here.
//!
//! This file holds the shapes (`KindSpec`, `TargetSpec`, `Role`) and `KINDS`; the entries are
//! in `compute`, `data` and `services`, the README's tables from them in `tables`.

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

// The kinds' entries use `arm!`, so their modules are declared after it.
mod compute;
mod data;
mod services;
mod tables;

pub use compute::*;
use data::*;
pub use services::*;
pub use tables::{access_table_markdown, kinds_table_markdown};

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
