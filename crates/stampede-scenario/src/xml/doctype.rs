//! The `<!DOCTYPE …>` declaration: its external identifier is recorded but never fetched;
//! the internal subset is scanned for `<!ENTITY>` declarations.

use crate::diagnostic::Diags;
use crate::source::Span;
use std::collections::HashMap;

/// A general entity declared in the internal subset.
#[derive(Debug, Clone)]
pub(crate) enum Entity {
    /// `<!ENTITY name "replacement text">` (character references already expanded).
    Internal {
        text: String,
        /// Where the literal's text starts in the declaring file.
        span: Span,
        /// True when `text` is the literal as written, so offsets map one to one.
        exact: bool,
    },
    /// `<!ENTITY name SYSTEM "file">`: a file to splice in, relative to the declaring file.
    External { system: String },
}

/// Entities declared by the document, by name.
#[derive(Debug, Default, Clone)]
pub(crate) struct Entities {
    pub map: HashMap<String, Entity>,
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
    base: usize,
    file: u16,
}

impl<'a> Cursor<'a> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.base + start, self.base + end)
    }
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }
    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn skip_ws(&mut self) -> bool {
        let n = self.rest().len() - self.rest().trim_start_matches(is_xml_ws).len();
        self.pos += n;
        n > 0
    }
    fn name(&mut self) -> Option<(usize, &'a str)> {
        let start = self.pos;
        let len = self
            .rest()
            .find(|c: char| is_xml_ws(c) || matches!(c, '"' | '\'' | '>' | '[' | ']' | '%' | ';'))
            .unwrap_or(self.rest().len());
        if len == 0 {
            return None;
        }
        self.pos += len;
        Some((start, &self.s[start..start + len]))
    }
    fn quoted(&mut self) -> Option<(usize, &'a str)> {
        let q = self.rest().chars().next()?;
        if q != '"' && q != '\'' {
            return None;
        }
        let start = self.pos + 1;
        let close = self.s[start..].find(q)?;
        self.pos = start + close + 1;
        Some((start, &self.s[start..start + close]))
    }
    /// Skips to just after the `>` that ends the current declaration, stepping over quoted
    /// strings.
    fn skip_decl(&mut self) {
        let mut quote: Option<char> = None;
        for (i, c) in self.rest().char_indices() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c == '>' => {
                    self.pos += i + 1;
                    return;
                }
                None => {}
            }
        }
        self.pos = self.s.len();
    }
}

pub(crate) fn is_xml_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// Scans the text between `<!DOCTYPE` and the final `>` (`content`, starting at byte
/// `base` of file `file`) and returns the declared entities.
pub(crate) fn parse_doctype(content: &str, base: usize, file: u16, diags: &mut Diags) -> Entities {
    let mut cur = Cursor {
        s: content,
        pos: 0,
        base,
        file,
    };
    let mut entities = Entities::default();
    cur.skip_ws();
    if cur.name().is_none() {
        diags.error(
            "xml-syntax",
            cur.span(0, 0),
            "the DOCTYPE declaration has no root element name",
        );
        return entities;
    }
    cur.skip_ws();
    // External ID (never fetched).
    if cur.rest().starts_with("SYSTEM") {
        cur.pos += "SYSTEM".len();
        cur.skip_ws();
        let _ = cur.quoted();
    } else if cur.rest().starts_with("PUBLIC") {
        cur.pos += "PUBLIC".len();
        cur.skip_ws();
        let _ = cur.quoted();
        cur.skip_ws();
        let _ = cur.quoted();
    }
    cur.skip_ws();
    if !cur.rest().starts_with('[') {
        if !cur.eof() {
            let at = cur.pos;
            diags.error(
                "xml-syntax",
                cur.span(at, content.len()),
                "unexpected text in the DOCTYPE declaration",
            );
        }
        return entities;
    }
    cur.pos += 1;
    parse_subset(&mut cur, &mut entities, diags);
    entities
}

