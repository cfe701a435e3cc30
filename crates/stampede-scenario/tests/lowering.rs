//! The lowered model: Tsung's code defaults and semantics, field by field.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{
    Action, DynVarSource, Extractor, FileOrder, ForBound, JsonPathSource, MatchPattern, Method,
    Scenario, Share, Subst, Template, Thinktime, Url, WwwAuthenticate,
};
use std::time::Duration;

fn first_request(s: &Scenario) -> &stampede_model::Request {
    let mut found = None;
    s.sessions[0].walk(|a| {
        if let (Action::Request(r), None) = (a, &found) {
            found = Some(&**r);
        }
    });
    found.unwrap()
}

fn thinktimes(s: &Scenario) -> Vec<Thinktime> {
    let mut out = Vec::new();
    s.sessions[0].walk(|a| {
        if let Action::Thinktime(t) = a {
            out.push(t.clone());
        }
    });
    out
}

#[test]
fn full_rails_scenario_model() {
    let loaded = load_ok("rails_full.xml");
    // `backend="json"`: tsung.log stays in the text format. Of its monitors only the munin
    // one is polled: the remote erlang one, its `<mysqladmin>`, snmp and the batch entry warn.
    assert_eq!(
        warning_codes(&loaded),
        [
            "unsupported-backend",
            "unsupported-monitor",
            "unsupported-monitor",
            "unsupported-monitor",
            "unsupported-monitor",
        ]
    );
    insta::assert_snapshot!("rails_full_model", debug_dump(&loaded.scenario));
}

#[test]
fn rails_scenario_tables() {
    let s = load_ok("rails_full.xml").scenario;
    // Sessions in document order, the included one last, in its own file.
    let names: Vec<&str> = s.sessions.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        names,
        ["signup_and_post", "browse", "api_webdav", "admin_cleanup"]
    );
    assert_eq!(s.files.paths.len(), 2);
    assert!(s.files.paths[1].ends_with("admin_session.xml"));
    assert_eq!(s.sessions[3].location.file, 1);
    // Request ids follow document order across sessions.
    for (i, r) in s.requests.iter().enumerate() {
        assert_eq!(r.id.index(), i);
    }
    assert_eq!(requests(&s).len(), s.requests.len());
    assert_eq!(s.requests[0].url, "/users/sign_up");
    assert_eq!(s.requests[0].method, Method::Get);
    // Transactions and interactions share one table.
    let tr: Vec<&str> = s.transactions.iter().map(|t| &**t).collect();
    assert_eq!(
        tr,
        [
            "signup",
            "create_community",
            "post_submission",
            "first_seen"
        ]
    );
    // Phases sorted by number; the loop is kept for the scheduler.
    assert_eq!(
        s.load.phases.iter().map(|p| p.number).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(s.load.loop_count, 1);
    assert_eq!(s.load.duration, Some(Duration::from_secs(7200)));
    // Static users: wildcard expanded, sorted by start time.
    let starts: Vec<u128> = s
        .load
        .static_users
        .iter()
        .map(|u| u.start.as_millis())
        .collect();
    assert_eq!(starts, [1500, 30_000]);
    // session_setup with a wildcard.
    let setup = &s.load.phases[1].session_setup;
    assert_eq!(setup.len(), 2);
    assert_eq!(s.session(setup[1].0).name, "browse");
    assert_eq!(setup[1].1, Share::Probability(20.0));
    // File servers: split on \n only, CR kept, trailing empty lines dropped.
    let users = &s.options.file_servers[0];
    assert_eq!(users.name, "users");
    assert_eq!(users.lines.len(), 3);
    assert_eq!(&*users.lines[1], b"bob@example.com;secret2\r");
    assert_eq!(s.options.file_servers[1].name, "default");
    assert!(s.options.file_servers[2].local);
    // Options with Tsung's meanings.
    assert_eq!(s.options.ssl.versions.as_deref(), Some("'tlsv1.2'"));
    assert_eq!(s.options.hibernate, Some(Duration::from_secs(30)));
    assert_eq!(s.options.connect_timeout, Some(Duration::from_millis(5000)));
    assert_eq!(
        s.options.user_agents[1].value,
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15"
    );
    // Sticky use_controller_vm applies from the client that sets it on.
    assert_eq!(
        s.clients
            .iter()
            .map(|c| c.use_controller_vm)
            .collect::<Vec<_>>(),
        [false, false, false, true]
    );
}

