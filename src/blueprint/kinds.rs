//! The settings of each component kind, as written under `[components.<name>]`.
//!
//! Sizing fields (SKUs, capacity, replicas, …) have inexpensive defaults that meet the
//! baseline and can be overridden per environment in `[components.<name>.environments.<env>]`;
//! the catalogue lists which fields each kind sizes and which values are allowed. The kinds
//! live in three rooms: App Service apps, container apps, and the data, messaging and
//! external services compute connects to; this file holds what they share.

mod app_service;
mod container_app;
mod data;

pub use app_service::*;
pub use container_app::*;
pub use data::*;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Whether a field holds its default, so serialization leaves it out.
fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A pre-created Entra app registration of a compute component that receives calls, in one
/// environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    /// The registration's application (client) id, a GUID.
    pub client_id: String,
    /// Its Application ID URI, the audience callers request tokens for, e.g.
    /// `api://contoso.onmicrosoft.com/orders-api-prod`.
    pub identifier_uri: String,
}

/// Who can reach a compute component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Ingress {
    /// Reachable only inside the VNet, through a private endpoint (or the environment's
    /// internal load balancer for container apps).
    #[default]
    Private,
    /// Reachable from the internet through Azure Front Door Premium: a WAF in prevention
    /// mode and a private link to the app, whose own public network access stays disabled.
    Public,
    /// Reachable from the internet directly (HTTPS only, TLS 1.2, access restrictions); needs
    /// a `direct-public-ingress` waiver.
    Direct,
    /// No inbound traffic at all (background workers).
    None,
}

/// The default of counts that start at one (instances, capacity, replicas).
fn one() -> u32 {
    1
}