fn parse_subset(cur: &mut Cursor<'_>, entities: &mut Entities, diags: &mut Diags) {
    let mut warned_decls = false;
    loop {
        cur.skip_ws();
        if cur.eof() {
            let at = cur.pos;
            diags.error(
                "xml-syntax",
                cur.span(at, at),
                "the internal DTD subset is not closed with `]`",
            );
            return;
        }
        let rest = cur.rest();
        if rest.starts_with(']') {
            cur.pos += 1;
            cur.skip_ws();
            if !cur.eof() {
                let at = cur.pos;
                diags.error(
                    "xml-syntax",
                    cur.span(at, cur.s.len()),
                    "unexpected text after the internal DTD subset",
                );
            }
            return;
        }
        if rest.starts_with("<!--") {
            match rest.find("-->") {
                Some(end) => cur.pos += end + 3,
                None => {
                    let at = cur.pos;
                    diags.error(
                        "xml-syntax",
                        cur.span(at, at + 4),
                        "comment is never closed",
                    );
                    return;
                }
            }
        } else if rest.starts_with("<?") {
            match rest.find("?>") {
                Some(end) => cur.pos += end + 2,
                None => {
                    let at = cur.pos;
                    diags.error(
                        "xml-syntax",
                        cur.span(at, at + 2),
                        "processing instruction is never closed",
                    );
                    return;
                }
            }
        } else if rest.starts_with("<!ENTITY") {
            parse_entity(cur, entities, diags);
        } else if rest.starts_with("<!ELEMENT")
            || rest.starts_with("<!ATTLIST")
            || rest.starts_with("<!NOTATION")
        {
            let at = cur.pos;
            cur.skip_decl();
            if !warned_decls {
                warned_decls = true;
                diags
                    .warning(
                        "dtd-declaration-ignored",
                        cur.span(at, at + 9),
                        "element and attribute declarations in the DOCTYPE are ignored",
                    )
                    .note(
                        "Stampede checks scenarios against its own copy of Tsung's grammar; \
                         only <!ENTITY> declarations are used",
                    );
            }
        } else if rest.starts_with('%') {
            let at = cur.pos;
            cur.pos += 1;
            let _ = cur.name();
            if cur.rest().starts_with(';') {
                cur.pos += 1;
            }
            diags.warning(
                "parameter-entity",
                cur.span(at, cur.pos),
                "parameter entity references are not supported and are ignored",
            );
        } else {
            let at = cur.pos;
            let end = rest.find(is_xml_ws).unwrap_or(rest.len()).max(1);
            diags.error(
                "xml-syntax",
                cur.span(at, at + end),
                "unexpected text in the internal DTD subset",
            );
            cur.skip_decl();
        }
    }
}

