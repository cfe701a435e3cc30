//! `<setdynvars>`: variables set from random values, files, built-in functions, Erlang
//! snippets, JSON held in other variables, or constants.

use super::text::{Place, has_markers};
use super::{Lower, UseKind, VarEvent};
use crate::diagnostic::did_you_mean;
use crate::erlang;
use crate::xml::Element;
use stampede_model::{DynVarSource, FileOrder, JsonPath, JsonPathSource, SetDynVars};

impl Lower<'_> {
    pub(crate) fn setdynvars(&mut self, el: &Element) -> Option<SetDynVars> {
        let mut vars = Vec::new();
        let mut var_spans = Vec::new();
        let mut bad_var = false;
        for v in el.children_named("var") {
            let Some(a) = v.attr("name") else { continue };
            match erlang::atom(&a.value) {
                Some(name) => {
                    vars.push(self.var(&name, a.value_span));
                    var_spans.push(a.value_span);
                }
                None => {
                    let value = a.value.clone();
                    self.bad_atom(&value, a.value_span, "a variable name in `<setdynvars>`");
                    bad_var = true;
                }
            }
        }
        if vars.is_empty() && !bad_var {
            self.diags
                .warning(
                    "no-variable",
                    el.name_span,
                    "this `<setdynvars>` sets no variable",
                )
                .help("add `<var name=\"…\"/>` children");
        }
        let kind = el.value("sourcetype").unwrap_or("erlang");
        let source = self.dynvar_source(el, kind, vars.len());
        for (v, span) in vars.iter().zip(&var_spans) {
            self.events.push(VarEvent::Def(*v, *span));
        }
        if bad_var {
            return None;
        }
        Some(SetDynVars {
            vars,
            source: source?,
            location: self.loc(el.name_span),
        })
    }

    fn dynvar_source(&mut self, el: &Element, kind: &str, nvars: usize) -> Option<DynVarSource> {
        match kind {
            "erlang" => {
                let Some(a) = el.attr("callback") else {
                    self.diags
                        .error(
                            "missing-attribute",
                            el.name_span,
                            "`sourcetype=\"erlang\"` needs `callback=\"module:function\"`",
                        )
                        .help("e.g. `callback=\"ts_user_server:get_unique_id\"`");
                    return None;
                };
                let parts: Vec<&str> = a.value.split(':').filter(|p| !p.is_empty()).collect();
                let [m, f] = parts[..] else {
                    self.diags.error(
                        "bad-value",
                        a.value_span,
                        format!("`callback=\"{}\"` must be `module:function`", a.value),
                    );
                    return None;
                };
                let (m, f, span) = (m.to_owned(), f.to_owned(), a.value_span);
                self.callback(&m, &f, span)
                    .map(|callback| DynVarSource::Erlang { callback })
            }
            "eval" => {
                let Some(a) = el.attr("code").filter(|a| !a.value.trim().is_empty()) else {
                    self.diags
                        .error(
                            "missing-attribute",
                            el.name_span,
                            "`sourcetype=\"eval\"` needs `code=\"fun({Pid, DynVars}) -> … end.\"`",
                        )
                        .note("Tsung stops with an error without it");
                    return None;
                };
                self.eval_code(a).map(|code| DynVarSource::Eval { code })
            }
            "file" | "local_file" => {
                let local = kind == "local_file";
                let fileid = match self.atom(el, "fileid") {
                    Ok(Some(f)) => f,
                    Ok(None) => "none".to_owned(),
                    Err(_) => return None,
                };
                let order = if local {
                    FileOrder::Random
                } else {
                    match el.value("order") {
                        Some("random") => FileOrder::Random,
                        _ => FileOrder::Iter,
                    }
                };
                let delimiter = match el.attr("delimiter") {
                    None => b";".to_vec(),
                    Some(a) if a.value.is_empty() => {
                        self.diags.error(
                            "bad-value",
                            a.value_span,
                            "the delimiter is empty; Tsung fails to split lines with it",
                        );
                        return None;
                    }
                    Some(a) => self.wire_bytes(&a.value, &Place::Attr(a), "delimiter"),
                };
                let found = self
                    .options
                    .file_servers
                    .iter()
                    .find(|f| f.name == fileid && f.local == local)
                    .map(|f| f.id);
                let Some(file) = found else {
                    if self
                        .unreadable_file_servers
                        .iter()
                        .any(|(n, l)| *n == fileid && *l == local)
                    {
                        return None; // its file could not be read: reported there
                    }
                    let names: Vec<String> = self
                        .options
                        .file_servers
                        .iter()
                        .filter(|f| f.local == local)
                        .map(|f| f.name.clone())
                        .collect();
                    let option = if local {
                        "local_file_server"
                    } else {
                        "file_server"
                    };
                    let help = match did_you_mean(&fileid, names.iter().map(String::as_str)) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None if el.attr("fileid").is_none() => format!(
                            "add `fileid=\"…\"` naming a `{option}` option (a file server \
                             without an id is `default`)"
                        ),
                        None if names.is_empty() => format!(
                            "declare it: `<option name=\"{option}\" id=\"{fileid}\" value=\"data.csv\"/>`"
                        ),
                        None => format!("declared ids: {}", names.join(", ")),
                    };
                    let span = if el.attr("fileid").is_some() {
                        el.value_span("fileid")
                    } else {
                        el.name_span
                    };
                    let msg = if el.attr("fileid").is_some() {
                        format!("unknown fileid `{fileid}`: no `{option}` option has this id")
                    } else {
                        format!("`sourcetype=\"{kind}\"` needs a `fileid`")
                    };
                    self.diags.error("unknown-fileid", span, msg).help(help);
                    return None;
                };
                Some(DynVarSource::File {
                    file,
                    delimiter: delimiter.into_boxed_slice(),
                    order,
                })
            }
            "random_string" | "urandom_string" => {
                let length = self.int_or(el, "length", 20)?;
                let length = usize::try_from(length).ok()?;
                Some(if kind == "random_string" {
                    DynVarSource::RandomString { length }
                } else {
                    DynVarSource::UrandomString { length }
                })
            }
            "random_number" => {
                let start = self.int_or(el, "start", 1);
                let end = self.int_or(el, "end", 10);
                let (start, end) = (start?, end?);
                if start > end {
                    self.diags
                        .error(
                            "bad-range",
                            el.attr_span("start"),
                            format!("`start` ({start}) is greater than `end` ({end})"),
                        )
                        .help("swap them");
                    return None;
                }
                Some(DynVarSource::RandomNumber { start, end })
            }
            "jsonpath" => {
                let from = match self.atom(el, "from") {
                    Ok(Some(f)) => f,
                    Ok(None) => {
                        self.diags.error(
                            "missing-attribute",
                            el.name_span,
                            "`sourcetype=\"jsonpath\"` needs `from`, the variable holding the JSON",
                        );
                        return None;
                    }
                    Err(_) => return None,
                };
                let from_span = el.value_span("from");
                let from = self.var(&from, from_span);
                self.events
                    .push(VarEvent::Use(from, from_span, UseKind::JsonFrom));
                let Some(a) = el.attr("jsonpath") else {
                    self.diags.error(
                        "missing-attribute",
                        el.name_span,
                        "`sourcetype=\"jsonpath\"` needs `jsonpath`",
                    );
                    return None;
                };
                match JsonPath::parse(&a.value) {
                    Ok(p) => Some(DynVarSource::JsonPath {
                        from,
                        path: JsonPathSource::Static(p),
                    }),
                    Err(e) => {
                        self.diags
                            .error(
                                "bad-jsonpath",
                                a.value_span,
                                format!("the JSONPath does not parse: {}", e.message),
                            )
                            .help("Tsung understands paths like `a.b[3].c` and `a[?k=v].c`");
                        None
                    }
                }
            }
            "value" => {
                let value = match el.attr("value") {
                    Some(a) => {
                        if has_markers(&a.value) {
                            self.diags
                                .warning(
                                    "literal-marker",
                                    a.value_span,
                                    "the value of `sourcetype=\"value\"` is used as written: Tsung does not substitute it",
                                )
                                .help("to copy a variable, use it directly as `%%_name%%`");
                        }
                        stampede_model::Template::literal(self.wire_bytes(
                            &a.value,
                            &Place::Attr(a),
                            "value",
                        ))
                    }
                    None => stampede_model::Template::default(),
                };
                if nvars > 1 {
                    self.diags.warning(
                        "extra-variables",
                        el.name_span,
                        "`sourcetype=\"value\"` sets only the first variable",
                    );
                }
                Some(DynVarSource::Value { value })
            }
            "server" => {
                if nvars != 2 {
                    self.diags.warning(
                        "extra-variables",
                        el.name_span,
                        "`sourcetype=\"server\"` fills two variables: the host, then the port",
                    );
                }
                Some(DynVarSource::Server)
            }
            _ => None,
        }
    }
}
