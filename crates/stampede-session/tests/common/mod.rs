//! Test support: a scenario builder, a recording fake host and a driver running a user in
//! virtual time against scripted responses.
#![allow(dead_code, clippy::unwrap_used)]

use stampede_model::template::{RawSegment, split_markers};
use stampede_model::{
    Action, Counter, ErlCode, ErrorClass, FileId, FileServer, HttpRequest, HttpVersion,
    Information, InteractionKind, Load, Method, ModFun, Options, Request, RequestId, RequestInfo,
    RootOptions, Scenario, Segment, Server, ServerKind, Session, SessionId, SessionKind, Share,
    SourceFiles, SourceLocation, StaticUrl, Subst, Template, TransactionId, Url, VarId, VarTable,
};
use stampede_session::{
    CallArgs, EvalContext, EvalError, HeaderSpan, Host, MatchEvent, Nanos, Outcome, Program,
    RequestBuf, ResponseView, Step, User, Value,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Builds scenarios in code.
pub struct Sb {
    pub sc: Scenario,
    next_request: u32,
}

impl Sb {
    pub fn new() -> Self {
        Sb {
            sc: Scenario {
                files: SourceFiles::default(),
                root: RootOptions::default(),
                information: Information::default(),
                clients: vec![],
                servers: vec![Server {
                    host: "127.0.0.1".into(),
                    port: 8080,
                    kind: ServerKind::Tcp,
                    weight: 1.0,
                }],
                monitoring: vec![],
                load: Load {
                    duration: None,
                    loop_count: 0,
                    phases: vec![],
                    static_users: vec![],
                },
                options: Options::default(),
                sessions: vec![],
                variables: VarTable::default(),
                transactions: vec![],
                requests: vec![],
            },
            next_request: 0,
        }
    }

    pub fn var(&mut self, name: &str) -> VarId {
        self.sc.variables.intern(name)
    }

    pub fn tr(&mut self, name: &str) -> TransactionId {
        if let Some(i) = self.sc.transactions.iter().position(|t| &**t == name) {
            return TransactionId(i as u32);
        }
        self.sc.transactions.push(name.into());
        TransactionId(self.sc.transactions.len() as u32 - 1)
    }

    /// A template with `%%_var%%` and `%%mod:fun%%` markers resolved.
    pub fn tpl(&mut self, s: &str) -> Template {
        let segs: Vec<Segment> = split_markers(s.as_bytes())
            .into_iter()
            .filter_map(|r| match r {
                RawSegment::Literal(b) => Some(Segment::Literal(b.to_vec().into())),
                RawSegment::Var { name, .. } => {
                    Some(Segment::Var(self.var(std::str::from_utf8(name).unwrap())))
                }
                RawSegment::Call {
                    module, function, ..
                } => Some(Segment::Call(ModFun {
                    module: std::str::from_utf8(module).unwrap().into(),
                    function: std::str::from_utf8(function).unwrap().into(),
                })),
                RawSegment::Unterminated { .. } => None,
            })
            .collect();
        Template::from_segments(segs)
    }

    /// An `<http>` with a static URL (absolute or relative).
    pub fn http(&mut self, method: Method, url: &str) -> HttpRequest {
        let url = match stampede_model::Authority::split_absolute(url) {
            Some((a, path)) => Url::Static(StaticUrl {
                authority: Some(a),
                path: path.into(),
            }),
            None => Url::Static(StaticUrl {
                authority: None,
                path: url.into(),
            }),
        };
        HttpRequest {
            url,
            method,
            version: HttpVersion::Http11,
            body: None,
            content_type: None,
            if_modified_since: None,
            headers: vec![],
            www_authenticate: None,
            oauth: None,
            soap_action: None,
            add_cookies: vec![],
        }
    }

    /// A `<request>` around an `<http>`.
    pub fn request(&mut self, http: HttpRequest, subst: Subst) -> Request {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.sc.requests.push(RequestInfo {
            id,
            session: SessionId(self.sc.sessions.len() as u32),
            method: http.method,
            url: String::new(),
            tag: None,
            location: SourceLocation::default(),
        });
        Request {
            id,
            tag: None,
            subst,
            matches: vec![],
            dyn_variables: vec![],
            http,
            location: SourceLocation::default(),
        }
    }

    pub fn get(&mut self, url: &str) -> Action {
        let h = self.http(Method::Get, url);
        Action::Request(Box::new(self.request(h, Subst::False)))
    }

    pub fn session(&mut self, actions: Vec<Action>) -> SessionId {
        let id = SessionId(self.sc.sessions.len() as u32);
        self.sc.sessions.push(Session {
            id,
            name: format!("s{}", id.0),
            share: Share::Probability(100.0),
            kind: SessionKind::Http,
            persistent: true,
            bidi: false,
            actions,
            location: SourceLocation::default(),
        });
        id
    }

    pub fn file(&mut self, name: &str, lines: &[&str]) -> FileId {
        let id = FileId(self.sc.options.file_servers.len() as u32);
        self.sc.options.file_servers.push(FileServer {
            id,
            name: name.into(),
            path: "data.csv".into(),
            local: false,
            lines: lines
                .iter()
                .map(|l| l.as_bytes().to_vec().into_boxed_slice())
                .collect(),
        });
        id
    }

    pub fn program(self) -> Arc<Program> {
        Arc::new(Program::new(Arc::new(self.sc)))
    }
}

/// What the fake host saw.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    Tr(TransactionId, Duration),
    Page(Duration),
    End(Duration, Outcome),
    Count(Counter),
    Error(ErrorClass),
    Match {
        event: Counter,
        name: String,
        action: u32,
        transaction: Option<TransactionId>,
        dump: Option<Vec<u8>>,
    },
    Interaction(InteractionKind, TransactionId, Nanos),
}

