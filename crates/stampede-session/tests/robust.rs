//! Whatever a server answers, rendering and extraction never panic.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use proptest::prelude::*;
use stampede_model::{
    Action, DynVariable, Extractor, ForBound, ForLoop, Foreach, JsonPath, JsonPathSource, Match,
    MatchAction, MatchPattern, MatchWhen, Pattern, SessionId, Subst, Url, XPath,
};
use stampede_session::{HeaderSpan, Nanos, Program, RequestBuf, ResponseView, Step, User};
use std::sync::Arc;
use std::time::Duration;

fn program() -> Arc<Program> {
    let mut sb = Sb::new();
    let h = sb.http(stampede_model::Method::Post, "/");
    let mut r = sb.request(h, Subst::True);
    let vars = ["re", "hidden", "hdr", "param", "xp", "jp", "loc"];
    let ids: Vec<_> = vars.iter().map(|v| sb.var(v)).collect();
    let extractors = vec![
        Extractor::Regex(Pattern::new("id=(\\d*)").unwrap()),
        Extractor::HiddenInput(Pattern::new("value=\"([^\"]*)\"").unwrap()),
        Extractor::Header {
            name: "set-cookie".into(),
            param: None,
        },
        Extractor::Header {
            name: "www-authenticate".into(),
            param: Some("nonce".into()),
        },
        Extractor::XPath(XPath::parse("//a/@href | //*[contains(text(),'x')]").unwrap()),
        Extractor::JsonPath(JsonPathSource::Static(
            JsonPath::parse("a[?k=v].b[*]").unwrap(),
        )),
        Extractor::Regex(Pattern::new("[Ll]ocation: (.*)\\r").unwrap()),
    ];
    for (var, ex) in ids.iter().zip(extractors) {
        r.dyn_variables.push(DynVariable {
            var: *var,
            extractor: ex,
            decode_html_entities: true,
        });
    }
    r.matches.push(Match {
        pattern: MatchPattern::Static(Pattern::new("x").unwrap()),
        when: MatchWhen::Match,
        action: MatchAction::Log,
        name: "m".into(),
        max_loop: 2,
        loop_back: 5,
        sleep_loop: Duration::from_millis(1),
        max_restart: 1,
        skip_headers: true,
        apply_to_content: None,
        location: Default::default(),
    });
    r.http.url = Url::Dynamic(sb.tpl("%%_loc%%"));
    r.http.body =
        Some(sb.tpl("a=%%_re%%&b=%%_xp%%&c=%%_jp%%&d=%%_hdr%%&e=%%_param%%&f=%%_hidden%%"));
    let item = sb.var("item");
    let i = sb.var("i");
    let mut h2 = sb.http(stampede_model::Method::Get, "/");
    h2.url = Url::Dynamic(sb.tpl("%%_item%%"));
    let visit = Action::Request(Box::new(sb.request(h2, Subst::True)));
    sb.session(vec![Action::For(ForLoop {
        var: i,
        from: ForBound::Const(1),
        to: ForBound::Const(3),
        incr: 1,
        body: vec![
            Action::Request(Box::new(r)),
            Action::Foreach(Foreach {
                var: item,
                list: ids[4],
                filter: None,
                body: vec![visit],
            }),
        ],
    })]);
    sb.program()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn any_response_is_survivable(
        head in "(HTTP/1\\.1 [0-9]{3} OK\r\n)?([A-Za-z-]{1,12}: [ -~]{0,40}\r\n){0,6}(\r\n)?",
        body in proptest::collection::vec(any::<u8>(), 0..400),
        html in "(<[a-z]{1,3}( [a-z]=\"[^\"]{0,8}\")?>|</[a-z]{1,3}>|[a-z&;#<> ]{0,6}){0,30}",
    ) {
        let program = program();
        let mut raw = head.into_bytes();
        raw.extend_from_slice(&body);
        raw.extend_from_slice(html.as_bytes());
        let mut host = FakeHost::new();
        let mut user = User::new(program, SessionId(0), 1, 1);
        let mut buf = RequestBuf::new();
        let mut spans: Vec<HeaderSpan> = Vec::new();
        let (status, head_len) = ResponseView::parse_head(&raw, &mut spans).unwrap_or((0, raw.len() / 2));
        let view = ResponseView::new(status, &raw, head_len, &spans);
        let _ = user.start(Nanos::ZERO);
        let mut now = Nanos::from_millis(1);
        let mut step_is_send = matches!(user.on_timer(now, &mut host, &mut buf), Step::Send(_));
        for _ in 0..50 {
            now = now.after_millis(1);
            let step = if step_is_send {
                user.on_response(now, &view, &mut host, &mut buf)
            } else {
                user.on_timer(now, &mut host, &mut buf)
            };
            match step {
                Step::Finished(_) | Step::StopTest => break,
                Step::Send(_) => step_is_send = true,
                _ => step_is_send = false,
            }
        }
    }
}