#[test]
fn thinktime_rules() {
    // No option: an empty thinktime waits 5 s (with a warning); value without random is fixed.
    let l = xml_ok(&scenario(
        "",
        r#"<thinktime/><thinktime value="2"/><thinktime value="2" random="true"/>
           <thinktime min="1" max="3"/><thinktime value="0.0004"/><thinktime value="wait_global"/>
           <thinktime value="%%_t%%" random="true"/><setdynvars sourcetype="value" value="1"><var name="t"/></setdynvars>
           <request><http url="/"/></request>"#,
    ));
    assert_eq!(
        thinktimes(&l.scenario)[..6],
        [
            Thinktime::Fixed(Duration::from_secs(5)),
            Thinktime::Fixed(Duration::from_secs(2)),
            Thinktime::Exponential {
                mean: Duration::from_secs(2)
            },
            Thinktime::Uniform {
                min: Duration::from_secs(1),
                max: Duration::from_secs(3)
            },
            Thinktime::Fixed(Duration::ZERO),
            Thinktime::WaitGlobal,
        ]
    );
    assert!(matches!(
        thinktimes(&l.scenario)[6],
        Thinktime::Dynamic { random: false, .. }
    ));
    assert!(warning_codes(&l).contains(&"default-thinktime"));
    assert!(warning_codes(&l).contains(&"ignored-attribute"));

    // thinks2.xml: a random global default; `value` without `random` inherits it.
    let l = xml_ok(&scenario(
        r#"<options><option name="thinktime" value="3" random="true" override="false"/></options>"#,
        r#"<thinktime value="1"/><thinktime/><thinktime value="1" random="false"/><request><http url="/"/></request>"#,
    ));
    assert_eq!(
        thinktimes(&l.scenario),
        [
            Thinktime::Exponential {
                mean: Duration::from_secs(1)
            },
            Thinktime::Exponential {
                mean: Duration::from_secs(3)
            },
            Thinktime::Fixed(Duration::from_secs(1)),
        ]
    );
    assert!(l.warnings.is_empty());

    // thinks.xml: override replaces every thinktime, ranges included.
    let l = xml_ok(&scenario(
        r#"<options><option name="thinktime" value="2" random="false" override="true"/></options>"#,
        r#"<thinktime value="200"/><thinktime min="2" max="7"/><thinktime value="%%_x%%"/>
           <setdynvars sourcetype="value" value="1"><var name="x"/></setdynvars><request><http url="/"/></request>"#,
    ));
    let t = thinktimes(&l.scenario);
    assert_eq!(
        t[..2],
        [
            Thinktime::Fixed(Duration::from_secs(2)),
            Thinktime::Fixed(Duration::from_secs(2))
        ]
    );
    // A dynamic thinktime is not overridden (Tsung checks for `%%` first).
    assert!(matches!(t[2], Thinktime::Dynamic { .. }));

    // A range option is inherited by a value without `random`.
    let l = xml_ok(&scenario(
        r#"<options><option name="thinktime" min="2" max="4"/></options>"#,
        r#"<thinktime/><thinktime value="9"/><thinktime value="9" random="true"/><request><http url="/"/></request>"#,
    ));
    let range = Thinktime::Uniform {
        min: Duration::from_secs(2),
        max: Duration::from_secs(4),
    };
    assert_eq!(
        thinktimes(&l.scenario),
        [
            range.clone(),
            range,
            Thinktime::Exponential {
                mean: Duration::from_secs(9)
            }
        ]
    );
}

