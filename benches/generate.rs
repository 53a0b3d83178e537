//! `cargo bench --bench generate`: every stage of a generation, for synthetic blueprints of
//! 100, 1,000, 3,000 and 10,000 components (issue 14): `load_toml` (parse the blueprint),
//! `validate`, `plan`, `emit` (Bicep, split into stages where one deployment cannot hold
//! it), `generate` (validate + plan + emit), `write` (into an empty folder) and `check` (an
//! up-to-date folder against a fresh generation). `cargo bench --bench generate -- plan/3000`
//! runs one. The largest sizes take few, flat samples, so a full run stays within minutes.
//!
//! The blueprints are valid and shaped like real ones: one web app per two data components
//! (storage accounts with containers and queues, key vaults with secrets), each web app
//! connecting to 2-3 parts with access levels the catalogue allows. Every blueprint is
//! checked once, outside the timing loops, to validate cleanly and to generate.

#[path = "../tests/common/synthetic.rs"]
mod synthetic;

use bulwark::blueprint::{Blueprint, load, validate};
use bulwark::{Generated, Options, emit, generate, output, plan};
use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use std::time::Duration;

use synthetic::{render_toml, synthetic};

const SIZES: [usize; 4] = [100, 1_000, 3_000, 10_000];

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
    let generated = generate(&blueprint, &bench_options()).unwrap_or_else(|diagnostics| {
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

/// Generation as the CLI runs it, except that estates larger than one ARM deployment are
/// still generated: the benchmarks measure bulwark, not ARM's limits.
fn bench_options() -> Options {
    Options {
        ignore_template_limits: true,
        ..Options::default()
    }
}

fn tune(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, size: usize) {
    if size >= 1_000 {
        // Flat sampling, criterion's fewest samples (10): a 10,000-component generation
        // takes seconds, and a longer measurement would only repeat it.
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(if size >= 10_000 { 20 } else { 6 }));
    } else {
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(4));
    }
}

fn bench_generate(c: &mut Criterion) {
    let options = bench_options();
    let mut group = c.benchmark_group("generate");
    group.warm_up_time(Duration::from_secs(1));
    for (size, blueprint, _) in blueprints() {
        tune(&mut group, *size);
        group.throughput(Throughput::Elements(*size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), blueprint, |b, bp| {
            b.iter(|| generate(black_box(bp), &options).expect("checked above"));
        });
    }
    group.finish();
}

fn bench_load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_toml");
    group.warm_up_time(Duration::from_secs(1));
    for (size, _, text) in blueprints() {
        tune(&mut group, *size);
        group.throughput(Throughput::Elements(*size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), text, |b, text| {
            b.iter(|| load::from_str(black_box(text)).expect("checked above"));
        });
    }
    group.finish();
}

/// The blueprints of every size with their TOML, checked once for all the groups.
fn blueprints() -> &'static [(usize, Blueprint, String)] {
    static BLUEPRINTS: std::sync::OnceLock<Vec<(usize, Blueprint, String)>> =
        std::sync::OnceLock::new();
    BLUEPRINTS.get_or_init(|| {
        SIZES
            .iter()
            .map(|&size| {
                let (blueprint, text) = checked(size);
                (size, blueprint, text)
            })
            .collect()
    })
}

fn bench_stages(c: &mut Criterion) {
    let options = bench_options();
    let blueprints = blueprints();
    let mut group = c.benchmark_group("validate");
    group.warm_up_time(Duration::from_secs(1));
    for (size, blueprint, _) in blueprints {
        tune(&mut group, *size);
        group.throughput(Throughput::Elements(*size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), blueprint, |b, bp| {
            b.iter(|| validate(black_box(bp)));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("plan");
    group.warm_up_time(Duration::from_secs(1));
    for (size, blueprint, _) in blueprints {
        tune(&mut group, *size);
        group.throughput(Throughput::Elements(*size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), blueprint, |b, bp| {
            b.iter(|| plan::plan(black_box(bp), &Default::default()).expect("checked above"));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("emit");
    group.warm_up_time(Duration::from_secs(1));
    for (size, blueprint, _) in blueprints {
        let planned = plan::plan(blueprint, &Default::default()).expect("checked above");
        tune(&mut group, *size);
        group.throughput(Throughput::Elements(*size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &planned, |b, planned| {
            b.iter(|| emit::emit(black_box(planned), &options));
        });
    }
    group.finish();
}

fn bench_write_and_check(c: &mut Criterion) {
    let generated: Vec<(usize, Generated)> = blueprints()
        .iter()
        .map(|(size, blueprint, _)| {
            let generated = generate(blueprint, &bench_options()).expect("checked above");
            (*size, generated)
        })
        .collect();
    let mut group = c.benchmark_group("write");
    group.warm_up_time(Duration::from_secs(1));
    for (size, generated) in &generated {
        tune(&mut group, *size);
        group.throughput(Throughput::Elements(*size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), generated, |b, g| {
            // A fresh, empty directory per write; creating and removing it is not timed.
            b.iter_batched(
                || tempfile::tempdir().expect("a temporary directory"),
                |dir| {
                    let report =
                        output::write(dir.path(), black_box(&g.files), &g.manifest, None, false)
                            .expect("writing into an empty directory");
                    debug_assert_eq!(report.written.len(), g.files.files.len());
                    dir
                },
                BatchSize::PerIteration,
            );
        });
    }
    group.finish();

    let mut group = c.benchmark_group("check");
    group.warm_up_time(Duration::from_secs(1));
    for (size, generated) in &generated {
        let dir = tempfile::tempdir().expect("a temporary directory");
        output::write(
            dir.path(),
            &generated.files,
            &generated.manifest,
            None,
            false,
        )
        .expect("writing into an empty directory");
        tune(&mut group, *size);
        group.throughput(Throughput::Elements(*size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), generated, |b, g| {
            b.iter(|| {
                let drift = output::check(dir.path(), black_box(&g.files), &g.manifest, None)
                    .expect("checking the folder just written");
                assert!(drift.in_sync());
            });
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_load,
    bench_stages,
    bench_generate,
    bench_write_and_check
);
criterion_main!(benches);
