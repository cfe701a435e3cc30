//! A tolerant HTML/XML parser that builds the tree Tsung's XPath runs on.
//!
//! It follows the rules of the parser Tsung uses (mochiweb's), not HTML5 tree construction, so
//! XPath expressions written against Tsung select the same nodes: the document is the first
//! element that is not self-closing (a leading `<!doctype html>` wraps it in `html` if needed);
//! nothing is inserted (no implied `tbody`, `head` or `body`); tag and attribute names are
//! lower-cased; `br hr img input base meta link area param col` and `<x/>` have no children;
//! an end tag closes the nearest open element of that name and everything opened inside it, and
//! closing the root ends the document; a new `li`/`option` closes an open one on top, `dd`/`dt`
//! likewise; text made only of whitespace is dropped; character references are decoded in text
//! and attribute values; `script` and `textarea` contents are raw text.
//!
//! Nodes are stored in document order; an element's descendants are the nodes between it and
//! its `end`.

use crate::text::char_ref;

/// What a node is.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Kind {
    /// The document node above the root element.
    Root,
    Element {
        name: Box<str>,
        attrs: Vec<(Box<str>, Box<[u8]>)>,
    },
    Text(Box<[u8]>),
    Comment(Box<[u8]>),
    /// A processing instruction: its target (`xml`, `php`…).
    Pi(Box<str>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) parent: u32,
    pub(crate) children: Vec<u32>,
    /// One past the last descendant.
    pub(crate) end: u32,
}

/// A parsed document; node 0 is [`Kind::Root`].
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Doc {
    pub(crate) nodes: Vec<Node>,
}

#[derive(Debug, PartialEq)]
enum Tok {
    Start {
        name: Box<str>,
        attrs: Vec<(Box<str>, Box<[u8]>)>,
        singleton: bool,
    },
    End(Box<str>),
    Data(Vec<u8>, bool),
    Comment(Vec<u8>),
    Pi(Box<str>),
    Doctype(bool),
}

const SINGLETONS: [&str; 10] = [
    "br", "hr", "img", "input", "base", "meta", "link", "area", "param", "col",
];

