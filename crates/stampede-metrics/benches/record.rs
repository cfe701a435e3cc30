//! Cost of the per-request hot path: `Recorder::record_response` (status + `request` sample +
//! per-request row + bytes), and the individual calls.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stampede_metrics::{Layout, Recorder, RequestLabel, Response};
use stampede_model::{RequestId, TransactionId};
use std::hint::black_box;

fn layout() -> Layout {
    Layout {
        transactions: (0..10).map(|i| format!("t{i}")).collect(),
        requests: vec![RequestLabel::default(); 64],
        sessions: vec!["s".into()],
    }
}

/// Latencies spread like a real run: 50 µs .. ~50 ms, deterministic.
fn latencies() -> Vec<u64> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            50_000 + (x % 1_000) * (x % 50_000)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let layout = layout();
    let lat = latencies();
    let mut group = c.benchmark_group("recorder");
    group.throughput(Throughput::Elements(1));

    group.bench_function("record_response", |b| {
        let mut rec = Recorder::new(&layout);
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) & 4095;
            rec.record_response(black_box(&Response {
                request: RequestId((i & 63) as u32),
                status: if i & 255 == 0 { 404 } else { 200 },
                elapsed_ns: lat[i],
                bytes_sent: 120,
                bytes_received: 4_000,
            }));
        });
        black_box(rec.snapshot().request.count);
    });

    group.bench_function("record_response_same_bucket", |b| {
        let mut rec = Recorder::new(&layout);
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) & 4095;
            rec.record_response(black_box(&Response {
                request: RequestId(3),
                status: 200,
                elapsed_ns: 1_234_567,
                bytes_sent: 120,
                bytes_received: 4_000,
            }));
        });
    });

    group.bench_function("record_request_only", |b| {
        let mut rec = Recorder::new(&layout);
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) & 4095;
            rec.record_request(black_box(RequestId((i & 63) as u32)), black_box(lat[i]));
        });
    });

    group.bench_function("record_transaction", |b| {
        let mut rec = Recorder::new(&layout);
        let mut i = 0usize;
        b.iter(|| {
            i = (i + 1) & 4095;
            rec.record_transaction(black_box(TransactionId((i % 10) as u32)), black_box(lat[i]));
        });
    });
    group.finish();

    c.bench_function("take_snapshot_64_requests", |b| {
        let mut rec = Recorder::new(&layout);
        b.iter(|| {
            rec.record_request(RequestId(1), 1_000_000);
            black_box(rec.take_snapshot())
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