/// A host that records everything.
#[derive(Default)]
pub struct FakeHost {
    pub events: Vec<Event>,
    pub cursors: HashMap<FileId, u64>,
    pub unix: u64,
    /// What `eval` returns (by code source).
    pub eval: HashMap<String, Value>,
    /// What `call` returns (by `mod:fun`).
    pub calls: HashMap<String, Value>,
    /// Variables seen by the last `eval` (name, value).
    pub seen: Vec<(String, Value)>,
}

impl FakeHost {
    pub fn new() -> Self {
        FakeHost {
            unix: 1_700_000_000,
            ..Default::default()
        }
    }

    pub fn counts(&self, c: Counter) -> usize {
        self.events
            .iter()
            .filter(|e| **e == Event::Count(c))
            .count()
    }

    pub fn errors(&self, c: ErrorClass) -> usize {
        self.events
            .iter()
            .filter(|e| **e == Event::Error(c))
            .count()
    }

    pub fn pages(&self) -> Vec<Duration> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Page(d) => Some(*d),
                _ => None,
            })
            .collect()
    }

    pub fn transactions(&self) -> Vec<(TransactionId, Duration)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::Tr(t, d) => Some((*t, *d)),
                _ => None,
            })
            .collect()
    }

    pub fn end(&self) -> Option<(Duration, Outcome)> {
        self.events.iter().find_map(|e| match e {
            Event::End(d, o) => Some((*d, *o)),
            _ => None,
        })
    }
}

impl Host for FakeHost {
    fn transaction(&mut self, id: TransactionId, elapsed: Duration) {
        self.events.push(Event::Tr(id, elapsed));
    }
    fn page(&mut self, elapsed: Duration) {
        self.events.push(Event::Page(elapsed));
    }
    fn session_end(&mut self, elapsed: Duration, outcome: Outcome) {
        self.events.push(Event::End(elapsed, outcome));
    }
    fn count(&mut self, counter: Counter) {
        self.events.push(Event::Count(counter));
    }
    fn error(&mut self, error: ErrorClass) {
        self.events.push(Event::Error(error));
    }
    fn next_line(&mut self, file: FileId) -> u64 {
        let c = self.cursors.entry(file).or_insert(0);
        let v = *c;
        *c += 1;
        v
    }
    fn unix_time(&mut self) -> u64 {
        self.unix
    }
    fn match_event(&mut self, e: &MatchEvent<'_>) {
        self.events.push(Event::Match {
            event: e.event,
            name: e.name.to_owned(),
            action: e.action,
            transaction: e.transaction,
            dump: e.dump.map(<[u8]>::to_vec),
        });
    }
    fn interaction(&mut self, kind: InteractionKind, id: TransactionId, now: Nanos) {
        self.events.push(Event::Interaction(kind, id, now));
    }
    fn eval(&mut self, code: &ErlCode, ctx: &EvalContext<'_>) -> Result<Value, EvalError> {
        self.seen = ctx.iter().map(|(k, v)| (k.to_owned(), v)).collect();
        self.eval
            .get(&*code.source)
            .cloned()
            .ok_or_else(|| EvalError::Failed("no such code".into()))
    }
    fn call(&mut self, f: &ModFun, _args: CallArgs<'_>) -> Result<Value, EvalError> {
        self.calls
            .get(&f.to_string())
            .cloned()
            .ok_or_else(|| EvalError::Unsupported(f.to_string()))
    }
}

