//! Controls a `[[waivers]]` entry can weaken: which kinds have them, what the weaker setting
//! is, and the built-in policies that would flag it (each gets a policy exemption).

use crate::vocabulary::{Control, Kind};

pub struct Waivable {
    pub control: Control,
    pub kind: Kind,
    /// The hardened value, and what the waiver sets instead.
    pub hardened: &'static str,
    pub weakened: &'static str,
    /// Built-in policies (all assigned for the kind) the weaker setting violates.
    pub policies: &'static [&'static str],
}

pub const WAIVABLE: &[Waivable] = &[
    Waivable {
        control: Control::PublicNetworkAccess,
        kind: Kind::Storage,
        hardened: "publicNetworkAccess: 'Disabled'",
        weakened: "publicNetworkAccess: 'Enabled', networkAcls deny by default with the allow_from ranges",
        policies: &[
            "b2982f36-99f2-4db5-8eff-283140c09693", // storage: disable public network access
        ],
    },
    Waivable {
        control: Control::PublicNetworkAccess,
        kind: Kind::KeyVault,
        hardened: "publicNetworkAccess: 'Disabled'",
        weakened: "publicNetworkAccess: 'Enabled', networkAcls deny by default with the allow_from ranges",
        policies: &[
            "405c5871-3e91-4644-8a63-58e19d68ff5b", // key vault: disable public network access
        ],
    },
    Waivable {
        control: Control::PublicNetworkAccess,
        kind: Kind::ContainerRegistry,
        hardened: "publicNetworkAccess: 'Disabled'",
        weakened: "publicNetworkAccess: 'Enabled', networkRuleSet deny by default with the allow_from ranges",
        policies: &[
            "0fdf0491-d080-4575-b627-ad0e843cba0f", // registry: disable public network access
            "d0793b48-0edc-4296-a390-4c75d1bdfd71", // registry: no unrestricted network access
        ],
    },
    Waivable {
        control: Control::SharedKeyAccess,
        kind: Kind::Storage,
        hardened: "allowSharedKeyAccess: false",
        weakened: "allowSharedKeyAccess: true",
        policies: &["8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54"],
    },
    Waivable {
        control: Control::LocalAuth,
        kind: Kind::ServiceBus,
        hardened: "disableLocalAuth: true",
        weakened: "disableLocalAuth: false",
        policies: &["cfb11c26-f069-4c14-8e36-56c394dae5af"],
    },
    Waivable {
        control: Control::LocalAuth,
        kind: Kind::EventHubs,
        hardened: "disableLocalAuth: true",
        weakened: "disableLocalAuth: false",
        policies: &["5d4e3c65-4873-47be-94f3-6f8b953a3598"],
    },
    Waivable {
        control: Control::DirectPublicIngress,
        kind: Kind::WebApp,
        hardened: "publicNetworkAccess: 'Disabled' (public traffic through Front Door)",
        weakened: "publicNetworkAccess: 'Enabled', HTTPS only, TLS 1.2, access restrictions",
        policies: &[super::WEB_APP_PRIVATE_POLICY],
    },
    Waivable {
        control: Control::DirectPublicIngress,
        kind: Kind::FunctionApp,
        hardened: "publicNetworkAccess: 'Disabled' (public traffic through Front Door)",
        weakened: "publicNetworkAccess: 'Enabled', HTTPS only, TLS 1.2, access restrictions",
        policies: &[super::FUNCTION_APP_PRIVATE_POLICY],
    },
];

/// The name of the SAS authorization rule a `local-auth` waiver creates on each granted
/// entity; it is the key name a client presents. Rule names are 1-50 alphanumerics, periods,
/// hyphens and underscores, starting and ending with a letter or number (Microsoft Learn
/// azure/templates microsoft.servicebus/namespaces/queues/authorizationrules and
/// microsoft.eventhub/namespaces/eventhubs/authorizationrules; bicep-types-az @1f896de2
/// servicebus 2024-01-01 types.json: maxLength 50). Fixed, so changing a grant's rights
/// updates the rule in place instead of leaving an old one behind.
pub const SAS_RULE_NAME: &str = "waiver-local-auth";

/// The kinds a control can be waived for.
pub fn kinds_for(control: Control) -> Vec<Kind> {
    WAIVABLE
        .iter()
        .filter(|w| w.control == control)
        .map(|w| w.kind)
        .collect()
}

pub fn waivable(control: Control, kind: Kind) -> Option<&'static Waivable> {
    WAIVABLE
        .iter()
        .find(|w| w.control == control && w.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{self, facts};

    #[test]
    fn the_sas_rule_name_follows_the_documented_rule() {
        let name = SAS_RULE_NAME;
        assert!((1..=50).contains(&name.len()));
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        );
        assert!(name.starts_with(|c: char| c.is_ascii_alphanumeric()));
        assert!(name.ends_with(|c: char| c.is_ascii_alphanumeric()));
        // Not the namespace rule Azure creates itself.
        assert_ne!(name, "RootManageSharedAccessKey");
    }

    #[test]
    fn every_exempted_policy_is_a_known_built_in_the_kind_assigns() {
        for waivable in WAIVABLE {
            let spec = catalog::kind_spec(waivable.kind);
            for guid in waivable.policies {
                let policy = facts::policy(guid);
                let assigned = spec.policies.contains(guid)
                    || *guid == catalog::WEB_APP_PRIVATE_POLICY
                    || *guid == catalog::FUNCTION_APP_PRIVATE_POLICY;
                assert!(
                    assigned,
                    "{} for {}: {} is not assigned",
                    waivable.control, waivable.kind, policy.display_name
                );
            }
        }
    }
}
