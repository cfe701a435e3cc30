//! `tsung.log`, in Tsung's text format, written one block per interval so that a crash loses
//! at most the interval in progress. `tsung_stats.pl` and other Tsung tools read it unchanged.
//!
//! ```text
//! # stats: dump at 1700000010
//! stats: users 12 12
//! stats: users_count 12 12
//! stats: finish_users_count 0 0
//! stats: request 340 3.48 1.07 12.9 1.02 0 0
//! stats: connected 12 12
//! stats: 200 340 340
//! ...
//! EndMonitor:{1700,10,123456}
//! ```

use crate::erlang;
use crate::error::ReportError;
use stampede_metrics::{IntervalSummary, Layout, TsungBlock, TsungLine, TsungSample, TsungView};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The file's name in a run directory (Tsung's default; `-m` changes it in Tsung).
pub const TSUNG_LOG: &str = "tsung.log";

/// The seven numbers of a sample line after its name, and the newline.
fn sample_fields(out: &mut String, s: &TsungSample) {
    let _ = writeln!(
        out,
        " {} {} {} {} {} {} {}",
        s.count,
        erlang::num(s.mean),
        erlang::num(s.stddev),
        erlang::float(s.max),
        erlang::float(s.min),
        erlang::num(s.global_mean),
        s.global_count
    );
}

/// One block of text, exactly as written to the file.
pub fn render_block(block: &TsungBlock) -> String {
    let mut out = String::with_capacity(64 * (block.lines.len() + 1));
    let _ = writeln!(out, "# stats: dump at {}", block.dump_at);
    for line in &block.lines {
        match line {
            TsungLine::Users { current, max } => {
                let _ = writeln!(out, "stats: users {current} {max}");
            }
            TsungLine::Sample(s) => {
                let _ = write!(out, "stats: {}", erlang::atom(&s.name));
                sample_fields(&mut out, s);
            }
            TsungLine::Host { node, sample: s } => {
                let _ = write!(
                    out,
                    "stats: {{{},{}}}",
                    erlang::atom(&s.name),
                    erlang::string(node)
                );
                sample_fields(&mut out, s);
            }
            TsungLine::Count { name, delta, total } => {
                let _ = writeln!(out, "stats: {} {delta} {total}", erlang::atom(name));
            }
        }
    }
    out
}

/// The closing line: `EndMonitor:{MegaSecs,Secs,MicroSecs}` (an Erlang timestamp).
pub fn end_monitor_line(at: SystemTime) -> String {
    let d = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    format!(
        "EndMonitor:{{{},{},{}}}\n",
        secs / 1_000_000,
        secs % 1_000_000,
        d.subsec_micros()
    )
}

/// The whole file for a finished run, from its interval series (used to regenerate it).
pub fn render_all(layout: &Layout, series: &[IntervalSummary], end: Option<SystemTime>) -> String {
    let mut view = TsungView::new(layout);
    let mut out = String::new();
    for s in series {
        out.push_str(&render_block(&view.block(s)));
    }
    if let Some(end) = end {
        out.push_str(&end_monitor_line(end));
    }
    out
}

/// Appends one block per closed interval to `tsung.log`.
pub struct TsungLogWriter {
    path: PathBuf,
    out: BufWriter<Box<dyn Write + Send>>,
    view: TsungView,
}

impl std::fmt::Debug for TsungLogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TsungLogWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl TsungLogWriter {
    /// Creates (truncates) the file.
    pub fn create(path: impl AsRef<Path>, layout: &Layout) -> Result<Self, ReportError> {
        let path = path.as_ref().to_path_buf();
        let file = File::create(&path).map_err(|e| ReportError::io(&path, e))?;
        Ok(Self::with_writer(path, Box::new(file), layout))
    }

    /// Writes to any stream (Tsung's `-m -` writes the statistics to standard output);
    /// `name` identifies it in errors.
    pub fn with_writer(
        name: impl Into<PathBuf>,
        writer: Box<dyn Write + Send>,
        layout: &Layout,
    ) -> Self {
        Self {
            path: name.into(),
            out: BufWriter::new(writer),
            view: TsungView::new(layout),
        }
    }

    /// Writes the block of the next closed interval and flushes it to the file. Intervals must
    /// be given in order, each once.
    pub fn write_interval(&mut self, summary: &IntervalSummary) -> Result<(), ReportError> {
        let block = self.view.block(summary);
        self.write_block(&block)
    }

    /// Writes an already computed block and flushes it.
    pub fn write_block(&mut self, block: &TsungBlock) -> Result<(), ReportError> {
        self.write_str(&render_block(block))
    }

    /// Writes the `EndMonitor` line and flushes: the file is complete.
    pub fn finish(mut self, at: SystemTime) -> Result<(), ReportError> {
        self.write_str(&end_monitor_line(at))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn write_str(&mut self, text: &str) -> Result<(), ReportError> {
        self.out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush())
            .map_err(|e| ReportError::io(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn host_samples_are_tsung_os_mon_lines() {
        use stampede_metrics::{HostSample, IntervalSummary};
        let layout = Layout::default();
        let first = IntervalSummary {
            dump_at: 1_700_000_010,
            monitor: vec![HostSample {
                node: "tsung_controller@box".into(),
                cpu: Some(12.5),
                freemem: Some(1024.0),
                load: Some(0.25),
                recvpackets: Some(30),
                sentpackets: None,
            }],
            ..IntervalSummary::default()
        };
        let second = IntervalSummary {
            dump_at: 1_700_000_020,
            monitor: vec![HostSample {
                node: "tsung_controller@box".into(),
                cpu: Some(37.5),
                ..HostSample::default()
            }],
            ..first.clone()
        };
        let text = render_all(&layout, &[first, second], None);
        let expected = [
            "stats: {cpu,\"tsung_controller@box\"} 1 12.5 0 12.5 12.5 0 0",
            "stats: {freemem,\"tsung_controller@box\"} 1 1024.0 0 1024.0 1024.0 0 0",
            "stats: {load,\"tsung_controller@box\"} 1 0.25 0 0.25 0.25 0 0",
            "stats: {recvpackets,\"tsung_controller@box\"} 1 30 0 30.0 30.0 0 0",
            "stats: {cpu,\"tsung_controller@box\"} 1 37.5 0.0 37.5 12.5 12.5 1",
            "stats: {freemem,\"tsung_controller@box\"} 0 0 0 1024.0 1024.0 1024.0 1",
        ];
        for line in expected {
            assert!(text.contains(line), "missing `{line}` in:\n{text}");
        }
        assert!(!text.contains("sentpackets"), "{text}");
    }

    #[test]
    fn end_monitor_is_an_erlang_timestamp() {
        let at = UNIX_EPOCH + Duration::from_micros(1_700_000_123_456_789);
        assert_eq!(end_monitor_line(at), "EndMonitor:{1700,123,456789}\n");
    }
}
