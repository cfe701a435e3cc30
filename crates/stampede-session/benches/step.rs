//! One request–response step: `on_response` for the previous response (cookies scan, page
//! sample) through rendering the next request into the reused buffer. A static GET, the same in
//! a `for` loop, and a GET whose URL and one header are substituted from the loop variable.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use stampede_model::{
    Action, Counter, ErrorClass, FileId, ForBound, ForLoop, HttpHeader, HttpRequest, HttpVersion,
    Information, Load, Method, Options, Request, RequestId, RootOptions, Scenario, Segment, Server,
    ServerKind, Session, SessionId, SessionKind, Share, SourceFiles, SourceLocation, StaticUrl,
    Subst, Template, TransactionId, Url, VarId, VarTable,
};
use stampede_session::{
    HeaderSpan, Host, Nanos, Outcome, Program, RequestBuf, ResponseView, Step, User,
};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

/// A host that only counts, as a worker-local recorder would.
struct CountingHost {
    pages: u64,
    counters: [u64; Counter::COUNT],
    errors: [u64; ErrorClass::COUNT],
    sessions: u64,
}

impl Default for CountingHost {
    fn default() -> Self {
        CountingHost {
            pages: 0,
            counters: [0; Counter::COUNT],
            errors: [0; ErrorClass::COUNT],
            sessions: 0,
        }
    }
}

impl Host for CountingHost {
    fn transaction(&mut self, _: TransactionId, _: Duration) {}
    fn page(&mut self, _: Duration) {
        self.pages += 1;
    }
    fn session_end(&mut self, _: Duration, _: Outcome) {
        self.sessions += 1;
    }
    fn count(&mut self, c: Counter) {
        self.counters[c.index()] += 1;
    }
    fn error(&mut self, e: ErrorClass) {
        self.errors[e.index()] += 1;
    }
    fn next_line(&mut self, _: FileId) -> u64 {
        0
    }
    fn unix_time(&mut self) -> u64 {
        1_700_000_000
    }
}

fn get(id: u32, path: &str) -> Action {
    Action::Request(Box::new(Request {
        id: RequestId(id),
        tag: None,
        subst: Subst::False,
        matches: vec![],
        dyn_variables: vec![],
        http: HttpRequest {
            url: Url::Static(StaticUrl {
                authority: None,
                path: path.into(),
            }),
            method: Method::Get,
            version: HttpVersion::Http11,
            body: None,
            content_type: None,
            if_modified_since: None,
            headers: vec![],
            www_authenticate: None,
            oauth: None,
            soap_action: None,
            add_cookies: vec![],
        },
        location: SourceLocation::default(),
    }))
}

/// `GET /item/%%_i%%?page=1` with `X-Item: %%_i%%`, substituted at every request.
fn substituted_get(id: u32, var: VarId) -> Action {
    let Action::Request(mut req) = get(id, "/") else {
        unreachable!()
    };
    req.subst = Subst::True;
    req.http.url = Url::Dynamic(Template::from_segments([
        Segment::Literal(b"/item/".to_vec().into()),
        Segment::Var(var),
        Segment::Literal(b"?page=1".to_vec().into()),
    ]));
    req.http.headers = vec![HttpHeader {
        name: "X-Item".into(),
        value: Template::from_segments([Segment::Var(var)]),
        base64: false,
    }];
    Action::Request(req)
}

fn scenario(actions: Vec<Action>, variables: VarTable) -> Arc<Program> {
    Arc::new(Program::new(Arc::new(Scenario {
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
        sessions: vec![Session {
            id: SessionId(0),
            name: "bench".into(),
            share: Share::Probability(100.0),
            kind: SessionKind::Http,
            persistent: true,
            bidi: false,
            actions,
            location: SourceLocation::default(),
        }],
        variables,
        transactions: vec![],
        requests: vec![],
    })))
}

const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 13\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: testkit\r\n\r\n<html></html>";

/// Benches one step of `program`'s user; its first request must contain `expect`.
fn bench(c: &mut Criterion, name: &str, program: Arc<Program>, expect: &[u8]) {
    let mut spans: Vec<HeaderSpan> = Vec::new();
    let (status, head) = ResponseView::parse_head(RESPONSE, &mut spans).unwrap();
    let mut host = CountingHost::default();
    let mut buf = RequestBuf::new();
    let mut user = User::new(Arc::clone(&program), SessionId(0), 1, 1);
    let mut now = Nanos::ZERO;
    let _ = user.start(now);
    now = now.after_millis(1);
    match user.on_timer(now, &mut host, &mut buf) {
        Step::Send(s) => assert!(
            s.bytes.windows(expect.len()).any(|w| w == expect),
            "{}",
            String::from_utf8_lossy(s.bytes)
        ),
        other => panic!("{other:?}"),
    }
    c.bench_function(name, |b| {
        b.iter(|| {
            now = Nanos(now.0 + 1000);
            let view = ResponseView::new(status, RESPONSE, head, &spans);
            let step = user.on_response(now, black_box(&view), &mut host, &mut buf);
            match step {
                Step::Send(s) => {
                    black_box(s.bytes.len());
                }
                _ => {
                    // The session ended: start a new user (rare, amortised).
                    user = User::new(Arc::clone(&program), SessionId(0), 1, 1);
                    let _ = user.start(now);
                    let _ = user.on_timer(now, &mut host, &mut buf);
                }
            }
        })
    });
}

fn steps(c: &mut Criterion) {
    // A long run of static GETs (pages of 10 requests separated by nothing but requests).
    let straight: Vec<Action> = (0..10_000).map(|i| get(i, "/static/index.html")).collect();
    bench(
        c,
        "static_get_step",
        scenario(straight, VarTable::default()),
        b"GET /static/index.html HTTP/1.1\r\n",
    );
    // The usual fixed-population shape: a `for` loop around one GET (a page per request).
    let mut vars = VarTable::default();
    let i = vars.intern("i");
    let looped = vec![Action::For(ForLoop {
        var: i,
        from: ForBound::Const(1),
        to: ForBound::Const(1_000_000_000),
        incr: 1,
        body: vec![get(0, "/static/index.html")],
    })];
    bench(
        c,
        "static_get_step_in_for_loop",
        scenario(looped, vars),
        b"GET /static/index.html HTTP/1.1\r\n",
    );
    // Substitution: the URL and a header from the loop variable.
    let mut vars = VarTable::default();
    let i = vars.intern("i");
    let substituted = vec![Action::For(ForLoop {
        var: i,
        from: ForBound::Const(1),
        to: ForBound::Const(1_000_000_000),
        incr: 1,
        body: vec![substituted_get(0, i)],
    })];
    bench(
        c,
        "substituted_get_step_in_for_loop",
        scenario(substituted, vars),
        b"GET /item/1?page=1 HTTP/1.1\r\n",
    );
}

criterion_group!(benches, steps);
criterion_main!(benches);
