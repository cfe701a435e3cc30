//! Writes the outputs of a synthetic run into a directory: `cargo run -p stampede-report
//! --example synthetic_report -- DIR [SECONDS]`.

use stampede_report::synthetic::{self, Synthetic};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "synthetic-run".into()));
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(65);
    std::fs::create_dir_all(&dir)?;
    let (stats, agg, _) = synthetic::run(Synthetic {
        duration_s: seconds,
        users_per_second: 6,
        flush_every_s: 1,
        ..Synthetic::default()
    });
    let log = stampede_report::render_all(
        &stats.layout,
        agg.series(),
        Some(std::time::SystemTime::now()),
    );
    std::fs::write(dir.join(stampede_report::TSUNG_LOG), log)?;
    let out = stampede_report::write_outputs(&dir, &stats)?;
    std::io::Write::write_all(
        &mut std::io::stdout(),
        stampede_report::render_summary(&stats, Some(&out.report_html)).as_bytes(),
    )?;
    Ok(())
}
