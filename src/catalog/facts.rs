//! Verified Azure facts, embedded verbatim from `facts/*.tsv` (copies of the shared
//! `azure-facts` files, each row naming its source). Code names a role, a private-link group
//! or a policy; the GUIDs, zones and categories come from these tables and nowhere else.

use std::collections::BTreeMap;
use std::sync::LazyLock;

const ROLES: &str = include_str!("facts/roles.tsv");
const PRIVATE_ENDPOINTS: &str = include_str!("facts/private_endpoints.tsv");
const API_VERSIONS: &str = include_str!("facts/api_versions.tsv");
const DIAGNOSTICS: &str = include_str!("facts/diagnostics.tsv");
const POLICIES: &str = include_str!("facts/policies.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: &'static str,
    pub guid: &'static str,
    pub grants: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateLink {
    pub service: &'static str,
    pub resource_type: &'static str,
    pub group_id: &'static str,
    pub zones: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiVersions {
    pub latest_stable: &'static str,
    pub used_by_avm: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiagnosticSupport {
    pub all_logs: bool,
    pub all_metrics: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub display_name: &'static str,
    pub guid: &'static str,
    pub effects: Vec<&'static str>,
    pub default_effect: &'static str,
}

pub struct Facts {
    pub roles: BTreeMap<&'static str, Role>,
    pub private_links: Vec<PrivateLink>,
    pub api_versions: BTreeMap<&'static str, ApiVersions>,
    pub diagnostics: BTreeMap<&'static str, DiagnosticSupport>,
    pub policies: BTreeMap<&'static str, Policy>,
}

pub static FACTS: LazyLock<Facts> = LazyLock::new(|| Facts {
    roles: rows(ROLES)
        .map(|cells| {
            (
                cells[0],
                Role {
                    name: cells[0],
                    guid: cells[1],
                    grants: cells[3],
                },
            )
        })
        .collect(),
    private_links: rows(PRIVATE_ENDPOINTS)
        .map(|cells| PrivateLink {
            service: cells[0],
            resource_type: cells[1],
            group_id: cells[2],
            zones: cells[3]
                .split(';')
                .map(str::trim)
                .filter(|z| !z.is_empty())
                .collect(),
        })
        .collect(),
    api_versions: rows(API_VERSIONS)
        .map(|cells| {
            (
                cells[0],
                ApiVersions {
                    latest_stable: cells[1],
                    used_by_avm: cells[2],
                },
            )
        })
        .collect(),
    diagnostics: rows(DIAGNOSTICS)
        .map(|cells| {
            let support = DiagnosticSupport {
                all_logs: cells[1].starts_with("yes"),
                all_metrics: cells[3].starts_with("AllMetrics"),
            };
            (cells[0], support)
        })
        .collect(),
    policies: rows(POLICIES)
        .map(|cells| (cells[1], parse_policy(&cells)))
        .collect(),
});

fn rows(table: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split('\t').collect())
}

/// `Audit, Deny, Disabled (default Audit)` → effects and default.
fn parse_policy(cells: &[&'static str]) -> Policy {
    let (list, default) = match cells[2].split_once("(default ") {
        Some((list, rest)) => (list, rest.trim_end_matches(')').trim()),
        None => (cells[2], ""),
    };
    Policy {
        display_name: cells[0],
        guid: cells[1],
        effects: list
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect(),
        default_effect: default,
    }
}

/// A built-in role by its exact name. Names are fixed in the catalogue and checked by tests.
pub fn role(name: &str) -> &'static Role {
    FACTS
        .roles
        .get(name)
        .unwrap_or_else(|| panic!("bulwark bug: role `{name}` is not in roles.tsv"))
}

/// The private DNS zones for a private-link group of a resource type.
pub fn private_link(resource_type: &str, group_id: &str) -> &'static PrivateLink {
    FACTS
        .private_links
        .iter()
        .find(|link| link.resource_type == resource_type && link.group_id == group_id)
        .unwrap_or_else(|| {
            panic!("bulwark bug: no private endpoint fact for {resource_type} / {group_id}")
        })
}

/// A private-link fact by its service name, where a resource type and group id alone are
/// ambiguous (Azure Managed Redis shares both with Redis Enterprise but not its zone).
pub fn private_link_for_service(service: &str) -> &'static PrivateLink {
    FACTS
        .private_links
        .iter()
        .find(|link| link.service == service)
        .unwrap_or_else(|| panic!("bulwark bug: no private endpoint fact for {service}"))
}

pub fn diagnostic_support(resource_type: &str) -> Option<&'static DiagnosticSupport> {
    FACTS.diagnostics.get(resource_type)
}

pub fn policy(guid: &str) -> &'static Policy {
    FACTS
        .policies
        .get(guid)
        .unwrap_or_else(|| panic!("bulwark bug: policy {guid} is not in policies.tsv"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_parses_with_its_expected_width() {
        for (table, width) in [
            (ROLES, 5),
            (PRIVATE_ENDPOINTS, 6),
            (API_VERSIONS, 4),
            (DIAGNOSTICS, 6),
            (POLICIES, 5),
        ] {
            for cells in rows(table) {
                assert_eq!(cells.len(), width, "row {cells:?}");
            }
        }
        assert_eq!(FACTS.roles.len(), 73);
        assert_eq!(FACTS.policies.len(), 94);
    }

    #[test]
    fn facts_are_the_shared_verified_copies() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/azure-facts");
        if !shared.is_dir() {
            return; // outside the workspace the embedded copies are all there is
        }
        for (name, embedded) in [
            ("roles.tsv", ROLES),
            ("private_endpoints.tsv", PRIVATE_ENDPOINTS),
            ("api_versions.tsv", API_VERSIONS),
            ("diagnostics.tsv", DIAGNOSTICS),
            ("policies.tsv", POLICIES),
        ] {
            let on_disk = std::fs::read_to_string(shared.join(name)).unwrap();
            assert_eq!(
                on_disk, embedded,
                "{name} differs from ../shared/azure-facts; copy it again"
            );
        }
    }

    #[test]
    fn policy_effects_parse() {
        let storage = policy("b2982f36-99f2-4db5-8eff-283140c09693");
        assert_eq!(storage.effects, ["Audit", "Deny", "Disabled"]);
        assert_eq!(storage.default_effect, "Audit");
    }

    #[test]
    fn multi_zone_links_split() {
        let ampls = FACTS
            .private_links
            .iter()
            .find(|l| l.group_id == "azuremonitor")
            .unwrap();
        assert_eq!(ampls.zones.len(), 5);
    }
}