#[test]
fn substitution_only_where_tsung_substitutes() {
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="random_string" length="4"><var name="v"/></setdynvars>
        <request subst="true">
          <http url="/a/%%_v%%" method="POST" contents="b=%%_v%%" content_type="text/%%_v%%"
                if_modified_since="%%_v%%">
            <oauth consumer_key="%%_v%%" consumer_secret="s" access_token="%%_v%%"/>
            <www_authenticate userid="%%_v%%" passwd="%%_v%%"/>
            <soap action="%%_v%%"/>
            <http_header name="X-%%_v%%" value="%%_v%%"/>
            <add_cookie key="k" value="%%_v%%" domain="%%_v%%"/>
          </http>
        </request>
        <request subst="all_except_body"><http url="/b/%%_v%%" method="PUT" contents="c=%%_v%%"/></request>
        <request><http url="/c/%%_v%%" method="POST" contents="d=%%_v%%"/></request>"#,
    ));
    let s = &l.scenario;
    let rs = requests(s);
    let h = &rs[0].http;
    let Url::Dynamic(url) = &h.url else {
        panic!("{:?}", h.url)
    };
    assert_eq!(template_text(url, s), "/a/{v}");
    assert_eq!(template_text(h.body.as_ref().unwrap(), s), "b={v}");
    assert_eq!(
        template_text(h.content_type.as_ref().unwrap(), s),
        "text/{v}"
    );
    // Never substituted by Tsung: if_modified_since, SOAP action, consumer key, cookie domain.
    assert_eq!(
        template_text(h.if_modified_since.as_ref().unwrap(), s),
        "%%_v%%"
    );
    assert_eq!(template_text(h.soap_action.as_ref().unwrap(), s), "%%_v%%");
    assert_eq!(
        template_text(&h.oauth.as_ref().unwrap().consumer_key, s),
        "%%_v%%"
    );
    assert_eq!(
        template_text(h.oauth.as_ref().unwrap().access_token.as_ref().unwrap(), s),
        "{v}"
    );
    assert_eq!(&*h.headers[0].name, "X-%%_v%%");
    assert_eq!(template_text(&h.headers[0].value, s), "{v}");
    assert_eq!(template_text(&h.add_cookies[0].value, s), "{v}");
    assert_eq!(h.add_cookies[0].domain.as_deref(), Some("%%_v%%"));
    let Some(WwwAuthenticate::Basic { userid, passwd }) = &h.www_authenticate else {
        panic!()
    };
    assert_eq!(
        (template_text(userid, s), template_text(passwd, s)),
        ("{v}".into(), "{v}".into())
    );
    // all_except_body: everything but the body.
    assert_eq!(rs[1].subst, Subst::AllExceptBody);
    assert!(matches!(rs[1].http.url, Url::Dynamic(_)));
    assert_eq!(
        template_text(rs[1].http.body.as_ref().unwrap(), s),
        "c=%%_v%%"
    );
    // No subst: literal everywhere.
    assert!(matches!(&rs[2].http.url, Url::Static(u) if &*u.path == "/c/%%_v%%"));
    assert_eq!(
        template_text(rs[2].http.body.as_ref().unwrap(), s),
        "d=%%_v%%"
    );
    // Markers Tsung leaves alone are reported once per request, the others in a note.
    let w: Vec<_> = l
        .warnings
        .iter()
        .filter(|d| d.code == "literal-marker")
        .collect();
    assert_eq!(w.len(), 3, "{w:?}");
    assert!(
        w[0].message.contains("if_modified_since"),
        "{}",
        w[0].message
    );
    let note = &w[0].notes[0];
    for field in ["SOAP action", "consumer_key", "name", "domain"] {
        assert!(note.contains(field), "{note}");
    }
}

#[test]
fn urls() {
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="value" value="http://h/x"><var name="u"/></setdynvars>
        <request><http url="http://Example.test:8080"/></request>
        <request><http url="https://secure.test/p?q=1"/></request>
        <request><http url="/relative?x=%%_u%%"/></request>
        <request subst="true"><http url="%%_u%%"/></request>
        <request subst="true"><http url="http://%%_u%%/p"/></request>
        <request subst="true"><http url="http://plain.test/p"/></request>"#,
    ));
    let rs = requests(&l.scenario);
    let Url::Static(u) = &rs[0].http.url else {
        panic!()
    };
    let a = u.authority.as_ref().unwrap();
    assert_eq!((&*a.host, a.port, &*u.path), ("Example.test", 8080, "/"));
    let Url::Static(u) = &rs[1].http.url else {
        panic!()
    };
    assert_eq!(
        (u.authority.as_ref().unwrap().port, &*u.path),
        (443, "/p?q=1")
    );
    assert!(matches!(&rs[2].http.url, Url::Static(u) if u.authority.is_none()));
    assert!(matches!(rs[3].http.url, Url::Dynamic(_)));
    assert!(matches!(rs[4].http.url, Url::Dynamic(_)));
    assert!(matches!(&rs[5].http.url, Url::Static(u) if u.authority.is_some()));
}

