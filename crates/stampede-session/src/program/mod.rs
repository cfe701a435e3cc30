//! A scenario compiled for execution: each session flattened into a list of instructions with
//! jump targets, numbered exactly as Tsung numbers its actions (so `loop_back` and `match.log`
//! request ids agree), and each request pre-rendered.

pub(crate) mod request;

use crate::step::ConnectionOptions;
use crate::target::{Target, TargetRef};
use crate::vars::Slot;
use request::CompiledRequest;
use stampede_model::{
    AbortScope, Action, ChangeType, Condition, FileId, ForBound, ForeachFilter, Interaction,
    LoopKind, Scenario, SessionId, SetDynVars, SetOption, Template, Thinktime, TransactionId,
};
use std::sync::Arc;

/// The default `User-Agent` when the scenario sets none (Tsung sends `tsung`).
pub const DEFAULT_USER_AGENT: &str = concat!("Stampede/", env!("CARGO_PKG_VERSION"));

/// A thinktime, in Tsung's millisecond resolution.
#[derive(Clone, Debug)]
pub(crate) enum Think {
    Fixed(u64),
    /// Exponential with this mean (ms), rounded to the millisecond.
    Exponential(f64),
    /// Uniform integer milliseconds, bounds included.
    Uniform(u64, u64),
    /// Seconds read from a template (always substituted).
    Dynamic(Template),
    /// The `wait_global` barrier.
    Global,
}

/// One instruction; its index + 1 is Tsung's action id.
#[derive(Clone, Debug)]
pub(crate) enum Instr {
    Request(Box<CompiledRequest>),
    Think(Think),
    TransactionStart(TransactionId),
    TransactionEnd(TransactionId),
    SetDynVars(Box<SetDynVars>),
    ForStart {
        var: Slot,
        from: ForBound,
    },
    ForEnd {
        var: Slot,
        to: ForBound,
        incr: i64,
        body: u32,
    },
    IfStart {
        test: Box<Condition>,
        after: u32,
    },
    RepeatEnd {
        counter: Slot,
        kind: LoopKind,
        test: Box<Condition>,
        body: u32,
        max: u32,
    },
    ForeachStart {
        var: Slot,
        list: Slot,
        iter: Slot,
        filter: Option<Box<ForeachFilter>>,
        /// Index of the matching `ForeachEnd`.
        end: u32,
    },
    ForeachEnd {
        var: Slot,
        list: Slot,
        iter: Slot,
        filter: Option<Box<ForeachFilter>>,
        body: u32,
    },
    ChangeType(Box<ChangeType>),
    SetOption(Box<SetOption>),
    Interaction(Interaction),
    Abort(AbortScope),
}

/// A session's instructions.
#[derive(Clone, Debug)]
pub(crate) struct CompiledSession {
    pub(crate) code: Box<[Instr]>,
    pub(crate) persistent: bool,
}

/// A scenario compiled once for the whole run and shared (`Arc`) by every user.
#[derive(Debug)]
pub struct Program {
    scenario: Arc<Scenario>,
    pub(crate) sessions: Box<[CompiledSession]>,
    pub(crate) servers: Box<[TargetRef]>,
    server_cumulative: Box<[f64]>,
    /// `(cumulative probability, "User-Agent: …\r\n")`.
    user_agents: Box<[(f64, Box<[u8]>)]>,
    default_user_agent: Box<[u8]>,
    pub(crate) default_file: Option<FileId>,
    pub(crate) proxy: bool,
    pub(crate) connection_options: ConnectionOptions,
}

struct Flattener<'a> {
    scenario: &'a Scenario,
    code: Vec<Instr>,
    targets: &'a mut Vec<TargetRef>,
    next_slot: &'a mut u32,
    proxy: bool,
    ipv6: bool,
}

