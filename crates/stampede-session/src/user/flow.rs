//! Control flow, thinktimes, `setdynvars`, `change_type` and `set_option`.

use super::respond::jsonpath_value;
use super::{State, Stored, lookup_var};
use crate::host::{EvalContext, Host};
use crate::program::{Instr, Program, Think};
use crate::step::{ClientCertificate, ConnectionOptions};
use crate::target::Target;
use crate::value::{Number, Value, parse_number};
use stampede_model::{
    ChangeType, CmpOp, Condition, Counter, DynVarSource, ErrorClass, ForBound, ForeachFilter,
    LoopKind, SetDynVars, SetOption, VarRef,
};
use std::sync::Arc;

/// Tsung's `urandom_string` pattern.
const URANDOM: &[u8; 20] = b"qxvmvtglimieyhemzlxc";

/// A comparison of an `<if>` or `<repeat>`: `value` (from the scenario) against the variable,
/// as Tsung's `rel/3`: `eq`/`neq` compare text (numbers in decimal, lists concatenated), the
/// others compare numbers with the variable on the left (`gt` means variable > value). `None`
/// when a number is needed and one side is not one (Tsung's user process crashes).
fn compare(op: CmpOp, value: &[u8], var: &Value) -> Option<bool> {
    let var_text = var.text();
    match op {
        CmpOp::Eq => Some(var_text.as_ref() == value),
        CmpOp::Neq => Some(var_text.as_ref() != value),
        _ => {
            let b = match var {
                Value::Int(i) => Number::Int(*i),
                Value::Float(f) => Number::Float(*f),
                _ => parse_number(&var_text)?,
            };
            let a = parse_number(value)?;
            let (a, b) = (a.as_f64(), b.as_f64());
            Some(match op {
                CmpOp::Gt => b > a,
                CmpOp::Gte => b >= a,
                CmpOp::Lt => b < a,
                CmpOp::Lte => b <= a,
                CmpOp::Eq | CmpOp::Neq => false,
            })
        }
    }
}

