//! The language server driven through its messages, as an editor drives
//! it: a client on one end of an in-memory connection, `aaprof::lsp::serve`
//! on the other. Each test opens documents, edits them and asks, and
//! checks what comes back against what `aaprof lint` and `aaprof fmt` say
//! of the same text.

use super::support::{repo, shared};
use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// The client end of a running server.
struct Client {
    conn: Connection,
    server: Option<std::thread::JoinHandle<Result<(), aaprof::lsp::ServeError>>>,
    next: i32,
    /// Notifications received while waiting for something else.
    pending: Vec<Notification>,
    init: Value,
}

const WAIT: Duration = Duration::from_secs(30);

impl Client {
    /// A server initialised with `init_options`, the client offering
    /// `encodings` (the protocol's default, UTF-16, when empty).
    fn start(init_options: Value, encodings: &[&str]) -> Client {
        let (server_end, client_end) = Connection::memory();
        let options = aaprof::resolve::Options {
            fragments: true,
            ..Default::default()
        };
        let server = std::thread::spawn(move || {
            aaprof::lsp::serve(&server_end, aaprof::lsp::Defaults { options })
        });
        let mut c = Client {
            conn: client_end,
            server: Some(server),
            next: 1,
            pending: Vec::new(),
            init: Value::Null,
        };
        let caps = if encodings.is_empty() {
            json!({})
        } else {
            json!({ "general": { "positionEncodings": encodings } })
        };
        c.init = c.request(
            "initialize",
            json!({ "capabilities": caps, "initializationOptions": init_options }),
        );
        c.notify("initialized", json!({}));
        c
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn
            .sender
            .send(Message::Notification(Notification::new(
                method.into(),
                params,
            )))
            .expect("the server is listening");
    }

    /// Send a request; its response (an error response as `Err`).
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        let id = RequestId::from(self.next);
        self.next += 1;
        self.conn
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.into(),
                params,
            )))
            .expect("the server is listening");
        loop {
            match self.conn.receiver.recv_timeout(WAIT) {
                Ok(Message::Response(Response {
                    id: got,
                    response_result,
                })) if got == id => {
                    return response_result.map_err(|e| e.message);
                }
                Ok(Message::Notification(n)) => self.pending.push(n),
                Ok(_) => {}
                Err(e) => panic!("no response to {method}: {e}"),
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.call(method, params)
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_for = |n: &Notification| {
            n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri
        };
        if let Some(i) = self.pending.iter().position(is_for) {
            let n = self.pending.remove(i);
            return n.params["diagnostics"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        loop {
            match self.conn.receiver.recv_timeout(WAIT) {
                Ok(Message::Notification(n)) if is_for(&n) => {
                    return n.params["diagnostics"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                }
                Ok(Message::Notification(n)) => self.pending.push(n),
                Ok(_) => {}
                Err(e) => panic!("no diagnostics for {uri}: {e}"),
            }
        }
    }

    /// The next publishDiagnostics for `uri`, whole (with its version).
    fn next_publish(&mut self, uri: &str) -> Value {
        let is_for = |n: &Notification| {
            n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri
        };
        if let Some(i) = self.pending.iter().position(is_for) {
            return self.pending.remove(i).params;
        }
        loop {
            match self.conn.receiver.recv_timeout(WAIT) {
                Ok(Message::Notification(n)) if is_for(&n) => return n.params,
                Ok(Message::Notification(n)) => self.pending.push(n),
                Ok(_) => {}
                Err(e) => panic!("no diagnostics for {uri}: {e}"),
            }
        }
    }

    fn open(&self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "apparmor", "version": 1, "text": text } }),
        );
    }

    fn change(&self, uri: &str, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    /// Shut the server down as a client does; it must end cleanly.
    fn stop(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let server = self.server.take().expect("running");
        let r = server
            .join()
            .expect("the server thread ends without panicking");
        assert!(r.is_ok(), "{r:?}");
    }
}

/// A directory of its own for one test, with a profile tree.
fn tree(test: &str) -> PathBuf {
    let d = repo().join("target/lsp-tests").join(test);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("tunables")).expect("target/ writable");
    std::fs::create_dir_all(d.join("abstractions")).expect("target/ writable");
    std::fs::write(d.join("tunables/global"), "@{HOME}=/home/*/ /root/\n").expect("written");
    std::fs::write(d.join("abstractions/base"), "/etc/ld.so.cache r,\n").expect("written");
    d
}

