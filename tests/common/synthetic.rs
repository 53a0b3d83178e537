//! Synthetic blueprints shaped like real ones, shared by the benchmarks (`benches/`), the
//! ARM-limit tests (`tests/arm_limits.rs`) and `cargo run --example synthetic -- N`, which
//! CI generates and validates: one web app per two data components (storage accounts with
//! containers and queues, key vaults with secrets), each web app connecting to 2-3 parts with
//! access levels the catalogue allows, in three environments.
#![allow(dead_code)]

use bulwark::blueprint::{
    Access, Blueprint, ComponentSpec, Ingress, KeyVault, Replication, Runtime, Storage, WebApp,
};
use serde::Serialize;
use std::fmt::Write as _;

const RUNTIMES: [Runtime; 5] = [
    Runtime::Node22,
    Runtime::Python312,
    Runtime::Dotnet8,
    Runtime::Java21,
    Runtime::Node20,
];
const SKUS: [&str; 3] = ["P0v3", "P1v3", "S1"];
const CONTAINERS: [&str; 3] = ["uploads", "exports", "archive"];
const QUEUES: [&str; 2] = ["jobs", "events"];
const SECRETS: [&str; 3] = ["api-key", "db-password", "signing-key"];

/// A blueprint of exactly `components` components: every third one is a web app, the others
/// alternate storage accounts and key vaults.
pub fn synthetic(components: usize) -> Blueprint {
    let name = |index: usize| match index % 3 {
        0 => format!("web-{index:04}"),
        1 => format!("store-{index:04}"),
        _ => format!("vault-{index:04}"),
    };
    // Web apps need at least one storage account and one vault to connect to.
    assert!(
        components >= 3,
        "a synthetic blueprint needs 3 or more components"
    );
    let stores: Vec<usize> = (0..components).filter(|i| i % 3 == 1).collect();
    let vaults: Vec<usize> = (0..components).filter(|i| i % 3 == 2).collect();

    let mut builder =
        Blueprint::builder("bench", ["dev", "test", "prod"]).address_space("10.0.0.0/8");
    for index in 0..components {
        let spec: ComponentSpec = match index % 3 {
            0 => {
                let web_index = index / 3;
                // Spread over the data components: most are shared by a few web apps.
                let store = stores[(web_index * 7) % stores.len()];
                let vault = vaults[(web_index * 5 + 1) % vaults.len()];
                let container_access = if web_index % 2 == 0 {
                    Access::ReadWrite
                } else {
                    Access::Read
                };
                let mut web = WebApp::new(RUNTIMES[web_index % RUNTIMES.len()])
                    .sku(SKUS[web_index % SKUS.len()])
                    .health_check_path("/healthz")
                    .setting("LOG_LEVEL", "info")
                    .setting("FEATURE_FLAGS", "search,checkout")
                    .uses(
                        format!("{}.{}", name(store), CONTAINERS[web_index % 2]).as_str(),
                        container_access,
                    )
                    .uses(
                        format!("{}.{}", name(vault), SECRETS[web_index % SECRETS.len()]).as_str(),
                        Access::Read,
                    );
                if web_index % 2 == 0 {
                    let access =
                        [Access::Send, Access::Receive, Access::SendReceive][web_index / 2 % 3];
                    web = web.uses(format!("{}.jobs", name(store)).as_str(), access);
                }
                // One web app in five is public, up to Front Door Premium's 25 endpoints per
                // profile (one per public app).
                if web_index % 5 == 0 && web_index / 5 < 25 {
                    web = web.ingress(Ingress::Public);
                }
                web.into()
            }
            1 => {
                let count = 2 + index % 2;
                Storage::new()
                    .containers(CONTAINERS[..count].iter().copied())
                    .queues(QUEUES[..count - 1].iter().copied())
                    .replication(if index % 4 == 1 {
                        Replication::Zrs
                    } else {
                        Replication::Gzrs
                    })
                    .into()
            }
            _ => KeyVault::new().secrets(SECRETS).into(),
        };
        builder = builder.component(name(index), spec);
    }
    builder.build()
}

/// `"…"` for a string, `[…]` for a list, as TOML writes them.
fn toml_value(value: impl Serialize) -> String {
    toml::Value::try_from(value)
        .expect("a blueprint value serializes")
        .to_string()
}

/// The blueprint as a `bulwark.toml` a person would write.
pub fn render_toml(blueprint: &Blueprint) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "[app]");
    let _ = writeln!(out, "name = {}", toml_value(&blueprint.app.name));
    let _ = writeln!(
        out,
        "environments = {}",
        toml_value(&blueprint.app.environments)
    );
    if blueprint.network.address_space != bulwark::blueprint::Network::DEFAULT_ADDRESS_SPACE {
        let _ = writeln!(out, "\n[network]");
        let _ = writeln!(
            out,
            "address_space = {}",
            toml_value(&blueprint.network.address_space)
        );
    }
    for component in &blueprint.components {
        let _ = writeln!(out, "\n[components.{}]", component.name);
        let _ = writeln!(out, "kind = {}", toml_value(component.kind().as_str()));
        match &component.spec {
            ComponentSpec::WebApp(web) => {
                let _ = writeln!(out, "runtime = {}", toml_value(web.runtime));
                let _ = writeln!(out, "ingress = {}", toml_value(web.ingress));
                let _ = writeln!(out, "sku = {}", toml_value(&web.sku));
                if let Some(path) = &web.health_check_path {
                    let _ = writeln!(out, "health_check_path = {}", toml_value(path));
                }
                if !web.settings.is_empty() {
                    let settings: Vec<String> = web
                        .settings
                        .iter()
                        .map(|(key, value)| format!("{key} = {}", toml_value(value)))
                        .collect();
                    let _ = writeln!(out, "settings = {{ {} }}", settings.join(", "));
                }
                if !web.uses.is_empty() {
                    let _ = writeln!(out, "uses = [");
                    for connection in &web.uses {
                        let _ = writeln!(
                            out,
                            "  {{ to = {}, access = {} }},",
                            toml_value(connection.to.to_string()),
                            toml_value(connection.access.as_str())
                        );
                    }
                    let _ = writeln!(out, "]");
                }
            }
            ComponentSpec::Storage(storage) => {
                if !storage.containers.is_empty() {
                    let _ = writeln!(out, "containers = {}", toml_value(&storage.containers));
                }
                if !storage.queues.is_empty() {
                    let _ = writeln!(out, "queues = {}", toml_value(&storage.queues));
                }
                let _ = writeln!(out, "replication = {}", toml_value(storage.replication));
            }
            ComponentSpec::KeyVault(vault) => {
                if !vault.secrets.is_empty() {
                    let _ = writeln!(out, "secrets = {}", toml_value(&vault.secrets));
                }
            }
            other => unreachable!("the synthetic blueprints have no {}", other.kind()),
        }
    }
    out
}
