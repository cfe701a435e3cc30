//! Running instances, one per run id (`-i`, `default` without it), under `~/.stampede/run/`,
//! so that `stampede stop` and `stampede status` find a running `start`, and two runs never
//! share an id.
//!
//! * `<id>.lock` is locked (`flock`) by the running process for its whole life. The kernel
//!   releases the lock when the process ends, however it ends, so taking it is what reserves
//!   the id: there is no stale lock. The empty file stays.
//! * `<id>.json` says who holds the id: pid, run directory, dashboard URL, start time. It is
//!   written atomically once the run directory exists and removed at the end. A file left by a
//!   process that died (its pid is gone, or now belongs to another process) is stale: the
//!   commands that find one remove it.
//! * `<id>.status.json` is the live status the run rewrites at every flush
//!   ([`super::status_file`]).

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// What `<id>.json` holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// The run id.
    pub id: String,
    /// The process running it.
    pub pid: u32,
    /// When that process started, in clock ticks since boot (Linux), to tell it from a later
    /// process that got the same pid.
    #[serde(default)]
    pub process_start: Option<u64>,
    /// The run directory.
    pub run_dir: PathBuf,
    /// The dashboard's URL, when it runs.
    #[serde(default)]
    pub dashboard: Option<String>,
    /// Start of the run, local time, RFC 3339.
    pub started_at: String,
    /// The scenario as given on the command line.
    pub scenario: String,
}

impl InstanceRecord {
    /// Whether the process that wrote the record is still running.
    pub fn is_alive(&self) -> bool {
        if !pid_alive(self.pid) {
            return false;
        }
        match (self.process_start, process_start(self.pid)) {
            (Some(recorded), Some(now)) => recorded == now,
            _ => true,
        }
    }
}

/// Why an id cannot be taken.
#[derive(Debug)]
pub enum ClaimError {
    /// Another process runs with this id.
    InUse {
        id: String,
        holder: Option<Box<InstanceRecord>>,
    },
    /// The registry directory or lock file is not usable.
    Io { path: PathBuf, source: io::Error },
}

impl std::fmt::Display for ClaimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClaimError::InUse { id, holder } => {
                let flag = if id == crate::args::DEFAULT_ID {
                    String::new()
                } else {
                    format!("-i {id} ")
                };
                write!(f, "another Stampede run with id `{id}` is in progress")?;
                if let Some(h) = holder {
                    write!(
                        f,
                        " (pid {}, started {}, log directory {})",
                        h.pid,
                        h.started_at,
                        h.run_dir.display()
                    )?;
                }
                write!(
                    f,
                    ". Stop it with `stampede {flag}stop`, or give this run another id with -i ID"
                )
            }
            ClaimError::Io { path, source } => write!(f, "{}: {source}", path.display()),
        }
    }
}

impl std::error::Error for ClaimError {}

/// What a look-up found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// A run with this id is in progress.
    Running(InstanceRecord),
    /// No run with this id.
    NotRunning,
}

/// The directory of instance files.
#[derive(Clone, Debug)]
pub struct Registry {
    dir: PathBuf,
}

impl Registry {
    /// `~/.stampede/run` (`.stampede/run` when `HOME` is unset).
    pub fn from_home() -> Self {
        let home = crate::scenario_file::home().unwrap_or_default();
        Self::new(home.join(".stampede").join("run"))
    }

    /// A registry in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn record_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// Where the run with this id keeps its live status.
    pub fn status_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.status.json"))
    }

    fn lock_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.lock"))
    }

    /// Takes the id for this process, or says who holds it.
    pub fn claim(&self, id: &str) -> Result<Claim, ClaimError> {
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ClaimError::Io { path, source }
        };
        fs::create_dir_all(&self.dir).map_err(io_err(&self.dir))?;
        let lock_path = self.lock_path(id);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io_err(&lock_path))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => {
                let claim = Claim {
                    record: self.record_path(id),
                    status: self.status_path(id),
                    _lock: lock,
                };
                // Whatever a dead holder left is stale now.
                let _ = fs::remove_file(&claim.record);
                let _ = fs::remove_file(&claim.status);
                Ok(claim)
            }
            Err((_, Errno::EWOULDBLOCK)) => Err(ClaimError::InUse {
                id: id.to_owned(),
                holder: self.read(id).filter(InstanceRecord::is_alive).map(Box::new),
            }),
            Err((_, errno)) => Err(ClaimError::Io {
                path: lock_path,
                source: io::Error::from(errno),
            }),
        }
    }

    fn read(&self, id: &str) -> Option<InstanceRecord> {
        let text = fs::read_to_string(self.record_path(id)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The run with this id, if one is in progress. A record left by a process that is gone
    /// is removed (with its status file).
    pub fn find(&self, id: &str) -> Found {
        let path = self.record_path(id);
        if !path.exists() {
            return Found::NotRunning;
        }
        match self.read(id) {
            Some(record) if record.is_alive() => Found::Running(record),
            _ => {
                let _ = fs::remove_file(&path);
                let _ = fs::remove_file(self.status_path(id));
                Found::NotRunning
            }
        }
    }
}

/// This process's hold on a run id. Dropping it removes the record and the status file, then
/// releases the lock.
#[derive(Debug)]
pub struct Claim {
    record: PathBuf,
    status: PathBuf,
    _lock: Flock<File>,
}

impl Claim {
    /// Writes the record (atomically: a temporary file renamed over it).
    pub fn publish(&self, record: &InstanceRecord) -> io::Result<()> {
        let text = serde_json::to_string_pretty(record).map_err(io::Error::other)?;
        write_atomically(&self.record, text.as_bytes())
    }

    /// Where to write the live status.
    pub fn status_path(&self) -> &Path {
        &self.status
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.record);
        let _ = fs::remove_file(&self.status);
    }
}

