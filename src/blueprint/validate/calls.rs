//! Calls between apps (`access = "call"`): pre-created app registrations only where calls
//! arrive, one per environment and well formed; and no ring of calls whose modules would wait
//! on each other.

use super::components::is_guid;
use super::names::unknown_environment;
use crate::blueprint::Access;
use crate::blueprint::diagnostic::{Diagnostic, shown};
use crate::blueprint::model::{Blueprint, Component, ComponentSpec};
use std::collections::{BTreeMap, BTreeSet};

/// A pre-created app registration (`[components.<name>.registration.<env>]`): only on an
/// app that receives calls, one per environment, with a client id and an Application ID URI
/// in a form Entra accepts (learn.microsoft.com/entra/identity-platform/
/// identifier-uri-restrictions: `api://…` or `https://…`).
pub(super) fn validate_registrations(blueprint: &Blueprint, diagnostics: &mut Vec<Diagnostic>) {
    let environments = &blueprint.app.environments;
    // Every component some connection calls, gathered once for all the registrations.
    let called: BTreeSet<&str> = (blueprint.components.iter())
        .flat_map(|caller| caller.uses())
        .filter(|c| c.access == Access::Call)
        .map(|c| c.to.component.as_str())
        .collect();
    for component in &blueprint.components {
        let registration = component.registration();
        if registration.is_empty() {
            continue;
        }
        let path = format!("components.{}.registration", component.name);
        crate::counters::add(crate::counters::Counter::AppWideScans, 1);
        if !called.contains(component.name.as_str()) {
            diagnostics.push(
                Diagnostic::error(
                    "registration-without-calls",
                    format!(
                        "`{}` has a pre-created app registration but nothing calls it",
                        component.name
                    ),
                )
                .at_key(path.clone())
                .expected(
                    "a registration only on an app another component calls (`access = \"call\"`)",
                )
                .help("remove the registration table, or add the connection that calls this app"),
            );
        }
        for (environment, entry) in registration {
            let entry_path = format!("{path}.{environment}");
            if !environments.contains(environment) {
                diagnostics.push(unknown_environment(
                    environment,
                    entry_path.clone(),
                    environments,
                ));
                continue;
            }
            if !is_guid(&entry.client_id) {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-client-id",
                        format!("`{}` is not an application (client) id", shown(&entry.client_id)),
                    )
                    .at(format!("{entry_path}.client_id"))
                    .expected("a GUID like 00000000-0000-0000-0000-000000000000")
                    .help("`az ad app list --display-name <name> --query \"[].appId\" -o tsv` prints it"),
                );
            }
            let uri = entry.identifier_uri.as_str();
            let well_formed = ["api://", "https://"].iter().any(|scheme| {
                uri.strip_prefix(scheme)
                    .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
            }) && !uri.ends_with('/')
                && !uri.contains(['*', '?', '#', ' '])
                && !uri.chars().any(char::is_control);
            if !well_formed {
                diagnostics.push(
                    Diagnostic::error(
                        "invalid-identifier-uri",
                        format!("`{}` is not an Application ID URI callers can request tokens for", shown(uri)),
                    )
                    .at(format!("{entry_path}.identifier_uri"))
                    .expected("`api://<tenant id or client id>/<name>` or `https://<verified domain>/<name>`, without a trailing `/`, `*`, `?` or `#`")
                    .help("use the registration's `identifierUris` entry (Expose an API → Application ID URI); callers request `<uri>/.default`"),
                );
            }
        }
        let missing: Vec<&str> = environments
            .iter()
            .filter(|environment| !registration.contains_key(*environment))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "missing-registration",
                    format!(
                        "`{}` has pre-created app registrations, but none for {}",
                        component.name,
                        missing.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .at_key(path.clone())
                .expected(format!(
                    "one `[{path}.<env>]` table per environment: {}",
                    environments.join(", ")
                ))
                .help("each environment has its own registration (tokens for dev must not open prod); add the missing tables, or remove them all to let the deployment create the registrations"),
            );
        }
    }
}

/// Calls whose URL setting reads the target's module (a container app in a dedicated
/// environment, whose domain only its module knows) make the caller's module wait for the
/// target's. A ring of such calls would make the modules wait for each other, which ARM
/// refuses; other calls, cycles included, read nothing from the target's module.
pub(super) fn validate_call_cycles(
    blueprint: &Blueprint,
    by_name: &BTreeMap<&str, &Component>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    fn waits_on<'a>(
        component: &'a Component,
        by_name: &BTreeMap<&str, &Component>,
    ) -> Vec<(usize, &'a str)> {
        component
            .uses()
            .iter()
            .enumerate()
            .filter(|(_, connection)| connection.access == Access::Call)
            .filter(|(_, connection)| {
                by_name.get(connection.to.component.as_str()).is_some_and(|target| {
                    matches!(&target.spec, ComponentSpec::ContainerApp(app) if app.environment == crate::blueprint::ContainerEnvironment::Dedicated)
                })
            })
            .map(|(index, connection)| (index, connection.to.component.as_str()))
            .filter(|(_, target)| *target != component.name)
            .collect()
    }
    for start in &blueprint.components {
        for (index, first) in waits_on(start, by_name) {
            // Does `first` lead back to `start` through dedicated-environment calls?
            let mut seen = BTreeSet::new();
            let mut stack = vec![vec![start.name.as_str(), first]];
            while let Some(path) = stack.pop() {
                let last = *path.last().expect("non-empty");
                if last == start.name {
                    // Report each ring once: at its alphabetically first member.
                    if path.iter().all(|name| *name >= start.name.as_str()) {
                        diagnostics.push(
                            Diagnostic::error(
                                "call-cycle",
                                format!("the calls {} wait on each other's deployments", path.join(" → ")),
                            )
                            .at(format!("components.{}.uses[{index}].to", start.name))
                            .expected("no ring of calls to container apps in dedicated environments")
                            .help("a caller reads a dedicated environment's domain from its deployment; put one of these apps in the shared environment (`environment = \"shared\"`), whose domain every app can read"),
                        );
                    }
                    break;
                }
                if !seen.insert(last) {
                    continue;
                }
                if let Some(next) = by_name.get(last) {
                    for (_, target) in waits_on(next, by_name) {
                        let mut longer = path.clone();
                        longer.push(target);
                        stack.push(longer);
                    }
                }
            }
        }
    }
}
