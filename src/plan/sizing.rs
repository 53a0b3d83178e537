//! Sizing per environment: a field is the same everywhere (and becomes a literal in its
//! module) or varies (and becomes a parameter whose value each `.bicepparam` file sets).

use crate::blueprint::{ComponentSpec, SizingValue};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sized {
    Uniform(SizingValue),
    /// Environment → value, for every environment of the app.
    PerEnvironment(BTreeMap<String, SizingValue>),
}

impl Sized {
    pub fn value_in(&self, environment: &str) -> &SizingValue {
        match self {
            Sized::Uniform(value) => value,
            Sized::PerEnvironment(values) => &values[environment],
        }
    }

    /// A value derived per environment (a tier from a SKU); uniform again when every
    /// environment agrees after the mapping.
    pub fn map(&self, map: impl Fn(&SizingValue) -> SizingValue) -> Sized {
        match self {
            Sized::Uniform(value) => Sized::Uniform(map(value)),
            Sized::PerEnvironment(values) => {
                let mapped: BTreeMap<String, SizingValue> = values
                    .iter()
                    .map(|(environment, value)| (environment.clone(), map(value)))
                    .collect();
                let mut distinct: Vec<&SizingValue> = mapped.values().collect();
                distinct.sort();
                distinct.dedup();
                match distinct.as_slice() {
                    [only] => Sized::Uniform((*only).clone()),
                    _ => Sized::PerEnvironment(mapped),
                }
            }
        }
    }

    /// Every value the field takes across the environments.
    pub fn values(&self) -> Vec<&SizingValue> {
        match self {
            Sized::Uniform(value) => vec![value],
            Sized::PerEnvironment(values) => values.values().collect(),
        }
    }
}

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
            let mut distinct: Vec<&SizingValue> = values.values().collect();
            distinct.dedup();
            let sized = if distinct.len() <= 1 {
                Sized::Uniform(base_or_only(&values, base))
            } else {
                Sized::PerEnvironment(values)
            };
            (field, sized)
        })
        .collect()
}

fn base_or_only(values: &BTreeMap<String, SizingValue>, base: SizingValue) -> SizingValue {
    values.values().next().cloned().unwrap_or(base)
}
