//! A small W3C WebDriver client over reqwest, driving headless Chromium through chromedriver:
//! what a browser test needs (a session, navigate, find elements by CSS, type, click, read
//! text and attributes, end the session).
//!
//! [`Browser::start`] starts `chromedriver` on a free port of 127.0.0.1 and a headless
//! Chromium session. Where Chromium or chromedriver is not installed it prints
//! `skipped: ...` and gives None, unless `ESSAIM_REQUIRE_BROWSER=1` (set by `.ci/run` once it
//! installed them), where the test fails instead.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

/// The key W3C WebDriver names element references with.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a search for an element waits for it to appear, in milliseconds (a page being
/// loaded after a click).
const IMPLICIT_WAIT_MS: u64 = 10_000;

/// An element of the current page.
#[derive(Debug, Clone)]
pub struct Element(String);

/// A headless Chromium session, and the chromedriver that runs it (stopped when dropped).
pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    session: String,
    driver: Child,
}

/// `name` found in `PATH`, or at `fallback`.
fn program(name: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .chain(std::iter::once(PathBuf::from(fallback)))
        .find(|p| p.is_file())
}

/// The browser to drive: `$ESSAIM_CHROMIUM`, else `chromium` (Debian's package).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ESSAIM_CHROMIUM") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    program("chromium", "/usr/bin/chromium")
}

