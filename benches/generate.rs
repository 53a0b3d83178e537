//! `cargo bench --bench generate`: generation, TOML loading and writing for synthetic
//! blueprints of 10, 100 and 1,000 components.
//!
//! The blueprints are valid and shaped like real ones: one web app per two data components
//! (storage accounts with containers and queues, key vaults with secrets), each web app
//! connecting to 2-3 parts with access levels the catalogue allows. Every blueprint is
//! checked once, outside the timing loops, to validate cleanly and to generate.

#[path = "../tests/common/synthetic.rs"]
mod synthetic;

use bulwark::blueprint::{Blueprint, load, validate};
use bulwark::{Options, generate, output};
use criterion::{
    BatchSize, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use std::hint::black_box;
use std::time::Duration;

use synthetic::{render_toml, synthetic};

const SIZES: [usize; 3] = [10, 100, 1_000];

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
    let options = bench_options();
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
    let files = generate(&blueprint, &bench_options())
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
                    &output::Manifest::for_files(files, "bulwark.toml", &Default::default()),
                    None,
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
