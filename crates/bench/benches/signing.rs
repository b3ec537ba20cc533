//! Signing and verification of every scheme next to its raw primitive
//! (`paysmith_bench::cases`). Ratios: `cargo run --release -p paysmith-bench --bin
//! bench-report -- criterion` after this bench.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use paysmith_bench::cases::{CASES, PRIMITIVE};

fn signing(c: &mut Criterion) {
    for case in CASES {
        let setup = (case.setup)();
        let mut group = c.benchmark_group(case.id);
        group.bench_function(PRIMITIVE, |b| b.iter(|| black_box((setup.primitive)())));
        for tier in &setup.tiers {
            group.bench_function(tier.name, |b| b.iter(|| black_box((tier.run)())));
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = signing
}
criterion_main!(benches);
