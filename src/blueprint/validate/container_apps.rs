//! Container apps: internal ingress with a known target port, an image, Consumption-profile
//! cpu and memory pairs, ordered replica ranges, and a way to start again after scaling to
//! zero.

use super::images::{validate_image_reference, validate_registry_image};
use crate::blueprint::diagnostic::Diagnostic;
use crate::blueprint::model::{Component, ContainerApp, Image, Ingress, SizingValue};
use crate::catalog;
use std::collections::BTreeMap;

/// A container app (at `path`): ingress, image, port, how it starts, and its size in every
/// environment.
pub(super) fn validate_container_app(
    path: &str,
    app: &ContainerApp,
    environments: &[String],
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if matches!(app.ingress, Ingress::Public | Ingress::Direct) {
        diagnostics.push(
            Diagnostic::error(
                "unsupported-ingress",
                "container apps run in an internal environment",
            )
            .at(format!("{path}.ingress"))
            .expected("`private` (reachable in the VNet) or `none`")
            .help("for internet traffic put a web-app with ingress = \"public\" in front of it"),
        );
    }
    match &app.image {
        Image::Reference(reference) => {
            validate_image_reference(path, reference, by_name, diagnostics)
        }
        Image::Registry(image) => validate_registry_image(path, image, by_name, diagnostics),
    }
    if let Some(port) = app.target_port
        && !(1..=65_535).contains(&port)
    {
        diagnostics.push(
            Diagnostic::error("invalid-port", format!("{port} is not a port"))
                .at(format!("{path}.target_port"))
                .expected("1 to 65535")
                .help("the port the container listens on, e.g. 8080"),
        );
    }
    // Ingress sends traffic to one port, and only the image knows which: a guessed default
    // would deploy an app whose every request fails. Known sample images bring their port.
    if app.ingress != Ingress::None && app.effective_target_port().is_none() {
        diagnostics.push(
            Diagnostic::error(
                "missing-target-port",
                "a container app with ingress needs the port its container listens on",
            )
            .at(format!("{path}.image"))
            .expected("`target_port = <port>` next to the image")
            .help("set `target_port` to the port the image serves HTTP on (bulwark cannot read it from the image), or `ingress = \"none\"` for a worker"),
        );
    }
    validate_worker_starts(path, app, environments, by_name, diagnostics);
    // cpu/memory must be a Consumption-profile pair and replicas an ordered range, in every
    // environment after overrides.
    for environment in environments {
        let value = |field: &str, base: SizingValue| {
            app.environments
                .get(environment)
                .and_then(|o| o.get(field))
                .cloned()
                .unwrap_or(base)
        };
        let cpu = value("cpu", SizingValue::Text(app.cpu.clone())).to_string();
        let memory = value("memory", SizingValue::Text(app.memory.clone())).to_string();
        let cpu_index = catalog::CONTAINER_APP_CPU.iter().position(|c| *c == cpu);
        let memory_index = catalog::CONTAINER_APP_MEMORY
            .iter()
            .position(|m| *m == memory);
        if let (Some(cpu_index), Some(memory_index)) = (cpu_index, memory_index)
            && cpu_index != memory_index
        {
            diagnostics.push(
                Diagnostic::error("invalid-resources", format!("{cpu} vCPU with {memory} is not a Consumption profile size in `{environment}`"))
                    .at(format!("{path}.memory"))
                    .expected(format!("memory = \"{}\" for {cpu} vCPU", catalog::CONTAINER_APP_MEMORY[cpu_index]))
                    .help("on the Consumption profile memory is twice the vCPUs, in Gi"),
            );
        }
        let min = value(
            "min_replicas",
            SizingValue::Int(i64::from(app.min_replicas)),
        );
        let max = value(
            "max_replicas",
            SizingValue::Int(i64::from(app.max_replicas)),
        );
        if let (SizingValue::Int(min), SizingValue::Int(max)) = (&min, &max)
            && min > max
        {
            diagnostics.push(
                Diagnostic::error(
                    "invalid-replicas",
                    format!("min_replicas {min} is above max_replicas {max} in `{environment}`"),
                )
                .at(format!("{path}.min_replicas"))
                .expected(format!("at most {max}"))
                .help("min_replicas = 0 lets the app scale to zero when idle"),
            );
        }
    }
}