#[test]
fn extractions() {
    let l = xml_ok(&scenario(
        "",
        r#"<request subst="true">
          <dyn_variable name="authenticity_token"/>
          <dyn_variable name="loc" re="[Ll]ocation: (http://.*)\r" decode="html_entities"/>
          <dyn_variable name="links" xpath="//a/@href"/>
          <dyn_variable name="id" jsonpath="data[0].id"/>
          <dyn_variable name="other" jsonpath="data[?name=%%_loc%%].id"/>
          <dyn_variable name="nonce" header="WWW-Authenticate/nonce"/>
          <dyn_variable name="old" regexp="x(.*)"/>
          <http url="/"/>
        </request>"#,
    ));
    let r = first_request(&l.scenario);
    let e: Vec<&Extractor> = r.dyn_variables.iter().map(|d| &d.extractor).collect();
    match e[0] {
        Extractor::HiddenInput(p) => assert_eq!(
            p.source(),
            r#"name=["']authenticity_token["'] (?:[^>]* )?value=["']([^"']*)["']"#
        ),
        other => panic!("{other:?}"),
    }
    let page = br#"<input type="hidden" name="authenticity_token" value="abc+/=="/>"#;
    let Extractor::HiddenInput(p) = e[0] else {
        panic!()
    };
    assert_eq!(p.first_group(page), Some(&b"abc+/=="[..]));
    assert!(matches!(e[1], Extractor::Regex(p) if p.source() == r"[Ll]ocation: (http://.*)\r"));
    assert!(r.dyn_variables[1].decode_html_entities);
    assert!(matches!(e[2], Extractor::XPath(_)));
    assert!(matches!(
        e[3],
        Extractor::JsonPath(JsonPathSource::Static(_))
    ));
    assert!(matches!(
        e[4],
        Extractor::JsonPath(JsonPathSource::Dynamic(_))
    ));
    assert!(
        matches!(e[5], Extractor::Header { name, param: Some(p) } if &**name == "www-authenticate" && &**p == "nonce")
    );
    // `regexp` is ignored by Tsung: the hidden-input default applies.
    assert!(matches!(e[6], Extractor::HiddenInput(p) if p.source().contains("name=[\"']old")));
    assert_eq!(warning_codes(&l), ["ignored-attribute"]);
}

#[test]
fn digest_cnonce_defaults_follow_subst() {
    let xml = |subst: &str| {
        scenario(
            "",
            &format!(
                r#"<request subst="{subst}"><http url="/d"><www_authenticate userid="u" passwd="p" type="digest"/></http></request>"#
            ),
        )
    };
    let l = xml_ok(&xml("true"));
    let Some(WwwAuthenticate::Digest(d)) = &first_request(&l.scenario).http.www_authenticate else {
        panic!()
    };
    assert_eq!(d.cnonce, None);
    let l = xml_ok(&xml("false"));
    let Some(WwwAuthenticate::Digest(d)) = &first_request(&l.scenario).http.www_authenticate else {
        panic!()
    };
    assert_eq!(
        d.cnonce.as_ref().and_then(Template::as_literal),
        Some(&b"%%ts_user_server:get_really_unique_id%%"[..])
    );
}

#[test]
fn base64_headers_are_substituted_then_encoded() {
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="value" value="1"><var name="x"/></setdynvars>
           <request subst="true"><http url="/"><http_header name="Authorization" value="user:%%_x%%" encoding="base64"/></http></request>
           <request><http url="/"><http_header name="Authorization" value="dXNlcjpwYXNz" encoding="base64"/></http></request>"#,
    ));
    let rs = requests(&l.scenario);
    let h = &rs[0].http.headers[0];
    assert!(h.base64);
    assert_eq!(template_text(&h.value, &l.scenario), "user:{x}");
    assert_eq!(
        rs[1].http.headers[0].value.as_literal(),
        Some(&b"dXNlcjpwYXNz"[..])
    );
    assert_eq!(warning_codes(&l), ["base64-marker"]);
}

