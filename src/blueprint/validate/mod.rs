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
use crate::counters;
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

/// Below this many components validation and planning run on the calling thread alone: a
/// second thread costs its start and a malloc arena, worth it only when each half is
/// a few milliseconds (the threshold emit's component modules use too).
pub const PARALLEL_FROM: usize = 100;

/// How many threads validation and planning use for `components`: two from
/// `PARALLEL_FROM` (100) on when the machine has two cores, otherwise one. Their work splits
/// into two independent halves, so more threads would have nothing to do.
pub fn front_threads(components: usize) -> usize {
    if components < PARALLEL_FROM {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| n.get().min(2))
}

/// Validate as of `today`: everything a blueprint must satisfy before it is planned.
pub fn validate_on(blueprint: &Blueprint, today: crate::blueprint::Date) -> Vec<Diagnostic> {
    validate_on_threads(blueprint, today, front_threads(blueprint.components.len()))
}

/// [`validate_on`] on `threads` threads (more than one: the calling thread and one more).
/// The checks after the component loop read only the blueprint, so a second thread runs them
/// beside the loop; each keeps its diagnostics apart and they are joined in the order one
/// thread reports them.
pub fn validate_on_threads(
    blueprint: &Blueprint,
    today: crate::blueprint::Date,
    threads: usize,
) -> Vec<Diagnostic> {
    let by_name: BTreeMap<&str, &Component> = blueprint
        .components
        .iter()
        .map(|component| (component.name.as_str(), component))
        .collect();
    let mut diagnostics = Vec::new();
    governance::validate_governance(blueprint, &by_name, today, &mut diagnostics);
    names::validate_app_names(blueprint, &mut diagnostics);
    network::validate_network(blueprint, &mut diagnostics);
    names::validate_component_names(blueprint, &mut diagnostics);

    let each_component = |diagnostics: &mut Vec<Diagnostic>| {
        for component in &blueprint.components {
            components::validate_component(
                component,
                &blueprint.app.environments,
                &by_name,
                diagnostics,
            );
        }
    };
    let whole_app = || {
        let mut diagnostics = Vec::new();
        secrets::validate_secret_inputs(blueprint, &by_name, &mut diagnostics);
        calls::validate_call_cycles(blueprint, &by_name, &mut diagnostics);
        calls::validate_registrations(blueprint, &mut diagnostics);
        network::validate_front_door_endpoints(blueprint, &mut diagnostics);
        diagnostics
    };
    let later = if threads > 1 {
        std::thread::scope(|scope| {
            let worker = counters::spawn_counted(scope, whole_app);
            each_component(&mut diagnostics);
            counters::join_counted(worker)
        })
    } else {
        each_component(&mut diagnostics);
        whole_app()
    };
    diagnostics.extend(later);
    diagnostics
}
