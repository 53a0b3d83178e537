//! One component's plan: its resources' private endpoints, app settings, subnet, sizing, the
//! secrets its vault holds and a container app's registry image and scale rules.

use super::{
    ByName, PerEnvironment, PrivateEndpoint, private_endpoints_of, scale, settings, sizing,
};
use super::{CONTAINER_APPS_SUBNET, SettingValue, Sized};
use crate::blueprint::{Blueprint, Component, ComponentSpec, ContainerEnvironment, Kind};
use crate::catalog::{self, naming};
use crate::counters;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, PartialEq)]
pub struct ComponentPlan {
    pub name: String,
    pub spec: ComponentSpec,
    pub private_endpoints: Vec<PrivateEndpoint>,
    /// Compute only: settings from connections and the blueprint, in the order written.
    pub app_settings: Vec<AppSetting>,
    /// Compute only: the subnet its outbound traffic (or its environment) lives in.
    pub subnet: Option<String>,
    /// Sizing fields, each the same everywhere or varying by environment.
    pub sizing: BTreeMap<&'static str, Sized>,
    /// Key Vault only: secrets of `external` components kept in this vault.
    pub external_secrets: Vec<String>,
    /// Container apps only: the image, when it comes from a container-registry component.
    pub registry_image: Option<RegistryImagePlan>,
    /// Container apps only: the KEDA scale rules its receiving connections imply (event
    /// hubs excluded: see [`scale::ScaleSource::EventHub`]).
    pub scale_rules: Vec<scale::ScaleRulePlan>,
}

/// A container app's image in a container-registry component of the blueprint.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryImagePlan {
    /// The container-registry component.
    pub registry: String,
    pub repository: String,
    /// The tag in each environment: the image's `tag`, or the environment's `image_tag`.
    pub tag: PerEnvironment<String>,
}

impl ComponentPlan {
    pub fn kind(&self) -> Kind {
        self.spec.kind()
    }

    pub fn is_compute(&self) -> bool {
        catalog::kind_spec(self.kind()).compute
    }

    pub fn path(&self) -> String {
        format!("components.{}", self.name)
    }

    /// Secrets the vault holds: declared ones, then those of external services.
    pub fn vault_secrets(&self) -> Vec<String> {
        match &self.spec {
            ComponentSpec::KeyVault(vault) => vault
                .secrets
                .iter()
                .chain(&self.external_secrets)
                .cloned()
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSetting {
    pub name: String,
    pub value: SettingValue,
    /// The blueprint path that caused it, and what it is for.
    pub because: (String, String),
}

/// A Key Vault secret whose value the deployment reads from an environment variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInput {
    pub component: String,
    pub secret: String,
    /// The `@secure()` parameter of `main.bicep`.
    pub param: String,
    pub variable: String,
}

/// The `external` components each vault keeps the secret of, by vault name, in name order.
fn external_secrets<'a>(components: &[&'a Component]) -> BTreeMap<&'a str, Vec<String>> {
    let mut external_secrets: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for component in components {
        if let ComponentSpec::External(external) = &component.spec {
            external_secrets
                .entry(external.vault.as_str())
                .or_default()
                .push(component.name.clone());
        }
    }
    external_secrets
}

/// The secrets each vault reads from the deployment's environment variables.
pub(super) fn secret_inputs(component_plans: &[ComponentPlan]) -> Vec<SecretInput> {
    component_plans
        .iter()
        .flat_map(|component| {
            component
                .vault_secrets()
                .into_iter()
                .map(|secret| SecretInput {
                    component: component.name.clone(),
                    param: naming::secret_param(&component.name, &secret),
                    variable: naming::setting_name(&[&component.name, &secret]),
                    secret,
                })
        })
        .collect()
}

/// Components a thread claims at a time: few enough claims to be noise, small enough that
/// the two threads finish together.
const CHUNK: usize = 32;

