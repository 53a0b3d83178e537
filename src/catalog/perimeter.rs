//! Which of a kind's resources can join a network security perimeter: the resource types
//! each kind's module creates and whether Microsoft lists them as onboarded (facts/perimeter.tsv).
//! Facts about kinds, so validation and the planner read them alike.

use super::facts;
use super::types::{self, ResourceType};
use crate::vocabulary::Kind;

/// A PaaS resource a component's module creates that could join a perimeter, with the
/// module output carrying its id. Kinds whose types are not onboarded are listed too, so the
/// report can say what stays outside.
pub fn paas_resources(kind: Kind) -> &'static [(&'static str, ResourceType, &'static str)] {
    match kind {
        Kind::Storage => &[("", types::STORAGE_ACCOUNT, "id")],
        Kind::KeyVault => &[("", types::KEY_VAULT, "id")],
        Kind::CosmosDb => &[("", types::COSMOS_ACCOUNT, "id")],
        Kind::EventHubs => &[("", types::EVENT_HUBS_NAMESPACE, "id")],
        Kind::SqlDatabase => &[("", types::SQL_SERVER, "id")],
        Kind::OpenAi => &[("", types::COGNITIVE_SERVICES_ACCOUNT, "id")],
        Kind::AiSearch => &[("", types::SEARCH_SERVICE, "id")],
        Kind::FunctionApp => &[
            ("", types::WEB_SITE, ""),
            ("host storage", types::STORAGE_ACCOUNT, "hostStorageId"),
        ],
        Kind::WebApp => &[("", types::WEB_SITE, "")],
        Kind::ContainerApp => &[("", types::CONTAINER_APP, "")],
        Kind::ContainerRegistry => &[("", types::CONTAINER_REGISTRY, "")],
        Kind::Postgres => &[("", types::POSTGRES_SERVER, "")],
        Kind::ServiceBus => &[("", types::SERVICE_BUS_NAMESPACE, "")],
        Kind::Redis => &[("", types::REDIS_CLUSTER, "")],
        Kind::AppConfiguration => &[("", types::APP_CONFIGURATION_STORE, "")],
        Kind::External => &[],
    }
}

/// Whether a kind's own resource (not a host storage account) joins a perimeter.
pub fn kind_joins(kind: Kind) -> bool {
    paas_resources(kind)
        .iter()
        .any(|(label, ty, _)| label.is_empty() && associates(ty.name))
}

/// Whether perimeter.tsv lists the type as onboarded and bulwark associates it.
pub fn associates(resource_type: &str) -> bool {
    facts::perimeter_fact(resource_type).is_some_and(|fact| fact.kept_out.is_none())
}
