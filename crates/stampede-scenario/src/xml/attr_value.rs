//! Attribute-value normalisation exactly as Erlang's xmerl performs it (Tsung's parser):
//!
//! * a literal tab, line feed or carriage return becomes one space (a CR LF pair gives two
//!   spaces: xmerl does not fold line ends inside attribute values);
//! * references are expanded: the five predefined entities, character references and
//!   internal entities;
//! * after a character reference to a white-space character (`&#10;`, `&#32;`, `&#9;`,
//!   `&#13;`), every white-space character that follows, written literally or as a
//!   reference, is dropped. So `&#13;&#10;` yields only a CR, which is why real scenarios
//!   build CRLF with Erlang snippets instead;
//! * runs of spaces are otherwise kept (CDATA attributes are not collapsed).

use super::ValueMap;
use super::doctype::{Entities, Entity, char_ref_value, is_xml_char};

/// Why a value could not be normalised: the source byte offset of the problem and a message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ValueError {
    pub at: usize,
    pub len: usize,
    pub message: String,
    pub help: Option<String>,
}

/// The normalised value and its offset map (source offsets = `raw_start` + raw offsets).
pub(crate) fn normalize(
    raw: &str,
    raw_start: usize,
    entities: &Entities,
) -> Result<(String, ValueMap), ValueError> {
    let mut n = Normalizer {
        out: String::with_capacity(raw.len()),
        map: ValueMap::identity(u32::try_from(raw_start).unwrap_or(u32::MAX)),
        skip_ws: false,
        expected_src: raw_start,
        entities,
        depth: 0,
    };
    n.run(raw, raw_start, None)?;
    Ok((n.out, n.map))
}

struct Normalizer<'e> {
    out: String,
    map: ValueMap,
    skip_ws: bool,
    expected_src: usize,
    entities: &'e Entities,
    depth: usize,
}

const MAX_DEPTH: usize = 16;
const MAX_LEN: usize = 4 << 20;

