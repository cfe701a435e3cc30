//! The run directory: `~/.stampede/log/YYYYMMDD-HHMMSS[-N]/`, one per run, created atomically.

use crate::error::ReportError;
use chrono::{Datelike, Local, Timelike};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Name of the copy of a scenario read from standard input (Tsung's name).
pub const STDIN_SCENARIO_NAME: &str = "tsung_stdin.xml";

/// A local date and time, to the second, that names a run directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalStamp {
    /// Year, e.g. 2024.
    pub year: i32,
    /// 1..=12.
    pub month: u32,
    /// 1..=31.
    pub day: u32,
    /// 0..=23.
    pub hour: u32,
    /// 0..=59.
    pub minute: u32,
    /// 0..=60.
    pub second: u32,
}

impl LocalStamp {
    /// The local time now.
    pub fn now() -> Self {
        let t = Local::now();
        Self {
            year: t.year(),
            month: t.month(),
            day: t.day(),
            hour: t.hour(),
            minute: t.minute(),
            second: t.second(),
        }
    }

    /// `YYYYMMDD-HHMMSS`.
    pub fn dir_name(&self) -> String {
        format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The default parent of run directories: `$HOME/.stampede/log` (relative `.stampede/log`
/// when `HOME` is unset).
pub fn default_log_base() -> PathBuf {
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".stampede").join("log")
}

/// A run's directory, where every output file of the run goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// Creates a fresh run directory named after the local time now, inside `base` (the `-l`
    /// option; [`default_log_base`] when `None`). A relative `base` is taken from the current
    /// directory.
    pub fn create(base: Option<&Path>) -> Result<RunDir, ReportError> {
        let base = match base {
            Some(b) => b.to_path_buf(),
            None => default_log_base(),
        };
        Self::create_at(&base, LocalStamp::now())
    }

    /// Creates `base/<stamp>`, or `base/<stamp>-1`, `-2`, … if taken. Each attempt is an
    /// atomic `mkdir`, so concurrent runs never share a directory.
    pub fn create_at(base: &Path, stamp: LocalStamp) -> Result<RunDir, ReportError> {
        let base = if base.is_relative() {
            std::env::current_dir()
                .map_err(|e| ReportError::io("current directory", e))?
                .join(base)
        } else {
            base.to_path_buf()
        };
        fs::create_dir_all(&base).map_err(|e| ReportError::io(&base, e))?;
        let name = stamp.dir_name();
        for n in 0u32..10_000 {
            let candidate = if n == 0 {
                base.join(&name)
            } else {
                base.join(format!("{name}-{n}"))
            };
            match fs::create_dir(&candidate) {
                Ok(()) => return Ok(RunDir { path: candidate }),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(ReportError::io(&candidate, e)),
            }
        }
        Err(ReportError::RunDirExhausted(base.join(name)))
    }

    /// An existing directory (for `stampede report DIR`).
    pub fn open(path: impl Into<PathBuf>) -> RunDir {
        RunDir { path: path.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A file inside the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Copies the scenario's files (main file first, then included entity files) into the
    /// directory, each under its base name, as Tsung names its copy; a name already used gets a
    /// `-N` suffix before the extension. Returns the copies' paths, in the same order.
    pub fn copy_scenario<P: AsRef<Path>>(&self, files: &[P]) -> Result<Vec<PathBuf>, ReportError> {
        let mut copies = Vec::with_capacity(files.len());
        for src in files {
            let src = src.as_ref();
            let base = src
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario.xml".to_owned());
            let dest = self.unused_name(&base);
            fs::copy(src, &dest).map_err(|e| ReportError::io(src, e))?;
            copies.push(dest);
        }
        Ok(copies)
    }

    /// Saves a scenario read from standard input as `tsung_stdin.xml`.
    pub fn write_stdin_scenario(&self, content: &[u8]) -> Result<PathBuf, ReportError> {
        let dest = self.file(STDIN_SCENARIO_NAME);
        fs::write(&dest, content).map_err(|e| ReportError::io(&dest, e))?;
        Ok(dest)
    }

    fn unused_name(&self, base: &str) -> PathBuf {
        let first = self.path.join(base);
        if !first.exists() {
            return first;
        }
        let (stem, ext) = match base.rsplit_once('.') {
            Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
            _ => (base, String::new()),
        };
        (1u32..)
            .map(|n| self.path.join(format!("{stem}-{n}{ext}")))
            .find(|p| !p.exists())
            .unwrap_or(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAMP: LocalStamp = LocalStamp {
        year: 2024,
        month: 3,
        day: 7,
        hour: 9,
        minute: 5,
        second: 2,
    };

    #[test]
    fn names_have_second_resolution() {
        assert_eq!(STAMP.dir_name(), "20240307-090502");
    }

    #[test]
    fn same_second_runs_get_distinct_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().join("log");
        let a = RunDir::create_at(&base, STAMP).unwrap();
        let b = RunDir::create_at(&base, STAMP).unwrap();
        let c = RunDir::create_at(&base, STAMP).unwrap();
        assert!(a.path().ends_with("20240307-090502"));
        assert!(b.path().ends_with("20240307-090502-1"));
        assert!(c.path().ends_with("20240307-090502-2"));
    }

    #[test]
    fn copies_scenario_files_by_base_name() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        fs::create_dir_all(src.join("inc")).unwrap();
        fs::write(src.join("test.xml"), "<tsung/>").unwrap();
        fs::write(src.join("inc").join("test.xml"), "<entity/>").unwrap();
        fs::write(src.join("users.csv"), "a;b").unwrap();
        let run = RunDir::create_at(&tmp.path().join("log"), STAMP).unwrap();
        let copies = run
            .copy_scenario(&[
                src.join("test.xml"),
                src.join("inc").join("test.xml"),
                src.join("users.csv"),
            ])
            .unwrap();
        let names: Vec<_> = copies
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["test.xml", "test-1.xml", "users.csv"]);
        assert_eq!(fs::read_to_string(&copies[1]).unwrap(), "<entity/>");
        let stdin = run.write_stdin_scenario(b"<tsung/>").unwrap();
        assert!(stdin.ends_with(STDIN_SCENARIO_NAME));
    }

    #[test]
    fn missing_scenario_is_an_error_naming_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let run = RunDir::create_at(tmp.path(), STAMP).unwrap();
        let err = run
            .copy_scenario(&[tmp.path().join("nope.xml")])
            .unwrap_err();
        assert!(err.to_string().contains("nope.xml"), "{err}");
    }
}
