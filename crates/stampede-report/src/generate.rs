//! Writing a run's final outputs, and regenerating them from `stats.json`.

use crate::csv::{self, TIMESERIES_CSV};
use crate::error::ReportError;
use crate::html::{self, REPORT_HTML};
use crate::stats_file::{STATS_JSON, StatsFile};
use std::path::{Path, PathBuf};

/// Paths of the files written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outputs {
    /// `stats.json`.
    pub stats_json: PathBuf,
    /// `report.html`.
    pub report_html: PathBuf,
    /// `timeseries.csv`.
    pub timeseries_csv: PathBuf,
}

fn write_file(path: &Path, text: &str) -> Result<(), ReportError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).map_err(|e| ReportError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| ReportError::io(path, e))
}

/// Writes `report.html` and `timeseries.csv` for `stats` into `dir`.
pub fn write_report_files(
    dir: &Path,
    stats: &StatsFile,
) -> Result<(PathBuf, PathBuf), ReportError> {
    let report = dir.join(REPORT_HTML);
    write_file(&report, &html::render(stats))?;
    let csv_path = dir.join(TIMESERIES_CSV);
    write_file(&csv_path, &csv::render(stats))?;
    Ok((report, csv_path))
}

/// Writes every end-of-run output into the run directory `dir`: `stats.json`, `report.html`,
/// `timeseries.csv`. (`tsung.log` is written during the run by
/// [`crate::TsungLogWriter`].)
pub fn write_outputs(dir: &Path, stats: &StatsFile) -> Result<Outputs, ReportError> {
    let stats_json = stats.write(dir)?;
    let (report_html, timeseries_csv) = write_report_files(dir, stats)?;
    Ok(Outputs {
        stats_json,
        report_html,
        timeseries_csv,
    })
}

/// Regenerates `report.html` and `timeseries.csv` of the run directory `dir` from its
/// `stats.json` alone (`stampede report DIR`).
pub fn generate_report(dir: &Path) -> Result<Outputs, ReportError> {
    let stats_json = dir.join(STATS_JSON);
    let stats = StatsFile::read(&stats_json)?;
    let (report_html, timeseries_csv) = write_report_files(dir, &stats)?;
    Ok(Outputs {
        stats_json,
        report_html,
        timeseries_csv,
    })
}