/// A container app that scales to zero must have something that starts it again. Without
/// ingress and without a scale rule it never does: "If ingress is disabled and you don't
/// define a minReplicas or a custom scale rule, then your container app will scale to zero and
/// have no way of starting back up" (learn.microsoft.com/azure/container-apps/scale-app,
/// "Default scale rule"). bulwark derives rules from Service Bus and storage queue `receive`
/// connections; an event hub gives none (KEDA needs the consumer's checkpoint container:
/// keda.sh/docs/2.21/scalers/azure-event-hub), so its events would wait for another source to
/// wake the app. An app with ingress is started by requests (the default HTTP rule, which
/// bulwark writes out next to derived rules).
fn validate_worker_starts(
    path: &str,
    app: &ContainerApp,
    environments: &[String],
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let name = path.trim_start_matches("components.");
    let sources = crate::blueprint::scale::event_sources(app, by_name);
    let scaled_to_zero: Vec<&str> = environments
        .iter()
        .filter(|environment| {
            let min = app
                .environments
                .get(environment.as_str())
                .and_then(|o| o.get("min_replicas"))
                .cloned()
                .unwrap_or(SizingValue::Int(i64::from(app.min_replicas)));
            matches!(min, SizingValue::Int(0))
        })
        .map(String::as_str)
        .collect();
    if scaled_to_zero.is_empty() {
        return;
    }
    // The override that sets 0, else `min_replicas` (or, when defaulted, the component's
    // name: a missing path falls back to its parent).
    let at = |diagnostic: Diagnostic, environment: &str| {
        if app
            .environments
            .get(environment)
            .is_some_and(|o| o.contains_key("min_replicas"))
        {
            diagnostic.at(format!("{path}.environments.{environment}.min_replicas"))
        } else {
            diagnostic.at_key(format!("{path}.min_replicas"))
        }
    };
    let first = scaled_to_zero[0];
    let envs = scaled_to_zero
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let fix = if scaled_to_zero.len() == environments.len() {
        "set `min_replicas = 1`".to_string()
    } else {
        format!("set `min_replicas = 1` in `[{path}.environments.{first}]`")
    };
    // With ingress, requests start the app (the HTTP rule); a worker has only its rules.
    if app.ingress != Ingress::None {
        return;
    }
    if let Some(hub) = sources.iter().find(|source| !source.source.scalable()) {
        let diagnostic = Diagnostic::error(
            "unscalable-source",
            format!(
                "`{name}` scales to zero in {envs}, but events from the event hub it receives from (components.{name}.uses[{}]) cannot start it",
                hub.index
            ),
        )
        .expected("at least one replica while the app reads an event hub")
        .help(format!(
            "{fix}: KEDA's Event Hubs scaler reads the consumer's checkpoints from a blob container bulwark does not model, so bulwark derives no scale rule from an event hub"
        ));
        diagnostics.push(at(diagnostic, first));
        return;
    }
    if sources.is_empty() {
        let diagnostic = Diagnostic::error(
            "worker-never-starts",
            format!(
                "`{name}` has no ingress and no scale rule, and scales to zero in {envs}: once it stops, nothing starts it again"
            ),
        )
        .expected("`min_replicas` of 1 or more, or a `receive` connection bulwark can scale on")
        .help(format!(
            "{fix}, or add a `receive` (or `send-receive`) connection to a Service Bus queue or subscription or a storage queue; bulwark derives a KEDA scale rule from it"
        ));
        diagnostics.push(at(diagnostic, first));
    }
}
