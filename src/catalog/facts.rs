//! Verified Azure facts, embedded verbatim from `facts/*.tsv` (copies of the shared
//! `azure-facts` files, each row naming its source). Code names a role, a private-link group
//! or a policy; the GUIDs, zones and categories come from these tables and nowhere else.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

const ROLES: &str = include_str!("facts/roles.tsv");
const PRIVATE_ENDPOINTS: &str = include_str!("facts/private_endpoints.tsv");
const API_VERSIONS: &str = include_str!("facts/api_versions.tsv");
const DIAGNOSTICS: &str = include_str!("facts/diagnostics.tsv");
const POLICIES: &str = include_str!("facts/policies.tsv");
const NAMING: &str = include_str!("facts/naming.tsv");
const LIMITS: &str = include_str!("facts/limits.tsv");
const FRONT_DOOR_WAF: &str = include_str!("facts/front_door_waf.tsv");
/// bulwark's own table (not a shared copy): the resource types Microsoft lists as onboarded
/// to network security perimeters, and whether bulwark associates them.
const PERIMETER: &str = include_str!("facts/perimeter.tsv");
/// bulwark's own table: the resource types Microsoft lists as exempt from the 800 instances
/// per type and resource group (`resources-without-resource-group-limit`).
const GROUP_LIMIT_EXEMPT: &str = include_str!("facts/resource_group_limit_exempt.tsv");

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

/// The characters a resource type's names may use, as naming.tsv describes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCharacters {
    /// `a-z 0-9`
    LowercaseAlphanumerics,
    /// `a-z 0-9 -`
    LowercaseAlphanumericsHyphens,
    /// `A-Z a-z 0-9`
    Alphanumerics,
    /// `A-Z a-z 0-9 -`
    AlphanumericsHyphens,
    /// Letters, digits and the listed punctuation.
    AlphanumericsAnd(&'static str),
    /// Anything printable but the listed characters.
    AnyExcept(&'static str),
    /// A GUID.
    Guid,
    /// Fixed names (`default`), or a rule naming.tsv does not document.
    Unchecked,
}

impl NameCharacters {
    pub fn allows(self, name: &str) -> bool {
        let alnum = |c: char| c.is_ascii_alphanumeric();
        match self {
            Self::LowercaseAlphanumerics => name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            Self::LowercaseAlphanumericsHyphens => name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            Self::Alphanumerics => name.chars().all(alnum),
            Self::AlphanumericsHyphens => name.chars().all(|c| alnum(c) || c == '-'),
            Self::AlphanumericsAnd(extra) => name.chars().all(|c| alnum(c) || extra.contains(c)),
            Self::AnyExcept(banned) => name
                .chars()
                .all(|c| !c.is_control() && !banned.chars().any(|b| !b.is_whitespace() && b == c)),
            Self::Guid => {
                name.len() == 36
                    && name.char_indices().all(|(i, c)| {
                        if matches!(i, 8 | 13 | 18 | 23) {
                            c == '-'
                        } else {
                            c.is_ascii_hexdigit()
                        }
                    })
            }
            Self::Unchecked => true,
        }
    }
}

/// Azure's rule for the names of one resource type (naming.tsv), where it is documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameLimits {
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub characters: NameCharacters,
}

pub struct Facts {
    pub roles: BTreeMap<&'static str, Role>,
    pub private_links: Vec<PrivateLink>,
    pub api_versions: BTreeMap<&'static str, ApiVersions>,
    pub diagnostics: BTreeMap<&'static str, DiagnosticSupport>,
    pub policies: BTreeMap<&'static str, Policy>,
    /// Resource type (as naming.tsv spells it) → its name rule.
    pub names: BTreeMap<&'static str, NameLimits>,
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
    names: rows(NAMING)
        .map(|cells| {
            let limits = NameLimits {
                min: cells[2].parse().ok(),
                max: cells[3].parse().ok(),
                characters: name_characters(cells[4]),
            };
            (cells[0], limits)
        })
        .collect(),
});

