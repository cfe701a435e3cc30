//! A small XML tree with source positions, read the way Tsung's parser (Erlang's xmerl)
//! reads scenario files: DOCTYPE never fetched, internal and external entities expanded,
//! attribute values normalised with xmerl's rules.

mod attr_value;
mod doctype;
mod encoding;
mod reader;

pub(crate) use encoding::decode;
pub(crate) use reader::{ParseInput, parse_document};

use crate::source::Span;

/// The parsed document.
#[derive(Debug, Default)]
pub(crate) struct Document {
    pub root: Option<Element>,
    /// False when a well-formedness error stopped the parse (the tree is partial).
    pub complete: bool,
}

/// An element with its attributes and children.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub name: String,
    /// The name in the start tag.
    pub name_span: Span,
    pub attrs: Vec<Attr>,
    pub children: Vec<Node>,
}

/// A child of an element.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Element(Element),
    Text(Text),
    /// A comment or processing instruction: xmerl starts a new text node after one.
    Break,
}

/// Character data (text, CDATA sections and expanded references merged).
#[derive(Debug, Clone)]
pub(crate) struct Text {
    pub text: String,
    pub span: Span,
}

/// An attribute, its value already normalised (references expanded, whitespace rules).
#[derive(Debug, Clone)]
pub(crate) struct Attr {
    pub name: String,
    pub name_span: Span,
    pub value: String,
    /// The value between the quotes, as written.
    pub value_span: Span,
    map: ValueMap,
}

impl Attr {
    /// The source span of the byte range `range` of [`Attr::value`].
    pub fn span_of(&self, start: usize, end: usize) -> Span {
        let s = self.map.source(start, self.value_span);
        let e = self.map.source(end, self.value_span).max(s);
        Span {
            file: self.value_span.file,
            start: s,
            end: e,
        }
    }

    /// Like [`Attr::span_of`], but the span ends after the whole reference (`&quot;`, `&#10;`,
    /// an entity) that produced the last character of `start..end`, so a caret covers it.
    /// `source` is the text of the attribute's file.
    pub fn source_span(&self, start: usize, end: usize, source: &str) -> Span {
        let file = self.value_span.file;
        let s = self.map.source(start, self.value_span);
        let last = self
            .value
            .get(start..end)
            .and_then(|t| t.char_indices().next_back())
            .map(|(i, _)| start + i);
        let Some(last) = last else {
            return Span {
                file,
                start: s,
                end: s,
            };
        };
        let l = self.map.source(last, self.value_span) as usize;
        let raw_end = match source.get(l..) {
            Some(rest) if rest.starts_with('&') => rest.find(';').map_or(l + 1, |k| l + k + 1),
            Some(rest) => l + rest.chars().next().map_or(0, char::len_utf8),
            None => l,
        };
        let e = u32::try_from(raw_end)
            .unwrap_or(u32::MAX)
            .min(self.value_span.end)
            .max(s);
        Span {
            file,
            start: s,
            end: e,
        }
    }

    /// Replaces the value by a trimmed/collapsed one (DTD normalisation of tokenised
    /// attribute types), keeping positions approximately right.
    pub fn collapse_whitespace(&mut self) {
        let lead = self.value.len() - self.value.trim_start_matches(' ').len();
        let collapsed = self
            .value
            .split(' ')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>();
        let new = collapsed.join(" ");
        if new != self.value {
            let start = self.map.source(lead, self.value_span);
            self.map = ValueMap::identity(start);
            self.value = new;
        }
    }
}

/// Maps byte offsets in a normalised value back to source offsets.
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueMap {
    /// `(value offset, source offset)` breakpoints, sorted by value offset.
    points: Vec<(u32, u32)>,
}

impl ValueMap {
    pub(crate) fn identity(source_start: u32) -> Self {
        Self {
            points: vec![(0, source_start)],
        }
    }

    pub(crate) fn push(&mut self, value_off: usize, source_off: usize) {
        let v = u32::try_from(value_off).unwrap_or(u32::MAX);
        let s = u32::try_from(source_off).unwrap_or(u32::MAX);
        if let Some(last) = self.points.last_mut()
            && last.0 == v
        {
            last.1 = s;
            return;
        }
        self.points.push((v, s));
    }

    fn source(&self, value_off: usize, bounds: Span) -> u32 {
        let v = u32::try_from(value_off).unwrap_or(u32::MAX);
        let idx = self.points.partition_point(|p| p.0 <= v);
        let src = match idx.checked_sub(1).and_then(|i| self.points.get(i)) {
            Some(&(pv, ps)) => ps.saturating_add(v - pv),
            None => bounds.start,
        };
        src.clamp(bounds.start, bounds.end)
    }
}

impl Element {
    /// The attribute named `name`.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    /// The value of attribute `name`.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(|a| a.value.as_str())
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.name == name)
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The first text node (xmerl's `getText`: text up to the first comment or child
    /// element), if any.
    pub fn first_text(&self) -> Option<&Text> {
        match self.children.first() {
            Some(Node::Text(t)) => Some(t),
            _ => None,
        }
    }

    /// The span of an attribute's value, or of the element name when it is absent.
    pub fn value_span(&self, name: &str) -> Span {
        self.attr(name)
            .map(|a| a.value_span)
            .unwrap_or(self.name_span)
    }

    /// The span of a whole attribute (`name="value"`), or the element name.
    pub fn attr_span(&self, name: &str) -> Span {
        match self.attr(name) {
            Some(a) => Span {
                file: a.name_span.file,
                start: a.name_span.start,
                end: (a.value_span.end + 1).max(a.name_span.end),
            },
            None => self.name_span,
        }
    }
}
