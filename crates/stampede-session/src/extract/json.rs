//! JSON documents and Tsung's JSONPath subset on them.

use crate::value::Value;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use stampede_model::JsonStep;
use std::fmt;

/// A JSON value, with objects kept in document order (Tsung re-encodes objects it returns).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// Integers beyond `i64`, kept as written.
    BigInt(String),
    Float(f64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(match i64::try_from(v) {
            Ok(i) => Json::Int(i),
            Err(_) => Json::BigInt(v.to_string()),
        })
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element::<Json>()? {
            v.push(x);
        }
        Ok(Json::Array(v))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = map.next_entry::<String, Json>()? {
            v.push((k, x));
        }
        Ok(Json::Object(v))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// Parses a JSON document (surrounding whitespace allowed); `None` when it is not JSON.
pub(crate) fn parse(text: &[u8]) -> Option<Json> {
    serde_json::from_slice::<Json>(text).ok()
}

/// Compact JSON text of a value (how Tsung stores an object it extracted).
pub(crate) fn encode(j: &Json, out: &mut String) {
    use std::fmt::Write;
    match j {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Json::BigInt(s) => out.push_str(s),
        Json::Float(f) => out.push_str(
            &serde_json::Number::from_f64(*f).map_or_else(|| "null".into(), |n| n.to_string()),
        ),
        Json::Str(s) => out.push_str(&serde_json::Value::String(s.clone()).to_string()),
        Json::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                encode(x, out);
            }
            out.push(']');
        }
        Json::Object(members) => {
            out.push('{');
            for (i, (k, x)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::String(k.clone()).to_string());
                out.push(':');
                encode(x, out);
            }
            out.push('}');
        }
    }
}

/// What a JSONPath step sequence yields (Tsung's `json_get_bin`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Found<'a> {
    Undefined,
    One(&'a Json),
    Many(Vec<Found<'a>>),
}

/// Applies Tsung's JSONPath steps: keys look up object members, indices (0-based; a key made
/// of digits counts as one) pick array elements, `*` maps over an array, `?k=v` keeps the
/// elements whose `k` member equals `v` (as text).
pub(crate) fn select<'a>(steps: &[JsonStep], j: &'a Json) -> Found<'a> {
    let Some((step, rest)) = steps.split_first() else {
        return Found::One(j);
    };
    match step {
        JsonStep::Index(n) => index(*n, rest, j),
        JsonStep::Key(k) => match k.parse::<usize>() {
            Ok(n) if k.bytes().all(|b| b.is_ascii_digit()) => index(n, rest, j),
            _ => match j {
                Json::Object(members) => match members.iter().find(|(name, _)| name == &**k) {
                    Some((_, v)) => select(rest, v),
                    None => Found::Undefined,
                },
                _ => Found::Undefined,
            },
        },
        JsonStep::Wildcard => match j {
            Json::Array(items) => Found::Many(items.iter().map(|x| select(rest, x)).collect()),
            other => select(rest, other),
        },
        JsonStep::Filter { key, value } => match j {
            Json::Array(items) => {
                let kept: Vec<&Json> = items
                    .iter()
                    .filter(|x| match x {
                        Json::Object(members) => members.iter().any(|(k, v)| {
                            k == &**key
                                && match v {
                                    Json::Int(i) => i.to_string() == **value,
                                    Json::BigInt(s) | Json::Str(s) => s == &**value,
                                    _ => false,
                                }
                        }),
                        _ => false,
                    })
                    .collect();
                match kept.as_slice() {
                    [] => Found::Undefined,
                    [one] => select(rest, one),
                    many => Found::Many(many.iter().map(|x| select(rest, x)).collect()),
                }
            }
            _ => Found::Undefined,
        },
    }
}

fn index<'a>(n: usize, rest: &[JsonStep], j: &'a Json) -> Found<'a> {
    match j {
        Json::Array(items) => match items.get(n) {
            Some(x) => select(rest, x),
            None => Found::Undefined,
        },
        _ => Found::Undefined,
    }
}

/// The variable value Tsung stores for a JSON value: strings as text, numbers as numbers,
/// `true`/`false`/`null` as their names, arrays as lists, objects as compact JSON text.
pub(crate) fn to_value(j: &Json) -> Value {
    match j {
        Json::Null => Value::from("null"),
        Json::Bool(b) => Value::from(if *b { "true" } else { "false" }),
        Json::Int(i) => Value::Int(*i),
        Json::BigInt(s) => Value::from(s.as_str()),
        Json::Float(f) => Value::Float(*f),
        Json::Str(s) => Value::from(s.as_str()),
        Json::Array(items) => Value::List(items.iter().map(to_value).collect()),
        Json::Object(_) => {
            let mut s = String::new();
            encode(j, &mut s);
            Value::bytes(s.into_bytes())
        }
    }
}

/// The value of a JSONPath result: nothing found is the empty text.
pub(crate) fn found_value(f: &Found<'_>) -> Value {
    match f {
        Found::Undefined => Value::empty(),
        Found::One(j) => to_value(j),
        Found::Many(items) => Value::List(
            items
                .iter()
                .map(|x| match x {
                    Found::Undefined => Value::from("undefined"),
                    other => found_value(other),
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_model::JsonPath;

    fn get(doc: &str, path: &str) -> Value {
        let j = parse(doc.as_bytes()).unwrap();
        let p = JsonPath::parse(path).unwrap();
        found_value(&select(p.steps(), &j))
    }

    #[test]
    fn tsung_jsonpath_table() {
        let doc = r#"{"token":"t0k","n":42,"f":1.5,"ok":true,"nil":null,
            "users":[{"name":"bob","id":7},{"name":"ann","id":9},{"name":"bob","id":11}],
            "obj":{"b":1,"a":[1,2]},"list":["x","y"]}"#;
        let cases: Vec<(&str, Value)> = vec![
            ("token", Value::from("t0k")),
            ("$.token", Value::from("t0k")),
            ("n", Value::Int(42)),
            ("f", Value::Float(1.5)),
            ("ok", Value::from("true")),
            ("nil", Value::from("null")),
            ("users[1].name", Value::from("ann")),
            ("users.0.id", Value::Int(7)),
            ("users[5].name", Value::empty()),
            ("users[?name=ann].id", Value::Int(9)),
            ("users[?id=7].name", Value::from("bob")),
            (
                "users[?name=bob].id",
                Value::List(vec![Value::Int(7), Value::Int(11)].into()),
            ),
            ("users[?name=zed].id", Value::empty()),
            (
                "users[*].id",
                Value::List(vec![Value::Int(7), Value::Int(9), Value::Int(11)].into()),
            ),
            ("obj", Value::from(r#"{"b":1,"a":[1,2]}"#)),
            (
                "list",
                Value::List(vec![Value::from("x"), Value::from("y")].into()),
            ),
            ("missing.deeper", Value::empty()),
            ("token.x", Value::empty()),
            ("obj.0", Value::empty()),
        ];
        for (path, want) in cases {
            assert_eq!(get(doc, path), want, "{path}");
        }
    }

    #[test]
    fn not_json() {
        assert!(parse(b"<html></html>").is_none());
        assert!(parse(b"").is_none());
        assert_eq!(
            parse(b" [1, 18446744073709551615] ").unwrap(),
            Json::Array(vec![
                Json::Int(1),
                Json::BigInt("18446744073709551615".into())
            ])
        );
    }
}
