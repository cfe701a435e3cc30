//! What a snippet may ask of the world: everything goes through a [`Host`] the caller provides.
//! The crate itself never reads the clock, the file system or the environment.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::value::Value;

/// Why `file:read_file/1` failed; becomes `{error, Reason}` in the snippet.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    /// `enoent`: no such file.
    #[error("no such file")]
    NotFound,
    /// `eacces`: the path leaves the scenario's directory, or permission was denied.
    #[error("access denied")]
    AccessDenied,
    /// `eisdir`: the path names a directory.
    #[error("is a directory")]
    IsDirectory,
    /// `eio`: any other failure.
    #[error("{0}")]
    Other(String),
}

impl FileError {
    /// The POSIX error atom Erlang uses for this failure.
    pub fn reason_atom(&self) -> &'static str {
        match self {
            FileError::NotFound => "enoent",
            FileError::AccessDenied => "eacces",
            FileError::IsDirectory => "eisdir",
            FileError::Other(_) => "eio",
        }
    }
}

/// The services a running snippet may use. One host serves one user; the session interpreter
/// implements it over the user's dynamic variables, the run's file servers, its random number
/// generator and the engine's clock.
pub trait Host {
    /// The value of the dynamic variable `name`, as `ts_dynvars:lookup/2` returns it
    /// (`{ok, Value}`), or `None` when the user never set it (`false`). Like Tsung, the host
    /// answers `tsung_userid` with the user id. Regex captures are binaries
    /// ([`Value::from_bytes`]), xpath results lists of binaries ([`Value::list_of_binaries`]).
    fn lookup(&self, name: &str) -> Option<Value>;

    /// All dynamic variables, used only when a snippet inspects `DynVars` as a whole (for
    /// example `io:format("~p~n", [DynVars])` or `lists:keyfind/3` on it). Defaults to none.
    fn entries(&self) -> Vec<(String, Value)> {
        Vec::new()
    }

    /// The user's `tsung_userid` (unique across the run, counting from 1).
    fn user_id(&self) -> u64;

    /// The next line of a file server (`None` file id: the `default` file), shared cursor,
    /// without its line end. `None` when there is no such file.
    fn next_line(&mut self, file_id: Option<&str>) -> Option<Vec<u8>>;

    /// A random line of a file server (`None` file id: the `default` file).
    fn random_line(&mut self, file_id: Option<&str>) -> Option<Vec<u8>>;

    /// Every line of a file server, in order (`None` file id: the `default` file), for
    /// `ts_file_server:get_all_lines`. `None` when there is no such file.
    fn all_lines(&mut self, file_id: Option<&str>) -> Option<Vec<Vec<u8>>> {
        let _ = file_id;
        None
    }

    /// The contents of a file named by a snippet. Relative paths are relative to the scenario;
    /// a path outside the scenario's directory must give [`FileError::AccessDenied`]
    /// ([`sandbox_path`] does that check).
    fn read_file(&self, path: &str) -> Result<Vec<u8>, FileError>;

    /// Text a snippet printed with `io:format`; goes to the run's log, never to stdout.
    fn log(&mut self, text: &str);

    /// A uniformly distributed random number, from the run's seeded generator.
    fn random_u64(&mut self) -> u64;

    /// Wall-clock time in microseconds since the Unix epoch.
    fn now_micros(&self) -> u64;
}

/// Resolves the `requested` path of a `file:read_file/1` call against the scenario directory
/// `base`, lexically (no file-system access): relative paths are joined to `base`; `..` that
/// climbs out of `base`, or an absolute path elsewhere, gives [`FileError::AccessDenied`].
pub fn sandbox_path(base: &Path, requested: &str) -> Result<PathBuf, FileError> {
    let req = Path::new(requested);
    let joined = if req.is_absolute() {
        req.to_path_buf()
    } else {
        base.join(req)
    };
    let normal = normalize(&joined);
    let base_n = normalize(base);
    if normal.starts_with(&base_n) {
        Ok(normal)
    } else {
        Err(FileError::AccessDenied)
    }
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// A deterministic in-memory [`Host`] for tests and tools.
#[derive(Debug, Clone)]
pub struct TestHost {
    /// Dynamic variables, in Tsung's order (most recently set first).
    pub vars: Vec<(String, Value)>,
    /// `tsung_userid`.
    pub user_id: u64,
    /// File-server contents by file id (`"default"` for the default file).
    pub lines: HashMap<String, Vec<Vec<u8>>>,
    /// Cursor per file id for `next_line`.
    pub cursors: HashMap<String, usize>,
    /// Files `read_file` can see, by the path the snippet uses.
    pub files: HashMap<String, Vec<u8>>,
    /// Everything logged, one entry per `io:format` call.
    pub logged: Vec<String>,
    /// State of the SplitMix64 generator behind `random_u64`.
    pub rng_state: u64,
    /// The clock, in microseconds since the epoch.
    pub now: u64,
}

impl Default for TestHost {
    fn default() -> Self {
        Self {
            vars: Vec::new(),
            user_id: 1,
            lines: HashMap::new(),
            cursors: HashMap::new(),
            files: HashMap::new(),
            logged: Vec::new(),
            rng_state: 42,
            now: 1_700_000_000_000_000,
        }
    }
}

impl TestHost {
    /// A host with no variables, user id 1 and a fixed seed and clock.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a variable (replacing an earlier value), like a capture would.
    pub fn set(&mut self, name: &str, value: Value) -> &mut Self {
        self.vars.retain(|(n, _)| n != name);
        self.vars.insert(0, (name.to_string(), value));
        self
    }

    /// Everything logged so far, concatenated.
    pub fn log_text(&self) -> String {
        self.logged.concat()
    }
}

impl Host for TestHost {
    fn lookup(&self, name: &str) -> Option<Value> {
        if name == "tsung_userid" && !self.vars.iter().any(|(n, _)| n == name) {
            return Some(Value::Int(i64::try_from(self.user_id).unwrap_or(i64::MAX)));
        }
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    fn entries(&self) -> Vec<(String, Value)> {
        self.vars.clone()
    }

    fn user_id(&self) -> u64 {
        self.user_id
    }

    fn next_line(&mut self, file_id: Option<&str>) -> Option<Vec<u8>> {
        let id = file_id.unwrap_or("default").to_string();
        let lines = self.lines.get(&id)?;
        if lines.is_empty() {
            return None;
        }
        let cur = self.cursors.entry(id).or_insert(0);
        let line = lines[*cur % lines.len()].clone();
        *cur += 1;
        Some(line)
    }

    fn random_line(&mut self, file_id: Option<&str>) -> Option<Vec<u8>> {
        let id = file_id.unwrap_or("default");
        let n = self.lines.get(id)?.len();
        if n == 0 {
            return None;
        }
        let r = (self.random_u64() % n as u64) as usize;
        self.lines.get(id).and_then(|l| l.get(r)).cloned()
    }

    fn all_lines(&mut self, file_id: Option<&str>) -> Option<Vec<Vec<u8>>> {
        self.lines.get(file_id.unwrap_or("default")).cloned()
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>, FileError> {
        if path.contains("..") || path.starts_with('/') && !self.files.contains_key(path) {
            return Err(FileError::AccessDenied);
        }
        self.files.get(path).cloned().ok_or(FileError::NotFound)
    }

    fn log(&mut self, text: &str) {
        self.logged.push(text.to_string());
    }

    fn random_u64(&mut self) -> u64 {
        // SplitMix64.
        self.rng_state = self.rng_state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng_state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn now_micros(&self) -> u64 {
        self.now
    }
}
