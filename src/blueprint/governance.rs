//! Governance settings of a blueprint: policy effects and locks per environment, required
//! tags, central logging, and waivers that weaken one control of one component until a date.

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

pub use crate::vocabulary::Control;

/// `[governance]`: how policy is enforced and what is locked, with per-environment overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Governance {
    /// `audit` (default): policies report; `deny`: policies that allow it block
    /// non-compliant changes.
    #[serde(default, skip_serializing_if = "is_default")]
    pub policy: PolicyMode,
    /// Put a `CanNotDelete` lock on every stateful resource (data stores, vaults, registries).
    #[serde(default, skip_serializing_if = "is_default")]
    pub locks: bool,
    /// Also assign the Microsoft cloud security benchmark initiative (audit only).
    #[serde(default, skip_serializing_if = "is_default")]
    pub benchmark: bool,
    /// Tags every resource must carry; their values come from `[tags]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub required_tags: Vec<String>,
    /// What differs per environment: `policy`, `locks`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, GovernanceOverride>,
}

/// `[governance.environments.<env>]`: what one environment sets differently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GovernanceOverride {
    /// The policy effect in this environment, instead of `[governance] policy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyMode>,
    /// Whether stateful resources get delete locks in this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locks: Option<bool>,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
/// How the assigned Azure Policy definitions act on non-compliant resources.
#[serde(rename_all = "kebab-case")]
pub enum PolicyMode {
    /// Report non-compliance without blocking anything (the default).
    #[default]
    Audit,
    /// Block non-compliant changes, for the policies whose definition allows a deny effect.
    Deny,
}

impl Governance {
    /// The policy effect in `environment`, its override applied.
    pub fn policy_in(&self, environment: &str) -> PolicyMode {
        self.environments
            .get(environment)
            .and_then(|o| o.policy)
            .unwrap_or(self.policy)
    }

    /// Whether `environment` gets delete locks, its override applied.
    pub fn locks_in(&self, environment: &str) -> bool {
        self.environments
            .get(environment)
            .and_then(|o| o.locks)
            .unwrap_or(self.locks)
    }
}

/// `[monitoring]`: the app's own Log Analytics workspace (default) or a central one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// Resource id of an existing (central) Log Analytics workspace to send everything to
    /// instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Days the app's own workspace keeps logs (30-730; default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Daily ingestion cap of the app's own workspace in GB (default: no cap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_cap_gb: Option<u32>,
    /// What differs per environment: `workspace_id`, `retention_days`, `daily_cap_gb`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, MonitoringOverride>,
}

/// `[monitoring.environments.<env>]`: what one environment sets differently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringOverride {
    /// A central workspace for this environment only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Retention of this environment's own workspace, in days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Daily ingestion cap of this environment's own workspace, in GB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_cap_gb: Option<u32>,
}

/// Monitoring of one environment, overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentMonitoring {
    /// The central workspace's resource id; `None` creates the app's own.
    pub workspace_id: Option<String>,
    /// Days the app's own workspace keeps logs.
    pub retention_days: u32,
    /// Daily ingestion cap of the app's own workspace in GB; `None` for no cap.
    pub daily_cap_gb: Option<u32>,
}

impl Monitoring {
    /// Retention of the app's own workspace when the blueprint sets none.
    pub const DEFAULT_RETENTION_DAYS: u32 = 30;

    /// Monitoring of `environment`, its overrides applied.
    pub fn in_environment(&self, environment: &str) -> EnvironmentMonitoring {
        let over = self.environments.get(environment);
        EnvironmentMonitoring {
            workspace_id: over
                .and_then(|o| o.workspace_id.clone())
                .or_else(|| self.workspace_id.clone()),
            retention_days: over
                .and_then(|o| o.retention_days)
                .or(self.retention_days)
                .unwrap_or(Self::DEFAULT_RETENTION_DAYS),
            daily_cap_gb: over.and_then(|o| o.daily_cap_gb).or(self.daily_cap_gb),
        }
    }
}

/// `[deployment]`: how the generated workflow deploys each environment, and what one
/// deployment recovers from soft delete.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// `true` (default): deploy each environment through a deployment stack whose deny
    /// settings block writes and deletes by everyone but the deploying identity, and detach
    /// (never delete) resources removed from the blueprint; `false`: a plain resource-group
    /// deployment, for teams that cannot use deployment stacks.
    #[serde(
        default = "Deployment::default_stacks",
        skip_serializing_if = "is_true"
    )]
    pub stacks: bool,
    /// What differs per environment: `recover`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environments: BTreeMap<String, DeploymentOverride>,
}

/// `[deployment.environments.<env>]`: what one environment's next deployment does differently.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentOverride {
    /// Components (`key-vault`, `app-configuration`) whose soft-deleted predecessor of the
    /// same name the next deployment of this environment recovers instead of creating a new
    /// one. Remove the entry once that deployment has run: recovering fails when nothing is
    /// soft-deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recover: Vec<String>,
}

