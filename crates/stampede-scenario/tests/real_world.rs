//! Shapes found in real scenarios (course teams load-testing Rails apps), read as Tsung reads
//! them.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use stampede_model::{Extractor, Method, Url};
use stampede_scenario::{LoadOptions, load_bytes, load_file, render};
use std::path::Path;

const SIGN_UP: &str = r#"
      <request>
        <dyn_variable name="authenticity_token"/>
        <http url="/users/sign_up"/>
      </request>
      <setdynvars sourcetype="random_number" start="1" end="100000"><var name="n"/></setdynvars>
      <request subst="true">
        <dyn_variable name="created_url" re="[Ll]ocation: (http://.*)\r"/>
        <http url="/users" method="POST"
          contents="utf8=%E2%9C%93&amp;authenticity_token=%%_authenticity_token%%&amp;user%5Bemail%5D=u_%%_n%%%40foo.com&amp;user%5Bpassword%5D=secret12&amp;commit=Sign+up"/>
      </request>
      <request subst="true"><http url="%%_created_url%%"/></request>
"#;

#[test]
fn urlencoded_body_with_amp_and_a_variable_next_to_a_percent_escape() {
    let l = xml_ok(&scenario("", SIGN_UP));
    let s = &l.scenario;
    let rs = requests(s);
    assert_eq!(
        template_text(rs[1].http.body.as_ref().unwrap(), s),
        "utf8=%E2%9C%93&authenticity_token={authenticity_token}&user%5Bemail%5D=u_{n}%40foo.com&user%5Bpassword%5D=secret12&commit=Sign+up"
    );
    assert!(
        l.warnings.is_empty(),
        "{}",
        render(&l.warnings, &l.sources, false)
    );
}

#[test]
fn url_taken_from_a_location_capture() {
    let l = xml_ok(&scenario("", SIGN_UP));
    let s = &l.scenario;
    let rs = requests(s);
    let Extractor::Regex(re) = &rs[1].dyn_variables[0].extractor else {
        panic!()
    };
    // The capture needs the CRLF of the raw response, headers included.
    let response = b"HTTP/1.1 302 Found\r\nLocation: http://localhost:3000/users/7\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(
        re.first_group(response),
        Some(&b"http://localhost:3000/users/7"[..])
    );
    let Url::Dynamic(url) = &rs[2].http.url else {
        panic!()
    };
    assert_eq!(template_text(url, s), "{created_url}");
}

#[test]
fn newlines_and_tabs_inside_contents_become_spaces() {
    let l = xml_ok(&scenario(
        "",
        "<request><http url=\"/c\" method=\"POST\" contents=\"a=1&amp;\n\t\tb=2\r\n  c=3&#10;d=4\"/></request>",
    ));
    let body = literal_body(requests(&l.scenario)[0]);
    // Each literal white-space character becomes one space (CR LF gives two); `&#10;` stays a
    // line feed.
    assert_eq!(body, b"a=1&   b=2    c=3\nd=4");
}

#[test]
fn char_ref_crlf_loses_its_lf_as_in_tsung() {
    let l = xml_ok(&scenario(
        "",
        r#"<request><http url="/m" method="POST" contents="--b&#13;&#10;x&#x22;y"/></request>"#,
    ));
    let body = literal_body(requests(&l.scenario)[0]);
    assert_eq!(body, b"--b\rx\"y");
}

#[test]
fn delete_with_contents_is_sent_with_its_body() {
    let l = xml_ok(&scenario(
        "",
        r#"<request><http url="/submissions/1" method="DELETE" contents="_method=delete&amp;authenticity_token=x"/></request>"#,
    ));
    let h = &requests(&l.scenario)[0].http;
    assert_eq!(h.method, Method::Delete);
    assert!(h.method.sends_body());
    assert_eq!(
        h.body.as_ref().unwrap().as_literal(),
        Some(&b"_method=delete&authenticity_token=x"[..])
    );
    assert!(l.warnings.is_empty());
}

#[test]
fn multipart_body_built_by_hand_with_a_crlf_variable() {
    let l = xml_ok(&scenario(
        "",
        r#"<setdynvars sourcetype="eval" code="fun({_Pid,_DynVars}) -> [[13,10]] end."><var name="crlf"/></setdynvars>
        <request subst="true">
          <http url="/uploads" method="POST" content_type="multipart/form-data; boundary=----x"
            contents="------x%%_crlf%%Content-Disposition: form-data; name=&quot;file&quot;; filename=&quot;a.txt&quot;%%_crlf%%Content-Type: text/plain%%_crlf%%%%_crlf%%hello%%_crlf%%------x--%%_crlf%%"/>
        </request>"#,
    ));
    let s = &l.scenario;
    let body = requests(s)[0].http.body.as_ref().unwrap();
    assert_eq!(
        template_text(body, s),
        "------x{crlf}Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"{crlf}Content-Type: text/plain{crlf}{crlf}hello{crlf}------x--{crlf}"
    );
    assert!(l.warnings.is_empty());
}

