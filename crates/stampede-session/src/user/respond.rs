//! What happens when a response arrives: cookies, page time, dynamic variables, matches.

use super::{NO_PAGE, Phase, RequestBuf, State, UNSET, Yield};
use crate::extract::{self, Parsed, capture, json, tsung_body, xpath};
use crate::host::{AbortReason, CallArgs, Host, MatchEvent, Outcome};
use crate::program::request::CompiledRequest;
use crate::program::{Instr, Program};
use crate::response::ResponseView;
use crate::text::{decode_entities, header_param, md5_hex, sha1_hex};
use crate::time::Nanos;
use crate::value::Value;
use stampede_model::{
    Counter, ErrorClass, Extractor, JsonPath, JsonPathSource, Match, MatchAction, MatchPattern,
    MatchWhen, ModFun, Pattern,
};
use std::borrow::Cow;
use std::time::Duration;

/// Where the session goes after a response's matches.
enum Next {
    Continue,
    /// `do="loop"`: sleep, then run the instruction at `to`.
    Jump {
        to: u32,
        sleep: Duration,
    },
    /// `do="restart"`: from the first action again (variables and cookies are kept).
    Restart,
    Abort(AbortReason),
}

impl State {
    pub(super) fn response<H: Host>(
        &mut self,
        prog: &Program,
        now: Nanos,
        r: &ResponseView<'_>,
        host: &mut H,
        buf: &mut RequestBuf,
    ) -> Yield {
        match self.phase {
            Phase::AwaitingResponse => {}
            Phase::Finished => return Yield::Finished(self.outcome),
            // Data while not waiting for any: Tsung ends the session.
            _ => return self.fail(now, ErrorClass::UnknownData, host),
        }
        let Some(Instr::Request(req)) = prog
            .session(self.session)
            .and_then(|s| s.code.get(self.pc as usize))
        else {
            return self.fail(now, ErrorClass::Unknown, host);
        };
        self.phase = Phase::Running;
        // Cookies.
        if r.header_values(b"set-cookie").next().is_some() {
            self.cookies
                .store_from(r, &self.target.host, now, &mut || host.unix_time());
        }
        // Page.
        if self.page_start == NO_PAGE {
            self.page_start = self.send_at.0;
        }
        if req.end_page {
            host.page(now.since(Nanos(self.page_start)));
            self.page_start = NO_PAGE;
        }
        // Dynamic variables, then matches (which may use them).
        if !req.dyn_variables.is_empty() {
            self.extract(prog, req, r, host);
        }
        let next = if req.matches.is_empty() {
            Next::Continue
        } else {
            self.run_matches(prog, req, r, host)
        };
        match next {
            Next::Continue => self.pc += 1,
            Next::Restart => self.pc = 0,
            Next::Jump { to, sleep } => {
                self.pc = to;
                return self.sleep(now.after(sleep));
            }
            Next::Abort(reason) => return self.finish(now, Outcome::Aborted(reason), host),
        }
        self.run(prog, now, host, buf)
    }

