//! Sizing per environment: a field is the same everywhere (and becomes a literal in its
//! module) or varies (and becomes a parameter whose value each `.bicepparam` file sets).

use super::PerEnvironment;
use crate::blueprint::{ComponentSpec, SizingValue};
use std::collections::BTreeMap;

/// A sizing field's value in each environment.
pub type Sized = PerEnvironment<SizingValue>;

/// Each sizing field of a component with the value it has in each environment.
pub fn resolve_sizing(
    environments: &[String],
    spec: &ComponentSpec,
) -> BTreeMap<&'static str, Sized> {
    let overrides = spec.overrides();
    spec.sizing()
        .into_iter()
        .map(|(field, base)| {
            let values: BTreeMap<String, SizingValue> = environments
                .iter()
                .map(|environment| {
                    let value = overrides
                        .and_then(|o| o.get(environment))
                        .and_then(|fields| fields.get(field))
                        .cloned()
                        .unwrap_or_else(|| base.clone());
                    (environment.clone(), value)
                })
                .collect();
            let sized = if values.is_empty() {
                PerEnvironment::Same(base)
            } else {
                PerEnvironment::from_map(values)
            };
            (field, sized)
        })
        .collect()
}