#[test]
fn iso_8859_1_file() {
    let mut bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n".to_vec();
    let rest = scenario(
        "",
        "<request><http url=\"/caf\u{e9}\" method=\"POST\" contents=\"nom=Ren\u{e9}e\"/></request>",
    );
    // scenario() gives UTF-8 text: turn it into Latin-1 bytes, dropping its own declaration.
    let rest = rest.split_once("?>").unwrap().1;
    bytes.extend(rest.chars().map(|c| c as u32 as u8));
    let l = load_bytes(
        Path::new("latin1.xml"),
        Path::new("."),
        &bytes,
        &LoadOptions::default(),
    )
    .unwrap();
    let h = &requests(&l.scenario)[0].http;
    // Characters are sent as the file's bytes, as Tsung does, with no warning for a Latin-1
    // file.
    assert_eq!(
        h.body.as_ref().unwrap().as_literal(),
        Some(&b"nom=Ren\xe9e"[..])
    );
    // A static URL holds text: the byte Tsung would send raw is percent-encoded.
    assert!(matches!(&h.url, Url::Static(u) if u.path.as_ref() == "/caf%E9"));
    assert!(
        l.warnings.is_empty(),
        "{}",
        render(&l.warnings, &l.sources, false)
    );
    // Diagnostics show the decoded text.
    assert!(l.sources.files()[0].text.contains("René"));
}

#[test]
fn utf8_characters_above_latin1_are_refused_with_a_pointer() {
    let f = xml_err(&scenario(
        "",
        r#"<request><http url="/" method="POST" contents="prix=5€"/></request>"#,
    ));
    assert_eq!(error_codes(&f), ["unsendable-char"]);
    assert_eq!(f.sources.slice(f.diagnostics[0].span.unwrap()), "€");
}

#[test]
fn external_entity_include_with_an_error_inside_it() {
    let f = load_err("broken/include_error.xml");
    let rendered = render(&f.diagnostics, &f.sources, false);
    assert!(
        rendered.contains("--> tests/fixtures/broken/data/recorded_broken.xml:4:34"),
        "{rendered}"
    );
    assert!(rendered.contains("did you mean `method`?"), "{rendered}");
}

#[test]
fn external_entity_include_that_works() {
    let l = load_ok("rails_full.xml");
    let admin = l.scenario.session_by_name("admin_cleanup").unwrap();
    let session = l.scenario.session(admin);
    assert_eq!(session.location.file, 1);
    assert_eq!(session.location.line, 3);
}

#[test]
fn tsung_log_copy_without_doctype() {
    // The copy Tsung writes into its log directory: no DOCTYPE, declaration glued to the
    // root, entities expanded. Tsung itself refuses to read it back; Stampede reads it.
    for name in ["tsung_log_copy.xml", "tsung_log_copy_one_line.xml"] {
        let l = load_ok(name);
        assert_eq!(l.scenario.sessions.len(), 2, "{name}");
        assert_eq!(l.scenario.requests.len(), 4, "{name}");
        // Its `dumptraffic="true"` is the only thing warned about.
        let codes: Vec<&str> = l.warnings.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            ["unsupported-dumptraffic"],
            "{name}: {}",
            render(&l.warnings, &l.sources, false)
        );
    }
    // Only the user agent's text spans lines; everything else shares them.
    let one = load_ok("tsung_log_copy_one_line.xml");
    assert_eq!(one.scenario.sessions[0].location.line, 3);
    assert_eq!(one.scenario.load.phases[0].number, 1);
}

#[test]
fn doctype_path_is_never_fetched() {
    for doctype in [
        r#"<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">"#,
        r#"<!DOCTYPE tsung SYSTEM "/opt/nowhere/tsung-1.0.dtd" []>"#,
        r#"<!DOCTYPE tsung PUBLIC "-//x//y" "http://example.invalid/tsung.dtd">"#,
        "",
    ] {
        let xml = scenario("", r#"<request><http url="/"/></request>"#).replace(
            r#"<!DOCTYPE tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd">"#,
            doctype,
        );
        let l = xml_ok(&xml);
        assert_eq!(l.scenario.requests.len(), 1);
    }
}

#[test]
fn glocal_ack_timeout_and_unknown_options_are_tolerated() {
    let l = xml_ok(&scenario(
        r#"<options><option name="glocal_ack_timeout" value="1234"/><option name="no_such_option" value="1"/></options>"#,
        r#"<request><http url="/"/></request>"#,
    ));
    assert_eq!(l.scenario.options.global_ack_timeout.as_millis(), 1234);
    assert_eq!(warning_codes(&l), ["misspelt-option", "unknown-option"]);
}

#[test]
fn probability_zero_session_run_by_a_static_user() {
    let xml = r#"<tsung><clients><client host="localhost" use_controller_vm="true"/></clients>
      <servers><server host="127.0.0.1" port="3000" type="tcp"/></servers>
      <load><user session="seed_data" start_time="0" unit="second"/>
        <arrivalphase phase="1" duration="1" unit="minute"><users arrivalrate="1" unit="second"/></arrivalphase></load>
      <sessions>
        <session name="seed_data" probability="0" type="ts_http"><request><http url="/seed" method="POST"/></request></session>
        <session name="visit" probability="100" type="ts_http"><request><http url="/"/></request></session>
      </sessions></tsung>"#;
    let l = xml_ok(xml);
    assert_eq!(l.scenario.load.static_users.len(), 1);
    assert!(!stampede_scenario::explain(&l).contains("never runs"));
}

#[test]
fn the_cli_file_reference_shapes_load() {
    // `-f` with a relative path: files are resolved against the scenario's directory.
    let l = load_file(&fixture("rails_full.xml"), &LoadOptions::default()).unwrap();
    assert!(
        l.scenario.options.file_servers[0]
            .path
            .starts_with("tests/fixtures")
    );
}
