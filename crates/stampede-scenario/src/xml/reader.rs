//! Builds the element tree from the token stream of `quick-xml`, expanding entities (external
//! ones splice in other files, which keep their own positions) and checking well-formedness
//! the way xmerl does.

use super::attr_value::normalize;
use super::doctype::{
    Entities, Entity, char_ref_value, find_doctype, is_xml_char, is_xml_ws, parse_doctype,
};
use super::{Attr, Document, Element, Node, Text, ValueMap, decode};
use crate::diagnostic::Diags;
use crate::source::{SourceMap, Span};
use quick_xml::events::Event;
use std::path::{Path, PathBuf};

/// Most nested entity expansions.
const MAX_ENTITY_DEPTH: usize = 16;
/// Most bytes produced by entity expansion in one document (guards against "billion laughs").
const MAX_EXPANDED: usize = 64 << 20;

/// What to parse: a file already added to the [`SourceMap`].
#[derive(Debug)]
pub(crate) struct ParseInput<'a> {
    pub file: u16,
    /// Directory that external entities are resolved against.
    pub base_dir: &'a Path,
}

/// Parses the main file. Well-formedness errors stop the parse of the file they are in and
/// are reported; the tree built so far is returned.
pub(crate) fn parse_document(
    input: ParseInput<'_>,
    sources: &mut SourceMap,
    diags: &mut Diags,
) -> Document {
    let text = sources
        .file(input.file)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let mut b = Builder {
        sources,
        diags,
        entities: Entities::default(),
        base_dir: input.base_dir.to_path_buf(),
        stack: Vec::new(),
        root: None,
        pending: None,
        expanding: Vec::new(),
        expanded_bytes: 0,
        has_doctype: false,
        root_closed: false,
    };
    let origin = Origin {
        file: input.file,
        base: 0,
        exact: true,
    };
    // The DOCTYPE is read here, and blanked for the tokenizer (offsets unchanged), because
    // quick-xml ends it at a `]>` even inside a quoted entity value.
    let mut text = text;
    if let Some((start, content, end)) = find_doctype(&text) {
        let inner = text.get(content..end - 1).unwrap_or("");
        b.entities = parse_doctype(inner, content, input.file, b.diags);
        b.has_doctype = true;
        let blank = " ".repeat(end - start);
        text.replace_range(start..end, &blank);
    }
    let fine = b.feed(&text, origin, None).is_ok();
    if fine && b.root.is_none() && b.stack.is_empty() {
        let end = text.len();
        b.diags.error(
            "xml-syntax",
            Span::point(input.file, end),
            "the file has no root element (expected `<tsung>`)",
        );
    }
    // Close whatever is left open (after a fatal error) so the partial tree is usable.
    while let Some(el) = b.stack.pop() {
        b.attach(el);
    }
    Document {
        root: b.root,
        complete: fine,
    }
}

/// Where a piece of text comes from.
#[derive(Clone, Copy, Debug)]
struct Origin {
    file: u16,
    /// Source offset of the text's first byte.
    base: usize,
    /// False for entity text whose character references were expanded: positions inside
    /// it are approximated by `base`.
    exact: bool,
}

impl Origin {
    fn span(&self, start: usize, end: usize) -> Span {
        if self.exact {
            Span::new(self.file, self.base + start, self.base + end)
        } else {
            Span::point(self.file, self.base)
        }
    }
    fn offset(&self, pos: usize) -> usize {
        if self.exact {
            self.base + pos
        } else {
            self.base
        }
    }
}

/// An error that stops parsing the current file.
struct Fatal;

struct Builder<'s> {
    sources: &'s mut SourceMap,
    diags: &'s mut Diags,
    entities: Entities,
    base_dir: PathBuf,
    stack: Vec<Element>,
    root: Option<Element>,
    /// Character data not yet attached to the current element.
    pending: Option<Text>,
    /// Names of the entities being expanded (cycle guard).
    expanding: Vec<String>,
    expanded_bytes: usize,
    has_doctype: bool,
    root_closed: bool,
}

/// The byte offset of `part` inside `whole`, when it is a sub-slice of it.
fn offset_in(whole: &str, part: &[u8]) -> Option<usize> {
    let start = whole.as_ptr() as usize;
    let p = part.as_ptr() as usize;
    (p >= start && p + part.len() <= start + whole.len()).then(|| p - start)
}

