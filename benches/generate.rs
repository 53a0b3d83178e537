//! `cargo bench --bench generate`: generation, TOML loading and writing for synthetic
//! blueprints of 10, 100 and 1,000 components.
//!
//! The blueprints are valid and shaped like real ones: one web app per two data components
//! (storage accounts with containers and queues, key vaults with secrets), each web app
//! connecting to 2-3 parts with access levels the catalogue allows. Every blueprint is
//! checked once, outside the timing loops, to validate cleanly and to generate.

use bulwark::blueprint::{
    Access, Blueprint, ComponentSpec, Ingress, KeyVault, Replication, Runtime, Storage, WebApp,
    load, validate,
};
use bulwark::{Options, generate, output};
use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use serde::Serialize;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

const SIZES: [usize; 3] = [10, 100, 1_000];

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
fn synthetic(components: usize) -> Blueprint {
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
                if web_index % 5 == 0 {
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
fn render_toml(blueprint: &Blueprint) -> String {
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

/// A synthetic blueprint, checked once: it validates without a diagnostic, generates, and
/// its TOML form loads back to the same blueprint (up to component order).
fn checked(components: usize) -> (Blueprint, String) {
    let blueprint = synthetic(components);
    assert_eq!(blueprint.components.len(), components);
    let diagnostics = validate(&blueprint);
    assert!(
        diagnostics.is_empty(),
        "synthetic blueprint of {components} components does not validate cleanly: {diagnostics:#?}"
    );
    let generated = generate(&blueprint, &Options::default()).unwrap_or_else(|diagnostics| {
        panic!("synthetic blueprint of {components} components does not generate: {diagnostics:#?}")
    });
    assert!(generated.warnings.is_empty());
    assert!(generated.files.get("main.bicep").is_some());
    let text = render_toml(&blueprint);
    let loaded = load::from_str(&text).unwrap_or_else(|diagnostics| {
        panic!("the TOML of {components} components does not load: {diagnostics:#?}")
    });
    // The loader returns components in key order; generation sorts them anyway.
    let by_name = |blueprint: &Blueprint| {
        let mut sorted = blueprint.clone();
        sorted.components.sort_by(|a, b| a.name.cmp(&b.name));
        sorted
    };
    assert_eq!(
        by_name(&loaded.blueprint),
        by_name(&blueprint),
        "the TOML of {components} components loads to a different blueprint"
    );
    (blueprint, text)
}

fn tune(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, size: usize) {
    if size >= 1_000 {
        // Flat sampling: 10 equal samples fit the time even at ~150 ms an iteration.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(6));
    } else {
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(4));
    }
}

fn bench_generate(c: &mut Criterion) {
    let options = Options::default();
    let mut group = c.benchmark_group("generate");
    group.warm_up_time(Duration::from_secs(1));
    for size in SIZES {
        let (blueprint, _) = checked(size);
        tune(&mut group, size);
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &blueprint, |b, bp| {
            b.iter(|| generate(black_box(bp), &options).expect("checked above"));
        });
    }
    group.finish();
}

fn bench_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_toml");
    group.warm_up_time(Duration::from_secs(1));
    for size in SIZES {
        let (_, text) = checked(size);
        tune(&mut group, size);
        group.throughput(Throughput::Elements(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &text, |b, text| {
            b.iter(|| load::from_str(black_box(text)).expect("checked above"));
        });
    }
    group.finish();
}

fn bench_write(c: &mut Criterion) {
    const SIZE: usize = 100;
    let (blueprint, _) = checked(SIZE);
    let files = generate(&blueprint, &Options::default())
        .expect("checked above")
        .files;
    let mut group = c.benchmark_group("write");
    group.warm_up_time(Duration::from_secs(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(SIZE as u64));
    group.bench_with_input(BenchmarkId::from_parameter(SIZE), &files, |b, files| {
        // A fresh, empty directory per write; creating and removing it is not timed.
        b.iter_batched(
            || tempfile::tempdir().expect("a temporary directory"),
            |dir| {
                let report = output::write(
                    dir.path(),
                    black_box(files),
                    &output::Manifest::for_files(
                        files,
                        "bulwark.toml",
                        &Default::default(),
                        Default::default(),
                    ),
                    false,
                )
                .expect("writing into an empty directory");
                debug_assert_eq!(report.written.len(), files.files.len());
                dir
            },
            BatchSize::PerIteration,
        );
    });
    group.finish();
}

criterion_group!(benches, bench_generate, bench_load, bench_write);
criterion_main!(benches);
