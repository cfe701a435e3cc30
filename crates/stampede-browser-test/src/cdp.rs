//! A small DevTools-protocol client: one browser WebSocket, one page attached in flat session
//! mode, commands answered by id, events collected while waiting.

use crate::BrowserError;
use crate::console::ConsoleMessage;
use crate::launch::{LaunchOptions, Process, find_chromium};
use base64::Engine as _;
use serde_json::{Value, json};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

/// A headless Chromium with one page, driven over the DevTools protocol.
///
/// Dropping it closes the browser and kills it and its helper processes.
#[derive(Debug)]
pub struct Browser {
    ws: WebSocket<TcpStream>,
    session: String,
    next_id: u64,
    messages: Vec<ConsoleMessage>,
    loaded: bool,
    options: LaunchOptions,
    // Declared last: dropped after the socket.
    process: Process,
}

/// Whether a JSON value is what JavaScript treats as true.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

impl Browser {
    /// Starts Chromium (fresh profile, loopback DevTools endpoint) and opens a blank page.
    pub fn launch(options: LaunchOptions) -> Result<Self, BrowserError> {
        let executable = match &options.executable {
            Some(path) => path.clone(),
            None => find_chromium().ok_or(BrowserError::NotFound)?,
        };
        let (process, url) = Process::start(&executable, &options)?;
        let ws = connect(&url, options.timeout)?;
        let mut browser = Browser {
            ws,
            session: String::new(),
            next_id: 0,
            messages: Vec::new(),
            loaded: false,
            options,
            process,
        };
        let target = browser.call_browser("Target.createTarget", json!({"url": "about:blank"}))?;
        let target_id = target["targetId"]
            .as_str()
            .ok_or_else(|| BrowserError::Protocol(format!("no targetId in {target}")))?
            .to_owned();
        let attached = browser.call_browser(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        )?;
        browser.session = attached["sessionId"]
            .as_str()
            .ok_or_else(|| BrowserError::Protocol(format!("no sessionId in {attached}")))?
            .to_owned();
        for method in ["Page.enable", "Runtime.enable", "Log.enable"] {
            browser.call(method, json!({}))?;
        }
        browser.set_viewport(browser.options.width, browser.options.height)?;
        Ok(browser)
    }

    /// [`Browser::launch`] with default options; when no Chromium is installed, prints why
    /// the test `test` is skipped and returns `None` (panics instead when
    /// `STAMPEDE_REQUIRE_BROWSER=1`). Any other failure panics: the browser is there but
    /// broken, which a test must not hide.
    #[allow(clippy::print_stderr)] // A skipped test says why, in the test's output.
    pub fn launch_or_skip(test: &str) -> Option<Self> {
        match Self::launch(LaunchOptions::default()) {
            Ok(browser) => Some(browser),
            Err(BrowserError::NotFound)
                if std::env::var("STAMPEDE_REQUIRE_BROWSER").as_deref() != Ok("1") =>
            {
                eprintln!(
                    "{test}: SKIPPED: no Chromium found (apt-get install chromium, or set STAMPEDE_CHROMIUM)"
                );
                None
            }
            Err(e) => panic!("{test}: {e}"),
        }
    }

    /// Loads `url` and waits for its `load` event.
    pub fn navigate(&mut self, url: &str) -> Result<(), BrowserError> {
        self.loaded = false;
        let result = self.call("Page.navigate", json!({"url": url}))?;
        if let Some(error) = result["errorText"].as_str().filter(|e| !e.is_empty()) {
            return Err(BrowserError::Page(format!("navigation to {url}: {error}")));
        }
        let deadline = Instant::now() + self.options.timeout;
        while !self.loaded {
            self.pump(deadline, &format!("the load event of {url}"))?;
        }
        Ok(())
    }

