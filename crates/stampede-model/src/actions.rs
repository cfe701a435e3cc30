//! What a session does: the action tree, with requests, dynamic variables, checks and control
//! flow. The session interpreter matches on these exhaustively.

use crate::{
    FileId, HttpRequest, Pattern, RateLimit, RequestId, ServerKind, SourceLocation, Template,
    TransactionId, VarId,
};
use std::sync::Arc;
use std::time::Duration;

pub use crate::template::ModFun;

/// One step of a session, in document order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Request(Box<Request>),
    Thinktime(Thinktime),
    Transaction(Transaction),
    SetDynVars(SetDynVars),
    For(ForLoop),
    Repeat(Repeat),
    If(If),
    Foreach(Foreach),
    ChangeType(ChangeType),
    SetOption(SetOption),
    Interaction(Interaction),
    Abort(AbortScope),
}

/// A `<request>` with its checks and extractions.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub id: RequestId,
    /// `tag` (used by `-x` to drop requests at load time).
    pub tag: Option<Box<str>>,
    /// `subst` as written; the templates already honour it.
    pub subst: Subst,
    /// `<match>` children, evaluated in order.
    pub matches: Vec<Match>,
    /// `<dyn_variable>` children, evaluated in order after each response.
    pub dyn_variables: Vec<DynVariable>,
    pub http: HttpRequest,
    pub location: SourceLocation,
}

/// `subst` on a `<request>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subst {
    False,
    True,
    /// Everything but the body (HTTP only).
    AllExceptBody,
}

/// A `<thinktime>` after Tsung's rules were applied (global default, inherited `random`,
/// `override`).
#[derive(Clone, Debug, PartialEq)]
pub enum Thinktime {
    /// A fixed pause.
    Fixed(Duration),
    /// `random="true"`: exponential with this mean.
    Exponential { mean: Duration },
    /// `min`/`max`: uniform, millisecond resolution.
    Uniform { min: Duration, max: Duration },
    /// `value="%%_var%%"`: seconds taken from a variable when reached (always substituted).
    Dynamic { value: Template, random: bool },
    /// `value="wait_global"`: the global barrier (`global_number`, `global_ack_timeout`).
    WaitGlobal,
}

/// `<transaction name>`: a `tr_<name>` sample from entry to exit.
#[derive(Clone, Debug, PartialEq)]
pub struct Transaction {
    pub id: TransactionId,
    pub body: Vec<Action>,
}

/// `<setdynvars sourcetype=…>` with its `<var>` names.
#[derive(Clone, Debug, PartialEq)]
pub struct SetDynVars {
    pub vars: Vec<VarId>,
    pub source: DynVarSource,
    pub location: SourceLocation,
}

/// Where `setdynvars` takes its values from.
#[derive(Clone, Debug, PartialEq)]
pub enum DynVarSource {
    /// Uniform integer in `[start, end]`, one per var.
    RandomNumber { start: i64, end: i64 },
    /// Random lowercase string, one per var (Tsung draws `b`–`z` only).
    RandomString { length: usize },
    /// Tsung's cheap pseudo-random string: a fixed 20-character pattern cut or repeated.
    UrandomString { length: usize },
    /// The next (`iter`) or a random line of a file server, split on `delimiter` into the vars.
    /// `local_file` is `order: Random`.
    File {
        file: FileId,
        delimiter: Box<[u8]>,
        order: FileOrder,
    },
    /// `sourcetype="erlang" callback="mod:fun"`: a built-in function.
    Erlang { callback: ModFun },
    /// `sourcetype="eval" code="fun({Pid,DynVars}) -> … end."`.
    Eval { code: ErlCode },
    /// JSONPath applied to the JSON text held in another variable.
    JsonPath { from: VarId, path: JsonPathSource },
    /// The user's current server: host into the first var, port into the second.
    Server,
    /// A constant (`value=`).
    Value { value: Template },
}

/// `order` of a file `setdynvars`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOrder {
    /// A cursor shared by all users, wrapping around.
    Iter,
    Random,
}

/// An inline Erlang snippet, kept with its location for error messages.
#[derive(Clone, Debug, PartialEq)]
pub struct ErlCode {
    pub source: Arc<str>,
    pub location: SourceLocation,
}

/// A `<dyn_variable>`: a value extracted from the response into a variable.
#[derive(Clone, Debug, PartialEq)]
pub struct DynVariable {
    pub var: VarId,
    pub extractor: Extractor,
    /// `decode="html_entities"`.
    pub decode_html_entities: bool,
}

/// How a `<dyn_variable>` extracts its value.
#[derive(Clone, Debug, PartialEq)]
pub enum Extractor {
    /// `re=` (or the old `regexp=`): group 1 over the whole response, headers included. No
    /// match stores the empty string, as Tsung 1.7.
    Regex(Pattern),
    /// No expression at all: Tsung's built-in hidden-input regex for this variable's name.
    HiddenInput(Pattern),
    /// `xpath=`: the body parsed as (tolerant) HTML; the variable holds a list.
    XPath(crate::XPath),
    /// `jsonpath=`.
    JsonPath(JsonPathSource),
    /// `header="name"` or `header="name/param"` (lower-cased).
    Header {
        name: Box<str>,
        param: Option<Box<str>>,
    },
    /// `pgsql_expr=` (PostgreSQL only; kept so messages can name it).
    PgsqlExpr(Box<str>),
}

/// A JSONPath known at load time, or one with substitution markers (Tsung ≥ 1.8 with
/// `subst="true"`).
#[derive(Clone, Debug, PartialEq)]
pub enum JsonPathSource {
    Static(crate::JsonPath),
    Dynamic(Template),
}

