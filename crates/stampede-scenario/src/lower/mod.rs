//! Lowering: the checked XML tree becomes a [`Scenario`], with Tsung's code defaults and
//! semantics applied, and every problem reported with its place.

mod actions;
mod attrs;
mod builtins;
mod dynvars;
mod eval;
mod infra;
mod load;
mod options;
mod request;
mod sessions;
mod text;
mod thinktime;

use crate::LoadOptions;
use crate::diagnostic::Diags;
use crate::source::{SourceMap, Span};
use crate::xml::Element;
use stampede_model::{
    Options, RequestInfo, Scenario, Session, SourceFiles, SourceLocation, TransactionId, VarId,
    VarTable,
};
use std::collections::HashMap;
use std::path::PathBuf;

pub(crate) use sessions::SessionEntry;

/// What a session does with a variable, in document order, for the definedness checks.
#[derive(Clone, Debug)]
pub(crate) enum VarEvent {
    /// The variable gets a value here.
    Def(VarId, Span),
    /// The variable is read here, in this way.
    Use(VarId, Span, UseKind),
    /// A loop body starts (its definitions are visible to its own earlier uses).
    LoopStart,
    LoopEnd,
}

/// How a variable is read: what happens when nothing has set it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UseKind {
    /// Substituted as `%%_name%%`: the text `undefined` takes its place.
    Subst,
    /// Tested by `<if>`: an `error_if_undef` is counted.
    If,
    /// Tested by the `<while>`/`<until>` of a `<repeat>`: an `error_repeat_undef` is counted.
    Repeat,
    /// The list of a `<foreach>`: an `error_foreach_undef` is counted.
    Foreach,
    /// The JSON text of `<setdynvars sourcetype="jsonpath" from=…>`.
    JsonFrom,
    /// Read by an Erlang snippet with `ts_dynvars:lookup(name, DynVars)`: it gets `false`.
    Snippet,
}

/// The result of lowering, before the whole-scenario checks.
#[derive(Debug)]
pub(crate) struct Lowered {
    pub scenario: Scenario,
    /// Every session, runnable or not, in document order.
    pub sessions: Vec<SessionEntry>,
    /// Per runnable session (indexed by `SessionId`): its variable events.
    pub var_events: Vec<Vec<VarEvent>>,
    /// Facts the checks and `explain` need beyond the model.
    pub facts: Facts,
}

/// Places of things, for later checks and the explanation.
#[derive(Debug, Default)]
pub(crate) struct Facts {
    /// Per phase (in model order): the span of its `phase` attribute.
    pub phase_spans: Vec<Span>,
    /// Span of `<load>`'s `duration`, if any.
    pub load_duration_span: Option<Span>,
    /// Per static user (model order): its `<user>` element name span.
    pub static_user_spans: Vec<Span>,
    /// Per transaction id: where it is first named.
    pub transaction_spans: Vec<Span>,
    /// Per variable: where it is first mentioned (set or used).
    pub var_spans: HashMap<VarId, Span>,
    /// Phases that had `session_setup` overrides (model index).
    pub phases_with_setup: Vec<usize>,
}

/// The lowering context: diagnostics, interned names and collected facts.
pub(crate) struct Lower<'a> {
    pub diags: &'a mut Diags,
    pub sources: &'a SourceMap,
    pub opts: &'a LoadOptions,
    /// Directory relative file names are resolved against.
    pub base_dir: PathBuf,
    pub vars: VarTable,
    pub transactions: Vec<Box<str>>,
    pub requests: Vec<RequestInfo>,
    pub options: Options,
    /// `-x` tags that matched at least one request.
    pub used_exclude_tags: Vec<String>,
    pub facts: Facts,
    /// Session types present in the file (for warnings about typed options).
    pub session_types: Vec<String>,
    /// `use_weights` of Tsung's parser: `None` until a session or session_setup decides.
    pub use_weights: Option<bool>,
    /// Internal state of the global thinktime option.
    pub thinktime: thinktime::GlobalThinktime,
    /// Variable events of the session being lowered.
    pub events: Vec<VarEvent>,
    /// Markers sent literally in the request being lowered (reported together).
    pub literal_markers: Option<Vec<text::LiteralMarker>>,
    /// Kind of the session being lowered.
    pub session_kind: stampede_model::SessionKind,
    /// Whether an absolute URL came earlier in the session being lowered.
    pub previous_absolute: bool,
    /// File servers declared but unreadable (reported): `(id, local)`.
    pub unreadable_file_servers: Vec<(String, bool)>,
    /// Ids of the names in `vars` (the table itself searches linearly).
    var_ids: HashMap<String, VarId>,
}

