//! `aaprof lsp`: a Language Server Protocol server. One main loop reads
//! the client's messages in order; the documents the editor has open are
//! kept as the editor has them, and every analysis reads the include tree
//! through a [`Vfs`] that overlays those buffers on the disk, so an unsaved
//! change to an abstraction re-diagnoses the open profiles that include
//! it. What it answers, and from where:
//!
//! - diagnostics: everything `aaprof lint` reports for the file, with its
//!   `aaprof.toml` and suppressions (see [`analysis`]);
//! - code actions: every fix a finding carries (safe ones marked
//!   preferred, unsafe ones labelled), and a suppression comment;
//! - formatting: the document through `aaprof fmt`;
//! - hover: the documentation of the findings at the position, and what
//!   the word there means: a keyword, capability, permission or flag, a
//!   variable's values, the files an include reads (see [`navigate`]);
//! - go to definition and references: includes to their files,
//!   variables to every `=` and `+=` (in the document and what it
//!   includes), transitions to the profile they name, looked up in the
//!   open documents and the profile tree beside the document;
//! - completion (see [`complete`]);
//! - document symbols: profiles, children, hats and variables.
//!
//! A request that panics is answered with an error and the server goes
//! on.

mod analysis;
mod complete;
mod index;
mod navigate;
pub mod position;

use crate::resolve;
use crate::vfs::Vfs;
use analysis::Analysis;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lt;
use position::{Encoding, LineMap, path_of};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::Arc;

/// Why the server stopped before the client said `exit`.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("language server protocol: {0}")]
    Protocol(#[from] lsp_server::ProtocolError),
    #[error("the client's connection closed")]
    Closed,
}

/// The include path and kernel features documents are checked with when
/// neither the client's initialisation options nor an `aaprof.toml` say
/// otherwise (the command line's `-I`, `-b` and `-M`).
#[derive(Clone, Debug)]
pub struct Defaults {
    pub options: resolve::Options,
}

/// The client's initialisation options (all optional): `include` (the
/// `-I` directories) and `base` (`-b`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct InitOptions {
    include: Vec<PathBuf>,
    base: Option<PathBuf>,
}

/// A document the editor has open.
struct Doc {
    uri: lt::Uri,
    /// The path the document is checked as (its own for a `file:` URI).
    path: Option<PathBuf>,
    version: i32,
    text: String,
    analysis: Option<Analysis>,
}

struct Server<'c> {
    conn: &'c Connection,
    encoding: Encoding,
    options: resolve::Options,
    docs: BTreeMap<String, Doc>,
    /// The patterns of the file rules analysed so far, compiled once for
    /// the server's life (a pattern's text is its key, so nothing in it
    /// goes stale).
    patterns: crate::lint::Cache,
    /// Every file read, parsed once and kept while its text stays the
    /// same (refreshed before each round of analyses).
    session: crate::resolve::Session,
    /// The documents changed since the last analysis (key and path).
    changed: Vec<(String, Option<PathBuf>)>,
    /// A document was opened or closed since: an include that named
    /// nothing may name it now (or the other way round), so every
    /// document is analysed again.
    reopened: bool,
}

/// Serve `conn` until the client says `exit` (after `shutdown`).
pub fn serve(conn: &Connection, defaults: Defaults) -> Result<(), ServeError> {
    let (id, params) = conn.initialize_start()?;
    let params: lt::InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let encoding = negotiate(&params);
    let init: InitOptions = params
        .initialization_options
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut options = defaults.options;
    options.search.include_dirs.extend(init.include);
    if let Some(b) = init.base {
        options.search.base_dir = b;
    }
    let result = lt::InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(lt::ServerInfo {
            name: "aaprof".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    conn.initialize_finish(id, serde_json::to_value(result).unwrap_or_default())?;
    let mut server = Server {
        conn,
        encoding,
        options,
        docs: BTreeMap::new(),
        patterns: crate::lint::Cache::for_every_path(),
        session: crate::resolve::Session::lasting(),
        changed: Vec::new(),
        reopened: false,
    };
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req)? {
                    return Ok(());
                }
                // a request is answered from the documents as they are now
                if server.due() {
                    server.reanalyse();
                }
                server.request(req);
            }
            Message::Notification(n) => {
                if n.method == "exit" {
                    return Ok(());
                }
                server.notification(n);
            }
            Message::Response(_) => {}
        }
        // edits that arrive while one is analysed are applied together,
        // and analysed once: typing faster than a file is checked does
        // not queue up a check per keystroke
        if server.due() && conn.receiver.is_empty() {
            server.reanalyse();
        }
    }
    Err(ServeError::Closed)
}

