//! What the interpreter needs from the engine that runs it: metric events, run-wide shared
//! state (file cursors, wall clock, interactions) and the Erlang evaluator.

use crate::program::Program;
use crate::value::Value;
use crate::vars::Vars;
use stampede_model::{
    Counter, ErlCode, ErrorClass, FileId, InteractionKind, ModFun, RequestId, SessionId,
    SourceLocation, TransactionId, VarTable,
};
use std::time::Duration;

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It ran to its last action.
    Completed,
    /// It was cut short.
    Aborted(AbortReason),
}

/// Why a session was cut short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AbortReason {
    /// An error ended it (already counted under its `error_*` name).
    Error(ErrorClass),
    /// A `<match do="abort">` (counter `match_stop`).
    Match,
    /// A `<match do="restart">` past its `max_restart` (counter `match_restart_abort`).
    MaxRestart,
    /// An `<abort type="session"/>` action (counter `abort_session`).
    AbortAction,
    /// This user stopped the whole test: `<match do="abort_test">` or `<abort type="all"/>`.
    StopTest,
}

/// A `<match>` event for `match.log`: written for `do="log"`, `dump`, `abort`, `abort_test`
/// and `restart`, with the columns of Tsung's file
/// (`timestamp userid sessionid requestid event transaction name`).
#[derive(Clone, Copy, Debug)]
pub struct MatchEvent<'a> {
    /// The user (`tsung_userid`).
    pub user_id: u64,
    /// Its session (Tsung writes the 1-based session number).
    pub session: SessionId,
    /// Tsung's `requestid`: the 1-based position of the request in the session's flattened
    /// action list.
    pub action: u32,
    /// The request in the scenario.
    pub request: RequestId,
    /// `Match` or `NoMatch` for `log`/`dump`; `MatchStop`, `MatchStopTest`, `MatchRestart` or
    /// `MatchRestartAbort` for the others.
    pub event: Counter,
    /// The innermost open transaction (`-` in the file when `None`).
    pub transaction: Option<TransactionId>,
    /// The match's `name` attribute.
    pub name: &'a str,
    /// Where the `<match>` is in the scenario.
    pub location: SourceLocation,
    /// For `do="dump"`: the data the regular expression ran on, for the
    /// `match-<user>-<session>-<request>-<n>.dump` file.
    pub dump: Option<&'a [u8]>,
}

/// Why an Erlang snippet or function gave no value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// The host cannot run this code or function.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// The code ran and failed.
    #[error("{0}")]
    Failed(String),
}

/// What a snippet can see of the user: Tsung passes `{Pid, DynVars}`.
#[derive(Clone, Copy, Debug)]
pub struct EvalContext<'a> {
    pub(crate) program: &'a Program,
    pub(crate) vars: &'a Vars,
    pub(crate) user_id: u64,
    pub(crate) session: SessionId,
    pub(crate) seed: u64,
}

impl<'a> EvalContext<'a> {
    /// The user's id (`tsung_userid`).
    pub fn user_id(&self) -> u64 {
        self.user_id
    }

    /// The session the user runs.
    pub fn session(&self) -> SessionId {
        self.session
    }

    /// A fresh draw from the user's random generator, one per call: seed the snippet's
    /// `random`/`rand` functions with it and a seeded run stays reproducible.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The program (and through it the scenario: file servers, options).
    pub fn program(&self) -> &'a Program {
        self.program
    }

    /// `ts_dynvars:lookup(Name, DynVars)`: the value of a variable, `None` if unset.
    pub fn get(&self, name: &str) -> Option<Value> {
        let id = self.program.scenario().variables.get(name)?;
        crate::user::lookup_var(self.vars, id.0, self.user_id)
    }

    /// Every variable the user has set, by name (`tsung_userid` first).
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, Value)> + 'a {
        let table: &'a VarTable = &self.program.scenario().variables;
        let user_id = self.user_id;
        let vars = self.vars;
        let userid_set = vars.get(VarTable::USERID.0).is_some();
        let builtin = (!userid_set).then_some((VarTable::USERID_NAME, Value::Int(user_id as i64)));
        builtin.into_iter().chain(
            vars.iter()
                .filter(move |(slot, _)| (*slot as usize) < table.len())
                .map(move |(slot, v)| (table.name(stampede_model::VarId(slot)), v.clone())),
        )
    }
}

/// The argument of a function call.
#[derive(Clone, Copy, Debug)]
pub enum CallArgs<'a> {
    /// `%%mod:fun%%` and `setdynvars sourcetype="erlang"`: Tsung calls `mod:fun({Pid, DynVars})`.
    User(EvalContext<'a>),
    /// `<match apply_to_content="mod:fun">`: `mod:fun(Data)` with the response data.
    Content(&'a [u8]),
}

/// The engine's side of the interpreter. Implemented once per worker and passed to every call
/// as a generic parameter (no dynamic dispatch on the hot path).
///
/// The interpreter reports here what only it knows (pages, transactions, sessions, match and
/// control-flow counters, errors it raises or is told about); the engine records what it
/// measures itself (requests, connects, status codes, sizes, user counts).
pub trait Host {
    /// A `tr_<name>` sample: a transaction from its start to its end (or to the end of the
    /// session when it was left open).
    fn transaction(&mut self, id: TransactionId, elapsed: Duration);

    /// A `page` sample.
    fn page(&mut self, elapsed: Duration);

    /// The user's session ended (a `session` sample and `finish_users_count`).
    fn session_end(&mut self, elapsed: Duration, outcome: Outcome);

    /// A counter event (`match`, `nomatch`, `match_*`, `abort_session`, `max_repeat`).
    fn count(&mut self, counter: Counter);

    /// An error event (`error_*`).
    fn error(&mut self, error: ErrorClass);

    /// The run-wide `iter` cursor of a file server: returns its current value and advances it
    /// by one. One cursor per file for the whole run, shared by all users and workers (an
    /// atomic counter), never reset. The interpreter takes the line `value % line_count`.
    fn next_line(&mut self, file: FileId) -> u64;

    /// Seconds since the Unix epoch (wall clock), for `get_really_unique_id`, OAuth timestamps
    /// and cookie expiry dates.
    fn unix_time(&mut self) -> u64;

    /// A `<match>` event for `match.log` (and a dump file for `do="dump"`).
    fn match_event(&mut self, event: &MatchEvent<'_>) {
        let _ = event;
    }

    /// `<interaction action="send|receive" id>` at `now`: the time from one user's `send` to
    /// another's `receive` of the same id is a `tr_<id>` sample (run-wide state).
    fn interaction(&mut self, kind: InteractionKind, id: TransactionId, now: crate::Nanos) {
        let _ = (kind, id, now);
    }

    /// Runs `setdynvars sourcetype="eval"` code: `fun({Pid, DynVars}) -> … end.` applied to the
    /// user. A list result fills several variables in order.
    fn eval(&mut self, code: &ErlCode, ctx: &EvalContext<'_>) -> Result<Value, EvalError> {
        let _ = ctx;
        Err(EvalError::Unsupported(format!(
            "Erlang code at {}:{}",
            code.location.line, code.location.column
        )))
    }

    /// Calls `module:function` for anything the interpreter does not implement natively
    /// (`ts_user_server:get_unique_id`, `get_really_unique_id`, `ts_file_server:get_next_line`,
    /// `get_random_line`, `get_all_lines`, `ts_digest:md5hex` and `shahex` are native).
    fn call(&mut self, function: &ModFun, args: CallArgs<'_>) -> Result<Value, EvalError> {
        let _ = args;
        Err(EvalError::Unsupported(function.to_string()))
    }
}
