//! The files a run writes while it goes on: `tsung.log` block by block, `match.log` and its
//! dumps (created at the first logged match, as Tsung does), the traffic dump `tsung.dump`
//! (`dumptraffic="protocol"`), and the run log `stampede.log`.
//! A file that cannot be written is reported once and given up; the others go on.

use crate::terminal::Console;
use stampede_engine::{MatchLine, TRAFFIC_DUMP, TRAFFIC_DUMP_HEADER};
use stampede_metrics::IntervalSummary;
use stampede_model::{DumpTraffic, Scenario};
use stampede_report::{MatchEvent, MatchLogWriter, ReportError, TsungLogWriter, local_rfc3339};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The run's log file in the run directory (Tsung's controller log).
pub const RUN_LOG: &str = "stampede.log";

/// The files of a run in progress.
#[derive(Debug)]
pub struct RunFiles {
    console: Console,
    run_dir: PathBuf,
    scenario: Arc<Scenario>,
    tsung_log: Option<TsungLogWriter>,
    run_log: Option<BufWriter<File>>,
    match_log: MatchLog,
    /// `tsung.dump`, with `dumptraffic="protocol"` or `"protocol_local"`.
    traffic_dump: Option<BufWriter<File>>,
    problems: Vec<String>,
}

#[derive(Debug)]
enum MatchLog {
    NotYet,
    Open(MatchLogWriter),
    Failed,
}

impl RunFiles {
    /// Files in `run_dir`; `tsung_log` and `run_log` are already created.
    pub fn new(
        console: &Console,
        run_dir: PathBuf,
        scenario: Arc<Scenario>,
        tsung_log: TsungLogWriter,
        run_log: BufWriter<File>,
    ) -> Self {
        let dump = matches!(
            scenario.root.dumptraffic,
            DumpTraffic::Protocol | DumpTraffic::ProtocolLocal
        );
        let mut files = Self {
            console: console.clone(),
            run_dir,
            scenario,
            tsung_log: Some(tsung_log),
            run_log: Some(run_log),
            match_log: MatchLog::NotYet,
            traffic_dump: None,
            problems: Vec::new(),
        };
        if dump {
            let path = files.run_dir.join(TRAFFIC_DUMP);
            let created = File::create(&path).and_then(|f| {
                let mut w = BufWriter::new(f);
                writeln!(w, "{TRAFFIC_DUMP_HEADER}")?;
                Ok(w)
            });
            match created {
                Ok(w) => files.traffic_dump = Some(w),
                Err(e) => files.failed(format!("{}: {e}", path.display())),
            }
        }
        files
    }

    /// Lines for `tsung.dump` (whole lines, newlines included).
    pub fn traffic_dump(&mut self, lines: &str) {
        if let Some(w) = &mut self.traffic_dump
            && let Err(e) = w.write_all(lines.as_bytes())
        {
            self.traffic_dump = None;
            self.dump_failed(&e);
        }
    }

    fn flush_traffic_dump(&mut self) {
        if let Some(w) = &mut self.traffic_dump
            && let Err(e) = w.flush()
        {
            self.traffic_dump = None;
            self.dump_failed(&e);
        }
    }

    fn dump_failed(&mut self, e: &std::io::Error) {
        let text = format!("{}: {e}", self.run_dir.join(TRAFFIC_DUMP).display());
        self.failed(text);
    }

    /// Appends a closed interval to `tsung.log`, and flushes `match.log`.
    pub fn interval(&mut self, summary: &IntervalSummary) {
        if let Some(log) = &mut self.tsung_log
            && let Err(e) = log.write_interval(summary)
        {
            self.tsung_log = None;
            self.failed(e.to_string());
        }
        if let MatchLog::Open(m) = &mut self.match_log
            && let Err(e) = m.flush()
        {
            self.match_log = MatchLog::Failed;
            self.failed(e.to_string());
        }
        self.flush_traffic_dump();
    }

    /// One `match.log` line (and its dump).
    pub fn match_line(&mut self, line: &MatchLine) {
        if let Err(e) = self.write_match(line) {
            self.match_log = MatchLog::Failed;
            self.failed(e.to_string());
        }
    }

    /// A line of `stampede.log`.
    pub fn log(&mut self, level: &str, text: &str) {
        let Some(log) = &mut self.run_log else {
            return;
        };
        let line = format!(
            "{} {level}: {}\n",
            local_rfc3339(SystemTime::now()),
            text.trim_end()
        );
        if let Err(e) = log.write_all(line.as_bytes()).and_then(|()| log.flush()) {
            self.run_log = None;
            self.failed(format!("{}: {e}", self.run_dir.join(RUN_LOG).display()));
        }
    }

    /// Closes `tsung.log` with its `EndMonitor` line and flushes `match.log` and `tsung.dump`. Returns every
    /// file that could not be written completely.
    pub fn close(&mut self, at: SystemTime) -> Vec<String> {
        if let Some(log) = self.tsung_log.take()
            && let Err(e) = log.finish(at)
        {
            self.problems.push(e.to_string());
        }
        if let MatchLog::Open(m) = &mut self.match_log
            && let Err(e) = m.flush()
        {
            self.problems.push(e.to_string());
        }
        if let Some(mut w) = self.traffic_dump.take()
            && let Err(e) = w.flush()
        {
            let text = format!("{}: {e}", self.run_dir.join(TRAFFIC_DUMP).display());
            self.problems.push(text);
        }
        std::mem::take(&mut self.problems)
    }