/// Erlang's `list_to_integer`: optional sign and digits.
fn parse_int(b: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(b).ok()?;
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `list_to_number`: an integer, else a float.
fn parse_int_or_float(b: &[u8]) -> Option<f64> {
    parse_int(b)
        .map(|i| i as f64)
        .or_else(|| parse_number(b).map(Number::as_f64))
}

impl State {
    fn var_value(&self, r: &VarRef) -> Option<Value> {
        let v = lookup_var(&self.vars, r.var.0, self.user_id)?;
        match r.index {
            None => Some(v),
            // `list[N]`, 1-based; an index past the end is undefined.
            Some(n) => v.as_list()?.get((n as usize).checked_sub(1)?).cloned(),
        }
    }

    fn bound<H: Host>(&mut self, prog: &Program, b: &ForBound, host: &mut H) -> Option<i64> {
        match b {
            ForBound::Const(n) => Some(*n),
            ForBound::Dynamic(t) => {
                let text = self.render_owned(prog, t, host);
                parse_int(&text)
            }
        }
    }

    fn test<H: Host>(
        &mut self,
        prog: &Program,
        c: &Condition,
        host: &mut H,
    ) -> Result<Option<bool>, ErrorClass> {
        let Some(var) = self.var_value(&c.var) else {
            return Ok(None);
        };
        let value = self.render_owned(prog, &c.value, host);
        compare(c.op, &value, &var)
            .map(Some)
            .ok_or(ErrorClass::Unknown)
    }

    /// The elements of a `foreach` list after `include`/`exclude`; `Err` with the value itself
    /// when it is not a list and there is no filter.
    fn foreach_items(
        &self,
        list: u32,
        filter: Option<&ForeachFilter>,
    ) -> Option<Result<Vec<Value>, Value>> {
        let v = lookup_var(&self.vars, list, self.user_id)?;
        let items = match (v, filter) {
            (Value::List(items), _) => items.into_vec(),
            (other, None) => return Some(Err(other)),
            (other, Some(_)) => vec![other],
        };
        Some(Ok(match filter {
            None => items,
            Some(f) => items
                .into_iter()
                .filter(|x| f.pattern.is_match(&x.text()) == f.include)
                .collect(),
        }))
    }

    /// Runs one control-flow marker and moves `pc`.
    pub(super) fn control<H: Host>(
        &mut self,
        prog: &Program,
        instr: &Instr,
        host: &mut H,
    ) -> Result<(), ErrorClass> {
        match instr {
            Instr::ForStart { var, from } => {
                let v = self.bound(prog, from, host).ok_or(ErrorClass::Unknown)?;
                self.vars.set(*var, Value::Int(v));
                self.pc += 1;
            }
            Instr::ForEnd {
                var,
                to,
                incr,
                body,
            } => {
                let end = self.bound(prog, to, host).ok_or(ErrorClass::Unknown)?;
                let current = lookup_var(&self.vars, *var, self.user_id).and_then(|v| v.number());
                match current {
                    Some(Number::Int(i)) if i < end => {
                        self.vars.set(*var, Value::Int(i.saturating_add(*incr)));
                        self.pc = *body;
                    }
                    Some(Number::Float(f)) if f < end as f64 => {
                        self.vars.set(*var, Value::Float(f + *incr as f64));
                        self.pc = *body;
                    }
                    _ => self.pc += 1,
                }
            }
            Instr::IfStart { test, after } => match self.test(prog, test, host)? {
                // Tsung counts the error and goes on into the body.
                None => {
                    host.error(ErrorClass::IfUndef);
                    self.pc += 1;
                }
                Some(true) => self.pc += 1,
                Some(false) => self.pc = *after,
            },
            Instr::RepeatEnd {
                counter,
                kind,
                test,
                body,
                max,
            } => {
                let iteration = match self.vars.get(*counter).and_then(Value::number) {
                    Some(Number::Int(i)) => i,
                    _ => 1,
                };
                if iteration > i64::from(*max) {
                    host.count(Counter::MaxRepeat);
                    self.pc += 1;
                    return Ok(());
                }
                match self.test(prog, test, host)? {
                    None => {
                        host.error(ErrorClass::RepeatUndef);
                        self.pc += 1;
                    }
                    Some(holds) => {
                        // The counter is a variable that outlives the loop, as in Tsung.
                        self.vars.set(*counter, Value::Int(iteration + 1));
                        let again = match kind {
                            LoopKind::While => holds,
                            LoopKind::Until => !holds,
                        };
                        if again {
                            self.pc = *body;
                        } else {
                            self.pc += 1;
                        }
                    }
                }
            }
            Instr::ForeachStart {
                var,
                list,
                iter,
                filter,
                end,
            } => match self.foreach_items(*list, filter.as_deref()) {
                None => {
                    host.error(ErrorClass::ForeachUndef);
                    self.pc = *end + 1;
                }
                Some(Ok(items)) => {
                    match items.into_iter().next() {
                        Some(first) => {
                            self.vars.set(*var, first);
                            self.vars.set(*iter, Value::Int(2));
                        }
                        // Tsung still runs the body once, the variable unchanged.
                        None => self.vars.set(*iter, Value::Int(1)),
                    }
                    self.pc += 1;
                }
                Some(Err(single)) => {
                    // Not a list: the body runs once with the value.
                    self.vars.set(*var, single);
                    self.vars.set(*iter, Value::Int(i64::MAX));
                    self.pc += 1;
                }
            },
            Instr::ForeachEnd {
                var,
                list,
                iter,
                filter,
                body,
            } => {
                let iteration = match self.vars.get(*iter).and_then(Value::number) {
                    Some(Number::Int(i)) => i,
                    _ => i64::MAX,
                };
                match self.foreach_items(*list, filter.as_deref()) {
                    None => {
                        host.error(ErrorClass::ForeachUndef);
                        self.pc += 1;
                    }
                    Some(Ok(items)) => {
                        let next = usize::try_from(iteration - 1)
                            .ok()
                            .and_then(|i| items.into_iter().nth(i));
                        match next {
                            Some(v) => {
                                self.vars.set(*var, v);
                                self.vars.set(*iter, Value::Int(iteration + 1));
                                self.pc = *body;
                            }
                            None => self.pc += 1,
                        }
                    }
                    Some(Err(_)) => self.pc += 1,
                }
            }
            _ => self.pc += 1,
        }
        Ok(())
    }

    /// The pause of a thinktime in milliseconds; `None` for `wait_global`.
    pub(super) fn think_millis<H: Host>(
        &mut self,
        prog: &Program,
        t: &Think,
        host: &mut H,
    ) -> Result<Option<u64>, ErrorClass> {
        Ok(Some(match t {
            Think::Fixed(ms) => *ms,
            Think::Exponential(mean) => {
                let ms = self.rng.exponential(*mean).round();
                if ms.is_finite() && ms > 0.0 {
                    ms as u64
                } else {
                    0
                }
            }
            Think::Uniform(lo, hi) => self.rng.inclusive(*lo as i64, (*hi).max(*lo) as i64) as u64,
            Think::Dynamic(tpl) => {
                let text = self.render_owned(prog, tpl, host);
                let secs = parse_int_or_float(&text).ok_or(ErrorClass::Unknown)?;
                let ms = (secs * 1000.0).round();
                if ms.is_finite() && ms > 0.0 {
                    ms as u64
                } else {
                    0
                }
            }
            Think::Global => return Ok(None),
        }))
    }

    /// Assigns values to `vars` the way `ts_dynvars:set/3` does.
    fn assign(&mut self, vars: &[stampede_model::VarId], value: Value) {
        match vars {
            [] => {}
            [one] => {
                let v = match value {
                    Value::List(items) if items.len() == 1 => items
                        .into_vec()
                        .into_iter()
                        .next()
                        .unwrap_or_else(Value::empty),
                    other => other,
                };
                self.vars.set(one.0, v);
            }
            many => {
                let items = match value {
                    Value::List(items) => items.into_vec(),
                    other => vec![other],
                };
                let mut items = items.into_iter();
                for v in many {
                    self.vars
                        .set(v.0, items.next().unwrap_or_else(Value::empty));
                }
            }
        }
    }

    pub(super) fn set_dynvars<H: Host>(&mut self, prog: &Program, s: &SetDynVars, host: &mut H) {
        match &s.source {
            DynVarSource::RandomNumber { start, end } => {
                for v in &s.vars {
                    let n = self.rng.inclusive(*start, *end);
                    self.vars.set(v.0, Value::Int(n));
                }
            }
            DynVarSource::RandomString { length } => {
                for v in &s.vars {
                    // Tsung draws `uniform(25) + $a`: letters `b` to `z`.
                    let text: Vec<u8> = (0..*length)
                        .map(|_| b'a' + 1 + self.rng.below(25) as u8)
                        .collect();
                    self.vars.set(v.0, Value::bytes(text));
                }
            }
            DynVarSource::UrandomString { length } => {
                let text: Vec<u8> = URANDOM.iter().copied().cycle().take(*length).collect();
                for v in &s.vars {
                    self.vars.set(v.0, Value::bytes(text.clone()));
                }
            }
            DynVarSource::File {
                file,
                delimiter,
                order,
            } => {
                let line = self
                    .file_line(prog, *file, *order, host)
                    .text()
                    .into_owned();
                let fields: Vec<Value> = if delimiter.is_empty() {
                    vec![Value::bytes(line)]
                } else {
                    split(&line, delimiter).map(Value::bytes).collect()
                };
                self.assign(&s.vars, Value::List(fields.into()));
            }
            DynVarSource::Erlang { callback } => {
                if let Some(v) = self.call_function(prog, callback, host) {
                    self.assign(&s.vars, v);
                }
            }
            DynVarSource::Eval { code } => {
                let seed = self.rng.next_u64();
                let ctx = EvalContext {
                    program: prog,
                    vars: &self.vars,
                    user_id: self.user_id,
                    session: self.session,
                    seed,
                };
                match host.eval(code, &ctx) {
                    Ok(v) => self.assign(&s.vars, v),
                    Err(_) => host.error(ErrorClass::Eval),
                }
            }
            DynVarSource::JsonPath { from, path } => {
                let text =
                    lookup_var(&self.vars, from.0, self.user_id).map(|v| v.text().into_owned());
                let path = match path {
                    stampede_model::JsonPathSource::Static(p) => Some(p.clone()),
                    stampede_model::JsonPathSource::Dynamic(t) => {
                        let src = self.render_owned(prog, t, host);
                        std::str::from_utf8(&src)
                            .ok()
                            .and_then(|s| stampede_model::JsonPath::parse(s).ok())
                    }
                };
                let value = match (text, path) {
                    (Some(text), Some(p)) => match jsonpath_value(&p, &text) {
                        Some(v) => v,
                        None => {
                            host.error(ErrorClass::JsonUnparsable);
                            return;
                        }
                    },
                    _ => Value::empty(),
                };
                self.assign(&s.vars, value);
            }
            DynVarSource::Server => {
                let value = Value::List(
                    vec![
                        Value::from(&*self.target.host),
                        Value::Int(i64::from(self.target.port)),
                    ]
                    .into(),
                );
                self.assign(&s.vars, value);
            }
            DynVarSource::Value { value } => {
                let text = self.render_owned(prog, value, host);
                self.assign(&s.vars, Value::List(vec![Value::bytes(text)].into()));
            }
        }
    }

    /// `<change_type>`: a new target; the current connection and cookies are put aside
    /// (`store`) or dropped, and the stored ones come back with `restore` — otherwise the user
    /// starts a fresh HTTP session (no cookies, a new user agent).
    pub(super) fn change_type(&mut self, prog: &Program, c: &ChangeType) {
        if c.store {
            let stored = Stored {
                conn: self.conn,
                cookies: std::mem::take(&mut self.cookies),
                user_agent: self.user_agent,
            };
            self.extra().stored = Some(stored);
        }
        let restored = if c.restore {
            self.extra.as_mut().and_then(|e| e.stored.take())
        } else {
            None
        };
        match restored {
            Some(s) => {
                self.conn = s.conn;
                self.cookies = s.cookies;
                self.user_agent = s.user_agent;
            }
            None => {
                self.new_connection();
                self.cookies.clear();
                self.user_agent = prog.user_agent_for(self.rng.unit());
            }
        }
        if !self.target.same_endpoint(
            Target::from_kind(c.server_kind, &c.host, c.port).scheme,
            &c.host,
            c.port,
        ) {
            self.target = Arc::new(Target::from_kind(c.server_kind, &c.host, c.port));
        }
    }

    pub(super) fn set_option<H: Host>(&mut self, prog: &Program, o: &SetOption, host: &mut H) {
        let mut options: ConnectionOptions = self
            .extra
            .as_ref()
            .and_then(|e| e.options.clone())
            .unwrap_or_else(|| prog.connection_options.clone());
        match o {
            SetOption::ConnectTimeout(t) => options.connect_timeout = *t,
            SetOption::RateLimit(r) => options.rate_limit = Some(*r),
            SetOption::Certificate {
                cacertfile,
                keyfile,
                keypass,
                certfile,
            } => {
                let mut render = |t: &Option<stampede_model::Template>, s: &mut State| {
                    t.as_ref().map(|t| {
                        String::from_utf8_lossy(&s.render_owned(prog, t, host)).into_owned()
                    })
                };
                options.certificate = Some(ClientCertificate {
                    cacertfile: render(cacertfile, self),
                    keyfile: render(keyfile, self),
                    keypass: render(keypass, self),
                    certfile: render(certfile, self),
                });
                // Tsung closes the connection so the next one uses the certificate.
                self.new_connection();
            }
        }
        self.extra().options = Some(options);
    }
}

/// `binary:split(Line, Delimiter, [global])`.
fn split<'a>(line: &'a [u8], delim: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = Some(line);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.windows(delim.len()).position(|w| w == delim) {
            Some(p) => {
                rest = Some(&r[p + delim.len()..]);
                Some(&r[..p])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rel_table() {
        let cases: &[(CmpOp, &str, Value, Option<bool>)] = &[
            (CmpOp::Eq, "abc", Value::from("abc"), Some(true)),
            (CmpOp::Eq, "42", Value::Int(42), Some(true)),
            (CmpOp::Neq, "", Value::from(""), Some(false)),
            (
                CmpOp::Eq,
                "ab",
                Value::List(vec![Value::from("a"), Value::from("b")].into()),
                Some(true),
            ),
            (CmpOp::Gt, "10", Value::from("11"), Some(true)),
            (CmpOp::Gt, "10", Value::Int(10), Some(false)),
            (CmpOp::Gte, "10", Value::Int(10), Some(true)),
            (CmpOp::Lt, "2.5", Value::from("2"), Some(true)),
            (CmpOp::Lte, "1.0", Value::Float(1.0), Some(true)),
            (CmpOp::Gt, "x", Value::Int(1), None),
            (CmpOp::Gt, "1", Value::from(""), None),
        ];
        for (op, value, var, want) in cases {
            assert_eq!(
                compare(*op, value.as_bytes(), var),
                *want,
                "{op:?} {value} {var:?}"
            );
        }
    }

    #[test]
    fn split_like_binary_split() {
        let parts: Vec<&[u8]> = split(b"a;b;;c", b";").collect();
        assert_eq!(parts, vec![&b"a"[..], b"b", b"", b"c"]);
        let parts: Vec<&[u8]> = split(b"", b";").collect();
        assert_eq!(parts, vec![&b""[..]]);
        let parts: Vec<&[u8]> = split(b"x::y", b"::").collect();
        assert_eq!(parts, vec![&b"x"[..], b"y"]);
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_int(b"-3"), Some(-3));
        assert_eq!(parse_int(b"3.0"), None);
        assert_eq!(parse_int_or_float(b"0.5"), Some(0.5));
        assert_eq!(parse_int_or_float(b"2"), Some(2.0));
        assert_eq!(parse_int_or_float(b"x"), None);
    }
}