/// A server for the tree of test `test` (its base), with `text` open as
/// file `name` there (and written to disk when `saved`): the tree, the
/// document's URI, the client and the first diagnostics published.
fn opened(
    test: &str,
    name: &str,
    text: &str,
    saved: bool,
) -> (PathBuf, String, Client, Vec<Value>) {
    let d = tree(test);
    let path = d.join(name);
    if saved {
        std::fs::write(&path, text).expect("written");
    }
    let u = uri(&path);
    let mut c = Client::start(json!({ "base": d }), &[]);
    c.open(&u, text);
    let diags = c.diagnostics(&u);
    (d, u, c, diags)
}

fn uri(p: &Path) -> String {
    aaprof::lsp::position::uri_of(p)
        .expect("an absolute path")
        .as_str()
        .to_string()
}

/// `aaprof lint --format json` of `path` with base `base`: (code, line, column) of
/// each finding in that file, 1-based as the CLI prints them.
fn lint_cli(path: &Path, base: &Path) -> Vec<(String, u64, u64)> {
    let out = Command::new(env!("CARGO_BIN_EXE_aaprof"))
        .args(["lint", "--format", "json", "-b"])
        .arg(base)
        .arg(path)
        .output()
        .expect("aaprof runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json output");
    let mut found: Vec<(String, u64, u64)> = v["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["location"]["line"].as_u64().unwrap_or_default(),
                d["location"]["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    found.sort();
    found
}

/// (code, line, character) of published diagnostics, 0-based.
fn published(diags: &[Value]) -> Vec<(String, u64, u64)> {
    let mut v: Vec<(String, u64, u64)> = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap_or_default(),
                d["range"]["start"]["character"]
                    .as_u64()
                    .unwrap_or_default(),
            )
        })
        .collect();
    v.sort();
    v
}

const DEMO: &str = "abi <abi/4.0>,\ninclude <tunables/global>\n\nprofile demo /usr/bin/demo {\n  #include <abstractions/base>\n  /etc/démo/** r,\n  /etc/démo/x r,\n  @{HOME}/.demo rw,\n  /usr/bin/demo ix\n  ^hat { /tmp/** rw, }\n}\n";

#[test]
fn diagnostics_are_lints_and_arrive_on_open_and_on_change() {
    let d = tree("diagnostics");
    std::fs::create_dir_all(d.join("abi")).expect("abi dir");
    std::fs::copy(shared().join("corpora/upstream/abi/4.0"), d.join("abi/4.0"))
        .expect("abi copied");
    let path = d.join("demo");
    std::fs::write(&path, DEMO).expect("written");
    let u = uri(&path);
    let mut c = Client::start(json!({ "base": d }), &["utf-8"]);
    assert_eq!(c.init["capabilities"]["positionEncoding"], "utf-8");
    c.open(&u, DEMO);
    let diags = c.diagnostics(&u);
    // the CLI's findings, at the same places (its columns are 1-based
    // characters; on these lines every character before a finding is ASCII)
    let cli: Vec<(String, u64, u64)> = lint_cli(&path, &d)
        .into_iter()
        .map(|(c, l, col)| (c, l - 1, col - 1))
        .collect();
    assert!(!cli.is_empty());
    assert_eq!(published(&diags), cli);
    assert!(diags.iter().all(|d| d["source"] == "aaprof"), "{diags:?}");
    // the missing comma mended: that error goes, the rest stay
    c.change(
        &u,
        2,
        json!([{ "range": { "start": { "line": 8, "character": 18 }, "end": { "line": 8, "character": 18 } }, "text": "," }]),
    );
    let after = c.diagnostics(&u);
    let mut expected = published(&diags);
    expected.retain(|x| x.0 != "E0102");
    assert_eq!(published(&after), expected);
    c.stop();
}

#[test]
fn positions_are_utf16_unless_utf8_is_negotiated() {
    let d = tree("encoding");
    let path = d.join("p");
    let text = "profile p {\n  /é/x ix\n}\n";
    let u = uri(&path);
    let at = |encodings: &[&str]| {
        let mut c = Client::start(json!({ "base": d }), encodings);
        c.open(&u, text);
        let diags = c.diagnostics(&u);
        let e = diags
            .iter()
            .find(|x| x["code"] == "E0102")
            .cloned()
            .unwrap_or_else(|| panic!("the missing comma is reported: {diags:?}"));
        c.stop();
        e["range"]["start"]["character"].as_u64()
    };
    // `  /é/x ix` ends at character 9 in UTF-16 units, at byte 10
    assert_eq!(at(&[]), Some(9));
    assert_eq!(at(&["utf-16"]), Some(9));
    assert_eq!(at(&["utf-8", "utf-16"]), Some(10));
}