/// Every component's plan, in the order of `components`, built on `threads` threads (the
/// calling thread and at most one worker: each plan reads only the blueprint). `first` runs
/// on the calling thread while the worker starts on the components (the network and
/// subnets, which no component plan reads); then the calling thread claims chunks too.
/// Which thread planned a chunk changes nothing: the chunks are put back in order.
pub(super) fn plan_components<T>(
    lookup: &ByName<'_>,
    blueprint: &Blueprint,
    components: &[&Component],
    threads: usize,
    first: impl FnOnce() -> T,
) -> (T, Vec<ComponentPlan>) {
    let external_secrets = external_secrets(components);
    let chunks: Vec<&[&Component]> = components.chunks(CHUNK).collect();
    let next_chunk = AtomicUsize::new(0);
    let plan_chunks = || {
        let mut planned = Vec::new();
        loop {
            let index = next_chunk.fetch_add(1, Ordering::Relaxed);
            let Some(chunk) = chunks.get(index) else {
                return planned;
            };
            let plans = chunk.iter().map(|component| {
                let mut plan = plan_component(lookup, blueprint, component);
                plan.external_secrets = external_secrets
                    .get(component.name.as_str())
                    .cloned()
                    .unwrap_or_default();
                plan
            });
            planned.push((index, plans.collect::<Vec<_>>()));
        }
    };
    let (first, mut planned) = if threads > 1 && chunks.len() > 1 {
        std::thread::scope(|scope| {
            let worker = counters::spawn_counted(scope, plan_chunks);
            let first = first();
            let mut planned = plan_chunks();
            planned.extend(counters::join_counted(worker));
            (first, planned)
        })
    } else {
        (first(), plan_chunks())
    };
    planned.sort_unstable_by_key(|(index, _)| *index);
    let plans = planned.into_iter().flat_map(|(_, plans)| plans).collect();
    (first, plans)
}

fn plan_component(
    lookup: &ByName<'_>,
    blueprint: &Blueprint,
    component: &Component,
) -> ComponentPlan {
    let private_endpoints = private_endpoints_of(&component.spec);
    let subnet = match &component.spec {
        ComponentSpec::WebApp(_) | ComponentSpec::FunctionApp(_) => {
            Some(format!("{}-integration", component.name))
        }
        ComponentSpec::ContainerApp(app) => Some(match app.environment {
            ContainerEnvironment::Shared => CONTAINER_APPS_SUBNET.to_string(),
            ContainerEnvironment::Dedicated => format!("{}-environment", component.name),
        }),
        _ => None,
    };
    ComponentPlan {
        name: component.name.clone(),
        spec: component.spec.clone(),
        private_endpoints,
        app_settings: settings::app_settings(&blueprint.app.name, lookup, component),
        subnet,
        sizing: sizing::resolve_sizing(&blueprint.app.environments, &component.spec),
        external_secrets: Vec::new(),
        registry_image: registry_image(&blueprint.app.environments, &component.spec),
        scale_rules: match &component.spec {
            ComponentSpec::ContainerApp(app) => scale::sources(&component.name, app, lookup)
                .into_iter()
                .filter(|rule| rule.source.scalable())
                .collect(),
            _ => Vec::new(),
        },
    }
}

/// A container app's registry image with its tag in each environment.
fn registry_image(environments: &[String], spec: &ComponentSpec) -> Option<RegistryImagePlan> {
    let ComponentSpec::ContainerApp(app) = spec else {
        return None;
    };
    let image = app.image.registry()?;
    let tags = environments
        .iter()
        .map(|environment| {
            let tag = app
                .environments
                .get(environment)
                .and_then(|fields| fields.get(crate::blueprint::ContainerApp::IMAGE_TAG))
                .map_or_else(|| image.tag.clone(), ToString::to_string);
            (environment.clone(), tag)
        })
        .collect::<BTreeMap<_, _>>();
    Some(RegistryImagePlan {
        registry: image.registry.clone(),
        repository: image.repository.clone(),
        tag: if tags.is_empty() {
            PerEnvironment::Same(image.tag.clone())
        } else {
            PerEnvironment::from_map(tags)
        },
    })
}
