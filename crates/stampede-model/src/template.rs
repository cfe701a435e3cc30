//! Substitution templates: text pre-split at load time into literal bytes, dynamic-variable
//! references (`%%_name%%`) and function calls (`%%module:function%%`).
//!
//! Splitting follows Tsung's `ts_search:subst/2` exactly:
//! * `%%_` starts a variable; its name runs to the **first** following `%%`, so
//!   `u_%%_n%%%40foo.com` is `u_`, var `n`, `%40foo.com`;
//! * any other `%%` starts a call: the module runs to the first `:`, the function to the next
//!   `%%`;
//! * a marker that never closes swallows the rest of the text (Tsung drops it silently;
//!   [`split_markers`] reports it as [`RawSegment::Unterminated`] so the loader can say so).
//!
//! Fields where Tsung does not substitute are stored as a single literal segment, so
//! `%%_x%%` there is sent as written.

use crate::VarId;
use std::fmt;

/// `module:function`, as in `%%ts_user_server:get_unique_id%%` or `callback="mod:fun"`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ModFun {
    pub module: Box<str>,
    pub function: Box<str>,
}

impl fmt::Display for ModFun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.module, self.function)
    }
}

/// One piece of a [`Template`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Bytes sent as they are.
    Literal(Box<[u8]>),
    /// The value of a dynamic variable (`undefined` when the user never set it, as Tsung).
    Var(VarId),
    /// The result of a built-in function call.
    Call(ModFun),
}

/// A pre-split substitution template. Rendering is the session interpreter's job.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Template {
    segments: Box<[Segment]>,
}

impl Template {
    /// A template that is sent exactly as given.
    pub fn literal(bytes: impl Into<Vec<u8>>) -> Self {
        let bytes: Vec<u8> = bytes.into();
        if bytes.is_empty() {
            return Self::default();
        }
        Self {
            segments: Box::new([Segment::Literal(bytes.into_boxed_slice())]),
        }
    }

    /// Builds a template from segments, merging adjacent literals and dropping empty ones.
    pub fn from_segments(segments: impl IntoIterator<Item = Segment>) -> Self {
        let mut out: Vec<Segment> = Vec::new();
        for seg in segments {
            match seg {
                Segment::Literal(b) if b.is_empty() => {}
                Segment::Literal(b) => {
                    if let Some(Segment::Literal(prev)) = out.last_mut() {
                        let mut merged = std::mem::take(prev).into_vec();
                        merged.extend_from_slice(&b);
                        *prev = merged.into_boxed_slice();
                    } else {
                        out.push(Segment::Literal(b));
                    }
                }
                other => out.push(other),
            }
        }
        Self {
            segments: out.into_boxed_slice(),
        }
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True when nothing needs substituting.
    pub fn is_literal(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Literal(_)))
    }

    /// The bytes of a literal template (empty for an empty one), `None` if it has markers.
    pub fn as_literal(&self) -> Option<&[u8]> {
        match &*self.segments {
            [] => Some(&[]),
            [Segment::Literal(b)] => Some(b),
            _ => None,
        }
    }

    /// True for the empty template.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The variables the template reads.
    pub fn vars(&self) -> impl Iterator<Item = VarId> + '_ {
        self.segments.iter().filter_map(|s| match s {
            Segment::Var(v) => Some(*v),
            _ => None,
        })
    }

    /// The function calls the template makes.
    pub fn calls(&self) -> impl Iterator<Item = &ModFun> + '_ {
        self.segments.iter().filter_map(|s| match s {
            Segment::Call(c) => Some(c),
            _ => None,
        })
    }

    /// Total length of the literal parts (a lower bound of the rendered size).
    pub fn literal_len(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Literal(b) => b.len(),
                _ => 0,
            })
            .sum()
    }
}

/// One piece of text as split by [`split_markers`], before variable names are resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawSegment<'a> {
    Literal(&'a [u8]),
    /// `%%_name%%`; `start` is the byte offset of the opening `%%`.
    Var {
        name: &'a [u8],
        start: usize,
    },
    /// `%%module:function%%`.
    Call {
        module: &'a [u8],
        function: &'a [u8],
        start: usize,
    },
    /// A marker opened at `start` and never closed: Tsung drops everything from there on.
    Unterminated {
        start: usize,
    },
}