#[test]
fn an_unsaved_tunable_changes_the_diagnostics_of_the_profile_that_includes_it() {
    let text = "include <tunables/global>\nprofile p {\n  @{DEMO_DIR}/** r,\n}\n";
    let (d, u, mut c, before) = opened("overlay", "p", text, true);
    assert!(
        before
            .iter()
            .any(|x| x["message"].as_str().unwrap_or("").contains("DEMO_DIR")),
        "the variable is undefined on disk: {before:?}"
    );
    // the tunable opened and given the variable, not saved
    let tu = uri(&d.join("tunables/global"));
    c.open(&tu, "@{HOME}=/home/*/ /root/\n");
    let _ = c.diagnostics(&tu);
    let _ = c.diagnostics(&u);
    c.change(
        &tu,
        2,
        json!([{ "text": "@{HOME}=/home/*/ /root/\n@{DEMO_DIR}=/opt/demo\n" }]),
    );
    let _ = c.diagnostics(&tu);
    let after = c.diagnostics(&u);
    assert!(
        !after
            .iter()
            .any(|x| x["message"].as_str().unwrap_or("").contains("DEMO_DIR")),
        "the unsaved definition is read: {after:?}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("tunables/global")).expect("readable"),
        "@{HOME}=/home/*/ /root/\n",
        "nothing is written"
    );
    c.stop();
}

#[test]
fn code_actions_carry_the_fixes_and_a_suppression() {
    let text = "profile p {\n  #include <abstractions/base>\n  /etc/x r,\n}\n";
    let (_, u, mut c, diags) = opened("actions", "p", text, false);
    let hash = diags
        .iter()
        .find(|x| x["code"] == "L404")
        .cloned()
        .unwrap_or_else(|| panic!("the #include is reported: {diags:?}"));
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": u }, "range": hash["range"], "context": { "diagnostics": [hash] } }),
    );
    let actions = actions.as_array().cloned().unwrap_or_default();
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("a preferred (safe) fix: {actions:?}"));
    let edits = fix["edit"]["changes"][&u]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edits.len(), 1, "{fix:?}");
    assert_eq!(edits[0]["newText"], "");
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 1, "character": 2 })
    );
    assert_eq!(
        edits[0]["range"]["end"],
        json!({ "line": 1, "character": 3 })
    );
    let suppress = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap_or("").starts_with("Suppress"))
        .unwrap_or_else(|| panic!("a suppression: {actions:?}"));
    let edit = &suppress["edit"]["changes"][&u][0];
    assert_eq!(edit["newText"], "  # aaprof: ignore[L404]");
    // at the end of the line
    let eol = text.lines().nth(1).map_or(0, str::len);
    assert_eq!(
        edit["range"]["start"],
        json!({ "line": 1, "character": eol })
    );
    // the suppressed text has no such finding
    let suppressed = text.replacen(
        "<abstractions/base>\n",
        "<abstractions/base>  # aaprof: ignore[L404]\n",
        1,
    );
    c.change(&u, 2, json!([{ "text": suppressed }]));
    let after = c.diagnostics(&u);
    assert!(!after.iter().any(|x| x["code"] == "L404"), "{after:?}");
    c.stop();
}

#[test]
fn formatting_gives_what_fmt_gives_and_symbols_nest_hats() {
    let text = "profile p {\n/a r,\n   ^h {\n/b r,\n}\n}\n";
    let (_, u, mut c, _) = opened("format", "p", text, false);
    let edits = c.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": u }, "options": { "tabSize": 2, "insertSpaces": true } }),
    );
    let expected = aaprof::fmt::format(text, aaprof::source::FileId(0)).expect("the text formats");
    assert_ne!(expected, text);
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits:?}");
    assert_eq!(edits[0]["newText"], expected.as_str());
    assert_eq!(
        edits[0]["range"]["start"],
        json!({ "line": 0, "character": 0 })
    );
    assert_eq!(
        edits[0]["range"]["end"],
        json!({ "line": 6, "character": 0 })
    );
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": u } }),
    );
    assert_eq!(symbols[0]["name"], "p");
    assert_eq!(symbols[0]["children"][0]["name"], "h");
    assert_eq!(symbols[0]["children"][0]["detail"], "hat");
    c.stop();
}

#[test]
fn hover_shows_the_documentation_of_the_finding_under_the_cursor() {
    let text = "profile p {\n  #include <abstractions/base>\n}\n";
    let (_, u, mut c, _) = opened("hover", "p", text, false);
    let h = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": u }, "position": { "line": 1, "character": 4 } }),
    );
    let doc = h["contents"]["value"].as_str().unwrap_or_default();
    let page = aaprof::lint::registry::pages("L404");
    // what the include reads, then the rule's page
    assert!(
        doc.starts_with("`include <abstractions/base>` reads:"),
        "{doc}"
    );
    assert!(doc.ends_with(&page[0].1), "the rule's page: {doc}");
    // on the profile's opening brace: nothing to say
    let nothing = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": u }, "position": { "line": 0, "character": 10 } }),
    );
    assert_eq!(nothing, Value::Null);
    c.stop();
}