impl Default for Deployment {
    fn default() -> Self {
        Deployment {
            stacks: true,
            environments: BTreeMap::new(),
        }
    }
}

impl Deployment {
    fn default_stacks() -> bool {
        true
    }

    /// The environments that recover `component` in their next deployment, sorted.
    pub fn recovering(&self, component: &str) -> Vec<String> {
        self.environments
            .iter()
            .filter(|(_, over)| over.recover.iter().any(|name| name == component))
            .map(|(environment, _)| environment.clone())
            .collect()
    }
}

fn is_true(value: &bool) -> bool {
    *value
}

/// `[[waivers]]`: one control of one component weakened, for a reason, until a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The control it weakens.
    pub control: Control,
    /// The component it applies to.
    pub component: String,
    /// Why, for the security review: who needs it and what compensates.
    pub reason: String,
    /// The last day it holds, e.g. `2027-03-31`; after that the blueprint no longer validates.
    pub expires: Date,
    /// For `public-network-access` and `direct-public-ingress`: the only public IPv4 ranges
    /// let in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_from: Vec<String>,
    /// For `local-auth` on Service Bus and Event Hubs (required there): the entities a SAS key
    /// is for and its rights, each becoming an authorization rule on that one entity.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
}

/// One SAS authorization rule a `local-auth` waiver asks for: `{ to = "invoices", rights =
/// ["send"] }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// A queue or topic (Service Bus) or an event hub (Event Hubs) of the waived component.
    pub to: String,
    /// `send` and/or `listen`; never `manage`, which can create and delete entities.
    pub rights: Vec<SasRight>,
}

impl Grant {
    /// A grant of `rights` on the entity `to`.
    pub fn new(to: impl Into<String>, rights: impl IntoIterator<Item = SasRight>) -> Self {
        Grant {
            to: to.into(),
            rights: rights.into_iter().collect(),
        }
    }
}

/// Rights of a SAS authorization rule a waiver may grant. `Manage` is left out on purpose:
/// it includes the other two and can create and delete entities (MicrosoftDocs/azure-docs
/// service-bus-messaging/service-bus-sas.md, ms.date 11/01/2022).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum SasRight {
    /// Send messages or events to the entity.
    Send,
    /// Receive messages or events from the entity (Azure calls this right Listen).
    Listen,
}

impl SasRight {
    /// Every right, in the order diagnostics list them.
    pub const ALL: &'static [SasRight] = &[SasRight::Send, SasRight::Listen];

    /// The right as a blueprint spells it: `send`, `listen`.
    pub fn as_str(self) -> &'static str {
        match self {
            SasRight::Send => "send",
            SasRight::Listen => "listen",
        }
    }

    /// The value of `rights` in the authorization rule.
    pub fn azure_name(self) -> &'static str {
        match self {
            SasRight::Send => "Send",
            SasRight::Listen => "Listen",
        }
    }
}

impl fmt::Display for SasRight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A calendar date: a TOML local date (`2027-03-31`) or a string in that form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year, e.g. 2027.
    pub year: u16,
    /// The month, 1-12.
    pub month: u8,
    /// The day of the month, 1-31.
    pub day: u8,
}

impl Date {
    /// A date, or `None` when no such day exists (month 13, February 30).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// Parse `YYYY-MM-DD`; `None` for any other form or a day that does not exist.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.splitn(3, '-');
        let year = parts.next()?;
        let month = parts.next()?;
        let day = parts.next()?;
        if year.len() != 4 || month.len() != 2 || day.len() != 2 {
            return None;
        }
        Date::new(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Date::from_days_since_epoch((seconds / 86_400) as i64)
    }

    /// Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z.rem_euclid(146_097);
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        later.days_since_epoch() - self.days_since_epoch()
    }

    fn days_since_epoch(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year.rem_euclid(400);
        let month = i64::from(self.month);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Date;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date such as 2027-03-31")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Date, E> {
                Date::parse(text)
                    .ok_or_else(|| E::custom(format!("`{text}` is not a date such as 2027-03-31")))
            }

            // TOML dates arrive as a one-entry map holding their text.
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Date, M::Error> {
                let Some((_, text)) = map.next_entry::<String, String>()? else {
                    return Err(serde::de::Error::custom("an empty date"));
                };
                Date::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "`{text}` is not a date such as 2027-03-31 (a date, without a time)"
                    ))
                })
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "A date such as 2027-03-31 (TOML local date or string)."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_days() {
        for days in [-1, 0, 59, 60, 365, 11_016, 20_000, 21_500, 47_482] {
            let date = Date::from_days_since_epoch(days);
            assert_eq!(date.days_since_epoch(), days, "{date}");
        }
        assert_eq!(Date::from_days_since_epoch(0).to_string(), "1970-01-01");
        assert_eq!(Date::parse("2028-02-29").unwrap().to_string(), "2028-02-29");
        assert_eq!(Date::parse("2027-02-29"), None);
        assert_eq!(
            Date::parse("2026-11-29")
                .unwrap()
                .days_until(Date::parse("2027-03-31").unwrap()),
            122
        );
    }
}