impl Normalizer<'_> {
    /// Appends `c`, coming from source offset `src` (an expansion maps to its reference).
    fn push(&mut self, c: char, src: usize) {
        if src != self.expected_src {
            self.map.push(self.out.len(), src);
        }
        self.out.push(c);
        self.expected_src = src + c.len_utf8();
    }

    /// `fixed_src`: when expanding an entity, every character maps to the reference.
    fn run(&mut self, raw: &str, base: usize, fixed_src: Option<usize>) -> Result<(), ValueError> {
        let at = |i: usize| fixed_src.unwrap_or(base + i);
        let err_at = at;
        let mut iter = raw.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            if self.out.len() > MAX_LEN {
                return Err(ValueError {
                    at: err_at(i),
                    len: 1,
                    message: "attribute value is too large after entity expansion".into(),
                    help: None,
                });
            }
            match c {
                '<' => {
                    return Err(ValueError {
                        at: err_at(i),
                        len: 1,
                        message: "`<` is not allowed in an attribute value".into(),
                        help: Some("write it as `&lt;`".into()),
                    });
                }
                '&' => {
                    let body_start = i + 1;
                    let end = raw[body_start..]
                        .find(|ch: char| {
                            ch == ';'
                                || ch == '&'
                                || ch == '<'
                                || ch == '"'
                                || ch == '\''
                                || ch.is_whitespace()
                        })
                        .map(|e| e + body_start);
                    let Some(end) = end.filter(|&e| raw[e..].starts_with(';')) else {
                        return Err(ValueError {
                            at: err_at(i),
                            len: 1,
                            message: "`&` must start a reference such as `&amp;`".into(),
                            help: Some("write a literal ampersand as `&amp;`".into()),
                        });
                    };
                    let body = &raw[body_start..end];
                    // Consume through ';'.
                    while let Some(&(j, _)) = iter.peek() {
                        if j > end {
                            break;
                        }
                        iter.next();
                    }
                    self.reference(body, at(i), err_at(i), end + 1 - i)?;
                }
                '\t' | '\n' | '\r' | ' ' => {
                    if !self.skip_ws {
                        self.push(' ', at(i));
                    }
                }
                other if !is_xml_char(other) => {
                    return Err(ValueError {
                        at: err_at(i),
                        len: other.len_utf8(),
                        message: format!(
                            "character U+{:04X} is not allowed in an XML document",
                            other as u32
                        ),
                        help: Some("remove it, or write it with a character reference".into()),
                    });
                }
                other => {
                    self.skip_ws = false;
                    self.push(other, at(i));
                }
            }
        }
        Ok(())
    }

    fn reference(
        &mut self,
        body: &str,
        src: usize,
        err_at: usize,
        len: usize,
    ) -> Result<(), ValueError> {
        if let Some(num) = body.strip_prefix('#') {
            let Some(c) = char_ref_value(num) else {
                return Err(ValueError {
                    at: err_at,
                    len,
                    message: format!("`&{body};` is not a valid character reference"),
                    help: None,
                });
            };
            let ws = matches!(c, ' ' | '\t' | '\n' | '\r');
            if ws && self.skip_ws {
                return Ok(());
            }
            self.push(c, src);
            self.skip_ws = ws;
            return Ok(());
        }
        let predefined = match body {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "apos" => Some('\''),
            "quot" => Some('"'),
            _ => None,
        };
        if let Some(c) = predefined {
            self.skip_ws = false;
            self.push(c, src);
            return Ok(());
        }
        match self.entities.map.get(body) {
            Some(Entity::Internal { text, .. }) => {
                if self.depth >= MAX_DEPTH {
                    return Err(ValueError {
                        at: err_at,
                        len,
                        message: format!(
                            "entity `{body}` is nested too deeply (or refers to itself)"
                        ),
                        help: None,
                    });
                }
                if text.contains('<') {
                    return Err(ValueError {
                        at: err_at,
                        len,
                        message: format!(
                            "entity `{body}` contains `<` and cannot be used in an attribute value"
                        ),
                        help: None,
                    });
                }
                self.depth += 1;
                let text = text.clone();
                let r = self.run(&text, src, Some(src));
                self.depth -= 1;
                r
            }
            Some(Entity::External { .. }) => Err(ValueError {
                at: err_at,
                len,
                message: format!("external entity `{body}` cannot be used in an attribute value"),
                help: None,
            }),
            None => Err(ValueError {
                at: err_at,
                len,
                message: format!("entity `&{body};` is not declared"),
                help: Some(
                    "declare it in the DOCTYPE (`<!ENTITY name \"text\">`), or write a literal \
                     ampersand as `&amp;`"
                        .into(),
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(raw: &str) -> String {
        normalize(raw, 0, &Entities::default()).unwrap().0
    }

    /// Each case was checked against xmerl (Erlang/OTP 25).
    #[test]
    fn matches_xmerl() {
        let cases: &[(&str, &str)] = &[
            ("a  b", "a  b"),
            ("c\n\n  d", "c    d"),
            ("A\r\nB", "A  B"),
            ("A&#32;&#32;&#32;B", "A B"),
            ("A&#10;   B", "A\nB"),
            ("A&#10;x B", "A\nx B"),
            ("A&#13;&#10;B", "A\rB"),
            ("A &#32;B", "A  B"),
            ("A  &#32; B", "A   B"),
            ("A&#32;", "A "),
            ("&#32;&#32;A", " A"),
            ("A&#10;&#9;&#32;B", "A\nB"),
            ("A&#65;&#32;&#32;B", "AA B"),
            ("A&#x20;&#x20;B", "A B"),
            ("A&amp;&#32;&#32;B", "A& B"),
            ("A&#32;&amp;&#32;B", "A & B"),
            ("A&#160;&#32;B", "A\u{a0} B"),
            ("A&#10;\r\nB", "A\nB"),
            ("x=1&amp;y=%%_v%%", "x=1&y=%%_v%%"),
            ("&lt;a&gt;&quot;&apos;", "<a>\"'"),
        ];
        for (raw, want) in cases {
            assert_eq!(norm(raw), *want, "{raw:?}");
        }
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = normalize("ab&cd", 10, &Entities::default()).unwrap_err();
        assert_eq!(e.at, 12);
        let e = normalize("ab&nope;", 0, &Entities::default()).unwrap_err();
        assert!(e.message.contains("not declared"));
        let e = normalize("a<b", 0, &Entities::default()).unwrap_err();
        assert_eq!(e.at, 1);
        let e = normalize("&#0;", 0, &Entities::default()).unwrap_err();
        assert!(e.message.contains("character reference"));
    }

    #[test]
    fn internal_entities_expand_and_map_to_the_reference() {
        let mut ents = Entities::default();
        ents.map.insert(
            "host".into(),
            Entity::Internal {
                text: "example.com".into(),
                span: crate::source::Span::default(),
                exact: true,
            },
        );
        ents.map.insert(
            "loop".into(),
            Entity::Internal {
                text: "&loop;".into(),
                span: crate::source::Span::default(),
                exact: true,
            },
        );
        let (v, map) = normalize("http://&host;/x", 100, &ents).unwrap();
        assert_eq!(v, "http://example.com/x");
        let bounds = crate::source::Span::new(0, 100, 115);
        // "/x" after the expansion maps back to its place after `&host;`
        let slash = v.rfind('/').unwrap();
        assert_eq!(map.source(slash, bounds), 113);
        assert!(normalize("&loop;", 0, &ents).is_err());
    }
}