#[test]
fn setdynvars_sources() {
    let l = xml_ok(&scenario(
        r#"<options><option name="file_server" value="data/users.csv"/>
           <option name="local_file_server" id="l" value="data/local.csv"/></options>"#,
        r#"<setdynvars sourcetype="random_number"><var name="a"/></setdynvars>
        <setdynvars sourcetype="random_string"><var name="b"/></setdynvars>
        <setdynvars sourcetype="file" fileid="default"><var name="c"/></setdynvars>
        <setdynvars sourcetype="local_file" fileid="l" delimiter=","><var name="d"/></setdynvars>
        <setdynvars sourcetype="eval" code="fun({_,_}) -> 1 end."><var name="e"/></setdynvars>
        <setdynvars sourcetype="erlang" callback="ts_file_server:get_next_line"><var name="f"/></setdynvars>
        <request subst="true"><http url="/%%_a%%%%_b%%%%_c%%%%_d%%%%_e%%%%_f%%"/></request>"#,
    ));
    let mut sources = Vec::new();
    l.scenario.sessions[0].walk(|a| {
        if let Action::SetDynVars(d) = a {
            sources.push(d.source.clone());
        }
    });
    assert_eq!(sources[0], DynVarSource::RandomNumber { start: 1, end: 10 });
    assert_eq!(sources[1], DynVarSource::RandomString { length: 20 });
    assert!(
        matches!(&sources[2], DynVarSource::File { order: FileOrder::Iter, delimiter, .. } if &**delimiter == b";")
    );
    assert!(
        matches!(&sources[3], DynVarSource::File { order: FileOrder::Random, delimiter, .. } if &**delimiter == b",")
    );
    assert!(matches!(&sources[4], DynVarSource::Eval { code } if code.source.contains("-> 1")));
    assert!(
        matches!(&sources[5], DynVarSource::Erlang { callback } if &*callback.function == "get_next_line")
    );
}

#[test]
fn loops_and_conditions() {
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="random_number" start="2" end="5"><var name="n"/></setdynvars>
        <for var="i" from="1" to="%%_n%%" incr="2"><request subst="true"><http url="/%%_i%%"/></request></for>
        <repeat name="r" max_repeat="3"><request><dyn_variable name="s" re="s=(\w+)"/><http url="/s"/></request><until var="s" eq="ok"/></repeat>
        <if var="s[2]" gte="%%_n%%"><request><http url="/if"/></request></if>"#,
    ));
    let acts = &l.scenario.sessions[0].actions;
    let Action::For(f) = &acts[1] else { panic!() };
    assert_eq!((f.from.clone(), f.incr), (ForBound::Const(1), 2));
    assert!(matches!(f.to, ForBound::Dynamic(_)));
    let Action::Repeat(r) = &acts[2] else {
        panic!()
    };
    assert_eq!((&*r.name, r.max_repeat, r.body.len()), ("r", 3, 1));
    let Action::If(i) = &acts[3] else { panic!() };
    assert_eq!(i.test.var.index, Some(2));
    assert!(!i.test.value.is_literal());
    assert!(l.warnings.is_empty(), "{:?}", l.warnings);
}

#[test]
fn match_patterns() {
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="value" value="x"><var name="v"/></setdynvars>
        <request>
          <match do="abort" when="nomatch">
             Welcome back
          </match>
          <match subst="true">id=%%_v%%</match>
          <match subst="true">no markers</match>
          <http url="/"/>
        </request>"#,
    ));
    let m = &first_request(&l.scenario).matches;
    assert!(matches!(&m[0].pattern, MatchPattern::Static(p) if p.source() == "Welcome back"));
    assert!(matches!(&m[1].pattern, MatchPattern::Dynamic(_)));
    assert!(matches!(&m[2].pattern, MatchPattern::Static(_)));
    assert_eq!(
        (m[0].max_loop, m[0].max_restart, m[0].sleep_loop),
        (20, 3, Duration::from_secs(5))
    );
    assert_eq!(&*m[0].name, "-");
}

#[test]
fn weights_instead_of_probabilities() {
    let xml = r#"<tsung><clients><client host="localhost" use_controller_vm="true"/></clients>
      <servers><server host="127.0.0.1" port="3000" type="tcp"/></servers>
      <load><arrivalphase phase="1" duration="1" unit="minute"><users arrivalrate="1" unit="second"/></arrivalphase></load>
      <sessions>
        <session name="a" weight="3" type="ts_http"><request><http url="/a"/></request></session>
        <session name="b" weight="1" type="ts_http"><request><http url="/b"/></request></session>
      </sessions></tsung>"#;
    let l = xml_ok(xml);
    assert_eq!(l.scenario.sessions[0].share, Share::Weight(3.0));
    assert!(l.warnings.is_empty());
}

