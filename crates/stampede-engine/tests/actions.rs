//! Each kind of action, end to end against the target app, with its effect asserted.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_engine::RunEnd;
use stampede_metrics::{AbortReason, SessionEnd};
use stampede_model::Counter;
use stampede_testkit::Outcome;

/// `users` users of one session, started quickly, a fixed amount of work.
fn one_session(users: u32, options: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<tsung loglevel="notice">
  <clients><client host="localhost" use_controller_vm="true"/></clients>
  <servers><server host="127.0.0.1" port="{{PORT}}" type="tcp"/></servers>
  <load>
    <arrivalphase phase="1" duration="100" unit="millisecond">
      <users arrivalrate="1000" unit="second" maxnumber="{users}"/>
    </arrivalphase>
  </load>
  <options>{options}</options>
  <sessions>
    <session name="s" probability="100" type="ts_http">
{body}
    </session>
  </sessions>
</tsung>"#
    )
}

#[test]
fn sign_up_cookie_location_and_delete() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
      <setdynvars sourcetype="random_string" length="12"><var name="username"/></setdynvars>
      <request><dyn_variable name="authenticity_token"/><http url="/users/new"/></request>
      <request subst="true">
        <dyn_variable name="user_url" re="[Ll]ocation: (http://[^\r]*)\r"/>
        <http url="/users" method="POST"
              contents="authenticity_token=%%_authenticity_token%%&amp;user%5Bname%5D=%%_username%%&amp;user%5Bpassword%5D=secret"/>
      </request>
      <request subst="true">
        <match do="abort" when="nomatch" subst="true">Welcome, %%_username%%!</match>
        <http url="%%_user_url%%"/>
      </request>
      <request><dyn_variable name="authenticity_token"/><http url="/communities/1/submissions/new"/></request>
      <request subst="true">
        <dyn_variable name="created_url" re="[Ll]ocation: (http://[^\r]*)\r"/>
        <http url="/communities/1/submissions" method="POST"
              contents="authenticity_token=%%_authenticity_token%%&amp;submission%5Btitle%5D=t%%_username%%&amp;submission%5Burl%5D=http%3A%2F%2Fexample.org%2F"/>
      </request>
      <request subst="true"><dyn_variable name="authenticity_token"/><http url="%%_created_url%%"/></request>
      <request subst="true">
        <http url="%%_created_url%%" method="DELETE" contents="authenticity_token=%%_authenticity_token%%"/>
      </request>
      <request subst="true"><http url="%%_created_url%%"/></request>"#;
    let sc = scenario(&one_session(3, "", body), app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    let c = app.counts();
    assert_eq!(c.get("/users", "POST", Outcome::Status(302)), 3);
    // The profile greeted its owner: the session cookie came back.
    assert_eq!(c.get("/users/{id}", "GET", Outcome::Status(200)), 3);
    assert_eq!(summary.totals.counter(Counter::MatchStop), 0);
    assert_eq!(summary.totals.counter(Counter::Match), 3);
    // The DELETE went to the submission the POST created (302 = deleted by its author)...
    assert_eq!(
        c.get(
            "/communities/{id}/submissions",
            "POST",
            Outcome::Status(302)
        ),
        3
    );
    assert_eq!(
        c.get("/submissions/{id}", "DELETE", Outcome::Status(302)),
        3
    );
    // ...which is gone afterwards.
    assert_eq!(c.get("/submissions/{id}", "GET", Outcome::Status(200)), 3);
    assert_eq!(c.get("/submissions/{id}", "GET", Outcome::Status(404)), 3);
    assert_eq!(summary.totals.request.count, c.total());
    assert_eq!(summary.totals.sessions_total().completed, 3);
    app.shutdown_blocking();
}