    fn extract<H: Host>(
        &mut self,
        prog: &Program,
        req: &CompiledRequest,
        r: &ResponseView<'_>,
        host: &mut H,
    ) {
        let mut parsed = Parsed::default();
        let mut errors = Vec::new();
        for dv in req.dyn_variables.iter() {
            let value = match &dv.extractor {
                Extractor::Regex(p) | Extractor::HiddenInput(p) => {
                    let v = capture(p, r.raw()).unwrap_or(&[]);
                    Some(if dv.decode_html_entities {
                        Value::bytes(decode_entities(v))
                    } else {
                        Value::bytes(v)
                    })
                }
                Extractor::Header { name, param } => {
                    let mut joined: Option<Vec<u8>> = None;
                    for v in r.header_values(name.as_bytes()) {
                        match &mut joined {
                            None => joined = Some(v.to_vec()),
                            Some(j) => {
                                j.extend_from_slice(b", ");
                                j.extend_from_slice(v);
                            }
                        }
                    }
                    match param {
                        None => Some(match joined {
                            Some(v) => Value::bytes(v),
                            None => Value::from("undefined"),
                        }),
                        Some(p) => match joined.and_then(|v| header_param(name, &v, p)) {
                            Some(v) => Some(Value::bytes(v)),
                            None => Some(
                                self.vars
                                    .get(dv.var.0)
                                    .cloned()
                                    .unwrap_or_else(Value::empty),
                            ),
                        },
                    }
                }
                Extractor::XPath(x) => parsed
                    .html(r, &mut errors)
                    .map(|doc| xpath::evaluate(x.expr(), doc)),
                Extractor::JsonPath(src) => {
                    let path: Option<Cow<'_, JsonPath>> = match src {
                        JsonPathSource::Static(p) => Some(Cow::Borrowed(p)),
                        JsonPathSource::Dynamic(t) => {
                            let text = self.render_owned(prog, t, host);
                            std::str::from_utf8(&text)
                                .ok()
                                .and_then(|s| JsonPath::parse(s).ok())
                                .map(Cow::Owned)
                        }
                    };
                    match (parsed.json(r, &mut errors), path) {
                        (Some(j), Some(p)) => Some(json::found_value(&json::select(p.steps(), j))),
                        (Some(_), None) => Some(Value::empty()),
                        (None, _) => None,
                    }
                }
                Extractor::PgsqlExpr(_) => None,
            };
            if let Some(v) = value {
                self.vars.set(dv.var.0, v);
            }
        }
        for e in errors {
            host.error(e);
        }
    }

    fn match_data<'r, H: Host>(
        &mut self,
        prog: &Program,
        m: &Match,
        r: &ResponseView<'r>,
        host: &mut H,
    ) -> Cow<'r, [u8]> {
        let data: &'r [u8] = if m.skip_headers {
            tsung_body(r)
        } else {
            r.raw()
        };
        match &m.apply_to_content {
            None => Cow::Borrowed(data),
            Some(f) => Cow::Owned(self.apply_to_content(prog, f, data, host)),
        }
    }

    fn apply_to_content<H: Host>(
        &mut self,
        _prog: &Program,
        f: &ModFun,
        data: &[u8],
        host: &mut H,
    ) -> Vec<u8> {
        match (&*f.module, &*f.function) {
            ("ts_digest", "md5hex") => md5_hex(data),
            ("ts_digest", "shahex") => sha1_hex(data),
            _ => match host.call(f, CallArgs::Content(data)) {
                Ok(v) => v.text().into_owned(),
                Err(_) => {
                    host.error(ErrorClass::Eval);
                    data.to_vec()
                }
            },
        }
    }

    fn log_match<H: Host>(
        &self,
        req: &CompiledRequest,
        m: &Match,
        event: Counter,
        dump: Option<&[u8]>,
        host: &mut H,
    ) {
        host.match_event(&MatchEvent {
            user_id: self.user_id,
            session: self.session,
            action: req.action,
            request: req.id,
            event,
            transaction: self.transaction_now(),
            name: &m.name,
            location: m.location,
            dump,
        });
    }

    /// Tsung's `<match>` evaluation: in order, each adds `match` or `nomatch`; when its
    /// condition holds its action runs, and any action other than `continue`, `log` and
    /// `dump` ends the evaluation.
    fn run_matches<H: Host>(
        &mut self,
        prog: &Program,
        req: &CompiledRequest,
        r: &ResponseView<'_>,
        host: &mut H,
    ) -> Next {
        for m in req.matches.iter() {
            let data = self.match_data(prog, m, r, host);
            let matched = match &m.pattern {
                MatchPattern::Static(p) => p.is_match(&data),
                MatchPattern::Dynamic(t) => {
                    let src = self.render_owned(prog, t, host);
                    std::str::from_utf8(&src)
                        .ok()
                        .and_then(|s| Pattern::new(s).ok())
                        .is_some_and(|p| p.is_match(&data))
                }
            };
            let counter = if matched {
                Counter::Match
            } else {
                Counter::NoMatch
            };
            host.count(counter);
            let holds = matched == (m.when == MatchWhen::Match);
            if !holds {
                match m.action {
                    MatchAction::Loop => self.loop_count = 0,
                    MatchAction::Restart => self.restart_count = 0,
                    _ => {}
                }
                continue;
            }
            match m.action {
                MatchAction::Continue => {}
                MatchAction::Log => self.log_match(req, m, counter, None, host),
                MatchAction::Dump => self.log_match(req, m, counter, Some(&data[..]), host),
                MatchAction::Abort => {
                    host.count(Counter::MatchStop);
                    self.log_match(req, m, Counter::MatchStop, None, host);
                    return Next::Abort(AbortReason::Match);
                }
                MatchAction::AbortTest => {
                    host.count(Counter::MatchStopTest);
                    self.log_match(req, m, Counter::MatchStopTest, None, host);
                    return Next::Abort(AbortReason::StopTest);
                }
                MatchAction::Restart => {
                    if self.restart_count != UNSET && self.restart_count as u32 >= m.max_restart {
                        host.count(Counter::MatchRestartAbort);
                        self.log_match(req, m, Counter::MatchRestartAbort, None, host);
                        return Next::Abort(AbortReason::MaxRestart);
                    }
                    self.restart_count = if self.restart_count == UNSET {
                        1
                    } else {
                        self.restart_count + 1
                    };
                    host.count(Counter::MatchRestart);
                    self.log_match(req, m, Counter::MatchRestart, None, host);
                    return Next::Restart;
                }
                MatchAction::Loop => {
                    host.count(Counter::MatchLoop);
                    if self.loop_count != UNSET && self.loop_count as u32 >= m.max_loop {
                        self.loop_count = 0;
                        return Next::Continue;
                    }
                    self.loop_count = if self.loop_count == UNSET {
                        1
                    } else {
                        self.loop_count + 1
                    };
                    return Next::Jump {
                        to: self.pc.saturating_sub(m.loop_back),
                        sleep: m.sleep_loop,
                    };
                }
            }
        }
        Next::Continue
    }
}

/// The JSONPath of `setdynvars sourcetype="jsonpath"` on a variable's text.
pub(super) fn jsonpath_value(path: &JsonPath, text: &[u8]) -> Option<Value> {
    extract::jsonpath_on_text(path, text)
}