#[test]
fn bad_requests_get_errors_and_the_server_goes_on() {
    let d = tree("errors");
    let u = uri(&d.join("p"));
    let mut c = Client::start(Value::Null, &[]);
    let e = c.call("textDocument/formatting", json!({ "nonsense": 1 }));
    assert!(e.is_err(), "{e:?}");
    let e = c.call("textDocument/unheardOf", json!({}));
    assert!(e.is_err_and(|m| m.contains("does not answer")));
    // a document never opened: nothing to say, no error
    let r = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": u } }),
    );
    assert_eq!(r, Value::Null);
    // and it still answers
    c.open(&u, "profile p { /a r, }\n");
    let diags = c.diagnostics(&u);
    assert!(diags.iter().all(|x| x["severity"] != 1), "{diags:?}");
    c.stop();
}

/// Debian's Neovim, headless and without any user configuration, as the
/// client: it starts `aaprof lsp`, receives the diagnostics of a profile
/// with mistakes and gets the code actions of one.
#[test]
fn neovim_receives_the_diagnostics_and_a_code_action() {
    let d = tree("neovim");
    let path = d.join("demo");
    let text = "profile demo {\n  #include <abstractions/base>\n  /etc/demo/** r,\n  /etc/demo/x r,\n  /usr/bin/true ix\n}\n";
    std::fs::write(&path, text).expect("written");
    let out_file = d.join("neovim.out");
    let script = repo().join("tests/fixtures/lsp/neovim.lua");
    let mut child = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("AAPROF_FILE", &path)
        .env("AAPROF_BIN", env!("CARGO_BIN_EXE_aaprof"))
        .env("AAPROF_BASE", &d)
        .env("AAPROF_OUT", &out_file)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nvim runs (the test command installs Debian's neovim)");
    let start = std::time::Instant::now();
    while child.try_wait().expect("waitable").is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!(
                "nvim did not finish; it wrote: {}",
                std::fs::read_to_string(&out_file).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = std::fs::read_to_string(&out_file).expect("nvim wrote its report");
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.last(), Some(&"done"), "{got}");
    assert!(!got.contains("error"), "{got}");
    // what the CLI reports, at the same places
    let cli = lint_cli(&path, &d);
    let diags: Vec<String> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("diag "))
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    let expected: Vec<String> = cli
        .iter()
        .map(|(code, line, col)| format!("{}:{} {code}", line - 1, col - 1))
        .collect();
    let mut sorted = diags.clone();
    sorted.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(sorted, want, "{got}");
    assert!(diags.iter().any(|l| l.ends_with(" L404")), "{got}");
    // the #include on line 1: its fix and its suppression
    assert!(lines.contains(&"action write `include`"), "{got}");
    assert!(
        lines.iter().any(|l| l.starts_with("action Suppress ")),
        "{got}"
    );
}

/// (path, start line, start character) of each location of a response.
fn places(v: &Value) -> Vec<(String, u64, u64)> {
    let mut out: Vec<(String, u64, u64)> = v
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|l| {
            (
                l["uri"].as_str().unwrap_or_default().to_string(),
                l["range"]["start"]["line"].as_u64().unwrap_or(u64::MAX),
                l["range"]["start"]["character"]
                    .as_u64()
                    .unwrap_or(u64::MAX),
            )
        })
        .collect();
    out.sort();
    out
}

fn at(u: &str, line: u32, character: u32) -> Value {
    json!({ "textDocument": { "uri": u }, "position": { "line": line, "character": character } })
}

const NAV: &str = "include <tunables/global>\n@{HOME} += /srv/\nprofile a /usr/bin/a {\n  capability net_raw,\n  owner @{HOME}/.a rw,\n  /usr/bin/b Px -> b,\n}\n";