#[test]
fn match_abort_stops_the_user_and_logs() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
      <request>
        <match do="log" when="match" name="health_ok">ok</match>
        <http url="/health"/>
      </request>
      <request>
        <match do="abort" when="match" name="stop_here">ok</match>
        <http url="/health"/>
      </request>
      <request><http url="/static/100b.txt"/></request>"#;
    let sc = scenario(&one_session(4, "", body), app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed);
    let c = app.counts();
    assert_eq!(c.get("/health", "GET", Outcome::Status(200)), 8);
    assert_eq!(c.get("/static/100b.txt", "GET", Outcome::Status(200)), 0);
    let t = &summary.totals;
    assert_eq!(t.counter(Counter::MatchStop), 4);
    assert_eq!(t.counter(Counter::Match), 8);
    assert_eq!(t.sessions[0].aborted_by(AbortReason::MatchAbort), 4);
    assert_eq!(t.sessions[0].completed, 0);
    // match.log: the `log` and the `abort` events, with their names.
    let names = |n: &str| seen.matches.iter().filter(|m| m.name == n).count();
    assert_eq!(names("health_ok"), 4);
    assert_eq!(names("stop_here"), 4);
    assert!(seen.matches.iter().all(|m| m.dump.is_none()));
    app.shutdown_blocking();
}

#[test]
fn loops_conditions_and_eval_counters() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    // repeat … until n = 4, n incremented by an eval snippet: 4 rounds.
    let body = r#"
      <repeat name="r" max_repeat="10">
        <setdynvars sourcetype="eval"
          code="fun({_Pid, DynVars}) -> case ts_dynvars:lookup(n, DynVars) of {ok, V} -> V + 1; false -> 1 end end.">
          <var name="n"/>
        </setdynvars>
        <request><http url="/health"/></request>
        <until var="n" eq="4"/>
      </repeat>
      <for from="1" to="3" incr="1" var="i">
        <request><http url="/static/100b.txt"/></request>
      </for>
      <setdynvars sourcetype="value" value="yes"><var name="flag"/></setdynvars>
      <if var="flag" eq="yes"><request><http url="/"/></request></if>
      <if var="flag" eq="no"><request><http url="/communities"/></request></if>"#;
    let sc = scenario(&one_session(3, "", body), app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    let c = app.counts();
    assert_eq!(c.get("/health", "GET", Outcome::Status(200)), 3 * 4);
    assert_eq!(
        c.get("/static/100b.txt", "GET", Outcome::Status(200)),
        3 * 3
    );
    assert_eq!(c.get("/", "GET", Outcome::Status(200)), 3);
    assert_eq!(c.get("/communities", "GET", Outcome::Status(200)), 0);
    assert_eq!(summary.totals.counter(Counter::MaxRepeat), 0);
    assert_eq!(summary.totals.error(stampede_model::ErrorClass::Eval), 0);
    app.shutdown_blocking();
}

#[test]
fn setdynvars_from_file_and_random_json_api_and_bearer() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let csv: String = (1..=10).map(|i| format!("user{i};password\n")).collect();
    std::fs::write(dir.path().join("accounts.csv"), csv).unwrap();
    let options = r#"<option name="file_server" id="accounts" value="accounts.csv"/>"#;
    let body = r#"
      <setdynvars sourcetype="file" fileid="accounts" delimiter=";" order="iter">
        <var name="name"/><var name="pass"/>
      </setdynvars>
      <setdynvars sourcetype="random_number" start="1" end="5"><var name="community"/></setdynvars>
      <request subst="true">
        <dyn_variable name="token" jsonpath="token"/>
        <http url="/api/login" method="POST" content_type="application/json"
              contents="{&quot;name&quot;: &quot;%%_name%%&quot;, &quot;password&quot;: &quot;%%_pass%%&quot;}"/>
      </request>
      <request subst="true">
        <dyn_variable name="id" jsonpath="id"/>
        <http url="/api/submissions" method="POST" content_type="application/json"
              contents="{&quot;community_id&quot;: %%_community%%, &quot;title&quot;: &quot;x%%_name%%&quot;, &quot;url&quot;: &quot;http://example.org/&quot;}">
          <http_header name="Authorization" value="Bearer %%_token%%"/>
        </http>
      </request>
      <request subst="true"><http url="/api/submissions/%%_id%%"/></request>
      <request subst="true"><http url="/communities/%%_community%%"/></request>"#;
    let sc = scenario(
        &one_session(6, options, body),
        app.addr().port(),
        dir.path(),
    );
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    let c = app.counts();
    assert_eq!(c.get("/api/login", "POST", Outcome::Status(200)), 6);
    assert_eq!(c.get("/api/submissions", "POST", Outcome::Status(201)), 6);
    assert_eq!(
        c.get("/api/submissions/{id}", "GET", Outcome::Status(200)),
        6
    );
    assert_eq!(c.get("/communities/{id}", "GET", Outcome::Status(200)), 6);
    assert_eq!(summary.totals.request.count, c.total());
    assert_eq!(summary.totals.errors_total(), 0);
    app.shutdown_blocking();
}