/// Splits text at `%%` markers with Tsung's rules (see the module docs).
pub fn split_markers(input: &[u8]) -> Vec<RawSegment<'_>> {
    let mut out = Vec::new();
    let mut lit_start = 0;
    let mut i = 0;
    while i + 1 < input.len() {
        if input[i] != b'%' || input[i + 1] != b'%' {
            i += 1;
            continue;
        }
        if lit_start < i {
            out.push(RawSegment::Literal(&input[lit_start..i]));
        }
        let start = i;
        if input.get(i + 2) == Some(&b'_') {
            let name_start = i + 3;
            match find_close(input, name_start) {
                Some(end) => {
                    out.push(RawSegment::Var {
                        name: &input[name_start..end],
                        start,
                    });
                    i = end + 2;
                }
                None => {
                    out.push(RawSegment::Unterminated { start });
                    return out;
                }
            }
        } else {
            let mod_start = i + 2;
            let colon = input[mod_start..]
                .iter()
                .position(|&b| b == b':')
                .map(|p| p + mod_start);
            let Some(colon) = colon else {
                out.push(RawSegment::Unterminated { start });
                return out;
            };
            match find_close(input, colon + 1) {
                Some(end) => {
                    out.push(RawSegment::Call {
                        module: &input[mod_start..colon],
                        function: &input[colon + 1..end],
                        start,
                    });
                    i = end + 2;
                }
                None => {
                    out.push(RawSegment::Unterminated { start });
                    return out;
                }
            }
        }
        lit_start = i;
    }
    if lit_start < input.len() {
        out.push(RawSegment::Literal(&input[lit_start..]));
    }
    out
}

fn find_close(input: &[u8], from: usize) -> Option<usize> {
    let rest = input.get(from..)?;
    rest.windows(2).position(|w| w == b"%%").map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RawSegment::*;

    #[test]
    fn var_next_to_percent_escape() {
        assert_eq!(
            split_markers(b"u_%%_n%%%40foo.com"),
            vec![
                Literal(b"u_"),
                Var {
                    name: b"n",
                    start: 2
                },
                Literal(b"%40foo.com")
            ]
        );
    }

    #[test]
    fn call_marker() {
        assert_eq!(
            split_markers(b"<s>%%symbol:new%%</s>"),
            vec![
                Literal(b"<s>"),
                Call {
                    module: b"symbol",
                    function: b"new",
                    start: 3
                },
                Literal(b"</s>")
            ]
        );
    }

    #[test]
    fn marker_without_underscore_or_colon_swallows_rest() {
        assert_eq!(
            split_markers(b"a=%%access_token_secret%%&b=1"),
            vec![Literal(b"a="), Unterminated { start: 2 }]
        );
    }

    #[test]
    fn unterminated_var() {
        assert_eq!(
            split_markers(b"x%%_abc"),
            vec![Literal(b"x"), Unterminated { start: 1 }]
        );
    }

    #[test]
    fn plain_text_and_single_percent() {
        assert_eq!(split_markers(b"100% sure"), vec![Literal(b"100% sure")]);
        assert_eq!(split_markers(b""), vec![]);
        assert_eq!(split_markers(b"%"), vec![Literal(b"%")]);
    }

    #[test]
    fn adjacent_vars() {
        assert_eq!(
            split_markers(b"%%_a%%%%_b%%"),
            vec![
                Var {
                    name: b"a",
                    start: 0
                },
                Var {
                    name: b"b",
                    start: 6
                }
            ]
        );
    }

    #[test]
    fn template_merges_literals() {
        let t = Template::from_segments([
            Segment::Literal(b"a".to_vec().into()),
            Segment::Literal(b"".to_vec().into()),
            Segment::Literal(b"b".to_vec().into()),
            Segment::Var(VarId(3)),
        ]);
        assert_eq!(t.segments().len(), 2);
        assert!(!t.is_literal());
        assert_eq!(t.vars().collect::<Vec<_>>(), vec![VarId(3)]);
        assert_eq!(Template::literal("x").as_literal(), Some(&b"x"[..]));
        assert_eq!(Template::literal("").as_literal(), Some(&b""[..]));
    }

    proptest::proptest! {
        #[test]
        fn split_never_panics_and_literals_roundtrip(s in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let segs = split_markers(&s);
            // With no marker at all, the text comes back whole.
            if !s.windows(2).any(|w| w == b"%%") {
                let joined: Vec<u8> = segs.iter().flat_map(|seg| match seg {
                    Literal(b) => b.to_vec(),
                    _ => vec![],
                }).collect();
                proptest::prop_assert_eq!(joined, s.clone());
            }
        }
    }
}