fn parse_entity(cur: &mut Cursor<'_>, entities: &mut Entities, diags: &mut Diags) {
    let decl_start = cur.pos;
    cur.pos += "<!ENTITY".len();
    cur.skip_ws();
    let parameter = if cur.rest().starts_with('%') {
        cur.pos += 1;
        cur.skip_ws();
        true
    } else {
        false
    };
    let Some((name_at, name)) = cur.name() else {
        diags.error(
            "xml-syntax",
            cur.span(decl_start, cur.pos),
            "<!ENTITY> without a name",
        );
        cur.skip_decl();
        return;
    };
    let name = name.to_owned();
    cur.skip_ws();
    let entity = if cur.rest().starts_with(['"', '\'']) {
        let Some((at, lit)) = cur.quoted() else {
            diags.error(
                "xml-syntax",
                cur.span(cur.pos, cur.pos + 1),
                "the entity value is never closed",
            );
            cur.pos = cur.s.len();
            return;
        };
        let (text, exact) = expand_char_refs(lit);
        Entity::Internal {
            text,
            span: cur.span(at, at + lit.len()),
            exact,
        }
    } else if cur.rest().starts_with("SYSTEM") || cur.rest().starts_with("PUBLIC") {
        let public = cur.rest().starts_with("PUBLIC");
        cur.pos += 6;
        cur.skip_ws();
        if public {
            let _ = cur.quoted();
            cur.skip_ws();
        }
        let Some((at, sys)) = cur.quoted() else {
            diags.error(
                "xml-syntax",
                cur.span(cur.pos, cur.pos),
                "expected a quoted file name after SYSTEM",
            );
            cur.skip_decl();
            return;
        };
        cur.skip_ws();
        if cur.rest().starts_with("NDATA") {
            diags.warning(
                "entity-ignored",
                cur.span(name_at, name_at + name.len()),
                format!("unparsed entity `{name}` (NDATA) is ignored"),
            );
            cur.skip_decl();
            return;
        }
        let _ = at;
        Entity::External {
            system: sys.to_owned(),
        }
    } else {
        diags.error(
            "xml-syntax",
            cur.span(name_at, name_at + name.len()),
            format!("entity `{name}` needs a quoted value or SYSTEM \"file\""),
        );
        cur.skip_decl();
        return;
    };
    cur.skip_ws();
    if cur.rest().starts_with('>') {
        cur.pos += 1;
    } else {
        diags.error(
            "xml-syntax",
            cur.span(cur.pos, cur.pos),
            format!("expected `>` to end the declaration of entity `{name}`"),
        );
        cur.skip_decl();
    }
    if parameter {
        diags.warning(
            "parameter-entity",
            cur.span(name_at, name_at + name.len()),
            format!("parameter entity `%{name};` is not supported and is ignored"),
        );
        return;
    }
    // The first declaration wins, as in XML.
    entities.map.entry(name).or_insert(entity);
}

