//! `stampede report [DIR]`: rebuilds `report.html` and `timeseries.csv` of a run directory
//! from its `stats.json` alone.

use crate::args::Cli;
use crate::exit;
use anyhow::{Context, Result, bail};
use stampede_report::{STATS_JSON, default_log_base, generate_report};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(cli: &Cli, dir: Option<&Path>) -> Result<ExitCode> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => {
            let base = cli.log_dir.clone().unwrap_or_else(default_log_base);
            latest_run(&base)?
        }
    };
    if !dir.join(STATS_JSON).is_file() {
        eprintln!(
            "error: {} has no {STATS_JSON}: give a run directory written by `stampede start`",
            dir.display()
        );
        return Ok(exit::code(exit::FAILURE));
    }
    let out = generate_report(&dir)
        .with_context(|| format!("cannot regenerate the report of {}", dir.display()))?;
    println!("Report: {}", out.report_html.display());
    println!("Time series: {}", out.timeseries_csv.display());
    Ok(exit::code(exit::SUCCESS))
}

/// The run directory under `base` whose `stats.json` is the newest.
fn latest_run(base: &Path) -> Result<PathBuf> {
    let entries = std::fs::read_dir(base)
        .with_context(|| format!("no run directory given, and cannot read {}", base.display()))?;
    let newest = entries
        .filter_map(|e| {
            let dir = e.ok()?.path();
            let modified = dir.join(STATS_JSON).metadata().ok()?.modified().ok()?;
            Some((modified, dir))
        })
        .max();
    match newest {
        Some((_, dir)) => Ok(dir),
        None => bail!(
            "no run directory given, and {} holds no run with a {STATS_JSON}",
            base.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_run_is_the_newest_stats_json() {
        let tmp = tempfile::tempdir().unwrap();
        assert!(latest_run(tmp.path()).is_err());
        for name in ["a", "b", "c"] {
            std::fs::create_dir(tmp.path().join(name)).unwrap();
        }
        std::fs::write(tmp.path().join("a").join(STATS_JSON), "{}").unwrap();
        std::fs::write(tmp.path().join("b").join(STATS_JSON), "{}").unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(tmp.path().join("a").join(STATS_JSON))
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert_eq!(latest_run(tmp.path()).unwrap(), tmp.path().join("b"));
        assert!(latest_run(&tmp.path().join("missing")).is_err());
    }
}
