//! Erlang snippets: `<setdynvars sourcetype="eval">` funs compiled once at engine start, and
//! `%%module:function%%` calls the interpreter does not handle natively, run by
//! `stampede-erl` over the user's variables.

use crate::clock::unix_micros_now;
use crate::shared::Shared;
use stampede_erl::{FileError, Limits, Snippet, Value as Erl, sandbox_path, to_subst_bytes};
use stampede_model::{Action, DynVarSource, ErlCode, ModFun, Scenario, SourceLocation};
use stampede_session::{EvalContext, EvalError, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// One compiled `eval` snippet.
#[derive(Debug)]
struct Entry {
    snippet: Result<Snippet, String>,
    /// Number of `<var>`s it fills: a list result is split across several.
    vars: usize,
}

/// Every `eval` snippet of the scenario, compiled once, found by the identity of its source
/// text (the `Arc<str>` shared by the scenario the program runs).
#[derive(Debug, Default)]
pub(crate) struct SnippetCache {
    entries: HashMap<usize, Entry>,
}

fn key(code: &ErlCode) -> usize {
    Arc::as_ptr(&code.source).cast::<u8>() as usize
}

impl SnippetCache {
    /// Compiles the snippets of `scenario`. Returns the cache and a message per snippet that
    /// does not compile (the loader checks snippets, so this stays empty in practice).
    pub(crate) fn build(scenario: &Scenario) -> (Self, Vec<String>) {
        let mut cache = SnippetCache::default();
        let mut problems = Vec::new();
        for session in &scenario.sessions {
            session.walk(|action| {
                if let Action::SetDynVars(s) = action
                    && let DynVarSource::Eval { code } = &s.source
                {
                    cache.entries.entry(key(code)).or_insert_with(|| {
                        let snippet = stampede_erl::compile(&code.source).map_err(|e| {
                            let msg = format!(
                                "{}: the eval snippet does not compile: {e}",
                                place(scenario, code.location)
                            );
                            problems.push(msg.clone());
                            msg
                        });
                        Entry {
                            snippet,
                            vars: s.vars.len(),
                        }
                    });
                }
            });
        }
        (cache, problems)
    }

    /// Runs an `eval` snippet for the user of `ctx`. Output it prints goes to `logs`.
    pub(crate) fn eval(
        &self,
        shared: &Shared,
        code: &ErlCode,
        ctx: &EvalContext<'_>,
        logs: &mut Vec<String>,
    ) -> Result<Value, EvalError> {
        let entry = self.entries.get(&key(code));
        let (snippet, vars) = match entry {
            Some(Entry {
                snippet: Ok(s),
                vars,
            }) => (s.clone(), *vars),
            Some(Entry {
                snippet: Err(e), ..
            }) => return Err(EvalError::Failed(e.clone())),
            // Code the cache has not seen (a scenario built by hand): compile it now.
            None => match stampede_erl::compile(&code.source) {
                Ok(s) => (s, 1),
                Err(e) => return Err(EvalError::Failed(e.to_string())),
            },
        };
        let mut bridge = Bridge::new(shared, Some(ctx), logs);
        let value = snippet
            .call(&mut bridge, &Limits::default())
            .map_err(|e| EvalError::Failed(e.to_string()))?;
        Ok(if vars > 1 {
            split_list(&value)
        } else {
            from_erl(&value)
        })
    }
}

/// Calls a function the interpreter does not implement natively: with the user
/// (`%%mod:fun%%`, `callback=`), or with response data (`apply_to_content`).
pub(crate) fn call(
    shared: &Shared,
    function: &ModFun,
    args: stampede_session::CallArgs<'_>,
    logs: &mut Vec<String>,
) -> Result<Value, EvalError> {
    match args {
        stampede_session::CallArgs::User(ctx) => {
            let mut bridge = Bridge::new(shared, Some(&ctx), logs);
            stampede_erl::call_builtin(&function.module, &function.function, &mut bridge)
                .map(|v| from_erl(&v))
                .map_err(|e| EvalError::Failed(e.to_string()))
        }
        stampede_session::CallArgs::Content(data) => {
            let mut bridge = Bridge::new(shared, None, logs);
            stampede_erl::apply_builtin(
                &function.module,
                &function.function,
                vec![Erl::from_bytes(data)],
                &mut bridge,
                &Limits::default(),
            )
            .map(|v| Value::bytes(to_subst_bytes(&v)))
            .map_err(|e| EvalError::Failed(e.to_string()))
        }
    }
}

/// `file:line:column` of a place in the scenario.
pub(crate) fn place(scenario: &Scenario, at: SourceLocation) -> String {
    let file = scenario
        .files
        .paths
        .get(usize::from(at.file))
        .map_or_else(|| "scenario".to_owned(), |p| p.display().to_string());
    format!("{file}:{}:{}", at.line, at.column)
}

/// A session value as a snippet sees it: captures are binaries, counters integers, lists
/// (xpath results, JSON arrays) lists.
pub(crate) fn to_erl(v: &Value) -> Erl {
    match v {
        Value::Bytes(b) => Erl::from_bytes(b),
        Value::Int(i) => Erl::Int(*i),
        Value::Float(f) => Erl::Float(*f),
        Value::List(items) => Erl::list(items.iter().map(to_erl).collect()),
    }
}

/// A snippet's result as a variable value: numbers stay numbers, strings, binaries and atoms
/// become text, other lists stay lists (for `foreach`), anything else is its `~p` text.
pub(crate) fn from_erl(v: &Erl) -> Value {
    match v {
        Erl::Int(i) => Value::Int(*i),
        Erl::Float(f) => Value::Float(*f),
        Erl::Binary(b) => Value::bytes(b.to_vec()),
        Erl::Atom(a) => Value::bytes(a.as_str().as_bytes()),
        Erl::Nil => Value::empty(),
        Erl::Cons(_) => {
            if v.code_points().is_some() {
                Value::bytes(to_subst_bytes(v))
            } else {
                match v.list_to_vec() {
                    Some(items) => Value::List(items.iter().map(from_erl).collect()),
                    None => Value::bytes(to_subst_bytes(v)),
                }
            }
        }
        Erl::Tuple(_) | Erl::Fun(_) | Erl::Pid(_) | Erl::DynVars => Value::bytes(to_subst_bytes(v)),
    }
}

/// The result of a snippet that fills several variables: a proper list gives one element per
/// variable (even a list of integers, as Tsung assigns it); anything else fills the first.
fn split_list(v: &Erl) -> Value {
    match v.list_to_vec() {
        Some(items) if !items.is_empty() => Value::List(items.iter().map(from_erl).collect()),
        _ => from_erl(v),
    }
}

/// `stampede_erl::Host` over one user's view ([`EvalContext`]) and the run's shared state.
struct Bridge<'a> {
    shared: &'a Shared,
    ctx: Option<&'a EvalContext<'a>>,
    rng: u64,
    logs: &'a mut Vec<String>,
}