impl Flattener<'_> {
    /// The slot of a hidden variable Tsung names `name`: the scenario's variable when the
    /// scenario uses that name (so `%%_name%%` reads it, as in Tsung), a fresh internal slot
    /// otherwise.
    fn named_slot(&mut self, name: &str) -> Slot {
        match self.scenario.variables.get(name) {
            Some(id) => id.0,
            None => {
                let s = *self.next_slot;
                *self.next_slot += 1;
                s
            }
        }
    }

    fn here(&self) -> u32 {
        self.code.len() as u32
    }

    fn flatten(&mut self, actions: &[Action]) {
        for action in actions {
            match action {
                Action::Request(r) => {
                    let action = self.here() + 1;
                    let c = request::compile(r, action, self.proxy, self.ipv6, self.targets);
                    self.code.push(Instr::Request(Box::new(c)));
                }
                Action::Thinktime(t) => self.code.push(Instr::Think(compile_think(t))),
                Action::Transaction(t) => {
                    self.code.push(Instr::TransactionStart(t.id));
                    self.flatten(&t.body);
                    self.code.push(Instr::TransactionEnd(t.id));
                }
                Action::SetDynVars(s) => self.code.push(Instr::SetDynVars(Box::new(s.clone()))),
                Action::For(f) => {
                    let start = self.here();
                    self.code.push(Instr::ForStart {
                        var: f.var.0,
                        from: f.from.clone(),
                    });
                    self.flatten(&f.body);
                    self.code.push(Instr::ForEnd {
                        var: f.var.0,
                        to: f.to.clone(),
                        incr: f.incr,
                        body: start + 1,
                    });
                }
                Action::Repeat(r) => {
                    let body = self.here();
                    let counter = self.named_slot(&r.name);
                    self.flatten(&r.body);
                    self.code.push(Instr::RepeatEnd {
                        counter,
                        kind: r.condition.kind,
                        test: Box::new(r.condition.test.clone()),
                        body,
                        max: r.max_repeat,
                    });
                }
                Action::If(i) => {
                    let at = self.code.len();
                    self.code.push(Instr::IfStart {
                        test: Box::new(i.test.clone()),
                        after: 0,
                    });
                    self.flatten(&i.body);
                    let after = self.here();
                    if let Some(Instr::IfStart { after: a, .. }) = self.code.get_mut(at) {
                        *a = after;
                    }
                }
                Action::Foreach(f) => {
                    let start = self.here();
                    let name = self.scenario.variables.name(f.var).to_owned();
                    let iter = self.named_slot(&format!("{name}_iter"));
                    let filter = f.filter.clone().map(Box::new);
                    self.code.push(Instr::ForeachStart {
                        var: f.var.0,
                        list: f.list.0,
                        iter,
                        filter: filter.clone(),
                        end: 0,
                    });
                    self.flatten(&f.body);
                    let end_at = self.here();
                    if let Some(Instr::ForeachStart { end, .. }) = self.code.get_mut(start as usize)
                    {
                        *end = end_at;
                    }
                    self.code.push(Instr::ForeachEnd {
                        var: f.var.0,
                        list: f.list.0,
                        iter,
                        filter,
                        body: start + 1,
                    });
                }
                Action::ChangeType(c) => self.code.push(Instr::ChangeType(Box::new(c.clone()))),
                Action::SetOption(o) => self.code.push(Instr::SetOption(Box::new(o.clone()))),
                Action::Interaction(i) => self.code.push(Instr::Interaction(i.clone())),
                Action::Abort(scope) => self.code.push(Instr::Abort(*scope)),
            }
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    let ms = (d.as_secs_f64() * 1000.0).round();
    if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    }
}

fn compile_think(t: &Thinktime) -> Think {
    match t {
        Thinktime::Fixed(d) => Think::Fixed(millis(*d)),
        Thinktime::Exponential { mean } => Think::Exponential(mean.as_secs_f64() * 1000.0),
        Thinktime::Uniform { min, max } => Think::Uniform(millis(*min), millis(*max)),
        // Tsung applies no randomness to a thinktime read from a variable.
        Thinktime::Dynamic { value, .. } => Think::Dynamic(value.clone()),
        Thinktime::WaitGlobal => Think::Global,
    }
}

/// Tsung's page rule: a request ends a page unless the next recorded action, skipping
/// transaction markers, is a request.
fn mark_pages(code: &mut [Instr]) {
    for i in 0..code.len() {
        let next_is_request = code[i + 1..]
            .iter()
            .find(|c| !matches!(c, Instr::TransactionStart(_) | Instr::TransactionEnd(_)))
            .is_some_and(|c| matches!(c, Instr::Request(_)));
        if let Instr::Request(r) = &mut code[i] {
            r.end_page = !next_is_request;
        }
    }
}

