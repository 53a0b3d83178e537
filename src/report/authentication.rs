//! How each component authenticates, for the report's component table: the kind's own
//! settings, who may call it with an Entra token, and what a waiver weakens.

use super::governance::grant_words;
use crate::blueprint::{Control, Kind};
use crate::plan::governance::PlannedWaiver;
use crate::plan::{ComponentPlan, Plan};

/// The component's authentication in words; `waivers` are the component's own.
pub(super) fn component_authentication(
    plan: &Plan,
    component: &ComponentPlan,
    waivers: &[&PlannedWaiver],
) -> String {
    let waived = |control: Control| waivers.iter().find(|w| w.control == control);
    let mut authentication = authentication(component.kind()).to_string();
    let mut callers: Vec<&str> = plan
        .calls_to(&component.name)
        .map(|call| call.caller.as_str())
        .collect();
    callers.dedup();
    if !callers.is_empty() {
        authentication = format!(
            "{authentication}; receives calls only with an Entra token for its app registration's audience, from {} (app role assignment required; others get 401)",
            callers.join(", ")
        );
    }
    if let Some(w) = waived(Control::SharedKeyAccess).or(waived(Control::LocalAuth)) {
        authentication = format!(
            "{authentication}; WAIVED until {}: {}",
            w.expires, w.weakened
        );
        if !w.grants.is_empty() {
            authentication = format!(
                "{authentication}, SAS keys only through {}; the namespace's RootManageSharedAccessKey is handed to no one (see SAS keys)",
                grant_words(&w.grants).join(", ")
            );
        }
    }
    authentication
}

/// What the kind's own settings allow.
fn authentication(kind: Kind) -> &'static str {
    match kind {
        Kind::WebApp | Kind::FunctionApp => {
            "Calls other services as its managed identity; FTP and SCM basic auth off"
        }
        Kind::ContainerApp => "Calls other services and pulls images as its managed identity",
        Kind::Storage => "Entra ID only: shared keys, local users and SFTP off",
        Kind::KeyVault => "Entra ID with Azure RBAC (no access policies)",
        Kind::ContainerRegistry => "Entra ID only: admin user and anonymous pull off",
        Kind::SqlDatabase => "Microsoft Entra-only authentication; SQL logins off",
        Kind::Postgres => "Microsoft Entra authentication; password authentication off",
        Kind::CosmosDb => "Entra ID data-plane roles; keys and key-based metadata writes off",
        Kind::ServiceBus | Kind::EventHubs => "Entra ID only: local (SAS) authentication off",
        Kind::Redis => "Entra ID access policies; access keys off",
        Kind::AppConfiguration => "Entra ID only: access keys off",
        Kind::OpenAi | Kind::AiSearch => "Entra ID only: API keys off",
        Kind::External => "Its secret, kept in Key Vault, read by the components that use it",
    }
}