    /// Evaluates a JavaScript expression in the page (promises are awaited) and returns its
    /// value as JSON (`null` for `undefined` and values JSON cannot hold).
    pub fn evaluate(&mut self, expression: &str) -> Result<Value, BrowserError> {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        )?;
        if let Some(details) = result.get("exceptionDetails") {
            let text = details["exception"]["description"]
                .as_str()
                .or_else(|| details["text"].as_str())
                .unwrap_or("exception");
            return Err(BrowserError::Page(format!("{expression}: {text}")));
        }
        Ok(result["result"]["value"].clone())
    }

    /// Evaluates `expression` until it is truthy, for at most `timeout`; returns its value.
    pub fn wait_until(
        &mut self,
        expression: &str,
        timeout: Duration,
    ) -> Result<Value, BrowserError> {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.evaluate(expression)?;
            if truthy(&value) {
                return Ok(value);
            }
            if Instant::now() >= deadline {
                return Err(BrowserError::Timeout {
                    what: format!("`{expression}` (last value: {value})"),
                    seconds: timeout.as_secs_f64(),
                });
            }
            // Keep reading events while waiting.
            let pause = (Instant::now() + Duration::from_millis(50)).min(deadline);
            while Instant::now() < pause {
                match self.pump(pause, "events") {
                    Ok(()) | Err(BrowserError::Timeout { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
        }
    }

    /// Every console message, exception and browser log entry so far.
    pub fn messages(&self) -> &[ConsoleMessage] {
        &self.messages
    }

    /// The messages that are errors ([`ConsoleMessage::is_error`]).
    pub fn console_errors(&self) -> Vec<ConsoleMessage> {
        self.messages
            .iter()
            .filter(|m| m.is_error())
            .cloned()
            .collect()
    }

    /// Forgets the messages collected so far.
    pub fn clear_messages(&mut self) {
        self.messages.clear();
    }

    /// Sets the viewport size (CSS pixels).
    pub fn set_viewport(&mut self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )?;
        Ok(())
    }

    /// Saves a PNG of the whole page (up to 8000 px high) to `path`, creating its directory.
    pub fn screenshot(&mut self, path: &Path) -> Result<(), BrowserError> {
        let height = self
            .evaluate("Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)")?
            .as_u64()
            .unwrap_or(u64::from(self.options.height))
            .clamp(u64::from(self.options.height), 8000);
        let height = u32::try_from(height).unwrap_or(8000);
        self.set_viewport(self.options.width, height)?;
        let shot = self.call("Page.captureScreenshot", json!({"format": "png"}));
        self.set_viewport(self.options.width, self.options.height)?;
        let data = shot?["data"].as_str().unwrap_or_default().to_owned();
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .map_err(|e| BrowserError::Protocol(format!("screenshot data: {e}")))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| BrowserError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(path, png).map_err(|source| BrowserError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Closes the browser and waits (bounded) for it to exit.
    pub fn close(self) {
        drop(self);
    }

    fn shut_down(&mut self) {
        let id = self.next_message_id();
        let close = json!({"id": id, "method": "Browser.close"}).to_string();
        if self.ws.send(Message::text(close)).is_ok() {
            self.process.stop(Duration::from_secs(3));
        } else {
            self.process.stop(Duration::ZERO);
        }
    }

    fn next_message_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A command to the attached page.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, BrowserError> {
        let session = self.session.clone();
        self.send_and_wait(method, params, Some(&session))
    }

    /// A command to the browser itself.
    fn call_browser(&mut self, method: &str, params: Value) -> Result<Value, BrowserError> {
        self.send_and_wait(method, params, None)
    }

    fn send_and_wait(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<Value, BrowserError> {
        let id = self.next_message_id();
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.ws
            .send(Message::text(message.to_string()))
            .map_err(|e| BrowserError::WebSocket(e.to_string()))?;
        let deadline = Instant::now() + self.options.timeout;
        loop {
            let reply = self.read(deadline, method)?;
            if reply["id"].as_u64() == Some(id) {
                if let Some(error) = reply.get("error") {
                    return Err(BrowserError::Protocol(format!("{method}: {error}")));
                }
                return Ok(reply["result"].clone());
            }
            self.on_event(&reply);
        }
    }

    /// Reads and handles one message, if one comes before `deadline`.
    fn pump(&mut self, deadline: Instant, what: &str) -> Result<(), BrowserError> {
        let message = self.read(deadline, what)?;
        self.on_event(&message);
        Ok(())
    }

    fn on_event(&mut self, message: &Value) {
        let Some(method) = message["method"].as_str() else {
            return;
        };
        match method {
            "Page.loadEventFired" => self.loaded = true,
            "Inspector.targetCrashed" => self.messages.push(ConsoleMessage {
                level: "exception".to_owned(),
                source: "browser".to_owned(),
                text: "the page crashed".to_owned(),
                url: None,
            }),
            _ => {
                if let Some(m) = ConsoleMessage::from_event(method, &message["params"]) {
                    self.messages.push(m);
                }
            }
        }
    }

    fn read(&mut self, deadline: Instant, what: &str) -> Result<Value, BrowserError> {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(BrowserError::Timeout {
                    what: what.to_owned(),
                    seconds: self.options.timeout.as_secs_f64(),
                });
            }
            let remaining = (deadline - now).max(Duration::from_millis(1));
            self.ws
                .get_mut()
                .set_read_timeout(Some(remaining))
                .map_err(|e| BrowserError::WebSocket(e.to_string()))?;
            match self.ws.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str()).map_err(|e| {
                        BrowserError::Protocol(format!("bad message ({e}): {}", text.as_str()))
                    });
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => {
                    return Err(BrowserError::WebSocket(format!(
                        "{e} (while waiting for {what}); Chromium output:\n{}",
                        self.process.output_tail()
                    )));
                }
            }
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Opens the browser-level DevTools WebSocket (`ws://127.0.0.1:PORT/devtools/browser/…`).
fn connect(url: &str, timeout: Duration) -> Result<WebSocket<TcpStream>, BrowserError> {
    let authority = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| BrowserError::Launch(format!("unexpected DevTools URL {url}")))?;
    let addr: SocketAddr = authority
        .parse()
        .map_err(|e| BrowserError::Launch(format!("DevTools address {authority}: {e}")))?;
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| BrowserError::WebSocket(format!("connect to {addr}: {e}")))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| BrowserError::WebSocket(e.to_string()))?;
    stream
        .set_write_timeout(Some(timeout))
        .map_err(|e| BrowserError::WebSocket(e.to_string()))?;
    let config = WebSocketConfig::default()
        .max_message_size(Some(256 << 20))
        .max_frame_size(Some(256 << 20));
    let (ws, _) = tungstenite::client::client_with_config(url, stream, Some(config))
        .map_err(|e| BrowserError::WebSocket(format!("handshake with {url}: {e}")))?;
    Ok(ws)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truthiness_follows_javascript() {
        let cases = [
            (json!(null), false),
            (json!(false), false),
            (json!(0), false),
            (json!(0.0), false),
            (json!(""), false),
            (json!(true), true),
            (json!(3), true),
            (json!("x"), true),
            (json!([]), true),
            (json!({}), true),
        ];
        for (value, want) in cases {
            assert_eq!(truthy(&value), want, "{value}");
        }
    }
}
