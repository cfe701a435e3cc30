//! Typed attribute readers that accept exactly what Tsung's parser accepts.

use super::Lower;
use crate::erlang::{self, NumError};
use crate::xml::Element;

/// A problem was already reported for this value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reported;

/// Result of reading an attribute: `Ok(None)` when absent.
pub(crate) type Read<T> = Result<Option<T>, Reported>;

impl Lower<'_> {
    /// An integer attribute (`getAttr(integer, …)` in Tsung).
    pub(crate) fn int(&mut self, el: &Element, name: &str) -> Read<i64> {
        let Some(attr) = el.attr(name) else {
            return Ok(None);
        };
        match erlang::integer(&attr.value) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                let help = match e {
                    NumError::Float => {
                        "Tsung only accepts a whole number here (it stops with a parse error \
                         on decimals)"
                    }
                    NumError::Signed => "negative numbers are not accepted here",
                    _ => "write a whole number, e.g. `10`",
                };
                self.diags
                    .error(
                        "bad-number",
                        attr.value_span,
                        e.describe(name, &attr.value, "a whole number"),
                    )
                    .help(help);
                Err(Reported)
            }
        }
    }

    /// An integer attribute with a default; `None` when it was reported as invalid.
    pub(crate) fn int_or(&mut self, el: &Element, name: &str, default: i64) -> Option<i64> {
        match self.int(el, name) {
            Ok(v) => Some(v.unwrap_or(default)),
            Err(Reported) => None,
        }
    }

    /// An integer attribute that must fit a `u32`.
    pub(crate) fn u32_or(&mut self, el: &Element, name: &str, default: u32) -> Option<u32> {
        let v = self.int_or(el, name, i64::from(default))?;
        match u32::try_from(v) {
            Ok(v) => Some(v),
            Err(_) => {
                self.diags.error(
                    "bad-number",
                    el.value_span(name),
                    format!("`{name}=\"{v}\"` is too large"),
                );
                None
            }
        }
    }

    /// An integer or float attribute (`getAttr(float_or_integer, …)`): an empty value is 0.
    pub(crate) fn number(&mut self, el: &Element, name: &str) -> Read<f64> {
        let Some(attr) = el.attr(name) else {
            return Ok(None);
        };
        match erlang::number(&attr.value) {
            Ok(v) => Ok(Some(v)),
            Err(e) => {
                let help = match e {
                    NumError::Signed => "negative numbers are not accepted here",
                    _ => "write a number such as `2` or `0.5` (Tsung needs a digit before the dot)",
                };
                self.diags
                    .error(
                        "bad-number",
                        attr.value_span,
                        e.describe(name, &attr.value, "a number"),
                    )
                    .help(help);
                Err(Reported)
            }
        }
    }

    /// An attribute Tsung reads as an Erlang atom (`getAttr(atom, …)`).
    pub(crate) fn atom(&mut self, el: &Element, name: &str) -> Read<String> {
        let Some(attr) = el.attr(name) else {
            return Ok(None);
        };
        match erlang::atom(&attr.value) {
            Some(a) => Ok(Some(a)),
            None => {
                self.bad_atom(
                    &attr.value,
                    attr.value_span,
                    &format!("the value of `{name}`"),
                );
                Err(Reported)
            }
        }
    }

    pub(crate) fn bad_atom(&mut self, value: &str, span: crate::source::Span, what: &str) {
        let suggestion = atomize(value);
        let quoted = format!("'{}'", value.trim().replace('\'', "\\'"));
        let help = if suggestion.is_empty() {
            format!(
                "write it in single quotes (`{quoted}`) or use a name that starts with a lowercase letter"
            )
        } else {
            format!("write it in single quotes (`{quoted}`) or rename it (e.g. `{suggestion}`)")
        };
        self.diags
            .error(
                "bad-name",
                span,
                format!("`{value}` cannot be used as {what}"),
            )
            .help(help)
            .note(
                "Tsung reads this value as an Erlang atom: unquoted, it must start with a \
                 lowercase letter and hold only letters, digits, `_` and `@` (Tsung stops with \
                 a parse error otherwise)",
            );
    }

    /// A `true`/`false` attribute (already checked by the grammar when it is enumerated);
    /// `None` when absent or not a boolean.
    pub(crate) fn flag(&self, el: &Element, name: &str) -> Option<bool> {
        match el.value(name).map(str::trim) {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        }
    }

    /// A boolean attribute Tsung reads as an atom (so only `true`/`false` mean anything).
    pub(crate) fn bool_atom(&mut self, el: &Element, name: &str, default: bool) -> bool {
        match el.value(name).map(str::trim) {
            None => default,
            Some("true") => true,
            Some("false") => false,
            Some(other) => {
                let other = other.to_owned();
                self.diags
                    .error(
                        "bad-value",
                        el.value_span(name),
                        format!("`{name}=\"{other}\"` must be `true` or `false`"),
                    )
                    .help("Tsung only understands `true` and `false` here");
                default
            }
        }
    }
}

/// A suggestion for a valid atom spelling of `value` (lowercase, `-`/space → `_`).
fn atomize(value: &str) -> String {
    let mut out: String = value
        .trim()
        .chars()
        .map(|c| match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            'a'..='z' | '0'..='9' | '_' | '@' => c,
            _ => '_',
        })
        .collect();
    while out.starts_with(|c: char| c.is_ascii_digit() || c == '_') {
        out.remove(0);
    }
    out
}
