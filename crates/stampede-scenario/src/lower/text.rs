//! Turning attribute text into [`Template`]s: substitution only where Tsung substitutes, and
//! the bytes Tsung puts on the wire (ISO-8859-1).

use super::{Lower, UseKind, VarEvent};
use crate::source::Span;
use crate::xml::Attr;
use stampede_model::template::{RawSegment, split_markers};
use stampede_model::{Segment, Template};

/// Whether a field is substituted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// `%%…%%` markers are substituted.
    Subst,
    /// Sent as written because the request has no `subst="true"`.
    NoSubst,
    /// Sent as written because the request has `subst="all_except_body"`.
    BodyExcluded,
    /// Tsung never substitutes this field.
    Never,
}

impl Mode {
    /// `Subst` when `on`, `NoSubst` otherwise.
    pub(crate) fn when(on: bool) -> Mode {
        if on { Mode::Subst } else { Mode::NoSubst }
    }
}

/// A marker left as literal text, reported once per request.
#[derive(Clone, Debug)]
pub(crate) struct LiteralMarker {
    pub span: Span,
    pub marker: String,
    pub field: String,
    pub mode: Mode,
}

/// Source positions of a text: its span and a way to map byte ranges inside it.
pub(crate) enum Place<'a> {
    Attr(&'a Attr),
    /// A part of an attribute's value starting at this byte offset.
    AttrAt(&'a Attr, usize),
    /// Element text: the span of the whole text (positions inside are approximate).
    Text(Span),
}

impl Place<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        match self {
            Place::Attr(a) => a.span_of(start, end),
            Place::AttrAt(a, base) => a.span_of(base + start, base + end),
            Place::Text(s) => *s,
        }
    }
}

/// Whether Tsung's `re:run(Value, "%%.+%%")` matches: markers present.
pub(crate) fn has_markers(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("%%") {
        let after = &rest[i + 2..];
        // ".+" cannot cross a newline; the closing "%%" must come after at least one char.
        let line_end = after.find('\n').unwrap_or(after.len());
        let line = &after[..line_end];
        if line.len() > 1 && line[1..].contains("%%") {
            return true;
        }
        rest = &rest[i + 1..];
    }
    false
}

