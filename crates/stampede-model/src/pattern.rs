//! Compiled regular expressions with PCRE semantics (Tsung uses Erlang's `re`, which is PCRE).
//!
//! A [`Pattern`] can only be built by compiling its source, so holding one proves the source
//! is valid. Matching works on bytes: responses are not necessarily UTF-8.

use std::fmt;
use std::sync::Arc;

/// Why a regular expression did not compile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PatternError {
    /// The engine's own message.
    pub message: String,
    /// Byte offset in the source where the engine gave up, when it says.
    pub offset: Option<usize>,
}

/// A compiled PCRE regular expression and its source text.
#[derive(Clone)]
pub struct Pattern {
    source: Arc<str>,
    regex: pcre2::bytes::Regex,
}

impl Pattern {
    /// Compiles `source` as Tsung does for `dyn_variable re=` and `<match>`: no flags.
    pub fn new(source: &str) -> Result<Self, PatternError> {
        let regex = pcre2::bytes::RegexBuilder::new()
            .jit_if_available(true)
            .build(source)
            .map_err(|e| PatternError {
                message: e.to_string(),
                offset: e.offset(),
            })?;
        Ok(Self {
            source: source.into(),
            regex,
        })
    }

    /// The source text, as written in the scenario (after XML unescaping).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The compiled regex.
    pub fn regex(&self) -> &pcre2::bytes::Regex {
        &self.regex
    }

    /// Whether the pattern matches anywhere in `haystack`. A matching error (for example the
    /// engine's backtracking limit) counts as no match.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        self.regex.is_match(haystack).unwrap_or(false)
    }

    /// The first capture group of the first match (or the whole match when the pattern has no
    /// group), as Tsung's `dyn_variable re=` stores it.
    pub fn first_group<'h>(&self, haystack: &'h [u8]) -> Option<&'h [u8]> {
        let caps = self.regex.captures(haystack).ok()??;
        caps.get(1)
            .or_else(|| caps.get(0))
            .map(|m| &haystack[m.start()..m.end()])
    }
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&&*self.source).finish()
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_and_captures() {
        let p = Pattern::new(r#"[Ll]ocation: (http://.*)\r"#).unwrap();
        let resp = b"HTTP/1.1 302 Found\r\nLocation: http://h/x/1\r\n\r\n";
        assert_eq!(p.first_group(resp), Some(&b"http://h/x/1"[..]));
    }

    #[test]
    fn pcre_features_work() {
        // look-behind and back-references are PCRE features people use
        let p = Pattern::new(r#"(?<=id=)(\d+)"#).unwrap();
        assert_eq!(p.first_group(b"a id=42 b"), Some(&b"42"[..]));
        let p = Pattern::new(r#"(['"])(.*?)\1"#).unwrap();
        assert!(p.is_match(b"x='y'"));
    }

    #[test]
    fn bad_pattern_reports_offset() {
        let e = Pattern::new("a(b").unwrap_err();
        assert!(e.offset.is_some(), "{e:?}");
    }

    #[test]
    fn no_group_gives_whole_match() {
        let p = Pattern::new("b+").unwrap();
        assert_eq!(p.first_group(b"abbbc"), Some(&b"bbb"[..]));
    }
}
