//! One validation for blueprints from TOML and from the builder. It speaks in logical paths;
//! the loader's source map turns them into file positions.
//!
//! This file runs the checks in a fixed order (the order diagnostics are reported in); each
//! concern lives in a file of its own: `names`, `governance` and `waivers`, `network`,
//! `components` with `parts`, `sizing`, `container_apps` and `images`, `connections`,
//! `calls`, and `secrets`; `group_limits` (the resource group's limits) runs after emission,
//! and in `bulwark validate`.

mod calls;
mod components;
mod connections;
mod container_apps;
mod governance;
mod group_limits;
mod images;
mod names;
mod network;
mod parts;
mod secrets;
mod sizing;
mod waivers;

use super::diagnostic::Diagnostic;
use super::model::{Blueprint, Component};
use std::collections::BTreeMap;

/// App settings bulwark sets itself; a blueprint may not set them by hand.
pub use super::settings::RESERVED_SETTINGS;
pub use group_limits::{
    counted_resource_types, fewest_deployments, resource_group_limits, resource_type_limits,
};
pub(super) use parts::part_nouns;

/// Validate against today's date (waivers expire).
pub fn validate(blueprint: &Blueprint) -> Vec<Diagnostic> {
    validate_on(blueprint, crate::blueprint::Date::today())
}

/// Validate as of `today`: everything a blueprint must satisfy before it is planned.
pub fn validate_on(blueprint: &Blueprint, today: crate::blueprint::Date) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    governance::validate_governance(blueprint, today, &mut diagnostics);
    names::validate_app_names(blueprint, &mut diagnostics);
    network::validate_network(blueprint, &mut diagnostics);
    names::validate_component_names(blueprint, &mut diagnostics);

    let by_name: BTreeMap<&str, &Component> = blueprint
        .components
        .iter()
        .map(|component| (component.name.as_str(), component))
        .collect();
    for component in &blueprint.components {
        components::validate_component(
            component,
            &blueprint.app.environments,
            &by_name,
            &mut diagnostics,
        );
    }
    secrets::validate_secret_inputs(blueprint, &by_name, &mut diagnostics);
    calls::validate_call_cycles(blueprint, &by_name, &mut diagnostics);
    calls::validate_registrations(blueprint, &mut diagnostics);
    network::validate_front_door_endpoints(blueprint, &mut diagnostics);
    diagnostics
}