/// Expands character references in an entity value; general references are kept for
/// expansion at the place of use. Returns the text and whether it is unchanged.
fn expand_char_refs(lit: &str) -> (String, bool) {
    if !lit.contains("&#") {
        return (lit.to_owned(), true);
    }
    let mut out = String::with_capacity(lit.len());
    let mut rest = lit;
    while let Some(i) = rest.find("&#") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        match after
            .find(';')
            .and_then(|end| char_ref_value(&after[..end]).map(|c| (c, end)))
        {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("&#");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    (out, false)
}

/// Finds a `<!DOCTYPE …>` in the prolog of `text`: returns the offset of `<!DOCTYPE`, of its
/// content (after the keyword) and one past its final `>`. Quotes, comments and processing
/// instructions inside are stepped over, so `]` or `>` in an entity value do not end it.
pub(crate) fn find_doctype(text: &str) -> Option<(usize, usize, usize)> {
    let bytes = text.as_bytes();
    let find = |from: usize, needle: &[u8]| -> Option<usize> {
        bytes
            .get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut i = 0;
    // The prolog: declaration, white space, comments and PIs.
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        let rest = &bytes[i..];
        if rest.starts_with(b"<?") {
            i = find(i, b"?>")? + 2;
        } else if rest.starts_with(b"<!--") {
            i = find(i + 4, b"-->")? + 3;
        } else if rest.starts_with(b"<!DOCTYPE") {
            break;
        } else {
            return None;
        }
    }
    let start = i;
    let content = i + "<!DOCTYPE".len();
    let mut j = content;
    let mut in_subset = false;
    while j < bytes.len() {
        let rest = &bytes[j..];
        match bytes[j] {
            q @ (b'"' | b'\'') => {
                j = find(j + 1, &[q])? + 1;
                continue;
            }
            b'<' if in_subset && rest.starts_with(b"<!--") => {
                j = find(j + 4, b"-->")? + 3;
                continue;
            }
            b'<' if in_subset && rest.starts_with(b"<?") => {
                j = find(j + 2, b"?>")? + 2;
                continue;
            }
            b'[' if !in_subset => in_subset = true,
            b']' if in_subset => in_subset = false,
            b'>' if !in_subset => return Some((start, content, j + 1)),
            _ => {}
        }
        j += 1;
    }
    None
}

/// The character of a reference body (`10`, `x22`).
pub(crate) fn char_ref_value(body: &str) -> Option<char> {
    let n = if let Some(hex) = body.strip_prefix('x') {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(hex, 16).ok()?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse::<u32>().ok()?
    };
    let c = char::from_u32(n)?;
    is_xml_char(c).then_some(c)
}

/// Characters allowed in XML 1.0 documents.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (Entities, Vec<String>) {
        let mut d = Diags::default();
        let e = parse_doctype(s, 0, 0, &mut d);
        let msgs = d
            .finish(&crate::source::SourceMap::default())
            .into_iter()
            .map(|d| d.message)
            .collect();
        (e, msgs)
    }

    #[test]
    fn system_id_only() {
        let (e, m) = parse(r#" tsung SYSTEM "/usr/share/tsung/tsung-1.0.dtd""#);
        assert!(e.map.is_empty());
        assert!(m.is_empty(), "{m:?}");
    }

    #[test]
    fn internal_and_external_entities() {
        let (e, m) = parse(
            r#" tsung SYSTEM "tsung-1.0.dtd" [
  <!-- comment with > inside -->
  <!ENTITY host "example.com">
  <!ENTITY gt2 'a &#62; b &amp; c'>
  <!ENTITY rec SYSTEM "sessions/rec.xml">
]"#,
        );
        assert!(m.is_empty(), "{m:?}");
        match &e.map["host"] {
            Entity::Internal { text, exact, .. } => {
                assert_eq!(text, "example.com");
                assert!(exact);
            }
            other => panic!("{other:?}"),
        }
        match &e.map["gt2"] {
            Entity::Internal { text, exact, .. } => {
                assert_eq!(text, "a > b &amp; c");
                assert!(!exact);
            }
            other => panic!("{other:?}"),
        }
        match &e.map["rec"] {
            Entity::External { system, .. } => assert_eq!(system, "sessions/rec.xml"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_subset_and_ignored_declarations() {
        let (e, m) = parse(r#" tsung SYSTEM "x.dtd" []"#);
        assert!(e.map.is_empty() && m.is_empty());
        let (_, m) = parse(r#" tsung [ <!ATTLIST http foo CDATA #IMPLIED> ]"#);
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn malformed_subset_reports_without_panicking() {
        for s in [
            " tsung [",
            " tsung [ <!ENTITY",
            " tsung [ <!ENTITY x \"abc",
            " tsung [ <!ENTITY x SYSTEM> ]",
            " tsung [ garbage ]",
            "",
            " tsung [ <!-- ]",
        ] {
            let (_, m) = parse(s);
            assert!(!m.is_empty(), "{s:?}");
        }
    }

    #[test]
    fn doctype_boundaries() {
        let t =
            "<?xml version=\"1.0\"?>\n<!-- c -->\n<!DOCTYPE t [<!ENTITY a \"]>\"><!-- ]> -->]><t/>";
        let (s, c, e) = find_doctype(t).unwrap();
        assert!(t[s..].starts_with("<!DOCTYPE"));
        assert_eq!(&t[c..e], " t [<!ENTITY a \"]>\"><!-- ]> -->]>");
        assert_eq!(&t[e..], "<t/>");
        assert_eq!(find_doctype("<t/>"), None);
        assert_eq!(find_doctype("<!DOCTYPE t [ <!ENTITY a \"x"), None);
    }

    #[test]
    fn char_refs() {
        assert_eq!(char_ref_value("10"), Some('\n'));
        assert_eq!(char_ref_value("x22"), Some('"'));
        assert_eq!(char_ref_value("x"), None);
        assert_eq!(char_ref_value("0"), None);
        assert_eq!(char_ref_value("99999999999"), None);
        assert_eq!(char_ref_value("xD800"), None);
    }
}
