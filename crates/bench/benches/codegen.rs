//! Code generation: the repository's spec from disk (load, validate, generate every
//! crate in memory), and the same spec grown to 10× and 100× the endpoints, held in
//! memory. Time per endpoint: `bench-report codegen` after this bench.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use paysmith_bench::synthetic::{endpoint_count, grown_files};

fn codegen(c: &mut Criterion) {
    let root = paysmith_bench::fixtures::root();
    let spec = paysmith_spec::load(&root).unwrap_or_else(|d| panic!("{d}"));

    let mut group = c.benchmark_group("codegen");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("repository", |b| {
        b.iter(|| black_box(xtask::codegen::generate(&root).expect("valid spec").len()))
    });
    for factor in paysmith_bench::synthetic::FACTORS {
        let files = grown_files(&spec, factor);
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let grown = paysmith_spec::load_embedded(&files).unwrap_or_else(|d| panic!("{d}"));
        group.throughput(Throughput::Elements(endpoint_count(&grown) as u64));
        group.bench_with_input(BenchmarkId::new("synthetic", factor), &files, |b, files| {
            b.iter(|| {
                let spec = paysmith_spec::load_embedded(files).expect("valid spec");
                black_box(xtask::codegen::generate_from(&spec).len())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, codegen);
criterion_main!(benches);