/// What the scripted server does with a request.
pub enum Reply {
    /// A complete raw response (head + body), after `latency`.
    Ok(String),
    Err(ErrorClass),
}

/// `HTTP/1.1 200 OK` with these extra header lines and body.
pub fn ok(headers: &str, body: &str) -> Reply {
    Reply::Ok(format!(
        "HTTP/1.1 200 OK\r\n{headers}Content-Length: {}\r\n\r\n{body}",
        body.len()
    ))
}

/// One request the user sent.
#[derive(Clone, Debug)]
pub struct Sent {
    pub at: Nanos,
    pub text: String,
    pub target: String,
    pub connection: u32,
    pub keep_body: bool,
    pub connect_timeout: Option<Duration>,
}

/// What happened to a user.
#[derive(Debug)]
pub struct Transcript {
    pub sent: Vec<Sent>,
    pub waits: Vec<Nanos>,
    pub globals: usize,
    pub finished_at: Nanos,
    pub outcome: Option<Outcome>,
    pub stop_test: bool,
}

impl Transcript {
    pub fn requests(&self) -> Vec<&str> {
        self.sent.iter().map(|s| s.text.as_str()).collect()
    }

    /// The request lines only.
    pub fn lines(&self) -> Vec<String> {
        self.sent
            .iter()
            .map(|s| s.text.lines().next().unwrap_or("").to_owned())
            .collect()
    }
}

/// Runs `user` to its end in virtual time: responses arrive `latency` after each send.
pub fn drive(
    user: &mut User,
    host: &mut FakeHost,
    latency: Duration,
    mut server: impl FnMut(&str) -> Reply,
) -> Transcript {
    let mut buf = RequestBuf::new();
    let mut t = Transcript {
        sent: vec![],
        waits: vec![],
        globals: 0,
        finished_at: Nanos::ZERO,
        outcome: None,
        stop_test: false,
    };
    let mut now = Nanos::ZERO;
    let first = user.start(now);
    let Step::Wait(mut wake) = first else {
        panic!("start must wait")
    };
    t.waits.push(wake);
    enum Pending {
        Timer,
        Reply(Reply),
    }
    let mut pending = Pending::Timer;
    for _ in 0..100_000 {
        let step = match std::mem::replace(&mut pending, Pending::Timer) {
            Pending::Timer => {
                now = now.max(wake);
                user.on_timer(now, host, &mut buf)
            }
            Pending::Reply(Reply::Ok(raw)) => {
                now = now.after(latency);
                let mut spans: Vec<HeaderSpan> = Vec::new();
                let (status, head) =
                    ResponseView::parse_head(raw.as_bytes(), &mut spans).unwrap_or((0, raw.len()));
                let view = ResponseView::new(status, raw.as_bytes(), head, &spans);
                user.on_response(now, &view, host, &mut buf)
            }
            Pending::Reply(Reply::Err(e)) => {
                now = now.after(latency);
                user.on_error(now, e, host, &mut buf)
            }
        };
        match step {
            Step::Send(req) => {
                let text = String::from_utf8_lossy(req.bytes).into_owned();
                t.sent.push(Sent {
                    at: now,
                    text: text.clone(),
                    target: format!(
                        "{}://{}:{}",
                        req.target.scheme.as_str(),
                        req.target.host,
                        req.target.port
                    ),
                    connection: req.connection.0,
                    keep_body: req.keep_body,
                    connect_timeout: req.options.connect_timeout,
                });
                pending = Pending::Reply(server(&text));
            }
            Step::Wait(w) => {
                t.waits.push(w);
                wake = w;
            }
            Step::WaitGlobal => {
                t.globals += 1;
                wake = now;
            }
            Step::Finished(o) => {
                t.finished_at = now;
                t.outcome = Some(o);
                return t;
            }
            Step::StopTest => {
                t.finished_at = now;
                t.stop_test = true;
                return t;
            }
        }
    }
    panic!("user never finished");
}

/// Runs session 0 of `program` for user 1 with seed 7, every response `200 OK` empty.
pub fn run_simple(program: Arc<Program>) -> (Transcript, FakeHost) {
    let mut host = FakeHost::new();
    let mut user = User::new(program, SessionId(0), 1, 7);
    let t = drive(&mut user, &mut host, Duration::from_millis(10), |_| {
        ok("", "")
    });
    (t, host)
}