    fn failed(&mut self, text: String) {
        self.console.error(&format!(
            "{text} (this file is given up; the run and the other outputs go on)"
        ));
        self.problems.push(text);
    }

    fn write_match(&mut self, line: &MatchLine) -> Result<(), ReportError> {
        if let MatchLog::NotYet = self.match_log {
            self.match_log = MatchLog::Open(MatchLogWriter::create(&self.run_dir)?);
        }
        let MatchLog::Open(log) = &mut self.match_log else {
            return Ok(());
        };
        let transaction = line.transaction.map(|t| {
            let name = self
                .scenario
                .transactions
                .get(t.index())
                .map_or("", |n| &**n);
            format!("tr_{name}")
        });
        let event = MatchEvent {
            unix_micros: line
                .timestamp
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX)),
            user: line.user_id,
            // Tsung numbers sessions from 1.
            session: line.session.index() as u64 + 1,
            request: u64::from(line.action),
            event: line.event,
            transaction: transaction.as_deref(),
            name: (!line.name.is_empty()).then_some(line.name.as_str()),
        };
        match &line.dump {
            Some(body) => log.log_dump(&event, body).map(drop),
            None => log.log(&event),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_metrics::Layout;
    use stampede_model::{Counter, RequestId, SessionId, SourceLocation, TransactionId};

    fn scenario() -> Arc<Scenario> {
        scenario_with("<tsung>")
    }

    fn scenario_with(root: &str) -> Arc<Scenario> {
        let xml = r#"<clients><client host="localhost" use_controller_vm="true"/></clients>
<servers><server host="127.0.0.1" port="8080" type="tcp"/></servers>
<load><arrivalphase phase="1" duration="1" unit="second">
  <users arrivalrate="1" unit="second"/></arrivalphase></load>
<sessions><session name="s" probability="100" type="ts_http">
  <transaction name="login"><request><http url="/"/></request></transaction>
</session></sessions></tsung>"#;
        let xml = format!("{root}{xml}");
        let loaded = stampede_scenario::load_str(
            "t.xml",
            std::path::Path::new("."),
            &xml,
            &Default::default(),
        )
        .unwrap();
        Arc::new(loaded.scenario)
    }

    fn files(dir: &std::path::Path) -> RunFiles {
        files_for(dir, scenario())
    }

    fn files_for(dir: &std::path::Path, sc: Arc<Scenario>) -> RunFiles {
        let layout = Layout::from_scenario(&sc);
        let tsung = TsungLogWriter::create(dir.join("tsung.log"), &layout).unwrap();
        let log = BufWriter::new(File::create(dir.join(RUN_LOG)).unwrap());
        RunFiles::new(&Console::new(false), dir.to_path_buf(), sc, tsung, log)
    }

    #[test]
    fn match_log_appears_with_the_first_match_only() {
        let tmp = tempfile::tempdir().unwrap();
        let mut f = files(tmp.path());
        f.log("info", "hello\n");
        assert!(f.close(SystemTime::now()).is_empty());
        assert!(!tmp.path().join("match.log").exists());
        let tsung = std::fs::read_to_string(tmp.path().join("tsung.log")).unwrap();
        assert!(tsung.starts_with("EndMonitor:{"), "{tsung}");
        let log = std::fs::read_to_string(tmp.path().join(RUN_LOG)).unwrap();
        assert!(log.trim_end().ends_with(" info: hello"), "{log}");

        let tmp = tempfile::tempdir().unwrap();
        let mut f = files(tmp.path());
        let line = MatchLine {
            timestamp: UNIX_EPOCH + std::time::Duration::from_micros(1_700_000_012_000_045),
            user_id: 17,
            session: SessionId(0),
            action: 2,
            request: RequestId(0),
            event: Counter::Match,
            transaction: Some(TransactionId(0)),
            name: "check".into(),
            location: SourceLocation::default(),
            dump: Some(b"<html>".to_vec()),
        };
        f.match_line(&line);
        f.match_line(&MatchLine {
            dump: None,
            transaction: None,
            name: String::new(),
            ..line
        });
        assert!(f.close(SystemTime::now()).is_empty());
        let text = std::fs::read_to_string(tmp.path().join("match.log")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                stampede_report::MATCH_LOG_HEADER,
                "1700000012.000045 17 1 2 match tr_login check",
                "1700000012.000045 17 1 2 match - ",
            ]
        );
        assert_eq!(
            std::fs::read(tmp.path().join("match-17-1-2-0.dump")).unwrap(),
            b"<html>"
        );
    }

    #[test]
    fn traffic_dump_is_written_only_when_asked_for() {
        let tmp = tempfile::tempdir().unwrap();
        let mut f = files(tmp.path());
        f.traffic_dump("ignored\n");
        assert!(f.close(SystemTime::now()).is_empty());
        assert!(!tmp.path().join(TRAFFIC_DUMP).exists());

        for root in [
            r#"<tsung dumptraffic="protocol">"#,
            r#"<tsung dumptraffic="protocol_local">"#,
        ] {
            let tmp = tempfile::tempdir().unwrap();
            let mut f = files_for(tmp.path(), scenario_with(root));
            f.traffic_dump("a\nb\n");
            f.traffic_dump("c\n");
            assert!(f.close(SystemTime::now()).is_empty());
            let text = std::fs::read_to_string(tmp.path().join(TRAFFIC_DUMP)).unwrap();
            assert_eq!(text, format!("{TRAFFIC_DUMP_HEADER}\na\nb\nc\n"), "{root}");
        }
    }
}