/// Writes `path` through a temporary file in the same directory and a rename, so that readers
/// see the old or the new content, never a part.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

/// Whether a process with this pid exists (ours or another user's).
pub fn pid_alive(pid: u32) -> bool {
    let Some(pid) = to_pid(pid) else {
        return false;
    };
    let exists = match kill(pid, None) {
        Ok(()) => true,
        Err(e) => e == Errno::EPERM,
    };
    exists && !is_zombie(pid.as_raw())
}

/// Whether the process has exited and only waits for its parent to collect it (Linux).
fn is_zombie(pid: i32) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    stat.rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .is_some_and(|state| state == "Z")
}

/// Sends `signal` to the process `pid`.
pub fn send_signal(pid: u32, signal: Signal) -> io::Result<()> {
    let pid = to_pid(pid).ok_or_else(|| io::Error::other(format!("invalid pid {pid}")))?;
    kill(pid, signal).map_err(io::Error::from)
}

/// A pid that names one process: never 0, 1 (init) or a negative (process group) value.
fn to_pid(pid: u32) -> Option<Pid> {
    let raw = i32::try_from(pid).ok()?;
    (raw > 1).then(|| Pid::from_raw(raw))
}

/// When process `pid` started (field 22 of `/proc/PID/stat`), on Linux.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain anything: skip past it.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pid: u32) -> InstanceRecord {
        InstanceRecord {
            id: "t".into(),
            pid,
            process_start: process_start(pid),
            run_dir: "/tmp/run".into(),
            dashboard: None,
            started_at: "2024-03-07T09:05:02.000+01:00".into(),
            scenario: "s.xml".into(),
        }
    }

    #[test]
    fn one_claim_per_id_and_records_come_and_go() {
        let tmp = tempfile::tempdir().unwrap();
        let reg = Registry::new(tmp.path().join("run"));
        assert_eq!(reg.find("a"), Found::NotRunning);
        let claim = reg.claim("a").unwrap();
        let me = record(std::process::id());
        claim.publish(&me).unwrap();
        assert_eq!(reg.find("a"), Found::Running(me.clone()));
        // flock is per open file: a second claim in the same process is refused too.
        match reg.claim("a") {
            Err(ClaimError::InUse { holder, .. }) => assert_eq!(holder, Some(Box::new(me))),
            other => panic!("{other:?}"),
        }
        let other = reg.claim("b").unwrap();
        drop(claim);
        assert_eq!(reg.find("a"), Found::NotRunning);
        assert!(!tmp.path().join("run/a.json").exists());
        let again = reg.claim("a").unwrap();
        drop((again, other));
    }

    #[test]
    fn stale_records_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let reg = Registry::new(tmp.path());
        // A pid that cannot exist, and our own pid with another start time.
        for stale in [
            record(u32::MAX),
            InstanceRecord {
                process_start: process_start(std::process::id()).map(|s| s + 1),
                ..record(std::process::id())
            },
        ] {
            if stale.process_start.is_none() && stale.pid != u32::MAX {
                continue; // no /proc here
            }
            let text = serde_json::to_string(&stale).unwrap();
            fs::write(tmp.path().join("x.json"), text).unwrap();
            fs::write(tmp.path().join("x.status.json"), "{}").unwrap();
            assert_eq!(reg.find("x"), Found::NotRunning);
            assert!(!tmp.path().join("x.json").exists());
            assert!(!tmp.path().join("x.status.json").exists());
        }
        fs::write(tmp.path().join("y.json"), "not json").unwrap();
        assert_eq!(reg.find("y"), Found::NotRunning);
    }

    #[test]
    fn pids_that_name_groups_or_init_are_refused() {
        assert!(!pid_alive(0));
        assert!(!pid_alive(1));
        assert!(pid_alive(std::process::id()));
        assert!(send_signal(0, Signal::SIGTERM).is_err());
    }

    #[test]
    fn atomic_writes_replace_content() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("f.json");
        write_atomically(&p, b"one").unwrap();
        write_atomically(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }
}
