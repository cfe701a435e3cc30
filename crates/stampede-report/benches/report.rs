//! Generating the outputs of an hour-long run (360 intervals of 10 s): HTML, CSV, stats.json,
//! tsung.log.

use criterion::{Criterion, criterion_group, criterion_main};
use stampede_report::synthetic::{self, Synthetic};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let (stats, agg, _) = synthetic::run(Synthetic {
        duration_s: 3600,
        interval_s: 10,
        users_per_second: 20,
        workers: 2,
        flush_every_s: 10,
        ..Synthetic::default()
    });
    let mut group = c.benchmark_group("one_hour_run");
    group.sample_size(20);
    group.bench_function("report_html", |b| {
        b.iter(|| black_box(stampede_report::html::render(&stats)))
    });
    group.bench_function("timeseries_csv", |b| {
        b.iter(|| black_box(stampede_report::csv::render(&stats)))
    });
    group.bench_function("stats_json", |b| {
        b.iter(|| black_box(serde_json::to_string_pretty(&stats)))
    });
    group.bench_function("tsung_log", |b| {
        b.iter(|| {
            black_box(stampede_report::render_all(
                &stats.layout,
                agg.series(),
                None,
            ))
        })
    });
    let json = serde_json::to_string_pretty(&stats).unwrap_or_default();
    group.bench_function("parse_stats_json", |b| {
        b.iter(|| {
            black_box(stampede_report::StatsFile::parse(
                std::path::Path::new("stats.json"),
                &json,
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