#[test]
fn thinktimes_and_transactions() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
      <transaction name="browse">
        <request><http url="/health"/></request>
        <thinktime value="0.03"/>
        <request><http url="/health"/></request>
      </transaction>
      <thinktime value="0.01" random="true"/>
      <transaction name="fast"><request><http url="/"/></request></transaction>"#;
    let sc = scenario(&one_session(3, "", body), app.addr().port(), dir.path());
    let (summary, _) = run(sc, config(dir.path()));
    let t = &summary.totals;
    let layout = &summary.layout;
    let browse = layout
        .transactions
        .iter()
        .position(|n| n == "browse")
        .unwrap();
    let fast = layout
        .transactions
        .iter()
        .position(|n| n == "fast")
        .unwrap();
    assert_eq!(t.transactions[browse].count, 3);
    assert_eq!(t.transactions[fast].count, 3);
    // The transaction includes its thinktime; the session all of them.
    assert!(t.transactions[browse].min >= 30_000_000);
    assert!(t.session.min >= 30_000_000);
    // Pages: a thinktime ends a page: [health] [health] [/].
    assert_eq!(t.page.count, 9);
    app.shutdown_blocking();
}

#[test]
fn eval_escapes_a_tricky_token_end_to_end() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    // The token has `+`, `/` and `=`: sent raw in a form body, `+` would become a space.
    let body = r#"
      <request><dyn_variable name="token"  re="name=&quot;authenticity_token&quot; value=&quot;([^&quot;]*)&quot;"/><http url="/users/new?tricky=1"/></request>
      <setdynvars sourcetype="eval"
        code="fun({_Pid, DynVars}) -> {ok, T} = ts_dynvars:lookup(token, DynVars), http_uri:encode(binary_to_list(T)) end.">
        <var name="escaped"/>
      </setdynvars>
      <request subst="true">
        <http url="/echo/verify" method="POST" contents="token=%%_escaped%%"/>
      </request>
      <request subst="true">
        <http url="/echo/verify" method="POST" contents="token=%%_token%%"/>
      </request>"#;
    let sc = scenario(&one_session(3, "", body), app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.end, RunEnd::Completed, "{:?}", seen.logs);
    let c = app.counts();
    assert_eq!(
        c.get("/echo/verify", "POST", Outcome::Status(200)),
        3,
        "{c:?}"
    );
    // The same token unescaped does not arrive intact.
    assert_eq!(c.get("/echo/verify", "POST", Outcome::Status(422)), 3);
    assert_eq!(summary.totals.error(stampede_model::ErrorClass::Eval), 0);
    app.shutdown_blocking();
}

#[test]
fn eval_failure_counts_and_the_user_goes_on() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
      <setdynvars sourcetype="eval"
        code="fun({_Pid, DynVars}) -> {ok, T} = ts_dynvars:lookup(missing, DynVars), T end.">
        <var name="x"/>
      </setdynvars>
      <request subst="true"><http url="/health?x=%%_x%%"/></request>"#;
    let xml = one_session(2, "", body);
    let sc = scenario(&xml, app.addr().port(), dir.path());
    let (summary, seen) = run(sc, config(dir.path()));
    assert_eq!(summary.totals.error(stampede_model::ErrorClass::Eval), 2);
    assert_eq!(app.counts().get("/health", "GET", Outcome::Status(200)), 2);
    assert_eq!(summary.totals.sessions_total().completed, 2);
    assert!(
        seen.logs
            .iter()
            .any(|(_, t)| t.contains("eval snippet failed")),
        "{:?}",
        seen.logs
    );
    let _ = SessionEnd::Completed;
    app.shutdown_blocking();
}
