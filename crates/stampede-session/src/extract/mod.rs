//! `<dyn_variable>`: values taken from a response.

pub(crate) mod html;
pub(crate) mod json;
pub(crate) mod xpath;

use crate::response::ResponseView;
use crate::value::Value;
use stampede_model::{ErrorClass, JsonPath, Pattern};

/// Group 1 of the first match of `pattern` in `hay` (Tsung's `{capture, [1], binary}`): the
/// empty text when the group did not take part, the whole match when the pattern has no group;
/// `None` when nothing matches.
pub(crate) fn capture<'h>(pattern: &Pattern, hay: &'h [u8]) -> Option<&'h [u8]> {
    let re = pattern.regex();
    let caps = re.captures(hay).ok()??;
    if re.captures_len() > 1 {
        Some(caps.get(1).map(|m| &hay[m.start()..m.end()]).unwrap_or(&[]))
    } else {
        caps.get(0).map(|m| &hay[m.start()..m.end()])
    }
}

/// The body as Tsung's extractors see it: what follows the first empty line (the whole data
/// when there is none).
pub(crate) fn tsung_body<'a>(r: &ResponseView<'a>) -> &'a [u8] {
    let raw = r.raw();
    match crate::response::find(raw, b"\r\n\r\n") {
        Some(p) => &raw[p + 4..],
        None => raw,
    }
}

/// Documents parsed once per response, when the first extractor needs them.
#[derive(Default)]
pub(crate) struct Parsed {
    html: Option<Option<html::Doc>>,
    json: Option<Option<json::Json>>,
}

impl Parsed {
    /// The HTML tree of the response (Tsung parses the body, or the whole response when the
    /// body is empty). `None` when unparsable; the error is reported once.
    pub(crate) fn html(
        &mut self,
        r: &ResponseView<'_>,
        errors: &mut Vec<ErrorClass>,
    ) -> Option<&html::Doc> {
        if self.html.is_none() {
            let body = tsung_body(r);
            let input = if body.is_empty() { r.raw() } else { body };
            let doc = html::parse(input);
            if doc.is_none() {
                errors.push(ErrorClass::XmlUnparsable);
            }
            self.html = Some(doc);
        }
        self.html.as_ref().and_then(Option::as_ref)
    }

    /// The JSON document of the body; `None` when it is not JSON (reported once).
    pub(crate) fn json(
        &mut self,
        r: &ResponseView<'_>,
        errors: &mut Vec<ErrorClass>,
    ) -> Option<&json::Json> {
        if self.json.is_none() {
            let j = json::parse(tsung_body(r));
            if j.is_none() {
                errors.push(ErrorClass::JsonUnparsable);
            }
            self.json = Some(j);
        }
        self.json.as_ref().and_then(Option::as_ref)
    }
}

/// The value of a JSONPath applied to JSON text (for `setdynvars sourcetype="jsonpath"`).
pub(crate) fn jsonpath_on_text(path: &JsonPath, text: &[u8]) -> Option<Value> {
    let j = json::parse(text)?;
    Some(json::found_value(&json::select(path.steps(), &j)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_rules() {
        let p = Pattern::new("id=(\\d+)").unwrap();
        assert_eq!(capture(&p, b"x id=42 y"), Some(&b"42"[..]));
        assert_eq!(capture(&p, b"nothing"), None);
        let p = Pattern::new("a(b)?c").unwrap();
        assert_eq!(capture(&p, b"ac"), Some(&b""[..]));
        let p = Pattern::new("b+").unwrap();
        assert_eq!(capture(&p, b"abbbc"), Some(&b"bbb"[..]));
    }
}