#[test]
fn definitions_lead_to_included_files_variables_and_profiles_in_other_files() {
    let d = tree("definition");
    let path = d.join("a");
    std::fs::write(&path, NAV).expect("written");
    std::fs::write(d.join("b"), "profile b /usr/bin/b {\n}\n").expect("written");
    let (ua, ub, global) = (
        uri(&path),
        uri(&d.join("b")),
        uri(&d.join("tunables/global")),
    );
    let mut c = Client::start(json!({ "base": d }), &[]);
    c.open(&ua, NAV);
    let _ = c.diagnostics(&ua);
    // the include: its file
    let inc = c.request("textDocument/definition", at(&ua, 0, 12));
    assert_eq!(places(&inc), [(global.clone(), 0, 0)]);
    // the variable used in the rule: its `=` in the tunable and its `+=` here
    let var = c.request("textDocument/definition", at(&ua, 4, 10));
    assert_eq!(places(&var), [(ua.clone(), 1, 0), (global.clone(), 0, 0)]);
    // the transition's target: the profile in the file beside this one
    let to = c.request("textDocument/definition", at(&ua, 5, 19));
    assert_eq!(places(&to), [(ub.clone(), 0, 8)]);
    // references of the variable: the uses (and with declarations, the definitions)
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": ua }, "position": { "line": 1, "character": 3 }, "context": { "includeDeclaration": false } }),
    );
    assert_eq!(places(&refs), [(ua.clone(), 4, 8)]);
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": ua }, "position": { "line": 1, "character": 3 }, "context": { "includeDeclaration": true } }),
    );
    assert_eq!(
        places(&refs),
        [
            (ua.clone(), 1, 0),
            (ua.clone(), 4, 8),
            (global.clone(), 0, 0)
        ]
    );
    // references of profile b, asked from its definition: the transition here
    c.open(&ub, "profile b /usr/bin/b {\n}\n");
    let _ = c.diagnostics(&ub);
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": ub }, "position": { "line": 0, "character": 8 }, "context": { "includeDeclaration": false } }),
    );
    assert_eq!(places(&refs), [(ua.clone(), 5, 19)]);
    c.stop();
}

#[test]
fn hover_explains_words_variables_and_includes() {
    let (d, ua, mut c, _) = opened("hover-words", "a", NAV, true);
    let mut hover = |line, character| {
        let h = c.request("textDocument/hover", at(&ua, line, character));
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let include = hover(0, 3);
    assert!(
        include.contains(&d.join("tunables/global").display().to_string()),
        "{include}"
    );
    // the values the resolver gives the variable: the tunable's and the `+=`
    let var = hover(4, 10);
    assert!(var.contains("/home/*/ /root/ /srv/"), "{var}");
    assert!(hover(3, 15).contains("raw and packet sockets"));
    assert!(hover(4, 3).contains("owns"));
    let mode = hover(4, 20);
    assert!(
        mode.contains("`r`: read") && mode.contains("`w`: write"),
        "{mode}"
    );
    let px = hover(5, 13);
    assert!(px.contains("`Px`"), "{px}");
    c.stop();
}

#[test]
fn completion_offers_what_may_be_written_there() {
    let text = "include <tunables/global>\nprofile a {\n  capability net_r\n  include <abstractions/\n  @{HO\n}\n";
    let (_, ua, mut c, _) = opened("completion", "a", text, false);
    let mut labels = |line, character| {
        let r = c.request("textDocument/completion", at(&ua, line, character));
        let items = r.as_array().cloned().unwrap_or_default();
        items
            .iter()
            .map(|i| {
                (
                    i["label"].as_str().unwrap_or_default().to_string(),
                    i["textEdit"]["range"]["start"]["character"]
                        .as_u64()
                        .unwrap_or(u64::MAX),
                )
            })
            .collect::<Vec<_>>()
    };
    // each replaces the part of the word already typed
    assert_eq!(labels(2, 18), [("net_raw".to_string(), 13)]);
    assert_eq!(labels(3, 24), [("base".to_string(), 24)]);
    assert_eq!(labels(4, 6), [("HOME".to_string(), 4)]);
    let top = labels(0, 0);
    assert!(top.iter().any(|(l, _)| l == "abi"), "{top:?}");
    c.stop();
}

/// The findings of `aaprof lint --format json ARGS PATH` located in
/// `path` itself, as JSON.
fn lint_json_in(path: &Path, args: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_aaprof"))
        .args(["lint", "--format", "json"])
        .args(args)
        .arg(path)
        .output()
        .expect("aaprof runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json output");
    let shown = path.display().to_string();
    v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["location"]["path"] == shown.as_str())
        .cloned()
        .collect()
}

/// `aaprof lint --format json` findings located in `path` itself:
/// (code, byte start, byte end, message).
fn lint_cli_spans(path: &Path, args: &[&str]) -> Vec<(String, u64, u64, String)> {
    let mut found: Vec<(String, u64, u64, String)> = lint_json_in(path, args)
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["location"]["byte_start"].as_u64().unwrap_or_default(),
                d["location"]["byte_end"].as_u64().unwrap_or_default(),
                d["message"]
                    .as_str()
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// The byte offset of a UTF-8 position.
fn byte_of(text: &str, p: &Value) -> u64 {
    let line = p["line"].as_u64().unwrap_or_default() as usize;
    let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    (start as u64) + p["character"].as_u64().unwrap_or_default()
}

/// A small deterministic generator (xorshift64*), so a failure repeats.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }
}