impl Lower<'_> {
    /// The template for an attribute's value. `field` names it for messages.
    pub(crate) fn template(&mut self, attr: &Attr, mode: Mode, field: &str) -> Template {
        self.template_in(&attr.value, &Place::Attr(attr), mode, field)
    }

    /// The template for text at `place`.
    pub(crate) fn template_in(
        &mut self,
        text: &str,
        place: &Place<'_>,
        mode: Mode,
        field: &str,
    ) -> Template {
        let bytes = text.as_bytes();
        let segs = split_markers(bytes);
        if mode != Mode::Subst {
            for seg in &segs {
                let (start, end) = match seg {
                    RawSegment::Var { name, start } => (*start, start + name.len() + 5),
                    RawSegment::Call {
                        module,
                        function,
                        start,
                    } => (*start, start + module.len() + function.len() + 5),
                    _ => continue,
                };
                let marker = text
                    .get(start..end.min(text.len()))
                    .unwrap_or("")
                    .to_owned();
                self.literal_marker(LiteralMarker {
                    span: place.span(start, end),
                    marker,
                    field: field.to_owned(),
                    mode,
                });
            }
            let wire = self.wire_bytes(text, place, field);
            return Template::literal(wire);
        }
        let mut out = Vec::with_capacity(segs.len());
        for seg in segs {
            match seg {
                RawSegment::Literal(lit) => {
                    let start = offset_of(bytes, lit);
                    let s = text.get(start..start + lit.len()).unwrap_or("");
                    let sub_place = match place {
                        Place::Attr(a) => Place::AttrAt(a, start),
                        Place::AttrAt(a, base) => Place::AttrAt(a, base + start),
                        Place::Text(sp) => Place::Text(*sp),
                    };
                    let wire = self.wire_bytes_at(s, &sub_place, field);
                    out.push(Segment::Literal(wire.into_boxed_slice()));
                }
                RawSegment::Var { name, start } => {
                    let span = place.span(start, start + name.len() + 5);
                    let name = String::from_utf8_lossy(name).into_owned();
                    if name.is_empty() {
                        self.diags
                            .error("empty-variable", span, "`%%_%%` names no variable")
                            .help("write the variable's name after `%%_`, e.g. `%%_user_id%%`");
                        continue;
                    }
                    let id = self.var(&name, span);
                    self.events.push(VarEvent::Use(id, span, UseKind::Subst));
                    out.push(Segment::Var(id));
                }
                RawSegment::Call {
                    module,
                    function,
                    start,
                } => {
                    let span = place.span(start, start + module.len() + function.len() + 5);
                    let m = String::from_utf8_lossy(module).into_owned();
                    let f = String::from_utf8_lossy(function).into_owned();
                    if let Some(mf) = self.callback(&m, &f, span) {
                        out.push(Segment::Call(mf));
                    }
                }
                RawSegment::Unterminated { start } => {
                    let span = place.span(start, text.len());
                    let shown: String = text[start..].chars().take(40).collect();
                    let looks_like_var = !text[start + 2..].starts_with('_')
                        && text[start + 2..]
                            .split("%%")
                            .next()
                            .is_some_and(|n| !n.contains(':') && !n.is_empty());
                    let help = if looks_like_var {
                        let name: String = text[start + 2..]
                            .split("%%")
                            .next()
                            .unwrap_or("")
                            .to_owned();
                        format!(
                            "a variable is written with an underscore: `%%_{name}%%`; \
                             `%%{name}…` starts a `%%module:function%%` call that never ends"
                        )
                    } else {
                        "close the marker with `%%` (`%%_name%%` or `%%module:function%%`)"
                            .to_owned()
                    };
                    self.diags
                        .warning(
                            "unterminated-marker",
                            span,
                            format!(
                                "`{shown}` starts a substitution marker that never ends: Tsung \
                                 silently drops everything from here to the end of the {field}"
                            ),
                        )
                        .help(help);
                }
            }
        }
        Template::from_segments(out)
    }

    /// A marker sent literally: collected per request, or reported now.
    fn literal_marker(&mut self, m: LiteralMarker) {
        match &mut self.literal_markers {
            Some(list) => list.push(m),
            None => {
                let msg = literal_marker_message(&m);
                self.diags
                    .warning("literal-marker", m.span, msg)
                    .help_opt(literal_marker_help(m.mode));
            }
        }
    }

    /// Reports the markers collected for one request as a single warning.
    pub(crate) fn flush_literal_markers(&mut self) {
        let Some(list) = self.literal_markers.take() else {
            return;
        };
        let Some(first) = list.first() else {
            return;
        };
        let d = self
            .diags
            .warning("literal-marker", first.span, literal_marker_message(first));
        d.help_opt(literal_marker_help(first.mode));
        let others: Vec<String> = list[1..]
            .iter()
            .map(|m| format!("`{}` in {}", m.marker, m.field))
            .collect();
        if !others.is_empty() {
            d.note(format!("also sent as written: {}", others.join(", ")));
        }
    }

    /// The bytes Tsung sends for `text`: each character as one ISO-8859-1 byte.
    pub(crate) fn wire_bytes(&mut self, text: &str, place: &Place<'_>, field: &str) -> Vec<u8> {
        self.wire_bytes_at(text, place, field)
    }

    fn wire_bytes_at(&mut self, text: &str, place: &Place<'_>, field: &str) -> Vec<u8> {
        if text.is_ascii() {
            return text.as_bytes().to_vec();
        }
        let mut out = Vec::with_capacity(text.len());
        let mut warned_high = false;
        let mut failed = false;
        let single_byte = self
            .sources
            .file(place.span(0, 0).file)
            .is_some_and(|f| f.single_byte);
        for (i, c) in text.char_indices() {
            let code = c as u32;
            if code < 0x80 {
                out.push(code as u8);
            } else if code <= 0xFF {
                out.push(code as u8);
                if !warned_high && !single_byte {
                    warned_high = true;
                    let utf8: String = c
                        .encode_utf8(&mut [0; 4])
                        .bytes()
                        .map(|b| format!("%{b:02X}"))
                        .collect();
                    self.diags
                        .warning(
                            "latin1-byte",
                            place.span(i, i + c.len_utf8()),
                            format!(
                                "`{c}` in the {field} is sent as the single byte 0x{code:02X} \
                                 (ISO-8859-1), as Tsung does, not as UTF-8"
                            ),
                        )
                        .help(format!(
                            "for UTF-8 write it percent-encoded (`{utf8}`) in URLs and form \
                             bodies, or use `contents_from_file` for a body"
                        ));
                }
            } else {
                if !failed {
                    failed = true;
                    self.diags
                        .error(
                            "unsendable-char",
                            place.span(i, i + c.len_utf8()),
                            format!(
                                "`{c}` (U+{code:04X}) in the {field} cannot be sent: Tsung sends \
                                 this text as ISO-8859-1 and refuses characters above U+00FF"
                            ),
                        )
                        .help(
                            "percent-encode it in URLs and form bodies, or put the body in a \
                             file and use `contents_from_file`",
                        );
                }
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        out
    }
}

fn literal_marker_message(m: &LiteralMarker) -> String {
    match m.mode {
        Mode::NoSubst => format!(
            "`{}` in the {} is sent as written: the request has no `subst=\"true\"`",
            m.marker, m.field
        ),
        Mode::BodyExcluded => format!(
            "`{}` in the body is sent as written: the request has `subst=\"all_except_body\"`",
            m.marker
        ),
        Mode::Never | Mode::Subst => format!(
            "`{}` in the {} is sent as written: Tsung never substitutes in this field",
            m.marker, m.field
        ),
    }
}

fn literal_marker_help(mode: Mode) -> Option<String> {
    match mode {
        Mode::NoSubst => Some("add `subst=\"true\"` to the `<request>` to substitute it".into()),
        Mode::BodyExcluded => Some("use `subst=\"true\"` to substitute the body too".into()),
        Mode::Never | Mode::Subst => None,
    }
}

fn offset_of(whole: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsung_marker_detection() {
        assert!(has_markers("%%_a%%"));
        assert!(has_markers("x %%_a%% y"));
        assert!(has_markers("%%m:f%%"));
        assert!(!has_markers("%%%%"));
        assert!(!has_markers("100%"));
        assert!(!has_markers("%%_a"));
        assert!(!has_markers("%%_a\n%%"));
        assert!(has_markers("%%%%%"));
    }
}