impl<'a> Lower<'a> {
    pub(crate) fn new(
        diags: &'a mut Diags,
        sources: &'a SourceMap,
        opts: &'a LoadOptions,
        base_dir: PathBuf,
    ) -> Self {
        Self {
            diags,
            sources,
            opts,
            base_dir,
            vars: VarTable::default(),
            transactions: Vec::new(),
            requests: Vec::new(),
            options: Options::default(),
            used_exclude_tags: Vec::new(),
            facts: Facts::default(),
            session_types: Vec::new(),
            use_weights: None,
            thinktime: thinktime::GlobalThinktime::default(),
            events: Vec::new(),
            literal_markers: None,
            session_kind: stampede_model::SessionKind::Http,
            previous_absolute: false,
            unreadable_file_servers: Vec::new(),
            var_ids: HashMap::new(),
        }
    }

    /// The model's location of a span.
    pub(crate) fn loc(&self, span: Span) -> SourceLocation {
        let (line, column) = self.sources.line_col(span);
        SourceLocation {
            file: span.file,
            line,
            column,
        }
    }

    /// Interns a variable name, remembering where it first appeared.
    pub(crate) fn var(&mut self, name: &str, span: Span) -> VarId {
        let id = match self.var_ids.get(name) {
            Some(id) => *id,
            None => {
                let id = self.vars.intern(name);
                self.var_ids.insert(name.to_owned(), id);
                id
            }
        };
        self.facts.var_spans.entry(id).or_insert(span);
        id
    }

    /// Interns a transaction (or interaction) name.
    pub(crate) fn transaction(&mut self, name: &str, span: Span) -> TransactionId {
        if let Some(i) = self.transactions.iter().position(|t| &**t == name) {
            return TransactionId(i as u32);
        }
        self.transactions.push(name.into());
        self.facts.transaction_spans.push(span);
        TransactionId((self.transactions.len() - 1) as u32)
    }
}

/// Lowers a validated `<tsung>` tree.
pub(crate) fn lower(root: &Element, cx: &mut Lower<'_>) -> Lowered {
    let root_opts = infra::root(root, cx);
    cx.session_types = root
        .child("sessions")
        .map(|s| {
            s.children_named("session")
                .filter_map(|s| s.value("type").map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();

    let information = root
        .child("information")
        .map(infra::information)
        .unwrap_or_default();
    let clients = root
        .child("clients")
        .map(|c| infra::clients(c, cx))
        .unwrap_or_default();
    let servers = root
        .child("servers")
        .map(|s| infra::servers(s, cx))
        .unwrap_or_default();
    let monitoring = root
        .child("monitoring")
        .map(|m| infra::monitoring(m, cx))
        .unwrap_or_default();
    // Tsung reads `<load>` before `<sessions>`: session_setup may decide between
    // probabilities and weights.
    let raw_load = root.child("load").map(|l| load::read(l, cx));
    if let Some(opts) = root.child("options") {
        options::options(opts, cx);
    }
    let (sessions, entries, var_events): (Vec<Session>, Vec<SessionEntry>, Vec<Vec<VarEvent>>) =
        match root.child("sessions") {
            Some(s) => sessions::sessions(s, cx),
            None => (Vec::new(), Vec::new(), Vec::new()),
        };
    let load = match raw_load {
        Some(raw) => load::resolve(raw, &entries, cx),
        None => load::empty(),
    };
    options::after_sessions(root, cx);
    let files = SourceFiles {
        paths: cx.sources.files().iter().map(|f| f.path.clone()).collect(),
    };
    let scenario = Scenario {
        files,
        root: root_opts,
        information,
        clients,
        servers,
        monitoring,
        load,
        options: std::mem::take(&mut cx.options),
        sessions,
        variables: std::mem::take(&mut cx.vars),
        transactions: std::mem::take(&mut cx.transactions),
        requests: std::mem::take(&mut cx.requests),
    };
    Lowered {
        scenario,
        sessions: entries,
        var_events,
        facts: std::mem::take(&mut cx.facts),
    }
}