impl Builder<'_> {
    /// Parses `text` (a whole file or an entity's replacement text). `entity` names the
    /// entity being expanded, if any.
    fn feed(&mut self, text: &str, origin: Origin, entity: Option<&str>) -> Result<(), Fatal> {
        let mut reader = quick_xml::Reader::from_str(text);
        {
            let cfg = reader.config_mut();
            cfg.trim_text(false);
            cfg.expand_empty_elements = false;
            cfg.check_end_names = false;
            cfg.check_comments = false;
            cfg.allow_dangling_amp = true;
            cfg.allow_unmatched_ends = true;
        }
        let depth_at_start = self.stack.len();
        loop {
            let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            let event = match reader.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    let at = usize::try_from(reader.error_position()).unwrap_or(before);
                    self.syntax_error(origin, at.min(text.len()), &e);
                    return Err(Fatal);
                }
            };
            let after = usize::try_from(reader.buffer_position())
                .unwrap_or(text.len())
                .min(text.len());
            match event {
                Event::Decl(_) => {
                    if before != 0 {
                        self.diags.error(
                            "xml-syntax",
                            origin.span(before, after),
                            "the XML declaration must be at the very start of the file",
                        );
                    }
                }
                Event::PI(_) => {
                    self.flush();
                    self.push_node(Node::Break);
                }
                Event::Comment(c) => {
                    let start = offset_in(text, &c).unwrap_or(before);
                    self.check_comment(text, start, c.len(), origin);
                    self.flush();
                    self.push_node(Node::Break);
                }
                Event::DocType(d) => {
                    let start = offset_in(text, &d).unwrap_or(before);
                    let content = text.get(start..start + d.len()).unwrap_or("");
                    if entity.is_some()
                        || self.has_doctype
                        || self.root.is_some()
                        || !self.stack.is_empty()
                    {
                        self.diags.error(
                            "xml-syntax",
                            origin.span(before, after),
                            "a DOCTYPE declaration is only allowed once, before the root element",
                        );
                    } else {
                        self.has_doctype = true;
                        self.entities =
                            parse_doctype(content, origin.offset(start), origin.file, self.diags);
                    }
                }
                ev @ (Event::Start(_) | Event::Empty(_)) => {
                    let (e, self_closing) = match ev {
                        Event::Empty(e) => (e, true),
                        Event::Start(e) => (e, false),
                        _ => continue,
                    };
                    let raw_start = offset_in(text, &e).unwrap_or(before + 1);
                    let raw = text.get(raw_start..raw_start + e.len()).unwrap_or("");
                    self.flush();
                    let el = self.start_tag(raw, raw_start, origin);
                    if self.stack.is_empty() && (self.root.is_some() || self.root_closed) {
                        self.diags.error(
                            "xml-syntax",
                            el.name_span,
                            format!("`<{}>` comes after the root element has ended; a document has one root", el.name),
                        );
                        return Err(Fatal);
                    }
                    if self_closing {
                        self.attach(el);
                    } else {
                        self.stack.push(el);
                    }
                }
                Event::End(e) => {
                    self.flush();
                    let name_start = offset_in(text, &e).unwrap_or(before + 2);
                    let name = String::from_utf8_lossy(&e).trim().to_owned();
                    let span = origin.span(name_start, name_start + e.len());
                    if self.stack.len() <= depth_at_start {
                        let msg = match entity {
                            Some(ent) => format!(
                                "`</{name}>` closes an element opened outside entity `{ent}`"
                            ),
                            None => format!("`</{name}>` has no matching start tag"),
                        };
                        self.diags.error("xml-syntax", span, msg);
                        return Err(Fatal);
                    }
                    let Some(top) = self.stack.pop() else {
                        return Err(Fatal);
                    };
                    if top.name != name {
                        let (l, c) = self.sources.line_col(top.name_span);
                        self.diags
                            .error(
                                "xml-syntax",
                                span,
                                format!("`</{name}>` does not close `<{}>`", top.name),
                            )
                            .note(format!(
                                "`<{}>` was opened at line {l}, column {c}",
                                top.name
                            ));
                        self.stack.push(top);
                        return Err(Fatal);
                    }
                    self.attach(top);
                }
                Event::Text(t) => {
                    let start = offset_in(text, &t).unwrap_or(before);
                    let raw = text.get(start..start + t.len()).unwrap_or("");
                    self.text(raw, start, origin, false);
                }
                Event::CData(t) => {
                    let start = offset_in(text, &t).unwrap_or(before);
                    let raw = text.get(start..start + t.len()).unwrap_or("");
                    self.text(raw, start, origin, true);
                }
                Event::GeneralRef(r) => {
                    let start = offset_in(text, &r).unwrap_or(before + 1);
                    let name = String::from_utf8_lossy(&r).into_owned();
                    let span = origin.span(start.saturating_sub(1), start + r.len() + 1);
                    self.reference(&name, span, origin)?;
                }
                Event::Eof => break,
            }
        }
        if self.stack.len() > depth_at_start {
            let open = &self.stack[self.stack.len() - 1];
            let msg = match entity {
                Some(ent) => format!(
                    "`<{}>` is not closed before the end of entity `{ent}`",
                    open.name
                ),
                None => format!("`<{}>` is never closed", open.name),
            };
            let span = open.name_span;
            self.diags.error("xml-syntax", span, msg);
            return Err(Fatal);
        }
        if entity.is_none() {
            self.flush();
        }
        Ok(())
    }

    fn syntax_error(&mut self, origin: Origin, at: usize, e: &quick_xml::Error) {
        use quick_xml::errors::{Error as E, IllFormedError as I, SyntaxError as S};
        let (msg, help) = match e {
            E::Syntax(S::UnclosedComment) => {
                ("a comment is never closed with `-->`".to_owned(), None)
            }
            E::Syntax(S::UnclosedCData) => (
                "a CDATA section is never closed with `]]>`".to_owned(),
                None,
            ),
            E::Syntax(S::UnclosedDoctype) => {
                ("the DOCTYPE declaration is never closed".to_owned(), None)
            }
            E::Syntax(S::UnclosedTag) => ("a tag is never closed with `>`".to_owned(), None),
            E::Syntax(S::UnclosedPIOrXmlDecl) => (
                "a processing instruction or XML declaration is never closed with `?>`".to_owned(),
                None,
            ),
            E::Syntax(S::InvalidBangMarkup) => (
                "unknown markup after `<!`".to_owned(),
                Some("comments are written `<!-- … -->`".to_owned()),
            ),
            E::IllFormed(I::MissingDoctypeName) => {
                ("the DOCTYPE has no root element name".to_owned(), None)
            }
            E::IllFormed(I::MissingDeclVersion(_)) => (
                "the XML declaration must start with `version`".to_owned(),
                Some("write `<?xml version=\"1.0\"?>`".to_owned()),
            ),
            other => (format!("malformed XML: {other}"), None),
        };
        self.diags
            .error("xml-syntax", origin.span(at, at + 1), msg)
            .help_opt(help);
    }

    fn check_comment(&mut self, text: &str, start: usize, len: usize, origin: Origin) {
        let body = text.get(start..start + len).unwrap_or("");
        if let Some(i) = body.find("--") {
            self.diags
                .error(
                    "xml-syntax",
                    origin.span(start + i, start + i + 2),
                    "`--` is not allowed inside a comment",
                )
                .help("Tsung's XML parser refuses it too: replace it, e.g. with `- -` or `==`");
        } else if body.ends_with('-') {
            self.diags
                .error(
                    "xml-syntax",
                    origin.span(start + len - 1, start + len),
                    "a comment must not end with `--->`",
                )
                .help("put a space before `-->`");
        }
    }

    fn push_node(&mut self, node: Node) {
        if let Some(top) = self.stack.last_mut() {
            top.children.push(node);
        }
    }

    fn flush(&mut self) {
        if let Some(t) = self.pending.take() {
            self.push_node(Node::Text(t));
        }
    }

    fn attach(&mut self, el: Element) {
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(Node::Element(el)),
            None => {
                if self.root.is_none() {
                    self.root = Some(el);
                }
                self.root_closed = true;
            }
        }
    }

    fn append_text(&mut self, s: &str, span: Span) {
        match &mut self.pending {
            Some(t) => {
                t.text.push_str(s);
                if t.span.file == span.file {
                    t.span.end = t.span.end.max(span.end);
                }
            }
            None => {
                self.pending = Some(Text {
                    text: s.to_owned(),
                    span,
                })
            }
        }
    }

    /// Literal text or CDATA: line ends are normalised to `\n`.
    fn text(&mut self, raw: &str, start: usize, origin: Origin, cdata: bool) {
        let span = origin.span(start, start + raw.len());
        if self.stack.is_empty() {
            if let Some(i) = raw.find(|c: char| !is_xml_ws(c)) {
                self.diags.error(
                    "xml-syntax",
                    origin.span(start + i, start + raw.len()),
                    "text is not allowed outside the root element",
                );
            }
            return;
        }
        if !cdata && let Some(i) = raw.find('&') {
            self.diags
                .error(
                    "xml-syntax",
                    origin.span(start + i, start + i + 1),
                    "`&` must start a reference such as `&amp;`",
                )
                .help("write a literal ampersand as `&amp;`");
        }
        if let Some((i, c)) = raw.char_indices().find(|&(_, c)| !is_xml_char(c)) {
            self.diags.error(
                "xml-syntax",
                origin.span(start + i, start + i + c.len_utf8()),
                format!(
                    "character U+{:04X} is not allowed in an XML document",
                    c as u32
                ),
            );
        }
        let normalized = if raw.contains('\r') {
            raw.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            raw.to_owned()
        };
        self.append_text(&normalized, span);
    }

    fn reference(&mut self, name: &str, span: Span, origin: Origin) -> Result<(), Fatal> {
        if self.stack.is_empty() {
            self.diags.error(
                "xml-syntax",
                span,
                format!("`&{name};` is outside the root element"),
            );
            return Ok(());
        }
        if let Some(num) = name.strip_prefix('#') {
            match char_ref_value(num) {
                Some(c) => self.append_text(c.encode_utf8(&mut [0; 4]), span),
                None => {
                    self.diags.error(
                        "xml-syntax",
                        span,
                        format!("`&{name};` is not a valid character reference"),
                    );
                }
            }
            return Ok(());
        }
        let predefined = match name {
            "lt" => Some("<"),
            "gt" => Some(">"),
            "amp" => Some("&"),
            "apos" => Some("'"),
            "quot" => Some("\""),
            _ => None,
        };
        if let Some(s) = predefined {
            self.append_text(s, span);
            return Ok(());
        }
        let Some(entity) = self.entities.map.get(name).cloned() else {
            self.diags
                .error(
                    "xml-syntax",
                    span,
                    format!("entity `&{name};` is not declared"),
                )
                .help(
                    "declare it in the DOCTYPE, e.g. `<!DOCTYPE tsung SYSTEM \"tsung-1.0.dtd\" \
                     [<!ENTITY name SYSTEM \"file.xml\">]>`, or write a literal ampersand as \
                     `&amp;`",
                );
            return Ok(());
        };
        if self.expanding.iter().any(|n| n == name) {
            self.diags.error(
                "entity-cycle",
                span,
                format!(
                    "entity `{name}` includes itself (through {})",
                    self.expanding.join(" → ")
                ),
            );
            return Ok(());
        }
        if self.expanding.len() >= MAX_ENTITY_DEPTH {
            self.diags.error(
                "entity-cycle",
                span,
                format!("entities are nested more than {MAX_ENTITY_DEPTH} deep at `&{name};`"),
            );
            return Ok(());
        }
        match entity {
            Entity::Internal {
                text,
                span: ent_span,
                exact,
            } => {
                self.expanded_bytes += text.len();
                if self.expanded_bytes > MAX_EXPANDED {
                    self.diags.error(
                        "entity-cycle",
                        span,
                        "entity expansion produces more than 64 MiB of text",
                    );
                    return Err(Fatal);
                }
                let sub = Origin {
                    file: ent_span.file,
                    base: ent_span.start as usize,
                    exact,
                };
                self.expanding.push(name.to_owned());
                let r = self.feed(&text, sub, Some(name));
                self.expanding.pop();
                r
            }
            Entity::External { system } => {
                let _ = origin;
                self.include(name, &system, span)
            }
        }
    }

    /// Splices the file of an external entity at the reference.
    fn include(&mut self, name: &str, system: &str, at: Span) -> Result<(), Fatal> {
        let system_path = system.strip_prefix("file://").unwrap_or(system);
        let path = if Path::new(system_path).is_absolute() {
            PathBuf::from(system_path)
        } else {
            self.base_dir.join(system_path)
        };
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                self.diags
                    .error(
                        "include-missing",
                        at,
                        format!(
                            "cannot read `{}`, included by entity `{name}`: {}",
                            path.display(),
                            io_reason(&e)
                        ),
                    )
                    .note("external entities are read relative to the scenario's directory");
                return Ok(());
            }
        };
        self.expanded_bytes += bytes.len();
        if self.expanded_bytes > MAX_EXPANDED {
            self.diags.error(
                "entity-cycle",
                at,
                "included files add up to more than 64 MiB",
            );
            return Err(Fatal);
        }
        let decoded = decode(&bytes);
        let Some(file) = self.sources.add(path.clone(), decoded.text.clone()) else {
            self.diags
                .error("include-missing", at, "too many included files");
            return Err(Fatal);
        };
        if decoded.single_byte {
            self.sources.set_single_byte(file);
        }
        if let Some((offset, msg)) = decoded.problem {
            self.diags.error("encoding", Span::point(file, offset), msg);
            return Ok(());
        }
        let origin = Origin {
            file,
            base: 0,
            exact: true,
        };
        self.expanding.push(name.to_owned());
        // A fatal error inside an included file stops that file only.
        let depth = self.stack.len();
        let r = self.feed(&decoded.text, origin, Some(name));
        self.expanding.pop();
        if r.is_err() {
            while self.stack.len() > depth {
                if let Some(el) = self.stack.pop() {
                    self.attach(el);
                }
            }
            self.pending = None;
        }
        Ok(())
    }

    /// Parses a start tag's name and attributes. `raw` is the text between `<` and `>`
    /// (without a trailing `/`), starting at `raw_start`.
    fn start_tag(&mut self, raw: &str, raw_start: usize, origin: Origin) -> Element {
        let raw = raw.strip_suffix('/').unwrap_or(raw);
        let name_len = raw.find(is_xml_ws).unwrap_or(raw.len());
        let name = &raw[..name_len];
        let mut el = Element {
            name: name.to_owned(),
            name_span: origin.span(raw_start, raw_start + name_len),
            attrs: Vec::new(),
            children: Vec::new(),
        };
        if name.is_empty() || !valid_name(name) {
            self.diags.error(
                "xml-syntax",
                origin.span(raw_start, raw_start + name_len.max(1)),
                format!("`{name}` is not a valid element name"),
            );
        }
        let mut i = name_len;
        let bytes = raw.as_bytes();
        loop {
            let ws_start = i;
            while i < raw.len() && is_xml_ws(bytes[i] as char) {
                i += 1;
            }
            if i >= raw.len() {
                break;
            }
            let at = |k: usize| raw_start + k;
            if i == ws_start && !el.attrs.is_empty() {
                self.diags.error(
                    "xml-syntax",
                    origin.span(at(i), at(i + 1)),
                    "attributes must be separated by white space",
                );
            }
            let name_start = i;
            while i < raw.len() && !is_xml_ws(bytes[i] as char) && bytes[i] != b'=' {
                i += 1;
            }
            let aname = &raw[name_start..i];
            let name_span = origin.span(at(name_start), at(i));
            if aname.is_empty() || !valid_name(aname) {
                self.diags.error(
                    "xml-syntax",
                    origin.span(at(name_start), at(name_start.max(i).max(name_start + 1))),
                    format!(
                        "unexpected `{}` in the tag of `<{}>`",
                        first_char(&raw[name_start..]),
                        el.name
                    ),
                );
                return el;
            }
            while i < raw.len() && is_xml_ws(bytes[i] as char) {
                i += 1;
            }
            if i >= raw.len() || bytes[i] != b'=' {
                self.diags
                    .error(
                        "xml-syntax",
                        name_span,
                        format!("attribute `{aname}` has no value"),
                    )
                    .help(format!("write `{aname}=\"…\"`"));
                return el;
            }
            i += 1;
            while i < raw.len() && is_xml_ws(bytes[i] as char) {
                i += 1;
            }
            let quote = bytes.get(i).copied();
            if quote != Some(b'"') && quote != Some(b'\'') {
                self.diags.error(
                    "xml-syntax",
                    origin.span(at(i), at(i + 1)),
                    format!("the value of `{aname}` must be in quotes"),
                );
                return el;
            }
            let vstart = i + 1;
            let Some(close) = raw[vstart..].find(quote.map(char::from).unwrap_or('"')) else {
                self.diags.error(
                    "xml-syntax",
                    origin.span(at(i), at(i + 1)),
                    format!("the value of `{aname}` is never closed"),
                );
                return el;
            };
            let vend = vstart + close;
            i = vend + 1;
            let value_span = origin.span(at(vstart), at(vend));
            if el.attrs.iter().any(|a| a.name == aname) {
                self.diags.error(
                    "xml-syntax",
                    name_span,
                    format!("attribute `{aname}` is repeated"),
                );
                continue;
            }
            let raw_value = &raw[vstart..vend];
            let (value, map) =
                match normalize(raw_value, origin.offset(raw_start + vstart), &self.entities) {
                    Ok(v) => v,
                    Err(e) => {
                        let span = if origin.exact {
                            Span::new(origin.file, e.at, e.at + e.len)
                        } else {
                            value_span
                        };
                        self.diags
                            .error("xml-syntax", span, e.message)
                            .help_opt(e.help);
                        (raw_value.to_owned(), ValueMap::identity(value_span.start))
                    }
                };
            let map = if origin.exact {
                map
            } else {
                ValueMap::identity(value_span.start)
            };
            el.attrs.push(Attr {
                name: aname.to_owned(),
                name_span,
                value,
                value_span,
                map,
            });
        }
        el
    }
}