impl Program {
    /// Compiles a (valid) scenario. Infallible: whatever the scenario contains has a meaning.
    pub fn new(scenario: Arc<Scenario>) -> Program {
        let sc = &*scenario;
        let proxy = sc.options.http_use_server_as_proxy;
        let ipv6 = sc.servers.first().is_some_and(|s| s.kind.is_ipv6());
        let mut targets: Vec<TargetRef> = Vec::new();
        let servers: Box<[TargetRef]> = sc
            .servers
            .iter()
            .map(|s| {
                let t = Arc::new(Target::from_server(s));
                targets.push(Arc::clone(&t));
                t
            })
            .collect();
        let mut total = 0.0;
        let server_cumulative = sc
            .servers
            .iter()
            .map(|s| {
                total += if s.weight.is_finite() && s.weight > 0.0 {
                    s.weight
                } else {
                    0.0
                };
                total
            })
            .collect();
        let mut next_slot = sc.variables.len() as u32;
        let sessions = sc
            .sessions
            .iter()
            .map(|s| {
                let mut f = Flattener {
                    scenario: sc,
                    code: Vec::new(),
                    targets: &mut targets,
                    next_slot: &mut next_slot,
                    proxy,
                    ipv6,
                };
                f.flatten(&s.actions);
                let mut code = f.code;
                mark_pages(&mut code);
                CompiledSession {
                    code: code.into(),
                    persistent: s.persistent,
                }
            })
            .collect();
        let mut cum = 0.0;
        let user_agents = sc
            .options
            .user_agents
            .iter()
            .filter(|ua| ua.probability > 0.0)
            .map(|ua| {
                cum += ua.probability;
                (
                    cum,
                    format!("User-Agent: {}\r\n", ua.value).into_bytes().into(),
                )
            })
            .collect();
        let default_file = sc
            .options
            .file_servers
            .iter()
            .find(|f| f.name == "default")
            .map(|f| f.id);
        Program {
            sessions,
            servers,
            server_cumulative,
            user_agents,
            default_user_agent: format!("User-Agent: {DEFAULT_USER_AGENT}\r\n")
                .into_bytes()
                .into(),
            default_file,
            proxy,
            connection_options: ConnectionOptions {
                connect_timeout: sc.options.connect_timeout,
                rate_limit: sc.options.rate_limit,
                certificate: None,
            },
            scenario,
        }
    }

    /// The scenario this program runs.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The shared scenario.
    pub fn scenario_arc(&self) -> &Arc<Scenario> {
        &self.scenario
    }

    /// The targets of the scenario's `<server>`s, in order.
    pub fn servers(&self) -> &[TargetRef] {
        &self.servers
    }

    /// Number of instructions of a session (Tsung's action count), for tests and `explain`.
    pub fn session_len(&self, session: SessionId) -> usize {
        self.session(session).map(|s| s.code.len()).unwrap_or(0)
    }

    pub(crate) fn session(&self, id: SessionId) -> Option<&CompiledSession> {
        self.sessions.get(id.index())
    }

    /// Index of the server for the draw `u` in `[0, 1)`, by weight.
    pub(crate) fn server_for(&self, u: f64) -> usize {
        let Some(&total) = self.server_cumulative.last() else {
            return 0;
        };
        if total <= 0.0 {
            return 0;
        }
        let r = u * total;
        self.server_cumulative
            .iter()
            .position(|&c| r < c)
            .unwrap_or(self.server_cumulative.len() - 1)
    }

    /// Index of the user agent for the draw `u` in `[0, 1)`; `u16::MAX` for the default.
    pub(crate) fn user_agent_for(&self, u: f64) -> u16 {
        let Some(&(total, _)) = self.user_agents.last() else {
            return u16::MAX;
        };
        let r = u * total;
        self.user_agents
            .iter()
            .position(|&(c, _)| r < c)
            .unwrap_or(self.user_agents.len() - 1) as u16
    }

    /// The `User-Agent` header line of an index from [`Program::user_agent_for`].
    pub(crate) fn user_agent_line(&self, index: u16) -> &[u8] {
        self.user_agents
            .get(usize::from(index))
            .map(|(_, line)| &**line)
            .unwrap_or(&self.default_user_agent)
    }

    /// `idle_timeout`: how long the engine waits for a response before calling
    /// [`crate::User::on_error`] with [`stampede_model::ErrorClass::Timeout`].
    pub fn idle_timeout(&self) -> std::time::Duration {
        self.scenario.options.idle_timeout
    }

    /// `global_number` and `global_ack_timeout`: the `wait_global` barrier opens when this many
    /// users wait, or when none has joined for the timeout.
    pub fn global_barrier(&self) -> (u32, std::time::Duration) {
        (
            self.scenario.options.global_number,
            self.scenario.options.global_ack_timeout,
        )
    }

    /// `hibernate`: a user waiting at least this long may release its per-connection buffers
    /// (`None` = never).
    pub fn hibernate(&self) -> Option<std::time::Duration> {
        self.scenario.options.hibernate
    }

    /// The connection settings of a user that changed none (`connect_timeout`, `rate_limit`).
    pub fn connection_options(&self) -> &ConnectionOptions {
        &self.connection_options
    }

    pub(crate) fn max_retries(&self) -> u32 {
        self.scenario.options.max_retries
    }

    pub(crate) fn retry_timeout(&self) -> std::time::Duration {
        self.scenario.options.retry_timeout
    }
}
