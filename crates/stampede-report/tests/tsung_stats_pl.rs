//! Tsung's own report generator reads our `tsung.log`, and its numbers agree with ours.
//!
//! Needs `perl`, Perl's Template Toolkit and Tsung's `tsung_stats.pl` (Debian: `apt-get install
//! tsung gnuplot-nox libtemplate-perl`). Without them the test prints why and passes without
//! checking anything. `TSUNG_STATS_PL` may point at the script.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use stampede_report::columns::{RateRow, Rules, SampleRow, TsungTables};
use stampede_report::synthetic::{self, Synthetic};
use std::path::PathBuf;
use std::process::Command;

const CANDIDATES: [&str; 3] = [
    "/usr/lib/x86_64-linux-gnu/tsung/bin/tsung_stats.pl",
    "/usr/lib/tsung/bin/tsung_stats.pl",
    "/usr/local/lib/tsung/bin/tsung_stats.pl",
];

fn find_script() -> Result<PathBuf, String> {
    let script = match std::env::var_os("TSUNG_STATS_PL") {
        Some(p) => Some(PathBuf::from(p)).filter(|p| p.exists()),
        None => CANDIDATES.iter().map(PathBuf::from).find(|p| p.exists()),
    }
    .ok_or_else(|| format!("tsung_stats.pl not found (TSUNG_STATS_PL, {CANDIDATES:?})"))?;
    let template = Command::new("perl")
        .args(["-MTemplate", "-e", "1"])
        .output();
    match template {
        Ok(o) if o.status.success() => Ok(script),
        Ok(_) => Err("Perl's Template module is missing (libtemplate-perl)".into()),
        Err(e) => Err(format!("perl cannot run: {e}")),
    }
}

/// `tsung_stats.pl`'s time format (input in ms).
fn formattime(ms: Option<f64>) -> String {
    let Some(ms) = ms.filter(|v| *v != 0.0) else {
        return String::new();
    };
    let s = ms / 1000.0;
    if s < 0.001 {
        format!("{:.3} msec", s * 1000.0)
    } else if s < 0.1 {
        format!("{:.2} msec", s * 1000.0)
    } else if s < 60.0 {
        format!("{s:.2} sec")
    } else if s < 3600.0 {
        let m = (s / 60.0).floor();
        format!("{}mn  {}sec", m as i64, (s - m * 60.0) as i64)
    } else {
        let h = (s / 3600.0).floor();
        let m = ((s - h * 3600.0) / 60.0).floor();
        format!(
            "{} h {}mn  {}sec",
            h as i64,
            m as i64,
            (s - h * 3600.0 - m * 60.0) as i64
        )
    }
}

/// `tsung_stats.pl`'s size format.
fn formatsize(v: f64, unit: &str) -> String {
    if v == 0.0 {
        String::new()
    } else if v < 1024.0 {
        format!("{} {unit}", v as i64)
    } else if v < 1024.0 * 1024.0 {
        format!("{:.2} K{unit}", v / 1024.0)
    } else if v < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2} M{unit}", v / 1024.0 / 1024.0)
    } else {
        format!("{:.2} G{unit}", v / 1024.0 / 1024.0 / 1024.0)
    }
}

/// The cells of the row named `name` in tsung_stats.pl's report.html.
fn row(html: &str, name: &str) -> Option<Vec<String>> {
    let start = html.find(&format!("<td class=\"stats\">{name}</td>"))?;
    let end = start + html[start..].find("</tr>")?;
    Some(
        html[start..end]
            .split("<td class=\"stats\">")
            .skip(2)
            .map(|c| c.split("</td>").next().unwrap_or("").trim().to_owned())
            .collect(),
    )
}

