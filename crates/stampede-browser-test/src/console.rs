//! Console messages, exceptions and browser log entries of the page.

use serde_json::Value;

/// One message the page produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleMessage {
    /// `error`, `warning`, `info`, `log`, `debug`…; `exception` for an uncaught exception.
    pub level: String,
    /// Where it came from: `console` (a script called `console.*`), `exception`, or the
    /// browser's log source (`network`, `security`, `javascript`…).
    pub source: String,
    /// The text.
    pub text: String,
    /// The URL it refers to, when known.
    pub url: Option<String>,
}

impl ConsoleMessage {
    /// Whether this counts as an error (console errors and failed assertions, uncaught
    /// exceptions, error entries of the browser log such as failed loads and CSP violations).
    pub fn is_error(&self) -> bool {
        matches!(self.level.as_str(), "error" | "assert" | "exception")
    }

    /// Reads a DevTools event; `None` for events that are not messages.
    pub(crate) fn from_event(method: &str, params: &Value) -> Option<Self> {
        let text_of = |v: &Value| v.as_str().map(str::to_owned);
        match method {
            "Runtime.consoleAPICalled" => {
                let args = params["args"].as_array().map_or_else(Vec::new, |args| {
                    args.iter()
                        .map(|a| {
                            text_of(&a["value"])
                                .or_else(|| text_of(&a["description"]))
                                .unwrap_or_else(|| a["value"].to_string())
                        })
                        .collect()
                });
                let url = params["stackTrace"]["callFrames"][0]["url"]
                    .as_str()
                    .map(str::to_owned);
                Some(Self {
                    level: params["type"].as_str().unwrap_or("log").to_owned(),
                    source: "console".to_owned(),
                    text: args.join(" "),
                    url,
                })
            }
            "Runtime.exceptionThrown" => {
                let details = &params["exceptionDetails"];
                let text = text_of(&details["exception"]["description"])
                    .or_else(|| text_of(&details["text"]))
                    .unwrap_or_else(|| "uncaught exception".to_owned());
                Some(Self {
                    level: "exception".to_owned(),
                    source: "exception".to_owned(),
                    text,
                    url: text_of(&details["url"]),
                })
            }
            "Log.entryAdded" => {
                let entry = &params["entry"];
                Some(Self {
                    level: entry["level"].as_str().unwrap_or("info").to_owned(),
                    source: entry["source"].as_str().unwrap_or("other").to_owned(),
                    text: entry["text"].as_str().unwrap_or_default().to_owned(),
                    url: text_of(&entry["url"]),
                })
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for ConsoleMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{} {}] {}", self.source, self.level, self.text)?;
        if let Some(url) = &self.url {
            write!(f, " ({url})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_each_kind_of_event() {
        let cases = [
            (
                "Runtime.consoleAPICalled",
                json!({"type": "error", "args": [{"type": "string", "value": "boom"}, {"type": "number", "value": 3}]}),
                Some(("error", "console", "boom 3", true)),
            ),
            (
                "Runtime.consoleAPICalled",
                json!({"type": "log", "args": [{"type": "object", "description": "Object"}]}),
                Some(("log", "console", "Object", false)),
            ),
            (
                "Runtime.exceptionThrown",
                json!({"exceptionDetails": {"text": "Uncaught", "exception": {"description": "TypeError: x is undefined"}}}),
                Some(("exception", "exception", "TypeError: x is undefined", true)),
            ),
            (
                "Log.entryAdded",
                json!({"entry": {"source": "network", "level": "error", "text": "Failed to load resource: 404", "url": "http://127.0.0.1/x"}}),
                Some(("error", "network", "Failed to load resource: 404", true)),
            ),
            ("Page.loadEventFired", json!({}), None),
        ];
        for (method, params, want) in cases {
            let got = ConsoleMessage::from_event(method, &params);
            match (got, want) {
                (None, None) => {}
                (Some(m), Some((level, source, text, error))) => {
                    assert_eq!(
                        (m.level.as_str(), m.source.as_str(), m.text.as_str()),
                        (level, source, text)
                    );
                    assert_eq!(m.is_error(), error, "{m}");
                }
                (got, want) => panic!("{method}: got {got:?}, want {want:?}"),
            }
        }
    }
}
