//! Errors of the report crate.

use std::path::{Path, PathBuf};

/// Something went wrong writing or reading a run's outputs.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file or directory operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// `stats.json` is not valid JSON of the expected shape.
    #[error("{}: not a valid stats file: {source}", path.display())]
    StatsJson {
        /// The file concerned.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// `stats.json` has a schema this version cannot read.
    #[error("{}: unsupported schema {found:?} (this version reads {expected:?})", path.display())]
    Schema {
        /// The file concerned.
        path: PathBuf,
        /// The schema found.
        found: String,
        /// The schema expected.
        expected: &'static str,
    },
    /// Every suffix for a run directory of this second is taken.
    #[error("{}: too many run directories with this name", .0.display())]
    RunDirExhausted(PathBuf),
}

impl ReportError {
    /// An I/O error about `path`.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        ReportError::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}