/// The `allowed_characters` cell of naming.tsv as a checkable class. Cells that describe
/// only a length, a fixed value or nothing documented are left unchecked.
fn name_characters(cell: &'static str) -> NameCharacters {
    use NameCharacters::*;
    match cell {
        "lowercase letters and numbers" => LowercaseAlphanumerics,
        "lowercase letters, numbers, hyphens" | "lowercase letters, digits, hyphens" => {
            LowercaseAlphanumericsHyphens
        }
        "alphanumerics" => Alphanumerics,
        _ if cell.starts_with("letters and digits only") => Alphanumerics,
        _ if cell.starts_with("alphanumerics and hyphens")
            || cell.starts_with("alphanumerics, hyphens, Unicode")
            || cell.starts_with("letters, numbers, hyphens") =>
        {
            AlphanumericsHyphens
        }
        "alphanumerics, underscores, periods, hyphens"
        | "alphanumerics, periods, hyphens, underscores"
        | "labels of alphanumerics, underscores, hyphens separated by periods" => {
            AlphanumericsAnd("_.-")
        }
        "alphanumerics, periods, hyphens, underscores, slashes" => AlphanumericsAnd("_.-/"),
        "alphanumerics, hyphens, underscores" => AlphanumericsAnd("_-"),
        _ if cell.contains("(alphanumerics, hyphens, underscores)") => AlphanumericsAnd("_-"),
        "alphanumerics, periods, underscores, hyphens, parentheses"
        | "alphanumerics, underscores, parentheses, hyphens, periods" => AlphanumericsAnd("_.-()"),
        _ if cell.starts_with("any character except") => AnyExcept(
            cell.trim_start_matches("any character except")
                .trim_end_matches(" and control characters"),
        ),
        "GUID" => Guid,
        _ => Unchecked,
    }
}

fn rows(table: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    table
        .lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            crate::counters::add(crate::counters::Counter::FactRowsParsed, 1);
            line.split('\t').collect()
        })
}

/// limits.tsv by subject, then limit name → the value as written. Parsed once: the planner
/// asks for a subnet limit per subnet, and re-reading the table each time cost more than
/// the planning itself.
#[allow(clippy::type_complexity)]
static LIMIT_TEXTS: LazyLock<HashMap<&'static str, HashMap<&'static str, &'static str>>> =
    LazyLock::new(|| {
        let mut texts: HashMap<_, HashMap<_, _>> = HashMap::new();
        for cells in rows(LIMITS) {
            // The first row of a subject and name wins, as a search from the top would find.
            let by_name = texts.entry(cells[0]).or_default();
            by_name.entry(cells[1]).or_insert(cells[2]);
        }
        texts
    });

/// The resource types resource_group_limit_exempt.tsv marks exempt, in ASCII lowercase
/// (ARM's types are case-insensitive). Parsed once: validation asks per component.
static GROUP_LIMIT_EXEMPT_TYPES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    rows(GROUP_LIMIT_EXEMPT)
        .filter(|cells| cells[1] == "yes")
        .map(|cells| cells[0].to_ascii_lowercase())
        .collect()
});

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

/// Azure's name rule for a resource type, if naming.tsv has one. Types are matched without
/// case (ARM's are case-insensitive; naming.tsv writes `Microsoft.Web/serverfarms`).
pub fn name_limits(resource_type: &str) -> Option<&'static NameLimits> {
    // Callers mostly spell the type as naming.tsv does: an exact lookup first, the scan
    // without case only for other spellings (no two rows differ only in case, so both
    // find the same row; a test checks it).
    FACTS.names.get(resource_type).or_else(|| {
        FACTS
            .names
            .iter()
            .find(|(ty, _)| ty.eq_ignore_ascii_case(resource_type))
            .map(|(_, limits)| limits)
    })
}

