//! The Erlang functions a scenario may call without Erlang: `%%module:function%%` markers,
//! `setdynvars sourcetype="erlang" callback=…` and `match apply_to_content=…`.

use super::Lower;
use crate::diagnostic::did_you_mean;
use crate::source::Span;
use stampede_model::ModFun;

/// Functions callable from markers and `callback=`, called with `{Pid, DynVars}` as Tsung
/// does.
pub(crate) const CALLABLE: &[(&str, &str)] = &[
    ("ts_user_server", "get_unique_id"),
    ("ts_user_server", "get_really_unique_id"),
    ("ts_file_server", "get_next_line"),
    ("ts_file_server", "get_random_line"),
    ("ts_file_server", "get_all_lines"),
];

/// Functions accepted by `match apply_to_content`.
pub(crate) const CONTENT_TRANSFORMS: &[(&str, &str)] = &[("ts_digest", "md5hex")];

fn list(fns: &[(&str, &str)]) -> String {
    fns.iter()
        .map(|(m, f)| format!("{m}:{f}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Lower<'_> {
    /// Checks that `module:function` is a built-in of `table`. Reports and returns `None`
    /// otherwise. `what` names the place for messages.
    pub(crate) fn builtin(
        &mut self,
        module: &str,
        function: &str,
        span: Span,
        table: &[(&str, &str)],
    ) -> Option<ModFun> {
        let help = if table == CONTENT_TRANSFORMS {
            "the only transform Stampede provides is `ts_digest:md5hex`".to_owned()
        } else {
            "compute the value another way, e.g. with `<setdynvars>` (random_number, \
             random_string, file, eval), and use `%%_name%%`"
                .to_owned()
        };
        if table.contains(&(module, function)) {
            if module == "ts_file_server" {
                self.needs_default_file_server(span, &format!("{module}:{function}"));
            }
            return Some(ModFun {
                module: module.into(),
                function: function.into(),
            });
        }
        let modules: Vec<&str> = table.iter().map(|(m, _)| *m).collect();
        if modules.contains(&module) {
            let fns: Vec<&str> = table
                .iter()
                .filter(|(m, _)| *m == module)
                .map(|(_, f)| *f)
                .collect();
            let help = match did_you_mean(function, fns.iter().copied()) {
                Some(f) => format!("did you mean `{module}:{f}`?"),
                None => format!("built-in functions: {}", list(table)),
            };
            self.diags
                .error(
                    "unknown-function",
                    span,
                    format!("`{module}:{function}` is not a built-in function"),
                )
                .help(help);
        } else {
            self.diags
                .error(
                    "erlang-module",
                    span,
                    format!(
                        "module `{module}` is not available: Stampede runs only built-in \
                         functions ({})",
                        list(table)
                    ),
                )
                .help(help)
                .note("Stampede does not run Erlang modules; it provides the functions listed above itself");
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