fn rate_cell(cell: &str) -> f64 {
    cell.trim_end_matches("/ sec")
        .trim_end_matches("/sec")
        .trim()
        .parse()
        .unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn check_sample(html: &str, r: &SampleRow) {
    let cells = row(html, &r.name).unwrap_or_else(|| panic!("{} missing from report.html", r.name));
    assert_eq!(
        cells[0],
        formattime(r.highest_mean_ms),
        "{} highest mean",
        r.name
    );
    assert_eq!(
        cells[1],
        formattime(r.lowest_mean_ms),
        "{} lowest mean",
        r.name
    );
    assert!(
        close(rate_cell(&cells[2]), r.highest_rate),
        "{} highest rate {} vs {}",
        r.name,
        cells[2],
        r.highest_rate
    );
    assert_eq!(
        cells[3],
        format!("{:.2} / sec", r.mean_rate),
        "{} mean rate",
        r.name
    );
    assert_eq!(cells[4], formattime(r.mean_ms), "{} mean", r.name);
    assert_eq!(cells[5], r.count.to_string(), "{} count", r.name);
}

fn check_counter(html: &str, r: &RateRow, with_mean_rate: bool) {
    let cells = row(html, &r.name).unwrap_or_else(|| panic!("{} missing from report.html", r.name));
    assert!(
        close(rate_cell(&cells[0]), r.highest_rate),
        "{} highest rate {} vs {}",
        r.name,
        cells[0],
        r.highest_rate
    );
    let total = if with_mean_rate {
        assert_eq!(
            cells[1],
            format!("{:.2} / sec", r.mean_rate),
            "{} mean rate",
            r.name
        );
        &cells[2]
    } else {
        &cells[1]
    };
    assert_eq!(total, &r.total.to_string(), "{} total", r.name);
}

/// The script, or `None` after saying why the test skips.
fn script_or_skip() -> Option<PathBuf> {
    find_script()
        .map_err(|why| eprintln!("SKIPPED: {why}"))
        .ok()
}

/// Runs tsung_stats.pl on `tsung.log` in `dir` (with graphs when gnuplot is there) and
/// returns its `report.html`, after checking it ran cleanly.
fn run_stats_pl(script: &std::path::Path, dir: &std::path::Path) -> String {
    let gnuplot = Command::new("gnuplot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut cmd = Command::new("perl");
    cmd.arg(script).current_dir(dir);
    if !gnuplot {
        cmd.arg("--noplot");
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tsung_stats.pl failed: {stderr}");
    assert!(
        !stderr.contains("Use of uninitialized") && !stderr.contains("Argument \""),
        "{stderr}"
    );
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

#[test]
fn tsung_stats_pl_reads_our_log_and_agrees() {
    let Some(script) = script_or_skip() else {
        return;
    };
    let (stats, agg, _) = synthetic::run(Synthetic {
        duration_s: 95,
        users_per_second: 5,
        ..Synthetic::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let log = stampede_report::render_all(
        &stats.layout,
        agg.series(),
        Some(std::time::SystemTime::now()),
    );
    std::fs::write(dir.path().join("tsung.log"), log).unwrap();
    let html = run_stats_pl(&script, dir.path());

    let tables = TsungTables::compute(&stats, Rules::TsungStatsPl);
    assert!(tables.main.len() >= 4 && tables.transactions.len() == 3);
    for r in tables.main.iter().chain(&tables.transactions) {
        check_sample(&html, r);
    }
    for r in tables.counters.iter().chain(&tables.codes) {
        check_counter(&html, r, true);
    }
    for r in &tables.errors {
        check_counter(&html, r, false);
    }
    for r in &tables.network {
        let cells = row(&html, &r.name).unwrap();
        assert_eq!(
            cells[0],
            format!("{}/sec", formatsize(r.highest_rate, "bits")),
            "{}",
            r.name
        );
        assert_eq!(cells[1], formatsize(r.total as f64, "B"), "{}", r.name);
    }
    for (name, max) in &tables.maxima {
        if let Some(cells) = row(&html, name) {
            assert_eq!(cells[0], max.to_string(), "{name} max");
        }
    }
    // Our own report keeps every interval and no lag, so its request count is the true total.
    let ours = TsungTables::compute(&stats, Rules::Stampede);
    assert_eq!(ours.main[0].count, stats.totals.request.count);
    assert!(tables.main[0].count < ours.main[0].count);
}

/// The generator host's samples (`{cpu,"tsung_controller@HOST"}` …) land in tsung_stats.pl's
/// "Server monitoring" table, with the interval extremes we wrote.
#[test]
fn tsung_stats_pl_reads_host_samples() {
    use stampede_metrics::HostSample;
    let Some(script) = script_or_skip() else {
        return;
    };
    let (stats, agg, _) = synthetic::run(Synthetic {
        duration_s: 60,
        users_per_second: 2,
        ..Synthetic::default()
    });
    let series: Vec<_> = agg
        .series()
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut s = s.clone();
            s.monitor = vec![HostSample {
                node: "tsung_controller@box".into(),
                cpu: Some(10.0 + 10.0 * i as f64),
                freemem: Some(2000.0 - 100.0 * i as f64),
                load: Some(0.5 + 0.25 * i as f64),
                recvpackets: Some(1000 * (i as u64 + 1)),
                sentpackets: Some(500),
            }];
            s
        })
        .collect();
    assert!(series.len() >= 5);
    let dir = tempfile::tempdir().unwrap();
    let log =
        stampede_report::render_all(&stats.layout, &series, Some(std::time::SystemTime::now()));
    assert!(log.contains("stats: {cpu,\"tsung_controller@box\"} 1 10.0 0 10.0 10.0 0 0\n"));
    std::fs::write(dir.path().join("tsung.log"), log).unwrap();
    let html = run_stats_pl(&script, dir.path());
    assert!(html.contains("Server monitoring"), "no os_mon table");
    let last = (series.len() - 1) as f64;
    // tsung_stats.pl names a controller sample `metric:os_mon@NODE`.
    let cpu = row(&html, "cpu:os_mon@tsung_controller@box").expect("cpu row");
    assert_eq!(cpu[0], format!("{:.2} %", 10.0 + 10.0 * last), "{cpu:?}");
    let free = row(&html, "freemem:os_mon@tsung_controller@box").expect("freemem row");
    assert_eq!(
        free[1],
        format!("{:.2} MB", 2000.0 - 100.0 * last),
        "{free:?}"
    );
    assert!(row(&html, "load:os_mon@tsung_controller@box").is_some());
    assert!(row(&html, "recvpackets:os_mon@tsung_controller@box").is_some());
}