/// The newest managed rule set version of `rule_set_type` that front_door_waf.tsv documents
/// for Front Door Premium (rows marked "Don't emit" are left out).
pub fn front_door_rule_set_version(rule_set_type: &str) -> &'static str {
    let numbers = |version: &str| -> Vec<u32> {
        version
            .split('.')
            .filter_map(|part| part.parse().ok())
            .collect()
    };
    rows(FRONT_DOOR_WAF)
        .filter(|cells| cells[0] == rule_set_type)
        .filter(|cells| cells[2].contains("Front Door") && !cells[3].contains("Don't emit"))
        .map(|cells| cells[1])
        .max_by_key(|version| numbers(version))
        .unwrap_or_else(|| panic!("bulwark bug: front_door_waf.tsv has no {rule_set_type}"))
}

/// A resource type Microsoft lists as onboarded to network security perimeters (perimeter.tsv).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerimeterFact {
    pub resource_type: &'static str,
    pub service: &'static str,
    /// `Generally available` or `Public preview`.
    pub availability: &'static str,
    /// `None`: bulwark associates it; `Some(reason)`: bulwark keeps it out, and why.
    pub kept_out: Option<&'static str>,
    pub source: &'static str,
}

/// Every row of perimeter.tsv.
pub fn perimeter_facts() -> impl Iterator<Item = PerimeterFact> {
    rows(PERIMETER).map(|cells| PerimeterFact {
        resource_type: cells[0],
        service: cells[1],
        availability: cells[2],
        kept_out: cells[3].strip_prefix("keep out: "),
        source: cells[4],
    })
}

/// Whether Microsoft lists `resource_type` as onboarded to network security perimeters
/// (types compared without case, as ARM does).
pub fn perimeter_fact(resource_type: &str) -> Option<PerimeterFact> {
    PERIMETER_FACTS
        .iter()
        .find(|fact| fact.resource_type.eq_ignore_ascii_case(resource_type))
        .cloned()
}

/// perimeter.tsv's rows, parsed once: the planner and validation ask per component, and
/// re-reading the table each time cost more than the perimeter plan itself.
static PERIMETER_FACTS: LazyLock<Vec<PerimeterFact>> =
    LazyLock::new(|| perimeter_facts().collect());

/// A numeric limit in limits.tsv, by subject and limit name.
pub fn limit(subject: &str, name: &str) -> Option<u64> {
    limit_text(subject, name).and_then(|value| value.parse().ok())
}

/// A limit's value as limits.tsv writes it (`/28`, `7-90`, `200 / 225`).
pub fn limit_text(subject: &str, name: &str) -> Option<&'static str> {
    LIMIT_TEXTS.get(subject)?.get(name).copied()
}