impl<'a> Bridge<'a> {
    fn new(
        shared: &'a Shared,
        ctx: Option<&'a EvalContext<'a>>,
        logs: &'a mut Vec<String>,
    ) -> Self {
        Self {
            shared,
            ctx,
            rng: ctx.map_or(0x5EED, EvalContext::seed),
            logs,
        }
    }

    fn file_lines(&self, file_id: Option<&str>) -> Option<(usize, &'a [Box<[u8]>])> {
        let ctx = self.ctx?;
        let name = file_id.unwrap_or("default");
        let fs = ctx
            .program()
            .scenario()
            .options
            .file_servers
            .iter()
            .find(|f| f.name == name)?;
        Some((fs.id.index(), &fs.lines))
    }
}

impl stampede_erl::Host for Bridge<'_> {
    fn lookup(&self, name: &str) -> Option<Erl> {
        self.ctx?.get(name).map(|v| to_erl(&v))
    }

    fn entries(&self) -> Vec<(String, Erl)> {
        self.ctx.map_or_else(Vec::new, |ctx| {
            ctx.iter()
                .map(|(name, v)| (name.to_owned(), to_erl(&v)))
                .collect()
        })
    }

    fn user_id(&self) -> u64 {
        self.ctx.map_or(0, EvalContext::user_id)
    }

    fn next_line(&mut self, file_id: Option<&str>) -> Option<Vec<u8>> {
        let (id, lines) = self.file_lines(file_id)?;
        if lines.is_empty() {
            return None;
        }
        let i = (self.shared.next_line(id) % lines.len() as u64) as usize;
        lines.get(i).map(|l| l.to_vec())
    }

    fn random_line(&mut self, file_id: Option<&str>) -> Option<Vec<u8>> {
        let (_, lines) = self.file_lines(file_id)?;
        if lines.is_empty() {
            return None;
        }
        let i = (self.random_u64() % lines.len() as u64) as usize;
        lines.get(i).map(|l| l.to_vec())
    }

    fn read_file(&self, path: &str) -> Result<Vec<u8>, FileError> {
        let full = sandbox_path(&self.shared.scenario_dir, path)?;
        std::fs::read(&full).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FileError::NotFound,
            std::io::ErrorKind::PermissionDenied => FileError::AccessDenied,
            std::io::ErrorKind::IsADirectory => FileError::IsDirectory,
            _ => FileError::Other(e.to_string()),
        })
    }

    fn log(&mut self, text: &str) {
        self.logs.push(text.to_owned());
    }

    fn random_u64(&mut self) -> u64 {
        // SplitMix64 from the user's draw: reproducible with a seed.
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn now_micros(&self) -> u64 {
        unix_micros_now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_become_values() {
        let cases: Vec<(Erl, Value)> = vec![
            (Erl::Int(7), Value::Int(7)),
            (Erl::Float(1.5), Value::Float(1.5)),
            (Erl::from_bytes(b"a+b"), Value::from("a+b")),
            (Erl::atom("true"), Value::from("true")),
            (Erl::Nil, Value::empty()),
            (Erl::string("abc"), Value::from("abc")),
            (Erl::string("é"), Value::bytes(vec![0xE9])),
            (
                Erl::list(vec![Erl::from_bytes(b"x"), Erl::string("yz")]),
                Value::List(vec![Value::from("x"), Value::from("yz")].into()),
            ),
            (
                Erl::tuple(vec![Erl::atom("ok"), Erl::Int(1)]),
                Value::from("{ok,1}"),
            ),
        ];
        for (erl, want) in cases {
            assert_eq!(from_erl(&erl), want, "{erl:?}");
        }
        // Several variables: even a list of integers is split.
        assert_eq!(
            split_list(&Erl::list(vec![Erl::Int(1), Erl::Int(2)])),
            Value::List(vec![Value::Int(1), Value::Int(2)].into())
        );
        assert_eq!(split_list(&Erl::Int(3)), Value::Int(3));
    }

    #[test]
    fn values_round_trip() {
        let v = Value::List(vec![Value::from("a"), Value::Int(2), Value::Float(0.5)].into());
        assert_eq!(from_erl(&to_erl(&v)), v);
    }
}
