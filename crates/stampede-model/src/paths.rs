//! JSONPath and XPath expressions of `dyn_variable` and `setdynvars`, parsed at load time so a
//! [`crate::Scenario`] only holds expressions that are syntactically valid. Evaluation belongs
//! to the session interpreter.

use std::fmt;

/// A syntax error in a JSONPath or XPath expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {offset})")]
pub struct PathSyntaxError {
    pub message: String,
    /// Byte offset in the expression.
    pub offset: usize,
}

/// One step of a [`JsonPath`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonStep {
    /// `.name` or `['name']`.
    Key(Box<str>),
    /// `[N]`, 0-based as in Tsung.
    Index(usize),
    /// `[*]` or `.*`: every element or member.
    Wildcard,
    /// `[?key=value]`: the elements of an array whose `key` member equals `value`.
    Filter { key: Box<str>, value: Box<str> },
}

/// Tsung's JSONPath subset: `a.b[3].c`, `a[?k=v].c`, optionally starting with `$.`.
#[derive(Clone, PartialEq, Eq)]
pub struct JsonPath {
    source: Box<str>,
    steps: Vec<JsonStep>,
}

impl JsonPath {
    /// Parses an expression.
    pub fn parse(source: &str) -> Result<Self, PathSyntaxError> {
        let err = |message: &str, offset: usize| PathSyntaxError {
            message: message.to_owned(),
            offset,
        };
        let bytes = source.as_bytes();
        let mut steps = Vec::new();
        let mut i = 0;
        if source.starts_with('$') {
            i = 1;
            if i < bytes.len() && bytes[i] == b'.' {
                i += 1;
            }
        }
        if i >= bytes.len() && steps.is_empty() && i == source.len() && source != "$" {
            return Err(err("empty JSONPath", 0));
        }
        let mut expect_key = true;
        while i < bytes.len() {
            match bytes[i] {
                b'[' => {
                    let close = source[i..]
                        .find(']')
                        .map(|p| p + i)
                        .ok_or_else(|| err("`[` is never closed", i))?;
                    let inner = source[i + 1..close].trim();
                    if inner == "*" {
                        steps.push(JsonStep::Wildcard);
                    } else if let Some(filter) = inner.strip_prefix('?') {
                        let filter = filter.trim().trim_start_matches('(').trim_end_matches(')');
                        let filter = filter.trim_start_matches("@.");
                        let (k, v) = filter
                            .split_once("==")
                            .or_else(|| filter.split_once('='))
                            .ok_or_else(|| err("a filter needs `key=value`", i + 1))?;
                        let v = v.trim().trim_matches(|c| c == '\'' || c == '"');
                        if k.trim().is_empty() {
                            return Err(err("a filter needs a key before `=`", i + 1));
                        }
                        steps.push(JsonStep::Filter {
                            key: k.trim().into(),
                            value: v.into(),
                        });
                    } else if let Some(q) = inner
                        .strip_prefix('\'')
                        .and_then(|s| s.strip_suffix('\''))
                        .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
                    {
                        steps.push(JsonStep::Key(q.into()));
                    } else {
                        let n: usize = inner
                            .parse()
                            .map_err(|_| err("expected an index, `*`, `?key=value` or a quoted name inside `[…]`", i + 1))?;
                        steps.push(JsonStep::Index(n));
                    }
                    i = close + 1;
                    expect_key = false;
                }
                b'.' => {
                    if expect_key {
                        return Err(err("unexpected `.`", i));
                    }
                    i += 1;
                    expect_key = true;
                    if i >= bytes.len() {
                        return Err(err("the path ends with `.`", i - 1));
                    }
                }
                _ => {
                    if !expect_key {
                        return Err(err("expected `.` or `[` between steps", i));
                    }
                    let end = source[i..]
                        .find(['.', '['])
                        .map(|p| p + i)
                        .unwrap_or(source.len());
                    let name = &source[i..end];
                    if name == "*" {
                        steps.push(JsonStep::Wildcard);
                    } else {
                        steps.push(JsonStep::Key(name.into()));
                    }
                    i = end;
                    expect_key = false;
                }
            }
        }
        Ok(Self {
            source: source.into(),
            steps,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The parsed steps (an empty list means the whole document).
    pub fn steps(&self) -> &[JsonStep] {
        &self.steps
    }
}

impl fmt::Debug for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("JsonPath").field(&&*self.source).finish()
    }
}

/// An XPath expression for `dyn_variable xpath=`, evaluated on tolerant-parsed HTML.
#[derive(Clone, PartialEq, Eq)]
pub struct XPath {
    source: Box<str>,
}

impl XPath {
    /// Checks the expression's syntax.
    pub fn parse(source: &str) -> Result<Self, PathSyntaxError> {
        let trimmed = source.trim();
        if trimmed.is_empty() {
            return Err(PathSyntaxError {
                message: "empty XPath".into(),
                offset: 0,
            });
        }
        // Balanced brackets and quotes.
        let mut depth: Vec<(u8, usize)> = Vec::new();
        let mut quote: Option<(u8, usize)> = None;
        for (i, &b) in source.as_bytes().iter().enumerate() {
            if let Some((q, _)) = quote {
                if b == q {
                    quote = None;
                }
                continue;
            }
            match b {
                b'\'' | b'"' => quote = Some((b, i)),
                b'[' | b'(' => depth.push((b, i)),
                b']' | b')' => {
                    let want = if b == b']' { b'[' } else { b'(' };
                    match depth.pop() {
                        Some((open, _)) if open == want => {}
                        _ => {
                            return Err(PathSyntaxError {
                                message: format!("unbalanced `{}`", b as char),
                                offset: i,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some((_, at)) = quote {
            return Err(PathSyntaxError {
                message: "string literal is never closed".into(),
                offset: at,
            });
        }
        if let Some((open, at)) = depth.pop() {
            return Err(PathSyntaxError {
                message: format!("`{}` is never closed", open as char),
                offset: at,
            });
        }
        Ok(Self {
            source: source.into(),
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }
}

impl fmt::Debug for XPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("XPath").field(&&*self.source).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use JsonStep::*;

    #[test]
    fn jsonpath_tsung_forms() {
        let p = JsonPath::parse("a.b[3].c").unwrap();
        assert_eq!(
            p.steps(),
            &[Key("a".into()), Key("b".into()), Index(3), Key("c".into())]
        );
        let p = JsonPath::parse("users[?name=bob].id").unwrap();
        assert_eq!(
            p.steps(),
            &[
                Key("users".into()),
                Filter {
                    key: "name".into(),
                    value: "bob".into()
                },
                Key("id".into())
            ]
        );
        let p = JsonPath::parse("$.token").unwrap();
        assert_eq!(p.steps(), &[Key("token".into())]);
        assert_eq!(JsonPath::parse("$").unwrap().steps(), &[]);
        assert_eq!(JsonPath::parse("a[*]").unwrap().steps(), &[Key("a".into()), Wildcard]);
    }

    #[test]
    fn jsonpath_errors() {
        assert!(JsonPath::parse("").is_err());
        assert!(JsonPath::parse("a[3").is_err());
        assert!(JsonPath::parse("a..b").is_err());
        assert!(JsonPath::parse("a.").is_err());
        assert!(JsonPath::parse("a[x]").is_err());
    }

    #[test]
    fn xpath_balance() {
        assert!(XPath::parse("//input[@name='authenticity_token']/@value").is_ok());
        assert!(XPath::parse("//a[@href").is_err());
        assert!(XPath::parse("//a[@x='y]").is_err());
        assert!(XPath::parse(" ").is_err());
    }
}