#[test]
fn webdav_sessions_allow_webdav_methods() {
    let l = load_ok("rails_full.xml");
    let dav = &l.scenario.sessions[2];
    assert_eq!(dav.kind, stampede_model::SessionKind::Webdav);
    let Action::Request(r) = &dav.actions[0] else {
        panic!()
    };
    assert_eq!(r.http.method, Method::Propfind);
}

#[test]
fn contents_from_file_is_read_raw_at_load_time() {
    let l = load_ok("rails_full.xml");
    let r = requests(&l.scenario)
        .into_iter()
        .find(|r| {
            r.http.content_type.as_ref().and_then(|c| c.as_literal()) == Some(b"application/json")
        })
        .unwrap();
    assert_eq!(
        literal_body(r),
        std::fs::read(fixture("data/submission.json")).unwrap()
    );
}

#[test]
fn exclusion_drops_tagged_requests_and_warns_about_unused_tags() {
    let opts = stampede_scenario::LoadOptions {
        exclude_tags: vec!["pages".into(), "nope".into()],
    };
    let l = stampede_scenario::load_file(&fixture("rails_full.xml"), &opts).unwrap();
    assert!(
        l.scenario
            .requests
            .iter()
            .all(|r| r.tag.as_deref() != Some("pages"))
    );
    let codes = warning_codes(&l);
    assert_eq!(codes.first(), Some(&"unsupported-backend"));
    assert_eq!(codes.last(), Some(&"unused-tag"));
    assert_eq!(
        codes
            .iter()
            .filter(|c| **c == "unsupported-monitor")
            .count(),
        4,
        "{codes:?}"
    );
    assert_eq!(codes.len(), 6, "{codes:?}");
}

#[test]
fn proxy_mode_with_an_absolute_first_url() {
    let l = xml_ok(&scenario(
        r#"<options><option type="ts_http" name="http_use_server_as_proxy" value="true"/></options>"#,
        r#"<request><http url="http://shop.example.test/"/></request><request><http url="/next"/></request>"#,
    ));
    assert!(l.scenario.options.http_use_server_as_proxy);
    assert!(l.warnings.is_empty());
}

#[test]
fn mkcol_carries_no_body_like_get() {
    // Tsung builds MKCOL requests without a body (ts_webdav), and sends If-Modified-Since
    // with them as with GET.
    let xml = scenario(
        "",
        r#"<request><http url="/dav/new/" method="MKCOL" contents="x" if_modified_since="Sat, 01 Jan 2000 00:00:00 GMT"/></request>
        <request><http url="/dav/new/" method="PROPFIND" contents="&lt;propfind/&gt;"/></request>"#,
    )
    .replace("ts_http", "ts_webdav");
    let l = xml_ok(&xml);
    assert_eq!(warning_codes(&l), ["body-not-sent"]);
    assert!(
        l.warnings[0]
            .message
            .starts_with("MKCOL requests carry no body")
    );
    let reqs = requests(&l.scenario);
    assert!(!reqs[0].http.method.sends_body());
    assert!(reqs[1].http.method.sends_body());
}

#[test]
fn client_certificates_are_refused() {
    let f = xml_err(&scenario(
        "",
        r#"<set_option name="certificate"><certificate certfile="/etc/ssl/client.pem" keyfile="/etc/ssl/client.key"/></set_option>"#,
    ));
    assert_eq!(error_codes(&f), ["unsupported"]);
    assert!(
        f.diagnostics[0]
            .message
            .starts_with("client certificates are not supported yet")
    );
    assert_eq!(
        f.sources.slice(f.diagnostics[0].span.unwrap()),
        "name=\"certificate\""
    );
}

#[test]
fn a_variable_nothing_sets_is_a_warning_naming_what_is_sent() {
    let l = xml_ok(&scenario(
        "",
        r#"<request><dyn_variable name="community_id" re="id=([0-9]+)"/><http url="/"/></request>
        <request subst="true"><http url="/communities/%%_comunity_id%%/edit"/></request>"#,
    ));
    assert_eq!(warning_codes(&l), ["undefined-variable"]);
    let w = &l.warnings[0];
    assert_eq!(
        w.message,
        "variable `comunity_id` is never set in session `s`: Tsung sends the text `undefined` in its place"
    );
    assert_eq!(w.help.as_deref(), Some("did you mean `community_id`?"));
    assert_eq!(l.sources.slice(w.span.unwrap()), "%%_comunity_id%%");
}