/// Type at byte `at` of `text` (a character boundary), as an editor
/// sends it: an insertion of one of `typed` (six times in ten, or when
/// the text is empty) or the deletion of the next character; `text`
/// becomes the new version.
fn type_at(
    c: &Client,
    u: &str,
    version: i32,
    text: &mut String,
    at: usize,
    rng: &mut Rng,
    typed: &[char],
) {
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
    let (end, insert) = if rng.below(10) < 6 || text.is_empty() {
        (at, typed[rng.below(typed.len())].to_string())
    } else {
        let next = text[at..].chars().next().map_or(0, char::len_utf8);
        (at + next, String::new())
    };
    let end_line = text[..end].matches('\n').count();
    let end_col = end - text[..end].rfind('\n').map_or(0, |i| i + 1);
    text.replace_range(at..end, &insert);
    c.change(
        u,
        version,
        json!([{ "range": { "start": { "line": line, "character": col }, "end": { "line": end_line, "character": end_col } }, "text": insert }]),
    );
}

#[test]
fn random_typing_over_corpus_profiles_keeps_the_diagnostics_equal_to_lints() {
    let ad = shared().join("corpora/apparmor.d");
    let mut files: Vec<PathBuf> = Vec::new();
    for group in ["profiles-a-f", "profiles-m-r", "profiles-s-z"] {
        let mut v: Vec<PathBuf> = std::fs::read_dir(ad.join("profiles").join(group))
            .map(|rd| rd.filter_map(|e| Some(e.ok()?.path())).collect())
            .unwrap_or_default();
        v.sort();
        files.extend(v.into_iter().step_by(97).take(2));
    }
    assert!(files.len() >= 4, "corpus profiles found: {files:?}");
    let d = repo().join("target/lsp-tests/random");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("target/ writable");
    let base = ad.display().to_string();
    let mappings = ad.join("mappings").display().to_string();
    let mut c = Client::start(
        json!({ "base": ad, "include": [ad.join("mappings")] }),
        &["utf-8"],
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let typed = [
        'a', '/', ' ', ',', '{', '}', '@', '*', 'r', '\n', '#', '-', 'x', '"', '(',
    ];
    let mut states = 0;
    for f in &files {
        let name = f.file_name().expect("a file name");
        let path = d.join(name);
        let mut text = std::fs::read_to_string(f).expect("a corpus profile");
        let u = uri(&path);
        c.open(&u, &text);
        let _ = c.diagnostics(&u);
        for version in 2..22 {
            // an insertion or a deletion at a random character boundary
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            type_at(&c, &u, version, &mut text, at, &mut rng, &typed);
            let diags = c.diagnostics(&u);
            std::fs::write(&path, &text).expect("written");
            let cli = lint_cli_spans(&path, &["-b", &base, "-I", &mappings]);
            let mut ours: Vec<(String, u64, u64, String)> = diags
                .iter()
                .map(|x| {
                    (
                        x["code"].as_str().unwrap_or_default().to_string(),
                        byte_of(&text, &x["range"]["start"]),
                        byte_of(&text, &x["range"]["end"]),
                        x["message"]
                            .as_str()
                            .unwrap_or_default()
                            .lines()
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect();
            ours.sort();
            assert_eq!(
                ours,
                cli,
                "{} after edit {version}:\n{text}",
                path.display()
            );
            states += 1;
        }
    }
    assert_eq!(states, files.len() * 20);
    c.stop();
}

/// Every finding `aaprof lint --format json` locates in `path`, whole:
/// (code, byte start, byte end, message with its notes and help, and each
/// label's path, line and column).
fn lint_cli_whole(path: &Path, args: &[&str]) -> Vec<(String, u64, u64, String, Vec<String>)> {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let mut found: Vec<_> = lint_json_in(path, args)
        .iter()
        .map(|d| {
            let mut message = s(&d["message"]);
            for n in d["notes"].as_array().into_iter().flatten() {
                message.push_str(&format!("\nnote: {}", s(n)));
            }
            if d["help"].is_string() {
                message.push_str(&format!("\nhelp: {}", s(&d["help"])));
            }
            let labels = d["labels"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| {
                    let at = &l["location"];
                    format!("{}:{}:{}", s(&at["path"]), at["line"], at["column"])
                })
                .collect();
            (
                s(&d["code"]),
                d["location"]["byte_start"].as_u64().unwrap_or_default(),
                d["location"]["byte_end"].as_u64().unwrap_or_default(),
                message,
                labels,
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn typing_in_one_profile_of_many_keeps_the_others_findings_whole_and_in_place() {
    // the language server keeps what the per-profile rules found in each
    // profile of the file and moves it with the profile: edits to the
    // first profile (new lines among them) move the others, whose
    // findings, with their messages, notes and related places, must stay
    // those `aaprof lint` gives for the text
    let ad = shared().join("corpora/apparmor.d");
    let mut text = String::new();
    for p in [
        "groups/steam/steam",
        "groups/virt/libvirtd",
        "profiles-a-f/claude",
    ] {
        let t = std::fs::read_to_string(ad.join("profiles").join(p)).expect("a corpus profile");
        for l in t.lines() {
            let preamble = l.starts_with("abi <abi/") || l.starts_with("include <tunables/global>");
            if text.is_empty() || !preamble {
                text.push_str(l);
                text.push('\n');
            }
        }
    }
    let first_end = text.find("\n}\n").expect("the first profile ends");
    let d = repo().join("target/lsp-tests/many-profiles");
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("target/ writable");
    let path = d.join("several");
    let base = ad.display().to_string();
    let mappings = ad.join("mappings").display().to_string();
    let mut c = Client::start(
        json!({ "base": ad, "include": [ad.join("mappings")] }),
        &["utf-8"],
    );
    let u = uri(&path);
    c.open(&u, &text);
    let _ = c.diagnostics(&u);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let typed = ['a', '/', ' ', ',', '\n', '#', 'r', '*'];
    let mut moved_others = 0;
    for version in 2..14 {
        // an edit inside the first profile, past its first line
        let mut at = 200 + rng.below(first_end - 200);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        type_at(&c, &u, version, &mut text, at, &mut rng, &typed);
        let diags = c.diagnostics(&u);
        std::fs::write(&path, &text).expect("written");
        let cli = lint_cli_whole(&path, &["-b", &base, "-I", &mappings]);
        let mut ours: Vec<_> = diags
            .iter()
            .map(|x| {
                let labels = x["relatedInformation"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|r| {
                        let at = &r["location"];
                        let p = aaprof::lsp::position::path_of(
                            &at["uri"]
                                .as_str()
                                .unwrap_or_default()
                                .parse()
                                .expect("a uri"),
                        )
                        .expect("a file uri");
                        let start = &at["range"]["start"];
                        format!(
                            "{}:{}:{}",
                            p.display(),
                            start["line"].as_u64().unwrap_or_default() + 1,
                            start["character"].as_u64().unwrap_or_default() + 1
                        )
                    })
                    .collect();
                (
                    x["code"].as_str().unwrap_or_default().to_string(),
                    byte_of(&text, &x["range"]["start"]),
                    byte_of(&text, &x["range"]["end"]),
                    x["message"].as_str().unwrap_or_default().to_string(),
                    labels,
                )
            })
            .collect();
        ours.sort();
        assert_eq!(ours, cli, "after edit {version}");
        moved_others += cli.iter().filter(|f| f.1 as usize > first_end).count();
    }
    // the profiles after the first had findings to move
    assert!(moved_others > 12, "{moved_others}");
    c.stop();
}

#[test]
fn a_burst_of_edits_ends_in_the_diagnostics_of_the_last_text() {
    let mut text = String::from("profile p {\n  /etc/x r\n}\n");
    let (d, u, mut c, first) = opened("burst", "p", &text, true);
    let path = d.join("p");
    assert!(first.iter().any(|x| x["code"] == "E0102"), "{first:?}");
    // typed without waiting: `,` then ` /etc/y r,` and so on
    let typed = ", /etc/y r,";
    for (i, ch) in typed.chars().enumerate() {
        let col = 10 + i as u32;
        c.change(
            &u,
            2 + i as i32,
            json!([{ "range": { "start": { "line": 1, "character": col }, "end": { "line": 1, "character": col } }, "text": ch.to_string() }]),
        );
        text.insert(12 + 10 + i, ch);
    }
    let last = 1 + typed.len() as i64;
    // diagnostics arrive in version order, the last for the last version
    let mut versions = Vec::new();
    let diags = loop {
        let n = c.next_publish(&u);
        let v = n["version"].as_i64().unwrap_or_default();
        versions.push(v);
        if v == last {
            break n["diagnostics"].as_array().cloned().unwrap_or_default();
        }
    };
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    std::fs::write(&path, &text).expect("written");
    let cli: Vec<(String, u64, u64)> = lint_cli(&path, &d)
        .into_iter()
        .map(|(c, l, col)| (c, l - 1, col - 1))
        .collect();
    assert_eq!(published(&diags), cli, "{text}");
    c.stop();
}

#[test]
fn an_edit_re_diagnoses_only_the_documents_it_can_change() {
    let (d, ua, mut c, _) = opened("due", "a", "profile a {\n  /a r,\n}\n", false);
    let ub = uri(&d.join("b"));
    let local = d.join("abstractions/local");
    let ul = uri(&local);
    c.open(&ub, "profile b {\n  include <abstractions/local>\n}\n");
    let _ = c.diagnostics(&ub);
    c.open(&ul, "/l r,\n");
    let _ = c.diagnostics(&ul);
    // b includes the abstraction: it is checked again; a is not
    let _ = c.diagnostics(&ub);
    c.pending.clear();
    c.change(&ul, 2, json!([{ "text": "/l rw,\n" }]));
    let _ = c.diagnostics(&ul);
    let _ = c.diagnostics(&ub);
    c.change(&ua, 2, json!([{ "text": "profile a {\n  /a rw,\n}\n" }]));
    let _ = c.diagnostics(&ua);
    // a request answered after all that: nothing else was published
    let _ = c.request("textDocument/hover", at(&ua, 0, 0));
    let others: Vec<&Value> = c
        .pending
        .iter()
        .filter(|n| n.method == "textDocument/publishDiagnostics")
        .map(|n| &n.params["uri"])
        .collect();
    assert!(others.is_empty(), "published besides: {others:?}");
    c.stop();
}

#[test]
fn the_binary_refuses_input_that_is_not_the_protocol_with_a_clear_error() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_aaprof"))
        .arg("lsp")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("aaprof runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"{\"hello\": 1}\n")
        .expect("written");
    let out = child.wait_with_output().expect("it ends");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Content-Length"), "{err}");
}

#[test]
fn did_you_mean_quick_fixes_write_the_name_meant_and_the_findings_go() {
    let text = "include <tunables/global>\n\
                profile p flags=(complian) {\n\
                \x20 include <abstractions/bse>\n\
                \x20 capability sys_admn,\n\
                \x20 @{HOMEE}/x r,\n\
                \x20 netwrk inet,\n\
                \x20 signal send set=(SIGHUP),\n\
                }\n";
    let meant = "include <tunables/global>\n\
                 profile p flags=(complain) {\n\
                 \x20 include <abstractions/base>\n\
                 \x20 capability sys_admin,\n\
                 \x20 @{HOME}/x r,\n\
                 \x20 network inet,\n\
                 \x20 signal send set=(hup),\n\
                 }\n";
    let (_, u, mut c, diags) = opened("did-you-mean", "p", text, false);
    let mut edits: Vec<(u64, u64, String)> = Vec::new();
    for d in diags.iter().filter(|d| d["severity"] == 1) {
        let actions = c.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": u }, "range": d["range"], "context": { "diagnostics": [d] } }),
        );
        let actions = actions.as_array().cloned().unwrap_or_default();
        let fix = actions
            .iter()
            .find(|a| {
                a["kind"] == "quickfix"
                    && a["title"]
                        .as_str()
                        .is_some_and(|t| t.starts_with("replace with"))
            })
            .unwrap_or_else(|| panic!("a did-you-mean quick fix for {d:?}: {actions:?}"));
        assert_ne!(fix["isPreferred"], true, "names are unsafe fixes: {fix:?}");
        for e in fix["edit"]["changes"][&u]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let (s, t) = (
                byte_of(text, &e["range"]["start"]),
                byte_of(text, &e["range"]["end"]),
            );
            edits.push((s, t, e["newText"].as_str().unwrap_or_default().to_string()));
        }
    }
    assert_eq!(edits.len(), 6, "one fix for each misspelt name: {edits:?}");
    edits.sort();
    let mut fixed = text.to_string();
    for (s, t, new) in edits.iter().rev() {
        fixed.replace_range(*s as usize..*t as usize, new);
    }
    assert_eq!(fixed, meant);
    c.change(&u, 2, json!([{ "text": fixed }]));
    let after = c.diagnostics(&u);
    assert!(!after.iter().any(|x| x["severity"] == 1), "{after:?}");
    c.stop();
}

#[test]
fn hover_explains_the_permission_words_of_every_rule_family() {
    let text = "profile a {\n  signal (send) set=(hup),\n  dbus bind bus=session name=org.a,\n  unix (connect, receive) type=stream,\n  ptrace read peer=b,\n}\n";
    let (_, u, mut c, _) = opened("hover-access", "a", text, false);
    let mut hover = |line, character| {
        let h = c.request("textDocument/hover", at(&u, line, character));
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        hover(1, 11).contains("Send the signals"),
        "{}",
        hover(1, 11)
    );
    assert!(hover(2, 8).contains("bus name"), "{}", hover(2, 8));
    assert!(
        hover(3, 10).contains("Connect to a peer"),
        "{}",
        hover(3, 10)
    );
    assert!(hover(3, 20).contains("Receive data"), "{}", hover(3, 20));
    assert!(
        hover(4, 10).contains("Read the peer's state"),
        "{}",
        hover(4, 10)
    );
    // a conditional's value is no permission
    assert!(!hover(3, 34).contains("Send"), "{}", hover(3, 34));
    c.stop();
}