/// UTF-8 when the client offers it, else UTF-16 (the protocol's default).
fn negotiate(params: &lt::InitializeParams) -> Encoding {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    if offered.is_some_and(|v| v.contains(&lt::PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    }
}

fn capabilities(encoding: Encoding) -> lt::ServerCapabilities {
    lt::ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => lt::PositionEncodingKind::UTF8,
            Encoding::Utf16 => lt::PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(lt::TextDocumentSyncCapability::Options(
            lt::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lt::TextDocumentSyncKind::INCREMENTAL),
                save: Some(lt::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        code_action_provider: Some(lt::CodeActionProviderCapability::Options(
            lt::CodeActionOptions {
                code_action_kinds: Some(vec![lt::CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        document_formatting_provider: Some(lt::OneOf::Left(true)),
        hover_provider: Some(lt::HoverProviderCapability::Simple(true)),
        document_symbol_provider: Some(lt::OneOf::Left(true)),
        definition_provider: Some(lt::OneOf::Left(true)),
        references_provider: Some(lt::OneOf::Left(true)),
        completion_provider: Some(lt::CompletionOptions {
            trigger_characters: Some(["<", "/", "{", "(", " ", ">"].map(String::from).to_vec()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Server<'_> {
    fn send(&self, msg: impl Into<Message>) {
        // a closed connection ends the loop on the next receive
        let _ = self.conn.sender.send(msg.into());
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        let method = req.method.clone();
        let answer = std::panic::catch_unwind(AssertUnwindSafe(|| self.answer(req)));
        let response = match answer {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err(e)) => Response::new_err(id, e.0 as i32, e.1),
            Err(panic) => {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!("aaprof panicked answering {method}: {why}"),
                )
            }
        };
        self.send(response);
    }

    fn answer(&mut self, req: Request) -> Result<serde_json::Value, (ErrorCode, String)> {
        fn params<P: serde::de::DeserializeOwned>(req: Request) -> Result<P, (ErrorCode, String)> {
            serde_json::from_value(req.params)
                .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
        }
        match req.method.as_str() {
            "textDocument/codeAction" => {
                let p: lt::CodeActionParams = params(req)?;
                Ok(json(&self.code_actions(&p)))
            }
            "textDocument/formatting" => {
                let p: lt::DocumentFormattingParams = params(req)?;
                Ok(json(&self.formatting(&p.text_document.uri)))
            }
            "textDocument/hover" => {
                let p: lt::HoverParams = params(req)?;
                Ok(json(&self.hover(&p.text_document_position_params)))
            }
            "textDocument/definition" => {
                let p: lt::GotoDefinitionParams = params(req)?;
                let found = self.definition(&p.text_document_position_params);
                Ok(json(&lt::GotoDefinitionResponse::Array(found)))
            }
            "textDocument/references" => {
                let p: lt::ReferenceParams = params(req)?;
                Ok(json(&self.references(
                    &p.text_document_position,
                    p.context.include_declaration,
                )))
            }
            "textDocument/completion" => {
                let p: lt::CompletionParams = params(req)?;
                Ok(json(&self.completion(&p.text_document_position)))
            }
            "textDocument/documentSymbol" => {
                let p: lt::DocumentSymbolParams = params(req)?;
                Ok(json(&self.symbols(&p.text_document.uri)))
            }
            m => Err((
                ErrorCode::MethodNotFound,
                format!("aaprof does not answer {m}"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
            serde_json::from_value(n.params).ok()
        }
        let changed: Option<(String, Option<PathBuf>)> = match n.method.as_str() {
            "textDocument/didOpen" => {
                let Some(p) = params::<lt::DidOpenTextDocumentParams>(n) else {
                    return;
                };
                let d = p.text_document;
                let path = path_of(&d.uri);
                let key = d.uri.as_str().to_string();
                self.docs.insert(
                    key.clone(),
                    Doc {
                        uri: d.uri,
                        path: path.clone(),
                        version: d.version,
                        text: d.text,
                        analysis: None,
                    },
                );
                self.reopened = true;
                Some((key, path))
            }
            "textDocument/didChange" => {
                let Some(p) = params::<lt::DidChangeTextDocumentParams>(n) else {
                    return;
                };
                let encoding = self.encoding;
                let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str()) else {
                    return;
                };
                for change in p.content_changes {
                    apply_change(&mut doc.text, change, encoding);
                }
                doc.version = p.text_document.version;
                Some((p.text_document.uri.as_str().to_string(), doc.path.clone()))
            }
            "textDocument/didClose" => {
                let Some(p) = params::<lt::DidCloseTextDocumentParams>(n) else {
                    return;
                };
                let Some(doc) = self.docs.remove(p.text_document.uri.as_str()) else {
                    return;
                };
                self.publish(&doc.uri, Vec::new(), None);
                self.reopened = true;
                Some((p.text_document.uri.as_str().to_string(), doc.path))
            }
            _ => None,
        };
        self.changed.extend(changed);
    }

    /// Whether something changed since the last analysis.
    fn due(&self) -> bool {
        self.reopened || !self.changed.is_empty()
    }

    /// Analyse again the documents that changed and those that include
    /// one that changed (an unsaved edit to an abstraction changes what
    /// the profiles that include it say), or every document after one was
    /// opened or closed, on every core, and publish.
    fn reanalyse(&mut self) {
        let all = std::mem::take(&mut self.reopened);
        let changed = std::mem::take(&mut self.changed);
        let keys: HashSet<&str> = changed.iter().map(|(k, _)| k.as_str()).collect();
        let paths: HashSet<PathBuf> = changed
            .iter()
            .filter_map(|(_, p)| p.as_deref().map(canonical))
            .collect();
        let due: Vec<&str> = self
            .docs
            .iter()
            .filter(|(k, d)| {
                all || keys.contains(k.as_str())
                    || d.analysis.as_ref().is_none_or(|a| {
                        !paths.is_empty()
                            && a.included
                                .iter()
                                .any(|(p, _)| paths.contains(&canonical(p)))
                    })
            })
            .map(|(k, _)| k.as_str())
            .collect();
        let buffers: HashMap<PathBuf, Arc<str>> = self
            .docs
            .values()
            .filter_map(|d| Some((d.path.clone()?, Arc::from(d.text.as_str()))))
            .collect();
        let fs = Vfs::disk().overlay(buffers);
        self.session.refresh(&fs);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = due.len().div_ceil(threads).max(1);
        let (docs, options, session, patterns) =
            (&self.docs, &self.options, &self.session, &self.patterns);
        let analyse = |keys: &[&str], fs: &Vfs| -> Vec<(String, Analysis)> {
            keys.iter()
                .filter_map(|&k| {
                    let d = docs.get(k)?;
                    let a =
                        Analysis::of(&d.text, d.path.as_deref(), options, fs, session, patterns);
                    Some((k.to_string(), a))
                })
                .collect()
        };
        // a panic is a bug of ours: the documents keep their last
        // diagnostics, and the client's log says why
        let panicked = || {
            eprintln!("aaprof lsp: an analysis panicked; diagnostics not updated");
            Vec::new()
        };
        let analysed: Vec<(String, Analysis)> = if due.len() <= 1 {
            // one document (the usual edit): no thread to start
            std::panic::catch_unwind(AssertUnwindSafe(|| analyse(&due, &fs)))
                .unwrap_or_else(|_| panicked())
        } else {
            std::thread::scope(|scope| {
                let workers: Vec<_> = due
                    .chunks(chunk)
                    .map(|keys| {
                        let fs = fs.clone();
                        scope.spawn(move || analyse(keys, &fs))
                    })
                    .collect();
                workers
                    .into_iter()
                    .flat_map(|w| w.join().unwrap_or_else(|_| panicked()))
                    .collect()
            })
        };
        for (k, a) in analysed {
            let Some(doc) = self.docs.get_mut(&k) else {
                continue;
            };
            let diags = a.lsp_diagnostics(&doc.uri, &doc.text, self.encoding);
            doc.analysis = Some(a);
            let (uri, version) = (doc.uri.clone(), doc.version);
            self.publish(&uri, diags, Some(version));
        }
    }

    fn publish(&self, uri: &lt::Uri, diagnostics: Vec<lt::Diagnostic>, version: Option<i32>) {
        let p = lt::PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        };
        self.send(Notification::new(
            "textDocument/publishDiagnostics".into(),
            p,
        ));
    }

    fn doc(&self, uri: &lt::Uri) -> Option<&Doc> {
        self.docs.get(uri.as_str())
    }

    fn code_actions(&self, p: &lt::CodeActionParams) -> Vec<lt::CodeActionOrCommand> {
        let Some(doc) = self.doc(&p.text_document.uri) else {
            return Vec::new();
        };
        let Some(a) = &doc.analysis else {
            return Vec::new();
        };
        a.code_actions(&doc.uri, &doc.text, p.range, self.encoding)
    }

    fn formatting(&self, uri: &lt::Uri) -> Option<Vec<lt::TextEdit>> {
        let doc = self.doc(uri)?;
        let formatted = crate::fmt::format(&doc.text, crate::source::FileId(0)).ok()?;
        if formatted == doc.text {
            return Some(Vec::new());
        }
        let lines = LineMap::new(&doc.text, self.encoding);
        Some(vec![lt::TextEdit::new(
            lines.range(0, doc.text.len()),
            formatted,
        )])
    }

    fn hover(&self, p: &lt::TextDocumentPositionParams) -> Option<lt::Hover> {
        let doc = self.doc(&p.text_document.uri)?;
        let a = doc.analysis.as_ref()?;
        let lines = LineMap::new(&doc.text, self.encoding);
        let at = lines.offset(p.position);
        let mut parts = Vec::new();
        let mut range = None;
        if let Some((text, start, end)) = navigate::hover(a, at) {
            parts.push(text);
            range = Some(lines.range(start, end));
        }
        if let Some(findings) = a.hover(&doc.text, p.position, self.encoding) {
            parts.push(findings);
        }
        if parts.is_empty() {
            return None;
        }
        Some(lt::Hover {
            contents: lt::HoverContents::Markup(lt::MarkupContent {
                kind: lt::MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range,
        })
    }

    /// Where the word at the position is defined.
    fn definition(&self, p: &lt::TextDocumentPositionParams) -> Vec<lt::Location> {
        let Some(doc) = self.doc(&p.text_document.uri) else {
            return Vec::new();
        };
        let Some(a) = &doc.analysis else {
            return Vec::new();
        };
        let at = LineMap::new(&doc.text, self.encoding).offset(p.position);
        if let Some(spots) = navigate::definition(a, at) {
            return self.locate(doc, spots);
        }
        match navigate::profile_name_at(a, at) {
            Some(name) => {
                let (definition, _) = self.profile_spots(doc, &name, false);
                self.locate(doc, definition.into_iter().collect())
            }
            None => Vec::new(),
        }
    }

    /// Every mention of the variable or profile at the position.
    fn references(
        &self,
        p: &lt::TextDocumentPositionParams,
        declarations: bool,
    ) -> Vec<lt::Location> {
        let Some(doc) = self.doc(&p.text_document.uri) else {
            return Vec::new();
        };
        let Some(a) = &doc.analysis else {
            return Vec::new();
        };
        let at = LineMap::new(&doc.text, self.encoding).offset(p.position);
        if let Some(spots) = navigate::variable_references(a, at, declarations) {
            return self.locate(doc, spots);
        }
        let Some(name) = navigate::profile_name_at(a, at) else {
            return Vec::new();
        };
        let (definition, mut spots) = self.profile_spots(doc, &name, true);
        if declarations {
            spots.extend(definition);
        }
        self.locate(doc, spots)
    }

    fn completion(&self, p: &lt::TextDocumentPositionParams) -> Option<lt::CompletionResponse> {
        let doc = self.doc(&p.text_document.uri)?;
        let a = doc.analysis.as_ref()?;
        let lines = LineMap::new(&doc.text, self.encoding);
        let at = lines.offset(p.position);
        let profiles = || self.profile_names(doc);
        let items = complete::complete(a, &doc.text, at, &profiles)
            .into_iter()
            .map(|c| lt::CompletionItem {
                label: c.label,
                kind: Some(match c.kind {
                    complete::Kind::Keyword => lt::CompletionItemKind::KEYWORD,
                    complete::Kind::Value => lt::CompletionItemKind::VALUE,
                    complete::Kind::File => lt::CompletionItemKind::FILE,
                    complete::Kind::Folder => lt::CompletionItemKind::FOLDER,
                    complete::Kind::Variable => lt::CompletionItemKind::VARIABLE,
                    complete::Kind::Profile => lt::CompletionItemKind::MODULE,
                }),
                detail: c.detail,
                text_edit: Some(lt::CompletionTextEdit::Edit(lt::TextEdit::new(
                    lines.range(c.from, at),
                    c.insert,
                ))),
                ..Default::default()
            })
            .collect();
        Some(lt::CompletionResponse::Array(items))
    }

    /// The files a profile may be defined in or named from, each with its
    /// text: the document, the other open documents, then the profile tree
    /// beside the document (its directory and the base directory).
    fn profile_files<'a>(&'a self, doc: &'a Doc) -> Vec<(Option<PathBuf>, Cow<'a, str>)> {
        let mut out: Vec<(Option<PathBuf>, Cow<'a, str>)> = vec![(None, doc.text.as_str().into())];
        let mut seen: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
        if let Some(p) = &doc.path {
            seen.insert(p.clone());
        }
        for other in self.docs.values() {
            if let Some(p) = &other.path {
                if seen.insert(p.clone()) {
                    out.push((Some(p.clone()), other.text.as_str().into()));
                }
            }
        }
        let fs = Vfs::disk();
        let mut dirs: Vec<PathBuf> = doc
            .path
            .iter()
            .filter_map(|p| p.parent())
            .map(PathBuf::from)
            .collect();
        dirs.push(self.options.search.base_dir.clone());
        for dir in dirs {
            let Ok(names) = fs.read_dir(&dir) else {
                continue;
            };
            for n in names {
                let path = dir.join(&n);
                if crate::resolve::include::is_skipped(&n)
                    || !fs.is_file(&path)
                    || !seen.insert(path.clone())
                {
                    continue;
                }
                if let Ok(text) = fs.read_text(&path, crate::resolve::MAX_FILE_SIZE) {
                    out.push((Some(path), text.into()));
                }
            }
        }
        out
    }

    /// Where profile `name` is defined (its name in the first file that
    /// defines it) and, with `transitions`, the transitions that name it,
    /// in one pass over [`Self::profile_files`].
    fn profile_spots(
        &self,
        doc: &Doc,
        name: &str,
        transitions: bool,
    ) -> (Option<navigate::Spot>, Vec<navigate::Spot>) {
        let last = name.rsplit("//").next().unwrap_or(name);
        let (mut definition, mut named) = (None, Vec::new());
        for (file, text) in self.profile_files(doc) {
            if !text.contains(last) {
                continue;
            }
            let ix = index::Index::of(&text);
            let spot = |start, end| navigate::Spot {
                file: file.clone(),
                start,
                end,
            };
            if definition.is_none() {
                definition = ix.profile(name).map(|p| spot(p.start, p.end));
            }
            if transitions {
                named.extend(ix.transitions_to(name).map(|o| spot(o.start, o.end)));
            } else if definition.is_some() {
                break;
            }
        }
        (definition, named)
    }

    /// The profile names transitions may name: those of the files
    /// [`Self::profile_files`] gives, read off `profile NAME` lines (the
    /// document's own from its index).
    fn profile_names(&self, doc: &Doc) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        if let Some(a) = &doc.analysis {
            names.extend(a.index().profiles.iter().map(|p| p.name.clone()));
        }
        for (file, text) in self.profile_files(doc) {
            if file.is_none() {
                continue;
            }
            for line in text.lines() {
                let Some(rest) = line.trim_start().strip_prefix("profile ") else {
                    continue;
                };
                if let Some(n) = rest.split_whitespace().next() {
                    let n = n.trim_end_matches('{');
                    if !n.is_empty() {
                        names.push(n.to_string());
                    }
                }
            }
        }
        names.sort();
        names.dedup();
        names
    }

    /// Spots as the protocol's locations (each file's text as the server
    /// has it: an open document's, else the disk's).
    fn locate(&self, doc: &Doc, spots: Vec<navigate::Spot>) -> Vec<lt::Location> {
        let mut out = Vec::new();
        for s in spots {
            let (uri, text): (lt::Uri, Cow<'_, str>) = match &s.file {
                None => (doc.uri.clone(), doc.text.as_str().into()),
                Some(path) => {
                    let Some(uri) = position::uri_of(path) else {
                        continue;
                    };
                    let open = self.docs.values().find(|d| d.path.as_ref() == Some(path));
                    let included = doc
                        .analysis
                        .as_ref()
                        .and_then(|a| a.included.iter().find(|(p, _)| p == path));
                    let text = match (open, included) {
                        (Some(d), _) => d.text.as_str().into(),
                        (None, Some((_, t))) => t.as_ref().into(),
                        (None, None) if s.start == 0 && s.end == 0 => "".into(),
                        (None, None) => {
                            match Vfs::disk().read_text(path, crate::resolve::MAX_FILE_SIZE) {
                                Ok(t) => t.into(),
                                Err(_) => continue,
                            }
                        }
                    };
                    (uri, text)
                }
            };
            let range = LineMap::new(&text, self.encoding).range(s.start, s.end);
            out.push(lt::Location::new(uri, range));
        }
        out
    }

    fn symbols(&self, uri: &lt::Uri) -> Option<lt::DocumentSymbolResponse> {
        let doc = self.doc(uri)?;
        let a = doc.analysis.as_ref()?;
        Some(lt::DocumentSymbolResponse::Nested(
            a.symbols(&doc.text, self.encoding),
        ))
    }
}

/// A path as the disk resolves it (itself if it cannot).
fn canonical(p: &std::path::Path) -> PathBuf {
    Vfs::disk()
        .canonicalize(p)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Apply one change the client sent: a range replaced, or (without a
/// range) the whole text.
fn apply_change(text: &mut String, change: lt::TextDocumentContentChangeEvent, e: Encoding) {
    match change.range {
        None => *text = change.text,
        Some(r) => {
            let lines = LineMap::new(text, e);
            let (start, end) = (lines.offset(r.start), lines.offset(r.end));
            let (start, end) = (start.min(end), end.max(start));
            text.replace_range(start..end, &change.text);
        }
    }
}

/// An answer as JSON.
fn json(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests;