fn lower(b: &[u8]) -> Box<str> {
    String::from_utf8_lossy(b).to_ascii_lowercase().into()
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn find_ci(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|p| p + from)
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl Lexer<'_> {
    fn literal(&mut self, stop_eq: bool) -> &[u8] {
        let start = self.i;
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if is_ws(c) || c == b'>' || c == b'/' || (stop_eq && c == b'=') {
                break;
            }
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    fn skip_ws(&mut self) {
        while self.i < self.s.len() && is_ws(self.s[self.i]) {
            self.i += 1;
        }
    }

    /// Reads an attribute value, decoding character references.
    fn attr_value(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        let quote = match self.s.get(self.i) {
            Some(&q @ (b'"' | b'\'')) => {
                self.i += 1;
                Some(q)
            }
            _ => None,
        };
        while self.i < self.s.len() {
            let c = self.s[self.i];
            match quote {
                Some(q) if c == q => {
                    self.i += 1;
                    break;
                }
                None if is_ws(c) || c == b'>' || self.s[self.i..].starts_with(b"/>") => break,
                _ => {}
            }
            if c == b'&'
                && let Some((ch, len)) = char_ref(&self.s[self.i..])
            {
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                self.i += len;
                continue;
            }
            out.push(c);
            self.i += 1;
        }
        out
    }

    fn start_tag(&mut self) -> Tok {
        // At the tag name (after `<`).
        let name = lower(self.literal(false));
        let mut attrs = Vec::new();
        loop {
            self.skip_ws();
            match self.s.get(self.i) {
                None => break,
                Some(b'>') => {
                    self.i += 1;
                    break;
                }
                Some(b'/') => {
                    if self.s.get(self.i + 1) == Some(&b'>') {
                        self.i += 2;
                        let singleton = true;
                        return Tok::Start {
                            name,
                            attrs,
                            singleton,
                        };
                    }
                    self.i += 1;
                }
                Some(_) => {
                    let start = self.i;
                    let k = lower(self.literal(true));
                    if self.i == start {
                        // A stray character such as a quote: skip it.
                        self.i += 1;
                        continue;
                    }
                    self.skip_ws();
                    let v = if self.s.get(self.i) == Some(&b'=') {
                        self.i += 1;
                        self.skip_ws();
                        self.attr_value()
                    } else {
                        k.as_bytes().to_vec()
                    };
                    attrs.push((k, v.into()));
                }
            }
        }
        let singleton = SINGLETONS.contains(&&*name);
        Tok::Start {
            name,
            attrs,
            singleton,
        }
    }

    fn next(&mut self) -> Option<Tok> {
        let s = self.s;
        let i = self.i;
        if i >= s.len() {
            return None;
        }
        let rest = &s[i..];
        if rest.starts_with(b"<!--") {
            let end = find(s, i + 4, b"-->").unwrap_or(s.len());
            self.i = (end + 3).min(s.len());
            return Some(Tok::Comment(s[i + 4..end].to_vec()));
        }
        if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!doctype") {
            let end = find(s, i, b">").unwrap_or(s.len());
            self.i = (end + 1).min(s.len());
            let words: Vec<&[u8]> = s[i + 9..end]
                .split(|&c| is_ws(c))
                .filter(|w| !w.is_empty())
                .collect();
            let html5 = words.len() == 1 && words[0].eq_ignore_ascii_case(b"html");
            return Some(Tok::Doctype(html5));
        }
        if rest.starts_with(b"<![CDATA[") {
            let end = find(s, i + 9, b"]]>").unwrap_or(s.len());
            self.i = (end + 3).min(s.len());
            return Some(Tok::Data(s[i + 9..end].to_vec(), false));
        }
        if rest.starts_with(b"<?") {
            let end = find(s, i + 2, b"?>").unwrap_or(s.len());
            self.i = (end + 2).min(s.len());
            let body = &s[i + 2..end];
            let target = body
                .split(|&c| is_ws(c))
                .next()
                .map(lower)
                .unwrap_or_default();
            return Some(Tok::Pi(target));
        }
        if rest.starts_with(b"</") {
            self.i += 2;
            let name = lower(self.literal(false));
            let end = find(s, self.i, b">").unwrap_or(s.len());
            self.i = (end + 1).min(s.len());
            return Some(Tok::End(name));
        }
        if rest[0] == b'<' {
            match rest.get(1) {
                Some(&c) if c.is_ascii_alphanumeric() => {
                    self.i += 1;
                    return Some(self.start_tag());
                }
                _ => {
                    // Not a tag: literal text.
                    self.i += 1;
                    let mut data = vec![b'<'];
                    data.extend_from_slice(self.data_run());
                    return Some(Tok::Data(data, false));
                }
            }
        }
        if rest[0] == b'&' {
            if let Some((ch, len)) = char_ref(rest) {
                self.i += len;
                let mut buf = [0u8; 4];
                return Some(Tok::Data(
                    ch.encode_utf8(&mut buf).as_bytes().to_vec(),
                    false,
                ));
            }
            self.i += 1;
            return Some(Tok::Data(b"&".to_vec(), false));
        }
        let run = self.data_run();
        let ws = run.iter().all(|&c| is_ws(c));
        Some(Tok::Data(run.to_vec(), ws))
    }

    fn data_run(&mut self) -> &[u8] {
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != b'<' && self.s[self.i] != b'&' {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    /// Raw text up to `</name` (for script and textarea).
    fn raw_until_end(&mut self, name: &str) -> Vec<u8> {
        let mut needle = b"</".to_vec();
        needle.extend_from_slice(name.as_bytes());
        let end = find_ci(self.s, self.i, &needle).unwrap_or(self.s.len());
        let out = self.s[self.i..end].to_vec();
        self.i = end;
        out
    }
}

struct Builder {
    doc: Doc,
    stack: Vec<u32>,
    pending_text: Vec<u8>,
    pending_all_ws: bool,
    has_text: bool,
}

impl Builder {
    fn push_node(&mut self, kind: Kind) -> u32 {
        let parent = self.stack.last().copied().unwrap_or(0);
        let idx = self.doc.nodes.len() as u32;
        self.doc.nodes.push(Node {
            kind,
            parent,
            children: Vec::new(),
            end: idx + 1,
        });
        self.doc.nodes[parent as usize].children.push(idx);
        idx
    }

    fn flush_text(&mut self) {
        if self.has_text {
            let text = std::mem::take(&mut self.pending_text);
            if !self.pending_all_ws {
                self.push_node(Kind::Text(text.into()));
            }
        }
        self.has_text = false;
        self.pending_all_ws = true;
    }

    fn close_to(&mut self, depth: usize) {
        let end = self.doc.nodes.len() as u32;
        while self.stack.len() > depth {
            if let Some(n) = self.stack.pop() {
                self.doc.nodes[n as usize].end = end;
            }
        }
    }

    fn top_name(&self) -> Option<&str> {
        let n = *self.stack.last()?;
        match &self.doc.nodes[n as usize].kind {
            Kind::Element { name, .. } => Some(name),
            _ => None,
        }
    }

    /// Position in the stack of the nearest open element called `name`.
    fn open_position(&self, name: &str) -> Option<usize> {
        self.stack.iter().rposition(|&n| {
            matches!(&self.doc.nodes[n as usize].kind, Kind::Element { name: m, .. } if &**m == name)
        })
    }
}

/// Parses `input`; `None` when it holds no element at all (Tsung counts
/// `error_xml_unparsable`).
pub(crate) fn parse(input: &[u8]) -> Option<Doc> {
    let mut lx = Lexer { s: input, i: 0 };
    // Skip to the first element that can have children.
    let mut html5 = false;
    let first = loop {
        match lx.next()? {
            Tok::Doctype(h) => html5 |= h,
            Tok::Start {
                name,
                attrs,
                singleton: false,
            } => break (name, attrs),
            _ => {}
        }
    };
    let mut b = Builder {
        doc: Doc {
            nodes: vec![Node {
                kind: Kind::Root,
                parent: 0,
                children: Vec::new(),
                end: 1,
            }],
        },
        stack: Vec::new(),
        pending_text: Vec::new(),
        pending_all_ws: true,
        has_text: false,
    };
    if html5 && &*first.0 != "html" {
        let n = b.push_node(Kind::Element {
            name: "html".into(),
            attrs: Vec::new(),
        });
        b.stack.push(n);
    }
    let mut raw_for: Option<Box<str>> = None;
    let first_name = first.0.clone();
    let n = b.push_node(Kind::Element {
        name: first.0,
        attrs: first.1,
    });
    b.stack.push(n);
    if matches!(&*first_name, "script" | "textarea") {
        raw_for = Some(first_name);
    }
    loop {
        if let Some(name) = raw_for.take() {
            let text = lx.raw_until_end(&name);
            if !text.is_empty() {
                b.flush_text();
                b.push_node(Kind::Text(text.into()));
            }
        }
        let Some(tok) = lx.next() else { break };
        if !matches!(tok, Tok::Data(..)) {
            b.flush_text();
        }
        match tok {
            Tok::Data(d, ws) => {
                b.pending_text.extend_from_slice(&d);
                b.pending_all_ws &= ws;
                b.has_text = true;
            }
            Tok::Comment(c) => {
                b.push_node(Kind::Comment(c.into()));
            }
            Tok::Pi(t) => {
                b.push_node(Kind::Pi(t));
            }
            Tok::Doctype(_) => {}
            Tok::Start {
                name,
                attrs,
                singleton,
            } => {
                if singleton {
                    b.push_node(Kind::Element { name, attrs });
                    continue;
                }
                let top = b.top_name();
                let auto_close = matches!(
                    (&*name, top),
                    ("li", Some("li"))
                        | ("option", Some("option"))
                        | ("dd" | "dt", Some("dd" | "dt"))
                );
                if auto_close && b.stack.len() > 1 {
                    let depth = b.stack.len() - 1;
                    b.close_to(depth);
                }
                let raw = matches!(&*name, "script" | "textarea").then(|| name.clone());
                let n = b.push_node(Kind::Element { name, attrs });
                b.stack.push(n);
                raw_for = raw;
            }
            Tok::End(name) => {
                if &*name == "br" {
                    continue;
                }
                match b.open_position(&name) {
                    // Closing the root ends the document.
                    Some(0) => {
                        b.close_to(0);
                        break;
                    }
                    Some(p) => b.close_to(p),
                    None => {}
                }
            }
        }
    }
    b.flush_text();
    b.close_to(0);
    let total = b.doc.nodes.len() as u32;
    b.doc.nodes[0].end = total;
    Some(b.doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compact rendering of the tree for assertions.
    fn show(doc: &Doc, n: u32, out: &mut String) {
        let node = &doc.nodes[n as usize];
        match &node.kind {
            Kind::Root => {}
            Kind::Element { name, attrs } => {
                out.push('(');
                out.push_str(name);
                for (k, v) in attrs {
                    out.push_str(&format!(" {k}={}", String::from_utf8_lossy(v)));
                }
            }
            Kind::Text(t) => out.push_str(&format!("{:?}", String::from_utf8_lossy(t))),
            Kind::Comment(_) => out.push_str("#c"),
            Kind::Pi(t) => out.push_str(&format!("?{t}")),
        }
        for &c in &node.children {
            out.push(' ');
            show(doc, c, out);
        }
        if matches!(node.kind, Kind::Element { .. }) {
            out.push(')');
        }
    }

    fn tree(html: &str) -> String {
        let doc = parse(html.as_bytes()).unwrap();
        let mut s = String::new();
        show(&doc, 0, &mut s);
        // Every node's descendants must lie within [n+1, end).
        for (i, n) in doc.nodes.iter().enumerate() {
            for &c in &n.children {
                assert!(c as usize > i && c < n.end, "node {i}");
                assert!(doc.nodes[c as usize].end <= n.end);
            }
        }
        s.trim().to_owned()
    }

    #[test]
    fn mochiweb_like_trees() {
        let cases = [
            (
                "<html><body><p>a</p></body></html>",
                r#"(html (body (p "a")))"#,
            ),
            // No implied tbody.
            (
                "<table><tr><td>1</td></tr></table>",
                r#"(table (tr (td "1")))"#,
            ),
            // Void elements and self-closing tags have no children.
            (
                "<form><input name=a value=1><br><x/><b>t</b></form>",
                r#"(form (input name=a value=1) (br) (x) (b "t"))"#,
            ),
            // Unclosed li auto-close; whitespace-only text is dropped.
            (
                "<ul>\n <li>a\n <li>b</ul>",
                "(ul (li \"a\\n \") (li \"b\"))",
            ),
            // An end tag closes everything opened inside it.
            ("<div><p><b>x</div><i>y</i>", r#"(div (p (b "x")))"#),
            // Stray end tags are ignored.
            ("<div></span>t</div>", r#"(div "t")"#),
            // Leading junk before the first element is skipped.
            ("junk <br> <!-- c --><html>x</html>", r#"(html "x")"#),
            // HTML5 doctype wraps a non-html root.
            ("<!DOCTYPE html><body>x</body>", r#"(html (body "x"))"#),
            // Character references in text and attributes; names lower-cased.
            (
                "<P CLASS='a&amp;b' Data-X=\"&#39;q&#39;\">1 &lt; 2</P>",
                r#"(p class=a&b data-x='q' "1 < 2")"#,
            ),
            // Raw text in scripts.
            (
                "<div><script>if (a<b) {}</script></div>",
                r#"(div (script "if (a<b) {}"))"#,
            ),
            // Attributes without values, unquoted values, comments, PIs.
            (
                "<?xml version='1.0'?><r><opt selected>v</opt><!-- x --><?php a ?></r>",
                r#"(r (opt selected=selected "v") #c ?php)"#,
            ),
            ("<a href=/x?y=1&amp;z=2>l</a>", r#"(a href=/x?y=1&z=2 "l")"#),
            ("<div>a < b</div>", r#"(div "a < b")"#),
        ];
        for (html, want) in cases {
            assert_eq!(tree(html), want, "{html}");
        }
    }

    #[test]
    fn no_element_is_unparsable() {
        assert!(parse(b"").is_none());
        assert!(parse(b"just text").is_none());
        assert!(parse(b"{\"json\": true}").is_none());
        assert!(parse(b"<br/>").is_none());
        assert!(parse(b"<?>").is_none());
        assert!(parse(b"<!---->").is_none());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "[<>/a-z=\"' &;#!?\\-\\[\\]]{0,80}") {
            if let Some(doc) = parse(s.as_bytes()) {
                for (i, n) in doc.nodes.iter().enumerate() {
                    for &c in &n.children {
                        proptest::prop_assert!(c as usize > i && c < n.end);
                    }
                }
            }
        }
    }
}
