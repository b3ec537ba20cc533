//! Client overhead: each case's generated client call and the hand-written reqwest call
//! sending the same signed request, against the sandbox over loopback
//! (`paysmith_bench::client`). Requests per second and their ratio: `cargo run
//! --release -p paysmith-bench --bin bench-report -- client` after this bench.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use paysmith_bench::client::{
    ClientCase, Exchange, GENERATED, GROUP, HANDWRITTEN, Harness, Visitor, call_side, for_each_case,
};

struct Measure<'c>(&'c mut Criterion);

impl Visitor for Measure<'_> {
    fn visit<E: Exchange>(&mut self, case: &ClientCase, harness: &Harness, exchange: &E) {
        let mut group = self.0.benchmark_group(GROUP);
        group.throughput(Throughput::Elements(1));
        let window = exchange.replay_window();
        for side in [GENERATED, HANDWRITTEN] {
            group.bench_function(BenchmarkId::new(case.id, side), |b| {
                b.iter_custom(|iterations| {
                    harness.block_on(async {
                        // Each timed call is followed by an untimed call of the other
                        // side, so both sides run under the same conditions (load on
                        // a shared machine, the sandbox's growing state) and their
                        // ratio does not drift with whichever ran first.
                        let mut timed = Duration::ZERO;
                        for _ in 0..iterations {
                            for this in [side, other(side)] {
                                // A lock and an addition on the sandbox clock, the same
                                // on both sides; see `Harness::forget_nonces`.
                                harness.forget_nonces(window);
                                let start = Instant::now();
                                let call = call_side(exchange, this).await;
                                if this == side {
                                    timed += start.elapsed();
                                }
                                black_box(
                                    call.unwrap_or_else(|e| panic!("{} {this}: {e}", case.id)),
                                );
                            }
                        }
                        timed
                    })
                });
            });
        }
        group.finish();
    }
}

fn other(side: &str) -> &'static str {
    if side == GENERATED {
        HANDWRITTEN
    } else {
        GENERATED
    }
}

fn client(c: &mut Criterion) {
    for_each_case(&mut Measure(c));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    targets = client
}
criterion_main!(benches);
