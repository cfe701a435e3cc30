//! The Erlang functions a scenario may name without Erlang code: `%%module:function%%`
//! markers, `setdynvars sourcetype="erlang" callback=…` and `match apply_to_content=…`.
//! What exists is `stampede_erl`'s to say: [`stampede_erl::check_callback`] for callbacks,
//! [`stampede_erl::builtin_functions`] for content transforms.

use super::Lower;
use crate::diagnostic::did_you_mean;
use crate::source::Span;
use stampede_model::ModFun;

/// `a:b, c:d` for messages.
fn list<'a>(fns: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    fns.into_iter()
        .map(|(m, f)| format!("{m}:{f}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether any built-in function lives in `module`.
fn module_known(module: &str) -> bool {
    stampede_erl::builtin_functions().any(|(m, _, _)| m == module)
}

/// The built-ins of `ts_digest` that take one argument: the transforms Tsung provides.
fn digest_transforms() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&str, &str)> = stampede_erl::builtin_functions()
        .filter(|(m, _, a)| *m == "ts_digest" && *a == 1)
        .map(|(m, f, _)| (m, f))
        .collect();
    v.dedup();
    v
}

impl Lower<'_> {
    /// Checks a `%%module:function%%` marker or a `callback="module:function"`: the function
    /// must be one `stampede_erl` can call with `{Pid, DynVars}`. Reports and returns `None`
    /// otherwise.
    pub(crate) fn callback(&mut self, module: &str, function: &str, span: Span) -> Option<ModFun> {
        match stampede_erl::check_callback(module, function) {
            Ok(()) => {
                if module == "ts_file_server" {
                    self.needs_default_file_server(span, &format!("{module}:{function}"));
                }
                Some(ModFun {
                    module: module.into(),
                    function: function.into(),
                })
            }
            Err(e) => {
                let available = format!(
                    "available as `%%module:function%%` and `callback=`: {}",
                    list(stampede_erl::callbacks().iter().copied())
                );
                let known = module_known(module);
                let exists =
                    stampede_erl::builtin_functions().any(|(m, f, _)| m == module && f == function);
                let help = match e.help {
                    // A misspelt function of a known module: the suggestion says it all.
                    Some(h) if known && !exists => h,
                    Some(h) => format!("{h}\n{available}"),
                    None => available,
                };
                let code = if known {
                    "unknown-function"
                } else {
                    "erlang-module"
                };
                self.diags.error(code, span, e.message).help(help);
                None
            }
        }
    }

    /// Checks `apply_to_content="module:function"`: Tsung applies the function to the
    /// response body, so it must be a built-in of one argument (`ts_digest:md5hex`, …).
    pub(crate) fn content_transform(
        &mut self,
        module: &str,
        function: &str,
        span: Span,
    ) -> Option<ModFun> {
        let arities: Vec<u8> = stampede_erl::builtin_functions()
            .filter(|(m, f, _)| *m == module && *f == function)
            .map(|(_, _, a)| a)
            .collect();
        if arities.contains(&1) {
            return Some(ModFun {
                module: module.into(),
                function: function.into(),
            });
        }
        let transforms = list(digest_transforms());
        let available =
            format!("transforms: {transforms}, or any built-in function of one argument");
        if !arities.is_empty() {
            self.diags
                .error(
                    "unknown-function",
                    span,
                    format!(
                        "`{module}:{function}` cannot transform the response: it does not take \
                         one argument"
                    ),
                )
                .help(available);
        } else if module_known(module) {
            let in_module: Vec<&str> = stampede_erl::builtin_functions()
                .filter(|(m, _, a)| *m == module && *a == 1)
                .map(|(_, f, _)| f)
                .collect();
            let help = match did_you_mean(function, in_module) {
                Some(f) => format!("did you mean `{module}:{f}`?"),
                None => available,
            };
            self.diags
                .error(
                    "unknown-function",
                    span,
                    format!("function `{module}:{function}` does not exist"),
                )
                .help(help);
        } else {
            self.diags
                .error(
                    "erlang-module",
                    span,
                    format!(
                        "module `{module}` is not available in scenarios (needed by \
                         `{module}:{function}`)"
                    ),
                )
                .help(format!(
                    "Stampede cannot load compiled Erlang modules\n{available}"
                ));
        }
        None
    }

    /// `ts_file_server:get_next_line/1` reads the file server with id `default`.
    pub(crate) fn needs_default_file_server(&mut self, span: Span, what: &str) {
        let has_default = self
            .options
            .file_servers
            .iter()
            .any(|f| f.name == "default" && !f.local)
            || self
                .unreadable_file_servers
                .iter()
                .any(|(n, l)| n == "default" && !*l);
        if !has_default {
            self.diags
                .error(
                    "unknown-fileid",
                    span,
                    format!(
                        "`{what}` reads the file server with id `default`, which is not declared"
                    ),
                )
                .help(
                    "declare it in <options>: `<option name=\"file_server\" \
                     value=\"users.csv\"/>` (no id means `default`)",
                );
        }
    }
}