/// A `<match>` check on a response.
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    pub pattern: MatchPattern,
    pub when: MatchWhen,
    pub action: MatchAction,
    /// `name` (default `-`), written to `match.log`.
    pub name: Box<str>,
    /// `max_loop` (20), `loop_back` (0), `sleep_loop` (5 s): for `do="loop"`.
    pub max_loop: u32,
    pub loop_back: u32,
    pub sleep_loop: Duration,
    /// `max_restart` (3): for `do="restart"`.
    pub max_restart: u32,
    /// `skip_headers="http"`: match the body only.
    pub skip_headers: bool,
    /// `apply_to_content="mod:fun"`: a built-in transform of the response first.
    pub apply_to_content: Option<ModFun>,
    pub location: SourceLocation,
}

/// The regex of a `<match>`.
#[derive(Clone, Debug, PartialEq)]
pub enum MatchPattern {
    Static(Pattern),
    /// `subst="true"` with markers: compiled after substitution, at run time.
    Dynamic(Template),
}

/// `when` of a `<match>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchWhen {
    Match,
    NoMatch,
}

/// `do` of a `<match>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchAction {
    Continue,
    Log,
    Dump,
    Abort,
    AbortTest,
    Restart,
    Loop,
}

/// `<for var from to incr>`: an inclusive integer loop.
#[derive(Clone, Debug, PartialEq)]
pub struct ForLoop {
    pub var: VarId,
    pub from: ForBound,
    pub to: ForBound,
    pub incr: i64,
    pub body: Vec<Action>,
}

/// A `for` bound: a number, or a variable read when the loop starts.
#[derive(Clone, Debug, PartialEq)]
pub enum ForBound {
    Const(i64),
    Dynamic(Template),
}

/// `<repeat name max_repeat>` … `<while|until …/>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Repeat {
    pub name: Box<str>,
    /// `max_repeat` (20): past it the counter `max_repeat` goes up and the flow continues.
    pub max_repeat: u32,
    pub body: Vec<Action>,
    pub condition: LoopCondition,
}

/// The closing `<while>` or `<until>` of a repeat.
#[derive(Clone, Debug, PartialEq)]
pub struct LoopCondition {
    pub kind: LoopKind,
    pub test: Condition,
}

/// `while` repeats while the test holds; `until` repeats until it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopKind {
    While,
    Until,
}

/// `<if var eq|neq|gt|gte|lt|lte>` … (no else branch).
#[derive(Clone, Debug, PartialEq)]
pub struct If {
    pub test: Condition,
    pub body: Vec<Action>,
}

/// A comparison of a variable with a value.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub var: VarRef,
    pub op: CmpOp,
    /// Substituted when it contains markers, whatever the request's `subst`.
    pub value: Template,
}

/// A variable, or one element of a list variable (`var="list[2]"`, 1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VarRef {
    pub var: VarId,
    pub index: Option<u32>,
}

/// Comparison operators: `eq`/`neq` compare strings, the others numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl CmpOp {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "eq",
            CmpOp::Neq => "neq",
            CmpOp::Gt => "gt",
            CmpOp::Gte => "gte",
            CmpOp::Lt => "lt",
            CmpOp::Lte => "lte",
        }
    }
}

/// `<foreach name in include|exclude>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Foreach {
    /// `name`: the variable holding the current element.
    pub var: VarId,
    /// `in`: the list variable.
    pub list: VarId,
    pub filter: Option<ForeachFilter>,
    pub body: Vec<Action>,
}

/// `include=` or `exclude=` regex of a foreach.
#[derive(Clone, Debug, PartialEq)]
pub struct ForeachFilter {
    /// `true` for `include`, `false` for `exclude`.
    pub include: bool,
    pub pattern: Pattern,
}

/// `<change_type>`: switch target (HTTP to HTTP only; other protocols are rejected at load).
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeType {
    pub host: Box<str>,
    pub port: u16,
    pub server_kind: ServerKind,
    /// `store`: keep the current connection and cookies to come back to.
    pub store: bool,
    /// `restore`: come back to the stored ones.
    pub restore: bool,
    pub bidi: bool,
}

/// `<set_option>` inside a session.
#[derive(Clone, Debug, PartialEq)]
pub enum SetOption {
    /// `connect_timeout` (ms); `None` = infinity.
    ConnectTimeout(Option<Duration>),
    RateLimit(RateLimit),
    /// `certificate`: client certificate files (may use substitution).
    Certificate {
        cacertfile: Option<Template>,
        keyfile: Option<Template>,
        keypass: Option<Template>,
        certfile: Option<Template>,
    },
}

/// `<interaction action id>`: latency between users, reported as `tr_<id>`.
#[derive(Clone, Debug, PartialEq)]
pub struct Interaction {
    pub kind: InteractionKind,
    pub id: TransactionId,
}

/// Which end of an interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InteractionKind {
    Send,
    Receive,
}

/// `<abort type>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbortScope {
    Session,
    All,
}

impl Action {
    /// The nested actions, for walking the tree.
    pub fn children(&self) -> &[Action] {
        match self {
            Action::Transaction(t) => &t.body,
            Action::For(f) => &f.body,
            Action::Repeat(r) => &r.body,
            Action::If(i) => &i.body,
            Action::Foreach(f) => &f.body,
            Action::Request(_)
            | Action::Thinktime(_)
            | Action::SetDynVars(_)
            | Action::ChangeType(_)
            | Action::SetOption(_)
            | Action::Interaction(_)
            | Action::Abort(_) => &[],
        }
    }

    /// Calls `f` on this action and every nested one, depth first, in document order.
    pub fn walk<'a>(&'a self, f: &mut impl FnMut(&'a Action)) {
        f(self);
        for child in self.children() {
            child.walk(f);
        }
    }
}
