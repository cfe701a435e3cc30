//! The scenario as a whole.

use crate::{
    Action, Client, Load, Method, Monitor, Options, RequestId, Server, SessionId, Share,
    SourceFiles, SourceLocation, TransactionId, VarId,
};

/// A complete, validated scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// The files it was read from (main file first).
    pub files: SourceFiles,
    pub root: RootOptions,
    pub information: Information,
    pub clients: Vec<Client>,
    pub servers: Vec<Server>,
    pub monitoring: Vec<Monitor>,
    pub load: Load,
    pub options: Options,
    /// Indexed by [`SessionId`].
    pub sessions: Vec<Session>,
    /// Every variable name the scenario sets or reads.
    pub variables: VarTable,
    /// Transaction (and interaction) names, indexed by [`TransactionId`].
    pub transactions: Vec<Box<str>>,
    /// Every request, indexed by [`RequestId`], for per-request statistics.
    pub requests: Vec<RequestInfo>,
}

impl Scenario {
    pub fn session(&self, id: SessionId) -> &Session {
        &self.sessions[id.index()]
    }

    pub fn transaction_name(&self, id: TransactionId) -> &str {
        &self.transactions[id.index()]
    }

    /// Finds a session by name (the first one, since Tsung does not enforce unique names).
    pub fn session_by_name(&self, name: &str) -> Option<SessionId> {
        self.sessions.iter().find(|s| s.name == name).map(|s| s.id)
    }
}

/// Attributes of the `<tsung>` root.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RootOptions {
    pub loglevel: LogLevel,
    pub dumptraffic: DumpTraffic,
    pub backend: Backend,
    /// `version` (ignored by Tsung).
    pub version: Option<String>,
}

/// `loglevel` (default notice).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum LogLevel {
    Emergency,
    Critical,
    Error,
    Warning,
    #[default]
    Notice,
    Info,
    Debug,
}

/// `dumptraffic` (default false).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DumpTraffic {
    #[default]
    False,
    True,
    Light,
    Protocol,
    ProtocolLocal,
}

/// `backend` (default text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Backend {
    #[default]
    Text,
    Json,
    Fullstats,
    Rrdtool,
}

/// `<information>`: free text.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Information {
    pub name: Option<String>,
    pub description: Option<String>,
    pub username: Option<String>,
    pub organisation: Option<String>,
}

/// A `<session>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub id: SessionId,
    pub name: String,
    pub share: Share,
    pub kind: SessionKind,
    /// `persistent` (HTTP default true): a server close does not end the session.
    pub persistent: bool,
    /// `bidi` (default false).
    pub bidi: bool,
    pub actions: Vec<Action>,
    pub location: SourceLocation,
}

impl Session {
    /// Calls `f` on every action of the session, depth first, in document order.
    pub fn walk<'a>(&'a self, mut f: impl FnMut(&'a Action)) {
        for a in &self.actions {
            a.walk(&mut f);
        }
    }
}

/// The protocol plugin of a session. Only HTTP-based ones can be run; the loader rejects the
/// others with a diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    Http,
    Webdav,
}

/// Interned variable names. [`VarId`] 0 is always the built-in `tsung_userid`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarTable {
    names: Vec<Box<str>>,
}

impl Default for VarTable {
    fn default() -> Self {
        Self {
            names: vec![Self::USERID_NAME.into()],
        }
    }
}

impl VarTable {
    /// The built-in variable holding the user's id.
    pub const USERID: VarId = VarId(0);
    pub const USERID_NAME: &'static str = "tsung_userid";

    /// The id of `name`, adding it if new.
    pub fn intern(&mut self, name: &str) -> VarId {
        if let Some(id) = self.get(name) {
            return id;
        }
        self.names.push(name.into());
        VarId((self.names.len() - 1) as u32)
    }

    /// The id of `name`, if known.
    pub fn get(&self, name: &str) -> Option<VarId> {
        self.names
            .iter()
            .position(|n| &**n == name)
            .map(|i| VarId(i as u32))
    }

    pub fn name(&self, id: VarId) -> &str {
        &self.names[id.index()]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// `(id, name)` pairs in id order.
    pub fn iter(&self) -> impl Iterator<Item = (VarId, &str)> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (VarId(i as u32), &**n))
    }
}

/// What reports need to name a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestInfo {
    pub id: RequestId,
    pub session: SessionId,
    pub method: Method,
    /// The URL as written (markers included), for tables.
    pub url: String,
    pub tag: Option<Box<str>>,
    pub location: SourceLocation,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_table_interns() {
        let mut t = VarTable::default();
        assert_eq!(t.get("tsung_userid"), Some(VarTable::USERID));
        let a = t.intern("a");
        assert_eq!(t.intern("a"), a);
        assert_eq!(t.name(a), "a");
        assert_eq!(t.len(), 2);
    }
}