fn first_char(s: &str) -> char {
    s.chars().next().unwrap_or(' ')
}

/// XML names: a letter, `_` or `:` first, then letters, digits, `.`, `-`, `_`, `:`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_alphabetic() || first == '_' || first == ':')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '\u{B7}'))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Diagnostic;

    fn parse(xml: &str) -> (Document, Vec<Diagnostic>, SourceMap) {
        let mut sources = SourceMap::default();
        let file = sources.add("t.xml".into(), xml.to_owned()).unwrap();
        let mut diags = Diags::default();
        let doc = parse_document(
            ParseInput {
                file,
                base_dir: Path::new("."),
            },
            &mut sources,
            &mut diags,
        );
        let d = diags.finish(&sources);
        (doc, d, sources)
    }

    #[test]
    fn tree_with_positions() {
        let xml = "<?xml version=\"1.0\"?>\n<tsung a=\"1\">\n  <b c='x&amp;y'/>\n</tsung>\n";
        let (doc, d, src) = parse(xml);
        assert!(d.is_empty(), "{d:?}");
        let root = doc.root.unwrap();
        assert_eq!(root.name, "tsung");
        assert_eq!(root.value("a"), Some("1"));
        let b = root.child("b").unwrap();
        assert_eq!(b.value("c"), Some("x&y"));
        assert_eq!(src.line_col(b.name_span), (3, 4));
        assert_eq!(src.slice(b.attr("c").unwrap().value_span), "x&amp;y");
        // value offsets map back through the reference
        let attr = b.attr("c").unwrap();
        assert_eq!(src.slice(attr.span_of(2, 3)), "y");
    }

    #[test]
    fn attribute_value_positions_survive_references_and_line_breaks() {
        let xml = "<a code=\"x &quot;y&quot;\n  z&#10;w &amp;\"/>";
        let (doc, d, src) = parse(xml);
        assert!(d.is_empty(), "{d:?}");
        let root = doc.root.unwrap();
        let attr = root.attr("code").unwrap();
        assert_eq!(attr.value, "x \"y\"   z\nw &");
        let text = &src.file(0).unwrap().text;
        let v = &attr.value;
        let span = |start: usize, end: usize| attr.source_span(start, end, text);
        let q = v.find('"').unwrap();
        assert_eq!(src.slice(span(q, q + 3)), "&quot;y&quot;");
        let z = v.find('z').unwrap();
        assert_eq!(src.line_col(span(z, z + 1)), (2, 3));
        let w = v.find('w').unwrap();
        assert_eq!(src.slice(span(w, w + 1)), "w");
        assert_eq!(src.slice(span(v.len() - 1, v.len())), "&amp;");
        let point = span(w, w);
        assert!(point.is_empty());
        assert_eq!(point.start as usize, text.find("w &").unwrap());
    }

    #[test]
    fn text_cdata_and_refs_merge() {
        let (doc, d, _) = parse("<a>x&#10;<![CDATA[<y>]]>&lt;z<!-- c -->w</a>");
        assert!(d.is_empty(), "{d:?}");
        let root = doc.root.unwrap();
        assert_eq!(root.first_text().unwrap().text, "x\n<y><z");
        assert_eq!(root.children.len(), 3);
    }

    #[test]
    fn mismatched_end_tag_is_reported() {
        let (_, d, _) = parse("<a>\n <b>\n</a>");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].line, 3);
        assert!(
            d[0].message.contains("does not close `<b>`"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn unclosed_element_and_garbage() {
        let (_, d, _) = parse("<a><b>");
        assert!(d[0].message.contains("never closed"));
        let (_, d, _) = parse("<a></a><b/>");
        assert!(d[0].message.contains("one root"));
        let (_, d, _) = parse("");
        assert!(d[0].message.contains("no root"));
        let (_, d, _) = parse("<a x=1/>");
        assert!(d[0].message.contains("quotes"));
        let (_, d, _) = parse("<a x=\"1\" x=\"2\"/>");
        assert!(d[0].message.contains("repeated"));
        let (_, d, _) = parse("<a>fish & chips</a>");
        assert!(d[0].message.contains("&amp;"));
        let (_, d, _) = parse("<a><!-- a -- b --></a>");
        assert!(d[0].message.contains("--"));
    }

    #[test]
    fn internal_entities_in_content_and_attributes() {
        let xml = r#"<!DOCTYPE tsung [
<!ENTITY host "example.com">
<!ENTITY req "<r u='/&host;'/>">
]>
<tsung>&req;&req;<x h="&host;"/></tsung>"#;
        let (doc, d, _) = parse(xml);
        assert!(d.is_empty(), "{d:?}");
        let root = doc.root.unwrap();
        let rs: Vec<_> = root.children_named("r").collect();
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].value("u"), Some("/example.com"));
        assert_eq!(root.child("x").unwrap().value("h"), Some("example.com"));
    }

    #[test]
    fn self_referencing_entity() {
        let xml = "<!DOCTYPE a [<!ENTITY e \"x&e;\">]><a>&e;</a>";
        let (_, d, _) = parse(xml);
        assert!(d.iter().any(|d| d.code == "entity-cycle"), "{d:?}");
    }

    #[test]
    fn doctype_subset_with_brackets_and_quotes_in_values() {
        let xml = "<!DOCTYPE tsung SYSTEM \"x.dtd\" [\n<!ENTITY a \"x]y>z\">\n<!-- ] > -->\n<!ENTITY b 'q\"r'>\n]>\n<tsung v=\"&a;&b;\"/>";
        let (doc, d, _) = parse(xml);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(doc.root.unwrap().value("v"), Some("x]y>zq\"r"));
    }

    #[test]
    fn crlf_files_and_tabs_between_attributes() {
        let xml = "<?xml version=\"1.0\" standalone=\"yes\"?>\r\n<tsung\ta=\"1\"\r\n  b = 'x\r\ny'>\r\n</tsung>\r\n";
        let (doc, d, src) = parse(xml);
        assert!(d.is_empty(), "{d:?}");
        let root = doc.root.unwrap();
        assert_eq!(root.value("b"), Some("x  y"));
        assert_eq!(src.line_col(root.attr("b").unwrap().name_span), (3, 3));
    }

    #[test]
    fn line_ends_in_text_are_normalized() {
        let (doc, _, _) = parse("<a>t\r\nu\rv</a>");
        assert_eq!(doc.root.unwrap().first_text().unwrap().text, "t\nu\nv");
    }
}