/// Whether a resource type may have more than 800 instances in one resource group without
/// asking support (resource_group_limit_exempt.tsv; types are case-insensitive).
pub fn exempt_from_group_limit(resource_type: &str) -> bool {
    GROUP_LIMIT_EXEMPT_TYPES.contains(&resource_type.to_ascii_lowercase())
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
            (PERIMETER, 5),
            (GROUP_LIMIT_EXEMPT, 4),
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
            ("naming.tsv", NAMING),
            ("limits.tsv", LIMITS),
            ("front_door_waf.tsv", FRONT_DOOR_WAF),
        ] {
            let on_disk = std::fs::read_to_string(shared.join(name)).unwrap();
            assert_eq!(
                on_disk, embedded,
                "{name} differs from ../shared/azure-facts; copy it again"
            );
        }
    }

    #[test]
    fn name_rules_parse() {
        let storage = name_limits("Microsoft.Storage/storageAccounts").unwrap();
        assert_eq!((storage.min, storage.max), (Some(3), Some(24)));
        assert!(storage.characters.allows("stshop0a1b"));
        assert!(!storage.characters.allows("st-shop"));
        let plan = name_limits("Microsoft.Web/serverFarms").unwrap();
        assert_eq!(plan.max, Some(60));
        let waf = name_limits("Microsoft.Network/FrontDoorWebApplicationFirewallPolicies").unwrap();
        assert!(!waf.characters.allows("waf-shop"));
        let exemption = name_limits("Microsoft.Authorization/policyExemptions").unwrap();
        assert!(!exemption.characters.allows("a/b"));
        assert!(exemption.characters.allows("exempt-shop (dev)"));
        let role = name_limits("Microsoft.Authorization/roleAssignments").unwrap();
        assert!(
            role.characters
                .allows("0f4c3b1a-1111-4c4c-8d8d-0123456789ab")
        );
        assert_eq!(limit("ARM template", "parameters"), Some(256));
        assert_eq!(
            front_door_rule_set_version("Microsoft_DefaultRuleSet"),
            "2.2"
        );
        assert_eq!(
            front_door_rule_set_version("Microsoft_BotManagerRuleSet"),
            "1.1"
        );
    }

    #[test]
    fn limits_and_exemptions_are_parsed_once_however_often_asked() {
        // First asks may parse the tables on this thread; later ones read the maps.
        assert_eq!(
            limit_text("Subnet", "Azure-reserved addresses per subnet"),
            Some("5")
        );
        assert!(exempt_from_group_limit("Microsoft.Web/sites"));
        crate::counters::reset();
        for _ in 0..100 {
            assert_eq!(limit("ARM template", "parameters"), Some(256));
            assert_eq!(limit_text("ARM template", "no such limit"), None);
            assert!(exempt_from_group_limit("microsoft.storage/STORAGEACCOUNTS"));
            assert!(!exempt_from_group_limit("Microsoft.KeyVault/vaults"));
        }
        assert_eq!(
            crate::counters::get(crate::counters::Counter::FactRowsParsed),
            0
        );
    }

    #[test]
    fn perimeter_facts_are_parsed_once_however_often_asked() {
        assert!(perimeter_fact("Microsoft.KeyVault/vaults").is_some());
        crate::counters::reset();
        for _ in 0..100 {
            assert!(crate::catalog::perimeter::associates(
                "microsoft.storage/STORAGEACCOUNTS"
            ));
            assert!(perimeter_fact("Microsoft.ServiceBus/namespaces").is_none());
        }
        assert_eq!(
            crate::counters::get(crate::counters::Counter::FactRowsParsed),
            0
        );
    }

    #[test]
    fn naming_rows_differ_in_more_than_case() {
        // name_limits looks a type up exactly before it scans without case: the same row
        // only while no two rows differ in case alone.
        let lowered: HashSet<String> = FACTS
            .names
            .keys()
            .map(|ty| ty.to_ascii_lowercase())
            .collect();
        assert_eq!(lowered.len(), FACTS.names.len());
        assert_eq!(
            name_limits("microsoft.web/SERVERFARMS"),
            name_limits("Microsoft.Web/serverfarms")
        );
        assert!(name_limits("Microsoft.Web/serverfarms").is_some());
    }

    #[test]
    fn policy_effects_parse() {
        let storage = policy("b2982f36-99f2-4db5-8eff-283140c09693");
        assert_eq!(storage.effects, ["Audit", "Deny", "Disabled"]);
        assert_eq!(storage.default_effect, "Audit");
    }

    #[test]
    fn perimeter_rows_say_associate_or_why_not() {
        for cells in rows(PERIMETER) {
            assert!(
                cells[3] == "associate" || cells[3].starts_with("keep out: "),
                "{cells:?}"
            );
            assert!(cells[4].contains("network-security-perimeter"), "{cells:?}");
        }
        assert!(
            perimeter_fact("Microsoft.KeyVault/vaults")
                .unwrap()
                .kept_out
                .is_none()
        );
        assert!(
            perimeter_fact("microsoft.operationalinsights/workspaces")
                .unwrap()
                .kept_out
                .is_some()
        );
        assert!(perimeter_fact("Microsoft.ServiceBus/namespaces").is_none());
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