impl Browser {
    /// chromedriver and a headless Chromium session, or None (with a `skipped:` line) where
    /// they are not installed and `ESSAIM_REQUIRE_BROWSER` is not `1`.
    pub async fn start(test: &str) -> Option<Browser> {
        let (Some(chromium), Some(driver)) =
            (chromium(), program("chromedriver", "/usr/bin/chromedriver"))
        else {
            let why = "Chromium or chromedriver is not installed \
                       (apt-get install chromium chromium-driver)";
            if std::env::var("ESSAIM_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("{test}: ESSAIM_REQUIRE_BROWSER=1 but {why}");
            }
            println!("skipped: {test}: {why}");
            return None;
        };
        let driver = start_driver(&driver);
        let (driver, port) = match driver {
            Ok(d) => d,
            Err(e) => panic!("{test}: chromedriver did not start: {e}"),
        };
        let mut browser = Browser {
            http: reqwest::Client::new(),
            session: String::new(),
            driver,
        };
        let created = browser
            .command(
                reqwest::Method::POST,
                &format!("http://127.0.0.1:{port}/session"),
                Some(json!({"capabilities": {"alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                                 "--disable-dev-shm-usage", "--window-size=1280,1024"],
                    },
                }}})),
            )
            .await;
        let id = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("{test}: no session id in {created}"));
        browser.session = format!("http://127.0.0.1:{port}/session/{id}");
        browser
            .post("/timeouts", json!({"implicit": IMPLICIT_WAIT_MS}))
            .await;
        Some(browser)
    }

    /// Sends one command; its `value`. Panics with the driver's message on an error.
    async fn command(&self, method: reqwest::Method, url: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method.clone(), url);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
        let status = response.status();
        let bytes = response.bytes().await.unwrap();
        let mut answer: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {status}, not JSON: {e}"));
        if !status.is_success() {
            panic!(
                "WebDriver {method} {url}: {status}: {} {}",
                answer["value"]["error"], answer["value"]["message"]
            );
        }
        answer["value"].take()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.session);
        self.command(reqwest::Method::POST, &url, Some(body)).await
    }

    async fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.session);
        self.command(reqwest::Method::GET, &url, None).await
    }

    /// Loads `url` (returns once the page has loaded).
    pub async fn goto(&self, url: &str) {
        self.post("/url", json!({ "url": url })).await;
    }

    /// The URL of the current page.
    pub async fn current_url(&self) -> String {
        self.get("/url")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The title of the current page.
    pub async fn title(&self) -> String {
        self.get("/title")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching `css` (waiting up to the implicit wait for one); panics
    /// when none appears.
    pub async fn find(&self, css: &str) -> Element {
        let found = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        element(&found).unwrap_or_else(|| panic!("no element {css}: {found}"))
    }

    /// Every element matching `css` now (none: an empty list, after the implicit wait).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let found = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await;
        found
            .as_array()
            .map(|all| all.iter().filter_map(element).collect())
            .unwrap_or_default()
    }

    /// Whether no element matches `css` now (without waiting for one to appear).
    pub async fn absent(&self, css: &str) -> bool {
        self.post("/timeouts", json!({"implicit": 0})).await;
        let none = self.find_all(css).await.is_empty();
        self.post("/timeouts", json!({"implicit": IMPLICIT_WAIT_MS}))
            .await;
        none
    }

    /// Every element matching `css` inside `parent`.
    pub async fn find_in(&self, parent: &Element, css: &str) -> Vec<Element> {
        let found = self
            .post(
                &format!("/element/{}/elements", parent.0),
                json!({"using": "css selector", "value": css}),
            )
            .await;
        found
            .as_array()
            .map(|all| all.iter().filter_map(element).collect())
            .unwrap_or_default()
    }

    /// The text of `e` as rendered (hidden parts left out).
    pub async fn text(&self, e: &Element) -> String {
        let v = self.get(&format!("/element/{}/text", e.0)).await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// The attribute `name` of `e`.
    pub async fn attribute(&self, e: &Element, name: &str) -> Option<String> {
        let v = self
            .get(&format!("/element/{}/attribute/{name}", e.0))
            .await;
        v.as_str().map(String::from)
    }

    /// Types `text` into `e`.
    pub async fn send_keys(&self, e: &Element, text: &str) {
        self.post(&format!("/element/{}/value", e.0), json!({ "text": text }))
            .await;
    }

    /// Clicks `e`.
    pub async fn click(&self, e: &Element) {
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .await;
    }

    /// Ends the session (the browser quits) and stops chromedriver.
    pub async fn quit(mut self) {
        let url = std::mem::take(&mut self.session);
        self.command(reqwest::Method::DELETE, &url, None).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A test that failed before `quit`: the session is ended here, by a plain blocking
        // request (chromedriver killed with its session open would leave the browser running).
        if let Some(rest) = self.session.strip_prefix("http://") {
            if let Some((host, path)) = rest.split_once('/') {
                end_session(host, &format!("/{path}"));
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// `DELETE path` on `host`, over a plain blocking connection; errors are ignored (the driver
/// is stopped next anyway).
fn end_session(host: &str, path: &str) {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(20)));
    let request = format!(
        "DELETE {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return;
    }
    // The answer comes once the browser quit; read until its body is whole (chromedriver
    // keeps the connection open).
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(n @ 1..) = stream.read(&mut chunk) {
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                return;
            }
        }
    }
}

fn element(v: &Value) -> Option<Element> {
    v.get(ELEMENT_KEY)
        .and_then(Value::as_str)
        .map(|id| Element(id.to_string()))
}

/// Starts chromedriver on a free port of 127.0.0.1; returns once it says it listens.
fn start_driver(program: &Path) -> Result<(Child, u16), String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    // The browser is not under test: it runs on the machine's real clock even when the
    // tests run under faketime (`.ci/run`'s shifted-date pass), under which it hangs.
    let mut child = Command::new(program)
        .arg(format!("--port={port}"))
        .env_remove("LD_PRELOAD")
        .env_remove("FAKETIME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let Some(stdout) = child.stdout.take() else {
        return Err("no standard output".into());
    };
    let mut lines = BufReader::new(stdout).lines();
    let mut said = Vec::new();
    loop {
        match lines.next() {
            Some(Ok(line)) => {
                if line.contains("started successfully") {
                    break;
                }
                said.push(line);
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("it stopped, saying: {}", said.join(" / ")));
            }
        }
    }
    // Whatever it writes from now on is read and dropped, so that it never blocks on a full
    // pipe.
    std::thread::spawn(move || for _ in lines {});
    Ok((child, port))
}
